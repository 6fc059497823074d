"""Compares the galaxy datasets of two SAGE-layout HDF5 files with h5py, independently of
galaxy-io's reader: the same `Snap_<N>` groups, and in each the same datasets with the same
dtype, shape and bytes. Prints what differs; exits 1 if anything does.

    python3 compare_galaxy_datasets.py EXPECTED.hdf5 ACTUAL.hdf5
"""

import sys

import h5py
import numpy as np


def snapshot_groups(f):
    return sorted(name for name in f if name.startswith("Snap_"))


def main(expected_path, actual_path):
    problems = []
    checked = 0
    with h5py.File(expected_path, "r") as expected, h5py.File(actual_path, "r") as actual:
        groups = snapshot_groups(expected)
        if groups != snapshot_groups(actual):
            problems.append(f"snapshot groups {groups} != {snapshot_groups(actual)}")
        for group in groups:
            if group not in actual:
                continue
            names = sorted(expected[group])
            if names != sorted(actual[group]):
                problems.append(f"{group}: datasets {names} != {sorted(actual[group])}")
            for name in names:
                if name not in actual[group]:
                    continue
                e, a = expected[group][name], actual[group][name]
                if e.dtype != a.dtype or e.shape != a.shape:
                    problems.append(f"{group}/{name}: {e.dtype}{e.shape} != {a.dtype}{a.shape}")
                    continue
                e, a = e[()], a[()]
                if e.tobytes() != a.tobytes():
                    rows = np.flatnonzero(e.view(np.uint8).reshape(len(e), -1).tolist()
                                          != a.view(np.uint8).reshape(len(a), -1).tolist())
                    problems.append(f"{group}/{name}: values differ (first rows {rows[:5]})")
                checked += 1
    for problem in problems:
        print(problem)
    print(f"{checked} datasets compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
