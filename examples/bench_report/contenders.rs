//! The ways to write the same galaxies that the report compares.

use galaxy_io::blocks::{BinaryFile, Buffer};
use galaxy_io::sage::SageGalaxy;
use galaxy_io::{BufferConfig, Hdf5Options, Hdf5Output, Result, Schema};
use std::path::Path;
use std::time::{Duration, Instant};

/// The galaxies of one tree at one snapshot, in the order a model produces them: tree by tree,
/// each tree contributing to several snapshots.
pub struct Workload {
    pub snapshots: Vec<u32>,
    pub groups: Vec<(u32, Vec<SageGalaxy>)>,
    pub galaxies: usize,
}

impl Workload {
    /// Where `snapshot` is in `snapshots`.
    pub fn index(&self, snapshot: u32) -> usize {
        self.snapshots
            .iter()
            .position(|&s| s == snapshot)
            .expect("every group's snapshot is declared")
    }

    pub fn bytes(&self) -> u64 {
        (self.galaxies * std::mem::size_of::<SageGalaxy>()) as u64
    }
}

/// galaxy-io with `options` (an existing file is replaced).
pub fn galaxy_io(workload: &Workload, path: &Path, options: Hdf5Options) -> Result<Duration> {
    let options = options.replace(true);
    let started = Instant::now();
    let mut output = Hdf5Output::<SageGalaxy>::create(path, &workload.snapshots, options)?;
    for (snapshot, galaxies) in &workload.groups {
        output.write(*snapshot, galaxies)?;
    }
    output.finish()?;
    Ok(started.elapsed())
}

/// The physical reference: each snapshot's records copied once into an 8 MiB staging vector and
/// written with `pwrite` when it is full, one file per snapshot in the directory `dir`; no
/// buffer manager, no format.
pub fn ideal_raw(workload: &Workload, dir: &Path) -> std::io::Result<Duration> {
    use std::os::unix::fs::FileExt;
    const STAGING: usize = 8 << 20;
    std::fs::create_dir_all(dir)?;
    let started = Instant::now();
    let mut files = workload
        .snapshots
        .iter()
        .map(|s| {
            let file = std::fs::File::create_new(dir.join(format!("raw_{s}")))?;
            Ok((file, Vec::with_capacity(STAGING), 0u64))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let flush = |(file, staging, offset): &mut (std::fs::File, Vec<u8>, u64)| {
        file.write_all_at(staging, *offset)?;
        *offset += staging.len() as u64;
        staging.clear();
        Ok::<_, std::io::Error>(())
    };
    for (snapshot, galaxies) in &workload.groups {
        let entry = &mut files[workload.index(*snapshot)];
        let bytes: &[u8] = bytemuck::cast_slice(galaxies);
        if entry.1.len() + bytes.len() > STAGING {
            flush(entry)?;
        }
        entry.1.extend_from_slice(bytes);
    }
    for entry in &mut files {
        flush(entry)?;
    }
    Ok(started.elapsed())
}

/// The same record bytes through the buffer manager into one positioned-write binary file per
/// snapshot (SAGE's binary output) in the directory `dir`: the practical limit.
pub fn binary(workload: &Workload, dir: &Path, buffer: BufferConfig) -> Result<Duration> {
    std::fs::create_dir_all(dir).map_err(|e| galaxy_io::Error::io("creating", dir, e))?;
    let started = Instant::now();
    let mut buffers = workload
        .snapshots
        .iter()
        .map(|s| Buffer::new(buffer, BinaryFile::create(dir.join(format!("binary_{s}")))?))
        .collect::<Result<Vec<_>>>()?;
    for (snapshot, galaxies) in &workload.groups {
        let index = workload.index(*snapshot);
        buffers[index].write(bytemuck::cast_slice(galaxies))?;
    }
    for buffer in buffers {
        buffer.finish()?;
    }
    Ok(started.elapsed())
}

/// What a Rust user would write instead: one compound dataset per snapshot (`H5Type`), rows
/// appended with `resize` + `write_slice` in batches of `batch` galaxies.
pub fn compound(workload: &Workload, path: &Path, batch: usize) -> hdf5::Result<Duration> {
    let started = Instant::now();
    let file = hdf5::File::create(path)?;
    let mut datasets = Vec::new();
    for snapshot in &workload.snapshots {
        let dataset = file
            .new_dataset::<SageGalaxy>()
            .chunk(((512 << 10) / std::mem::size_of::<SageGalaxy>()).max(1))
            .shape(0..)
            .create(format!("Snap_{snapshot}").as_str())?;
        datasets.push((dataset, Vec::<SageGalaxy>::with_capacity(batch), 0usize));
    }
    let flush = |(dataset, pending, rows): &mut (hdf5::Dataset, Vec<SageGalaxy>, usize)| -> hdf5::Result<()> {
        dataset.resize(*rows + pending.len())?;
        dataset.write_slice(pending.as_slice(), *rows..*rows + pending.len())?;
        *rows += pending.len();
        pending.clear();
        Ok(())
    };
    for (snapshot, galaxies) in &workload.groups {
        let index = workload.index(*snapshot);
        let entry = &mut datasets[index];
        entry.1.extend_from_slice(galaxies);
        if entry.1.len() >= batch {
            flush(entry)?;
        }
    }
    for entry in &mut datasets {
        flush(entry)?;
    }
    drop(datasets);
    file.close()?;
    Ok(started.elapsed())
}

/// One column of `galaxies` as typed values, for the high-level `write_slice`.
macro_rules! write_column {
    ($dataset:expr, $field:expr, $galaxies:expr, $range:expr) => {{
        let field = $field;
        let mut bytes = Vec::with_capacity($galaxies.len() * field.size());
        for galaxy in $galaxies.iter() {
            bytes.extend_from_slice(
                &bytemuck::bytes_of(galaxy)[field.offset..field.offset + field.size()],
            );
        }
        match field.dtype {
            galaxy_io::Dtype::I32 => {
                $dataset.write_slice(bytemuck::cast_slice::<u8, i32>(&bytes), $range)
            }
            galaxy_io::Dtype::I64 => {
                $dataset.write_slice(bytemuck::cast_slice::<u8, i64>(&bytes), $range)
            }
            galaxy_io::Dtype::F32 => {
                $dataset.write_slice(bytemuck::cast_slice::<u8, f32>(&bytes), $range)
            }
            other => unreachable!("SageGalaxy has no {other} field"),
        }
    }};
}

fn create_columns(
    file: &hdf5::File,
    snapshot: u32,
    schema: &Schema,
    chunk_rows: usize,
) -> hdf5::Result<hdf5::Group> {
    let group = file.create_group(&format!("Snap_{snapshot}"))?;
    for field in schema.fields() {
        let builder = group.new_dataset_builder();
        let builder = match field.dtype {
            galaxy_io::Dtype::I32 => builder.empty::<i32>(),
            galaxy_io::Dtype::I64 => builder.empty::<i64>(),
            _ => builder.empty::<f32>(),
        };
        builder
            .chunk(chunk_rows)
            .shape(0..)
            .create(field.name.as_str())?;
    }
    Ok(group)
}

/// SAGE's HDF5 output before its buffer manager, at its best: every galaxy extends and writes
/// every dataset by itself (one hyperslab per field per galaxy).
pub fn per_galaxy(galaxies: &[SageGalaxy], path: &Path) -> hdf5::Result<Duration> {
    let schema = Schema::of::<SageGalaxy>().expect("valid");
    let started = Instant::now();
    let file = hdf5::File::create(path)?;
    let group = create_columns(&file, 63, &schema, 8192)?;
    let datasets: Vec<hdf5::Dataset> = schema
        .fields()
        .iter()
        .map(|f| group.dataset(&f.name))
        .collect::<hdf5::Result<_>>()?;
    for (row, galaxy) in galaxies.iter().enumerate() {
        for (field, dataset) in schema.fields().iter().zip(&datasets) {
            dataset.resize(row + 1)?;
            write_column!(dataset, field, std::slice::from_ref(galaxy), row..row + 1)?;
        }
    }
    drop(datasets);
    file.close()?;
    Ok(started.elapsed())
}

/// SAGE's buffered HDF5 output (`trigger_buffer_write`): columns of 8192 galaxies per snapshot,
/// and on every flush each dataset is reopened by name, extended, written and closed again.
pub fn sage_reopen(workload: &Workload, path: &Path) -> hdf5::Result<Duration> {
    const NUM_GALS_PER_BUFFER: usize = 8192;
    let schema = Schema::of::<SageGalaxy>().expect("valid");
    let started = Instant::now();
    let file = hdf5::File::create(path)?;
    let mut pending: Vec<(hdf5::Group, Vec<SageGalaxy>, usize)> = Vec::new();
    for &snapshot in &workload.snapshots {
        let group = create_columns(&file, snapshot, &schema, NUM_GALS_PER_BUFFER)?;
        pending.push((group, Vec::with_capacity(NUM_GALS_PER_BUFFER), 0));
    }
    let flush =
        |(group, galaxies, rows): &mut (hdf5::Group, Vec<SageGalaxy>, usize)| -> hdf5::Result<()> {
            for field in schema.fields() {
                let dataset = group.dataset(&field.name)?;
                dataset.resize(*rows + galaxies.len())?;
                write_column!(dataset, field, galaxies, *rows..*rows + galaxies.len())?;
            }
            *rows += galaxies.len();
            galaxies.clear();
            Ok(())
        };
    for (snapshot, galaxies) in &workload.groups {
        let index = workload.index(*snapshot);
        for galaxy in galaxies {
            pending[index].1.push(*galaxy);
            if pending[index].1.len() == NUM_GALS_PER_BUFFER {
                flush(&mut pending[index])?;
            }
        }
    }
    for entry in &mut pending {
        flush(entry)?;
    }
    drop(pending);
    file.close()?;
    Ok(started.elapsed())
}

/// Busy work standing in for a model computing `galaxies` galaxies at `per_galaxy` each.
fn compute(galaxies: usize, per_galaxy: Duration) {
    let until = Instant::now() + per_galaxy * galaxies as u32;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// A model that computes each tree and then outputs it: with no output (`None`), with the
/// foreground output, or with the background writer.
pub fn model(
    workload: &Workload,
    path: &Path,
    per_galaxy: Duration,
    output: Option<bool>,
) -> Result<Duration> {
    let options = Hdf5Options::default().replace(true);
    let started = Instant::now();
    match output {
        None => workload
            .groups
            .iter()
            .for_each(|(_, g)| compute(g.len(), per_galaxy)),
        Some(false) => {
            let mut out = Hdf5Output::<SageGalaxy>::create(path, &workload.snapshots, options)?;
            for (snapshot, galaxies) in &workload.groups {
                compute(galaxies.len(), per_galaxy);
                out.write(*snapshot, galaxies)?;
            }
            out.finish()?;
        }
        Some(true) => {
            let mut out = Hdf5Output::<SageGalaxy>::create(
                path,
                &workload.snapshots,
                options.background(true),
            )?;
            for (snapshot, galaxies) in &workload.groups {
                compute(galaxies.len(), per_galaxy);
                out.write(*snapshot, galaxies)?;
            }
            out.finish()?;
        }
    }
    Ok(started.elapsed())
}
