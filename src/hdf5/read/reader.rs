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
mod cores;
mod records;
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
