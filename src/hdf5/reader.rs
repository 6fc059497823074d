//! Reading catalogues back: columns by name, or whole records checked against a schema. A master
//! file (`Core_<i>` links) reads as the concatenation of its outputs.

use super::header::Header;
use super::layout::{self, Types};
use super::{raw, tree_info};
use crate::error::{Error, Result};
use crate::schema::{Field, FieldType, GalaxyRecord, Schema};
use std::path::{Path, PathBuf};

/// An open galaxy catalogue (one output file, or a master file over several).
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let galaxy = SageGalaxy { stellar_mass: 2.0, ..Default::default() };
/// let mut output = Hdf5Output::create(&path, &[63], Hdf5Options::default())?;
/// output.write_galaxies(63, &[galaxy, galaxy])?;
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
    /// The file's root, or its `Core_<i>` groups in order.
    parts: Vec<hdf5::Group>,
    types: Types,
    _file: hdf5::File,
}

impl Catalogue {
    /// Opens a file read-only.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        std::fs::metadata(&path).map_err(|error| Error::io("opening", &path, error))?;
        let file = raw::no_inherit(|| {
            hdf5::File::open(&path).map_err(|e| {
                let message = e.to_string();
                let hint = if message.contains("truncated file") || message.contains("h5clear") {
                    "; if a writer died while writing it, `galaxy-io recover` can repair it"
                } else {
                    ""
                };
                Error::BadFile {
                    path: path.clone(),
                    problem: format!(
                        "not a readable HDF5 file ({}){hint}",
                        message.split_whitespace().collect::<Vec<_>>().join(" ")
                    ),
                }
            })
        })?;
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
        let mut parts = Vec::new();
        while let Ok(core) = file.group(&format!("Core_{}", parts.len())) {
            parts.push(core);
        }
        if parts.is_empty() {
            parts.push(
                file.as_group()
                    .map_err(|e| Error::hdf5("opening the root group", e))?,
            );
        }
        Ok(Catalogue {
            path,
            live,
            parts,
            types: Types::new()?,
            _file: file,
        })
    }

    /// The output snapshots, ascending.
    pub fn snapshots(&self) -> Result<Vec<u32>> {
        let mut snapshots = Vec::new();
        for part in &self.parts {
            let names = part
                .member_names()
                .map_err(|e| self.bad(format!("listing groups: {e}")))?;
            snapshots.extend(
                names
                    .iter()
                    .filter_map(|name| layout::parse_snapshot_group(name)),
            );
        }
        snapshots.sort_unstable();
        snapshots.dedup();
        Ok(snapshots)
    }

    /// The header (of the master file, for a master file).
    pub fn header(&self) -> Result<Header> {
        Header::read(&self._file)
    }

    /// Galaxies in a snapshot, over all parts.
    pub fn num_galaxies(&self, snapshot: u32) -> Result<u64> {
        Ok(self.parts_of(snapshot)?.iter().map(|(_, rows)| rows).sum())
    }

    /// The fields of a snapshot, as a schema of tightly packed records in dataset order.
    pub fn schema(&self, snapshot: u32) -> Result<Schema> {
        let group = self.snapshot_groups(snapshot)?.remove(0);
        layout::packed_schema(&self.datasets(&group, snapshot)?, &self.path, snapshot)
    }

    /// One column, checked against `T`'s element type and shape.
    pub fn read_column<T: FieldType>(&self, snapshot: u32, name: &str) -> Result<Vec<T>> {
        let field = Field {
            name: name.to_owned(),
            offset: 0,
            dtype: T::DTYPE,
            shape: T::SHAPE.dims().to_vec(),
            units: String::new(),
            description: String::new(),
        };
        let bytes = self.read_field(snapshot, &self.parts_of(snapshot)?, &field)?;
        let mut values = vec![T::zeroed(); bytes.len() / std::mem::size_of::<T>()];
        bytemuck::cast_slice_mut(&mut values).copy_from_slice(&bytes);
        Ok(values)
    }

    /// The records of a snapshot as bytes laid out by `schema`, every field checked by name,
    /// type and shape. Bytes the schema does not cover are zero.
    pub fn read_rows(&self, snapshot: u32, schema: &Schema) -> Result<Vec<u8>> {
        let parts = self.parts_of(snapshot)?;
        let rows: u64 = parts.iter().map(|(_, rows)| rows).sum();
        let record_size = schema.record_size();
        let mut records = vec![0u8; rows as usize * record_size];
        for field in schema.fields() {
            let column = self.read_field(snapshot, &parts, field)?;
            layout::scatter(&column, field, &mut records, record_size);
        }
        Ok(records)
    }

    /// The galaxies of a snapshot as records of type `G`, checked against `G`'s schema.
    pub fn read_records<G: GalaxyRecord>(&self, snapshot: u32) -> Result<Vec<G>> {
        let bytes = self.read_rows(snapshot, &Schema::of::<G>()?)?;
        let mut records = vec![G::zeroed(); bytes.len() / std::mem::size_of::<G>()];
        bytemuck::cast_slice_mut(&mut records).copy_from_slice(&bytes);
        Ok(records)
    }

    /// `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap` of the first part, if present.
    pub fn galaxies_per_tree(&self, snapshot: u32) -> Result<Option<Vec<i32>>> {
        tree_info::read(&self.parts[0], snapshot)
    }

    /// Number of parts (`Core_<i>` outputs of a master file, or 1).
    pub fn parts(&self) -> usize {
        self.parts.len()
    }

    /// One field's values over all parts (each part's snapshot group and rows, as
    /// [`parts_of`](Self::parts_of) gives them), as bytes of `field.dtype`.
    fn read_field(
        &self,
        snapshot: u32,
        parts: &[(hdf5::Group, u64)],
        field: &Field,
    ) -> Result<Vec<u8>> {
        let mut all = Vec::new();
        for (group, rows) in parts {
            let rows = *rows as usize;
            let dataset = group
                .dataset(&field.name)
                .map_err(|_| self.mismatch(snapshot, &field.name, "is not in the file".into()))?;
            let datatype = dataset
                .dtype()
                .map_err(|e| self.bad(format!("Snap_{snapshot}/{}: {e}", field.name)))?;
            let found = layout::dtype_of(&datatype);
            if found != Some(field.dtype) {
                let found = found.map_or_else(|| "another type".to_owned(), |d| d.to_string());
                return Err(self.mismatch(
                    snapshot,
                    &field.name,
                    format!("is {found} in the file but {} in the record", field.dtype),
                ));
            }
            let shape = dataset.shape();
            if shape.get(1..).unwrap_or_default() != field.shape.as_slice() {
                return Err(self.mismatch(
                    snapshot,
                    &field.name,
                    format!(
                        "has per-galaxy shape {:?} in the file but {:?} in the record",
                        &shape.get(1..).unwrap_or_default(),
                        field.shape
                    ),
                ));
            }
            let start = all.len();
            all.resize(start + rows * field.size(), 0);
            let mem_type = self.types.get(field.dtype).id();
            raw::read_rows(dataset.id(), mem_type, 0, rows as u64, &mut all[start..])
                .map_err(|e| self.bad(format!("Snap_{snapshot}/{}: {e}", field.name)))?;
        }
        Ok(all)
    }

    /// Each part's group of a snapshot with its rows, found once per read.
    fn parts_of(&self, snapshot: u32) -> Result<Vec<(hdf5::Group, u64)>> {
        let mut parts = Vec::new();
        for group in self.snapshot_groups(snapshot)? {
            let rows = self.rows_of(&group, snapshot)?;
            parts.push((group, rows));
        }
        Ok(parts)
    }

    fn snapshot_groups(&self, snapshot: u32) -> Result<Vec<hdf5::Group>> {
        let name = layout::snapshot_group(snapshot);
        let groups: Vec<hdf5::Group> = self
            .parts
            .iter()
            .filter_map(|part| part.group(&name).ok())
            .collect();
        if groups.is_empty() {
            return Err(Error::UnknownSnapshot {
                path: self.path.clone(),
                snapshot,
                known: self.snapshots()?,
            });
        }
        Ok(groups)
    }

    /// Rows of one snapshot group: the common length of its datasets.
    fn rows_of(&self, group: &hdf5::Group, snapshot: u32) -> Result<u64> {
        let lengths: Vec<(u64, String)> = self
            .datasets(group, snapshot)?
            .iter()
            .map(|d| (d.shape().first().copied().unwrap_or(0) as u64, d.name()))
            .collect();
        let Some((first, _)) = lengths.first() else {
            return Ok(0);
        };
        if self.live {
            // A flush in progress has extended some datasets and not yet others.
            return Ok(lengths.iter().map(|(len, _)| *len).min().unwrap_or(0));
        }
        if let Some((other, name)) = lengths.iter().find(|(len, _)| len != first) {
            return Err(self.bad(format!(
                "the datasets of Snap_{snapshot} disagree on length ({first} rows, but {name} has {other}); \
                 the writer probably died: run `galaxy-io recover` on the file"
            )));
        }
        Ok(*first)
    }

    fn datasets(&self, group: &hdf5::Group, snapshot: u32) -> Result<Vec<hdf5::Dataset>> {
        layout::datasets_of(group)
            .map_err(|e| self.bad(format!("opening the datasets of Snap_{snapshot}: {e}")))
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

/// The galaxies of one snapshot of a file, checked against `G`.
///
/// ```no_run
/// let galaxies: Vec<galaxy_io::sage::SageGalaxy> = galaxy_io::read_snapshot("model.hdf5", 63)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_snapshot<G: GalaxyRecord>(path: impl AsRef<Path>, snapshot: u32) -> Result<Vec<G>> {
    Catalogue::open(path)?.read_records(snapshot)
}
