//! The units the grammar knows, with their CGS factors. The constants are astropy's (IAU 2015
//! nominal solar mass and luminosity, the Julian year, the parsec from the astronomical unit),
//! so that a stored factor and astropy's conversion of the stored symbol agree to rounding;
//! unyt's differ by less than 1e-5, but for its solar luminosity (3.827e33 erg/s, 2.6e-4 less).
//! Every name written into a symbol is a unit name in astropy and in unyt; the solar
//! metallicity, which astropy does not know and unyt gives another value, is written as its
//! number.

use crate::{Dimensions, Exponent};

/// One known unit.
#[derive(Debug)]
pub struct Known {
    pub name: &'static str,
    pub cgs: f64,
    pub dimensions: Dimensions,
    /// Whether the symbol names it (astropy and unyt both know the name, with this value), or
    /// else holds its value as a number.
    pub named: bool,
}

const fn dims(mass: i16, length: i16, time: i16, temperature: i16) -> Dimensions {
    Dimensions {
        mass: Exponent::integer(mass),
        length: Exponent::integer(length),
        time: Exponent::integer(time),
        temperature: Exponent::integer(temperature),
    }
}

const MASS: Dimensions = dims(1, 0, 0, 0);
const LENGTH: Dimensions = dims(0, 1, 0, 0);
const TIME: Dimensions = dims(0, 0, 1, 0);

const PARSEC_CM: f64 = 3.085_677_581_491_367_3e18;
const YEAR_S: f64 = 3.155_76e7;

pub const UNITS: &[Known] = &[
    Known {
        name: "g",
        cgs: 1.0,
        dimensions: MASS,
        named: true,
    },
    Known {
        name: "kg",
        cgs: 1e3,
        dimensions: MASS,
        named: true,
    },
    Known {
        name: "Msun",
        cgs: 1.988_409_870_698_051e33,
        dimensions: MASS,
        named: true,
    },
    Known {
        name: "cm",
        cgs: 1.0,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "m",
        cgs: 1e2,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "km",
        cgs: 1e5,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "pc",
        cgs: PARSEC_CM,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "kpc",
        cgs: PARSEC_CM * 1e3,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "Mpc",
        cgs: PARSEC_CM * 1e6,
        dimensions: LENGTH,
        named: true,
    },
    Known {
        name: "s",
        cgs: 1.0,
        dimensions: TIME,
        named: true,
    },
    Known {
        name: "yr",
        cgs: YEAR_S,
        dimensions: TIME,
        named: true,
    },
    Known {
        name: "Myr",
        cgs: YEAR_S * 1e6,
        dimensions: TIME,
        named: true,
    },
    Known {
        name: "Gyr",
        cgs: YEAR_S * 1e9,
        dimensions: TIME,
        named: true,
    },
    Known {
        name: "K",
        cgs: 1.0,
        dimensions: dims(0, 0, 0, 1),
        named: true,
    },
    Known {
        name: "erg",
        cgs: 1.0,
        dimensions: dims(1, 2, -2, 0),
        named: true,
    },
    // IAU 2015 Resolution B3's nominal solar luminosity, astropy's `L_sun`.
    Known {
        name: "Lsun",
        cgs: 3.828e33,
        dimensions: dims(1, 2, -3, 0),
        named: true,
    },
    // An angle: a pure number in CGS, whose unit is the radian.
    Known {
        name: "deg",
        cgs: std::f64::consts::PI / 180.0,
        dimensions: Dimensions::NONE,
        named: true,
    },
    // The solar metallicity (the mass fraction of metals) of Asplund, Grevesse, Sauval & Scott
    // (2009, ARA&A 47, 481, table 4).
    Known {
        name: "Zsun",
        cgs: 0.0134,
        dimensions: Dimensions::NONE,
        named: false,
    },
];

/// The magnitude: a logarithmic scale of its own, which stands alone.
pub const MAGNITUDE: &str = "mag";

/// Names that stand for a pure number, alone.
pub const DIMENSIONLESS: &[&str] = &["Unitless", "dimensionless"];

pub fn find(name: &str) -> Option<&'static Known> {
    UNITS.iter().find(|known| known.name == name)
}

/// The known name closest to `name`, when it is close enough to be a likely typo.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    UNITS
        .iter()
        .map(|known| known.name)
        .chain(DIMENSIONLESS.iter().copied())
        .chain([MAGNITUDE])
        .map(|candidate| (distance(&lower, &candidate.to_ascii_lowercase()), candidate))
        .filter(|(d, candidate)| *d <= 1 + candidate.len() / 4)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, for suggestions only.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
