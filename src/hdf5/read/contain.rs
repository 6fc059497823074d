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

mod child;
mod report;

use crate::error::{Error, Result};
use child::{child, EXITED, PANICKED};
use report::SharedPage;
pub(crate) use report::{in_child_process, stage};
use std::path::Path;
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
