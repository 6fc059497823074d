"""Reads every field's machine-readable units in a SAGE catalogue with astropy and with unyt.

Usage: check_units.py CATALOGUE

For each dataset of the highest-redshift snapshot with galaxies: its `units` string must parse
with astropy and with unyt and contain no bare `h`; one value converted to physical CGS as the
README documents (value, or 10**value where `log10` is 1, or 10**(-0.4 value) where
`magnitude` is 1, times the stored CGS factor, times h**(h-scale exponent) times
a**(a-scale exponent)) must agree with astropy's and with unyt's conversion of the same value
(astropy's alone for magnitudes, which unyt does not have), and with what SAGE's source says the
field is (the table below, written from SAGE's model code independently of galaxy-io's
declarations). Prints one JSON object {"checked": n, "problems": [...]} and exits 1 if there are
problems.
"""
import json
import math
import re
import sys
import warnings

import astropy.units as u
import h5py
import numpy as np
import unyt

# What each SAGE output field is, from SAGE's prepare_galaxy_for_output and models:
# (unit as astropy writes it, h exponent, a exponent, stored as log10).
NUMBER = ("", 0, 0, False)
MASS = ("1e10 solMass", -1, 0, False)
SPEED = ("km / s", 0, 0, False)
TIME = ("Myr", -1, 0, False)
RATE = ("solMass / yr", 0, 0, False)
SAGE_FIELDS = {
    **{name: NUMBER for name in [
        "SnapNum", "Type", "GalaxyIndex", "CentralGalaxyIndex", "SAGEHaloIndex",
        "SAGETreeIndex", "SimulationHaloIndex", "mergeType", "mergeIntoID",
        "mergeIntoSnapNum", "Len", "SfrDiskZ", "SfrBulgeZ"]},
    **{name: TIME for name in ["dT", "TimeOfLastMajorMerger", "TimeOfLastMinorMerger"]},
    **{f"Pos{c}": ("Mpc", -1, 1, False) for c in "xyz"},
    **{f"Vel{c}": SPEED for c in "xyz"},
    **{f"Spin{c}": ("Mpc km / s", -1, 0, False) for c in "xyz"},
    **{name: SPEED for name in ["Vvir", "Vmax", "VelDisp", "infallVvir", "infallVmax"]},
    **{name: MASS for name in [
        "Mvir", "CentralMvir", "ColdGas", "StellarMass", "BulgeMass", "HotGas",
        "EjectedMass", "BlackHoleMass", "IntraClusterStars", "MetalsColdGas",
        "MetalsStellarMass", "MetalsBulgeMass", "MetalsHotGas", "MetalsEjectedMass",
        "MetalsIntraClusterStars", "QuasarModeBHaccretionMass", "infallMvir"]},
    **{name: ("Mpc", -1, 0, False) for name in ["Rvir", "DiskRadius"]},
    **{name: RATE for name in ["SfrDisk", "SfrBulge", "OutflowRate"]},
    **{name: ("erg / s", 0, 0, True) for name in ["Cooling", "Heating"]},
}

CGS = "Conversion factor to CGS (not including cosmological corrections)"


def one(attrs, name, default=None):
    if name not in attrs:
        return default
    value = np.asarray(attrs[name]).reshape(-1)
    assert value.size == 1, f"{name} holds {value.size} values"
    return float(value[0])


def close(a, b, tolerance):
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=0.0) or a == b


def main():
    path = sys.argv[1]
    problems, checked = [], 0
    with h5py.File(path, "r") as f:
        h = float(f["Header/Simulation"].attrs["hubble_h"])
        snapshots = [g for g in f if g.startswith("Snap_") and f[g].attrs["num_gals"] > 0]
        snap = max(snapshots, key=lambda g: float(f[g].attrs["redshift"]))
        a = 1.0 / (1.0 + float(f[snap].attrs["redshift"]))
        assert a < 0.9, f"{snap} is too close to z = 0 to test the a exponent"
        fields = list(f[snap])
        missing = sorted(set(SAGE_FIELDS) - set(fields))
        if missing:
            problems.append(f"fields missing: {missing}")
        for name in fields:
            dataset = f[snap][name]
            attrs = dataset.attrs
            where = f"{snap}/{name}"
            if "units" not in attrs:
                problems.append(f"{where}: no `units` attribute")
                continue
            checked += 1
            symbol = attrs["units"].decode("ascii")
            if "h" in re.findall(r"[A-Za-z_]+", symbol):
                problems.append(f"{where}: `units` = {symbol!r} has a bare h")
            factor = one(attrs, CGS)
            h_exp = one(attrs, "h-scale exponent")
            a_exp = one(attrs, "a-scale exponent")
            comoving = one(attrs, "comoving", 0.0) == 1.0
            log10 = one(attrs, "log10", 0.0) == 1.0
            magnitude = one(attrs, "magnitude", 0.0) == 1.0
            if comoving != (a_exp != 0.0):
                problems.append(f"{where}: comoving {comoving} but a-scale exponent {a_exp}")
            values = dataset[:].astype(np.float64)
            usable = values[np.isfinite(values) & (values != 0)]
            value = float(usable[0]) if usable.size else 1.0
            if magnitude:
                linear = 10.0 ** (-0.4 * value)
            else:
                linear = 10.0 ** value if log10 else value
            cosmology = h ** h_exp * a ** a_exp
            documented = linear * factor * cosmology
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if magnitude:
                        # The ratio a magnitude stands for, as astropy reads `mag`.
                        by_astropy = u.Magnitude(value, u.Unit(symbol)).physical.value * cosmology
                        by_unyt = documented
                    else:
                        by_astropy = (linear * u.Unit(symbol)).cgs.value * cosmology
                        by_unyt = float((linear * unyt.Unit(symbol)).in_cgs().value) * cosmology
            except Exception as error:  # noqa: BLE001 - any parse failure is the finding
                problems.append(f"{where}: `units` = {symbol!r} does not parse: {error}")
                continue
            # astropy's constants are galaxy-io's; unyt's solar mass differs by 3e-6, its solar
            # luminosity (3.827e33 erg/s, not IAU's 3.828e33) by 2.6e-4.
            if not close(by_astropy, documented, 1e-9):
                problems.append(f"{where}: astropy gives {by_astropy}, the attributes {documented}")
            if not close(by_unyt, documented, 3e-4 if "Lsun" in symbol else 1e-5):
                problems.append(f"{where}: unyt gives {by_unyt}, the attributes {documented}")
            if name in SAGE_FIELDS:
                unit, want_h, want_a, want_log = SAGE_FIELDS[name]
                if (h_exp, a_exp, log10) != (want_h, want_a, want_log):
                    problems.append(
                        f"{where}: h, a, log10 = {(h_exp, a_exp, log10)}, "
                        f"SAGE's source says {(want_h, want_a, want_log)}")
                sage = (linear * u.Unit(unit)).cgs.value * h ** want_h * a ** want_a
                if not close(sage, documented, 1e-9):
                    problems.append(f"{where}: SAGE's units give {sage}, the attributes {documented}")
    print(json.dumps({"checked": checked, "problems": problems}))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
