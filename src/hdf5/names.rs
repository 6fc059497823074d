//! Every name and path in a catalogue file, in SAGE's layout: the one place that knows them.
//!
//! ```text
//! /Snap_<N>/<Property>             one dataset per galaxy property, attributes Units, Description
//! /Snap_<N>@num_gals, @redshift    galaxies and redshift of the snapshot
//! /Header/{Misc,Simulation,Runtime}@...   the run's metadata
//! /Header/snapshot_redshifts, /Header/output_snapshots
//! /TreeInfo/Snap_<N>/NumGalsPerTreePerSnap, /TreeInfo@FileNr_Mulfac, @ForestNr_Mulfac
//! /Core_<i>                        in a master file: external links to each output's root
//! ```
//!
//! A master file also has `Snap_<N>` groups of its own, laid out as an output's, whose datasets
//! are virtual: every output's rows of the property, in `Core_<i>` order.

use std::path::{Path, PathBuf};

/// `num_gals`: a snapshot group's galaxies (int64).
pub const NUM_GALS: &str = "num_gals";
/// `redshift`: a snapshot group's redshift (float32).
pub const REDSHIFT: &str = "redshift";
/// A root attribute of a file a durable writer has not finished (it is still running, or it
/// died): the durability mode, as text. While it is there, each snapshot's `num_gals` counts the
/// rows made durable, which is what `recover` keeps; `finish` removes it.
pub const DURABLE_WRITER: &str = "galaxy-io durable writer";
/// `Units`: a dataset's units, as text.
pub const UNITS: &str = "Units";
/// `Description`: what a dataset holds, as text.
pub const DESCRIPTION: &str = "Description";
/// `Header`: the group of the run's metadata.
pub const HEADER: &str = "Header";
/// `Header/snapshot_redshifts`: the redshift of every snapshot of the simulation.
pub const SNAPSHOT_REDSHIFTS: &str = "snapshot_redshifts";
/// `Header/output_snapshots`: the output snapshots, in the run's order.
pub const OUTPUT_SNAPSHOTS: &str = "output_snapshots";
/// `TreeInfo`: galaxies per merger tree, and the galaxy ID scheme.
pub const TREE_INFO: &str = "TreeInfo";
/// `NumGalsPerTreePerSnap`: galaxies of each tree at one snapshot.
pub const GALAXIES_PER_TREE: &str = "NumGalsPerTreePerSnap";
/// The root attribute naming the field whose value identifies a galaxy across snapshots (the
/// key of the history index), written when the output is created.
pub const HISTORY_KEY: &str = "history_key";
/// The group of the history index, at the root, outside the `Snap_<N>` groups.
pub const HISTORY_INDEX: &str = "HistoryIndex";
/// The index's distinct keys, ascending (int64).
pub const HISTORY_KEYS: &str = "keys";
/// Where each key's entries start, one more than there are keys (unsigned).
pub const HISTORY_OFFSETS: &str = "offsets";
/// Each entry's snapshot (unsigned).
pub const HISTORY_SNAPSHOTS: &str = "snapshots";
/// Each entry's row in its snapshot's datasets (unsigned).
pub const HISTORY_ROWS: &str = "rows";

/// The group name of a snapshot: `Snap_<N>`, as SAGE names them.
///
/// ```
/// assert_eq!(galaxy_io::names::snapshot_group(63), "Snap_63");
/// ```
pub fn snapshot_group(snapshot: u32) -> String {
    format!("Snap_{snapshot}")
}

/// The snapshot number in a group name, if it is a snapshot group: `Snap_` and a number written
/// as [`snapshot_group`] writes it (no sign, no leading zero), so that the name leads back to
/// the group.
///
/// ```
/// use galaxy_io::names::parse_snapshot_group;
/// assert_eq!(parse_snapshot_group("Snap_7"), Some(7));
/// assert_eq!(parse_snapshot_group("Snap_07"), None);
/// ```
pub fn parse_snapshot_group(name: &str) -> Option<u32> {
    let snapshot = name.strip_prefix("Snap_")?.parse().ok()?;
    (snapshot_group(snapshot) == name).then_some(snapshot)
}

/// The link of output `core` in a master file: `Core_<i>`.
pub fn core_group(core: usize) -> String {
    format!("Core_{core}")
}

/// The output number in a master's `Core_<i>` link name, written as [`core_group`] writes it.
///
/// ```
/// use galaxy_io::names::parse_core_group;
/// assert_eq!(parse_core_group("Core_12"), Some(12));
/// assert_eq!(parse_core_group("Core_x"), None);
/// ```
pub fn parse_core_group(name: &str) -> Option<usize> {
    let core = name.strip_prefix("Core_")?.parse().ok()?;
    (core_group(core) == name).then_some(core)
}

/// `TreeInfo/Snap_<N>`: the group of one snapshot's galaxies per tree.
pub fn tree_info_group(snapshot: u32) -> String {
    format!("{TREE_INFO}/{}", snapshot_group(snapshot))
}

/// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`.
pub fn galaxies_per_tree(snapshot: u32) -> String {
    format!("{}/{GALAXIES_PER_TREE}", tree_info_group(snapshot))
}

/// The file that task `task` of a run writes for the catalogue `catalogue`: `model.hdf5` gives
/// `model_0.hdf5`, `model_1.hdf5`, ..., as SAGE names its cores' files; the catalogue's own name
/// is left for the master file over them.
///
/// ```
/// use galaxy_io::names::task_file;
/// assert_eq!(task_file("out/model.hdf5".as_ref(), 3), std::path::Path::new("out/model_3.hdf5"));
/// assert_eq!(task_file("model".as_ref(), 0), std::path::Path::new("model_0"));
/// ```
pub fn task_file(catalogue: &Path, task: u32) -> PathBuf {
    let stem = catalogue.file_stem().unwrap_or_default().to_string_lossy();
    let mut name = format!("{stem}_{task}");
    if let Some(extension) = catalogue.extension() {
        name.push('.');
        name.push_str(&extension.to_string_lossy());
    }
    catalogue.with_file_name(name)
}

/// `Snap_<N>/<field>`: where a field's dataset is, for messages.
pub fn dataset(snapshot: u32, field: &str) -> String {
    format!("{}/{field}", snapshot_group(snapshot))
}

/// The machine-readable unit attributes of a dataset, beside SAGE's `Units` text: SWIFT's names
/// where SWIFT has the attribute (each a one-element float array, as SWIFT writes them), and
/// galaxy-io's own, lower-case, where it does not.
pub mod unit_attrs {
    /// The unit as astropy and unyt parse it, without `h` (`1e10*Msun`, `km/s`; empty for a pure
    /// number).
    pub const UNITS: &str = "units";
    /// The exponents of the base dimensions (SWIFT): mass, length, time, current, temperature.
    /// galaxy-io does not write them (the dimensions are in [`UNITS`]), and checks them against
    /// `units` where a file has them.
    pub const MASS: &str = "U_M exponent";
    /// See [`MASS`].
    pub const LENGTH: &str = "U_L exponent";
    /// See [`MASS`].
    pub const TIME: &str = "U_t exponent";
    /// See [`MASS`]; always 0 in galaxy catalogues.
    pub const CURRENT: &str = "U_I exponent";
    /// See [`MASS`].
    pub const TEMPERATURE: &str = "U_T exponent";
    /// The power of the Hubble parameter `h` the values carry (SWIFT).
    pub const H_EXPONENT: &str = "h-scale exponent";
    /// The power of the scale factor `a` the values carry (SWIFT).
    pub const A_EXPONENT: &str = "a-scale exponent";
    /// The factor from the stored unit to CGS, without `h` and `a` (SWIFT).
    pub const CGS_FACTOR: &str =
        "Conversion factor to CGS (not including cosmological corrections)";
    /// 1 on a dataset whose values are comoving (absent on physical ones).
    pub const COMOVING: &str = "comoving";
    /// 1 on a dataset whose values are the base-10 logarithm of a quantity in `units` (absent
    /// on the others).
    pub const LOG10: &str = "log10";
    /// 1 on a dataset whose values are magnitudes, -2.5 log10 of a flux ratio (`units` is
    /// `mag`; absent on the others).
    pub const MAGNITUDE: &str = "magnitude";
}
