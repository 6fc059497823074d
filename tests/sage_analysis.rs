//! sage-model's own analysis package, `sage-analysis` (PyPI; version 0.2.4, as sage-model asks
//! for), reads a master file over a 2-core demo run: the volume it divides by and the galaxies
//! of every core at every snapshot. (The `convert --par` output is checked the same way in
//! `tests/sage_fidelity.rs`, on SAGE's own output.)

mod common;

use common::{check_sage_analysis, galaxy_io, stdout};
use galaxy_io::Cosmology;

#[test]
fn sage_analysis_reads_a_two_core_run_through_its_master() {
    let dir = tempfile::tempdir().unwrap();
    for (task, galaxies) in [(0, "30000"), (1, "20000")] {
        stdout(&galaxy_io(
            &[
                "demo",
                "--galaxies",
                galaxies,
                "--snapshots",
                "3",
                "--task",
                &task.to_string(),
                "--tasks",
                "2",
                "-o",
                "model.hdf5",
            ],
            dir.path(),
        ));
    }
    stdout(&galaxy_io(
        &["merge", "model_0.hdf5", "model_1.hdf5", "-o", "model.hdf5"],
        dir.path(),
    ));
    let cores = [
        dir.path().join("model_0.hdf5"),
        dir.path().join("model_1.hdf5"),
    ];
    check_sage_analysis(
        &dir.path().join("model.hdf5"),
        &cores,
        Cosmology::MINI_MILLENNIUM.box_size,
        1.0,
    );
}
