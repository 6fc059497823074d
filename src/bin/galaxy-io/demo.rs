//! `galaxy-io demo`: a synthetic SAGE catalogue written through the library: galaxies drawn
//! from a published stellar mass function at each snapshot's redshift, in the mini-Millennium
//! box, down to the stellar mass that gives as many as asked (see `galaxy_io::sage::Synthetic`).

use crate::report;
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::staged::Staged;
use galaxy_io::{AttrValue, Cosmology, Hdf5Options, Hdf5Output, Header, HeaderGroup, Result};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Galaxies in total (of this task), spread over the snapshots as the number densities of
    /// galaxies at their redshifts (so few at high redshift); the more galaxies, the lighter the
    /// lightest (about 10^6 Msun for 10^6 galaxies).
    #[arg(long, value_name = "COUNT", default_value_t = 1_000_000)]
    galaxies: u64,
    /// Output snapshots, 1 to 64, spread evenly back from snapshot 63 (z = 0) over the 64
    /// snapshots of the Millennium simulation (z = 127, 80, 50, 30, then about 20 down to 0).
    #[arg(long, value_name = "COUNT", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    snapshots: u32,
    /// Output file; with --tasks, task I writes `<name>_<I>.hdf5` for `<name>.hdf5`, as
    /// `Hdf5Options::task` names a task's file, and `galaxy-io merge` writes `<name>.hdf5`.
    #[arg(short, long, value_name = "FILE", default_value = "demo.hdf5")]
    output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Which task (core) of a run this output is, counting from 0: its galaxies are its share
    /// of the volume, 1/tasks (`frac_volume_processed`), as a SAGE core's are.
    #[arg(long, value_name = "I", default_value_t = 0, requires = "tasks")]
    task: u32,
    /// How many tasks (cores) the run has; merge their outputs with `galaxy-io merge`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    tasks: Option<u32>,
    #[command(flatten)]
    storage: crate::storage::StorageArgs,
}

pub fn run(args: Args) -> Result<()> {
    let tasks = args.tasks.unwrap_or(1);
    if args.task >= tasks {
        return Err(galaxy_io::Error::Options(format!(
            "--task {} is not one of the {tasks} tasks (0..{tasks})",
            args.task
        )));
    }
    // One rule for a task's file, the library's.
    let path = match args.tasks {
        Some(_) => galaxy_io::names::task_file(&args.output, args.task),
        None => args.output.clone(),
    };
    let staged = Staged::new(&path, args.force)?;
    let step = (64 / args.snapshots).max(1);
    let snapshots: Vec<u32> = (0..args.snapshots).map(|i| 63 - i * step).collect();
    let cosmology = Cosmology::MINI_MILLENNIUM;
    let layout = Synthetic::layout(&snapshots, args.galaxies, tasks, cosmology.box_size);
    let mut header = Header::with_cosmology(&cosmology);
    Synthetic::mark(&mut header);
    header.snapshot_redshifts = galaxy_io::sage::millennium_redshifts();
    header.set(HeaderGroup::Simulation, "SimMaxSnaps", AttrValue::I32(64));
    header.set(
        HeaderGroup::Simulation,
        "LastSnapshotNr",
        AttrValue::I32(63),
    );
    // Each task stands for one tree file of a simulation split into `tasks` of them.
    header.set(
        HeaderGroup::Simulation,
        "num_simulation_tree_files",
        AttrValue::I32(tasks as i32),
    );
    header.set_task_share(tasks);
    header.set(
        HeaderGroup::Runtime,
        galaxy_io::TREE_FILES_PROCESSED,
        AttrValue::I32Array(vec![args.task as i32]),
    );
    let options = args
        .storage
        .apply(Hdf5Options::default().replace(true).header(header));
    let started = Instant::now();
    let mut output = Hdf5Output::<SageGalaxy>::create(staged.path(), &snapshots, options)?;
    let seed = args.seed.wrapping_add(u64::from(args.task));
    let mut synthetic = Synthetic::new(seed, cosmology.box_size as f32)
        .with_task(args.task, tasks)
        .with_mass_floor(layout.mass_floor);
    let mut bar = report::Progress::new(args.galaxies, "writing");
    let mut generating = std::time::Duration::ZERO;
    for &(snapshot, galaxies) in &layout.galaxies {
        let mut remaining = galaxies;
        let mut tree = 0;
        while remaining > 0 {
            let batch = remaining.min(50_000) as usize;
            let generated = Instant::now();
            let (galaxies, per_tree) = synthetic.galaxies(snapshot, tree, batch);
            generating += generated.elapsed();
            let mut start = 0;
            for (offset, &count) in per_tree.iter().enumerate() {
                let end = start + count as usize;
                output.write_tree(snapshot, (tree as usize) + offset, &galaxies[start..end])?;
                start = end;
            }
            tree += per_tree.len() as i32;
            remaining -= batch as u64;
            bar.inc(batch as u64);
        }
    }
    let summary = output.finish()?;
    staged.commit()?;
    bar.finish();
    let elapsed = started.elapsed();
    let writing = elapsed.saturating_sub(generating);

    println!(
        "wrote {}: a synthetic catalogue of galaxies above 10^{:.1} Msun (see --help)",
        path.display(),
        layout.mass_floor.log10()
    );
    println!("{:>10}  {:>12}", "snapshot", "galaxies");
    for (snapshot, galaxies) in &summary.galaxies {
        println!("{:>10}  {:>12}", format!("Snap_{snapshot}"), galaxies);
    }
    let total: u64 = summary.galaxies.iter().map(|(_, n)| n).sum();
    println!(
        "{} galaxies, {} of records, file {}; {:.2} s in all, {:.2} s writing: {}, {} galaxies/s",
        total,
        report::bytes(summary.record_bytes),
        report::bytes(report::file_size(&path)),
        elapsed.as_secs_f64(),
        writing.as_secs_f64(),
        report::rate(summary.record_bytes, writing),
        report::count(total as f64 / writing.as_secs_f64().max(1e-9)),
    );
    Ok(())
}
