"""The README's h5py recipe for one galaxy's history, checked against a scan of every row.

Usage: history_recipe.py FILE [FILE ...]

For every key of each file (an output or a master), the recipe's snapshots, rows and stellar
masses must equal what `np.where(GalaxyIndex == key)` finds in every snapshot. Prints
"recipe ok: N histories" per file.
"""
import sys

import h5py
import numpy as np


def recipe(f, key):
    """The README's lines, as they are written there."""
    h = f["HistoryIndex"]
    i = np.searchsorted(h["keys"][:], key); assert h["keys"][i] == key
    lo, hi = h["offsets"][i:i + 2]; snaps, rows = h["snapshots"][lo:hi], h["rows"][lo:hi]
    masses = [f[f"Snap_{s}/StellarMass"][r] for s, r in zip(snaps, rows)]
    return list(zip(snaps.tolist(), rows.tolist())), masses


def scan(f):
    """Every key's (snapshot, row) places and stellar masses, oldest first."""
    found = {}
    snapshots = sorted(int(name[5:]) for name in f if name.startswith("Snap_"))
    for s in snapshots:
        keys = f[f"Snap_{s}/GalaxyIndex"][:]
        masses = f[f"Snap_{s}/StellarMass"][:]
        for row in np.argsort(keys, kind="stable"):
            places, values = found.setdefault(int(keys[row]), ([], []))
            places.append((s, int(row)))
            values.append(masses[row])
    return found


def main():
    for path in sys.argv[1:]:
        with h5py.File(path, "r") as f:
            expected = scan(f)
            for key, (places, masses) in expected.items():
                got_places, got_masses = recipe(f, key)
                assert got_places == places, (path, key, got_places, places)
                assert got_masses == masses, (path, key)
            print(f"recipe ok: {len(expected)} histories")


if __name__ == "__main__":
    main()
