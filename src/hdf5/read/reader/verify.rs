//! Reading a whole catalogue back to prove it sound: every row of every dataset (checksums
//! verified on the way), and the counts the file states against the rows it holds.

use super::*;

impl Catalogue {
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
        let mut slab = Vec::new();
        for snapshot in self.snapshots()? {
            let found = self.snapshot(snapshot)?;
            let rows = found.rows();
            self.redshift(snapshot)?;
            self.galaxies_per_tree(snapshot)?;
            let schema = found.schema(&self.path)?;
            for field in schema.fields() {
                let per_slab = (VERIFY_SLAB_BYTES / field.size().max(1) as u64).max(1);
                let mut start = 0;
                while start < rows {
                    let end = rows.min(start + per_slab);
                    slab.resize(((end - start) * field.size() as u64) as usize, 0);
                    self.read_field(&found, field, start..end, &mut slab)?;
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
            for part in &self.snapshot(snapshot)?.parts {
                match num_gals(&part.group) {
                    Some(n) if u64::try_from(n) != Ok(part.rows) => {
                        return Err(Error::CountMismatch {
                            path: PathBuf::from(part.group.filename()),
                            snapshot,
                            num_gals: n,
                            rows: part.rows,
                        })
                    }
                    _ => galaxies += part.rows,
                }
            }
        }
        if self.cores > 0 {
            let root = self.file.as_group().map_err(|e| {
                self.bad(format!(
                    "the root group cannot be opened ({})",
                    checked::one_line(&e)
                ))
            })?;
            super::cores::survey_cores(&root, self.cores, &self.path)?;
        }
        for core in 0..self.cores {
            if let Some(output) = self.core(core)? {
                output.check_counts()?;
            }
        }
        Ok(galaxies)
    }
}
