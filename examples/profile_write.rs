//! Writes a synthetic SAGE catalogue with the default configuration, for profilers:
//! `perf record -g target/release/examples/profile_write [GALAXIES] [CHUNK_ROWS] [BUFFER_MIB]
//! [DURABILITY]`, DURABILITY one of `finish` (the default), `flush`, `swmr`, or either durable
//! mode followed by `-unchecked` (without checksums).

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Hdf5Options, Hdf5Output};
use std::time::Instant;

fn main() -> Result<(), galaxy_io::Error> {
    let galaxies: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000_000);
    let snapshots: Vec<u32> = (0..8).map(|i| 63 - 8 * i).collect();
    let generated = Instant::now();
    let mut synthetic = Synthetic::new(3, 500.0);
    let batches: Vec<(u32, Vec<SageGalaxy>)> = (0..galaxies / 10_000)
        .map(|i| {
            let snapshot = snapshots[i % 8];
            (
                snapshot,
                synthetic.galaxies(snapshot, i as i32 * 10_000, 10_000).0,
            )
        })
        .collect();
    eprintln!("generated in {:.3} s", generated.elapsed().as_secs_f64());
    let path = std::env::temp_dir().join("profile_write.hdf5");
    let mut options = Hdf5Options::default().replace(true);
    if let Some(rows) = std::env::args().nth(2).and_then(|n| n.parse().ok()) {
        options = options.chunk_rows(rows);
    }
    if let Some(mib) = std::env::args()
        .nth(3)
        .and_then(|n| n.parse::<usize>().ok())
    {
        options = options.buffer(galaxy_io::BufferConfig::fixed(mib << 20));
    }
    if let Some(mode) = std::env::args().nth(4) {
        let (mode, checked) = match mode.strip_suffix("-unchecked") {
            Some(mode) => (mode.to_owned(), false),
            None => (mode, true),
        };
        let durability = match mode.as_str() {
            "flush" => galaxy_io::Durability::FlushEachBuffer,
            "swmr" => galaxy_io::Durability::Swmr,
            _ => galaxy_io::Durability::AtFinish,
        };
        options = options.durability(durability);
        if !checked {
            options = options.checksums(false);
        }
    }
    let started = Instant::now();
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &snapshots, options)?;
    for (snapshot, batch) in &batches {
        output.write(*snapshot, batch)?;
    }
    output.finish()?;
    let elapsed = started.elapsed();
    let bytes = (galaxies * std::mem::size_of::<SageGalaxy>()) as f64;
    println!(
        "{galaxies} galaxies in {:.3} s: {:.0} MB/s",
        elapsed.as_secs_f64(),
        bytes / 1e6 / elapsed.as_secs_f64()
    );
    std::fs::remove_file(&path).ok();
    Ok(())
}
