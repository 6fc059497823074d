//! A master over more outputs than a process may open files: HDF5 (and h5py) keep every source
//! of a virtual dataset open while reading it, and read the rows of those they cannot open as
//! fill values without an error. galaxy-io reads its masters through their outputs in turn, so
//! the library and every command read every row, whatever the limit of open files.

mod common;

use common::limited::{clean, run_within};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{write_master, Catalogue, Hdf5Options, Hdf5Output, MasterOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Outputs of the master: more than the limit of open files the tests set.
const OUTPUTS: usize = 60;
/// The limit of open files (soft and hard) of the processes that read the master.
const OPEN_FILES: u64 = 40;
const ROWS: usize = 25;

/// The outputs and their master, in `dir`; the stellar mass of galaxy `row` of output `task` is
/// `task * 1000 + row`.
fn master(dir: &Path) -> PathBuf {
    let master = dir.join("model.hdf5");
    let outputs: Vec<PathBuf> = (0..OUTPUTS)
        .map(|task| {
            let options = Hdf5Options::default().task(task as u32, OUTPUTS as u32);
            let mut output = Hdf5Output::<SageGalaxy>::create(&master, &[63, 32], options).unwrap();
            let galaxies: Vec<SageGalaxy> = (0..ROWS)
                .map(|row| SageGalaxy {
                    stellar_mass: (task * 1000 + row) as f32,
                    ..Default::default()
                })
                .collect();
            output.write(63, &galaxies).unwrap();
            output.write(32, &galaxies[..ROWS / 2]).unwrap();
            output.finish().unwrap().path
        })
        .collect();
    write_master(&master, &outputs, &MasterOptions::default()).unwrap();
    master
}

fn expected() -> Vec<f32> {
    (0..OUTPUTS)
        .flat_map(|task| (0..ROWS).map(move |row| (task * 1000 + row) as f32))
        .collect()
}

/// Lowers this process's limit of open files, soft and hard.
fn limit_open_files() {
    let limit = libc::rlimit {
        rlim_cur: OPEN_FILES,
        rlim_max: OPEN_FILES,
    };
    // SAFETY: setting this process's own limit with a valid struct.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

/// The library's side, in a child process whose limit of open files is below the outputs.
#[test]
#[ignore = "run as a child process by the test below"]
fn reader_child() {
    let Ok(master) = std::env::var("GALAXY_IO_MANY_SOURCES") else {
        return;
    };
    limit_open_files();
    let catalogue = Catalogue::open(&master).unwrap();
    assert_eq!(
        catalogue.read_column::<f32>(63, "StellarMass").unwrap(),
        expected()
    );
    let records = catalogue.read_records::<SageGalaxy>(63).unwrap();
    assert!(records
        .iter()
        .map(|g| g.stellar_mass)
        .eq(expected().into_iter()));
    assert_eq!(
        catalogue.verify().unwrap(),
        (OUTPUTS * (ROWS + ROWS / 2)) as u64
    );
    println!("read every row");
}

#[test]
fn a_master_over_more_outputs_than_open_files_reads_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let master = master(dir.path());
    let mut command = common::child::this_binary_running("reader_child", &[]);
    command.env("GALAXY_IO_MANY_SOURCES", &master);
    let scratch = dir.path().join("child");
    let run = run_within(&mut command, &scratch, u64::MAX, Duration::from_secs(300));
    assert!(
        run.status.is_some_and(|s| s.success()) && run.stdout.contains("read every row"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );

    // The commands, under the same limit.
    let master_arg = master.to_str().unwrap();
    for args in [
        vec!["check", "--read-all", master_arg],
        vec!["inspect", master_arg, "--field", "StellarMass"],
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_galaxy-io"));
        command.args(&args);
        // SAFETY: setrlimit between fork and exec is async-signal-safe.
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: OPEN_FILES,
                    rlim_max: OPEN_FILES,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
                Ok(())
            });
        }
        let run = run_within(&mut command, &scratch, u64::MAX, Duration::from_secs(300));
        clean(&args.join(" "), &run).unwrap();
        assert_eq!(run.status.and_then(|s| s.code()), Some(0), "{}", run.stderr);
        if args[0] == "inspect" {
            // The median of every output's masses, none of them a fill value.
            let mut masses = expected();
            masses.sort_by(f32::total_cmp);
            let median = format!("{:.4e}", masses[masses.len() / 2]);
            let line = run
                .stdout
                .lines()
                .find(|l| l.contains("Snap_63") && l.contains("StellarMass"))
                .unwrap();
            assert!(line.contains(&median), "{line} (median {median})");
        }
    }
}
