//! Interoperability: the files are read by h5py (the way sage-model's `SageHdf5Model` reads
//! them, including through a master file) and by `h5dump`. These tools must be installed
//! (`.ci/run` installs them); the test fails rather than skips when they are missing.

mod common;

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{
    write_master, AttrValue, Cosmology, Durability, GalaxyRecord, Hdf5Options, Hdf5Output, Header,
    HeaderGroup, MasterOptions,
};
use std::path::Path;
use std::process::Command;

fn formula_galaxies(core: i64, n: usize) -> Vec<SageGalaxy> {
    (0..n)
        .map(|i| SageGalaxy {
            snap_num: 63,
            galaxy_type: (i % 3) as i32,
            galaxy_index: core * 1_000_000_000_000_000 + i as i64,
            stellar_mass: (core * 1000 + i as i64) as f32,
            pos: [i as f32, i as f32 + 0.5, -(i as f32)],
            ..SageGalaxy::default()
        })
        .collect()
}

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct WithHistory {
    #[galaxy(name = "SFH")]
    sfh: [[f64; 4]; 3],
}

fn write_outputs(dir: &Path, counts: [usize; 2]) {
    for (core, &n) in counts.iter().enumerate() {
        let mut header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
        header.set(
            HeaderGroup::Runtime,
            "frac_volume_processed",
            AttrValue::F64(0.5),
        );
        // Core 0 is written at finish, core 1 durably: the two layouts a catalogue can have.
        let durability = [Durability::AtFinish, Durability::FlushEachBuffer][core];
        let options = Hdf5Options::default().header(header).durability(durability);
        let path = dir.join(format!("model_{core}.hdf5"));
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
        let galaxies = formula_galaxies(core as i64, n);
        for (tree, chunk) in galaxies.chunks(7).enumerate() {
            output.write_tree(63, tree, chunk).unwrap();
        }
        output.finish().unwrap();
    }
    let outputs = [dir.join("model_0.hdf5"), dir.join("model_1.hdf5")];
    write_master(dir.join("model.hdf5"), &outputs, &MasterOptions::default()).unwrap();

    let mut rich =
        Hdf5Output::<WithHistory>::create(dir.join("rich.hdf5"), &[7], Hdf5Options::default())
            .unwrap();
    let records: Vec<WithHistory> = (0..10)
        .map(|i| WithHistory {
            sfh: [[f64::from(i); 4]; 3],
        })
        .collect();
    rich.write(7, &records).unwrap();
    rich.finish().unwrap();
}

#[test]
fn h5py_reads_outputs_and_master_file_like_sage_model() {
    let dir = tempfile::tempdir().unwrap();
    let counts = [1234, 567];
    write_outputs(dir.path(), counts);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_sage_layout.py");
    let output = common::output(
        Command::new("python3")
            .arg(script)
            .arg(dir.path().join("model.hdf5"))
            .arg(dir.path().join("model_0.hdf5"))
            .arg(counts[0].to_string())
            .arg(counts[1].to_string())
            .arg(dir.path().join("rich.hdf5")),
    )
    .expect("python3 must be installed (bash .ci/run installs it with h5py and numpy)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named"),
        "h5py and numpy must be installed (`python3 -m pip install h5py numpy`): {stderr}"
    );
    assert!(output.status.success(), "h5py checks failed:\n{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("h5py checks passed"));
}

#[test]
fn h5dump_reads_names_types_attributes_and_values() {
    let dir = tempfile::tempdir().unwrap();
    write_outputs(dir.path(), [20, 5]);
    let h5dump = |args: &[&str]| {
        let output = common::output(Command::new("h5dump").args(args))
            .expect("h5dump must be installed (apt-get install hdf5-tools; bash .ci/run does it)");
        assert!(
            output.status.success(),
            "h5dump {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let file = dir.path().join("model_0.hdf5");
    let file = file.to_str().unwrap();
    let header = h5dump(&["-H", file]);
    for expected in [
        "GROUP \"Snap_63\"",
        "DATASET \"StellarMass\"",
        "H5T_IEEE_F32LE",
        "H5T_STD_I64LE",
        "DATASPACE  SIMPLE { ( 20 ) / ( 20 ) }",
        "ATTRIBUTE \"Units\"",
        "ATTRIBUTE \"num_gals\"",
        "GROUP \"TreeInfo\"",
        "GROUP \"Misc\"",
    ] {
        assert!(
            header.contains(expected),
            "`{expected}` missing from h5dump -H:\n{header}"
        );
    }
    let values = h5dump(&["-d", "/Snap_63/Posy", file]);
    assert!(values.contains("(0): 0.5, 1.5, 2.5, 3.5"), "{values}");
    let units = h5dump(&["-a", "/Snap_63/StellarMass/Units", file]);
    assert!(units.contains("\"1.0e10 Msun/h\""), "{units}");
    // The master file's external links resolve for h5dump too.
    let master = dir.path().join("model.hdf5");
    let linked = h5dump(&[
        "-d",
        "/Core_1/Snap_63/StellarMass",
        master.to_str().unwrap(),
    ]);
    assert!(linked.contains("(0): 1000, 1001, 1002"), "{linked}");
}

/// Header attributes rewritten at finish, whatever their order and whether they changed since
/// the file was created, leave every object readable by h5py's HDF5 (1.14), which refuses
/// object headers that HDF5 1.10.8 leaves behind when it deletes shared attribute messages.
#[test]
fn h5py_opens_every_object_after_the_header_is_rewritten_at_finish() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a text long enough for its attribute message to be shared in the file";
    let mut paths = Vec::new();
    for (index, changed) in [false, true].into_iter().enumerate() {
        let path = dir.path().join(format!("header_{index}.hdf5"));
        let mut header = Header::with_cosmology(&Cosmology::MINI_MILLENNIUM);
        header.set(
            HeaderGroup::Runtime,
            "OutputDir",
            AttrValue::Text(long.into()),
        );
        let options = Hdf5Options::default().header(header);
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63, 32], options).unwrap();
        output.write(63, &formula_galaxies(0, 10)).unwrap();
        if changed {
            // As SAGE's drop-in does: its own version and commit, set after create.
            let misc = HeaderGroup::Misc;
            let header = output.header_mut();
            header.set(misc, "sage_version", AttrValue::Text("SAGE 1.0.0".into()));
            header.set(misc, "git_SHA_reference", AttrValue::Text(long.into()));
            header.set(misc, "num_cores", AttrValue::I32(4));
        }
        output.finish().unwrap();
        paths.push(path);
    }
    let script = "import h5py, sys\n\
        for path in sys.argv[1:]:\n\
        \x20   with h5py.File(path, 'r') as f:\n\
        \x20       f.visititems(lambda name, obj: dict(obj.attrs))\n\
        \x20       print(path, dict(f['Header/Misc'].attrs)['num_cores'])\n";
    let output = common::output(Command::new("python3").arg("-c").arg(script).args(&paths))
        .expect("python3 with h5py (bash .ci/run installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("header_1.hdf5 4"), "{stdout}");
}
