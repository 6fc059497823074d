//! What a child running a walk tells its parent, in a page they share: the structure it is
//! reading (its stage) and the first damage HDF5 reported. The parent reads it when the child
//! ends, or to see that a child still makes progress.

use hdf5_sys::h5::herr_t;
use hdf5_sys::h5i::hid_t;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};

/// Whether this process is a child running a walk.
static IN_CHILD: AtomicBool = AtomicBool::new(false);
/// The page the child reports its stage in (shared with the parent), while in a child.
static REPORT: AtomicPtr<Report> = AtomicPtr::new(std::ptr::null_mut());

/// What the child is reading, in a page shared with the parent: a sequence number, odd while
/// the text is being rewritten, and the text (the file, a tab, what of it); and the first
/// damage HDF5 reported, in the same form (the stage, a tab, HDF5's words), written once.
#[repr(C)]
pub(super) struct Report {
    sequence: AtomicU64,
    len: AtomicU64,
    text: [u8; TEXT],
    damage_len: AtomicU64,
    damage: [u8; DAMAGE],
}

const TEXT: usize = 2000;
const DAMAGE: usize = 2000;

/// Whether this process is a child running a walk: the walk then reads files directly, without
/// starting walks of its own.
pub(crate) fn in_child_process() -> bool {
    IN_CHILD.load(Ordering::Relaxed)
}

/// In a child running a walk, records that it is about to read `what` of `file` (the message
/// if HDF5 fails there); elsewhere does nothing (and `what` is not called).
pub(crate) fn stage(file: &Path, what: impl FnOnce() -> String) {
    if !in_child_process() {
        return;
    }
    let report = REPORT.load(Ordering::Relaxed);
    if report.is_null() {
        return;
    }
    let text = format!("{}\t{}", file.display(), what());
    let bytes = &text.as_bytes()[..text.len().min(TEXT)];
    // SAFETY: the page was mapped before the fork and stays mapped for the life of the child,
    // which has one thread: nothing else writes it, and the parent only reads it.
    unsafe {
        let report = &*report;
        let sequence = report.sequence.load(Ordering::Relaxed);
        report.sequence.store(sequence + 1, Ordering::Release);
        let text = std::ptr::addr_of!(report.text) as *mut u8;
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), text, bytes.len());
        report.len.store(bytes.len() as u64, Ordering::Relaxed);
        report.sequence.store(sequence + 2, Ordering::Release);
    }
}

/// Makes this process a child running a walk that reports to `page`: every failed HDF5 call now
/// reports its error stack to `record_damage`.
///
/// # Safety
/// Only in a freshly forked child, which has one thread, with `page` mapped for its life.
pub(super) unsafe fn report_to(page: *mut Report) {
    // SAFETY: as the caller promises; the callback stays valid for the life of the process.
    unsafe {
        hdf5_sys::h5e::H5Eset_auto2(
            hdf5_sys::h5e::H5E_DEFAULT,
            Some(record_damage),
            std::ptr::null_mut(),
        );
    }
    IN_CHILD.store(true, Ordering::Relaxed);
    REPORT.store(page, Ordering::Relaxed);
}

/// HDF5's report of a failed call, in the child: when its error stack says the file's metadata
/// is damaged, the first such report is kept in the shared page, with the stage.
unsafe extern "C" fn record_damage(stack: hid_t, _: *mut std::ffi::c_void) -> herr_t {
    let report = REPORT.load(Ordering::Relaxed);
    if report.is_null() || (*report).damage_len.load(Ordering::Relaxed) != 0 {
        return 0;
    }
    let mut words = String::new();
    hdf5_sys::h5e::H5Ewalk2(
        stack,
        hdf5_sys::h5e::H5E_direction_t::H5E_WALK_DOWNWARD,
        Some(collect_description),
        (&mut words as *mut String).cast(),
    );
    let Some(damage) = crate::hdf5::read::checked::metadata_damage(&words) else {
        return 0;
    };
    let report = &*report;
    let len = report.len.load(Ordering::Relaxed) as usize;
    let stage = &report.text[..len.min(TEXT)];
    let text = [stage, b"\t", damage.as_bytes()].concat();
    let text = &text[..text.len().min(DAMAGE)];
    let damage = std::ptr::addr_of!(report.damage) as *mut u8;
    std::ptr::copy_nonoverlapping(text.as_ptr(), damage, text.len());
    report
        .damage_len
        .store(text.len() as u64, Ordering::Release);
    0
}

/// Adds one entry of an HDF5 error stack (its description) to the `String` behind `data`.
unsafe extern "C" fn collect_description(
    _: std::ffi::c_uint,
    entry: *const hdf5_sys::h5e::H5E_error2_t,
    data: *mut std::ffi::c_void,
) -> herr_t {
    let words = &mut *data.cast::<String>();
    if let Some(entry) = entry.as_ref() {
        if !entry.desc.is_null() {
            words.push_str(&std::ffi::CStr::from_ptr(entry.desc).to_string_lossy());
            words.push(' ');
        }
    }
    0
}

/// An anonymous page shared by the parent and the child.
pub(super) struct SharedPage(pub(super) *mut Report);

impl SharedPage {
    pub(super) fn new() -> std::io::Result<SharedPage> {
        // SAFETY: a fresh anonymous shared mapping of a page, zeroed by the kernel (a valid
        // `Report`: zero counters and text).
        let page = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                std::mem::size_of::<Report>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if page == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(SharedPage(page.cast()))
    }

    fn report(&self) -> &Report {
        // SAFETY: mapped, initialised (zero) and alive as long as `self`.
        unsafe { &*self.0 }
    }

    pub(super) fn sequence(&self) -> u64 {
        self.report().sequence.load(Ordering::Acquire)
    }

    /// The damage the child's HDF5 reported, if any: the file, the structure and what is wrong.
    pub(super) fn damage(&self) -> Option<(Option<PathBuf>, String, String)> {
        let report = self.report();
        let len = (report.damage_len.load(Ordering::Acquire) as usize).min(DAMAGE);
        if len == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&report.damage[..len]).into_owned();
        let mut parts = text.splitn(3, '\t');
        let (file, what, damage) = (parts.next()?, parts.next()?, parts.next()?);
        let file = (!file.is_empty()).then(|| PathBuf::from(file));
        Some((file, what.to_owned(), damage.to_owned()))
    }

    /// The file and the structure of the last stage the child reported, if any.
    pub(super) fn stage(&self) -> (Option<PathBuf>, Option<String>) {
        let report = self.report();
        for _ in 0..100 {
            let before = report.sequence.load(Ordering::Acquire);
            if before == 0 {
                return (None, None);
            }
            let len = (report.len.load(Ordering::Relaxed) as usize).min(TEXT);
            let text = String::from_utf8_lossy(&report.text[..len]).into_owned();
            if before.is_multiple_of(2) && report.sequence.load(Ordering::Acquire) == before {
                let (file, what) = text.split_once('\t').unwrap_or(("", &text));
                let file = (!file.is_empty()).then(|| PathBuf::from(file));
                return (file, Some(what.to_owned()));
            }
            std::thread::yield_now();
        }
        (None, None)
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping made in `new`, once.
        unsafe { libc::munmap(self.0.cast(), std::mem::size_of::<Report>()) };
    }
}
