"""Reads galaxy-io output the way h5py users and sage-model's SageHdf5Model do.

Usage: check_sage_layout.py MASTER CORE_FILE N0 N1 RICH_FILE

The galaxies were written by tests/interop.rs with values that follow formulas, checked here.
Exits non-zero (with an assertion message) on the first mismatch.
"""
import sys

import h5py
import numpy as np

master_path, core0_path, n0, n1, rich_path = sys.argv[1:]
counts = [int(n0), int(n1)]
snap = "Snap_63"

with h5py.File(master_path, "r") as f:
    # What SageHdf5Model.__init__ and set_cosmology read.
    misc = f["Header"]["Misc"].attrs
    assert misc["sage_version"].decode("ascii").startswith("galaxy-io"), misc["sage_version"]
    assert misc["sage_data_version"].decode("ascii") == "1.00", misc["sage_data_version"]
    assert misc["num_cores"] == 2, misc["num_cores"]
    assert f["Header"]["Simulation"].attrs["hubble_h"] == 0.73
    assert f["Header"]["Simulation"].attrs["box_size"] == 62.5
    volume = sum(f[f"Core_{c}"]["Header"]["Runtime"].attrs["frac_volume_processed"] for c in range(2))
    assert abs(volume - 1.0) < 1e-12, volume
    assert abs(f["Header"]["Runtime"].attrs["frac_volume_processed"] - 1.0) < 1e-12

    # determine_num_gals and read_gals.
    assert sum(f[f"Core_{c}"][snap].attrs["num_gals"] for c in range(2)) == sum(counts)
    for core, n in enumerate(counts):
        gals = f[f"Core_{core}"][snap]
        assert gals.attrs["num_gals"] == n
        i = np.arange(n)
        stellar = gals["StellarMass"][:]
        assert stellar.dtype == np.float32 and stellar.shape == (n,)
        np.testing.assert_array_equal(stellar, (core * 1000 + i).astype(np.float32))
        np.testing.assert_array_equal(gals["Posx"][:], i.astype(np.float32))
        np.testing.assert_array_equal(gals["Posy"][:], (i + 0.5).astype(np.float32))
        np.testing.assert_array_equal(gals["Posz"][:], (-i).astype(np.float32))
        index = gals["GalaxyIndex"][:]
        assert index.dtype == np.int64
        np.testing.assert_array_equal(index, core * 10**15 + i)
        kind = gals["Type"][:]
        assert kind.dtype == np.int32
        np.testing.assert_array_equal(kind, i % 3)
        assert len(gals.keys()) == 54, sorted(gals.keys())
        assert (gals["StellarMass"][:] > 1.0).sum() >= 0

with h5py.File(core0_path, "r") as f:
    ds = f[snap]["StellarMass"]
    assert ds.attrs["Units"] == b"1.0e10 Msun/h", ds.attrs["Units"]
    assert ds.attrs["Description"].decode("ascii") == "Mass of stars."
    # Written at finish: exactly its rows, in one piece.
    assert ds.maxshape == ds.shape == (counts[0],), ds.maxshape
    assert ds.chunks is None, ds.chunks
    assert f[snap].attrs["num_gals"].dtype == np.int64
    per_tree = f["TreeInfo"][snap]["NumGalsPerTreePerSnap"][:]
    assert per_tree.sum() == counts[0], per_tree
    assert list(f["Header"]["output_snapshots"][:]) == [63]

with h5py.File(master_path, "r") as f:
    # Written durably: extendable and chunked, as SAGE writes every dataset.
    ds = f["Core_1"][snap]["StellarMass"]
    assert ds.maxshape == (None,) and ds.chunks is not None, (ds.maxshape, ds.chunks)

with h5py.File(rich_path, "r") as f:
    sfh = f["Snap_7"]["SFH"]
    assert sfh.shape == (10, 3, 4) and sfh.dtype == np.float64 and sfh.maxshape == (10, 3, 4)
    np.testing.assert_array_equal(sfh[2], np.full((3, 4), 2.0))

print("h5py checks passed")
