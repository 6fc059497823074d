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

/// Why an object of a file cannot be read as galaxy-io expects, in words for a person: "is an
/// int32 attribute, not a string".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable(pub String);

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
    pub fn into_error(
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
pub fn read_error(error: Error, path: &Path, what: String) -> Error {
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
pub fn metadata_damage(message: &str) -> Option<&'static str> {
    let rows = ["Fletcher32", "inflate() failed", "filter returned failure"];
    if rows.iter().any(|word| message.contains(word)) {
        return None;
    }
    damage(message)
}

/// What is wrong with a file whose HDF5 error message (on one line) says it is damaged, in
/// words for a person; `None` for every other failure (a missing file, a type galaxy-io does
/// not read, ...).
pub fn damage(message: &str) -> Option<&'static str> {
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

/// The most elements an array attribute may have (HDF5 stores most attributes in 64 KiB).
const MAX_ATTR_ELEMENTS: usize = 1 << 20;
/// The longest string attribute read.
const MAX_ATTR_STRING: usize = 16 << 20;
/// The most attributes of one object that are read: far more than any tool writes, and a bound
/// on what a file can make the reader do (each costs a look-up and a read).
const MAX_ATTRIBUTES: usize = 1 << 16;
/// The largest row (one galaxy's values of one field) a dataset may claim.
const MAX_ROW_BYTES: usize = 1 << 30;

/// The attribute `name` of `location`, if it has one, as one of the values galaxy-io writes:
/// a number, a string, or a 1-D array of numbers.
pub fn attr(location: &hdf5::Location, name: &str) -> Result<Option<AttrValue>, Unreadable> {
    let exists = ffi::read::attr_exists(location.id(), name)
        .map_err(|e| Unreadable(format!("its attributes cannot be read ({e})")))?;
    if !exists {
        return Ok(None);
    }
    open_attr(location, name).map(Some)
}

/// Every attribute of `location`, in name order, each with its value or why it is unreadable.
/// The names are listed once (at most [`MAX_ATTRIBUTES`]), so that the time this takes grows
/// with the attributes there are, not with their square.
pub fn attrs(location: &hdf5::Location) -> Vec<(String, Result<AttrValue, Unreadable>)> {
    let Ok(mut names) = ffi::links::attr_names(location) else {
        return Vec::new();
    };
    names.sort();
    let more = names.len().saturating_sub(MAX_ATTRIBUTES);
    names.truncate(MAX_ATTRIBUTES);
    let mut values: Vec<_> = names
        .into_iter()
        .map(|name| {
            let value = open_attr(location, &name);
            (name, value)
        })
        .collect();
    if more > 0 {
        values.push((
            format!("({more} more)"),
            unreadable(format!(
                "the object has more than {MAX_ATTRIBUTES} attributes; the rest were not read"
            )),
        ));
    }
    values
}

/// Opens and reads the attribute `name` of `location`, which exists.
fn open_attr(location: &hdf5::Location, name: &str) -> Result<AttrValue, Unreadable> {
    let attribute = location
        .attr(name)
        .map_err(|e| Unreadable(format!("cannot be opened ({})", one_line(&e))))?;
    read_attr(location, name, &attribute)
}

/// A string attribute (`Units`, `Description`, `sage_version`); `Ok(None)` when absent.
pub fn text_attr(location: &hdf5::Location, name: &str) -> Result<Option<String>, Unreadable> {
    match attr(location, name)? {
        None => Ok(None),
        Some(AttrValue::Text(text)) => Ok(Some(text)),
        Some(other) => unreadable(format!("is of type {}, not a string", other.kind())),
    }
}

fn read_attr(
    location: &hdf5::Location,
    name: &str,
    attribute: &hdf5::Attribute,
) -> Result<AttrValue, Unreadable> {
    let space = attribute
        .space()
        .map_err(|e| Unreadable(format!("has no readable dataspace ({})", one_line(&e))))?;
    if space.is_null() {
        return unreadable("has no value (a null dataspace)");
    }
    let shape = space.shape();
    let elements = if space.is_scalar() {
        1
    } else {
        shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .unwrap_or(usize::MAX)
    };
    let descriptor = attribute
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(|e| {
            Unreadable(format!(
                "has a type galaxy-io cannot read ({})",
                one_line(&e)
            ))
        })?;
    let kind = describe(&descriptor);
    if shape.len() > 1 {
        return unreadable(format!(
            "is a {}-D array of type {kind} with shape {shape:?}",
            shape.len()
        ));
    }
    let number = matches!(
        descriptor,
        TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) | TypeDescriptor::Float(_)
    );
    if elements != 1 && !(number && elements <= MAX_ATTR_ELEMENTS) {
        return unreadable(format!(
            "is an array of {elements} values of type {kind}, not one value"
        ));
    }
    let failed =
        |e: hdf5::Error| Unreadable(format!("cannot be read as type {kind} ({})", one_line(&e)));
    Ok(match descriptor {
        TypeDescriptor::Integer(IntSize::U4) => numbers::<i32>(attribute, elements == 1)
            .map_err(failed)?
            .map(AttrValue::I32, AttrValue::I32Array),
        TypeDescriptor::Integer(_) => numbers::<i64>(attribute, elements == 1)
            .map_err(failed)?
            .map(AttrValue::I64, AttrValue::I64Array),
        TypeDescriptor::Unsigned(size) => {
            let values = numbers::<u64>(attribute, elements == 1).map_err(failed)?;
            let signed = |v: u64| {
                i64::try_from(v)
                    .map_err(|_| Unreadable(format!("holds {v}, too large for a signed integer")))
            };
            match (size, values) {
                (IntSize::U1 | IntSize::U2, Values::One(v)) => AttrValue::I32(v as i32),
                (_, Values::One(v)) => AttrValue::I64(signed(v)?),
                (_, Values::Many(vs)) => {
                    AttrValue::I64Array(vs.into_iter().map(signed).collect::<Result<_, _>>()?)
                }
            }
        }
        TypeDescriptor::Float(FloatSize::U4 | FloatSize::U8) => {
            numbers::<f64>(attribute, elements == 1)
                .map_err(failed)?
                .map(AttrValue::F64, AttrValue::F64Array)
        }
        TypeDescriptor::FixedAscii(size) | TypeDescriptor::FixedUnicode(size) => {
            if size > MAX_ATTR_STRING {
                return unreadable(format!("is a string of {size} bytes, too long to read"));
            }
            let bytes = ffi::attrs::read_fixed_string_attr(location.id(), name, size)
                .map_err(|e| Unreadable(e.to_string()))?;
            AttrValue::Text(text_of(&bytes))
        }
        TypeDescriptor::VarLenUnicode => AttrValue::Text(
            one::<hdf5::types::VarLenUnicode>(attribute)
                .map_err(failed)?
                .to_string(),
        ),
        TypeDescriptor::VarLenAscii => AttrValue::Text(
            one::<hdf5::types::VarLenAscii>(attribute)
                .map_err(failed)?
                .to_string(),
        ),
        _ => return unreadable(format!("is of type {kind}, which galaxy-io does not read")),
    })
}

/// One number or an array of them.
enum Values<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Values<T> {
    fn map(
        self,
        one: impl FnOnce(T) -> AttrValue,
        many: impl FnOnce(Vec<T>) -> AttrValue,
    ) -> AttrValue {
        match self {
            Values::One(value) => one(value),
            Values::Many(values) => many(values),
        }
    }
}

/// Reads a checked numeric attribute (non-null, at most [`MAX_ATTR_ELEMENTS`] elements); HDF5
/// converts the stored integer or float type to `T`.
fn numbers<T: hdf5::H5Type + Copy>(
    attribute: &hdf5::Attribute,
    single: bool,
) -> hdf5::Result<Values<T>> {
    if single {
        one(attribute).map(Values::One)
    } else {
        attribute.read_raw().map(Values::Many)
    }
}

/// The one value of a checked attribute (scalar, or a 1-D array of one element).
fn one<T: hdf5::H5Type>(attribute: &hdf5::Attribute) -> hdf5::Result<T> {
    if attribute.is_scalar() {
        attribute.read_scalar()
    } else {
        attribute
            .read_raw::<T>()?
            .into_iter()
            .next()
            .ok_or_else(|| "no element".into())
    }
}

/// A fixed-length string's text: up to the first NUL, without the space padding of Fortran
/// style strings; bytes that are not UTF-8 are replaced.
fn text_of(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .trim_end_matches(' ')
        .to_owned()
}

/// "int32", "variable-length string": what a type is, for messages.
fn describe(descriptor: &TypeDescriptor) -> String {
    match descriptor {
        TypeDescriptor::Integer(size) => format!("int{}", *size as usize * 8),
        TypeDescriptor::Unsigned(size) => format!("uint{}", *size as usize * 8),
        TypeDescriptor::Float(size) => format!("float{}", *size as usize * 8),
        TypeDescriptor::Boolean => "boolean".into(),
        TypeDescriptor::Enum(_) => "enumeration".into(),
        TypeDescriptor::Compound(_) => "compound".into(),
        TypeDescriptor::FixedArray(..) | TypeDescriptor::VarLenArray(_) => "array".into(),
        TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) => {
            format!("fixed-length string of {n} bytes")
        }
        TypeDescriptor::VarLenAscii | TypeDescriptor::VarLenUnicode => {
            "variable-length string".into()
        }
        TypeDescriptor::Reference(_) => "reference".into(),
    }
}

/// A dataset of a snapshot group as a column of galaxies: its element type, the number of
/// galaxies (rows) it claims and the shape of each row, all checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnShape {
    /// Element type.
    pub dtype: Dtype,
    /// Rows the dataset claims.
    pub rows: u64,
    /// Dimensions after the first.
    pub inner: Vec<usize>,
    /// Bytes of one row: the product of `inner` times the element size, checked.
    pub row_bytes: usize,
}

/// Checks that `dataset` is a column galaxy-io can read: a simple dataspace of one to seven
/// dimensions, a fixed-width integer or float type, and rows of an addressable size.
pub fn column(dataset: &hdf5::Dataset) -> Result<ColumnShape, Unreadable> {
    let space = dataset
        .space()
        .map_err(|e| Unreadable(format!("has no readable dataspace ({})", one_line(&e))))?;
    if space.is_null() {
        return unreadable("has no dataspace (null), so no galaxies");
    }
    if space.is_scalar() {
        return unreadable("is a scalar dataset, not a column of galaxies");
    }
    let shape = space.shape();
    if shape.len() > 1 + MAX_RANK {
        return unreadable(format!(
            "has {} dimensions; galaxy-io reads at most {}",
            shape.len(),
            1 + MAX_RANK
        ));
    }
    let datatype = dataset
        .dtype()
        .map_err(|e| Unreadable(format!("has no readable type ({})", one_line(&e))))?;
    let Some(dtype) = crate::hdf5::types::dtype_of(&datatype) else {
        let kind = datatype.to_descriptor().map_or_else(
            |_| "a type HDF5 cannot describe".to_owned(),
            |d| describe(&d),
        );
        return unreadable(format!(
            "holds values of type {kind}; galaxy-io reads integers and floats of 1 to 8 bytes"
        ));
    };
    let inner = shape[1..].to_vec();
    if inner.contains(&0) {
        return unreadable(format!(
            "has rows of shape {inner:?}: no values for any galaxy"
        ));
    }
    let row_bytes = inner
        .iter()
        .try_fold(dtype.size(), |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_ROW_BYTES)
        .ok_or_else(|| {
            Unreadable(format!(
                "claims rows of shape {inner:?} of {dtype}, too large for one galaxy"
            ))
        })?;
    Ok(ColumnShape {
        dtype,
        rows: shape[0] as u64,
        inner,
        row_bytes,
    })
}

/// Fails when `dataset` cannot give back the rows it claims: it is compressed with a filter this
/// build of HDF5 lacks, or claims rows that were never stored (a chunked dataset with fewer
/// allocated chunks than its rows need, or a contiguous one with less storage; such rows would
/// read as fill values, and a file can claim 2^40 of them in a few bytes).
pub fn check_readable(dataset: &hdf5::Dataset, column: &ColumnShape) -> Result<(), Unreadable> {
    check_filters(dataset)?;
    check_external(dataset, column)?;
    check_stored(dataset, column)
}

/// Fails when `dataset` keeps its rows in external files that cannot give them back: one that
/// is not a regular file (a FIFO would block, a device read as endless data), the dataset's own
/// HDF5 file (its structures would read as galaxies), or one shorter than the rows it must hold
/// (HDF5 reads what is missing as zeros). galaxy-io never writes external storage; other tools
/// may.
pub fn check_external(dataset: &hdf5::Dataset, column: &ColumnShape) -> Result<(), Unreadable> {
    let pieces =
        ffi::read::external_storage(dataset.id()).map_err(|e| Unreadable(e.to_string()))?;
    if pieces.is_empty() {
        return Ok(());
    }
    let own = PathBuf::from(dataset.filename());
    let own_identity = identity(&own);
    let mut needed = column.rows.saturating_mul(column.row_bytes as u64);
    for piece in pieces {
        if needed == 0 {
            break;
        }
        let path = resolve_external(&own, &piece.name);
        let keeps = || format!("keeps its rows in {}", path.display());
        let metadata = crate::hdf5::read::regular::regular_file(&path).map_err(|e| match e {
            Error::NotRegularFile { kind, .. } => {
                Unreadable(format!("{}, which is {kind}, not a regular file", keeps()))
            }
            other => Unreadable(format!("{}, which cannot be read ({other})", keeps())),
        })?;
        if identity(&path).is_some() && identity(&path) == own_identity {
            return unreadable(format!(
                "{}, its own HDF5 file, whose structures would read as galaxies",
                keeps()
            ));
        }
        let take = needed.min(piece.size);
        if metadata.len() < piece.offset.saturating_add(take) {
            return unreadable(format!(
                "{}, which has {} bytes; its rows need {} from byte {}",
                keeps(),
                metadata.len(),
                take,
                piece.offset
            ));
        }
        needed -= take;
    }
    if needed > 0 {
        return unreadable(format!(
            "claims {} rows, more than its external files hold",
            column.rows
        ));
    }
    Ok(())
}

/// An external file's name as HDF5 finds it: absolute as it is; otherwise after the prefix in
/// `HDF5_EXTFILE_PREFIX` (where `${ORIGIN}` is the directory of the HDF5 file), or else in the
/// current directory.
fn resolve_external(file: &Path, name: &str) -> PathBuf {
    let name = Path::new(name);
    if name.is_absolute() {
        return name.to_owned();
    }
    match std::env::var("HDF5_EXTFILE_PREFIX") {
        Ok(prefix) if !prefix.is_empty() => {
            let origin = crate::staged::directory_of(file)
                .to_string_lossy()
                .into_owned();
            PathBuf::from(prefix.replace("${ORIGIN}", &origin)).join(name)
        }
        _ => name.to_owned(),
    }
}

/// The device and inode a path leads to.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Fails when `dataset` is compressed with a filter this build of HDF5 lacks.
pub fn check_filters(dataset: &hdf5::Dataset) -> Result<(), Unreadable> {
    let missing =
        ffi::chunks::missing_filters(dataset.id()).map_err(|e| Unreadable(e.to_string()))?;
    if missing.is_empty() {
        return Ok(());
    }
    unreadable(format!(
        "is compressed with {}, which this build of HDF5 cannot decode",
        missing.join(" and ")
    ))
}

/// Fails when `dataset` claims rows that were never stored.
fn check_stored(dataset: &hdf5::Dataset, column: &ColumnShape) -> Result<(), Unreadable> {
    if column.rows == 0 || column.row_bytes == 0 {
        return Ok(());
    }
    let claimed = || format!("claims {} rows", column.rows);
    if let Some(chunk) = dataset.chunk() {
        let chunks = dataset
            .num_chunks()
            .ok_or_else(|| Unreadable(format!("{}, but its chunks cannot be counted", claimed())))?
            as u64;
        // Chunks per band of rows: inner dimensions may be split over several chunks.
        let per_band: u64 = column
            .inner
            .iter()
            .zip(chunk.iter().skip(1))
            .map(|(&dim, &c)| (dim as u64).div_ceil(c.max(1) as u64))
            .product();
        let chunk_rows = chunk.first().copied().unwrap_or(1).max(1) as u64;
        let bands = column.rows.div_ceil(chunk_rows);
        if chunks < bands.saturating_mul(per_band) {
            return unreadable(format!(
                "{}, but only {chunks} of the {} chunks they need were ever written",
                claimed(),
                bands.saturating_mul(per_band)
            ));
        }
    } else if dataset.storage_size() < column.rows.saturating_mul(column.row_bytes as u64) {
        return unreadable(format!(
            "{}, but stores only {} bytes",
            claimed(),
            dataset.storage_size()
        ));
    }
    Ok(())
}

/// A zeroed vector of `len` elements whose length came from a file: refused with an error when
/// it cannot fit in this machine's memory or cannot be allocated, instead of aborting. Pages are
/// zeroed lazily by the allocator, so memory is only touched as it is filled.
pub fn zeroed<T: bytemuck::Pod>(
    len: u64,
    path: &Path,
    what: impl Fn() -> String,
) -> Result<Vec<T>> {
    let too_large = |limit: u64| Error::TooLarge {
        path: path.to_owned(),
        what: what(),
        bytes: len.saturating_mul(std::mem::size_of::<T>() as u64),
        limit,
    };
    let memory = physical_memory();
    let bytes = len
        .checked_mul(std::mem::size_of::<T>() as u64)
        .filter(|&b| b <= memory)
        .ok_or_else(|| too_large(memory))?;
    if bytes == 0 {
        return Ok(Vec::new());
    }
    let len = usize::try_from(len).map_err(|_| too_large(memory))?;
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| too_large(memory))?;
    // SAFETY: the layout has a non-zero size; a non-null result is an allocation of the global
    // allocator with this layout, zeroed, and zero bytes are a valid `T` (`Pod`), so it is a
    // valid vector of `len` elements with capacity `len`.
    unsafe {
        let pointer = std::alloc::alloc_zeroed(layout).cast::<T>();
        if pointer.is_null() {
            return Err(too_large(memory));
        }
        huge_pages(pointer.cast(), bytes as usize);
        Ok(Vec::from_raw_parts(pointer, len, len))
    }
}

/// Asks the kernel to back the whole 2 MiB pages of a large, untouched allocation with huge
/// pages: filling a column of hundreds of megabytes then takes a page fault per 2 MiB instead
/// of per 4 KiB (a quarter of the time of reading a cached file went to page faults). Only a
/// hint: where transparent huge pages are off, nothing changes.
fn huge_pages(start: *mut u8, bytes: usize) {
    const HUGE: usize = 2 << 20;
    if bytes < 4 * HUGE {
        return;
    }
    let first = (start as usize).next_multiple_of(HUGE);
    let end = (start as usize + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE changes
        // how it is backed, not its contents or validity.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// Bytes of physical memory, or no limit where the system does not say.
fn physical_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, page) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    match (u64::try_from(pages), u64::try_from(page)) {
        (Ok(pages), Ok(page)) if pages > 0 && page > 0 => pages.saturating_mul(page),
        _ => u64::MAX,
    }
}

/// The member `name` of `group` as a group, or why it is not one (a dataset, a dangling or
/// looping link, an external link to a file that cannot be opened).
pub fn group(parent: &hdf5::Group, name: &str) -> Result<hdf5::Group, Unreadable> {
    match parent.loc_type_by_name(name) {
        Ok(hdf5::LocationType::Group) => parent
            .group(name)
            .map_err(|e| Unreadable::opening(&e, |e| format!("cannot be opened ({e})"))),
        Ok(other) => unreadable(format!("is a {}, not a group", kind_name(other))),
        Err(e) => Err(Unreadable::opening(&e, broken_link)),
    }
}

/// The member `name` of `group` as a dataset, or why it is not one.
pub fn dataset(parent: &hdf5::Group, name: &str) -> Result<hdf5::Dataset, Unreadable> {
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
pub fn one_line(error: &impl std::fmt::Display) -> String {
    crate::error::plain(&error.to_string())
}
