#!/usr/bin/env python3
"""Writes, with h5py, a small catalogue laid out exactly as sage-model's save_gals_hdf5.c writes
one: a master file `<dir>/model.hdf5` whose `Core_<i>` groups are external links to
`./model_<i>.hdf5`, every header attribute of write_header() with SAGE's HDF5 types (int32, int64,
double, fixed-length NULLTERM strings of strlen bytes), `Snap_<N>` groups with `redshift` (float)
and `num_gals` (int64), the 54 galaxy datasets (chunked by 8192, unlimited) with `Description` and
`Units`, and `TreeInfo`. It is the known-good input for sage_analysis_read.py.

Usage: make_sage_like.py DIR

Two cores, output snapshots 63, 37 and 32 of 64, a 62.5 Mpc/h box with h = 0.73; core 0 processed
3/8 of the volume, core 1 5/8 and has no galaxies at snapshot 32. Prints the counts as JSON.
"""
import json
import os
import sys

import h5py
import numpy as np

MAX_STRING_LEN = 1024
NUM_GALS_PER_BUFFER = 8192
FIELDS = [  # name, dtype, units (save_gals_hdf5.c generate_field_metadata)
    ("SnapNum", "i4", "Unitless"), ("Type", "i4", "Unitless"), ("GalaxyIndex", "i8", "Unitless"),
    ("CentralGalaxyIndex", "i8", "Unitless"), ("SAGEHaloIndex", "i4", "Unitless"),
    ("SAGETreeIndex", "i4", "Unitless"), ("SimulationHaloIndex", "i8", "Unitless"),
    ("mergeType", "i4", "Unitless"), ("mergeIntoID", "i4", "Unitless"), ("mergeIntoSnapNum", "i4", "Unitless"),
    ("dT", "f4", "Myr"), ("Posx", "f4", "Mpc/h"), ("Posy", "f4", "Mpc/h"), ("Posz", "f4", "Mpc/h"),
    ("Velx", "f4", "km/s"), ("Vely", "f4", "km/s"), ("Velz", "f4", "km/s"),
    ("Spinx", "f4", "Mpc * km/s"), ("Spiny", "f4", "Mpc * km/s"), ("Spinz", "f4", "Mpc * km/s"),
    ("Len", "i4", "Unitless"), ("Mvir", "f4", "1.0e10 Msun/h"), ("CentralMvir", "f4", "1.0e10 Msun/h"),
    ("Rvir", "f4", "Mpc/h"), ("Vvir", "f4", "km/s"), ("Vmax", "f4", "km/s"), ("VelDisp", "f4", "km/s"),
    ("ColdGas", "f4", "1.0e10 Msun/h"), ("StellarMass", "f4", "1.0e10 Msun/h"),
    ("BulgeMass", "f4", "1.0e10 Msun/h"), ("HotGas", "f4", "1.0e10 Msun/h"),
    ("EjectedMass", "f4", "1.0e10 Msun/h"), ("BlackHoleMass", "f4", "1.0e10 Msun/h"),
    ("IntraClusterStars", "f4", "1.0e10 Msun/h"), ("MetalsColdGas", "f4", "1.0e10 Msun/h"),
    ("MetalsStellarMass", "f4", "1.0e10 Msun/h"), ("MetalsBulgeMass", "f4", "1.0e10 Msun/h"),
    ("MetalsHotGas", "f4", "1.0e10 Msun/h"), ("MetalsEjectedMass", "f4", "1.0e10 Msun/h"),
    ("MetalsIntraClusterStars", "f4", "1.0e10 Msun/h"), ("SfrDisk", "f4", "Msun/yr"),
    ("SfrBulge", "f4", "Msun/yr"), ("SfrDiskZ", "f4", "Msun/yr"), ("SfrBulgeZ", "f4", "Msun/yr"),
    ("DiskRadius", "f4", "Mpc/h"), ("Cooling", "f4", "erg/s"), ("Heating", "f4", "erg/s"),
    ("QuasarModeBHaccretionMass", "f4", "1.0e10 Msun/h"), ("TimeOfLastMajorMerger", "f4", "Myr"),
    ("TimeOfLastMinorMerger", "f4", "Myr"), ("OutflowRate", "f4", "Msun/yr"),
    ("infallMvir", "f4", "1.0e10 Msun/yr"), ("infallVvir", "f4", "km/s"), ("infallVmax", "f4", "km/s"),
]
assert len(FIELDS) == 54

NTASKS, FIRST_FILE, LAST_FILE, NUM_TREE_FILES = 2, 0, 7, 8
FRAC = [3 / 8, 5 / 8]
OUTPUT_SNAPS = [63, 37, 32]  # SAGE's ListOutputSnaps order (highest first)
COUNTS = {0: {63: 3000, 37: 1200, 32: 500}, 1: {63: 4100, 37: 900, 32: 0}}
BOX, HUBBLE_H = 62.5, 0.73
REDSHIFTS = np.exp(np.arange(63, -1, -1) / 63.0 * np.log(128.0)) - 1.0  # snapshot 0..63, z = 127 .. 0
REDSHIFTS[63] = 0.0


def string_attr(obj, name, value, size=None):
    """CREATE_STRING_ATTRIBUTE: H5T_C_S1 of `size` (default strlen) bytes, NULLTERM, scalar."""
    data = value.encode("ascii")
    size = size or max(len(data), 1)
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(h5py.h5t.STR_NULLTERM)
    aid = h5py.h5a.create(obj.id, name.encode(), tid, h5py.h5s.create(h5py.h5s.SCALAR))
    aid.write(np.array(data.ljust(size, b"\0")[:size], dtype=f"S{size}"), mtype=tid)


def write_header(f, frac, nforests):
    header = f.require_group("Header")
    sim, run, misc = (header.create_group(g) for g in ("Simulation", "Runtime", "Misc"))
    string_attr(sim, "SimulationDir", "/sage/input/millennium/trees/")
    string_attr(sim, "FileWithSnapList", "/sage/input/millennium/trees/millennium.a_list")
    sim.attrs.create("LastSnapshotNr", 63, dtype="i4")
    sim.attrs.create("SimMaxSnaps", 64, dtype="i4")
    for name, value in [("omega_matter", 0.25), ("omega_lambda", 0.75), ("particle_mass", 0.0860657),
                        ("hubble_h", HUBBLE_H)]:
        sim.attrs.create(name, value, dtype="f8")
    sim.attrs.create("num_simulation_tree_files", NUM_TREE_FILES, dtype="i4")
    sim.attrs.create("box_size", BOX, dtype="f8")
    sim.attrs.create("num_trees_this_file", nforests, dtype="i8")
    run.attrs.create("frac_volume_processed", frac, dtype="f8")
    misc.attrs.create("num_cores", NTASKS, dtype="i4")
    string_attr(misc, "sage_data_version", "1.00")
    string_attr(misc, "sage_version", "1.00")
    string_attr(misc, "git_SHA_reference", "0123456789abcdef0123456789abcdef01234567")
    string_attr(run, "FileNameGalaxies", "model")
    string_attr(run, "OutputDir", "/sage/output/millennium/")
    run.attrs.create("FirstFile", FIRST_FILE, dtype="i4")
    run.attrs.create("LastFile", LAST_FILE, dtype="i4")
    for name, value in [("SFprescription", 0), ("AGNrecipeOn", 2), ("SupernovaRecipeOn", 1),
                        ("ReionizationOn", 1), ("DiskInstabilityOn", 1)]:
        run.attrs.create(name, value, dtype="i4")
    for name, value in [("SfrEfficiency", 0.05), ("FeedbackReheatingEpsilon", 3.0),
                        ("FeedbackEjectionEfficiency", 0.3), ("ReIncorporationFactor", 0.15),
                        ("RadioModeEfficiency", 0.08), ("QuasarModeEfficiency", 0.005),
                        ("BlackHoleGrowthRate", 0.015), ("ThreshMajorMerger", 0.3),
                        ("ThresholdSatDisruption", 1.0), ("Yield", 0.025), ("RecycleFraction", 0.43),
                        ("FracZleaveDisk", 0.0), ("Reionization_z0", 8.0), ("Reionization_zr", 7.0),
                        ("EnergySN", 1.0e51), ("EtaSN", 5.0e-3), ("UnitLength_in_cm", 3.08568e24),
                        ("UnitMass_in_g", 1.989e43), ("UnitVelocity_in_cm_per_s", 100000.0)]:
        run.attrs.create(name, value, dtype="f8")
    header.create_dataset("snapshot_redshifts", data=REDSHIFTS.astype("f8"))
    header.create_dataset("output_snapshots", data=np.array(OUTPUT_SNAPS, dtype="i4"))
    run.attrs.create("NumOutputs", len(OUTPUT_SNAPS), dtype="i4")


def galaxies(rng, core, snap, n):
    mvir = 10 ** rng.uniform(-0.5, 4.0, n)
    stellar = mvir * 10 ** rng.uniform(-3.0, -1.3, n)
    cold = stellar * 10 ** rng.uniform(-1.5, 0.5, n)
    values = {
        "SnapNum": np.full(n, snap), "Type": rng.integers(0, 3, n),
        "GalaxyIndex": core * 10**15 + np.arange(n), "CentralGalaxyIndex": core * 10**15 + np.arange(n),
        "Posx": rng.uniform(0, BOX, n), "Posy": rng.uniform(0, BOX, n), "Posz": rng.uniform(0, BOX, n),
        "Len": (mvir / 0.0860657).astype(int) + 20, "Mvir": mvir, "CentralMvir": mvir * 1.5,
        "Vvir": 100 * mvir ** (1 / 3), "Vmax": 120 * mvir ** (1 / 3), "StellarMass": stellar,
        "BulgeMass": stellar * rng.uniform(0, 1, n), "ColdGas": cold, "HotGas": mvir * 0.05,
        "EjectedMass": mvir * 0.01, "BlackHoleMass": stellar * 1e-3, "IntraClusterStars": stellar * 0.05,
        "MetalsColdGas": cold * 0.02, "MetalsStellarMass": stellar * 0.02,
        "SfrDisk": stellar * 10 ** rng.uniform(-1.5, 1.0, n), "SfrBulge": stellar * 0.1,
    }
    return values


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(12345)
    for core in range(NTASKS):
        with h5py.File(os.path.join(out, f"model_{core}.hdf5"), "w") as f:
            for snap in OUTPUT_SNAPS:
                group = f.create_group(f"Snap_{snap}")
                group.attrs.create("redshift", REDSHIFTS[snap], dtype="f4")
                n = COUNTS[core][snap]
                values = galaxies(rng, core, snap, n)
                for name, dtype, units in FIELDS:
                    data = np.asarray(values.get(name, np.zeros(n)), dtype=dtype)
                    ds = group.create_dataset(name, data=data, maxshape=(None,), chunks=(NUM_GALS_PER_BUFFER,))
                    string_attr(ds, "Description", f"{name} as SAGE describes it.", MAX_STRING_LEN)
                    string_attr(ds, "Units", units, MAX_STRING_LEN)
                group.attrs.create("num_gals", n, dtype="i8")
            tree_info = f.create_group("TreeInfo")
            nforests = 10
            for snap in OUTPUT_SNAPS:
                per_tree = np.bincount(np.arange(COUNTS[core][snap]) % nforests, minlength=nforests)
                ds = tree_info.create_group(f"Snap_{snap}").create_dataset(
                    "NumGalsPerTreePerSnap", data=per_tree.astype("i4"))
                string_attr(ds, "Description", "The number of galaxies per tree at this snapshot.", MAX_STRING_LEN)
                string_attr(ds, "Units", "Unitless", MAX_STRING_LEN)
            tree_info.attrs.create("FileNr_Mulfac", 10**15, dtype="i8")
            tree_info.attrs.create("ForestNr_Mulfac", 10**9, dtype="i8")
            write_header(f, FRAC[core], nforests)
    with h5py.File(os.path.join(out, "model.hdf5"), "w") as f:
        for core in range(NTASKS):
            f[f"Core_{core}"] = h5py.ExternalLink(f"./model_{core}.hdf5", "/")
        write_header(f, (LAST_FILE - FIRST_FILE + 1) / NUM_TREE_FILES, 0)
    print(json.dumps({"galaxies": {str(c): {str(s): n for s, n in COUNTS[c].items()} for c in COUNTS},
                      "frac_volume_processed": FRAC, "box_size": BOX, "hubble_h": HUBBLE_H}))


if __name__ == "__main__":
    main()
