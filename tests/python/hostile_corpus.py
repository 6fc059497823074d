"""Writes a corpus of small hostile HDF5 files for hardening galaxy-io's readers.

Usage: hostile_corpus.py OUTDIR

Every file starts from (or is contrasted with) ``valid.hdf5``: a small catalogue in SAGE's HDF5
layout, written with h5py the way SAGE writes it:

* ``Snap_63`` and ``Snap_32``, each with ``num_gals`` (int64 attribute) and 10 galaxies in five
  chunked, extendable datasets: ``GalaxyIndex`` (int64), ``Type`` (int32), ``StellarMass`` and
  ``Mvir`` (float32) and ``Pos`` (n, 3) float64, each with fixed-length, NUL-terminated ASCII
  ``Units`` and ``Description`` attributes;
* ``Header/Misc``, ``Header/Simulation`` and ``Header/Runtime`` with scalar attributes (int32,
  int64, double, fixed-length strings), ``Header/snapshot_redshifts`` (float64) and
  ``Header/output_snapshots`` (int32);
* ``TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`` (int32).

Each hostile case is one small function below, registered with ``@case``; its docstring's first
line is what the manifest says is hostile about the file. A file is one of three kinds: ``output``
(a single catalogue file, however damaged), ``master`` (``Core_<i>`` links to other files) or
``not_hdf5``. ``OUTDIR/manifest.json`` lists every file with ``name``, ``what``, ``kind`` and
``companions`` (the corpus files it links to; they must be kept in the same directory, since
links are relative to it).

Datasets that claim huge sizes are chunked and never written, so HDF5 allocates nothing and the
files stay tiny; a reader that trusts the claimed size allocates (or loops over) all of it.
Every file is under 1 MB (most about 130 KB; the 3000-dataset and 2000-snapshot files about
0.7 MB) and the whole corpus (about 200 files, 25 MB) is written in a few seconds. The output is
deterministic: the same h5py/HDF5 versions write the same bytes (no timestamps, fixed seeds).

Run anything that writes (``galaxy-io recover``) on copies only: some cases ask a repairing
reader to extend the file to what its superblock claims (1 TiB, as a sparse file, for
``superblock_eof_claims_1tib.hdf5``). ``run_hostile_corpus.py`` beside this file runs the
galaxy-io commands over the corpus under memory and time limits and tabulates what happened.
"""

import ctypes
import json
import os
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
from h5py import h5a, h5d, h5p, h5s, h5t, h5z

SNAPSHOTS = (63, 32)
ROWS = 10
# name, numpy dtype, per-galaxy shape, Units, Description
FIELDS = (
    ("GalaxyIndex", "<i8", (), "None", "Unique galaxy ID: tree-, file- and snapshot-unique."),
    ("Type", "<i4", (), "None", "0 for a central, 1 for a satellite, 2 for an orphan."),
    ("StellarMass", "<f4", (), "1.0e10 Msun/h", "Mass of stars."),
    ("Mvir", "<f4", (), "1.0e10 Msun/h", "Virial mass of the host halo."),
    ("Pos", "<f8", (3,), "Mpc/h", "Comoving position of the galaxy."),
)
CHUNK_ROWS = 1024
VALID = "valid.hdf5"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
HUGE_ATTR = 100_000


# ----------------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------------

CASES = []


def case(name, kind="output", companions=()):
    """Registers a case writing OUTDIR/name."""

    def register(function):
        what = (function.__doc__ or "").strip().splitlines()[0]
        assert what, f"{function.__name__} needs a docstring"
        assert kind in ("output", "master", "not_hdf5"), kind
        CASES.append(
            {"name": name, "what": what, "kind": kind, "companions": list(companions),
             "write": function}
        )
        return function

    return register


# ----------------------------------------------------------------------------------------------
# Writing a valid catalogue (and pieces of one)
# ----------------------------------------------------------------------------------------------


def new_file(path, libver="earliest", small_datasets=False):
    """An empty HDF5 file; object timestamps off so that the bytes are deterministic.

    `small_datasets` asks HDF5 not to reserve attribute space in dataset object headers
    (H5Fset_dset_no_attrs_hint, which h5py does not wrap), halving what a tiny dataset costs.
    """
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fapl = h5p.create(h5p.FILE_ACCESS)
    low = {"earliest": h5py.h5f.LIBVER_EARLIEST, "v108": h5py.h5f.LIBVER_V18}[libver]
    fapl.set_libver_bounds(low, h5py.h5f.LIBVER_LATEST)
    fid = h5py.h5f.create(str(path).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    if small_datasets:
        hint = hdf5_function("H5Fset_dset_no_attrs_hint")
        if hint is not None:
            hint.argtypes = [ctypes.c_int64, ctypes.c_bool]
            hint(fid.id, True)
    return h5py.File(fid)


def hdf5_function(name):
    """A function of the HDF5 library h5py runs on, or None if it cannot be found."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    libraries = sorted({line.split()[-1] for line in maps.read_text().splitlines()
                        if "/libhdf5" in line and "libhdf5_hl" not in line})
    for library in libraries:
        function = getattr(ctypes.CDLL(library), name, None)
        if function is not None:
            return function
    return None


def fixed_string_attr(obj, name, value, size=None, pad=h5t.STR_NULLTERM, cset=h5t.CSET_ASCII):
    """A scalar fixed-length string attribute, as SAGE's C code writes them (NUL-terminated)."""
    data = value.encode() if isinstance(value, str) else bytes(value)
    size = size if size is not None else len(data) + 1
    string = h5t.C_S1.copy()
    string.set_size(size)
    string.set_strpad(pad)
    string.set_cset(cset)
    if name in obj.attrs:
        del obj.attrs[name]
    attr = h5a.create(obj.id, name.encode(), string, h5s.create(h5s.SCALAR))
    attr.write(np.array(data[:size], dtype=f"S{size}"), mtype=string)


def values(name, dtype, inner, snapshot, rows=ROWS):
    """Deterministic values of a field."""
    i = np.arange(rows)
    base = {
        "GalaxyIndex": snapshot * 10**12 + i,
        "Type": i % 3,
        "StellarMass": 0.1 * (i + 1) + snapshot,
        "Mvir": 10.0 * (i + 1) + snapshot,
        "Pos": i * 1.5,
    }.get(name, i)
    out = np.empty((rows,) + tuple(inner), dtype=dtype)
    out[...] = np.asarray(base).reshape((rows,) + (1,) * len(inner))
    return out


def field_attrs(dataset, units, description):
    fixed_string_attr(dataset, "Description", description)
    fixed_string_attr(dataset, "Units", units)


def write_field(group, name, dtype, inner, units, description, snapshot, rows=ROWS, **kwargs):
    """One field's dataset as SAGE writes it: chunked, extendable, with Units and Description."""
    dataset = group.create_dataset(
        name,
        data=values(name, dtype, inner, snapshot, rows),
        chunks=(CHUNK_ROWS,) + tuple(inner),
        maxshape=(None,) + tuple(inner),
        **kwargs,
    )
    field_attrs(dataset, units, description)
    return dataset


def claimed_field(group, name, dtype, shape, units="", description="", chunk=None):
    """A chunked dataset of `shape` with nothing written: it claims the size, stores nothing."""
    chunk = chunk or tuple([1] * (len(shape) - 1) + [min(CHUNK_ROWS, shape[-1])])
    if len(shape) == 1:
        chunk = (CHUNK_ROWS,)
    space = h5s.create_simple(tuple(shape), (h5s.UNLIMITED,) + tuple(shape[1:]))
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk(chunk)
    dcpl.set_obj_track_times(False)
    datatype = h5t.py_create(np.dtype(dtype))
    dataset = h5py.Dataset(h5d.create(group.id, name.encode(), datatype, space, dcpl=dcpl))
    field_attrs(dataset, units or "None", description or f"{name}, claimed and never written.")
    return dataset


def write_snapshot(f, snapshot, rows=ROWS, fields=FIELDS, num_gals=None):
    """A `Snap_<N>` group with `num_gals` and one dataset per field."""
    group = f.create_group(f"Snap_{snapshot}")
    for name, dtype, inner, units, description in fields:
        write_field(group, name, dtype, inner, units, description, snapshot, rows)
    group.attrs.create("num_gals", np.int64(rows if num_gals is None else num_gals))
    return group


def write_header(f, snapshots=SNAPSHOTS, num_cores=1):
    """`Header/{Misc,Simulation,Runtime}` attributes and datasets as SAGE writes them."""
    header = f.create_group("Header")
    misc = header.create_group("Misc")
    fixed_string_attr(misc, "sage_version", "1.0.0")
    fixed_string_attr(misc, "sage_data_version", "1.00")
    fixed_string_attr(misc, "git_SHA_reference", "0123456789abcdef0123456789abcdef01234567")
    misc.attrs.create("num_cores", np.int32(num_cores))
    simulation = header.create_group("Simulation")
    for name, value in (
        ("hubble_h", 0.73),
        ("box_size", 62.5),
        ("omega_matter", 0.25),
        ("omega_lambda", 0.75),
        ("particle_mass", 0.0860657),
    ):
        simulation.attrs.create(name, np.float64(value))
    simulation.attrs.create("num_simulation_tree_files", np.int32(8))
    simulation.attrs.create("num_trees_this_file", np.int64(4))
    simulation.attrs.create("last_snapshot_nr", np.int32(63))
    runtime = header.create_group("Runtime")
    runtime.attrs.create("frac_volume_processed", np.float64(1.0))
    fixed_string_attr(runtime, "FileNameGalaxies", "model")
    fixed_string_attr(runtime, "OutputDir", "./output/")
    runtime.attrs.create("FirstFile", np.int32(0))
    runtime.attrs.create("LastFile", np.int32(7))
    runtime.attrs.create("ThreshMajorMerger", np.float64(0.3))
    header.create_dataset("snapshot_redshifts", data=np.linspace(127.0, 0.0, 64))
    header.create_dataset("output_snapshots", data=np.array(snapshots, dtype="<i4"))
    return header


def write_tree_info(f, snapshots=SNAPSHOTS):
    """`TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`: four trees sharing the 10 galaxies."""
    tree_info = f.create_group("TreeInfo")
    for snapshot in snapshots:
        group = tree_info.create_group(f"Snap_{snapshot}")
        dataset = group.create_dataset("NumGalsPerTreePerSnap", data=np.array([3, 0, 7, 0], "<i4"))
        field_attrs(dataset, "Unitless", "The number of galaxies per tree at this snapshot.")


def write_valid(f, snapshots=SNAPSHOTS):
    """The whole valid catalogue into an open file."""
    for snapshot in snapshots:
        write_snapshot(f, snapshot)
    write_header(f, snapshots)
    write_tree_info(f, snapshots)


def catalogue(path, libver="earliest", small_datasets=False):
    """A new file holding the valid catalogue, open for the case to spoil."""
    f = new_file(path, libver, small_datasets)
    write_valid(f)
    return f


def datasets_of_snapshots(f):
    for snapshot in SNAPSHOTS:
        group = f[f"Snap_{snapshot}"]
        for name in list(group):
            yield group[name]


def replace_attr(obj, name, value, dtype=None):
    if name in obj.attrs:
        del obj.attrs[name]
    if dtype is None:
        obj.attrs[name] = value
    else:
        obj.attrs.create(name, value, dtype=dtype)


def spoil_units(path, value, dtype=None):
    """Replaces Units and Description of every snapshot dataset with `value`."""
    with catalogue(path) as f:
        for dataset in datasets_of_snapshots(f):
            for name in ("Units", "Description"):
                if callable(value):
                    if name in dataset.attrs:
                        del dataset.attrs[name]
                    value(dataset, name)
                else:
                    replace_attr(dataset, name, value, dtype)


def spoil_header(path, group, name, value, dtype=None, libver="earliest"):
    """Replaces `Header/<group>/<name>` with `value` (of `dtype`, if given)."""
    with catalogue(path, libver) as f:
        location = f["Header"][group]
        if callable(value):
            if name in location.attrs:
                del location.attrs[name]
            value(location, name)
        else:
            replace_attr(location, name, value, dtype)


def replace_field(f, snapshot, name, make):
    """Replaces one field's dataset of one snapshot with what `make(group, name)` creates."""
    group = f[f"Snap_{snapshot}"]
    del group[name]
    return make(group, name)


def spoil_dtype(path, name, data, dtype=None):
    """`name` in every snapshot holds `data` (10 rows; None: 10 unwritten rows of `dtype`)."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            rows = data(f) if callable(data) else data

            def make(group, field, rows=rows):
                if rows is None:
                    dataset = group.create_dataset(field, shape=(ROWS,), dtype=dtype)
                else:
                    dataset = group.create_dataset(field, data=rows, dtype=dtype)
                field_attrs(dataset, "None", f"{field} of a type galaxy-io does not write.")

            replace_field(f, snapshot, name, make)


def huge_catalogue(path, shapes, dtypes=None):
    """Snap_63's five fields claim `shapes[name]` (default: the huge row count of the first)."""
    with catalogue(path) as f:
        group = f["Snap_63"]
        for name, dtype, inner, units, description in FIELDS:
            if name not in shapes:
                continue
            del group[name]
            claimed_field(group, name, (dtypes or {}).get(name, dtype), shapes[name], units,
                          description)
        rows = min(shape[0] for shape in shapes.values())
        group.attrs["num_gals"] = np.int64(min(rows, 2**63 - 1))


def huge_rows(path, rows, dtypes=None):
    """Every field of Snap_63 claims `rows` rows."""
    huge_catalogue(path, {name: (rows,) + inner for name, _, inner, _, _ in FIELDS}, dtypes)


def master(path, links, header=True, extra=None):
    """A master file: `links` maps a name (Core_<i>) to an (file, object) external link."""
    with new_file(path) as f:
        for name, (target, obj) in links.items():
            f[name] = h5py.ExternalLink(target, obj)
        if header:
            write_header(f, num_cores=len(links))
        if extra:
            extra(f)


def write_bytes(path, data):
    Path(path).write_bytes(data)


def valid_bytes(outdir):
    return (Path(outdir) / VALID).read_bytes()


# ----------------------------------------------------------------------------------------------
# The valid baseline
# ----------------------------------------------------------------------------------------------


@case(VALID)
def valid(path, outdir):
    """Nothing: a small valid catalogue (2 snapshots, 5 fields, 10 galaxies each) in SAGE's layout."""
    catalogue(path).close()


@case("master_valid.hdf5", "master", [VALID])
def master_valid(path, outdir):
    """Nothing: a valid master file whose Core_0 links valid.hdf5."""
    master(path, {"Core_0": ("./" + VALID, "/")})


# ----------------------------------------------------------------------------------------------
# Units and Description of every snapshot dataset
# ----------------------------------------------------------------------------------------------


@case("units_array_1d_strings.hdf5")
def units_array_1d(path, outdir):
    """Units and Description are 1-D arrays of two fixed-length strings."""
    spoil_units(path, np.array([b"1.0e10 Msun/h", b"km/s"], dtype="S16"))


@case("units_array_2d_strings.hdf5")
def units_array_2d(path, outdir):
    """Units and Description are 2-D (2, 2) arrays of fixed-length strings."""
    spoil_units(path, np.array([[b"a", b"b"], [b"c", b"d"]], dtype="S4"))


@case("units_int32.hdf5")
def units_int32(path, outdir):
    """Units and Description are scalar int32 attributes."""
    spoil_units(path, np.int32(7))


@case("units_float64.hdf5")
def units_float64(path, outdir):
    """Units and Description are scalar float64 attributes."""
    spoil_units(path, np.float64(1.0e10))


@case("units_vlen_utf8.hdf5")
def units_vlen_utf8(path, outdir):
    """Units and Description are variable-length UTF-8 strings (h5py's default for str)."""
    spoil_units(path, "1.0e10 M\u2609/h")


@case("units_vlen_ascii.hdf5")
def units_vlen_ascii(path, outdir):
    """Units and Description are variable-length ASCII strings."""
    spoil_units(path, b"1.0e10 Msun/h", dtype=h5py.string_dtype("ascii"))


@case("units_vlen_string_array.hdf5")
def units_vlen_array(path, outdir):
    """Units and Description are 1-D arrays of three variable-length UTF-8 strings."""
    spoil_units(path, np.array(["a", "bb", "ccc"], dtype=h5py.string_dtype()))


@case("units_fixed_1byte.hdf5")
def units_fixed_1byte(path, outdir):
    """Units and Description are 1-byte fixed-length strings holding one character, no NUL."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, "M", size=1,
                                                          pad=h5t.STR_NULLPAD))


@case("units_fixed_4096bytes.hdf5")
def units_fixed_4096(path, outdir):
    """Units and Description are 4096-byte fixed-length strings filled to the end, with no NUL."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, "M" * 4096, size=4096,
                                                          pad=h5t.STR_NULLPAD))


@case("units_fixed_utf8.hdf5")
def units_fixed_utf8(path, outdir):
    """Units and Description are fixed-length (32-byte) UTF-8 strings with non-ASCII text."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, "10\u00b9\u2070 M\u2609/h",
                                                          size=32, cset=h5t.CSET_UTF8))


@case("units_fixed_spacepad.hdf5")
def units_fixed_spacepad(path, outdir):
    """Units and Description are fixed-length strings padded with spaces (Fortran style)."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, b"Mpc/h" + b" " * 27,
                                                          size=32, pad=h5t.STR_SPACEPAD))


@case("units_null_dataspace.hdf5")
def units_null_dataspace(path, outdir):
    """Units and Description have a null dataspace (h5py.Empty of a fixed-length string)."""
    spoil_units(path, h5py.Empty("S16"))


@case("units_shape0.hdf5")
def units_shape0(path, outdir):
    """Units and Description are fixed-length string arrays of shape (0,)."""
    spoil_units(path, np.array([], dtype="S16"))


@case("units_compound.hdf5")
def units_compound(path, outdir):
    """Units and Description are scalar compounds {int32 a; float64 b}."""
    spoil_units(path, np.array((1, 2.0), dtype=[("a", "<i4"), ("b", "<f8")]))


@case("units_enum.hdf5")
def units_enum(path, outdir):
    """Units and Description are scalar int8 enums."""
    spoil_units(path, np.array(1, dtype=h5py.enum_dtype({"MSUN": 0, "KMS": 1}, basetype="i1")))


@case("units_bool.hdf5")
def units_bool(path, outdir):
    """Units and Description are booleans (h5py writes an int8 enum FALSE/TRUE)."""
    spoil_units(path, np.bool_(True))


@case("units_missing.hdf5")
def units_missing(path, outdir):
    """No dataset has a Units or a Description attribute."""
    spoil_units(path, lambda obj, name: None)


@case("units_terminal_escapes.hdf5")
def units_terminal_escapes(path, outdir):
    """Units and Description hold ANSI terminal escapes, CR/LF and a bell (output injection)."""
    spoil_units(path, lambda obj, name: fixed_string_attr(
        obj, name, b"\x1b[2J\x1b[31mPWNED\x1b[0m\r\nfake line\x07"))


@case("units_invalid_utf8.hdf5")
def units_invalid_utf8(path, outdir):
    """Units and Description are ASCII-tagged fixed-length strings holding invalid UTF-8 bytes."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, b"\xff\xfe\xc3(\x80"))


@case("units_embedded_nul.hdf5")
def units_embedded_nul(path, outdir):
    """Units and Description are fixed-length strings with text after an embedded NUL."""
    spoil_units(path, lambda obj, name: fixed_string_attr(obj, name, b"Msun\x00hidden", size=16,
                                                          pad=h5t.STR_NULLPAD))


# ----------------------------------------------------------------------------------------------
# Header attributes
# ----------------------------------------------------------------------------------------------


@case("header_misc_sage_version_int32.hdf5")
def header_sage_version_int32(path, outdir):
    """Header/Misc/sage_version is an int32 instead of a string."""
    spoil_header(path, "Misc", "sage_version", np.int32(1))


@case("header_misc_sage_version_vlen_utf8.hdf5")
def header_sage_version_vlen(path, outdir):
    """Header/Misc/sage_version is a variable-length UTF-8 string."""
    spoil_header(path, "Misc", "sage_version", "1.0.0 \u2603")


@case("header_misc_sage_version_vlen_ascii.hdf5")
def header_sage_version_vlen_ascii(path, outdir):
    """Header/Misc/sage_version is a variable-length ASCII string."""
    spoil_header(path, "Misc", "sage_version", b"1.0.0", dtype=h5py.string_dtype("ascii"))


@case("header_misc_sage_version_string_array.hdf5")
def header_sage_version_array(path, outdir):
    """Header/Misc/sage_version is a 1-D array of three fixed-length strings."""
    spoil_header(path, "Misc", "sage_version", np.array([b"1", b"0", b"0"], dtype="S2"))


@case("header_misc_sage_version_huge_string_array.hdf5")
def header_sage_version_huge(path, outdir):
    """Header/Misc/sage_version is an array of 100000 one-byte strings (dense attribute storage)."""
    spoil_header(path, "Misc", "sage_version", np.full(HUGE_ATTR, b"x", dtype="S1"),
                 libver="v108")


@case("header_misc_sage_version_4096bytes.hdf5")
def header_sage_version_4096(path, outdir):
    """Header/Misc/sage_version is a 4096-byte fixed-length string with no NUL."""
    spoil_header(path, "Misc", "sage_version",
                 lambda obj, name: fixed_string_attr(obj, name, "v" * 4096, size=4096,
                                                     pad=h5t.STR_NULLPAD))


@case("header_misc_sage_data_version_null.hdf5")
def header_data_version_null(path, outdir):
    """Header/Misc/sage_data_version has a null dataspace."""
    spoil_header(path, "Misc", "sage_data_version", h5py.Empty("S5"))


@case("header_misc_num_cores_string.hdf5")
def header_num_cores_string(path, outdir):
    """Header/Misc/num_cores is the fixed-length string "4" instead of an int32."""
    spoil_header(path, "Misc", "num_cores", lambda obj, name: fixed_string_attr(obj, name, "4"))


@case("header_misc_num_cores_int8.hdf5")
def header_num_cores_int8(path, outdir):
    """Header/Misc/num_cores is an int8."""
    spoil_header(path, "Misc", "num_cores", np.int8(1))


@case("header_misc_num_cores_uint64_max.hdf5")
def header_num_cores_uint64(path, outdir):
    """Header/Misc/num_cores is a uint64 holding 2^64-1."""
    spoil_header(path, "Misc", "num_cores", np.uint64(2**64 - 1))


@case("header_misc_num_cores_negative.hdf5")
def header_num_cores_negative(path, outdir):
    """Header/Misc/num_cores is -1."""
    spoil_header(path, "Misc", "num_cores", np.int32(-1))


@case("header_misc_num_cores_int64_array.hdf5")
def header_num_cores_array(path, outdir):
    """Header/Misc/num_cores is a 1-D array of two int64."""
    spoil_header(path, "Misc", "num_cores", np.array([1, 2], dtype="<i8"))


@case("header_misc_num_cores_huge_array.hdf5")
def header_num_cores_huge(path, outdir):
    """Header/Misc/num_cores is an array of 100000 int8 (dense attribute storage)."""
    spoil_header(path, "Misc", "num_cores", np.ones(HUGE_ATTR, dtype="i1"), libver="v108")


@case("header_misc_invalid_utf8_attr_name.hdf5")
def header_invalid_name(path, outdir):
    """Header/Misc has an int32 attribute whose name is the invalid UTF-8 bytes ff fe."""
    spoil_header(path, "Misc", "extra",
                 lambda obj, name: obj.attrs.create(b"\xff\xfe", np.int32(1)))


@case("header_simulation_hubble_h_string.hdf5")
def header_hubble_string(path, outdir):
    """Header/Simulation/hubble_h is the fixed-length string "0.73" instead of a double."""
    spoil_header(path, "Simulation", "hubble_h",
                 lambda obj, name: fixed_string_attr(obj, name, "0.73"))


@case("header_simulation_hubble_h_vlen_string.hdf5")
def header_hubble_vlen(path, outdir):
    """Header/Simulation/hubble_h is the variable-length UTF-8 string "0.73"."""
    spoil_header(path, "Simulation", "hubble_h", "0.73")


@case("header_simulation_hubble_h_float16.hdf5")
def header_hubble_float16(path, outdir):
    """Header/Simulation/hubble_h is a float16."""
    spoil_header(path, "Simulation", "hubble_h", np.float16(0.73))


@case("header_simulation_hubble_h_float32.hdf5")
def header_hubble_float32(path, outdir):
    """Header/Simulation/hubble_h is a float32 (a number, which may legitimately read)."""
    spoil_header(path, "Simulation", "hubble_h", np.float32(0.73))


@case("header_simulation_hubble_h_bigendian.hdf5")
def header_hubble_bigendian(path, outdir):
    """Header/Simulation/hubble_h is a big-endian float64 (a number, which may read)."""
    spoil_header(path, "Simulation", "hubble_h", np.array(0.73, dtype=">f8"))


@case("header_simulation_hubble_h_array.hdf5")
def header_hubble_array(path, outdir):
    """Header/Simulation/hubble_h is a 1-D array of three float64."""
    spoil_header(path, "Simulation", "hubble_h", np.array([0.73, 0.7, 0.677]))


@case("header_simulation_hubble_h_huge_array.hdf5")
def header_hubble_huge(path, outdir):
    """Header/Simulation/hubble_h is an array of 100000 float16 (dense attribute storage)."""
    spoil_header(path, "Simulation", "hubble_h", np.full(HUGE_ATTR, 0.73, dtype="f2"),
                 libver="v108")


@case("header_simulation_hubble_h_nan.hdf5")
def header_hubble_nan(path, outdir):
    """Header/Simulation/hubble_h is NaN (a double, of the right type)."""
    spoil_header(path, "Simulation", "hubble_h", np.float64("nan"))


@case("header_simulation_box_size_null.hdf5")
def header_box_null(path, outdir):
    """Header/Simulation/box_size has a null dataspace (h5py.Empty of float64)."""
    spoil_header(path, "Simulation", "box_size", h5py.Empty("<f8"))


@case("header_simulation_box_size_shape0.hdf5")
def header_box_shape0(path, outdir):
    """Header/Simulation/box_size is a float64 array of shape (0,)."""
    spoil_header(path, "Simulation", "box_size", np.array([], dtype="<f8"))


@case("header_simulation_box_size_2d.hdf5")
def header_box_2d(path, outdir):
    """Header/Simulation/box_size is a (2, 2) float64 array."""
    spoil_header(path, "Simulation", "box_size", np.full((2, 2), 62.5))


@case("header_simulation_box_size_int8.hdf5")
def header_box_int8(path, outdir):
    """Header/Simulation/box_size is an int8 (62)."""
    spoil_header(path, "Simulation", "box_size", np.int8(62))


@case("header_simulation_omega_matter_compound.hdf5")
def header_omega_compound(path, outdir):
    """Header/Simulation/omega_matter is a compound {float64 value; float64 error}."""
    spoil_header(path, "Simulation", "omega_matter",
                 np.array((0.25, 0.01), dtype=[("value", "<f8"), ("error", "<f8")]))


@case("header_simulation_num_trees_uint64.hdf5")
def header_num_trees_uint64(path, outdir):
    """Header/Simulation/num_trees_this_file is a uint64 holding 2^63."""
    spoil_header(path, "Simulation", "num_trees_this_file", np.uint64(2**63))


@case("header_runtime_frac_volume_vlen_string.hdf5")
def header_frac_vlen(path, outdir):
    """Header/Runtime/frac_volume_processed is the variable-length string "1.0"."""
    spoil_header(path, "Runtime", "frac_volume_processed", "1.0")


@case("header_runtime_frac_volume_fixed_string.hdf5")
def header_frac_fixed(path, outdir):
    """Header/Runtime/frac_volume_processed is the fixed-length string "1.0"."""
    spoil_header(path, "Runtime", "frac_volume_processed",
                 lambda obj, name: fixed_string_attr(obj, name, "1.0"))


@case("header_runtime_frac_volume_uint64.hdf5")
def header_frac_uint64(path, outdir):
    """Header/Runtime/frac_volume_processed is a uint64 (1)."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.uint64(1))


@case("header_runtime_frac_volume_int8.hdf5")
def header_frac_int8(path, outdir):
    """Header/Runtime/frac_volume_processed is an int8 (1)."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.int8(1))


@case("header_runtime_frac_volume_float16.hdf5")
def header_frac_float16(path, outdir):
    """Header/Runtime/frac_volume_processed is a float16 (1.0)."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.float16(1.0))


@case("header_runtime_frac_volume_inf.hdf5")
def header_frac_inf(path, outdir):
    """Header/Runtime/frac_volume_processed is -inf (a double; a master sums these)."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.float64("-inf"))


@case("header_runtime_frac_volume_enum.hdf5")
def header_frac_enum(path, outdir):
    """Header/Runtime/frac_volume_processed is an int8 enum."""
    spoil_header(path, "Runtime", "frac_volume_processed",
                 np.array(1, dtype=h5py.enum_dtype({"NONE": 0, "ALL": 1}, basetype="i1")))


@case("header_runtime_frac_volume_bool.hdf5")
def header_frac_bool(path, outdir):
    """Header/Runtime/frac_volume_processed is a boolean."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.bool_(True))


@case("header_runtime_frac_volume_array.hdf5")
def header_frac_array(path, outdir):
    """Header/Runtime/frac_volume_processed is a 1-D array of four float64."""
    spoil_header(path, "Runtime", "frac_volume_processed", np.full(4, 0.25))


@case("header_runtime_output_dir_vlen_array.hdf5")
def header_output_dir_vlen_array(path, outdir):
    """Header/Runtime/OutputDir is a 1-D array of variable-length strings."""
    spoil_header(path, "Runtime", "OutputDir",
                 np.array(["./a/", "./b/"], dtype=h5py.string_dtype()))


@case("header_runtime_first_file_huge_array.hdf5")
def header_runtime_huge_uint8(path, outdir):
    """Header/Runtime/FirstFile is an array of 100000 uint8 (dense attribute storage)."""
    spoil_header(path, "Runtime", "FirstFile", np.zeros(HUGE_ATTR, dtype="u1"), libver="v108")


@case("header_missing.hdf5")
def header_missing(path, outdir):
    """There is no Header group at all."""
    with catalogue(path) as f:
        del f["Header"]


@case("header_snapshot_redshifts_strings.hdf5")
def header_redshifts_strings(path, outdir):
    """Header/snapshot_redshifts holds fixed-length strings instead of float64."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        f["Header"].create_dataset("snapshot_redshifts",
                                   data=np.array([b"127.0", b"0.0"], dtype="S8"))


@case("header_snapshot_redshifts_vlen_strings.hdf5")
def header_redshifts_vlen(path, outdir):
    """Header/snapshot_redshifts holds variable-length strings instead of float64."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        f["Header"].create_dataset("snapshot_redshifts", data=np.array(["127.0", "0.0"], object),
                                   dtype=h5py.string_dtype())


@case("header_snapshot_redshifts_scalar.hdf5")
def header_redshifts_scalar(path, outdir):
    """Header/snapshot_redshifts is a rank-0 (scalar) float64 dataset."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        f["Header"].create_dataset("snapshot_redshifts", data=np.float64(0.0))


@case("header_snapshot_redshifts_2d.hdf5")
def header_redshifts_2d(path, outdir):
    """Header/snapshot_redshifts is a (8, 8) float64 dataset."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        f["Header"].create_dataset("snapshot_redshifts", data=np.linspace(127, 0, 64).reshape(8, 8))


@case("header_snapshot_redshifts_compound.hdf5")
def header_redshifts_compound(path, outdir):
    """Header/snapshot_redshifts holds compounds {int32 snap; float64 z}."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        data = np.array([(i, 127.0 - 2 * i) for i in range(64)], dtype=[("snap", "<i4"),
                                                                       ("z", "<f8")])
        f["Header"].create_dataset("snapshot_redshifts", data=data)


@case("header_snapshot_redshifts_claims_2pow33.hdf5")
def header_redshifts_huge(path, outdir):
    """Header/snapshot_redshifts claims 2^33 float64 (64 GiB) and stores none."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        claimed_field(f["Header"], "snapshot_redshifts", "<f8", (2**33,))


@case("header_snapshot_redshifts_is_group.hdf5")
def header_redshifts_group(path, outdir):
    """Header/snapshot_redshifts is a group."""
    with catalogue(path) as f:
        del f["Header/snapshot_redshifts"]
        f["Header"].create_group("snapshot_redshifts")


@case("header_output_snapshots_strings.hdf5")
def header_output_snapshots_strings(path, outdir):
    """Header/output_snapshots holds fixed-length strings instead of int32."""
    with catalogue(path) as f:
        del f["Header/output_snapshots"]
        f["Header"].create_dataset("output_snapshots", data=np.array([b"63", b"32"], dtype="S4"))


@case("header_output_snapshots_claims_2pow40.hdf5")
def header_output_snapshots_huge(path, outdir):
    """Header/output_snapshots claims 2^40 int32 (4 TiB) and stores none."""
    with catalogue(path) as f:
        del f["Header/output_snapshots"]
        claimed_field(f["Header"], "output_snapshots", "<i4", (2**40,))


# ----------------------------------------------------------------------------------------------
# num_gals
# ----------------------------------------------------------------------------------------------


def spoil_num_gals(path, value, dtype=None):
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            group = f[f"Snap_{snapshot}"]
            if callable(value):
                del group.attrs["num_gals"]
                value(group, "num_gals")
            else:
                replace_attr(group, "num_gals", value, dtype)


@case("num_gals_string.hdf5")
def num_gals_string(path, outdir):
    """num_gals of every snapshot is the fixed-length string "10"."""
    spoil_num_gals(path, lambda obj, name: fixed_string_attr(obj, name, "10"))


@case("num_gals_vlen_string.hdf5")
def num_gals_vlen_string(path, outdir):
    """num_gals of every snapshot is the variable-length string "10"."""
    spoil_num_gals(path, "10")


@case("num_gals_array.hdf5")
def num_gals_array(path, outdir):
    """num_gals of every snapshot is a 1-D array of two int64 (5, 5)."""
    spoil_num_gals(path, np.array([5, 5], dtype="<i8"))


@case("num_gals_float.hdf5")
def num_gals_float(path, outdir):
    """num_gals of every snapshot is a float64 (10.0)."""
    spoil_num_gals(path, np.float64(10.0))


@case("num_gals_negative.hdf5")
def num_gals_negative(path, outdir):
    """num_gals of every snapshot is -1."""
    spoil_num_gals(path, np.int64(-1))


@case("num_gals_larger_than_datasets.hdf5")
def num_gals_larger(path, outdir):
    """num_gals says 10^12 galaxies; the datasets have 10 rows."""
    spoil_num_gals(path, np.int64(10**12))


@case("num_gals_uint64_max.hdf5")
def num_gals_uint64(path, outdir):
    """num_gals is a uint64 holding 2^64-1."""
    spoil_num_gals(path, np.uint64(2**64 - 1))


@case("num_gals_null.hdf5")
def num_gals_null(path, outdir):
    """num_gals has a null dataspace (h5py.Empty of int64)."""
    spoil_num_gals(path, h5py.Empty("<i8"))


@case("num_gals_missing.hdf5")
def num_gals_missing(path, outdir):
    """No snapshot group has a num_gals attribute."""
    spoil_num_gals(path, lambda obj, name: None)


# ----------------------------------------------------------------------------------------------
# Shapes: scalars, huge claims, overflow
# ----------------------------------------------------------------------------------------------


@case("dataset_scalar_in_snapshot.hdf5")
def dataset_scalar_extra(path, outdir):
    """Snap_63 has an extra rank-0 (scalar) float32 dataset beside its ten-row fields."""
    with catalogue(path) as f:
        dataset = f["Snap_63"].create_dataset("Redshift", data=np.float32(0.0))
        field_attrs(dataset, "None", "A scalar where a column is expected.")


@case("dataset_all_scalar_snapshot.hdf5")
def dataset_all_scalar(path, outdir):
    """Every dataset of Snap_63 is rank-0 (scalar), so the snapshot has 0 rows of rank-0 fields."""
    with catalogue(path) as f:
        for name, dtype, inner, units, description in FIELDS:
            def make(group, field, dtype=dtype, units=units, description=description):
                dataset = group.create_dataset(field, data=np.zeros((), dtype=dtype))
                field_attrs(dataset, units, description)
            replace_field(f, 63, name, make)


@case("dataset_scalar_stellarmass.hdf5")
def dataset_scalar_stellarmass(path, outdir):
    """StellarMass of every snapshot is a rank-0 (scalar) float32; the other fields have 10 rows."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            def make(group, field):
                dataset = group.create_dataset(field, data=np.float32(1.0))
                field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
            replace_field(f, snapshot, "StellarMass", make)


@case("huge_rows_2pow33.hdf5")
def huge_2pow33(path, outdir):
    """Every field of Snap_63 claims 2^33 rows (32 GiB of StellarMass) and stores none."""
    huge_rows(path, 2**33)


@case("huge_rows_2pow40.hdf5")
def huge_2pow40(path, outdir):
    """Every field of Snap_63 claims 2^40 rows (4 TiB of StellarMass) and stores none."""
    huge_rows(path, 2**40)


@case("huge_rows_2pow33_int8.hdf5")
def huge_2pow33_int8(path, outdir):
    """Every field of Snap_63 claims 2^33 rows; StellarMass is int8 (8 GiB claimed)."""
    huge_rows(path, 2**33, {"StellarMass": "i1", "Mvir": "i1"})


@case("huge_rows_2pow62_wraps.hdf5")
def huge_2pow62(path, outdir):
    """Every field of Snap_63 claims 2^62 rows: rows x 4 bytes of float32 wraps to 0 in 64 bits."""
    huge_rows(path, 2**62)


@case("huge_rows_2pow63_minus_1.hdf5")
def huge_max_rows(path, outdir):
    """Every field of Snap_63 claims 2^63-1 rows, the most HDF5 accepts for a chunked dataset."""
    huge_rows(path, 2**63 - 1)


@case("huge_inner_dim_2pow31_stellarmass.hdf5")
def huge_inner_stellarmass(path, outdir):
    """StellarMass of Snap_63 is (10, 2^31) float32: 8 GiB per galaxy, nothing stored."""
    huge_catalogue(path, {"StellarMass": (ROWS, 2**31)})


@case("huge_inner_dim_2pow31_pos.hdf5")
def huge_inner_pos(path, outdir):
    """Pos of Snap_63 is (10, 2^31) float64 instead of (10, 3): 16 GiB per galaxy, nothing stored."""
    huge_catalogue(path, {"Pos": (ROWS, 2**31)})


@case("huge_3d_2pow32_2pow32.hdf5")
def huge_3d(path, outdir):
    """StellarMass of Snap_63 is (10, 2^32, 2^32) float32: inner dims multiply to 2^64 (wraps to 0)."""
    huge_catalogue(path, {"StellarMass": (ROWS, 2**32, 2**32)})


@case("huge_3d_wraps_to_one_element.hdf5")
def huge_3d_wraps(path, outdir):
    """StellarMass of Snap_63 is (10, 5, (2^62+1)/5) float32: a naive 64-bit row size wraps to 4 bytes."""
    huge_catalogue(path, {"StellarMass": (ROWS, 5, (2**62 + 1) // 5)})


@case("huge_2d_wraps_to_one_element.hdf5")
def huge_2d_wraps(path, outdir):
    """Mvir of Snap_63 is (10, 2^62+1) float32: a naive 64-bit row size wraps to 4 bytes."""
    huge_catalogue(path, {"Mvir": (ROWS, 2**62 + 1)})


@case("zero_inner_dim.hdf5")
def zero_inner(path, outdir):
    """StellarMass of every snapshot is a contiguous (10, 0) float32: zero bytes per galaxy."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            def make(group, field):
                dataset = group.create_dataset(field, shape=(ROWS, 0), dtype="<f4")
                field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
            replace_field(f, snapshot, "StellarMass", make)


@case("pos_wrong_inner_shape.hdf5")
def pos_wrong_inner(path, outdir):
    """Pos is (10, 3) in Snap_63 but (10, 2, 2) in Snap_32."""
    with catalogue(path) as f:
        def make(group, field):
            dataset = group.create_dataset(field, data=np.zeros((ROWS, 2, 2)), chunks=(8, 2, 2),
                                           maxshape=(None, 2, 2))
            field_attrs(dataset, "Mpc/h", "Comoving position of the galaxy.")
        replace_field(f, 32, "Pos", make)


# ----------------------------------------------------------------------------------------------
# Element types of datasets
# ----------------------------------------------------------------------------------------------


@case("dtype_fixed_string.hdf5")
def dtype_fixed_string(path, outdir):
    """StellarMass holds fixed-length strings."""
    spoil_dtype(path, "StellarMass", np.array([b"%d.5" % i for i in range(ROWS)], dtype="S8"))


@case("dtype_vlen_string.hdf5")
def dtype_vlen_string(path, outdir):
    """StellarMass holds variable-length UTF-8 strings."""
    spoil_dtype(path, "StellarMass", np.array([f"{i}.5" for i in range(ROWS)], dtype=object),
                dtype=h5py.string_dtype())


@case("dtype_compound.hdf5")
def dtype_compound(path, outdir):
    """StellarMass holds compounds {float32 disk; float32 bulge}."""
    spoil_dtype(path, "StellarMass", np.zeros(ROWS, dtype=[("disk", "<f4"), ("bulge", "<f4")]))


@case("dtype_compound_single_f32.hdf5")
def dtype_compound_single(path, outdir):
    """StellarMass holds a compound with one float32 member (same size as a float32)."""
    spoil_dtype(path, "StellarMass", np.zeros(ROWS, dtype=[("value", "<f4")]))


@case("dtype_enum.hdf5")
def dtype_enum(path, outdir):
    """Type holds an int32-based enum {CENTRAL, SATELLITE, ORPHAN} instead of int32."""
    enum = h5py.enum_dtype({"CENTRAL": 0, "SATELLITE": 1, "ORPHAN": 2}, basetype="<i4")
    spoil_dtype(path, "Type", np.arange(ROWS, dtype="<i4") % 3, dtype=enum)


@case("dtype_enum_stellarmass.hdf5")
def dtype_enum_stellarmass(path, outdir):
    """StellarMass holds an int8-based enum."""
    enum = h5py.enum_dtype({"LOW": 0, "HIGH": 1}, basetype="i1")
    spoil_dtype(path, "StellarMass", np.arange(ROWS, dtype="i1") % 2, dtype=enum)


@case("dtype_bool.hdf5")
def dtype_bool(path, outdir):
    """StellarMass holds booleans (an int8 enum FALSE/TRUE)."""
    spoil_dtype(path, "StellarMass", np.arange(ROWS) % 2 == 0)


@case("dtype_float16.hdf5")
def dtype_float16(path, outdir):
    """StellarMass holds float16."""
    spoil_dtype(path, "StellarMass", np.arange(ROWS, dtype="f2"))


@case("dtype_longdouble.hdf5")
def dtype_longdouble(path, outdir):
    """StellarMass holds x86 long doubles (80-bit extended precision in 16 bytes)."""
    # Built byte by byte: numpy leaves the 6 padding bytes of each value undefined.
    raw = np.zeros((ROWS, 16), np.uint8)
    for i in range(1, ROWS):
        exponent = i.bit_length() - 1
        raw[i, :8] = np.frombuffer((i << (63 - exponent)).to_bytes(8, "little"), np.uint8)
        raw[i, 8:10] = np.frombuffer((16383 + exponent).to_bytes(2, "little"), np.uint8)
    if np.dtype(np.longdouble).itemsize != 16 or np.finfo(np.longdouble).nmant != 63:
        raise RuntimeError("needs x86 80-bit long doubles")
    spoil_dtype(path, "StellarMass", raw.view(np.longdouble).reshape(ROWS))


@case("dtype_complex64.hdf5")
def dtype_complex(path, outdir):
    """StellarMass holds complex64 (h5py's compound {r, i})."""
    spoil_dtype(path, "StellarMass", np.arange(ROWS, dtype="c8"))


@case("dtype_bigendian_float32.hdf5")
def dtype_be_f32(path, outdir):
    """StellarMass is big-endian float32 (still a number; may legitimately read correctly)."""
    spoil_dtype(path, "StellarMass", (0.1 * np.arange(1, ROWS + 1)).astype(">f4"))


@case("dtype_bigendian_int64.hdf5")
def dtype_be_i64(path, outdir):
    """GalaxyIndex is big-endian int64 (still a number; may legitimately read correctly)."""
    spoil_dtype(path, "GalaxyIndex", (10**12 + np.arange(ROWS)).astype(">i8"))


@case("dtype_uint64_galaxyindex.hdf5")
def dtype_u64(path, outdir):
    """GalaxyIndex is uint64 with values above 2^63 (a number galaxy-io reads as u64)."""
    spoil_dtype(path, "GalaxyIndex", (2**63 + np.arange(ROWS, dtype="u8")).astype("<u8"))


@case("dtype_array_type.hdf5")
def dtype_array(path, outdir):
    """StellarMass has an H5T_ARRAY element type (float32[3]) instead of float32."""
    spoil_dtype(path, "StellarMass", None, dtype=np.dtype(("<f4", (3,))))


@case("dtype_opaque.hdf5")
def dtype_opaque(path, outdir):
    """StellarMass has an opaque 4-byte element type."""
    spoil_dtype(path, "StellarMass", np.zeros(ROWS, dtype="V4"))


@case("dtype_object_reference.hdf5")
def dtype_reference(path, outdir):
    """StellarMass holds object references (to the root group)."""
    spoil_dtype(path, "StellarMass", lambda f: np.array([f.ref] * ROWS, dtype=h5py.ref_dtype),
                dtype=h5py.ref_dtype)


@case("dtype_region_reference.hdf5")
def dtype_region_reference(path, outdir):
    """StellarMass holds dataset region references."""
    def refs(f):
        target = f["Snap_63/Mvir"]
        return np.array([target.regionref[0:i + 1] for i in range(ROWS)],
                        dtype=h5py.regionref_dtype)
    spoil_dtype(path, "StellarMass", refs, dtype=h5py.regionref_dtype)


@case("dtype_vlen_sequence.hdf5")
def dtype_vlen_sequence(path, outdir):
    """StellarMass holds variable-length sequences of float32."""
    def rows(f):
        data = np.empty(ROWS, dtype=object)
        for i in range(ROWS):
            data[i] = np.arange(i, dtype="<f4")
        return data
    spoil_dtype(path, "StellarMass", rows, dtype=h5py.vlen_dtype(np.dtype("<f4")))


# ----------------------------------------------------------------------------------------------
# Structure of snapshot groups
# ----------------------------------------------------------------------------------------------


@case("uneven_columns.hdf5")
def uneven(path, outdir):
    """The datasets of Snap_63 disagree on length: StellarMass 7 rows, Mvir 13, others 10."""
    with catalogue(path) as f:
        f["Snap_63/StellarMass"].resize((7,))
        f["Snap_63/Mvir"].resize((13,))


@case("uneven_columns_contiguous.hdf5")
def uneven_contiguous(path, outdir):
    """Snap_63's datasets are contiguous (not extendable) and StellarMass has 7 of 10 rows."""
    with catalogue(path) as f:
        for name, dtype, inner, units, description in FIELDS:
            rows = 7 if name == "StellarMass" else ROWS

            def make(group, field, dtype=dtype, inner=inner, units=units, rows=rows,
                     description=description):
                dataset = group.create_dataset(field, data=values(field, dtype, inner, 63, rows))
                field_attrs(dataset, units, description)
            replace_field(f, 63, name, make)


@case("snapshot_empty_group.hdf5")
def snapshot_empty(path, outdir):
    """Snap_32 is an empty group (num_gals 0, no datasets); Snap_63 is whole."""
    with catalogue(path) as f:
        group = f["Snap_32"]
        for name in list(group):
            del group[name]
        group.attrs["num_gals"] = np.int64(0)


@case("snapshot_zero_length_datasets.hdf5")
def snapshot_zero_length(path, outdir):
    """Every dataset of Snap_32 has zero rows (num_gals 0)."""
    with catalogue(path) as f:
        for dataset in list(f["Snap_32"].values()):
            dataset.resize((0,) + dataset.shape[1:])
        f["Snap_32"].attrs["num_gals"] = np.int64(0)


@case("snapshot_with_subgroup.hdf5")
def snapshot_subgroup(path, outdir):
    """Snap_63 holds a group (Extra) beside its datasets."""
    with catalogue(path) as f:
        f["Snap_63"].create_group("Extra").attrs["note"] = np.int32(1)


@case("snapshot_with_named_datatype.hdf5")
def snapshot_named_type(path, outdir):
    """Snap_63 holds a committed (named) datatype beside its datasets."""
    with catalogue(path) as f:
        f["Snap_63"]["MassType"] = np.dtype("<f4")


@case("dataset_name_invalid_utf8.hdf5")
def name_invalid_utf8(path, outdir):
    """Snap_63 has an extra ten-row float32 dataset whose name holds invalid UTF-8 bytes."""
    with catalogue(path) as f:
        dataset = f["Snap_63"].create_dataset(b"Stellar\xff\xfeMass", data=np.zeros(ROWS, "<f4"),
                                              chunks=(CHUNK_ROWS,), maxshape=(None,))
        field_attrs(dataset, "None", "A name that is not UTF-8.")


@case("dataset_name_10000_chars.hdf5")
def name_long(path, outdir):
    """Every snapshot has an extra ten-row float32 dataset with a 10000-character name."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            dataset = f[f"Snap_{snapshot}"].create_dataset(
                "M" * 10000, data=np.zeros(ROWS, "<f4"), chunks=(CHUNK_ROWS,), maxshape=(None,))
            field_attrs(dataset, "None", "A very long name.")


@case("dataset_name_terminal_escapes.hdf5")
def name_escapes(path, outdir):
    """Every snapshot has an extra ten-row float32 dataset whose name holds ANSI escapes and a newline."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            dataset = f[f"Snap_{snapshot}"].create_dataset(
                "\x1b[31mRed\x1b[0m\nFake", data=np.zeros(ROWS, "<f4"), chunks=(CHUNK_ROWS,),
                maxshape=(None,))
            field_attrs(dataset, "None", "A name with escapes.")


@case("many_datasets_3000.hdf5")
def many_datasets(path, outdir):
    """Snap_63 holds 3000 ten-row float32 datasets (compact, no attributes) besides its fields."""
    # 3000 rather than 5000 keeps the file near 0.5 MB: each dataset costs ~170 bytes.
    with catalogue(path, libver="v108", small_datasets=True) as f:
        group = f["Snap_63"]
        data = np.zeros(ROWS, "<f4")
        for i in range(3000):
            dcpl = h5p.create(h5p.DATASET_CREATE)
            dcpl.set_layout(h5d.COMPACT)
            dcpl.set_obj_track_times(False)
            space = h5s.create_simple((ROWS,))
            dataset = h5d.create(group.id, f"Extra_{i:05d}".encode(), h5t.IEEE_F32LE, space,
                                 dcpl=dcpl)
            dataset.write(h5s.ALL, h5s.ALL, data)


@case("many_snapshots_2000.hdf5")
def many_snapshots(path, outdir):
    """2000 extra Snap_<i> groups (i = 100..2099), each with one one-row float32 StellarMass."""
    with catalogue(path, libver="v108", small_datasets=True) as f:
        data = np.ones(1, "<f4")
        for snapshot in range(100, 2100):
            group = f.create_group(f"Snap_{snapshot}")
            group.attrs.create("num_gals", np.int64(1))
            dcpl = h5p.create(h5p.DATASET_CREATE)
            dcpl.set_layout(h5d.COMPACT)
            dcpl.set_obj_track_times(False)
            dataset = h5d.create(group.id, b"StellarMass", h5t.IEEE_F32LE,
                                 h5s.create_simple((1,)), dcpl=dcpl)
            dataset.write(h5s.ALL, h5s.ALL, data)


# ----------------------------------------------------------------------------------------------
# Links
# ----------------------------------------------------------------------------------------------


@case("softlink_self_in_snapshot.hdf5")
def softlink_self(path, outdir):
    """Snap_63/Loop is a soft link to itself (/Snap_63/Loop)."""
    with catalogue(path) as f:
        f["Snap_63/Loop"] = h5py.SoftLink("/Snap_63/Loop")


@case("softlink_pair_in_snapshot.hdf5")
def softlink_pair(path, outdir):
    """Snap_63/A and Snap_63/B are soft links pointing at each other."""
    with catalogue(path) as f:
        f["Snap_63/A"] = h5py.SoftLink("/Snap_63/B")
        f["Snap_63/B"] = h5py.SoftLink("/Snap_63/A")


@case("softlink_snapshot_to_itself.hdf5")
def softlink_snapshot_self(path, outdir):
    """The root's Snap_63 is a soft link to /Snap_63 (itself); Snap_32 is whole."""
    with catalogue(path) as f:
        del f["Snap_63"]
        f["Snap_63"] = h5py.SoftLink("/Snap_63")


@case("softlink_relative_loop.hdf5")
def softlink_relative_loop(path, outdir):
    """Snap_63/Up is the relative soft link "Up", which names itself."""
    with catalogue(path) as f:
        f["Snap_63/Up"] = h5py.SoftLink("Up")


@case("softlink_dangling.hdf5")
def softlink_dangling(path, outdir):
    """Snap_63/Mvir is a soft link to /nowhere/Mvir, which does not exist."""
    with catalogue(path) as f:
        del f["Snap_63/Mvir"]
        f["Snap_63/Mvir"] = h5py.SoftLink("/nowhere/Mvir")


@case("softlink_snapshot_alias.hdf5")
def softlink_alias(path, outdir):
    """Snap_64 is a soft link to /Snap_63: the same galaxies under two snapshots."""
    with catalogue(path) as f:
        f["Snap_64"] = h5py.SoftLink("/Snap_63")


@case("softlink_field_to_other_snapshot.hdf5")
def softlink_field_other(path, outdir):
    """Snap_63/StellarMass is a soft link to /Snap_32/StellarMass (same length, other values)."""
    with catalogue(path) as f:
        del f["Snap_63/StellarMass"]
        f["Snap_63/StellarMass"] = h5py.SoftLink("/Snap_32/StellarMass")


@case("hardlink_cycle_parent.hdf5")
def hardlink_parent(path, outdir):
    """Snap_63/Parent is a hard link to the root group, Snap_63's parent (a cycle)."""
    with catalogue(path) as f:
        f["Snap_63/Parent"] = f["/"]


@case("hardlink_cycle_self.hdf5")
def hardlink_self(path, outdir):
    """Snap_63/Self is a hard link to Snap_63 itself (a cycle)."""
    with catalogue(path) as f:
        f["Snap_63/Self"] = f["Snap_63"]


@case("hardlink_root_as_snapshot.hdf5")
def hardlink_root(path, outdir):
    """The root has Snap_40, a hard link to the root itself (the file's root as a snapshot)."""
    with catalogue(path) as f:
        f["Snap_40"] = f["/"]


@case("external_link_missing_in_snapshot.hdf5")
def extlink_missing(path, outdir):
    """Snap_63/Mvir is an external link to missing_file.hdf5, which does not exist."""
    with catalogue(path) as f:
        del f["Snap_63/Mvir"]
        f["Snap_63/Mvir"] = h5py.ExternalLink("./missing_file.hdf5", "/Snap_63/Mvir")


@case("external_link_to_self_in_snapshot.hdf5")
def extlink_self(path, outdir):
    """Snap_63/Mvir is an external link to this same file's /Snap_63/Mvir (a loop across files)."""
    with catalogue(path) as f:
        del f["Snap_63/Mvir"]
        f["Snap_63/Mvir"] = h5py.ExternalLink("./" + path.name, "/Snap_63/Mvir")


@case("external_link_to_valid_in_snapshot.hdf5", companions=[VALID])
def extlink_valid(path, outdir):
    """Snap_63/Mvir is an external link to valid.hdf5's /Snap_63/Mvir (data in another file)."""
    with catalogue(path) as f:
        del f["Snap_63/Mvir"]
        f["Snap_63/Mvir"] = h5py.ExternalLink("./" + VALID, "/Snap_63/Mvir")


@case("external_link_snapshot_to_not_hdf5.hdf5", companions=["not_hdf5_text.hdf5"])
def extlink_snapshot_text(path, outdir):
    """Snap_63 is an external link into not_hdf5_text.hdf5, a text file."""
    with catalogue(path) as f:
        del f["Snap_63"]
        f["Snap_63"] = h5py.ExternalLink("./not_hdf5_text.hdf5", "/Snap_63")


# ----------------------------------------------------------------------------------------------
# Master files
# ----------------------------------------------------------------------------------------------


@case("master_self_link.hdf5", "master")
def master_self(path, outdir):
    """A master whose Core_0 is an external link to the root of the master itself."""
    master(path, {"Core_0": ("./" + path.name, "/")})


@case("master_ping.hdf5", "master", ["master_pong.hdf5"])
def master_ping(path, outdir):
    """A master whose Core_0 links master_pong.hdf5, whose Core_0 links back here."""
    master(path, {"Core_0": ("./master_pong.hdf5", "/")})


@case("master_pong.hdf5", "master", ["master_ping.hdf5"])
def master_pong(path, outdir):
    """A master whose Core_0 links master_ping.hdf5, whose Core_0 links back here."""
    master(path, {"Core_0": ("./master_ping.hdf5", "/")})


@case("master_missing_core.hdf5", "master")
def master_missing(path, outdir):
    """A master whose Core_0 links missing_core_0.hdf5, which does not exist."""
    master(path, {"Core_0": ("./missing_core_0.hdf5", "/")})


@case("master_missing_second_core.hdf5", "master", [VALID])
def master_missing_second(path, outdir):
    """A master whose Core_0 links valid.hdf5 and whose Core_1 links a file that does not exist."""
    master(path, {"Core_0": ("./" + VALID, "/"), "Core_1": ("./missing_core_1.hdf5", "/")})


@case("master_core0_ordinary_group.hdf5", "master", [VALID])
def master_core0_group(path, outdir):
    """A master whose Core_0 is an ordinary empty group and whose Core_1 links valid.hdf5."""
    master(path, {"Core_1": ("./" + VALID, "/")}, extra=lambda f: f.create_group("Core_0"))


@case("master_core0_dataset.hdf5", "master", [VALID])
def master_core0_dataset(path, outdir):
    """A master whose Core_0 is an int32 dataset and whose Core_1 links valid.hdf5."""
    master(path, {"Core_1": ("./" + VALID, "/")},
           extra=lambda f: f.create_dataset("Core_0", data=np.arange(3, dtype="<i4")))


@case("master_core1_without_core0.hdf5", "master", [VALID])
def master_core1_only(path, outdir):
    """A master with Core_1 linking valid.hdf5 but no Core_0."""
    master(path, {"Core_1": ("./" + VALID, "/")})


@case("master_header_is_dataset.hdf5", "master", [VALID])
def master_header_dataset(path, outdir):
    """A master whose Core_0 links valid.hdf5 and whose own Header is a dataset."""
    master(path, {"Core_0": ("./" + VALID, "/")}, header=False,
           extra=lambda f: f.create_dataset("Header", data=np.arange(4, dtype="<i4")))


@case("master_core_links_dataset.hdf5", "master", [VALID])
def master_core_dataset(path, outdir):
    """A master whose Core_0 is an external link to valid.hdf5's /Snap_63/StellarMass dataset."""
    master(path, {"Core_0": ("./" + VALID, "/Snap_63/StellarMass")})


@case("master_core_links_snapshot.hdf5", "master", [VALID])
def master_core_snapshot(path, outdir):
    """A master whose Core_0 links valid.hdf5's /Snap_63 group instead of its root."""
    master(path, {"Core_0": ("./" + VALID, "/Snap_63")})


@case("master_core_links_not_hdf5.hdf5", "master", ["not_hdf5_text.hdf5"])
def master_core_text(path, outdir):
    """A master whose Core_0 links not_hdf5_text.hdf5, a text file."""
    master(path, {"Core_0": ("./not_hdf5_text.hdf5", "/")})


@case("master_core_links_truncated.hdf5", "master", ["truncated_50.hdf5"])
def master_core_truncated(path, outdir):
    """A master whose Core_0 links truncated_50.hdf5, half of valid.hdf5."""
    master(path, {"Core_0": ("./truncated_50.hdf5", "/")})


@case("master_core_links_huge.hdf5", "master", ["huge_rows_2pow62_wraps.hdf5"])
def master_core_huge(path, outdir):
    """A master whose Core_0 links huge_rows_2pow62_wraps.hdf5 (2^62 claimed rows)."""
    master(path, {"Core_0": ("./huge_rows_2pow62_wraps.hdf5", "/")})


@case("master_same_core_twice.hdf5", "master", [VALID])
def master_twice(path, outdir):
    """A master whose Core_0 and Core_1 both link valid.hdf5 (the same galaxies twice)."""
    master(path, {"Core_0": ("./" + VALID, "/"), "Core_1": ("./" + VALID, "/")})


@case("master_nested.hdf5", "master", ["master_valid.hdf5", VALID])
def master_nested(path, outdir):
    """A master whose Core_0 links master_valid.hdf5, itself a master (Core_0/Core_0/Snap_63)."""
    master(path, {"Core_0": ("./master_valid.hdf5", "/")})


@case("master_core_softlink_loop.hdf5", "master")
def master_core_softlink(path, outdir):
    """A master whose Core_0 is a soft link to /Core_0 (itself)."""
    master(path, {}, extra=lambda f: f.__setitem__("Core_0", h5py.SoftLink("/Core_0")))


@case("master_core_absolute_missing_dir.hdf5", "master")
def master_core_abs(path, outdir):
    """A master whose Core_0 links an absolute path in a directory that does not exist."""
    master(path, {"Core_0": ("/nonexistent-galaxy-io-dir/model_0.hdf5", "/")})


@case("master_parts_disagree_on_types.hdf5", "master", [VALID, "dtype_bigendian_float32.hdf5",
                                                         "pos_wrong_inner_shape.hdf5"])
def master_disagree(path, outdir):
    """A master linking valid.hdf5, a file with big-endian StellarMass and one with (n,2,2) Pos."""
    master(path, {"Core_0": ("./" + VALID, "/"),
                  "Core_1": ("./dtype_bigendian_float32.hdf5", "/"),
                  "Core_2": ("./pos_wrong_inner_shape.hdf5", "/")})


@case("master_1000_cores.hdf5", "master", [VALID])
def master_many(path, outdir):
    """A master with 1000 Core_<i> links, all to valid.hdf5."""
    master(path, {f"Core_{i}": ("./" + VALID, "/") for i in range(1000)})


def virtual_stellar_mass(f, rows, sources):
    """Root Snap_63/StellarMass as a virtual dataset of `rows` rows: `sources` lists (file,
    claimed source rows, first row) mappings; Snap_63 gets num_gals = rows."""
    layout = h5py.VirtualLayout(shape=(rows,), dtype="<f4")
    for target, claimed, first in sources:
        source = h5py.VirtualSource(target, "/Snap_63/StellarMass", shape=(claimed,))
        layout[first:first + claimed] = source
    group = f.require_group("Snap_63")
    group.create_virtual_dataset("StellarMass", layout, fillvalue=np.nan)
    group.attrs["num_gals"] = np.int64(rows)


@case("master_vds_missing_source.hdf5", "master", [VALID])
def master_vds_missing(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps rows of a file that does not exist."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(
               f, 2 * ROWS, [("./" + VALID, ROWS, 0), ("./missing_vds_source.hdf5", ROWS, ROWS)]))


@case("master_vds_gap.hdf5", "master", [VALID])
def master_vds_gap(path, outdir):
    """A master whose virtual Snap_63/StellarMass has 30 rows, of which only 10 are mapped."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, 3 * ROWS, [("./" + VALID, ROWS, 0)]))


@case("master_vds_source_too_short.hdf5", "master", [VALID])
def master_vds_short(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps 1000 rows of valid.hdf5, which has 10."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, 1000, [("./" + VALID, 1000, 0)]))


@case("master_vds_self_dot.hdf5", "master", [VALID])
def master_vds_self_dot(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps rows of "." (HDF5: the file itself)."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, ROWS, [(".", ROWS, 0)]))


@case("master_vds_self_named.hdf5", "master", [VALID])
def master_vds_self_named(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps rows of the master itself, by name."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(
               f, ROWS, [("./master_vds_self_named.hdf5", ROWS, 0)]))


def fifo(path):
    """A FIFO (named pipe) at `path`, made anew: opening it for reading blocks until a writer
    comes, and none will."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)


@case("master_vds_source_fifo.hdf5", "master", [VALID])
def master_vds_fifo(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps rows of a FIFO."""
    fifo(outdir / "vds_source.fifo")
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, ROWS, [("./vds_source.fifo", ROWS, 0)]))


@case("master_vds_source_urandom.hdf5", "master", [VALID])
def master_vds_urandom(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps rows of /dev/urandom."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, ROWS, [("/dev/urandom", ROWS, 0)]))


def external_stellar_mass(path, target, offset=0):
    """The valid catalogue, with Snap_63/StellarMass stored in the external file `target` (as
    written: HDF5 finds a relative name in the current directory) from byte `offset`."""
    with catalogue(path) as f:
        replace_field(f, 63, "StellarMass", lambda group, name: group.create_dataset(
            name, shape=(ROWS,), dtype="<f4", external=[(target, offset, 4 * ROWS)]))


@case("external_storage_fifo.hdf5")
def external_fifo(path, outdir):
    """Snap_63/StellarMass keeps its rows in external storage that is a FIFO."""
    fifo(outdir / "external.fifo")
    external_stellar_mass(path, "external.fifo")


@case("external_storage_urandom.hdf5")
def external_urandom(path, outdir):
    """Snap_63/StellarMass keeps its rows in external storage that is /dev/urandom."""
    external_stellar_mass(path, "/dev/urandom")


@case("external_storage_itself.hdf5")
def external_itself(path, outdir):
    """Snap_63/StellarMass keeps its rows in external storage that is this file's own bytes."""
    external_stellar_mass(path, path.name, offset=96)


@case("external_storage_short.hdf5")
def external_short(path, outdir):
    """Snap_63/StellarMass keeps its 40 bytes in an external file of 12 bytes."""
    write_bytes(outdir / "external_short.bin", b"twelve bytes")
    external_stellar_mass(path, "external_short.bin")


@case("attributes_20000.hdf5")
def attributes_many(path, outdir):
    """Snap_63/StellarMass has 20 000 int32 attributes (a reader quadratic in them takes hours)."""
    with catalogue(path, libver="v108") as f:
        dataset = f["Snap_63/StellarMass"].id
        space = h5s.create(h5s.SCALAR)
        for i in range(20_000):
            h5a.create(dataset, f"extra_{i:05}".encode(), h5t.NATIVE_INT32, space).write(
                np.array(i, dtype=np.int32))


@case("master_vds_cycle_a.hdf5", "master", [VALID, "master_vds_cycle_b.hdf5"])
def master_vds_cycle_a(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps master_vds_cycle_b's, which maps this."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, ROWS, [("./master_vds_cycle_b.hdf5", ROWS, 0)]))


@case("master_vds_cycle_b.hdf5", "master", [VALID, "master_vds_cycle_a.hdf5"])
def master_vds_cycle_b(path, outdir):
    """A master whose virtual Snap_63/StellarMass maps master_vds_cycle_a's, which maps this."""
    master(path, {"Core_0": ("./" + VALID, "/")},
           extra=lambda f: virtual_stellar_mass(f, ROWS, [("./master_vds_cycle_a.hdf5", ROWS, 0)]))


@case("output_vds_foreign_source.hdf5")
def output_vds_foreign(path, outdir):
    """An output whose Snap_63/StellarMass is virtual, mapping a file that is not HDF5."""
    with catalogue(path) as f:
        del f["Snap_63/StellarMass"]
        virtual_stellar_mass(f, ROWS, [("/proc/self/status", ROWS, 0)])


# ----------------------------------------------------------------------------------------------
# Non-groups where groups are expected (and the reverse)
# ----------------------------------------------------------------------------------------------


@case("snap_is_dataset.hdf5")
def snap_dataset(path, outdir):
    """Snap_63 is an int64 dataset instead of a group; Snap_32 is whole."""
    with catalogue(path) as f:
        del f["Snap_63"]
        f.create_dataset("Snap_63", data=np.arange(ROWS, dtype="<i8"))


@case("snap_is_named_datatype.hdf5")
def snap_datatype(path, outdir):
    """Snap_63 is a committed datatype instead of a group; Snap_32 is whole."""
    with catalogue(path) as f:
        del f["Snap_63"]
        f["Snap_63"] = np.dtype("<f4")


@case("header_is_dataset.hdf5")
def header_dataset(path, outdir):
    """Header is an int32 dataset instead of a group."""
    with catalogue(path) as f:
        del f["Header"]
        f.create_dataset("Header", data=np.arange(4, dtype="<i4"))


@case("header_misc_is_dataset.hdf5")
def header_misc_dataset(path, outdir):
    """Header/Misc is a dataset (with a sage_version attribute) instead of a group."""
    with catalogue(path) as f:
        del f["Header/Misc"]
        dataset = f["Header"].create_dataset("Misc", data=np.arange(4, dtype="<i4"))
        fixed_string_attr(dataset, "sage_version", "1.0.0")


@case("header_simulation_is_softlink_to_root.hdf5")
def header_simulation_softlink(path, outdir):
    """Header/Simulation is a soft link to / (the root, with no attributes)."""
    with catalogue(path) as f:
        del f["Header/Simulation"]
        f["Header/Simulation"] = h5py.SoftLink("/")


@case("treeinfo_is_dataset.hdf5")
def treeinfo_dataset(path, outdir):
    """TreeInfo is an int32 dataset instead of a group."""
    with catalogue(path) as f:
        del f["TreeInfo"]
        f.create_dataset("TreeInfo", data=np.arange(4, dtype="<i4"))


@case("treeinfo_numgals_is_group.hdf5")
def treeinfo_numgals_group(path, outdir):
    """TreeInfo/Snap_63/NumGalsPerTreePerSnap is a group instead of a dataset."""
    with catalogue(path) as f:
        del f["TreeInfo/Snap_63/NumGalsPerTreePerSnap"]
        f["TreeInfo/Snap_63"].create_group("NumGalsPerTreePerSnap")


@case("treeinfo_numgals_2d_float.hdf5")
def treeinfo_numgals_2d(path, outdir):
    """TreeInfo/Snap_63/NumGalsPerTreePerSnap is a (2, 2) float64 dataset."""
    with catalogue(path) as f:
        del f["TreeInfo/Snap_63/NumGalsPerTreePerSnap"]
        f["TreeInfo/Snap_63"].create_dataset("NumGalsPerTreePerSnap", data=np.ones((2, 2)))


@case("treeinfo_numgals_claims_2pow40.hdf5")
def treeinfo_numgals_huge(path, outdir):
    """TreeInfo/Snap_63/NumGalsPerTreePerSnap claims 2^40 int32 (4 TiB) and stores none."""
    with catalogue(path) as f:
        del f["TreeInfo/Snap_63/NumGalsPerTreePerSnap"]
        claimed_field(f["TreeInfo/Snap_63"], "NumGalsPerTreePerSnap", "<i4", (2**40,))


# ----------------------------------------------------------------------------------------------
# Group names that look like snapshots
# ----------------------------------------------------------------------------------------------


def odd_snapshot_name(path, name):
    """The valid catalogue plus a whole snapshot group under `name`."""
    with catalogue(path) as f:
        group = f.create_group(name)
        for field, dtype, inner, units, description in FIELDS:
            write_field(group, field, dtype, inner, units, description, 1)
        group.attrs.create("num_gals", np.int64(ROWS))


@case("snapname_no_number.hdf5")
def snapname_empty(path, outdir):
    """A whole snapshot group named "Snap_" (no number) beside Snap_63 and Snap_32."""
    odd_snapshot_name(path, "Snap_")


@case("snapname_negative.hdf5")
def snapname_negative(path, outdir):
    """A whole snapshot group named "Snap_-1"."""
    odd_snapshot_name(path, "Snap_-1")


@case("snapname_99999999999.hdf5")
def snapname_big(path, outdir):
    """A whole snapshot group named "Snap_99999999999" (beyond u32)."""
    odd_snapshot_name(path, "Snap_99999999999")


@case("snapname_space.hdf5")
def snapname_space(path, outdir):
    """A whole snapshot group named "Snap_ 63" (a space before the number)."""
    odd_snapshot_name(path, "Snap_ 63")


@case("snapname_u32_overflow.hdf5")
def snapname_overflow(path, outdir):
    """A whole snapshot group named "Snap_4294967296" (2^32, overflows u32)."""
    odd_snapshot_name(path, "Snap_4294967296")


@case("snapname_u32_max.hdf5")
def snapname_u32_max(path, outdir):
    """A whole snapshot group named "Snap_4294967295" (u32::MAX, a valid number)."""
    odd_snapshot_name(path, "Snap_4294967295")


@case("snapname_plus_sign.hdf5")
def snapname_plus(path, outdir):
    """A whole snapshot group named "Snap_+7": "+7" parses as 7, but Snap_7 does not exist."""
    odd_snapshot_name(path, "Snap_+7")


@case("snapname_leading_zero.hdf5")
def snapname_zero(path, outdir):
    """A whole snapshot group named "Snap_063" beside Snap_63: both parse as 63."""
    odd_snapshot_name(path, "Snap_063")


@case("snapname_leading_zero_only.hdf5")
def snapname_zero_only(path, outdir):
    """A whole snapshot group named "Snap_07": it parses as 7, but Snap_7 does not exist."""
    odd_snapshot_name(path, "Snap_07")


@case("snapname_invalid_utf8.hdf5")
def snapname_utf8(path, outdir):
    """A whole snapshot group whose name is b"Snap_\\xff" (invalid UTF-8)."""
    odd_snapshot_name(path, b"Snap_\xff")


@case("snapname_trailing_newline.hdf5")
def snapname_newline(path, outdir):
    """A whole snapshot group named "Snap_7\\n"."""
    odd_snapshot_name(path, "Snap_7\n")


# ----------------------------------------------------------------------------------------------
# Filters
# ----------------------------------------------------------------------------------------------


@case("filter_lzf.hdf5")
def filter_lzf(path, outdir):
    """StellarMass of every snapshot is compressed with h5py's LZF filter (id 32000)."""
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            replace_field(f, snapshot, "StellarMass", lambda group, name: field_attrs(
                group.create_dataset(name, data=values(name, "<f4", (), snapshot),
                                     chunks=(CHUNK_ROWS,), maxshape=(None,), compression="lzf"),
                "1.0e10 Msun/h", "Mass of stars."))


@case("filter_unknown_id.hdf5")
def filter_unknown(path, outdir):
    """StellarMass needs filter 32999, which no library has (optional filter, chunks written raw)."""
    # HDF5 refuses an unregistered filter that is mandatory, so it is set optional; chunks are
    # then written directly with filter mask 0, which says that the filter was applied.
    with catalogue(path) as f:
        for snapshot in SNAPSHOTS:
            def make(group, name, snapshot=snapshot):
                dcpl = h5p.create(h5p.DATASET_CREATE)
                dcpl.set_chunk((5,))
                dcpl.set_obj_track_times(False)
                dcpl.set_filter(32999, h5z.FLAG_OPTIONAL, (1, 2))
                space = h5s.create_simple((ROWS,), (h5s.UNLIMITED,))
                dataset = h5d.create(group.id, name.encode(), h5t.IEEE_F32LE, space, dcpl=dcpl)
                data = values(name, "<f4", (), snapshot)
                for start in range(0, ROWS, 5):
                    dataset.write_direct_chunk((start,), data[start:start + 5].tobytes(),
                                               filter_mask=0)
                field_attrs(h5py.Dataset(dataset), "1.0e10 Msun/h", "Mass of stars.")
            replace_field(f, snapshot, "StellarMass", make)


@case("filter_deflate_corrupt_stream.hdf5")
def filter_deflate_corrupt(path, outdir):
    """StellarMass is deflate-compressed, but its chunk holds random bytes, not a zlib stream."""
    rng = np.random.default_rng(20240601)
    with catalogue(path) as f:
        def make(group, name):
            dataset = group.create_dataset(name, shape=(ROWS,), dtype="<f4", chunks=(ROWS,),
                                           maxshape=(None,), compression="gzip")
            dataset.id.write_direct_chunk((0,), rng.integers(0, 256, 64, np.uint8).tobytes())
            field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
        replace_field(f, 63, "StellarMass", make)


@case("filter_deflate_short_output.hdf5")
def filter_deflate_short(path, outdir):
    """StellarMass is deflate-compressed, but its chunk inflates to 8 bytes instead of 40."""
    import zlib
    with catalogue(path) as f:
        def make(group, name):
            dataset = group.create_dataset(name, shape=(ROWS,), dtype="<f4", chunks=(ROWS,),
                                           maxshape=(None,), compression="gzip")
            dataset.id.write_direct_chunk((0,), zlib.compress(b"\x00" * 8))
            field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
        replace_field(f, 63, "StellarMass", make)


@case("filter_deflate_bomb.hdf5")
def filter_deflate_bomb(path, outdir):
    """StellarMass's chunk, 40 bytes of float32, is a zlib stream that inflates to 64 MiB of zeros."""
    import zlib
    with catalogue(path) as f:
        def make(group, name):
            dataset = group.create_dataset(name, shape=(ROWS,), dtype="<f4", chunks=(ROWS,),
                                           maxshape=(None,), compression="gzip")
            dataset.id.write_direct_chunk((0,), zlib.compress(b"\x00" * (64 << 20), 9))
            field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
        replace_field(f, 63, "StellarMass", make)


@case("filter_fletcher32_bad_checksum.hdf5")
def filter_fletcher32(path, outdir):
    """StellarMass has the Fletcher-32 checksum filter and a chunk whose checksum is wrong."""
    with catalogue(path) as f:
        def make(group, name):
            dataset = group.create_dataset(name, shape=(ROWS,), dtype="<f4", chunks=(ROWS,),
                                           maxshape=(None,), fletcher32=True)
            payload = values(name, "<f4", (), 63).tobytes()
            dataset.id.write_direct_chunk((0,), payload + b"\xde\xad\xbe\xef")
            field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
        replace_field(f, 63, "StellarMass", make)


@case("filter_chunk_past_eof.hdf5")
def filter_chunk_past_eof(path, outdir):
    """The file ends 8 bytes into Snap_63/StellarMass's chunk, before what HDF5 stored after it."""
    # The chunk is written last, after a flush; the file is then cut 8 bytes into it, which also
    # loses whatever metadata HDF5 placed after it, so the superblock's end of file lies past the
    # end (HDF5 calls the file truncated).
    with catalogue(path) as f:
        def make(group, name):
            dataset = group.create_dataset(name, shape=(ROWS,), dtype="<f4", chunks=(ROWS,),
                                           maxshape=(None,))
            field_attrs(dataset, "1.0e10 Msun/h", "Mass of stars.")
            return dataset
        dataset = replace_field(f, 63, "StellarMass", make)
        f.flush()
        dataset[:] = values("StellarMass", "<f4", (), 63)
        offset = dataset.id.get_chunk_info(0).byte_offset
    with open(path, "r+b") as handle:
        handle.truncate(offset + 8)


# ----------------------------------------------------------------------------------------------
# Not HDF5, or broken at the byte level
# ----------------------------------------------------------------------------------------------


@case("not_hdf5_empty.hdf5", "not_hdf5")
def empty_file(path, outdir):
    """A zero-length file."""
    write_bytes(path, b"")


@case("not_hdf5_text.hdf5", "not_hdf5")
def text_file(path, outdir):
    """A text file named .hdf5."""
    write_bytes(path, b"Snap_63 StellarMass\n0.1 0.2 0.3\nThis is not an HDF5 file.\n")


@case("not_hdf5_signature_only.hdf5", "not_hdf5")
def signature_only(path, outdir):
    """Only the 8-byte HDF5 signature."""
    write_bytes(path, HDF5_SIGNATURE)


@case("not_hdf5_directory.hdf5", "not_hdf5")
def directory(path, outdir):
    """A directory named .hdf5."""
    path.mkdir()
    (path / "README").write_text("a directory, not a file\n")


@case("truncated_50.hdf5", "not_hdf5", [])
def truncated_50(path, outdir):
    """valid.hdf5 cut at 50% of its length."""
    data = valid_bytes(outdir)
    write_bytes(path, data[: len(data) // 2])


@case("truncated_90.hdf5", "not_hdf5", [])
def truncated_90(path, outdir):
    """valid.hdf5 cut at 90% of its length."""
    data = valid_bytes(outdir)
    write_bytes(path, data[: len(data) * 9 // 10])


@case("random_after_superblock.hdf5", "not_hdf5")
def random_after_superblock(path, outdir):
    """valid.hdf5's 96-byte version-0 superblock (with root entry) followed by random bytes."""
    data = valid_bytes(outdir)
    rng = np.random.default_rng(63)
    write_bytes(path, data[:96] + rng.integers(0, 256, len(data) - 96, np.uint8).tobytes())


@case("random_after_superblock_v3.hdf5", "not_hdf5")
def random_after_superblock_v3(path, outdir):
    """A libver-latest file's 48-byte version-3 superblock followed by random bytes."""
    scratch = path.with_suffix(".tmp")
    with new_file(scratch, "v108") as f:
        write_valid(f)
    data = scratch.read_bytes()
    scratch.unlink()
    assert data[8] in (2, 3), data[8]
    rng = np.random.default_rng(32)
    write_bytes(path, data[:48] + rng.integers(0, 256, len(data) - 48, np.uint8).tobytes())


@case("superblock_eof_claims_1tib.hdf5")
def eof_1tib(path, outdir):
    """valid.hdf5 whose superblock says the file ends at 1 TiB (recover may extend it that far)."""
    data = bytearray(valid_bytes(outdir))
    assert data[8] == 0 and data[13] == 8, "expects a version-0 superblock with 8-byte offsets"
    data[40:48] = (2**40).to_bytes(8, "little")
    write_bytes(path, bytes(data))


@case("superblock_eof_claims_2pow62.hdf5")
def eof_2pow62(path, outdir):
    """valid.hdf5 whose superblock says the file ends at 2^62 bytes (beyond any file system)."""
    data = bytearray(valid_bytes(outdir))
    data[40:48] = (2**62).to_bytes(8, "little")
    write_bytes(path, bytes(data))


@case("superblock_root_address_garbage.hdf5")
def root_garbage(path, outdir):
    """valid.hdf5 whose root group's object header address points past the end of the file."""
    data = bytearray(valid_bytes(outdir))
    # Version-0 superblock: the root symbol table entry starts at 56, its header address at 64.
    data[64:72] = (len(data) * 4).to_bytes(8, "little")
    write_bytes(path, bytes(data))


def corrupted(path, outdir, seed, count):
    """valid.hdf5 with `count` bytes past the superblock XOR-ed with random values."""
    data = bytearray(valid_bytes(outdir))
    rng = np.random.default_rng(seed)
    for offset in rng.integers(96, len(data), count):
        data[offset] ^= int(rng.integers(1, 256))
    write_bytes(path, bytes(data))


@case("corrupted_bytes_seed1.hdf5")
def corrupted_1(path, outdir):
    """valid.hdf5 with 32 random bytes past the superblock XOR-ed (seed 1)."""
    corrupted(path, outdir, 1, 32)


@case("corrupted_bytes_seed2.hdf5")
def corrupted_2(path, outdir):
    """valid.hdf5 with 32 random bytes past the superblock XOR-ed (seed 2)."""
    corrupted(path, outdir, 2, 32)


@case("corrupted_bytes_seed3.hdf5")
def corrupted_3(path, outdir):
    """valid.hdf5 with 256 random bytes past the superblock XOR-ed (seed 3)."""
    corrupted(path, outdir, 3, 256)


@case("hdf5_with_userblock.hdf5")
def userblock(path, outdir):
    """A valid catalogue behind a 512-byte user block of text (a legal HDF5 file)."""
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fcpl.set_userblock(512)
    fid = h5py.h5f.create(str(path).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        write_valid(f)
    with open(path, "r+b") as handle:
        handle.write(b"user block: not HDF5 data\n".ljust(512, b"#"))


# ----------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: hostile_corpus.py OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[1])
    outdir.mkdir(parents=True, exist_ok=True)
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    # valid.hdf5 first: byte-level cases are made from it.
    for entry in sorted(CASES, key=lambda c: c["name"] != VALID):
        path = outdir / entry["name"]
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        entry["write"](path, outdir)
    for entry in CASES:
        for companion in entry["companions"]:
            assert companion in names, f"{entry['name']}: unknown companion {companion}"
    manifest = [{key: entry[key] for key in ("name", "what", "kind", "companions")}
                for entry in CASES]
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
