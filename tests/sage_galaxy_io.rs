//! SAGE writing through galaxy-io: SAGE built with galaxy-io's drop-in HDF5 writer
//! (`galaxy-io-c/sage/`) runs on the same generated merger trees as stock SAGE, and writes the
//! same catalogue: every dataset of every snapshot bit for bit (also in a durable mode), every
//! attribute SAGE writes with its type and value, and SAGE's own `tests/sagediff.py` passes
//! against stock SAGE's binary output. The same over MPI is `tests/sage_mpi.rs`.

mod common;

use common::lhalo::{self, ForestConfig};
use common::sage::{OutputFormat, Run, SageOutput, Writer};
use common::sage_compare;
use std::process::Command;
use std::sync::OnceLock;

/// `input/millennium.par`'s output snapshots (z = 0 to 7.3).
const OUTPUTS: [u32; 8] = [63, 37, 32, 27, 23, 20, 18, 16];

/// The same trees through stock SAGE (binary and HDF5 output) and through SAGE with
/// galaxy-io's writer.
struct Runs {
    _dir: tempfile::TempDir,
    binary: SageOutput,
    stock: SageOutput,
    ours: SageOutput,
    /// SAGE with galaxy-io's writer in a durable mode (`GALAXY_IO_DURABILITY=flush`).
    flushed: SageOutput,
}

/// The runs, or `None` (the test is skipped) without SAGE's source.
fn runs() -> Option<&'static Runs> {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    if !common::sage::available() {
        return None;
    }
    Some(RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // Two tree files of several trees each, with mergers and satellites, and galaxies at
        // every output snapshot (checked below).
        // Two files of 12 trees of about 400 haloes.
        let config = ForestConfig::default();
        let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
        let run = |format, writer, name: &str| {
            Run::new(&trees, format, dir.path().join(name))
                .outputs(&OUTPUTS)
                .writer(writer)
        };
        // Built before the runs start, so that the three do not wait for each other's builds.
        common::sage::build_with(Writer::Stock);
        common::sage::build_with(Writer::GalaxyIo);
        let (binary, stock, ours, flushed) = std::thread::scope(|scope| {
            let binary =
                scope.spawn(|| run(OutputFormat::Binary, Writer::Stock, "binary").execute());
            let stock = scope.spawn(|| run(OutputFormat::Hdf5, Writer::Stock, "stock").execute());
            let flushed = scope.spawn(|| {
                run(OutputFormat::Hdf5, Writer::GalaxyIo, "flushed")
                    .env("GALAXY_IO_DURABILITY", "flush")
                    .execute()
            });
            let ours = run(OutputFormat::Hdf5, Writer::GalaxyIo, "ours").execute();
            (
                binary.join().expect("the binary run"),
                stock.join().expect("the stock HDF5 run"),
                ours,
                flushed.join().expect("the durable run"),
            )
        });
        for output in [&stock, &ours, &flushed] {
            assert_eq!(output.files.len(), 1, "{:?}", output.files);
            assert!(output.master.is_some(), "{}", output.log);
        }
        Runs {
            _dir: dir,
            binary,
            stock,
            ours,
            flushed,
        }
    }))
}

#[test]
fn sage_with_galaxy_io_writes_every_dataset_of_sage_bit_for_bit() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    let mut snapshots = OUTPUTS.to_vec();
    snapshots.sort_unstable();
    let tally = sage_compare::same_galaxies(&stock.files[0], &ours.files[0], &snapshots);
    assert_eq!(tally.trees, 24, "one count per forest");
    println!(
        "by Type {:?}, by mergeType {:?}",
        tally.types, tally.merge_types
    );
    assert!(tally.types.contains_key(&1), "satellites: {tally:?}");
    assert!(
        tally.merge_types.keys().any(|&t| t > 0),
        "mergers: {tally:?}"
    );

    sage_compare::same_datasets_in_h5py(&stock.files[0], &ours.files[0]);
    sage_compare::same_datasets_in_h5py(
        stock.master.as_ref().unwrap(),
        ours.master.as_ref().unwrap(),
    );
}

/// `GALAXY_IO_DURABILITY=flush` changes when rows reach the disk, not what: the same datasets as
/// stock SAGE's, in the output and through the master.
#[test]
fn sage_with_galaxy_io_in_a_durable_mode_writes_the_same_catalogue() {
    let Some(Runs { stock, flushed, .. }) = runs() else {
        return;
    };
    sage_compare::same_datasets_in_h5py(&stock.files[0], &flushed.files[0]);
    sage_compare::same_datasets_in_h5py(
        stock.master.as_ref().unwrap(),
        flushed.master.as_ref().unwrap(),
    );
}

#[test]
fn sage_with_galaxy_io_writes_every_attribute_sage_writes() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    sage_compare::same_attributes(&stock.files[0], &ours.files[0], false, 500);
    sage_compare::same_attributes(
        stock.master.as_ref().unwrap(),
        ours.master.as_ref().unwrap(),
        true,
        40,
    );
}

#[test]
fn sages_own_sagediff_passes_between_stock_sage_and_sage_with_galaxy_io() {
    let Some(Runs { binary, ours, .. }) = runs() else {
        return;
    };
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

/// Linked with galaxy-io, SAGE still calls the C library's math: none of libm's functions is
/// defined in its binary (Rust's runtime carries its own `cbrt`, `floor`, `fma`, ..., which the
/// make fragment keeps local to the library).
#[test]
fn sage_with_galaxy_io_calls_the_c_librarys_math() {
    if !common::sage::available() {
        return;
    }
    let sage = common::sage::build_with(Writer::GalaxyIo).join("sage");
    let names = |args: &[&str], file: &std::path::Path| -> Vec<String> {
        let output = Command::new("nm").args(args).arg(file).output().unwrap();
        assert!(output.status.success(), "nm {file:?}");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().nth(2))
            .map(|name| name.split('@').next().unwrap_or(name).to_owned())
            .collect()
    };
    let libm = Command::new("cc")
        .arg("-print-file-name=libm.so.6")
        .output()
        .unwrap();
    let libm = std::path::PathBuf::from(String::from_utf8_lossy(&libm.stdout).trim());
    let libm: std::collections::HashSet<String> = names(&["-D", "--defined-only"], &libm)
        .into_iter()
        .collect();
    assert!(libm.contains("cbrt"), "{} lists no cbrt", libm.len());
    let defined: Vec<String> = names(&["--defined-only"], &sage)
        .into_iter()
        .filter(|name| libm.contains(name))
        .collect();
    assert!(defined.is_empty(), "SAGE defines libm's {defined:?}");
}

/// Where each key of `catalogue` appears, by a search of every row of every snapshot (of every
/// core, through a master).
fn scan_every_row(
    catalogue: &galaxy_io::Catalogue,
) -> std::collections::BTreeMap<i64, Vec<galaxy_io::Appearance>> {
    let mut found: std::collections::BTreeMap<i64, Vec<galaxy_io::Appearance>> = Default::default();
    for snapshot in catalogue.snapshots().unwrap() {
        let keys = catalogue
            .read_column::<i64>(snapshot, "GalaxyIndex")
            .unwrap();
        for (row, key) in keys.into_iter().enumerate() {
            let place = galaxy_io::Appearance {
                snapshot,
                row: row as u64,
            };
            found.entry(key).or_default().push(place);
        }
    }
    found
}

/// SAGE's galaxies followed through time through the index its run on galaxy-io wrote, in its
/// output and in its master: every galaxy alive at the last snapshot has the history a search of
/// every row of every snapshot finds.
#[test]
fn sage_with_galaxy_io_indexes_every_galaxys_history() {
    let Some(Runs { ours, .. }) = runs() else {
        return;
    };
    for file in [&ours.files[0], ours.master.as_ref().unwrap()] {
        let catalogue = galaxy_io::Catalogue::open(file).unwrap();
        let expected = scan_every_row(&catalogue);
        let alive = catalogue.read_column::<i64>(63, "GalaxyIndex").unwrap();
        assert!(alive.len() > 50, "{} galaxies at z = 0", alive.len());
        let mut longest = 0;
        for key in alive {
            let history = catalogue.history(key).unwrap();
            assert!(history.indexed, "{}", file.display());
            assert_eq!(history.appearances, expected[&key], "GalaxyIndex {key}");
            longest = longest.max(history.appearances.len());
        }
        assert!(
            longest >= 4,
            "histories through several snapshots: {longest}"
        );
    }
}

/// SAGE on galaxy-io over the same trees with every snapshot from 48 to 63 an output: SAGE
/// resolves `mergeIntoID` only when the galaxy merged into is at an output snapshot and the
/// merging one's last row is at the output before it, so only consecutive outputs have them.
fn consecutive_outputs() -> Option<&'static SageOutput> {
    static RUN: OnceLock<(tempfile::TempDir, SageOutput)> = OnceLock::new();
    runs()?;
    Some(
        &RUN.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            // Two files of 12 trees of about 400 haloes.
            let config = ForestConfig::default();
            let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
            let outputs: Vec<u32> = (48..64).collect();
            let output = Run::new(&trees, OutputFormat::Hdf5, dir.path().join("ours"))
                .outputs(&outputs)
                .writer(Writer::GalaxyIo)
                .execute();
            (dir, output)
        })
        .1,
    )
}

/// The galaxies whose mergeIntoID points at each galaxy alive at the last snapshot, at each
/// snapshot of its history: `mergers_into` (the target found through the index, its forest's
/// run of SAGETreeIndex) against a scan of every row's mergeIntoID resolved with the forest
/// counts of TreeInfo.
#[test]
fn sage_with_galaxy_io_mergers_point_where_the_index_says() {
    let Some(ours) = consecutive_outputs() else {
        return;
    };
    let catalogue = galaxy_io::Catalogue::open(&ours.files[0]).unwrap();
    // Each forest's first row at each snapshot, from TreeInfo.
    let mut first_rows = std::collections::BTreeMap::new();
    for snapshot in catalogue.snapshots().unwrap() {
        let counts = catalogue.galaxies_per_tree(snapshot).unwrap().unwrap();
        let mut start = 0u64;
        let starts: Vec<u64> = counts
            .iter()
            .map(|&n| {
                let first = start;
                start += n as u64;
                first
            })
            .collect();
        first_rows.insert(snapshot, starts);
    }
    let forest_of =
        |snapshot: u32, row: u64| first_rows[&snapshot].partition_point(|&first| first <= row) - 1;
    // Every merger, by the place of the galaxy it points at.
    let mut by_target: std::collections::BTreeMap<(u32, u64), Vec<galaxy_io::sage::Merger>> =
        Default::default();
    for from in catalogue.snapshots().unwrap() {
        let galaxies = catalogue
            .read_records::<galaxy_io::sage::SageGalaxy>(from)
            .unwrap();
        for (row, galaxy) in galaxies.iter().enumerate() {
            let into = galaxy.merge_into_snap_num;
            if galaxy.merge_into_id < 0 || into < 0 || !first_rows.contains_key(&(into as u32)) {
                continue;
            }
            let forest = forest_of(from, row as u64);
            let target = first_rows[&(into as u32)][forest] + galaxy.merge_into_id as u64;
            by_target
                .entry((into as u32, target))
                .or_default()
                .push(galaxy_io::sage::Merger {
                    key: galaxy.galaxy_index,
                    at: galaxy_io::Appearance {
                        snapshot: from,
                        row: row as u64,
                    },
                });
        }
    }
    assert!(!by_target.is_empty(), "SAGE's run has mergers");
    // Every galaxy alive at z = 0, at every snapshot of its history, through the mergers read
    // once; and `mergers_into` itself (which reads them at every call) for every hundredth.
    let mergers = galaxy_io::sage::Mergers::of(&catalogue).unwrap();
    let (mut found, mut called) = (0, 0);
    let alive = catalogue.read_column::<i64>(63, "GalaxyIndex").unwrap();
    for (at, key) in alive.into_iter().enumerate() {
        for place in catalogue.history(key).unwrap().appearances {
            let expected = by_target
                .get(&(place.snapshot, place.row))
                .cloned()
                .unwrap_or_default();
            let into = mergers.find(&catalogue, key, place.snapshot).unwrap();
            assert_eq!(into, expected, "GalaxyIndex {key} at {}", place.snapshot);
            if at % 100 == 0 {
                let once = galaxy_io::sage::mergers_into(&catalogue, key, place.snapshot).unwrap();
                assert_eq!(once, expected, "GalaxyIndex {key} at {}", place.snapshot);
                called += 1;
            }
            found += into.len();
        }
    }
    assert!(found > 0, "some galaxy alive at z = 0 had mergers");
    assert!(called > 0, "mergers_into was called");
    // Every merger SAGE wrote is found as a merger of the galaxy it points at, whether or not
    // that galaxy lives to z = 0.
    for (&(snapshot, row), expected) in &by_target {
        let key = catalogue
            .read_column::<i64>(snapshot, "GalaxyIndex")
            .unwrap()[row as usize];
        let into = mergers.find(&catalogue, key, snapshot).unwrap();
        assert_eq!(&into, expected, "GalaxyIndex {key} at {snapshot}");
    }
}
