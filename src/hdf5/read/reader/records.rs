//! Whole records read back: every field of a schema checked by name, type and shape against the
//! file, then read a slab of rows at a time (the columns of a slab scattered into records while
//! they are in the CPU's cache), across the parts of a master and through virtual datasets.

use super::*;

/// Bytes of records filled at a time by the record reads: the columns of a slab are read into
/// a buffer that stays in the CPU's cache while they are scattered into the records, and a slab
/// is large enough that the per-call cost of HDF5's reads does not show.
const SCATTER_SLAB_BYTES: usize = 4 << 20;

impl Catalogue {
    /// The records of a snapshot as bytes laid out by `schema`, every field checked by name,
    /// type and shape. Bytes the schema does not cover are zero.
    pub fn read_rows(&self, snapshot: u32, schema: &Schema) -> Result<Vec<u8>> {
        let found = self.snapshot(snapshot)?;
        let what = || {
            format!(
                "the {} records of {}",
                found.rows(),
                names::snapshot_group(snapshot)
            )
        };
        let bytes = found.rows().saturating_mul(schema.record_size() as u64);
        let mut records = checked::zeroed::<u8>(bytes, &self.path, what)?;
        self.read_records_into(&found, schema, 0..found.rows(), &mut records)?;
        Ok(records)
    }

    /// The galaxies of a snapshot as records of type `G`, checked against `G`'s schema.
    pub fn read_records<G: GalaxyRecord>(&self, snapshot: u32) -> Result<Vec<G>> {
        let schema = Schema::of::<G>()?;
        let found = self.snapshot(snapshot)?;
        let what = || format!("the records of {}", names::snapshot_group(snapshot));
        let mut records = checked::zeroed::<G>(found.rows(), &self.path, what)?;
        let all = 0..found.rows();
        self.read_records_into(&found, &schema, all, bytemuck::cast_slice_mut(&mut records))?;
        Ok(records)
    }

    /// Reads every field of `schema` into the records `out` (whole records of the schema's
    /// size, one per row of `rows`, which the snapshot has), a slab of rows at a time: the
    /// slab's columns are read into a buffer that stays in the CPU's cache and scattered into
    /// the records from there.
    pub(in crate::hdf5) fn read_records_into(
        &self,
        found: &Snapshot,
        schema: &Schema,
        rows: Range<u64>,
        out: &mut [u8],
    ) -> Result<()> {
        // Fields are checked against the file before any row is read, and when there is none.
        for field in schema.fields() {
            for part in &found.parts {
                self.checked_column(found, part, field)?;
            }
        }
        let record_size = schema.record_size();
        if record_size == 0 || rows.is_empty() {
            return Ok(());
        }
        let mut slab_rows = (SCATTER_SLAB_BYTES / record_size).max(1) as u64;
        // Slabs of whole chunks: files are read without a chunk cache, so a chunk two slabs
        // shared would be read (and decompressed) twice.
        if let Some(chunk) = found.chunk_rows() {
            if chunk.saturating_mul(record_size as u64) <= 4 * SCATTER_SLAB_BYTES as u64 {
                slab_rows = (slab_rows / chunk).max(1) * chunk;
            }
        }
        let mut columns = Vec::new();
        let mut ranges = Vec::with_capacity(schema.fields().len());
        let mut start = rows.start;
        while start < rows.end {
            let end = rows.end.min(start + slab_rows);
            let slab = (end - start) as usize;
            ranges.clear();
            let mut at = 0;
            for field in schema.fields() {
                ranges.push(at..at + slab * field.size());
                at += slab * field.size();
            }
            columns.resize(at, 0);
            for (field, range) in schema.fields().iter().zip(&ranges) {
                self.read_field(found, field, start..end, &mut columns[range.clone()])?;
            }
            let done = (start - rows.start) as usize;
            let records = &mut out[done * record_size..(end - rows.start) as usize * record_size];
            crate::scatter::untranspose(&columns, &ranges, schema, records);
            start = end;
        }
        Ok(())
    }

    /// Rows `rows` (over all parts) of `field` into `out` (exactly their bytes), checked
    /// against what the file stores.
    pub(super) fn read_field(
        &self,
        found: &Snapshot,
        field: &Field,
        rows: Range<u64>,
        out: &mut [u8],
    ) -> Result<()> {
        let what = || names::dataset(found.number, &field.name);
        let row_bytes = field.size() as u64;
        let mut part_start = 0u64;
        let mut written = 0usize;
        for part in &found.parts {
            let part_rows = part_start..part_start + part.rows;
            part_start = part_rows.end;
            let first = rows.start.max(part_rows.start);
            let last = rows.end.min(part_rows.end);
            let column = self.checked_column(found, part, field)?;
            if first >= last {
                continue;
            }
            let bytes = ((last - first) * row_bytes) as usize;
            let out = &mut out[written..written + bytes];
            let rows = first - part_rows.start..last - part_rows.start;
            let mem_type = self.types.get(field.dtype).id();
            if let Some(VirtualPlan::Sources(blocks)) = column.plan() {
                let what = what();
                let target = Target {
                    master: &self.path,
                    what: &what,
                    mem_type,
                    row_bytes: field.size(),
                };
                self.sources
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .read(blocks, rows, &target, out)?;
            } else {
                if let Some(&VirtualPlan::Library { files }) = column.plan() {
                    self.room_for(files, &what)?;
                }
                ffi::rows::read_rows(
                    column.found.dataset.id(),
                    mem_type,
                    rows.start,
                    rows.end - rows.start,
                    out,
                )
                .map_err(|e| checked::read_error(e, &self.path, what()))?;
            }
            written += bytes;
        }
        Ok(())
    }

    /// The column of `field` in one part, checked to have the field's type and shape and to
    /// store the rows it claims (a virtual dataset: its sources to have them).
    pub(super) fn checked_column<'p>(
        &self,
        found: &Snapshot,
        part: &'p crate::hdf5::read::snapshot::PartSnapshot,
        field: &Field,
    ) -> Result<&'p PartColumn> {
        let snapshot = found.number;
        let column = part
            .column(&field.name)
            .ok_or_else(|| self.mismatch(snapshot, &field.name, "is not in the file".into()))?;
        let shape = &column.found.column;
        if shape.dtype != field.dtype {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "is {} in the file but {} in the record",
                    shape.dtype, field.dtype
                ),
            ));
        }
        if shape.inner != field.shape {
            return Err(self.mismatch(
                snapshot,
                &field.name,
                format!(
                    "has per-galaxy shape {:?} in the file but {:?} in the record",
                    shape.inner, field.shape
                ),
            ));
        }
        // A live file is still being written: what it claims is checked as it is read.
        if !self.live {
            if !column.is_virtual() {
                column
                    .check_readable()
                    .map_err(|why| self.mismatch(snapshot, &field.name, why.0))?;
            } else if column.plan().is_none() {
                part.check_sources(snapshot, |datasets| {
                    sources::check_virtual(&self.path, datasets)
                })?;
            }
        }
        Ok(column)
    }

    /// Fails unless HDF5 can open `files` source files at once to read a virtual dataset
    /// (`what`): it reads the rows of a source it cannot open as fill values, without an error.
    fn room_for(&self, files: usize, what: &impl Fn() -> String) -> Result<()> {
        let room = virtual_read::descriptors_to_spare();
        if files <= room {
            return Ok(());
        }
        Err(Error::TooManyFiles {
            path: self.path.clone(),
            what: what(),
            files,
            room,
        })
    }
}
