//! The generator of the forests [`write_forests`](super::write_forests) writes: a tree is a FoF
//! group at z = 0 grown along its main branch, with satellite branches that fall in, are
//! stripped, and merge or survive (see the parent module).

use super::{inconsistency, Halo, BOX_SIZE, PART_MASS, SNAPSHOTS};
use crate::sage::millennium::{millennium_redshifts, virial_radius, virial_velocity};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};

/// Haloes below this many particles are not resolved: branches start and end there.
const MIN_LEN: f64 = 20.0;

/// A halo's lineage over snapshots `first..=last`: a FoF main halo before `infall`, a subhalo
/// of `host`'s FoF group from then on.
struct Branch {
    host: usize,
    first: usize,
    infall: usize,
    last: usize,
    /// Whether the last halo's descendant is `host`'s halo at `last + 1`.
    merges: bool,
    /// Per snapshot from `first`: FoF mass (as a main halo) or bound mass (as a subhalo).
    mass: Vec<f64>,
    vmax: Vec<f64>,
    pos: Vec<[f64; 3]>,
    vel: Vec<[f64; 3]>,
    spin: [f64; 3],
    id: i64,
}

impl Branch {
    fn alive(&self, snap: usize) -> bool {
        (self.first..=self.last).contains(&snap)
    }

    fn is_main(&self, snap: usize) -> bool {
        snap < self.infall
    }
}

pub(super) struct Generator {
    rng: SmallRng,
    file: i32,
    z: Vec<f64>,
    /// SubhaloIndex: a running number per snapshot over the file, as in a group catalogue.
    subhalo_index: Vec<i32>,
    unit: Normal<f64>,
}

impl Generator {
    pub(super) fn new(seed: u64, file: i32) -> Generator {
        Generator {
            rng: SmallRng::seed_from_u64(seed),
            file,
            z: millennium_redshifts(),
            subhalo_index: vec![0; SNAPSHOTS],
            unit: Normal::new(0.0, 1.0).expect("a positive sigma"),
        }
    }

    /// Physical virial radius (Mpc/h) of mass `m` at snapshot `s`, as SAGE computes it.
    fn rvir(&self, m: f64, s: usize) -> f64 {
        virial_radius(m, self.z[s])
    }

    fn vvir(&self, m: f64, s: usize) -> f64 {
        virial_velocity(m, self.z[s])
    }

    fn direction(&mut self) -> [f64; 3] {
        let v: [f64; 3] = std::array::from_fn(|_| self.unit.sample(&mut self.rng));
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        v.map(|x| x / norm)
    }

    fn spin(&mut self) -> [f64; 3] {
        // Bullock's lambda, log-normal around 0.035; scaled by sqrt(2) Vvir Rvir per halo.
        let lambda = LogNormal::new(0.035f64.ln(), 0.5).expect("a positive sigma");
        let lambda = lambda.sample(&mut self.rng);
        self.direction().map(|x| x * lambda)
    }

    /// Exponential accretion history M(z) = M_end exp(-alpha (z - z_end)) back from `end`, with
    /// a little noise, kept non-decreasing; returns the first resolved snapshot and the masses
    /// from there to `end`.
    fn history(&mut self, end: usize, m_end: f64, alpha: f64) -> (usize, Vec<f64>) {
        let noise = LogNormal::new(0.0, 0.04).expect("a positive sigma");
        let min_mass = MIN_LEN * PART_MASS;
        let mut masses = vec![m_end];
        let mut s = end;
        while s > 0 {
            let m = m_end
                * (-alpha * (self.z[s - 1] - self.z[end])).exp()
                * noise.sample(&mut self.rng);
            // Non-decreasing towards `end`: never above the mass a snapshot later.
            let m = masses.last().map_or(m, |&later: &f64| m.min(later));
            if m < min_mass {
                break;
            }
            masses.push(m);
            s -= 1;
        }
        masses.reverse();
        (s, masses)
    }

    pub(super) fn tree(&mut self, tree: u32, target: usize) -> Vec<Halo> {
        let id_base = (i64::from(self.file) * 1_000_000 + i64::from(tree)) * 100_000;
        let mut branches = vec![self.main_branch(target, id_base)];
        let mut count = branches[0].mass.len();
        let mut attempts = 0;
        while count < target && attempts < 50 * target {
            attempts += 1;
            if let Some(branch) = self.satellite(&branches, id_base + branches.len() as i64) {
                count += branch.mass.len();
                branches.push(branch);
            }
        }
        let halos = self.halos(&branches);
        debug_assert_eq!(
            inconsistency(&halos),
            None,
            "tree {tree} of file {}",
            self.file
        );
        halos
    }

    fn main_branch(&mut self, target: usize, id: i64) -> Branch {
        // Bigger trees are bigger haloes: about 2 10^10 Msun/h of z = 0 mass per halo.
        let scatter = LogNormal::new(0.0, 0.5).expect("a positive sigma");
        let m0 = (2.0 * target as f64 * scatter.sample(&mut self.rng)).max(300.0 * PART_MASS);
        let alpha = self.rng.random_range(0.4..0.85);
        let (first, mass) = self.history(SNAPSHOTS - 1, m0, alpha);
        let start: [f64; 3] = std::array::from_fn(|_| self.rng.random_range(0.0..BOX_SIZE));
        let drift = self
            .direction()
            .map(|x| x * self.rng.random_range(0.5..3.0));
        let bulk = self
            .direction()
            .map(|x| x * self.rng.random_range(50.0..400.0));
        let z = self.z.clone();
        let pos = (first..SNAPSHOTS)
            .map(|s| std::array::from_fn(|k| start[k] + drift[k] * (1.0 - 1.0 / (1.0 + z[s]))))
            .collect();
        let vmax = (first..SNAPSHOTS)
            .zip(&mass)
            .map(|(s, &m)| 1.15 * self.vvir(m, s))
            .collect();
        Branch {
            host: 0,
            first,
            infall: SNAPSHOTS,
            last: SNAPSHOTS - 1,
            merges: false,
            vmax,
            vel: vec![bulk; mass.len()],
            mass,
            pos,
            spin: self.spin(),
            id,
        }
    }

    /// A satellite branch of a random host, or `None` if the draw gives nothing resolvable.
    fn satellite(&mut self, branches: &[Branch], id: i64) -> Option<Branch> {
        let min_mass = MIN_LEN * PART_MASS;
        // Mostly the main branch; sometimes a satellite while it is still a FoF group of its own.
        let host = if branches.len() > 1 && self.rng.random_bool(0.25) {
            self.rng.random_range(1..branches.len())
        } else {
            0
        };
        let h = &branches[host];
        let last_main = h.infall.min(h.last + 1) - 1;
        if last_main < h.first + 2 {
            return None;
        }
        let infall = self.rng.random_range(h.first + 2..=last_main);
        let mu = self.rng.random_range(0.02f64.ln()..0.7f64.ln()).exp();
        let m_infall = mu * h.mass[infall - h.first];
        let alpha = self.rng.random_range(0.5..1.2);
        let (first, mut mass) = self.history(infall, m_infall, alpha);
        if first == infall {
            return None; // not resolved before it falls in
        }
        // At `infall` it is a subhalo, whose mass follows below.
        mass.pop();
        // It merges into its host's halo at `last + 1`, so the host must still exist then; only
        // a satellite of a host that survives to z = 0 may survive too.
        let host_survives = h.last == SNAPSHOTS - 1 && !h.merges;
        let limit = if host_survives {
            SNAPSHOTS - 1
        } else {
            h.last - 1
        };
        let direct = self.rng.random_bool(0.2) || infall > limit;
        let last = if direct {
            infall - 1 // merges on arrival, without a subhalo phase
        } else {
            // Stripped with an e-folding time of a few snapshots; merges after a
            // dynamical-friction time that is shorter for massive satellites, or once it is no
            // longer resolved.
            let tau = self.rng.random_range(2.0..12.0);
            let friction = (self.rng.random_range(2.0..30.0) * (0.05 / mu).powf(0.3)).round();
            let end = (infall + (friction as usize).max(1) - 1).min(limit);
            let mut last = infall - 1;
            for s in infall..=end {
                let m = m_infall * (-((s + 1 - infall) as f64) / tau).exp();
                if m < min_mass {
                    break;
                }
                mass.push(m);
                last = s;
            }
            last
        };
        let mut branch = Branch {
            host,
            first,
            infall,
            last,
            merges: last < SNAPSHOTS - 1,
            vmax: Vec::new(),
            pos: Vec::new(),
            vel: Vec::new(),
            mass,
            spin: self.spin(),
            id,
        };
        self.orbit(&mut branch, &branches[host]);
        Some(branch)
    }

    /// Positions, velocities and Vmax: approaching the host before infall, then orbiting it
    /// on a shrinking orbit.
    fn orbit(&mut self, branch: &mut Branch, host: &Branch) {
        let e1 = self.direction();
        let mut e2 = self.direction();
        let dot: f64 = e1.iter().zip(&e2).map(|(a, b)| a * b).sum();
        e2 = std::array::from_fn(|k| e2[k] - dot * e1[k]);
        let norm = e2.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        e2 = e2.map(|x| x / norm);
        let omega = self.rng.random_range(0.3..0.9);
        let decay = self.rng.random_range(4.0..16.0);
        let infall = branch.infall;
        let host_at = |s: usize| s.clamp(host.first, host.last) - host.first;
        let vmax_infall = {
            let s = infall - 1;
            1.15 * self.vvir(branch.mass[s - branch.first], s)
        };
        let m_infall = branch.mass[infall - 1 - branch.first];
        for s in branch.first..=branch.last {
            let i = host_at(s);
            let (host_pos, host_vel) = (host.pos[i], host.vel[i]);
            let host_rvir = self.rvir(host.mass[i], s) * (1.0 + self.z[s]); // comoving
            let host_vvir = self.vvir(host.mass[i], s);
            let m = branch.mass[s - branch.first];
            let (offset, velocity, vmax) = if s < infall {
                let r = (host_rvir * (1.2 + 0.6 * (infall - s) as f64)).min(8.0);
                let v = e1.map(|x| -x * host_vvir);
                (e1.map(|x| x * r), v, 1.15 * self.vvir(m, s))
            } else {
                let t = (s - infall) as f64;
                let r = 0.9 * host_rvir * (-t / decay).exp();
                let phi = omega * t;
                let (c, sn) = (phi.cos(), phi.sin());
                let offset = std::array::from_fn(|k| r * (c * e1[k] + sn * e2[k]));
                let v = std::array::from_fn(|k| host_vvir * (-sn * e1[k] + c * e2[k]));
                (offset, v, vmax_infall * (m / m_infall).powf(0.25))
            };
            branch
                .pos
                .push(std::array::from_fn(|k| host_pos[k] + offset[k]));
            branch
                .vel
                .push(std::array::from_fn(|k| host_vel[k] + velocity[k]));
            branch.vmax.push(vmax);
        }
    }

    /// The haloes of a tree: snapshots from last to first, FoF groups together with their main
    /// halo first (so halo 0 is the z = 0 main halo), and every pointer filled in.
    fn halos(&mut self, branches: &[Branch]) -> Vec<Halo> {
        let mut index: Vec<Vec<i32>> = branches.iter().map(|b| vec![-1; b.mass.len()]).collect();
        let mut order: Vec<(usize, usize, usize)> = Vec::new(); // (branch, snapshot, FoF main branch)
        let mut fof = vec![usize::MAX; branches.len()];
        for s in (0..SNAPSHOTS).rev() {
            // A branch comes after its host, so a FoF group's main halo comes before its members.
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for (b, branch) in branches.iter().enumerate() {
                if !branch.alive(s) {
                    continue;
                }
                if branch.is_main(s) {
                    fof[b] = groups.len();
                    groups.push(vec![b]);
                } else {
                    fof[b] = fof[branch.host];
                    groups[fof[b]].push(b);
                }
            }
            for members in groups {
                for &b in &members {
                    index[b][s - branches[b].first] = order.len() as i32;
                    order.push((b, s, members[0]));
                }
            }
        }
        let mut halos = Vec::with_capacity(order.len());
        let halo_at = |b: usize, s: usize| index[b][s - branches[b].first];
        for (i, &(b, s, c)) in order.iter().enumerate() {
            let branch = &branches[b];
            let k = s - branch.first;
            let m = branch.mass[k];
            let main = b == c;
            let descendant = if s < branch.last {
                halo_at(b, s + 1)
            } else if branch.merges {
                halo_at(branch.host, s + 1)
            } else {
                -1
            };
            let next_in_fof = match order.get(i + 1) {
                Some(&(_, s2, c2)) if s2 == s && c2 == c => (i + 1) as i32,
                _ => -1,
            };
            let len = if main {
                0.9 * m / PART_MASS
            } else {
                m / PART_MASS
            };
            let vvir = self.vvir(m, s);
            let rvir = self.rvir(m, s);
            let spin = branch
                .spin
                .map(|x| (x * std::f64::consts::SQRT_2 * vvir * rvir) as f32);
            let subhalo_index = self.subhalo_index[s];
            self.subhalo_index[s] += 1;
            halos.push(Halo {
                descendant,
                first_progenitor: -1,
                next_progenitor: -1,
                first_halo_in_fof_group: halo_at(c, s),
                next_halo_in_fof_group: next_in_fof,
                len: len.round().max(1.0) as i32,
                m_mean200: if main { (1.25 * m) as f32 } else { 0.0 },
                mvir: if main { m as f32 } else { 0.0 },
                m_top_hat: if main { (1.1 * m) as f32 } else { 0.0 },
                pos: branch.pos[k].map(|x| x.rem_euclid(BOX_SIZE) as f32),
                vel: branch.vel[k].map(|v| v as f32),
                vel_disp: (if main {
                    0.8 * vvir
                } else {
                    0.7 * branch.vmax[k]
                }) as f32,
                vmax: branch.vmax[k] as f32,
                spin,
                most_bound_id: branch.id,
                snap_num: s as i32,
                file_nr: self.file,
                subhalo_index,
                sub_half_mass: (0.5 * len * PART_MASS) as f32,
            });
        }
        // Progenitors, most massive (by Len) first; ties keep the halo's own branch first.
        let mut progenitors: Vec<Vec<i32>> = vec![Vec::new(); halos.len()];
        for (i, h) in halos.iter().enumerate() {
            if h.descendant >= 0 {
                progenitors[h.descendant as usize].push(i as i32);
            }
        }
        for (i, list) in progenitors.iter_mut().enumerate() {
            let own = order[i].0;
            list.sort_by_key(|&p| {
                (
                    std::cmp::Reverse(halos[p as usize].len),
                    order[p as usize].0 != own,
                )
            });
            if let Some(&first) = list.first() {
                halos[i].first_progenitor = first;
            }
            for pair in list.windows(2) {
                halos[pair[0] as usize].next_progenitor = pair[1];
            }
        }
        halos
    }
}
