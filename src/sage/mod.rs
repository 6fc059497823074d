//! SAGE: the ready-made galaxy record, its binary output format, and synthetic catalogues.
//!
//! [`SageGalaxy`] is SAGE's `GALAXY_OUTPUT` record with the names of its HDF5 output;
//! [`binary`] reads and writes the binary format of `save_gals_binary.c`; [`Synthetic`] makes
//! plausible catalogues for demos, tests and benchmarks.

pub mod binary;
mod record;
mod synthetic;

pub use record::SageGalaxy;
pub use synthetic::Synthetic;
