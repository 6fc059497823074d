//! Criterion benchmarks of the write paths, in bytes per second of SAGE records:
//! galaxy-io (default options) against a raw binary write of the same bytes and an HDF5
//! compound dataset written row-wise, plus the buffer and the transposing callback alone.
//! `cargo bench`; the side-by-side report with more contenders is
//! `cargo run --release --example bench_report`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use galaxy_io::blocks::{BinaryFile, Buffer, WriteCallback};
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BufferConfig, Hdf5Options, Hdf5Output, Result};
use std::hint::black_box;

const GALAXIES: usize = 200_000;
const SNAPSHOTS: [u32; 8] = [63, 55, 47, 39, 31, 23, 15, 7];

fn galaxies() -> Vec<(u32, Vec<SageGalaxy>)> {
    let mut synthetic = Synthetic::new(11, 500.0);
    SNAPSHOTS
        .iter()
        .map(|&snapshot| {
            (
                snapshot,
                synthetic
                    .galaxies(snapshot, 0, GALAXIES / SNAPSHOTS.len())
                    .0,
            )
        })
        .collect()
}

fn write_paths(c: &mut Criterion) {
    let data = galaxies();
    let bytes = (GALAXIES * std::mem::size_of::<SageGalaxy>()) as u64;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut group = c.benchmark_group("write 200k SAGE galaxies over 8 snapshots");
    group.throughput(Throughput::Bytes(bytes)).sample_size(20);

    group.bench_function("galaxy-io default", |b| {
        let path = dir.path().join("galaxy_io.hdf5");
        b.iter(|| {
            let options = Hdf5Options::default().replace(true);
            let mut output =
                Hdf5Output::<SageGalaxy>::create(&path, &SNAPSHOTS, options).expect("created");
            for (snapshot, galaxies) in &data {
                for tree in galaxies.chunks(4) {
                    output.write(*snapshot, tree).expect("written");
                }
            }
            output.finish().expect("finished")
        })
    });

    group.bench_function("raw binary (buffer manager + pwrite)", |b| {
        b.iter(|| {
            for (snapshot, galaxies) in &data {
                let file = BinaryFile::create(dir.path().join(format!("raw_{snapshot}")))
                    .expect("created");
                let mut buffer = Buffer::new(BufferConfig::default(), file).expect("valid");
                for tree in galaxies.chunks(4) {
                    buffer.write(bytemuck::cast_slice(tree)).expect("written");
                }
                buffer.finish().expect("finished");
            }
        })
    });

    group.bench_function("compound dataset, row-wise (H5Type)", |b| {
        let path = dir.path().join("compound.hdf5");
        b.iter(|| {
            let _ = std::fs::remove_file(&path);
            let file = hdf5::File::create(&path).expect("created");
            for (snapshot, galaxies) in &data {
                let dataset = file
                    .new_dataset::<SageGalaxy>()
                    .chunk(2260)
                    .shape(0..)
                    .create(format!("Snap_{snapshot}").as_str())
                    .expect("created");
                dataset.resize(galaxies.len()).expect("resized");
                dataset
                    .write_slice(galaxies.as_slice(), 0..galaxies.len())
                    .expect("written");
            }
            file.close().expect("closed")
        })
    });
    group.finish();
}

/// A callback that only counts, to time the buffer itself.
struct Count(u64);
impl WriteCallback for Count {
    fn write(&mut self, bytes: &[u8], _offset: u64) -> Result<()> {
        self.0 += black_box(bytes.len()) as u64;
        Ok(())
    }
}

fn buffer_alone(c: &mut Criterion) {
    let data = galaxies();
    let bytes = (GALAXIES * std::mem::size_of::<SageGalaxy>()) as u64;
    let mut group = c.benchmark_group("buffer manager alone");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("per-tree writes into a counting callback", |b| {
        b.iter_batched(
            || Buffer::new(BufferConfig::default(), Count(0)).expect("valid"),
            |mut buffer| {
                buffer
                    .set_record_size(std::mem::size_of::<SageGalaxy>())
                    .expect("valid");
                for (_, galaxies) in &data {
                    for tree in galaxies.chunks(4) {
                        buffer.write(bytemuck::cast_slice(tree)).expect("written");
                    }
                }
                buffer.finish().expect("finished").0
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, write_paths, buffer_alone);
criterion_main!(benches);
