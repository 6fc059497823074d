//! Containing HDF5's failures on damaged files. Debian's HDF5 1.10.8 has memory errors of its
//! own on some damaged metadata (a link table freed twice, attribute messages read past their
//! end): no check galaxy-io makes before calling it can rule them out. So the first walk over
//! the structures of a file not known to be sound runs in a child process ([`in_child`]): if
//! HDF5 crashes or stops making progress there, that becomes [`Error::Damaged`], naming the file
//! and what HDF5 was reading ([`stage`]); if the walk ends, the process itself then reads the
//! same structures, which HDF5 decodes the same way.
//!
//! HDF5's crashes on damaged metadata happen mostly on its error paths (a structure freed twice
//! after a decoding error), and whether a heap error ends a process depends on the state of its
//! heap: the same call that did not crash in the child might in the parent. So a walk on which
//! HDF5 reports damaged metadata (a checksum, a signature, an address past the end) fails too:
//! the process does not repeat it.
//!
//! The child is a `fork` of the process, not a new program, so that library users need no
//! helper executable: it is made while holding HDF5's global lock (no other thread is inside
//! HDF5 then, and the child owns the lock), runs only the walk, and ends with `_exit`, so that
//! nothing of the parent (buffers, temporary files, HDF5's open files) is flushed or removed.

use crate::error::{Error, Result};
use hdf5_sys::h5::herr_t;
use hdf5_sys::h5i::hid_t;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long the walk may go without reaching a new structure before it counts as hung: far
/// longer than HDF5 takes over any one structure of a sound file (a chunk index of millions of
/// chunks takes seconds). HDF5 1.10.8 loops forever on some damaged structures (a global heap
/// collection whose object has a size of zero, where a master keeps its mappings), and a
/// command waits this long before it says so.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// The variable that sets another limit than [`IDLE_LIMIT`], in whole seconds: shorter where
/// damaged files are expected and small (the damage corpus), longer for huge chunk indexes on
/// a slow file system.
const IDLE_LIMIT_VARIABLE: &str = "GALAXY_IO_SURVEY_IDLE_SECONDS";

/// The limit in force: [`IDLE_LIMIT_VARIABLE`]'s, when it is a whole number of seconds above
/// zero, or [`IDLE_LIMIT`].
fn idle_limit() -> Duration {
    std::env::var(IDLE_LIMIT_VARIABLE)
        .ok()
        .and_then(|seconds| seconds.trim().parse::<u64>().ok())
        .filter(|&seconds| seconds > 0)
        .map_or(IDLE_LIMIT, Duration::from_secs)
}

/// Whether this process is a child running a walk.
static IN_CHILD: AtomicBool = AtomicBool::new(false);
/// The page the child reports its stage in (shared with the parent), while in a child.
static REPORT: AtomicPtr<Report> = AtomicPtr::new(std::ptr::null_mut());

/// What the child is reading, in a page shared with the parent: a sequence number, odd while
/// the text is being rewritten, and the text (the file, a tab, what of it); and the first
/// damage HDF5 reported, in the same form (the stage, a tab, HDF5's words), written once.
#[repr(C)]
struct Report {
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

/// What it means when HDF5 reports damaged metadata during a walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnDamage {
    /// The file is damaged: the walk fails, and the process does not read it.
    Refuse,
    /// Nothing: a file a writer is still writing has structures that are not written yet.
    Expect,
}

/// Runs `walk` in a child process: `Ok` when it ends (whatever it found: an error it met is met
/// again by the reads that follow, in this process), [`Error::Damaged`] when HDF5 crashed or
/// stopped making progress in it, or reported damaged metadata (unless `on_damage` expects
/// it), naming the file and the structure from the last [`stage`] (`file` when there was
/// none). In a child already, `walk` runs in place.
pub(crate) fn in_child(
    file: &Path,
    on_damage: OnDamage,
    walk: impl FnOnce() -> Result<()>,
) -> Result<()> {
    if in_child_process() {
        return walk().or(Ok(()));
    }
    let page = SharedPage::new().map_err(|e| Error::io("starting a child to read", file, e))?;
    let mut pipe = [0; 2];
    // SAFETY: a two-element array for the descriptors.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        let error = std::io::Error::last_os_error();
        return Err(Error::io("starting a child to read", file, error));
    }
    let [read_end, write_end] = pipe;
    let parent = std::process::id();
    // SAFETY: forked while holding HDF5's lock, so that no other thread is inside HDF5 (and
    // none holds its state half-changed). The child runs the walk and ends with `_exit` inside
    // the closure: it never releases the lock, whose release could hand it to a thread of the
    // parent that was waiting for it and does not exist in the child.
    let pid = crate::hdf5::ffi::locked(|| unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::close(read_end);
            child(page.0, parent, write_end, walk)
        }
        pid
    });
    // SAFETY: the parent's copy of the write end; the child holds its own.
    unsafe { libc::close(write_end) };
    if pid < 0 {
        // SAFETY: closing the descriptor this function opened.
        unsafe { libc::close(read_end) };
        let error = std::io::Error::last_os_error();
        return Err(Error::io("starting a child to read", file, error));
    }
    let limit = idle_limit();
    let ended = wait_for(pid, read_end, &page, limit);
    // SAFETY: closing the descriptor this function opened.
    unsafe { libc::close(read_end) };
    let (stage_file, what) = page.stage();
    let path = stage_file.unwrap_or_else(|| file.to_owned());
    let what = what.unwrap_or_else(|| "its superblock".to_owned());
    match ended {
        Ended::Exited => match page.damage().filter(|_| on_damage == OnDamage::Refuse) {
            None => Ok(()),
            Some((path, what, damage)) => Err(Error::Damaged {
                path: path.unwrap_or_else(|| file.to_owned()),
                problem: format!("{what}: {damage}"),
            }),
        },
        Ended::Signal(signal) => Err(Error::Damaged {
            path,
            problem: format!(
                "HDF5 failed while reading {what} ({}, in a child process; nothing was changed)",
                signal_name(signal)
            ),
        }),
        Ended::Status(status) => Err(Error::Damaged {
            path,
            problem: format!(
                "HDF5 failed while reading {what} (the child process reading it ended with \
                 status {status}; nothing was changed)"
            ),
        }),
        Ended::Hung => Err(Error::Damaged {
            path,
            problem: format!(
                "HDF5 was still reading {what} after {} s without progress (stopped; nothing \
                 was changed)",
                limit.as_secs()
            ),
        }),
    }
}

/// The child's side: reports go to `page`, the walk runs, and the process ends without running
/// any of the parent's exit handlers or destructors.
///
/// # Safety
/// Only in a freshly forked child of a multi-threaded process.
unsafe fn child(page: *mut Report, parent: u32, pipe: i32, walk: impl FnOnce() -> Result<()>) -> ! {
    // The child dies with its parent, leaves no core file, and is not stopped by the
    // parent's interrupt handlers (its parent handles them).
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    if libc::getppid() as u32 != parent {
        libc::_exit(3);
    }
    let_go_of_inherited_files(pipe);
    libc::prctl(libc::PR_SET_DUMPABLE, 0);
    // A crash must end the child by its signal, for the parent to see it: the handlers of
    // the parent's program (a fuzzer's, Rust's own for stack overflows) are set aside.
    for signal in [
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGPIPE,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGABRT,
        libc::SIGFPE,
        libc::SIGILL,
    ] {
        libc::signal(signal, libc::SIG_DFL);
    }
    // A logger's lock may be held by a thread that does not exist here.
    log::set_max_level(log::LevelFilter::Off);
    // Every failed HDF5 call now reports its error stack to `record_damage`.
    hdf5_sys::h5e::H5Eset_auto2(
        hdf5_sys::h5e::H5E_DEFAULT,
        Some(record_damage),
        std::ptr::null_mut(),
    );
    IN_CHILD.store(true, Ordering::Relaxed);
    REPORT.store(page, Ordering::Relaxed);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(walk));
    libc::_exit(match outcome {
        Ok(_) => EXITED,
        // A panic is galaxy-io's own fault, and happens again in the parent, reported there.
        Err(_) => PANICKED,
    })
}

/// Gives every descriptor the child inherited (but standard input and output, standard error
/// and `keep`) an open file description of its own: a regular file is opened again, read-only,
/// anything else replaced by `/dev/null`. Locks on a file (`flock`, which HDF5 takes) belong to
/// its open file description, which a copy of a descriptor keeps alive: a file the parent (any of
/// its threads) has open, or closes while the child runs, would stay locked against the parent
/// until the child ends. The numbers stay, and so do the files behind them, so that a file the
/// parent's HDF5 has open reads the same in the child.
///
/// # Safety
/// Only in a freshly forked child, which has one thread.
unsafe fn let_go_of_inherited_files(keep: i32) {
    let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
    if null < 0 {
        return;
    }
    let descriptors: Vec<i32> = match std::fs::read_dir("/proc/self/fd") {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => (3..1024).collect(),
    };
    for fd in descriptors {
        if fd <= 2 || fd == keep || fd == null {
            continue;
        }
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut stat) != 0 {
            continue;
        }
        let again = if stat.st_mode & libc::S_IFMT == libc::S_IFREG {
            let path = format!("/proc/self/fd/{fd}\0");
            libc::open(path.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC)
        } else {
            -1
        };
        libc::dup2(if again >= 0 { again } else { null }, fd);
        if again >= 0 {
            libc::close(again);
        }
    }
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

/// The child's exit status when its walk ended, whatever it found.
const EXITED: i32 = 0;
/// The child's exit status when its walk panicked.
const PANICKED: i32 = 2;

/// How the child ended.
enum Ended {
    /// On its own (whatever its walk found).
    Exited,
    /// Killed by this signal.
    Signal(i32),
    /// With another exit status than its own: something else ended it (a handler of crashes).
    Status(i32),
    /// Stopped here after making no progress for the idle limit.
    Hung,
}

/// Waits for the child `pid` to end: its end of the pipe `read_end` closes when it does; it is
/// killed when the stage in `page` does not change for `limit`.
fn wait_for(pid: libc::pid_t, read_end: i32, page: &SharedPage, limit: Duration) -> Ended {
    let mut last = (page.sequence(), Instant::now());
    let hung = loop {
        let mut poll = libc::pollfd {
            fd: read_end,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, 200) };
        if ready > 0 {
            let mut byte = [0u8; 64];
            // SAFETY: reading into a local buffer of its size.
            let read = unsafe { libc::read(read_end, byte.as_mut_ptr().cast(), byte.len()) };
            if read <= 0 {
                break false;
            }
            continue;
        }
        if ready < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break false;
        }
        let sequence = page.sequence();
        if sequence != last.0 {
            last = (sequence, Instant::now());
        } else if last.1.elapsed() > limit {
            break true;
        }
    };
    if hung {
        // SAFETY: the child is ours and has not been waited for.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    loop {
        // SAFETY: waiting for our own child.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        if waited == pid {
            break;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // Not ours to wait for (SIGCHLD ignored): it ended, and said nothing wrong.
            return if hung { Ended::Hung } else { Ended::Exited };
        }
    }
    if hung {
        Ended::Hung
    } else if libc::WIFSIGNALED(status) {
        Ended::Signal(libc::WTERMSIG(status))
    } else {
        match libc::WEXITSTATUS(status) {
            EXITED | PANICKED => Ended::Exited,
            other => Ended::Status(other),
        }
    }
}

/// An anonymous page shared by the parent and the child.
struct SharedPage(*mut Report);

impl SharedPage {
    fn new() -> std::io::Result<SharedPage> {
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

    fn sequence(&self) -> u64 {
        self.report().sequence.load(Ordering::Acquire)
    }

    /// The damage the child's HDF5 reported, if any: the file, the structure and what is wrong.
    fn damage(&self) -> Option<(Option<PathBuf>, String, String)> {
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
    fn stage(&self) -> (Option<PathBuf>, Option<String>) {
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

/// A signal as people know it.
fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGSEGV => "a segmentation fault".into(),
        libc::SIGBUS => "a bus error".into(),
        libc::SIGABRT => "an abort".into(),
        libc::SIGFPE => "an arithmetic error".into(),
        libc::SIGILL => "an illegal instruction".into(),
        libc::SIGKILL => "killed".into(),
        other => format!("signal {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_in_the_child_is_an_error_naming_the_last_stage() {
        let file = Path::new("damaged.hdf5");
        assert!(in_child(file, OnDamage::Refuse, || Ok(())).is_ok());
        assert!(in_child(file, OnDamage::Refuse, || Err(Error::Schema(
            "found".into()
        )))
        .is_ok());
        let crashed = in_child(file, OnDamage::Refuse, || {
            stage(Path::new("other.hdf5"), || {
                "the group table of /Snap_63".into()
            });
            // SAFETY: ends the child, as HDF5 does on some damaged files (Rust's own handler,
            // for stack overflows, is set aside first).
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            }
            Ok(())
        });
        match crashed {
            Err(Error::Damaged { path, problem }) => {
                assert_eq!(path, Path::new("other.hdf5"));
                assert!(
                    problem.starts_with("HDF5 failed while reading the group table of /Snap_63"),
                    "{problem}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(!in_child_process(), "the parent is not a child");
    }
}
