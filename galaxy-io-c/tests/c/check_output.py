"""Reads what tests/c/api_test.c wrote with h5py alone, without galaxy-io.

Usage: check_output.py DIR
"""
import sys

import h5py
import numpy as np

directory = sys.argv[1]
with h5py.File(f"{directory}/sage.hdf5", "r") as master:
    for task in range(2):
        core = master[f"Core_{task}"]
        mass = core["Snap_63/StellarMass"][:]
        assert mass.dtype == np.float32, mass.dtype
        assert core["Snap_63"].attrs["num_gals"] == len(mass), (task, len(mass))
        assert core["Snap_32/SnapNum"][:].tolist() == [32] * len(core["Snap_32/SnapNum"])
        assert core["Header/Runtime"].attrs["FileNameGalaxies"] == b"sage"
        assert core["Header/Misc"].attrs["num_cores"] == 2
        assert core["Header/output_snapshots"][:].tolist() == [63, 32]
        assert len(core["Header/snapshot_redshifts"]) == 64
        assert core["Snap_63/StellarMass"].attrs["Units"] == b"1.0e10 Msun/h"
with h5py.File(f"{directory}/custom.hdf5", "r") as custom:
    snap = custom["Snap_7"]
    assert snap["Mass"][:].tolist() == [0.0, 1.5, 3.0, 4.5]
    assert snap["Pos"].shape == (4, 3), snap["Pos"].shape
    assert snap["Pos"][2].tolist() == [2.0, 4.0, 6.0]
    assert snap["H2Mass"][:].tolist() == [0.0, 0.25, 0.5, 0.75]
    assert snap["H2Mass"].attrs["Description"] == b"Molecular gas."
print("h5py agrees")
