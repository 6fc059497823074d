//! Following a galaxy through time: for every value of a record's key (`#[galaxy(key)]`, SAGE's
//! `GalaxyIndex`), the snapshots and rows where a galaxy with it appears. An output collects its
//! keys as it writes and stores this index at finish; a master merges its outputs' indexes; a
//! reader loads one (checked) or, from a file without one, builds it with a scan.
//!
//! The index is compressed sparse rows: the distinct keys ascending, and for the `i`-th the
//! entries `offsets[i]..offsets[i + 1]` of `snapshots` and `rows`, ascending by snapshot.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// One place a galaxy appears in a catalogue: a row of a snapshot (a master's row counts the
/// rows of every output before it, as its own `Snap_<N>` datasets do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Appearance {
    /// The snapshot.
    pub snapshot: u32,
    /// The row in the snapshot's datasets.
    pub row: u64,
}

/// Where one galaxy appears, oldest snapshot first: what
/// [`Catalogue::history`](crate::Catalogue::history) returns.
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let galaxy = |index| SageGalaxy { galaxy_index: index, ..Default::default() };
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[32, 63], Hdf5Options::default())?;
/// output.write(32, &[galaxy(7), galaxy(3)])?;
/// output.write(63, &[galaxy(3)])?;
/// output.finish()?;
///
/// let history = Catalogue::open(&path)?.history(3)?;
/// let places: Vec<(u32, u64)> = history.appearances.iter().map(|a| (a.snapshot, a.row)).collect();
/// assert_eq!(places, [(32, 1), (63, 0)]);
/// assert!(history.indexed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// The key asked for.
    pub key: i64,
    /// Every snapshot and row with this key, ascending by snapshot (then row).
    pub appearances: Vec<Appearance>,
    /// Whether the file's history index answered; `false` when the catalogue had none (or a
    /// damaged one) and was scanned instead.
    pub indexed: bool,
}

/// The largest snapshot number and row an index entry holds: packed together, one sort orders
/// the entries by key, snapshot and row.
const SNAPSHOT_BITS: u32 = 24;
const ROW_BITS: u32 = 64 - SNAPSHOT_BITS;

/// The index of one catalogue, in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HistoryIndex {
    /// Distinct keys, ascending.
    pub keys: Vec<i64>,
    /// `keys.len() + 1` offsets into the entries, from 0 to their number.
    pub offsets: Vec<u64>,
    /// Per entry: the snapshot.
    pub snapshots: Vec<u32>,
    /// Per entry: the row.
    pub rows: Vec<u64>,
}

impl HistoryIndex {
    /// Where `key` appears, ascending; empty when it does not.
    pub fn lookup(&self, key: i64) -> Vec<Appearance> {
        let Ok(at) = self.keys.binary_search(&key) else {
            return Vec::new();
        };
        let range = self.offsets[at] as usize..self.offsets[at + 1] as usize;
        self.snapshots[range.clone()]
            .iter()
            .zip(&self.rows[range])
            .map(|(&snapshot, &row)| Appearance { snapshot, row })
            .collect()
    }

    /// Entries in all.
    pub fn entries(&self) -> usize {
        self.rows.len()
    }

    /// Checks an index read from a file against itself and against the catalogue's snapshots
    /// and their rows (`rows_of`): keys strictly ascending, offsets from 0 to the number of
    /// entries and strictly ascending (every key appears), every entry a row that exists,
    /// ascending within a key. Says what is wrong, so that the reader can say why it scans.
    pub fn validate(&self, rows_of: &BTreeMap<u32, u64>) -> std::result::Result<(), String> {
        let entries = self.rows.len();
        if self.snapshots.len() != entries {
            return Err(format!(
                "{} snapshots for {entries} rows",
                self.snapshots.len()
            ));
        }
        if self.offsets.len() != self.keys.len() + 1 {
            return Err(format!(
                "{} offsets for {} keys (one more is needed)",
                self.offsets.len(),
                self.keys.len()
            ));
        }
        if self.offsets.first() != Some(&0) || self.offsets.last() != Some(&(entries as u64)) {
            return Err(format!(
                "the offsets do not run from 0 to the {entries} entries"
            ));
        }
        if let Some(at) = self.keys.windows(2).position(|pair| pair[0] >= pair[1]) {
            return Err(format!("the keys are not ascending at key {at}"));
        }
        if let Some(at) = self.offsets.windows(2).position(|pair| pair[0] >= pair[1]) {
            return Err(format!("key {} has no entries", self.keys[at]));
        }
        for (at, pair) in self.offsets.windows(2).enumerate() {
            let range = pair[0] as usize..pair[1] as usize;
            let places = self.snapshots[range.clone()].iter().zip(&self.rows[range]);
            let mut last: Option<(u32, u64)> = None;
            for (&snapshot, &row) in places {
                match rows_of.get(&snapshot) {
                    None => {
                        return Err(format!(
                            "key {} is at snapshot {snapshot}, which the file does not have",
                            self.keys[at]
                        ))
                    }
                    Some(&rows) if row >= rows => {
                        return Err(format!(
                            "key {} is at row {row} of snapshot {snapshot}, which has {rows}",
                            self.keys[at]
                        ))
                    }
                    _ => {}
                }
                if last.is_some_and(|last| last >= (snapshot, row)) {
                    return Err(format!(
                        "the entries of key {} are not ascending",
                        self.keys[at]
                    ));
                }
                last = Some((snapshot, row));
            }
        }
        Ok(())
    }
}

/// The index a catalogue answers histories from: its file's, or one a scan built.
#[derive(Debug)]
pub(crate) struct LoadedHistory {
    pub index: HistoryIndex,
    /// The key field.
    pub field: String,
    /// Whether it is the file's index.
    pub indexed: bool,
}

/// Gathers `(key, snapshot, row)` entries in any order, and sorts them into an index.
#[derive(Debug, Default)]
pub(crate) struct IndexBuilder {
    /// Key, then snapshot and row packed into one word (see [`SNAPSHOT_BITS`]).
    entries: Vec<(i64, u64)>,
}

impl IndexBuilder {
    /// Adds the keys of consecutive rows of `snapshot`, the first at `first_row`.
    pub fn push_rows(&mut self, snapshot: u32, first_row: u64, keys: &[i64]) -> Result<()> {
        let end = first_row.saturating_add(keys.len() as u64);
        if u64::from(snapshot) >> SNAPSHOT_BITS != 0 || end > 1 << ROW_BITS {
            return Err(Error::BadInput {
                snapshot,
                problem: format!(
                    "the history index holds snapshots below 2^{SNAPSHOT_BITS} and rows below \
                     2^{ROW_BITS}; this output goes to row {end}"
                ),
            });
        }
        let base = u64::from(snapshot) << ROW_BITS;
        self.entries.reserve(keys.len());
        self.entries.extend(
            keys.iter()
                .zip(first_row..)
                .map(|(&key, row)| (key, base | row)),
        );
        Ok(())
    }

    /// Adds every entry of `index`, each row moved by the `offset` its snapshot is given (a
    /// master's rows count those of the outputs before).
    pub fn push_index(&mut self, index: &HistoryIndex, offset: impl Fn(u32) -> u64) -> Result<()> {
        self.entries.reserve(index.entries());
        for (at, &key) in index.keys.iter().enumerate() {
            let range = index.offsets[at] as usize..index.offsets[at + 1] as usize;
            for (&snapshot, &row) in index.snapshots[range.clone()]
                .iter()
                .zip(&index.rows[range])
            {
                self.push_rows(snapshot, row + offset(snapshot), &[key])?;
            }
        }
        Ok(())
    }

    /// The index of every entry pushed.
    pub fn finish(mut self) -> HistoryIndex {
        // The stable sort finds runs already in order and merges them: an output's entries come
        // snapshot by snapshot, each snapshot's keys mostly ascending as a model writes its
        // forests in order, so the sort is a merge of a few dozen runs, not a full sort.
        self.entries.sort();
        let mut index = HistoryIndex {
            keys: Vec::new(),
            offsets: vec![0],
            snapshots: Vec::with_capacity(self.entries.len()),
            rows: Vec::with_capacity(self.entries.len()),
        };
        for (at, &(key, place)) in self.entries.iter().enumerate() {
            if index.keys.last() != Some(&key) {
                if at > 0 {
                    index.offsets.push(at as u64);
                }
                index.keys.push(key);
            }
            index.snapshots.push((place >> ROW_BITS) as u32);
            index.rows.push(place & ((1 << ROW_BITS) - 1));
        }
        if !index.keys.is_empty() {
            index.offsets.push(self.entries.len() as u64);
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> HistoryIndex {
        let mut builder = IndexBuilder::default();
        builder.push_rows(63, 0, &[5, -2, 9]).unwrap();
        builder.push_rows(32, 0, &[9, 5]).unwrap();
        builder.push_rows(63, 3, &[11]).unwrap();
        builder.finish()
    }

    #[test]
    fn keys_ascend_with_their_entries_oldest_first() {
        let index = built();
        assert_eq!(index.keys, [-2, 5, 9, 11]);
        assert_eq!(index.offsets, [0, 1, 3, 5, 6]);
        let at = |snapshot, row| Appearance { snapshot, row };
        assert_eq!(index.lookup(5), [at(32, 1), at(63, 0)]);
        assert_eq!(index.lookup(9), [at(32, 0), at(63, 2)]);
        assert_eq!(index.lookup(4), []);
        let rows = BTreeMap::from([(32, 2), (63, 4)]);
        assert_eq!(index.validate(&rows), Ok(()));
    }

    #[test]
    fn an_empty_index_is_valid() {
        let index = IndexBuilder::default().finish();
        assert_eq!(index.offsets, [0]);
        assert_eq!(index.validate(&BTreeMap::new()), Ok(()));
    }

    #[test]
    fn damage_is_found_not_believed() {
        let rows = BTreeMap::from([(32, 2), (63, 4)]);
        let damaged = |change: fn(&mut HistoryIndex)| {
            let mut index = built();
            change(&mut index);
            index.validate(&rows).unwrap_err()
        };
        assert!(damaged(|i| i.keys.swap(0, 1)).contains("not ascending"));
        assert!(damaged(|i| i.rows[0] = 4).contains("which has 4"));
        assert!(damaged(|i| i.snapshots[0] = 40).contains("does not have"));
        assert!(damaged(|i| i.offsets[2] = 1).contains("no entries"));
        assert!(damaged(|i| {
            i.offsets.pop();
        })
        .contains("offsets"));
        assert!(damaged(|i| {
            i.rows.pop();
        })
        .contains("snapshots for"));
        assert!(damaged(|i| i.snapshots.swap(1, 2)).contains("not ascending"));
    }

    #[test]
    fn a_master_moves_rows_by_the_outputs_before() {
        let mut builder = IndexBuilder::default();
        builder.push_index(&built(), |_| 0).unwrap();
        let mut second = IndexBuilder::default();
        second.push_rows(63, 0, &[5]).unwrap();
        builder.push_index(&second.finish(), |_| 4).unwrap();
        let index = builder.finish();
        let at = |snapshot, row| Appearance { snapshot, row };
        assert_eq!(index.lookup(5), [at(32, 1), at(63, 0), at(63, 4)]);
    }

    #[test]
    fn places_beyond_the_packing_are_refused() {
        let mut builder = IndexBuilder::default();
        assert!(builder.push_rows(1 << 24, 0, &[1]).is_err());
        assert!(builder.push_rows(1, (1 << 40) - 1, &[1, 2]).is_err());
    }
}
