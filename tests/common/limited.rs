//! Running a command the way the hostile-file and damage tests do: in a limited address space,
//! with a timeout, its output to files (a pipe that fills up would stall a command that prints a
//! lot), and judging how it ended.

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How a child process ended, with what it printed.
pub struct Run {
    /// `None` when it was killed at the timeout.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` with at most `address_space` bytes of address space and `timeout`, its output
/// in files under `scratch`.
pub fn run_within(
    command: &mut Command,
    scratch: &Path,
    address_space: u64,
    timeout: Duration,
) -> Run {
    std::fs::create_dir_all(scratch).unwrap();
    let (out, err) = (scratch.join("stdout"), scratch.join("stderr"));
    command
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .stdin(Stdio::null())
        .env_remove("RUST_BACKTRACE");
    // SAFETY: setrlimit between fork and exec is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: address_space,
                rlim_max: address_space,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let mut child = super::spawn(command).unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned(),
    }
}

/// A clean result: exit 0, or exit 1 with an error message that says nothing of HDF5's
/// internals. Returns the problem otherwise.
pub fn clean(what: &str, run: &Run) -> Result<(), String> {
    let problem = |why: &str| Err(format!("{what}: {why}\n{}", run.stderr));
    let Some(status) = run.status else {
        return problem("timed out");
    };
    match status.code() {
        Some(0 | 1) => {}
        Some(code) => return problem(&format!("exit status {code}")),
        None => return problem(&format!("killed by a signal ({status:?})")),
    }
    for sign in [
        "panicked",
        "HDF5-DIAG",
        "memory allocation of",
        "RUST_BACKTRACE",
    ] {
        if run.stderr.contains(sign) {
            return problem(&format!("`{sign}` in its error output"));
        }
    }
    let internal = run
        .stderr
        .split_whitespace()
        .find(|word| word.starts_with("H5") && word.contains("()"));
    if let Some(word) = internal {
        return problem(&format!("names HDF5's internal function `{word}`"));
    }
    Ok(())
}
