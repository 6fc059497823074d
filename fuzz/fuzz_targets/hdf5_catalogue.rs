//! Damaged catalogues through the reader: a small valid catalogue (in both file formats) with
//! bytes overwritten and its end cut at places the fuzzer chooses, then opened and read the way
//! `galaxy-io inspect` reads a file. Every call must return data or an error: no panic, no
//! abort, no memory error.
#![no_main]

use galaxy_io::{AttrValue, Catalogue, Durability, GalaxyRecord, Hdf5Options, Hdf5Output, Storage};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[derive(Clone, Copy, GalaxyRecord)]
#[repr(C)]
struct Galaxy {
    #[galaxy(name = "GalaxyIndex", units = "Unitless")]
    index: i64,
    #[galaxy(name = "StellarMass", units = "1.0e10 Msun/h", description = "Mass of stars.")]
    stellar_mass: f32,
    #[galaxy(name = "Type")]
    kind: i32,
    #[galaxy(name = "Pos")]
    pos: [f64; 3],
}

/// The valid catalogues, in the earliest and in the v110 file format.
fn bases() -> &'static [Vec<u8>; 2] {
    static BASES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    BASES.get_or_init(|| {
        let write = |durability| {
            let path = std::env::temp_dir()
                .join(format!("galaxy-io-fuzz-base-{}.hdf5", std::process::id()));
            let mut options = Hdf5Options::default().replace(true).durability(durability).chunk_rows(8);
            options.header.snapshot_redshifts = vec![1.0, 0.5, 0.0];
            let mut output = Hdf5Output::<Galaxy>::create(&path, &[2, 1], options).expect("created");
            for snapshot in [1, 2] {
                let galaxies: Vec<Galaxy> = (0..20)
                    .map(|i| Galaxy {
                        index: i,
                        stellar_mass: i as f32,
                        kind: (i % 3) as i32,
                        pos: [i as f64; 3],
                    })
                    .collect();
                output.write_tree(snapshot, 0, &galaxies).expect("written");
            }
            output.finish().expect("finished");
            let bytes = std::fs::read(&path).expect("read back");
            let _ = std::fs::remove_file(&path);
            bytes
        };
        [write(Durability::AtFinish), write(Durability::FlushEachBuffer)]
    })
}

fn damaged_path() -> std::path::PathBuf {
    let dir = std::path::Path::new("/dev/shm");
    let dir = if dir.is_dir() { dir.to_owned() } else { std::env::temp_dir() };
    dir.join(format!("galaxy-io-fuzz-{}.hdf5", std::process::id()))
}

/// Everything `inspect` asks of a file.
fn read_everything(catalogue: &Catalogue) {
    if let Ok(header) = catalogue.header() {
        let _: Vec<String> = header.attrs().map(|(_, _, v)| v.to_string()).collect();
        let _ = header.unreadable().len();
    }
    let Ok(snapshots) = catalogue.snapshots() else {
        return;
    };
    for snapshot in snapshots.into_iter().take(8) {
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
                let _: Vec<String> = field
                    .attributes
                    .iter()
                    .filter_map(|(_, v)| v.as_ref().ok().map(AttrValue::kind))
                    .collect();
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
}

fuzz_target!(|data: &[u8]| {
    // Byte 0 picks the format and whether to cut the end; the rest are 3-byte patches: a
    // position (16 bits, scaled to the file) and the byte to put there.
    let Some((&mode, patches)) = data.split_first() else {
        return;
    };
    let mut bytes = bases()[usize::from(mode & 1)].clone();
    for patch in patches.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([patch[0], patch[1]])) * bytes.len() / 65536;
        bytes[at] = patch[2];
    }
    if mode & 2 != 0 {
        let keep = bytes.len() * usize::from(mode >> 2) / 64;
        bytes.truncate(keep);
    }
    let path = damaged_path();
    std::fs::write(&path, &bytes).expect("the damaged copy is written");
    if let Ok(catalogue) = Catalogue::open(&path) {
        read_everything(&catalogue);
    }
});
