//! Attributes read checked: each one's type class, string kind and dataspace before its value,
//! within bounds on how many and how large.

use super::*;

/// The most elements an array attribute may have (HDF5 stores most attributes in 64 KiB).
const MAX_ATTR_ELEMENTS: usize = 1 << 20;
/// The longest string attribute read.
const MAX_ATTR_STRING: usize = 16 << 20;
/// The most attributes of one object that are read: far more than any tool writes, and a bound
/// on what a file can make the reader do (each costs a look-up and a read).
const MAX_ATTRIBUTES: usize = 1 << 16;

/// The attribute `name` of `location`, if it has one, as one of the values galaxy-io writes:
/// a number, a string, or a 1-D array of numbers.
pub(crate) fn attr(location: &hdf5::Location, name: &str) -> Result<Option<AttrValue>, Unreadable> {
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
pub(crate) fn attrs(location: &hdf5::Location) -> Vec<(String, Result<AttrValue, Unreadable>)> {
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
pub(crate) fn text_attr(
    location: &hdf5::Location,
    name: &str,
) -> Result<Option<String>, Unreadable> {
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
pub(super) fn describe(descriptor: &TypeDescriptor) -> String {
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
