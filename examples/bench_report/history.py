"""One galaxy's history with h5py: the README's recipe against np.where over every snapshot.

Usage: history.py FILE KEY [KEY ...]   (run by bench_report --history)
"""
import sys
import time

import h5py
import numpy as np


def recipe(f, key):
    h = f["HistoryIndex"]
    i = np.searchsorted(h["keys"][:], key); assert h["keys"][i] == key
    lo, hi = h["offsets"][i:i + 2]; snaps, rows = h["snapshots"][lo:hi], h["rows"][lo:hi]
    return [f[f"Snap_{s}/StellarMass"][r] for s, r in zip(snaps, rows)]


def scan(f, key):
    masses = []
    for name in sorted((n for n in f if n.startswith("Snap_")), key=lambda n: int(n[5:])):
        rows = np.where(f[name]["GalaxyIndex"][:] == key)[0]
        masses.extend(f[name]["StellarMass"][rows])
    return masses


def main():
    path, keys = sys.argv[1], [int(k) for k in sys.argv[2:]]
    with h5py.File(path, "r") as f:
        times, lookups = [], []
        for key in keys:
            started = time.perf_counter()
            masses = recipe(f, key)
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            h = f["HistoryIndex"]
            i = np.searchsorted(h["keys"][:], key)
            lo, hi = h["offsets"][i:i + 2]
            h["snapshots"][lo:hi], h["rows"][lo:hi]
            lookups.append(time.perf_counter() - started)
        started = time.perf_counter()
        scanned = scan(f, keys[0])
        brute = time.perf_counter() - started
        assert scanned == recipe(f, keys[0])
    print(f"h5py recipe, one history with its StellarMass ({len(masses)} snapshots): median "
          f"{np.median(times) * 1e3:.1f} ms over {len(keys)} keys (the index lookup alone "
          f"{np.median(lookups) * 1e3:.1f} ms); np.where over every snapshot: {brute * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
