//! The library's LHaloTree trees and generator (`galaxy_io::sage::lhalo`), with the calls tests
//! make panicking on an error instead of returning it.

pub use galaxy_io::sage::lhalo::*;
use std::path::Path;

/// [`galaxy_io::sage::lhalo::write_forests`], which must succeed.
pub fn write_forests(dir: &Path, config: &ForestConfig) -> Forests {
    galaxy_io::sage::lhalo::write_forests(dir, config)
        .unwrap_or_else(|e| panic!("writing trees into {}: {e}", dir.display()))
}

/// [`galaxy_io::sage::lhalo::read_tree_file`], which must succeed.
pub fn read_tree_file(path: &Path) -> Vec<Vec<Halo>> {
    galaxy_io::sage::lhalo::read_tree_file(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Whether a tree's pointers are as SAGE needs them.
pub fn check_tree(halos: &[Halo]) -> Result<(), String> {
    inconsistency(halos).map_or(Ok(()), Err)
}
