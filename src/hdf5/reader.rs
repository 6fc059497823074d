//! Reading catalogues back: columns by name, or whole records checked against a schema. A master
//! file (`Core_<i>` links) reads as the concatenation of its outputs. Every object of the file is
//! checked (see `checked`) before it is read: a file may come from anywhere.

use super::attr_value::AttrValue;
use super::checked;
use super::columns::{self, FoundColumn};
use super::header::Header;
use super::names;
use super::superblock::Superblock;
use super::types::Types;
use super::{raw, sources, tree_info, unit_attrs};
use crate::dtype::FieldType;
use crate::error::{Error, Result};
use crate::schema::{Field, GalaxyRecord, Schema};
use crate::units::Unit;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    /// The virtual datasets whose sources were checked, by snapshot and field: each is checked
    /// once, when first read, so that opening a master of many tasks costs nothing per task.
    checked_virtual: Mutex<BTreeSet<(u32, String)>>,
    types: Types,
    file: hdf5::File,
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

/// One part's snapshot group: its columns, checked, and the rows they have in common.
struct PartSnapshot {
    columns: Vec<FoundColumn>,
    rows: u64,
}

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
        let file = open_checked(&path)?;
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
        std::fs::metadata(&path).map_err(|error| Error::io("opening", &path, error))?;
        let file = raw::open_swmr_read(&path)?;
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
            || raw::link_names(root.id(), false)
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
            (0..cores)
                .map(|core| core_group(&root, core, &path))
                .collect::<Result<_>>()?
        };
        Ok(Catalogue {
            path,
            live,
            parts,
            cores,
            checked_virtual: Mutex::new(BTreeSet::new()),
            types: Types::new()?,
            file,
        })
    }

    /// One output of a master file (its `Core_<i>`) as a catalogue of its own; `None` past the
    /// last.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, write_master, Catalogue, Hdf5Options, Hdf5Output, MasterOptions};
    /// let dir = tempfile::tempdir()?;
    /// let master = dir.path().join("model.hdf5");
    /// let mut outputs = Vec::new();
    /// for task in 0..2 {
    ///     let options = Hdf5Options::default().task(task, 2);
    ///     let mut output = Hdf5Output::<SageGalaxy>::create(&master, &[63], options)?;
    ///     output.write(63, &vec![SageGalaxy::default(); 3 + task as usize])?;
    ///     outputs.push(output.finish()?.path);
    /// }
    /// write_master(&master, &outputs, &MasterOptions::default())?;
    /// let catalogue = Catalogue::open(&master)?;
    /// assert_eq!(catalogue.num_galaxies(63)?, 7);
    /// assert_eq!(catalogue.core(1)?.unwrap().num_galaxies(63)?, 4);
    /// assert!(catalogue.core(2)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn core(&self, core: usize) -> Result<Option<Catalogue>> {
        if core >= self.cores {
            return Ok(None);
        }
        let root = self.file.as_group().map_err(|e| {
            self.bad(format!(
                "the root group cannot be opened ({})",
                checked::one_line(&e)
            ))
        })?;
        let group = core_group(&root, core, &self.path)?;
        let file = group
            .file()
            .map_err(|e| Error::hdf5(format!("opening {}", names::core_group(core)), e))?;
        Ok(Some(Catalogue {
            path: self.path.clone(),
            live: self.live,
            parts: vec![group],
            cores: 0,
            checked_virtual: Mutex::new(BTreeSet::new()),
            types: Types::new()?,
            file,
        }))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The output snapshots, ascending.
    pub fn snapshots(&self) -> Result<Vec<u32>> {
        let mut snapshots = Vec::new();
        for part in &self.parts {
            let names = raw::link_names(part.id(), false)
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
        let name = names::snapshot_group(snapshot);
        for part in &self.parts {
            if !part.link_exists(&name) {
                continue;
            }
            let group =
                checked::group(part, &name).map_err(|why| self.bad(format!("{name} {why}")))?;
            if let Ok(Some(z)) = checked::attr(&group, names::REDSHIFT) {
                return Ok(z.as_f64());
            }
        }
        let redshifts = super::header::snapshot_redshifts(&self.file).unwrap_or_default();
        Ok(redshifts.get(snapshot as usize).copied())
    }

    /// Galaxies in a snapshot, over all parts.
    pub fn num_galaxies(&self, snapshot: u32) -> Result<u64> {
        Ok(self.snapshot_parts(snapshot)?.iter().map(|p| p.rows).sum())
    }

    /// The fields of a snapshot, as a schema of tightly packed records in dataset order.
    pub fn schema(&self, snapshot: u32) -> Result<Schema> {
        let first = self.snapshot_parts(snapshot)?.remove(0);
        columns::packed_schema(&first.columns, &self.path, snapshot)
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
        let parts = self.snapshot_parts(snapshot)?;
        let rows = parts.iter().map(|p| p.rows).sum();
        self.read_field(snapshot, &parts, &field, 0..rows)
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
        let schema = self.schema(snapshot)?;
        let field = schema
            .field(name)
            .ok_or_else(|| self.mismatch(snapshot, name, "is not in the file".into()))?
            .clone();
        let parts = self.snapshot_parts(snapshot)?;
        let total: u64 = parts.iter().map(|p| p.rows).sum();
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
        let bytes = self.read_field(snapshot, &parts, &field, rows)?;
        Ok((Field { offset: 0, ..field }, bytes))
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
        let parts = self.snapshot_parts(snapshot)?;
        let found = parts[0]
            .columns
            .iter()
            .find(|found| found.name == name)
            .ok_or_else(|| self.mismatch(snapshot, name, "is not in the file".into()))?;
        unit_attrs::read(&found.dataset)
            .map_err(|why| self.mismatch(snapshot, name, format!("has unreadable units: {why}")))
    }

    /// The attributes of every field's dataset of a snapshot (in the first part that has it),
    /// in dataset order, each with its value or why it cannot be read: `Units`,
    /// `Description`, and whatever else a tool put there.
    pub fn field_attributes(&self, snapshot: u32) -> Result<Vec<FieldAttributes>> {
        let parts = self.snapshot_parts(snapshot)?;
        Ok(parts[0]
            .columns
            .iter()
            .map(|found| FieldAttributes {
                field: found.name.clone(),
                attributes: checked::attrs(&found.dataset)
                    .into_iter()
                    .map(|(key, value)| (key, value.map_err(|why| why.0)))
                    .collect(),
            })
            .collect())
    }

    /// The records of a snapshot as bytes laid out by `schema`, every field checked by name,
    /// type and shape. Bytes the schema does not cover are zero.
    pub fn read_rows(&self, snapshot: u32, schema: &Schema) -> Result<Vec<u8>> {
        let parts = self.snapshot_parts(snapshot)?;
        let rows: u64 = parts.iter().map(|p| p.rows).sum();
        let record_size = schema.record_size();
        let what = || format!("the {rows} records of {}", names::snapshot_group(snapshot));
        let mut records =
            checked::zeroed::<u8>(rows.saturating_mul(record_size as u64), &self.path, what)?;
        for field in schema.fields() {
            let column: Vec<u8> = self.read_field(snapshot, &parts, field, 0..rows)?;
            columns::scatter(&column, field, &mut records, record_size);
        }
        Ok(records)
    }

    /// The galaxies of a snapshot as records of type `G`, checked against `G`'s schema.
    pub fn read_records<G: GalaxyRecord>(&self, snapshot: u32) -> Result<Vec<G>> {
        let bytes = self.read_rows(snapshot, &Schema::of::<G>()?)?;
        let mut records = checked::zeroed::<G>(
            (bytes.len() / std::mem::size_of::<G>().max(1)) as u64,
            &self.path,
            || format!("the records of {}", names::snapshot_group(snapshot)),
        )?;
        bytemuck::cast_slice_mut(&mut records).copy_from_slice(&bytes);
        Ok(records)
    }

    /// Reads the whole catalogue once: the header, and every row of every field of every
    /// snapshot of every part, in slabs of bounded size. Returns the number of galaxies when
    /// all of it reads (and [`check_counts`](Self::check_counts) agrees), and otherwise the
    /// first error, naming what could not be read.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63, 32], Hdf5Options::default())?;
    /// output.write(63, &[SageGalaxy::default(); 7])?;
    /// output.finish()?;
    /// assert_eq!(Catalogue::open(&path)?.verify()?, 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self) -> Result<u64> {
        self.header()?;
        let mut galaxies = 0;
        for snapshot in self.snapshots()? {
            let parts = self.snapshot_parts(snapshot)?;
            let rows: u64 = parts.iter().map(|p| p.rows).sum();
            self.redshift(snapshot)?;
            self.galaxies_per_tree(snapshot)?;
            let schema = columns::packed_schema(&parts[0].columns, &self.path, snapshot)?;
            for field in schema.fields() {
                let slab = (VERIFY_SLAB_BYTES / field.size().max(1) as u64).max(1);
                let mut start = 0;
                while start < rows {
                    let end = rows.min(start + slab);
                    self.read_field::<u8>(snapshot, &parts, field, start..end)?;
                    start = end;
                }
            }
            galaxies += rows;
        }
        self.check_counts()?;
        Ok(galaxies)
    }

    /// Checks that the file was finished and says what it holds: a durable writer that did not
    /// finish it ([`Error::Unfinished`]) and a snapshot whose `num_gals` is not the rows of its
    /// datasets ([`Error::CountMismatch`]) are errors. Returns the galaxies. What
    /// `galaxy-io check` runs (with [`verify`](Self::verify) for `--read-all`).
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let mut output = Hdf5Output::create(&path, &[63], Hdf5Options::default())?;
    /// output.write(63, &[SageGalaxy::default(); 3])?;
    /// output.finish()?;
    /// assert_eq!(Catalogue::open(&path)?.check_counts()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_counts(&self) -> Result<u64> {
        if let Ok(Some(mode)) = checked::attr(&self.file, names::DURABLE_WRITER) {
            return Err(Error::Unfinished {
                path: PathBuf::from(self.file.filename()),
                mode: match mode {
                    AttrValue::Text(mode) => mode,
                    other => other.kind(),
                },
            });
        }
        let mut galaxies = 0;
        for snapshot in self.snapshots()? {
            let name = names::snapshot_group(snapshot);
            for part in &self.parts {
                if !part.link_exists(&name) {
                    continue;
                }
                let group =
                    checked::group(part, &name).map_err(|why| self.bad(format!("{name} {why}")))?;
                let columns = columns::columns_of(&group, &self.path, snapshot)?;
                let rows = self.rows_of(&group, &columns, snapshot)?;
                match num_gals(&group) {
                    Some(n) if u64::try_from(n) != Ok(rows) => {
                        return Err(Error::CountMismatch {
                            path: PathBuf::from(part.filename()),
                            snapshot,
                            num_gals: n,
                            rows,
                        })
                    }
                    _ => galaxies += rows,
                }
            }
        }
        for core in 0..self.cores {
            if let Some(output) = self.core(core)? {
                output.check_counts()?;
            }
        }
        Ok(galaxies)
    }

    /// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap` of the output (the first of a master's), if
    /// present.
    pub fn galaxies_per_tree(&self, snapshot: u32) -> Result<Option<Vec<i32>>> {
        match self.core(0)? {
            Some(first) => first.galaxies_per_tree(snapshot),
            None => tree_info::read(&self.parts[0], &self.path, snapshot),
        }
    }

    /// Number of parts (`Core_<i>` outputs of a master file, or 1).
    pub fn parts(&self) -> usize {
        self.cores.max(1)
    }

    /// Rows `rows` (over all parts) of `field`, checked against what the file stores, as
    /// elements `T` (a field type, or bytes).
    fn read_field<T: bytemuck::Pod>(
        &self,
        snapshot: u32,
        parts: &[PartSnapshot],
        field: &Field,
        rows: Range<u64>,
    ) -> Result<Vec<T>> {
        let what = || format!("{}/{}", names::snapshot_group(snapshot), field.name);
        let row_bytes = field.size() as u64;
        let element = std::mem::size_of::<T>() as u64;
        let elements = (rows.end - rows.start).saturating_mul(row_bytes) / element.max(1);
        let mut values = checked::zeroed::<T>(elements, &self.path, what)?;
        let out: &mut [u8] = bytemuck::cast_slice_mut(&mut values);
        let mut part_start = 0u64;
        let mut written = 0usize;
        for part in parts {
            let part_rows = part_start..part_start + part.rows;
            part_start = part_rows.end;
            let first = rows.start.max(part_rows.start);
            let last = rows.end.min(part_rows.end);
            let found = self.checked_column(snapshot, part, field)?;
            if first >= last {
                continue;
            }
            let bytes = ((last - first) * row_bytes) as usize;
            raw::read_rows(
                found.dataset.id(),
                self.types.get(field.dtype).id(),
                first - part_rows.start,
                last - first,
                &mut out[written..written + bytes],
            )
            .map_err(|e| e.reading(&self.path, what()))?;
            written += bytes;
        }
        Ok(values)
    }

    /// The column of `field` in one part, checked to have the field's type and shape and to
    /// store the rows it claims.
    fn checked_column<'p>(
        &self,
        snapshot: u32,
        part: &'p PartSnapshot,
        field: &Field,
    ) -> Result<&'p FoundColumn> {
        let found = part
            .columns
            .iter()
            .find(|c| c.name == field.name)
            .ok_or_else(|| self.mismatch(snapshot, &field.name, "is not in the file".into()))?;
        if found.column.dtype != field.dtype {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "is {} in the file but {} in the record",
                    found.column.dtype, field.dtype
                ),
            ));
        }
        if found.column.inner != field.shape {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "has per-galaxy shape {:?} in the file but {:?} in the record",
                    found.column.inner, field.shape
                ),
            ));
        }
        if !self.live && !self.checked_virtual(snapshot, found)? {
            checked::check_readable(&found.dataset, &found.column)
                .map_err(|why| self.mismatch(snapshot, &field.name, why.0))?;
        }
        Ok(found)
    }

    /// Whether `found` is a virtual dataset, whose sources (it stores nothing itself) are then
    /// checked to have every row it maps, once.
    fn checked_virtual(&self, snapshot: u32, found: &FoundColumn) -> Result<bool> {
        if found.dataset.layout() != hdf5::plist::dataset_create::Layout::Virtual {
            return Ok(false);
        }
        let key = (snapshot, found.name.clone());
        let mut checked = self
            .checked_virtual
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !checked.contains(&key) {
            let what = names::dataset(snapshot, &found.name);
            sources::check_virtual(&self.path, &found.dataset, &what)?;
            checked.insert(key);
        }
        Ok(true)
    }

    /// Each part's group of a snapshot with its checked columns and rows, found once per read.
    fn snapshot_parts(&self, snapshot: u32) -> Result<Vec<PartSnapshot>> {
        let name = names::snapshot_group(snapshot);
        let mut parts = Vec::new();
        for part in &self.parts {
            if !part.link_exists(&name) {
                continue;
            }
            let group =
                checked::group(part, &name).map_err(|why| self.bad(format!("{name} {why}")))?;
            let columns = columns::columns_of(&group, &self.path, snapshot)?;
            let rows = self.rows_of(&group, &columns, snapshot)?;
            parts.push(PartSnapshot { columns, rows });
        }
        if parts.is_empty() {
            return Err(Error::UnknownSnapshot {
                path: self.path.clone(),
                snapshot,
                known: self.snapshots()?,
            });
        }
        Ok(parts)
    }

    /// Rows of one snapshot group: the common length of its columns.
    fn rows_of(&self, group: &hdf5::Group, columns: &[FoundColumn], snapshot: u32) -> Result<u64> {
        let Some(first) = columns.first() else {
            return Ok(0);
        };
        if self.live {
            // A flush in progress has extended some datasets and not yet others; the rows the
            // writer made durable are those its `num_gals` counts.
            let shortest = columns.iter().map(|c| c.column.rows).min().unwrap_or(0);
            let committed = num_gals(group).and_then(|n| u64::try_from(n).ok());
            return Ok(committed.map_or(shortest, |n| n.min(shortest)));
        }
        if let Some(other) = columns.iter().find(|c| c.column.rows != first.column.rows) {
            return Err(self.bad(format!(
                "the datasets of Snap_{snapshot} disagree on length ({} has {} rows, but {} has {}); \
                 the writer probably died: run `galaxy-io recover` on the file",
                first.name, first.column.rows, other.name, other.column.rows
            )));
        }
        Ok(first.column.rows)
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

/// A snapshot group's `num_gals`, when it is a readable integer.
fn num_gals(group: &hdf5::Group) -> Option<i64> {
    match checked::attr(group, names::NUM_GALS) {
        Ok(Some(AttrValue::I64(n))) => Some(n),
        Ok(Some(AttrValue::I32(n))) => Some(i64::from(n)),
        _ => None,
    }
}

/// `Core_<core>` of a master's root, checked to be a group that is not the root itself.
fn core_group(root: &hdf5::Group, core: usize, path: &Path) -> Result<hdf5::Group> {
    let name = names::core_group(core);
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem: format!("{name} {problem}"),
    };
    let group = checked::group(root, &name).map_err(|why| bad(why.0))?;
    if same_object(&group, root) {
        return Err(bad(
            "links back to this file's own root, not to an output".into()
        ));
    }
    Ok(group)
}

/// Whether two handles are one object (a `Core_<i>` link back to the master's root, which would
/// make the master a part of itself).
fn same_object(a: &hdf5::Group, b: &hdf5::Group) -> bool {
    matches!((a.loc_info(), b.loc_info()), (Ok(a), Ok(b)) if a.fileno == b.fileno && a.token == b.token)
}

/// Opens `path` read-only once it is known to be a complete HDF5 file that no writer holds open:
/// the superblock is read first, and a file shorter than it records is refused.
pub(super) fn open_checked(path: &Path) -> Result<hdf5::File> {
    std::fs::metadata(path).map_err(|error| Error::io("opening", path, error))?;
    let superblock = Superblock::read(path)?;
    let length = std::fs::metadata(path).map_or(0, |m| m.len());
    let recover = "; if its writer died, `galaxy-io recover` can repair it";
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem,
    };
    if superblock.status_flags != 0 {
        return Err(bad(format!(
            "is marked as still open by a writer (a running one: open it with \
             Catalogue::open_live or `inspect --live`){recover}"
        )));
    }
    if length < superblock.end_of_file {
        return Err(bad(format!(
            "is truncated: it has {length} bytes of the {} it records{recover}",
            superblock.end_of_file
        )));
    }
    raw::no_inherit(|| {
        hdf5::File::open(path).map_err(|e| {
            bad(format!(
                "is not a readable HDF5 file ({}){recover}",
                checked::one_line(&e)
            ))
        })
    })
}
