//! Runs over MPI (feature `mpi`): `mpirun -np 2` and `-np 3` (oversubscribed) write one file per
//! rank and a master that the library reader and h5py read as the whole catalogue, the same for
//! any number of ranks; a singleton run without `mpirun` works; a rank that fails makes every
//! rank return an error, promptly, and no master is written.
#![cfg(feature = "mpi")]

mod common;

use common::child::this_binary_running;
use galaxy_io::mpi::rsmpi::traits::*;
use galaxy_io::mpi::{rsmpi, MpiOutput};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Catalogue, Hdf5Options};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TREES: usize = 60;
/// Far beyond a run of a few ranks: reached only when a rank waits for one that failed.
const HANG: Duration = Duration::from_secs(120);

/// The ranks' side: writes `TREES` trees, shared out in consecutive blocks, to
/// `$GALAXY_IO_MPI_DIR/model.hdf5`; the rank `$GALAXY_IO_MPI_FAIL` writes to a snapshot that is
/// not in its file, and gives up with `?`. Prints one report line per rank.
#[test]
#[ignore = "run under mpirun by the tests of this file"]
fn rank() {
    let Ok(dir) = std::env::var("GALAXY_IO_MPI_DIR") else {
        return;
    };
    let fail: Option<i32> = std::env::var("GALAXY_IO_MPI_FAIL")
        .ok()
        .and_then(|r| r.parse().ok());
    let universe = rsmpi::initialize().expect("MPI initialised once");
    let world = universe.world();
    let rank = world.rank();
    let run = || -> galaxy_io::Result<u64> {
        let catalogue = Path::new(&dir).join("model.hdf5");
        let mut output =
            MpiOutput::<SageGalaxy, _>::create(&world, &catalogue, &[63], Hdf5Options::default())?;
        let size = world.size() as usize;
        let mine = rank as usize * TREES / size..(rank as usize + 1) * TREES / size;
        for (local, tree) in mine.enumerate() {
            let galaxies = Synthetic::new(tree as u64, 62.5).tree(63, tree as i32);
            output.write_tree(63, local, &galaxies)?;
        }
        if fail == Some(rank) {
            output.write(32, &[SageGalaxy::default()])?;
        }
        Ok(output.finish()?.galaxies)
    };
    match run() {
        // On a line of its own: the harness has begun one with the test's name.
        Ok(galaxies) => println!("\nreport: rank {rank}: ok {galaxies}"),
        Err(error) => println!("\nreport: rank {rank}: error {error}"),
    }
}

/// Runs [`rank`] on `ranks` ranks (none: a singleton, without `mpirun`) in `dir`, within
/// [`HANG`].
fn launch(ranks: Option<u32>, dir: &Path, fail: Option<u32>) -> Vec<String> {
    let mut command = match ranks {
        Some(ranks) => {
            let mut command = this_binary_running("rank", &["mpirun", "-np", &ranks.to_string()]);
            // As root, on one machine, more ranks than cores.
            command
                .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
                .env("OMPI_MCA_btl", "self,vader")
                .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
            command
        }
        None => this_binary_running("rank", &[]),
    };
    command.env("GALAXY_IO_MPI_DIR", dir);
    if let Some(fail) = fail {
        command.env("GALAXY_IO_MPI_FAIL", fail.to_string());
    }
    let started = Instant::now();
    let output: Output = common::output(&mut command).expect("mpirun runs");
    assert!(
        started.elapsed() < HANG,
        "the ranks took {:?}",
        started.elapsed()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("report: "))
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(lines.len(), ranks.unwrap_or(1) as usize, "{stdout}");
    lines
}

/// The whole catalogue's stellar masses, read through the master by the library, checked
/// against its cores and against h5py.
fn stellar_masses(dir: &Path, ranks: usize) -> Vec<f32> {
    let master = dir.join("model.hdf5");
    let catalogue = Catalogue::open(&master).unwrap();
    assert_eq!(catalogue.parts(), ranks);
    let whole = catalogue.read_column::<f32>(63, "StellarMass").unwrap();
    let mut joined = Vec::new();
    for core in 0..ranks {
        let part = catalogue.core(core).unwrap().unwrap();
        joined.extend(part.read_column::<f32>(63, "StellarMass").unwrap());
    }
    assert_eq!(whole, joined);
    let script = "import h5py, numpy as np, sys\n\
        f = h5py.File(sys.argv[1], 'r')\n\
        n = int(sys.argv[2])\n\
        whole = f['Snap_63/StellarMass'][:]\n\
        cores = np.concatenate([f[f'Core_{c}/Snap_63/StellarMass'][:] for c in range(n)])\n\
        assert np.array_equal(whole, cores)\n\
        assert int(f['Snap_63'].attrs['num_gals']) == len(whole)\n\
        print(len(whole), float(whole.sum()))\n";
    let python = common::output(Command::new("python3").args([
        "-c",
        script,
        master.to_str().unwrap(),
        &ranks.to_string(),
    ]))
    .expect("python3 with h5py");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let printed = String::from_utf8_lossy(&python.stdout);
    let sum: f64 = whole.iter().map(|&m| m as f64).sum();
    let expected = format!("{} ", whole.len());
    assert!(printed.starts_with(&expected), "{printed}");
    let h5py_sum: f64 = printed.trim().split(' ').nth(1).unwrap().parse().unwrap();
    assert!((h5py_sum - sum).abs() <= 1e-6 * sum.abs(), "{printed}");
    whole
}

#[test]
fn any_number_of_ranks_writes_the_same_catalogue() {
    let mut catalogues = Vec::new();
    for ranks in [None, Some(2), Some(3)] {
        let dir = tempfile::tempdir().unwrap();
        let lines = launch(ranks, dir.path(), None);
        let n = ranks.unwrap_or(1) as usize;
        let masses = stellar_masses(dir.path(), n);
        for (rank, line) in lines.iter().enumerate() {
            assert_eq!(line, &format!("rank {rank}: ok {}", masses.len()));
        }
        for rank in 0..n {
            assert!(dir.path().join(format!("model_{rank}.hdf5")).exists());
        }
        catalogues.push(masses);
    }
    assert!(!catalogues[0].is_empty());
    assert_eq!(catalogues[0], catalogues[1]);
    assert_eq!(catalogues[0], catalogues[2]);
}

#[test]
fn a_failing_rank_stops_every_rank_and_no_master_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let lines = launch(Some(3), dir.path(), Some(1));
    assert!(
        lines[1].starts_with("rank 1: error") && lines[1].contains("32"),
        "{lines:?}"
    );
    for line in [&lines[0], &lines[2]] {
        assert!(line.contains("rank 1 of 3 failed"), "{lines:?}");
        assert!(line.contains("dropped before finish"), "{lines:?}");
    }
    assert!(!dir.path().join("model.hdf5").exists());

    // Rank 0 cannot write the master (one is in the way): every rank hears of it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.hdf5"), b"not ours").unwrap();
    let lines = launch(Some(2), dir.path(), None);
    for line in &lines {
        assert!(line.contains("rank 0 of 2 failed"), "{lines:?}");
        assert!(line.contains("writing the master"), "{lines:?}");
    }
    assert_eq!(
        std::fs::read(dir.path().join("model.hdf5")).unwrap(),
        b"not ours"
    );
}
