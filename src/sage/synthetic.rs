//! Plausible synthetic SAGE catalogues: log-normal masses that scale with halo mass, positions
//! in a periodic box with satellites around their central, central/satellite/orphan types and
//! SAGE-style indices. Deterministic for a seed.

use super::SageGalaxy;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Poisson};

/// SAGE's `TREE_MUL_FAC`: `GalaxyIndex = galaxy number + tree * 1e9 + file * 1e15`.
const TREE_MUL_FAC: i64 = 1_000_000_000;
const FILE_MUL_FAC: i64 = 1_000_000_000_000_000;

/// A generator of merger-tree-shaped galaxy groups.
///
/// ```
/// use galaxy_io::sage::Synthetic;
/// let mut synthetic = Synthetic::new(42, 62.5);
/// let tree = synthetic.tree(63, 0);
/// assert_eq!(tree[0].galaxy_type, 0, "the first galaxy of a tree is its central");
/// assert!(tree.iter().all(|g| g.pos.iter().all(|&x| (0.0..62.5).contains(&x))));
/// ```
#[derive(Clone, Debug)]
pub struct Synthetic {
    rng: SmallRng,
    box_size: f32,
    file: i64,
    members: Poisson<f64>,
    halo_mass: LogNormal<f32>,
    scatter: LogNormal<f32>,
    unit: Normal<f32>,
}

impl Synthetic {
    /// A generator for a periodic box of `box_size` Mpc/h.
    pub fn new(seed: u64, box_size: f32) -> Self {
        Synthetic {
            rng: SmallRng::seed_from_u64(seed),
            box_size,
            file: 0,
            // Constant, valid parameters: these constructors cannot fail.
            members: Poisson::new(3.0).expect("a positive mean"),
            halo_mass: LogNormal::new(0.0, 1.2).expect("a positive sigma"),
            scatter: LogNormal::new(0.0, 0.3).expect("a positive sigma"),
            unit: Normal::new(0.0, 1.0).expect("a positive sigma"),
        }
    }

    /// Sets the file number used in `GalaxyIndex`.
    pub fn with_file(mut self, file: i64) -> Self {
        self.file = file;
        self
    }

    /// The galaxies of merger tree `tree` at `snapshot`: one central and a Poisson number of
    /// satellites (about 5 % of them orphans).
    pub fn tree(&mut self, snapshot: u32, tree: i32) -> Vec<SageGalaxy> {
        let count = 1 + self.members.sample(&mut self.rng) as usize;
        let central_pos: [f32; 3] =
            std::array::from_fn(|_| self.rng.random_range(0.0..self.box_size));
        // Haloes grow towards late times (snapshot 63 is z = 0 in SAGE's usual simulations).
        let growth = ((snapshot as f32 + 1.0) / 64.0).powf(1.5);
        let central_mvir = self.halo_mass.sample(&mut self.rng) * 10.0 * growth;
        let base_index = i64::from(tree) * TREE_MUL_FAC + self.file * FILE_MUL_FAC;
        (0..count)
            .map(|number| {
                let galaxy_type = match number {
                    0 => 0,
                    _ if self.rng.random_bool(0.05) => 2,
                    _ => 1,
                };
                let mvir = if number == 0 {
                    central_mvir
                } else {
                    central_mvir * self.rng.random_range(0.01f32..0.3)
                };
                let offset = if number == 0 { 0.0 } else { 0.3 };
                let pos = central_pos.map(|x| {
                    let shifted = x + offset * self.unit.sample(&mut self.rng);
                    shifted
                        .rem_euclid(self.box_size)
                        .min(self.box_size.next_down())
                });
                self.galaxy(
                    snapshot,
                    tree,
                    base_index,
                    number as i64,
                    galaxy_type,
                    mvir,
                    central_mvir,
                    pos,
                )
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

    #[allow(clippy::too_many_arguments)]
    fn galaxy(
        &mut self,
        snapshot: u32,
        tree: i32,
        base_index: i64,
        number: i64,
        galaxy_type: i32,
        mvir: f32,
        central_mvir: f32,
        pos: [f32; 3],
    ) -> SageGalaxy {
        let rng = &mut self.rng;
        let scatter = self.scatter;
        let stellar_mass = 0.02 * mvir * scatter.sample(rng);
        let bulge_mass = stellar_mass * rng.random_range(0.0f32..0.8);
        let cold_gas = 0.5 * stellar_mass * scatter.sample(rng);
        let hot_gas = 0.1 * mvir * scatter.sample(rng);
        let ejected_mass = 0.02 * mvir * scatter.sample(rng);
        let ics = if galaxy_type == 0 {
            0.01 * stellar_mass
        } else {
            0.0
        };
        let vvir = 200.0 * (mvir / 100.0).cbrt();
        let metallicity = 0.02 * scatter.sample(rng);
        let unit = self.unit;
        let sfr = 2.0 * cold_gas * scatter.sample(rng);
        let infall = galaxy_type != 0;
        SageGalaxy {
            snap_num: snapshot as i32,
            galaxy_type,
            galaxy_index: base_index + number,
            central_galaxy_index: base_index,
            sage_halo_index: rng.random_range(0..1_000_000),
            sage_tree_index: tree,
            simulation_halo_index: rng.random_range(0..i64::MAX / 2),
            merge_type: 0,
            merge_into_id: -1,
            merge_into_snap_num: -1,
            dt: rng.random_range(10.0f32..300.0),
            pos,
            vel: std::array::from_fn(|_| 300.0 * unit.sample(rng)),
            spin: std::array::from_fn(|_| 0.03 * unit.sample(rng)),
            len: (mvir / 0.086).max(20.0) as i32,
            mvir,
            central_mvir,
            rvir: 0.16 * (mvir / 100.0).cbrt(),
            vvir,
            vmax: vvir * rng.random_range(1.0f32..1.3),
            vel_disp: vvir * 0.7,
            cold_gas,
            stellar_mass,
            bulge_mass,
            hot_gas,
            ejected_mass,
            black_hole_mass: 0.002 * bulge_mass,
            ics,
            metals_cold_gas: metallicity * cold_gas,
            metals_stellar_mass: metallicity * stellar_mass,
            metals_bulge_mass: metallicity * bulge_mass,
            metals_hot_gas: 0.3 * metallicity * hot_gas,
            metals_ejected_mass: 0.3 * metallicity * ejected_mass,
            metals_ics: metallicity * ics,
            sfr_disk: sfr,
            sfr_bulge: 0.1 * sfr,
            sfr_disk_z: metallicity,
            sfr_bulge_z: metallicity,
            disk_scale_radius: 0.003 * (stellar_mass + cold_gas).cbrt(),
            cooling: rng.random_range(38.0f32..44.0),
            heating: rng.random_range(36.0f32..42.0),
            quasar_mode_bh_accretion_mass: 1e-5 * rng.random::<f32>(),
            time_of_last_major_merger: rng.random_range(0.0f32..13_000.0),
            time_of_last_minor_merger: rng.random_range(0.0f32..13_000.0),
            outflow_rate: 0.5 * sfr,
            infall_mvir: if infall { mvir * 1.5 } else { 0.0 },
            infall_vvir: if infall { vvir * 1.1 } else { 0.0 },
            infall_vmax: if infall { vvir * 1.2 } else { 0.0 },
            _padding: 0,
        }
    }
}
