//! Creating datasets with direct HDF5 calls. A SAGE file has 64 snapshots of 54 datasets, each
//! with up to seven attributes: made through the binding's builders, with property lists copied
//! and attributes looked up before each is written, creating them took five times as long as
//! HDF5 itself needs (`BENCHMARKS.md`). Here a field's property lists and dataspace are built
//! once and used for every snapshot, and attributes of a new dataset are written without asking
//! first whether they exist ([`new_attr`](super::attrs::new_attr)). A dataset made for every
//! snapshot alike is
//! made once, attributes and all, in a file in memory, and copied from there (`H5Ocopy`): that
//! takes less than half the time of making each one anew.

use crate::error::{Error, Result};
use crate::hdf5::ffi::{c_string, check, check_id, locked, Owned};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::{h5d, h5f, h5o, h5p, h5s};
use std::ffi::CString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The filters of a chunked dataset, in pipeline order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filters {
    pub shuffle: bool,
    /// Deflate at this level.
    pub deflate: Option<u8>,
    /// HDF5's Fletcher-32 checksum, last.
    pub fletcher32: bool,
}

/// How a dataset is laid out, as its creation property list and dataspace say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Rows now, and whether the dataset can grow beyond them.
    pub rows: u64,
    pub extendable: bool,
    /// The dimensions after the first.
    pub inner: Vec<usize>,
    /// Rows per chunk; `None` for one contiguous piece.
    pub chunk_rows: Option<usize>,
    pub filters: Filters,
    /// Unwritten parts of a chunk hold zeros (for chunks compressed whole); otherwise nothing
    /// is written there.
    pub fill_zeros: bool,
}

/// Creates datasets of one layout: the property lists and dataspace, made once, and when the
/// datasets are all alike, a template of them to copy.
pub(crate) struct DatasetMaker {
    dcpl: Owned,
    dapl: Owned,
    space: Owned,
    /// The template: its file (kept open while the maker lives) and name there.
    template: Option<(Arc<TemplateFile>, CString)>,
}

/// A file in memory, never written to disk, that holds templates of the datasets of one
/// output; its access properties (format version above all) are the output's, so that a copy
/// is what creating the dataset in the output would have made.
pub(crate) struct TemplateFile(Owned);

impl TemplateFile {
    /// A template file for the output file `like`.
    pub(crate) fn new(like: hid_t) -> Result<Arc<Self>> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let context = || "making a file in memory for templates".to_owned();
        // Files are told apart by name, even in memory.
        let name = format!(
            "galaxy-io-template-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        let c_name = c_string(&name)?;
        locked(|| unsafe {
            // SAFETY: the property list is a copy closed by its guard; the file id passes to
            // the returned guard.
            let fapl = Owned(
                check_id(h5f::H5Fget_access_plist(like), context)?,
                h5p::H5Pclose,
            );
            check(h5p::H5Pset_fapl_core(fapl.0, 1 << 16, 0), context)?;
            let file = check_id(
                h5f::H5Fcreate(c_name.as_ptr(), h5f::H5F_ACC_TRUNC, H5P_DEFAULT, fapl.0),
                context,
            )?;
            Ok(Arc::new(TemplateFile(Owned(file, h5f::H5Fclose))))
        })
    }
}

impl std::fmt::Debug for DatasetMaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatasetMaker")
    }
}

impl DatasetMaker {
    pub(crate) fn new(layout: &Layout) -> Result<Self> {
        let context = || "preparing a dataset's creation".to_owned();
        locked(|| unsafe {
            // SAFETY: property lists and a dataspace are created here and closed by their
            // guards; every array passed has the rank given with it.
            let dcpl = Owned(
                check_id(h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_CREATE), context)?,
                h5p::H5Pclose,
            );
            // No modification times in the object headers: the same data, the same bytes.
            check(h5p::H5Pset_obj_track_times(dcpl.0, 0), context)?;
            let fill = if layout.fill_zeros {
                h5d::H5D_fill_time_t::H5D_FILL_TIME_ALLOC
            } else {
                h5d::H5D_fill_time_t::H5D_FILL_TIME_NEVER
            };
            check(h5p::H5Pset_fill_time(dcpl.0, fill), context)?;
            let dapl = Owned(
                check_id(h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_ACCESS), context)?,
                h5p::H5Pclose,
            );
            let mut dims: Vec<hsize_t> = vec![layout.rows];
            dims.extend(layout.inner.iter().map(|&d| d as hsize_t));
            let mut max = dims.clone();
            if layout.extendable {
                max[0] = h5s::H5S_UNLIMITED;
            }
            if let Some(rows) = layout.chunk_rows {
                let mut chunk = dims.clone();
                chunk[0] = rows as hsize_t;
                check(
                    h5p::H5Pset_chunk(dcpl.0, chunk.len() as _, chunk.as_ptr()),
                    context,
                )?;
                // Chunks are written whole, or read once: HDF5's chunk cache would only copy.
                check(h5p::H5Pset_chunk_cache(dapl.0, 0, 0, 1.0), context)?;
                let filters = layout.filters;
                if filters.shuffle {
                    check(h5p::H5Pset_shuffle(dcpl.0), context)?;
                }
                if let Some(level) = filters.deflate {
                    check(h5p::H5Pset_deflate(dcpl.0, level.into()), context)?;
                }
                if filters.fletcher32 {
                    check(h5p::H5Pset_fletcher32(dcpl.0), context)?;
                }
            }
            let space = Owned(
                check_id(
                    h5s::H5Screate_simple(dims.len() as _, dims.as_ptr(), max.as_ptr()),
                    context,
                )?,
                h5s::H5Sclose,
            );
            Ok(DatasetMaker {
                dcpl,
                dapl,
                space,
                template: None,
            })
        })
    }

    /// A maker of datasets like the template `name`, made in `file` with elements of
    /// `datatype`, which `decorate` gives their attributes.
    pub(crate) fn with_template(
        layout: &Layout,
        file: &Arc<TemplateFile>,
        name: &str,
        datatype: hid_t,
        decorate: impl FnOnce(&hdf5::Dataset) -> Result<()>,
    ) -> Result<Self> {
        let mut maker = Self::new(layout)?;
        let template = maker.create_new(file.0 .0, name, datatype, name)?;
        decorate(&template)?;
        maker.template = Some((Arc::clone(file), c_string(name)?));
        Ok(maker)
    }

    /// Whether datasets come with their attributes (copies of a template).
    pub(crate) fn decorates(&self) -> bool {
        self.template.is_some()
    }

    /// Creates `name` in `group`, of elements of `datatype` (a copy of the template, when there
    /// is one); errors say `creating dataset {what}`.
    pub(crate) fn create(
        &self,
        group: hid_t,
        name: &str,
        datatype: hid_t,
        what: &str,
    ) -> Result<hdf5::Dataset> {
        let Some((file, template)) = &self.template else {
            return self.create_new(group, name, datatype, what);
        };
        let c_name = c_string(name)?;
        let context = || format!("creating dataset {what}");
        let id = locked(|| unsafe {
            // SAFETY: valid ids and NUL-terminated names; the template file is open while the
            // maker lives.
            check(
                h5o::H5Ocopy(
                    file.0 .0,
                    template.as_ptr(),
                    group,
                    c_name.as_ptr(),
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                ),
                context,
            )?;
            check_id(h5d::H5Dopen2(group, c_name.as_ptr(), self.dapl.0), context)
        })?;
        // SAFETY: a valid, newly opened dataset id whose ownership passes to the handle.
        unsafe { hdf5::from_id::<hdf5::Dataset>(id) }.map_err(|e| Error::hdf5(context(), e))
    }

    fn create_new(
        &self,
        group: hid_t,
        name: &str,
        datatype: hid_t,
        what: &str,
    ) -> Result<hdf5::Dataset> {
        let c_name = c_string(name)?;
        let context = || format!("creating dataset {what}");
        let id = locked(|| unsafe {
            // SAFETY: valid ids, a NUL-terminated name.
            check_id(
                h5d::H5Dcreate2(
                    group,
                    c_name.as_ptr(),
                    datatype,
                    self.space.0,
                    H5P_DEFAULT,
                    self.dcpl.0,
                    self.dapl.0,
                ),
                context,
            )
        })?;
        // SAFETY: a valid, newly created dataset id whose ownership passes to the handle.
        unsafe { hdf5::from_id::<hdf5::Dataset>(id) }.map_err(|e| Error::hdf5(context(), e))
    }
}
