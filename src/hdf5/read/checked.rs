//! Reads of HDF5 files that galaxy-io may not have written: files from other tools, damaged
//! files, hostile files. Every attribute's type class, string kind and dataspace, and every size
//! a dataset claims, is checked here before a byte is read or a buffer is allocated. The reader,
//! `inspect`, `merge` and `recover` read files only through this module.

use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::ffi;
use crate::layout::MAX_RANK;
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use std::path::{Path, PathBuf};

mod attrs;
mod columns;

pub(crate) use attrs::{attr, attrs, text_attr};
pub(crate) use columns::{
    check_external, check_filters, check_readable, column, zeroed, ColumnShape,
};

/// Why an object of a file cannot be read as galaxy-io expects, in words for a person: "is an
/// int32 attribute, not a string".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn unreadable<T>(why: impl Into<String>) -> Result<T, Unreadable> {
    Err(Unreadable(why.into()))
}

/// How an object that HDF5 cannot decode begins its [`Unreadable`] reason.
const DAMAGED: &str = "is damaged: ";

impl Unreadable {
    /// Why HDF5 could not open an object: damage when its message says so (see [`damage`]),
    /// else `otherwise` with HDF5's message on one line.
    fn opening(error: &hdf5::Error, otherwise: impl FnOnce(String) -> String) -> Unreadable {
        let message = one_line(error);
        match damage(&message) {
            Some(what) => {
                log::debug!("HDF5 on a damaged object: {message}");
                Unreadable(format!("{DAMAGED}{what}"))
            }
            None => Unreadable(otherwise(message)),
        }
    }

    /// The error for `what` (a group or dataset, by its path in the file) of the file at `path`
    /// that cannot be read for this reason: [`Error::Damaged`] when HDF5 found it damaged, else
    /// `otherwise(self)`.
    pub(crate) fn into_error(
        self,
        path: &Path,
        what: &str,
        otherwise: impl FnOnce(Unreadable) -> Error,
    ) -> Error {
        match self.0.strip_prefix(DAMAGED) {
            Some(damage) => Error::Damaged {
                path: path.to_owned(),
                problem: format!("{what}: {damage}"),
            },
            None => otherwise(self),
        }
    }
}

/// The error for a failed read of `what` (`Snap_63/Mvir`) of the file at `path`:
/// [`Error::Damaged`] when HDF5 found the rows damaged (a checksum, data that does not
/// decompress), else [`Error::Unreadable`] with the cause.
pub(crate) fn read_error(error: Error, path: &Path, what: String) -> Error {
    if let Error::Hdf5 { source, .. } = &error {
        if let Some(damage) = damage(&one_line(source)) {
            return Error::Damaged {
                path: path.to_owned(),
                problem: format!("{what}: {damage}"),
            };
        }
    }
    error.reading(path, what)
}

/// What is wrong with the metadata of a file whose HDF5 error message (on one line) says it is
/// damaged; `None` for anything else, damaged rows included (HDF5 decodes those with a filter,
/// not by walking structures).
pub(crate) fn metadata_damage(message: &str) -> Option<&'static str> {
    let rows = ["Fletcher32", "inflate() failed", "filter returned failure"];
    if rows.iter().any(|word| message.contains(word)) {
        return None;
    }
    damage(message)
}

/// What is wrong with a file whose HDF5 error message (on one line) says it is damaged, in
/// words for a person; `None` for every other failure (a missing file, a type galaxy-io does
/// not read, ...).
pub(crate) fn damage(message: &str) -> Option<&'static str> {
    let says = |words: &[&str]| words.iter().any(|word| message.contains(word));
    // Not damage: an external link or a source to a file that is not HDF5.
    let foreign_file = message.contains("file signature not found");
    if says(&["Fletcher32"]) {
        Some(
            "the checksum of its rows does not match (their bytes changed after they were written)",
        )
    } else if says(&["checksum"]) {
        Some(
            "the checksum of its metadata does not match (its bytes changed after they were \
             written)",
        )
    } else if says(&["inflate() failed", "filter returned failure"]) {
        Some("its compressed rows do not decompress")
    } else if says(&[
        "decode",
        "deserialize",
        "unserialize",
        "version number",
        "bad version",
        "bad flag",
        "bad object header",
        "addr overflow",
        "address overflow",
        "unable to load",
        "corrupt",
    ]) || (says(&["signature"]) && !foreign_file)
    {
        Some("HDF5 cannot decode its metadata")
    } else {
        None
    }
}

/// The member `name` of `group` as a group, or why it is not one (a dataset, a dangling or
/// looping link, an external link to a file that cannot be opened).
pub(crate) fn group(parent: &hdf5::Group, name: &str) -> Result<hdf5::Group, Unreadable> {
    match parent.loc_type_by_name(name) {
        Ok(hdf5::LocationType::Group) => parent
            .group(name)
            .map_err(|e| Unreadable::opening(&e, |e| format!("cannot be opened ({e})"))),
        Ok(other) => unreadable(format!("is a {}, not a group", kind_name(other))),
        Err(e) => Err(Unreadable::opening(&e, broken_link)),
    }
}

/// The member `name` of `group` as a dataset, or why it is not one.
pub(crate) fn dataset(parent: &hdf5::Group, name: &str) -> Result<hdf5::Dataset, Unreadable> {
    match parent.loc_type_by_name(name) {
        Ok(hdf5::LocationType::Dataset) => parent
            .dataset(name)
            .map_err(|e| Unreadable::opening(&e, |e| format!("cannot be opened ({e})"))),
        Ok(other) => unreadable(format!("is a {}, not a dataset", kind_name(other))),
        Err(e) => Err(Unreadable::opening(&e, broken_link)),
    }
}

fn kind_name(kind: hdf5::LocationType) -> &'static str {
    match kind {
        hdf5::LocationType::Group => "group",
        hdf5::LocationType::Dataset => "dataset",
        _ => "named datatype",
    }
}

fn broken_link(message: String) -> String {
    format!(
        "is a link that leads to nothing readable (a missing file, a loop or a dangling link: \
         {message})"
    )
}

/// An HDF5 error on one line, without the names of the library's functions (`H5Fopen(): `),
/// which say nothing to a person.
pub(crate) fn one_line(error: &impl std::fmt::Display) -> String {
    crate::error::plain(&error.to_string())
}
