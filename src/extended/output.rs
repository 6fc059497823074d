//! An HDF5 output whose rows are a static record plus registered properties.

use super::{PropertyRegistry, Row};
use crate::error::Result;
use crate::hdf5::{Hdf5Options, Header, OutputSummary, SchemaOutput, SnapshotStats};
use crate::schema::GalaxyRecord;
use std::marker::PhantomData;
use std::path::Path;

/// Rows composed per call before they go to the buffer: large enough to amortise the call,
/// small enough to stay in cache.
const ROWS_PER_BATCH: usize = 1024;

/// Writes galaxies of type `G` with the properties of a [`PropertyRegistry`] in the same rows;
/// the files list extended properties exactly like static ones. The same methods as
/// [`Hdf5Output`](crate::Hdf5Output), with a closure that sets each row's properties; rows of
/// run-time properties only are written with `G` = [`NoRecord`](super::NoRecord).
///
/// ```
/// use galaxy_io::extended::{ExtendedOutput, PropertyRegistry, PropertySpec};
/// use galaxy_io::sage::SageGalaxy;
/// use galaxy_io::{Catalogue, Hdf5Options};
///
/// let registry = PropertyRegistry::for_record::<SageGalaxy>()?;
/// let h2 = registry.register::<f32>(PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas"), -1.0)?;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let mut output = ExtendedOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default(), &registry)?;
/// let galaxies = [SageGalaxy::default(); 3];
/// output.write(63, &galaxies, |i, row| if i != 1 { row.set(h2, i as f32) } else { Ok(()) })?;
/// output.finish()?;
/// assert_eq!(Catalogue::open(&path)?.read_column::<f32>(63, "H2Mass")?, [0.0, -1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExtendedOutput<G: GalaxyRecord = super::NoRecord> {
    core: SchemaOutput,
    template: Vec<u8>,
    registry: u32,
    rows: Vec<u8>,
    record: PhantomData<fn(&G)>,
}

impl<G: GalaxyRecord> std::fmt::Debug for ExtendedOutput<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtendedOutput")
            .field("record", &std::any::type_name::<G>())
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}

impl<G: GalaxyRecord> ExtendedOutput<G> {
    /// Creates the file for the registry's combined schema and freezes the registry.
    pub fn create(
        path: impl AsRef<Path>,
        snapshots: &[u32],
        options: Hdf5Options,
        registry: &PropertyRegistry,
    ) -> Result<Self> {
        let (schema, template) = registry.freeze(path.as_ref().display().to_string())?;
        let core = SchemaOutput::create_for(
            path.as_ref(),
            schema,
            Some(std::any::type_name::<G>()),
            snapshots,
            options,
        )?;
        Ok(ExtendedOutput {
            core,
            template,
            registry: registry.id,
            rows: Vec::new(),
            record: PhantomData,
        })
    }

    /// Writes `galaxies` to a snapshot; `fill(i, row)` sets the extended values of galaxy `i`
    /// (values it does not set keep their fill value). An error from `fill` stops the call
    /// before anything of its batch is written.
    pub fn write(
        &mut self,
        snapshot: u32,
        galaxies: &[G],
        fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        self.write_batches(snapshot, None, galaxies, fill)
    }

    /// Like [`write`](Self::write), counting the galaxies for tree `tree`.
    pub fn write_tree(
        &mut self,
        snapshot: u32,
        tree: usize,
        galaxies: &[G],
        fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        self.write_batches(snapshot, Some(tree), galaxies, fill)
    }

    /// See [`SchemaOutput::flush`].
    pub fn flush(&mut self) -> Result<()> {
        self.core.flush()
    }

    /// See [`SchemaOutput::header_mut`].
    pub fn header_mut(&mut self) -> &mut Header {
        self.core.header_mut()
    }

    /// See [`SchemaOutput::stats`].
    pub fn stats(&self) -> Vec<SnapshotStats> {
        self.core.stats()
    }

    /// The file's path, as given to [`create`](Self::create).
    ///
    /// ```
    /// use galaxy_io::extended::{ExtendedOutput, PropertyRegistry, PropertySpec};
    /// use galaxy_io::Hdf5Options;
    ///
    /// let registry = PropertyRegistry::runtime();
    /// registry.register::<f32>(PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas"), 0.0)?;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model_0.hdf5");
    /// let output = ExtendedOutput::<galaxy_io::extended::NoRecord>::create(&path, &[63], Hdf5Options::default(), &registry)?;
    /// assert_eq!(output.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        self.core.path()
    }

    /// Flushes and closes; see [`SchemaOutput::finish`].
    pub fn finish(self) -> Result<OutputSummary> {
        self.core.finish()
    }

    fn write_batches(
        &mut self,
        snapshot: u32,
        tree: Option<usize>,
        galaxies: &[G],
        mut fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        let record_size = self.template.len();
        let static_size = std::mem::size_of::<G>();
        let mut start = 0;
        while start < galaxies.len() {
            let end = (start + ROWS_PER_BATCH).min(galaxies.len());
            self.rows.clear();
            for (index, galaxy) in galaxies.iter().enumerate().take(end).skip(start) {
                let row_start = self.rows.len();
                self.rows.extend_from_slice(&self.template);
                let row = &mut self.rows[row_start..row_start + record_size];
                row[..static_size].copy_from_slice(bytemuck::bytes_of(galaxy));
                fill(
                    index,
                    &mut Row {
                        bytes: row,
                        registry: self.registry,
                    },
                )?;
            }
            match tree {
                Some(tree) => self.core.write_tree(snapshot, tree, &self.rows)?,
                None => self.core.write(snapshot, &self.rows)?,
            }
            start = end;
        }
        Ok(())
    }
}
