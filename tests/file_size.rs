//! Files as small as their data: `galaxy-io demo` over a grid of snapshot counts and catalogue
//! sizes, each file at most 5 % above its records plus 1 MiB of metadata, besides the history
//! index (itself at most 18 bytes a row). SAGE writes up to 64
//! snapshots into every core's file, most of them small, so per-dataset overhead (a whole chunk
//! per dataset, metadata that grows with the datasets) is what this guards against. Sizes are
//! deterministic, so this is a test, not a benchmark.

mod common;

use galaxy_io::sage::SageGalaxy;
use galaxy_io::Catalogue;

const MIB: f64 = 1024.0 * 1024.0;

/// The bytes the datasets of the file's history index store.
fn history_index_bytes(path: &std::path::Path) -> f64 {
    let file = hdf5::File::open(path).unwrap();
    let group = file.group("HistoryIndex").unwrap();
    group
        .datasets()
        .unwrap()
        .iter()
        .map(|dataset| dataset.storage_size() as f64)
        .sum()
}

// One test per snapshot count, so that the grid runs on every core.
#[test]
fn demo_files_of_one_snapshot_hold_little_more_than_their_records() {
    grid(1);
}

#[test]
fn demo_files_of_8_snapshots_hold_little_more_than_their_records() {
    // 10^5 over 8 snapshots: mid-sized snapshots, written across flushes but in few chunks.
    grid(8);
}

#[test]
fn demo_files_of_64_snapshots_hold_little_more_than_their_records() {
    grid(64);
}

/// `galaxy-io demo` files of `snapshots` snapshots and 0 to 10^6 galaxies.
fn grid(snapshots: u32) {
    let dir = tempfile::tempdir().unwrap();
    let record = std::mem::size_of::<SageGalaxy>() as f64;
    let mut report = Vec::new();
    for galaxies in [0u64, 10, 10_000, 100_000, 1_000_000] {
        let name = format!("grid_{snapshots}_{galaxies}.hdf5");
        common::stdout(&common::galaxy_io(
            &[
                "demo",
                "--snapshots",
                &snapshots.to_string(),
                "--galaxies",
                &galaxies.to_string(),
                "-o",
                &name,
            ],
            dir.path(),
        ));
        let path = dir.path().join(&name);
        let size = std::fs::metadata(&path).unwrap().len() as f64;
        let records = galaxies as f64 * record;
        // The history index is data of its own: 6 bytes a row and 12 a galaxy, 18 a row at
        // most (a demo's galaxies appear at one snapshot each).
        let index = history_index_bytes(&path);
        assert!(
            index <= 18.0 * galaxies as f64 + 64.0 * 1024.0,
            "{name}: index {index}"
        );
        let limit = 1.05 * records + MIB + index;
        report.push(format!(
            "{snapshots:>2} snapshots, {galaxies:>7} galaxies: {size:>11} bytes, \
                 records {records:>11}, limit {limit:>13.0}"
        ));
        let catalogue = Catalogue::open(&path).unwrap();
        let written: u64 = catalogue
            .snapshots()
            .unwrap()
            .into_iter()
            .map(|s| catalogue.num_galaxies(s).unwrap())
            .sum();
        assert_eq!(written, galaxies, "{name}");
        drop(catalogue);
        assert!(size <= limit, "{}", report.join("\n"));
        std::fs::remove_file(&path).unwrap();
    }
    println!("{}", report.join("\n"));
}
