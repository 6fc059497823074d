//! Faults: a writer killed at random moments, a file-size limit hit mid-run, callback failures
//! at every flush, corrupted inputs, and values that must survive bit for bit.
//!
//! The crash and full-disk tests run the writer in a child process: this test binary started
//! again with `GALAXY_IO_FAULT_CHILD` set, running the ignored `child_writer` test.
//! `GALAXY_IO_CRASH_KILLS` sets the kills per mode (default 3; RELIABILITY.md used 20).

mod common;

use common::child::{self, Reports};

use galaxy_io::sage::{binary, SageGalaxy, Synthetic};
use galaxy_io::{
    recover, BufferConfig, Catalogue, Durability, Error, FlushHook, GalaxyRecord, Hdf5Options,
    Hdf5Output,
};
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SNAPSHOTS: [u32; 3] = [63, 40, 20];
const BATCH: usize = 500;

/// Row `row` of snapshot `snapshot`, recognisable after a crash.
fn galaxy(snapshot: u32, row: u64) -> SageGalaxy {
    SageGalaxy {
        snap_num: snapshot as i32,
        galaxy_index: row as i64,
        stellar_mass: row as f32 * 0.5 + snapshot as f32,
        ..SageGalaxy::default()
    }
}

fn durability(name: &str) -> Durability {
    match name {
        "swmr" => Durability::Swmr,
        "flush" => Durability::FlushEachBuffer,
        _ => Durability::AtFinish,
    }
}

/// The writer of the crash and full-disk tests. It reports every flush on stdout as
/// `flushed <snapshot> <rows>` once the hook has run, which in the durable modes is after the
/// rows reached the operating system.
#[test]
#[ignore = "run as a child process by the fault tests"]
fn child_writer() {
    let Ok(spec) = std::env::var("GALAXY_IO_FAULT_CHILD") else {
        return;
    };
    let mut parts = spec.splitn(3, ':');
    let (mode, limit, path) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        PathBuf::from(parts.next().unwrap()),
    );
    if let Ok(bytes) = limit.parse::<u64>() {
        // A full disk, as the process sees it: writes past `bytes` fail with EFBIG.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
        }
    }
    let on_flush = FlushHook::new(|snapshot, rows| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "flushed {snapshot} {rows}")
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("reporting to", "stdout", e))
    });
    let options = Hdf5Options::default()
        .buffer(BufferConfig::fixed(64 * 1024))
        .durability(durability(mode))
        .on_flush(on_flush);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &SNAPSHOTS, options).unwrap();
    let mut rows = [0u64; 3];
    for batch in 0..2000 {
        let index = batch % SNAPSHOTS.len();
        let galaxies: Vec<SageGalaxy> = (0..BATCH as u64)
            .map(|i| galaxy(SNAPSHOTS[index], rows[index] + i))
            .collect();
        if let Err(error) = output.write(SNAPSHOTS[index], &galaxies) {
            println!("error {error}");
            return;
        }
        rows[index] += BATCH as u64;
    }
    output.finish().unwrap();
    println!("finished");
}

/// Starts the child writer on `path` in durability `mode`, with a file-size `limit` if any.
fn spawn_child(mode: &str, limit: Option<u64>, path: &Path) -> (Child, Reports) {
    let limit = limit.map_or_else(|| "none".to_owned(), |l| l.to_string());
    let mut command = child::this_binary_running("child_writer", &[]);
    command.env(
        "GALAXY_IO_FAULT_CHILD",
        format!("{mode}:{limit}:{}", path.display()),
    );
    child::spawn_reporting(&mut command)
}

/// Recovers `path`. When recover refuses, its error; when it succeeds, the file must read back
/// with every snapshot present, recover and the reader agreeing on the rows, and every flushed
/// row that survived equal to what was written (anything else fails the test). Returns the
/// flushed rows that were lost.
fn recover_and_check(path: &Path, flushed: &BTreeMap<u32, u64>) -> Result<u64, Error> {
    let report = recover(path)?;
    let catalogue = Catalogue::open(path).expect("a recovered file opens");
    let mut lost = 0;
    for snapshot in SNAPSHOTS {
        let rows = catalogue
            .num_galaxies(snapshot)
            .expect("a recovered snapshot");
        let recovered = report
            .snapshots
            .iter()
            .find(|r| r.snapshot == snapshot)
            .map(|r| r.rows);
        assert_eq!(recovered, Some(rows), "recover and the reader agree");
        let wanted = flushed.get(&snapshot).copied().unwrap_or(0);
        lost += wanted.saturating_sub(rows);
        let index = catalogue
            .read_column::<i64>(snapshot, "GalaxyIndex")
            .unwrap();
        let mass = catalogue
            .read_column::<f32>(snapshot, "StellarMass")
            .unwrap();
        for row in 0..rows.min(wanted) {
            let expected = galaxy(snapshot, row);
            assert!(
                index[row as usize] == expected.galaxy_index
                    && mass[row as usize] == expected.stellar_mass,
                "Snap_{snapshot} row {row} differs from what was written"
            );
        }
    }
    Ok(lost)
}

#[derive(Default, Debug)]
struct CrashSummary {
    kills: u32,
    readable_without_recovery: u32,
    recovered: u32,
    refused_and_left_unchanged: u32,
    flushed_galaxies: u64,
    lost_galaxies: u64,
}

/// Kills the child writer `kills` times at random moments after its first flush and recovers
/// each file. A file recover refuses must be byte for byte as the kill left it, and the
/// refusal must name it.
fn crash_runs(mode: &str, kills: u32, seed: u64) -> CrashSummary {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut summary = CrashSummary::default();
    for kill in 0..kills {
        let path = dir.path().join(format!("{mode}_{kill}.hdf5"));
        let (mut child, reports) = spawn_child(mode, None, &path);
        reports.wait_for_first_flush();
        std::thread::sleep(Duration::from_millis(rng.random_range(0..500)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (flushed, _) = reports.join();
        summary.kills += 1;
        summary.flushed_galaxies += flushed.values().sum::<u64>();
        let direct = Catalogue::open(&path).and_then(|c| {
            SNAPSHOTS
                .iter()
                .try_for_each(|&s| c.num_galaxies(s).map(drop))
        });
        summary.readable_without_recovery += u32::from(direct.is_ok());
        let killed = std::fs::read(&path).expect("the killed writer left its file");
        match recover_and_check(&path, &flushed) {
            Ok(lost) => {
                summary.recovered += 1;
                summary.lost_galaxies += lost;
            }
            Err(error) => {
                let message = error.to_string();
                assert!(message.contains(&*path.to_string_lossy()), "{message}");
                assert!(
                    std::fs::read(&path).unwrap() == killed,
                    "{mode}, kill {kill}: recover refused ({message}) but changed the file"
                );
                summary.refused_and_left_unchanged += 1;
            }
        }
    }
    println!("crash summary, {mode}: {summary:?}");
    summary
}

fn kills() -> u32 {
    std::env::var("GALAXY_IO_CRASH_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

#[test]
fn swmr_writer_killed_at_random_moments_loses_nothing_flushed() {
    let summary = crash_runs("swmr", kills(), 1);
    assert_eq!(summary.recovered, summary.kills);
    assert_eq!(summary.lost_galaxies, 0);
}

#[test]
fn flush_each_buffer_writer_killed_at_random_moments_loses_nothing_flushed() {
    let summary = crash_runs("flush", kills(), 2);
    assert_eq!(summary.recovered, summary.kills);
    assert_eq!(summary.lost_galaxies, 0);
}

/// `AtFinish` promises nothing before finish, so a killed file may be beyond repair; what it
/// does promise is that recover then refuses cleanly and leaves the file alone, and that what
/// it does recover is what was written (both checked in `crash_runs`).
#[test]
fn at_finish_crashes_are_recovered_correctly_or_refused_without_a_change() {
    crash_runs("at-finish", kills(), 3);
}

#[test]
fn a_full_disk_is_a_clear_error_and_what_was_flushed_stays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.hdf5");
    let (mut child, reports) = spawn_child("flush", Some(3 << 20), &path);
    assert!(
        child.wait().unwrap().success(),
        "the writer reports the error instead of dying"
    );
    let (flushed, lines) = reports.join();
    let error = lines
        .iter()
        .find(|l| l.starts_with("error"))
        .expect("the writer hit the limit");
    assert!(
        error.contains("File too large") || error.contains("errno = 27"),
        "{error}"
    );
    assert!(
        error.contains("full.hdf5"),
        "the error names the file: {error}"
    );
    assert!(
        flushed.values().sum::<u64>() > 0,
        "some galaxies were flushed before the limit"
    );
    assert_eq!(
        recover_and_check(&path, &flushed).unwrap(),
        0,
        "nothing flushed is lost"
    );
}

#[test]
fn a_failing_flush_is_retried_and_every_galaxy_written_once() {
    failing_flushes_are_retried(false);
}

/// In the background the error of a hand-over reaches the caller on a later call, which then
/// takes none of its rows; retrying that call retries the hand-over too.
#[test]
fn a_failing_flush_in_the_background_is_retried_and_every_galaxy_written_once() {
    failing_flushes_are_retried(true);
}

/// Fails each flush of a run in turn, once, retrying the call that reports it: every galaxy is
/// in the file exactly once, in order.
fn failing_flushes_are_retried(background: bool) {
    let galaxies: Vec<SageGalaxy> = (0..20_000).map(|row| galaxy(63, row)).collect();
    let dir = tempfile::tempdir().unwrap();
    let flushes = {
        let path = dir.path().join("count.hdf5");
        let count = Arc::new(Mutex::new(0u32));
        let counter = count.clone();
        let options = Hdf5Options::default()
            .buffer(BufferConfig::fixed(256 * 1024))
            .background(background)
            .on_flush(FlushHook::new(move |_, _| {
                *counter.lock().unwrap() += 1;
                Ok(())
            }));
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
        for batch in galaxies.chunks(700) {
            output.write(63, batch).unwrap();
        }
        output.finish().unwrap();
        let flushes = *count.lock().unwrap();
        flushes
    };
    assert!(flushes > 10);
    for failing in 1..=flushes {
        let path = dir.path().join(format!("fail_{failing}.hdf5"));
        let calls = Arc::new(Mutex::new(0u32));
        let seen = calls.clone();
        let options = Hdf5Options::default()
            .buffer(BufferConfig::fixed(256 * 1024))
            .background(background)
            .on_flush(FlushHook::new(move |snapshot, rows| {
                let mut calls = seen.lock().unwrap();
                *calls += 1;
                if *calls == failing {
                    return Err(Error::BadInput {
                        snapshot,
                        problem: format!("injected failure after {rows} rows"),
                    });
                }
                Ok(())
            }));
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
        let mut failures = 0;
        for batch in galaxies.chunks(700) {
            if let Err(error) = output.write(63, batch) {
                assert!(error.to_string().contains("injected failure"), "{error}");
                failures += 1;
                output.write(63, batch).unwrap();
            }
        }
        if let Err(error) = output.flush() {
            assert!(error.to_string().contains("injected failure"), "{error}");
            failures += 1;
            output.flush().unwrap();
        }
        output.finish().unwrap();
        assert_eq!(failures, 1, "flush {failing} failed once");
        let catalogue = Catalogue::open(&path).unwrap();
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(63).unwrap(),
            galaxies,
            "flush {failing}"
        );
    }
}

#[derive(Clone, Copy, Debug, GalaxyRecord)]
#[repr(C)]
struct Extremes {
    a: f64,
    b: f32,
    c: f32,
    d: i64,
    e: u64,
    j: i32,
    k: u32,
    h: i16,
    i: u16,
    f: i8,
    g: u8,
    l: i16,
}

#[test]
fn values_are_written_bit_exactly() {
    let f64s = [
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff0_0000_0000_0001),
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::MIN,
    ];
    let f32s = [
        f32::NAN,
        f32::from_bits(0x7fc0_1234),
        f32::from_bits(0xffa0_0001),
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        f32::MIN_POSITIVE,
        1e-45,
        f32::MAX,
        f32::MIN,
        1.0,
    ];
    let records: Vec<Extremes> = (0..f64s.len())
        .map(|i| Extremes {
            a: f64s[i],
            b: f32s[i],
            c: f32s[f32s.len() - 1 - i],
            d: [i64::MIN, i64::MAX, -1, 0][i % 4],
            e: [u64::MAX, 0, 1 << 63][i % 3],
            f: [i8::MIN, i8::MAX][i % 2],
            g: u8::MAX,
            h: i16::MIN,
            i: u16::MAX,
            j: i32::MIN,
            k: u32::MAX,
            l: -1,
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extremes.hdf5");
    let mut output = Hdf5Output::<Extremes>::create(&path, &[1], Hdf5Options::default()).unwrap();
    output.write(1, &records).unwrap();
    output.finish().unwrap();
    let back = Catalogue::open(&path)
        .unwrap()
        .read_records::<Extremes>(1)
        .unwrap();
    assert_eq!(
        bytemuck::cast_slice::<Extremes, u8>(&back),
        bytemuck::cast_slice::<Extremes, u8>(&records)
    );
}

#[test]
fn truncated_and_bit_flipped_hdf5_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.hdf5");
    let (galaxies, _) = Synthetic::new(8, 62.5).galaxies(63, 0, 3000);
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &[63, 32], Hdf5Options::default()).unwrap();
    output.write(63, &galaxies).unwrap();
    output.write(32, &galaxies[..100]).unwrap();
    output.finish().unwrap();
    let good = std::fs::read(&path).unwrap();
    let read_everything = |path: &Path| -> Result<(), Error> {
        let catalogue = Catalogue::open(path)?;
        for snapshot in catalogue.snapshots()? {
            catalogue.read_records::<SageGalaxy>(snapshot)?;
        }
        Ok(())
    };
    let damaged = dir.path().join("damaged.hdf5");
    let mut errors = 0;
    for cut in [
        0,
        7,
        100,
        512,
        2048,
        good.len() / 3,
        good.len() / 2,
        good.len() - 1000,
        good.len() - 1,
    ] {
        std::fs::write(&damaged, &good[..cut]).unwrap();
        errors += u32::from(read_everything(&damaged).is_err());
    }
    assert!(errors >= 8, "truncated files are reported ({errors} of 9)");
    let mut rng = rand::rngs::SmallRng::seed_from_u64(99);
    for _ in 0..60 {
        let mut bytes = good.clone();
        for _ in 0..8 {
            let at = rng.random_range(0..bytes.len());
            bytes[at] ^= 1 << rng.random_range(0..8);
        }
        std::fs::write(&damaged, &bytes).unwrap();
        // Either an error or (for flips inside values) data; never a panic.
        let _ = read_everything(&damaged);
    }
}

#[test]
fn truncated_and_bit_flipped_sage_binary_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_z0.000_0");
    let (galaxies, per_tree) = Synthetic::new(9, 62.5).galaxies(63, 0, 500);
    binary::write(&path, &per_tree, &galaxies).unwrap();
    let good = std::fs::read(&path).unwrap();
    for cut in [
        0,
        3,
        8,
        8 + per_tree.len() * 4,
        good.len() - 232,
        good.len() - 1,
    ] {
        std::fs::write(&path, &good[..cut]).unwrap();
        let error = binary::BinaryReader::open(&path).expect_err("a truncated file is an error");
        assert!(error.to_string().contains("model_z0.000_0"), "{error}");
    }
    let mut negative = good.clone();
    negative[8 + 4 * 3..8 + 4 * 4].copy_from_slice(&(-5i32).to_ne_bytes());
    std::fs::write(&path, &negative).unwrap();
    let error = binary::BinaryReader::open(&path).err().unwrap();
    assert!(
        error
            .to_string()
            .contains("the header says tree 3 has -5 galaxies"),
        "{error}"
    );
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    for _ in 0..300 {
        let mut bytes = good.clone();
        let at = rng.random_range(0..(8 + per_tree.len() * 4).min(bytes.len()));
        bytes[at] ^= 1 << rng.random_range(0..8);
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(reader) = binary::BinaryReader::open(&path) {
            let _ = reader.read_all();
        }
    }
}

#[test]
fn an_output_file_removed_while_writing_is_an_error_not_silent_loss() {
    let galaxies = vec![SageGalaxy::default(); 5000];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vanishing.hdf5");
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default()).unwrap();
    output.write(63, &galaxies).unwrap();
    std::fs::remove_file(&path).unwrap();
    let error = output.finish().unwrap_err().to_string();
    assert!(
        error.contains("vanishing.hdf5") && error.contains("was removed"),
        "{error}"
    );

    // In a durable mode the next flush already says so.
    let options = Hdf5Options::default()
        .buffer(BufferConfig::fixed(64 * 1024))
        .durability(Durability::FlushEachBuffer);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
    output.write(63, &galaxies[..100]).unwrap();
    std::fs::rename(&path, dir.path().join("moved.hdf5")).unwrap();
    std::fs::write(&path, b"someone else's file").unwrap();
    let error = output.write(63, &galaxies).unwrap_err().to_string();
    assert!(error.contains("was replaced"), "{error}");
}

#[test]
fn a_reader_follows_a_running_swmr_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.hdf5");
    let (mut child, reports) = spawn_child("swmr", None, &path);
    reports.wait_for_first_flush();
    let mut seen = BTreeMap::new();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(100));
        let flushed = reports.flushed_so_far();
        let live = Catalogue::open_live(&path).unwrap();
        for snapshot in SNAPSHOTS {
            let rows = live.num_galaxies(snapshot).unwrap();
            assert!(
                rows >= flushed.get(&snapshot).copied().unwrap_or(0),
                "Snap_{snapshot}: every flushed row is visible"
            );
            let index = live.read_column::<i64>(snapshot, "GalaxyIndex").unwrap();
            assert!(
                index.iter().enumerate().all(|(row, &i)| i == row as i64),
                "rows in order"
            );
            seen.insert(snapshot, rows);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    reports.join();
    assert!(
        seen.values().sum::<u64>() > 0,
        "the reader saw the catalogue grow: {seen:?}"
    );
}
