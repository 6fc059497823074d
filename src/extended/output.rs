//! An HDF5 output whose rows are a static record plus registered properties.

use super::{NoRecord, PropertyRegistry, Row};
use crate::error::Result;
use crate::hdf5::{Hdf5Options, OutputSummary, SchemaOutput};
use crate::schema::GalaxyRecord;
use std::marker::PhantomData;
use std::path::Path;

/// Rows composed per call before they go to the buffer: large enough to amortise the call,
/// small enough to stay in cache.
const ROWS_PER_BATCH: usize = 1024;

/// Writes galaxies of type `G` with the properties of a [`PropertyRegistry`] in the same rows;
/// the files list extended properties exactly like static ones.
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
/// output.write_galaxies(63, &galaxies, |i, row| if i != 1 { row.set(h2, i as f32) } else { Ok(()) })?;
/// output.finish()?;
/// assert_eq!(Catalogue::open(&path)?.read_column::<f32>(63, "H2Mass")?, [0.0, -1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExtendedOutput<G: GalaxyRecord = NoRecord> {
    inner: SchemaOutput,
    template: Vec<u8>,
    registry: u32,
    rows: Vec<u8>,
    record: PhantomData<fn(&G)>,
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
        Ok(ExtendedOutput {
            inner: SchemaOutput::create(path, schema, snapshots, options)?,
            template,
            registry: registry.id,
            rows: Vec::new(),
            record: PhantomData,
        })
    }

    /// Writes `galaxies` to a snapshot; `fill(i, row)` sets the extended values of galaxy `i`
    /// (values it does not set keep their fill value). An error from `fill` stops the call
    /// before anything of its batch is written.
    pub fn write_galaxies(
        &mut self,
        snapshot: u32,
        galaxies: &[G],
        fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        self.write(snapshot, None, galaxies.len(), galaxies, fill)
    }

    /// Like [`write_galaxies`](Self::write_galaxies), counting the galaxies for tree `tree`.
    pub fn write_tree(
        &mut self,
        snapshot: u32,
        tree: usize,
        galaxies: &[G],
        fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        self.write(snapshot, Some(tree), galaxies.len(), galaxies, fill)
    }

    /// The untyped output underneath (statistics, header, flush).
    pub fn inner_mut(&mut self) -> &mut SchemaOutput {
        &mut self.inner
    }

    /// Flushes and closes; see [`SchemaOutput::finish`].
    pub fn finish(self) -> Result<OutputSummary> {
        self.inner.finish()
    }

    fn write(
        &mut self,
        snapshot: u32,
        tree: Option<usize>,
        count: usize,
        galaxies: &[G],
        mut fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        let record_size = self.template.len();
        let static_size = std::mem::size_of::<G>();
        let mut start = 0;
        while start < count {
            let end = (start + ROWS_PER_BATCH).min(count);
            self.rows.clear();
            for index in start..end {
                let row_start = self.rows.len();
                self.rows.extend_from_slice(&self.template);
                let row = &mut self.rows[row_start..row_start + record_size];
                if let Some(galaxy) = galaxies.get(index) {
                    row[..static_size].copy_from_slice(bytemuck::bytes_of(galaxy));
                }
                fill(
                    index,
                    &mut Row {
                        bytes: row,
                        registry: self.registry,
                    },
                )?;
            }
            match tree {
                Some(tree) => self.inner.write_tree_rows(snapshot, tree, &self.rows)?,
                None => self.inner.write_rows(snapshot, &self.rows)?,
            }
            start = end;
        }
        Ok(())
    }
}

impl ExtendedOutput<NoRecord> {
    /// Writes `count` rows of run-time properties only.
    pub fn write_rows(
        &mut self,
        snapshot: u32,
        count: usize,
        fill: impl FnMut(usize, &mut Row) -> Result<()>,
    ) -> Result<()> {
        self.write(snapshot, None, count, &[], fill)
    }
}
