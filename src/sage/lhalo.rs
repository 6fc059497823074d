//! LHaloTree binary merger trees, as SAGE reads them (`src/io/read_tree_lhalo_binary.c`), and a
//! seeded generator of small but physically plausible forests, so that SAGE itself can run
//! without the Millennium trees: `galaxy-io trees` writes them with a parameter file, and the
//! tests compare stock SAGE with SAGE on galaxy-io's writer on them.
//!
//! A tree file `<TreeName>.<filenr>` is `int32 Ntrees`, `int32 totNHalos`,
//! `int32 TreeNHalos[Ntrees]`, then every tree's `struct halo_data` records
//! (`src/core_simulation.h`), in native byte order. Pointers are indices into the halo's own
//! tree, -1 for none.
//!
//! Each generated tree is one FoF group at z = 0 with its history: a main branch that grows
//! along a Wechsler-like exponential accretion history, and satellite branches that form as FoF
//! groups of their own, fall in (becoming subhaloes that are stripped), and either merge (their
//! last halo's descendant is their host's halo) or survive to z = 0; a fifth merge on arrival
//! without a subhalo phase, and some satellites have satellites of their own. In SAGE this gives
//! centrals (Type 0), satellites (Type 1), orphans when a subhalo disappears (Type 2), and minor,
//! major and disruption mergers.
//!
//! ```
//! use galaxy_io::sage::lhalo::{self, ForestConfig};
//! let dir = tempfile::tempdir()?;
//! let config = ForestConfig { files: 2, trees_per_file: 3, halos_per_tree: 50, seed: 1 };
//! let forests = lhalo::write_forests(dir.path(), &config)?;
//! assert_eq!(forests.files().len(), 2);
//! let trees = lhalo::read_tree_file(&forests.files()[0])?;
//! assert_eq!(trees.len(), 3);
//! assert!(trees.iter().all(|tree| lhalo::inconsistency(tree).is_none()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::millennium::{millennium_redshifts, MILLENNIUM_EXPANSION_FACTORS};
use crate::error::{Error, Result};
use crate::hdf5::Cosmology;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

mod generate;

use generate::Generator;

/// The simulation the generated trees belong to: the Millennium cosmology in the 62.5 Mpc/h box
/// of the mini-Millennium trees, at Millennium's 64 snapshots.
pub const COSMOLOGY: Cosmology = Cosmology::MINI_MILLENNIUM;
/// Snapshots of the generated trees; the last (63) is z = 0.
pub const SNAPSHOTS: usize = MILLENNIUM_EXPANSION_FACTORS.len();
/// Millennium's particle mass (10^10 Msun/h), SAGE's `PartMass`.
pub const PART_MASS: f64 = COSMOLOGY.particle_mass;
/// Mini-Millennium's box (Mpc/h), SAGE's `BoxSize`.
pub const BOX_SIZE: f64 = COSMOLOGY.box_size;
/// SAGE's `Omega` for Millennium.
pub const OMEGA: f64 = COSMOLOGY.omega_matter;
/// SAGE's `OmegaLambda` for Millennium.
pub const OMEGA_LAMBDA: f64 = COSMOLOGY.omega_lambda;
/// Size of `struct halo_data`.
pub const HALO_SIZE: usize = 104;
/// The name of the generated tree files, `<TreeName>.<filenr>` (SAGE's `TreeName`).
pub const TREE_NAME: &str = "trees_063";
/// The snapshot list written beside the trees (SAGE's `FileWithSnapList`).
pub const SNAP_LIST: &str = "millennium.a_list";

/// One `struct halo_data`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Halo {
    /// `Descendant`.
    pub descendant: i32,
    /// `FirstProgenitor`.
    pub first_progenitor: i32,
    /// `NextProgenitor`.
    pub next_progenitor: i32,
    /// `FirstHaloInFOFgroup`.
    pub first_halo_in_fof_group: i32,
    /// `NextHaloInFOFgroup`.
    pub next_halo_in_fof_group: i32,
    /// `Len`: particles.
    pub len: i32,
    /// `M_Mean200`.
    pub m_mean200: f32,
    /// `Mvir`: M_Crit200 for Millennium; only FoF main haloes have it (0 for subhaloes).
    pub mvir: f32,
    /// `M_TopHat`.
    pub m_top_hat: f32,
    /// `Pos`, comoving Mpc/h.
    pub pos: [f32; 3],
    /// `Vel`, km/s.
    pub vel: [f32; 3],
    /// `VelDisp`.
    pub vel_disp: f32,
    /// `Vmax`.
    pub vmax: f32,
    /// `Spin`.
    pub spin: [f32; 3],
    /// `MostBoundID`.
    pub most_bound_id: i64,
    /// `SnapNum`.
    pub snap_num: i32,
    /// `FileNr`.
    pub file_nr: i32,
    /// `SubhaloIndex`.
    pub subhalo_index: i32,
    /// `SubHalfMass`.
    pub sub_half_mass: f32,
}

impl Halo {
    /// Appends the 104 bytes of the C struct (no padding: `MostBoundID` is at offset 80).
    ///
    /// ```
    /// use galaxy_io::sage::lhalo::{Halo, HALO_SIZE};
    /// let halo = Halo { len: 20, snap_num: 63, ..Halo::default() };
    /// let mut bytes = Vec::new();
    /// halo.write_to(&mut bytes);
    /// assert_eq!(bytes.len(), HALO_SIZE);
    /// assert_eq!(Halo::read_from(bytes.as_slice().try_into()?), halo);
    /// # Ok::<(), std::array::TryFromSliceError>(())
    /// ```
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let ints = [
            self.descendant,
            self.first_progenitor,
            self.next_progenitor,
            self.first_halo_in_fof_group,
            self.next_halo_in_fof_group,
            self.len,
        ];
        ints.iter().for_each(|v| out.extend(v.to_ne_bytes()));
        let floats = [self.m_mean200, self.mvir, self.m_top_hat];
        floats.iter().for_each(|v| out.extend(v.to_ne_bytes()));
        let vectors = [self.pos, self.vel];
        vectors
            .iter()
            .flatten()
            .for_each(|v| out.extend(v.to_ne_bytes()));
        out.extend(self.vel_disp.to_ne_bytes());
        out.extend(self.vmax.to_ne_bytes());
        self.spin.iter().for_each(|v| out.extend(v.to_ne_bytes()));
        out.extend(self.most_bound_id.to_ne_bytes());
        let ints = [self.snap_num, self.file_nr, self.subhalo_index];
        ints.iter().for_each(|v| out.extend(v.to_ne_bytes()));
        out.extend(self.sub_half_mass.to_ne_bytes());
    }

    /// Reads one record written by [`write_to`](Self::write_to).
    pub fn read_from(bytes: &[u8; HALO_SIZE]) -> Halo {
        let word = |i: usize| -> [u8; 4] { std::array::from_fn(|k| bytes[4 * i + k]) };
        let int = |i| i32::from_ne_bytes(word(i));
        let float = |i| f32::from_ne_bytes(word(i));
        Halo {
            descendant: int(0),
            first_progenitor: int(1),
            next_progenitor: int(2),
            first_halo_in_fof_group: int(3),
            next_halo_in_fof_group: int(4),
            len: int(5),
            m_mean200: float(6),
            mvir: float(7),
            m_top_hat: float(8),
            pos: [float(9), float(10), float(11)],
            vel: [float(12), float(13), float(14)],
            vel_disp: float(15),
            vmax: float(16),
            spin: [float(17), float(18), float(19)],
            most_bound_id: i64::from_ne_bytes(std::array::from_fn(|k| bytes[80 + k])),
            snap_num: int(22),
            file_nr: int(23),
            subhalo_index: int(24),
            sub_half_mass: float(25),
        }
    }
}

/// What to generate. Tree sizes are targets: a tree gets satellite branches until it has at
/// least `halos_per_tree` haloes (its main branch alone may be larger).
///
/// ```
/// let config = galaxy_io::sage::lhalo::ForestConfig::default();
/// assert_eq!((config.files, config.trees_per_file), (2, 12));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForestConfig {
    /// Tree files (SAGE's `NumSimulationTreeFiles`).
    pub files: u32,
    /// Trees (forests) in each file.
    pub trees_per_file: u32,
    /// Haloes each tree has at least.
    pub halos_per_tree: u32,
    /// The generator's seed: the same config writes the same bytes.
    pub seed: u64,
}

/// Two files of 12 trees of about 400 haloes: SAGE makes a few thousand galaxies of every kind
/// from them in seconds.
impl Default for ForestConfig {
    fn default() -> Self {
        ForestConfig {
            files: 2,
            trees_per_file: 12,
            halos_per_tree: 400,
            seed: 11,
        }
    }
}

impl ForestConfig {
    /// About 10^6 galaxies over SAGE's 64 snapshots (about 1.2 10^6 haloes, 125 MB of trees),
    /// for benchmarks: every output snapshot of SAGE then has tens of thousands of galaxies.
    pub fn benchmark() -> ForestConfig {
        ForestConfig {
            files: 4,
            trees_per_file: 150,
            halos_per_tree: 2000,
            seed: 2024,
        }
    }
}

/// Tree files written by [`write_forests`], described as SAGE's parameter file needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forests {
    /// `SimulationDir`.
    pub dir: PathBuf,
    /// `TreeName`: the files are `<dir>/<tree_name>.<filenr>`.
    pub tree_name: String,
    /// `FileWithSnapList`, in `dir`.
    pub snap_list: PathBuf,
    /// Trees in each file (`NumSimulationTreeFiles` is its length).
    pub trees_per_file: Vec<u32>,
    /// Haloes in all files.
    pub halos: u64,
}

impl Forests {
    /// The tree files, `<dir>/<tree_name>.<filenr>`.
    pub fn files(&self) -> Vec<PathBuf> {
        (0..self.trees_per_file.len())
            .map(|n| self.dir.join(format!("{}.{n}", self.tree_name)))
            .collect()
    }

    /// The parameters of a SAGE run over every tree file, writing `OutputFormat sage_hdf5` into
    /// `output_dir`; everything else is sage-model's `input/millennium.par`
    /// ([`Parameters::millennium`](super::Parameters::millennium)), every snapshot an output.
    /// Written with `to_string()`, it is the parameter file SAGE reads. Paths are written as
    /// given: SAGE runs from its own directory, so give absolute ones.
    ///
    /// ```
    /// use galaxy_io::sage::{lhalo, Parameters};
    /// let dir = tempfile::tempdir()?;
    /// let forests = lhalo::write_forests(dir.path(), &lhalo::ForestConfig::default())?;
    /// let parameters = forests.parameters(&dir.path().join("output"));
    /// assert_eq!(parameters.num_simulation_tree_files, 2);
    /// let text = parameters.to_string();
    /// assert_eq!(Parameters::parse(&text, "sage.par".as_ref())?, parameters);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parameters(&self, output_dir: &Path) -> super::Parameters {
        let files = self.trees_per_file.len() as i32;
        let mut parameters = super::Parameters::millennium();
        parameters.output_dir = directory(output_dir);
        parameters.output_format = "sage_hdf5".into();
        parameters.simulation_dir = directory(&self.dir);
        parameters.tree_name = self.tree_name.clone();
        parameters.tree_type = "lhalo_binary".into();
        parameters.file_with_snap_list = self.snap_list.display().to_string();
        parameters.first_file = 0;
        parameters.last_file = files - 1;
        parameters.num_simulation_tree_files = files;
        parameters.last_snapshot_nr = SNAPSHOTS as i32 - 1;
        parameters.num_outputs = -1;
        parameters.output_snapshots = (0..SNAPSHOTS as u32).rev().collect();
        parameters.omega = OMEGA;
        parameters.omega_lambda = OMEGA_LAMBDA;
        parameters.part_mass = PART_MASS;
        parameters.box_size = BOX_SIZE;
        parameters.hubble_h = COSMOLOGY.hubble_h;
        parameters
    }
}

/// A directory as SAGE's parameter file has it: ending in `/`.
fn directory(path: &Path) -> String {
    let mut text = path.display().to_string();
    if !text.ends_with('/') {
        text.push('/');
    }
    text
}

/// The snapshot list SAGE reads (`FileWithSnapList`): one expansion factor per line, snapshot 0
/// first.
///
/// ```
/// let list = galaxy_io::sage::lhalo::snap_list();
/// assert_eq!(list.lines().count(), 64);
/// assert_eq!(list.lines().last(), Some("1"));
/// ```
pub fn snap_list() -> String {
    MILLENNIUM_EXPANSION_FACTORS
        .iter()
        .map(|a| format!("{a}\n"))
        .collect()
}

/// Writes `config.files` tree files `trees_063.<n>` and the snapshot list `millennium.a_list`
/// into `dir` (created if missing). Deterministic: the same config gives the same bytes.
pub fn write_forests(dir: &Path, config: &ForestConfig) -> Result<Forests> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    let snap_list_path = dir.join(SNAP_LIST);
    std::fs::write(&snap_list_path, snap_list())
        .map_err(|e| Error::io("writing", &snap_list_path, e))?;
    let mut halos = 0;
    for file in 0..config.files {
        halos += write_forest_file(&dir.join(tree_file_name(file)), config, file)?;
    }
    Ok(Forests {
        dir: dir.to_owned(),
        tree_name: TREE_NAME.to_owned(),
        snap_list: snap_list_path,
        trees_per_file: vec![config.trees_per_file; config.files as usize],
        halos,
    })
}

/// The name of tree file `file`: `trees_063.<file>`.
pub fn tree_file_name(file: u32) -> String {
    format!("{TREE_NAME}.{file}")
}

/// Writes tree file number `file` of the forests `config` describes to `path` (what
/// [`write_forests`] writes as [`tree_file_name`]`(file)`); returns its number of haloes. A file's
/// trees do not depend on the others'.
pub fn write_forest_file(path: &Path, config: &ForestConfig, file: u32) -> Result<u64> {
    // One stream per file, so that a file's trees do not depend on how many files come before
    // it.
    let seed = config.seed ^ (u64::from(file) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut generator = Generator::new(seed, file as i32);
    write_tree_file(path, config.trees_per_file, |tree| {
        generator.tree(tree, config.halos_per_tree as usize)
    })
}

/// Writes one tree file of `trees` trees made by `tree(i)`, streaming (one tree in memory at a
/// time; the header is filled in at the end). Returns the number of haloes.
pub fn write_tree_file(
    path: &Path,
    trees: u32,
    mut tree: impl FnMut(u32) -> Vec<Halo>,
) -> Result<u64> {
    let fail = |e: std::io::Error| Error::io("writing", path, e);
    let too_many = |what: &str| {
        Error::io(
            "writing",
            path,
            std::io::Error::other(format!("{what} do not fit the format's int32")),
        )
    };
    let count = i32::try_from(trees).map_err(|_| too_many("the trees"))?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(fail)?);
    let header_len = 4 * (2 + trees as usize);
    out.write_all(&vec![0; header_len]).map_err(fail)?;
    let mut per_tree = Vec::with_capacity(trees as usize);
    let mut bytes = Vec::new();
    let mut total: i32 = 0;
    for i in 0..trees {
        let halos = tree(i);
        bytes.clear();
        halos.iter().for_each(|h| h.write_to(&mut bytes));
        out.write_all(&bytes).map_err(fail)?;
        let n = i32::try_from(halos.len()).map_err(|_| too_many("a tree's haloes"))?;
        total = total
            .checked_add(n)
            .ok_or_else(|| too_many("the file's haloes"))?;
        per_tree.push(n);
    }
    let mut header = Vec::with_capacity(header_len);
    header.extend(count.to_ne_bytes());
    header.extend(total.to_ne_bytes());
    per_tree.iter().for_each(|n| header.extend(n.to_ne_bytes()));
    let mut file = out.into_inner().map_err(|e| fail(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(fail)?;
    file.write_all(&header).map_err(fail)?;
    Ok(total as u64)
}

/// The header of a tree file: the haloes of each of its trees (`TreeNHalos`), checked against
/// the file's size. SAGE shares a run's forests among its tasks from these counts.
///
/// ```
/// use galaxy_io::sage::lhalo;
/// let dir = tempfile::tempdir()?;
/// let forests = lhalo::write_forests(dir.path(), &lhalo::ForestConfig::default())?;
/// let halos = lhalo::halos_per_tree(&forests.files()[1])?;
/// assert_eq!(halos.len(), 12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn halos_per_tree(path: &Path) -> Result<Vec<u64>> {
    let mut file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let size = file
        .metadata()
        .map_err(|e| Error::io("reading", path, e))?
        .len();
    let bad = |problem: String| Error::BadFile {
        path: path.to_owned(),
        problem: format!("is not an LHaloTree file: {problem}"),
    };
    let mut head = [0u8; 8];
    file.read_exact(&mut head)
        .map_err(|_| bad(format!("{size} bytes, too short for its header")))?;
    let trees = i32::from_ne_bytes([head[0], head[1], head[2], head[3]]);
    let total = i32::from_ne_bytes([head[4], head[5], head[6], head[7]]);
    let (Ok(trees), Ok(total)) = (u64::try_from(trees), u64::try_from(total)) else {
        return Err(bad(format!("it claims {trees} trees of {total} haloes")));
    };
    let expected = 8 + 4 * trees + HALO_SIZE as u64 * total;
    if expected != size {
        return Err(bad(format!(
            "{trees} trees of {total} haloes take {expected} bytes, but the file has {size}"
        )));
    }
    let mut counts = vec![0u8; 4 * trees as usize];
    file.read_exact(&mut counts)
        .map_err(|e| Error::io("reading", path, e))?;
    let halos: Vec<u64> = counts
        .chunks_exact(4)
        .map(|word| i32::from_ne_bytes([word[0], word[1], word[2], word[3]]))
        .map(|n| u64::try_from(n).unwrap_or(u64::MAX))
        .collect();
    if halos.iter().try_fold(0u64, |sum, &n| sum.checked_add(n)) != Some(total) {
        return Err(bad(format!(
            "its trees' haloes do not add up to the {total} it claims"
        )));
    }
    Ok(halos)
}

/// Reads a tree file back: every tree's haloes.
pub fn read_tree_file(path: &Path) -> Result<Vec<Vec<Halo>>> {
    let halos = halos_per_tree(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    let (records, rest) = bytes
        .get(4 * (2 + halos.len())..)
        .unwrap_or_default()
        .as_chunks::<HALO_SIZE>();
    if !rest.is_empty() || records.len() as u64 != halos.iter().sum::<u64>() {
        return Err(Error::BadFile {
            path: path.to_owned(),
            problem: "changed while it was read".into(),
        });
    }
    let mut records = records.iter();
    Ok(halos
        .iter()
        .map(|&n| {
            records
                .by_ref()
                .take(n as usize)
                .map(Halo::read_from)
                .collect()
        })
        .collect())
}

/// The redshift of every snapshot of the generated trees.
pub fn redshifts() -> Vec<f64> {
    millennium_redshifts()
}

/// What is wrong with a tree's pointer structure, as SAGE relies on it, if anything.
pub fn inconsistency(halos: &[Halo]) -> Option<String> {
    let n = halos.len() as i32;
    let at = |i: i32| &halos[i as usize];
    let valid = |i: i32| i == -1 || (0..n).contains(&i);
    let mut in_fof = vec![false; halos.len()];
    let mut progenitor_of = vec![-1; halos.len()];
    for (i, h) in halos.iter().enumerate() {
        let i = i as i32;
        let pointers = [
            h.descendant,
            h.first_progenitor,
            h.next_progenitor,
            h.first_halo_in_fof_group,
            h.next_halo_in_fof_group,
        ];
        if !pointers.iter().all(|&p| valid(p)) || h.first_halo_in_fof_group < 0 {
            return Some(format!("halo {i}: a pointer out of range: {h:?}"));
        }
        if h.descendant >= 0 && at(h.descendant).snap_num != h.snap_num + 1 {
            return Some(format!("halo {i}: descendant not at the next snapshot"));
        }
        let fof = h.first_halo_in_fof_group;
        if at(fof).first_halo_in_fof_group != fof || at(fof).snap_num != h.snap_num {
            return Some(format!(
                "halo {i}: FoF group {fof} is not a FoF main halo here"
            ));
        }
        if fof != i && h.first_progenitor < 0 {
            return Some(format!(
                "halo {i}: a subhalo without progenitor has no galaxy"
            ));
        }
        let mut p = h.first_progenitor;
        while p >= 0 {
            if at(p).descendant != i || progenitor_of[p as usize] != -1 {
                return Some(format!("halo {i}: progenitor {p} is not its own"));
            }
            progenitor_of[p as usize] = i;
            p = at(p).next_progenitor;
        }
        if fof == i {
            let mut member = i;
            while member >= 0 {
                if at(member).first_halo_in_fof_group != i || in_fof[member as usize] {
                    return Some(format!("FoF group {i}: member {member} is not its own"));
                }
                in_fof[member as usize] = true;
                member = at(member).next_halo_in_fof_group;
            }
        }
    }
    for (i, h) in halos.iter().enumerate() {
        if !in_fof[i] {
            return Some(format!("halo {i} is in no FoF group's list"));
        }
        if h.descendant >= 0 && progenitor_of[i] != h.descendant {
            return Some(format!(
                "halo {i} is missing from its descendant's progenitors"
            ));
        }
    }
    None
}
