//! The HDF5 output handler end to end: round trips of the full SAGE record and of a record with
//! split, flattened and multi-dimensional fields, identical files for any buffer configuration,
//! and the errors users meet.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{
    field, BufferConfig, Catalogue, Compression, Durability, Error, FieldPath, GalaxyRecord,
    Hdf5Options, Hdf5Output, Schema,
};

use std::path::Path;

const SNAPSHOTS: [u32; 5] = [63, 40, 32, 20, 12];

/// The galaxies of each tree of each snapshot.
type Trees = Vec<(usize, Vec<SageGalaxy>)>;

/// Galaxies for every snapshot (snapshot 12 stays empty), with their trees.
fn catalogue(seed: u64) -> Vec<(u32, Trees)> {
    let mut synthetic = Synthetic::new(seed, 62.5);
    SNAPSHOTS
        .iter()
        .map(|&snapshot| {
            let trees = if snapshot == 12 {
                0
            } else {
                40 + snapshot as usize * 7
            };
            let trees = (0..trees)
                .map(|tree| (tree, synthetic.tree(snapshot, tree as i32)))
                .collect();
            (snapshot, trees)
        })
        .collect()
}

fn write(path: &Path, options: Hdf5Options, data: &[(u32, Trees)]) {
    let mut output = Hdf5Output::<SageGalaxy>::create(path, &SNAPSHOTS, options).unwrap();
    for (snapshot, trees) in data {
        for (tree, galaxies) in trees {
            output.write_tree(*snapshot, *tree, galaxies).unwrap();
        }
    }
    let summary = output.finish().unwrap();
    for (snapshot, trees) in data {
        let expected: usize = trees.iter().map(|(_, g)| g.len()).sum();
        assert!(summary.galaxies.contains(&(*snapshot, expected as u64)));
    }
}

#[test]
fn sage_galaxies_round_trip_over_several_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_0.hdf5");
    let data = catalogue(1);
    write(&path, Hdf5Options::default(), &data);

    let catalogue = Catalogue::open(&path).unwrap();
    let mut snapshots = SNAPSHOTS.to_vec();
    snapshots.sort();
    assert_eq!(catalogue.snapshots().unwrap(), snapshots);
    for (snapshot, trees) in &data {
        let expected: Vec<SageGalaxy> = trees.iter().flat_map(|(_, g)| g.clone()).collect();
        assert_eq!(
            catalogue.num_galaxies(*snapshot).unwrap(),
            expected.len() as u64
        );
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(*snapshot).unwrap(),
            expected
        );
        let posy: Vec<f32> = expected.iter().map(|g| g.pos[1]).collect();
        assert_eq!(
            catalogue.read_column::<f32>(*snapshot, "Posy").unwrap(),
            posy
        );
        let per_tree: Vec<i32> = trees.iter().map(|(_, g)| g.len() as i32).collect();
        let stored = catalogue.galaxies_per_tree(*snapshot).unwrap().unwrap();
        assert_eq!(&stored[..per_tree.len()], &per_tree[..]);
        assert!(stored[per_tree.len()..].iter().all(|&n| n == 0));
    }
    let schema = catalogue.schema(63).unwrap();
    assert_eq!(schema.fields().len(), 54);
    assert_eq!(schema.field("StellarMass").unwrap().units, "1.0e10 Msun/h");
}

#[derive(Clone, Copy, Debug, PartialEq, GalaxyRecord)]
#[repr(C)]
struct Disk {
    #[galaxy(name = "Mass", units = "1e10 Msun/h")]
    mass: f64,
    #[galaxy(name = "Radius")]
    radius: f64,
}

/// A record that uses every layout feature.
#[derive(Clone, Copy, Debug, PartialEq, GalaxyRecord)]
#[repr(C)]
struct Rich {
    #[galaxy(name = "SFH")]
    sfh: [[f64; 4]; 3],
    #[galaxy(flatten, name = "Disk")]
    disk: Disk,
    #[galaxy(split = ["Posx", "Posy", "Posz"])]
    pos: [f32; 3],
    #[galaxy(name = "Flags")]
    flags: [u8; 4],
    #[galaxy(name = "Index")]
    index: i64,
    #[galaxy(skip)]
    scratch: u64,
}

#[test]
fn split_flattened_and_array_fields_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rich.hdf5");
    let galaxies: Vec<Rich> = (0..1000)
        .map(|i| {
            let x = i as f64;
            Rich {
                sfh: [[x, x + 0.5, -x, 1.0 / (x + 1.0)]; 3],
                disk: Disk {
                    mass: x * 2.0,
                    radius: x.sqrt(),
                },
                pos: [x as f32, -(x as f32), 0.25],
                flags: [i as u8, 1, 2, 3],
                index: i * 1_000_000_007,
                scratch: 99,
            }
        })
        .collect();
    let options = Hdf5Options::default().buffer(BufferConfig::fixed(10_000));
    let mut output = Hdf5Output::<Rich>::create(&path, &[5, 7], options).unwrap();
    output.write(5, &galaxies[..300]).unwrap();
    output.write(7, &galaxies).unwrap();
    output.write(5, &galaxies[300..]).unwrap();
    output.finish().unwrap();

    let catalogue = Catalogue::open(&path).unwrap();
    let expected: Vec<Rich> = galaxies.iter().map(|g| Rich { scratch: 0, ..*g }).collect();
    assert_eq!(catalogue.read_records::<Rich>(5).unwrap(), expected);
    assert_eq!(catalogue.read_records::<Rich>(7).unwrap(), expected);
    let names: Vec<String> = catalogue
        .schema(5)
        .unwrap()
        .fields()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    for name in [
        "SFH",
        "DiskMass",
        "DiskRadius",
        "Posx",
        "Posy",
        "Posz",
        "Flags",
        "Index",
    ] {
        assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
    }
    assert_eq!(
        catalogue.schema(5).unwrap().field("SFH").unwrap().shape,
        [3, 4]
    );
    let sfh = catalogue.read_column::<[[f64; 4]; 3]>(7, "SFH").unwrap();
    assert_eq!(sfh[10], galaxies[10].sfh);
}

#[test]
fn every_buffer_configuration_writes_the_same_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogue(2);
    let record = std::mem::size_of::<SageGalaxy>();
    let total: usize = data
        .iter()
        .flat_map(|(_, t)| t.iter().map(|(_, g)| g.len()))
        .sum();
    let growing = BufferConfig {
        initial_size: record,
        max_size: 64 * record,
        growth_factor: 1.5,
        auto_resize: true,
        resize_threshold_percent: 50,
    };
    let configs = [
        ("record-sized", BufferConfig::fixed(record)),
        ("odd", BufferConfig::fixed(record * 3 + 17)),
        ("default", BufferConfig::default()),
        (
            "larger than all data",
            BufferConfig::fixed(record * (total + 1)),
        ),
        ("auto-resize on", growing),
        (
            "auto-resize off",
            BufferConfig {
                auto_resize: false,
                ..growing
            },
        ),
    ];
    let mut reference: Option<Vec<Vec<u8>>> = None;
    for (name, buffer) in configs {
        let path = dir.path().join(format!("{name}.hdf5"));
        write(
            &path,
            Hdf5Options::default().buffer(buffer).chunk_rows(17),
            &data,
        );
        let catalogue = Catalogue::open(&path).unwrap();
        let contents: Vec<Vec<u8>> = SNAPSHOTS
            .iter()
            .map(|&snapshot| {
                let schema = catalogue.schema(snapshot).unwrap();
                catalogue.read_rows(snapshot, &schema).unwrap()
            })
            .collect();
        match &reference {
            None => reference = Some(contents),
            Some(reference) => assert!(reference == &contents, "{name} differs from record-sized"),
        }
    }
}

#[test]
fn compressed_datasets_read_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deflate.hdf5");
    let data = catalogue(3);
    let options = Hdf5Options::default().compress(Compression::deflate(4).with_shuffle());
    write(&path, options, &data);
    let expected: Vec<SageGalaxy> = data[0].1.iter().flat_map(|(_, g)| g.clone()).collect();
    assert_eq!(
        Catalogue::open(&path)
            .unwrap()
            .read_records::<SageGalaxy>(63)
            .unwrap(),
        expected
    );
}

#[test]
fn dropping_without_finish_keeps_what_was_written_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.hdf5");
    let (galaxies, _) = Synthetic::new(4, 62.5).galaxies(63, 0, 5000);
    {
        let mut output =
            Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default()).unwrap();
        output.write(63, &galaxies).unwrap();
    }
    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(catalogue.read_records::<SageGalaxy>(63).unwrap(), galaxies);
}

#[test]
fn errors_say_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.hdf5");
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default()).unwrap();

    let error = output.write(50, &[SageGalaxy::default()]).unwrap_err();
    assert!(
        matches!(&error, Error::UnknownSnapshot { snapshot: 50, known, .. } if known == &[63]),
        "{error}"
    );
    output.write(63, &[SageGalaxy::default(); 2]).unwrap();
    output.finish().unwrap();

    let error = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default()).unwrap_err();
    assert!(matches!(error, Error::FileExists(_)), "{error}");
    let overwrite = Hdf5Options::default().replace(true);
    Hdf5Output::<SageGalaxy>::create(&path, &[63], overwrite)
        .unwrap()
        .finish()
        .unwrap();

    let missing_dir = dir.path().join("no/such/dir/model.hdf5");
    let error =
        Hdf5Output::<SageGalaxy>::create(&missing_dir, &[63], Hdf5Options::default()).unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");
    assert!(error.to_string().contains("no/such/dir"), "{error}");

    let catalogue = Catalogue::open(&path).unwrap();
    let error = catalogue.read_records::<SageGalaxy>(62).unwrap_err();
    assert!(
        error.to_string().contains("there is no snapshot 62"),
        "{error}"
    );

    #[derive(Clone, Copy, Debug, GalaxyRecord)]
    #[repr(C)]
    struct WrongType {
        #[galaxy(name = "StellarMass")]
        stellar_mass: f64,
    }
    let error = catalogue.read_records::<WrongType>(63).unwrap_err();
    assert!(
        matches!(&error, Error::SchemaMismatch { field, snapshot: 63, .. } if field == "StellarMass"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("is f32 in the file but f64 in the record"),
        "{error}"
    );

    #[derive(Clone, Copy, Debug, GalaxyRecord)]
    #[repr(C)]
    struct Missing {
        #[galaxy(name = "DarkMatterSpin")]
        spin: f32,
    }
    let error = catalogue.read_records::<Missing>(63).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`DarkMatterSpin`: is not in the file"),
        "{error}"
    );

    let error = catalogue.read_column::<[f32; 3]>(63, "Posx").unwrap_err();
    assert!(error.to_string().contains("shape"), "{error}");
    assert!(Schema::of::<SageGalaxy>().is_ok());
}

#[test]
fn tree_numbers_are_checked_against_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let galaxies = [SageGalaxy::default(); 2];
    let mut output = Hdf5Output::<SageGalaxy>::create(
        dir.path().join("a.hdf5"),
        &[63, 32],
        Hdf5Options::default(),
    )
    .unwrap();
    output.write_tree(63, 0, &galaxies).unwrap();
    output.write_tree(32, 1, &galaxies).unwrap();
    output.write_tree(63, 1, &galaxies[..1]).unwrap();
    let error = output.write_tree(63, 1_000_000_000, &galaxies).unwrap_err();
    assert!(
        matches!(&error, Error::BadInput { snapshot: 63, problem } if problem.contains("tree 1000000000 skips trees 2..1000000000")),
        "{error}"
    );
    output.write_tree(63, 2, &[]).unwrap();
    output.finish().unwrap();
    let catalogue = Catalogue::open(dir.path().join("a.hdf5")).unwrap();
    assert_eq!(catalogue.galaxies_per_tree(63).unwrap().unwrap(), [2, 1, 0]);
    assert_eq!(catalogue.galaxies_per_tree(32).unwrap().unwrap(), [0, 2, 0]);
    assert_eq!(
        catalogue.num_galaxies(63).unwrap(),
        3,
        "the refused write wrote nothing"
    );

    let declared = Hdf5Options::default().trees(10);
    let mut output =
        Hdf5Output::<SageGalaxy>::create(dir.path().join("b.hdf5"), &[63], declared).unwrap();
    output.write_tree(63, 7, &galaxies).unwrap();
    output.write_tree(63, 3, &galaxies).unwrap();
    let error = output.write_tree(63, 10, &galaxies).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("tree 10 is beyond the 10 trees this output declares"),
        "{error}"
    );
    output.finish().unwrap();
    let counts = Catalogue::open(dir.path().join("b.hdf5"))
        .unwrap()
        .galaxies_per_tree(63)
        .unwrap()
        .unwrap();
    assert_eq!(counts, [0, 0, 0, 2, 0, 0, 0, 2, 0, 0]);
}

/// Millions of galaxies through the default configuration; run with `cargo test -- --ignored`.
#[test]
#[ignore = "writes about 1.2 GB; run explicitly"]
fn millions_of_galaxies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.hdf5");
    let mut synthetic = Synthetic::new(5, 500.0);
    let snapshots = [63, 50, 40, 30, 20];
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &snapshots, Hdf5Options::default()).unwrap();
    let mut samples = Vec::new();
    for &snapshot in &snapshots {
        for batch in 0..10 {
            let (galaxies, _) = synthetic.galaxies(snapshot, batch * 1_000_000, 100_000);
            samples.push((snapshot, batch as usize * 100_000 + 777, galaxies[777]));
            output.write(snapshot, &galaxies).unwrap();
        }
    }
    output.finish().unwrap();
    let catalogue = Catalogue::open(&path).unwrap();
    for &snapshot in &snapshots {
        assert_eq!(catalogue.num_galaxies(snapshot).unwrap(), 1_000_000);
    }
    for (snapshot, row, galaxy) in samples {
        let stellar = catalogue
            .read_column::<f32>(snapshot, "StellarMass")
            .unwrap();
        assert_eq!(stellar[row], galaxy.stellar_mass);
    }
}

#[test]
fn compression_can_be_limited_to_some_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("some_compressed.hdf5");
    let compression = Compression::deflate(6).with_shuffle();
    let options = Hdf5Options::default().compress_only(
        compression,
        [field!(SageGalaxy, stellar_mass), FieldPath::named("Mvir")],
    );
    let (galaxies, _) = Synthetic::new(12, 62.5).galaxies(63, 0, 2000);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], options).unwrap();
    output.write(63, &galaxies).unwrap();
    output.finish().unwrap();

    let file = hdf5::File::open(&path).unwrap();
    let filters = |name: &str| {
        file.dataset(&format!("Snap_63/{name}"))
            .unwrap()
            .filters()
            .len()
    };
    assert_eq!(filters("StellarMass"), 2, "shuffle and deflate");
    assert_eq!(filters("Mvir"), 2);
    assert_eq!(filters("Posx"), 0);
    drop(file);
    assert_eq!(
        Catalogue::open(&path)
            .unwrap()
            .read_records::<SageGalaxy>(63)
            .unwrap(),
        galaxies
    );

    let unknown =
        Hdf5Options::default().compress_only(compression, [FieldPath::named("StelarMass")]);
    let other = dir.path().join("typo.hdf5");
    let error = Hdf5Output::<SageGalaxy>::create(&other, &[63], unknown).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`StelarMass` is named in the options but is not a field of the record"),
        "{error}"
    );
    // A field of another record type is refused as well: its offsets mean nothing here.
    #[derive(Clone, Copy, GalaxyRecord)]
    #[repr(C)]
    struct Other {
        #[galaxy(name = "StellarMass")]
        mass: f32,
    }
    let foreign = Hdf5Options::default().compress_only(compression, [field!(Other, mass)]);
    let error = Hdf5Output::<SageGalaxy>::create(&other, &[63], foreign).unwrap_err();
    assert!(error.to_string().contains("is a field of"), "{error}");
    assert!(
        !other.exists(),
        "nothing is created for an invalid configuration"
    );
}

#[test]
fn durable_modes_finish_into_the_same_catalogue() {
    let data = catalogue(6);
    for durability in [Durability::FlushEachBuffer, Durability::Swmr] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("durable.hdf5");
        let options = Hdf5Options::default()
            .durability(durability)
            .buffer(BufferConfig::fixed(64 * 1024));
        // `write` adds tree counts, which an SWMR writer may only add after leaving SWMR mode.
        write(&path, options, &data);
        let catalogue = Catalogue::open(&path).unwrap();
        for (snapshot, trees) in &data {
            let expected: Vec<SageGalaxy> = trees.iter().flat_map(|(_, g)| g.clone()).collect();
            assert_eq!(
                catalogue.read_records::<SageGalaxy>(*snapshot).unwrap(),
                expected,
                "{durability:?}"
            );
            let stored = catalogue.galaxies_per_tree(*snapshot).unwrap().unwrap();
            assert_eq!(
                stored.iter().map(|&n| n as usize).sum::<usize>(),
                expected.len()
            );
        }
    }
}

#[test]
fn outputs_and_catalogues_debug_print_what_they_are_not_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("debug.hdf5");
    let options = Hdf5Options::default().background(true);
    let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63, 32], options).unwrap();
    output.write(63, &[SageGalaxy::default(); 1000]).unwrap();
    let shown = format!("{output:?}");
    for part in [
        "Hdf5Output",
        "SageGalaxy",
        "debug.hdf5",
        "[63, 32]",
        "a thread of its own",
    ] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
    assert!(shown.len() < 400, "no rows printed: {shown}");
    output.finish().unwrap();
    let shown = format!("{:?}", Catalogue::open(&path).unwrap());
    assert!(
        shown.contains("debug.hdf5") && shown.contains("parts: 1"),
        "{shown}"
    );
}

#[test]
fn a_snapshot_list_that_no_file_can_have_is_refused_before_a_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.hdf5");
    let create = |snapshots: &[u32]| {
        Hdf5Output::<SageGalaxy>::create(&path, snapshots, Hdf5Options::default()).unwrap_err()
    };
    let empty = create(&[]);
    assert!(
        matches!(&empty, Error::InvalidSnapshots { path: p, .. } if p == &path),
        "{empty}"
    );
    let twice = create(&[63, 3, 3]);
    assert!(matches!(twice, Error::InvalidSnapshots { .. }), "{twice}");
    assert!(
        twice.to_string().contains("snapshot 3 is listed twice"),
        "{twice}"
    );
    assert!(!path.exists(), "no file is left behind");
}

#[test]
fn only_sage_records_are_said_to_be_written_by_a_sage_version_unless_the_user_says_so() {
    use galaxy_io::{AttrValue, Header, HeaderGroup};
    #[derive(Clone, Copy, GalaxyRecord)]
    #[repr(C)]
    struct Mine {
        #[galaxy(name = "Mass", units = "Msun")]
        mass: f64,
    }
    let dir = tempfile::tempdir().unwrap();
    let misc = |path: &Path, name: &str| {
        let header = Catalogue::open(path).unwrap().header().unwrap();
        header.get(HeaderGroup::Misc, name).cloned()
    };
    let mine = dir.path().join("mine.hdf5");
    let mut output = Hdf5Output::<Mine>::create(&mine, &[1], Hdf5Options::default()).unwrap();
    output.write(1, &[Mine { mass: 1.0 }]).unwrap();
    output.finish().unwrap();
    assert_eq!(misc(&mine, "sage_version"), None);
    assert_eq!(misc(&mine, "git_SHA_reference"), None);
    assert!(misc(&mine, "sage_data_version").is_some());

    let named = dir.path().join("named.hdf5");
    let mut header = Header::default();
    header.set(
        HeaderGroup::Misc,
        "sage_version",
        AttrValue::Text("my-model 2.1".into()),
    );
    let options = Hdf5Options::default().header(header.clone());
    Hdf5Output::<Mine>::create(&named, &[1], options)
        .unwrap()
        .finish()
        .unwrap();
    let version = Some(AttrValue::Text("my-model 2.1".into()));
    assert_eq!(misc(&named, "sage_version"), version);

    let sage = dir.path().join("sage.hdf5");
    Hdf5Output::<SageGalaxy>::create(&sage, &[1], Hdf5Options::default())
        .unwrap()
        .finish()
        .unwrap();
    let written = misc(&sage, "sage_version").unwrap();
    assert!(
        matches!(&written, AttrValue::Text(text) if text.starts_with("galaxy-io ")),
        "{written:?}"
    );
    assert!(misc(&sage, "git_SHA_reference").is_some());
    let sage_named = dir.path().join("sage_named.hdf5");
    let options = Hdf5Options::default().header(header);
    Hdf5Output::<SageGalaxy>::create(&sage_named, &[1], options)
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(
        misc(&sage_named, "sage_version"),
        version,
        "the user's, kept"
    );
}
