//! What the commands print: human-readable sizes and rates, and progress bars.

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use std::time::Duration;

/// A progress bar over `total` galaxies, hidden when stderr is not a terminal.
pub fn galaxy_bar(total: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {human_pos}/{human_len} galaxies ({per_sec}, {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
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

/// `1.2 M` galaxies.
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
