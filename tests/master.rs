//! Master files: they survive being moved with their outputs, and `merge` refuses outputs whose
//! galaxies would be counted twice or that come from different simulations.

mod common;

use common::{failure, galaxy_io, stdout};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{
    write_master, AttrValue, Catalogue, Cosmology, Error, Hdf5Options, Hdf5Output, Header,
    HeaderGroup, MasterOptions,
};
use std::path::Path;
use std::process::Command;

/// Task `task` of a demo run of `tasks` named `catalogue`: `<name>_<task>.h5` for `<name>.h5`,
/// or `catalogue` itself for a run of one task.
fn demo(dir: &Path, catalogue: &str, task: u32, tasks: u32, galaxies: u32) {
    let galaxies = galaxies.to_string();
    let mut args = vec![
        "demo",
        "--galaxies",
        &galaxies,
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
fn a_master_moved_with_its_outputs_reads_from_anywhere() {
    let top = tempfile::tempdir().unwrap();
    let run = top.path().join("run");
    std::fs::create_dir(&run).unwrap();
    demo(&run, "model.hdf5", 0, 2, 300);
    demo(&run, "model.hdf5", 1, 2, 500);
    // A bare output name: the links are relative to the master's directory all the same.
    stdout(&galaxy_io(
        &["merge", "model_0.hdf5", "model_1.hdf5", "-o", "model.hdf5"],
        &run,
    ));
    let moved = top.path().join("archive/2026/run");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&run, &moved).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();

    let master = moved.join("model.hdf5");
    let catalogue = Catalogue::open(&master).unwrap();
    assert_eq!(catalogue.parts(), 2);
    let total: u64 = catalogue
        .snapshots()
        .unwrap()
        .iter()
        .map(|&s| catalogue.num_galaxies(s).unwrap())
        .sum();
    assert_eq!(total, 800);
    let master_arg = master.to_string_lossy().into_owned();
    let out = stdout(&galaxy_io(&["inspect", &master_arg], elsewhere.path()));
    assert!(out.contains("2 parts"), "{out}");

    let script = "import h5py, sys\n\
        f = h5py.File(sys.argv[1], 'r')\n\
        links = [f.get(f'Core_{c}', getlink=True).filename for c in range(2)]\n\
        assert links == ['./model_0.hdf5', './model_1.hdf5'], links\n\
        print(sum(int(f[f'Core_{c}']['Snap_63'].attrs['num_gals']) for c in range(2)))\n";
    let python = common::output(
        Command::new("python3")
            .args(["-c", script, &master_arg])
            .current_dir(elsewhere.path()),
    )
    .expect("python3 with h5py");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&python.stdout).trim(),
        catalogue.num_galaxies(63).unwrap().to_string()
    );
}

#[test]
fn merge_refuses_outputs_whose_galaxies_would_count_twice() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "whole_a.h5", 0, 1, 100);
    demo(dir.path(), "whole_b.h5", 0, 1, 100);
    demo(dir.path(), "half.h5", 0, 2, 100);
    demo(dir.path(), "again.h5", 0, 2, 100);
    demo(dir.path(), "half.h5", 1, 2, 100);

    let stderr = failure(&galaxy_io(
        &["merge", "half_0.h5", "again_0.h5", "-o", "m.h5"],
        dir.path(),
    ));
    assert!(
        stderr.contains("half_0.h5 and again_0.h5 overlap: both processed tree file 0"),
        "{stderr}"
    );
    let stderr = failure(&galaxy_io(
        &["merge", "whole_a.h5", "half_1.h5", "-o", "m.h5"],
        dir.path(),
    ));
    assert!(
        stderr.contains("add up to 1.5, more than the whole simulation"),
        "{stderr}"
    );
    assert!(!dir.path().join("m.h5").exists());

    stdout(&galaxy_io(
        &["merge", "half_0.h5", "half_1.h5", "-o", "m.h5"],
        dir.path(),
    ));
    let header = Catalogue::open(dir.path().join("m.h5"))
        .unwrap()
        .header()
        .unwrap();
    assert_eq!(
        header.get(HeaderGroup::Runtime, "frac_volume_processed"),
        Some(&AttrValue::F64(1.0))
    );
    assert_eq!(
        header.get(HeaderGroup::Misc, "num_cores"),
        Some(&AttrValue::I32(2))
    );

    stdout(&galaxy_io(
        &[
            "merge",
            "whole_a.h5",
            "whole_b.h5",
            "-o",
            "both.h5",
            "--allow-overlap",
        ],
        dir.path(),
    ));
    let header = Catalogue::open(dir.path().join("both.h5"))
        .unwrap()
        .header()
        .unwrap();
    assert_eq!(
        header.get(HeaderGroup::Runtime, "frac_volume_processed"),
        Some(&AttrValue::F64(2.0)),
        "asked for: the sum, as sage-model's analysis divides by it"
    );
}

#[test]
fn write_master_refuses_outputs_of_different_simulations() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (core, box_size) in [(0, 62.5), (1, 500.0)] {
        let mut header = Header::with_cosmology(&Cosmology {
            box_size,
            ..Cosmology::MINI_MILLENNIUM
        });
        header.set(
            HeaderGroup::Runtime,
            "frac_volume_processed",
            AttrValue::F64(0.5),
        );
        let path = dir.path().join(format!("model_{core}.hdf5"));
        let options = Hdf5Options::default().header(header);
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
        output.write(63, &[SageGalaxy::default(); 2]).unwrap();
        output.finish().unwrap();
        paths.push(path);
    }
    let error = write_master(
        dir.path().join("model.hdf5"),
        &paths,
        &MasterOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::BadFile { problem, .. }
            if problem.contains("another simulation (box_size is 62.5 there and 500 here)")),
        "{error}"
    );
    assert!(!dir.path().join("model.hdf5").exists());
}

#[test]
fn tasks_write_their_own_files_with_their_share_and_join_into_one_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("model.hdf5");
    let header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
    let mut files = Vec::new();
    for task in 0..3u32 {
        let options = Hdf5Options::default().header(header.clone()).task(task, 3);
        let mut output = Hdf5Output::<SageGalaxy>::create(&catalogue, &[63], options).unwrap();
        let galaxies = vec![SageGalaxy::default(); 10 * (task as usize + 1)];
        output.write(63, &galaxies).unwrap();
        files.push(output.finish().unwrap().path);
    }
    assert_eq!(files[2], dir.path().join("model_2.hdf5"));
    for file in &files {
        let header = Catalogue::open(file).unwrap().header().unwrap();
        assert_eq!(
            header.get(HeaderGroup::Misc, "num_cores"),
            Some(&AttrValue::I32(3))
        );
        assert_eq!(
            header.get(HeaderGroup::Runtime, "frac_volume_processed"),
            Some(&AttrValue::F64(1.0 / 3.0))
        );
    }
    write_master(&catalogue, &files, &MasterOptions::default()).unwrap();
    let master = Catalogue::open(&catalogue).unwrap();
    assert_eq!(master.parts(), 3);
    assert_eq!(master.num_galaxies(63).unwrap(), 60);

    let beyond = Hdf5Options::default().task(3, 3);
    let error = Hdf5Output::<SageGalaxy>::create(dir.path().join("x.hdf5"), &[63], beyond)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("task 3 of 3") && error.contains("0 to 2"),
        "{error}"
    );
    assert!(!dir.path().join("x_3.hdf5").exists());
}

#[test]
fn a_master_over_one_output_links_its_snapshot_groups_and_reads_through_them() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "model_0.hdf5", 0, 1, 400);
    stdout(&galaxy_io(
        &["merge", "model_0.hdf5", "-o", "model.hdf5"],
        dir.path(),
    ));
    let master = dir.path().join("model.hdf5");
    // A link per snapshot, not a virtual dataset per field.
    assert!(std::fs::metadata(&master).unwrap().len() < 64 << 10);
    let catalogue = Catalogue::open(&master).unwrap();
    let output = Catalogue::open(dir.path().join("model_0.hdf5")).unwrap();
    for snapshot in output.snapshots().unwrap() {
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(snapshot).unwrap(),
            output.read_records::<SageGalaxy>(snapshot).unwrap()
        );
    }
    assert_eq!(catalogue.verify().unwrap(), 400);
    let script = "import h5py, sys\n\
        f = h5py.File(sys.argv[1], 'r')\n\
        link = f.get('Snap_63', getlink=True)\n\
        assert (link.filename, link.path) == ('./model_0.hdf5', '/Snap_63'), link\n\
        g = h5py.File(sys.argv[2], 'r')\n\
        assert (f['Snap_63/StellarMass'][:] == g['Snap_63/StellarMass'][:]).all()\n\
        print(int(f['Snap_63'].attrs['num_gals']))\n";
    let python = common::output(
        Command::new("python3")
            .args(["-c", script])
            .arg(&master)
            .arg(dir.path().join("model_0.hdf5")),
    )
    .expect("python3 with h5py");
    let seen = stdout(&python);
    assert_eq!(seen.trim(), output.num_galaxies(63).unwrap().to_string());
    // Without its output, the master is refused, naming the output.
    std::fs::remove_file(dir.path().join("model_0.hdf5")).unwrap();
    let stderr = failure(&galaxy_io(&["check", "model.hdf5"], dir.path()));
    assert!(stderr.contains("model_0.hdf5"), "{stderr}");
}
