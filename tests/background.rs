//! Writing in the background (`Hdf5Options::background`): the same files as on the caller's
//! thread, for every front-end (extended properties included), errors from the I/O thread
//! reported to the caller, flush and statistics as in the foreground, and nothing handed over
//! lost on drop.

use galaxy_io::extended::{ExtendedOutput, PropertyRegistry, PropertySpec};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{
    AttrValue, BufferConfig, Catalogue, Error, FlushHook, Hdf5Options, Hdf5Output, HeaderGroup,
};

#[test]
fn writes_the_same_catalogue_as_the_foreground_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("background.hdf5");
    let mut synthetic = Synthetic::new(21, 62.5);
    let snapshots = [63, 40];
    let data: Vec<(u32, Vec<SageGalaxy>)> = (0..200)
        .map(|i| (snapshots[i % 2], synthetic.tree(snapshots[i % 2], i as i32)))
        .collect();
    let options = Hdf5Options::default().buffer(BufferConfig::fixed(64 * 1024));
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &snapshots, options.background(true)).unwrap();
    for (snapshot, galaxies) in &data {
        output.write(*snapshot, galaxies).unwrap();
    }
    let summary = output.finish().unwrap();
    let catalogue = Catalogue::open(&path).unwrap();
    for snapshot in snapshots {
        let expected: Vec<SageGalaxy> = data
            .iter()
            .filter(|(s, _)| *s == snapshot)
            .flat_map(|(_, g)| g.clone())
            .collect();
        assert!(summary
            .galaxies
            .contains(&(snapshot, expected.len() as u64)));
        assert_eq!(
            catalogue.read_records::<SageGalaxy>(snapshot).unwrap(),
            expected
        );
    }
}

#[test]
fn errors_reach_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("errors.hdf5");
    let missing = dir.path().join("no/such/dir.hdf5");
    let error =
        Hdf5Output::<SageGalaxy>::create(&missing, &[63], Hdf5Options::default().background(true))
            .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error}");

    let failing = Hdf5Options::default()
        .buffer(BufferConfig::fixed(64 * 1024))
        .on_flush(FlushHook::new(|snapshot, _| {
            Err(Error::BadInput {
                snapshot,
                problem: "disk on fire".into(),
            })
        }));
    let mut output =
        Hdf5Output::<SageGalaxy>::create(&path, &[63], failing.background(true)).unwrap();
    let error = output.write(62, &[SageGalaxy::default()]).unwrap_err();
    assert!(
        matches!(error, Error::UnknownSnapshot { snapshot: 62, .. }),
        "{error}"
    );
    let galaxies = vec![SageGalaxy::default(); 2000];
    let mut first_error = None;
    for _ in 0..50 {
        if let Err(error) = output.write(63, &galaxies) {
            first_error = Some(error);
            break;
        }
    }
    let error = first_error.unwrap_or_else(|| output.finish().unwrap_err());
    assert!(error.to_string().contains("disk on fire"), "{error}");
}

#[test]
fn dropping_without_finish_writes_what_was_handed_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.hdf5");
    let (galaxies, _) = Synthetic::new(22, 62.5).galaxies(63, 0, 3000);
    {
        let mut output =
            Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default().background(true))
                .unwrap();
        output.write(63, &galaxies).unwrap();
    }
    assert_eq!(
        Catalogue::open(&path)
            .unwrap()
            .read_records::<SageGalaxy>(63)
            .unwrap(),
        galaxies
    );
}

#[test]
fn extended_properties_flush_stats_and_the_header_work_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extended.hdf5");
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let h2 = registry
        .register::<f32>(
            PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas"),
            -1.0,
        )
        .unwrap();
    let options = Hdf5Options::default()
        .buffer(BufferConfig::fixed(64 * 1024))
        .background(true);
    let mut output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[63, 32], options, &registry).unwrap();
    let (galaxies, per_tree) = Synthetic::new(5, 62.5).galaxies(63, 0, 3000);
    let mut start = 0;
    for (tree, &count) in per_tree.iter().enumerate() {
        let trees = &galaxies[start..start + count as usize];
        output
            .write_tree(63, tree, trees, |i, row| row.set(h2, (start + i) as f32))
            .unwrap();
        start += count as usize;
    }
    output.flush().unwrap();
    let written: u64 = output
        .stats()
        .iter()
        .filter(|s| s.snapshot == 63)
        .map(|s| s.galaxies_written)
        .sum();
    assert_eq!(written, 3000, "flush waits for the I/O thread");
    output.header_mut().set(
        HeaderGroup::Runtime,
        "frac_volume_processed",
        AttrValue::F64(0.25),
    );
    output.finish().unwrap();

    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(catalogue.read_records::<SageGalaxy>(63).unwrap(), galaxies);
    let masses = catalogue.read_column::<f32>(63, "H2Mass").unwrap();
    assert!(masses.iter().enumerate().all(|(i, &m)| m == i as f32));
    assert_eq!(catalogue.galaxies_per_tree(63).unwrap().unwrap(), per_tree);
    assert_eq!(
        catalogue
            .header()
            .unwrap()
            .get(HeaderGroup::Runtime, "frac_volume_processed"),
        Some(&AttrValue::F64(0.25))
    );
}
