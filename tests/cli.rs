//! The `galaxy-io` command line end to end, as a user runs it.

mod common;

use common::{galaxy_io, stdout};
use galaxy_io::sage::{binary, SageGalaxy, Synthetic};
use galaxy_io::Catalogue;
use std::path::Path;
use std::process::Command;

#[test]
fn demo_then_inspect_with_a_plot() {
    let dir = tempfile::tempdir().unwrap();
    let run = galaxy_io(
        &[
            "demo",
            "--galaxies",
            "30000",
            "--snapshots",
            "3",
            "-o",
            "demo.hdf5",
        ],
        dir.path(),
    );
    let demo = stdout(&run);
    assert!(demo.contains("30000 galaxies"), "{demo}");
    assert!(demo.contains(" galaxies/s"), "{demo}");
    assert!(demo.contains("a synthetic catalogue"), "{demo}");
    // Galaxies as the mass function has them: far fewer at z = 4.9 than today.
    let written = Catalogue::open(dir.path().join("demo.hdf5")).unwrap();
    let counts: Vec<u64> = [21, 42, 63]
        .iter()
        .map(|&s| written.num_galaxies(s).unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 30000);
    assert!(
        counts[0] * 5 < counts[1] && counts[1] < counts[2],
        "{counts:?}"
    );
    // Work this short shows no progress: the summary says it all (longer work logs a line
    // every tenth, `report.rs`).
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(!log.contains("writing:"), "{log}");
    assert!(
        !demo.contains(",0"),
        "rates are not printed with thousands separators: {demo}"
    );

    let inspect = stdout(&galaxy_io(
        &["inspect", "demo.hdf5", "--plot", "smf.png"],
        dir.path(),
    ));
    let today = counts[2].to_string();
    for expected in [
        "Snap_63",
        today.as_str(),
        "StellarMass",
        "1.0e10 Msun/h",
        "1e10*Msun*h^-1  [x 1.9884e43 to CGS]",
        "Mpc*h^-1 (comoving)",
        "median",
        "smf.png",
    ] {
        assert!(
            inspect.contains(expected),
            "`{expected}` missing:\n{inspect}"
        );
    }
    let png = std::fs::read(dir.path().join("smf.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 700));
    assert!(png.len() > 10_000, "the plot has content");

    let again = galaxy_io(&["inspect", "demo.hdf5", "--plot", "smf.png"], dir.path());
    let refused = common::failure(&again);
    assert!(refused.contains("pass --force to replace it"), "{refused}");
    assert!(
        again.stdout.is_empty(),
        "refused before anything is printed"
    );
    let halo = stdout(&galaxy_io(
        &[
            "inspect",
            "demo.hdf5",
            "--plot",
            "hmf.png",
            "--plot-field",
            "Mvir",
        ],
        dir.path(),
    ));
    assert!(
        halo.contains("mass functions of Mvir drawn to hmf.png"),
        "{halo}"
    );
    assert!(dir.path().join("hmf.png").exists());
}

#[test]
fn a_plot_that_cannot_be_written_fails_first_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&galaxy_io(
        &[
            "demo",
            "--galaxies",
            "100",
            "--snapshots",
            "1",
            "-o",
            "d.hdf5",
        ],
        dir.path(),
    ));
    let run = galaxy_io(
        &["inspect", "d.hdf5", "--plot", "no/such/dir/smf.png"],
        dir.path(),
    );
    let error = common::failure(&run);
    assert!(run.stdout.is_empty(), "nothing printed before the error");
    assert_eq!(error.trim().lines().count(), 1, "{error}");
    assert!(error.contains("the directory does not exist"), "{error}");
}

/// Two input files (file numbers 0 and 1), each with snapshots 63 (z = 0) and 32 (z = 1).
fn write_binary_inputs(dir: &Path) -> Vec<(String, u32, Vec<i32>, Vec<SageGalaxy>)> {
    let mut synthetic = Synthetic::new(9, 62.5);
    let mut inputs = Vec::new();
    for file in 0..2 {
        for (snapshot, redshift) in [(63u32, 0.0), (32, 1.0)] {
            let trees = 25;
            let mut per_tree = Vec::new();
            let mut galaxies = Vec::new();
            for tree in 0..trees {
                let members = if tree % 5 == 3 {
                    Vec::new()
                } else {
                    synthetic.tree(snapshot, tree)
                };
                per_tree.push(members.len() as i32);
                galaxies.extend(members);
            }
            let name = format!("model_z{redshift:.3}_{file}");
            binary::write(dir.join(&name), &per_tree, &galaxies).unwrap();
            inputs.push((name, snapshot, per_tree, galaxies));
        }
    }
    // Expansion factors of 64 snapshots: snapshot 32 is at z = 1, 63 at z = 0.
    let list: Vec<String> = (0..64)
        .map(|s| match s {
            32 => "0.5".to_owned(),
            63 => "1.0".to_owned(),
            s => format!("{}", 0.01 + f64::from(s) * 0.001),
        })
        .collect();
    std::fs::write(dir.join("a_list"), list.join("\n")).unwrap();
    inputs
}

#[test]
fn convert_sage_binary_output_and_read_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_binary_inputs(dir.path());
    let mut args = vec!["convert"];
    args.extend(inputs.iter().map(|(name, ..)| name.as_str()));
    args.extend(["-o", "converted.hdf5", "--snap-list", "a_list"]);
    let out = stdout(&galaxy_io(&args, dir.path()));
    assert!(out.contains("Snap_32") && out.contains("Snap_63"), "{out}");

    let catalogue = Catalogue::open(dir.path().join("converted.hdf5")).unwrap();
    for snapshot in [32, 63] {
        let expected: Vec<SageGalaxy> = inputs
            .iter()
            .filter(|(_, s, ..)| *s == snapshot)
            .flat_map(|(.., galaxies)| galaxies.clone())
            .collect();
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(snapshot).unwrap(),
            expected
        );
        let per_tree: Vec<i32> = inputs
            .iter()
            .filter(|(_, s, ..)| *s == snapshot)
            .flat_map(|(_, _, per_tree, _)| per_tree.clone())
            .collect();
        assert_eq!(
            catalogue.galaxies_per_tree(snapshot).unwrap().unwrap(),
            per_tree,
            "trees of file 1 follow file 0's"
        );
    }
}

#[test]
fn a_truncated_input_is_reported_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_binary_inputs(dir.path());
    let victim = dir.path().join(&inputs[1].0);
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() - 100]).unwrap();

    let args = [
        "convert",
        &inputs[0].0,
        &inputs[1].0,
        "-o",
        "out.hdf5",
        "--snap-list",
        "a_list",
    ];
    let output = galaxy_io(&args, dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("truncated") && stderr.contains(&inputs[1].0),
        "{stderr}"
    );
    assert!(!dir.path().join("out.hdf5").exists());
    assert!(!dir.path().join("out.hdf5.partial").exists());

    std::fs::write(&victim, b"definitely not galaxies").unwrap();
    let output = galaxy_io(&args, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("not a SAGE binary galaxy file"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.hdf5").exists());
}

#[test]
fn merge_two_outputs_into_one_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    // Each task writes its file as Hdf5Options::task names it: run_0.hdf5, run_1.hdf5.
    for (task, galaxies) in [("0", "1200"), ("1", "800")] {
        let args = [
            "demo",
            "--galaxies",
            galaxies,
            "--snapshots",
            "2",
            "--task",
            task,
            "--tasks",
            "2",
            "-o",
            "run.hdf5",
        ];
        let out = stdout(&galaxy_io(&args, dir.path()));
        assert!(out.contains(&format!("wrote run_{task}.hdf5")), "{out}");
    }
    assert!(!dir.path().join("run.hdf5").exists());
    let merged = stdout(&galaxy_io(
        &["merge", "run_0.hdf5", "run_1.hdf5", "-o", "all.hdf5"],
        dir.path(),
    ));
    let today: u64 = ["run_0.hdf5", "run_1.hdf5"]
        .iter()
        .map(|f| {
            Catalogue::open(dir.path().join(f))
                .unwrap()
                .num_galaxies(63)
                .unwrap()
        })
        .sum();
    assert!(
        merged.contains("linking 2 outputs") && merged.contains(&today.to_string()),
        "{merged}"
    );

    let script = "import h5py, sys\n\
        f = h5py.File(sys.argv[1], 'r')\n\
        n = f['Header']['Misc'].attrs['num_cores']\n\
        print(sum(int(f[f'Core_{c}']['Snap_63'].attrs['num_gals']) for c in range(n)))\n";
    let output = common::output(
        Command::new("python3")
            .args(["-c", script, "all.hdf5"])
            .current_dir(dir.path()),
    )
    .expect("python3 with h5py (bash .ci/run installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        today.to_string()
    );

    let again = galaxy_io(
        &["merge", "run_0.hdf5", "run_1.hdf5", "-o", "all.hdf5"],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn bad_input_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = galaxy_io(&["inspect", "missing.hdf5"], dir.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.hdf5"));

    std::fs::write(dir.path().join("junk.hdf5"), b"junk").unwrap();
    let output = galaxy_io(&["inspect", "junk.hdf5"], dir.path());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an HDF5 file"));
}

#[test]
fn recover_reports_every_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&galaxy_io(
        &[
            "demo",
            "--galaxies",
            "3000",
            "--snapshots",
            "3",
            "-o",
            "demo.hdf5",
        ],
        dir.path(),
    ));
    let today = Catalogue::open(dir.path().join("demo.hdf5"))
        .unwrap()
        .num_galaxies(63)
        .unwrap();
    let out = stdout(&galaxy_io(&["recover", "demo.hdf5"], dir.path()));
    assert!(
        out.contains("Snap_63") && out.contains(&today.to_string()) && out.contains("rows cut"),
        "{out}"
    );
}

#[test]
fn a_full_disk_is_reported_with_the_file_the_user_named() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_galaxy-io"));
    command
        .args(["demo", "--galaxies", "100000", "-o", "full.hdf5"])
        .current_dir(dir.path());
    // SAFETY: only setrlimit, async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // A full disk as the process sees it: writes past 1 MB fail with EFBIG.
            let limit = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let run = common::output(&mut command).unwrap();
    let stderr = common::failure(&run);
    assert!(stderr.contains("full.hdf5"), "{stderr}");
    assert!(
        !stderr.contains(".partial"),
        "the temporary file is not what the user named: {stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
}

#[test]
fn trees_writes_merger_trees_and_a_parameter_file_sage_runs_on() {
    use galaxy_io::sage::{lhalo, Parameters};
    let dir = tempfile::tempdir().unwrap();
    let args = ["trees", "cmp", "--files", "2", "--trees-per-file", "3"];
    let out = stdout(&galaxy_io(&args, dir.path()));
    let cmp = std::fs::canonicalize(dir.path().join("cmp")).unwrap();
    assert!(out.contains("./sage "), "{out}");
    // The same trees as the library writes for the same options.
    let config = lhalo::ForestConfig {
        files: 2,
        trees_per_file: 3,
        ..lhalo::ForestConfig::default()
    };
    let library = lhalo::write_forests(&dir.path().join("library"), &config).unwrap();
    for (file, written) in library.files().iter().enumerate() {
        let ours = std::fs::read(cmp.join(format!("trees_063.{file}"))).unwrap();
        assert_eq!(ours, std::fs::read(written).unwrap(), "tree file {file}");
    }
    // Absolute paths, since SAGE runs from its own directory; every snapshot an output.
    let parameters = Parameters::read(cmp.join("sage.par")).unwrap();
    assert_eq!(parameters.simulation_dir, format!("{}/", cmp.display()));
    assert_eq!(parameters.output_dir, format!("{}/output/", cmp.display()));
    assert!(cmp.join("output").is_dir());
    assert_eq!(parameters.num_simulation_tree_files, 2);
    assert_eq!(parameters.output_snapshots.len(), 64);
    assert_eq!(
        parameters.file_with_snap_list,
        cmp.join("millennium.a_list").display().to_string()
    );

    let again = common::failure(&galaxy_io(&args, dir.path()));
    assert!(again.contains("already exists; pass --force"), "{again}");
    stdout(&galaxy_io(&[&args[..], &["--force"]].concat(), dir.path()));
}

/// One z = 0 galaxy file per task of a run of `tasks`, in `dir`, as SAGE's binary output names
/// them (`model_z0.000_<task>`).
fn write_task_files(dir: &Path, tasks: u32) {
    let mut synthetic = Synthetic::new(3, 62.5);
    for task in 0..tasks {
        let galaxies = synthetic.tree(63, task as i32);
        let name = format!("model_z0.000_{task}");
        binary::write(dir.join(name), &[galaxies.len() as i32], &galaxies).unwrap();
    }
}

#[test]
fn converting_some_of_a_runs_tasks_gives_their_cores_and_the_volume_sage_gave_them() {
    use galaxy_io::sage::lhalo;
    use galaxy_io::{AttrValue, HeaderGroup};
    let dir = tempfile::tempdir().unwrap();
    let forests = lhalo::write_forests(&dir.path().join("trees"), &Default::default()).unwrap();
    let parameters = forests.parameters(&dir.path().join("output"));
    std::fs::create_dir(dir.path().join("output")).unwrap();
    let par = dir.path().join("run.par");
    std::fs::write(&par, parameters.to_string()).unwrap();
    write_task_files(&dir.path().join("output"), 2);

    for task in 0..2 {
        let input = format!("output/model_z0.000_{task}");
        let output = format!("model_{task}.hdf5");
        let args = [
            "convert", "--par", "run.par", "--tasks", "2", &input, "-o", &output,
        ];
        stdout(&galaxy_io(&args, dir.path()));
        let header = Catalogue::open(dir.path().join(&output))
            .unwrap()
            .header()
            .unwrap();
        assert_eq!(
            header.get(HeaderGroup::Misc, "num_cores"),
            Some(&AttrValue::I32(2))
        );
        let expected = parameters.task_volume_fraction(&par, task, 2).unwrap();
        assert_eq!(
            header.get(HeaderGroup::Runtime, "frac_volume_processed"),
            Some(&AttrValue::F64(expected)),
            "task {task}"
        );
    }
    let merged = stdout(&galaxy_io(
        &["merge", "model_0.hdf5", "model_1.hdf5", "-o", "model.hdf5"],
        dir.path(),
    ));
    assert!(merged.contains("linking 2 outputs"), "{merged}");
    let master = Catalogue::open(dir.path().join("model.hdf5")).unwrap();
    let whole = master.header().unwrap();
    let fraction = whole.get(HeaderGroup::Runtime, "frac_volume_processed");
    assert!(
        matches!(fraction, Some(AttrValue::F64(f)) if (f - 1.0).abs() < 1e-12),
        "{fraction:?}"
    );

    // Without the tree files, the share cannot be worked out: an error that says what to pass.
    std::fs::remove_file(forests.files()[1].clone()).unwrap();
    let args = [
        "convert",
        "--par",
        "run.par",
        "--tasks",
        "2",
        "output/model_z0.000_1",
        "-o",
        "again.hdf5",
    ];
    let error = common::failure(&galaxy_io(&args, dir.path()));
    assert!(
        error.contains("trees_063.1") && error.contains("pass --frac-volume-processed"),
        "{error}"
    );
    let given = [&args[..], &["--frac-volume-processed", "0.5"]].concat();
    stdout(&galaxy_io(&given, dir.path()));
    // A task the run does not have.
    let beyond = [
        "convert",
        "--par",
        "run.par",
        "--tasks",
        "1",
        "output/model_z0.000_1",
        "-o",
        "beyond.hdf5",
    ];
    let error = common::failure(&galaxy_io(&beyond, dir.path()));
    assert!(error.contains("is task 1's file"), "{error}");
    let unsaid = [
        "convert",
        "--par",
        "run.par",
        "output/model_z0.000_1",
        "-o",
        "u.hdf5",
    ];
    let error = common::failure(&galaxy_io(&unsaid, dir.path()));
    assert!(
        error.contains("say how many tasks the run had with --tasks"),
        "{error}"
    );
}

#[test]
fn merge_says_why_a_file_converted_without_a_parameter_file_has_no_volume() {
    let dir = tempfile::tempdir().unwrap();
    write_task_files(dir.path(), 2);
    for task in ["0", "1"] {
        let input = format!("model_z0.000_{task}");
        let output = format!("model_{task}.hdf5");
        let run = galaxy_io(
            &[
                "convert",
                &input,
                "--tasks",
                "2",
                "--snapshot",
                "63",
                "-o",
                &output,
            ],
            dir.path(),
        );
        stdout(&run);
        let note = String::from_utf8_lossy(&run.stderr);
        assert!(
            note.contains("pass --par, or --frac-volume-processed"),
            "{note}"
        );
    }
    let error = common::failure(&galaxy_io(
        &["merge", "model_0.hdf5", "model_1.hdf5", "-o", "model.hdf5"],
        dir.path(),
    ));
    assert!(
        error.contains("has no frac_volume_processed") && error.contains("--par"),
        "{error}"
    );
}

#[test]
fn a_catalogue_without_galaxies_has_nothing_to_plot() {
    let dir = tempfile::tempdir().unwrap();
    stdout(&galaxy_io(
        &["demo", "--galaxies", "0", "-o", "empty.hdf5"],
        dir.path(),
    ));
    let error = common::failure(&galaxy_io(
        &["inspect", "empty.hdf5", "--plot", "smf.png"],
        dir.path(),
    ));
    assert!(
        error.contains("nothing to plot: it has no galaxies")
            && error.contains("smf.png was not written"),
        "{error}"
    );
    assert!(!dir.path().join("smf.png").exists());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the catalogue: {left:?}");
}
