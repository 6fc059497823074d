//! The units the grammar knows, with their CGS factors. The constants are astropy's (IAU 2015
//! nominal solar mass, the Julian year, the parsec from the astronomical unit), so that a
//! stored factor and astropy's conversion of the stored symbol agree to rounding; unyt's differ
//! by less than 1e-5. Every name here is also a unit name in astropy and in unyt.

use crate::{Dimensions, Exponent};

/// One known unit.
#[derive(Debug)]
pub struct Known {
    pub name: &'static str,
    pub cgs: f64,
    pub dimensions: Dimensions,
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
    },
    Known {
        name: "kg",
        cgs: 1e3,
        dimensions: MASS,
    },
    Known {
        name: "Msun",
        cgs: 1.988_409_870_698_051e33,
        dimensions: MASS,
    },
    Known {
        name: "cm",
        cgs: 1.0,
        dimensions: LENGTH,
    },
    Known {
        name: "m",
        cgs: 1e2,
        dimensions: LENGTH,
    },
    Known {
        name: "km",
        cgs: 1e5,
        dimensions: LENGTH,
    },
    Known {
        name: "pc",
        cgs: PARSEC_CM,
        dimensions: LENGTH,
    },
    Known {
        name: "kpc",
        cgs: PARSEC_CM * 1e3,
        dimensions: LENGTH,
    },
    Known {
        name: "Mpc",
        cgs: PARSEC_CM * 1e6,
        dimensions: LENGTH,
    },
    Known {
        name: "s",
        cgs: 1.0,
        dimensions: TIME,
    },
    Known {
        name: "yr",
        cgs: YEAR_S,
        dimensions: TIME,
    },
    Known {
        name: "Myr",
        cgs: YEAR_S * 1e6,
        dimensions: TIME,
    },
    Known {
        name: "Gyr",
        cgs: YEAR_S * 1e9,
        dimensions: TIME,
    },
    Known {
        name: "K",
        cgs: 1.0,
        dimensions: dims(0, 0, 0, 1),
    },
    Known {
        name: "erg",
        cgs: 1.0,
        dimensions: dims(1, 2, -2, 0),
    },
];

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
