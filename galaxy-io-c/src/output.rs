//! Outputs from C: create, write rows per snapshot (and per tree), flush, finish or free.

use crate::handle::{self, Registry};
use crate::schema::{self, gio_schema};
use crate::status::{gio_status, guard, Failure};
use crate::text;
use galaxy_io::{BufferConfig, Durability, Hdf5Options, Header, SchemaOutput};
use std::ffi::{c_char, c_void};

/// An HDF5 catalogue being written. Opaque; made by `gio_output_create`, ended by
/// `gio_output_finish` (or abandoned by `gio_output_free`).
#[derive(Debug)]
pub struct gio_output {
    _opaque: [u8; 0],
}

/// What survives a crash (galaxy-io's `Durability`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum gio_durability {
    /// Everything is made durable at finish; a crash before loses the file. Fastest.
    GIO_DURABILITY_AT_FINISH = 0,
    /// After every buffer flush the file is flushed: a crash loses at most what is in memory.
    GIO_DURABILITY_FLUSH_EACH_BUFFER = 1,
    /// Single-writer/multiple-reader: readers can follow the run while it writes.
    GIO_DURABILITY_SWMR = 2,
}

/// How an output is written; start from `gio_options_default()` and change what you need.
/// Flags are 0 (off) or anything else (on).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct gio_options {
    /// Bytes each snapshot's buffer starts with.
    pub buffer_initial_bytes: usize,
    /// Bytes a snapshot's buffer may grow to before it is written.
    pub buffer_max_bytes: usize,
    /// Rows per HDF5 chunk, the same for every dataset.
    pub chunk_rows: usize,
    /// A `gio_durability`.
    pub durability: u32,
    /// This output is task `task_index` (from 0) of `task_count` tasks, and writes
    /// `<name>_<task_index>.hdf5` for the path `<name>.hdf5`; `task_count` 0 for a single output.
    pub task_index: u32,
    /// The number of tasks, or 0.
    pub task_count: u32,
    /// The number of merger trees, when known: tree numbers must then be below it. 0: trees
    /// are numbered from 0 without gaps.
    pub trees: usize,
    /// Write on a thread of the library's own, so that the model's work and the output overlap.
    pub background: u8,
    /// Replace an existing file instead of failing with `GIO_FILE_EXISTS`.
    pub replace: u8,
}

/// The library's default options: 4 MiB buffers growing to 8 MiB, 16384 rows per chunk,
/// durable at finish, one task, trees undeclared, on the caller's thread, no replacing.
///
/// ```c
/// gio_options options = gio_options_default();
/// options.durability = GIO_DURABILITY_FLUSH_EACH_BUFFER;
/// ```
#[no_mangle]
pub extern "C" fn gio_options_default() -> gio_options {
    let buffer = BufferConfig::default();
    gio_options {
        buffer_initial_bytes: buffer.initial_size,
        buffer_max_bytes: buffer.max_size,
        chunk_rows: galaxy_io::DEFAULT_CHUNK_ROWS,
        durability: gio_durability::GIO_DURABILITY_AT_FINISH as u32,
        task_index: 0,
        task_count: 0,
        trees: 0,
        background: 0,
        replace: 0,
    }
}

impl gio_options {
    fn to_options(self, header: Header) -> Result<Hdf5Options, Failure> {
        let buffer = BufferConfig {
            initial_size: self.buffer_initial_bytes,
            max_size: self.buffer_max_bytes,
            ..BufferConfig::default()
        };
        buffer.validate()?;
        let durability = match self.durability {
            0 => Durability::AtFinish,
            1 => Durability::FlushEachBuffer,
            2 => Durability::Swmr,
            other => {
                return Err(Failure::invalid(format!(
                    "{other} is not a gio_durability (0 to 2)"
                )))
            }
        };
        let mut options = Hdf5Options::default()
            .buffer(buffer)
            .chunk_rows(self.chunk_rows)
            .durability(durability)
            .background(self.background != 0)
            .replace(self.replace != 0)
            .header(header);
        if self.task_count > 0 {
            options = options.task(self.task_index, self.task_count);
        }
        if self.trees > 0 {
            options = options.trees(self.trees);
        }
        Ok(options)
    }
}

pub(crate) static OUTPUTS: Registry<SchemaOutput> = Registry::new("gio_output");

/// Creates the file at `path` (or its task's file, see `gio_options.task_count`) with one
/// `Snap_<N>` group per output snapshot and one empty dataset per field of `schema`. The output
/// snapshots are each listed once (an empty list, or one listed twice, is
/// `GIO_INVALID_ARGUMENT`). `snapshot_redshifts` holds the redshift of every snapshot of the simulation, snapshot 0
/// first (`Header/snapshot_redshifts`, and each group's `redshift`); NULL with
/// `n_redshifts` 0 for none. `options` NULL means `gio_options_default()`. On success
/// `*output` is the new handle; on failure it is left as it was.
///
/// ```c
/// uint32_t snapshots[] = {63, 37};
/// double redshifts[64] = {0};  // from the snapshot list
/// gio_output *output = NULL;
/// gio_output_create("out/model.hdf5", schema, snapshots, 2, redshifts, 64, NULL, &output);
/// ```
///
/// # Safety
/// `path` is NULL (an error) or NUL-terminated; the arrays are NULL or hold the counts given;
/// `options` is NULL or valid; `output` is NULL (an error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_output_create(
    path: *const c_char,
    schema: *const gio_schema,
    snapshots: *const u32,
    n_snapshots: usize,
    snapshot_redshifts: *const f64,
    n_redshifts: usize,
    options: *const gio_options,
    output: *mut *mut gio_output,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let (path, snapshots, redshifts, options, output) = unsafe {
            (
                text::string(path, "path")?,
                text::slice(snapshots, n_snapshots, "snapshots")?,
                text::slice(snapshot_redshifts, n_redshifts, "snapshot_redshifts")?,
                options
                    .as_ref()
                    .copied()
                    .unwrap_or_else(|| gio_options_default()),
                text::out(output, "output")?,
            )
        };
        let mut header = Header::default();
        header.snapshot_redshifts = redshifts.to_vec();
        let schema = schema::get(schema)?;
        let created = SchemaOutput::create(path, schema, snapshots, options.to_options(header)?)?;
        *output = OUTPUTS.insert(created)? as *mut gio_output;
        Ok(())
    })
}

/// Runs `f` on a live output; its errors name the output's file, where the library's do not
/// (rows refused for a snapshot say only which snapshot).
pub(crate) fn with(
    output: *const gio_output,
    f: impl FnOnce(&mut SchemaOutput) -> Result<(), Failure>,
) -> gio_status {
    guard(|| {
        OUTPUTS.with(handle::id(output, "output")?, |output| {
            f(output).map_err(|mut failure| {
                let path = output.path().display().to_string();
                if !failure.message.contains(&path) {
                    failure.message = format!("{path}: {}", failure.message);
                }
                failure
            })
        })
    })
}

/// Appends `bytes` bytes of whole records (see `gio_output_record_size`) to `snapshot`. A
/// length that is not a whole number of records, or a snapshot the output does not have, is
/// `GIO_BAD_INPUT`, and nothing is written.
///
/// ```c
/// gio_sage_galaxy galaxies[100];
/// gio_output_write(output, 63, galaxies, sizeof galaxies);
/// ```
///
/// # Safety
/// `rows` is NULL (an error unless `bytes` is 0) or holds `bytes` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn gio_output_write(
    output: *mut gio_output,
    snapshot: u32,
    rows: *const c_void,
    bytes: usize,
) -> gio_status {
    with(output, |output| {
        // SAFETY: the caller's contract.
        let rows = unsafe { text::slice(rows.cast::<u8>(), bytes, "rows") }?;
        Ok(output.write(snapshot, rows)?)
    })
}

/// As `gio_output_write`, for records of merger tree `tree`: the output counts them, and
/// `gio_output_finish` writes the counts as `TreeInfo/Snap_<N>/NumGalsPerTreePerSnap`. Trees
/// are numbered from 0, below `gio_options.trees` when it is set and otherwise without gaps
/// (writing 0 bytes for a tree declares it).
///
/// # Safety
/// As `gio_output_write`.
#[no_mangle]
pub unsafe extern "C" fn gio_output_write_tree(
    output: *mut gio_output,
    snapshot: u32,
    tree: usize,
    rows: *const c_void,
    bytes: usize,
) -> gio_status {
    with(output, |output| {
        // SAFETY: the caller's contract.
        let rows = unsafe { text::slice(rows.cast::<u8>(), bytes, "rows") }?;
        Ok(output.write_tree(snapshot, tree, rows)?)
    })
}

/// The size in bytes of one record of the output's rows.
///
/// # Safety
/// `size` is NULL (an error) or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn gio_output_record_size(
    output: *const gio_output,
    size: *mut usize,
) -> gio_status {
    with(output, |output| {
        // SAFETY: the caller's contract.
        *unsafe { text::out(size, "size") }? = output.schema().record_size();
        Ok(())
    })
}

/// Hands every buffered galaxy to HDF5 (and waits for it, with `background`).
#[no_mangle]
pub extern "C" fn gio_output_flush(output: *mut gio_output) -> gio_status {
    with(output, |output| Ok(output.flush()?))
}

/// Flushes every buffer, writes `num_gals`, the per-tree counts and the header, closes the
/// file, and sets `*output` to NULL: the handle is ended whether this succeeds or not (a
/// failed finish leaves the file as a crash would; `gio_recover` mends it).
///
/// ```c
/// if (gio_output_finish(&output) != GIO_OK) fprintf(stderr, "%s\n", gio_last_error());
/// // output == NULL
/// ```
///
/// # Safety
/// `output` is NULL (an error) or valid for reading and writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_output_finish(output: *mut *mut gio_output) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { text::out(output, "output") }?;
        let live = end(slot)?;
        live.finish()?;
        Ok(())
    })
}

/// Takes the live output `*slot` names out of the registry (once the calls other threads are in
/// the middle of on it have returned) and sets `*slot` to NULL: from here on the handle is
/// ended, whatever finishing it gives. A handle that is not live is left as it is.
fn end(slot: &mut *mut gio_output) -> Result<SchemaOutput, Failure> {
    let removed = OUTPUTS.remove(handle::id(*slot, "*output")?);
    if !removed
        .as_ref()
        .is_err_and(|failure| failure.status == gio_status::GIO_INVALID_HANDLE)
    {
        *slot = std::ptr::null_mut();
    }
    removed
}

/// Abandons an output without finishing it and sets `*output` to NULL: buffered galaxies are
/// written best-effort and the file is left readable but incomplete (no `num_gals`, header or
/// tree counts), as after a crash. For error paths; `gio_output_finish` is the normal end.
///
/// # Safety
/// `output` is NULL (an error) or valid for reading and writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_output_free(output: *mut *mut gio_output) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { text::out(output, "output") }?;
        drop(end(slot)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{gio_schema_add_field, gio_schema_free, gio_schema_new};
    use std::ffi::CString;

    /// A finish that comes while another thread writes waits for the write in progress, ends
    /// the handle (NULL, as the header promises) and writes every row that was accepted.
    #[test]
    fn finishing_while_another_thread_writes_ends_the_handle_and_keeps_every_accepted_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.hdf5");
        let c_path = CString::new(path.to_str().unwrap()).unwrap();
        let name = CString::new("Mass").unwrap();
        let mut schema: *mut gio_schema = std::ptr::null_mut();
        let mut output: *mut gio_output = std::ptr::null_mut();
        let snapshot = 63u32;
        // SAFETY: valid strings, arrays and out-pointers, as the C API asks.
        unsafe {
            assert_eq!(gio_schema_new(8, &mut schema), gio_status::GIO_OK);
            let double = crate::schema::gio_dtype::GIO_DOUBLE as u32;
            let added = gio_schema_add_field(
                schema,
                name.as_ptr(),
                double,
                0,
                1,
                std::ptr::null(),
                std::ptr::null(),
            );
            assert_eq!(added, gio_status::GIO_OK);
            let created = gio_output_create(
                c_path.as_ptr(),
                schema,
                &snapshot,
                1,
                std::ptr::null(),
                0,
                std::ptr::null(),
                &mut output,
            );
            assert_eq!(created, gio_status::GIO_OK);
        }
        let handle = output as usize;
        let writer = std::thread::spawn(move || {
            let rows = vec![1.5f64; 1000];
            let mut accepted = 0u64;
            loop {
                // SAFETY: `rows` holds the bytes given; the handle may end meanwhile, which the
                // registry reports.
                let status = unsafe {
                    gio_output_write(
                        handle as *mut gio_output,
                        63,
                        rows.as_ptr().cast(),
                        rows.len() * 8,
                    )
                };
                match status {
                    gio_status::GIO_OK => accepted += rows.len() as u64,
                    other => return (accepted, other),
                }
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        // SAFETY: `output` is a live handle's slot.
        assert_eq!(
            unsafe { gio_output_finish(&mut output) },
            gio_status::GIO_OK
        );
        assert!(output.is_null(), "*output is NULL after finish");
        let (accepted, ended) = writer.join().unwrap();
        assert_eq!(ended, gio_status::GIO_INVALID_HANDLE);
        assert!(accepted > 0);
        let catalogue = galaxy_io::Catalogue::open(&path).unwrap();
        assert_eq!(catalogue.num_galaxies(63).unwrap(), accepted);
        // SAFETY: `schema` is a live handle's slot.
        assert_eq!(unsafe { gio_schema_free(&mut schema) }, gio_status::GIO_OK);
    }
}
