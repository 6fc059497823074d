//! The HDF5 superblock, read by hand: whether a file is HDF5 at all, whether a writer left it
//! marked "open for writing", and where it says the file ends. `recover` decides from these,
//! before HDF5 (which refuses such files, or would change them) opens anything.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
/// Where a superblock may start: 0, then 512 and every doubling (after a user block).
const LAST_OFFSET: u64 = 1 << 20;

/// What the superblock says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Superblock {
    /// Superblock version (0 and 1 in the earliest format, 2 and 3 in the v110 format).
    pub version: u8,
    /// File consistency flags: non-zero when a writer had the file open and did not close it
    /// (versions 2 and 3; HDF5 refuses to open such a file until they are cleared).
    pub status_flags: u32,
    /// The end of the file's data, in bytes from the start of the file, as last recorded.
    pub end_of_file: u64,
}

impl Superblock {
    /// Reads the superblock of `path`; a file without one is an error that says so.
    pub(crate) fn read(path: &Path) -> Result<Superblock> {
        let bad = |problem: String| Error::BadFile {
            path: path.to_owned(),
            problem,
        };
        let mut file = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
        let length = file
            .metadata()
            .map_err(|e| Error::io("reading the size of", path, e))?
            .len();
        if length == 0 {
            return Err(bad("is empty (0 bytes), not an HDF5 file".into()));
        }
        let mut head = Vec::new();
        file.by_ref()
            .take(LAST_OFFSET + 128)
            .read_to_end(&mut head)
            .map_err(|e| Error::io("reading", path, e))?;
        let start = std::iter::once(0)
            .chain((9..=20).map(|power| 1usize << power))
            .find(|&offset| head.get(offset..offset + 8) == Some(SIGNATURE))
            .ok_or_else(|| bad("is not an HDF5 file (it has no HDF5 signature)".into()))?;
        parse(&head[start..]).ok_or_else(|| {
            bad(
                "is not a readable HDF5 file: its superblock is truncated or of an unknown version"
                    .into(),
            )
        })
    }
}

/// Parses a superblock that starts at `bytes[0]`.
fn parse(bytes: &[u8]) -> Option<Superblock> {
    let version = *bytes.get(8)?;
    let (offset_size, flags, addresses) = match version {
        0 | 1 => {
            let flags = u32::from_le_bytes(bytes.get(20..24)?.try_into().ok()?);
            (*bytes.get(13)?, flags, if version == 0 { 24 } else { 28 })
        }
        2 | 3 => (*bytes.get(9)?, u32::from(*bytes.get(11)?), 12),
        _ => return None,
    };
    let size = usize::from(offset_size);
    if !matches!(size, 2 | 4 | 8) {
        return None;
    }
    let address = |index: usize| -> Option<u64> {
        let start = addresses + index * size;
        let mut word = [0u8; 8];
        word[..size].copy_from_slice(bytes.get(start..start + size)?);
        Some(u64::from_le_bytes(word))
    };
    // After the base address and the free-space (or extension) address comes the end of file,
    // which HDF5 compares with the physical size of the file (a user block included).
    let end_of_file = address(2)?;
    Some(Superblock {
        version,
        status_flags: flags,
        end_of_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats_and_refuses_other_files() {
        let dir = tempfile::tempdir().unwrap();
        for (name, v110) in [("early.h5", false), ("v110.h5", true)] {
            let path = dir.path().join(name);
            let file = hdf5::File::with_options()
                .with_fapl(|fapl| if v110 { fapl.libver_v110() } else { fapl })
                .create(&path)
                .unwrap();
            file.create_group("g").unwrap();
            drop(file);
            let superblock = Superblock::read(&path).unwrap();
            assert_eq!(superblock.version >= 2, v110, "{superblock:?}");
            assert_eq!(superblock.status_flags, 0);
            assert_eq!(
                superblock.end_of_file,
                std::fs::metadata(&path).unwrap().len()
            );
        }
        let empty = dir.path().join("empty.h5");
        std::fs::write(&empty, b"").unwrap();
        assert!(Superblock::read(&empty)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"some notes").unwrap();
        assert!(Superblock::read(&text)
            .unwrap_err()
            .to_string()
            .contains("not an HDF5 file"));
        std::fs::write(&text, SIGNATURE).unwrap();
        assert!(Superblock::read(&text)
            .unwrap_err()
            .to_string()
            .contains("truncated"));
    }
}
