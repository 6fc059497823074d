//! SAGE writing through galaxy-io: SAGE built with galaxy-io's drop-in HDF5 writer
//! (`galaxy-io-c/sage/`) runs on the same generated merger trees as stock SAGE, and writes the
//! same catalogue: every dataset of every snapshot bit for bit (also in a durable mode), every
//! attribute SAGE writes with its type and value, and SAGE's own `tests/sagediff.py` passes
//! against stock SAGE's binary output. The same over MPI is `tests/sage_mpi.rs`.

mod common;

use common::lhalo::{self, ForestConfig};
use common::sage::{OutputFormat, Run, SageOutput, Writer};
use common::sage_compare;
use std::process::Command;
use std::sync::OnceLock;

/// `input/millennium.par`'s output snapshots (z = 0 to 7.3).
const OUTPUTS: [u32; 8] = [63, 37, 32, 27, 23, 20, 18, 16];

/// The same trees through stock SAGE (binary and HDF5 output) and through SAGE with
/// galaxy-io's writer.
struct Runs {
    _dir: tempfile::TempDir,
    binary: SageOutput,
    stock: SageOutput,
    ours: SageOutput,
    /// SAGE with galaxy-io's writer in a durable mode (`GALAXY_IO_DURABILITY=flush`).
    flushed: SageOutput,
}

/// The runs, or `None` (the test is skipped) without SAGE's source.
fn runs() -> Option<&'static Runs> {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    if !common::sage::available() {
        return None;
    }
    Some(RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // Two tree files of several trees each, with mergers and satellites, and galaxies at
        // every output snapshot (checked below).
        let config = ForestConfig {
            files: 2,
            trees_per_file: 12,
            halos_per_tree: 400,
            seed: 11,
        };
        let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
        let run = |format, writer, name: &str| {
            Run::new(&trees, format, dir.path().join(name))
                .outputs(&OUTPUTS)
                .writer(writer)
        };
        // Built before the runs start, so that the three do not wait for each other's builds.
        common::sage::build_with(Writer::Stock);
        common::sage::build_with(Writer::GalaxyIo);
        let (binary, stock, ours, flushed) = std::thread::scope(|scope| {
            let binary =
                scope.spawn(|| run(OutputFormat::Binary, Writer::Stock, "binary").execute());
            let stock = scope.spawn(|| run(OutputFormat::Hdf5, Writer::Stock, "stock").execute());
            let flushed = scope.spawn(|| {
                run(OutputFormat::Hdf5, Writer::GalaxyIo, "flushed")
                    .env("GALAXY_IO_DURABILITY", "flush")
                    .execute()
            });
            let ours = run(OutputFormat::Hdf5, Writer::GalaxyIo, "ours").execute();
            (
                binary.join().expect("the binary run"),
                stock.join().expect("the stock HDF5 run"),
                ours,
                flushed.join().expect("the durable run"),
            )
        });
        for output in [&stock, &ours, &flushed] {
            assert_eq!(output.files.len(), 1, "{:?}", output.files);
            assert!(output.master.is_some(), "{}", output.log);
        }
        Runs {
            _dir: dir,
            binary,
            stock,
            ours,
            flushed,
        }
    }))
}

#[test]
fn sage_with_galaxy_io_writes_every_dataset_of_sage_bit_for_bit() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    let mut snapshots = OUTPUTS.to_vec();
    snapshots.sort_unstable();
    let tally = sage_compare::same_galaxies(&stock.files[0], &ours.files[0], &snapshots);
    assert_eq!(tally.trees, 24, "one count per forest");
    println!(
        "by Type {:?}, by mergeType {:?}",
        tally.types, tally.merge_types
    );
    assert!(tally.types.contains_key(&1), "satellites: {tally:?}");
    assert!(
        tally.merge_types.keys().any(|&t| t > 0),
        "mergers: {tally:?}"
    );

    sage_compare::same_datasets_in_h5py(&stock.files[0], &ours.files[0]);
    sage_compare::same_datasets_in_h5py(
        stock.master.as_ref().unwrap(),
        ours.master.as_ref().unwrap(),
    );
}

/// `GALAXY_IO_DURABILITY=flush` changes when rows reach the disk, not what: the same datasets as
/// stock SAGE's, in the output and through the master.
#[test]
fn sage_with_galaxy_io_in_a_durable_mode_writes_the_same_catalogue() {
    let Some(Runs { stock, flushed, .. }) = runs() else {
        return;
    };
    sage_compare::same_datasets_in_h5py(&stock.files[0], &flushed.files[0]);
    sage_compare::same_datasets_in_h5py(
        stock.master.as_ref().unwrap(),
        flushed.master.as_ref().unwrap(),
    );
}

#[test]
fn sage_with_galaxy_io_writes_every_attribute_sage_writes() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    sage_compare::same_attributes(&stock.files[0], &ours.files[0], false, 500);
    sage_compare::same_attributes(
        stock.master.as_ref().unwrap(),
        ours.master.as_ref().unwrap(),
        true,
        40,
    );
}

#[test]
fn sages_own_sagediff_passes_between_stock_sage_and_sage_with_galaxy_io() {
    let Some(Runs { binary, ours, .. }) = runs() else {
        return;
    };
    let sagediff = common::sage::source_dir().join("tests/sagediff.py");
    let master = ours.master.as_ref().unwrap();
    for file in &binary.files {
        let output = common::output(
            Command::new("python3")
                .arg(&sagediff)
                .arg(file)
                .arg(master)
                .args(["binary-hdf5", "1", "1"]),
        )
        .expect("python3 with numpy and h5py");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("All tests passed"),
            "sagediff {}:\n{stdout}\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Linked with galaxy-io, SAGE still calls the C library's math: none of libm's functions is
/// defined in its binary (Rust's runtime carries its own `cbrt`, `floor`, `fma`, ..., which the
/// make fragment keeps local to the library).
#[test]
fn sage_with_galaxy_io_calls_the_c_librarys_math() {
    if !common::sage::available() {
        return;
    }
    let sage = common::sage::build_with(Writer::GalaxyIo).join("sage");
    let names = |args: &[&str], file: &std::path::Path| -> Vec<String> {
        let output = Command::new("nm").args(args).arg(file).output().unwrap();
        assert!(output.status.success(), "nm {file:?}");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().nth(2))
            .map(|name| name.split('@').next().unwrap_or(name).to_owned())
            .collect()
    };
    let libm = Command::new("cc")
        .arg("-print-file-name=libm.so.6")
        .output()
        .unwrap();
    let libm = std::path::PathBuf::from(String::from_utf8_lossy(&libm.stdout).trim());
    let libm: std::collections::HashSet<String> = names(&["-D", "--defined-only"], &libm)
        .into_iter()
        .collect();
    assert!(libm.contains("cbrt"), "{} lists no cbrt", libm.len());
    let defined: Vec<String> = names(&["--defined-only"], &sage)
        .into_iter()
        .filter(|name| libm.contains(name))
        .collect();
    assert!(defined.is_empty(), "SAGE defines libm's {defined:?}");
}
