//! Reading from C what the history index answers: where a galaxy appears, snapshot by snapshot.
//! A catalogue is opened once and kept as a handle, so that following many galaxies loads its
//! index once.

use crate::handle::{self, Registry};
use crate::status::{gio_status, guard};
use crate::text;
use galaxy_io::Catalogue;
use std::ffi::c_char;

/// An open catalogue (an output or a master). Opaque; made by `gio_catalogue_open`, released by
/// `gio_catalogue_free`.
#[derive(Debug)]
pub struct gio_catalogue {
    _opaque: [u8; 0],
}

/// One place a galaxy appears: a row of a snapshot's datasets (a master's row counts the rows of
/// every output before it, as its own `Snap_<N>` datasets do).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct gio_appearance {
    /// The snapshot.
    pub snapshot: u32,
    /// The row.
    pub row: u64,
}

static CATALOGUES: Registry<Catalogue> = Registry::new("catalogue");

/// Opens the catalogue at `path` for reading (every object is checked before it is read).
///
/// ```c
/// gio_catalogue *catalogue = NULL;
/// if (gio_catalogue_open("model.hdf5", &catalogue) != GIO_OK)
///     fprintf(stderr, "%s\n", gio_last_error());
/// ```
///
/// # Safety
/// `path` is NULL (an error) or NUL-terminated; `out` is NULL (an error) or valid for writing a
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_catalogue_open(
    path: *const c_char,
    out: *mut *mut gio_catalogue,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let (path, out) = unsafe { (text::string(path, "path")?, text::out(out, "out")?) };
        let catalogue = Catalogue::open(path)?;
        *out = CATALOGUES.insert(catalogue)? as *mut gio_catalogue;
        Ok(())
    })
}

/// Where the galaxy whose key (SAGE's `GalaxyIndex`) is `key` appears, oldest snapshot first:
/// the first `capacity` places go to `places`, and `*count` is how many there are (call again
/// with more room when it is larger). `*indexed` (if not NULL) is 1 when the file's history
/// index answered, 0 when the file had none and was scanned (once, for every later call). A key
/// no galaxy has is `GIO_UNKNOWN_KEY`.
///
/// ```c
/// gio_appearance places[64];
/// size_t count = 0;
/// if (gio_catalogue_history(catalogue, 1000000042, places, 64, &count, NULL) == GIO_OK)
///     for (size_t i = 0; i < count && i < 64; i++)
///         printf("Snap_%u row %llu\n", places[i].snapshot, (unsigned long long)places[i].row);
/// ```
///
/// # Safety
/// `places` is NULL (only with `capacity` 0) or valid for writing `capacity` places; `count` is
/// NULL (an error) or valid for writes; `indexed` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn gio_catalogue_history(
    catalogue: *const gio_catalogue,
    key: i64,
    places: *mut gio_appearance,
    capacity: usize,
    count: *mut usize,
    indexed: *mut u8,
) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract, passed on.
        let (places, count) = unsafe {
            (
                text::slice_mut(places, capacity, "places")?,
                text::out(count, "count")?,
            )
        };
        let history = CATALOGUES.with(handle::id(catalogue, "catalogue")?, |catalogue| {
            Ok(catalogue.history(key)?)
        })?;
        *count = history.appearances.len();
        for (place, found) in places.iter_mut().zip(&history.appearances) {
            *place = gio_appearance {
                snapshot: found.snapshot,
                row: found.row,
            };
        }
        // SAFETY: the caller's contract: NULL or valid for writes.
        if let Some(indexed) = unsafe { indexed.as_mut() } {
            *indexed = u8::from(history.indexed);
        }
        Ok(())
    })
}

/// Closes a catalogue and sets `*catalogue` to NULL. Freeing NULL, or a catalogue freed
/// already, is an error (`GIO_NULL_POINTER`, `GIO_INVALID_HANDLE`).
///
/// # Safety
/// `catalogue` is NULL (an error) or valid for reading and writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn gio_catalogue_free(catalogue: *mut *mut gio_catalogue) -> gio_status {
    guard(|| {
        // SAFETY: the caller's contract.
        let slot = unsafe { text::out(catalogue, "catalogue") }?;
        CATALOGUES.remove(handle::id(*slot, "*catalogue")?)?;
        *slot = std::ptr::null_mut();
        Ok(())
    })
}
