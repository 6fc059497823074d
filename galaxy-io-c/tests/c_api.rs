//! The C API from C: `tests/c/api_test.c` uses every function of `galaxy_io.h` and tries each
//! misuse; it is built with `-std=c99 -Wall -Wextra -Werror -pedantic` against the static
//! library, run (under valgrind too with `GALAXY_IO_VALGRIND=1`, as CI does; `tests/hdf5.supp`
//! names the one report HDF5 itself calls harmless), and what it wrote is read back with
//! galaxy-io's reader and with h5py.

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{AttrValue, Catalogue, HeaderGroup};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "common/c_library.rs"]
mod c_library;

const STRICT: [&str; 5] = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];
const TASKS: i32 = 2;
const TREES: i32 = 3;
const SNAPSHOTS: [u32; 2] = [63, 32];

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn hdf5_libs() -> Vec<String> {
    let output = run(Command::new("pkg-config").args(["--libs", "hdf5"]));
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Builds the C test program into `dir`.
fn build(dir: &Path) -> PathBuf {
    let program = dir.join("api_test");
    run(Command::new("cc")
        .args(STRICT)
        .arg("-I")
        .arg(manifest().join("include"))
        .arg(manifest().join("tests/c/api_test.c"))
        .arg(c_library::static_library())
        .args(hdf5_libs())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&program));
    program
}

/// The galaxies `api_test.c` writes (its `galaxy()` and `rows_of()`).
fn expected_galaxy(task: i32, snapshot: u32, tree: i32, row: i32) -> SageGalaxy {
    SageGalaxy {
        snap_num: snapshot as i32,
        galaxy_type: row % 2,
        galaxy_index: 1_000_000 * i64::from(task) + 10_000 * i64::from(tree) + i64::from(row),
        sage_tree_index: tree,
        pos: [row as f32, tree as f32, task as f32],
        stellar_mass: 0.5 * (row + 1) as f32 + snapshot as f32,
        infall_vmax: -1.0,
        ..SageGalaxy::default()
    }
}

fn rows_of(task: i32, snapshot: u32, tree: i32) -> i32 {
    ((snapshot as i32) + 3 * tree + task) % 5
}

fn check_outputs(dir: &Path) {
    for task in 0..TASKS {
        let catalogue = Catalogue::open(dir.join(format!("sage_{task}.hdf5"))).unwrap();
        assert_eq!(catalogue.snapshots().unwrap(), [32, 63]);
        for snapshot in SNAPSHOTS {
            let mut expected = Vec::new();
            let mut per_tree = Vec::new();
            for tree in 0..TREES {
                let n = rows_of(task, snapshot, tree);
                per_tree.push(n);
                expected.extend((0..n).map(|row| expected_galaxy(task, snapshot, tree, row)));
            }
            if snapshot == 63 {
                expected.push(expected_galaxy(task, 63, TREES, 0));
            }
            assert_eq!(
                catalogue.read_records::<SageGalaxy>(snapshot).unwrap(),
                expected,
                "task {task}, snapshot {snapshot}"
            );
            assert_eq!(
                catalogue.galaxies_per_tree(snapshot).unwrap(),
                Some(per_tree)
            );
            let redshift = catalogue.redshift(snapshot).unwrap().unwrap();
            assert_eq!(redshift, f64::from((63 - snapshot) as f32 / 8.0));
        }
        let header = catalogue.header().unwrap();
        let get = |group, name| header.get(group, name).cloned();
        use HeaderGroup::*;
        assert_eq!(get(Simulation, "hubble_h"), Some(AttrValue::F64(0.73)));
        assert_eq!(get(Simulation, "LastSnapshotNr"), Some(AttrValue::I32(63)));
        assert_eq!(
            get(Simulation, "num_trees_this_file"),
            Some(AttrValue::I64(3))
        );
        assert_eq!(
            get(Runtime, "FileNameGalaxies"),
            Some(AttrValue::Text("sage".into()))
        );
        assert_eq!(
            get(Runtime, "cosmology"),
            Some(AttrValue::F64Array(vec![0.25, 0.75, 0.73]))
        );
        assert_eq!(
            get(Runtime, "listed"),
            Some(AttrValue::I32Array(vec![63, 32]))
        );
        assert_eq!(
            get(TreeInfo, "mulfac"),
            Some(AttrValue::I64Array(vec![
                1_000_000_000_000_000,
                1_000_000_000
            ]))
        );
        assert_eq!(get(Misc, "num_cores"), Some(AttrValue::I32(2)));
        assert_eq!(
            get(Misc, "sage_version"),
            Some(AttrValue::Text("c-api-test".into()))
        );
        assert_eq!(header.snapshot_redshifts.len(), 64);
    }
    let master = Catalogue::open(dir.join("sage.hdf5")).unwrap();
    assert_eq!(master.parts(), 2);
    let total: i32 = (0..TASKS)
        .map(|task| (0..TREES).map(|tree| rows_of(task, 63, tree)).sum::<i32>() + 1)
        .sum();
    assert_eq!(master.num_galaxies(63).unwrap(), total as u64);

    let custom = Catalogue::open(dir.join("custom.hdf5")).unwrap();
    assert_eq!(
        custom.read_column::<f64>(7, "Mass").unwrap(),
        [0.0, 1.5, 3.0, 4.5]
    );
    assert_eq!(custom.read_column::<i32>(7, "Kind").unwrap(), [0, 1, 2, 3]);
    assert_eq!(
        custom.read_column::<[f32; 3]>(7, "Pos").unwrap()[3],
        [3.0, 6.0, 9.0]
    );
    assert_eq!(
        custom.read_column::<f32>(7, "H2Mass").unwrap(),
        [0.0, 0.25, 0.5, 0.75]
    );
    // Split into one dataset per component, as SAGE writes vectors.
    assert_eq!(
        custom.read_column::<f32>(7, "Vely").unwrap(),
        [0.0, -2.0, -4.0, -6.0]
    );
    // Declared comoving from C: the scale-factor exponent is the length exponent.
    let unit = |field: &str| custom.field_unit(7, field).unwrap().unwrap();
    assert!(unit("Pos").is_comoving());
    assert_eq!(unit("Pos").a_exponent().as_f64(), 1.0);
    assert!(!unit("Velz").is_comoving());
    assert!(!unit("Mass").is_comoving());
    // Abandoned: all three rows; crashed: the three it flushed, not the one after.
    let flushed: Vec<SageGalaxy> = (0..3).map(|row| expected_galaxy(0, 63, 0, row)).collect();
    for name in ["abandoned.hdf5", "crashed.hdf5"] {
        let catalogue = Catalogue::open(dir.join(name)).unwrap();
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(63).unwrap(),
            flushed,
            "{name}"
        );
    }

    let output = run(Command::new("python3")
        .arg(manifest().join("tests/c/check_output.py"))
        .arg(dir));
    assert!(String::from_utf8_lossy(&output.stdout).contains("h5py agrees"));
}

#[test]
fn the_header_compiles_as_strict_c99_and_c11() {
    // C99 checks the layout with negative array sizes, C11 with _Static_assert.
    for standard in ["-std=c99", "-std=c11"] {
        run(Command::new("cc")
            .arg(standard)
            .args(&STRICT[1..])
            .args(["-fsyntax-only", "-x", "c"])
            .arg(manifest().join("include/galaxy_io.h")));
    }
}

#[test]
fn a_record_that_drifts_from_the_rust_one_does_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    let header = std::fs::read_to_string(manifest().join("include/galaxy_io.h")).unwrap();
    let drifted = header.replacen("    float dT;", "    double dT;", 1);
    assert_ne!(drifted, header);
    std::fs::write(dir.path().join("galaxy_io.h"), drifted).unwrap();
    let output = Command::new("cc")
        .args(STRICT)
        .args(["-fsyntax-only", "-x", "c"])
        .arg(dir.path().join("galaxy_io.h"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gio_static_assert_gio_sage_galaxy_Posx"),
        "{stderr}"
    );
}

#[test]
fn a_c_program_uses_every_function_and_each_misuse_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let program = build(dir.path());
    let native = dir.path().join("native");
    std::fs::create_dir(&native).unwrap();
    let output = run(Command::new(&program).arg(&native));
    assert!(String::from_utf8_lossy(&output.stdout).contains("c api test done"));
    check_outputs(&native);

    if std::env::var_os("GALAXY_IO_VALGRIND").is_none() {
        eprintln!("set GALAXY_IO_VALGRIND=1 to run the C program under valgrind (.ci/run does)");
        return;
    }
    let checked = dir.path().join("valgrind");
    std::fs::create_dir(&checked).unwrap();
    let output = run(Command::new("valgrind")
        .args([
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
        ])
        .arg(format!(
            "--suppressions={}",
            manifest().join("tests/hdf5.supp").display()
        ))
        .arg(&program)
        .arg(&checked));
    assert!(String::from_utf8_lossy(&output.stdout).contains("c api test done"));
    check_outputs(&checked);
}
