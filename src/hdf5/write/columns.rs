//! A snapshot's datasets: `Snap_<N>` created with one extendable, chunked dataset per field
//! (with its `Description` and `Units`) and its group attributes, and, in a file that may come
//! from anywhere, found again and checked column by column.

use crate::error::{Error, Result};
use crate::hdf5::ffi;
use crate::hdf5::ffi::attrs::AttrData;
use crate::hdf5::ffi::create::{DatasetMaker, Filters, Layout, TemplateFile};
use crate::hdf5::names;
use crate::hdf5::read::checked::{self, ColumnShape};
use crate::hdf5::types::Types;
use crate::hdf5::write::chunk_writes::ChunkWrites;
use crate::hdf5::write::file_format::FileFormat;
use crate::hdf5::write::options::DatasetStorage;
use crate::hdf5::write::unit_attrs;
use crate::schema::{Field, Schema};
use hdf5::plist::file_create::LinkCreationOrder;
use hdf5::plist::group_create::GroupCreate;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The largest chunk: HDF5's default chunk cache holds 1 MiB per dataset, and a chunk that does
/// not fit is read back and rewritten on every partial write.
const MAX_CHUNK_BYTES: usize = 1 << 20;

/// One field's dataset in one snapshot, open for the life of the file, with the native type of
/// its elements (a handle of its own, alive as long as the column).
pub(crate) struct Column {
    pub field: Field,
    pub dataset: hdf5::Dataset,
    pub datatype: hdf5::Datatype,
    /// Created for a snapshot still growing; otherwise it has all its rows already.
    pub extendable: bool,
    /// How rows reach its chunks.
    pub writes: ChunkWrites,
    /// Its chunks carry a Fletcher-32 checksum (the last filter of its pipeline).
    pub checksum: bool,
}

/// The datasets of a growing snapshot, when not compressed, carry a fast deflate filter for their
/// last, partial chunk only ([`ChunkWrites::EdgeDeflate`], [`ChunkWrites::InPlace`]).
const EDGE_DEFLATE_LEVEL: u8 = 1;

/// How many rows the chunks of a snapshot's datasets hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChunkFit {
    /// The configured rows: more rows may follow.
    Configured,
    /// The snapshot is complete with this many rows: chunks fitted to them, so that a small
    /// snapshot takes the space of its galaxies, not of a whole chunk per dataset.
    Complete(u64),
}

impl ChunkFit {
    /// Rows per chunk of a field of `size` bytes: at most the configured rows and 1 MiB; a
    /// complete snapshot's rows split into that many equal chunks.
    fn rows(self, configured: usize, size: usize) -> usize {
        let most = configured.min(MAX_CHUNK_BYTES / size).max(1);
        match self {
            ChunkFit::Configured => most,
            ChunkFit::Complete(0) => 1,
            ChunkFit::Complete(rows) => {
                let chunks = rows.div_ceil(most as u64);
                rows.div_ceil(chunks) as usize
            }
        }
    }
}

/// What the snapshots of one output share to make their datasets: the native types, and for
/// each field the maker of its growing datasets (property lists and dataspace made once).
pub(crate) struct Makers {
    types: Types,
    /// The templates of the growing datasets, in memory.
    templates: Arc<TemplateFile>,
    growing: Mutex<Vec<Option<Arc<DatasetMaker>>>>,
}

impl Makers {
    /// The makers of the datasets of `file`, whose records have `fields` fields.
    pub(crate) fn new(file: &hdf5::File, fields: usize) -> Result<Self> {
        Ok(Makers {
            types: Types::new()?,
            templates: TemplateFile::new(file.id())?,
            growing: Mutex::new(vec![None; fields]),
        })
    }

    /// The maker of field `index`'s growing datasets (every snapshot's alike, so copied from a
    /// template with the field's attributes), made at the first call.
    fn growing(&self, index: usize, field: &Field, layout: &Layout) -> Result<Arc<DatasetMaker>> {
        let mut growing = self
            .growing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &growing[index] {
            Some(maker) => Ok(Arc::clone(maker)),
            None => {
                let name = format!("field_{index}");
                let datatype = self.types.get(field.dtype).id();
                let maker = Arc::new(DatasetMaker::with_template(
                    layout,
                    &self.templates,
                    &name,
                    datatype,
                    |template| write_field_attributes(template, field),
                )?);
                growing[index] = Some(Arc::clone(&maker));
                Ok(maker)
            }
        }
    }
}

/// The datasets of one snapshot being written, created at once or when the first rows arrive
/// (whichever the output chose), with everything needed to create them until then.
pub(crate) struct SnapshotColumns {
    group: hdf5::Group,
    snapshot: u32,
    schema: Schema,
    storage: DatasetStorage,
    makers: Arc<Makers>,
    /// Empty until created (a schema has at least one field).
    columns: Vec<Column>,
}

impl SnapshotColumns {
    /// Creates `Snap_<N>`, its datasets still to come.
    pub(crate) fn create_group(
        file: &hdf5::File,
        snapshot: u32,
        schema: &Schema,
        storage: &DatasetStorage,
        makers: &Arc<Makers>,
    ) -> Result<Self> {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
        Ok(SnapshotColumns {
            group: create_snapshot_group(file, snapshot, &names)?,
            snapshot,
            schema: schema.clone(),
            storage: storage.clone(),
            makers: Arc::clone(makers),
            columns: Vec::new(),
        })
    }

    pub(crate) fn group(&self) -> &hdf5::Group {
        &self.group
    }

    /// The schema of the rows, whether or not its datasets exist yet.
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The datasets, created first with chunks of `fit` if they do not exist yet: one empty,
    /// extendable dataset per field with its `Description` and `Units`.
    pub(crate) fn get_or_create(&mut self, fit: ChunkFit) -> Result<&[Column]> {
        if self.columns.is_empty() {
            let columns = self
                .schema
                .fields()
                .iter()
                .enumerate()
                .map(|(index, field)| self.create_column(index, field, fit))
                .collect::<Result<_>>()?;
            self.columns = columns;
        }
        Ok(&self.columns)
    }

    fn create_column(&self, index: usize, field: &Field, fit: ChunkFit) -> Result<Column> {
        let datatype = self.makers.types.get(field.dtype);
        let compression = self.storage.compression_of(&field.name);
        // A snapshot still growing gets extendable, chunked datasets; a complete one datasets
        // of exactly its rows, stored in one piece unless compressed or checksummed (which
        // need chunks), so that they need no chunk index at all.
        let growing = fit == ChunkFit::Configured;
        let (rows, chunked) = match fit {
            ChunkFit::Configured => (0, true),
            ChunkFit::Complete(rows) => (
                rows,
                (compression.is_some() || self.storage.checksum) && rows > 0,
            ),
        };
        let chunk_rows = fit.rows(self.storage.chunk_rows, field.size());
        // The fast deflate of partial chunks, where nothing else compresses them.
        let edge_only = growing && compression.is_none();
        let mut filters = Filters {
            fletcher32: chunked && self.storage.checksum,
            ..Filters::default()
        };
        let mut compressing = 0;
        if chunked {
            if edge_only {
                filters.deflate = Some(EDGE_DEFLATE_LEVEL);
                compressing = 1;
            }
            if let Some(crate::hdf5::write::options::Compression::Deflate { level, shuffle }) =
                compression
            {
                filters.shuffle = shuffle;
                filters.deflate = Some(level);
                compressing = 1 + u32::from(shuffle);
            }
        }
        let layout = Layout {
            rows,
            extendable: growing,
            inner: field.shape.clone(),
            chunk_rows: chunked.then_some(chunk_rows),
            filters,
            // Zeros in the unwritten part of a partial chunk, which then compress to almost
            // nothing (whole chunks, written directly, are not filled).
            fill_zeros: chunked && filters.deflate.is_some(),
        };
        let rows = chunk_rows as u64;
        let writes = match (growing, self.storage.in_place, edge_only) {
            (false, _, _) | (true, false, false) => ChunkWrites::Pipeline,
            (true, false, true) => ChunkWrites::EdgeDeflate { rows },
            (true, true, edge_only) => ChunkWrites::InPlace {
                rows,
                filters: compressing,
                edge_only,
            },
        };
        let maker = match fit {
            ChunkFit::Configured => self.makers.growing(index, field, &layout)?,
            ChunkFit::Complete(_) => Arc::new(DatasetMaker::new(&layout)?),
        };
        let what = names::dataset(self.snapshot, &field.name);
        let dataset = maker.create(self.group.id(), &field.name, datatype.id(), &what)?;
        if !maker.decorates() {
            write_field_attributes(&dataset, field)?;
        }
        Ok(Column {
            field: field.clone(),
            datatype: datatype.clone(),
            dataset,
            extendable: growing,
            writes,
            checksum: filters.fletcher32,
        })
    }
}

/// Creates `Snap_<N>` for `fields` datasets. Tracking creation order lets readers list the
/// datasets in record order, as SAGE wrote them.
pub(crate) fn create_snapshot_group(
    file: &hdf5::File,
    snapshot: u32,
    links: &[&str],
) -> Result<hdf5::Group> {
    let group_name = names::snapshot_group(snapshot);
    let context = || format!("creating group {group_name}");
    // Tracking creation order lets readers list the datasets in record order, as SAGE wrote
    // them.
    let gcpl = {
        let mut builder = GroupCreate::build();
        FileFormat::group_create(&mut builder, links.len())
            .link_creation_order(LinkCreationOrder::Indexed);
        builder.finish().map_err(|e| Error::hdf5(context(), e))?
    };
    FileFormat::size_group_header(&gcpl, links)?;
    file.create_group_builder()
        .set_create_plist(&gcpl)
        .create(group_name.as_str())
        .map_err(|e| Error::hdf5(context(), e))
}

/// A new dataset's attributes: SAGE's `Description` and `Units` texts, and the unit's
/// machine-readable attributes when it has a parsed unit.
pub(crate) fn write_field_attributes(dataset: &hdf5::Dataset, field: &Field) -> Result<()> {
    for (name, text) in [
        (names::DESCRIPTION, &field.description),
        (names::UNITS, &field.units),
    ] {
        ffi::attrs::new_attr(dataset.id(), name, AttrData::Text { text, min_bytes: 1 })?;
    }
    match &field.unit {
        Some(unit) => unit_attrs::write(dataset, unit),
        None => Ok(()),
    }
}

/// One dataset of a snapshot group as found in a file, checked to be a column of galaxies.
pub(crate) struct FoundColumn {
    /// The dataset's name in its group.
    pub name: String,
    pub dataset: hdf5::Dataset,
    pub column: ColumnShape,
}

/// The datasets of a snapshot group, in creation (record) order where the file tracks it, else
/// in name order, each checked to be a column galaxy-io can read; the first that is not is an
/// error naming it.
pub(crate) fn columns_of(
    group: &hdf5::Group,
    path: &Path,
    snapshot: u32,
) -> Result<Vec<FoundColumn>> {
    let names = ffi::links::link_names(group.id(), true).map_err(|e| Error::BadFile {
        path: path.to_owned(),
        problem: format!(
            "the members of {} cannot be listed ({e})",
            names::snapshot_group(snapshot)
        ),
    })?;
    names
        .into_iter()
        .map(|name| {
            let mismatch = |why: checked::Unreadable| {
                why.into_error(path, &names::dataset(snapshot, &name), |why| {
                    Error::SchemaMismatch {
                        path: path.to_owned(),
                        snapshot,
                        field: name.clone(),
                        problem: why.0,
                    }
                })
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
pub(crate) fn packed_schema<'a>(
    columns: impl IntoIterator<Item = &'a FoundColumn>,
    path: &Path,
    snapshot: u32,
) -> Result<Schema> {
    let mut fields = Vec::new();
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
            units: text(names::UNITS),
            unit: unit_attrs::read(&found.dataset).ok().flatten(),
            description: text(names::DESCRIPTION),
        };
        offset = offset
            .checked_add(found.column.row_bytes)
            .ok_or_else(|| Error::BadFile {
                path: path.to_owned(),
                problem: format!(
                    "the rows of {} are too large to address",
                    names::snapshot_group(snapshot)
                ),
            })?;
        fields.push(field);
    }
    if fields.is_empty() {
        return Ok(Schema::empty());
    }
    Schema::new(fields, offset)
}

/// Opens `Snap_<N>` of a file being written.
pub(crate) fn open_snapshot(file: &hdf5::File, snapshot: u32) -> Result<hdf5::Group> {
    let name = names::snapshot_group(snapshot);
    file.group(&name)
        .map_err(|e| Error::hdf5(format!("opening group {name}"), e))
}

/// Sets a snapshot group's `num_gals` (int64, as SAGE writes it).
pub(crate) fn write_num_gals(group: &hdf5::Group, rows: u64) -> Result<()> {
    let context = || format!("writing {} of {}", names::NUM_GALS, group.name());
    let value = rows as i64;
    let written = match group.attr(names::NUM_GALS) {
        Ok(attr) => attr.write_scalar(&value),
        Err(_) => group
            .new_attr::<i64>()
            .create(names::NUM_GALS)
            .and_then(|a| a.write_scalar(&value)),
    };
    written.map_err(|e| Error::hdf5(context(), e))
}

/// Sets a snapshot group's `redshift` (float32, as SAGE writes it).
pub(crate) fn write_redshift(group: &hdf5::Group, redshift: f64) -> Result<()> {
    group
        .new_attr::<f32>()
        .create(names::REDSHIFT)
        .and_then(|a| a.write_scalar(&(redshift as f32)))
        .map_err(|e| Error::hdf5(format!("writing the redshift of {}", group.name()), e))
}
