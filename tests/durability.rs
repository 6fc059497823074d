//! What the durable modes promise besides surviving kills (tests/crash_sweep.rs): checksums that
//! turn changed bytes into errors, a live reader that does not break the writer, `check` and
//! `recover` that tell an unfinished or inconsistent file from a good one, and `recover` that
//! touches nothing it was not given.

mod common;

use galaxy_io::{
    recover, BufferConfig, Catalogue, Compression, Durability, Error, GalaxyRecord, Hdf5Options,
    Hdf5Output,
};
use std::path::Path;
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, GalaxyRecord)]
#[repr(C)]
struct Row {
    #[galaxy(name = "Id")]
    id: i64,
    #[galaxy(name = "Mass")]
    mass: f32,
    #[galaxy(name = "Spin")]
    spin: [f32; 3],
}

fn rows(snapshot: u32, range: std::ops::Range<u64>) -> Vec<Row> {
    range
        .map(|i| Row {
            id: i64::from(snapshot) << 32 | i as i64,
            mass: i as f32 * 0.5,
            spin: [i as f32, -(i as f32), f32::from(snapshot as u16)],
        })
        .collect()
}

/// Writes 1000 rows of snapshots 63 and 20 in uneven flushes (partial chunks of 64 rows).
fn write(path: &Path, options: Hdf5Options) {
    let options = options
        .chunk_rows(64)
        .buffer(BufferConfig::fixed(64 * std::mem::size_of::<Row>() * 2));
    let mut output = Hdf5Output::<Row>::create(path, &[63, 20], options).unwrap();
    for (start, end) in [(0, 37), (37, 300), (300, 301), (301, 1000)] {
        output.write(63, &rows(63, start..end)).unwrap();
        output.write(20, &rows(20, start / 2..end / 2)).unwrap();
        output.flush().unwrap();
    }
    output.finish().unwrap();
}

fn h5py(script: &str, path: &Path) -> std::process::Output {
    common::output(Command::new("python3").args(["-c", script]).arg(path))
        .expect("python3 with h5py (bash .ci/run installs it)")
}

/// Every filter of every dataset, and every row read by h5py (which verifies checksums).
const H5PY_READ_ALL: &str = r#"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    for snap in ("Snap_63", "Snap_20"):
        for name, ds in f[snap].items():
            ds[...]
            print(snap, name, ds.fletcher32, ds.compression, ds.shape[0])
"#;

#[test]
fn checksummed_chunks_read_back_everywhere_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let modes = [
        (Durability::AtFinish, Some(true), None),
        (Durability::FlushEachBuffer, None, None),
        (
            Durability::Swmr,
            None,
            Some(Compression::deflate(4).with_shuffle()),
        ),
        (
            Durability::FlushEachBuffer,
            Some(true),
            Some(Compression::deflate(1)),
        ),
    ];
    for (i, (durability, checksums, compression)) in modes.into_iter().enumerate() {
        let path = dir.path().join(format!("checksummed_{i}.hdf5"));
        let mut options = Hdf5Options::default().durability(durability);
        if let Some(on) = checksums {
            options = options.checksums(on);
        }
        if let Some(compression) = compression {
            options = options.compress(compression);
        }
        write(&path, options);
        let catalogue = Catalogue::open(&path).unwrap();
        assert_eq!(
            catalogue.read_records::<Row>(63).unwrap(),
            rows(63, 0..1000)
        );
        assert_eq!(catalogue.read_records::<Row>(20).unwrap(), rows(20, 0..500));
        assert_eq!(catalogue.verify().unwrap(), 1500);
        let read = h5py(H5PY_READ_ALL, &path);
        let listing = common::stdout(&read);
        assert_eq!(listing.lines().count(), 6, "{listing}");
        assert!(
            listing.lines().all(|line| line.contains(" True ")),
            "{durability:?}: every dataset checksummed:\n{listing}"
        );
    }
}

#[test]
fn without_durability_checksums_are_off_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.hdf5");
    write(&path, Hdf5Options::default());
    let listing = common::stdout(&h5py(H5PY_READ_ALL, &path));
    assert!(
        listing.lines().all(|line| line.contains(" False ")),
        "{listing}"
    );
}

/// Where h5py says the first chunk of `Snap_63/Mass` is stored.
fn first_chunk(path: &Path) -> (u64, u64) {
    let script = r#"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    info = f["Snap_63/Mass"].id.get_chunk_info(0)
    print(info.byte_offset, info.size)
"#;
    let out = common::stdout(&h5py(script, path));
    let mut words = out.split_whitespace().map(|w| w.parse().unwrap());
    (words.next().unwrap(), words.next().unwrap())
}

#[test]
fn a_changed_byte_in_a_checksummed_chunk_is_an_error_naming_file_snapshot_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flipped.hdf5");
    write(&path, Hdf5Options::default().checksums(true));
    let (offset, size) = first_chunk(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[(offset + size / 2) as usize] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();

    let catalogue = Catalogue::open(&path).unwrap();
    let error = catalogue.read_column::<f32>(63, "Mass").unwrap_err();
    let Error::Damaged {
        path: named,
        problem,
    } = &error
    else {
        panic!("not damage: {error}");
    };
    assert_eq!(named, &path);
    assert!(
        problem.starts_with("Snap_63/Mass: the checksum"),
        "{problem}"
    );
    assert!(
        catalogue.read_column::<i64>(63, "Id").is_ok(),
        "other fields read"
    );
    assert!(catalogue.verify().is_err());

    let check = common::galaxy_io(&["check", "--read-all", path.to_str().unwrap()], dir.path());
    let stderr = common::failure(&check);
    assert!(
        stderr.contains("Snap_63/Mass") && stderr.contains("flipped.hdf5"),
        "{stderr}"
    );
    let read = h5py(H5PY_READ_ALL, &path);
    assert!(!read.status.success(), "h5py verifies the checksum too");

    // Without checksums the same change reads back as a different number, silently.
    let plain = dir.path().join("plain.hdf5");
    let unchecked = Hdf5Options::default()
        .durability(Durability::FlushEachBuffer)
        .checksums(false);
    write(&plain, unchecked);
    let (offset, size) = first_chunk(&plain);
    let mut bytes = std::fs::read(&plain).unwrap();
    bytes[(offset + size / 2) as usize] ^= 0x10;
    std::fs::write(&plain, &bytes).unwrap();
    let masses = Catalogue::open(&plain)
        .unwrap()
        .read_column::<f32>(63, "Mass")
        .unwrap();
    assert_ne!(
        masses,
        rows(63, 0..1000).iter().map(|r| r.mass).collect::<Vec<_>>()
    );
}

#[test]
fn an_swmr_writer_finishes_with_live_readers_attached_and_num_gals_is_right() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.hdf5");
    let options = Hdf5Options::default()
        .durability(Durability::Swmr)
        .chunk_rows(64);
    let mut output = Hdf5Output::<Row>::create(&path, &[63, 20], options).unwrap();
    output.write(63, &rows(63, 0..100)).unwrap();
    output.flush().unwrap();
    // An h5py reader following the run, as the README shows, open until told to stop.
    let script = r#"
import sys, h5py
f = h5py.File(sys.argv[1], "r", swmr=True)
print(f["Snap_63/Id"].shape[0], flush=True)
sys.stdin.read()
f["Snap_63/Id"].refresh()
print(f["Snap_63/Id"].shape[0], flush=True)
"#;
    let mut reader = common::spawn(
        Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )
    .unwrap();
    let mut lines = BufReader::new(reader.stdout.take().unwrap()).lines();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        "100",
        "the reader sees the flushed rows"
    );
    let live = Catalogue::open_live(&path).unwrap();
    assert_eq!(live.num_galaxies(63).unwrap(), 100);
    drop(live);

    output.write(63, &rows(63, 100..250)).unwrap();
    output.write(20, &rows(20, 0..7)).unwrap();
    let summary = output.finish().expect("readers do not stop the writer");
    assert_eq!(summary.galaxies, [(20, 7), (63, 250)]);
    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(catalogue.check_counts().unwrap(), 257);
    assert_eq!(catalogue.read_records::<Row>(63).unwrap(), rows(63, 0..250));

    reader.stdin.take().unwrap().write_all(b"done").unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "250");
    assert!(reader.wait().unwrap().success());
}

/// Runs a Python snippet on `path` with h5py, which must succeed.
fn h5py_edit(script: &str, path: &Path) {
    common::stdout(&h5py(
        &format!("import sys, h5py, numpy as np\n{script}"),
        path,
    ));
}

fn finished(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    write(
        &path,
        Hdf5Options::default().durability(Durability::FlushEachBuffer),
    );
    path
}

#[test]
fn check_reports_num_gals_that_disagree_with_the_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let path = finished(dir.path(), "counts.hdf5");
    assert_eq!(
        Catalogue::open(&path).unwrap().check_counts().unwrap(),
        1500
    );
    h5py_edit(
        r#"with h5py.File(sys.argv[1], "r+") as f: f["Snap_20"].attrs["num_gals"] = np.int64(7)"#,
        &path,
    );
    let error = Catalogue::open(&path).unwrap().check_counts().unwrap_err();
    assert!(
        matches!(&error, Error::CountMismatch { path: p, snapshot: 20, num_gals: 7, rows: 500 } if p == &path),
        "{error:?}"
    );
    for args in [&["check"][..], &["check", "--read-all"]] {
        let mut args = args.to_vec();
        args.push(path.to_str().unwrap());
        let stderr = common::failure(&common::galaxy_io(&args, dir.path()));
        assert!(
            stderr.contains("counts.hdf5") && stderr.contains("Snap_20"),
            "{stderr}"
        );
    }
}

#[test]
fn check_reports_a_file_its_durable_writer_did_not_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = finished(dir.path(), "unfinished.hdf5");
    h5py_edit(
        r#"with h5py.File(sys.argv[1], "r+") as f: f.attrs["galaxy-io durable writer"] = np.bytes_("swmr")"#,
        &path,
    );
    let error = Catalogue::open(&path).unwrap().check_counts().unwrap_err();
    assert!(
        matches!(&error, Error::Unfinished { mode, .. } if mode == "swmr"),
        "{error:?}"
    );
    let stderr = common::failure(&common::galaxy_io(
        &["check", "unfinished.hdf5"],
        dir.path(),
    ));
    assert!(stderr.contains("recover"), "{stderr}");
    // recover keeps the rows num_gals counts, and finishes the file.
    let recovery = recover(&path).unwrap();
    assert!(recovery.repaired());
    assert_eq!(
        Catalogue::open(&path).unwrap().check_counts().unwrap(),
        1500
    );
}

#[test]
fn recover_says_which_reported_rows_it_could_not_keep() {
    let dir = tempfile::tempdir().unwrap();
    let path = finished(dir.path(), "short.hdf5");
    // The writer claims 1200 durable rows in Snap_63, but only 1000 are in the file.
    h5py_edit(
        r#"with h5py.File(sys.argv[1], "r+") as f:
    f.attrs["galaxy-io durable writer"] = np.bytes_("flush each buffer")
    f["Snap_63"].attrs["num_gals"] = np.int64(1200)"#,
        &path,
    );
    let out = common::stdout(&common::galaxy_io(&["recover", "short.hdf5"], dir.path()));
    assert!(
        out.contains("Snap_63: 200 of the 1200 rows the writer reported flushed could not be kept"),
        "{out}"
    );
    let recovery = recover(&path).unwrap();
    assert!(!recovery.repaired(), "recovered once is consistent");
    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(
        catalogue.read_records::<Row>(63).unwrap(),
        rows(63, 0..1000)
    );
    assert_eq!(catalogue.verify().unwrap(), 1500);
}

#[test]
fn recover_through_a_symbolic_link_repairs_the_file_it_names_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let path = finished(dir.path(), "target.hdf5");
    h5py_edit(
        r#"with h5py.File(sys.argv[1], "r+") as f: f.attrs["galaxy-io durable writer"] = np.bytes_("swmr")"#,
        &path,
    );
    let link = dir.path().join("link.hdf5");
    std::os::unix::fs::symlink("target.hdf5", &link).unwrap();
    assert!(recover(&link).unwrap().repaired());
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("target.hdf5"));
    assert_eq!(
        Catalogue::open(&path).unwrap().check_counts().unwrap(),
        1500
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn recover_refuses_a_file_another_program_has_open_for_writing() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let path = finished(dir.path(), "busy.hdf5");
    h5py_edit(
        r#"with h5py.File(sys.argv[1], "r+") as f: f.attrs["galaxy-io durable writer"] = np.bytes_("swmr")"#,
        &path,
    );
    let script = r#"
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
print("open", flush=True)
sys.stdin.read()
f.attrs["written later"] = 1
f.close()
"#;
    let mut writer = common::spawn(
        Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    )
    .unwrap();
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "open");
    let before = std::fs::read(&path).unwrap();
    let error = recover(&path).unwrap_err();
    assert!(
        matches!(&error, Error::WriterRunning { path: p, .. } if p == &path),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "left as it was");
    writer.stdin.take().unwrap().write_all(b"done").unwrap();
    assert!(writer.wait().unwrap().success());
    // Once the program has ended, its later write is in the file and recover proceeds.
    assert!(recover(&path).unwrap().repaired());
}
