//! SAGE's binary galaxy output (`save_gals_binary.c`): one file per output snapshot and input
//! file, named `<name>_z<redshift>_<filenr>`, holding an int32 header (number of trees, total
//! galaxies, galaxies per tree) followed by the `GALAXY_OUTPUT` records.

use super::SageGalaxy;
use crate::buffer::{Buffer, BufferConfig, ReadBuffer};
use crate::error::{Error, Result};
use crate::sink::BinaryFile;
use std::path::{Path, PathBuf};

const RECORD_SIZE: usize = std::mem::size_of::<SageGalaxy>();

/// The parts of a SAGE binary file name: `<name>_z<redshift>_<filenr>`.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryName {
    /// `FileNameGalaxies`.
    pub name: String,
    /// The redshift, as printed (`%.3f`).
    pub redshift: f64,
    /// The input file number.
    pub file_number: u32,
}

impl BinaryName {
    /// Parses a file name (the directory is ignored).
    ///
    /// ```
    /// use galaxy_io::sage::binary::BinaryName;
    /// let name = BinaryName::parse("out/model_z0.000_3".as_ref()).unwrap();
    /// assert_eq!((name.name.as_str(), name.redshift, name.file_number), ("model", 0.0, 3));
    /// ```
    pub fn parse(path: &Path) -> Option<BinaryName> {
        let file_name = path.file_name()?.to_str()?;
        let (rest, file_number) = file_name.rsplit_once('_')?;
        let (name, redshift) = rest.rsplit_once("_z")?;
        Some(BinaryName {
            name: name.to_owned(),
            redshift: redshift.parse().ok()?,
            file_number: file_number.parse().ok()?,
        })
    }

    /// The file name SAGE would write.
    pub fn file_name(&self) -> String {
        format!("{}_z{:.3}_{}", self.name, self.redshift, self.file_number)
    }
}

/// An open SAGE binary file whose header has been checked against its length.
pub struct BinaryReader {
    path: PathBuf,
    galaxies_per_tree: Vec<i32>,
    reader: ReadBuffer<BinaryFile>,
    next_tree: usize,
    first_snapshot: Option<i32>,
}

impl std::fmt::Debug for BinaryReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinaryReader")
            .field("path", &self.path)
            .field("trees", &self.galaxies_per_tree.len())
            .field("next_tree", &self.next_tree)
            .finish_non_exhaustive()
    }
}

impl BinaryReader {
    /// Opens `path` and validates the header: non-negative counts, galaxies per tree that sum to
    /// the total, and a file length of exactly header + records. A truncated or foreign file is
    /// an error that says which of these failed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file = BinaryFile::open(&path)?;
        let length = file.len()?;
        let bad = |problem: String| Error::BadFile {
            path: path.clone(),
            problem,
        };
        let mut reader = ReadBuffer::new(1 << 20, file);
        let mut counts = [0i32; 2];
        reader
            .read_exact(bytemuck::cast_slice_mut(&mut counts))
            .map_err(|_| {
                bad(format!(
                    "only {length} bytes: too short for a SAGE binary galaxy header"
                ))
            })?;
        let [num_trees, num_galaxies] = counts;
        if num_trees < 0 || num_galaxies < 0 {
            return Err(bad(format!(
                "not a SAGE binary galaxy file: the header says {num_trees} trees and {num_galaxies} galaxies"
            )));
        }
        let header_size = 8 + 4 * num_trees as u64;
        let expected = header_size + num_galaxies as u64 * RECORD_SIZE as u64;
        if length < header_size {
            return Err(bad(format!(
                "truncated or not a SAGE binary galaxy file: the header announces {num_trees} trees \
                 ({header_size} header bytes) but the file has {length} bytes"
            )));
        }
        let mut per_tree = vec![0i32; num_trees as usize];
        reader.read_exact(bytemuck::cast_slice_mut(&mut per_tree))?;
        if let Some((tree, count)) = per_tree.iter().enumerate().find(|(_, &n)| n < 0) {
            return Err(bad(format!(
                "not a SAGE binary galaxy file: the header says tree {tree} has {count} galaxies"
            )));
        }
        let sum: i64 = per_tree.iter().map(|&n| i64::from(n)).sum();
        if sum != i64::from(num_galaxies) {
            return Err(bad(format!(
                "not a SAGE binary galaxy file: the galaxies per tree add up to {sum}, not the {num_galaxies} in the header"
            )));
        }
        if length != expected {
            let what = if length < expected {
                "truncated"
            } else {
                "has trailing bytes"
            };
            return Err(bad(format!(
                "{what}: {num_galaxies} galaxies of {RECORD_SIZE} bytes need {expected} bytes, the file has {length}"
            )));
        }
        let first_snapshot = if num_galaxies > 0 {
            let mut snap_num = [0u8; 4];
            BinaryFile::open(&path)?
                .read_exact_at(&mut snap_num, header_size)
                .map_err(|_| bad("its first galaxy cannot be read".into()))?;
            Some(i32::from_ne_bytes(snap_num))
        } else {
            None
        };
        Ok(BinaryReader {
            path,
            galaxies_per_tree: per_tree,
            reader,
            next_tree: 0,
            first_snapshot,
        })
    }

    /// The `SnapNum` of the file's first galaxy (every galaxy of a SAGE binary file is at one
    /// snapshot), or `None` for a file without galaxies.
    pub fn snapshot(&self) -> Option<i32> {
        self.first_snapshot
    }

    /// Galaxies in each tree, from the header.
    pub fn galaxies_per_tree(&self) -> &[i32] {
        &self.galaxies_per_tree
    }

    /// Total galaxies, from the header.
    pub fn num_galaxies(&self) -> u64 {
        self.galaxies_per_tree.iter().map(|&n| n as u64).sum()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The galaxies of the next tree, with the tree's number; `None` after the last tree.
    pub fn next_tree(&mut self) -> Option<Result<(usize, Vec<SageGalaxy>)>> {
        let tree = self.next_tree;
        let count = *self.galaxies_per_tree.get(tree)? as usize;
        self.next_tree += 1;
        let mut galaxies = vec![SageGalaxy::default(); count];
        Some(
            self.reader
                .read_exact(bytemuck::cast_slice_mut(&mut galaxies))
                .map(|()| (tree, galaxies))
                .map_err(|error| Error::BadFile {
                    path: self.path.clone(),
                    problem: format!("reading tree {tree}: {error}"),
                }),
        )
    }

    /// Every galaxy of the file.
    pub fn read_all(mut self) -> Result<Vec<SageGalaxy>> {
        let mut all = Vec::with_capacity(self.num_galaxies() as usize);
        while let Some(tree) = self.next_tree() {
            all.extend(tree?.1);
        }
        Ok(all)
    }
}

/// Writes a SAGE binary galaxy file as `save_gals_binary.c` does (native byte order).
///
/// ```
/// use galaxy_io::sage::{binary, SageGalaxy};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_z0.000_0");
/// let galaxies = vec![SageGalaxy { stellar_mass: 1.0, ..Default::default() }; 3];
/// binary::write(&path, &[2, 1], &galaxies)?;
/// assert_eq!(binary::BinaryReader::open(&path)?.read_all()?, galaxies);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(
    path: impl AsRef<Path>,
    galaxies_per_tree: &[i32],
    galaxies: &[SageGalaxy],
) -> Result<()> {
    let sum: i64 = galaxies_per_tree.iter().map(|&n| i64::from(n)).sum();
    if sum != galaxies.len() as i64 {
        return Err(Error::BadInput {
            snapshot: galaxies.first().map_or(0, |g| g.snap_num as u32),
            problem: format!(
                "galaxies per tree add up to {sum}, but {} galaxies were given",
                galaxies.len()
            ),
        });
    }
    let mut buffer = Buffer::new(BufferConfig::default(), BinaryFile::create(path)?)?;
    buffer.write(&(galaxies_per_tree.len() as i32).to_ne_bytes())?;
    buffer.write(&(galaxies.len() as i32).to_ne_bytes())?;
    buffer.write(bytemuck::cast_slice(galaxies_per_tree))?;
    buffer.write(bytemuck::cast_slice(galaxies))?;
    buffer.finish()?.sync()
}
