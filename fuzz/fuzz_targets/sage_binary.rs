//! Arbitrary bytes as a SAGE binary galaxy file: the reader must answer with galaxies or an
//! error, never a panic or an allocation the file cannot back.
#![no_main]

use galaxy_io::sage::binary::BinaryReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("galaxy-io-fuzz-{}_z0.000_0", std::process::id()));
    std::fs::write(&path, data).expect("the temporary directory is writable");
    if let Ok(reader) = BinaryReader::open(&path) {
        let expected = reader.num_galaxies();
        let galaxies = reader
            .read_all()
            .expect("a validated file reads completely");
        assert_eq!(galaxies.len() as u64, expected);
    }
});
