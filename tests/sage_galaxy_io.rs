//! SAGE writing through galaxy-io: SAGE built with galaxy-io's drop-in HDF5 writer
//! (`galaxy-io-c/sage/`) runs on the same generated merger trees as stock SAGE, and writes the
//! same catalogue: every dataset of every snapshot bit for bit, every attribute SAGE writes with
//! its type and value, and SAGE's own `tests/sagediff.py` passes against stock SAGE's binary
//! output. The MPI variant (`mpirun -np 2`) is not run here.

mod common;

use common::lhalo::{self, ForestConfig};
use common::sage::{OutputFormat, Run, SageOutput, Writer};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Catalogue, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// `input/millennium.par`'s output snapshots (z = 0 to 7.3).
const OUTPUTS: [u32; 8] = [63, 37, 32, 27, 23, 20, 18, 16];

/// SAGE's HDF5 writer buffers this many galaxies per snapshot before writing.
const SAGE_HDF5_BUFFER: usize = 8192;

/// The same trees through stock SAGE (binary and HDF5 output) and through SAGE with
/// galaxy-io's writer.
struct Runs {
    _dir: tempfile::TempDir,
    binary: SageOutput,
    stock: SageOutput,
    ours: SageOutput,
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // Two tree files of several trees each, with mergers and satellites, and galaxies at
        // every output snapshot (checked below).
        let config = ForestConfig {
            files: 2,
            trees_per_file: 12,
            halos_per_tree: 400,
            seed: 11,
        };
        let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
        let run = |format, writer, name: &str| {
            Run::new(&trees, format, dir.path().join(name))
                .outputs(&OUTPUTS)
                .writer(writer)
        };
        // Built before the runs start, so that the three do not wait for each other's builds.
        common::sage::build_with(Writer::Stock);
        common::sage::build_with(Writer::GalaxyIo);
        let (binary, stock, ours) = std::thread::scope(|scope| {
            let binary =
                scope.spawn(|| run(OutputFormat::Binary, Writer::Stock, "binary").execute());
            let stock = scope.spawn(|| run(OutputFormat::Hdf5, Writer::Stock, "stock").execute());
            let ours = run(OutputFormat::Hdf5, Writer::GalaxyIo, "ours").execute();
            (
                binary.join().expect("the binary run"),
                stock.join().expect("the stock HDF5 run"),
                ours,
            )
        });
        for output in [&stock, &ours] {
            assert_eq!(output.files.len(), 1, "{:?}", output.files);
            assert!(output.master.is_some(), "{}", output.log);
        }
        Runs {
            _dir: dir,
            binary,
            stock,
            ours,
        }
    })
}

/// Every field whose bits differ, with how many rows and the first of them.
fn differences(schema: &Schema, expected: &[SageGalaxy], got: &[SageGalaxy]) -> Vec<String> {
    let size = std::mem::size_of::<SageGalaxy>();
    let (expected, got): (&[u8], &[u8]) =
        (bytemuck::cast_slice(expected), bytemuck::cast_slice(got));
    let mut found = Vec::new();
    for field in schema.fields() {
        let rows: Vec<usize> = (0..expected.len() / size)
            .filter(|row| {
                let at = row * size + field.offset;
                expected[at..at + field.size()] != got[at..at + field.size()]
            })
            .collect();
        if let Some(&first) = rows.first() {
            found.push(format!(
                "{}: {} rows differ, the first is row {first}",
                field.name,
                rows.len()
            ));
        }
    }
    found
}

fn python(script: &Path, args: &[&Path]) -> std::process::Output {
    common::output(Command::new("python3").arg(script).args(args))
        .expect("python3 with h5py and numpy (bash .ci/run installs them)")
}

#[test]
fn sage_with_galaxy_io_writes_every_dataset_of_sage_bit_for_bit() {
    let Runs { stock, ours, .. } = runs();
    let (stock_file, our_file) = (&stock.files[0], &ours.files[0]);
    let sage = Catalogue::open(stock_file).unwrap();
    let mine = Catalogue::open(our_file).unwrap();
    let mut snapshots = OUTPUTS.to_vec();
    snapshots.sort_unstable();
    assert_eq!(sage.snapshots().unwrap(), snapshots);
    assert_eq!(mine.snapshots().unwrap(), snapshots);

    let schema = Schema::of::<SageGalaxy>().unwrap();
    let (mut types, mut merge_types) = (BTreeMap::new(), BTreeMap::new());
    for &snapshot in &snapshots {
        assert_eq!(
            mine.schema(snapshot).unwrap().fields().len(),
            54,
            "Snap_{snapshot}"
        );
        let expected = sage.read_records::<SageGalaxy>(snapshot).unwrap();
        let got = mine.read_records::<SageGalaxy>(snapshot).unwrap();
        assert!(!expected.is_empty(), "no galaxies at snapshot {snapshot}");
        assert_eq!(got.len(), expected.len(), "galaxies at snapshot {snapshot}");
        let differences = differences(&schema, &expected, &got);
        assert!(
            differences.is_empty(),
            "Snap_{snapshot} differs from stock SAGE's:\n{}",
            differences.join("\n")
        );
        for galaxy in &expected {
            *types.entry(galaxy.galaxy_type).or_insert(0) += 1;
            *merge_types.entry(galaxy.merge_type).or_insert(0) += 1;
        }

        // The one difference in the numbers, on purpose: SAGE's writer counts the galaxies of
        // its last, partly full buffer a second time in `finalize_hdf5_galaxy_files`, so below
        // one buffer its counts per tree are twice the galaxies; ours count each once.
        let counts = mine.galaxies_per_tree(snapshot).unwrap().unwrap();
        assert_eq!(counts.len(), 24, "one count per forest of the task");
        assert_eq!(counts.iter().sum::<i32>() as usize, got.len());
        assert!(
            expected.len() < SAGE_HDF5_BUFFER,
            "the doubling needs one buffer"
        );
        let doubled: Vec<i32> = counts.iter().map(|n| 2 * n).collect();
        assert_eq!(sage.galaxies_per_tree(snapshot).unwrap(), Some(doubled));
    }
    println!("by Type {types:?}, by mergeType {merge_types:?}");
    assert!(types.contains_key(&1), "satellites: {types:?}");
    assert!(
        merge_types.keys().any(|&t| t > 0),
        "mergers: {merge_types:?}"
    );

    // The same, read by h5py: dtype, shape and bytes of every dataset of every snapshot.
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/compare_galaxy_datasets.py");
    for (theirs, mine) in [
        (stock_file, our_file),
        (
            stock.master.as_ref().unwrap(),
            ours.master.as_ref().unwrap(),
        ),
    ] {
        let output = python(&script, &[theirs, mine]);
        assert!(
            output.status.success(),
            "h5py finds differences:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The attributes that differ on purpose. `Units` and `Description` are stored as long as their
/// text (SAGE pads each to 1024 bytes); `OutputDir` is where each run wrote (a string as long as
/// its text, so its type differs with its value). In the master file, galaxy-io lists the output
/// snapshots ascending (`Header/output_snapshots`), SAGE in its parameter file's order.
fn expected_difference(path: &str, kind: &str, master: bool) -> bool {
    let run_dependent = path == "/Header/Runtime@OutputDir";
    match kind {
        "type" => run_dependent || path.ends_with("@Units") || path.ends_with("@Description"),
        "value" => run_dependent || (master && path == "/Header/output_snapshots"),
        _ => false,
    }
}

#[test]
fn sage_with_galaxy_io_writes_every_attribute_sage_writes() {
    let Runs { stock, ours, .. } = runs();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/compare_attributes.py");
    let pairs = [
        (&stock.files[0], &ours.files[0], false, 500),
        (
            stock.master.as_ref().unwrap(),
            ours.master.as_ref().unwrap(),
            true,
            40,
        ),
    ];
    for (theirs, mine, master, at_least) in pairs {
        let output = python(&script, &[theirs, mine]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(report["compared"].as_u64().unwrap() > at_least, "{report}");
        assert_eq!(
            report["missing"],
            serde_json::json!([]),
            "attributes of {} we lack",
            theirs.display()
        );
        for kind in ["type", "value"] {
            let unexpected: Vec<&serde_json::Value> = report[kind]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| !expected_difference(d[0].as_str().unwrap(), kind, master))
                .collect();
            assert!(
                unexpected.is_empty(),
                "{kind} differences from {}: {unexpected:#?}",
                theirs.display()
            );
        }
    }
}

#[test]
fn sages_own_sagediff_passes_between_stock_sage_and_sage_with_galaxy_io() {
    let Runs { binary, ours, .. } = runs();
    let sagediff = common::sage::source_dir().join("tests/sagediff.py");
    let master = ours.master.as_ref().unwrap();
    for file in &binary.files {
        let output = common::output(
            Command::new("python3")
                .arg(&sagediff)
                .arg(file)
                .arg(master)
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
