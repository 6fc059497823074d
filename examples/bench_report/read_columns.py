"""Reads every dataset of every Snap_<N> group of an HDF5 file whole with h5py (`ds[:]`): the
h5py contender of the read-back report. Prints the seconds from opening the file to closing it
(Python's start-up and imports not counted), and the values read.

    python3 read_columns.py model.hdf5
"""

import sys
import time

import h5py

start = time.perf_counter()
values = 0
with h5py.File(sys.argv[1], "r") as f:
    for name, group in f.items():
        if name.startswith("Snap_"):
            for dataset in group.values():
                values += dataset[:].size
print(f"{time.perf_counter() - start:.6f} {values}")
