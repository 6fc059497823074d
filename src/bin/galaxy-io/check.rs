//! `galaxy-io check`: whether catalogues are complete: finished by their writer, every
//! snapshot's `num_gals` the rows of its datasets, and a master's source files all there (its
//! virtual datasets would read a missing or short one as fill values without a word); with
//! `--read-all` every row of every file is read, and checksums verified where chunks have them.

use galaxy_io::{check_master, Catalogue, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Outputs or master files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Also read every row of every field (through the virtual datasets, for a master).
    #[arg(long)]
    read_all: bool,
}

pub fn run(args: Args) -> Result<()> {
    for file in &args.files {
        let sources = check_master(file)?;
        let catalogue = Catalogue::open(file)?;
        let galaxies = if args.read_all {
            catalogue.verify()?
        } else {
            catalogue.check_counts()?
        };
        let read = if args.read_all { ", all read" } else { "" };
        if sources.datasets == 0 {
            println!("{}: complete, {galaxies} galaxies{read}", file.display());
        } else {
            println!(
                "{}: complete, {galaxies} galaxies{read}; {} virtual datasets map {} source files \
                 ({} mappings), all present with their rows",
                file.display(),
                sources.datasets,
                sources.files,
                sources.mappings
            );
        }
    }
    Ok(())
}
