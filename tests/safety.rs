//! Mistakes people make with their files, and interrupted commands: every command must refuse,
//! or fail cleanly, and leave every file it did not create byte for byte as it was, and never
//! leave a broken file under a final name.

mod common;

use common::{failure, galaxy_io, stdout};
use galaxy_io::sage::{binary, SageGalaxy, Synthetic};
use galaxy_io::{Catalogue, Durability, Hdf5Options, Hdf5Output};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The bytes of every file of a directory (names included), to compare before and after.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && !path.is_symlink() {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    files
}

/// Task `task` of a demo run of `tasks` named `catalogue`: `<name>_<task>.h5` for `<name>.h5`,
/// or `catalogue` itself for a run of one task.
fn demo(dir: &Path, catalogue: &str, task: u32, tasks: u32) {
    let mut args = vec![
        "demo",
        "--galaxies",
        "2000",
        "--snapshots",
        "2",
        "-o",
        catalogue,
    ];
    let (task, tasks) = (task.to_string(), tasks.to_string());
    if tasks != "1" {
        args.extend(["--task", &task, "--tasks", &tasks]);
    }
    stdout(&galaxy_io(&args, dir));
}

#[test]
fn merge_refuses_to_write_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "run.h5", 0, 2);
    demo(dir.path(), "run.h5", 1, 2);
    std::os::unix::fs::symlink("run_0.h5", dir.path().join("link.h5")).unwrap();
    let before = contents(dir.path());
    for output in ["run_0.h5", "./run_0.h5", "link.h5", "run_1.h5"] {
        let stderr = failure(&galaxy_io(
            &["merge", "run_0.h5", "run_1.h5", "-o", output, "--force"],
            dir.path(),
        ));
        assert!(stderr.contains("is the input"), "{output}: {stderr}");
    }
    let stderr = failure(&galaxy_io(
        &["merge", "run_0.h5", "./run_0.h5", "-o", "m.h5"],
        dir.path(),
    ));
    assert!(stderr.contains("are the same file"), "{stderr}");
    assert_eq!(
        contents(dir.path()),
        before,
        "nothing changed, nothing added"
    );
}

#[test]
fn convert_refuses_the_same_input_twice_and_never_touches_a_users_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let (galaxies, per_tree) = Synthetic::new(3, 62.5).galaxies(63, 0, 200);
    binary::write(dir.path().join("model_z0.000_0"), &per_tree, &galaxies).unwrap();
    std::fs::write(dir.path().join("out.h5.partial"), b"a user's own file").unwrap();
    let before = contents(dir.path());
    let stderr = failure(&galaxy_io(
        &[
            "convert",
            "model_z0.000_0",
            "./model_z0.000_0",
            "-o",
            "out.h5",
            "--snapshot",
            "63",
        ],
        dir.path(),
    ));
    assert!(stderr.contains("are the same file"), "{stderr}");
    assert_eq!(contents(dir.path()), before);

    stdout(&galaxy_io(
        &[
            "convert",
            "model_z0.000_0",
            "-o",
            "out.h5",
            "--snapshot",
            "63",
        ],
        dir.path(),
    ));
    assert_eq!(
        std::fs::read(dir.path().join("out.h5.partial")).unwrap(),
        b"a user's own file"
    );
    assert_eq!(
        Catalogue::open(dir.path().join("out.h5"))
            .unwrap()
            .num_galaxies(63)
            .unwrap(),
        200
    );
    let stderr = failure(&galaxy_io(
        &[
            "convert",
            "model_z0.000_0",
            "-o",
            "out.h5",
            "--snapshot",
            "63",
        ],
        dir.path(),
    ));
    assert!(stderr.contains("pass --force to replace it"), "{stderr}");
}

#[test]
fn demo_refuses_to_replace_a_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("demo.hdf5"), b"precious").unwrap();
    let stderr = failure(&galaxy_io(&["demo", "--galaxies", "10"], dir.path()));
    assert!(
        stderr.contains("demo.hdf5 already exists; pass --force to replace it"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("demo.hdf5")).unwrap(),
        b"precious"
    );
}

#[test]
fn recover_leaves_a_consistent_file_and_files_it_cannot_mend_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "good.h5", 0, 1);
    std::fs::write(dir.path().join("empty.h5"), b"").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"observing notes\n").unwrap();
    // An HDF5 file of another tool, cut short, and a healthy one whose data this build of HDF5
    // cannot decode (h5py's LZF filter).
    let script = "import h5py, numpy as np, os, sys\n\
        d = sys.argv[1]\n\
        with h5py.File(os.path.join(d, 'other.h5'), 'w') as f:\n\
        \x20   f['x'] = np.arange(200000.0)\n\
        data = open(os.path.join(d, 'other.h5'), 'rb').read()\n\
        open(os.path.join(d, 'cut.h5'), 'wb').write(data[: len(data) // 2])\n\
        os.remove(os.path.join(d, 'other.h5'))\n\
        with h5py.File(os.path.join(d, 'lzf.h5'), 'w') as f:\n\
        \x20   g = f.create_group('Snap_63')\n\
        \x20   g.attrs['num_gals'] = np.int64(50000)\n\
        \x20   g.create_dataset('StellarMass', data=np.arange(50000, dtype='f4'), chunks=(1000,), maxshape=(None,), compression='lzf')\n";
    let python = common::output(Command::new("python3").args(["-c", script]).arg(dir.path()))
        .expect("python3 with h5py (bash .ci/run installs it)");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let before = contents(dir.path());

    let out = stdout(&galaxy_io(&["recover", "good.h5"], dir.path()));
    assert!(out.contains("nothing to recover"), "{out}");
    for (file, expected) in [
        ("empty.h5", "is empty"),
        ("notes.txt", "not an HDF5 file"),
        ("cut.h5", "cannot be recovered"),
        ("lzf.h5", "lzf"),
    ] {
        let stderr = failure(&galaxy_io(&["recover", file], dir.path()));
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert!(!stderr.contains("HDF5-DIAG"), "{file}: {stderr}");
    }
    assert_eq!(contents(dir.path()), before, "no file changed, none added");
}

#[test]
fn recover_refuses_a_file_whose_writer_is_still_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.h5");
    let options = Hdf5Options::default().durability(Durability::Swmr);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
    output
        .write(63, &vec![SageGalaxy::default(); 100_000])
        .unwrap();
    output.flush().unwrap();
    let before = std::fs::read(&path).unwrap();
    let stderr = failure(&galaxy_io(&["recover", "live.h5"], dir.path()));
    assert!(stderr.contains("still being written"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    output
        .write(63, &vec![SageGalaxy::default(); 1000])
        .unwrap();
    output.finish().unwrap();
    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(catalogue.num_galaxies(63).unwrap(), 101_000);
    assert_eq!(
        catalogue.read_column::<f32>(63, "Mvir").unwrap().len(),
        101_000
    );
    let out = stdout(&galaxy_io(&["recover", "live.h5"], dir.path()));
    assert!(
        out.contains("nothing to recover"),
        "once it finished: {out}"
    );
}

#[test]
fn a_file_size_limit_is_a_clear_error_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_galaxy-io"));
    command
        .args(["demo", "--galaxies", "200000", "-o", "big.h5"])
        .current_dir(dir.path());
    // SAFETY: setrlimit between fork and exec, async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 20,
                rlim_max: 4 << 20,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
    let output = common::output(&mut command).unwrap();
    let stderr = failure(&output);
    // One line naming the file the user asked for, the snapshot and what was lost; HDF5's own
    // report (errno, buffers, the temporary file) is for --verbose.
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("writing:"))
        .collect();
    assert!(
        errors.len() == 1
            && errors[0].starts_with(
                "error: big.h5: the file reached the size limit (ulimit -f) while writing Snap_"
            )
            && errors[0].ends_with("written, nothing kept)"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "neither big.h5 nor a temporary file is left"
    );
}

#[test]
fn interrupted_commands_leave_nothing_and_killed_ones_no_broken_final_file() {
    let dir = tempfile::tempdir().unwrap();
    for (signal, status) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let child = common::spawn(
            Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
                .args(["demo", "--galaxies", "50000000", "-o", "big.h5"])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped()),
        )
        .unwrap();
        wait_for_a_temporary_file(dir.path());
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(status));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
    // SIGKILL cannot be handled: a temporary file may stay, but never a file under the final
    // name that does not read.
    for round in 0..4 {
        let name = format!("killed_{round}.h5");
        let mut child = common::spawn(
            Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
                .args(["demo", "--galaxies", "300000", "-o", &name])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null()),
        )
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100 + 250 * round));
        let _ = child.kill();
        child.wait().unwrap();
        let path = dir.path().join(&name);
        if path.exists() {
            Catalogue::open(&path).expect("a file under its final name is complete");
        }
    }
}

fn wait_for_a_temporary_file(dir: &Path) {
    for _ in 0..200 {
        let started = std::fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".partial")
        });
        if started {
            std::thread::sleep(std::time::Duration::from_millis(200));
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the command never started writing");
}
