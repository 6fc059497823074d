//! SAGE's wall time and the time it spends in its HDF5 output, stock against SAGE built on
//! galaxy-io (`galaxy-io-c/sage/`), on generated merger trees that write more than 10^6
//! galaxies (every snapshot output). Both builds wrap SAGE's four output functions with a timer
//! (`galaxy-io-c/sage/output_timer.c`); runs alternate between the two, and the medians are
//! printed as a Markdown table with the process's CPU time beside its wall time.
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

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
    let writers = [Writer::Stock, Writer::GalaxyIo];
    for writer in writers {
        common::sage::build_of(common::sage::Build {
            writer,
            timed: true,
            mpi: false,
        });
    }
    let mut costs = [Vec::new(), Vec::new()];
    let mut galaxies = 0;
    for run in 0..runs {
        // Alternating which goes first, so that neither always runs on a warmer machine.
        let order: [usize; 2] = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let output_dir = dir.path().join(format!("run_{run}_{index}"));
            let sage = Run::new(&trees, OutputFormat::Hdf5, &output_dir)
                .writer(writers[index])
                .timed(true);
            let (cpu, start) = (children_cpu(), Instant::now());
            let output = sage.execute();
            let wall = start.elapsed().as_secs_f64();
            let cpu = children_cpu() - cpu;
            let (output_wall, output_cpu) = output_time(&output.log);
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
            });
            eprintln!(
                "run {run} {:?}: {wall:.2} s wall, {cpu:.2} s cpu, {output_wall:.2} s in output",
                writers[index]
            );
            if !keep {
                std::fs::remove_dir_all(&output_dir).expect("removing a run's output");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let medians: Vec<Cost> = costs
        .iter()
        .map(|runs| Cost {
            wall: median(runs.iter().map(|c| c.wall).collect()),
            cpu: median(runs.iter().map(|c| c.cpu).collect()),
            output_wall: median(runs.iter().map(|c| c.output_wall).collect()),
            output_cpu: median(runs.iter().map(|c| c.output_cpu).collect()),
        })
        .collect();
    println!(
        "SAGE on {} haloes in {} tree files, {galaxies} galaxies written over 64 snapshots; medians of {runs} interleaved runs each\n",
        trees.halos,
        trees.trees_per_file.len()
    );
    println!("| SAGE's HDF5 writer | wall (s) | CPU (s) | in output, wall (s) | in output, SAGE's thread CPU (s) |");
    println!("|---|---|---|---|---|");
    for (writer, cost) in [
        "stock `save_gals_hdf5.c`",
        "galaxy-io (`save_gals_galaxy_io.c`)",
    ]
    .iter()
    .zip(&medians)
    {
        println!(
            "| {writer} | {:.2} | {:.2} | {:.2} | {:.2} |",
            cost.wall, cost.cpu, cost.output_wall, cost.output_cpu
        );
    }
    let (stock, ours) = (medians[0], medians[1]);
    println!(
        "\nratio stock / galaxy-io: wall {:.2}x, time in output {:.2}x",
        stock.wall / ours.wall,
        stock.output_wall / ours.output_wall
    );
    if keep {
        println!("kept in {}", dir.keep().display());
    }
}
