//! Reading back: every column of every snapshot of one file (written by galaxy-io's default),
//! read whole by galaxy-io's three ways of reading, by h5py (`ds[:]`) and by a C program on
//! HDF5's `H5Dread` (`read_columns.c`, compiled here), interleaved over rounds after an untimed
//! warm-up round (so the file is in the page cache), with medians. Every contender runs in a
//! process of its own, as a user's program would, and times itself from opening the file to
//! closing it (start-up and Python's imports are not counted): for galaxy-io that includes the
//! survey of the file in a child process, which the first open of a file in a process runs.
//! galaxy-io's `read_column` and `read_records` are also timed reading the file again in a
//! process that has surveyed it (this one), and the survey alone.

use crate::contenders::{self, Workload};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{Catalogue, Dtype, Hdf5Options, Schema};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One way of reading the file: its name, how to run it again by hand, and the run.
struct Reader<'a> {
    name: String,
    command: String,
    run: Run<'a>,
}

/// A timed read of the file, `None` when the reader is not available.
type Run<'a> = Box<dyn Fn(&Path) -> Option<Duration> + 'a>;

/// The ways galaxy-io reads the file, as `--read-back WAY FILE` names them.
const WAYS: [(&str, &str); 3] = [
    ("columns", "`Catalogue::read_column::<T>`, each column"),
    (
        "field-rows",
        "`Catalogue::read_field_rows`, each column (untyped)",
    ),
    (
        "records",
        "`Catalogue::read_records::<SageGalaxy>`, each snapshot",
    ),
];

/// `--read-back WAY FILE`: reads the file one way, in this new process, and prints the seconds
/// from opening it to closing it and how many values (or records) were read.
pub fn child(args: &[String]) -> ! {
    let (way, file) = match args {
        [way, file] => (way.as_str(), Path::new(file)),
        _ => panic!("--read-back WAY FILE"),
    };
    let started = Instant::now();
    let read = read(way, file);
    println!("{:.6} {read}", started.elapsed().as_secs_f64());
    std::process::exit(0)
}

/// Reads `file` the way `way` names.
fn read(way: &str, file: &Path) -> u64 {
    match way {
        "columns" => columns(file),
        "field-rows" => field_rows(file),
        "records" => records(file),
        other => panic!("no way of reading called {other}"),
    }
}

/// Writes the workload once, then times every reader over `rounds` rounds (at least five).
pub fn report(workload: &Workload, dir: &Path, rounds: usize) {
    let file = dir.join("read_back.hdf5");
    contenders::galaxy_io(workload, &file, Hdf5Options::default())
        .expect("the file to read back is written");
    let fields = Schema::of::<SageGalaxy>()
        .expect("SAGE's schema")
        .fields()
        .len();
    let values = (workload.galaxies * fields) as u64;
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_report");
    let c_reader = super::compile_c("read_columns.c", dir);
    let script = here.join("read_columns.py");
    let report = "cargo run --release --example bench_report -- --only read-back";
    let this = std::env::current_exe().expect("the report's own executable");
    let galaxy_io = |(way, name): (&'static str, &'static str)| {
        let expected = if way == "records" {
            workload.galaxies as u64
        } else {
            values
        };
        let this = &this;
        Reader {
            name: format!("galaxy-io {name}"),
            command: report.into(),
            run: Box::new(move |file| {
                let (time, read) =
                    external(Command::new(this).args(["--read-back", way]).arg(file))?;
                assert_eq!(read, expected, "everything reads back");
                Some(time)
            }),
        }
    };
    let mut readers: Vec<Reader> = WAYS.into_iter().map(galaxy_io).collect();
    for (way, name, expected) in [
        ("columns", "`read_column::<T>`", values),
        (
            "records",
            "`read_records::<SageGalaxy>`",
            workload.galaxies as u64,
        ),
    ] {
        readers.push(Reader {
            name: format!("galaxy-io {name} again, in a process that surveyed the file"),
            command: report.into(),
            run: Box::new(move |file| {
                let started = Instant::now();
                assert_eq!(read(way, file), expected, "everything reads back");
                Some(started.elapsed())
            }),
        });
    }
    let h5py = readers.len();
    readers.push(Reader {
        name: "h5py `ds[:]`, each dataset".into(),
        command: format!("python3 {} FILE", script.display()),
        run: Box::new(|file| {
            let (time, read) = external(Command::new("python3").arg(&script).arg(file))?;
            assert_eq!(read, values, "h5py reads everything");
            Some(time)
        }),
    });
    readers.push(Reader {
        name: "C, one `H5Dread` per dataset".into(),
        command: format!(
            "cc -O2 -march=x86-64 {} $(pkg-config --cflags --libs hdf5) -o read_columns && ./read_columns FILE",
            here.join("read_columns.c").display()
        ),
        run: Box::new(|file| {
            let (time, read) = external(Command::new(c_reader.as_ref()?).arg(file))?;
            assert_eq!(read, values, "the C reader reads everything");
            Some(time)
        }),
    });
    for reader in &readers {
        (reader.run)(&file);
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); readers.len()];
    for round in 0..rounds.max(5) {
        for index in 0..readers.len() {
            let index = (index + round) % readers.len();
            if let Some(time) = (readers[index].run)(&file) {
                times[index].push(time);
            }
        }
    }
    let mut surveys: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            galaxy_io::survey(&file).expect("the file is sound");
            started.elapsed()
        })
        .collect();
    let medians: Vec<Option<Duration>> = times
        .iter_mut()
        .map(|t| (!t.is_empty()).then(|| super::median(t)))
        .collect();
    let h5py = medians[h5py];
    let bytes = workload.bytes();
    println!(
        "\n| reading every column of the file back (warm cache) | median | MB/s | ÷ h5py | command |"
    );
    println!("|---|---:|---:|---:|---|");
    for (reader, median) in readers.iter().zip(&medians) {
        let Some(median) = median else {
            println!("| {} | not run | | | `{}` |", reader.name, reader.command);
            continue;
        };
        let ratio = h5py.map_or("-".into(), |h5py| {
            format!("{:.2}", median.as_secs_f64() / h5py.as_secs_f64())
        });
        println!(
            "| {} | {:.3} s | {:.0} | {ratio} | `{}` |",
            reader.name,
            median.as_secs_f64(),
            super::mb_per_s(bytes, *median),
            reader.command
        );
    }
    println!(
        "\nsurvey of the file (`galaxy_io::survey`, what the first open in a process runs in a child): {:.3} s",
        super::median(&mut surveys).as_secs_f64()
    );
    let _ = std::fs::remove_file(&file);
}

/// Every column with `read_column::<T>`, as its type.
fn columns(file: &Path) -> u64 {
    let catalogue = Catalogue::open(file).expect("the file opens");
    let mut values = 0;
    for snapshot in catalogue.snapshots().expect("snapshots") {
        for field in catalogue.schema(snapshot).expect("a schema").fields() {
            let name = &field.name;
            values += match field.dtype {
                Dtype::F32 => catalogue
                    .read_column::<f32>(snapshot, name)
                    .map(|c| c.len()),
                Dtype::F64 => catalogue
                    .read_column::<f64>(snapshot, name)
                    .map(|c| c.len()),
                Dtype::I32 => catalogue
                    .read_column::<i32>(snapshot, name)
                    .map(|c| c.len()),
                Dtype::I64 => catalogue
                    .read_column::<i64>(snapshot, name)
                    .map(|c| c.len()),
                other => panic!("SAGE has no {other} field"),
            }
            .expect("the column reads") as u64;
        }
    }
    values
}

/// Every column with `read_field_rows`, as bytes.
fn field_rows(file: &Path) -> u64 {
    let catalogue = Catalogue::open(file).expect("the file opens");
    let mut values = 0;
    for snapshot in catalogue.snapshots().expect("snapshots") {
        let rows = catalogue.num_galaxies(snapshot).expect("rows");
        for field in catalogue.schema(snapshot).expect("a schema").fields() {
            let (field, bytes) = catalogue
                .read_field_rows(snapshot, &field.name, 0..rows)
                .expect("the column reads");
            values += (bytes.len() / field.size()) as u64;
        }
    }
    values
}

/// Every snapshot as `SageGalaxy` records.
fn records(file: &Path) -> u64 {
    let catalogue = Catalogue::open(file).expect("the file opens");
    let mut records = 0;
    for snapshot in catalogue.snapshots().expect("snapshots") {
        records += catalogue
            .read_records::<SageGalaxy>(snapshot)
            .expect("the snapshot reads")
            .len() as u64;
    }
    records
}

/// The time an external reader reports for itself and what it read (its first two words),
/// `None` when it is not available or fails.
fn external(command: &mut Command) -> Option<(Duration, u64)> {
    let out = command.output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let seconds: f64 = words.next()?.parse().ok()?;
    let read = words.next()?.parse().ok()?;
    Some((Duration::from_secs_f64(seconds), read))
}
