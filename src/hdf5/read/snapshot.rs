//! A snapshot of a catalogue as the reader checked it: each part's group, its columns (found and
//! checked once, then kept) and the rows they have in common. `Catalogue` keeps one per snapshot
//! it has read, so that reading every column of a snapshot of n datasets costs n checks, not n².

use crate::error::{Error, Result};
use crate::hdf5::names;
use crate::hdf5::read::checked::{self, Unreadable};
use crate::hdf5::read::virtual_read::VirtualPlan;
use crate::hdf5::write::columns::{self, FoundColumn};
use crate::schema::Schema;
use hdf5::plist::dataset_create::Layout;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// One snapshot over all parts of a catalogue.
pub(in crate::hdf5) struct Snapshot {
    pub number: u32,
    pub parts: Vec<PartSnapshot>,
    /// The fields of the first part, described once (reading it takes every dataset's
    /// attributes).
    schema: OnceLock<Schema>,
}

/// One part's snapshot group: its columns, checked, and the rows they have in common.
pub(in crate::hdf5) struct PartSnapshot {
    pub group: hdf5::Group,
    pub columns: Vec<PartColumn>,
    pub rows: u64,
    /// Column index by name.
    by_name: HashMap<String, usize>,
}

/// A column of one part, with whether its storage can give back its rows, found out once.
pub(in crate::hdf5) struct PartColumn {
    pub found: FoundColumn,
    readable: OnceLock<std::result::Result<(), Unreadable>>,
    /// A virtual dataset (of a master), whose rows are in other files.
    is_virtual: bool,
    /// How a virtual dataset is read, once its sources were checked to hold its rows.
    plan: OnceLock<VirtualPlan>,
}

impl PartColumn {
    /// Fails when the dataset cannot give back the rows it claims (see
    /// [`checked::check_readable`]); checked on the first call only.
    pub(crate) fn check_readable(&self) -> std::result::Result<(), Unreadable> {
        self.readable
            .get_or_init(|| checked::check_readable(&self.found.dataset, &self.found.column))
            .clone()
    }

    /// How a virtual dataset whose sources were checked is read.
    pub(crate) fn plan(&self) -> Option<&VirtualPlan> {
        self.plan.get()
    }

    /// Whether the column is a virtual dataset (of a master), whose rows are in other files.
    pub(crate) fn is_virtual(&self) -> bool {
        self.is_virtual
    }
}

impl Snapshot {
    /// The snapshot `number` of every group in `groups` that has it (none is an empty list).
    /// `live`: a writer may still be appending, so rows are those every dataset has, up to the
    /// group's `num_gals`.
    pub(crate) fn find(
        path: &Path,
        groups: &[hdf5::Group],
        number: u32,
        live: bool,
    ) -> Result<Snapshot> {
        let name = names::snapshot_group(number);
        let mut parts = Vec::new();
        for part in groups {
            if !part.link_exists(&name) {
                continue;
            }
            let group = checked::group(part, &name).map_err(|why| {
                why.into_error(path, &name, |why| Error::BadFile {
                    path: path.to_owned(),
                    problem: format!("{name} {why}"),
                })
            })?;
            let found = columns::columns_of(&group, path, number)?;
            let rows = rows_of(path, &group, &found, number, live)?;
            let by_name = found
                .iter()
                .enumerate()
                .map(|(index, column)| (column.name.clone(), index))
                .collect();
            let columns = found
                .into_iter()
                .map(|found| PartColumn {
                    is_virtual: found.dataset.layout() == Layout::Virtual,
                    found,
                    readable: OnceLock::new(),
                    plan: OnceLock::new(),
                })
                .collect();
            parts.push(PartSnapshot {
                group,
                columns,
                rows,
                by_name,
            });
        }
        Ok(Snapshot {
            number,
            parts,
            schema: OnceLock::new(),
        })
    }

    /// Rows over all parts.
    pub(crate) fn rows(&self) -> u64 {
        self.parts.iter().map(|p| p.rows).sum()
    }

    /// The rows of a chunk of the first dataset, when it is chunked (galaxy-io gives every
    /// dataset of a snapshot chunks of the same rows).
    pub(crate) fn chunk_rows(&self) -> Option<u64> {
        let first = self.parts.first()?.columns.first()?;
        let rows = *first.found.dataset.chunk()?.first()?;
        u64::try_from(rows).ok().filter(|&rows| rows > 0)
    }

    /// The fields of the first part as a schema of tightly packed records.
    pub(crate) fn schema(&self, path: &Path) -> Result<Schema> {
        if let Some(schema) = self.schema.get() {
            return Ok(schema.clone());
        }
        let columns = self.parts[0].columns.iter().map(|c| &c.found);
        let schema = columns::packed_schema(columns, path, self.number)?;
        Ok(self.schema.get_or_init(|| schema).clone())
    }
}

impl PartSnapshot {
    /// Checks the sources of every virtual dataset of the group not checked yet, all at once
    /// (`check` is given each with its name and returns how to read each), and keeps how to
    /// read them: a master's source files are opened once for all its datasets.
    pub(crate) fn check_sources(
        &self,
        snapshot: u32,
        check: impl FnOnce(&[(&hdf5::Dataset, String)]) -> Result<Vec<Option<VirtualPlan>>>,
    ) -> Result<()> {
        let unchecked: Vec<&PartColumn> = self
            .columns
            .iter()
            .filter(|c| c.is_virtual && c.plan.get().is_none())
            .collect();
        if unchecked.is_empty() {
            return Ok(());
        }
        let datasets: Vec<(&hdf5::Dataset, String)> = unchecked
            .iter()
            .map(|c| (&c.found.dataset, names::dataset(snapshot, &c.found.name)))
            .collect();
        for (column, plan) in unchecked.iter().zip(check(&datasets)?) {
            if let Some(plan) = plan {
                let _ = column.plan.set(plan);
            }
        }
        Ok(())
    }

    /// The column named `name`, if the group has one.
    pub(crate) fn column(&self, name: &str) -> Option<&PartColumn> {
        self.by_name.get(name).map(|&index| &self.columns[index])
    }
}

/// A snapshot group's `num_gals`, when it is a readable integer.
pub(in crate::hdf5) fn num_gals(group: &hdf5::Group) -> Option<i64> {
    match checked::attr(group, names::NUM_GALS) {
        Ok(Some(crate::hdf5::attr_value::AttrValue::I64(n))) => Some(n),
        Ok(Some(crate::hdf5::attr_value::AttrValue::I32(n))) => Some(i64::from(n)),
        _ => None,
    }
}

/// Rows of one snapshot group: the common length of its columns.
fn rows_of(
    path: &Path,
    group: &hdf5::Group,
    columns: &[FoundColumn],
    snapshot: u32,
    live: bool,
) -> Result<u64> {
    let Some(first) = columns.first() else {
        return Ok(0);
    };
    if live {
        // A flush in progress has extended some datasets and not yet others; the rows the
        // writer made durable are those its `num_gals` counts.
        let shortest = columns.iter().map(|c| c.column.rows).min().unwrap_or(0);
        let committed = num_gals(group).and_then(|n| u64::try_from(n).ok());
        return Ok(committed.map_or(shortest, |n| n.min(shortest)));
    }
    if let Some(other) = columns.iter().find(|c| c.column.rows != first.column.rows) {
        return Err(Error::BadFile {
            path: path.to_owned(),
            problem: format!(
                "the datasets of Snap_{snapshot} disagree on length ({} has {} rows, but {} has \
                 {}); the writer probably died: run `galaxy-io recover` on the file",
                first.name, first.column.rows, other.name, other.column.rows
            ),
        });
    }
    Ok(first.column.rows)
}
