//! SAGE over MPI (feature `mpi`, which says OpenMPI is installed: `mpicc` and `mpirun`): SAGE
//! built with MPI, stock and with galaxy-io's drop-in writer, runs `mpirun -np 2` on the same
//! generated trees. Every rank's file is stock SAGE's, dataset for dataset bit for bit and
//! attribute for attribute (the serial test's differences aside), and the master file, which
//! rank 0 writes after SAGE's barrier, reads with galaxy-io's reader as the ranks' rows one
//! after the other and with sage-analysis as stock SAGE's master reads.
#![cfg(feature = "mpi")]

mod common;

use common::lhalo::{self, ForestConfig, BOX_SIZE};
use common::sage::{OutputFormat, Run, SageOutput, Writer};
use common::sage_compare;
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{AttrValue, Catalogue, HeaderGroup};
use std::path::Path;
use std::sync::OnceLock;

const RANKS: u32 = 2;
/// Output snapshots of `input/millennium.par`'s (z = 1 to 3.9). Not z = 0 (the serial test
/// has it): sage-analysis's default calculations draw random samples of each core's galaxies
/// of some kinds (`np.random.choice`), which fails on a core with none, and at z = 0 these
/// small trees leave a rank without a gas-rich central for `calc_metallicity`.
const OUTPUTS: [u32; 4] = [37, 32, 27, 20];
/// Trees in each of the two tree files: SAGE shares all of them out over the ranks.
const TREES_PER_FILE: u32 = 12;

/// The same trees through stock SAGE and SAGE with galaxy-io's writer, both over MPI, and
/// through stock SAGE's binary output.
struct Runs {
    dir: tempfile::TempDir,
    stock: SageOutput,
    ours: SageOutput,
    binary: SageOutput,
}

/// The runs, or `None` (the test is skipped) without SAGE's source.
fn runs() -> Option<&'static Runs> {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    if !common::sage::available() {
        return None;
    }
    Some(RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let config = ForestConfig {
            files: 2,
            trees_per_file: TREES_PER_FILE,
            halos_per_tree: 400,
            seed: 11,
        };
        let trees = lhalo::write_forests(&dir.path().join("trees"), &config);
        let run = |format, writer, name: &str| {
            Run::new(&trees, format, dir.path().join(name))
                .outputs(&OUTPUTS)
                .writer(writer)
                .mpi(RANKS)
                .execute()
        };
        // One after the other: each run already keeps both cores busy.
        let stock = run(OutputFormat::Hdf5, Writer::Stock, "stock");
        let ours = run(OutputFormat::Hdf5, Writer::GalaxyIo, "ours");
        let binary = run(OutputFormat::Binary, Writer::Stock, "binary");
        for output in [&stock, &ours] {
            assert_eq!(output.files.len(), RANKS as usize, "{}", output.log);
            assert!(output.master.is_some(), "no master file:\n{}", output.log);
        }
        Runs {
            dir,
            stock,
            ours,
            binary,
        }
    }))
}

fn master(output: &SageOutput) -> &Path {
    output.master.as_deref().expect("checked in runs()")
}

/// `Header/Runtime/frac_volume_processed`, after checking that `num_cores` is the ranks'.
fn volume_fraction(path: &Path) -> f64 {
    let header = Catalogue::open(path).unwrap().header().unwrap();
    let cores = header.get(HeaderGroup::Misc, "num_cores");
    assert_eq!(
        cores,
        Some(&AttrValue::I32(RANKS as i32)),
        "{}",
        path.display()
    );
    header
        .get(HeaderGroup::Runtime, "frac_volume_processed")
        .and_then(AttrValue::as_f64)
        .unwrap()
}

fn snapshots() -> Vec<u32> {
    let mut snapshots = OUTPUTS.to_vec();
    snapshots.sort_unstable();
    snapshots
}

#[test]
fn every_ranks_file_has_every_dataset_of_stock_sage_bit_for_bit() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    let mut trees = Vec::new();
    for (theirs, mine) in stock.files.iter().zip(&ours.files) {
        let tally = sage_compare::same_galaxies(theirs, mine, &snapshots());
        println!("{}: {tally:?}", mine.display());
        assert!(tally.types.contains_key(&1), "satellites: {tally:?}");
        sage_compare::same_datasets_in_h5py(theirs, mine);
        trees.push(tally.trees);
    }
    // Both ranks had work, and between them every forest.
    assert!(trees.iter().all(|&n| n > 0), "forests per rank: {trees:?}");
    assert_eq!(trees.iter().sum::<usize>(), 2 * TREES_PER_FILE as usize);
    sage_compare::same_datasets_in_h5py(master(stock), master(ours));
}

#[test]
fn every_ranks_file_and_the_master_have_the_attributes_of_stock_sage() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    for (theirs, mine) in stock.files.iter().zip(&ours.files) {
        sage_compare::same_attributes(theirs, mine, false, 300);
    }
    sage_compare::same_attributes(master(stock), master(ours), true, 40);

    // What the comparison stands on: each rank's own share, and the run's in the master.
    let shares: Vec<f64> = ours.files.iter().map(|f| volume_fraction(f)).collect();
    assert!(shares.iter().all(|&f| f > 0.0 && f < 1.0), "{shares:?}");
    let whole = volume_fraction(master(ours));
    assert!((whole - 1.0).abs() < 1e-12, "the master's fraction {whole}");
}

#[test]
fn the_master_reads_as_the_ranks_rows_one_after_the_other() {
    let Some(Runs { ours, .. }) = runs() else {
        return;
    };
    let catalogue = Catalogue::open(master(ours)).unwrap();
    assert_eq!(catalogue.parts(), RANKS as usize);
    let ranks: Vec<Catalogue> = ours
        .files
        .iter()
        .map(|f| Catalogue::open(f).unwrap())
        .collect();
    for snapshot in snapshots() {
        let mut expected = Vec::new();
        for rank in &ranks {
            expected.extend(rank.read_records::<SageGalaxy>(snapshot).unwrap());
        }
        let got = catalogue.read_records::<SageGalaxy>(snapshot).unwrap();
        assert_eq!(catalogue.num_galaxies(snapshot).unwrap(), got.len() as u64);
        assert!(
            bytemuck::cast_slice::<_, u8>(&got) == bytemuck::cast_slice::<_, u8>(&expected),
            "Snap_{snapshot}: {} rows read from the master, {} in the ranks' files",
            got.len(),
            expected.len()
        );
    }
}

#[test]
fn sage_analysis_reads_the_master_as_it_reads_stock_sages() {
    let Some(Runs { stock, ours, .. }) = runs() else {
        return;
    };
    let fraction = ours.files.iter().map(|f| volume_fraction(f)).sum();
    common::check_sage_analysis(master(ours), &ours.files, BOX_SIZE, fraction);
    let (theirs, mine) = (
        common::sage_analysis(master(stock)),
        common::sage_analysis(master(ours)),
    );
    for key in [
        "num_cores",
        "volume",
        "galaxies",
        "stellar_mass_function_counts",
    ] {
        assert_eq!(theirs[key], mine[key], "sage-analysis's {key}");
    }
}

/// What a user does to mirror SAGE's per-core HDF5 files from its binary output: convert each
/// rank's files with the run's parameter file and `--tasks`, then merge. Each file has the
/// cores and the volume stock SAGE's own HDF5 file of that rank has, and the galaxies.
#[test]
fn each_ranks_binary_files_convert_to_the_cores_volume_and_galaxies_of_stock_sages_file() {
    let Some(Runs {
        dir, stock, binary, ..
    }) = runs()
    else {
        return;
    };
    let par = binary.files[0].parent().unwrap().join("sage.par");
    let mut converted = Vec::new();
    for (rank, sage) in stock.files.iter().enumerate() {
        let suffix = format!("_{rank}");
        let inputs = binary
            .files
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(&suffix));
        let output = dir.path().join(format!("converted_{rank}.hdf5"));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_galaxy-io"));
        command
            .arg("convert")
            .arg("--par")
            .arg(&par)
            .args(["--tasks", &RANKS.to_string()])
            .args(inputs)
            .arg("-o")
            .arg(&output);
        common::stdout(&common::output(&mut command).unwrap());
        assert_eq!(
            volume_fraction(&output).to_bits(),
            volume_fraction(sage).to_bits(),
            "rank {rank}: the volume SAGE worked out, to the bit"
        );
        let (ours, theirs) = (
            Catalogue::open(&output).unwrap(),
            Catalogue::open(sage).unwrap(),
        );
        for snapshot in snapshots() {
            assert_eq!(
                ours.read_records::<SageGalaxy>(snapshot).unwrap(),
                theirs.read_records::<SageGalaxy>(snapshot).unwrap(),
                "rank {rank}, Snap_{snapshot}"
            );
        }
        converted.push(output);
    }
    let master = dir.path().join("converted.hdf5");
    galaxy_io::write_master(&master, &converted, &Default::default()).unwrap();
    let whole = Catalogue::open(&master).unwrap().header().unwrap();
    let fraction = whole.get(HeaderGroup::Runtime, "frac_volume_processed");
    assert!(
        matches!(fraction, Some(AttrValue::F64(f)) if (f - 1.0).abs() < 1e-12),
        "{fraction:?}"
    );
}
