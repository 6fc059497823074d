//! Following galaxies through time: the history index an output writes at finish (in every
//! durability mode, in the foreground and the background), a master's index over its outputs,
//! and the scan a reader falls back to when a file has no index or a damaged one: every answer
//! equals a brute-force search of every row.

mod common;

use galaxy_io::sage::SageGalaxy;
use galaxy_io::{
    recover, write_master, Appearance, AttrValue, Catalogue, Durability, Error, Hdf5Options,
    Hdf5Output, Header, HeaderGroup, MasterOptions,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SNAPSHOTS: [u32; 6] = [3, 7, 12, 20, 40, 63];

/// Galaxies that live from one output snapshot to a later one, each row of a snapshot holding
/// its galaxy's key, written in an order that is not the keys' (a model's tree order). Keys are
/// offset by `base` so that the outputs of a run do not share them; every third galaxy of a
/// second output has a key of the first's (a history that crosses outputs).
fn galaxies(seed: u64, base: i64, count: i64) -> BTreeMap<u32, Vec<SageGalaxy>> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let mut by_snapshot: BTreeMap<u32, Vec<SageGalaxy>> = BTreeMap::new();
    for key in 0..count {
        let born = next() as usize % SNAPSHOTS.len();
        let lives = 1 + next() as usize % (SNAPSHOTS.len() - born);
        for (at, &snapshot) in SNAPSHOTS.iter().enumerate().skip(born).take(lives) {
            by_snapshot.entry(snapshot).or_default().push(SageGalaxy {
                galaxy_index: base + key * 7 - count,
                snap_num: snapshot as i32,
                stellar_mass: (key as f32) + at as f32 / 10.0,
                ..Default::default()
            });
        }
    }
    for rows in by_snapshot.values_mut() {
        let len = rows.len();
        for i in (1..len).rev() {
            rows.swap(i, next() as usize % (i + 1));
        }
    }
    by_snapshot
}

fn write(path: &Path, rows: &BTreeMap<u32, Vec<SageGalaxy>>, options: Hdf5Options) {
    let mut output = Hdf5Output::<SageGalaxy>::create(path, &SNAPSHOTS, options).unwrap();
    for (&snapshot, galaxies) in rows {
        // Several writes per snapshot, so that rows arrive over several calls.
        for part in galaxies.chunks(97) {
            output.write(snapshot, part).unwrap();
        }
    }
    output.finish().unwrap();
}

/// Every key's snapshots and rows, by looking at every row.
fn brute_force(rows: &[BTreeMap<u32, Vec<SageGalaxy>>]) -> BTreeMap<i64, Vec<Appearance>> {
    let mut found: BTreeMap<i64, Vec<Appearance>> = BTreeMap::new();
    let mut before = BTreeMap::<u32, u64>::new();
    for output in rows {
        for (&snapshot, galaxies) in output {
            let offset = before.entry(snapshot).or_insert(0);
            for (row, galaxy) in galaxies.iter().enumerate() {
                found
                    .entry(galaxy.galaxy_index)
                    .or_default()
                    .push(Appearance {
                        snapshot,
                        row: *offset + row as u64,
                    });
            }
            *offset += galaxies.len() as u64;
        }
    }
    for places in found.values_mut() {
        places.sort();
    }
    found
}

fn same_as_brute_force(
    catalogue: &Catalogue,
    expected: &BTreeMap<i64, Vec<Appearance>>,
    indexed: bool,
) {
    for (&key, places) in expected {
        let history = catalogue.history(key).unwrap();
        assert_eq!(&history.appearances, places, "key {key}");
        assert_eq!(history.indexed, indexed);
    }
    let key = *expected.keys().next().unwrap();
    let records = catalogue.read_history::<SageGalaxy>(key).unwrap();
    assert_eq!(records.len(), expected[&key].len());
    for (appearance, galaxy) in records {
        assert_eq!(galaxy.galaxy_index, key);
        assert_eq!(galaxy.snap_num as u32, appearance.snapshot);
    }
    let unknown = expected.keys().next_back().unwrap() + 1;
    assert!(matches!(
        catalogue.history(unknown),
        Err(Error::UnknownKey { key, .. }) if key == unknown
    ));
}

#[test]
fn every_mode_writes_an_index_that_answers_as_a_search_of_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(1, 0, 1500);
    let expected = brute_force(std::slice::from_ref(&rows));
    let small = Hdf5Options::default().buffer(galaxy_io::BufferConfig::fixed(16 << 10));
    for (name, options) in [
        ("at_finish", small.clone()),
        ("background", small.clone().background(true)),
        (
            "flush_each",
            small.clone().durability(Durability::FlushEachBuffer),
        ),
        ("swmr", small.clone().durability(Durability::Swmr)),
    ] {
        let path = dir.path().join(format!("{name}.hdf5"));
        write(&path, &rows, options);
        let catalogue = Catalogue::open(&path).unwrap();
        assert_eq!(catalogue.history_key().unwrap(), "GalaxyIndex");
        same_as_brute_force(&catalogue, &expected, true);
    }
}

fn with_volume(fraction: f64) -> Hdf5Options {
    let mut header = Header::default();
    header.set(
        HeaderGroup::Runtime,
        "frac_volume_processed",
        AttrValue::F64(fraction),
    );
    Hdf5Options::default().header(header)
}

#[test]
fn a_master_indexes_the_rows_of_all_its_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs: Vec<PathBuf> = Vec::new();
    let mut all = Vec::new();
    for core in 0..3 {
        let mut rows = galaxies(10 + core, core as i64 * 100_000, 400);
        if core == 1 {
            // A galaxy that moves to another core's file keeps its key: its history crosses.
            for galaxy in rows.get_mut(&63).unwrap().iter_mut().step_by(3) {
                galaxy.galaxy_index -= 100_000;
            }
        }
        let path = dir.path().join(format!("model_{core}.hdf5"));
        write(&path, &rows, with_volume(0.25));
        outputs.push(path);
        all.push(rows);
    }
    let master = dir.path().join("model.hdf5");
    write_master(&master, &outputs, &MasterOptions::default()).unwrap();
    let expected = brute_force(&all);
    // Some history runs through core 0's rows and then core 1's at snapshot 63.
    let rows_of_core_0 = |snapshot: u32| all[0].get(&snapshot).map_or(0, |g| g.len() as u64);
    assert!(expected.values().any(|places| {
        places
            .iter()
            .any(|p| p.snapshot < 63 && p.row < rows_of_core_0(p.snapshot))
            && places
                .iter()
                .any(|p| p.snapshot == 63 && p.row >= rows_of_core_0(63))
    }));
    same_as_brute_force(&Catalogue::open(&master).unwrap(), &expected, true);
}

#[test]
fn a_master_over_one_output_links_its_index_and_reads_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(31, 0, 300);
    let output = dir.path().join("model_0.hdf5");
    write(&output, &rows, with_volume(1.0));
    let master = dir.path().join("model.hdf5");
    write_master(
        &master,
        std::slice::from_ref(&output),
        &MasterOptions::default(),
    )
    .unwrap();
    let file = hdf5::File::open(&master).unwrap();
    let mut link = None;
    file.iter_visit_default(|name, info| {
        if name == "HistoryIndex" {
            link = Some(info.link_type);
        }
        Ok(())
    })
    .unwrap();
    drop(file);
    assert!(matches!(link, Some(hdf5::LinkType::External)), "{link:?}");
    let catalogue = Catalogue::open(&master).unwrap();
    assert_eq!(catalogue.history_key().unwrap(), "GalaxyIndex");
    same_as_brute_force(&catalogue, &brute_force(&[rows]), true);
    assert_recipe_reads(&[&master]);
}

/// The README's h5py recipe (`tests/python/history_recipe.py`) run over `files`: every history
/// of each equals a search of every row.
fn assert_recipe_reads(files: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/history_recipe.py");
    let output = common::output(
        std::process::Command::new("python3")
            .arg(script)
            .args(files),
    )
    .expect("python3 with h5py and numpy");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.matches("recipe ok").count() == files.len(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A change to an index group.
type Damage = fn(&hdf5::Group);

/// `name`'s index group changed by `change` (opened with HDF5 directly).
fn tamper(path: &Path, change: impl FnOnce(&hdf5::Group)) {
    let file = hdf5::File::open_rw(path).unwrap();
    change(&file.group("HistoryIndex").unwrap());
}

#[test]
fn without_a_sound_index_a_reader_scans_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(2, 0, 300);
    let expected = brute_force(std::slice::from_ref(&rows));
    let path = dir.path().join("model.hdf5");
    write(&path, &rows, Hdf5Options::default());

    let gone = dir.path().join("no_index.hdf5");
    std::fs::copy(&path, &gone).unwrap();
    hdf5::File::open_rw(&gone)
        .unwrap()
        .unlink("HistoryIndex")
        .unwrap();
    same_as_brute_force(&Catalogue::open(&gone).unwrap(), &expected, false);

    // Rows beyond their snapshot, keys out of order, lengths that differ, a float dataset:
    // each is found and the file scanned, never believed.
    let damages: [(&str, Damage); 4] = [
        ("rows_out_of_range", |g| {
            let rows = g.dataset("rows").unwrap();
            let mut values: Vec<u32> = rows.read_raw().unwrap();
            values[0] = 1 << 30;
            rows.write_raw(&values).unwrap();
        }),
        ("keys_unsorted", |g| {
            let keys = g.dataset("keys").unwrap();
            let mut values: Vec<i64> = keys.read_raw().unwrap();
            values.swap(0, 1);
            keys.write_raw(&values).unwrap();
        }),
        ("short_offsets", |g| {
            g.unlink("offsets").unwrap();
            g.new_dataset_builder()
                .with_data(&[0u32, 1])
                .create("offsets")
                .unwrap();
        }),
        ("float_snapshots", |g| {
            let n = g.dataset("snapshots").unwrap().size();
            g.unlink("snapshots").unwrap();
            g.new_dataset_builder()
                .with_data(&vec![63.0f32; n])
                .create("snapshots")
                .unwrap();
        }),
    ];
    for (name, damage) in damages {
        let damaged = dir.path().join(format!("{name}.hdf5"));
        std::fs::copy(&path, &damaged).unwrap();
        tamper(&damaged, damage);
        same_as_brute_force(&Catalogue::open(&damaged).unwrap(), &expected, false);
    }
}

#[test]
fn an_index_that_points_at_another_galaxy_is_an_error_not_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(3, 0, 50);
    let path = dir.path().join("model.hdf5");
    write(&path, &rows, Hdf5Options::default());
    // The rows of two entries of snapshot 63 exchanged: still a well-formed index, but a wrong
    // one, for the keys of both.
    let mut swapped_key = 0;
    tamper(&path, |g| {
        let dataset = g.dataset("rows").unwrap();
        let snapshots: Vec<u16> = g.dataset("snapshots").unwrap().read_raw().unwrap();
        let offsets: Vec<u32> = g.dataset("offsets").unwrap().read_raw().unwrap();
        let keys: Vec<i64> = g.dataset("keys").unwrap().read_raw().unwrap();
        let mut values: Vec<u32> = dataset.read_raw().unwrap();
        let at: Vec<usize> = (0..snapshots.len())
            .filter(|&i| snapshots[i] == 63)
            .take(2)
            .collect();
        values.swap(at[0], at[1]);
        dataset.write_raw(&values).unwrap();
        let owner = offsets.iter().rposition(|&o| o as usize <= at[0]).unwrap();
        swapped_key = keys[owner];
    });
    let catalogue = Catalogue::open(&path).unwrap();
    assert!(matches!(
        catalogue.read_history::<SageGalaxy>(swapped_key),
        Err(Error::BadFile { .. })
    ));
}

#[test]
fn a_recovered_file_answers_from_no_index_or_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(4, 0, 200);
    let expected = brute_force(std::slice::from_ref(&rows));
    let path = dir.path().join("model.hdf5");
    write(
        &path,
        &rows,
        Hdf5Options::default().durability(Durability::FlushEachBuffer),
    );
    // A writer that died while writing the index at finish leaves its mark and the index.
    let file = hdf5::File::open_rw(&path).unwrap();
    file.new_attr::<hdf5::types::VarLenAscii>()
        .create("galaxy-io durable writer")
        .unwrap()
        .write_scalar(&hdf5::types::VarLenAscii::from_ascii("flush each buffer").unwrap())
        .unwrap();
    drop(file);
    let unfinished = Catalogue::open(&path);
    if let Ok(catalogue) = unfinished {
        same_as_brute_force(&catalogue, &expected, false);
    }
    // Recovered, the file has no index (a repair in place drops it) or a new one of the rows
    // kept (a repair that copies the rows into a new file writes one): either answers alike.
    let recovery = recover(&path).unwrap();
    assert!(recovery.repaired(), "{:?}", recovery.repairs);
    let indexed = hdf5::File::open(&path)
        .unwrap()
        .link_exists("HistoryIndex/keys");
    let copied = recovery.repairs.iter().any(|r| r.contains("new file"));
    assert_eq!(indexed, copied, "{:?}", recovery.repairs);
    same_as_brute_force(&Catalogue::open(&path).unwrap(), &expected, indexed);
}

#[test]
fn records_without_a_key_write_no_index() {
    #[derive(Clone, Copy, galaxy_io::GalaxyRecord)]
    #[repr(C)]
    struct Plain {
        mass: f32,
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.hdf5");
    let mut output = Hdf5Output::<Plain>::create(&path, &[1], Hdf5Options::default()).unwrap();
    output.write(1, &[Plain { mass: 1.0 }]).unwrap();
    output.finish().unwrap();
    assert!(!hdf5::File::open(&path).unwrap().link_exists("HistoryIndex"));
    assert!(matches!(
        Catalogue::open(&path).unwrap().history(1),
        Err(Error::NoHistoryKey { .. })
    ));
}

#[test]
fn the_command_line_prints_a_history_oldest_first_and_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let rows = galaxies(5, 1 << 40, 300);
    let expected = brute_force(std::slice::from_ref(&rows));
    let path = dir.path().join("model.hdf5");
    write(&path, &rows, Hdf5Options::default());
    let (&key, places) = expected.iter().max_by_key(|(_, p)| p.len()).unwrap();
    let run = |args: &[&str]| common::galaxy_io(args, dir.path());
    let key_text = key.to_string();

    let csv = common::stdout(&run(&[
        "history",
        "model.hdf5",
        &key_text,
        "--fields",
        "StellarMass,GalaxyIndex",
        "--plot",
        "history.png",
    ]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("snapshot,redshift,row,StellarMass,GalaxyIndex")
    );
    let shown: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
    assert_eq!(shown.len(), places.len());
    for (line, place) in shown.iter().zip(places) {
        assert_eq!(line[0], place.snapshot.to_string());
        assert_eq!(line[2], place.row.to_string());
        let galaxy = rows[&place.snapshot][place.row as usize];
        assert_eq!(line[3], galaxy.stellar_mass.to_string());
        assert_eq!(line[4], key_text, "integers are shown exactly");
    }
    assert!(
        std::fs::metadata(dir.path().join("history.png"))
            .unwrap()
            .len()
            > 1000
    );

    // By default, the record's masses.
    let header = common::stdout(&run(&["history", "model.hdf5", &key_text]));
    let header = header.lines().next().unwrap();
    assert!(header.starts_with("snapshot,redshift,row,Mvir,") && header.contains(",StellarMass,"));
    assert!(!header.contains("GalaxyIndex") && !header.contains("Posx"));

    let unknown = common::failure(&run(&["history", "model.hdf5", "-1"]));
    assert!(
        unknown.contains("no galaxy has GalaxyIndex = -1"),
        "{unknown}"
    );
    let field = common::failure(&run(&[
        "history",
        "model.hdf5",
        &key_text,
        "--fields",
        "Nope",
    ]));
    assert!(
        field.contains("`Nope`") && field.contains("not in the file"),
        "{field}"
    );

    // Without an index: the same lines, and one warning that says why.
    hdf5::File::open_rw(&path)
        .unwrap()
        .unlink("HistoryIndex")
        .unwrap();
    let scanned = run(&[
        "history",
        "model.hdf5",
        &key_text,
        "--fields",
        "StellarMass,GalaxyIndex",
    ]);
    assert_eq!(common::stdout(&scanned), csv);
    let warnings = String::from_utf8_lossy(&scanned.stderr);
    assert_eq!(warnings.matches("warn").count(), 1, "{warnings}");
    assert!(warnings.contains("no history index"), "{warnings}");
}

#[test]
fn the_readmes_h5py_recipe_reads_every_history_of_an_output_and_a_master() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for core in 0..2 {
        let path = dir.path().join(format!("model_{core}.hdf5"));
        write(
            &path,
            &galaxies(20 + core, core as i64 * 1000, 150),
            with_volume(0.5),
        );
        outputs.push(path);
    }
    let master = dir.path().join("model.hdf5");
    write_master(&master, &outputs, &MasterOptions::default()).unwrap();
    assert_recipe_reads(&[&outputs[0], &master]);
}
