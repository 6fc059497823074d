//! The benchmark report: every way of writing the same SAGE galaxies, measured side by side in
//! one process, interleaved over several rounds, with medians and ratios.
//!
//! ```sh
//! cargo run --release --example bench_report                 # full report (about 2M galaxies)
//! cargo run --release --example bench_report -- --galaxies 200000 --rounds 1   # quick look
//! cargo run --release --example bench_report -- --only raw   # only the contenders named so
//! cargo run --release --example bench_report -- --only read-back   # only reading back
//! cargo run --release --example bench_report -- --only raw,read-back   # names combine
//! cargo run --release --example bench_report -- --history    # the history index (10^7 rows)
//! ```

mod contenders;
mod cpu;
mod expert;
mod history;
mod memory;
mod read_back;

use contenders::Workload;
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BufferConfig, Durability, Hdf5Options, DEFAULT_CHUNK_ROWS};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Options {
    galaxies: usize,
    snapshots: usize,
    rounds: usize,
    dir: PathBuf,
    /// Run only the contenders whose names contain one of these (separated by commas), and
    /// nothing after the table but reading back, when `read-back` is one of them.
    only: Option<String>,
}

fn parse_options() -> Options {
    let mut options = Options {
        galaxies: 2_000_000,
        snapshots: 8,
        rounds: 3,
        dir: PathBuf::from("target/bench-report"),
        only: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rss") {
        memory::child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--history") {
        history::run(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--read-back") {
        read_back::child(&args[1..]);
    }
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--galaxies" => options.galaxies = value.parse().expect("--galaxies N"),
            "--snapshots" => options.snapshots = value.parse().expect("--snapshots N"),
            "--rounds" => options.rounds = value.parse().expect("--rounds N"),
            "--dir" => options.dir = PathBuf::from(value),
            "--only" => options.only = Some(value),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// Galaxies produced tree by tree, each tree contributing to every snapshot.
fn workload(galaxies: usize, snapshots: usize) -> Workload {
    let numbers: Vec<u32> = (0..snapshots as u32)
        .map(|i| 63 - i * (64 / snapshots as u32).max(1))
        .collect();
    let mut synthetic = Synthetic::new(2024, 500.0);
    let mut groups = Vec::new();
    let mut total = 0;
    let mut tree = 0;
    while total < galaxies {
        for &snapshot in &numbers {
            let mut members = synthetic.tree(snapshot, tree);
            members.truncate(galaxies - total);
            total += members.len();
            if !members.is_empty() {
                groups.push((snapshot, members));
            }
        }
        tree += 1;
    }
    Workload {
        snapshots: numbers,
        groups,
        galaxies: total,
    }
}

/// One timed run: wall time, and the CPU time of this process (every thread) and of the
/// children it waited for.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
}

impl Sample {
    fn median(samples: &mut [Sample]) -> Sample {
        let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
        let mut cpus: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
        Sample {
            wall: median(&mut walls),
            cpu: median(&mut cpus),
        }
    }
}

/// What a contender left on disk: its file, or its directory of per-snapshot files.
fn output_size(file: &Path) -> u64 {
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(file)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
}

/// Removes a contender's output and lets the kernel finish writing back what is dirty, so that
/// the next contender does not pay for this one's writeback.
fn remove_output(file: &Path) {
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_dir_all(file);
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// Reads every column of every snapshot of a galaxy-io file, and checks the row counts.
fn read_all(file: &Path, workload: &Workload) -> Duration {
    let started = std::time::Instant::now();
    let catalogue = galaxy_io::Catalogue::open(file).expect("the output opens");
    let mut rows = 0;
    for &snapshot in &workload.snapshots {
        rows += catalogue
            .read_records::<SageGalaxy>(snapshot)
            .expect("the snapshot reads")
            .len();
    }
    assert_eq!(rows, workload.galaxies, "every galaxy reads back");
    started.elapsed()
}

/// Compiles `examples/bench_report/<source>` against the same HDF5 as galaxy-io (pkg-config's
/// flags) into `dir`, named as the source without `.c`; `None` (and why, on stderr) when it
/// cannot be built.
fn compile_c(source: &str, dir: &Path) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/bench_report")
        .join(source);
    let binary = dir.join(source.trim_end_matches(".c"));
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "hdf5"])
        .output()
        .ok()
        .filter(|out| out.status.success())?;
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let built = Command::new("cc")
        .args(["-O2", "-march=x86-64", "-o"])
        .arg(&binary)
        .arg(&path)
        .args(flags.split_whitespace())
        .output()
        .ok()?;
    if !built.status.success() {
        eprintln!(
            "{source} did not build: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        return None;
    }
    Some(binary)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn mb_per_s(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

fn clean(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("the report directory can be created");
}

fn main() {
    let options = parse_options();
    let dir = &options.dir;
    clean(dir);
    let workload = workload(options.galaxies, options.snapshots);
    let bytes = workload.bytes();
    memory::print_machine(dir);
    println!(
        "\nworkload: {} SageGalaxy records ({:.0} MB) over {} snapshots, written tree by tree ({} calls); {} rounds, medians\n",
        workload.galaxies,
        bytes as f64 / 1e6,
        workload.snapshots.len(),
        workload.groups.len(),
        options.rounds
    );

    let only: Vec<&str> = options
        .only
        .as_deref()
        .map_or(Vec::new(), |only| only.split(',').collect());
    let read_back = only.contains(&"read-back");
    if read_back && only.len() == 1 {
        read_back::report(&workload, dir, options.rounds);
        let _ = std::fs::remove_dir_all(dir);
        return;
    }
    let default = BufferConfig::default();
    let batch = default.max_size / std::mem::size_of::<SageGalaxy>();
    let h5py = dir.join("h5py_input.bin");
    write_records(&workload, &h5py);
    let h5py_ok = h5py_available();
    let expert = compile_c("expert_writer.c", dir);
    let galaxy_io = |durability: Durability, background: bool| {
        move |workload: &Workload, file: &Path| {
            let options = Hdf5Options::default()
                .durability(durability)
                .background(background);
            contenders::galaxy_io(workload, file, options)
        }
    };
    let unchecked = |durability: Durability| {
        move |workload: &Workload, file: &Path| {
            let options = Hdf5Options::default()
                .durability(durability)
                .checksums(false);
            contenders::galaxy_io(workload, file, options)
        }
    };
    type Run<'a> = Box<dyn Fn(&Workload, &Path) -> Option<Duration> + 'a>;
    let contenders: Vec<(&str, Run)> = vec![
        (
            "galaxy-io (default)",
            Box::new(move |w, f| galaxy_io(Durability::AtFinish, false)(w, f).ok()),
        ),
        (
            "galaxy-io, pipelined (background I/O thread)",
            Box::new(move |w, f| galaxy_io(Durability::AtFinish, true)(w, f).ok()),
        ),
        (
            "ideal raw (staging copy + pwrite)",
            Box::new(|w, f| contenders::ideal_raw(w, f).ok()),
        ),
        (
            "raw binary (buffer manager + pwrite)",
            Box::new(move |w, f| contenders::binary(w, f, default).ok()),
        ),
        (
            "compound dataset, row-wise (H5Type)",
            Box::new(move |w, f| contenders::compound(w, f, batch).ok()),
        ),
        (
            "SAGE-style reopen per flush",
            Box::new(|w, f| contenders::sage_reopen(w, f).ok()),
        ),
        (
            "galaxy-io, flush each buffer",
            Box::new(move |w, f| galaxy_io(Durability::FlushEachBuffer, false)(w, f).ok()),
        ),
        (
            "galaxy-io, SWMR",
            Box::new(move |w, f| galaxy_io(Durability::Swmr, false)(w, f).ok()),
        ),
        (
            "galaxy-io, flush each buffer, without checksums",
            Box::new(move |w, f| unchecked(Durability::FlushEachBuffer)(w, f).ok()),
        ),
        (
            "galaxy-io, SWMR, without checksums",
            Box::new(move |w, f| unchecked(Durability::Swmr)(w, f).ok()),
        ),
        (
            "expert C writer (transpose, one H5Dwrite per field per chunk)",
            Box::new(|w, f| {
                let binary = expert.as_deref()?;
                expert::run(binary, &h5py, f, DEFAULT_CHUNK_ROWS, &w.snapshots)
            }),
        ),
        (
            "h5py appending numpy columns",
            Box::new(|w, f| {
                if h5py_ok {
                    run_h5py(&h5py, f, &w.snapshots)
                } else {
                    None
                }
            }),
        ),
    ];
    let contenders: Vec<(&str, Run)> = contenders
        .into_iter()
        .filter(|(name, _)| {
            options
                .only
                .as_ref()
                .is_none_or(|only| only.split(',').any(|part| name.contains(part)))
        })
        .collect();
    // One untimed round first: the page cache, the allocator and HDF5's free lists start warm
    // for every contender, not only for those that happen to run later.
    for (index, (_, run)) in contenders.iter().enumerate() {
        let file = dir.join(format!("warmup_{index}.hdf5"));
        run(&workload, &file);
        remove_output(&file);
    }
    let mut samples: BTreeMap<&str, Vec<Sample>> = BTreeMap::new();
    let mut sizes: BTreeMap<&str, u64> = BTreeMap::new();
    let mut reads: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for round in 0..options.rounds {
        for index in 0..contenders.len() {
            // Rotate the order every round so no contender always runs first.
            let (name, run) = &contenders[(index + round) % contenders.len()];
            let file = dir.join(format!("round{round}_{index}.hdf5"));
            let before = cpu::now();
            if let Some(wall) = run(&workload, &file) {
                let cpu = cpu::now() - before;
                samples.entry(name).or_default().push(Sample { wall, cpu });
                sizes.insert(name, output_size(&file));
                if name.starts_with("galaxy-io") {
                    reads
                        .entry(name)
                        .or_default()
                        .push(read_all(&file, &workload));
                }
            }
            remove_output(&file);
        }
    }
    let medians: BTreeMap<&str, Sample> = samples
        .iter_mut()
        .map(|(name, s)| (*name, Sample::median(s)))
        .collect();
    // The yardstick: galaxy-io's default, or with `--only`, the first contender that ran.
    let Some(ours) = medians
        .get("galaxy-io (default)")
        .or_else(|| medians.values().next())
        .map(|sample| sample.wall)
    else {
        println!("no contender ran");
        return;
    };
    println!("| contender | median wall | median CPU (user+sys) | MB/s | galaxies/s | file | galaxy-io speed ÷ this |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, _) in &contenders {
        let Some(sample) = medians.get(name) else {
            println!("| {name} | not run (h5py, or a C compiler, missing) | | | | | |");
            continue;
        };
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.0} | {:.2} M | {:.1} MiB | {:.2}x |",
            sample.wall.as_secs_f64(),
            sample.cpu.as_secs_f64(),
            mb_per_s(bytes, sample.wall),
            workload.galaxies as f64 / sample.wall.as_secs_f64() / 1e6,
            sizes[name] as f64 / (1 << 20) as f64,
            sample.wall.as_secs_f64() / ours.as_secs_f64()
        );
    }
    println!("\n| reading every column back (Catalogue) | median | MB/s |\n|---|---:|---:|");
    for (name, times) in &mut reads {
        let time = median(times);
        println!(
            "| {name} | {:.3} s | {:.0} |",
            time.as_secs_f64(),
            mb_per_s(bytes, time)
        );
    }

    if options.only.is_some() {
        if read_back {
            read_back::report(&workload, dir, options.rounds);
        }
        return;
    }
    read_back::report(&workload, dir, options.rounds);
    per_galaxy(&workload, dir, ours);
    overlap(&workload, dir, ours);
    sweeps(&workload, dir);
    memory::report();
    let _ = std::fs::remove_dir_all(dir);
}

/// Per-galaxy direct writes on a small count, compared by galaxies per second.
fn per_galaxy(workload: &Workload, dir: &Path, ours: Duration) {
    let galaxies: Vec<SageGalaxy> = workload
        .groups
        .iter()
        .flat_map(|(_, g)| g.iter().copied())
        .take(2000)
        .collect();
    let mut times: Vec<Duration> = (0..3)
        .map(|i| {
            contenders::per_galaxy(&galaxies, &dir.join(format!("per_galaxy_{i}.hdf5"))).unwrap()
        })
        .collect();
    let time = median(&mut times);
    let per_galaxy = time.as_secs_f64() / galaxies.len() as f64;
    let ours_rate = workload.galaxies as f64 / ours.as_secs_f64();
    println!(
        "\nper-galaxy direct writes ({} galaxies, 54 hyperslabs each): {:.1} µs per galaxy, {:.0} galaxies/s; galaxy-io default writes {:.0}x more galaxies per second",
        galaxies.len(),
        per_galaxy * 1e6,
        1.0 / per_galaxy,
        ours_rate * per_galaxy
    );
}

/// A model whose computing takes as long as its output: the background writer should cost about
/// the larger of the two, the foreground output their sum.
fn overlap(workload: &Workload, dir: &Path, io: Duration) {
    let per_galaxy = io / workload.galaxies as u32;
    let path = dir.join("model.hdf5");
    let mut runs: [Vec<Duration>; 3] = Default::default();
    for _ in 0..3 {
        for (slot, output) in [None, Some(false), Some(true)].into_iter().enumerate() {
            runs[slot].push(contenders::model(workload, &path, per_galaxy, output).unwrap());
            let _ = std::fs::remove_file(&path);
        }
    }
    let [compute, foreground, background] = runs.map(|mut times| median(&mut times));
    println!("\n| model computing {:.0} ns per galaxy (compute alone {:.3} s, output alone {:.3} s) | median time | ÷ max(compute, output) | ÷ compute + output |", per_galaxy.as_nanos(), compute.as_secs_f64(), io.as_secs_f64());
    println!("|---|---:|---:|---:|");
    for (name, time) in [
        ("foreground output", foreground),
        ("background writer", background),
    ] {
        println!(
            "| {name} | {:.3} s | {:.2} | {:.2} |",
            time.as_secs_f64(),
            time.as_secs_f64() / compute.max(io).as_secs_f64(),
            time.as_secs_f64() / (compute + io).as_secs_f64()
        );
    }
}

/// galaxy-io with other buffer and chunk sizes (median of two runs each).
fn sweeps(workload: &Workload, dir: &Path) {
    let run = |buffer: BufferConfig, chunk_rows: usize| {
        let mut times: Vec<Duration> = (0..2)
            .map(|i| {
                let options = Hdf5Options::default().buffer(buffer).chunk_rows(chunk_rows);
                contenders::galaxy_io(workload, &dir.join(format!("sweep{i}.hdf5")), options)
                    .unwrap()
            })
            .collect();
        mb_per_s(workload.bytes(), median(&mut times))
    };
    println!("\n| buffer size (fixed) | MB/s |\n|---:|---:|");
    for kib in [64, 256, 1024, 4096, 16384, 65536, 262144] {
        println!(
            "| {kib} KiB | {:.0} |",
            run(BufferConfig::fixed(kib << 10), DEFAULT_CHUNK_ROWS)
        );
    }
    println!("\n| rows per chunk (default buffer) | f32 chunk | MB/s |\n|---:|---:|---:|");
    for rows in [1024, 4096, 8192, 16384, 65536, 262144] {
        println!(
            "| {rows} | {} KiB | {:.0} |",
            rows * 4 / 1024,
            run(BufferConfig::default(), rows)
        );
    }
}

/// The workload's records in one binary file per snapshot for the h5py script to read; false
/// when python3 with h5py is not available.
fn h5py_available() -> bool {
    Command::new("python3")
        .args(["-c", "import h5py, numpy"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Each snapshot's records, in the order written, in a file of its own (`path` with the
/// snapshot as its extension), for the contenders that run as other programs.
fn write_records(workload: &Workload, path: &Path) {
    for &snapshot in &workload.snapshots {
        let records: Vec<u8> = workload
            .groups
            .iter()
            .filter(|(s, _)| *s == snapshot)
            .flat_map(|(_, g)| bytemuck::cast_slice::<SageGalaxy, u8>(g).to_vec())
            .collect();
        std::fs::write(path.with_extension(format!("{snapshot}")), records).expect("writable");
    }
}

fn run_h5py(input: &Path, output: &Path, snapshots: &[u32]) -> Option<Duration> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/h5py_append.py");
    let batch = BufferConfig::default().max_size / std::mem::size_of::<SageGalaxy>();
    let mut command = Command::new("python3");
    command.arg(script).arg(output).arg(batch.to_string());
    for snapshot in snapshots {
        command.arg(format!(
            "{snapshot}={}",
            input.with_extension(snapshot.to_string()).display()
        ));
    }
    let out = command.output().ok()?;
    if !out.status.success() {
        eprintln!(
            "h5py contender failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let seconds: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some(Duration::from_secs_f64(seconds))
}
