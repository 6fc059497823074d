#!/usr/bin/env python3
# CI install (Python 3.11; these are the versions this script was checked with):
#   python3 -m pip install sage-analysis==0.2.4 numpy==2.4.6 h5py==3.16.0 scipy==1.17.1 matplotlib==3.11.2 tqdm==4.70.1
# No monkeypatch is needed for sage-analysis's reading path with these versions (its imports,
# SageHdf5Data, Model and the example_calcs run unchanged on numpy 2 / h5py 3). Its plotting path is
# not used here: with this matplotlib it stops at Legend.legendHandles (now legend_handles) and at an
# errorbar with negative xerr in its observational SFRD data.
"""Reads a galaxy catalogue with sage-analysis (the SAGE team's Python package) and prints, as one
JSON object, what sage-analysis makes of it: the volume, the number of cores, and the galaxies of
every core at every output snapshot.

Usage:
    sage_analysis_read.py CATALOGUE [--snap-list FILE] [--no-volume-check]

CATALOGUE is either a SAGE master file (`<name>.hdf5` whose `Core_<i>` groups are external links
to the per-core files) or a single per-core file (it has `Snap_<N>` groups and no `Core_0`).

sage-analysis does not open HDF5 files by name: it reads a SAGE parameter (.par) file, takes
`BoxSize`, `Hubble_h` and the snapshot list (`FileWithSnapList`, scale factors) from it and opens
`<OutputDir>/<FileNameGalaxies>.hdf5`, in which it reads only `Core_<i>` groups. So this script
writes, in a temporary directory, the .par file and the scale-factor list that the catalogue's own
header stands for (`Header/Simulation/{box_size,hubble_h}`, `Header/snapshot_redshifts`). A
per-core file is first wrapped, as SAGE's master file does, in a temporary master whose `Core_0`
links to it (with the file's `Header` and `num_cores` = 1). Everything after that is
sage-analysis's own code: `GalaxyAnalysis` -> `Model` + `SageHdf5Data` (volume, cores,
redshifts), `SageHdf5Data.determine_num_gals` / `read_gals` (galaxy counts), and
`GalaxyAnalysis.analyze_galaxies` with sage-analysis's default calculations (stellar, baryonic
and gas mass functions, Tully-Fisher, sSFR, ...), which read the galaxy properties.

Output (stdout, one line of JSON):
    {"catalogue": ..., "mode": "master" | "core-file", "sage_version": ..., "sage_data_version": ...,
     "num_cores": N, "box_size": L, "hubble_h": h, "frac_volume_processed": f, "volume": L**3 * f,
     "snapshots": [...], "redshifts": {"<snap>": z}, "galaxies": {"<core>": {"<snap>": n}},
     "total_galaxies": {"<snap>": n}, "analysed_galaxies": {"<snap>": n},
     "calculations": [...], "stellar_mass_function_counts": {"<snap>": n},
     "sage_items_missing": {"<file>": [...]}}

`sage_items_missing` lists what SAGE (save_gals_hdf5.c) writes and the file lacks; it is
informational (sage-analysis needs none of it) and does not fail the run.

Exits non-zero, with the step and sage-analysis's traceback on stderr, when sage-analysis cannot
read the catalogue, when its numbers disagree with one another (counts per core vs. totals vs.
dataset lengths), or when the volume it computes exceeds the box (sage-analysis's own
`Model.volume` rule; `--no-volume-check` turns that into a warning).
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback

# tqdm progress bars (sage-analysis draws one per snapshot) stay out of the CI log.
os.environ.setdefault("TQDM_DISABLE", "1")

import h5py  # noqa: E402  (only to write the .par file and the wrapper; reading is sage-analysis's)
import numpy as np  # noqa: E402


class Failure(Exception):
    pass


def fail(message):
    raise Failure(message)


# What save_gals_hdf5.c (write_header, initialize/finalize_hdf5_galaxy_files) writes.
SAGE_HEADER = {
    "Simulation": ["SimulationDir", "FileWithSnapList", "LastSnapshotNr", "SimMaxSnaps", "omega_matter",
                   "omega_lambda", "particle_mass", "hubble_h", "num_simulation_tree_files", "box_size",
                   "num_trees_this_file"],
    "Runtime": ["frac_volume_processed", "FileNameGalaxies", "OutputDir", "FirstFile", "LastFile",
                "SFprescription", "AGNrecipeOn", "SupernovaRecipeOn", "ReionizationOn", "DiskInstabilityOn",
                "SfrEfficiency", "FeedbackReheatingEpsilon", "FeedbackEjectionEfficiency",
                "ReIncorporationFactor", "RadioModeEfficiency", "QuasarModeEfficiency", "BlackHoleGrowthRate",
                "ThreshMajorMerger", "ThresholdSatDisruption", "Yield", "RecycleFraction", "FracZleaveDisk",
                "Reionization_z0", "Reionization_zr", "EnergySN", "EtaSN", "UnitLength_in_cm", "UnitMass_in_g",
                "UnitVelocity_in_cm_per_s", "NumOutputs"],
    "Misc": ["num_cores", "sage_data_version", "sage_version", "git_SHA_reference"],
}


def missing_sage_items(group, with_snapshots):
    """What SAGE writes that `group` (a file's root) lacks. Informational only."""
    missing = []
    for sub, names in SAGE_HEADER.items():
        attrs = group.get(f"Header/{sub}")
        for name in names:
            if attrs is None or name not in attrs.attrs:
                missing.append(f"Header/{sub}/{name}")
    for name in ("snapshot_redshifts", "output_snapshots"):
        if f"Header/{name}" not in group:
            missing.append(f"Header/{name}")
    if with_snapshots:
        for key in sorted(k for k in group if k.startswith("Snap_")):
            for attr in ("redshift", "num_gals"):
                if attr not in group[key].attrs:
                    missing.append(f"{key}/{attr}")
        tree_info = group.get("TreeInfo")
        for attr in ("FileNr_Mulfac", "ForestNr_Mulfac"):
            if tree_info is None or attr not in tree_info.attrs:
                missing.append(f"TreeInfo/{attr}")
    return missing


def header_value(header, path, what):
    if path not in header:
        fail(f"no {header.name}/{path} dataset; sage-analysis needs it as {what} in the "
             f"SAGE parameter file, and this script takes it from the catalogue's header")
    return header[path]


def scalar_attr(f, group, name, what):
    g = f.get(f"Header/{group}")
    if g is None or name not in g.attrs:
        fail(f"no Header/{group}/{name} attribute; sage-analysis needs it as {what} in the "
             f"SAGE parameter file, and this script takes it from the catalogue's header")
    return g.attrs[name]


def prepare(catalogue, workdir, snap_list):
    """Writes the .par file (and, for a per-core file, a wrapping master). Returns what the rest needs."""
    if any(c.isspace() for c in os.path.abspath(catalogue)):
        fail("sage-analysis splits .par lines on whitespace, so the path must not contain any")
    try:
        f = h5py.File(catalogue, "r")
    except OSError as e:
        fail(f"not a readable HDF5 file ({e})")
    with f:
        if "Core_0" in f:
            mode = "master"
        elif any(k.startswith("Snap_") for k in f):
            mode = "core-file"
        else:
            fail("neither a master file (no Core_0 group) nor a per-core file (no Snap_<N> group)")

        box_size = float(scalar_attr(f, "Simulation", "box_size", "BoxSize"))
        hubble_h = float(scalar_attr(f, "Simulation", "hubble_h", "Hubble_h"))
        sim = f["Header/Simulation"].attrs
        tree_files = int(sim["num_simulation_tree_files"]) if "num_simulation_tree_files" in sim else None
        header = f["Header"]
        if snap_list is None:
            redshifts = np.asarray(header_value(header, "snapshot_redshifts",
                                                "FileWithSnapList (the scale factor of every snapshot)")[:],
                                   dtype=np.float64)
            scale_factors = 1.0 / (1.0 + redshifts)
        else:
            scale_factors = np.atleast_1d(np.loadtxt(snap_list))
        if "output_snapshots" in header:
            snapshots = sorted(int(s) for s in header["output_snapshots"][:])
        else:
            snapshots = None  # ask sage-analysis about every snapshot of the list

        missing = {}
        if mode == "master":
            missing["master"] = missing_sage_items(f, with_snapshots=False)
            num_links = len([k for k in f if k.startswith("Core_")])
            for core in range(num_links):
                key = f"Core_{core}"
                try:
                    missing[key] = missing_sage_items(f[key], with_snapshots=True)
                except KeyError as e:
                    missing[key] = [f"(cannot open: {e})"]
        else:
            missing["core-file"] = missing_sage_items(f, with_snapshots=True)

    if mode == "master":
        # sage-analysis opens `<OutputDir>/<FileNameGalaxies>.hdf5`: point it at the catalogue itself,
        # where HDF5 resolves the master's relative external links against its own directory.
        path = os.path.abspath(catalogue)
        if not path.endswith(".hdf5"):
            fail("sage-analysis opens <OutputDir>/<FileNameGalaxies>.hdf5, so a master file's "
                 "name must end in .hdf5")
        output_dir, name = os.path.dirname(path), os.path.basename(path)[: -len(".hdf5")]
    else:
        output_dir, name = os.path.join(workdir, "output"), "catalogue"
        os.makedirs(output_dir)
        with h5py.File(os.path.join(output_dir, name + ".hdf5"), "w") as master, \
                h5py.File(catalogue, "r") as core:
            master["Core_0"] = h5py.ExternalLink(os.path.abspath(catalogue), "/")
            core.copy("Header", master)
            # One core: SAGE's per-core files carry the run's NTasks here.
            master["Header/Misc"].attrs.create("num_cores", 1, dtype=np.int32)

    snap_list_path = os.path.join(workdir, "snapshots.alist")
    np.savetxt(snap_list_path, scale_factors, fmt="%.17g")
    par = os.path.join(workdir, "catalogue.par")
    with open(par, "w") as out:
        out.write(
            "% Written by sage_analysis_read.py from the catalogue's header.\n"
            f"FileNameGalaxies {name}\n"
            f"OutputDir {output_dir}\n"
            "OutputFormat sage_hdf5\n"
            f"FileWithSnapList {snap_list_path}\n"
            f"Hubble_h {hubble_h!r}\n"
            f"BoxSize {box_size!r}\n"
            # Required by sage-analysis's parser but unused for HDF5 output.
            f"NumSimulationTreeFiles {tree_files if tree_files is not None else 1}\n"
        )
    return mode, par, snapshots, missing


@contextlib.contextmanager
def step(description):
    """Runs one step of sage-analysis, turning its exceptions into a Failure naming the step."""
    try:
        with contextlib.redirect_stdout(sys.stderr):  # sage-analysis prints; stdout is for the JSON
            yield
    except Failure:
        raise
    except Exception as e:  # noqa: BLE001 (report whatever sage-analysis raised)
        traceback.print_exc(file=sys.stderr)
        fail(f"sage-analysis failed while {description}: {type(e).__name__}: {e}")


class CountingBar:
    """Stands in for the tqdm bar `SageHdf5Data.read_gals` updates with the `num_gals` it read."""

    def __init__(self):
        self.count = 0
        self.file = None

    def set_postfix(self, file=None, refresh=False):
        self.file = file

    def update(self, n):
        self.count += int(n)


def analyse(catalogue, mode, par, snapshots, volume_check):
    with step("importing sage_analysis"):
        import sage_analysis
        from sage_analysis.default_analysis_arguments import default_plot_toggles
        from sage_analysis.galaxy_analysis import GalaxyAnalysis

    # sage-analysis's default calculations (no plots), and one more that counts what they were given.
    toggles = dict(default_plot_toggles)
    analysed = {}

    def calc_count(model, gals, snapshot):
        analysed[snapshot] = analysed.get(snapshot, 0) + len(gals["StellarMass"][:])

    with step("reading the parameter file and opening the catalogue (GalaxyAnalysis -> SageHdf5Data: "
              "Header/Misc/{sage_version,sage_data_version,num_cores}, "
              "Core_<i>/Header/Runtime/frac_volume_processed)"):
        from sage_analysis.utils import generate_func_dict

        calcs = generate_func_dict(toggles, module_name="sage_analysis.example_calcs", function_prefix="calc_")
        calcs["count"] = (calc_count, {})
        analysis = GalaxyAnalysis(
            [par],
            plot_toggles=toggles,
            sage_output_formats=["sage_hdf5"],
            calculation_functions=calcs,
            random_seeds=[0],
        )
        model = analysis.models[0]
        data = model.data_class
        num_cores = int(model._num_output_files)
        box_size, hubble_h, volume = float(model.box_size), float(model.hubble_h), float(model.volume)
        redshifts = np.asarray(model.redshifts, dtype=np.float64)

    if snapshots is None:
        snapshots = list(range(len(redshifts)))
        only_nonempty = True
    else:
        only_nonempty = False
    for snap in snapshots:
        if not 0 <= snap < len(redshifts):
            fail(f"output snapshot {snap} is not in the snapshot list ({len(redshifts)} snapshots)")

    galaxies = {str(core): {} for core in range(num_cores)}
    totals = {}
    for snap in snapshots:
        with step(f"counting the galaxies of Snap_{snap} (SageHdf5Data.determine_num_gals / read_gals: "
                  f"Core_<i>/Snap_{snap} num_gals)"):
            data.update_snapshot_and_data_path(model, snap)
            data.determine_num_gals(model, snap)
            total = int(model.num_gals_all_files)
            if only_nonempty and total == 0:
                continue
            per_core = {}
            for core in range(num_cores):
                bar = CountingBar()
                gals = data.read_gals(model, core, snap, pbar=bar)
                if gals is not None and bar.file != f"Core_{core}":
                    fail(f"read_gals({core}) read {bar.file}")
                per_core[core] = bar.count
        if sum(per_core.values()) != total:
            fail(f"Snap_{snap}: determine_num_gals says {total} galaxies, read_gals per core says {per_core}")
        totals[str(snap)] = total
        for core, n in per_core.items():
            galaxies[str(core)][str(snap)] = n
    snapshots = [int(s) for s in totals]

    with step(f"analysing snapshots {snapshots} with sage-analysis's default calculations "
              f"(Model.calc_properties_all_files -> example_calcs on Core_<i>/Snap_<N>/<property>)"):
        analysis.analyze_galaxies(snapshots=[snapshots], analyze_history_snapshots=False)
        data.close_file(model)
        smf = {str(s): int(round(float(np.sum(model.properties[f"snapshot_{s}"]["SMF"])))) for s in snapshots}
    for snap in snapshots:
        n = analysed.get(snap, 0)
        if n != totals[str(snap)]:
            fail(f"Snap_{snap}: the calculations were given {n} galaxies (length of StellarMass), "
                 f"but num_gals says {totals[str(snap)]}")

    frac = volume / box_size ** 3
    if volume > box_size ** 3 * (1 + 1e-12):
        # sage-analysis's Model.volume setter refuses this; GalaxyAnalysis stores the volume without it.
        message = (f"sage-analysis computes a volume of {volume} (Mpc/h)^3 = BoxSize^3 * {frac}, the sum of "
                   f"Core_<i>/Header/Runtime/frac_volume_processed over {num_cores} cores: more than the box "
                   f"({box_size}^3), which its Model.volume rejects; the mass functions would be {frac:g}x low")
        if volume_check:
            fail(message)
        print(f"warning: {message}", file=sys.stderr)

    return {
        "catalogue": catalogue,
        "mode": mode,
        "sage_analysis_version": sage_analysis.__version__,
        "sage_version": model.sage_version,
        "sage_data_version": model.sage_data_version,
        "num_cores": num_cores,
        "box_size": box_size,
        "hubble_h": hubble_h,
        "frac_volume_processed": frac,
        "volume": volume,
        "snapshots": snapshots,
        "redshifts": {str(s): float(redshifts[s]) for s in snapshots},
        "galaxies": galaxies,
        "total_galaxies": totals,
        "analysed_galaxies": {str(s): analysed.get(s, 0) for s in snapshots},
        "calculations": sorted(k for k in calcs if k != "count"),
        "stellar_mass_function_counts": smf,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalogue", help="SAGE master file (Core_<i> links) or one per-core file")
    parser.add_argument("--snap-list", help="scale factors of the snapshots, one a line (SAGE's "
                        "FileWithSnapList); default: from the catalogue's Header/snapshot_redshifts")
    parser.add_argument("--no-volume-check", action="store_true",
                        help="only warn when the volume exceeds the box")
    args = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory(prefix="sage-analysis-") as workdir:
            mode, par, snapshots, missing = prepare(args.catalogue, workdir, args.snap_list)
            result = analyse(args.catalogue, mode, par, snapshots, not args.no_volume_check)
    except Failure as e:
        print(f"sage_analysis_read.py: {args.catalogue}: {e}", file=sys.stderr)
        return 1
    result["sage_items_missing"] = missing
    print(json.dumps(result, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
