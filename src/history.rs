//! Following a galaxy through time: for every value of a record's key (`#[galaxy(key)]`, SAGE's
//! `GalaxyIndex`), the snapshots and rows where a galaxy with it appears. An output collects its
//! keys as it writes and stores this index at finish; a master merges its outputs' indexes; a
//! reader loads one (checked) or, from a file without one, builds it with a scan.
//!
//! The index is compressed sparse rows: the distinct keys ascending, and for the `i`-th the
//! entries `offsets[i]..offsets[i + 1]` of `snapshots` and `rows`, ascending by snapshot.

use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One place a galaxy appears in a catalogue: a row of a snapshot (a master's row counts the
/// rows of every output before it, as its own `Snap_<N>` datasets do).
///
/// ```
/// use galaxy_io::{sage::SageGalaxy, Appearance, Catalogue, Hdf5Options, Hdf5Output};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("model_0.hdf5");
/// let mut output = Hdf5Output::<SageGalaxy>::create(&path, &[63], Hdf5Options::default())?;
/// output.write(63, &[SageGalaxy { galaxy_index: 9, ..Default::default() }])?;
/// output.finish()?;
/// let place = Catalogue::open(&path)?.history(9)?.appearances[0];
/// assert_eq!(place, Appearance { snapshot: 63, row: 0 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

/// The index of one catalogue, in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HistoryIndex {
    /// Distinct keys, ascending.
    pub keys: Vec<i64>,
    /// `keys.len() + 1` offsets into the entries, from 0 to their number.
    pub offsets: Vec<u64>,
    /// Per entry: the snapshot.
    pub snapshots: Vec<u32>,
    /// Per entry: the row (a snapshot holds fewer than 2^32, see [`IndexBuilder::push_rows`]).
    pub rows: Vec<u32>,
}

impl HistoryIndex {
    /// Where `key` appears, ascending; empty when it does not.
    pub(crate) fn lookup(&self, key: i64) -> Vec<Appearance> {
        let Ok(at) = self.keys.binary_search(&key) else {
            return Vec::new();
        };
        let range = self.offsets[at] as usize..self.offsets[at + 1] as usize;
        self.snapshots[range.clone()]
            .iter()
            .zip(&self.rows[range])
            .map(|(&snapshot, &row)| Appearance {
                snapshot,
                row: row.into(),
            })
            .collect()
    }

    /// Checks an index read from a file against itself and against the catalogue's snapshots
    /// and their rows (`rows_of`): keys strictly ascending, offsets from 0 to the number of
    /// entries and strictly ascending (every key appears), every row of every snapshot the
    /// entry of one key, entries ascending within a key. Says what is wrong, so that the reader
    /// can say why it scans.
    pub(crate) fn validate(&self, rows_of: &BTreeMap<u32, u64>) -> std::result::Result<(), String> {
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
        // Every row of every snapshot is some key's entry, once.
        let mut seen: BTreeMap<u32, Vec<bool>> = BTreeMap::new();
        for (&snapshot, &rows) in rows_of {
            let rows = usize::try_from(rows)
                .map_err(|_| format!("snapshot {snapshot} has {rows} rows"))?;
            seen.insert(snapshot, vec![false; rows]);
        }
        if entries as u64 != rows_of.values().sum::<u64>() {
            return Err(format!(
                "it has {entries} entries for the file's {} rows",
                rows_of.values().sum::<u64>()
            ));
        }
        for (at, pair) in self.offsets.windows(2).enumerate() {
            let range = pair[0] as usize..pair[1] as usize;
            let places = self.snapshots[range.clone()].iter().zip(&self.rows[range]);
            let mut last: Option<(u32, u32)> = None;
            for (&snapshot, &row) in places {
                match rows_of.get(&snapshot) {
                    None => {
                        return Err(format!(
                            "key {} is at snapshot {snapshot}, which the file does not have",
                            self.keys[at]
                        ))
                    }
                    Some(&rows) if u64::from(row) >= rows => {
                        return Err(format!(
                            "key {} is at row {row} of snapshot {snapshot}, which has {rows}",
                            self.keys[at]
                        ))
                    }
                    _ => {}
                }
                let once = seen
                    .get_mut(&snapshot)
                    .and_then(|rows| rows.get_mut(row as usize))
                    .is_some_and(|seen| !std::mem::replace(seen, true));
                if !once {
                    return Err(format!(
                        "row {row} of snapshot {snapshot} is the entry of two keys"
                    ));
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

    /// The key of every row of every snapshot in `rows_of` (which the index covers, once
    /// each: see `validate`), in row order: what a master needs of each output's index.
    pub(crate) fn keys_by_row(&self, rows_of: &BTreeMap<u32, u64>) -> BTreeMap<u32, Vec<i64>> {
        let mut keys: BTreeMap<u32, Vec<i64>> = rows_of
            .iter()
            .map(|(&snapshot, &rows)| (snapshot, vec![0; rows as usize]))
            .collect();
        for (at, pair) in self.offsets.windows(2).enumerate() {
            for entry in pair[0] as usize..pair[1] as usize {
                let place = keys
                    .get_mut(&self.snapshots[entry])
                    .and_then(|rows| rows.get_mut(self.rows[entry] as usize));
                if let Some(place) = place {
                    *place = self.keys[at];
                }
            }
        }
        keys
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

/// Gathers the key of every row, snapshot by snapshot in row order, and turns them into an
/// index.
#[derive(Debug, Default)]
pub(crate) struct IndexBuilder {
    /// Per snapshot, the key of each row so far.
    snapshots: BTreeMap<u32, Vec<i64>>,
}

impl IndexBuilder {
    /// Adds the keys of consecutive rows of `snapshot`, the first at `first_row`, which must be
    /// the row after the last one added.
    pub(crate) fn push_rows(&mut self, snapshot: u32, first_row: u64, keys: &[i64]) -> Result<()> {
        let rows = self.snapshots.entry(snapshot).or_default();
        if rows.len() as u64 + keys.len() as u64 > u64::from(u32::MAX) {
            return Err(Error::BadInput {
                snapshot,
                problem: format!(
                    "the history index holds at most {} rows a snapshot",
                    u32::MAX
                ),
            });
        }
        if first_row != rows.len() as u64 {
            return Err(Error::BadInput {
                snapshot,
                problem: format!(
                    "the history index takes rows in order: row {first_row} came after {}",
                    rows.len()
                ),
            });
        }
        rows.extend_from_slice(keys);
        Ok(())
    }

    /// Adds a whole snapshot's keys, in row order (taking them, not copying).
    pub(crate) fn push_snapshot(&mut self, snapshot: u32, keys: Vec<i64>) -> Result<()> {
        match self.snapshots.get(&snapshot) {
            Some(rows) => self.push_rows(snapshot, rows.len() as u64, &keys),
            None if keys.len() as u64 > u64::from(u32::MAX) => self.push_rows(snapshot, 0, &keys),
            None => {
                self.snapshots.insert(snapshot, keys);
                Ok(())
            }
        }
    }

    /// The index of every row added. Each snapshot's keys are sorted (a model that writes its
    /// forests in order writes them sorted already, and then nothing moves); the distinct keys
    /// are the union of the snapshots', merged pairwise; each key's entries are counted and
    /// then placed, snapshot by snapshot, oldest first. Every step is a pass over the rows or
    /// the distinct keys, without a sort of all the entries, which cost a tenth of the write
    /// time of a catalogue of 10^7 rows.
    pub(crate) fn finish(self) -> HistoryIndex {
        let sorted: Vec<(u32, Sorted)> = self
            .snapshots
            .into_iter()
            .map(|(snapshot, keys)| (snapshot, Sorted::of(keys)))
            .collect();
        let mut distinct: Vec<Cow<[i64]>> = sorted.iter().map(|(_, s)| s.distinct()).collect();
        while distinct.len() > 1 {
            let mut next = Vec::with_capacity(distinct.len().div_ceil(2));
            let mut lists = distinct.into_iter();
            while let Some(first) = lists.next() {
                next.push(match lists.next() {
                    Some(second) => Cow::Owned(union(&first, &second)),
                    None => first,
                });
            }
            distinct = next;
        }
        let keys = distinct.pop().unwrap_or_default().into_owned();
        // Each snapshot's entries as positions among the distinct keys, in key order.
        let mut ids: Vec<Vec<u32>> = Vec::with_capacity(sorted.len());
        for (at, (_, snapshot)) in sorted.iter().enumerate() {
            let before = at
                .checked_sub(1)
                .map(|before| (&sorted[before].1, &ids[before][..]));
            ids.push(snapshot.ids(&keys, before));
        }
        let mut offsets = vec![0u64; keys.len() + 1];
        for &id in ids.iter().flatten() {
            offsets[id as usize + 1] += 1;
        }
        for at in 1..offsets.len() {
            offsets[at] += offsets[at - 1];
        }
        let entries = offsets[keys.len()] as usize;
        let mut next = offsets.clone();
        let mut snapshots = vec![0u32; entries];
        let mut rows = vec![0u32; entries];
        // Placed a block of keys at a time, so that the entries being written stay in the
        // CPU's cache: snapshot by snapshot over all keys, each write would land a galaxy's
        // history further on, a cache miss per row.
        let mut cursors = vec![0usize; sorted.len()];
        let mut block_start = 0;
        while block_start < keys.len() {
            let block_end = keys.len().min(block_start + PLACE_BLOCK_KEYS);
            for (((snapshot, sorted), ids), cursor) in sorted.iter().zip(&ids).zip(&mut cursors) {
                while let Some(&id) = ids.get(*cursor).filter(|&&id| (id as usize) < block_end) {
                    let place = &mut next[id as usize];
                    snapshots[*place as usize] = *snapshot;
                    rows[*place as usize] = sorted.row(*cursor);
                    *place += 1;
                    *cursor += 1;
                }
            }
            block_start = block_end;
        }
        HistoryIndex {
            keys,
            offsets,
            snapshots,
            rows,
        }
    }
}

/// Distinct keys whose entries are placed together: their entries (a history of 64 snapshots
/// each) fit in a core's cache.
const PLACE_BLOCK_KEYS: usize = 4096;

/// One snapshot's keys in ascending order, with the row of each.
enum Sorted {
    /// The rows were in key order already.
    InOrder(Vec<i64>),
    /// Sorted by key, then row.
    Moved(Vec<(i64, u32)>),
}

impl Sorted {
    fn of(keys: Vec<i64>) -> Sorted {
        if keys.is_sorted() {
            return Sorted::InOrder(keys);
        }
        // Rows fit: `push_rows` keeps a snapshot below 2^32 of them.
        let mut pairs: Vec<(i64, u32)> = keys.into_iter().zip(0..).collect();
        pairs.sort_unstable();
        Sorted::Moved(pairs)
    }

    fn key(&self, at: usize) -> i64 {
        match self {
            Sorted::InOrder(keys) => keys[at],
            Sorted::Moved(pairs) => pairs[at].0,
        }
    }

    fn row(&self, at: usize) -> u32 {
        match self {
            Sorted::InOrder(_) => at as u32,
            Sorted::Moved(pairs) => pairs[at].1,
        }
    }

    fn len(&self) -> usize {
        match self {
            Sorted::InOrder(keys) => keys.len(),
            Sorted::Moved(pairs) => pairs.len(),
        }
    }

    /// The distinct keys, ascending: those of the rows themselves when no key repeats.
    fn distinct(&self) -> Cow<'_, [i64]> {
        if let Sorted::InOrder(keys) = self {
            if keys.windows(2).all(|pair| pair[0] < pair[1]) {
                return Cow::Borrowed(keys);
            }
        }
        let mut keys: Vec<i64> = (0..self.len()).map(|at| self.key(at)).collect();
        keys.dedup();
        Cow::Owned(keys)
    }

    /// The position of each key among `distinct` (which holds them all), walking both in
    /// order. Most galaxies of a snapshot were in the snapshot before (`before`, with its
    /// positions): walked beside it, a key is found where it was, and only a new one is looked
    /// for among the distinct keys, which takes half the time of looking for every key there.
    fn ids(&self, distinct: &[i64], before: Option<(&Sorted, &[u32])>) -> Vec<u32> {
        let (mut at, mut next_before) = (0, 0);
        (0..self.len())
            .map(|entry| {
                let key = self.key(entry);
                if let Some((keys, ids)) = before {
                    while next_before < keys.len() && keys.key(next_before) < key {
                        next_before += 1;
                    }
                    if next_before < keys.len() && keys.key(next_before) == key {
                        at = ids[next_before] as usize;
                        return ids[next_before];
                    }
                }
                // Fits: a snapshot's row count is below 2^32 (`push_rows`), and so are the
                // distinct keys of the few snapshots a catalogue in memory can have.
                position(distinct, &mut at, key) as u32
            })
            .collect()
    }
}

/// The position of `key` among `distinct` (ascending, holding it at `at` or after), moving
/// `at` there. A snapshot holds a third of a catalogue's keys, so the next key is a few places
/// on: the smaller keys of the next few are counted (a comparison the compiler vectorizes)
/// rather than searched for one by one.
fn position(distinct: &[i64], at: &mut usize, key: i64) -> usize {
    const AHEAD: usize = 8;
    loop {
        let ahead = &distinct[*at..distinct.len().min(*at + AHEAD)];
        let smaller = ahead.iter().filter(|&&k| k < key).count();
        *at += smaller;
        if smaller < ahead.len() || ahead.is_empty() {
            return *at;
        }
    }
}

/// The sorted union of two sorted lists without repeats.
fn union(a: &[i64], b: &[i64]) -> Vec<i64> {
    // Room for both: reserving touches no memory, growing would copy what is there.
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any keys, in any order, with repeats within a snapshot and gaps between the
        /// snapshots' keys: every key's entries are where a search of every row finds it.
        #[test]
        fn the_index_is_what_a_search_of_every_row_finds(
            snapshots in proptest::collection::btree_map(
                0u32..70,
                proptest::collection::vec(-40i64..40, 0..60),
                0..8,
            ),
            sorted in any::<bool>(),
        ) {
            let mut builder = IndexBuilder::default();
            let mut expected: BTreeMap<i64, Vec<Appearance>> = BTreeMap::new();
            for (&snapshot, keys) in &snapshots {
                let mut keys = keys.clone();
                if sorted {
                    keys.sort_unstable();
                }
                for (row, &key) in keys.iter().enumerate() {
                    let row = row as u64;
                    expected.entry(key).or_default().push(Appearance { snapshot, row });
                }
                builder.push_snapshot(snapshot, keys).unwrap();
            }
            let index = builder.finish();
            let rows_of = snapshots.iter().map(|(&s, k)| (s, k.len() as u64)).collect();
            prop_assert_eq!(index.validate(&rows_of).err(), None::<String>);
            prop_assert_eq!(index.keys.len(), expected.len());
            for (key, places) in &expected {
                prop_assert_eq!(&index.lookup(*key), places);
            }
        }
    }

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
        assert!(damaged(|i| i.snapshots.swap(1, 2)).contains("two keys"));
        assert!(damaged(|i| {
            i.snapshots.swap(3, 4);
            i.rows.swap(3, 4);
        })
        .contains("not ascending"));
    }

    #[test]
    fn a_master_moves_rows_by_the_outputs_before() {
        let first = built();
        let rows_of = BTreeMap::from([(32, 2), (63, 4)]);
        let mut builder = IndexBuilder::default();
        for (snapshot, keys) in first.keys_by_row(&rows_of) {
            builder.push_snapshot(snapshot, keys).unwrap();
        }
        builder.push_rows(63, 4, &[5]).unwrap();
        let index = builder.finish();
        let at = |snapshot, row| Appearance { snapshot, row };
        assert_eq!(index.lookup(5), [at(32, 1), at(63, 0), at(63, 4)]);
    }

    #[test]
    fn rows_come_in_order_and_unsorted_keys_are_sorted() {
        let mut builder = IndexBuilder::default();
        assert!(builder.push_rows(1, 3, &[1]).is_err());
        builder.push_rows(1, 0, &[9, 9, 2, 7]).unwrap();
        let index = builder.finish();
        assert_eq!(index.keys, [2, 7, 9]);
        let rows: Vec<u64> = index.lookup(9).iter().map(|a| a.row).collect();
        assert_eq!(rows, [0, 1]);
        assert_eq!(index.validate(&BTreeMap::from([(1, 4)])), Ok(()));
        let mut twice = index.clone();
        twice.rows[0] = 3;
        assert!(twice.validate(&BTreeMap::from([(1, 4)])).is_err());
    }
}
