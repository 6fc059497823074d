//! A master's history index: its outputs' indexes merged, each output's rows moved past those
//! of the outputs before it, so that the master's rows are those of its own `Snap_<N>`
//! datasets (every output's rows in `Core_<i>` order). A history crosses outputs freely. A
//! master over one output (SAGE's, whose `Snap_<N>` are links to the output's groups) links
//! the output's index instead: its rows are the master's, and copying a large catalogue's
//! index would cost about as long as writing its last buffers.

use crate::error::{Error, Result};
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::write::history_index;
use crate::hdf5::{ffi, names};
use crate::history::IndexBuilder;

/// Writes the merged index of `outputs` (in `Core_<i>` order) into the master `file`, when they
/// all follow galaxies by the same key; an output without an index is scanned (with a warning).
/// Outputs without a key, or with different keys, give the master no index, and say why. `links`
/// are the master's links to the outputs' files, used when there is one output with an index.
pub(super) fn write(
    file: &hdf5::File,
    master: &std::path::Path,
    outputs: &[Catalogue],
    links: &[String],
) -> Result<()> {
    let mut key: Option<String> = None;
    for output in outputs {
        let name = match output.history_key() {
            Ok(name) => name,
            Err(Error::NoHistoryKey { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        match &key {
            Some(first) if *first != name => {
                log::warn!(
                    "{}: its outputs follow galaxies by different keys ({first} and {name} in {}), \
                     so it has no history index",
                    master.display(),
                    output.path().display()
                );
                return Ok(());
            }
            _ => key = Some(name),
        }
    }
    let Some(key) = key else { return Ok(()) };
    if let ([output], [link]) = (outputs, links) {
        if output.file().link_exists(names::HISTORY_INDEX) {
            history_index::write_key_name(file, &key)?;
            let index = format!("/{}", names::HISTORY_INDEX);
            return ffi::links::external_link(file.id(), names::HISTORY_INDEX, link, &index);
        }
    }
    let mut builder = IndexBuilder::default();
    // Rows of each snapshot that the outputs so far hold.
    let mut before = std::collections::BTreeMap::<u32, u64>::new();
    for output in outputs {
        let loaded = output.history_index()?;
        let mut rows_of = std::collections::BTreeMap::new();
        for snapshot in output.snapshots()? {
            rows_of.insert(snapshot, output.num_galaxies(snapshot)?);
        }
        for (snapshot, keys) in loaded.index.keys_by_row(&rows_of) {
            let first = before.entry(snapshot).or_insert(0);
            let rows = keys.len() as u64;
            builder.push_rows(snapshot, *first, &keys)?;
            *first += rows;
        }
    }
    history_index::write_key_name(file, &key)?;
    history_index::write(file, &builder.finish())
}
