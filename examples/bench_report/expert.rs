//! The expert C writer (`expert_writer.c`): compiled here against the same HDF5, then run as a
//! contender on the same records, which it reads before its clock starts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Compiles the writer into `dir`; `None` (and why, on stderr) when it cannot be built.
pub fn build(dir: &Path) -> Option<PathBuf> {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_report/expert_writer.c");
    let binary = dir.join("expert_writer");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "hdf5"])
        .output()
        .ok()
        .filter(|out| out.status.success())?;
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let built = Command::new("cc")
        .args(["-O2", "-march=x86-64", "-o"])
        .arg(&binary)
        .arg(&source)
        .args(flags.split_whitespace())
        .output()
        .ok()?;
    if !built.status.success() {
        eprintln!(
            "the expert C writer did not build: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        return None;
    }
    Some(binary)
}

/// Runs the writer on the records of each snapshot (`records` with the snapshot as its
/// extension), in chunks of `chunk_rows` rows; its own timing of the writing.
pub fn run(
    binary: &Path,
    records: &Path,
    output: &Path,
    chunk_rows: usize,
    snapshots: &[u32],
) -> Option<Duration> {
    let mut command = Command::new(binary);
    command.arg(output).arg(chunk_rows.to_string());
    for snapshot in snapshots {
        command.arg(format!(
            "{snapshot}={}",
            records.with_extension(snapshot.to_string()).display()
        ));
    }
    let out = command.output().ok()?;
    if !out.status.success() {
        eprintln!(
            "the expert C writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let seconds: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some(Duration::from_secs_f64(seconds))
}
