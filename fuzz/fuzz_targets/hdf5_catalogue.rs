//! Damaged catalogues through the reader and `recover`: a small valid file of one of the kinds
//! galaxy-io writes (the default mode, gzip with shuffling, both durable modes, 20 snapshots, a
//! master over two outputs), damaged the ways `tests/damage.rs` damages files (bytes overwritten,
//! bits flipped, bytes in the first 64 KiB, blocks zeroed, the end cut) at places the fuzzer
//! chooses, then surveyed, read the way `galaxy-io inspect` and `check --read-all` read a file,
//! and recovered (a copy). Every call must return data or an error: no panic, no abort, no
//! memory error in galaxy-io's code. (A crash of HDF5 in the survey happens in its child
//! process and is an error, `Error::Damaged`, like any other.)
#![no_main]

use galaxy_io::{
    recover, write_master, AttrValue, Catalogue, Compression, Durability, GalaxyRecord,
    Hdf5Options, Hdf5Output, Header, HeaderGroup, MasterOptions,
};
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "GalaxyIndex", units = "Unitless")]
    index: i64,
    #[galaxy(
        name = "StellarMass",
        units = "1.0e10 Msun/h",
        description = "Mass of stars."
    )]
    stellar_mass: f32,
    #[galaxy(name = "Type")]
    kind: i32,
    #[galaxy(name = "Pos")]
    pos: [f64; 3],
}

/// The valid files, by kind: the damaged file's bytes, and the directory it is read in (where
/// a master's outputs are).
struct Base {
    bytes: Vec<u8>,
    dir: PathBuf,
}

/// Where this process's work directories go: memory, when there is such a file system.
fn work_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_owned()
    } else {
        std::env::temp_dir()
    }
}

const WORK_PREFIX: &str = "galaxy-io-fuzz-";

fn work_dir() -> PathBuf {
    work_root().join(format!("{WORK_PREFIX}{}", std::process::id()))
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> i32;
}

/// Removes this process's work directory as it exits (libFuzzer ends a run with `exit`).
extern "C" fn remove_work_dir() {
    let _ = std::fs::remove_dir_all(work_dir());
}

/// Removes the work directories of earlier runs whose process is gone: a run that found a
/// crash ends by its signal, without exit handlers.
fn remove_abandoned_work_dirs() {
    let Ok(entries) = std::fs::read_dir(work_root()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(WORK_PREFIX)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write(path: &Path, snapshots: &[u32], options: Hdf5Options) {
    let mut header = Header::default();
    header.snapshot_redshifts = (0..64).map(|s| f64::from(63 - s) / 10.0).collect();
    header.set(
        HeaderGroup::Runtime,
        "frac_volume_processed",
        AttrValue::F64(0.5),
    );
    let options = options.replace(true).chunk_rows(8).header(header);
    let mut output = Hdf5Output::<Galaxy>::create(path, snapshots, options).expect("created");
    for &snapshot in snapshots {
        let galaxies: Vec<Galaxy> = (0..20)
            .map(|i| Galaxy {
                index: i,
                stellar_mass: i as f32,
                kind: (i % 3) as i32,
                pos: [i as f64; 3],
            })
            .collect();
        for (tree, part) in galaxies.chunks(10).enumerate() {
            output.write_tree(snapshot, tree, part).expect("written");
            output.flush().expect("flushed");
        }
    }
    output.finish().expect("finished");
}

fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        remove_abandoned_work_dirs();
        // SAFETY: registers a function that takes nothing and only removes files.
        unsafe { atexit(remove_work_dir) };
        let root = work_dir();
        let kinds: [(&str, Hdf5Options, Vec<u32>); 5] = [
            ("default", Hdf5Options::default(), vec![2, 1]),
            (
                "gzip-shuffle",
                Hdf5Options::default().compress(Compression::deflate(4).with_shuffle()),
                vec![2, 1],
            ),
            (
                "flush-each-buffer",
                Hdf5Options::default().durability(Durability::FlushEachBuffer),
                vec![2, 1],
            ),
            (
                "swmr",
                Hdf5Options::default().durability(Durability::Swmr),
                vec![2, 1],
            ),
            ("20-snapshots", Hdf5Options::default(), (40..60).collect()),
        ];
        let mut bases = Vec::new();
        for (name, options, snapshots) in kinds {
            let dir = root.join(name);
            std::fs::create_dir_all(&dir).expect("a directory");
            let path = dir.join("base.hdf5");
            write(&path, &snapshots, options);
            bases.push(Base {
                bytes: std::fs::read(&path).expect("read back"),
                dir,
            });
        }
        let dir = root.join("master");
        std::fs::create_dir_all(&dir).expect("a directory");
        let outputs: Vec<PathBuf> = (0..2)
            .map(|task| {
                let path = dir.join(format!("model_{task}.hdf5"));
                write(&path, &[2, 1], Hdf5Options::default());
                path
            })
            .collect();
        let master = dir.join("base.hdf5");
        write_master(&master, &outputs, &MasterOptions::default().replace(true)).expect("master");
        bases.push(Base {
            bytes: std::fs::read(&master).expect("read back"),
            dir,
        });
        bases
    })
}

/// Everything `inspect` and `check --read-all` ask of a file.
fn read_everything(catalogue: &Catalogue) {
    if let Ok(header) = catalogue.header() {
        let _: Vec<String> = header.attrs().map(|(_, _, v)| v.to_string()).collect();
        let _ = header.unreadable().len();
    }
    let Ok(snapshots) = catalogue.snapshots() else {
        return;
    };
    for snapshot in snapshots.into_iter().take(24) {
        let _ = catalogue.redshift(snapshot);
        let Ok(rows) = catalogue.num_galaxies(snapshot) else {
            continue;
        };
        let _ = catalogue.galaxies_per_tree(snapshot);
        let Ok(schema) = catalogue.schema(snapshot) else {
            continue;
        };
        if let Ok(fields) = catalogue.field_attributes(snapshot) {
            for field in &fields {
                let _ = (field.text("Units"), field.text("Description"));
                let _ = catalogue.field_unit(snapshot, &field.field);
            }
        }
        for field in schema.fields().iter().take(16) {
            if let Ok((read, bytes)) = catalogue.read_field_rows(snapshot, &field.name, 0..rows) {
                assert_eq!(bytes.len() as u64, rows * read.size() as u64);
            }
        }
        let _ = catalogue.read_rows(snapshot, &schema);
        let _ = catalogue.read_records::<Galaxy>(snapshot);
    }
    let _ = catalogue.check_counts();
    let _ = catalogue.verify();
}

/// Applies one 4-byte damage: what (the first byte), where (the next two, scaled to the file or
/// to its first 64 KiB) and with what (the last).
fn damage(bytes: &mut [u8], op: &[u8]) {
    let len = bytes.len();
    let at = usize::from(u16::from_le_bytes([op[1], op[2]]));
    match op[0] % 4 {
        0 => bytes[at * len / 65536] = op[3],
        1 => bytes[at * len / 65536] ^= 1 << (op[3] % 8),
        2 => bytes[at.min(len - 1)] = op[3],
        _ => {
            let start = at * len / 65536;
            let end = (start + 16 * usize::from(op[3]).max(1)).min(len);
            bytes[start..end].fill(0);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Byte 0: the kind of file (low 3 bits) and whether its end is cut, and where (the rest);
    // then 4-byte damages.
    let Some((&mode, ops)) = data.split_first() else {
        return;
    };
    let bases = bases();
    let base = &bases[usize::from(mode & 7) % bases.len()];
    let mut bytes = base.bytes.clone();
    for op in ops.chunks_exact(4) {
        damage(&mut bytes, op);
    }
    if mode & 8 != 0 {
        let keep = bytes.len() * usize::from(mode >> 4).max(1) / 16;
        bytes.truncate(keep);
    }
    let path = base.dir.join("damaged.hdf5");
    std::fs::write(&path, &bytes).expect("the damaged copy is written");
    let _ = galaxy_io::survey(&path);
    if let Ok(catalogue) = Catalogue::open(&path) {
        read_everything(&catalogue);
    }
    let copy = base.dir.join("recovered.hdf5");
    std::fs::write(&copy, &bytes).expect("the copy to recover is written");
    if recover(&copy).is_ok() {
        if let Ok(catalogue) = Catalogue::open(&copy) {
            read_everything(&catalogue);
        }
    }
});
