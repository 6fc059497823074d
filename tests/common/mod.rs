//! What the tests share: starting child processes (and the command line) from tests that also
//! open HDF5 files, LHaloTree merger trees, and SAGE itself.
//!
//! HDF5 opens files without close-on-exec; galaxy-io marks them so while holding HDF5's global
//! lock. Starting a child under the same lock means it can never inherit (and keep locked) a
//! file that another test thread is opening. Each test binary uses part of this module.
#![allow(dead_code)]

#[path = "../../galaxy-io-c/tests/common/c_library.rs"]
pub mod c_library;
pub mod child;
pub mod lhalo;
pub mod limited;
pub mod sage;
pub mod sage_compare;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Starts `command` under HDF5's global lock.
pub fn spawn(command: &mut Command) -> std::io::Result<Child> {
    hdf5::sync::sync(|| command.spawn())
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

/// What sage-model's own analysis package (`sage-analysis`, from PyPI) makes of a catalogue, as
/// `tests/python/sage_analysis_read.py` reports it: volume, cores, galaxies per core and snapshot.
pub fn sage_analysis(catalogue: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/sage_analysis_read.py");
    let run = output(Command::new("python3").arg(script).arg(catalogue))
        .expect("python3 runs (bash .ci/run installs sage-analysis)");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("No module named 'sage_analysis'"),
        "sage-analysis must be installed: python3 -m pip install sage-analysis==0.2.4 (bash .ci/run does)"
    );
    assert!(run.status.success(), "sage-analysis failed:\n{stderr}");
    serde_json::from_slice(&run.stdout).expect("one JSON object")
}

/// Checks sage-analysis's reading of `master` (whose `Core_<i>` is `cores[i]`) against the
/// library's: the volume is the box's times the summed volume fractions, and the galaxies of
/// every core at every snapshot agree.
pub fn check_sage_analysis(
    master: &Path,
    cores: &[std::path::PathBuf],
    box_size: f64,
    fraction: f64,
) {
    let report = sage_analysis(master);
    let volume = report["volume"].as_f64().unwrap();
    let expected = box_size.powi(3) * fraction;
    assert!(
        (volume - expected).abs() <= 1e-9 * expected,
        "sage-analysis's volume is {volume}, not {expected}: {report}"
    );
    assert_eq!(
        report["num_cores"].as_u64(),
        Some(cores.len() as u64),
        "{report}"
    );
    let snapshots = galaxy_io::Catalogue::open(master)
        .unwrap()
        .snapshots()
        .unwrap();
    for (core, path) in cores.iter().enumerate() {
        let catalogue = galaxy_io::Catalogue::open(path).unwrap();
        for &snapshot in &snapshots {
            let ours = catalogue.num_galaxies(snapshot).unwrap_or(0);
            let theirs = report["galaxies"][core.to_string()][snapshot.to_string()].as_u64();
            assert_eq!(theirs, Some(ours), "core {core}, Snap_{snapshot}: {report}");
        }
    }
}
