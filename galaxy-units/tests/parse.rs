//! The grammar on the texts SAGE writes, on every kind of mistake, and on random expressions
//! (proptest): the facts parsed agree with the factors computed independently, and a unit's
//! `Display` text parses back to the same unit.

use galaxy_units::{parse, Dimensions, Exponent, Unit};
use proptest::prelude::*;

const MSUN: f64 = 1.988_409_870_698_051e33;
const MPC: f64 = 3.085_677_581_491_367e24;
const YR: f64 = 3.155_76e7;
const LSUN: f64 = 3.828e33;
const DEG: f64 = std::f64::consts::PI / 180.0;
const ZSUN: f64 = 0.0134;

fn close(a: f64, b: f64) -> bool {
    (a / b - 1.0).abs() < 1e-12
}

fn dims(mass: i16, length: i16, time: i16) -> Dimensions {
    Dimensions {
        mass: Exponent::integer(mass),
        length: Exponent::integer(length),
        time: Exponent::integer(time),
        temperature: Exponent::ZERO,
    }
}

#[test]
fn sage_texts_parse_to_their_facts() {
    let cases: &[(&str, f64, Dimensions, i16, &str)] = &[
        ("1.0e10 Msun/h", 1e10 * MSUN, dims(1, 0, 0), -1, "1e10*Msun"),
        ("Mpc/h", MPC, dims(0, 1, 0), -1, "Mpc"),
        ("km/s", 1e5, dims(0, 1, -1), 0, "km/s"),
        ("Mpc * km/s", MPC * 1e5, dims(0, 2, -1), 0, "Mpc*km/s"),
        ("Mpc/h km/s", MPC * 1e5, dims(0, 2, -1), -1, "Mpc*km/s"),
        ("Msun/yr", MSUN / YR, dims(1, 0, -1), 0, "Msun/yr"),
        ("Myr/h", YR * 1e6, dims(0, 0, 1), -1, "Myr"),
        ("erg/s", 1.0, dims(1, 2, -3), 0, "erg/s"),
        ("Unitless", 1.0, Dimensions::NONE, 0, ""),
        ("", 1.0, Dimensions::NONE, 0, ""),
        (
            "10^10 Msun h^-1",
            1e10 * MSUN,
            dims(1, 0, 0),
            -1,
            "1e10*Msun",
        ),
        ("(Mpc/h)^3", MPC.powi(3), dims(0, 3, 0), -3, "Mpc**3"),
        (
            "Msun Mpc**-3",
            MSUN / MPC.powi(3),
            dims(1, -3, 0),
            0,
            "Msun/Mpc**3",
        ),
        ("km^2 s^-2", 1e10, dims(0, 2, -2), 0, "km**2/s**2"),
        ("1/s", 1.0, dims(0, 0, -1), 0, "1/s"),
        ("kpc/kpc", 1.0, Dimensions::NONE, 0, ""),
    ];
    for &(text, cgs, dimensions, h, symbol) in cases {
        let unit = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(
            close(unit.cgs_factor(), cgs),
            "{text}: {}",
            unit.cgs_factor()
        );
        assert_eq!(unit.dimensions(), dimensions, "{text}");
        assert_eq!(unit.h_exponent(), Exponent::integer(h), "{text}");
        assert_eq!(unit.symbol(), symbol, "{text}");
        assert!(!unit.is_comoving() && !unit.is_log10(), "{text}");
    }
}

#[test]
fn fractional_powers_log10_and_comoving() {
    let root = parse("Mpc^(1/2)").unwrap();
    assert_eq!(root.dimensions().length, Exponent::ratio(1, 2).unwrap());
    assert!(close(root.cgs_factor(), MPC.sqrt()));
    assert_eq!(root.symbol(), "Mpc**(1/2)");

    let cooling = parse("log10(erg/s)").unwrap();
    assert!(cooling.is_log10());
    assert_eq!(cooling.symbol(), "erg/s");
    assert!(close(cooling.to_physical_cgs(40.0, 0.7, 1.0), 1e40));

    let density = parse("1e10 Msun/h / (Mpc/h)^3")
        .unwrap()
        .comoving()
        .unwrap();
    assert_eq!(density.a_exponent(), Exponent::integer(-3));
    assert_eq!(density.h_exponent(), Exponent::integer(2));
    assert!(density.is_comoving());
    assert!(parse("Msun").unwrap().comoving().is_err());
    assert!(parse("Unitless").unwrap().comoving().is_err());
}

#[test]
fn luminosities_angles_metallicities_and_magnitudes() {
    let luminosity = parse("1e10 Lsun/h^2").unwrap();
    assert!(close(luminosity.cgs_factor(), 1e10 * LSUN));
    assert_eq!(luminosity.dimensions(), dims(1, 2, -3));
    assert_eq!(luminosity.symbol(), "1e10*Lsun");
    let angle = parse("deg").unwrap();
    assert!(close(angle.cgs_factor(), DEG));
    assert!(angle.dimensions().is_dimensionless());
    assert_eq!(angle.symbol(), "deg");
    // Written as its value: astropy has no Zsun, and unyt's is another.
    let metallicity = parse("Zsun").unwrap();
    assert!(close(metallicity.cgs_factor(), ZSUN));
    assert_eq!(metallicity.symbol(), "1.34e-2");
    assert!(close(parse("0.1 Zsun").unwrap().cgs_factor(), 0.1 * ZSUN));

    let magnitude = parse("mag").unwrap();
    assert!(magnitude.is_magnitude() && !magnitude.is_log10());
    assert_eq!(magnitude.scale(), galaxy_units::Scale::Magnitude);
    assert_eq!(magnitude.symbol(), "mag");
    assert_eq!(magnitude.to_string(), "mag");
    assert_eq!(parse(&magnitude.to_string()).unwrap(), magnitude);
    assert!(close(magnitude.to_physical_cgs(-2.5, 0.7, 1.0), 10.0));
    assert!(magnitude.comoving().is_err(), "a magnitude has no length");
}

#[test]
fn mistakes_say_what_and_where() {
    let cases: &[(&str, &str, std::ops::Range<usize>)] = &[
        (
            "1e10 Msum/h",
            "unknown unit `Msum` at byte 5 of `1e10 Msum/h` (did you mean `Msun`?)",
            5..9,
        ),
        ("furlong", "unknown unit `furlong`", 0..7),
        (
            "km//s",
            "expected a unit, a number or `(`, found `/` at byte 3",
            3..4,
        ),
        ("km/", "found the end at byte 3", 3..3),
        ("Mpc^", "expected an integer exponent", 4..4),
        ("Mpc^x", "expected an integer exponent", 4..5),
        ("(Mpc/h", "expected `)`, found the end", 6..6),
        ("Mpc)", "unexpected `)` at byte 3", 3..4),
        ("Mpc^(1/0)", "`(1/0)` is not a usable exponent", 4..9),
        ("h^-1", "a unitless quantity does not scale with h", 0..4),
        ("1e10/h", "a unitless quantity does not scale with h", 0..6),
        ("Unitless/h", "`Unitless` stands alone", 0..8),
        ("Mpc a", "declare the field comoving", 4..5),
        ("0 Msun", "not a positive finite number", 0..6),
        ("log10(erg/s", "`)` closing `log10(`", 11..11),
        ("Mpc/h µm", "unexpected `µ`", 6..8),
        (
            "km s-1",
            "unexpected `-` at byte 4 of `km s-1`: powers are written with `^`, as in `s^-1`",
            4..5,
        ),
        ("Msun Mpc-3", "as in `Mpc^-3`", 8..9),
        (
            "erg/s2",
            "unknown unit `s2` at byte 4 of `erg/s2` (powers are written with `^`, as in `s^2`)",
            4..6,
        ),
        ("log10(mag)", "a magnitude is a logarithm already", 6..9),
        ("mag/h", "`mag` stands alone", 0..3),
        ("2 mag", "`mag` stands alone", 2..5),
        ("Zsun/h", "a unitless quantity does not scale with h", 0..6),
    ];
    for (text, message, at) in cases {
        let error = parse(text).expect_err(text);
        assert!(error.to_string().contains(message), "{text}: {error}");
        assert_eq!(error.at(), at.clone(), "{text}: {error}");
    }
}

const UNITS: &[(&str, f64, [i16; 4])] = &[
    ("g", 1.0, [1, 0, 0, 0]),
    ("kg", 1e3, [1, 0, 0, 0]),
    ("Msun", MSUN, [1, 0, 0, 0]),
    ("cm", 1.0, [0, 1, 0, 0]),
    ("m", 1e2, [0, 1, 0, 0]),
    ("km", 1e5, [0, 1, 0, 0]),
    ("pc", MPC * 1e-6, [0, 1, 0, 0]),
    ("kpc", MPC * 1e-3, [0, 1, 0, 0]),
    ("Mpc", MPC, [0, 1, 0, 0]),
    ("s", 1.0, [0, 0, 1, 0]),
    ("yr", YR, [0, 0, 1, 0]),
    ("Myr", YR * 1e6, [0, 0, 1, 0]),
    ("Gyr", YR * 1e9, [0, 0, 1, 0]),
    ("K", 1.0, [0, 0, 0, 1]),
    ("erg", 1.0, [1, 2, -2, 0]),
    ("Lsun", LSUN, [1, 2, -3, 0]),
    ("deg", DEG, [0, 0, 0, 0]),
    ("Zsun", ZSUN, [0, 0, 0, 0]),
];

/// One random declaration: a scale, units with powers, an h power, written in one of the
/// spellings the grammar accepts.
fn declaration() -> impl Strategy<Value = (String, f64, [i16; 4], i16)> {
    let term = (0..UNITS.len(), -3i16..=3, any::<bool>(), any::<bool>());
    (
        prop::sample::select(vec![1.0, 1e10, 2.5e-3, 100.0]),
        prop::collection::vec(term, 1..4),
        -2i16..=2,
        any::<bool>(),
    )
        .prop_map(|(factor, terms, h, star)| {
            let mut text = if factor == 1.0 {
                String::new()
            } else {
                format!("{factor:e}")
            };
            let mut cgs = factor;
            let mut dims = [0i16; 4];
            for (index, power, caret, divide) in terms {
                let (name, unit_cgs, unit_dims) = UNITS[index];
                let power = if power == 0 { 1 } else { power };
                let signed = if divide { -power } else { power };
                cgs *= unit_cgs.powi(signed.into());
                for (d, u) in dims.iter_mut().zip(unit_dims) {
                    *d += signed * u;
                }
                let op = if text.is_empty() {
                    if divide {
                        "1/"
                    } else {
                        ""
                    }
                } else if divide {
                    "/"
                } else if star {
                    " * "
                } else {
                    " "
                };
                let pow = if power == 1 {
                    String::new()
                } else if caret {
                    format!("^{power}")
                } else {
                    format!("**{power}")
                };
                text.push_str(&format!("{op}{name}{pow}"));
            }
            let dimensionless = dims.iter().all(|&d| d == 0);
            let h = if dimensionless { 0 } else { h };
            if h != 0 {
                text.push_str(&format!(" h^{h}"));
            }
            (text, cgs, dims, h)
        })
}

proptest! {
    #[test]
    fn random_declarations_parse_to_their_facts((text, cgs, dims, h) in declaration()) {
        let unit = parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!((unit.cgs_factor() / cgs - 1.0).abs() < 1e-9, "{} {}", unit.cgs_factor(), cgs);
        let d = unit.dimensions();
        prop_assert_eq!(
            [d.mass, d.length, d.time, d.temperature],
            dims.map(Exponent::integer)
        );
        prop_assert_eq!(unit.h_exponent(), Exponent::integer(h));
        let again: Unit = parse(&unit.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!((again.cgs_factor() / unit.cgs_factor() - 1.0).abs() < 1e-12);
        prop_assert_eq!(again.dimensions(), unit.dimensions());
        prop_assert_eq!(again.h_exponent(), unit.h_exponent());
        prop_assert_eq!(again.symbol(), unit.symbol());
    }

    #[test]
    fn any_text_gives_a_unit_or_an_error_inside_it(text in "[ -~µ]{0,24}") {
        if let Err(error) = parse(&text) {
            prop_assert!(error.at().end <= text.len());
            prop_assert!(text.is_char_boundary(error.at().start));
            prop_assert!(!error.message().is_empty());
        }
    }
}
