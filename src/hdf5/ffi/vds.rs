//! The HDF5 calls for virtual datasets, which the binding does not wrap with checks: creating
//! one from its mappings, and reading back which files and rows a virtual dataset claims, with
//! every count and name length bounded before it is used (a master may come from anywhere).

use crate::error::{Error, Result};
use crate::hdf5::ffi::{c_string, check, check_id, locked, Owned};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;

/// The most mappings one virtual dataset may have when read back: one per task, and far more
/// tasks than any run has.
const MAX_MAPPINGS: usize = 1 << 24;
/// The longest source file or dataset name read back.
const MAX_NAME: usize = 1 << 16;
/// The most dimensions a dataspace of a mapping may have (HDF5's own limit).
const MAX_RANK: usize = 32;

/// Rows `rows` of dataset `dataset` in file `file` appear as rows `first..first + rows` of the
/// virtual dataset.
pub(crate) struct Mapping<'a> {
    pub file: &'a str,
    pub dataset: &'a str,
    pub first: u64,
    pub rows: u64,
}

/// One mapping of a virtual dataset as its file records it: the source rows it needs, and the
/// rows of the virtual dataset it fills.
#[derive(Debug)]
pub(crate) struct MappedSource {
    pub file: String,
    pub dataset: String,
    /// Elements the mapping reads from the source: its rows times the elements of a row (at
    /// least).
    pub source_points: u64,
    /// The rows of the virtual dataset filled from it (empty when it maps nothing).
    pub rows: std::ops::Range<u64>,
    /// The source selection, when it is one block (what galaxy-io writes).
    pub source_block: Option<Block>,
    /// The selection in the virtual dataset, when it is one block.
    pub virtual_block: Option<Block>,
}

/// A selection that is one rectangular block: its first element's coordinates, and its size in
/// every dimension (`None` for "all" of a dataspace whose extent is only known once the source
/// is opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub start: Vec<u64>,
    pub size: Option<Vec<u64>>,
}

/// Creates the virtual dataset `name` in `group`: `rows` rows of `inner`-shaped elements of
/// `datatype`, filled by `mappings` (whole source rows, source by source) and reading as `fill`
/// (one element's bytes in `datatype`) where nothing maps.
pub(crate) fn create_virtual(
    group: &hdf5::Group,
    name: &str,
    datatype: hid_t,
    rows: u64,
    inner: &[usize],
    fill: &[u8],
    mappings: &[Mapping],
) -> Result<hdf5::Dataset> {
    let context = || format!("creating the virtual dataset {}/{name}", group.name());
    let c_name = c_string(name)?;
    let names = mappings
        .iter()
        .map(|m| Ok((c_string(m.file)?, c_string(m.dataset)?)))
        .collect::<Result<Vec<_>>>()?;
    let dims = |rows: u64| {
        let mut dims = vec![rows as hsize_t];
        dims.extend(inner.iter().map(|&d| d as hsize_t));
        dims
    };
    let id = locked(|| unsafe {
        // SAFETY: every id is checked and closed by its guard; the dimension arrays have the
        // rank passed with them; `fill` holds one element of `datatype` (checked below).
        use hdf5_sys::{h5d, h5p, h5s, h5t};
        if h5t::H5Tget_size(datatype) != fill.len() {
            return Err(Error::hdf5(context(), "the fill value has the wrong size"));
        }
        let rank = 1 + inner.len() as std::ffi::c_int;
        let dcpl = Owned(
            check_id(h5p::H5Pcreate(*h5p::H5P_CLS_DATASET_CREATE), context)?,
            h5p::H5Pclose,
        );
        check(
            h5p::H5Pset_fill_value(dcpl.0, datatype, fill.as_ptr().cast()),
            context,
        )?;
        check(
            h5p::H5Pset_layout(dcpl.0, h5d::H5D_layout_t::H5D_VIRTUAL),
            context,
        )?;
        let virtual_dims = dims(rows);
        let space = Owned(
            check_id(
                h5s::H5Screate_simple(rank, virtual_dims.as_ptr(), std::ptr::null()),
                context,
            )?,
            h5s::H5Sclose,
        );
        for (mapping, (file, dataset)) in mappings.iter().zip(&names) {
            let source_dims = dims(mapping.rows);
            let source = Owned(
                check_id(
                    h5s::H5Screate_simple(rank, source_dims.as_ptr(), std::ptr::null()),
                    context,
                )?,
                h5s::H5Sclose,
            );
            let selection = Owned(check_id(h5s::H5Scopy(space.0), context)?, h5s::H5Sclose);
            // Both selections are explicit blocks (not "all"), so that the master records the
            // rows it takes from each source, for checking it later.
            let count = vec![1 as hsize_t; rank as usize];
            let mut start = vec![0 as hsize_t; rank as usize];
            for (space, first) in [(source.0, 0), (selection.0, mapping.first)] {
                start[0] = first;
                check(
                    h5s::H5Sselect_hyperslab(
                        space,
                        h5s::H5S_seloper_t::H5S_SELECT_SET,
                        start.as_ptr(),
                        std::ptr::null(),
                        count.as_ptr(),
                        source_dims.as_ptr(),
                    ),
                    context,
                )?;
            }
            check(
                h5p::H5Pset_virtual(
                    dcpl.0,
                    selection.0,
                    file.as_ptr(),
                    dataset.as_ptr(),
                    source.0,
                ),
                || format!("{} (mapping {})", context(), mapping.file),
            )?;
        }
        check_id(
            h5d::H5Dcreate2(
                group.id(),
                c_name.as_ptr(),
                datatype,
                space.0,
                H5P_DEFAULT,
                dcpl.0,
                H5P_DEFAULT,
            ),
            context,
        )
    })?;
    // SAFETY: `id` is a valid, newly created dataset id whose ownership passes to the handle.
    unsafe { hdf5::from_id::<hdf5::Dataset>(id) }.map_err(|e| Error::hdf5(context(), e))
}

/// The mappings of `dataset`, or `None` when it is not a virtual dataset.
pub(crate) fn virtual_sources(dataset: &hdf5::Dataset) -> Result<Option<Vec<MappedSource>>> {
    let context = || format!("reading the mappings of {}", dataset.name());
    locked(|| unsafe {
        // SAFETY: every id is checked and closed by its guard; every count and length HDF5
        // reports is bounded before a buffer of it is made, and each buffer is passed with
        // its size.
        use hdf5_sys::{h5d, h5p, h5s};
        let dcpl = Owned(
            check_id(h5d::H5Dget_create_plist(dataset.id()), context)?,
            h5p::H5Pclose,
        );
        if h5p::H5Pget_layout(dcpl.0) != h5d::H5D_layout_t::H5D_VIRTUAL {
            return Ok(None);
        }
        let mut count = 0;
        check(h5p::H5Pget_virtual_count(dcpl.0, &mut count), context)?;
        if count > MAX_MAPPINGS {
            return Err(Error::hdf5(
                context(),
                format!("it claims {count} mappings, more than {MAX_MAPPINGS}"),
            ));
        }
        let mut sources = Vec::with_capacity(count);
        for index in 0..count {
            let file =
                name_of(|buffer, size| h5p::H5Pget_virtual_filename(dcpl.0, index, buffer, size))
                    .map_err(|why| Error::hdf5(context(), format!("mapping {index}: {why}")))?;
            let dataset =
                name_of(|buffer, size| h5p::H5Pget_virtual_dsetname(dcpl.0, index, buffer, size))
                    .map_err(|why| Error::hdf5(context(), format!("mapping {index}: {why}")))?;
            // The source selection of a stored mapping has no extent until its file is opened
            // (HDF5 then gives it the source dataset's), so it is counted, not bounded; and a
            // selection of "all" the source counts nothing then, so the elements the mapping
            // fills in the virtual dataset (which HDF5 reads from the source) count too.
            let source = Owned(
                check_id(h5p::H5Pget_virtual_srcspace(dcpl.0, index), context)?,
                h5s::H5Sclose,
            );
            let source_points = u64::try_from(h5s::H5Sget_select_npoints(source.0))
                .map_err(|_| Error::hdf5(context(), format!("mapping {index}: no selection")))?;
            let source_block = block_of(source.0);
            let (rows, target_points, virtual_block) =
                virtual_selection(h5p::H5Pget_virtual_vspace(dcpl.0, index))
                    .map_err(|why| Error::hdf5(context(), format!("mapping {index}: {why}")))?;
            sources.push(MappedSource {
                file,
                dataset,
                source_points: source_points.max(target_points),
                rows,
                source_block,
                virtual_block,
            });
        }
        Ok(Some(sources))
    })
}

/// A name that HDF5 copies into a buffer: asked for its length first, which is bounded.
///
/// # Safety
/// `get` must be an HDF5 getter that writes at most `size` bytes, NUL included, into the
/// buffer, and returns the name's length (without the NUL) or a negative value.
unsafe fn name_of(
    get: impl Fn(*mut std::ffi::c_char, usize) -> isize,
) -> std::result::Result<String, String> {
    let length = get(std::ptr::null_mut(), 0);
    let length = usize::try_from(length).map_err(|_| "its name cannot be read".to_owned())?;
    if length > MAX_NAME {
        return Err(format!("a name of {length} bytes"));
    }
    let mut buffer = vec![0 as std::ffi::c_char; length + 1];
    if get(buffer.as_mut_ptr(), buffer.len()) < 0 {
        return Err("its name cannot be read".into());
    }
    // SAFETY: HDF5 NUL-terminates what it writes, and the buffer ends with a NUL regardless.
    let name = unsafe { std::ffi::CStr::from_ptr(buffer.as_ptr()) };
    Ok(name.to_string_lossy().into_owned())
}

/// The rows (first dimension) that a mapping's selection spans in a dataspace HDF5 returned
/// (which is closed here), empty for an empty selection, its number of elements, and the
/// selection when it is one block.
///
/// # Safety
/// Call under [`locked`] with an id from HDF5 (or a negative value).
unsafe fn virtual_selection(
    space: hid_t,
) -> std::result::Result<(std::ops::Range<u64>, u64, Option<Block>), String> {
    use hdf5_sys::h5s;
    let unreadable = || "its dataspace cannot be read".to_owned();
    if space < 0 {
        return Err(unreadable());
    }
    let space = Owned(space, h5s::H5Sclose);
    let rank =
        usize::try_from(h5s::H5Sget_simple_extent_ndims(space.0)).map_err(|_| unreadable())?;
    if rank == 0 || rank > MAX_RANK {
        return Err(format!("a dataspace of {rank} dimensions"));
    }
    let points = match u64::try_from(h5s::H5Sget_select_npoints(space.0)) {
        Ok(0) => return Ok((0..0, 0, None)),
        Ok(points) => points,
        Err(_) => return Err(unreadable()),
    };
    let (mut start, mut end) = (vec![0 as hsize_t; rank], vec![0 as hsize_t; rank]);
    if h5s::H5Sget_select_bounds(space.0, start.as_mut_ptr(), end.as_mut_ptr()) < 0 {
        return Err("its selection has no bounds (an unlimited mapping?)".into());
    }
    Ok((
        start[0]..end[0].saturating_add(1),
        points,
        block_of(space.0),
    ))
}

/// The selection of `space` when it is one block: "all", or a regular hyperslab of one block in
/// every dimension (or of adjacent blocks along the first).
///
/// # Safety
/// Call under [`locked`] with a valid dataspace id.
unsafe fn block_of(space: hid_t) -> Option<Block> {
    // Declared with an integer result: a selection type is a C enum, and a value this build
    // does not know must be a number, not an invalid Rust enum.
    extern "C" {
        fn H5Sget_select_type(space: hid_t) -> std::ffi::c_int;
    }
    const HYPERSLABS: std::ffi::c_int = 2;
    const ALL: std::ffi::c_int = 3;
    use hdf5_sys::h5s;
    let rank = usize::try_from(h5s::H5Sget_simple_extent_ndims(space)).ok()?;
    if rank == 0 || rank > MAX_RANK {
        return None;
    }
    match H5Sget_select_type(space) {
        ALL => Some(Block {
            start: vec![0; rank],
            size: None,
        }),
        HYPERSLABS if h5s::H5Sis_regular_hyperslab(space) > 0 => {
            let [mut start, mut stride, mut count, mut block] = [(); 4].map(|()| vec![0; rank]);
            let found = h5s::H5Sget_regular_hyperslab(
                space,
                start.as_mut_ptr(),
                stride.as_mut_ptr(),
                count.as_mut_ptr(),
                block.as_mut_ptr(),
            );
            if found < 0 {
                return None;
            }
            let mut size = Vec::with_capacity(rank);
            for d in 0..rank {
                let adjacent = d == 0 && stride[0] == block[0];
                size.push(match count[d] {
                    1 => block[d],
                    n if adjacent => n.checked_mul(block[d])?,
                    _ => return None,
                });
            }
            Some(Block {
                start,
                size: Some(size),
            })
        }
        _ => None,
    }
}
