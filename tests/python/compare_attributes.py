"""Compares every attribute of SAGE's HDF5 output with a file written by galaxy-io.

Usage: compare_attributes.py SAGE_FILE OUR_FILE

For every group and dataset of SAGE_FILE (and the datasets under Header), and every attribute
of each: is it in OUR_FILE, with the same HDF5 type (class, size, string padding and character
set, sign and byte order) and the same value? Prints one JSON object:
{"missing": [path], "type": [[path, sage, ours]], "value": [[path, sage, ours]], "compared": n}
where a path is "/Header/Runtime@OutputDir" for an attribute, "/Header/snapshot_redshifts" for a
dataset's values. The caller decides which differences are expected.
"""
import json
import sys

import h5py
import numpy as np


def describe(tid):
    """An HDF5 datatype, as the fields that make it what it is."""
    kind = {
        h5py.h5t.INTEGER: "integer",
        h5py.h5t.FLOAT: "float",
        h5py.h5t.STRING: "string",
    }.get(tid.get_class(), f"class {tid.get_class()}")
    parts = [kind]
    if tid.get_class() == h5py.h5t.STRING:
        if tid.is_variable_str():
            parts.append("variable")
        else:
            parts.append(f"size {tid.get_size()}")
        parts.append(f"pad {tid.get_strpad()}")
        parts.append(f"cset {tid.get_cset()}")
    else:
        parts.append(f"size {tid.get_size()}")
        parts.append(f"order {tid.get_order()}")
        if tid.get_class() == h5py.h5t.INTEGER:
            parts.append(f"sign {tid.get_sign()}")
    return ", ".join(parts)


def value(v):
    if isinstance(v, bytes):
        return v.decode("ascii", "replace")
    if isinstance(v, np.ndarray):
        return [value(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def attributes(f):
    """(path, object) for the root and every group and dataset."""
    found = [("/", f)]
    f.visititems(lambda name, obj: found.append(("/" + name, obj)))
    return found


def main():
    sage_path, our_path = sys.argv[1:3]
    report = {"missing": [], "type": [], "value": [], "compared": 0}
    with h5py.File(sage_path, "r") as sage, h5py.File(our_path, "r") as ours:
        for path, obj in attributes(sage):
            for name in obj.attrs:
                where = f"{path}@{name}"
                report["compared"] += 1
                if path not in ours or name not in ours[path].attrs:
                    report["missing"].append(where)
                    continue
                theirs = h5py.h5a.open(obj.id, name.encode())
                mine = h5py.h5a.open(ours[path].id, name.encode())
                if describe(theirs.get_type()) != describe(mine.get_type()) or theirs.shape != mine.shape:
                    report["type"].append([
                        where,
                        f"{describe(theirs.get_type())} {theirs.shape}",
                        f"{describe(mine.get_type())} {mine.shape}",
                    ])
                a, b = value(obj.attrs[name]), value(ours[path].attrs[name])
                if a != b:
                    report["value"].append([where, a, b])
        for name in ("snapshot_redshifts", "output_snapshots"):
            path = f"/Header/{name}"
            report["compared"] += 1
            if path not in ours:
                report["missing"].append(path)
                continue
            a, b = sage[path], ours[path]
            if describe(a.id.get_type()) != describe(b.id.get_type()):
                report["type"].append([path, describe(a.id.get_type()), describe(b.id.get_type())])
            if value(a[()]) != value(b[()]):
                report["value"].append([path, value(a[()]), value(b[()])])
    print(json.dumps(report))


if __name__ == "__main__":
    main()
