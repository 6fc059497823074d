//! The typed face of [`SchemaOutput`]: galaxies of a `#[derive(GalaxyRecord)]` struct.

use super::{OutputSummary, SchemaOutput, SnapshotStats};
use crate::error::Result;
use crate::hdf5::write::header::Header;
use crate::hdf5::write::options::Hdf5Options;
use crate::schema::{GalaxyRecord, Schema};
use std::marker::PhantomData;
use std::path::Path;

/// An HDF5 catalogue of galaxies of type `G`: [`SchemaOutput`] for `G`'s schema, taking
/// galaxies as they are (their bytes go to the buffers uncopied).
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let mut output = Hdf5Output::<SageGalaxy>::create(dir.path().join("model_0.hdf5"), &[63], Hdf5Options::default())?;
/// output.write(63, &[SageGalaxy { stellar_mass: 1.0, ..Default::default() }])?;
/// assert_eq!(output.finish()?.galaxies, [(63, 1)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Hdf5Output<G: GalaxyRecord> {
    core: SchemaOutput,
    record: PhantomData<fn(&G)>,
}

impl<G: GalaxyRecord> std::fmt::Debug for Hdf5Output<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hdf5Output")
            .field("record", &std::any::type_name::<G>())
            .field("core", &self.core)
            .finish()
    }
}

impl<G: GalaxyRecord> Hdf5Output<G> {
    /// Creates the file for `G`'s schema; see [`SchemaOutput::create`].
    pub fn create(path: impl AsRef<Path>, snapshots: &[u32], options: Hdf5Options) -> Result<Self> {
        let core = SchemaOutput::create_for(
            path.as_ref(),
            Schema::of::<G>()?,
            Some(std::any::type_name::<G>()),
            snapshots,
            options,
        )?;
        Ok(Hdf5Output {
            core,
            record: PhantomData,
        })
    }

    /// Appends galaxies to a snapshot.
    pub fn write(&mut self, snapshot: u32, galaxies: &[G]) -> Result<()> {
        self.core.write(snapshot, bytemuck::cast_slice(galaxies))
    }

    /// Appends the galaxies of merger tree `tree` to a snapshot; see
    /// [`SchemaOutput::write_tree`].
    pub fn write_tree(&mut self, snapshot: u32, tree: usize, galaxies: &[G]) -> Result<()> {
        self.core
            .write_tree(snapshot, tree, bytemuck::cast_slice(galaxies))
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

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.core.path()
    }

    /// See [`SchemaOutput::finish`].
    pub fn finish(self) -> Result<OutputSummary> {
        self.core.finish()
    }
}
