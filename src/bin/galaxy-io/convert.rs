//! `galaxy-io convert`: SAGE binary galaxy files into one HDF5 file in SAGE's layout, streamed
//! tree by tree through the buffers (memory is bounded by the buffers, not the input size).
//! With SAGE's parameter file, the file gets the header SAGE itself would have written.

use crate::report;
use galaxy_io::sage::binary::{BinaryName, BinaryReader};
use galaxy_io::sage::{read_snap_list, Parameters, SageGalaxy};
use galaxy_io::staged::{self, Staged};
use galaxy_io::{AttrValue, Error, Hdf5Options, Hdf5Output, Header, HeaderGroup, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// SAGE binary galaxy files, named `<name>_z<redshift>_<task>`; with --par, the run's
    /// files in OutputDir when none are given.
    #[arg(value_name = "FILE", required_unless_present = "par")]
    inputs: Vec<PathBuf>,
    /// The HDF5 file to write.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// SAGE's parameter file of the run: the header gets every value SAGE writes, the
    /// snapshot list it names gives the redshifts, and OutputDir and FileNameGalaxies find the
    /// inputs when none are given.
    #[arg(long, value_name = "FILE")]
    par: Option<PathBuf>,
    /// SAGE's snapshot list (`FileWithSnapList`: one expansion factor per line, snapshot 0
    /// first), if not the one the parameter file names. Each input's redshift is checked
    /// against its snapshot.
    #[arg(long, value_name = "FILE")]
    snap_list: Option<PathBuf>,
    /// The snapshot of every input, for files without galaxies (whose snapshot the records
    /// cannot tell) and no snapshot list; checked against the galaxies' SnapNum.
    #[arg(long, value_name = "N")]
    snapshot: Option<u32>,
    /// How many tasks (MPI cores) the run had, when the inputs are some of its tasks' files
    /// (default: the tasks among the inputs, taken to be all of them): the file's `num_cores`,
    /// and with --par the share of the volume SAGE gave the tasks converted.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    tasks: Option<u32>,
    /// The fraction of the simulation's volume the inputs cover (`frac_volume_processed`, which
    /// the analysis divides by), in place of what the parameter file and the tree files give,
    /// or when there is no parameter file.
    #[arg(long, value_name = "FRACTION")]
    frac_volume_processed: Option<f64>,
    /// Replace the output if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    storage: crate::storage::StorageArgs,
}

struct Input {
    reader: BinaryReader,
    snapshot: u32,
    task: u32,
}

pub fn run(args: Args) -> Result<()> {
    let parameters = match &args.par {
        Some(path) => Some(Parameters::read(path)?),
        None => None,
    };
    let paths = match (&parameters, args.inputs.is_empty()) {
        (Some(parameters), true) => {
            run_files(parameters, args.par.as_deref().unwrap_or(Path::new(".")))?
        }
        _ => args.inputs.clone(),
    };
    staged::not_an_input(&args.output, &paths)?;
    staged::distinct(&paths)?;
    let staged = Staged::new(&args.output, args.force)?;
    let snap_list = match (&args.snap_list, &parameters, &args.par) {
        (Some(path), _, _) => Some(path.clone()),
        (None, Some(parameters), Some(par)) => Some(parameters.snap_list_path(par)),
        _ => None,
    };
    let most = parameters
        .as_ref()
        .map_or(galaxy_io::sage::MAX_SNAPSHOTS, Parameters::sim_max_snaps);
    let redshifts = match &snap_list {
        Some(path) => Some(read_snap_list(path, most)?),
        None => None,
    };
    let mut inputs = Vec::new();
    for path in &paths {
        inputs.push(open_input(path, args.snapshot, redshifts.as_deref())?);
    }
    let (tree_offsets, total_trees) = tree_offsets(&inputs)?;
    let snapshots = output_snapshots(&inputs, parameters.as_ref())?;
    let header = header(&args, parameters.as_ref(), redshifts.as_deref(), &inputs)?;

    let started = Instant::now();
    let options = args.storage.apply(
        Hdf5Options::default()
            .replace(true)
            .trees(total_trees)
            .header(header),
    );
    let summary = convert(staged.path(), &snapshots, options, inputs, &tree_offsets)?;
    staged.commit()?;
    let elapsed = started.elapsed();
    let total: u64 = summary.galaxies.iter().map(|(_, n)| n).sum();
    println!("wrote {}", args.output.display());
    for (snapshot, galaxies) in &summary.galaxies {
        println!("{:>10}  {:>12}", format!("Snap_{snapshot}"), galaxies);
    }
    println!(
        "{total} galaxies in {:.2} s ({})",
        elapsed.as_secs_f64(),
        report::rate(summary.record_bytes, elapsed)
    );
    Ok(())
}

/// The run's binary galaxy files: `<OutputDir>/<FileNameGalaxies>_z<redshift>_<task>`.
fn run_files(parameters: &Parameters, par: &Path) -> Result<Vec<PathBuf>> {
    let named = PathBuf::from(&parameters.output_dir);
    let directory = match par.parent() {
        Some(parent) if named.is_relative() && !named.is_dir() => parent.join(named),
        _ => named,
    };
    let listing = std::fs::read_dir(&directory)
        .map_err(|e| Error::io("listing the OutputDir", &directory, e))?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            BinaryName::parse(path).is_some_and(|n| n.name == parameters.file_name_galaxies)
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::BadFile {
            path: directory,
            problem: format!(
                "has no SAGE binary galaxy files named {}_z<redshift>_<task>",
                parameters.file_name_galaxies
            ),
        });
    }
    Ok(files)
}

/// Opens an input and finds its snapshot: the galaxies' `SnapNum`, checked against `--snapshot`
/// and, with a snapshot list, against the redshift in the name.
fn open_input(path: &Path, given: Option<u32>, redshifts: Option<&[f64]>) -> Result<Input> {
    let reader = BinaryReader::open(path)?;
    let name = BinaryName::parse(path);
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem,
    };
    let from_records = match reader.snapshot() {
        Some(snap_num) => Some(u32::try_from(snap_num).map_err(|_| {
            bad(format!(
                "its first galaxy has SnapNum {snap_num}, not a snapshot"
            ))
        })?),
        None => None,
    };
    let from_name = match (redshifts, &name) {
        (Some(redshifts), Some(name)) => {
            Some(snapshot_of(name.redshift, redshifts).ok_or_else(|| {
                bad(format!(
                    "its name's redshift {:.3} is no snapshot's redshift in the snapshot list",
                    name.redshift
                ))
            })?)
        }
        _ => None,
    };
    let snapshot = match (from_records, given, from_name) {
        (Some(records), Some(given), _) if records != given => {
            return Err(bad(format!(
                "its galaxies are at snapshot {records}, not at the --snapshot {given}"
            )))
        }
        (Some(records), _, Some(named)) if records != named => {
            return Err(bad(format!(
            "its galaxies are at snapshot {records}, but its name's redshift is snapshot {named}'s"
        )))
        }
        (Some(snapshot), _, _) | (None, Some(snapshot), _) | (None, None, Some(snapshot)) => {
            snapshot
        }
        (None, None, None) => return Err(bad(
            "has no galaxies, so its snapshot is unknown: pass --par, --snap-list or --snapshot"
                .into(),
        )),
    };
    Ok(Input {
        reader,
        snapshot,
        task: name.map_or(0, |n| n.file_number),
    })
}

/// The snapshots to write: the run's output snapshots (in SAGE's order, each one whether or
/// not an input has it), or else the inputs' snapshots, latest first as SAGE orders them.
fn output_snapshots(inputs: &[Input], parameters: Option<&Parameters>) -> Result<Vec<u32>> {
    let Some(parameters) = parameters else {
        let mut snapshots: Vec<u32> = inputs.iter().map(|i| i.snapshot).collect();
        snapshots.sort_unstable_by(|a, b| b.cmp(a));
        snapshots.dedup();
        return Ok(snapshots);
    };
    if let Some(input) = inputs
        .iter()
        .find(|i| !parameters.output_snapshots.contains(&i.snapshot))
    {
        return Err(Error::BadFile {
            path: input.reader.path().to_owned(),
            problem: format!(
                "is at snapshot {}, which is not an output snapshot of the parameter file",
                input.snapshot
            ),
        });
    }
    Ok(parameters.output_snapshots.clone())
}

/// The header: SAGE's for the run when its parameters are known, with the run's tasks as
/// `num_cores` and the volume the inputs cover, as SAGE worked it out for their tasks; without
/// them, only what the inputs themselves say.
fn header(
    args: &Args,
    parameters: Option<&Parameters>,
    redshifts: Option<&[f64]>,
    inputs: &[Input],
) -> Result<Header> {
    let mut tasks: Vec<u32> = inputs.iter().map(|i| i.task).collect();
    tasks.sort_unstable();
    tasks.dedup();
    let all = tasks.iter().copied().eq(0..tasks.len() as u32);
    let listed = tasks
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let run_tasks = match args.tasks {
        Some(run_tasks) => run_tasks,
        None if all => tasks.len() as u32,
        None => {
            return Err(Error::Options(format!(
                "the inputs are tasks {listed} of a run, not all of its tasks: say how many \
                 tasks the run had with --tasks"
            )))
        }
    };
    if let Some(input) = inputs.iter().find(|i| i.task >= run_tasks) {
        return Err(Error::BadFile {
            path: input.reader.path().to_owned(),
            problem: format!(
                "is task {}'s file, but --tasks says the run had {run_tasks} task{}",
                input.task,
                if run_tasks == 1 { "" } else { "s" }
            ),
        });
    }
    let every_task = all && tasks.len() as u32 == run_tasks;
    let mut header = match parameters {
        Some(parameters) => parameters.header(redshifts.unwrap_or_default(), run_tasks),
        None => {
            let mut header = Header::default();
            header.snapshot_redshifts = redshifts.unwrap_or_default().to_vec();
            header.set(
                HeaderGroup::Misc,
                "num_cores",
                AttrValue::I32(run_tasks as i32),
            );
            header
        }
    };
    let runtime = HeaderGroup::Runtime;
    let fraction = match (args.frac_volume_processed, parameters) {
        (Some(fraction), _) if (0.0..=1.0).contains(&fraction) && fraction > 0.0 => Some(fraction),
        (Some(fraction), _) => {
            return Err(Error::BadInput {
                snapshot: 0,
                problem: format!("--frac-volume-processed {fraction} is not within (0, 1]"),
            })
        }
        (None, Some(parameters)) if every_task => {
            let files = (parameters.first_file..=parameters.last_file).collect();
            header.set(
                runtime,
                galaxy_io::TREE_FILES_PROCESSED,
                AttrValue::I32Array(files),
            );
            Some(parameters.volume_fraction())
        }
        (None, Some(parameters)) => {
            Some(tasks_volume(args, parameters, &tasks, &listed, run_tasks)?)
        }
        (None, None) => None,
    };
    match fraction {
        Some(fraction) => {
            header.set(runtime, "frac_volume_processed", AttrValue::F64(fraction));
        }
        None => {
            header.remove(runtime, "frac_volume_processed");
            eprintln!(
                "note: without SAGE's parameter file, the fraction of the simulation's volume \
                 these files cover is unknown, so frac_volume_processed (which merge sums) is left \
                 out: pass --par, or --frac-volume-processed"
            );
        }
    }
    Ok(header)
}

/// The fraction of the volume SAGE gave `tasks` of a run of `run_tasks`, from the tree files the
/// parameter file names.
fn tasks_volume(
    args: &Args,
    parameters: &Parameters,
    tasks: &[u32],
    listed: &str,
    run_tasks: u32,
) -> Result<f64> {
    let par = args.par.as_deref().unwrap_or(Path::new("."));
    tasks
        .iter()
        .map(|&task| parameters.task_volume_fraction(par, task, run_tasks))
        .sum::<Result<f64>>()
        .map_err(|error| Error::BadFile {
            path: par.to_owned(),
            problem: format!(
                "the fraction of the simulation's volume that task{} {listed} of {run_tasks} \
                 processed cannot be worked out as SAGE does ({error}): pass \
                 --frac-volume-processed",
                if tasks.len() == 1 { "" } else { "s" },
            ),
        })
}

fn convert(
    path: &Path,
    snapshots: &[u32],
    options: Hdf5Options,
    inputs: Vec<Input>,
    tree_offsets: &BTreeMap<u32, usize>,
) -> Result<galaxy_io::OutputSummary> {
    let mut output = Hdf5Output::<SageGalaxy>::create(path, snapshots, options)?;
    let total = inputs.iter().map(|i| i.reader.num_galaxies()).sum();
    let mut bar = report::Progress::new(total, "converting");
    for mut input in inputs {
        let offset = tree_offsets[&input.task];
        while let Some(tree) = input.reader.next_tree() {
            let (tree, galaxies): (usize, Vec<SageGalaxy>) = tree?;
            if let Some(stray) = galaxies
                .iter()
                .find(|g| g.snap_num != input.snapshot as i32)
            {
                return Err(Error::BadFile {
                    path: input.reader.path().to_owned(),
                    problem: format!(
                        "tree {tree} has a galaxy at snapshot {}, but the file's galaxies are at snapshot {}",
                        stray.snap_num, input.snapshot
                    ),
                });
            }
            output.write_tree(input.snapshot, offset + tree, &galaxies)?;
            bar.inc(galaxies.len() as u64);
        }
    }
    bar.finish();
    output.finish()
}

/// Trees of task `t` are numbered after those of the tasks before it. Every snapshot of one
/// task has the same trees. Also returns the number of trees of all tasks.
fn tree_offsets(inputs: &[Input]) -> Result<(BTreeMap<u32, usize>, usize)> {
    let mut trees: BTreeMap<u32, (usize, &Path)> = BTreeMap::new();
    for input in inputs {
        let count = input.reader.galaxies_per_tree().len();
        match trees.get(&input.task) {
            Some(&(known, first)) if known != count => {
                return Err(Error::BadFile {
                    path: input.reader.path().to_owned(),
                    problem: format!(
                        "has {count} trees, but {} (of the same task) has {known}",
                        first.display()
                    ),
                })
            }
            _ => {
                trees.insert(input.task, (count, input.reader.path()));
            }
        }
    }
    let mut next = 0;
    let offsets = trees
        .into_iter()
        .map(|(task, (count, _))| {
            let offset = next;
            next += count;
            (task, offset)
        })
        .collect();
    Ok((offsets, next))
}

/// The snapshot whose redshift prints as `redshift` with three decimals, as SAGE names files.
fn snapshot_of(redshift: f64, redshifts: &[f64]) -> Option<u32> {
    redshifts
        .iter()
        .position(|&z| format!("{z:.3}") == format!("{redshift:.3}"))
        .map(|index| index as u32)
}
