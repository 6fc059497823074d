//! Starting child processes from tests that also open HDF5 files.
//!
//! HDF5 opens files without close-on-exec; galaxy-io marks them so while holding HDF5's global
//! lock. Starting a child under the same lock means it can never inherit (and keep locked) a
//! file that another test thread is opening. Each test binary uses part of this module.
#![allow(dead_code)]

pub mod lhalo;
pub mod sage;

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
