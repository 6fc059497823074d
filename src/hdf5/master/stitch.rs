//! A master file's own snapshot groups: `Snap_<N>/<Property>` virtual datasets that present the
//! rows of every output, in task order, as one array, with the group's `num_gals` (the total)
//! and `redshift`. Outputs without rows in a snapshot are left out of its mappings. A master
//! over a single output links that output's snapshot groups instead.

use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::ffi::vds::Mapping;
use crate::hdf5::names;
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::types::Types;
use crate::hdf5::write::columns;
use crate::schema::Schema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one output holds of one snapshot.
pub(crate) struct OutputSnapshot {
    rows: u64,
    schema: Schema,
    redshift: Option<f64>,
}

/// One output as the master maps it: its path (for messages), the name its mappings use, and
/// its snapshots.
pub(crate) struct Source {
    pub path: PathBuf,
    pub link: String,
    pub snapshots: BTreeMap<u32, OutputSnapshot>,
}

/// The snapshots of an output that the master maps, read from the output.
pub(crate) fn survey(catalogue: &Catalogue) -> Result<BTreeMap<u32, OutputSnapshot>> {
    let mut snapshots = BTreeMap::new();
    for snapshot in catalogue.snapshots()? {
        snapshots.insert(
            snapshot,
            OutputSnapshot {
                rows: catalogue.num_galaxies(snapshot)?,
                schema: catalogue.schema(snapshot)?,
                redshift: catalogue.redshift(snapshot)?,
            },
        );
    }
    Ok(snapshots)
}

/// Links `Snap_<N>` at the master's root to the output's own group of each of `snapshots`, the
/// output being named `link` from the master (as its `Core_0` names it): a master over one
/// output reads its rows as they are, and costs a link per snapshot rather than a virtual
/// dataset per field.
pub(crate) fn link_snapshots(file: &hdf5::File, link: &str, snapshots: &[u32]) -> Result<()> {
    for &snapshot in snapshots {
        let group = names::snapshot_group(snapshot);
        crate::hdf5::ffi::links::external_link(file.id(), &group, link, &format!("/{group}"))?;
    }
    Ok(())
}

/// The bytes that virtual datasets read where no output maps a row: NaN for floats, the most
/// negative value of signed integers and the largest of unsigned ones (values no property
/// takes), so that missing data cannot pass for a galaxy's.
pub(crate) fn missing_value(dtype: Dtype) -> Vec<u8> {
    match dtype {
        Dtype::I8 => i8::MIN.to_ne_bytes().to_vec(),
        Dtype::I16 => i16::MIN.to_ne_bytes().to_vec(),
        Dtype::I32 => i32::MIN.to_ne_bytes().to_vec(),
        Dtype::I64 => i64::MIN.to_ne_bytes().to_vec(),
        Dtype::U8 => u8::MAX.to_ne_bytes().to_vec(),
        Dtype::U16 => u16::MAX.to_ne_bytes().to_vec(),
        Dtype::U32 => u32::MAX.to_ne_bytes().to_vec(),
        Dtype::U64 => u64::MAX.to_ne_bytes().to_vec(),
        Dtype::F32 => f32::NAN.to_ne_bytes().to_vec(),
        Dtype::F64 => f64::NAN.to_ne_bytes().to_vec(),
    }
}

/// Writes `Snap_<N>` at the master's root for every snapshot of `sources`: one virtual dataset
/// per field, with the unit and description attributes of the outputs, and the group's `num_gals`
/// and `redshift`. Outputs whose fields disagree with the first output with rows are refused,
/// naming the field.
/// `snapshots` are those of all `sources`, ascending.
pub(crate) fn write_snapshots(
    file: &hdf5::File,
    master: &Path,
    sources: &[Source],
    snapshots: &[u32],
) -> Result<()> {
    let types = Types::new()?;
    for &snapshot in snapshots {
        let present: Vec<(&Source, &OutputSnapshot)> = sources
            .iter()
            .filter_map(|s| s.snapshots.get(&snapshot).map(|o| (s, o)))
            .collect();
        let with_rows: Vec<_> = present.iter().filter(|(_, o)| o.rows > 0).collect();
        let (_, model) = with_rows.first().copied().unwrap_or(&present[0]);
        for (source, output) in &with_rows {
            same_fields(&model.schema, &output.schema, &source.path, snapshot)?;
        }
        let total: u64 = with_rows.iter().map(|(_, o)| o.rows).sum();
        let fields = model.schema.fields();
        // Links kept in a heap, not the group's header: a master's groups are created once
        // and read rarely, and a header of thousands of links grows quadratically.
        let group = columns::create_snapshot_group(file, snapshot, &[])?;
        for field in fields {
            let dataset_path = format!("/{}", names::dataset(snapshot, &field.name));
            let mut first = 0;
            let mappings: Vec<Mapping> = with_rows
                .iter()
                .map(|(source, output)| {
                    let mapping = Mapping {
                        file: &source.link,
                        dataset: &dataset_path,
                        first,
                        rows: output.rows,
                    };
                    first += output.rows;
                    mapping
                })
                .collect();
            let dataset = ffi::vds::create_virtual(
                &group,
                &field.name,
                types.get(field.dtype).id(),
                total,
                &field.shape,
                &missing_value(field.dtype),
                &mappings,
            )
            .map_err(|e| e.reading(master, format!("the mappings of {dataset_path}")))?;
            columns::write_field_attributes(&dataset, field)?;
        }
        columns::write_num_gals(&group, total)?;
        if let Some(z) = present.iter().find_map(|(_, o)| o.redshift) {
            columns::write_redshift(&group, z)?;
        }
    }
    Ok(())
}

/// Refuses an output whose fields of `snapshot` differ (by name, type or shape) from the
/// model's: their rows could not be one column.
fn same_fields(model: &Schema, other: &Schema, path: &Path, snapshot: u32) -> Result<()> {
    let key = |schema: &Schema| -> Vec<(String, Dtype, Vec<usize>)> {
        schema
            .fields()
            .iter()
            .map(|f| (f.name.clone(), f.dtype, f.shape.clone()))
            .collect()
    };
    let (a, b) = (key(model), key(other));
    if a == b {
        return Ok(());
    }
    let field = a
        .iter()
        .zip(&b)
        .find(|(x, y)| x != y)
        .map(|(x, _)| x.0.clone())
        .or_else(|| a.get(b.len()).or(b.get(a.len())).map(|f| f.0.clone()))
        .unwrap_or_default();
    Err(Error::SchemaMismatch {
        path: path.to_owned(),
        snapshot,
        field,
        problem: "differs from the first output's field in name, type or shape (or is not in both), so their rows cannot be stitched into one dataset".into(),
    })
}
