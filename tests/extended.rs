//! Extended properties: registered at run time, written in the same rows as the static record,
//! listed and read exactly like static fields.

mod common;

use galaxy_io::extended::{ExtendedOutput, NoRecord, PropertyRegistry, PropertySpec};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BufferConfig, Catalogue, Error, Hdf5Options};
use std::process::Command;

#[test]
fn static_and_extended_properties_round_trip() {
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    // Two "modules" holding their own clone of the registry.
    let (module_a, module_b) = (registry.clone(), registry.clone());
    let h2 = module_a
        .register::<f32>(
            PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular hydrogen mass."),
            -1.0,
        )
        .unwrap();
    let bins = module_b
        .register::<[f64; 4]>(
            PropertySpec::new("SFHBins", "Msun/yr", "Star formation history."),
            [0.0; 4],
        )
        .unwrap();
    let flag = module_b
        .register::<u8>(PropertySpec::new("Quenched", "", "1 if quenched."), 0)
        .unwrap();

    let mut synthetic = Synthetic::new(7, 62.5);
    let snapshots = [63u32, 40, 20];
    let data: Vec<(u32, Vec<SageGalaxy>)> = snapshots
        .iter()
        .map(|&s| (s, synthetic.galaxies(s, 0, 3000 + s as usize).0))
        .collect();
    let record = registry.schema().unwrap().record_size();
    assert_eq!(record % 8, 0, "rows stay 8-byte aligned");

    for (name, buffer) in [
        ("default", BufferConfig::default()),
        ("one row", BufferConfig::fixed(record)),
        ("odd", BufferConfig::fixed(record * 5 + 3)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model_0.hdf5");
        let options = Hdf5Options::default().buffer(buffer);
        let mut output =
            ExtendedOutput::<SageGalaxy>::create(&path, &snapshots, options, &registry).unwrap();
        for (snapshot, galaxies) in &data {
            output
                .write(*snapshot, galaxies, |i, row| {
                    if i % 3 != 0 {
                        row.set(h2, galaxies[i].cold_gas * 0.5)?;
                    }
                    row.set(bins, [i as f64, 1.0, 2.0, f64::from(*snapshot)])?;
                    row.set(flag, (i % 2) as u8)
                })
                .unwrap();
        }
        output.finish().unwrap();

        let catalogue = Catalogue::open(&path).unwrap();
        for (snapshot, galaxies) in &data {
            assert_eq!(
                &catalogue.read_records::<SageGalaxy>(*snapshot).unwrap(),
                galaxies,
                "{name}"
            );
            let stored = catalogue
                .read_column::<f32>(*snapshot, &registry.name(h2).unwrap())
                .unwrap();
            for (i, value) in stored.iter().enumerate() {
                let expected = if i % 3 != 0 {
                    galaxies[i].cold_gas * 0.5
                } else {
                    -1.0
                };
                assert_eq!(*value, expected, "{name}: fill value where not set");
            }
            let bins = catalogue
                .read_column::<[f64; 4]>(*snapshot, "SFHBins")
                .unwrap();
            assert_eq!(bins[17], [17.0, 1.0, 2.0, f64::from(*snapshot)]);
            assert_eq!(
                catalogue.read_column::<u8>(*snapshot, "Quenched").unwrap()[3],
                1
            );
        }
        let schema = catalogue.schema(63).unwrap();
        assert_eq!(schema.fields().len(), 57);
        assert_eq!(schema.field("H2Mass").unwrap().units, "1.0e10 Msun/h");
        assert_eq!(schema.field("SFHBins").unwrap().shape, [4]);
    }
}

#[test]
fn h5py_sees_extended_properties_like_static_ones() {
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let h2 = registry
        .register::<f32>(
            PropertySpec::new("H2Mass", "1.0e10 Msun/h", "Molecular gas."),
            0.0,
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model_0.hdf5");
    let mut output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default(), &registry)
            .unwrap();
    output
        .write(63, &[SageGalaxy::default(); 5], |i, row| {
            row.set(h2, i as f32)
        })
        .unwrap();
    output.finish().unwrap();

    let script = "import h5py, sys\n\
        s = h5py.File(sys.argv[1], 'r')['Snap_63']\n\
        h2, mass = s['H2Mass'], s['StellarMass']\n\
        assert h2.dtype == mass.dtype and h2.maxshape == mass.maxshape\n\
        assert set(h2.attrs.keys()) == set(mass.attrs.keys()) >= {'Description', 'Units', 'units'}\n\
        assert h2.attrs['units'] == mass.attrs['units'] == b'1e10*Msun'\n\
        assert h2.attrs['Units'] == b'1.0e10 Msun/h'\n\
        assert list(h2[:]) == [0, 1, 2, 3, 4]\n\
        assert s.attrs['num_gals'] == 5\n\
        print('ok')\n";
    let out = common::output(Command::new("python3").args(["-c", script]).arg(&path))
        .expect("python3 with h5py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_purely_run_time_schema() {
    let registry = PropertyRegistry::runtime();
    let mass = registry
        .register::<f64>(
            PropertySpec::new("Mass", "Msun", "From a config file."),
            0.0,
        )
        .unwrap();
    let id = registry
        .register::<i64>(PropertySpec::new("Id", "", ""), -1)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runtime.hdf5");
    let mut output =
        ExtendedOutput::<NoRecord>::create(&path, &[1], Hdf5Options::default(), &registry).unwrap();
    output
        .write(1, &NoRecord::rows(2500), |i, row| {
            row.set(mass, i as f64 * 1.5)?;
            row.set(id, i as i64)
        })
        .unwrap();
    output.finish().unwrap();
    let catalogue = Catalogue::open(&path).unwrap();
    assert_eq!(
        catalogue.read_column::<f64>(1, "Mass").unwrap()[2499],
        2499.0 * 1.5
    );
    assert_eq!(catalogue.read_column::<i64>(1, "Id").unwrap()[7], 7);
}

#[test]
fn registration_errors() {
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let spec = |name: &str| PropertySpec::new(name, "", "");
    registry.register::<f32>(spec("H2Mass"), 0.0).unwrap();
    let duplicate = registry.register::<f64>(spec("H2Mass"), 0.0).unwrap_err();
    assert!(
        duplicate
            .to_string()
            .contains("`H2Mass`: is already registered"),
        "{duplicate}"
    );
    let collision = registry.register::<f32>(spec("Mvir"), 0.0).unwrap_err();
    assert!(
        collision
            .to_string()
            .contains("collides with a field of the static record"),
        "{collision}"
    );
    let invalid = registry.register::<f32>(spec("a/b"), 0.0).unwrap_err();
    assert!(matches!(invalid, Error::Property { .. }), "{invalid}");

    // Units go through the derive's parser, at registration; the error names the property.
    let units = |name: &str, units: &str| PropertySpec::new(name, units, "");
    for (spec, expected) in [
        (units("H2Frac", "Msum/h"), "`H2Frac`: invalid units: unknown unit `Msum` at byte 0 of `Msum/h` (did you mean `Msun`?)"),
        (units("H2Disk", "Mpc^"), "`H2Disk`: invalid units: expected an integer exponent"),
        (units("H2Ratio", "1/h"), "`H2Ratio`: invalid units: `1/h` is a pure number with an `h` exponent"),
        (units("H2Mass2", "1.0e10 Msun/h").comoving(), "`H2Mass2`: invalid units: `1e10*Msun` has no length dimension"),
    ] {
        let error = registry.register::<f32>(spec, 0.0).unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    let centre = registry
        .register::<f32>(units("H2Centre", "kpc/h").comoving(), 0.0)
        .unwrap();
    let field = registry
        .schema()
        .unwrap()
        .field("H2Centre")
        .cloned()
        .unwrap();
    let unit = field.unit.unwrap();
    assert_eq!(
        (
            unit.symbol(),
            unit.h_exponent().as_f64(),
            unit.a_exponent().as_f64()
        ),
        ("kpc", -1.0, 1.0)
    );
    assert_eq!(registry.name(centre).unwrap(), "H2Centre");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("started.hdf5");
    let output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default(), &registry)
            .unwrap();
    let late = registry
        .clone()
        .register::<f32>(spec("LateProperty"), 0.0)
        .unwrap_err();
    assert!(late.to_string().contains("has already started"), "{late}");
    assert!(late.to_string().contains("started.hdf5"), "{late}");
    output.finish().unwrap();

    let other = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let foreign = other.register::<f32>(spec("Foreign"), 0.0).unwrap();
    assert!(registry.name(foreign).is_err());
}
