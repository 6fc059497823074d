//! `galaxy-io`: write, convert, merge and inspect galaxy catalogues in SAGE's HDF5 layout.

mod convert;
mod demo;
mod inspect;
mod merge;
mod plot;
mod recover;
mod report;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Galaxy catalogues from semi-analytic models, in SAGE's HDF5 layout.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a synthetic SAGE catalogue through the library and report the speed.
    Demo(demo::Args),
    /// Convert SAGE binary galaxy files (`<name>_z<redshift>_<filenr>`) into one HDF5 file.
    Convert(convert::Args),
    /// Write a master file whose `Core_<i>` groups link several outputs into one catalogue.
    Merge(merge::Args),
    /// Show snapshots, galaxy counts, fields and statistics; optionally plot mass functions.
    Inspect(inspect::Args),
    /// Make a file whose writer died readable again (clears SWMR flags, evens out datasets).
    Recover(recover::Args),
}

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`).
    // SAFETY: setting a signal disposition to its default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let result = match Cli::parse().command {
        Command::Demo(args) => demo::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Recover(args) => recover::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = error.to_string();
            eprintln!("error: {message}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !message.contains(&cause_text) {
                    eprintln!("  caused by: {cause_text}");
                }
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
