//! The `Header` group: `Misc`, `Simulation` and `Runtime` attributes as SAGE writes them, plus
//! the `snapshot_redshifts` and `output_snapshots` datasets.

use crate::error::{Error, Result};
use crate::hdf5::attr_value::AttrValue;
use crate::hdf5::{ffi, names, read::checked};

/// The data version sage-model's reader checks (`sage_data_version`).
pub const SAGE_DATA_VERSION: &str = "1.00";

/// The groups whose attributes describe a run: the three under `Header`, and `TreeInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderGroup {
    /// `Header/Misc`: versions and `num_cores`.
    Misc,
    /// `Header/Simulation`: cosmology and box (`hubble_h`, `box_size`, ...).
    Simulation,
    /// `Header/Runtime`: run parameters (`frac_volume_processed`, ...).
    Runtime,
    /// `TreeInfo`: the galaxy ID scheme (`FileNr_Mulfac`, `ForestNr_Mulfac`), beside the
    /// galaxies per tree.
    TreeInfo,
}

impl HeaderGroup {
    const ALL: [HeaderGroup; 4] = [
        HeaderGroup::Misc,
        HeaderGroup::Simulation,
        HeaderGroup::Runtime,
        HeaderGroup::TreeInfo,
    ];

    /// Where the group is in a file.
    pub fn path(self) -> &'static str {
        match self {
            HeaderGroup::Misc => "Header/Misc",
            HeaderGroup::Simulation => "Header/Simulation",
            HeaderGroup::Runtime => "Header/Runtime",
            HeaderGroup::TreeInfo => names::TREE_INFO,
        }
    }
}

/// The simulation a catalogue comes from, as `Header/Simulation` describes it.
///
/// ```
/// use galaxy_io::{AttrValue, Cosmology, Header, HeaderGroup};
/// let header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
/// assert_eq!(header.get(HeaderGroup::Simulation, "box_size"), Some(&AttrValue::F64(62.5)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cosmology {
    /// The Hubble parameter h (`hubble_h`).
    pub hubble_h: f64,
    /// The box's side in Mpc/h (`box_size`).
    pub box_size: f64,
    /// Omega_matter (`omega_matter`).
    pub omega_matter: f64,
    /// Omega_Lambda (`omega_lambda`).
    pub omega_lambda: f64,
    /// The mass of a particle in 1e10 Msun/h (`particle_mass`).
    pub particle_mass: f64,
}

impl Cosmology {
    /// The Millennium simulation's cosmology in the 62.5 Mpc/h box of the mini-Millennium trees
    /// that sage-model's `millennium.par` runs on.
    pub const MINI_MILLENNIUM: Cosmology = Cosmology {
        hubble_h: 0.73,
        box_size: 62.5,
        omega_matter: 0.25,
        omega_lambda: 0.75,
        particle_mass: 0.0860657,
    };

    /// Each number with its attribute name in `Header/Simulation`.
    fn attributes(&self) -> [(&'static str, f64); 5] {
        [
            ("hubble_h", self.hubble_h),
            ("box_size", self.box_size),
            ("omega_matter", self.omega_matter),
            ("omega_lambda", self.omega_lambda),
            ("particle_mass", self.particle_mass),
        ]
    }
}

/// The run's metadata, written to `Header/*` (and `TreeInfo`'s attributes). [`Header::default`]
/// has what every reader needs for one output of a whole simulation (`sage_data_version`,
/// `num_cores` 1, `frac_volume_processed` 1); the cosmology goes in with
/// [`Header::with_cosmology`], SAGE's run parameters with
/// [`sage::Parameters::header`](crate::sage::Parameters::header), anything else with
/// [`Header::set`]. SAGE's `sage_version` and `git_SHA_reference`, which sage-model's analysis
/// reads, name the program that wrote the galaxies: an output of SAGE's record
/// ([`sage::SageGalaxy`](crate::sage::SageGalaxy), also with run-time properties after it) that
/// does not set them gets galaxy-io's version and commit; a record of your own gets them only if
/// you set them.
///
/// ```
/// use galaxy_io::{AttrValue, Cosmology, Header, HeaderGroup};
/// let mut header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
/// header.set(HeaderGroup::Runtime, "frac_volume_processed", AttrValue::F64(0.25));
/// assert_eq!(header.get(HeaderGroup::Simulation, "hubble_h"), Some(&AttrValue::F64(0.73)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    attrs: Vec<(HeaderGroup, String, AttrValue)>,
    /// Redshift of every snapshot of the simulation (`Header/snapshot_redshifts`), if known.
    pub snapshot_redshifts: Vec<f64>,
    /// What [`Header::read`] found but could not read: the path and why.
    unreadable: Vec<(String, String)>,
}

impl Default for Header {
    fn default() -> Self {
        let mut header = Header::empty();
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
    /// The default header with a simulation's `Header/Simulation` cosmology.
    pub fn with_cosmology(cosmology: &Cosmology) -> Self {
        let mut header = Header::default();
        header.set_cosmology(cosmology);
        header
    }

    /// Sets `hubble_h`, `box_size`, `omega_matter`, `omega_lambda` and `particle_mass`.
    pub fn set_cosmology(&mut self, cosmology: &Cosmology) -> &mut Self {
        for (name, value) in cosmology.attributes() {
            self.set(HeaderGroup::Simulation, name, AttrValue::F64(value));
        }
        self
    }

    /// Records one task's equal share of a run of `tasks`: `num_cores` and
    /// `frac_volume_processed`, as [`Hdf5Options::task`](crate::Hdf5Options::task) does.
    ///
    /// ```
    /// use galaxy_io::{AttrValue, Header, HeaderGroup};
    /// let mut header = Header::default();
    /// header.set_task_share(4);
    /// assert_eq!(header.get(HeaderGroup::Runtime, "frac_volume_processed"), Some(&AttrValue::F64(0.25)));
    /// ```
    pub fn set_task_share(&mut self, tasks: u32) -> &mut Self {
        self.set(HeaderGroup::Misc, "num_cores", AttrValue::I32(tasks as i32));
        self.set(
            HeaderGroup::Runtime,
            "frac_volume_processed",
            AttrValue::F64(1.0 / f64::from(tasks)),
        )
    }

    /// The cosmology of `Header/Simulation`, when all five of its numbers are there.
    ///
    /// ```
    /// use galaxy_io::{Cosmology, Header};
    /// let header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
    /// assert_eq!(header.cosmology(), Some(Cosmology::MINI_MILLENNIUM));
    /// ```
    pub fn cosmology(&self) -> Option<Cosmology> {
        let value = |(name, _)| self.get(HeaderGroup::Simulation, name)?.as_f64();
        let [hubble_h, box_size, omega_matter, omega_lambda, particle_mass] =
            Cosmology::MINI_MILLENNIUM.attributes().map(value);
        Some(Cosmology {
            hubble_h: hubble_h?,
            box_size: box_size?,
            omega_matter: omega_matter?,
            omega_lambda: omega_lambda?,
            particle_mass: particle_mass?,
        })
    }

    /// For an output of SAGE's record: galaxy-io as the program that wrote it
    /// (`sage_version`, `git_SHA_reference`), where the caller has not named one.
    pub(crate) fn name_writer_of_sage_galaxies(&mut self) {
        let writer = [
            (
                "sage_version",
                format!("galaxy-io {}", env!("CARGO_PKG_VERSION")),
            ),
            ("git_SHA_reference", env!("GALAXY_IO_GIT_SHA").to_owned()),
        ];
        for (name, value) in writer {
            if self.get(HeaderGroup::Misc, name).is_none() {
                self.set(HeaderGroup::Misc, name, AttrValue::Text(value));
            }
        }
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

    /// Removes an attribute, if it is set.
    pub fn remove(&mut self, group: HeaderGroup, name: &str) -> &mut Self {
        self.attrs.retain(|(g, n, _)| !(*g == group && n == name));
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

    /// What a file's header holds that could not be read (an array where a string belongs, a
    /// type galaxy-io does not read...): the path (`Header/Misc/num_cores`) and why.
    pub fn unreadable(&self) -> &[(String, String)] {
        &self.unreadable
    }

    fn empty() -> Self {
        Header {
            attrs: Vec::new(),
            snapshot_redshifts: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    /// Writes `Header/...` into `root` (a file or a group), replacing what is there.
    pub(crate) fn write(&self, root: &hdf5::Group, output_snapshots: &[u32]) -> Result<()> {
        let context = |what: &str| format!("writing {what}");
        let header =
            open_or_create(root, names::HEADER).map_err(|e| Error::hdf5(context("Header"), e))?;
        for group in HeaderGroup::ALL {
            let attrs: Vec<(&str, &AttrValue)> = self
                .attrs
                .iter()
                .filter(|(g, _, _)| *g == group)
                .map(|(_, name, value)| (name.as_str(), value))
                .collect();
            if group == HeaderGroup::TreeInfo && attrs.is_empty() {
                continue;
            }
            let mut location =
                open_path(root, group.path()).map_err(|e| Error::hdf5(context(group.path()), e))?;
            // HDF5 1.10.8 leaves the slot of an attribute it deletes flagged as shareable when
            // the attribute's message was, which HDF5 >= 1.12 (h5py's) refuses to read ("message
            // of unshareable class flagged as shareable"). So an attribute that holds its value
            // already (written when the file was created) is left alone, and a group of
            // attributes alone whose attributes change is made anew, unreadable ones aside;
            // only attributes beside other objects (`TreeInfo`'s) are replaced one by one.
            let existing = checked::attrs(&location);
            let stale: Vec<(&str, &AttrValue)> = attrs
                .iter()
                .copied()
                .filter(|(name, value)| {
                    !existing
                        .iter()
                        .any(|(n, v)| n == name && v.as_ref().ok() == Some(*value))
                })
                .collect();
            let mut writes = stale;
            let readable = existing.iter().all(|(_, value)| value.is_ok());
            if !writes.is_empty() && !existing.is_empty() && location.is_empty() && readable {
                root.unlink(group.path())
                    .and_then(|()| open_path(root, group.path()))
                    .map(|fresh| location = fresh)
                    .map_err(|e| Error::hdf5(context(group.path()), e))?;
                let others = existing
                    .iter()
                    .filter(|(name, _)| !attrs.iter().any(|(n, _)| n == name))
                    .filter_map(|(name, value)| Some((name.as_str(), value.as_ref().ok()?)));
                writes = attrs.iter().copied().chain(others).collect();
            }
            for (name, value) in writes {
                write_attr(&location, name, value).map_err(|e| match e {
                    Error::Hdf5 { source, .. } => {
                        Error::hdf5(context(&format!("{}/{name}", group.path())), source)
                    }
                    other => other,
                })?;
            }
        }
        let snapshots: Vec<i32> = output_snapshots.iter().map(|&s| s as i32).collect();
        replace_dataset(&header, names::OUTPUT_SNAPSHOTS, &snapshots)
            .map_err(|e| Error::hdf5(context("Header/output_snapshots"), e))?;
        if !self.snapshot_redshifts.is_empty() {
            replace_dataset(&header, names::SNAPSHOT_REDSHIFTS, &self.snapshot_redshifts)
                .map_err(|e| Error::hdf5(context("Header/snapshot_redshifts"), e))?;
        }
        Ok(())
    }

    /// Reads `Header/...` from `root`, every attribute and dataset checked before it is read;
    /// what cannot be read is listed in [`unreadable`](Self::unreadable), not returned. A file
    /// without a `Header` group has an empty header.
    pub fn read(root: &hdf5::Group) -> Result<Header> {
        let mut header = Header::empty();
        if !root.link_exists(names::HEADER) {
            return Ok(header);
        }
        let group = checked::group(root, names::HEADER).map_err(|why| Error::BadFile {
            path: root.filename().into(),
            problem: format!("Header {why}"),
        })?;
        for which in HeaderGroup::ALL {
            let path = which.path().to_owned();
            let (parent, name) = match path.split_once('/') {
                Some((names::HEADER, name)) => (&group, name),
                _ => (root, path.as_str()),
            };
            if !parent.link_exists(name) {
                continue;
            }
            let location = match checked::group(parent, name) {
                Ok(location) => location,
                Err(why) => {
                    header.unreadable.push((path, why.0));
                    continue;
                }
            };
            for (name, value) in checked::attrs(&location) {
                match value {
                    Ok(value) => {
                        header.set(which, &name, value);
                    }
                    Err(why) => header.unreadable.push((format!("{path}/{name}"), why.0)),
                }
            }
        }
        if group.link_exists(names::SNAPSHOT_REDSHIFTS) {
            match read_redshifts(&group) {
                Ok(redshifts) => header.snapshot_redshifts = redshifts,
                Err(why) => header
                    .unreadable
                    .push(("Header/snapshot_redshifts".into(), why.0)),
            }
        }
        Ok(header)
    }
}

/// `Header/snapshot_redshifts` of `root`, if it has a readable one.
pub(crate) fn snapshot_redshifts(root: &hdf5::Group) -> Option<Vec<f64>> {
    if !root.link_exists(names::HEADER) {
        return None;
    }
    let header = checked::group(root, names::HEADER).ok()?;
    if !header.link_exists(names::SNAPSHOT_REDSHIFTS) {
        return None;
    }
    read_redshifts(&header).ok()
}

/// `Header/snapshot_redshifts`, checked to be a 1-D column of floats of a sane length.
fn read_redshifts(header: &hdf5::Group) -> Result<Vec<f64>, checked::Unreadable> {
    let dataset = checked::dataset(header, names::SNAPSHOT_REDSHIFTS)?;
    let column = checked::column(&dataset)?;
    if !column.inner.is_empty() || column.rows > MAX_SNAPSHOTS {
        return Err(checked::Unreadable(format!(
            "has shape {:?}; expected one redshift per snapshot",
            dataset.shape()
        )));
    }
    checked::check_readable(&dataset, &column)?;
    dataset
        .read_raw::<f64>()
        .map_err(|e| checked::Unreadable(format!("cannot be read ({})", checked::one_line(&e))))
}

/// More snapshots than any simulation has; a longer redshift list is not one.
const MAX_SNAPSHOTS: u64 = 1 << 20;

/// Opens the group at `path` below `root`, creating what is missing.
pub(crate) fn open_path(root: &hdf5::Group, path: &str) -> hdf5::Result<hdf5::Group> {
    let mut group = root.clone();
    for name in path.split('/') {
        group = open_or_create(&group, name)?;
    }
    Ok(group)
}

fn open_or_create(parent: &hdf5::Group, name: &str) -> hdf5::Result<hdf5::Group> {
    if parent.link_exists(name) {
        parent.group(name)
    } else {
        parent.create_group(name)
    }
}

fn write_attr(location: &hdf5::Group, name: &str, value: &AttrValue) -> Result<()> {
    ffi::attrs::delete_attr(location.id(), name)?;
    let written = match value {
        AttrValue::Text(text) => return ffi::attrs::write_string_attr(location.id(), name, text),
        AttrValue::I32(v) => scalar_attr(location, name, v),
        AttrValue::I64(v) => scalar_attr(location, name, v),
        AttrValue::F64(v) => scalar_attr(location, name, v),
        AttrValue::I32Array(v) => array_attr(location, name, v),
        AttrValue::I64Array(v) => array_attr(location, name, v),
        AttrValue::F64Array(v) => array_attr(location, name, v),
    };
    written.map_err(|e| Error::hdf5(format!("writing attribute {name}"), e))
}

fn scalar_attr<T: hdf5::H5Type>(location: &hdf5::Group, name: &str, value: &T) -> hdf5::Result<()> {
    location
        .new_attr::<T>()
        .create(name)
        .and_then(|a| a.write_scalar(value))
}

fn array_attr<T: hdf5::H5Type>(
    location: &hdf5::Group,
    name: &str,
    values: &[T],
) -> hdf5::Result<()> {
    location
        .new_attr::<T>()
        .shape(values.len())
        .create(name)
        .and_then(|a| a.write_raw(values))
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
