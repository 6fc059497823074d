//! What the commands print: human-readable sizes, counts and rates, and progress: a bar on a
//! terminal, a line now and then in a batch job's log.

use indicatif::{HumanBytes, ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a batch job's log gets a progress line, at most: every tenth of the work, or this
/// long, whichever comes first.
const LOG_EVERY: Duration = Duration::from_secs(30);

/// Progress over a number of galaxies: a bar when stderr is a terminal, otherwise a line on
/// stderr about every 10 % or 30 s (galaxies, rate, time left).
pub struct Progress {
    total: u64,
    done: u64,
    message: &'static str,
    started: Instant,
    bar: Option<ProgressBar>,
    /// For the log: when the last line was printed, and the next tenth to print.
    logged: Instant,
    next_tenth: u64,
}

impl Progress {
    pub fn new(total: u64, message: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let style = ProgressStyle::with_template(
                "{msg:>10} [{bar:40}] {human_pos}/{human_len} galaxies ({rate}, {eta})",
            )
            .expect("a valid template")
            .with_key(
                "rate",
                |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{} galaxies/s", count(state.per_sec()));
                },
            )
            .progress_chars("=> ");
            let bar = ProgressBar::new(total).with_style(style);
            bar.set_message(message);
            bar
        });
        let now = Instant::now();
        Progress {
            total,
            done: 0,
            message,
            started: now,
            bar,
            logged: now,
            next_tenth: 1,
        }
    }

    pub fn inc(&mut self, galaxies: u64) {
        self.done += galaxies;
        if let Some(bar) = &self.bar {
            bar.inc(galaxies);
            return;
        }
        let tenth = self.done.saturating_mul(10) / self.total.max(1);
        if tenth >= self.next_tenth || self.logged.elapsed() >= LOG_EVERY {
            self.next_tenth = tenth + 1;
            self.logged = Instant::now();
            eprintln!("{}", self.line());
        }
    }

    /// `writing: 500.0 k of 1.00 M galaxies (50 %), 1.28 M galaxies/s, 0.4 s left`.
    fn line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-9);
        let per_second = self.done as f64 / elapsed;
        let left = self.total.saturating_sub(self.done) as f64 / per_second.max(1e-9);
        format!(
            "{}: {} of {} galaxies ({} %), {} galaxies/s, {left:.1} s left",
            self.message,
            count(self.done as f64),
            count(self.total as f64),
            self.done * 100 / self.total.max(1),
            count(per_second),
        )
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `1.23 GiB`.
pub fn bytes(count: u64) -> String {
    HumanBytes(count).to_string()
}

/// `456.7 MiB/s`.
pub fn rate(count: u64, elapsed: Duration) -> String {
    let per_second = count as f64 / elapsed.as_secs_f64().max(1e-9);
    format!("{}/s", HumanBytes(per_second as u64))
}

/// `1.28 M` galaxies.
pub fn count(value: f64) -> String {
    match value {
        v if v >= 1e9 => format!("{:.2} G", v / 1e9),
        v if v >= 1e6 => format!("{:.2} M", v / 1e6),
        v if v >= 1e3 => format!("{:.1} k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

/// The size of a file, or 0 if it cannot be read.
pub fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
