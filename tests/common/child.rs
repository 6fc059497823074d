//! Child processes that run one ignored test of the current test binary, so that a test can
//! kill, limit or wrap (valgrind) code that would otherwise run inside the test harness, and
//! read what the child reports on its standard output line by line.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The command that runs the ignored test `test` of this test binary, alone, output
/// uncaptured. With a `wrapper` (e.g. `["valgrind", "-q"]`) the binary runs under it.
pub fn this_binary_running(test: &str, wrapper: &[&str]) -> Command {
    let binary = std::env::current_exe().expect("the test binary knows its path");
    let mut command = match wrapper.split_first() {
        Some((program, arguments)) => {
            let mut command = Command::new(program);
            command.args(arguments).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command.args([
        "--exact",
        test,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    command
}

/// Starts `command` with its standard output read by [`Reports`], its standard error dropped.
pub fn spawn_reporting(command: &mut Command) -> (Child, Reports) {
    let mut child = super::spawn(command.stdout(Stdio::piped()).stderr(Stdio::null()))
        .expect("the test binary can be started again");
    let reports = Reports::read(&mut child);
    (child, reports)
}

/// What a child writer reports while it runs: `flushed <snapshot> <rows>` after every flush
/// (the hook runs once the rows reached the operating system in the durable modes), and any
/// other line (`error ...`, `finished`).
pub struct Reports {
    thread: JoinHandle<(BTreeMap<u32, u64>, Vec<String>)>,
    first_flush: Receiver<()>,
    latest: Arc<Mutex<BTreeMap<u32, u64>>>,
}

impl Reports {
    fn read(child: &mut Child) -> Reports {
        let stdout = child.stdout.take().expect("standard output is piped");
        let (flushed_once, first_flush) = channel();
        let latest = Arc::new(Mutex::new(BTreeMap::new()));
        let shared = latest.clone();
        let thread = std::thread::spawn(move || {
            let mut flushed = BTreeMap::new();
            let mut other = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    ["flushed", snapshot, rows] => {
                        flushed.insert(snapshot.parse().unwrap(), rows.parse().unwrap());
                        *shared.lock().unwrap() = flushed.clone();
                        let _ = flushed_once.send(());
                    }
                    _ => other.push(line),
                }
            }
            (flushed, other)
        });
        Reports {
            thread,
            first_flush,
            latest,
        }
    }

    /// Waits until the writer has flushed once: from then on it is writing steadily, and a
    /// kill lands somewhere in the run rather than in process start-up.
    pub fn wait_for_first_flush(&self) {
        let _ = self.first_flush.recv_timeout(Duration::from_secs(30));
    }

    /// The rows flushed so far per snapshot, while the writer runs.
    pub fn flushed_so_far(&self) -> BTreeMap<u32, u64> {
        self.latest.lock().unwrap().clone()
    }

    /// Once the child has ended: the rows last reported flushed per snapshot, and the lines
    /// that were not flush reports.
    pub fn join(self) -> (BTreeMap<u32, u64>, Vec<String>) {
        self.thread.join().unwrap()
    }
}
