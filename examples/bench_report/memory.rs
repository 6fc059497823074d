//! Peak memory (VmHWM) of writing N galaxies, measured in child processes so that each
//! figure is that process's own peak; and a description of the machine.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Hdf5Options, Hdf5Output};
use std::path::Path;
use std::process::Command;

/// Peak resident set size of this process in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `--rss N DIR [background]`: write N galaxies over 8 snapshots with the default configuration
/// (or pipelined to the background I/O thread), generated in batches of 10 000 so that the
/// generator holds little, and print the peak in KiB.
pub fn child(args: &[String]) -> ! {
    let galaxies: usize = args[0].parse().expect("--rss N DIR");
    let background = args.get(2).map(String::as_str) == Some("background");

    let path = Path::new(&args[1]).join(format!("rss_{galaxies}.hdf5"));
    let snapshots: Vec<u32> = (0..8).map(|i| 63 - 8 * i).collect();
    let options = Hdf5Options::default().replace(true).background(background);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &snapshots, options).expect("created");
    let mut synthetic = Synthetic::new(1, 500.0);
    let mut written = 0;
    let mut tree = 0;
    while written < galaxies {
        for &snapshot in &snapshots {
            let (batch, _) =
                synthetic.galaxies(snapshot, tree, 10_000.min(galaxies - written).max(1));
            output.write(snapshot, &batch).expect("written");
            written += batch.len();
            if written >= galaxies {
                break;
            }
        }
        tree += 10_000;
    }
    output.finish().expect("finished");
    let _ = std::fs::remove_file(&path);
    println!("{}", vm_hwm_kib());
    std::process::exit(0);
}

/// Runs the child for 1M, 10M and 20M galaxies and prints the peaks.
pub fn report() {
    let exe = std::env::current_exe().expect("the report knows its path");
    let dir = std::env::temp_dir();
    let peak = |n: usize, mode: &str| -> u64 {
        let out = Command::new(&exe)
            .args(["--rss", &n.to_string(), dir.to_str().expect("utf-8"), mode])
            .output()
            .expect("child runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    };
    println!(
        "\n| galaxies written (8 snapshots, default buffers) | peak RSS (VmHWM) | pipelined |\n|---:|---:|---:|"
    );
    let one = [peak(1_000_000, "foreground"), peak(1_000_000, "background")];
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "| 1 000 000 | {:.1} MiB | {:.1} MiB |",
        mib(one[0]),
        mib(one[1])
    );
    for (label, galaxies) in [("10 000 000", 10_000_000), ("20 000 000", 20_000_000)] {
        let kib = [peak(galaxies, "foreground"), peak(galaxies, "background")];
        let growth = |i: usize| (kib[i] as f64 / one[i] as f64 - 1.0) * 100.0;
        println!(
            "| {label} | {:.1} MiB ({:+.1} %) | {:.1} MiB ({:+.1} %) |",
            mib(kib[0]),
            growth(0),
            mib(kib[1]),
            growth(1)
        );
    }
}

/// CPU, cores, memory, kernel, HDF5 and the file system of `dir`.
pub fn print_machine(dir: &Path) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']))
        .unwrap_or("unknown");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or("")
        .to_owned();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let (major, minor, release) = hdf5::library_version();
    let df = Command::new("df")
        .args(["-hT"])
        .arg(dir)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default();
    println!(
        "machine: {cpu}, {cores} cores, {}, Linux {}",
        memory
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" "),
        kernel.trim()
    );
    println!(
        "HDF5 {major}.{minor}.{release}; output directory {} on: {df}",
        dir.display()
    );
}
