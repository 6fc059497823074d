//! SAGE: the ready-made galaxy record, its binary output format, and synthetic catalogues.
//!
//! [`SageGalaxy`] is SAGE's `GALAXY_OUTPUT` record with the names of its HDF5 output;
//! [`binary`] reads and writes the binary format of `save_gals_binary.c`; [`Parameters`] is a
//! run's parameter file, from which the header SAGE writes is built; [`Synthetic`] makes
//! catalogues that look like a model's for demos, tests and benchmarks, at the Millennium
//! snapshots, from a published [`stellar_mass_function`]; [`lhalo`]
//! reads, writes and generates the LHaloTree merger trees SAGE runs on.

pub mod binary;
pub mod lhalo;
mod mass_function;
mod mergers;
mod millennium;
mod parameters;
mod record;
mod synthetic;
mod tasks;

pub use mass_function::{stellar_mass_function, DoubleSchechter, MASS_FLOOR};
pub use mergers::{mergers_into, Merger, Mergers};
pub use millennium::{millennium_redshifts, MILLENNIUM_EXPANSION_FACTORS};
pub use parameters::{read_snap_list, Parameters, FILE_NR_MULFAC, FOREST_NR_MULFAC, MAX_SNAPSHOTS};
pub use record::SageGalaxy;
pub use synthetic::{Layout, Synthetic, SYNTHETIC_ATTRIBUTE};
