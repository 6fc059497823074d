//! Fidelity to SAGE itself: stock SAGE runs on generated merger trees twice, writing its binary
//! and its HDF5 output; `galaxy-io convert` turns the binary output into HDF5, which must hold
//! exactly the galaxies of SAGE's own HDF5 output, bit for bit.

mod common;

use common::lhalo::{self, ForestConfig};
use common::sage::{OutputFormat, Run, SageOutput};
use common::sage_compare;
use galaxy_io::sage::binary::{BinaryName, BinaryReader};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Catalogue, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// `input/millennium.par`'s output snapshots (z = 0 to 7.3).
const OUTPUTS: [u32; 8] = [63, 37, 32, 27, 23, 20, 18, 16];

/// SAGE's HDF5 output buffers this many galaxies per snapshot before writing.
const SAGE_HDF5_BUFFER: usize = 8192;

/// Stock SAGE run twice on the same generated trees, once per output format.
struct Runs {
    dir: tempfile::TempDir,
    trees: lhalo::Forests,
    binary: SageOutput,
    hdf5: SageOutput,
}

/// The runs, or `None` (the test is skipped) without SAGE's source.
fn runs() -> Option<&'static Runs> {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    if !common::sage::available() {
        return None;
    }
    Some(RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let config = ForestConfig {
            files: 2,
            trees_per_file: 16,
            halos_per_tree: 400,
            seed: 7,
        };
        let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
        for (file, &count) in trees.files().iter().zip(&trees.trees_per_file) {
            let read = lhalo::read_tree_file(file);
            assert_eq!(read.len(), count as usize, "{}", file.display());
            read.iter()
                .for_each(|tree| lhalo::check_tree(tree).unwrap());
        }
        // Without GSL, SAGE spends seconds of every run integrating ages: run both at once.
        let (binary, hdf5) = std::thread::scope(|scope| {
            let binary = scope.spawn(|| {
                Run::new(&trees, OutputFormat::Binary, dir.path().join("binary"))
                    .outputs(&OUTPUTS)
                    .execute()
            });
            let hdf5 = Run::new(&trees, OutputFormat::Hdf5, dir.path().join("hdf5"))
                .outputs(&OUTPUTS)
                .execute();
            (binary.join().expect("the binary run"), hdf5)
        });
        // One task: one binary file per output snapshot (numbered by task, not by tree file, so
        // it holds the trees of both tree files), and one HDF5 file (and the master file).
        assert_eq!(binary.files.len(), OUTPUTS.len(), "{:?}", binary.files);
        assert_eq!(hdf5.files.len(), 1, "{:?}", hdf5.files);
        assert!(hdf5.master.is_some());
        Runs {
            dir,
            trees,
            binary,
            hdf5,
        }
    }))
}

/// Runs the command line, which must succeed.
fn galaxy_io(args: &[&std::ffi::OsStr]) {
    let output = common::output(Command::new(env!("CARGO_BIN_EXE_galaxy-io")).args(args))
        .expect("the galaxy-io binary runs");
    assert!(
        output.status.success(),
        "galaxy-io {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn converting_sage_binary_output_gives_sage_hdf5_output_bit_for_bit() {
    let Some(Runs {
        dir,
        trees,
        binary,
        hdf5,
    }) = runs()
    else {
        return;
    };
    let sage_file = &hdf5.files[0];
    let converted = dir.path().join("converted.hdf5");
    let mut args: Vec<&std::ffi::OsStr> = vec!["convert".as_ref()];
    args.extend(binary.files.iter().map(|f| f.as_os_str()));
    args.extend(["-o".as_ref(), converted.as_os_str(), "--snap-list".as_ref()]);
    args.push(trees.snap_list.as_os_str());
    galaxy_io(&args);

    let sage = Catalogue::open(sage_file).unwrap();
    let ours = Catalogue::open(&converted).unwrap();
    let mut snapshots = OUTPUTS.to_vec();
    snapshots.sort_unstable();
    assert_eq!(sage.snapshots().unwrap(), snapshots);
    assert_eq!(ours.snapshots().unwrap(), snapshots);

    let schema = Schema::of::<SageGalaxy>().unwrap();
    let mut names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names.len(), 54);
    let per_tree = binary_galaxies_per_tree(&binary.files);
    let mut summary = String::new();
    let (mut types, mut merge_types) = (BTreeMap::new(), BTreeMap::new());
    for &snapshot in &snapshots {
        let sage_schema = sage.schema(snapshot).unwrap();
        let mut sage_names: Vec<&str> = sage_schema
            .fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        sage_names.sort_unstable();
        assert_eq!(sage_names, names, "SAGE's datasets of Snap_{snapshot}");

        // Every field of every galaxy, checked by name, type and shape against SAGE's record.
        let expected = sage.read_records::<SageGalaxy>(snapshot).unwrap();
        let got = ours.read_records::<SageGalaxy>(snapshot).unwrap();
        assert!(
            !expected.is_empty(),
            "SAGE wrote no galaxies at snapshot {snapshot}"
        );
        assert_eq!(got.len(), expected.len(), "galaxies at snapshot {snapshot}");
        let differences = sage_compare::differences(&schema, &expected, &got);
        assert!(
            differences.is_empty(),
            "Snap_{snapshot}: the conversion differs from SAGE's HDF5 output:\n{}",
            differences.join("\n")
        );

        // Galaxies per tree: ours are the binary headers'. SAGE's HDF5 output counts a tree's
        // galaxies once when it buffers them and again when it writes its last, partly full
        // buffer (`finalize_hdf5_galaxy_files`), so below 8192 galaxies it has them twice.
        let binary_counts = &per_tree[&snapshot];
        assert_eq!(
            ours.galaxies_per_tree(snapshot).unwrap().as_ref(),
            Some(binary_counts)
        );
        assert!(
            expected.len() < SAGE_HDF5_BUFFER,
            "the doubling below needs one buffer"
        );
        let doubled: Vec<i32> = binary_counts.iter().map(|n| 2 * n).collect();
        assert_eq!(sage.galaxies_per_tree(snapshot).unwrap(), Some(doubled));

        let mut snapshot_types = BTreeMap::new();
        for galaxy in &expected {
            *snapshot_types.entry(galaxy.galaxy_type).or_insert(0) += 1;
            *types.entry(galaxy.galaxy_type).or_insert(0) += 1;
            *merge_types.entry(galaxy.merge_type).or_insert(0) += 1;
        }
        summary += &format!(
            "Snap_{snapshot}: {} galaxies, by Type {snapshot_types:?}\n",
            expected.len()
        );
    }
    println!("{summary}by Type {types:?}, by mergeType {merge_types:?}");
    assert!(types.contains_key(&1), "satellites (Type 1): {types:?}");
    // A galaxy that merges at the next snapshot carries its mergeType (1 minor, 2 major,
    // 4 disrupted) at this one. Orphans (Type 2) are never written: SAGE merges or disrupts
    // every orphan in the time step it becomes one (`evolve_galaxies`: a Type 2 has Mvir 0, so
    // by the last substep its Mvir/baryons ratio is 0, below ThresholdSatDisruption), and
    // merged galaxies are not output; the orphans show up as these mergers instead.
    assert!(
        merge_types.keys().any(|&t| t > 0),
        "mergers: {merge_types:?}"
    );

    // The same comparison through h5py, which reads both files without galaxy-io.
    sage_compare::same_datasets_in_h5py(sage_file, &converted);
}

/// The galaxies-per-tree header of each binary file, by snapshot.
fn binary_galaxies_per_tree(files: &[std::path::PathBuf]) -> BTreeMap<u32, Vec<i32>> {
    let redshifts = lhalo::redshifts();
    files
        .iter()
        .map(|path| {
            let name = BinaryName::parse(path).expect("SAGE's binary file name");
            let snapshot = redshifts
                .iter()
                .position(|z| (z - name.redshift).abs() < 5e-4)
                .expect("a snapshot at the file's redshift");
            let reader = BinaryReader::open(path).unwrap();
            (snapshot as u32, reader.galaxies_per_tree().to_vec())
        })
        .collect()
}

/// Differences between SAGE's attributes and ours that are meant: `Units` and `Description` are
/// stored as long as their text (SAGE pads each to 1024 bytes: 2 KiB per dataset, 7 MiB in a
/// file of 64 snapshots); `sage_version` and `git_SHA_reference` name the program that wrote the
/// file, and `OutputDir` is where each of the two runs wrote (strings as long as their text, so
/// their types differ with their values).
fn expected_difference(path: &str, kind: &str) -> bool {
    let writer = matches!(
        path,
        "/Header/Misc@sage_version"
            | "/Header/Misc@git_SHA_reference"
            | "/Header/Runtime@OutputDir"
    );
    match kind {
        "type" => writer || path.ends_with("@Units") || path.ends_with("@Description"),
        "value" => writer,
        _ => false,
    }
}

#[test]
fn convert_with_the_parameter_file_writes_every_attribute_sage_writes() {
    let Some(Runs {
        dir, binary, hdf5, ..
    }) = runs()
    else {
        return;
    };
    // The binary run's own parameter file: convert finds the run's galaxy files through it.
    let par = binary.files[0].parent().unwrap().join("sage.par");
    let converted = dir.path().join("converted_with_par.hdf5");
    galaxy_io(&[
        "convert".as_ref(),
        "--par".as_ref(),
        par.as_os_str(),
        "-o".as_ref(),
        converted.as_os_str(),
    ]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/compare_attributes.py");
    let output = common::output(
        Command::new("python3")
            .arg(script)
            .arg(&hdf5.files[0])
            .arg(&converted),
    )
    .expect("python3 with h5py");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["compared"].as_u64().unwrap() > 500, "{report}");
    assert_eq!(
        report["missing"],
        serde_json::json!([]),
        "SAGE's attributes we lack"
    );
    for kind in ["type", "value"] {
        let unexpected: Vec<&serde_json::Value> = report[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !expected_difference(d[0].as_str().unwrap(), kind))
            .collect();
        assert!(unexpected.is_empty(), "{kind} differences: {unexpected:#?}");
    }
}

#[test]
fn sage_analysis_reads_the_conversion_with_the_runs_volume() {
    let Some(Runs { dir, binary, .. }) = runs() else {
        return;
    };
    let par = binary.files[0].parent().unwrap().join("sage.par");
    let converted = dir.path().join("for_sage_analysis.hdf5");
    let master = dir.path().join("for_sage_analysis_master.hdf5");
    galaxy_io(&[
        "convert".as_ref(),
        "--par".as_ref(),
        par.as_os_str(),
        "-o".as_ref(),
        converted.as_os_str(),
    ]);
    galaxy_io(&[
        "merge".as_ref(),
        converted.as_os_str(),
        "-o".as_ref(),
        master.as_os_str(),
    ]);
    // The run processed both of the simulation's two tree files: the whole box.
    common::check_sage_analysis(&master, &[converted], lhalo::BOX_SIZE, 1.0);
}

#[test]
fn sages_own_sagediff_passes_between_its_binary_output_and_the_conversion() {
    let Some(Runs { dir, binary, .. }) = runs() else {
        return;
    };
    let converted = dir.path().join("for_sagediff.hdf5");
    let master = dir.path().join("for_sagediff_master.hdf5");
    let par = binary.files[0].parent().unwrap().join("sage.par");
    galaxy_io(&[
        "convert".as_ref(),
        "--par".as_ref(),
        par.as_os_str(),
        "-o".as_ref(),
        converted.as_os_str(),
    ]);
    // sagediff reads HDF5 through a master file, as SAGE writes one.
    galaxy_io(&[
        "merge".as_ref(),
        converted.as_os_str(),
        "-o".as_ref(),
        master.as_os_str(),
    ]);
    let sagediff = common::sage::source_dir().join("tests/sagediff.py");
    for file in &binary.files {
        let output = common::output(
            Command::new("python3")
                .arg(&sagediff)
                .arg(file)
                .arg(&master)
                .args(["binary-hdf5", "1", "1"]),
        )
        .expect("python3 with numpy and h5py");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("All tests passed"),
            "sagediff {}:\n{stdout}\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
