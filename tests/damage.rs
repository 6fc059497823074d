//! The damage corpus: valid catalogues of every kind galaxy-io writes (the default mode, gzip
//! with shuffling, both durable modes, 20 snapshots, a master over two outputs, and an output
//! under an intact master), damaged in seeded, repeatable ways (cut at a random length, random
//! bits flipped, random bytes in the first 64 KiB, a block zeroed) and given to every command
//! that reads files: `inspect`, `check --read-all`, `merge` and `recover`. Each must end with
//! exit 0 or 1 and a message without HDF5's internals: no signal, no hang, and no temporary file
//! left behind. Debian's HDF5 1.10.8 crashes on some of these files; the commands survive it
//! because their first walk over a file runs in a child process (`galaxy_io::survey`).
//!
//! `GALAXY_IO_DAMAGE_COPIES=N` damages N copies of each kind of file in each way (default 5:
//! 140 files, 560 runs); the run prints what the commands said.

mod common;

use common::limited::{clean, run_within, Run};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{
    write_master, AttrValue, Catalogue, Compression, Durability, Hdf5Options, Hdf5Output, Header,
    HeaderGroup, MasterOptions,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// Every damaged file follows from this seed.
const SEED: u64 = 0x6761_6c61_7879_2d69;
/// How long the survey waits on HDF5 without progress here (`GALAXY_IO_SURVEY_IDLE_SECONDS`;
/// 60 s by default): these files are small, and HDF5 1.10.8 loops forever on a few of them.
const IDLE_SECONDS: &str = "5";
/// Longer than that limit, so that a hang the survey catches shows as its error, and one it
/// does not as a timeout here.
const TIMEOUT: Duration = Duration::from_secs(60);
const ADDRESS_SPACE: u64 = 4 << 30;

/// A deterministic generator (SplitMix64): the same damage on every run and machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The ways a file is damaged.
#[derive(Clone, Copy, Debug)]
enum Damage {
    /// Cut at 10-99 % of its length.
    Truncated,
    /// Eight random bits flipped anywhere.
    BitFlips,
    /// Eight random bytes in the first 64 KiB (the superblock and most metadata).
    HeadBytes,
    /// A block of 512 or 4096 bytes zeroed.
    ZeroedBlock,
}

const DAMAGES: [Damage; 4] = [
    Damage::Truncated,
    Damage::BitFlips,
    Damage::HeadBytes,
    Damage::ZeroedBlock,
];

impl Damage {
    fn apply(self, bytes: &mut Vec<u8>, random: &mut Random) {
        let len = bytes.len();
        match self {
            Damage::Truncated => bytes.truncate(len / 10 + random.below(len * 89 / 100)),
            Damage::BitFlips => {
                for _ in 0..8 {
                    let at = random.below(len);
                    bytes[at] ^= 1 << random.below(8);
                }
            }
            Damage::HeadBytes => {
                for _ in 0..8 {
                    let at = random.below(len.min(1 << 16));
                    bytes[at] = random.below(256) as u8;
                }
            }
            Damage::ZeroedBlock => {
                let size = if random.below(2) == 0 { 512 } else { 4096 };
                let at = random.below(len);
                let end = (at + size).min(len);
                bytes[at..end].fill(0);
            }
        }
    }
}

/// One kind of valid file: the file that is damaged, and the files beside it (a master's
/// outputs, or the master over a damaged output), by name.
struct Kind {
    name: &'static str,
    /// The file the commands are given.
    target: &'static str,
    /// The file that is damaged (the target, or one of the files it reads).
    damaged: &'static str,
    files: BTreeMap<String, Vec<u8>>,
}

fn galaxies(seed: u64, snapshot: u32, count: usize) -> Vec<SageGalaxy> {
    let mut synthetic = Synthetic::new(seed, 100.0);
    let mut galaxies = Vec::new();
    let mut tree = 0;
    while galaxies.len() < count {
        galaxies.extend(synthetic.tree(snapshot, tree));
        tree += 1;
    }
    galaxies.truncate(count);
    galaxies
}

/// Writes an output of `snapshots` with `options`, 600 galaxies a snapshot written over three
/// flushes (so that durable files have chunk indexes of several chunks).
fn output(path: &Path, snapshots: &[u32], options: Hdf5Options) {
    let options = options.chunk_rows(256).replace(true);
    let mut output = Hdf5Output::<SageGalaxy>::create(path, snapshots, options).unwrap();
    for &snapshot in snapshots {
        for (tree, part) in galaxies(u64::from(snapshot), snapshot, 600)
            .chunks(200)
            .enumerate()
        {
            output.write_tree(snapshot, tree, part).unwrap();
            output.flush().unwrap();
        }
    }
    output.finish().unwrap();
}

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// The valid files, each kind written in a directory of its own and read back into memory.
fn kinds(work: &Path) -> Vec<Kind> {
    let snapshots = [63, 40, 20];
    let mut kinds = Vec::new();
    let mut one = |name: &'static str, options: Hdf5Options, snapshots: &[u32]| {
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        output(&dir.join("f.hdf5"), snapshots, options);
        kinds.push(Kind {
            name,
            target: "f.hdf5",
            damaged: "f.hdf5",
            files: read_dir(&dir),
        });
    };
    one("default", Hdf5Options::default(), &snapshots);
    one(
        "gzip-shuffle",
        Hdf5Options::default().compress(Compression::deflate(4).with_shuffle()),
        &snapshots,
    );
    one(
        "flush-each-buffer",
        Hdf5Options::default().durability(Durability::FlushEachBuffer),
        &snapshots,
    );
    one(
        "swmr",
        Hdf5Options::default().durability(Durability::Swmr),
        &snapshots,
    );
    let twenty: Vec<u32> = (0..20).map(|i| 63 - 3 * i).collect();
    one("20 snapshots", Hdf5Options::default(), &twenty);

    let dir = work.join("master");
    std::fs::create_dir_all(&dir).unwrap();
    let outputs: Vec<PathBuf> = (0..2)
        .map(|task| {
            let path = dir.join(format!("model_{task}.hdf5"));
            let mut header = Header::default();
            header.set(
                HeaderGroup::Runtime,
                "frac_volume_processed",
                AttrValue::F64(0.5),
            );
            output(&path, &snapshots, Hdf5Options::default().header(header));
            path
        })
        .collect();
    write_master(dir.join("f.hdf5"), &outputs, &MasterOptions::default()).unwrap();
    let files = read_dir(&dir);
    kinds.push(Kind {
        name: "master",
        target: "f.hdf5",
        damaged: "f.hdf5",
        files: files.clone(),
    });
    kinds.push(Kind {
        name: "output of a master",
        target: "f.hdf5",
        damaged: "model_1.hdf5",
        files,
    });
    kinds
}

/// What the commands did with one damaged file.
#[derive(Default)]
struct Outcome {
    problems: Vec<String>,
    /// Runs that ended with exit 0 or 1 (the rest are problems).
    clean: usize,
    /// Of those, runs whose error called the file damaged (an HDF5 crash or hang contained in
    /// the survey's child, or a metadata checksum).
    damaged: usize,
}

fn galaxy_io(args: &[&str], cwd: &Path, scratch: &Path) -> Run {
    run_within(
        Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
            .args(args)
            .env("GALAXY_IO_SURVEY_IDLE_SECONDS", IDLE_SECONDS)
            .current_dir(cwd),
        scratch,
        ADDRESS_SPACE,
        TIMEOUT,
    )
}

/// Every command on one damaged file, in a directory of its own; then no temporary file may be
/// left, and no file but `recover`'s changed.
fn commands_on(kind: &Kind, files: &BTreeMap<String, Vec<u8>>, dir: &Path) -> Outcome {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let scratch = dir.join("out");
    let mut outcome = Outcome::default();
    for (index, args) in [
        vec!["inspect", kind.target],
        vec!["check", "--read-all", kind.target],
        vec!["merge", kind.target, "-o", "merged.hdf5"],
        vec!["recover", kind.damaged],
    ]
    .into_iter()
    .enumerate()
    {
        let run = galaxy_io(&args, dir, &scratch.join(index.to_string()));
        let what = format!("{} ({}): {}", dir.display(), kind.name, args.join(" "));
        match clean(&what, &run) {
            Ok(()) => {
                outcome.clean += 1;
                outcome.damaged += usize::from(run.stderr.contains(" is damaged: "));
            }
            Err(problem) => outcome.problems.push(problem),
        }
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".partial") {
            outcome
                .problems
                .push(format!("{} ({}): left {name}", dir.display(), kind.name));
        }
    }
    for (name, bytes) in files {
        let changed = std::fs::read(dir.join(name)).ok().as_ref() != Some(bytes);
        if changed && name != kind.damaged {
            outcome.problems.push(format!(
                "{} ({}): {name} was changed by a command that only reads it",
                dir.display(),
                kind.name
            ));
        }
    }
    outcome
}

#[test]
fn every_command_on_every_damaged_file_fails_cleanly_and_leaves_nothing_behind() {
    let copies: usize = std::env::var("GALAXY_IO_DAMAGE_COPIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let work = tempfile::tempdir().unwrap();
    let kinds = kinds(&work.path().join("valid"));
    let mut random = Random(SEED);
    let mut cases = Vec::new();
    for (k, kind) in kinds.iter().enumerate() {
        for damage in DAMAGES {
            for copy in 0..copies {
                let mut files = kind.files.clone();
                damage.apply(files.get_mut(kind.damaged).unwrap(), &mut random);
                let dir = work.path().join(format!("{k}-{damage:?}-{copy}"));
                cases.push((kind, dir, files));
            }
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((kind, dir, files)) = cases.get(index) else {
                    return;
                };
                std::fs::create_dir_all(dir).unwrap();
                let outcome = commands_on(kind, files, dir);
                outcomes.lock().unwrap().push(outcome);
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    let clean: usize = outcomes.iter().map(|o| o.clean).sum();
    let damaged: usize = outcomes.iter().map(|o| o.damaged).sum();
    let problems: Vec<&String> = outcomes.iter().flat_map(|o| &o.problems).collect();
    println!(
        "{} damaged files, {} runs: {clean} clean ({damaged} called the file damaged), {} problems",
        cases.len(),
        cases.len() * 4,
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// A FIFO, a directory or a device given as the file: every command refuses it at once (a FIFO
/// would block the first read until a writer came), naming what it is.
#[test]
fn inputs_that_are_not_regular_files_are_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.hdf5");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let directory = dir.path().join("directory.hdf5");
    std::fs::create_dir(&directory).unwrap();
    for (input, kind) in [
        (fifo.as_path(), "a FIFO"),
        (directory.as_path(), "a directory"),
        (Path::new("/dev/zero"), "a character device"),
    ] {
        let input = input.to_str().unwrap();
        for args in [
            vec!["inspect", input],
            vec!["check", "--read-all", input],
            vec!["merge", input, "-o", "merged.hdf5"],
            vec!["recover", input],
        ] {
            let run = run_within(
                Command::new(env!("CARGO_BIN_EXE_galaxy-io"))
                    .args(&args)
                    .current_dir(dir.path()),
                &dir.path().join("out"),
                ADDRESS_SPACE,
                Duration::from_secs(60),
            );
            let what = args.join(" ");
            clean(&what, &run).unwrap();
            assert_eq!(run.status.and_then(|s| s.code()), Some(1), "{what}");
            assert!(
                run.stderr.contains(kind) && run.stderr.contains("not a regular file"),
                "{what}: {}",
                run.stderr
            );
        }
    }
}

/// A sound file this process already has open (an earlier `Catalogue`) is surveyed again once
/// it has changed, and reads as sound: the survey's child reads the file, not the descriptor of
/// it that the parent's HDF5 holds and the child let go of (HDF5 in the child finds the file
/// among those the parent had open, and reads through that descriptor).
#[test]
fn a_file_this_process_has_open_surveys_as_sound_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_0.hdf5");
    output(&path, &[40, 63], Hdf5Options::default());
    let first = Catalogue::open(&path).unwrap();
    let masses = first.read_column::<f32>(63, "StellarMass").unwrap();
    // Another modification time makes it another file to the survey, which runs again.
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 30))
        .unwrap();
    drop(file);
    let again = Catalogue::open(&path).unwrap();
    assert_eq!(
        again.read_column::<f32>(40, "StellarMass").unwrap().len(),
        600
    );
    assert_eq!(again.read_column::<f32>(63, "StellarMass").unwrap(), masses);
}

/// A reader surveys a file a snapshot at a time: a snapshot whose metadata is damaged is
/// `Error::Damaged` when it is read, while the others read as written.
#[test]
fn a_damaged_snapshot_is_refused_while_the_others_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_0.hdf5");
    // Three snapshots: large enough (over 256 KiB) to be surveyed a part at a time.
    output(&path, &[10, 20, 30], Hdf5Options::default());
    let damaged_header = {
        let file = hdf5::File::open(&path).unwrap();
        let name = std::ffi::CString::new("Snap_20/StellarMass").unwrap();
        // SAFETY: a valid file id, a NUL-terminated name and an info struct to fill.
        unsafe {
            let mut info: hdf5_sys::h5o::H5O_info1_t = std::mem::zeroed();
            let status = hdf5_sys::h5o::H5Oget_info_by_name2(
                file.id(),
                name.as_ptr(),
                &mut info,
                hdf5_sys::h5o::H5O_INFO_BASIC,
                hdf5_sys::h5p::H5P_DEFAULT,
            );
            assert!(status >= 0);
            info.addr as usize
        }
    };
    // Bytes inside the dataset's object header, which its checksum covers.
    let mut bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[damaged_header..damaged_header + 4], b"OHDR");
    for byte in &mut bytes[damaged_header + 8..damaged_header + 12] {
        *byte ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();

    let catalogue = Catalogue::open(&path).unwrap();
    let intact: Vec<f32> = catalogue.read_column(10, "StellarMass").unwrap();
    let written: Vec<f32> = galaxies(10, 10, intact.len())
        .iter()
        .map(|g| g.stellar_mass)
        .collect();
    assert_eq!(intact, written);
    match catalogue.read_column::<f32>(20, "StellarMass") {
        Err(galaxy_io::Error::Damaged { path: named, .. }) => assert_eq!(named, path),
        other => panic!("{other:?}"),
    }
}
