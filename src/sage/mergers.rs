//! The galaxies that merged into one, as SAGE records it. When a satellite merges, SAGE writes it
//! no more; its last output row (a snapshot before) gets `mergeIntoSnapNum`, the snapshot of the
//! galaxy it merged into, and `mergeIntoID`, that galaxy's place among the rows its forest wrote
//! at that snapshot (`core_save.c` maps it through `OutputGalOrder`, counted per forest and
//! output snapshot). A forest's rows at a snapshot are consecutive, in one file (one core); its
//! galaxies' `GalaxyIndex` share the forest's part, `GalaxyIndex / ForestNr_Mulfac` (tree and
//! file number; `SAGETreeIndex` alone repeats from one tree file to the next). So the target's
//! place is its row less the first row of its forest's run there.

use crate::error::{Error, Result};
use crate::hdf5::{AttrValue, Catalogue, HeaderGroup};
use crate::history::Appearance;
use std::collections::BTreeMap;
use std::ops::Range;

/// A galaxy that merged into another: what [`mergers_into`] finds (its example shows one).
///
/// ```
/// use galaxy_io::{sage::Merger, Appearance};
/// let merger = Merger { key: 8, at: Appearance { snapshot: 62, row: 2 } };
/// assert_eq!(merger.at.snapshot, 62);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Merger {
    /// Its key (`GalaxyIndex`).
    pub key: i64,
    /// Where its last row is, whose `mergeIntoID` and `mergeIntoSnapNum` point at the galaxy.
    pub at: Appearance,
}

/// The galaxies whose `mergeIntoID` and `mergeIntoSnapNum` point at the galaxy whose key is
/// `key` as it is at `snapshot` (found through the history index): SAGE's mergers and
/// disruptions into it, ascending by snapshot and row. Works on an output or a master (a forest
/// never spans cores). SAGE resolves `mergeIntoID` only between consecutive output snapshots
/// (else it is -1), so only those mergers are found. A galaxy that is not at `snapshot` is an [`Error::UnknownKey`]; a file
/// without SAGE's fields is an [`Error::SchemaMismatch`].
///
/// ```
/// use galaxy_io::sage::{mergers_into, SageGalaxy, FOREST_NR_MULFAC};
/// use galaxy_io::{Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// // GalaxyIndex: the galaxy's number in its forest, plus the forest's part.
/// let galaxy = |forest, number| SageGalaxy {
///     galaxy_index: forest * FOREST_NR_MULFAC + number,
///     merge_into_id: -1,
///     merge_into_snap_num: -1,
///     ..Default::default()
/// };
/// // After snapshot 62, galaxy 3 of forest 1 merges into the second row forest 1 writes at 63.
/// let merging = SageGalaxy { merge_into_id: 1, merge_into_snap_num: 63, ..galaxy(1, 3) };
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[62, 63], Hdf5Options::default())?;
/// output.write(62, &[galaxy(0, 0), galaxy(1, 2), merging])?;
/// output.write(63, &[galaxy(0, 0), galaxy(1, 1), galaxy(1, 2)])?;
/// output.finish()?;
///
/// let target = FOREST_NR_MULFAC + 2;
/// let mergers = mergers_into(&Catalogue::open(&path)?, target, 63)?;
/// let found: Vec<_> = mergers.iter().map(|m| (m.key, m.at.snapshot, m.at.row)).collect();
/// assert_eq!(found, [(FOREST_NR_MULFAC + 3, 62, 2)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn mergers_into(catalogue: &Catalogue, key: i64, snapshot: u32) -> Result<Vec<Merger>> {
    let target = Target::of(catalogue, key, snapshot)?;
    Ok(Mergers::of(catalogue)?.at(&target))
}

/// Every merger of a catalogue, read once (three columns of every snapshot), for the mergers
/// into many galaxies: [`find`](Self::find) answers as [`mergers_into`] does, from memory.
///
/// ```
/// use galaxy_io::sage::{Mergers, SageGalaxy};
/// use galaxy_io::{Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let galaxy = SageGalaxy { galaxy_index: 7, merge_into_id: -1, ..Default::default() };
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write(63, &[galaxy])?;
/// output.finish()?;
///
/// let catalogue = Catalogue::open(&path)?;
/// let mergers = Mergers::of(&catalogue)?;
/// assert!(mergers.find(&catalogue, 7, 63)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Mergers {
    /// By what they point at: the snapshot, the core, the forest and the place among the rows
    /// the forest wrote there; each list ascending by snapshot and row.
    by_target: BTreeMap<(u32, usize, i64, i64), Vec<Merger>>,
}

impl Mergers {
    /// Reads every row's `mergeIntoSnapNum`, `mergeIntoID` and key, keeping the rows that point
    /// at a galaxy. A file without SAGE's fields is an [`Error::SchemaMismatch`].
    pub fn of(catalogue: &Catalogue) -> Result<Mergers> {
        let field = catalogue.history_key()?;
        let mulfac = forest_mulfac(catalogue);
        let mut by_target: BTreeMap<_, Vec<Merger>> = BTreeMap::new();
        for from in catalogue.snapshots()? {
            for (core, rows) in core_rows(catalogue, from)?.into_iter().enumerate() {
                if rows.is_empty() {
                    continue;
                }
                let into_snap =
                    catalogue.read_integer_rows(from, "mergeIntoSnapNum", rows.clone())?;
                let into_id = catalogue.read_integer_rows(from, "mergeIntoID", rows.clone())?;
                let keys = catalogue.read_integer_rows(from, &field, rows.clone())?;
                for (at, row) in rows.enumerate() {
                    let Ok(into) = u32::try_from(into_snap[at]) else {
                        continue;
                    };
                    if into_id[at] < 0 {
                        continue;
                    }
                    let forest = keys[at].div_euclid(mulfac);
                    by_target
                        .entry((into, core, forest, into_id[at]))
                        .or_default()
                        .push(Merger {
                            key: keys[at],
                            at: Appearance {
                                snapshot: from,
                                row,
                            },
                        });
                }
            }
        }
        Ok(Mergers { by_target })
    }

    /// The galaxies that merged into the galaxy whose key is `key` as it is at `snapshot`, as
    /// [`mergers_into`] finds them.
    pub fn find(&self, catalogue: &Catalogue, key: i64, snapshot: u32) -> Result<Vec<Merger>> {
        Ok(self.at(&Target::of(catalogue, key, snapshot)?))
    }

    fn at(&self, target: &Target) -> Vec<Merger> {
        let found =
            self.by_target
                .get(&(target.snapshot, target.core, target.forest, target.place));
        found.cloned().unwrap_or_default()
    }
}

/// Where a galaxy's mergers point: its snapshot, its core, its forest, and its place among the
/// rows its forest wrote there.
struct Target {
    snapshot: u32,
    core: usize,
    forest: i64,
    place: i64,
}

impl Target {
    /// The galaxy whose key is `key`, at `snapshot` (found through the history index).
    fn of(catalogue: &Catalogue, key: i64, snapshot: u32) -> Result<Target> {
        let field = catalogue.history_key()?;
        let target = catalogue
            .history(key)?
            .appearances
            .into_iter()
            .find(|a| a.snapshot == snapshot)
            .ok_or_else(|| Error::UnknownKey {
                path: catalogue.path().to_owned(),
                field: field.clone(),
                key,
                snapshot: Some(snapshot),
            })?;
        let mulfac = forest_mulfac(catalogue);
        let cores = core_rows(catalogue, snapshot)?;
        let core = cores
            .iter()
            .position(|rows| rows.contains(&target.row))
            .unwrap_or(0);
        let before =
            catalogue.read_integer_rows(snapshot, &field, cores[core].start..target.row + 1)?;
        let forest = key.div_euclid(mulfac);
        let run = before
            .iter()
            .rev()
            .take_while(|&&k| k.div_euclid(mulfac) == forest)
            .count() as u64;
        Ok(Target {
            snapshot,
            core,
            forest,
            place: i64::try_from(run.saturating_sub(1)).unwrap_or(i64::MAX),
        })
    }
}

/// `ForestNr_Mulfac`, by which a `GalaxyIndex` divides into its forest's part: the file's
/// (`TreeInfo`), or SAGE's.
fn forest_mulfac(catalogue: &Catalogue) -> i64 {
    catalogue
        .header()
        .ok()
        .and_then(
            |header| match header.get(HeaderGroup::TreeInfo, "ForestNr_Mulfac") {
                Some(AttrValue::I64(n)) if *n > 0 => Some(*n),
                Some(AttrValue::I32(n)) if *n > 0 => Some(i64::from(*n)),
                _ => None,
            },
        )
        .unwrap_or(super::FOREST_NR_MULFAC)
}

/// The rows of `snapshot` that each core (output of a master; the one output of an output)
/// holds, counted over the catalogue.
fn core_rows(catalogue: &Catalogue, snapshot: u32) -> Result<Vec<Range<u64>>> {
    if catalogue.parts() == 1 {
        return Ok(std::iter::once(0..catalogue.num_galaxies(snapshot)?).collect());
    }
    let mut start = 0;
    let mut ranges = Vec::with_capacity(catalogue.parts());
    for core in 0..catalogue.parts() {
        let rows = match catalogue.core(core)? {
            Some(output) if output.snapshots()?.contains(&snapshot) => {
                output.num_galaxies(snapshot)?
            }
            _ => 0,
        };
        ranges.push(start..start + rows);
        start += rows;
    }
    Ok(ranges)
}
