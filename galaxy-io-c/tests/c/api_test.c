/* Uses every function of galaxy_io.h, then tries each misuse the API promises to report.
 * Built by tests/c_api.rs with -std=c99 -Wall -Wextra -Werror -pedantic and run (under valgrind
 * in CI); the files it writes into DIR are checked there with galaxy-io's reader and h5py.
 *
 * Usage: api_test DIR
 *
 * The galaxies are a function of (task, snapshot, tree, row), so the checks can recompute them:
 * see galaxy() below and expected_galaxy() in tests/c_api.rs. */
/* fork, waitpid and _exit, to crash a writer. */
#define _POSIX_C_SOURCE 200809L

#include "galaxy_io.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TASKS 2
#define TREES 3
#define SNAPSHOTS 2
#define SIMULATION_SNAPSHOTS 64

static int failures = 0;

/* A call that must succeed. */
#define OK(call)                                                                         \
    do {                                                                                 \
        gio_status status_ = (call);                                                     \
        if (status_ != GIO_OK) {                                                         \
            fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call,    \
                    (int)status_, gio_last_error());                                     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

/* A misuse that must give `expected` and a message containing `words`. */
#define FAILS(call, expected, words)                                                     \
    do {                                                                                 \
        gio_status status_ = (call);                                                     \
        if (status_ != (expected) || strstr(gio_last_error(), (words)) == NULL) {        \
            fprintf(stderr, "%s:%d: %s gave %d (%s), expected %d with \"%s\"\n",         \
                    __FILE__, __LINE__, #call, (int)status_, gio_last_error(),           \
                    (int)(expected), (words));                                           \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

#define CHECK(condition)                                                                 \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #condition); \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static gio_sage_galaxy galaxy(int task, uint32_t snapshot, int tree, int row)
{
    gio_sage_galaxy g;
    memset(&g, 0, sizeof g);
    g.SnapNum = (int32_t)snapshot;
    g.Type = row % 2;
    g.GalaxyIndex = 1000000LL * task + 10000LL * tree + row;
    g.SAGETreeIndex = tree;
    g.Posx = (float)row;
    g.Posy = (float)tree;
    g.Posz = (float)task;
    g.StellarMass = 0.5f * (float)(row + 1) + (float)snapshot;
    g.infallVmax = -1.0f;
    return g;
}

/* Rows of tree `tree` at `snapshot`: a different number for each, some trees with none. */
static int rows_of(int task, uint32_t snapshot, int tree)
{
    return (int)((snapshot + 3u * (unsigned)tree + (unsigned)task) % 5u);
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* Two tasks' SAGE outputs with a full header, one written in the background, and their master. */
/* The master's row of task 1's galaxy of `tree`, row 0: task 0's rows (its trees', then at 63
 * one more) and task 1's trees before come first. */
static uint64_t row_in_master(uint32_t snapshot, int tree)
{
    uint64_t before = snapshot == 63 ? 1 : 0;
    int t;
    for (t = 0; t < TREES; t++)
        before += (uint64_t)rows_of(0, snapshot, t);
    for (t = 0; t < tree; t++)
        before += (uint64_t)rows_of(1, snapshot, t);
    return before;
}

/* The history of task 1's galaxy of tree 2, row 0, through the master: found at every
 * snapshot where that tree has rows, in the master's rows (task 0's come first). */
static void master_history(const char *master)
{
    gio_catalogue *catalogue = NULL;
    gio_appearance places[4];
    size_t count = 0, i;
    uint8_t indexed = 2;

    OK(gio_catalogue_open(master, &catalogue));
    OK(gio_catalogue_history(catalogue, 1000000LL + 10000LL * 2, places, 4, &count, &indexed));
    CHECK(indexed == 1);
    CHECK(count == (size_t)(rows_of(1, 32, 2) > 0) + (size_t)(rows_of(1, 63, 2) > 0));
    for (i = 0; i < count; i++)
        CHECK(places[i].row == row_in_master(places[i].snapshot, 2));
    CHECK(count < 2 || (places[0].snapshot == 32 && places[1].snapshot == 63));
    /* Too little room: the count says how many there are. */
    OK(gio_catalogue_history(catalogue, 1000000LL + 10000LL * 2, NULL, 0, &count, NULL));
    FAILS(gio_catalogue_history(catalogue, -5, places, 4, &count, NULL), GIO_UNKNOWN_KEY, "-5");
    FAILS(gio_catalogue_history(catalogue, 0, places, 4, NULL, NULL), GIO_NULL_POINTER,
          "`count` is NULL");
    FAILS(gio_catalogue_history(catalogue, 0, NULL, 4, &count, NULL), GIO_NULL_POINTER,
          "`places` is NULL");
    OK(gio_catalogue_free(&catalogue));
    CHECK(catalogue == NULL);
    FAILS(gio_catalogue_free(&catalogue), GIO_NULL_POINTER, "`*catalogue` is NULL");
    FAILS(gio_catalogue_open(NULL, &catalogue), GIO_NULL_POINTER, "`path` is NULL");
}

static void sage_outputs(const char *dir, double *redshifts)
{
    const uint32_t snapshots[SNAPSHOTS] = {63, 32};
    const int32_t listed[SNAPSHOTS] = {63, 32};
    const int64_t mulfac[2] = {1000000000000000LL, 1000000000LL};
    const double cosmology[3] = {0.25, 0.75, 0.73};
    char path[4096], tasks[TASKS][4096];
    const char *task_paths[TASKS];
    gio_schema *schema = NULL;
    size_t record_size = 0;
    int task;

    OK(gio_schema_sage(&schema));
    OK(gio_schema_record_size(schema, &record_size));
    CHECK(record_size == sizeof(gio_sage_galaxy));
    path_in(path, sizeof path, dir, "sage.hdf5");
    for (task = 0; task < TASKS; task++) {
        gio_options options = gio_options_default();
        gio_output *output = NULL;
        gio_sage_galaxy rows[8];
        size_t size = 0;
        int s, tree, row;

        options.task_index = (uint32_t)task;
        options.task_count = TASKS;
        options.trees = TREES;
        options.background = (uint8_t)(task == 1);
        options.durability = GIO_DURABILITY_FLUSH_EACH_BUFFER;
        options.buffer_initial_bytes = 4 * sizeof(gio_sage_galaxy);
        options.buffer_max_bytes = 4 * sizeof(gio_sage_galaxy);
        options.chunk_rows = 4;
        OK(gio_output_create(path, schema, snapshots, SNAPSHOTS, redshifts, SIMULATION_SNAPSHOTS,
                             &options, &output));
        OK(gio_output_record_size(output, &size));
        CHECK(size == sizeof(gio_sage_galaxy));
        for (tree = 0; tree < TREES; tree++) {
            for (s = 0; s < SNAPSHOTS; s++) {
                int n = rows_of(task, snapshots[s], tree);
                for (row = 0; row < n; row++)
                    rows[row] = galaxy(task, snapshots[s], tree, row);
                OK(gio_output_write_tree(output, snapshots[s], (size_t)tree, rows,
                                         (size_t)n * sizeof rows[0]));
            }
        }
        /* Rows without a tree, after the trees' (not counted in TreeInfo). */
        rows[0] = galaxy(task, 63, TREES, 0);
        OK(gio_output_write(output, 63, rows, sizeof rows[0]));
        OK(gio_output_flush(output));

        OK(gio_output_set_double(output, GIO_HEADER_SIMULATION, "hubble_h", 0.73));
        OK(gio_output_set_int32(output, GIO_HEADER_SIMULATION, "LastSnapshotNr", 63));
        OK(gio_output_set_int64(output, GIO_HEADER_SIMULATION, "num_trees_this_file", TREES));
        OK(gio_output_set_string(output, GIO_HEADER_RUNTIME, "FileNameGalaxies", "sage"));
        OK(gio_output_set_double(output, GIO_HEADER_RUNTIME, "frac_volume_processed", 0.5));
        OK(gio_output_set_double_array(output, GIO_HEADER_RUNTIME, "cosmology", cosmology, 3));
        OK(gio_output_set_int32_array(output, GIO_HEADER_RUNTIME, "listed", listed, SNAPSHOTS));
        OK(gio_output_set_int64_array(output, GIO_HEADER_TREE_INFO, "mulfac", mulfac, 2));
        OK(gio_output_set_int64(output, GIO_HEADER_TREE_INFO, "FileNr_Mulfac", mulfac[0]));
        OK(gio_output_set_string(output, GIO_HEADER_MISC, "sage_version", "c-api-test"));
        OK(gio_output_finish(&output));
        CHECK(output == NULL);
        snprintf(tasks[task], sizeof tasks[task], "%s/sage_%d.hdf5", dir, task);
        task_paths[task] = tasks[task];
    }
    OK(gio_write_master(path, task_paths, TASKS, 0));
    OK(gio_schema_free(&schema));
    CHECK(schema == NULL);
    master_history(path);
}

/* A record described field by field, with a run-time property after it. */
struct row {
    double mass;
    int32_t kind;
    float pos[3];
    float vel[3];
};

static void custom_output(const char *dir)
{
    const uint32_t snapshot = 7;
    unsigned char rows[4 * 64];
    gio_schema *schema = NULL;
    gio_output *output = NULL;
    size_t at = 0, size = 0;
    const char *velocity[3] = {"Velx", "Vely", "Velz"};
    char path[4096];
    int i;

    OK(gio_schema_new(sizeof(struct row), &schema));
    OK(gio_schema_add_field(schema, "Mass", GIO_DOUBLE, offsetof(struct row, mass), 1,
                            "1e10 Msun/h", "Mass of the galaxy."));
    OK(gio_schema_add_field(schema, "Kind", GIO_INT32, offsetof(struct row, kind), 1, NULL, NULL));
    OK(gio_schema_add_field_flags(schema, "Pos", GIO_FLOAT, offsetof(struct row, pos), 3,
                                  "Mpc/h", "Position.", GIO_FIELD_COMOVING));
    OK(gio_schema_add_split_field(schema, velocity, 3, GIO_FLOAT, offsetof(struct row, vel),
                                  "km/s", "Velocity.", 0));
    OK(gio_schema_add_property(schema, "H2Mass", GIO_FLOAT, 1, "1e10 Msun/h", "Molecular gas.",
                               &at));
    OK(gio_schema_record_size(schema, &size));
    CHECK(at == sizeof(struct row));
    /* The property is aligned to its 4 bytes; the grown record to the row's widest element, the
     * double, so that the second row's `mass` is aligned too. */
    CHECK(size == sizeof(struct row) + 2 * sizeof(float) && size % sizeof(double) == 0);
    CHECK(size * 4 <= sizeof rows);
    for (i = 0; i < 4; i++) {
        struct row r;
        float h2 = 0.25f * (float)i;
        memset(&r, 0, sizeof r);
        r.mass = 1.5 * i;
        r.kind = i;
        r.pos[0] = (float)i;
        r.pos[1] = (float)(2 * i);
        r.pos[2] = (float)(3 * i);
        r.vel[0] = (float)(-i);
        r.vel[1] = (float)(-2 * i);
        r.vel[2] = (float)(-3 * i);
        memset(rows + (size_t)i * size, 0, size);
        memcpy(rows + (size_t)i * size, &r, sizeof r);
        memcpy(rows + (size_t)i * size + at, &h2, sizeof h2);
    }
    path_in(path, sizeof path, dir, "custom.hdf5");
    /* `Kind` identifies a row across snapshots here; a float cannot. */
    FAILS(gio_schema_set_key(schema, "Mass"), GIO_SCHEMA_ERROR, "key");
    OK(gio_schema_set_key(schema, "Kind"));
    OK(gio_output_create(path, schema, &snapshot, 1, NULL, 0, NULL, &output));
    OK(gio_output_write(output, snapshot, rows, 4 * size));
    OK(gio_output_finish(&output));
    OK(gio_schema_free(&schema));
    {
        gio_catalogue *catalogue = NULL;
        gio_appearance place;
        size_t count = 0;
        OK(gio_catalogue_open(path, &catalogue));
        OK(gio_catalogue_history(catalogue, 2, &place, 1, &count, NULL));
        CHECK(count == 1 && place.snapshot == snapshot && place.row == 2);
        OK(gio_catalogue_free(&catalogue));
    }
}

/* An output abandoned without finish; and one whose writer dies, then mended. */
static void abandoned_output(const char *dir)
{
    const uint32_t snapshot = 63;
    gio_sage_galaxy rows[3];
    gio_schema *schema = NULL;
    gio_output *output = NULL;
    gio_options options = gio_options_default();
    uint8_t repaired = 2;
    char path[4096];
    pid_t writer;
    int i, status = 0;

    for (i = 0; i < 3; i++)
        rows[i] = galaxy(0, snapshot, 0, i);
    options.durability = GIO_DURABILITY_FLUSH_EACH_BUFFER;
    OK(gio_schema_sage(&schema));

    /* Freed without finish: buffered galaxies are written and the file left readable. */
    path_in(path, sizeof path, dir, "abandoned.hdf5");
    OK(gio_output_create(path, schema, &snapshot, 1, NULL, 0, &options, &output));
    OK(gio_output_write(output, snapshot, rows, sizeof rows));
    OK(gio_output_free(&output));
    CHECK(output == NULL);
    OK(gio_recover(path, NULL));

    /* A writer that dies after a flush, without closing anything: recover keeps what it
     * flushed. */
    path_in(path, sizeof path, dir, "crashed.hdf5");
    fflush(NULL);
    writer = fork();
    if (writer == 0) {
        int ok = gio_output_create(path, schema, &snapshot, 1, NULL, 0, &options, &output) == GIO_OK
                 && gio_output_write(output, snapshot, rows, sizeof rows) == GIO_OK
                 && gio_output_flush(output) == GIO_OK
                 && gio_output_write(output, snapshot, rows, sizeof rows[0]) == GIO_OK;
        _exit(ok ? 0 : 1);
    }
    CHECK(writer > 0);
    CHECK(waitpid(writer, &status, 0) == writer && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    OK(gio_recover(path, &repaired));
    CHECK(repaired == 1);
    repaired = 2;
    OK(gio_recover(path, &repaired));
    CHECK(repaired == 0);
    OK(gio_schema_free(&schema));
}

static void misuse(const char *dir)
{
    const uint32_t snapshot = 63;
    gio_sage_galaxy rows[2];
    gio_schema *schema = NULL, *schema_copy, *custom = NULL;
    gio_output *output = NULL, *output_copy;
    gio_output *forged = (gio_output *)(uintptr_t)0x5eed;
    gio_options options = gio_options_default();
    const char *no_paths[1] = {NULL};
    char path[4096];
    size_t at = 0;

    memset(rows, 0, sizeof rows);
    /* NULL pointers. */
    FAILS(gio_schema_sage(NULL), GIO_NULL_POINTER, "`out` is NULL");
    FAILS(gio_schema_free(NULL), GIO_NULL_POINTER, "`schema` is NULL");
    FAILS(gio_schema_free(&schema), GIO_NULL_POINTER, "`*schema` is NULL");
    FAILS(gio_output_write(NULL, snapshot, rows, sizeof rows), GIO_NULL_POINTER, "`output` is NULL");
    FAILS(gio_output_flush(NULL), GIO_NULL_POINTER, "`output` is NULL");
    FAILS(gio_output_finish(&output), GIO_NULL_POINTER, "`*output` is NULL");
    FAILS(gio_output_free(NULL), GIO_NULL_POINTER, "`output` is NULL");
    FAILS(gio_write_master(NULL, no_paths, 1, 0), GIO_NULL_POINTER, "`master` is NULL");
    FAILS(gio_recover(NULL, NULL), GIO_NULL_POINTER, "`path` is NULL");

    OK(gio_schema_sage(&schema));
    FAILS(gio_output_create(NULL, schema, &snapshot, 1, NULL, 0, NULL, &output), GIO_NULL_POINTER,
          "`path` is NULL");
    path_in(path, sizeof path, dir, "misuse.hdf5");
    FAILS(gio_output_create(path, schema, NULL, 1, NULL, 0, NULL, &output), GIO_NULL_POINTER,
          "`snapshots` is NULL");
    FAILS(gio_output_create(path, schema, &snapshot, 1, NULL, 0, NULL, NULL), GIO_NULL_POINTER,
          "`output` is NULL");
    FAILS(gio_write_master(path, no_paths, 1, 0), GIO_NULL_POINTER, "`outputs[0]` is NULL");
    options.durability = 7;
    FAILS(gio_output_create(path, schema, &snapshot, 1, NULL, 0, &options, &output),
          GIO_INVALID_ARGUMENT, "7 is not a gio_durability");
    options = gio_options_default();
    options.buffer_initial_bytes = 0;
    FAILS(gio_output_create(path, schema, &snapshot, 1, NULL, 0, &options, &output),
          GIO_INVALID_ARGUMENT, "buffer");
    {
        uint32_t twice[2] = {63, 63};
        FAILS(gio_output_create(path, schema, &snapshot, 0, NULL, 0, NULL, &output),
              GIO_INVALID_ARGUMENT, "at least one snapshot");
        FAILS(gio_output_create(path, schema, twice, 2, NULL, 0, NULL, &output),
              GIO_INVALID_ARGUMENT, "snapshot 63 is listed twice");
    }

    /* Rows that are not whole records, an unknown snapshot, trees out of order. */
    OK(gio_output_create(path, schema, &snapshot, 1, NULL, 0, NULL, &output));
    FAILS(gio_output_write(output, snapshot, rows, sizeof rows - 1), GIO_BAD_INPUT,
          "463 bytes are not whole records of 232 bytes");
    FAILS(gio_output_write(output, snapshot, rows, sizeof rows - 1), GIO_BAD_INPUT, "misuse.hdf5: ");
    FAILS(gio_output_write(output, snapshot, NULL, sizeof rows), GIO_NULL_POINTER, "`rows` is NULL");
    FAILS(gio_output_write(output, 62, rows, sizeof rows), GIO_BAD_INPUT, "no snapshot 62");
    FAILS(gio_output_write_tree(output, snapshot, 5, rows, sizeof rows), GIO_BAD_INPUT,
          "tree 5 skips trees 0..5");
    FAILS(gio_output_set_double(output, 9, "x", 1.0), GIO_INVALID_ARGUMENT,
          "9 is not a gio_header_group");
    FAILS(gio_output_set_string(output, GIO_HEADER_MISC, "x", NULL), GIO_NULL_POINTER,
          "`value` is NULL");
    FAILS(gio_output_set_int32(output, GIO_HEADER_MISC, NULL, 1), GIO_NULL_POINTER,
          "`name` is NULL");
    FAILS(gio_output_set_double_array(output, GIO_HEADER_MISC, "x", NULL, 2), GIO_NULL_POINTER,
          "`values` is NULL");
    /* The file is there: creating it again without replace is refused. */
    FAILS(gio_output_create(path, schema, &snapshot, 1, NULL, 0, NULL, &output_copy),
          GIO_FILE_EXISTS, "misuse.hdf5");
    OK(gio_output_write(output, snapshot, rows, sizeof rows));

    /* A handle used after finish, finished twice, freed after finish; a forged one. */
    output_copy = output;
    OK(gio_output_finish(&output));
    CHECK(output == NULL);
    FAILS(gio_output_write(output_copy, snapshot, rows, sizeof rows), GIO_INVALID_HANDLE,
          "is not a live gio_output");
    FAILS(gio_output_flush(output_copy), GIO_INVALID_HANDLE, "is not a live gio_output");
    FAILS(gio_output_finish(&output_copy), GIO_INVALID_HANDLE, "finished or freed already");
    FAILS(gio_output_free(&output_copy), GIO_INVALID_HANDLE, "finished or freed already");
    FAILS(gio_output_write(forged, snapshot, rows, sizeof rows), GIO_INVALID_HANDLE,
          "never created");

    /* A schema freed twice, used after free. */
    schema_copy = schema;
    OK(gio_schema_free(&schema));
    FAILS(gio_schema_free(&schema_copy), GIO_INVALID_HANDLE, "is not a live gio_schema");
    FAILS(gio_output_create(path, schema_copy, &snapshot, 1, NULL, 0, NULL, &output),
          GIO_INVALID_HANDLE, "is not a live gio_schema");

    /* Schemas the derive would refuse, with its messages; a refused field leaves it as it was. */
    OK(gio_schema_new(16, &custom));
    OK(gio_schema_add_field(custom, "Mass", GIO_DOUBLE, 0, 1, NULL, NULL));
    FAILS(gio_schema_add_field(custom, "Mass", GIO_FLOAT, 8, 1, NULL, NULL), GIO_SCHEMA_ERROR,
          "dataset name `Mass` is already used by the field at offset 0");
    FAILS(gio_schema_add_field(custom, "Kind", GIO_INT32, 4, 1, NULL, NULL), GIO_SCHEMA_ERROR,
          "fields `Mass` and `Kind` overlap");
    FAILS(gio_schema_add_field(custom, "Pos", GIO_FLOAT, 8, 3, NULL, NULL), GIO_SCHEMA_ERROR,
          "field `Pos` (12 bytes at offset 8) does not fit in a record of 16 bytes");
    FAILS(gio_schema_add_field(custom, "Snap/Num", GIO_INT32, 8, 1, NULL, NULL), GIO_SCHEMA_ERROR,
          "`Snap/Num` is not a valid dataset name");
    FAILS(gio_schema_add_field(custom, "Kind", GIO_INT32, 8, 1, "Msum/h", NULL), GIO_SCHEMA_ERROR,
          "field `Kind`: invalid units");
    FAILS(gio_schema_add_field(custom, "Kind", 10, 8, 1, NULL, NULL), GIO_INVALID_ARGUMENT,
          "10 is not a gio_dtype");
    FAILS(gio_schema_add_field(custom, "Kind", GIO_INT32, 8, 0, NULL, NULL), GIO_INVALID_ARGUMENT,
          "count 0");
    FAILS(gio_schema_add_property(custom, "Mass", GIO_FLOAT, 1, NULL, NULL, &at), GIO_SCHEMA_ERROR,
          "already used");
    FAILS(gio_schema_add_property(custom, "H2", GIO_FLOAT, 1, NULL, NULL, NULL), GIO_NULL_POINTER,
          "`offset` is NULL");
    FAILS(gio_schema_add_field_flags(custom, "Kind", GIO_INT32, 8, 1, "Msun", NULL,
                                     GIO_FIELD_COMOVING),
          GIO_SCHEMA_ERROR, "`Msun` has no length dimension, so it cannot be comoving");
    FAILS(gio_schema_add_field_flags(custom, "Kind", GIO_INT32, 8, 1, NULL, NULL, 8),
          GIO_INVALID_ARGUMENT, "0x8 holds bits that are no gio_field_flag");
    FAILS(gio_schema_add_property_flags(custom, "H2", GIO_FLOAT, 1, "Msun", NULL,
                                        GIO_FIELD_COMOVING, &at),
          GIO_SCHEMA_ERROR, "cannot be comoving");
    {
        const char *clash[2] = {"Kind", "Mass"};
        const char *unnamed[2] = {"Kind", NULL};
        FAILS(gio_schema_add_split_field(custom, clash, 2, GIO_INT32, 8, NULL, NULL, 0),
              GIO_SCHEMA_ERROR, "`Mass` is already used");
        FAILS(gio_schema_add_split_field(custom, unnamed, 2, GIO_INT32, 8, NULL, NULL, 0),
              GIO_NULL_POINTER, "`names[1]` is NULL");
        FAILS(gio_schema_add_split_field(custom, NULL, 2, GIO_INT32, 8, NULL, NULL, 0),
              GIO_NULL_POINTER, "`names` is NULL");
        FAILS(gio_schema_add_split_field(custom, clash, 0, GIO_INT32, 8, NULL, NULL, 0),
              GIO_INVALID_ARGUMENT, "count 0");
    }
    /* None of the refused components was added: `Kind` is still free. */
    OK(gio_schema_add_field(custom, "Kind", GIO_INT32, 8, 1, NULL, NULL));
    FAILS(gio_schema_new(0, &schema), GIO_SCHEMA_ERROR, "the record size is zero");
    OK(gio_schema_free(&custom));
}

int main(int argc, char **argv)
{
    double redshifts[SIMULATION_SNAPSHOTS];
    int i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for (i = 0; i < SIMULATION_SNAPSHOTS; i++)
        redshifts[i] = (double)(SIMULATION_SNAPSHOTS - 1 - i) / 8.0;
    CHECK(strcmp(gio_last_error(), "") == 0);
    sage_outputs(argv[1], redshifts);
    custom_output(argv[1]);
    abandoned_output(argv[1]);
    misuse(argv[1]);
    if (failures > 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("c api test done\n");
    return 0;
}
