/* SAGE's HDF5 output (OutputFormat sage_hdf5) written through galaxy-io.
 *
 * A drop-in for SAGE's src/io/save_gals_hdf5.c: the four entry points its save_gals_hdf5.h
 * declares, on galaxy-io's C API (galaxy_io.h). Each galaxy is prepared for output as SAGE's
 * own writer prepares it (units, indices, merger pointers), the rows go through galaxy-io's
 * per-snapshot buffers and write callback on a thread of the library's own, and the header
 * holds what SAGE's writer puts there, from the run's parameters. The file has SAGE's layout,
 * so sage-analysis and sagediff.py read it as they read SAGE's.
 *
 * Build SAGE with it in place of src/io/save_gals_hdf5.c, without editing SAGE, with the
 * make fragment beside this file (the repository's README says how):
 *
 *     make -f path/to/galaxy-io-c/sage/galaxy_io.mk -f Makefile sage
 *
 * Differences from SAGE's writer, all on purpose:
 * - TreeInfo/Snap_<N>/NumGalsPerTreePerSnap counts every galaxy once (SAGE's counts the
 *   galaxies of its last, partly filled buffer twice);
 * - the Units and Description attributes are strings as long as their text (SAGE pads each to
 *   1024 bytes);
 * - the file appears under its name only when complete, and a crashed run's file is mended by
 *   `galaxy-io recover`. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "galaxy_io.h"

#include "io/save_gals_hdf5.h"
#include "macros.h"
#include "model_misc.h"
#include "sage.h"

/* Rows per chunk of every dataset, and galaxies held per snapshot (SAGE's NUM_GALS_PER_BUFFER). */
#define ROWS_PER_CHUNK 8192

/* One output per process (SAGE's save_info has no room for a handle of ours). */
static struct {
    gio_output *output;
    /* One forest's galaxies of one snapshot, grown as forests need. */
    gio_sage_galaxy *rows;
    int64_t capacity;
    /* Trees below this one have been declared to galaxy-io. */
    int64_t declared_trees;
} writer;

static int32_t failed(const char *what)
{
    fprintf(stderr, "Error: galaxy-io could not %s: %s\n", what, gio_last_error());
    return EXIT_FAILURE;
}

static void catalogue_path(char *path, size_t size, const struct params *run_params)
{
    snprintf(path, size, "%s/%s.hdf5", run_params->OutputDir, run_params->FileNameGalaxies);
}

int32_t initialize_hdf5_galaxy_files(const int filenr, struct save_info *save_info,
                                     const struct params *run_params)
{
    char path[3 * MAX_STRING_LEN];
    uint32_t snapshots[ABSOLUTEMAXSNAPS];
    gio_schema *schema = NULL;
    gio_options options = gio_options_default();
    gio_status status;

    (void)save_info;
    for (int32_t i = 0; i < run_params->NumSnapOutputs; i++) {
        snapshots[i] = (uint32_t)run_params->ListOutputSnaps[i];
    }
    catalogue_path(path, sizeof path, run_params);
    /* <name>_<filenr>.hdf5, as SAGE names a task's file. */
    options.task_index = (uint32_t)filenr;
    options.task_count = (uint32_t)run_params->NTasks;
    /* SAGE truncates an earlier run's file; so does this, replacing it once complete. */
    options.replace = 1;
    /* The model's next forests are computed while this output writes. GALAXY_IO_BACKGROUND=0
     * writes on SAGE's own thread instead, for runs with no core to spare (an MPI rank on every
     * core). */
    const char *background = getenv("GALAXY_IO_BACKGROUND");
    options.background = !(background != NULL && strcmp(background, "0") == 0);
    /* What a crash of a long run leaves: by default nothing until the file is finished;
     * GALAXY_IO_DURABILITY=flush keeps every buffer written once reported, =swmr also lets
     * readers follow the run (`galaxy-io inspect --live`). */
    const char *durability = getenv("GALAXY_IO_DURABILITY");
    if (durability == NULL || durability[0] == '\0' || strcmp(durability, "finish") == 0) {
        options.durability = GIO_DURABILITY_AT_FINISH;
    } else if (strcmp(durability, "flush") == 0) {
        options.durability = GIO_DURABILITY_FLUSH_EACH_BUFFER;
    } else if (strcmp(durability, "swmr") == 0) {
        options.durability = GIO_DURABILITY_SWMR;
    } else {
        fprintf(stderr,
                "Error: GALAXY_IO_DURABILITY is `%s`; it takes finish (the default), flush or "
                "swmr\n",
                durability);
        return INVALID_OPTION_IN_PARAMS;
    }
    /* As SAGE's own writer: 8192 galaxies held per snapshot, written as one chunk of each
     * dataset. The same memory, and each buffer handed over is whole chunks, written once; a
     * larger chunk than the buffer would be held back until it fills, most of a snapshot's
     * galaxies written only when the file is finished. */
    options.chunk_rows = ROWS_PER_CHUNK;
    options.buffer_initial_bytes = ROWS_PER_CHUNK * sizeof(gio_sage_galaxy);
    options.buffer_max_bytes = options.buffer_initial_bytes;

    /* GalaxyIndex stays with a galaxy from snapshot to snapshot: finishing the file writes a
     * history index of it (gio_schema_sage declares it already; said here for whoever adapts
     * this writer to another record). */
    if (gio_schema_sage(&schema) != GIO_OK || gio_schema_set_key(schema, "GalaxyIndex") != GIO_OK) {
        gio_schema_free(&schema);
        return failed("make SAGE's schema");
    }
    status = gio_output_create(path, schema, snapshots, (size_t)run_params->NumSnapOutputs,
                               run_params->ZZ, (size_t)run_params->Snaplistlen, &options,
                               &writer.output);
    gio_schema_free(&schema);
    if (status != GIO_OK) {
        fprintf(stderr, "Error: galaxy-io could not create the galaxy file for task %d: %s\n",
                filenr, gio_last_error());
        return FILE_NOT_FOUND;
    }
    writer.rows = NULL;
    writer.capacity = 0;
    writer.declared_trees = 0;
    return EXIT_SUCCESS;
}

/* galaxy-io numbers trees without gaps: trees that had no galaxy to save are declared with no
 * rows, so that TreeInfo has one count for each of the task's forests. */
static int32_t declare_trees_below(const int64_t tree, const struct params *run_params)
{
    const uint32_t snapshot = (uint32_t)run_params->ListOutputSnaps[0];

    for (; writer.declared_trees < tree; writer.declared_trees++) {
        if (gio_output_write_tree(writer.output, snapshot, (size_t)writer.declared_trees, NULL, 0)
            != GIO_OK) {
            return failed("declare a tree");
        }
    }
    return EXIT_SUCCESS;
}

/* A galaxy as SAGE's writer outputs it: the same conversions, in the same precision and order,
 * so that every value is the same bit for bit. */
static int32_t prepare_galaxy(const struct GALAXY *g, const struct halo_data *halos,
                              const int64_t original_treenr, const struct params *run_params,
                              gio_sage_galaxy *o)
{
    const struct halo_data *halo = &halos[g->HaloNr];
    float sfr_disk = 0.0, sfr_bulge = 0.0, sfr_disk_z = 0.0, sfr_bulge_z = 0.0;

    if (g->Type < SHRT_MIN || g->Type > SHRT_MAX) {
        fprintf(stderr, "Error: Galaxy type = %d can not be represented in 2 bytes\n", g->Type);
        return EXIT_FAILURE;
    }
    o->SnapNum = g->SnapNum;
    o->Type = g->Type;
    o->GalaxyIndex = g->GalaxyIndex;
    o->CentralGalaxyIndex = g->CentralGalaxyIndex;
    o->SAGEHaloIndex = g->HaloNr;
    o->SAGETreeIndex = original_treenr;
    o->SimulationHaloIndex = llabs(halo->MostBoundID);
    o->mergeType = g->mergeType;
    /* core_save.c has already made this the merger target's row at its output snapshot. */
    o->mergeIntoID = g->mergeIntoID;
    o->mergeIntoSnapNum = g->mergeIntoSnapNum;
    o->dT = g->dT * run_params->UnitTime_in_s / SEC_PER_MEGAYEAR;

    o->Posx = g->Pos[0];
    o->Posy = g->Pos[1];
    o->Posz = g->Pos[2];
    o->Velx = g->Vel[0];
    o->Vely = g->Vel[1];
    o->Velz = g->Vel[2];
    o->Spinx = halo->Spin[0];
    o->Spiny = halo->Spin[1];
    o->Spinz = halo->Spin[2];

    o->Len = g->Len;
    o->Mvir = g->Mvir;
    o->CentralMvir = get_virial_mass(halo->FirstHaloInFOFgroup, halos, run_params);
    /* The halo's actual virial radius and velocity, not the galaxy's maximum ones. */
    o->Rvir = get_virial_radius(g->HaloNr, halos, run_params);
    o->Vvir = get_virial_velocity(g->HaloNr, halos, run_params);
    o->Vmax = g->Vmax;
    o->VelDisp = halo->VelDisp;

    o->ColdGas = g->ColdGas;
    o->StellarMass = g->StellarMass;
    o->BulgeMass = g->BulgeMass;
    o->HotGas = g->HotGas;
    o->EjectedMass = g->EjectedMass;
    o->BlackHoleMass = g->BlackHoleMass;
    o->IntraClusterStars = g->ICS;
    o->MetalsColdGas = g->MetalsColdGas;
    o->MetalsStellarMass = g->MetalsStellarMass;
    o->MetalsBulgeMass = g->MetalsBulgeMass;
    o->MetalsHotGas = g->MetalsHotGas;
    o->MetalsEjectedMass = g->MetalsEjectedMass;
    o->MetalsIntraClusterStars = g->MetalsICS;

    /* Star formation in Msun/yr and its metallicity, averaged over the time steps; summed in
     * float, as SAGE sums them. */
    for (int step = 0; step < STEPS; step++) {
        sfr_disk += g->SfrDisk[step] * run_params->UnitMass_in_g / run_params->UnitTime_in_s * SEC_PER_YEAR / SOLAR_MASS / STEPS;
        sfr_bulge += g->SfrBulge[step] * run_params->UnitMass_in_g / run_params->UnitTime_in_s * SEC_PER_YEAR / SOLAR_MASS / STEPS;
        if (g->SfrDiskColdGas[step] > 0.0) {
            sfr_disk_z += g->SfrDiskColdGasMetals[step] / g->SfrDiskColdGas[step] / STEPS;
        }
        if (g->SfrBulgeColdGas[step] > 0.0) {
            sfr_bulge_z += g->SfrBulgeColdGasMetals[step] / g->SfrBulgeColdGas[step] / STEPS;
        }
    }
    o->SfrDisk = sfr_disk;
    o->SfrBulge = sfr_bulge;
    o->SfrDiskZ = sfr_disk_z;
    o->SfrBulgeZ = sfr_bulge_z;

    o->DiskRadius = g->DiskScaleRadius;
    /* log10 of erg/s; 0 for none. */
    o->Cooling = g->Cooling > 0.0
                     ? log10(g->Cooling * run_params->UnitEnergy_in_cgs / run_params->UnitTime_in_s)
                     : 0.0;
    o->Heating = g->Heating > 0.0
                     ? log10(g->Heating * run_params->UnitEnergy_in_cgs / run_params->UnitTime_in_s)
                     : 0.0;
    o->QuasarModeBHaccretionMass = g->QuasarModeBHaccretionMass;
    o->TimeOfLastMajorMerger = g->TimeOfLastMajorMerger * run_params->UnitTime_in_Megayears;
    o->TimeOfLastMinorMerger = g->TimeOfLastMinorMerger * run_params->UnitTime_in_Megayears;
    o->OutflowRate = g->OutflowRate * run_params->UnitMass_in_g / run_params->UnitTime_in_s * SEC_PER_YEAR / SOLAR_MASS;

    /* Infall properties describe satellites only. */
    o->infallMvir = g->Type != 0 ? g->infallMvir : 0.0;
    o->infallVvir = g->Type != 0 ? g->infallVvir : 0.0;
    o->infallVmax = g->Type != 0 ? g->infallVmax : 0.0;
    return EXIT_SUCCESS;
}

int32_t save_hdf5_galaxies(const int64_t task_forestnr, const int32_t num_gals,
                           struct forest_info *forest_info, struct halo_data *halos,
                           struct halo_aux_data *haloaux, struct GALAXY *halogal,
                           struct save_info *save_info, const struct params *run_params)
{
    const int64_t original_treenr = forest_info->original_treenr[task_forestnr];

    (void)save_info;
    if (declare_trees_below(task_forestnr, run_params) != EXIT_SUCCESS) {
        return EXIT_FAILURE;
    }
    if (num_gals > writer.capacity) {
        gio_sage_galaxy *grown = realloc(writer.rows, (size_t)num_gals * sizeof *grown);
        if (grown == NULL) {
            fprintf(stderr, "Error: could not allocate %d output galaxies\n", num_gals);
            return MALLOC_FAILURE;
        }
        writer.rows = grown;
        writer.capacity = num_gals;
    }
    /* The forest's galaxies grouped by output snapshot, each group in SAGE's order: the rows
     * SAGE writes. `start[i]` is where snapshot i's group begins. */
    size_t start[ABSOLUTEMAXSNAPS + 1] = {0};
    for (int32_t gal_idx = 0; gal_idx < num_gals; gal_idx++) {
        if (haloaux[gal_idx].output_snap_n >= 0) {
            start[haloaux[gal_idx].output_snap_n + 1]++;
        }
    }
    for (int32_t snap_idx = 0; snap_idx < run_params->NumSnapOutputs; snap_idx++) {
        start[snap_idx + 1] += start[snap_idx];
    }
    size_t next[ABSOLUTEMAXSNAPS];
    memcpy(next, start, sizeof next);
    for (int32_t gal_idx = 0; gal_idx < num_gals; gal_idx++) {
        const int snap_idx = haloaux[gal_idx].output_snap_n;
        if (snap_idx < 0) {
            continue;
        }
        if (prepare_galaxy(&halogal[gal_idx], halos, original_treenr, run_params,
                           &writer.rows[next[snap_idx]++])
            != EXIT_SUCCESS) {
            return EXIT_FAILURE;
        }
    }
    for (int32_t snap_idx = 0; snap_idx < run_params->NumSnapOutputs; snap_idx++) {
        const size_t rows = start[snap_idx + 1] - start[snap_idx];
        if (gio_output_write_tree(writer.output, (uint32_t)run_params->ListOutputSnaps[snap_idx],
                                  (size_t)task_forestnr, writer.rows + start[snap_idx],
                                  rows * sizeof *writer.rows)
            != GIO_OK) {
            return failed("write galaxies");
        }
    }
    if (task_forestnr >= writer.declared_trees) {
        writer.declared_trees = task_forestnr + 1;
    }
    return EXIT_SUCCESS;
}

/* The header SAGE's writer writes into a task's file, from the run's parameters and the
 * task's share of the forests. */
static int32_t set_header(gio_output *output, const struct forest_info *forest_info,
                          const struct params *run_params)
{
    const uint32_t simulation = GIO_HEADER_SIMULATION, runtime = GIO_HEADER_RUNTIME;
    const uint32_t misc = GIO_HEADER_MISC, tree_info = GIO_HEADER_TREE_INFO;
    const struct {
        const char *name;
        double value;
    } doubles[] = {
        {"SfrEfficiency", run_params->SfrEfficiency},
        {"FeedbackReheatingEpsilon", run_params->FeedbackReheatingEpsilon},
        {"FeedbackEjectionEfficiency", run_params->FeedbackEjectionEfficiency},
        {"ReIncorporationFactor", run_params->ReIncorporationFactor},
        {"RadioModeEfficiency", run_params->RadioModeEfficiency},
        {"QuasarModeEfficiency", run_params->QuasarModeEfficiency},
        {"BlackHoleGrowthRate", run_params->BlackHoleGrowthRate},
        {"ThreshMajorMerger", run_params->ThreshMajorMerger},
        {"ThresholdSatDisruption", run_params->ThresholdSatDisruption},
        {"Yield", run_params->Yield},
        {"RecycleFraction", run_params->RecycleFraction},
        {"FracZleaveDisk", run_params->FracZleaveDisk},
        {"Reionization_z0", run_params->Reionization_z0},
        {"Reionization_zr", run_params->Reionization_zr},
        {"EnergySN", run_params->EnergySN},
        {"EtaSN", run_params->EtaSN},
        {"UnitLength_in_cm", run_params->UnitLength_in_cm},
        {"UnitMass_in_g", run_params->UnitMass_in_g},
        {"UnitVelocity_in_cm_per_s", run_params->UnitVelocity_in_cm_per_s},
        {"frac_volume_processed", forest_info->frac_volume_processed},
    };
    const struct {
        const char *name;
        int32_t value;
    } ints[] = {
        {"FirstFile", run_params->FirstFile},
        {"LastFile", run_params->LastFile},
        {"SFprescription", run_params->SFprescription},
        {"AGNrecipeOn", run_params->AGNrecipeOn},
        {"SupernovaRecipeOn", run_params->SupernovaRecipeOn},
        {"ReionizationOn", run_params->ReionizationOn},
        {"DiskInstabilityOn", run_params->DiskInstabilityOn},
        {"NumOutputs", run_params->NumSnapOutputs},
    };
    int failures = 0;

    failures += gio_output_set_string(output, simulation, "SimulationDir", run_params->SimulationDir) != GIO_OK;
    failures += gio_output_set_string(output, simulation, "FileWithSnapList", run_params->FileWithSnapList) != GIO_OK;
    failures += gio_output_set_int32(output, simulation, "LastSnapshotNr", run_params->LastSnapshotNr) != GIO_OK;
    failures += gio_output_set_int32(output, simulation, "SimMaxSnaps", run_params->SimMaxSnaps) != GIO_OK;
    failures += gio_output_set_double(output, simulation, "omega_matter", run_params->Omega) != GIO_OK;
    failures += gio_output_set_double(output, simulation, "omega_lambda", run_params->OmegaLambda) != GIO_OK;
    failures += gio_output_set_double(output, simulation, "particle_mass", run_params->PartMass) != GIO_OK;
    failures += gio_output_set_double(output, simulation, "hubble_h", run_params->Hubble_h) != GIO_OK;
    failures += gio_output_set_int32(output, simulation, "num_simulation_tree_files", run_params->NumSimulationTreeFiles) != GIO_OK;
    failures += gio_output_set_double(output, simulation, "box_size", run_params->BoxSize) != GIO_OK;
    failures += gio_output_set_int64(output, simulation, "num_trees_this_file", forest_info->nforests_this_task) != GIO_OK;

    failures += gio_output_set_int32(output, misc, "num_cores", run_params->NTasks) != GIO_OK;
    failures += gio_output_set_string(output, misc, "sage_data_version", SAGE_DATA_VERSION) != GIO_OK;
    failures += gio_output_set_string(output, misc, "sage_version", SAGE_VERSION) != GIO_OK;
    failures += gio_output_set_string(output, misc, "git_SHA_reference", GITREF_STR) != GIO_OK;

    failures += gio_output_set_string(output, runtime, "FileNameGalaxies", run_params->FileNameGalaxies) != GIO_OK;
    failures += gio_output_set_string(output, runtime, "OutputDir", run_params->OutputDir) != GIO_OK;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        failures += gio_output_set_int32(output, runtime, ints[i].name, ints[i].value) != GIO_OK;
    }
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        failures += gio_output_set_double(output, runtime, doubles[i].name, doubles[i].value) != GIO_OK;
    }

    /* The galaxy ID scheme. */
    failures += gio_output_set_int64(output, tree_info, "FileNr_Mulfac", run_params->FileNr_Mulfac) != GIO_OK;
    failures += gio_output_set_int64(output, tree_info, "ForestNr_Mulfac", run_params->ForestNr_Mulfac) != GIO_OK;
    return failures == 0 ? EXIT_SUCCESS : failed("set the header");
}

int32_t finalize_hdf5_galaxy_files(const struct forest_info *forest_info, struct save_info *save_info,
                                   const struct params *run_params)
{
    int32_t status;

    (void)save_info;
    status = declare_trees_below(forest_info->nforests_this_task, run_params);
    if (status == EXIT_SUCCESS) {
        status = set_header(writer.output, forest_info, run_params);
    }
    free(writer.rows);
    writer.rows = NULL;
    writer.capacity = 0;
    if (status != EXIT_SUCCESS) {
        gio_output_free(&writer.output);
        return status;
    }
    if (gio_output_finish(&writer.output) != GIO_OK) {
        return failed("finish the galaxy file");
    }
    return EXIT_SUCCESS;
}

int32_t create_hdf5_master_file(const struct params *run_params)
{
    char master[3 * MAX_STRING_LEN];
    char (*tasks)[3 * MAX_STRING_LEN];
    const char **paths;
    gio_status status;

    /* Task 0 links every task's file, as SAGE's writer does: under MPI, SAGE's main calls this
     * only after a barrier, when every rank has finished its file. */
    if (run_params->ThisTask > 0) {
        return EXIT_SUCCESS;
    }
    tasks = malloc((size_t)run_params->NTasks * sizeof *tasks);
    paths = malloc((size_t)run_params->NTasks * sizeof *paths);
    if (tasks == NULL || paths == NULL) {
        free(tasks);
        free(paths);
        fprintf(stderr, "Error: could not allocate the names of %d files\n", run_params->NTasks);
        return MALLOC_FAILURE;
    }
    catalogue_path(master, sizeof master, run_params);
    for (int32_t task = 0; task < run_params->NTasks; task++) {
        snprintf(tasks[task], sizeof tasks[task], "%s/%s_%d.hdf5", run_params->OutputDir,
                 run_params->FileNameGalaxies, task);
        paths[task] = tasks[task];
    }
    /* SAGE truncates an earlier run's master file; so does this. */
    status = gio_write_master(master, paths, (size_t)run_params->NTasks, 1);
    free(tasks);
    free(paths);
    return status == GIO_OK ? EXIT_SUCCESS : failed("write the master file");
}
