//! Histories read back: [`Catalogue::history`] and [`Catalogue::read_history`] answer from the
//! file's `HistoryIndex`, loaded once and checked against itself and the file's snapshots. A
//! file without one (SAGE's own, a recovered one) or with one that does not hold up is scanned
//! instead, once, with a warning: the answers are the same, only slower.

use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::read::checked::{self, Unreadable};
use crate::hdf5::read::reader::Catalogue;
use crate::hdf5::{ffi, names};
use crate::history::{Appearance, History, HistoryIndex, IndexBuilder, LoadedHistory};
use crate::schema::{GalaxyRecord, Schema};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// The key field SAGE's files have, followed when a file names none.
const SAGE_KEY: &str = "GalaxyIndex";
/// Keys read at a time by a scan.
const SCAN_ROWS: u64 = 1 << 20;

impl Catalogue {
    /// Where the galaxy whose key (`#[galaxy(key)]`, SAGE's `GalaxyIndex`) is `key` appears:
    /// every snapshot and row, oldest first. Answered from the file's history index; a file
    /// without a sound one is scanned once (a warning says so, and
    /// [`History::indexed`] is `false`). A key no galaxy has is an [`Error::UnknownKey`].
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Error, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let galaxy = SageGalaxy { galaxy_index: 42, ..Default::default() };
    /// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[10, 20], Hdf5Options::default())?;
    /// output.write(10, &[galaxy])?;
    /// output.write(20, &[SageGalaxy::default(), galaxy])?;
    /// output.finish()?;
    ///
    /// let catalogue = Catalogue::open(&path)?;
    /// let snapshots: Vec<u32> = catalogue.history(42)?.appearances.iter().map(|a| a.snapshot).collect();
    /// assert_eq!(snapshots, [10, 20]);
    /// assert!(matches!(catalogue.history(7), Err(Error::UnknownKey { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn history(&self, key: i64) -> Result<History> {
        let loaded = self.history_index()?;
        let appearances = loaded.index.lookup(key);
        if appearances.is_empty() {
            return Err(Error::UnknownKey {
                path: self.path().to_owned(),
                field: loaded.field.clone(),
                key,
                snapshot: None,
            });
        }
        Ok(History {
            key,
            appearances,
            indexed: loaded.indexed,
        })
    }

    /// The records of the galaxy whose key is `key`, with where each is, oldest first (see
    /// [`history`](Self::history)). Each record's key is checked against `key` as it is read,
    /// so that an index that points elsewhere is an error, never another galaxy.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let at = |stellar_mass| SageGalaxy { galaxy_index: 42, stellar_mass, ..Default::default() };
    /// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[10, 20], Hdf5Options::default())?;
    /// output.write(10, &[at(1.0)])?;
    /// output.write(20, &[at(3.0)])?;
    /// output.finish()?;
    ///
    /// let history = Catalogue::open(&path)?.read_history::<SageGalaxy>(42)?;
    /// let masses: Vec<f32> = history.iter().map(|(_, galaxy)| galaxy.stellar_mass).collect();
    /// assert_eq!(masses, [1.0, 3.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_history<G: GalaxyRecord>(&self, key: i64) -> Result<Vec<(Appearance, G)>> {
        let history = self.history(key)?;
        let field = self.history_index()?.field.clone();
        let schema = Schema::of::<G>()?;
        let mut records = Vec::with_capacity(history.appearances.len());
        for appearance in history.appearances {
            let found = self.snapshot(appearance.snapshot)?;
            let mut record: G = bytemuck::Zeroable::zeroed();
            let rows = appearance.row..appearance.row + 1;
            self.read_records_into(
                &found,
                &schema,
                rows.clone(),
                bytemuck::bytes_of_mut(&mut record),
            )?;
            let (stored, bytes) = self.read_field_rows(appearance.snapshot, &field, rows)?;
            if stored.dtype.as_i64(&bytes).first() != Some(&key) {
                return Err(self.bad_index(format!(
                    "it puts key {key} at row {} of Snap_{}, where {field} is not {key}",
                    appearance.row, appearance.snapshot
                )));
            }
            records.push((appearance, record));
        }
        Ok(records)
    }

    /// The field whose value identifies a galaxy across snapshots: the one the file names
    /// (`history_key`, written with the index), or else SAGE's `GalaxyIndex` when the file has
    /// it.
    ///
    /// ```
    /// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?.finish()?;
    /// assert_eq!(Catalogue::open(&path)?.history_key()?, "GalaxyIndex");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn history_key(&self) -> Result<String> {
        if let Ok(Some(AttrValue::Text(name))) = checked::attr(self.file(), names::HISTORY_KEY) {
            return Ok(name);
        }
        let first = self.snapshots()?.first().copied();
        match first {
            Some(snapshot) if self.schema(snapshot)?.field(SAGE_KEY).is_some() => {
                Ok(SAGE_KEY.to_owned())
            }
            _ => Err(Error::NoHistoryKey {
                path: self.path().to_owned(),
            }),
        }
    }

    /// The index histories are answered from: loaded (or scanned) once, then kept.
    pub(crate) fn history_index(&self) -> Result<Arc<LoadedHistory>> {
        let mut cache = self
            .history_cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(loaded) = cache.as_ref() {
            return Ok(Arc::clone(loaded));
        }
        let field = self.history_key()?;
        let mut rows_of = BTreeMap::new();
        for snapshot in self.snapshots()? {
            rows_of.insert(snapshot, self.num_galaxies(snapshot)?);
        }
        let loaded = match self.stored_index(&rows_of) {
            Ok(index) => LoadedHistory {
                index,
                field,
                indexed: true,
            },
            Err(why) => {
                log::warn!(
                    "{}: {why}; galaxies are followed by scanning {field} instead (slower, same answers)",
                    self.path().display()
                );
                LoadedHistory {
                    index: self.scan(&field, &rows_of)?,
                    field,
                    indexed: false,
                }
            }
        };
        let loaded = Arc::new(loaded);
        *cache = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// The file's index, checked; or why it cannot be used.
    fn stored_index(
        &self,
        rows_of: &BTreeMap<u32, u64>,
    ) -> std::result::Result<HistoryIndex, String> {
        let root = self.file();
        if !root.link_exists(names::HISTORY_INDEX) {
            return Err("it has no history index".into());
        }
        if let Ok(Some(_)) = checked::attr(root, names::DURABLE_WRITER) {
            // The index is written last: in a file its writer did not finish it may be partial.
            return Err("its writer did not finish it, so its history index may be partial".into());
        }
        let unusable = |why: Unreadable| format!("its history index is unusable: {why}");
        let group = checked::group(root, names::HISTORY_INDEX)
            .map_err(|why| unusable(Unreadable(format!("{} {why}", names::HISTORY_INDEX))))?;
        if !group.link_exists(names::HISTORY_KEYS) {
            return Err("its history index was never written (its writer did not finish)".into());
        }
        let read = |name: &str, signed: bool| {
            self.index_dataset(&group, name, signed).map_err(|why| {
                unusable(Unreadable(format!("{}/{name} {why}", names::HISTORY_INDEX)))
            })
        };
        let keys = read(names::HISTORY_KEYS, true)?;
        let offsets = read(names::HISTORY_OFFSETS, false)?;
        let snapshots = read(names::HISTORY_SNAPSHOTS, false)?;
        let rows = read(names::HISTORY_ROWS, false)?;
        let rows = rows
            .into_iter()
            .map(|row| u32::try_from(row as u64))
            .collect::<std::result::Result<Vec<u32>, _>>()
            .map_err(|_| "its history index has a row beyond 2^32".to_string())?;
        let index = HistoryIndex {
            keys,
            offsets: offsets.into_iter().map(|v| v as u64).collect(),
            snapshots: snapshots
                .into_iter()
                .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
                .collect(),
            rows,
        };
        index
            .validate(rows_of)
            .map_err(|why| format!("its history index does not hold up: {why}"))?;
        Ok(index)
    }

    /// A 1-D integer dataset of the index, signed or unsigned as asked, as `i64` (an unsigned
    /// one is read as `u64`, whose bits `as` keeps).
    fn index_dataset(
        &self,
        group: &hdf5::Group,
        name: &str,
        signed: bool,
    ) -> std::result::Result<Vec<i64>, Unreadable> {
        let dataset = checked::dataset(group, name)?;
        let column = checked::column(&dataset)?;
        let is_signed = matches!(
            column.dtype,
            Dtype::I8 | Dtype::I16 | Dtype::I32 | Dtype::I64
        );
        if !column.inner.is_empty() || !column.dtype.is_integer() || is_signed != signed {
            return Err(Unreadable(format!(
                "is a column of {} with rows of shape {:?}, not one {} integer per entry",
                column.dtype,
                column.inner,
                if signed { "signed" } else { "unsigned" }
            )));
        }
        checked::check_readable(&dataset, &column)?;
        let what = || format!("{}/{name}", names::HISTORY_INDEX);
        let mut values = checked::zeroed::<i64>(column.rows, self.path(), what)
            .map_err(|e| Unreadable(e.to_string()))?;
        let mem_type = if signed {
            hdf5::Datatype::from_type::<i64>()
        } else {
            hdf5::Datatype::from_type::<u64>()
        }
        .map_err(|e| Unreadable(checked::one_line(&e)))?;
        ffi::rows::read_rows(
            dataset.id(),
            mem_type.id(),
            0,
            column.rows,
            bytemuck::cast_slice_mut(&mut values),
        )
        .map_err(|e| Unreadable(e.to_string()))?;
        Ok(values)
    }

    /// The index a pass over every snapshot's key column gives.
    fn scan(&self, field: &str, rows_of: &BTreeMap<u32, u64>) -> Result<HistoryIndex> {
        let mut builder = IndexBuilder::default();
        for (&snapshot, &rows) in rows_of {
            let mut start = 0;
            while start < rows {
                let end = rows.min(start + SCAN_ROWS);
                let keys = self.read_integer_rows(snapshot, field, start..end)?;
                builder.push_rows(snapshot, start, &keys)?;
                start = end;
            }
        }
        Ok(builder.finish())
    }

    /// Rows `rows` of `field` of a snapshot as `i64`: a field of one integer per galaxy (a key,
    /// SAGE's merger pointers), else [`Error::SchemaMismatch`].
    pub(crate) fn read_integer_rows(
        &self,
        snapshot: u32,
        field: &str,
        rows: Range<u64>,
    ) -> Result<Vec<i64>> {
        let (stored, bytes) = self.read_field_rows(snapshot, field, rows)?;
        if !stored.shape.is_empty() || !stored.dtype.is_integer() {
            return Err(Error::SchemaMismatch {
                path: self.path().to_owned(),
                snapshot,
                field: field.to_owned(),
                problem: format!(
                    "is {} of shape {:?}, not one integer per galaxy",
                    stored.dtype, stored.shape
                ),
            });
        }
        Ok(stored.dtype.as_i64(&bytes))
    }

    fn bad_index(&self, problem: String) -> Error {
        Error::BadFile {
            path: self.path().to_owned(),
            problem: format!("its history index is wrong: {problem}"),
        }
    }
}
