//! Arbitrary schemas checked against a real catalogue: building the schema and reading a
//! snapshot with it must give records or a clear error, never a panic.
#![no_main]

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{Catalogue, Dtype, Field, Hdf5Options, Hdf5Output, Schema};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const NAMES: [&str; 8] = [
    "StellarMass",
    "Posx",
    "Type",
    "GalaxyIndex",
    "Mvir",
    "Missing",
    "SnapNum",
    "Len",
];

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let path =
            std::env::temp_dir().join(format!("galaxy-io-fuzz-schema-{}.hdf5", std::process::id()));
        let options = Hdf5Options::default().replace(true);
        let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).expect("created");
        output
            .write(63, &Synthetic::new(1, 62.5).galaxies(63, 0, 100).0)
            .expect("written");
        output.finish().expect("finished");
        Catalogue::open(&path).expect("opened")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else {
        return;
    };
    let fields: Vec<Field> = rest
        .chunks_exact(4)
        .map(|bytes| Field {
            name: NAMES[usize::from(bytes[0]) % NAMES.len()].to_owned(),
            offset: usize::from(bytes[1]),
            dtype: Dtype::ALL[usize::from(bytes[2]) % Dtype::ALL.len()],
            shape: (0..bytes[3] % 3)
                .map(|d| usize::from(d + bytes[3] % 5))
                .collect(),
            units: String::new(),
            unit: None,
            description: String::new(),
        })
        .collect();
    if let Ok(schema) = Schema::new(fields, usize::from(size)) {
        if let Ok(rows) = catalogue().read_rows(63, &schema) {
            assert_eq!(rows.len(), 100 * schema.record_size());
        }
    }
});
