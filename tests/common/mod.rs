//! What the tests share: starting child processes (and the command line) from tests that also
//! open HDF5 files, LHaloTree merger trees, and SAGE itself.
//!
//! HDF5 opens files without close-on-exec; galaxy-io marks them so while holding HDF5's global
//! lock. Starting a child under the same lock means it can never inherit (and keep locked) a
//! file that another test thread is opening. Each test binary uses part of this module.
#![allow(dead_code)]

pub mod lhalo;
pub mod sage;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Starts `command` under HDF5's global lock.
pub fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let _guard = hdf5_sys::LOCK.lock();
    command.spawn()
}

/// Runs `command` to completion, capturing its output, started under HDF5's global lock.
pub fn output(command: &mut Command) -> std::io::Result<Output> {
    spawn(command.stdout(Stdio::piped()).stderr(Stdio::piped()))?.wait_with_output()
}

/// Runs the `galaxy-io` command line in `cwd`.
pub fn galaxy_io(args: &[&str], cwd: &Path) -> Output {
    output(
        Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
            .args(args)
            .current_dir(cwd),
    )
    .expect("the galaxy-io binary runs")
}

/// The standard output of a command that must have succeeded.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The standard error of a command that must have failed cleanly: exit status 1, no signal, no
/// panic.
pub fn failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected a clean failure, got {:?}:\n{stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
