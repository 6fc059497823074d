//! `galaxy-io convert`: SAGE binary galaxy files into one HDF5 file in SAGE's layout, streamed
//! tree by tree through the buffers (memory is bounded by the buffers, not the input size).

use crate::report;
use galaxy_io::sage::binary::{BinaryName, BinaryReader};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::staged::{self, Staged};
use galaxy_io::{Error, Hdf5Options, Hdf5Output, Header, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// SAGE binary galaxy files, named `<name>_z<redshift>_<filenr>`.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The HDF5 file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// SAGE's snapshot list (`FileWithSnapList`): one expansion factor per line, snapshot 0
    /// first. Each input's redshift is matched to its snapshot.
    #[arg(
        long,
        conflicts_with = "snapshot",
        required_unless_present = "snapshot"
    )]
    snap_list: Option<PathBuf>,
    /// The snapshot number of every input (when they all come from one snapshot).
    #[arg(long)]
    snapshot: Option<u32>,
    /// Hubble parameter for the header.
    #[arg(long, default_value_t = 0.73)]
    hubble_h: f64,
    /// Box size in Mpc/h for the header.
    #[arg(long, default_value_t = 62.5)]
    box_size: f64,
    /// Replace the output if it exists.
    #[arg(long)]
    force: bool,
}

struct Input {
    reader: BinaryReader,
    snapshot: u32,
    file_number: u32,
}

pub fn run(args: Args) -> Result<()> {
    staged::not_an_input(&args.output, &args.inputs)?;
    staged::distinct(&args.inputs)?;
    let staged = Staged::new(&args.output, args.force)?;
    let redshifts = match &args.snap_list {
        Some(path) => Some(read_snap_list(path)?),
        None => None,
    };
    let mut inputs = Vec::new();
    for path in &args.inputs {
        let name = BinaryName::parse(path);
        let snapshot = match (args.snapshot, &redshifts, &name) {
            (Some(snapshot), _, _) => snapshot,
            (None, Some(redshifts), Some(name)) => snapshot_of(name.redshift, redshifts).ok_or_else(|| Error::BadFile {
                path: path.clone(),
                problem: format!("its redshift {:.3} matches no snapshot of the snapshot list", name.redshift),
            })?,
            _ => {
                return Err(Error::BadFile {
                    path: path.clone(),
                    problem: "the name is not `<name>_z<redshift>_<filenr>`, so its snapshot is unknown: pass --snapshot".into(),
                })
            }
        };
        inputs.push(Input {
            reader: BinaryReader::open(path)?,
            snapshot,
            file_number: name.map_or(0, |n| n.file_number),
        });
    }
    let (tree_offsets, total_trees) = tree_offsets(&inputs)?;
    let mut snapshots: Vec<u32> = inputs.iter().map(|i| i.snapshot).collect();
    snapshots.sort_unstable();
    snapshots.dedup();

    let started = Instant::now();
    let summary = convert(
        &args,
        staged.path(),
        &snapshots,
        inputs,
        &tree_offsets,
        total_trees,
    )?;
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

fn convert(
    args: &Args,
    partial: &Path,
    snapshots: &[u32],
    inputs: Vec<Input>,
    tree_offsets: &BTreeMap<u32, usize>,
    total_trees: usize,
) -> Result<galaxy_io::OutputSummary> {
    let options = Hdf5Options {
        overwrite: true,
        trees: Some(total_trees),
        header: Header::sage(args.hubble_h, args.box_size, 0.25, 0.75, 0.0860657),
        ..Hdf5Options::default()
    };
    let mut output = Hdf5Output::<SageGalaxy>::create(partial, snapshots, options)?;
    let total = inputs.iter().map(|i| i.reader.num_galaxies()).sum();
    let bar = report::galaxy_bar(total, "converting");
    for mut input in inputs {
        let offset = tree_offsets[&input.file_number];
        while let Some(tree) = input.reader.next_tree() {
            let (tree, galaxies): (usize, Vec<SageGalaxy>) = tree?;
            output.write_tree(input.snapshot, offset + tree, &galaxies)?;
            bar.inc(galaxies.len() as u64);
        }
    }
    bar.finish_and_clear();
    output.finish()
}

/// Trees of input file `f` are numbered after those of the files before it. Every snapshot of
/// one input file has the same trees. Also returns the number of trees of all files.
fn tree_offsets(inputs: &[Input]) -> Result<(BTreeMap<u32, usize>, usize)> {
    let mut trees: BTreeMap<u32, (usize, &Path)> = BTreeMap::new();
    for input in inputs {
        let count = input.reader.galaxies_per_tree().len();
        match trees.get(&input.file_number) {
            Some(&(known, first)) if known != count => {
                return Err(Error::BadFile {
                    path: input.reader.path().to_owned(),
                    problem: format!(
                        "has {count} trees, but {} (the same file number) has {known}",
                        first.display()
                    ),
                })
            }
            _ => {
                trees.insert(input.file_number, (count, input.reader.path()));
            }
        }
    }
    let mut next = 0;
    let offsets = trees
        .into_iter()
        .map(|(file, (count, _))| {
            let offset = next;
            next += count;
            (file, offset)
        })
        .collect();
    Ok((offsets, next))
}

/// Redshift of every snapshot, from a list of expansion factors.
fn read_snap_list(path: &Path) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    text.split_whitespace()
        .map(|word| match word.parse::<f64>() {
            Ok(a) if a > 0.0 => Ok(1.0 / a - 1.0),
            _ => Err(Error::BadFile {
                path: path.to_owned(),
                problem: format!("`{word}` is not an expansion factor"),
            }),
        })
        .collect()
}

/// The snapshot whose redshift prints as `redshift` with three decimals, as SAGE names files.
fn snapshot_of(redshift: f64, redshifts: &[f64]) -> Option<u32> {
    redshifts
        .iter()
        .position(|&z| (z - redshift).abs() < 5e-4)
        .map(|index| index as u32)
}
