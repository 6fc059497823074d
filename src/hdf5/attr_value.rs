//! The value of one attribute, in the HDF5 type SAGE uses for it: what the header holds and
//! what the checked reads of any file's attributes give back.

/// One header attribute value, in the HDF5 type SAGE uses for it.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// `H5T_NATIVE_INT`.
    I32(i32),
    /// `H5T_NATIVE_LLONG`.
    I64(i64),
    /// `H5T_NATIVE_DOUBLE`.
    F64(f64),
    /// A fixed-length ASCII string (h5py returns `bytes`).
    Text(String),
    /// A 1-D array of `H5T_NATIVE_INT`.
    I32Array(Vec<i32>),
    /// A 1-D array of `H5T_NATIVE_LLONG`.
    I64Array(Vec<i64>),
    /// A 1-D array of `H5T_NATIVE_DOUBLE`.
    F64Array(Vec<f64>),
}

impl AttrValue {
    /// The value as a float, for numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            AttrValue::I32(v) => Some(f64::from(v)),
            AttrValue::I64(v) => Some(v as f64),
            AttrValue::F64(v) => Some(v),
            _ => None,
        }
    }

    /// The type, for messages: `int32`, `string`, `array of 3 float64`.
    pub fn kind(&self) -> String {
        match self {
            AttrValue::I32(_) => "int32".into(),
            AttrValue::I64(_) => "int64".into(),
            AttrValue::F64(_) => "float64".into(),
            AttrValue::Text(_) => "string".into(),
            AttrValue::I32Array(v) => format!("array of {} int32", v.len()),
            AttrValue::I64Array(v) => format!("array of {} int64", v.len()),
            AttrValue::F64Array(v) => format!("array of {} float64", v.len()),
        }
    }
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::I32(v) => write!(f, "{v}"),
            AttrValue::I64(v) => write!(f, "{v}"),
            AttrValue::F64(v) => write!(f, "{v}"),
            AttrValue::Text(v) => f.write_str(v),
            AttrValue::I32Array(v) => list(f, v),
            AttrValue::I64Array(v) => list(f, v),
            AttrValue::F64Array(v) => list(f, v),
        }
    }
}

fn list<T: std::fmt::Display>(f: &mut std::fmt::Formatter<'_>, values: &[T]) -> std::fmt::Result {
    f.write_str("[")?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{value}")?;
    }
    f.write_str("]")
}
