"""The h5py contender of the benchmark report: append the same galaxies as numpy columns.

Usage: h5py_append.py OUTPUT BATCH SNAP=RECORDS_FILE ...

Each RECORDS_FILE holds SAGE GALAXY_OUTPUT records (232 bytes, C layout). Reading them is not
timed; creating the file and appending every batch of BATCH galaxies to one extendable chunked
dataset per field (Pos/Vel/Spin split into x/y/z, as SAGE writes them) is. Prints the seconds.
"""
import sys
import time

import h5py
import numpy as np

FIELDS = [
    ("SnapNum", np.int32), ("Type", np.int32), ("GalaxyIndex", np.int64),
    ("CentralGalaxyIndex", np.int64), ("SAGEHaloIndex", np.int32), ("SAGETreeIndex", np.int32),
    ("SimulationHaloIndex", np.int64), ("mergeType", np.int32), ("mergeIntoID", np.int32),
    ("mergeIntoSnapNum", np.int32), ("dT", np.float32), ("Pos", (np.float32, 3)),
    ("Vel", (np.float32, 3)), ("Spin", (np.float32, 3)), ("Len", np.int32),
] + [(name, np.float32) for name in (
    "Mvir CentralMvir Rvir Vvir Vmax VelDisp ColdGas StellarMass BulgeMass HotGas EjectedMass "
    "BlackHoleMass IntraClusterStars MetalsColdGas MetalsStellarMass MetalsBulgeMass MetalsHotGas "
    "MetalsEjectedMass MetalsIntraClusterStars SfrDisk SfrBulge SfrDiskZ SfrBulgeZ DiskRadius "
    "Cooling Heating QuasarModeBHaccretionMass TimeOfLastMajorMerger TimeOfLastMinorMerger "
    "OutflowRate infallMvir infallVvir infallVmax").split()]
RECORD = np.dtype([(n, t) for n, t in FIELDS], align=True)
assert RECORD.itemsize == 232, RECORD.itemsize


def columns(records):
    """Every dataset's values, vectors split into x/y/z."""
    for name, _ in FIELDS:
        values = records[name]
        if values.ndim == 2:
            for axis, suffix in enumerate("xyz"):
                yield name + suffix, values[:, axis]
        else:
            yield name, values


def main():
    output, batch = sys.argv[1], int(sys.argv[2])
    inputs = {}
    for spec in sys.argv[3:]:
        snap, path = spec.split("=", 1)
        inputs[int(snap)] = np.fromfile(path, dtype=RECORD)
    started = time.perf_counter()
    with h5py.File(output, "w") as f:
        for snap, records in inputs.items():
            group = f.create_group(f"Snap_{snap}")
            datasets = {}
            for name, values in columns(records[:0]):
                chunk = max(1, (512 << 10) // values.dtype.itemsize)
                datasets[name] = group.create_dataset(name, shape=(0,), maxshape=(None,), dtype=values.dtype, chunks=(chunk,))
            for start in range(0, len(records), batch):
                block = records[start:start + batch]
                for name, values in columns(block):
                    dataset = datasets[name]
                    rows = dataset.shape[0]
                    dataset.resize((rows + len(block),))
                    dataset[rows:] = np.ascontiguousarray(values)
            group.attrs["num_gals"] = np.int64(len(records))
    print(time.perf_counter() - started)


main()
