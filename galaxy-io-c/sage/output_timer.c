/* Times SAGE's four HDF5 output functions, whichever writer implements them, for the
 * benchmark (benches/sage_output.rs): linked with -Wl,--wrap for each (output_timer.mk), it
 * measures the wall and CPU time SAGE's thread spends in them and prints both when the master
 * file is written, at the end of the run:
 *
 *     output_timer: 1.234567 s wall, 1.200000 s cpu in output
 */
#include <stdio.h>
#include <time.h>

#include "io/save_gals_hdf5.h"

static double wall_seconds, cpu_seconds;

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs `call`, adding its duration to the totals. */
#define TIMED(call)                                                 \
    do {                                                            \
        const double wall = now(CLOCK_MONOTONIC);                   \
        const double cpu = now(CLOCK_THREAD_CPUTIME_ID);            \
        status = (call);                                            \
        wall_seconds += now(CLOCK_MONOTONIC) - wall;                \
        cpu_seconds += now(CLOCK_THREAD_CPUTIME_ID) - cpu;          \
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
    TIMED(__real_initialize_hdf5_galaxy_files(filenr, save_info, run_params));
    return status;
}

int32_t __wrap_save_hdf5_galaxies(const int64_t task_forestnr, const int32_t num_gals,
                                  struct forest_info *forest_info, struct halo_data *halos,
                                  struct halo_aux_data *haloaux, struct GALAXY *halogal,
                                  struct save_info *save_info, const struct params *run_params)
{
    int32_t status;
    TIMED(__real_save_hdf5_galaxies(task_forestnr, num_gals, forest_info, halos, haloaux, halogal,
                                    save_info, run_params));
    return status;
}

int32_t __wrap_finalize_hdf5_galaxy_files(const struct forest_info *forest_info,
                                          struct save_info *save_info,
                                          const struct params *run_params)
{
    int32_t status;
    TIMED(__real_finalize_hdf5_galaxy_files(forest_info, save_info, run_params));
    return status;
}

int32_t __wrap_create_hdf5_master_file(const struct params *run_params)
{
    int32_t status;
    TIMED(__real_create_hdf5_master_file(run_params));
    fprintf(stderr, "output_timer: %.6f s wall, %.6f s cpu in output\n", wall_seconds, cpu_seconds);
    return status;
}
