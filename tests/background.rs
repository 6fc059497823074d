//! The background writer: same files as the foreground output, errors from the I/O thread
//! reported to the caller, and nothing handed over lost on drop.

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BackgroundOutput, BufferConfig, Catalogue, Error, FlushHook, Hdf5Options};

#[test]
fn writes_the_same_catalogue_as_the_foreground_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("background.hdf5");
    let mut synthetic = Synthetic::new(21, 62.5);
    let snapshots = [63, 40];
    let data: Vec<(u32, Vec<SageGalaxy>)> = (0..200)
        .map(|i| (snapshots[i % 2], synthetic.tree(snapshots[i % 2], i as i32)))
        .collect();
    let options = Hdf5Options {
        buffer: BufferConfig::fixed(64 * 1024),
        ..Hdf5Options::default()
    };
    let mut output = BackgroundOutput::<SageGalaxy>::create(&path, &snapshots, options).unwrap();
    for (snapshot, galaxies) in &data {
        output.write_galaxies(*snapshot, galaxies).unwrap();
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
    let error = BackgroundOutput::<SageGalaxy>::create(&missing, &[63], Hdf5Options::default())
        .err()
        .unwrap();
    assert!(matches!(error, Error::Io { .. }), "{error}");

    let failing = Hdf5Options {
        buffer: BufferConfig::fixed(64 * 1024),
        on_flush: Some(FlushHook::new(|snapshot, _| {
            Err(Error::BadInput {
                snapshot,
                problem: "disk on fire".into(),
            })
        })),
        ..Hdf5Options::default()
    };
    let mut output = BackgroundOutput::<SageGalaxy>::create(&path, &[63], failing).unwrap();
    let error = output
        .write_galaxies(62, &[SageGalaxy::default()])
        .unwrap_err();
    assert!(
        matches!(error, Error::UnknownSnapshot { snapshot: 62, .. }),
        "{error}"
    );
    let galaxies = vec![SageGalaxy::default(); 2000];
    let mut first_error = None;
    for _ in 0..50 {
        if let Err(error) = output.write_galaxies(63, &galaxies) {
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
            BackgroundOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default()).unwrap();
        output.write_galaxies(63, &galaxies).unwrap();
    }
    assert_eq!(
        Catalogue::open(&path)
            .unwrap()
            .read_records::<SageGalaxy>(63)
            .unwrap(),
        galaxies
    );
}
