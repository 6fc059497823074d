//! Machine-readable units: a SAGE catalogue's `units` attributes parse with astropy and with
//! unyt and convert one value of every field to the CGS the stored factor and exponents give
//! (`tests/python/check_units.py`); the reader gives them back as `Unit`s and refuses
//! inconsistent or hostile ones with an error naming the field, never a panic.

mod common;

use galaxy_io::extended::{ExtendedOutput, PropertyRegistry, PropertySpec};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::units::Exponent;
use galaxy_io::{Catalogue, Hdf5Options};
use std::path::Path;
use std::process::Command;

fn demo(dir: &Path, name: &str) -> std::path::PathBuf {
    common::stdout(&common::galaxy_io(
        &["demo", "--snapshots", "3", "--galaxies", "3000", "-o", name],
        dir,
    ));
    dir.join(name)
}

#[test]
fn astropy_and_unyt_read_every_field_as_the_attributes_say() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo(dir.path(), "units.hdf5");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_units.py");
    let run = common::output(Command::new("python3").arg(script).arg(&path))
        .expect("python3 must be installed (bash .ci/run installs it with astropy and unyt)");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("No module named"),
        "astropy, unyt and h5py must be installed: python3 -m pip install astropy==8.0.2 \
         unyt==3.2.0 h5py (bash .ci/run does): {stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|_| panic!("one JSON object, got:\n{stderr}"));
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    assert_eq!(report["checked"], 54, "{report}");
    assert!(run.status.success(), "{stderr}");
}

#[test]
fn the_reader_gives_each_field_its_unit() {
    let dir = tempfile::tempdir().unwrap();
    let path = demo(dir.path(), "read.hdf5");
    let catalogue = Catalogue::open(&path).unwrap();
    let snapshot = catalogue.snapshots().unwrap()[0];
    let unit = |name: &str| catalogue.field_unit(snapshot, name).unwrap().unwrap();

    let posx = unit("Posx");
    assert_eq!(posx.symbol(), "Mpc");
    assert_eq!(posx.h_exponent(), Exponent::integer(-1));
    assert_eq!(posx.a_exponent(), Exponent::integer(1));
    let cooling = unit("Cooling");
    assert!(cooling.is_log10() && !cooling.is_comoving());
    assert_eq!(cooling.symbol(), "erg/s");
    assert!(unit("SfrDiskZ").dimensions().is_dimensionless());
    assert_eq!(unit("dT").h_exponent(), Exponent::integer(-1));
    // Every field's unit reads back as the record declares it.
    let schema = galaxy_io::Schema::of::<SageGalaxy>().unwrap();
    for field in schema.fields() {
        assert_eq!(Some(unit(&field.name)), field.unit, "{}", field.name);
    }
    let missing = catalogue.field_unit(snapshot, "NoSuchField").unwrap_err();
    assert!(missing.to_string().contains("NoSuchField"), "{missing}");
}

#[test]
fn extended_properties_carry_their_units_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extended.hdf5");
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let centre = registry
        .register::<f32>(PropertySpec::new("H2Centre", "kpc/h", "").comoving(), 0.0)
        .unwrap();
    let output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[63], Hdf5Options::default(), &registry)
            .unwrap();
    let _ = centre;
    output.finish().unwrap();
    let unit = Catalogue::open(&path)
        .unwrap()
        .field_unit(63, "H2Centre")
        .unwrap()
        .unwrap();
    assert_eq!(unit.symbol(), "kpc");
    assert!(unit.is_comoving());
}

#[test]
fn luminosities_angles_metallicities_and_magnitudes_read_as_the_attributes_say() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photometry.hdf5");
    let registry = PropertyRegistry::for_record::<SageGalaxy>().unwrap();
    let properties = [
        ("LuminosityV", "1e10 Lsun/h^2", 2.5f32),
        ("Inclination", "deg", 60.0),
        ("Metallicity", "Zsun", 0.5),
        ("MagV", "mag", -20.5),
    ];
    let handles: Vec<_> = properties
        .iter()
        .map(|(name, units, _)| {
            registry
                .register::<f32>(PropertySpec::new(name, units, ""), 0.0)
                .unwrap()
        })
        .collect();
    let mut header = galaxy_io::Header::with_cosmology(&galaxy_io::Cosmology::MINI_MILLENNIUM);
    header.snapshot_redshifts = galaxy_io::sage::millennium_redshifts();
    let options = Hdf5Options::default().header(header);
    let mut output =
        ExtendedOutput::<SageGalaxy>::create(&path, &[32], options, &registry).unwrap();
    let galaxies = galaxy_io::sage::Synthetic::new(5, 62.5)
        .galaxies(32, 0, 10)
        .0;
    output
        .write(32, &galaxies, |_, row| {
            for (&handle, (_, _, value)) in handles.iter().zip(&properties) {
                row.set(handle, *value)?;
            }
            Ok(())
        })
        .unwrap();
    output.finish().unwrap();

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_units.py");
    let run = common::output(Command::new("python3").arg(script).arg(&path)).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|_| {
        panic!(
            "one JSON object, got:\n{}",
            String::from_utf8_lossy(&run.stderr)
        )
    });
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    assert_eq!(report["checked"], 54 + properties.len(), "{report}");

    // A derived record declares them the same way, at compile time.
    #[derive(Clone, Copy, galaxy_io::GalaxyRecord)]
    #[repr(C)]
    struct Photometry {
        #[galaxy(name = "MagV", units = "mag")]
        mag_v: f32,
    }
    let derived = galaxy_io::Schema::of::<Photometry>().unwrap();
    let declared = derived.field("MagV").unwrap().unit.clone().unwrap();
    assert!(declared.is_magnitude());

    let catalogue = Catalogue::open(&path).unwrap();
    let magnitude = catalogue.field_unit(32, "MagV").unwrap().unwrap();
    assert_eq!(magnitude, declared);
    assert!(magnitude.is_magnitude() && magnitude.symbol() == "mag");
    let metallicity = catalogue.field_unit(32, "Metallicity").unwrap().unwrap();
    assert_eq!(
        metallicity.symbol(),
        "1.34e-2",
        "Zsun is written as its value"
    );
}

/// Rewrites one attribute of `Snap_<snapshot>/Mvir` with `write`, then reads the unit back.
fn tampered(
    path: &Path,
    snapshot: u32,
    write: impl FnOnce(&hdf5::Dataset),
) -> galaxy_io::Result<Option<galaxy_io::units::Unit>> {
    {
        let file = hdf5::File::open_rw(path).unwrap();
        let dataset = file.dataset(&format!("Snap_{snapshot}/Mvir")).unwrap();
        write(&dataset);
    }
    Catalogue::open(path).unwrap().field_unit(snapshot, "Mvir")
}

#[test]
fn hostile_or_inconsistent_unit_attributes_are_errors_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let original = demo(dir.path(), "hostile.hdf5");
    let snapshot = Catalogue::open(&original).unwrap().snapshots().unwrap()[0];
    let cgs = "Conversion factor to CGS (not including cosmological corrections)";
    type Tamper = Box<dyn FnOnce(&hdf5::Dataset)>;
    let replace_f64 = |name: &'static str, values: Vec<f64>| -> Tamper {
        Box::new(move |d: &hdf5::Dataset| {
            if d.attr(name).is_ok() {
                d.delete_attr(name).unwrap();
            }
            d.new_attr::<f64>()
                .shape(values.len())
                .create(name)
                .unwrap()
                .write_raw(&values)
                .unwrap();
        })
    };
    let cases: Vec<(Tamper, &str)> = vec![
        (
            replace_f64(cgs, vec![1.0]),
            "is 1, but `units` = `1e10*Msun` means",
        ),
        (
            replace_f64(cgs, vec![]),
            "is array of 0 float64, not one number",
        ),
        (replace_f64(cgs, vec![1.0, 2.0]), "not one number"),
        (
            replace_f64("h-scale exponent", vec![0.123]),
            "not a simple fraction",
        ),
        (
            replace_f64("a-scale exponent", vec![1.0]),
            "`a-scale exponent` is 1",
        ),
        (
            replace_f64("U_L exponent", vec![1.0]),
            "`U_L exponent` is 1, but",
        ),
        (
            Box::new(|d: &hdf5::Dataset| d.delete_attr(cgs).unwrap()),
            "is missing beside `units`",
        ),
        (
            Box::new(|d: &hdf5::Dataset| {
                d.delete_attr("units").unwrap();
                d.new_attr::<i32>()
                    .create("units")
                    .unwrap()
                    .write_scalar(&7)
                    .unwrap();
            }),
            "not a string",
        ),
        (
            Box::new(|d: &hdf5::Dataset| {
                d.delete_attr("units").unwrap();
                let text: hdf5::types::VarLenUnicode = "furlong".parse().unwrap();
                d.new_attr::<hdf5::types::VarLenUnicode>()
                    .create("units")
                    .unwrap()
                    .write_scalar(&text)
                    .unwrap();
            }),
            "unknown unit `furlong`",
        ),
        (
            Box::new(|d: &hdf5::Dataset| {
                d.new_attr::<i64>()
                    .shape(1)
                    .create("comoving")
                    .unwrap()
                    .write_raw(&[1i64])
                    .unwrap();
            }),
            "is marked comoving",
        ),
    ];
    for (index, (tamper, expected)) in cases.into_iter().enumerate() {
        let copy = dir.path().join(format!("hostile_{index}.hdf5"));
        std::fs::copy(&original, &copy).unwrap();
        let error = tampered(&copy, snapshot, tamper).expect_err(expected);
        let message = error.to_string();
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(
            message.contains("Mvir") && message.contains(&format!("hostile_{index}.hdf5")),
            "{message}"
        );
    }
    // Without `units` (SAGE's own files), the unit is unknown, not an error.
    let copy = dir.path().join("sage_like.hdf5");
    std::fs::copy(&original, &copy).unwrap();
    let unknown = tampered(&copy, snapshot, |d| d.delete_attr("units").unwrap()).unwrap();
    assert_eq!(unknown, None);
}
