/* Times SAGE's four HDF5 output functions, whichever writer implements them, for the
 * benchmark (benches/sage_output.rs): linked with -Wl,--wrap for each (output_timer.mk), it
 * measures the wall and CPU time SAGE's thread spends in them and prints both when the master
 * file is written, at the end of the run, then each function's share:
 *
 *     output_timer: 1.234567 s wall, 1.200000 s cpu in output
 *     output_timer_parts: initialize 0.01 0.01 save 1.00 0.98 finalize 0.20 0.19 master 0.02 0.02
 */
#include <stdio.h>
#include <time.h>

#include "io/save_gals_hdf5.h"

static double wall_seconds, cpu_seconds;
/* Each function's wall and CPU seconds: initialize, save, finalize, master. */
static double part_wall[4], part_cpu[4];

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs `call`, adding its duration to the totals and to function `part`'s. */
#define TIMED(part, call)                                           \
    do {                                                            \
        const double wall = now(CLOCK_MONOTONIC);                   \
        const double cpu = now(CLOCK_THREAD_CPUTIME_ID);            \
        status = (call);                                            \
        const double spent_wall = now(CLOCK_MONOTONIC) - wall;      \
        const double spent_cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu; \
        wall_seconds += spent_wall;                                 \
        cpu_seconds += spent_cpu;                                   \
        part_wall[part] += spent_wall;                              \
        part_cpu[part] += spent_cpu;                                \
    } while (0)

int32_t __real_initialize_hdf5_galaxy_files(const int filenr, struct save_info *save_info,
                                            const struct params *run_params);
int32_t __real_save_hdf5_galaxies(const int64_t task_forestnr, const int32_t num_gals,
                                  struct forest_info *forest_info, struct halo_data *halos,
                                  struct halo_aux_data *haloaux, struct GALAXY *halogal,
                                  struct save_info *save_info, const struct params *run_params);
int32_t __real_finalize_hdf5_galaxy_files(const struct forest_info *forest_info,
                                          struct save_info *save_info,
                                          const struct params *run_params);
int32_t __real_create_hdf5_master_file(const struct params *run_params);

int32_t __wrap_initialize_hdf5_galaxy_files(const int filenr, struct save_info *save_info,
                                            const struct params *run_params);
int32_t __wrap_save_hdf5_galaxies(const int64_t task_forestnr, const int32_t num_gals,
                                  struct forest_info *forest_info, struct halo_data *halos,
                                  struct halo_aux_data *haloaux, struct GALAXY *halogal,
                                  struct save_info *save_info, const struct params *run_params);
int32_t __wrap_finalize_hdf5_galaxy_files(const struct forest_info *forest_info,
                                          struct save_info *save_info,
                                          const struct params *run_params);
int32_t __wrap_create_hdf5_master_file(const struct params *run_params);

int32_t __wrap_initialize_hdf5_galaxy_files(const int filenr, struct save_info *save_info,
                                            const struct params *run_params)
{
    int32_t status;
    TIMED(0, __real_initialize_hdf5_galaxy_files(filenr, save_info, run_params));
    return status;
}

int32_t __wrap_save_hdf5_galaxies(const int64_t task_forestnr, const int32_t num_gals,
                                  struct forest_info *forest_info, struct halo_data *halos,
                                  struct halo_aux_data *haloaux, struct GALAXY *halogal,
                                  struct save_info *save_info, const struct params *run_params)
{
    int32_t status;
    TIMED(1, __real_save_hdf5_galaxies(task_forestnr, num_gals, forest_info, halos, haloaux,
                                       halogal, save_info, run_params));
    return status;
}

int32_t __wrap_finalize_hdf5_galaxy_files(const struct forest_info *forest_info,
                                          struct save_info *save_info,
                                          const struct params *run_params)
{
    int32_t status;
    TIMED(2, __real_finalize_hdf5_galaxy_files(forest_info, save_info, run_params));
    return status;
}

int32_t __wrap_create_hdf5_master_file(const struct params *run_params)
{
    int32_t status;
    TIMED(3, __real_create_hdf5_master_file(run_params));
    fprintf(stderr, "output_timer: %.6f s wall, %.6f s cpu in output\n", wall_seconds, cpu_seconds);
    fprintf(stderr,
            "output_timer_parts: initialize %.3f %.3f save %.3f %.3f finalize %.3f %.3f "
            "master %.3f %.3f\n",
            part_wall[0], part_cpu[0], part_wall[1], part_cpu[1], part_wall[2], part_cpu[2],
            part_wall[3], part_cpu[3]);
    return status;
}
