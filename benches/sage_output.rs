//! SAGE's wall time and the time it spends in its HDF5 output, stock against SAGE built on
//! galaxy-io (`galaxy-io-c/sage/`, pipelined as shipped, on SAGE's own thread, and in the two
//! durable modes), on generated
//! merger trees that write more than 10^6 galaxies (every snapshot output). Both builds wrap
//! SAGE's four output functions with a timer (`galaxy-io-c/sage/output_timer.c`); runs take
//! turns, first on the machine as it is (run it idle), then with a busy process on every core,
//! and the medians of each are printed as a Markdown table with the process's CPU time beside
//! its wall time.
//!
//! ```sh
//! cargo bench --bench sage_output            # 5 runs of each
//! cargo bench --bench sage_output -- 9       # 9 runs of each
//! GALAXY_IO_BENCH_KEEP=1 cargo bench --bench sage_output -- 1   # keep trees and parameter files
//! ```
//!
//! With `GALAXY_IO_BENCH_KEEP` set, the trees, each run's parameter file and output stay in a
//! directory the bench prints, to run SAGE again under a profiler (from its build directory,
//! `target/sage/<build>`, as the bench does: `perf record ./sage DIR/run_0_1/sage.par`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::lhalo::{self, ForestConfig};
use common::sage::{OutputFormat, Run, Writer};
use galaxy_io::Catalogue;
use std::time::{Duration, Instant};

/// What one run cost.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    wall: f64,
    cpu: f64,
    output_wall: f64,
    output_cpu: f64,
    /// Wall seconds in SAGE's saving of galaxies, the finishing of its files and the master.
    save: f64,
    finalize: f64,
    master: f64,
}

/// User plus system time of the waited-for children so far.
fn children_cpu() -> f64 {
    // SAFETY: getrusage writes one rusage into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// `output_timer: 1.2 s wall, 1.1 s cpu in output`, from SAGE's log.
fn output_time(log: &str) -> (f64, f64) {
    let line = log
        .lines()
        .find_map(|line| line.strip_prefix("output_timer: "))
        .unwrap_or_else(|| panic!("no output_timer line in SAGE's log:\n{log}"));
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// The wall seconds of each output function, from `output_timer_parts: initialize W C save W C
/// finalize W C master W C`.
fn output_parts(log: &str) -> [f64; 4] {
    let line = log
        .lines()
        .find_map(|line| line.strip_prefix("output_timer_parts: "))
        .unwrap_or_else(|| panic!("no output_timer_parts line in SAGE's log:\n{log}"));
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    [numbers[0], numbers[2], numbers[4], numbers[6]]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A SAGE build to time, and how it is run.
#[derive(Clone, Copy, Debug)]
struct Contender {
    name: &'static str,
    writer: Writer,
    /// galaxy-io's writer on SAGE's own thread (`GALAXY_IO_BACKGROUND=0`).
    foreground: bool,
    /// galaxy-io's durable modes (`GALAXY_IO_DURABILITY`), pipelined.
    durability: Option<&'static str>,
}

const CONTENDERS: [Contender; 5] = [
    Contender {
        name: "stock `save_gals_hdf5.c`",
        writer: Writer::Stock,
        foreground: false,
        durability: None,
    },
    Contender {
        name: "galaxy-io, pipelined (as shipped)",
        writer: Writer::GalaxyIo,
        foreground: false,
        durability: None,
    },
    Contender {
        name: "galaxy-io, on SAGE's thread (`GALAXY_IO_BACKGROUND=0`)",
        writer: Writer::GalaxyIo,
        foreground: true,
        durability: None,
    },
    Contender {
        name: "galaxy-io, flush each buffer (`GALAXY_IO_DURABILITY=flush`)",
        writer: Writer::GalaxyIo,
        foreground: false,
        durability: Some("flush"),
    },
    Contender {
        name: "galaxy-io, SWMR (`GALAXY_IO_DURABILITY=swmr`)",
        writer: Writer::GalaxyIo,
        foreground: false,
        durability: Some("swmr"),
    },
];

/// Keeps every core busy while it lives: a spinning process per core, as a machine whose cores
/// all run other work (MPI ranks, other jobs).
struct Load(Vec<std::process::Child>);

impl Load {
    fn every_core() -> Load {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let spinners = (0..cores)
            .map(|_| {
                std::process::Command::new("sh")
                    .args(["-c", "while :; do :; done"])
                    .spawn()
                    .expect("sh runs")
            })
            .collect();
        Load(spinners)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for spinner in &mut self.0 {
            let _ = spinner.kill();
            let _ = spinner.wait();
        }
    }
}

/// The 1-minute load average, to show how idle the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs every contender `runs` times, in turn (the order rotating each round), and returns their
/// medians and the galaxies written.
fn measure(
    trees: &lhalo::Forests,
    dir: &std::path::Path,
    runs: usize,
    keep: bool,
    phase: &str,
) -> (Vec<Cost>, u64) {
    let mut costs = vec![Vec::new(); CONTENDERS.len()];
    let mut galaxies = 0;
    for run in 0..runs {
        for turn in 0..CONTENDERS.len() {
            let index = (turn + run) % CONTENDERS.len();
            let contender = CONTENDERS[index];
            let output_dir = dir.join(format!("{phase}_run_{run}_{index}"));
            let mut sage = Run::new(trees, OutputFormat::Hdf5, &output_dir)
                .writer(contender.writer)
                .timed(true);
            if contender.foreground {
                sage = sage.env("GALAXY_IO_BACKGROUND", "0");
            }
            if let Some(mode) = contender.durability {
                sage = sage.env("GALAXY_IO_DURABILITY", mode);
            }
            let (cpu, start) = (children_cpu(), Instant::now());
            let output = sage.execute();
            let wall = start.elapsed().as_secs_f64();
            let cpu = children_cpu() - cpu;
            let (output_wall, output_cpu) = output_time(&output.log);
            let [_, save, finalize, master] = output_parts(&output.log);
            if galaxies == 0 {
                let catalogue = Catalogue::open(&output.files[0]).expect("SAGE's output");
                galaxies = catalogue
                    .snapshots()
                    .expect("snapshots")
                    .into_iter()
                    .map(|snapshot| catalogue.num_galaxies(snapshot).expect("num_gals"))
                    .sum::<u64>();
                assert!(galaxies >= 1_000_000, "only {galaxies} galaxies written");
            }
            costs[index].push(Cost {
                wall,
                cpu,
                output_wall,
                output_cpu,
                save,
                finalize,
                master,
            });
            eprintln!(
                "{phase} run {run}, {}: {wall:.2} s wall, {cpu:.2} s cpu, {output_wall:.2} s in output (saving {save:.2}, finishing {finalize:.2}, master {master:.2})",
                contender.name
            );
            if !keep {
                std::fs::remove_dir_all(&output_dir).expect("removing a run's output");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let medians = costs
        .iter()
        .map(|runs| Cost {
            wall: median(runs.iter().map(|c| c.wall).collect()),
            cpu: median(runs.iter().map(|c| c.cpu).collect()),
            output_wall: median(runs.iter().map(|c| c.output_wall).collect()),
            output_cpu: median(runs.iter().map(|c| c.output_cpu).collect()),
            save: median(runs.iter().map(|c| c.save).collect()),
            finalize: median(runs.iter().map(|c| c.finalize).collect()),
            master: median(runs.iter().map(|c| c.master).collect()),
        })
        .collect();
    (medians, galaxies)
}

fn table(title: &str, medians: &[Cost]) {
    println!("\n{title}\n");
    println!("| SAGE's HDF5 writer | wall (s) | CPU (s) | in output, wall (s) | in output, SAGE's thread CPU (s) | saving / finishing / master, wall (s) | wall ÷ stock | output ÷ stock |");
    println!("|---|---|---|---|---|---|---|---|");
    let stock = medians[0];
    for (contender, cost) in CONTENDERS.iter().zip(medians) {
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} / {:.2} | {:.2}x | {:.2}x |",
            contender.name,
            cost.wall,
            cost.cpu,
            cost.output_wall,
            cost.output_cpu,
            cost.save,
            cost.finalize,
            cost.master,
            cost.wall / stock.wall,
            cost.output_wall / stock.output_wall
        );
    }
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("a scratch directory");
    let keep = std::env::var_os("GALAXY_IO_BENCH_KEEP").is_some();
    let config = ForestConfig::benchmark();
    let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
    for writer in [Writer::Stock, Writer::GalaxyIo] {
        common::sage::build_of(common::sage::Build {
            writer,
            timed: true,
            mpi: false,
        });
    }
    let before = load_average();
    let (idle, galaxies) = measure(&trees, dir.path(), runs, keep, "idle");
    let (loaded, _) = {
        let _load = Load::every_core();
        measure(&trees, dir.path(), runs, keep, "loaded")
    };
    println!(
        "SAGE on {} haloes in {} tree files, {galaxies} galaxies written over 64 snapshots; medians of {runs} interleaved runs each",
        trees.halos,
        trees.trees_per_file.len()
    );
    table(
        &format!("Idle (the machine's 1-minute load average {before} before the runs):"),
        &idle,
    );
    table(
        "Loaded (a busy process on every core, started by the bench):",
        &loaded,
    );
    if keep {
        println!("kept in {}", dir.keep().display());
    }
}
