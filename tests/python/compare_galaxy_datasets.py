"""Compares the galaxy datasets of two SAGE-layout HDF5 files with h5py, independently of
galaxy-io's reader: the same `Snap_<N>` groups, and in each the same datasets with the same
dtype, shape and bytes. For master files, the same comparison for every `Core_<i>` group; a
galaxy-io master also has `Snap_<N>` virtual datasets at its root (SAGE's has none), which must
hold the cores' rows in core order. Prints what differs; exits 1 if anything does.

    python3 compare_galaxy_datasets.py EXPECTED.hdf5 ACTUAL.hdf5
"""

import sys

import h5py
import numpy as np


def snapshot_groups(f):
    return sorted(name for name in f if name.startswith("Snap_"))


def compare(expected, actual, where, problems):
    """Compares the snapshot groups of two groups; returns how many datasets it compared."""
    checked = 0
    groups = snapshot_groups(expected)
    if groups != snapshot_groups(actual):
        problems.append(f"{where}snapshot groups {groups} != {snapshot_groups(actual)}")
    for group in groups:
        if group not in actual:
            continue
        names = sorted(expected[group])
        if names != sorted(actual[group]):
            problems.append(f"{where}{group}: datasets {names} != {sorted(actual[group])}")
        for name in names:
            if name not in actual[group]:
                continue
            e, a = expected[group][name], actual[group][name]
            if e.dtype != a.dtype or e.shape != a.shape:
                problems.append(f"{where}{group}/{name}: {e.dtype}{e.shape} != {a.dtype}{a.shape}")
                continue
            e, a = e[()], a[()]
            if e.tobytes() != a.tobytes():
                rows = np.flatnonzero(e.view(np.uint8).reshape(len(e), -1).tolist()
                                      != a.view(np.uint8).reshape(len(a), -1).tolist())
                problems.append(f"{where}{group}/{name}: values differ (first rows {rows[:5]})")
            checked += 1
    return checked


def cores(f):
    return sorted((name for name in f if name.startswith("Core_")), key=lambda n: int(n[5:]))


def check_virtual(actual, problems):
    """The root `Snap_<N>/<Property>` of a galaxy-io master: the cores' rows, in core order."""
    checked = 0
    for group in snapshot_groups(actual):
        for name in actual[group]:
            parts = [actual[core][group][name][()] for core in cores(actual)
                     if group in actual[core] and name in actual[core][group]]
            joined = np.concatenate(parts) if parts else np.empty(0)
            if actual[group][name][()].tobytes() != joined.tobytes():
                problems.append(f"/{group}/{name}: the virtual dataset is not the cores' rows")
            checked += 1
    return checked


def main(expected_path, actual_path):
    problems = []
    with h5py.File(expected_path, "r") as expected, h5py.File(actual_path, "r") as actual:
        if cores(expected):
            if cores(expected) != cores(actual):
                problems.append(f"cores {cores(expected)} != {cores(actual)}")
            checked = sum(compare(expected[core], actual[core], f"{core}/", problems)
                          for core in cores(expected) if core in actual)
            checked += check_virtual(actual, problems)
        else:
            checked = compare(expected, actual, "", problems)
    for problem in problems:
        print(problem)
    print(f"{checked} datasets compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
