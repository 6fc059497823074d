//! The transpose alone (records to columns, the pass the HDF5 sink adds to a raw write) against
//! `memcpy` of the same bytes, on one flush of SAGE records: 32 768 rows (a power of two, as
//! chunk-aligned flushes are), 7.1 MiB, larger than this machine's L2.
//! `cargo bench --bench transpose`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use galaxy_io::blocks::transpose;
use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::Schema;
use std::hint::black_box;

const ROWS: usize = 32_768;

fn records_to_columns(c: &mut Criterion) {
    let (galaxies, _) = Synthetic::new(3, 500.0).galaxies(63, 0, ROWS);
    let records: &[u8] = bytemuck::cast_slice(&galaxies);
    let schema = Schema::of::<SageGalaxy>().expect("the SAGE record is valid");
    let mut group = c.benchmark_group("one flush of 32768 SAGE records");
    group.throughput(Throughput::Bytes(records.len() as u64));

    let mut copy = vec![0u8; records.len()];
    group.bench_function("memcpy", |b| {
        b.iter(|| copy.copy_from_slice(black_box(records)))
    });
    let mut columns = Vec::new();
    group.bench_function("transpose", |b| {
        b.iter(|| transpose(black_box(records), &schema, &mut columns))
    });
    group.finish();
}

criterion_group!(benches, records_to_columns);
criterion_main!(benches);
