//! The galaxy population of the synthetic catalogues, from published fits: how many galaxies of
//! each stellar mass there are at each redshift, and the halo, star formation and gas that go
//! with a galaxy's stellar mass. Masses are in Msun and densities per Mpc^3 (not per h), as the
//! fits give them; the catalogue converts to SAGE's 10^10 Msun/h.

use super::millennium::{millennium_redshifts, MILLENNIUM_EXPANSION_FACTORS};
use crate::hdf5::Cosmology;

/// The double Schechter parameters of Leja et al. (2020, ApJ 893, 111, "A New Census of the
/// 0.2 < z < 3.0 Universe. I. The Stellar Mass Function"), their continuity model (appendix B):
/// log10 phi1, log10 phi2 and log10 M* at z = 0.2, 1.6 and 3.0, each a quadratic in z through
/// them, and redshift-independent slopes.
const LEJA_LOG_PHI1: [f64; 3] = [-2.44, -3.08, -4.14];
const LEJA_LOG_PHI2: [f64; 3] = [-2.89, -3.29, -3.51];
const LEJA_LOG_M_STAR: [f64; 3] = [10.79, 10.88, 10.84];
const LEJA_ALPHA1: f64 = -0.28;
const LEJA_ALPHA2: f64 = -1.48;
/// The redshifts the fit's anchors are at, and so its range.
const LEJA_Z: [f64; 3] = [0.2, 1.6, 3.0];

/// A double Schechter function: the number density of galaxies per dex of stellar mass,
/// `Phi(M) = ln(10) e^(-x) (phi1 x^(alpha1 + 1) + phi2 x^(alpha2 + 1))` with `x = M / M*`.
///
/// ```
/// let smf = galaxy_io::sage::stellar_mass_function(0.5);
/// // Fewer galaxies above 10^11 Msun than above 10^10, and far fewer than above 10^8.
/// let (n8, n10, n11) = (smf.number_density(8.0), smf.number_density(10.0), smf.number_density(11.0));
/// assert!(n8 > 5.0 * n10 && n10 > 5.0 * n11);
/// // Leja et al.'s function at z = 0.5: log10 Phi = -2.19 at 10^10 Msun.
/// assert!((smf.phi(10.0).log10() + 2.19).abs() < 0.01, "{}", smf.phi(10.0).log10());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleSchechter {
    /// log10 of the normalisation of the component of slope `alpha1` (Mpc^-3 dex^-1).
    pub log_phi1: f64,
    /// log10 of the normalisation of the component of slope `alpha2`.
    pub log_phi2: f64,
    /// log10 of the knee, M* (Msun).
    pub log_m_star: f64,
    /// The slope of the first component.
    pub alpha1: f64,
    /// The slope of the second, steeper component.
    pub alpha2: f64,
}

impl DoubleSchechter {
    /// Galaxies per Mpc^3 per dex at stellar mass `10^log_mass` Msun.
    pub fn phi(&self, log_mass: f64) -> f64 {
        let x = 10f64.powf(log_mass - self.log_m_star);
        let component = |log_phi: f64, alpha: f64| 10f64.powf(log_phi) * x.powf(alpha + 1.0);
        std::f64::consts::LN_10
            * (-x).exp()
            * (component(self.log_phi1, self.alpha1) + component(self.log_phi2, self.alpha2))
    }

    /// Galaxies per Mpc^3 above `10^log_mass` Msun.
    pub fn number_density(&self, log_mass: f64) -> f64 {
        self.cumulative(log_mass).last().map_or(0.0, |&(_, n)| n)
    }

    /// The number density above `from`, accumulated up to each point of a fine grid of log10
    /// masses from `from` to where the function has fallen by 30 orders of magnitude: the table
    /// masses are drawn from.
    fn cumulative(&self, from: f64) -> Vec<(f64, f64)> {
        // Beyond 10^1.5 M* the exponential has taken 10^13.7 off: nothing is left.
        let to = self.log_m_star + 1.5;
        let steps = 2000;
        let width = (to - from).max(0.0) / steps as f64;
        let mut total = 0.0;
        let mut previous = self.phi(from);
        let mut table = Vec::with_capacity(steps + 1);
        table.push((from, 0.0));
        for step in 1..=steps {
            let log_mass = from + width * step as f64;
            let phi = self.phi(log_mass);
            total += 0.5 * (previous + phi) * width;
            previous = phi;
            table.push((log_mass, total));
        }
        table
    }
}

/// The stellar mass function at redshift `z`: Leja et al. (2020)'s continuity model, which they
/// fit over 0.2 < z < 3 (at lower redshift its z = 0.2 function). Beyond z = 3, where the fit
/// has no data, its z = 3 shape keeps its knee and slopes and its normalisations fall as the
/// cosmic stellar mass density does: the star formation history of Madau & Dickinson (2014,
/// ARA&A 52, 415, eq. 15) integrated over cosmic time, relative to z = 3.
///
/// ```
/// use galaxy_io::sage::stellar_mass_function;
/// let (now, noon, dawn) = (stellar_mass_function(0.0), stellar_mass_function(2.0), stellar_mass_function(8.0));
/// assert!(now.number_density(9.0) > 2.0 * noon.number_density(9.0));
/// assert!(noon.number_density(9.0) > 30.0 * dawn.number_density(9.0));
/// ```
pub fn stellar_mass_function(z: f64) -> DoubleSchechter {
    let fitted = z.clamp(LEJA_Z[0], LEJA_Z[2]);
    let falling = if z > LEJA_Z[2] {
        (stellar_mass_density(z) / stellar_mass_density(LEJA_Z[2])).log10()
    } else {
        0.0
    };
    DoubleSchechter {
        log_phi1: leja_quadratic(LEJA_LOG_PHI1, fitted) + falling,
        log_phi2: leja_quadratic(LEJA_LOG_PHI2, fitted) + falling,
        log_m_star: leja_quadratic(LEJA_LOG_M_STAR, fitted),
        alpha1: LEJA_ALPHA1,
        alpha2: LEJA_ALPHA2,
    }
}

/// The quadratic in z through a parameter's values at Leja et al.'s three anchors.
fn leja_quadratic(values: [f64; 3], z: f64) -> f64 {
    let ([z1, z2, z3], [y1, y2, y3]) = (LEJA_Z, values);
    let a = ((y3 - y1) + (y2 - y1) / (z2 - z1) * (z1 - z3))
        / (z3 * z3 - z1 * z1 + (z2 * z2 - z1 * z1) / (z2 - z1) * (z1 - z3));
    let b = ((y2 - y1) - a * (z2 * z2 - z1 * z1)) / (z2 - z1);
    let c = y1 - a * z1 * z1 - b * z1;
    a * z * z + b * z + c
}

/// Madau & Dickinson (2014, eq. 15): the cosmic star formation rate density (Msun/yr/Mpc^3).
fn star_formation_rate_density(z: f64) -> f64 {
    0.015 * (1.0 + z).powf(2.7) / (1.0 + ((1.0 + z) / 2.9).powf(5.6))
}

/// The stars formed by redshift `z`, up to the (constant) fraction returned to the gas:
/// `integral of psi(z') dt` from z = 100, in ln(1 + z) steps, in the Millennium cosmology.
fn stellar_mass_density(z: f64) -> f64 {
    let cosmology = Cosmology::MINI_MILLENNIUM;
    let hubble =
        |z: f64| (cosmology.omega_matter * (1.0 + z).powi(3) + cosmology.omega_lambda).sqrt();
    // dt = d ln(1 + z) / H(z), in units of 1/H0.
    let (from, to) = ((1.0 + z).ln(), 101f64.ln());
    let steps = 400;
    let width = (to - from) / f64::from(steps);
    (0..=steps)
        .map(|step| {
            let z = (from + width * f64::from(step)).exp() - 1.0;
            let weight = if step == 0 || step == steps { 0.5 } else { 1.0 };
            weight * star_formation_rate_density(z) / hubble(z)
        })
        .sum::<f64>()
        * width
}

/// The lightest galaxies of a synthetic catalogue unless told otherwise (Msun): about where a
/// Millennium-class simulation stops resolving them.
///
/// ```
/// let (galaxies, _) = galaxy_io::sage::Synthetic::new(3, 62.5).galaxies(63, 0, 1000);
/// let lightest = galaxies.iter().map(|g| g.stellar_mass).fold(f32::INFINITY, f32::min);
/// assert!(f64::from(lightest) * 1e10 / 0.73 >= 0.999 * galaxy_io::sage::MASS_FLOOR);
/// ```
pub const MASS_FLOOR: f64 = 1e8;

/// The lightest stellar mass the tables reach (log10 Msun): far below any floor asked for.
const LOWEST: f64 = 3.0;

/// Draws stellar masses above a floor from the mass function of one redshift.
#[derive(Clone, Debug)]
pub(crate) struct MassSampler {
    /// (log10 mass, number density from [`LOWEST`] up to it), rising.
    table: Vec<(f64, f64)>,
}

impl MassSampler {
    pub(super) fn new(z: f64) -> Self {
        MassSampler {
            table: stellar_mass_function(z).cumulative(LOWEST),
        }
    }

    /// Galaxies per Mpc^3 above `10^log_floor` Msun.
    pub(super) fn number_density(&self, log_floor: f64) -> f64 {
        self.total() - self.below(log_floor)
    }

    /// The log10 mass above `10^log_floor` Msun below which a fraction `u` (in [0, 1)) of the
    /// galaxies above the floor lie.
    pub(super) fn log_mass(&self, u: f64, log_floor: f64) -> f64 {
        let floor = self.below(log_floor);
        let target = floor + u * (self.total() - floor);
        let above = self.table.partition_point(|&(_, n)| n < target);
        match (
            above.checked_sub(1).map(|i| self.table[i]),
            self.table.get(above),
        ) {
            (Some((m0, n0)), Some(&(m1, n1))) if n1 > n0 => {
                m0 + (m1 - m0) * (target - n0) / (n1 - n0)
            }
            (_, Some(&(m, _))) | (Some((m, _)), None) => m,
            (None, None) => log_floor,
        }
        .max(log_floor)
    }

    fn total(&self) -> f64 {
        self.table.last().map_or(0.0, |&(_, n)| n)
    }

    /// The number density below `10^log_mass` Msun (from [`LOWEST`]).
    fn below(&self, log_mass: f64) -> f64 {
        let above = self.table.partition_point(|&(m, _)| m < log_mass);
        match (
            above.checked_sub(1).map(|i| self.table[i]),
            self.table.get(above),
        ) {
            (Some((m0, n0)), Some(&(m1, n1))) => n0 + (n1 - n0) * (log_mass - m0) / (m1 - m0),
            (None, _) => 0.0,
            (Some(_), None) => self.total(),
        }
    }
}

/// Moster, Naab & White (2013, MNRAS 428, 3121, eqs. 2 and 11-14, table 1): a central galaxy's
/// stellar mass against its halo's, `m / M = 2 N [(M/M1)^-beta + (M/M1)^gamma]^-1`, each
/// parameter evolving linearly in `z / (1 + z)`. Returns log10 m for log10 M (both Msun).
pub(crate) fn moster_stellar_mass(log_halo: f64, z: f64) -> f64 {
    let evolution = z / (1.0 + z);
    let log_m1 = 11.590 + 1.195 * evolution;
    let n = 0.0351 - 0.0247 * evolution;
    let beta = 1.376 - 0.826 * evolution;
    let gamma = 0.608 + 0.329 * evolution;
    let x = 10f64.powf(log_halo - log_m1);
    log_halo + (2.0 * n / (x.powf(-beta) + x.powf(gamma))).log10()
}

/// The halo of a central galaxy of each stellar mass at one redshift: Moster et al.'s relation,
/// which rises with halo mass, inverted on a grid.
#[derive(Clone, Debug)]
pub(crate) struct HaloTable {
    /// (log10 stellar mass, log10 halo mass), rising.
    table: Vec<(f64, f64)>,
}

impl HaloTable {
    pub(super) fn new(z: f64) -> Self {
        let table = (0..=900)
            .map(|step| 9.0 + 0.01 * f64::from(step))
            .map(|log_halo| (moster_stellar_mass(log_halo, z), log_halo))
            .collect();
        HaloTable { table }
    }

    /// log10 of the halo mass (Msun) of a central of `10^log_stellar` Msun.
    pub(super) fn log_halo(&self, log_stellar: f64) -> f64 {
        let above = self.table.partition_point(|&(m, _)| m < log_stellar);
        match (
            above.checked_sub(1).map(|i| self.table[i]),
            self.table.get(above),
        ) {
            (Some((m0, h0)), Some(&(m1, h1))) => h0 + (h1 - h0) * (log_stellar - m0) / (m1 - m0),
            // Beyond the grid, along the relation's slope at its end.
            (None, Some(&(m, h))) => h + (log_stellar - m) / 1.4,
            (Some((m, h)), None) => h + (log_stellar - m) / 0.4,
            (None, None) => log_stellar + 1.5,
        }
    }
}

/// The age of the universe (Gyr) at redshift `z` in the Millennium cosmology (flat, so in closed
/// form).
pub(crate) fn cosmic_time(z: f64) -> f64 {
    let cosmology = Cosmology::MINI_MILLENNIUM;
    let hubble_time = 977.792_221_7 / (100.0 * cosmology.hubble_h); // 1/H0 in Gyr
    let ratio = (cosmology.omega_lambda / cosmology.omega_matter).sqrt();
    2.0 / (3.0 * cosmology.omega_lambda.sqrt())
        * hubble_time
        * (ratio * (1.0 + z).powf(-1.5)).asinh()
}

/// Speagle et al. (2014, ApJS 214, 15, eq. 28): log10 of the star formation rate (Msun/yr) of a
/// galaxy of `10^log_stellar` Msun on the star-forming main sequence, at cosmic time `t` (Gyr).
pub(crate) fn main_sequence(log_stellar: f64, t: f64) -> f64 {
    (0.84 - 0.026 * t) * log_stellar - (6.51 - 0.11 * t)
}

/// The redshift of snapshot `snapshot` of the Millennium snapshots (z = 0 past the last).
pub(crate) fn snapshot_redshift(snapshot: u32) -> f64 {
    let index = (snapshot as usize).min(MILLENNIUM_EXPANSION_FACTORS.len() - 1);
    millennium_redshifts()[index]
}
