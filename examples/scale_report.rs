//! The scale-out report: one catalogue written by 1, 2 and 4 tasks (separate processes, and MPI
//! ranks when the `mpi_model` example is built), the master over them, reading one property
//! through the master's virtual datasets against a loop over `Core_<i>` (h5py), and many small
//! task files (256 and 1024 by default): the master's creation time, size, and the time to open
//! it and read a column.
//!
//! ```sh
//! cargo build --release --features mpi --example mpi_model     # optional: the MPI rows
//! cargo run --release --example scale_report                    # 100 000 trees, 3 rounds
//! cargo run --release --example scale_report -- --trees 20000 --rounds 1 --many 64,256
//! ```
//!
//! Every task models a consecutive block of the same trees (as `mpi_model` does), so every run
//! writes the same galaxies. Times are medians over the rounds; files go to `target/scale-report`.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{check_master, write_master, Catalogue, Hdf5Options, Hdf5Output, MasterOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SNAPSHOTS: [u32; 2] = [63, 32];
const BOX_SIZE: f32 = 62.5;
/// Galaxies in each of the many small task files.
const SMALL_TASK_GALAXIES: usize = 100;

/// Reads `Snap_63/<property>` through the virtual dataset and by a loop over the cores, each
/// from a freshly opened file, `reps` times; prints the two medians in seconds.
const H5PY_READ: &str = r#"
import h5py, numpy as np, statistics, sys, time
master, cores, prop, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def vds():
    with h5py.File(master, "r") as f:
        return f[f"Snap_63/{prop}"][:]
def loop():
    with h5py.File(master, "r") as f:
        return np.concatenate([f[f"Core_{c}/Snap_63/{prop}"][:] for c in range(cores)])
assert np.array_equal(vds(), loop())
def timed(read):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
print(timed(vds), timed(loop))
"#;

struct Options {
    trees: usize,
    rounds: usize,
    many: Vec<usize>,
    dir: PathBuf,
}

fn parse_options() -> Options {
    let mut options = Options {
        trees: 100_000,
        rounds: 3,
        many: vec![256, 1024],
        dir: PathBuf::from("target/scale-report"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--task") {
        task(&args[1..]);
        std::process::exit(0);
    }
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--trees" => options.trees = value.parse().expect("--trees N"),
            "--rounds" => options.rounds = value.parse().expect("--rounds N"),
            "--many" => {
                options.many = value
                    .split(',')
                    .map(|n| n.parse().expect("--many N,M"))
                    .collect()
            }
            "--dir" => options.dir = PathBuf::from(value),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// The child: `--task I N TREES CATALOGUE` writes task I's block of the trees.
fn task(args: &[String]) {
    let number = |i: usize| -> usize { args[i].parse().expect("--task I N TREES CATALOGUE") };
    let (index, tasks, trees) = (number(0), number(1), number(2));
    let options = Hdf5Options::default().task(index as u32, tasks as u32);
    let mut output = Hdf5Output::<SageGalaxy>::create(&args[3], &SNAPSHOTS, options)
        .expect("the task's file can be created");
    let mine = index * trees / tasks..(index + 1) * trees / tasks;
    for (local, tree) in mine.enumerate() {
        let mut model = Synthetic::new(tree as u64, BOX_SIZE);
        for snapshot in SNAPSHOTS {
            let galaxies = model.tree(snapshot, tree as i32);
            output
                .write_tree(snapshot, local, &galaxies)
                .expect("written");
        }
    }
    output.finish().expect("finished");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn fresh(dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("the report's directory");
    dir.join("model.hdf5")
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn task_files(catalogue: &Path, tasks: usize) -> Vec<PathBuf> {
    (0..tasks as u32)
        .map(|t| galaxy_io::names::task_file(catalogue, t))
        .collect()
}

/// h5py's median times to read `StellarMass` through the master's virtual dataset and by a
/// loop over its cores, or `None` without h5py.
fn h5py_read(master: &Path, cores: usize, reps: usize) -> Option<(f64, f64)> {
    let output = Command::new("python3")
        .args(["-c", H5PY_READ])
        .arg(master)
        .args([cores.to_string(), "StellarMass".into(), reps.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!("h5py: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut times = text.split_whitespace().map(|t| t.parse().ok());
    Some((times.next()??, times.next()??))
}

fn galaxies_of(master: &Path) -> u64 {
    let catalogue = Catalogue::open(master).expect("the master reads");
    SNAPSHOTS
        .iter()
        .map(|&s| catalogue.num_galaxies(s).expect("counted"))
        .sum()
}

fn tasks_section(options: &Options) {
    let exe = std::env::current_exe().expect("the report knows its path");
    let mpi_model = exe
        .parent()
        .map(|d| d.join("mpi_model"))
        .filter(|p| p.exists());
    println!("## {} trees written by 1, 2 and 4 tasks\n", options.trees);
    println!("| tasks | processes: write | master | total | galaxies | MPI ranks: mpirun total | mpirun, no trees | h5py read via VDS | loop over Core_<i> | VDS ÷ loop |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for tasks in [1usize, 2, 4] {
        let (mut write, mut master_times) = (Vec::new(), Vec::new());
        let (mut mpi, mut mpi_empty) = (Vec::new(), Vec::new());
        let mut galaxies = 0;
        let mut read = None;
        for _ in 0..options.rounds {
            let catalogue = fresh(&options.dir.join(format!("tasks-{tasks}")));
            let start = Instant::now();
            let children: Vec<_> = (0..tasks)
                .map(|t| {
                    Command::new(&exe)
                        .args(["--task", &t.to_string(), &tasks.to_string()])
                        .arg(options.trees.to_string())
                        .arg(&catalogue)
                        .spawn()
                        .expect("a task process starts")
                })
                .collect();
            for mut child in children {
                assert!(child.wait().expect("the task ends").success());
            }
            write.push(start.elapsed());
            let start = Instant::now();
            write_master(
                &catalogue,
                &task_files(&catalogue, tasks),
                &MasterOptions::default(),
            )
            .expect("the master");
            master_times.push(start.elapsed());
            galaxies = galaxies_of(&catalogue);
            read = h5py_read(&catalogue, tasks, 5);

            if let Some(model) = &mpi_model {
                // The same run without trees: what starting MPI and the ranks costs.
                for (trees, times) in [(options.trees, &mut mpi), (0, &mut mpi_empty)] {
                    let catalogue = fresh(&options.dir.join(format!("ranks-{tasks}")));
                    let start = Instant::now();
                    let status = Command::new("mpirun")
                        .args(["-np", &tasks.to_string()])
                        .arg(model)
                        .arg(&catalogue)
                        .arg(trees.to_string())
                        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
                        .stdout(std::process::Stdio::null())
                        .status();
                    if matches!(status, Ok(s) if s.success()) {
                        times.push(start.elapsed());
                        if trees > 0 {
                            assert_eq!(galaxies_of(&catalogue), galaxies);
                        }
                    }
                }
            }
        }
        let (write, master) = (median(write), median(master_times));
        let mpi = if mpi.is_empty() || mpi_empty.is_empty() {
            "(not built) | -".to_owned()
        } else {
            format!("{} | {}", seconds(median(mpi)), seconds(median(mpi_empty)))
        };
        let ms = |f: fn(&(f64, f64)) -> f64| {
            read.as_ref()
                .map_or("-".into(), |r| format!("{:.1} ms", f(r) * 1e3))
        };
        let (vds, cores) = (ms(|r| r.0), ms(|r| r.1));
        println!(
            "| {tasks} | {} | {} | {} | {galaxies} | {mpi} | {vds} | {cores} | {} |",
            seconds(write),
            seconds(master),
            seconds(write + master),
            read.map_or("-".into(), |(v, l)| format!("{:.2}x", v / l)),
        );
    }
    println!();
}

fn many_section(options: &Options) {
    println!(
        "## Many small task files ({SMALL_TASK_GALAXIES} galaxies each, {} snapshots, 49 properties)\n",
        SNAPSHOTS.len()
    );
    println!("| tasks | write_master | master size | check_master | Catalogue::open + read column | h5py read via VDS | loop over Core_<i> |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &tasks in &options.many {
        let catalogue = fresh(&options.dir.join(format!("many-{tasks}")));
        for t in 0..tasks as u32 {
            let options = Hdf5Options::default().task(t, tasks as u32);
            let mut output =
                Hdf5Output::<SageGalaxy>::create(&catalogue, &SNAPSHOTS, options).expect("task");
            let mut model = Synthetic::new(t as u64, BOX_SIZE);
            for snapshot in SNAPSHOTS {
                let mut galaxies = Vec::new();
                let mut tree = 0;
                while galaxies.len() < SMALL_TASK_GALAXIES {
                    galaxies.extend(model.tree(snapshot, tree));
                    tree += 1;
                }
                galaxies.truncate(SMALL_TASK_GALAXIES);
                output.write(snapshot, &galaxies).expect("written");
            }
            output.finish().expect("finished");
        }
        let files = task_files(&catalogue, tasks);
        let (mut create, mut check, mut open_read) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.rounds {
            let start = Instant::now();
            write_master(&catalogue, &files, &MasterOptions::default().replace(true))
                .expect("the master");
            create.push(start.elapsed());
            let start = Instant::now();
            check_master(&catalogue).expect("complete");
            check.push(start.elapsed());
            let start = Instant::now();
            let column = Catalogue::open(&catalogue)
                .and_then(|c| c.read_column::<f32>(63, "StellarMass"))
                .expect("read");
            open_read.push(start.elapsed());
            assert_eq!(column.len(), tasks * SMALL_TASK_GALAXIES);
        }
        let size = std::fs::metadata(&catalogue).map_or(0, |m| m.len());
        let read = h5py_read(&catalogue, tasks, 3);
        let ms = |s: f64| format!("{:.0} ms", s * 1e3);
        println!(
            "| {tasks} | {} | {:.1} MiB ({} bytes per task) | {} | {} | {} | {} |",
            seconds(median(create)),
            size as f64 / (1 << 20) as f64,
            size / tasks as u64,
            seconds(median(check)),
            seconds(median(open_read)),
            read.map_or("-".into(), |(v, _)| ms(v)),
            read.map_or("-".into(), |(_, l)| ms(l)),
        );
    }
    println!();
}

fn main() {
    let options = parse_options();
    tasks_section(&options);
    many_section(&options);
}
