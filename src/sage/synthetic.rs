//! Synthetic SAGE catalogues that look like a galaxy catalogue: stellar masses drawn from a
//! published stellar mass function of the snapshot's redshift, and the rest of each galaxy made
//! consistent with its mass (its halo from a published stellar-to-halo mass relation, star
//! formation on the main sequence or quenched, gas, metals, sizes), in groups of a central and
//! its satellites in a periodic box. Deterministic for a seed. [`stellar_mass_function`](super::stellar_mass_function)
//! and the code cite the fits.

use super::mass_function::{
    cosmic_time, main_sequence, snapshot_redshift, HaloTable, MassSampler, MASS_FLOOR,
};
use super::millennium::{virial_radius, virial_velocity};
use super::SageGalaxy;
use crate::hdf5::{AttrValue, Cosmology, Header, HeaderGroup};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use std::collections::BTreeMap;

/// SAGE's `TREE_MUL_FAC`: `GalaxyIndex = galaxy number + tree * 1e9 + file * 1e15`.
const TREE_MUL_FAC: i64 = 1_000_000_000;
const FILE_MUL_FAC: i64 = 1_000_000_000_000_000;
/// The Millennium simulation's h, in which the catalogue's masses (10^10 Msun/h) and box (Mpc/h)
/// are.
const HUBBLE_H: f64 = Cosmology::MINI_MILLENNIUM.hubble_h;
/// SAGE's `BaryonFrac`: a halo's gas and stars together are at most this much of its mass.
const BARYON_FRACTION: f32 = 0.17;

/// The `Header/Misc` attribute that marks a synthetic catalogue, with what made it.
pub const SYNTHETIC_ATTRIBUTE: &str = "synthetic";

/// A generator of merger-tree-shaped galaxy groups at the Millennium simulation's snapshots
/// (snapshot 63 is z = 0), in its cosmology.
///
/// ```
/// use galaxy_io::sage::Synthetic;
/// let mut synthetic = Synthetic::new(42, 62.5);
/// let tree = synthetic.tree(63, 0);
/// assert_eq!(tree[0].galaxy_type, 0, "the first galaxy of a tree is its central");
/// assert!(tree.iter().all(|g| g.pos.iter().all(|&x| (0.0..62.5).contains(&x))));
/// assert!(tree.iter().all(|g| g.mvir > g.stellar_mass), "haloes outweigh their stars");
/// ```
#[derive(Clone, Debug)]
pub struct Synthetic {
    rng: SmallRng,
    box_size: f32,
    /// The task's slab of the box in x: its first coordinate and its width.
    slab: (f32, f32),
    /// log10 of the lightest stellar mass, Msun.
    log_floor: f64,
    file: i64,
    members: Poisson<f64>,
    unit: Normal<f32>,
    scatter: LogNormal<f32>,
    /// Per snapshot: its redshift and what masses are drawn from.
    snapshots: BTreeMap<u32, Epoch>,
}

/// What a snapshot's galaxies are drawn from.
#[derive(Clone, Debug)]
struct Epoch {
    z: f64,
    /// The age of the universe, Gyr.
    age: f64,
    masses: MassSampler,
    haloes: HaloTable,
}

impl Epoch {
    fn new(snapshot: u32) -> Self {
        let z = snapshot_redshift(snapshot);
        Epoch {
            z,
            age: cosmic_time(z),
            masses: MassSampler::new(z),
            haloes: HaloTable::new(z),
        }
    }
}

/// How a synthetic catalogue of a number of galaxies in a box is laid out: the lightest stellar
/// mass that gives that many at the mass function's densities, and how many of them each
/// snapshot has.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// The lightest galaxies' stellar mass, Msun.
    pub mass_floor: f64,
    /// Galaxies at each snapshot (of one task), in the order given.
    pub galaxies: Vec<(u32, u64)>,
}

impl Synthetic {
    /// A generator for a periodic box of `box_size` Mpc/h.
    pub fn new(seed: u64, box_size: f32) -> Self {
        Synthetic {
            rng: SmallRng::seed_from_u64(seed),
            box_size,
            slab: (0.0, box_size),
            log_floor: MASS_FLOOR.log10(),
            file: 0,
            // Constant, valid parameters: these constructors cannot fail.
            members: Poisson::new(3.0).expect("a positive mean"),
            unit: Normal::new(0.0, 1.0).expect("a positive sigma"),
            scatter: LogNormal::new(0.0, 0.25).expect("a positive sigma"),
            snapshots: BTreeMap::new(),
        }
    }

    /// Galaxies of task `task` of a run of `tasks`: its file number in `GalaxyIndex`, and its
    /// slab of the box (`x` within its `1 / tasks` of the side), as each task of SAGE holds its
    /// share of the volume.
    ///
    /// ```
    /// use galaxy_io::sage::Synthetic;
    /// let mut second = Synthetic::new(1, 100.0).with_task(1, 4);
    /// let central = &second.tree(63, 0)[0];
    /// assert!((25.0..50.0).contains(&central.pos[0]));
    /// assert_eq!(central.galaxy_index / 1_000_000_000_000_000, 1, "file 1 in its index");
    /// ```
    pub fn with_task(mut self, task: u32, tasks: u32) -> Self {
        let width = self.box_size / tasks.max(1) as f32;
        self.file = i64::from(task);
        self.slab = (width * task as f32, width);
        self
    }

    /// Galaxies above `mass_floor` Msun (by default [`MASS_FLOOR`](super::MASS_FLOOR)).
    ///
    /// ```
    /// use galaxy_io::sage::Synthetic;
    /// let (massive, _) = Synthetic::new(2, 62.5).with_mass_floor(1e11).galaxies(63, 0, 100);
    /// // 10^11 Msun is 0.73 x 10^1 in SAGE's 10^10 Msun/h.
    /// assert!(massive.iter().all(|g| g.stellar_mass >= 7.29));
    /// ```
    pub fn with_mass_floor(mut self, mass_floor: f64) -> Self {
        self.log_floor = mass_floor.log10();
        self
    }

    /// How `galaxies` galaxies of one of `tasks` tasks, each holding its share of a box of
    /// `box_size` Mpc/h, are spread over `snapshots`: in proportion to the number density at each
    /// snapshot's redshift (so a snapshot at z = 15 has hardly any), above the stellar mass that
    /// makes them as many as the task's volume holds (the more galaxies, the lighter the
    /// lightest). The same for every task of a run given the same number.
    ///
    /// ```
    /// use galaxy_io::sage::Synthetic;
    /// let layout = Synthetic::layout(&[63, 31, 7], 100_000, 1, 62.5);
    /// let counts: Vec<u64> = layout.galaxies.iter().map(|&(_, n)| n).collect();
    /// assert_eq!(counts.iter().sum::<u64>(), 100_000);
    /// assert!(counts[0] > counts[1] && counts[1] > 100 * counts[2], "{counts:?}");
    /// assert!((1e7..1e9).contains(&layout.mass_floor), "{}", layout.mass_floor);
    /// ```
    pub fn layout(snapshots: &[u32], galaxies: u64, tasks: u32, box_size: f64) -> Layout {
        let samplers: Vec<MassSampler> = snapshots
            .iter()
            .map(|&s| MassSampler::new(snapshot_redshift(s)))
            .collect();
        let volume = (box_size / HUBBLE_H).powi(3) / f64::from(tasks.max(1)); // Mpc^3
        let expected = |log_floor: f64| {
            volume
                * samplers
                    .iter()
                    .map(|s| s.number_density(log_floor))
                    .sum::<f64>()
        };
        // The floor at which the task's volume holds `galaxies` (bisection: fewer above a higher
        // floor), within the tables' range.
        let (mut low, mut high) = (3.5, 13.0);
        if galaxies == 0 {
            (low, high) = (MASS_FLOOR.log10(), MASS_FLOOR.log10());
        }
        while high - low > 1e-6 {
            let middle = 0.5 * (low + high);
            if expected(middle) > galaxies as f64 {
                low = middle;
            } else {
                high = middle;
            }
        }
        let log_floor = 0.5 * (low + high);
        let densities: Vec<f64> = samplers
            .iter()
            .map(|s| s.number_density(log_floor))
            .collect();
        let total: f64 = densities.iter().sum();
        // Whole galaxies: each snapshot its share rounded down, the rest to the largest
        // remainders.
        let shares: Vec<f64> = densities
            .iter()
            .map(|n| {
                if total > 0.0 {
                    galaxies as f64 * n / total
                } else {
                    0.0
                }
            })
            .collect();
        let mut counts: Vec<u64> = shares.iter().map(|&share| share.floor() as u64).collect();
        let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
        by_remainder.sort_by(|&a, &b| {
            let remainder = |i: usize| shares[i] - shares[i].floor();
            remainder(b).total_cmp(&remainder(a))
        });
        let missing = galaxies.saturating_sub(counts.iter().sum());
        for &index in by_remainder.iter().cycle().take(missing as usize) {
            counts[index] += 1;
        }
        Layout {
            mass_floor: 10f64.powf(log_floor),
            galaxies: snapshots.iter().copied().zip(counts).collect(),
        }
    }

    /// Marks `header` as a synthetic catalogue's, saying what made it
    /// ([`SYNTHETIC_ATTRIBUTE`] in `Header/Misc`), so that readers (and `galaxy-io inspect`'s
    /// plots) do not take it for a model's.
    ///
    /// ```
    /// use galaxy_io::sage::{Synthetic, SYNTHETIC_ATTRIBUTE};
    /// use galaxy_io::{Header, HeaderGroup};
    /// let mut header = Header::default();
    /// Synthetic::mark(&mut header);
    /// assert!(header.get(HeaderGroup::Misc, SYNTHETIC_ATTRIBUTE).is_some());
    /// ```
    pub fn mark(header: &mut Header) {
        header.set(
            HeaderGroup::Misc,
            SYNTHETIC_ATTRIBUTE,
            AttrValue::Text(
                "galaxy-io's synthetic catalogue: stellar masses drawn from Leja et al. (2020)'s \
                 stellar mass function, haloes from Moster et al. (2013), star formation from \
                 Speagle et al. (2014); not the output of a model"
                    .into(),
            ),
        );
    }

    /// The galaxies of merger tree `tree` at `snapshot`: one central and a Poisson number of
    /// satellites (about 5 % of them orphans). Their stellar masses are drawn from the stellar
    /// mass function of the snapshot's redshift, the most massive the central's.
    pub fn tree(&mut self, snapshot: u32, tree: i32) -> Vec<SageGalaxy> {
        let count = 1 + self.members.sample(&mut self.rng) as usize;
        let epoch = self
            .snapshots
            .entry(snapshot)
            .or_insert_with(|| Epoch::new(snapshot))
            .clone();
        let mut masses: Vec<f64> = (0..count)
            .map(|_| {
                epoch
                    .masses
                    .log_mass(self.rng.random::<f64>(), self.log_floor)
            })
            .collect();
        masses.sort_by(|a, b| b.total_cmp(a));
        let central_halo = self.halo_mass(&epoch, masses[0]);
        let central_pos: [f32; 3] = std::array::from_fn(|k| {
            if k == 0 {
                self.slab.0 + self.rng.random_range(0.0..self.slab.1)
            } else {
                self.rng.random_range(0.0..self.box_size)
            }
        });
        let central_vel: [f32; 3] =
            std::array::from_fn(|_| 300.0 * self.unit.sample(&mut self.rng));
        let base_index = i64::from(tree) * TREE_MUL_FAC + self.file * FILE_MUL_FAC;
        let host = Host {
            mvir: central_halo,
            rvir: virial_radius(f64::from(central_halo), epoch.z) as f32,
            vvir: virial_velocity(f64::from(central_halo), epoch.z) as f32,
            pos: central_pos,
            vel: central_vel,
        };
        masses
            .iter()
            .enumerate()
            .map(|(number, &log_stellar)| {
                let galaxy_type = match number {
                    0 => 0,
                    _ if self.rng.random_bool(0.05) => 2,
                    _ => 1,
                };
                let member = Member {
                    snapshot,
                    tree,
                    index: base_index + number as i64,
                    central_index: base_index,
                    galaxy_type,
                    log_stellar,
                };
                self.galaxy(&epoch, &host, &member)
            })
            .collect()
    }

    /// `n` galaxies at `snapshot`, tree after tree, starting at tree `first_tree`; also returns
    /// the number of galaxies in each tree.
    pub fn galaxies(
        &mut self,
        snapshot: u32,
        first_tree: i32,
        n: usize,
    ) -> (Vec<SageGalaxy>, Vec<i32>) {
        let mut galaxies = Vec::with_capacity(n);
        let mut per_tree = Vec::new();
        let mut tree = first_tree;
        while galaxies.len() < n {
            let mut members = self.tree(snapshot, tree);
            members.truncate(n - galaxies.len());
            per_tree.push(members.len() as i32);
            galaxies.extend(members);
            tree += 1;
        }
        (galaxies, per_tree)
    }

    /// The halo (10^10 Msun/h) of a central of `10^log_stellar` Msun: Moster et al.'s, with
    /// 0.15 dex of scatter.
    fn halo_mass(&mut self, epoch: &Epoch, log_stellar: f64) -> f32 {
        let log_halo =
            epoch.haloes.log_halo(log_stellar) + 0.15 * f64::from(self.unit.sample(&mut self.rng));
        (10f64.powf(log_halo) * HUBBLE_H / 1e10) as f32
    }

    fn galaxy(&mut self, epoch: &Epoch, host: &Host, member: &Member) -> SageGalaxy {
        let central = member.galaxy_type == 0;
        let stellar_msun = 10f64.powf(member.log_stellar);
        let stellar_mass = (stellar_msun * HUBBLE_H / 1e10) as f32;
        // A satellite's own (sub)halo, stripped below its host's.
        let mvir = if central {
            host.mvir
        } else {
            self.halo_mass(epoch, member.log_stellar)
                .min(0.5 * host.mvir)
        };
        let (rvir, vvir) = (
            virial_radius(f64::from(mvir), epoch.z) as f32,
            virial_velocity(f64::from(mvir), epoch.z) as f32,
        );
        let rng = &mut self.rng;
        let (unit, scatter) = (self.unit, self.scatter);

        // Quenched more often the more massive, and satellites more than centrals (a simple
        // logistic around 10^10.6 Msun, not a fit): an order of magnitude or more below the main
        // sequence.
        let quenched_odds = 1.0 / (1.0 + (-(member.log_stellar - 10.6) / 0.25).exp());
        let quenched = rng.random_bool((quenched_odds + if central { 0.0 } else { 0.2 }).min(1.0));
        let log_sfr = main_sequence(member.log_stellar, epoch.age)
            + 0.3 * f64::from(unit.sample(rng))
            - if quenched {
                rng.random_range(1.0..2.5)
            } else {
                0.0
            };
        let sfr = 10f64.powf(log_sfr) as f32; // Msun/yr
                                              // Cold gas forms stars in a depletion time of about 1 Gyr that shortens with redshift
                                              // as (1 + z)^-0.6 (Tacconi et al. 2018, ApJ 853, 179, for the main sequence).
        let depletion_years = 1e9 * (1.0 + epoch.z).powf(-0.6);
        let cold_gas = (f64::from(sfr) * depletion_years * HUBBLE_H / 1e10) as f32;
        let bulge_share = 1.0 / (1.0 + (-(member.log_stellar - 10.3) / 0.4).exp());
        let bulge_mass =
            stellar_mass * (bulge_share as f32 * rng.random_range(0.5f32..1.0)).min(1.0);
        // What the halo's baryons do not hold in stars and cold gas is hot, or ejected.
        let baryons = BARYON_FRACTION * mvir;
        let left = (baryons - stellar_mass - cold_gas).max(0.0);
        let hot_share = if central {
            rng.random_range(0.3f32..0.8)
        } else {
            rng.random_range(0.0f32..0.3)
        };
        let hot_gas = left * hot_share;
        let ejected_mass = left * rng.random_range(0.0f32..(1.0 - hot_share));
        let ics = if central {
            stellar_mass * rng.random_range(0.0f32..0.1)
        } else {
            0.0
        };
        // A mass-metallicity trend of the usual shape (more massive, more metal-rich, up to
        // about twice solar; lower at high redshift), not a fit.
        let metallicity = (0.02 * (stellar_msun / 3e10).powf(0.3) as f32
            / (1.0 + epoch.z as f32).sqrt())
        .min(0.04)
            * scatter.sample(rng);
        // Spin parameter lambda (Bullock et al. 2001), log-normal around 0.035.
        let lambda = 0.035
            * LogNormal::new(0.0f32, 0.5)
                .expect("a positive sigma")
                .sample(rng);
        let direction = |rng: &mut SmallRng| -> [f32; 3] {
            let v: [f32; 3] = std::array::from_fn(|_| unit.sample(rng));
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.map(|x| x / norm)
        };
        let spin = direction(rng).map(|x| x * lambda * std::f32::consts::SQRT_2 * vvir * rvir);
        // Satellites orbit within their host's halo (comoving Mpc/h), moving at its speeds.
        let (pos, vel) = if central {
            (host.pos, host.vel)
        } else {
            let reach = host.rvir * (1.0 + epoch.z as f32) * rng.random::<f32>().cbrt();
            let offset = direction(rng).map(|x| x * reach);
            let pos = std::array::from_fn(|k| {
                (host.pos[k] + offset[k])
                    .rem_euclid(self.box_size)
                    .min(self.box_size.next_down())
            });
            let vel =
                std::array::from_fn(|k| host.vel[k] + host.vvir * unit.sample(rng) / 3f32.sqrt());
            (pos, vel)
        };
        let infall = !central;
        SageGalaxy {
            snap_num: member.snapshot as i32,
            galaxy_type: member.galaxy_type,
            galaxy_index: member.index,
            central_galaxy_index: member.central_index,
            sage_halo_index: rng.random_range(0..1_000_000),
            sage_tree_index: member.tree,
            simulation_halo_index: rng.random_range(0..i64::MAX / 2),
            merge_type: 0,
            merge_into_id: -1,
            merge_into_snap_num: -1,
            dt: rng.random_range(10.0f32..300.0),
            pos,
            vel,
            spin,
            len: (f64::from(mvir) / Cosmology::MINI_MILLENNIUM.particle_mass).max(20.0) as i32,
            mvir,
            central_mvir: host.mvir,
            rvir,
            vvir,
            vmax: vvir * rng.random_range(1.0f32..1.3),
            vel_disp: vvir * 0.7,
            cold_gas,
            stellar_mass,
            bulge_mass,
            hot_gas,
            ejected_mass,
            // Haering & Rix (2004): black holes of about 0.14 % of their bulge.
            black_hole_mass: 0.0014 * bulge_mass * scatter.sample(rng),
            ics,
            metals_cold_gas: metallicity * cold_gas,
            metals_stellar_mass: metallicity * stellar_mass,
            metals_bulge_mass: metallicity * bulge_mass,
            metals_hot_gas: 0.3 * metallicity * hot_gas,
            metals_ejected_mass: 0.3 * metallicity * ejected_mass,
            metals_ics: metallicity * ics,
            sfr_disk: 0.9 * sfr,
            sfr_bulge: 0.1 * sfr,
            sfr_disk_z: metallicity,
            sfr_bulge_z: metallicity,
            // Mo, Mao & White (1998), as SAGE sets it: lambda / sqrt(2) of the virial radius.
            disk_scale_radius: lambda / std::f32::consts::SQRT_2 * rvir,
            cooling: rng.random_range(38.0f32..44.0),
            heating: rng.random_range(36.0f32..42.0),
            quasar_mode_bh_accretion_mass: 1e-5 * rng.random::<f32>(),
            time_of_last_major_merger: rng.random_range(0.0f32..13_000.0),
            time_of_last_minor_merger: rng.random_range(0.0f32..13_000.0),
            outflow_rate: 0.5 * sfr,
            infall_mvir: if infall {
                mvir * rng.random_range(1.2f32..3.0)
            } else {
                0.0
            },
            infall_vvir: if infall { vvir * 1.1 } else { 0.0 },
            infall_vmax: if infall { vvir * 1.2 } else { 0.0 },
            _padding: 0,
        }
    }
}

/// A group's central halo: what its satellites are placed and moved by.
struct Host {
    mvir: f32,
    rvir: f32,
    vvir: f32,
    pos: [f32; 3],
    vel: [f32; 3],
}

/// One galaxy of a group: where it belongs and its stellar mass.
struct Member {
    snapshot: u32,
    tree: i32,
    index: i64,
    central_index: i64,
    galaxy_type: i32,
    log_stellar: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sage::stellar_mass_function;

    /// The masses drawn at a snapshot follow the stellar mass function of its redshift: per dex
    /// and per volume, as the demo's plot shows them.
    #[test]
    fn drawn_masses_follow_the_mass_function_of_the_snapshots_redshift() {
        let box_size = 200.0;
        let volume = (box_size / HUBBLE_H).powi(3);
        for snapshot in [63u32, 37, 20] {
            let layout = Synthetic::layout(&[snapshot], 200_000, 1, box_size);
            let mut synthetic =
                Synthetic::new(5, box_size as f32).with_mass_floor(layout.mass_floor);
            let (galaxies, _) = synthetic.galaxies(snapshot, 0, 200_000);
            let masses: Vec<f64> = galaxies
                .iter()
                .map(|g| (f64::from(g.stellar_mass) * 1e10 / HUBBLE_H).log10())
                .collect();
            let smf = stellar_mass_function(snapshot_redshift(snapshot));
            let lightest = layout.mass_floor.log10();
            assert!(
                masses.iter().all(|&m| m > lightest - 1e-6),
                "none below the floor"
            );
            // Every bin of a quarter dex with enough galaxies to tell (a few per cent of noise).
            let mut checked = 0;
            for step in 0..40 {
                let bin = lightest + 0.25 * f64::from(step);
                let expected = smf.phi(bin + 0.125);
                if expected * 0.25 * volume < 1000.0 {
                    continue;
                }
                let count = masses
                    .iter()
                    .filter(|&&m| (bin..bin + 0.25).contains(&m))
                    .count();
                let measured = count as f64 / 0.25 / volume;
                assert!(
                    (measured / expected - 1.0).abs() < 0.1,
                    "Snap_{snapshot}, 10^{bin:.2}: {measured} against {expected}"
                );
                checked += 1;
            }
            assert!(checked >= 4, "Snap_{snapshot}: {checked} bins");
        }
    }

    #[test]
    fn more_galaxies_in_the_same_box_reach_lighter_masses() {
        let snapshots = [63, 55, 47];
        let few = Synthetic::layout(&snapshots, 10_000, 1, 62.5);
        let many = Synthetic::layout(&snapshots, 1_000_000, 1, 62.5);
        assert!(many.mass_floor < few.mass_floor / 10.0, "{many:?} {few:?}");
        let halves = Synthetic::layout(&snapshots, 10_000, 2, 62.5);
        assert!(halves.mass_floor < few.mass_floor, "half the volume each");
        let none = Synthetic::layout(&snapshots, 0, 1, 62.5);
        assert!(none.galaxies.iter().all(|&(_, n)| n == 0));
    }

    #[test]
    fn each_galaxy_is_consistent_with_its_mass() {
        let mut synthetic = Synthetic::new(9, 100.0).with_task(1, 4);
        let (galaxies, _) = synthetic.galaxies(63, 0, 20_000);
        for galaxy in &galaxies {
            assert!(galaxy.mvir > 2.0 * galaxy.stellar_mass, "{galaxy:?}");
            assert!(galaxy.central_mvir >= galaxy.mvir, "{galaxy:?}");
            assert!(galaxy.bulge_mass <= galaxy.stellar_mass);
            let gas = galaxy.hot_gas + galaxy.ejected_mass;
            assert!(gas <= BARYON_FRACTION * galaxy.mvir, "{galaxy:?}");
            assert!(galaxy.pos.iter().all(|&x| (0.0..100.0).contains(&x)));
        }
        let centrals: Vec<_> = galaxies.iter().filter(|g| g.galaxy_type == 0).collect();
        assert!(
            centrals.iter().all(|g| (25.0..50.0).contains(&g.pos[0])),
            "task 1 of 4 holds the second quarter of the box"
        );
    }
}
