//! Files as small as their data: `galaxy-io demo` over a grid of snapshot counts and catalogue
//! sizes, each file at most 5 % above its records plus 1 MiB of metadata. SAGE writes up to 64
//! snapshots into every core's file, most of them small, so per-dataset overhead (a whole chunk
//! per dataset, metadata that grows with the datasets) is what this guards against. Sizes are
//! deterministic, so this is a test, not a benchmark.

mod common;

use galaxy_io::sage::SageGalaxy;
use galaxy_io::Catalogue;

const MIB: f64 = 1024.0 * 1024.0;

#[test]
fn demo_files_over_a_grid_of_sizes_hold_little_more_than_their_records() {
    let dir = tempfile::tempdir().unwrap();
    let record = std::mem::size_of::<SageGalaxy>() as f64;
    let mut report = Vec::new();
    for snapshots in [1u32, 8, 64] {
        // 10^5 over 8 snapshots: mid-sized snapshots, written across flushes but in few chunks.
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
            let limit = 1.05 * records + MIB;
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
    }
    println!("{}", report.join("\n"));
}
