"""Compares the galaxy datasets of two SAGE-layout HDF5 files with h5py, independently of
galaxy-io's reader: the same `Snap_<N>` groups, and in each the same datasets with the same
dtype, shape and bytes. Prints what differs; exits 1 if anything does.

    python3 compare_galaxy_datasets.py EXPECTED.hdf5 ACTUAL.hdf5

For master files, the same `Core_<i>` links, and each core's datasets compared through them.
SAGE's own master has nothing else; galaxy-io's also has `Snap_<N>` groups of virtual datasets
at its root, which must hold the concatenation of the expected cores' rows in core order.
"""

import sys

import h5py
import numpy as np


def snapshot_groups(f):
    return sorted(name for name in f if name.startswith("Snap_"))


def cores(f):
    return sorted((name for name in f if name.startswith("Core_")), key=lambda c: int(c[5:]))


def stitched(master):
    """The snapshots of every core of `master`, each dataset concatenated in core order."""
    links = [master[core] for core in cores(master)]
    groups = sorted({group for core in links for group in snapshot_groups(core)})
    return {
        group: {
            name: np.concatenate([core[group][name][()] for core in having])
            for name in having[0][group]
        }
        for group in groups
        for having in [[core for core in links if group in core]]
    }


def compare(where, expected, actual, problems):
    """Compares the snapshot groups of `expected` (a group, or {group: {name: array}}) with
    those of `actual`; returns how many datasets it compared."""
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
                rows = np.flatnonzero((e.view(np.uint8).reshape(len(e), -1)
                                       != a.view(np.uint8).reshape(len(a), -1)).any(axis=1))
                problems.append(f"{where}{group}/{name}: values differ (first rows {rows[:5]})")
            checked += 1
    return checked


def main(expected_path, actual_path):
    problems = []
    with h5py.File(expected_path, "r") as expected, h5py.File(actual_path, "r") as actual:
        links = cores(expected)
        if links != cores(actual):
            problems.append(f"cores {links} != {cores(actual)}")
        if links and not snapshot_groups(expected):
            checked = compare("(cores stitched) ", stitched(expected), actual, problems)
        else:
            checked = compare("", expected, actual, problems)
        for core in links:
            if core in actual:
                checked += compare(f"{core}/", expected[core], actual[core], problems)
    for problem in problems:
        print(problem)
    print(f"{checked} datasets compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
