//! The child's side of a contained walk: cut loose from the parent's files, signal handlers and
//! logger, reporting to the shared page, and ended with `_exit` whatever the walk does.

use super::report::{self, Report};
use crate::error::Result;

/// The child's exit status when its walk ended, whatever it found.
pub(super) const EXITED: i32 = 0;
/// The child's exit status when its walk panicked.
pub(super) const PANICKED: i32 = 2;

/// The child's side: reports go to `page`, the walk runs, and the process ends without running
/// any of the parent's exit handlers or destructors.
///
/// # Safety
/// Only in a freshly forked child of a multi-threaded process.
pub(super) unsafe fn child(
    page: *mut Report,
    parent: u32,
    pipe: i32,
    walk: impl FnOnce() -> Result<()>,
) -> ! {
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
    report::report_to(page);
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
