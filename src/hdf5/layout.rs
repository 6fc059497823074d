//! Where things live in a file: `Snap_<N>` groups, one extendable chunked dataset per field with
//! `Description` and `Units` attributes, and the HDF5 types that match [`Dtype`].

use super::checked::{self, ColumnShape};
use super::raw;
use crate::error::{Error, Result};
use crate::schema::{Dtype, Field, Schema};
use hdf5::plist::file_create::LinkCreationOrder;
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use hdf5::{Datatype, Extent, Extents, SimpleExtents};
use std::path::Path;

/// The group name of a snapshot: `Snap_<N>`, as SAGE names them.
pub fn snapshot_group(snapshot: u32) -> String {
    format!("Snap_{snapshot}")
}

/// The snapshot number in a group name, if it is a snapshot group: `Snap_` and a number written
/// as [`snapshot_group`] writes it (no sign, no leading zero), so that the name leads back to
/// the group.
pub fn parse_snapshot_group(name: &str) -> Option<u32> {
    let snapshot = name.strip_prefix("Snap_")?.parse().ok()?;
    (snapshot_group(snapshot) == name).then_some(snapshot)
}

/// The native HDF5 type of each [`Dtype`], built once and kept for the life of a file.
pub struct Types {
    types: Vec<(Dtype, Datatype)>,
}

impl Types {
    pub fn new() -> Result<Self> {
        let build = |dtype: Dtype| -> hdf5::Result<Datatype> {
            match dtype {
                Dtype::I8 => Datatype::from_type::<i8>(),
                Dtype::I16 => Datatype::from_type::<i16>(),
                Dtype::I32 => Datatype::from_type::<i32>(),
                Dtype::I64 => Datatype::from_type::<i64>(),
                Dtype::U8 => Datatype::from_type::<u8>(),
                Dtype::U16 => Datatype::from_type::<u16>(),
                Dtype::U32 => Datatype::from_type::<u32>(),
                Dtype::U64 => Datatype::from_type::<u64>(),
                Dtype::F32 => Datatype::from_type::<f32>(),
                Dtype::F64 => Datatype::from_type::<f64>(),
            }
        };
        let types = Dtype::ALL
            .into_iter()
            .map(|dtype| {
                Ok((
                    dtype,
                    build(dtype).map_err(|e| Error::hdf5("building types", e))?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Types { types })
    }

    pub fn get(&self, dtype: Dtype) -> &Datatype {
        // Every Dtype was built in `new`.
        &self
            .types
            .iter()
            .find(|(d, _)| *d == dtype)
            .expect("all dtypes are built")
            .1
    }
}

/// The [`Dtype`] of a dataset's element type, if it is one galaxy-io writes.
pub fn dtype_of(datatype: &Datatype) -> Option<Dtype> {
    Some(match datatype.to_descriptor().ok()? {
        TypeDescriptor::Integer(IntSize::U1) => Dtype::I8,
        TypeDescriptor::Integer(IntSize::U2) => Dtype::I16,
        TypeDescriptor::Integer(IntSize::U4) => Dtype::I32,
        TypeDescriptor::Integer(IntSize::U8) => Dtype::I64,
        TypeDescriptor::Unsigned(IntSize::U1) => Dtype::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => Dtype::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => Dtype::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => Dtype::U64,
        TypeDescriptor::Float(FloatSize::U4) => Dtype::F32,
        TypeDescriptor::Float(FloatSize::U8) => Dtype::F64,
        _ => return None,
    })
}

/// The largest chunk: HDF5's default chunk cache holds 1 MiB per dataset, and a chunk that does
/// not fit is read back and rewritten on every partial write.
const MAX_CHUNK_BYTES: usize = 1 << 20;

/// Chunking and compression of the datasets.
///
/// ```
/// use galaxy_io::Storage;
/// // Deflate (with shuffle) only the two mass columns.
/// let storage = Storage {
///     deflate: Some(4),
///     shuffle: true,
///     compressed: Some(vec!["StellarMass".into(), "Mvir".into()]),
///     ..Storage::default()
/// };
/// assert!(storage.compresses("Mvir") && !storage.compresses("Posx"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    /// Rows per chunk, the same for every dataset so that buffer flushes can end on chunk
    /// boundaries (fields so wide that this many rows exceed 1 MiB get fewer rows per chunk).
    /// The default, 16384 rows, makes 64 KiB chunks of `f32` and 128 KiB of `i64`; see the
    /// chunk-size sweep in BENCHMARKS.md.
    pub chunk_rows: usize,
    /// Deflate (gzip) level 0..=9, or none.
    pub deflate: Option<u8>,
    /// Byte-shuffle before compressing (helps deflate on floats).
    pub shuffle: bool,
    /// The datasets `deflate` and `shuffle` apply to; `None` means all of them. A name that is
    /// not a field is an error when the output is created.
    pub compressed: Option<Vec<String>>,
}

impl Storage {
    /// Whether the dataset `name` is compressed and shuffled as configured.
    pub fn compresses(&self, name: &str) -> bool {
        self.compressed
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            chunk_rows: 16384,
            deflate: None,
            shuffle: false,
            compressed: None,
        }
    }
}

/// One field's dataset in one snapshot, open for the life of the file.
pub struct Column {
    pub field: Field,
    pub dataset: hdf5::Dataset,
    pub mem_type: hdf5_sys::h5i::hid_t,
}

/// Creates `Snap_<N>` with one empty, extendable dataset per field and its attributes.
pub fn create_snapshot(
    file: &hdf5::File,
    snapshot: u32,
    schema: &Schema,
    storage: &Storage,
    types: &Types,
) -> Result<(hdf5::Group, Vec<Column>)> {
    let group_name = snapshot_group(snapshot);
    // Tracking creation order lets readers list the datasets in record order, as SAGE wrote them.
    let group = file
        .create_group_builder()
        .with_create_plist(|plist| plist.link_creation_order(LinkCreationOrder::Indexed))
        .create(group_name.as_str())
        .map_err(|e| Error::hdf5(format!("creating group {group_name}"), e))?;
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let context = || format!("creating dataset {group_name}/{}", field.name);
            let datatype = types.get(field.dtype);
            let mut extents = vec![Extent::resizable(0)];
            extents.extend(field.shape.iter().map(|&dim| Extent::fixed(dim)));
            let mut chunk = vec![storage
                .chunk_rows
                .min(MAX_CHUNK_BYTES / field.size())
                .max(1)];
            chunk.extend(&field.shape);
            let mut builder = group
                .new_dataset_builder()
                .empty_as(datatype)
                .shape(Extents::Simple(SimpleExtents::from_vec(extents)))
                .chunk(chunk)
                // Every row up to the extent is written, so fill values would only cost a memset
                // of each new chunk.
                .fill_time(hdf5::dataset::FillTime::Never)
                .chunk_cache(0, 0, 1.0);
            let compress = storage.compresses(&field.name);
            if compress && storage.shuffle {
                builder = builder.shuffle();
            }
            if let Some(level) = storage.deflate.filter(|_| compress) {
                builder = builder.deflate(level);
            }
            let dataset = builder
                .create(field.name.as_str())
                .map_err(|e| Error::hdf5(context(), e))?;
            raw::write_string_attr(dataset.id(), "Description", &field.description)?;
            raw::write_string_attr(dataset.id(), "Units", &field.units)?;
            Ok(Column {
                field: field.clone(),
                mem_type: datatype.id(),
                dataset,
            })
        })
        .collect::<Result<_>>()?;
    Ok((group, columns))
}

/// One dataset of a snapshot group as found in a file, checked to be a column of galaxies.
pub struct FoundColumn {
    /// The dataset's name in its group.
    pub name: String,
    pub dataset: hdf5::Dataset,
    pub column: ColumnShape,
}

/// The datasets of a snapshot group, in creation (record) order where the file tracks it, else
/// in name order, each checked to be a column galaxy-io can read; the first that is not is an
/// error naming it.
pub fn columns_of(group: &hdf5::Group, path: &Path, snapshot: u32) -> Result<Vec<FoundColumn>> {
    let names = raw::link_names(group.id(), true).map_err(|e| Error::BadFile {
        path: path.to_owned(),
        problem: format!(
            "the members of {} cannot be listed ({e})",
            snapshot_group(snapshot)
        ),
    })?;
    names
        .into_iter()
        .map(|name| {
            let mismatch = |why: checked::Unreadable| Error::SchemaMismatch {
                path: path.to_owned(),
                snapshot,
                field: name.clone(),
                problem: why.0,
            };
            let dataset = checked::dataset(group, &name).map_err(mismatch)?;
            let column = checked::column(&dataset).map_err(mismatch)?;
            Ok(FoundColumn {
                name,
                dataset,
                column,
            })
        })
        .collect()
}

/// The fields of a snapshot's columns as a schema of tightly packed records: name, element
/// type, per-row shape, and `Units` and `Description` where they are readable strings.
pub fn packed_schema(columns: &[FoundColumn], path: &Path, snapshot: u32) -> Result<Schema> {
    if columns.is_empty() {
        return Ok(Schema::empty());
    }
    let mut fields = Vec::with_capacity(columns.len());
    let mut offset = 0usize;
    for found in columns {
        let text = |key| {
            checked::text_attr(&found.dataset, key)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        let field = Field {
            name: found.name.clone(),
            offset,
            dtype: found.column.dtype,
            shape: found.column.inner.clone(),
            units: text("Units"),
            description: text("Description"),
        };
        offset = offset
            .checked_add(found.column.row_bytes)
            .ok_or_else(|| Error::BadFile {
                path: path.to_owned(),
                problem: format!(
                    "the rows of {} are too large to address",
                    snapshot_group(snapshot)
                ),
            })?;
        fields.push(field);
    }
    Schema::new(fields, offset)
}

/// Copies `column` (one field's values, back to back) into that field's bytes of each record:
/// the inverse of the write callback's transpose, used when reading and when salvaging.
pub fn scatter(column: &[u8], field: &Field, records: &mut [u8], record_size: usize) {
    let size = field.size();
    for (record, value) in records
        .chunks_exact_mut(record_size)
        .zip(column.chunks_exact(size))
    {
        record[field.offset..field.offset + size].copy_from_slice(value);
    }
}
