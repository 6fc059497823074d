//! `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`: galaxies per merger tree, as SAGE writes them.

use super::layout::snapshot_group;
use crate::error::{Error, Result};

/// Writes the counts of every snapshot, all padded to the same number of trees. Nothing is
/// written when no galaxy was written with a tree.
pub fn write(file: &hdf5::File, per_snapshot: &[(u32, Vec<i32>)]) -> Result<()> {
    let num_trees = per_snapshot
        .iter()
        .map(|(_, counts)| counts.len())
        .max()
        .unwrap_or(0);
    if num_trees == 0 {
        return Ok(());
    }
    let context =
        |what: String| move |e: hdf5::Error| Error::hdf5(format!("writing TreeInfo/{what}"), e);
    let tree_info = file
        .create_group("TreeInfo")
        .map_err(context(String::new()))?;
    for (snapshot, counts) in per_snapshot {
        let name = snapshot_group(*snapshot);
        let group = tree_info
            .create_group(&name)
            .map_err(context(name.clone()))?;
        let mut padded = counts.clone();
        padded.resize(num_trees, 0);
        let dataset = group
            .new_dataset_builder()
            .with_data(&padded)
            .create("NumGalsPerTreePerSnap")
            .map_err(context(name.clone()))?;
        super::raw::write_string_attr(
            dataset.id(),
            "Description",
            "The number of galaxies per tree at this snapshot.",
        )?;
        super::raw::write_string_attr(dataset.id(), "Units", "Unitless")?;
    }
    Ok(())
}

/// Reads the counts of one snapshot, if the file has them.
pub fn read(root: &hdf5::Group, snapshot: u32) -> Result<Option<Vec<i32>>> {
    let path = format!(
        "TreeInfo/{}/NumGalsPerTreePerSnap",
        snapshot_group(snapshot)
    );
    if !root.link_exists("TreeInfo") {
        return Ok(None);
    }
    match root.dataset(&path) {
        Ok(dataset) => dataset
            .read_raw::<i32>()
            .map(Some)
            .map_err(|e| Error::hdf5(format!("reading {path}"), e)),
        Err(_) => Ok(None),
    }
}
