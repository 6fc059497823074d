//! What the commands print: human-readable sizes, counts and rates, and progress: a bar on a
//! terminal, a line now and then in a batch job's log, for work long enough to watch.

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a batch job's log gets a progress line, at most: every tenth of the work, or this
/// long, whichever comes first.
const LOG_EVERY: Duration = Duration::from_secs(30);

/// Work that ends sooner shows no progress at all: its summary says everything.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// Progress over a number of galaxies, once the work has taken [`QUIET_FOR`]: a bar when stderr
/// is a terminal, otherwise a line on stderr about every 10 % or 30 s (galaxies, rate, time
/// left).
pub struct Progress {
    total: u64,
    done: u64,
    message: &'static str,
    started: Instant,
    /// Hidden until the work has taken [`QUIET_FOR`].
    bar: Option<ProgressBar>,
    shown: bool,
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
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
                .with_style(style);
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
            shown: false,
            logged: now,
            next_tenth: 1,
        }
    }

    pub fn inc(&mut self, galaxies: u64) {
        self.done += galaxies;
        let elapsed = self.started.elapsed();
        if let Some(bar) = &self.bar {
            bar.inc(galaxies);
            if !self.shown && elapsed >= QUIET_FOR {
                self.shown = true;
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            return;
        }
        if let Some(line) = self.log_line(elapsed) {
            eprintln!("{line}");
        }
    }

    /// The log's line after `elapsed` of work, if one is due: none before [`QUIET_FOR`], then
    /// one at each tenth of the work or every [`LOG_EVERY`].
    fn log_line(&mut self, elapsed: Duration) -> Option<String> {
        if elapsed < QUIET_FOR {
            return None;
        }
        let tenth = self.done.saturating_mul(10) / self.total.max(1);
        if tenth < self.next_tenth && self.logged.elapsed() < LOG_EVERY {
            return None;
        }
        self.next_tenth = tenth + 1;
        self.logged = Instant::now();
        Some(self.line(elapsed))
    }

    /// `writing: 500.0 k of 1.00 M galaxies (50 %), 1.28 M galaxies/s, 0.4 s left`.
    fn line(&self, elapsed: Duration) -> String {
        let elapsed = elapsed.as_secs_f64().max(1e-9);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_shows_progress_only_for_work_long_enough_to_watch() {
        let mut progress = Progress {
            bar: None,
            ..Progress::new(100, "writing")
        };
        progress.done = 50;
        assert_eq!(
            progress.log_line(Duration::from_millis(300)),
            None,
            "too soon"
        );
        let line = progress.log_line(Duration::from_secs(3)).unwrap();
        assert!(
            line.starts_with("writing: 50 of 100 galaxies (50 %)"),
            "{line}"
        );
        assert_eq!(
            progress.log_line(Duration::from_secs(3)),
            None,
            "once a tenth"
        );
        progress.done = 60;
        assert!(progress.log_line(Duration::from_secs(4)).is_some());
    }
}
