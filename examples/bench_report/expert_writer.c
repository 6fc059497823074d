/* The benchmark report's expert C writer: SAGE's 54 datasets per snapshot written as an HDF5
 * expert would write them, for galaxy-io to be measured against in the same run.
 *
 * Usage: expert_writer OUTPUT CHUNK_ROWS SNAP=RECORDS_FILE ...
 *
 * Each RECORDS_FILE holds SAGE GALAXY_OUTPUT records (232 bytes, C layout), read before the
 * clock starts. Timed: the file in HDF5 1.10's format, a Snap_<N> group per snapshot with one
 * extendable, chunked dataset per field (vectors split into x/y/z, with SAGE's Description and
 * Units), then, a chunk of CHUNK_ROWS rows at a time, the fields gathered from the records into
 * one contiguous buffer each (the transpose) and written with one H5Dwrite per field (the chunk
 * cache off, so that whole chunks go straight to the file), num_gals, and the file closed.
 * Prints the seconds. */
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD 232

struct field {
    const char *name;
    size_t offset;
    size_t size;
    int is_float;
};

/* SAGE's record: name, byte offset, size, and whether a float (else an integer). */
static const struct field FIELDS[] = {
    {"SnapNum", 0, 4, 0}, {"Type", 4, 4, 0}, {"GalaxyIndex", 8, 8, 0},
    {"CentralGalaxyIndex", 16, 8, 0}, {"SAGEHaloIndex", 24, 4, 0}, {"SAGETreeIndex", 28, 4, 0},
    {"SimulationHaloIndex", 32, 8, 0}, {"mergeType", 40, 4, 0}, {"mergeIntoID", 44, 4, 0},
    {"mergeIntoSnapNum", 48, 4, 0}, {"dT", 52, 4, 1}, {"Posx", 56, 4, 1}, {"Posy", 60, 4, 1},
    {"Posz", 64, 4, 1}, {"Velx", 68, 4, 1}, {"Vely", 72, 4, 1}, {"Velz", 76, 4, 1},
    {"Spinx", 80, 4, 1}, {"Spiny", 84, 4, 1}, {"Spinz", 88, 4, 1}, {"Len", 92, 4, 0},
    {"Mvir", 96, 4, 1}, {"CentralMvir", 100, 4, 1}, {"Rvir", 104, 4, 1}, {"Vvir", 108, 4, 1},
    {"Vmax", 112, 4, 1}, {"VelDisp", 116, 4, 1}, {"ColdGas", 120, 4, 1},
    {"StellarMass", 124, 4, 1}, {"BulgeMass", 128, 4, 1}, {"HotGas", 132, 4, 1},
    {"EjectedMass", 136, 4, 1}, {"BlackHoleMass", 140, 4, 1}, {"IntraClusterStars", 144, 4, 1},
    {"MetalsColdGas", 148, 4, 1}, {"MetalsStellarMass", 152, 4, 1},
    {"MetalsBulgeMass", 156, 4, 1}, {"MetalsHotGas", 160, 4, 1},
    {"MetalsEjectedMass", 164, 4, 1}, {"MetalsIntraClusterStars", 168, 4, 1},
    {"SfrDisk", 172, 4, 1}, {"SfrBulge", 176, 4, 1}, {"SfrDiskZ", 180, 4, 1},
    {"SfrBulgeZ", 184, 4, 1}, {"DiskRadius", 188, 4, 1}, {"Cooling", 192, 4, 1},
    {"Heating", 196, 4, 1}, {"QuasarModeBHaccretionMass", 200, 4, 1},
    {"TimeOfLastMajorMerger", 204, 4, 1}, {"TimeOfLastMinorMerger", 208, 4, 1},
    {"OutflowRate", 212, 4, 1}, {"infallMvir", 216, 4, 1}, {"infallVvir", 220, 4, 1},
    {"infallVmax", 224, 4, 1},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fail(const char *what)
{
    fprintf(stderr, "expert_writer: %s failed\n", what);
    exit(1);
}

static void text_attribute(hid_t object, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(value) + 1);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, type, value) < 0) fail("an attribute");
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

static hid_t native(const struct field *f)
{
    if (f->is_float) return f->size == 8 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    return f->size == 8 ? H5T_NATIVE_LLONG : H5T_NATIVE_INT;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: expert_writer OUTPUT CHUNK_ROWS SNAP=RECORDS_FILE ...\n");
        return 2;
    }
    const hsize_t chunk = (hsize_t)atoll(argv[2]);
    const int snapshots = argc - 3;
    int *numbers = calloc((size_t)snapshots, sizeof *numbers);
    unsigned char **records = calloc((size_t)snapshots, sizeof *records);
    size_t *rows = calloc((size_t)snapshots, sizeof *rows);
    for (int s = 0; s < snapshots; s++) {
        char *spec = argv[3 + s], *eq = strchr(spec, '=');
        if (eq == NULL) fail("reading SNAP=FILE");
        numbers[s] = atoi(spec);
        FILE *in = fopen(eq + 1, "rb");
        if (in == NULL) fail("opening a records file");
        fseek(in, 0, SEEK_END);
        long bytes = ftell(in);
        fseek(in, 0, SEEK_SET);
        records[s] = malloc((size_t)bytes + 1);
        if (fread(records[s], 1, (size_t)bytes, in) != (size_t)bytes) fail("reading records");
        fclose(in);
        rows[s] = (size_t)bytes / RECORD;
    }
    unsigned char *column = malloc((size_t)chunk * 8);

    const double started = now();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    hid_t file = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (file < 0) fail("creating the file");
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(dapl, 0, 0, 1.0);
    hsize_t zero = 0, unlimited = H5S_UNLIMITED;
    hid_t empty = H5Screate_simple(1, &zero, &unlimited);
    hid_t datasets[NFIELDS];
    for (int s = 0; s < snapshots; s++) {
        char name[32];
        snprintf(name, sizeof name, "Snap_%d", numbers[s]);
        hid_t group = H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        for (size_t f = 0; f < NFIELDS; f++) {
            datasets[f] = H5Dcreate2(group, FIELDS[f].name, native(&FIELDS[f]), empty,
                                     H5P_DEFAULT, dcpl, dapl);
            if (datasets[f] < 0) fail("creating a dataset");
            text_attribute(datasets[f], "Description", "A property of the galaxy, as SAGE describes it");
            text_attribute(datasets[f], "Units", "1.0e10 Msun/h");
        }
        for (size_t first = 0; first < rows[s]; first += chunk) {
            const size_t n = rows[s] - first < chunk ? rows[s] - first : chunk;
            hsize_t extent = first + n, start = first, count = n;
            const unsigned char *block = records[s] + first * RECORD;
            for (size_t f = 0; f < NFIELDS; f++) {
                const size_t size = FIELDS[f].size, offset = FIELDS[f].offset;
                if (size == 4) {
                    uint32_t *out = (uint32_t *)column;
                    for (size_t r = 0; r < n; r++) memcpy(&out[r], block + r * RECORD + offset, 4);
                } else {
                    uint64_t *out = (uint64_t *)column;
                    for (size_t r = 0; r < n; r++) memcpy(&out[r], block + r * RECORD + offset, 8);
                }
                if (H5Dset_extent(datasets[f], &extent) < 0) fail("extending a dataset");
                hid_t space = H5Dget_space(datasets[f]);
                H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL);
                hid_t memory = H5Screate_simple(1, &count, NULL);
                if (H5Dwrite(datasets[f], native(&FIELDS[f]), memory, space, H5P_DEFAULT, column) < 0)
                    fail("writing rows");
                H5Sclose(memory);
                H5Sclose(space);
            }
        }
        hid_t scalar = H5Screate(H5S_SCALAR);
        hid_t attr = H5Acreate2(group, "num_gals", H5T_NATIVE_LLONG, scalar, H5P_DEFAULT, H5P_DEFAULT);
        long long count = (long long)rows[s];
        H5Awrite(attr, H5T_NATIVE_LLONG, &count);
        H5Aclose(attr);
        H5Sclose(scalar);
        for (size_t f = 0; f < NFIELDS; f++) H5Dclose(datasets[f]);
        H5Gclose(group);
    }
    H5Sclose(empty);
    H5Pclose(dapl);
    H5Pclose(dcpl);
    H5Pclose(fapl);
    if (H5Fclose(file) < 0) fail("closing the file");
    printf("%.6f\n", now() - started);
    return 0;
}
