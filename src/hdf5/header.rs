//! The `Header` group: `Misc`, `Simulation` and `Runtime` attributes as SAGE writes them, plus
//! the `snapshot_redshifts` and `output_snapshots` datasets.

use super::raw;
use crate::error::{Error, Result};
use hdf5::types::{FloatSize, IntSize, TypeDescriptor};

/// The data version sage-model's reader checks (`sage_data_version`).
pub const SAGE_DATA_VERSION: &str = "1.00";

/// The three attribute groups under `Header`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderGroup {
    /// `Header/Misc`: versions and `num_cores`.
    Misc,
    /// `Header/Simulation`: cosmology and box (`hubble_h`, `box_size`, ...).
    Simulation,
    /// `Header/Runtime`: run parameters (`frac_volume_processed`, ...).
    Runtime,
}

impl HeaderGroup {
    const ALL: [HeaderGroup; 3] = [
        HeaderGroup::Misc,
        HeaderGroup::Simulation,
        HeaderGroup::Runtime,
    ];

    fn name(self) -> &'static str {
        match self {
            HeaderGroup::Misc => "Misc",
            HeaderGroup::Simulation => "Simulation",
            HeaderGroup::Runtime => "Runtime",
        }
    }
}

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
}

impl AttrValue {
    /// The value as a float, for numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            AttrValue::I32(v) => Some(f64::from(v)),
            AttrValue::I64(v) => Some(v as f64),
            AttrValue::F64(v) => Some(v),
            AttrValue::Text(_) => None,
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
        }
    }
}

/// The run's metadata, written to `Header/*`. [`Header::default`] has what every reader needs
/// (`sage_version`, `sage_data_version`, `num_cores`, `frac_volume_processed`); SAGE's
/// cosmology goes in with [`Header::set`] or [`Header::sage`].
///
/// ```
/// use galaxy_io::{AttrValue, Header, HeaderGroup};
/// let header = Header::sage(0.73, 62.5, 0.25, 0.75, 0.0860657);
/// assert_eq!(header.get(HeaderGroup::Simulation, "box_size"), Some(&AttrValue::F64(62.5)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    attrs: Vec<(HeaderGroup, String, AttrValue)>,
    /// Redshift of every snapshot of the simulation (`Header/snapshot_redshifts`), if known.
    pub snapshot_redshifts: Vec<f64>,
}

impl Default for Header {
    fn default() -> Self {
        let mut header = Header {
            attrs: Vec::new(),
            snapshot_redshifts: Vec::new(),
        };
        let version = format!("galaxy-io {}", env!("CARGO_PKG_VERSION"));
        header.set(HeaderGroup::Misc, "sage_version", AttrValue::Text(version));
        header.set(
            HeaderGroup::Misc,
            "sage_data_version",
            AttrValue::Text(SAGE_DATA_VERSION.into()),
        );
        header.set(HeaderGroup::Misc, "num_cores", AttrValue::I32(1));
        header.set(
            HeaderGroup::Runtime,
            "frac_volume_processed",
            AttrValue::F64(1.0),
        );
        header
    }
}

impl Header {
    /// The default header with SAGE's `Header/Simulation` cosmology.
    pub fn sage(
        hubble_h: f64,
        box_size: f64,
        omega_matter: f64,
        omega_lambda: f64,
        particle_mass: f64,
    ) -> Self {
        let mut header = Header::default();
        for (name, value) in [
            ("hubble_h", hubble_h),
            ("box_size", box_size),
            ("omega_matter", omega_matter),
            ("omega_lambda", omega_lambda),
            ("particle_mass", particle_mass),
        ] {
            header.set(HeaderGroup::Simulation, name, AttrValue::F64(value));
        }
        header
    }

    /// Sets (or replaces) an attribute.
    pub fn set(&mut self, group: HeaderGroup, name: &str, value: AttrValue) -> &mut Self {
        match self
            .attrs
            .iter_mut()
            .find(|(g, n, _)| *g == group && n == name)
        {
            Some(slot) => slot.2 = value,
            None => self.attrs.push((group, name.to_owned(), value)),
        }
        self
    }

    /// An attribute's value.
    pub fn get(&self, group: HeaderGroup, name: &str) -> Option<&AttrValue> {
        self.attrs
            .iter()
            .find(|(g, n, _)| *g == group && n == name)
            .map(|(_, _, value)| value)
    }

    /// Every attribute, in the order set.
    pub fn attrs(&self) -> impl Iterator<Item = (HeaderGroup, &str, &AttrValue)> {
        self.attrs.iter().map(|(g, n, v)| (*g, n.as_str(), v))
    }

    /// Writes `Header/...` into `root` (a file or a group), replacing what is there.
    pub(crate) fn write(&self, root: &hdf5::Group, output_snapshots: &[u32]) -> Result<()> {
        let context = |what: &str| format!("writing Header/{what}");
        let header = open_or_create(root, "Header").map_err(|e| Error::hdf5(context(""), e))?;
        for group in HeaderGroup::ALL {
            let location = open_or_create(&header, group.name())
                .map_err(|e| Error::hdf5(context(group.name()), e))?;
            for (_, name, value) in self.attrs.iter().filter(|(g, _, _)| *g == group) {
                write_attr(&location, name, value)
                    .map_err(|e| Error::hdf5(context(&format!("{}/{name}", group.name())), e))?;
            }
        }
        let snapshots: Vec<i32> = output_snapshots.iter().map(|&s| s as i32).collect();
        replace_dataset(&header, "output_snapshots", &snapshots)
            .map_err(|e| Error::hdf5(context("output_snapshots"), e))?;
        if !self.snapshot_redshifts.is_empty() {
            replace_dataset(&header, "snapshot_redshifts", &self.snapshot_redshifts)
                .map_err(|e| Error::hdf5(context("snapshot_redshifts"), e))?;
        }
        Ok(())
    }

    /// Reads `Header/...` from `root`; attributes of other types than galaxy-io writes are
    /// skipped.
    pub fn read(root: &hdf5::Group) -> Result<Header> {
        let mut header = Header {
            attrs: Vec::new(),
            snapshot_redshifts: Vec::new(),
        };
        let context = || "reading Header".to_owned();
        let group = root
            .group("Header")
            .map_err(|e| Error::hdf5(context(), e))?;
        for which in HeaderGroup::ALL {
            let Ok(location) = group.group(which.name()) else {
                continue;
            };
            for name in location
                .attr_names()
                .map_err(|e| Error::hdf5(context(), e))?
            {
                let attr = location
                    .attr(&name)
                    .map_err(|e| Error::hdf5(context(), e))?;
                if let Some(value) = read_attr(&attr) {
                    header.set(which, &name, value);
                }
            }
        }
        if let Ok(redshifts) = group.dataset("snapshot_redshifts") {
            header.snapshot_redshifts = redshifts
                .read_raw::<f64>()
                .map_err(|e| Error::hdf5(context(), e))?;
        }
        Ok(header)
    }
}

fn open_or_create(parent: &hdf5::Group, name: &str) -> hdf5::Result<hdf5::Group> {
    if parent.link_exists(name) {
        parent.group(name)
    } else {
        parent.create_group(name)
    }
}

fn write_attr(location: &hdf5::Group, name: &str, value: &AttrValue) -> Result<()> {
    if let AttrValue::Text(text) = value {
        return raw::write_string_attr(location.id(), name, text);
    }
    raw::delete_attr(location.id(), name)?;
    let written = match *value {
        AttrValue::I32(v) => location
            .new_attr::<i32>()
            .create(name)
            .and_then(|a| a.write_scalar(&v)),
        AttrValue::I64(v) => location
            .new_attr::<i64>()
            .create(name)
            .and_then(|a| a.write_scalar(&v)),
        AttrValue::F64(v) => location
            .new_attr::<f64>()
            .create(name)
            .and_then(|a| a.write_scalar(&v)),
        AttrValue::Text(_) => unreachable!("handled above"),
    };
    written.map_err(|e| Error::hdf5(format!("writing attribute {name}"), e))
}

fn read_attr(attr: &hdf5::Attribute) -> Option<AttrValue> {
    Some(match attr.dtype().ok()?.to_descriptor().ok()? {
        TypeDescriptor::Integer(IntSize::U4) => AttrValue::I32(attr.read_scalar().ok()?),
        TypeDescriptor::Integer(_) => AttrValue::I64(attr.read_scalar().ok()?),
        TypeDescriptor::Float(FloatSize::U8 | FloatSize::U4) => {
            AttrValue::F64(attr.read_scalar().ok()?)
        }
        TypeDescriptor::FixedAscii(_) | TypeDescriptor::FixedUnicode(_) => {
            AttrValue::Text(raw::read_string_attr(attr.id()).ok()?)
        }
        _ => return None,
    })
}

fn replace_dataset<T: hdf5::H5Type>(
    parent: &hdf5::Group,
    name: &str,
    values: &[T],
) -> hdf5::Result<()> {
    if parent.link_exists(name) {
        parent.unlink(name)?;
    }
    parent
        .new_dataset_builder()
        .with_data(values)
        .create(name)
        .map(drop)
}
