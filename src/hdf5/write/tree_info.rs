//! `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`: galaxies per merger tree, as SAGE writes them.

use crate::error::{Error, Result};
use crate::hdf5::names;
use crate::hdf5::read::checked;
use std::path::Path;

/// Writes the counts of every snapshot, each padded to `num_trees`. Nothing is written when no
/// galaxy was written with a tree.
pub(crate) fn write(
    file: &hdf5::File,
    per_snapshot: &[(u32, Vec<i32>)],
    num_trees: usize,
) -> Result<()> {
    if num_trees == 0 {
        return Ok(());
    }
    let context = |what: String| move |e: hdf5::Error| Error::hdf5(format!("writing {what}"), e);
    // The header may have made the group already, for the ID scheme's attributes.
    let tree_info = crate::hdf5::write::header::open_path(file, names::TREE_INFO)
        .map_err(context(names::TREE_INFO.into()))?;
    for (snapshot, counts) in per_snapshot {
        let name = names::snapshot_group(*snapshot);
        let group = tree_info
            .create_group(&name)
            .map_err(context(names::tree_info_group(*snapshot)))?;
        let mut padded = counts.clone();
        padded.resize(num_trees, 0);
        let dataset = group
            .new_dataset_builder()
            .with_data(&padded)
            .create(names::GALAXIES_PER_TREE)
            .map_err(context(names::galaxies_per_tree(*snapshot)))?;
        crate::hdf5::ffi::attrs::write_string_attr(
            dataset.id(),
            names::DESCRIPTION,
            "The number of galaxies per tree at this snapshot.",
        )?;
        crate::hdf5::ffi::attrs::write_string_attr(dataset.id(), names::UNITS, "Unitless")?;
    }
    Ok(())
}

/// Reads the counts of one snapshot, if the file has them, checked to be a 1-D column of
/// integers that stores what it claims.
pub(crate) fn read(root: &hdf5::Group, path: &Path, snapshot: u32) -> Result<Option<Vec<i32>>> {
    let group_name = names::snapshot_group(snapshot);
    let where_ = names::galaxies_per_tree(snapshot);
    let bad = |why: checked::Unreadable| Error::BadFile {
        path: path.to_owned(),
        problem: format!("{where_} {why}"),
    };
    if !root.link_exists(names::TREE_INFO) {
        return Ok(None);
    }
    let tree_info = checked::group(root, names::TREE_INFO).map_err(|why| Error::BadFile {
        path: path.to_owned(),
        problem: format!("{} {why}", names::TREE_INFO),
    })?;
    if !tree_info.link_exists(&group_name) {
        return Ok(None);
    }
    let group = checked::group(&tree_info, &group_name).map_err(bad)?;
    if !group.link_exists(names::GALAXIES_PER_TREE) {
        return Ok(None);
    }
    let dataset = checked::dataset(&group, names::GALAXIES_PER_TREE).map_err(bad)?;
    let column = checked::column(&dataset).map_err(bad)?;
    if !column.inner.is_empty() || !column.dtype.is_integer() {
        return Err(bad(checked::Unreadable(format!(
            "is a column of {} with rows of shape {:?}, not one integer per tree",
            column.dtype, column.inner
        ))));
    }
    checked::check_readable(&dataset, &column).map_err(bad)?;
    let mut counts = checked::zeroed::<i32>(column.rows, path, || where_.clone())?;
    let mem_type =
        hdf5::Datatype::from_type::<i32>().map_err(|e| Error::hdf5("building types", e))?;
    crate::hdf5::ffi::rows::read_rows(
        dataset.id(),
        mem_type.id(),
        0,
        column.rows,
        bytemuck::cast_slice_mut(&mut counts),
    )
    .map_err(|e| Error::BadFile {
        path: path.to_owned(),
        problem: format!("{where_}: {e}"),
    })?;
    Ok(Some(counts))
}
