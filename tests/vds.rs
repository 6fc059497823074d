//! A master's virtual datasets: `Snap_<N>/<Property>` at its root reads as the concatenation of
//! its outputs, with h5py and with the library, from a moved directory too; tasks without rows
//! are left out; and a master whose sources are missing, truncated or shorter than it claims is
//! refused by the reader, `inspect` and `check`, naming the file.

mod common;

use common::{failure, galaxy_io, stdout};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{
    check_master, write_master, Catalogue, Error, Hdf5Options, Hdf5Output, Header, MasterOptions,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Galaxies of each task: the second task has none.
const ROWS: [usize; 4] = [30, 0, 45, 7];

/// Task outputs of `model.hdf5` in `dir`, with stellar masses that tell task and row apart,
/// and their master.
fn run(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let master = dir.join("model.hdf5");
    let mut files = Vec::new();
    for (task, &rows) in ROWS.iter().enumerate() {
        let mut header = Header::default();
        header.snapshot_redshifts = (0..64).map(|s| (63 - s) as f64 / 10.0).collect();
        let options = Hdf5Options::default()
            .header(header)
            .task(task as u32, ROWS.len() as u32);
        let mut output = Hdf5Output::<SageGalaxy>::create(&master, &[63, 32], options).unwrap();
        let galaxies: Vec<SageGalaxy> = (0..rows)
            .map(|row| SageGalaxy {
                stellar_mass: (task * 1000 + row) as f32,
                galaxy_type: row as i32 % 3,
                pos: [task as f32, row as f32, 1.0],
                ..Default::default()
            })
            .collect();
        output.write(63, &galaxies).unwrap();
        output.write(32, &galaxies[..rows / 2]).unwrap();
        files.push(output.finish().unwrap().path);
    }
    write_master(&master, &files, &MasterOptions::default()).unwrap();
    (master, files)
}

fn python(script: &str, args: &[&str], cwd: &Path) -> String {
    let output = common::output(
        Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .current_dir(cwd),
    )
    .expect("python3 with h5py");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn h5py_reads_the_whole_catalogue_from_the_master_of_a_moved_directory() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    run(&dir);
    let moved = top.path().join("archive/run");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&dir, &moved).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let master = moved.join("model.hdf5");

    let script = r#"
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "r")
cores = [f[f"Core_{c}"] for c in range(4)]
for snap in ("Snap_63", "Snap_32"):
    for name in ("StellarMass", "Type", "Posx", "GalaxyIndex"):
        whole = f[f"{snap}/{name}"]
        assert whole.is_virtual, name
        joined = np.concatenate([c[f"{snap}/{name}"][:] for c in cores])
        assert whole.dtype == joined.dtype and np.array_equal(whole[:], joined), (snap, name)
    assert int(f[snap].attrs["num_gals"]) == sum(int(c[snap].attrs["num_gals"]) for c in cores)
    assert f[snap].attrs["redshift"] == cores[0][snap].attrs["redshift"]
# The task without galaxies is left out of the mappings.
files = [m.file_name for m in f["Snap_63/StellarMass"].virtual_sources()]
assert files == ["./model_0.hdf5", "./model_2.hdf5", "./model_3.hdf5"], files
sm = f["Snap_63/StellarMass"]
assert np.isnan(sm.fillvalue), sm.fillvalue
assert f["Snap_63/Type"].fillvalue == np.iinfo(np.int32).min
assert f["Snap_63/GalaxyIndex"].fillvalue == np.iinfo(np.int64).min
assert sm.attrs["Units"] == cores[0]["Snap_63/StellarMass"].attrs["Units"]
print(len(sm), sm[30], sm[-1], f["Snap_32"].attrs["redshift"])
"#;
    let printed = python(script, &[master.to_str().unwrap()], elsewhere.path());
    assert_eq!(printed, "82 2000.0 3006.0 3.1");
    // The system's HDF5 (1.10) resolves the sources against the master's directory too, not
    // against this process's working directory.
    let masses = Catalogue::open(&master)
        .unwrap()
        .read_column::<f32>(63, "StellarMass")
        .unwrap();
    assert_eq!((masses.len(), masses[30], masses[81]), (82, 2000.0, 3006.0));
}

#[test]
fn the_library_reads_a_master_through_its_virtual_datasets_and_by_core() {
    let dir = tempfile::tempdir().unwrap();
    let (master, files) = run(dir.path());
    let catalogue = Catalogue::open(&master).unwrap();
    assert_eq!(catalogue.parts(), 4);
    let mut joined = Vec::new();
    let mut records = Vec::new();
    for (core, file) in files.iter().enumerate() {
        let part = catalogue.core(core).unwrap().unwrap();
        let alone = Catalogue::open(file).unwrap();
        let column = part.read_column::<f32>(63, "StellarMass").unwrap();
        assert_eq!(column, alone.read_column::<f32>(63, "StellarMass").unwrap());
        assert_eq!(part.header().unwrap(), alone.header().unwrap());
        joined.extend(column);
        records.extend(alone.read_records::<SageGalaxy>(63).unwrap());
    }
    assert!(catalogue.core(4).unwrap().is_none());
    assert_eq!(
        catalogue.read_column::<f32>(63, "StellarMass").unwrap(),
        joined
    );
    assert_eq!(catalogue.read_records::<SageGalaxy>(63).unwrap(), records);
    assert_eq!(catalogue.num_galaxies(63).unwrap(), 82);
    assert_eq!(catalogue.num_galaxies(32).unwrap(), 15 + 22 + 3);
    let (_, bytes) = catalogue
        .read_field_rows(63, "StellarMass", 29..31)
        .unwrap();
    assert_eq!(
        bytes,
        [29.0f32.to_ne_bytes(), 2000.0f32.to_ne_bytes()].concat()
    );
    assert_eq!(catalogue.verify().unwrap(), 82 + 40);
    // The virtual datasets carry the outputs' machine-readable units.
    let unit = catalogue.field_unit(63, "Posx").unwrap();
    assert!(unit.is_some());
    let first = Catalogue::open(&files[0]).unwrap();
    assert_eq!(unit, first.field_unit(63, "Posx").unwrap());
    let summary = check_master(&master).unwrap();
    // Three tasks with rows, every field of two snapshots.
    let fields = catalogue.schema(63).unwrap().fields().len();
    assert_eq!(summary.files, 3);
    assert_eq!(summary.datasets, 2 * fields);
    assert_eq!(summary.mappings, 2 * fields * 3);
    let out = stdout(&galaxy_io(
        &["check", "--read-all", master.to_str().unwrap()],
        dir.path(),
    ));
    assert!(out.contains("complete, 122 galaxies, all read"), "{out}");
    assert!(out.contains("map 3 source files"), "{out}");
}

/// The reader, `check` and `inspect` all refuse `master`, naming `source`: the reader opens
/// it (without touching every task's file), and refuses to read rows of it.
fn refused(master: &Path, source: &Path, why: &str) {
    let catalogue = Catalogue::open(master).unwrap();
    assert_eq!(
        catalogue.num_galaxies(63).unwrap(),
        82,
        "what the master claims"
    );
    for error in [
        catalogue.read_column::<f32>(63, "StellarMass").unwrap_err(),
        catalogue
            .read_records::<SageGalaxy>(63)
            .map(|records| records.len())
            .unwrap_err(),
        catalogue.verify().unwrap_err(),
        check_master(master).unwrap_err(),
    ] {
        assert!(
            matches!(&error, Error::IncompleteMaster { source_file, .. } if source_file == source),
            "{error}"
        );
        assert!(error.to_string().contains(why), "{error}");
    }
    let dir = master.parent().unwrap();
    let name = source.file_name().unwrap().to_str().unwrap();
    for command in ["check", "inspect"] {
        // inspect shows what it cannot read in its report, then fails.
        let output = galaxy_io(&[command, "model.hdf5"], dir);
        let said = failure(&output) + &String::from_utf8_lossy(&output.stdout);
        assert!(
            said.contains(name) && said.contains(why),
            "{command}: {said}"
        );
    }
}

#[test]
fn a_master_with_a_deleted_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (master, files) = run(dir.path());
    std::fs::remove_file(&files[2]).unwrap();
    refused(&master, &files[2], "is missing");
}

#[test]
fn a_master_with_a_truncated_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (master, files) = run(dir.path());
    let length = std::fs::metadata(&files[3]).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&files[3])
        .unwrap();
    file.set_len(length / 2).unwrap();
    drop(file);
    refused(&master, &files[3], "is truncated");
}

#[test]
fn a_master_whose_source_was_replaced_by_a_shorter_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (master, files) = run(dir.path());
    std::fs::remove_file(&files[0]).unwrap();
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&files[0], &[63, 32], Hdf5Options::default()).unwrap();
    output.write(63, &[SageGalaxy::default(); 5]).unwrap();
    output.write(32, &[SageGalaxy::default(); 15]).unwrap();
    output.finish().unwrap();
    refused(&master, &files[0], "is shorter than the master claims");
}

#[derive(Clone, Copy, galaxy_io::GalaxyRecord)]
#[repr(C)]
struct Other {
    #[galaxy(name = "StellarMass")]
    stellar_mass: f64,
}

#[test]
fn outputs_whose_fields_differ_are_not_stitched() {
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("model.hdf5");
    let options = |task| Hdf5Options::default().task(task, 2);
    let mut first = Hdf5Output::<SageGalaxy>::create(&master, &[63], options(0)).unwrap();
    first.write(63, &[SageGalaxy::default(); 3]).unwrap();
    let mut second = Hdf5Output::<Other>::create(&master, &[63], options(1)).unwrap();
    second.write(63, &[Other { stellar_mass: 1.0 }; 2]).unwrap();
    let files = [first.finish().unwrap().path, second.finish().unwrap().path];
    let error = write_master(&master, &files, &MasterOptions::default()).unwrap_err();
    assert!(
        matches!(&error, Error::SchemaMismatch { path, snapshot: 63, .. } if path == &files[1]),
        "{error}"
    );
    assert!(error.to_string().contains("cannot be stitched"), "{error}");
    assert!(!master.exists());
}
