//! What the history index costs and gives, on a catalogue of persistent galaxies:
//!
//! ```sh
//! cargo run --release --example bench_report -- --history              # 10^7 rows, 64 snapshots
//! cargo run --release --example bench_report -- --history --galaxies 1000000 --rounds 1
//! ```
//!
//! The catalogue is SAGE's record written tree by tree at every one of 64 snapshots, each galaxy
//! keeping its `GalaxyIndex` (forest * ForestNr_Mulfac + its number in the forest) from the
//! snapshot it appears at to the one it merges at, as SAGE's do. The same rows are written with
//! the key (and so the index) and without, interleaved; then histories are read from Rust
//! through the index and by the scan a file without one needs, and through the README's h5py
//! recipe against `np.where` over every snapshot.

use galaxy_io::sage::{SageGalaxy, FOREST_NR_MULFAC};
use galaxy_io::{Catalogue, Hdf5Options, Schema, SchemaOutput};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SNAPSHOTS: u32 = 64;
/// Galaxies a forest has over its life.
const PER_FOREST: u64 = 40;

/// One galaxy of a forest: its number, and the snapshots it lives through.
fn lives(forest: u64) -> impl Iterator<Item = (i64, std::ops::Range<u32>)> {
    let mut state = forest.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..PER_FOREST).map(move |number| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Born anywhere, more of them late; most live on to z = 0, some merge on the way.
        let born = (SNAPSHOTS as f64 * (1.0 - ((state % 1000) as f64 / 1000.0).powi(2))) as u32;
        let born = born.min(SNAPSHOTS - 1);
        let dies = if (state >> 20).is_multiple_of(3) {
            born + 1 + ((state >> 32) % u64::from(SNAPSHOTS - born)) as u32
        } else {
            SNAPSHOTS
        };
        let key = forest as i64 * FOREST_NR_MULFAC + number as i64;
        (key, born..dies)
    })
}

/// Forests enough for about `rows` rows.
fn forests_for(rows: u64) -> u64 {
    let per_forest: u64 = (0..64)
        .flat_map(lives)
        .map(|(_, life)| life.len() as u64)
        .sum();
    (rows * 64).div_ceil(per_forest)
}

/// Writes the catalogue, with the key or without; the time of the whole write and of `finish`.
fn write(path: &Path, forests: u64, keyed: bool) -> (Duration, Duration, u64) {
    let _ = std::fs::remove_file(path);
    let sage = Schema::of::<SageGalaxy>().unwrap();
    let schema = if keyed {
        sage
    } else {
        Schema::new(sage.fields().to_vec(), sage.record_size()).unwrap()
    };
    let snapshots: Vec<u32> = (0..SNAPSHOTS).collect();
    let started = Instant::now();
    let mut output =
        SchemaOutput::create(path, schema, &snapshots, Hdf5Options::default()).unwrap();
    let mut rows = vec![Vec::new(); SNAPSHOTS as usize];
    let mut total = 0;
    for forest in 0..forests {
        for (key, life) in lives(forest) {
            for snapshot in life {
                rows[snapshot as usize].push(SageGalaxy {
                    galaxy_index: key,
                    snap_num: snapshot as i32,
                    stellar_mass: (key % 1000) as f32 * 1e-3 + snapshot as f32 * 1e-2,
                    mvir: 1.0 + snapshot as f32,
                    ..Default::default()
                });
            }
        }
        for (snapshot, galaxies) in rows.iter_mut().enumerate() {
            total += galaxies.len() as u64;
            output
                .write_tree(
                    snapshot as u32,
                    forest as usize,
                    bytemuck::cast_slice(galaxies),
                )
                .unwrap();
            galaxies.clear();
        }
    }
    let finishing = Instant::now();
    output.finish().unwrap();
    (started.elapsed(), finishing.elapsed(), total)
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

pub fn run(args: &[String]) -> ! {
    let mut rows: u64 = 10_000_000;
    let mut rounds = 2;
    let mut dir = PathBuf::from("target/bench-report");
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--galaxies" => rows = value.parse().expect("--galaxies N"),
            "--rounds" => rounds = value.parse().expect("--rounds N"),
            "--dir" => dir = PathBuf::from(value),
            other => panic!("unknown option {other}"),
        }
    }
    std::fs::create_dir_all(&dir).unwrap();
    let forests = forests_for(rows);
    let keyed = dir.join("history_keyed.hdf5");
    let plain = dir.join("history_plain.hdf5");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    let (mut finish_with, mut finish_without) = (Vec::new(), Vec::new());
    let mut total = 0;
    for round in 0..rounds {
        // Alternating which goes first, each after the other's writeback.
        for keyed_first in [round % 2 == 0, round % 2 != 0] {
            let (path, times, finishes) = if keyed_first {
                (&keyed, &mut with, &mut finish_with)
            } else {
                (&plain, &mut without, &mut finish_without)
            };
            // SAFETY: `sync` takes no arguments and cannot fail.
            unsafe { libc::sync() };
            let (time, finish, written) = write(path, forests, keyed_first);
            times.push(time);
            finishes.push(finish);
            total = written;
        }
    }
    let size = |path: &Path| std::fs::metadata(path).unwrap().len();
    let (keyed_size, plain_size) = (size(&keyed), size(&plain));
    let (with, without) = (median(&mut with), median(&mut without));
    let (finish_with, finish_without) = (median(&mut finish_with), median(&mut finish_without));
    println!("history index: {total} rows over {SNAPSHOTS} snapshots, {forests} forests of {PER_FOREST} galaxies");
    println!("| | with the index | without | index's share |");
    println!("|---|---:|---:|---:|");
    let share = |a: f64, b: f64| format!("{:+.1} %", (a / b - 1.0) * 100.0);
    println!(
        "| write (create to finish), median of {rounds} | {} | {} | {} |",
        ms(with),
        ms(without),
        share(with.as_secs_f64(), without.as_secs_f64())
    );
    let finish_share =
        (finish_with.as_secs_f64() - finish_without.as_secs_f64()) / without.as_secs_f64();
    println!(
        "| of which `finish` | {} | {} | {:.1} % of the write |",
        ms(finish_with),
        ms(finish_without),
        finish_share * 100.0
    );
    println!(
        "| file | {:.1} MiB | {:.1} MiB | {} |",
        keyed_size as f64 / 1048576.0,
        plain_size as f64 / 1048576.0,
        share(keyed_size as f64, plain_size as f64)
    );
    reads(&keyed, &plain, forests);
    std::process::exit(0)
}

/// Histories read back: from Rust through the index and by a scan, and with h5py.
fn reads(keyed: &Path, plain: &Path, forests: u64) {
    let keys: Vec<i64> = (0..10_000u64)
        .map(|i| {
            let forest = (i * 7919) % forests;
            let number = (i * 31) % PER_FOREST;
            forest as i64 * FOREST_NR_MULFAC + number as i64
        })
        .collect();
    let started = Instant::now();
    let catalogue = Catalogue::open(keyed).unwrap();
    let first = catalogue.history(keys[0]).unwrap();
    assert!(first.indexed);
    let loaded = started.elapsed();
    let started = Instant::now();
    let mut places = 0;
    for &key in &keys {
        places += catalogue.history(key).unwrap().appearances.len();
    }
    let lookups = started.elapsed();
    println!(
        "\n10^4 histories from Rust (`Catalogue::history`, {places} places): open and load the \
         index {}, then {} for all 10^4 ({:.2} µs each); {} in all",
        ms(loaded),
        ms(lookups),
        lookups.as_secs_f64() * 1e6 / keys.len() as f64,
        ms(loaded + lookups)
    );
    let started = Instant::now();
    for &key in &keys[..100] {
        catalogue.read_history::<SageGalaxy>(key).unwrap();
    }
    println!(
        "`read_history::<SageGalaxy>` (every field of every snapshot of a history): {} each",
        ms(started.elapsed() / 100)
    );
    let started = Instant::now();
    let scanned = Catalogue::open(plain).unwrap();
    let history = scanned.history(keys[0]).unwrap();
    assert!(!history.indexed && history.appearances == first.appearances);
    println!(
        "without an index, the first history scans every GalaxyIndex: {}",
        ms(started.elapsed())
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_report/history.py");
    let key_text: Vec<String> = keys[..20].iter().map(i64::to_string).collect();
    match Command::new("python3")
        .arg(script)
        .arg(keyed)
        .args(&key_text)
        .output()
    {
        Ok(output) if output.status.success() => {
            print!("{}", String::from_utf8_lossy(&output.stdout))
        }
        Ok(output) => println!("h5py: failed: {}", String::from_utf8_lossy(&output.stderr)),
        Err(error) => println!("h5py: python3 did not run: {error}"),
    }
}
