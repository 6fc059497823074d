//! `galaxy-io`: write, convert, merge, inspect and check galaxy catalogues in SAGE's HDF5 layout,
//! follow galaxies through them, and write merger trees for SAGE.

mod check;
mod convert;
mod demo;
mod history;
mod inspect;
mod merge;
mod plot;
mod recover;
mod report;
mod stats;
mod storage;
mod trees;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Galaxy catalogues from semi-analytic models, in SAGE's HDF5 layout.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Also show what the libraries underneath reported (HDF5's own error stacks), for a bug
    /// report.
    #[arg(long, short, global = true)]
    verbose: bool,
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
    /// Follow one galaxy through time: its snapshots, rows and fields as CSV (and a plot).
    History(history::Args),
    /// Check that catalogues are complete: a master's source files exist with the rows it maps.
    Check(check::Args),
    /// Make a file whose writer died readable again (clears SWMR flags, evens out datasets).
    Recover(recover::Args),
    /// Write LHaloTree merger trees and a SAGE parameter file for them, to run SAGE (stock or
    /// on galaxy-io's writer) without the Millennium trees.
    Trees(trees::Args),
}

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when the reader of our output goes away (`| head`); a
    // file-size limit (`ulimit -f`) makes writes fail with EFBIG, reported like a full disk,
    // instead of killing the process without a word.
    // SAFETY: setting signal dispositions before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    remove_unfinished_files_on_interrupt();
    let cli = Cli::parse();
    let level = if cli.verbose { "debug" } else { "warn" };
    // Warnings read like errors: "warning: ...", not a log record, naming the files the user
    // named (not the temporary files they are written as).
    // A buffer given up after an error logs what it could not write; the error that stopped the
    // command says it all already, so those lines are for --verbose.
    let buffers = if cli.verbose {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Off
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .filter_module("galaxy_io::buffer", buffers)
        .format(|out, record| {
            use std::io::Write;
            let level = record.level().as_str().to_lowercase();
            let message = galaxy_io::staged::with_final_names(&record.args().to_string());
            writeln!(out, "{level}: {message}")
        })
        .init();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Recover(args) => recover::run(args),
        Command::Check(args) => check::run(args),
        Command::History(args) => history::run(args),
        Command::Trees(args) => trees::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report_error(&error, cli.verbose);
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or a batch system's SIGTERM: the output being written is removed (the final name is
/// never touched before an output is complete), one line says so, and the exit status is the
/// shell's 128 + signal.
fn remove_unfinished_files_on_interrupt() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            galaxy_io::staged::remove_unfinished();
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            eprintln!("galaxy-io: interrupted ({name}); nothing unfinished was left behind");
            // SAFETY: ends the process at once, without running exit handlers that could wait
            // for the HDF5 work the main thread is in the middle of.
            unsafe { libc::_exit(128 + signal) };
        }
    });
}

/// One line: every error's message already says what caused it, naming the files the user
/// named (not the temporary files they are written as). With `--verbose`, the causes follow as
/// the libraries reported them.
fn report_error(error: &galaxy_io::Error, verbose: bool) {
    let message = match error {
        galaxy_io::Error::FileExists(path) => format!(
            "{} already exists; pass --force to replace it",
            path.display()
        ),
        galaxy_io::Error::NoSpace { .. } => error.to_string(),
        other => match other.no_space() {
            Some(why) => out_of_space(other, why),
            None => other.to_string(),
        },
    };
    eprintln!("error: {}", galaxy_io::staged::with_final_names(&message));
    let mut source = std::error::Error::source(error);
    while let (true, Some(cause)) = (verbose, source) {
        eprintln!(
            "  caused by: {}",
            galaxy_io::staged::with_final_names(&cause.to_string())
        );
        source = cause.source();
    }
}

/// A write that failed for want of space, as the user sees it: "full.hdf5: no space left on
/// device while writing Snap_63 (3.1 MiB written, nothing kept)", naming the file the command
/// was writing (not its temporary name) and the snapshot; HDF5's report is for `--verbose`.
fn out_of_space(error: &galaxy_io::Error, why: galaxy_io::NoSpace) -> String {
    let text = error.to_string();
    let what = match why {
        galaxy_io::NoSpace::FileTooLarge => "the file reached the size limit (ulimit -f)",
        _ => "no space left on device",
    };
    let snapshot = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|word| {
            word.strip_prefix("Snap_")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .map(|snapshot| format!(" while writing {snapshot}"))
        .unwrap_or_default();
    let given_up = galaxy_io::staged::abandoned()
        .into_iter()
        .rev()
        .find(|file| text.contains(&*file.temporary.to_string_lossy()));
    match given_up {
        Some(file) => format!(
            "{}: {what}{snapshot} ({} written, nothing kept)",
            file.target.display(),
            report::bytes(file.bytes)
        ),
        None => format!("{what}{snapshot} (--verbose shows HDF5's report)"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
