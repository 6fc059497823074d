//! What a path is, found without opening it: every input must be a regular file before
//! anything reads it.

use crate::error::{Error, Result};
use std::path::Path;

/// Fails unless `path` is a regular file (after symbolic links): a FIFO or a device would block
/// or never end, and a directory is not a file. Nothing is opened to find out.
pub(crate) fn regular_file(path: &Path) -> Result<std::fs::Metadata> {
    use std::os::unix::fs::FileTypeExt;
    let metadata = std::fs::metadata(path).map_err(|error| Error::io("opening", path, error))?;
    let kind = metadata.file_type();
    let what = if kind.is_file() {
        return Ok(metadata);
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(Error::NotRegularFile {
        path: path.to_owned(),
        kind: what.to_owned(),
    })
}
