//! The snapshots of the Millennium simulation (and of the mini-Millennium trees that
//! sage-model's `millennium.par` runs on): 64 outputs, at z = 127, 80, 50 and 30, then 60
//! snapshots from z of about 20 down to 0.

/// The expansion factor of each of the 64 Millennium snapshots, snapshot 0 first: SAGE's
/// `millennium.a_list`. From the `scale_factors` of sage-home/sage-mcmc's `sage_emcee.py`
/// (commit 2e639f52289b4b922f4f3e02cc75a243a7cffe5d).
pub const MILLENNIUM_EXPANSION_FACTORS: [f64; 64] = [
    0.0078125, 0.012346, 0.019608, 0.032258, 0.047811, 0.051965, 0.056419, 0.061188, 0.066287,
    0.071732, 0.077540, 0.083725, 0.090306, 0.097296, 0.104713, 0.112572, 0.120887, 0.129675,
    0.138950, 0.148724, 0.159012, 0.169824, 0.181174, 0.193070, 0.205521, 0.218536, 0.232121,
    0.246280, 0.261016, 0.276330, 0.292223, 0.308691, 0.325730, 0.343332, 0.361489, 0.380189,
    0.399419, 0.419161, 0.439397, 0.460105, 0.481261, 0.502839, 0.524807, 0.547136, 0.569789,
    0.592730, 0.615919, 0.639314, 0.662870, 0.686541, 0.710278, 0.734031, 0.757746, 0.781371,
    0.804849, 0.828124, 0.851138, 0.873833, 0.896151, 0.918031, 0.939414, 0.960243, 0.980457,
    1.000000,
];

/// The redshift of each Millennium snapshot, `1 / a - 1`.
///
/// ```
/// let z = galaxy_io::sage::millennium_redshifts();
/// assert_eq!(z[0].round(), 127.0);
/// assert!((z[23] - 4.18).abs() < 0.01);
/// assert_eq!(z[63], 0.0);
/// ```
pub fn millennium_redshifts() -> Vec<f64> {
    MILLENNIUM_EXPANSION_FACTORS
        .iter()
        .map(|a| 1.0 / a - 1.0)
        .collect()
}

/// The gravitational constant in SAGE's units: Mpc/h, km/s, 10^10 Msun/h.
pub(crate) const G: f64 = 43.0071;

/// The physical virial radius (Mpc/h) of a halo of `mass` (10^10 Msun/h) at `redshift`, as SAGE
/// computes it (`get_virial_radius`: 200 times the critical density) in the Millennium
/// cosmology.
pub(crate) fn virial_radius(mass: f64, redshift: f64) -> f64 {
    let cosmology = crate::hdf5::Cosmology::MINI_MILLENNIUM;
    let zp1 = 1.0 + redshift;
    let hubble2 = 100.0 * 100.0 * (cosmology.omega_matter * zp1.powi(3) + cosmology.omega_lambda);
    (mass * G / (100.0 * hubble2)).cbrt()
}

/// The virial velocity (km/s) of a halo of `mass` (10^10 Msun/h) at `redshift`.
pub(crate) fn virial_velocity(mass: f64, redshift: f64) -> f64 {
    (G * mass / virial_radius(mass, redshift)).sqrt()
}
