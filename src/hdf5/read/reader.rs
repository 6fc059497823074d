//! Reading catalogues back: columns by name, or whole records checked against a schema. A master
//! file (`Core_<i>` links) reads as the concatenation of its outputs. Every object of the file is
//! checked (see `checked`) before it is read: a file may come from anywhere.

use crate::dtype::FieldType;
use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::names;
use crate::hdf5::read::checked;
use crate::hdf5::read::snapshot::{num_gals, PartColumn, Snapshot};
use crate::hdf5::read::virtual_read::{self, SourceFiles, Target, VirtualPlan};
use crate::hdf5::types::Types;
use crate::hdf5::write::header::Header;
use crate::hdf5::{ffi, master::sources, read::open, write::tree_info, write::unit_attrs};
use crate::history::LoadedHistory;
use crate::schema::{Field, GalaxyRecord, Schema};
use galaxy_units::Unit;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An open galaxy catalogue (one output file, or a master file over several).
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let galaxy = SageGalaxy { stellar_mass: 2.0, ..Default::default() };
/// let mut output = Hdf5Output::create(&path, &[63], Hdf5Options::default())?;
/// output.write(63, &[galaxy, galaxy])?;
/// output.finish()?;
///
/// let catalogue = Catalogue::open(&path)?;
/// assert_eq!(catalogue.read_column::<f32>(63, "StellarMass")?, [2.0, 2.0]);
/// assert_eq!(catalogue.read_records::<SageGalaxy>(63)?, [galaxy, galaxy]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Catalogue {
    path: PathBuf,
    /// Opened while a writer may still be appending (SWMR): rows count up to the shortest
    /// dataset instead of requiring equal lengths.
    live: bool,
    /// The groups whose snapshots are read: the file's root (an output, or a master with
    /// virtual datasets, whose sources were checked), or else a master's `Core_<i>` groups.
    parts: Vec<hdf5::Group>,
    /// A master's `Core_<i>` links (0 for an output).
    cores: usize,
    /// Every snapshot read so far, its groups and datasets checked once and kept: a snapshot
    /// of n datasets costs n checks however many reads follow. (A virtual dataset's sources are
    /// checked once too, when it is first read, so that opening a master of many tasks costs
    /// nothing per task.)
    snapshots: Mutex<BTreeMap<u32, Arc<Snapshot>>>,
    /// A master's source files open for reading its virtual datasets, a few at a time.
    sources: Mutex<SourceFiles>,
    types: Types,
    file: hdf5::File,
    /// The history index, once loaded (or built by a scan), for every later history.
    history: Mutex<Option<Arc<LoadedHistory>>>,
}

/// The attributes of one field's dataset, as [`Catalogue::field_attributes`] finds them.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldAttributes {
    /// The field (dataset) name.
    pub field: String,
    /// Each attribute's name, and its value or why it cannot be read.
    pub attributes: Vec<(String, std::result::Result<AttrValue, String>)>,
}

impl FieldAttributes {
    /// The attribute `name` as text: `Ok(None)` when absent, `Err(why)` when it is not a
    /// readable string.
    pub fn text(&self, name: &str) -> std::result::Result<Option<&str>, String> {
        match self.attributes.iter().find(|(key, _)| key == name) {
            None => Ok(None),
            Some((_, Ok(AttrValue::Text(text)))) => Ok(Some(text)),
            Some((_, Ok(other))) => Err(format!("is of type {}, not a string", other.kind())),
            Some((_, Err(why))) => Err(why.clone()),
        }
    }
}

/// Bytes of one field read at a time by [`Catalogue::verify`].
const VERIFY_SLAB_BYTES: u64 = 16 << 20;
/// Bytes of records filled at a time by the record reads: the columns of a slab are read into
/// a buffer that stays in the CPU's cache while they are scattered into the records, and a slab
/// is large enough that the per-call cost of HDF5's reads does not show.
const SCATTER_SLAB_BYTES: usize = 4 << 20;

mod cores;
mod verify;

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("path", &self.path)
            .field("parts", &self.parts.len())
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

impl Catalogue {
    /// Opens a file read-only. A master file's virtual datasets are read only once the files
    /// they map are checked (when a dataset is first read): a missing, unreadable or short
    /// source is an [`Error::IncompleteMaster`], never rows of fill values.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file = open::open_catalogue(&path)?;
        Self::from_file(path, file, false)
    }
    /// Opens a file that a writer in [`Durability::Swmr`](crate::Durability::Swmr) mode is still
    /// writing: reads see every row flushed so far (a snapshot's rows are those all of its
    /// datasets have); open it again to see more.
    ///
    /// ```no_run
    /// let live = galaxy_io::Catalogue::open_live("model_0.hdf5")?;
    /// println!("{} galaxies so far", live.num_galaxies(63)?);
    /// # Ok::<(), galaxy_io::Error>(())
    /// ```
    pub fn open_live(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file = open::open_live(&path)?;
        Self::from_file(path, file, true)
    }

    fn from_file(path: PathBuf, file: hdf5::File, live: bool) -> Result<Self> {
        let bad = |problem: String| Error::BadFile {
            path: path.clone(),
            problem,
        };
        let root = file.as_group().map_err(|e| {
            bad(format!(
                "the root group cannot be opened ({})",
                checked::one_line(&e)
            ))
        })?;
        let is_master = root.link_exists(&names::core_group(0));
        // A master written before virtual datasets has snapshot groups in its cores only.
        let stitched = !is_master
            || ffi::links::link_names(root.id(), false)
                .map_err(|e| e.reading(&path, "the list of its groups"))?
                .iter()
                .any(|name| names::parse_snapshot_group(name).is_some());
        let mut cores = 0;
        while root.link_exists(&names::core_group(cores)) {
            cores += 1;
        }
        // The cores are opened only when read through: a master with virtual datasets is read
        // through those, and holding thousands of files open would exhaust descriptors.
        let parts = if stitched {
            vec![root]
        } else {
            cores::survey_cores(&root, cores, &path)?;
            (0..cores)
                .map(|core| cores::core_group(&root, core, &path))
                .collect::<Result<_>>()?
        };
        Ok(Catalogue {
            path,
            live,
            parts,
            cores,
            snapshots: Mutex::new(BTreeMap::new()),
            sources: Mutex::new(SourceFiles::new()),
            types: Types::new()?,
            file,
            history: Mutex::new(None),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The history index this catalogue loaded, if it did.
    pub(in crate::hdf5) fn history_cache(&self) -> &Mutex<Option<Arc<LoadedHistory>>> {
        &self.history
    }

    /// The HDF5 file (a master's, for a master).
    pub(in crate::hdf5) fn file(&self) -> &hdf5::File {
        &self.file
    }

    /// The output snapshots, ascending.
    pub fn snapshots(&self) -> Result<Vec<u32>> {
        let mut snapshots = Vec::new();
        for part in &self.parts {
            let names = ffi::links::link_names(part.id(), false)
                .map_err(|e| e.reading(&self.path, "the list of its groups"))?;
            snapshots.extend(
                names
                    .iter()
                    .filter_map(|name| names::parse_snapshot_group(name)),
            );
        }
        snapshots.sort_unstable();
        snapshots.dedup();
        Ok(snapshots)
    }

    /// The header (of the master file, for a master file).
    pub fn header(&self) -> Result<Header> {
        Header::read(&self.file)
    }

    /// The redshift of a snapshot: its group's `redshift` attribute, as SAGE writes it, or else
    /// its entry in `Header/snapshot_redshifts`; `None` when the file has neither.
    pub fn redshift(&self, snapshot: u32) -> Result<Option<f64>> {
        self.surveyed(snapshot)?;
        let name = names::snapshot_group(snapshot);
        for part in &self.parts {
            if !part.link_exists(&name) {
                continue;
            }
            let group = checked::group(part, &name).map_err(|why| {
                why.into_error(&self.path, &name, |why| self.bad(format!("{name} {why}")))
            })?;
            if let Ok(Some(z)) = checked::attr(&group, names::REDSHIFT) {
                return Ok(z.as_f64());
            }
        }
        let redshifts =
            crate::hdf5::write::header::snapshot_redshifts(&self.file).unwrap_or_default();
        Ok(redshifts.get(snapshot as usize).copied())
    }

    /// Galaxies in a snapshot, over all parts.
    pub fn num_galaxies(&self, snapshot: u32) -> Result<u64> {
        Ok(self.snapshot(snapshot)?.rows())
    }

    /// The fields of a snapshot, as a schema of tightly packed records in dataset order.
    pub fn schema(&self, snapshot: u32) -> Result<Schema> {
        self.snapshot(snapshot)?.schema(&self.path)
    }

    /// One column, checked against `T`'s element type and shape.
    pub fn read_column<T: FieldType>(&self, snapshot: u32, name: &str) -> Result<Vec<T>> {
        let field = Field {
            name: name.to_owned(),
            offset: 0,
            dtype: T::DTYPE,
            shape: T::SHAPE.dims().to_vec(),
            units: String::new(),
            unit: None,
            description: String::new(),
        };
        let found = self.snapshot(snapshot)?;
        let rows = found.rows();
        let what = || names::dataset(snapshot, name);
        let mut values = checked::zeroed::<T>(rows, &self.path, what)?;
        self.read_field(
            &found,
            &field,
            0..rows,
            bytemuck::cast_slice_mut(&mut values),
        )?;
        Ok(values)
    }

    /// Rows `rows` (counted over all parts) of one field as it is stored, with the field's
    /// description (element type, shape, units): an untyped read, e.g. to walk a column too
    /// large for memory in slabs.
    pub fn read_field_rows(
        &self,
        snapshot: u32,
        name: &str,
        rows: Range<u64>,
    ) -> Result<(Field, Vec<u8>)> {
        let found = self.snapshot(snapshot)?;
        let schema = found.schema(&self.path)?;
        let field = schema
            .field(name)
            .ok_or_else(|| self.mismatch(snapshot, name, "is not in the file".into()))?;
        let total = found.rows();
        if rows.start > rows.end || rows.end > total {
            return Err(self.mismatch(
                snapshot,
                name,
                format!(
                    "has {total} rows; rows {}..{} were asked for",
                    rows.start, rows.end
                ),
            ));
        }
        let what = || names::dataset(snapshot, name);
        let bytes = (rows.end - rows.start).saturating_mul(field.size() as u64);
        let mut values = checked::zeroed::<u8>(bytes, &self.path, what)?;
        self.read_field(&found, field, rows, &mut values)?;
        Ok((
            Field {
                offset: 0,
                ..field.clone()
            },
            values,
        ))
    }

    /// The units a field's dataset declares in its machine-readable attributes (`units`,
    /// `h-scale exponent`, ...; see the README), checked against each other: `Ok(None)` for a
    /// dataset without them (SAGE's own files), an error naming the file, snapshot and field
    /// when they are there but unreadable or inconsistent.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
    /// output.write(63, &[SageGalaxy::default()])?;
    /// output.finish()?;
    ///
    /// let unit = Catalogue::open(&path)?.field_unit(63, "Posx")?.unwrap();
    /// assert_eq!((unit.symbol(), unit.h_exponent().as_f64(), unit.is_comoving()), ("Mpc", -1.0, true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_unit(&self, snapshot: u32, name: &str) -> Result<Option<Unit>> {
        let found = self.snapshot(snapshot)?;
        let column = found.parts[0]
            .column(name)
            .ok_or_else(|| self.mismatch(snapshot, name, "is not in the file".into()))?;
        unit_attrs::read(&column.found.dataset)
            .map_err(|why| self.mismatch(snapshot, name, format!("has unreadable units: {why}")))
    }

    /// The attributes of every field's dataset of a snapshot (in the first part that has it),
    /// in dataset order, each with its value or why it cannot be read: `Units`,
    /// `Description`, and whatever else a tool put there.
    pub fn field_attributes(&self, snapshot: u32) -> Result<Vec<FieldAttributes>> {
        let found = self.snapshot(snapshot)?;
        Ok(found.parts[0]
            .columns
            .iter()
            .map(|column| FieldAttributes {
                field: column.found.name.clone(),
                attributes: checked::attrs(&column.found.dataset)
                    .into_iter()
                    .map(|(key, value)| (key, value.map_err(|why| why.0)))
                    .collect(),
            })
            .collect())
    }

    /// The records of a snapshot as bytes laid out by `schema`, every field checked by name,
    /// type and shape. Bytes the schema does not cover are zero.
    pub fn read_rows(&self, snapshot: u32, schema: &Schema) -> Result<Vec<u8>> {
        let found = self.snapshot(snapshot)?;
        let what = || {
            format!(
                "the {} records of {}",
                found.rows(),
                names::snapshot_group(snapshot)
            )
        };
        let bytes = found.rows().saturating_mul(schema.record_size() as u64);
        let mut records = checked::zeroed::<u8>(bytes, &self.path, what)?;
        self.read_records_into(&found, schema, 0..found.rows(), &mut records)?;
        Ok(records)
    }

    /// The galaxies of a snapshot as records of type `G`, checked against `G`'s schema.
    pub fn read_records<G: GalaxyRecord>(&self, snapshot: u32) -> Result<Vec<G>> {
        let schema = Schema::of::<G>()?;
        let found = self.snapshot(snapshot)?;
        let what = || format!("the records of {}", names::snapshot_group(snapshot));
        let mut records = checked::zeroed::<G>(found.rows(), &self.path, what)?;
        let all = 0..found.rows();
        self.read_records_into(&found, &schema, all, bytemuck::cast_slice_mut(&mut records))?;
        Ok(records)
    }

    /// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap` of the output (the first of a master's), if
    /// present.
    pub fn galaxies_per_tree(&self, snapshot: u32) -> Result<Option<Vec<i32>>> {
        self.surveyed(snapshot)?;
        match self.core(0)? {
            Some(first) => first.galaxies_per_tree(snapshot),
            None => tree_info::read(&self.parts[0], &self.path, snapshot),
        }
    }

    /// Number of parts (`Core_<i>` outputs of a master file, or 1).
    pub fn parts(&self) -> usize {
        self.cores.max(1)
    }

    /// Reads every field of `schema` into the records `out` (whole records of the schema's
    /// size, one per row of `rows`, which the snapshot has), a slab of rows at a time: the
    /// slab's columns are read into a buffer that stays in the CPU's cache and scattered into
    /// the records from there.
    pub(in crate::hdf5) fn read_records_into(
        &self,
        found: &Snapshot,
        schema: &Schema,
        rows: Range<u64>,
        out: &mut [u8],
    ) -> Result<()> {
        // Fields are checked against the file before any row is read, and when there is none.
        for field in schema.fields() {
            for part in &found.parts {
                self.checked_column(found, part, field)?;
            }
        }
        let record_size = schema.record_size();
        if record_size == 0 || rows.is_empty() {
            return Ok(());
        }
        let mut slab_rows = (SCATTER_SLAB_BYTES / record_size).max(1) as u64;
        // Slabs of whole chunks: files are read without a chunk cache, so a chunk two slabs
        // shared would be read (and decompressed) twice.
        if let Some(chunk) = found.chunk_rows() {
            if chunk.saturating_mul(record_size as u64) <= 4 * SCATTER_SLAB_BYTES as u64 {
                slab_rows = (slab_rows / chunk).max(1) * chunk;
            }
        }
        let mut columns = Vec::new();
        let mut ranges = Vec::with_capacity(schema.fields().len());
        let mut start = rows.start;
        while start < rows.end {
            let end = rows.end.min(start + slab_rows);
            let slab = (end - start) as usize;
            ranges.clear();
            let mut at = 0;
            for field in schema.fields() {
                ranges.push(at..at + slab * field.size());
                at += slab * field.size();
            }
            columns.resize(at, 0);
            for (field, range) in schema.fields().iter().zip(&ranges) {
                self.read_field(found, field, start..end, &mut columns[range.clone()])?;
            }
            let done = (start - rows.start) as usize;
            let records = &mut out[done * record_size..(end - rows.start) as usize * record_size];
            crate::scatter::untranspose(&columns, &ranges, schema, records);
            start = end;
        }
        Ok(())
    }

    /// Rows `rows` (over all parts) of `field` into `out` (exactly their bytes), checked
    /// against what the file stores.
    fn read_field(
        &self,
        found: &Snapshot,
        field: &Field,
        rows: Range<u64>,
        out: &mut [u8],
    ) -> Result<()> {
        let what = || names::dataset(found.number, &field.name);
        let row_bytes = field.size() as u64;
        let mut part_start = 0u64;
        let mut written = 0usize;
        for part in &found.parts {
            let part_rows = part_start..part_start + part.rows;
            part_start = part_rows.end;
            let first = rows.start.max(part_rows.start);
            let last = rows.end.min(part_rows.end);
            let column = self.checked_column(found, part, field)?;
            if first >= last {
                continue;
            }
            let bytes = ((last - first) * row_bytes) as usize;
            let out = &mut out[written..written + bytes];
            let rows = first - part_rows.start..last - part_rows.start;
            let mem_type = self.types.get(field.dtype).id();
            if let Some(VirtualPlan::Sources(blocks)) = column.plan() {
                let what = what();
                let target = Target {
                    master: &self.path,
                    what: &what,
                    mem_type,
                    row_bytes: field.size(),
                };
                self.sources
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .read(blocks, rows, &target, out)?;
            } else {
                if let Some(&VirtualPlan::Library { files }) = column.plan() {
                    self.room_for(files, &what)?;
                }
                ffi::rows::read_rows(
                    column.found.dataset.id(),
                    mem_type,
                    rows.start,
                    rows.end - rows.start,
                    out,
                )
                .map_err(|e| checked::read_error(e, &self.path, what()))?;
            }
            written += bytes;
        }
        Ok(())
    }

    /// The column of `field` in one part, checked to have the field's type and shape and to
    /// store the rows it claims (a virtual dataset: its sources to have them).
    fn checked_column<'p>(
        &self,
        found: &Snapshot,
        part: &'p crate::hdf5::read::snapshot::PartSnapshot,
        field: &Field,
    ) -> Result<&'p PartColumn> {
        let snapshot = found.number;
        let column = part
            .column(&field.name)
            .ok_or_else(|| self.mismatch(snapshot, &field.name, "is not in the file".into()))?;
        let shape = &column.found.column;
        if shape.dtype != field.dtype {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "is {} in the file but {} in the record",
                    shape.dtype, field.dtype
                ),
            ));
        }
        if shape.inner != field.shape {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "has per-galaxy shape {:?} in the file but {:?} in the record",
                    shape.inner, field.shape
                ),
            ));
        }
        // A live file is still being written: what it claims is checked as it is read.
        if !self.live {
            if !column.is_virtual() {
                column
                    .check_readable()
                    .map_err(|why| self.mismatch(snapshot, &field.name, why.0))?;
            } else if column.plan().is_none() {
                part.check_sources(snapshot, |datasets| {
                    sources::check_virtual(&self.path, datasets)
                })?;
            }
        }
        Ok(column)
    }

    /// Fails unless HDF5 can open `files` source files at once to read a virtual dataset
    /// (`what`): it reads the rows of a source it cannot open as fill values, without an error.
    fn room_for(&self, files: usize, what: &impl Fn() -> String) -> Result<()> {
        let room = virtual_read::descriptors_to_spare();
        if files <= room {
            return Ok(());
        }
        Err(Error::TooManyFiles {
            path: self.path.clone(),
            what: what(),
            files,
            room,
        })
    }

    /// A snapshot with its groups and datasets checked: found once, then kept.
    pub(in crate::hdf5) fn snapshot(&self, snapshot: u32) -> Result<Arc<Snapshot>> {
        let mut known = self
            .snapshots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = known.get(&snapshot) {
            return Ok(Arc::clone(found));
        }
        self.surveyed(snapshot)?;
        let found = Snapshot::find(&self.path, &self.parts, snapshot, self.live)?;
        if found.parts.is_empty() {
            drop(known);
            return Err(Error::UnknownSnapshot {
                path: self.path.clone(),
                snapshot,
                known: self.snapshots()?,
            });
        }
        let found = Arc::new(found);
        known.insert(snapshot, Arc::clone(&found));
        Ok(found)
    }

    /// Surveys `snapshot` of the file before its structures are first read here: a reader
    /// surveys a file a snapshot at a time (`survey::Scope`).
    fn surveyed(&self, snapshot: u32) -> Result<()> {
        open::ensure_snapshot_sound(&self.path, self.live, snapshot)
    }

    fn bad(&self, problem: String) -> Error {
        Error::BadFile {
            path: self.path.clone(),
            problem,
        }
    }

    fn mismatch(&self, snapshot: u32, field: &str, problem: String) -> Error {
        Error::SchemaMismatch {
            path: self.path.clone(),
            snapshot,
            field: field.to_owned(),
            problem,
        }
    }
}
