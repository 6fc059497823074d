//! Comparing what stock SAGE writes with what SAGE on galaxy-io's writer writes, file by file:
//! every dataset of every snapshot bit for bit (with galaxy-io's reader and with h5py), and
//! every attribute SAGE writes with its type and value, the differences made on purpose aside.

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{AttrValue, Catalogue, HeaderGroup, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// SAGE's HDF5 writer buffers this many galaxies per snapshot before writing.
const SAGE_HDF5_BUFFER: usize = 8192;

/// What one task's file holds: its galaxies by `Type` and by `mergeType` over all snapshots,
/// and its number of trees (`TreeInfo` counts).
#[derive(Debug, Default)]
pub struct Tally {
    pub types: BTreeMap<i32, usize>,
    pub merge_types: BTreeMap<i32, usize>,
    pub trees: usize,
}

/// Checks that a task's file of SAGE on galaxy-io (`ours`) has stock SAGE's (`stock`)
/// `snapshots` (ascending), each with the 54 fields of SAGE's galaxies bit for bit; and that
/// its counts per tree are each galaxy once, where SAGE's are twice (see below).
pub fn same_galaxies(stock: &Path, ours: &Path, snapshots: &[u32]) -> Tally {
    let sage = Catalogue::open(stock).unwrap();
    let mine = Catalogue::open(ours).unwrap();
    assert_eq!(sage.snapshots().unwrap(), snapshots, "{}", stock.display());
    assert_eq!(mine.snapshots().unwrap(), snapshots, "{}", ours.display());
    let schema = Schema::of::<SageGalaxy>().unwrap();
    let mut tally = Tally::default();
    for &snapshot in snapshots {
        let at = format!("Snap_{snapshot} of {}", ours.display());
        assert_eq!(mine.schema(snapshot).unwrap().fields().len(), 54, "{at}");
        let expected = sage.read_records::<SageGalaxy>(snapshot).unwrap();
        let got = mine.read_records::<SageGalaxy>(snapshot).unwrap();
        assert!(!expected.is_empty(), "no galaxies at {at}");
        assert_eq!(got.len(), expected.len(), "galaxies at {at}");
        let differences = differences(&schema, &expected, &got);
        assert!(
            differences.is_empty(),
            "{at} differs from stock SAGE's:\n{}",
            differences.join("\n")
        );
        for galaxy in &expected {
            *tally.types.entry(galaxy.galaxy_type).or_insert(0) += 1;
            *tally.merge_types.entry(galaxy.merge_type).or_insert(0) += 1;
        }

        // The one difference in the numbers, on purpose: SAGE's writer counts the galaxies of
        // its last, partly full buffer a second time in `finalize_hdf5_galaxy_files`, so below
        // one buffer its counts per tree are twice the galaxies; ours count each once.
        let counts = mine.galaxies_per_tree(snapshot).unwrap().unwrap();
        assert_eq!(counts.iter().sum::<i32>() as usize, got.len(), "{at}");
        assert!(
            expected.len() < SAGE_HDF5_BUFFER,
            "the doubling needs one buffer"
        );
        let doubled: Vec<i32> = counts.iter().map(|n| 2 * n).collect();
        assert_eq!(sage.galaxies_per_tree(snapshot).unwrap(), Some(doubled));
        tally.trees = counts.len();
    }
    // One count per forest of the task.
    let header = mine.header().unwrap();
    let trees = header.get(HeaderGroup::Simulation, "num_trees_this_file");
    assert_eq!(
        trees,
        Some(&AttrValue::I64(tally.trees as i64)),
        "{}",
        ours.display()
    );
    tally
}

/// Every field whose bits differ, with how many rows and the first of them.
pub fn differences(schema: &Schema, expected: &[SageGalaxy], got: &[SageGalaxy]) -> Vec<String> {
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

fn python(script: &str, args: &[&Path]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    super::output(Command::new("python3").arg(script).args(args))
        .expect("python3 with h5py and numpy (bash .ci/run installs them)")
}

/// The same, read by h5py (`tests/python/compare_galaxy_datasets.py`): dtype, shape and bytes
/// of every dataset of every snapshot, of a task's file or, through its links, a master's.
pub fn same_datasets_in_h5py(stock: &Path, ours: &Path) {
    let output = python("compare_galaxy_datasets.py", &[stock, ours]);
    assert!(
        output.status.success(),
        "h5py finds differences between {} and {}:\n{}\n{}",
        stock.display(),
        ours.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
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

/// Checks that `ours` has every attribute of `stock` (more than `at_least` of them) with its
/// type and value, but for the [expected differences](expected_difference), as
/// `tests/python/compare_attributes.py` reads them.
pub fn same_attributes(stock: &Path, ours: &Path, master: bool, at_least: u64) {
    let output = python("compare_attributes.py", &[stock, ours]);
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
        stock.display()
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
            stock.display()
        );
    }
}
