//! The expert C writer (`expert_writer.c`): compiled here against the same HDF5, then run as a
//! contender on the same records, which it reads before its clock starts.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

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
