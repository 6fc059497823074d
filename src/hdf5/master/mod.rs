//! Masters: `write` makes the file that joins a run's outputs (`Core_<i>` links, and per
//! snapshot either a link or virtual datasets that `stitch` writes), and `sources` checks that
//! a master's virtual datasets are whole.

mod history;
pub(super) mod sources;
pub(super) mod stitch;
pub(super) mod write;
