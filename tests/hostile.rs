//! The hostile-file corpus (`tests/python/hostile_corpus.py`: some 200 damaged, foreign and
//! malicious files, from attributes of every wrong type to datasets that claim 2^40 rows)
//! through the library reader and through every command that reads files. Each must give a
//! correct result or a clean error: never a signal, a panic, an abort, a timeout, or an
//! HDF5 error stack on the terminal, and never more memory than a 2 GiB address space.
//!
//! With `GALAXY_IO_VALGRIND=1` (as `.ci/run` sets), the reader also runs over the corpus under
//! valgrind, so a memory error anywhere on the read path fails the test.

mod common;

use common::limited::{clean, run_within, Run};
use galaxy_io::Catalogue;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Every child's address space: a command that trusted a claimed size would need far more.
const ADDRESS_SPACE: u64 = 2 << 30;
/// How long the reader may take over the corpus (14-20 s alone on two cores, up to a minute
/// beside the other tests): long enough for a slow machine, short enough to catch a hang.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Corpus files left out of the valgrind run only (they run natively in the other tests): one
/// on which Debian's HDF5 1.10.8 itself reads outside its buffers (valgrind reports it inside
/// `H5Dread`; HDF5 2.x does not), and four that test scale, not memory, and take five of the
/// six minutes valgrind would need (20 000 attributes alone took 30 s).
const NOT_UNDER_VALGRIND: [&str; 5] = [
    "filter_deflate_short_output.hdf5",
    "many_snapshots_2000.hdf5",
    "many_datasets_3000.hdf5",
    "master_1000_cores.hdf5",
    "attributes_20000.hdf5",
];
/// How long valgrind may take over the rest of the corpus (about a minute here).
const VALGRIND_TIMEOUT: Duration = Duration::from_secs(400);

struct Entry {
    name: String,
    companions: Vec<String>,
}

struct Corpus {
    dir: tempfile::TempDir,
    entries: Vec<Entry>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/hostile_corpus.py");
        let output = common::output(Command::new("python3").arg(script).arg(dir.path()))
            .expect("python3 with h5py (bash .ci/run installs it)");
        assert!(
            output.status.success(),
            "the corpus script failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        let entries = manifest
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| Entry {
                name: entry["name"].as_str().unwrap().to_owned(),
                companions: entry["companions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            })
            .collect();
        Corpus { dir, entries }
    })
}

/// Runs `command` in a limited address space with a timeout.
fn run_limited(command: &mut Command, scratch: &Path) -> Run {
    run_within(command, scratch, ADDRESS_SPACE, TIMEOUT)
}

fn galaxy_io(args: &[&str], cwd: &Path, scratch: &Path) -> Run {
    run_limited(
        Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
            .args(args)
            .current_dir(cwd),
        scratch,
    )
}

/// Every command on one file: inspect; check --read-all; merge into a master (and inspect
/// that); recover of a copy that has copies of the files it links beside it, which must not
/// change them or leave a temporary file.
fn commands_on(entry: &Entry, work: &Path) -> Vec<String> {
    let dir = corpus().dir.path();
    let work = work.join(&entry.name);
    let mut problems = Vec::new();
    let mut check = |what: String, run: &Run| {
        if let Err(problem) = clean(&what, run) {
            problems.push(problem);
        }
    };
    let inspect = galaxy_io(&["inspect", &entry.name], dir, &work.join("inspect"));
    check(format!("inspect {}", entry.name), &inspect);
    let read_all = galaxy_io(
        &["check", "--read-all", &entry.name],
        dir,
        &work.join("check"),
    );
    check(format!("check --read-all {}", entry.name), &read_all);

    let master = work.join("m.h5");
    let master_arg = master.to_string_lossy().into_owned();
    let merge = galaxy_io(
        &["merge", &entry.name, "-o", &master_arg],
        dir,
        &work.join("merge"),
    );
    check(format!("merge {}", entry.name), &merge);
    if merge.status.and_then(|s| s.code()) == Some(0) {
        let run = galaxy_io(&["inspect", &master_arg], dir, &work.join("inspect-master"));
        check(format!("inspect the master of {}", entry.name), &run);
    }

    let copies = work.join("recover");
    std::fs::create_dir_all(&copies).unwrap();
    for name in std::iter::once(&entry.name).chain(&entry.companions) {
        let source = dir.join(name);
        if source.is_file() {
            std::fs::copy(&source, copies.join(name)).unwrap();
        }
    }
    let run = galaxy_io(
        &["recover", &entry.name],
        &copies,
        &work.join("recover-out"),
    );
    check(format!("recover {}", entry.name), &run);
    // recover changes no file but its own, and leaves no temporary file behind.
    for name in &entry.companions {
        let (copy, original) = (copies.join(name), dir.join(name));
        if original.is_file() && std::fs::read(&copy).ok() != std::fs::read(&original).ok() {
            problems.push(format!("recover {} changed {name}", entry.name));
        }
    }
    for leftover in std::fs::read_dir(&copies).unwrap() {
        let name = leftover.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            problems.push(format!("recover {} left {name}", entry.name));
        }
    }
    problems
}

#[test]
fn every_command_on_every_hostile_file_succeeds_or_fails_cleanly() {
    let corpus = corpus();
    assert!(corpus.entries.len() >= 150, "the corpus is complete");
    let contents = || -> Vec<(String, Vec<u8>)> {
        corpus
            .entries
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    std::fs::read(corpus.dir.path().join(&e.name)).unwrap_or_default(),
                )
            })
            .collect()
    };
    let before = contents();
    let work = tempfile::tempdir().unwrap();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let problems = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(entry) = corpus.entries.get(index) else {
                    return;
                };
                let found = commands_on(entry, work.path());
                problems.lock().unwrap().extend(found);
            });
        }
    });
    let mut problems = problems.into_inner().unwrap();
    for ((name, was), (_, is)) in before.iter().zip(contents()) {
        if *was != is {
            problems.push(format!(
                "{name} was changed by a command that only reads it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The library reader over the corpus, in this process: the child side of the reader tests.
#[test]
#[ignore = "run as a child process by the reader tests"]
fn reader_child() {
    let Ok(dir) = std::env::var("GALAXY_IO_HOSTILE_CORPUS") else {
        return;
    };
    let skip: Vec<String> = std::env::var("GALAXY_IO_HOSTILE_SKIP")
        .map(|s| {
            s.split(',')
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hdf5"))
        .filter(|p| !skip.iter().any(|s| p.ends_with(s)))
        .collect();
    names.sort();
    for path in names {
        let result = Catalogue::open(&path).and_then(|catalogue| {
            let header = catalogue.header()?;
            let _: Vec<String> = header.attrs().map(|(_, _, v)| v.to_string()).collect();
            for snapshot in catalogue.snapshots()? {
                if let Ok(fields) = catalogue.field_attributes(snapshot) {
                    for field in &fields {
                        let _ = (field.text("Units"), field.text("Description"));
                    }
                }
            }
            catalogue.verify()
        });
        let outcome = match result {
            Ok(galaxies) => format!("{galaxies} galaxies"),
            Err(error) => format!("error: {error}"),
        };
        println!("{}: {outcome}", path.display());
    }
    println!("reader child done");
}

fn reader_over_the_corpus(wrapper: &[&str], skip: &[&str]) -> Run {
    let corpus = corpus();
    let mut command = common::child::this_binary_running("reader_child", wrapper);
    command
        .env("GALAXY_IO_HOSTILE_CORPUS", corpus.dir.path())
        .env("GALAXY_IO_HOSTILE_SKIP", skip.join(","));
    let scratch = tempfile::tempdir().unwrap();
    // valgrind itself needs a large address space and time; the reader alone gets the limits.
    if wrapper.is_empty() {
        run_within(&mut command, scratch.path(), ADDRESS_SPACE, TIMEOUT)
    } else {
        run_within(&mut command, scratch.path(), u64::MAX, VALGRIND_TIMEOUT)
    }
}

#[test]
fn the_library_reader_on_every_hostile_file_gives_data_or_an_error() {
    let run = reader_over_the_corpus(&[], &[]);
    clean("the reader over the corpus", &run).unwrap();
    assert!(run.stdout.contains("reader child done"), "{}", run.stdout);
    // Files that are odd but valid read correctly.
    for (file, expected) in [
        ("valid.hdf5", "20 galaxies"),
        ("dtype_bigendian_float32.hdf5", "20 galaxies"),
        ("hdf5_with_userblock.hdf5", "20 galaxies"),
        ("units_vlen_utf8.hdf5", "20 galaxies"),
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&format!("/{file}: ")))
            .unwrap_or_else(|| panic!("{file} was read: {}", run.stdout));
        assert!(line.ends_with(expected), "{line}");
    }
}

#[test]
fn the_library_reader_has_no_memory_errors_under_valgrind() {
    if std::env::var("GALAXY_IO_VALGRIND").is_err() {
        eprintln!("set GALAXY_IO_VALGRIND=1 to run the reader under valgrind (.ci/run does)");
        return;
    }
    let run = reader_over_the_corpus(
        &[
            "valgrind",
            "--error-exitcode=99",
            "--leak-check=no",
            "--track-origins=no",
            "--quiet",
        ],
        &NOT_UNDER_VALGRIND,
    );
    assert!(
        run.status.is_some_and(|s| s.success()),
        "valgrind found memory errors (exit status 99) or the reader failed ({:?}):\n{}",
        run.status,
        run.stderr
    );
    assert!(run.stdout.contains("reader child done"), "{}", run.stdout);
}
