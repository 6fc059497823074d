/* Reads every dataset of every Snap_<N> group of an HDF5 file whole, with one H5Dread each into
 * a buffer of the dataset's native type: the plain C baseline of the read-back report. Prints the
 * seconds from opening the file to closing it, and the values read.
 *
 *   cc -O2 read_columns.c $(pkg-config --cflags --libs hdf5) -o read_columns
 *   ./read_columns model.hdf5
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long values;

static herr_t read_dataset(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    (void)data;
    hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
    if (dataset < 0) return -1;
    hid_t stored = H5Dget_type(dataset);
    hid_t native = H5Tget_native_type(stored, H5T_DIR_ASCEND);
    hid_t space = H5Dget_space(dataset);
    hssize_t points = H5Sget_simple_extent_npoints(space);
    void *buffer = malloc((size_t)points * H5Tget_size(native) + 1);
    herr_t status = H5Dread(dataset, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    values += points;
    free(buffer);
    H5Sclose(space);
    H5Tclose(native);
    H5Tclose(stored);
    H5Dclose(dataset);
    return status < 0 ? -1 : 0;
}

static herr_t read_snapshot(hid_t root, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    if (strncmp(name, "Snap_", 5) != 0) return 0;
    hid_t group = H5Gopen2(root, name, H5P_DEFAULT);
    if (group < 0) return -1;
    herr_t status = H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, read_dataset, data);
    H5Gclose(group);
    return status;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return 1;
    herr_t status = H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, read_snapshot, NULL);
    H5Fclose(file);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (status < 0) return 1;
    printf("%.6f %lld\n", (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9,
           values);
    return 0;
}
