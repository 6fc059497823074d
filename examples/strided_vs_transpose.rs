//! The write callback's two ways of slicing records into columns, measured side by side: the
//! blocked transpose into a scratch buffer that galaxy-io uses, and an HDF5 strided memory
//! selection that lets HDF5 gather each field from the record buffer itself.
//!
//! `cargo run --release --example strided_vs_transpose [GALAXIES]` (results in BENCHMARKS.md)

use galaxy_io::sage::{SageGalaxy, Synthetic};
use galaxy_io::{BufferConfig, Catalogue, Dtype, Hdf5Options, Hdf5Output, Schema};
use hdf5_sys::h5::hsize_t;
use hdf5_sys::{h5d, h5p, h5s};
use std::time::{Duration, Instant};

const ROWS_PER_CHUNK: usize = 16384;
const ROWS_PER_FLUSH: usize = 2 * ROWS_PER_CHUNK;

fn native(dtype: Dtype) -> hdf5::Datatype {
    match dtype {
        Dtype::I32 => hdf5::Datatype::from_type::<i32>(),
        Dtype::I64 => hdf5::Datatype::from_type::<i64>(),
        Dtype::F32 => hdf5::Datatype::from_type::<f32>(),
        other => panic!("SageGalaxy has no {other} field"),
    }
    .expect("a native type")
}

/// Every field written straight from the record bytes through a strided memory selection.
fn strided(galaxies: &[SageGalaxy], path: &std::path::Path) -> Duration {
    let schema = Schema::of::<SageGalaxy>().expect("valid");
    let record = schema.record_size();
    let started = Instant::now();
    let file = hdf5::File::create(path).expect("created");
    let group = file.create_group("Snap_63").expect("created");
    let columns: Vec<(galaxy_io::Field, hdf5::Dataset, hdf5::Datatype)> = schema
        .fields()
        .iter()
        .map(|field| {
            let datatype = native(field.dtype);
            let dataset = group
                .new_dataset_builder()
                .empty_as(&datatype)
                .shape(0..)
                .chunk(ROWS_PER_CHUNK)
                .fill_time(hdf5::dataset::FillTime::Never)
                .chunk_cache(0, 0, 1.0)
                .create(field.name.as_str())
                .expect("created");
            (field.clone(), dataset, datatype)
        })
        .collect();
    let bytes: &[u8] = bytemuck::cast_slice(galaxies);
    for (batch, records) in bytes.chunks(ROWS_PER_FLUSH * record).enumerate() {
        let first = (batch * ROWS_PER_FLUSH) as hsize_t;
        let rows = (records.len() / record) as hsize_t;
        for (field, dataset, datatype) in &columns {
            let element = field.dtype.size();
            let _guard = hdf5_sys::LOCK.lock();
            // SAFETY: valid ids; the memory selection stays inside `records` (offsets and the
            // record size are multiples of the element size for SageGalaxy).
            unsafe {
                let extent = [first + rows];
                assert!(h5d::H5Dset_extent(dataset.id(), extent.as_ptr()) >= 0);
                let file_space = h5d::H5Dget_space(dataset.id());
                let (start, count) = ([first], [rows]);
                h5s::H5Sselect_hyperslab(
                    file_space,
                    h5s::H5S_seloper_t::H5S_SELECT_SET,
                    start.as_ptr(),
                    std::ptr::null(),
                    count.as_ptr(),
                    std::ptr::null(),
                );
                let memory_len = [(records.len() / element) as hsize_t];
                let memory = h5s::H5Screate_simple(1, memory_len.as_ptr(), std::ptr::null());
                let (offset, stride) = (
                    [(field.offset / element) as hsize_t],
                    [(record / element) as hsize_t],
                );
                h5s::H5Sselect_hyperslab(
                    memory,
                    h5s::H5S_seloper_t::H5S_SELECT_SET,
                    offset.as_ptr(),
                    stride.as_ptr(),
                    count.as_ptr(),
                    std::ptr::null(),
                );
                let status = h5d::H5Dwrite(
                    dataset.id(),
                    datatype.id(),
                    memory,
                    file_space,
                    h5p::H5P_DEFAULT,
                    records.as_ptr().cast(),
                );
                assert!(status >= 0, "strided write of {}", field.name);
                h5s::H5Sclose(memory);
                h5s::H5Sclose(file_space);
            }
        }
    }
    drop(columns);
    file.close().expect("closed");
    started.elapsed()
}

/// galaxy-io's own path with the same flush and chunk sizes.
fn transposed(galaxies: &[SageGalaxy], path: &std::path::Path) -> Duration {
    let options = Hdf5Options::default()
        .replace(true)
        .buffer(BufferConfig::fixed(
            ROWS_PER_FLUSH * std::mem::size_of::<SageGalaxy>(),
        ))
        .chunk_rows(ROWS_PER_CHUNK);
    let started = Instant::now();
    let mut output = Hdf5Output::<SageGalaxy>::create(path, &[63], options).expect("created");
    for batch in galaxies.chunks(4) {
        output.write(63, batch).expect("written");
    }
    output.finish().expect("finished");
    started.elapsed()
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let (galaxies, _) = Synthetic::new(5, 500.0).galaxies(63, 0, count);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..3 {
        for (index, name) in ["transposed", "strided"].into_iter().enumerate() {
            let path = dir.path().join(format!("{name}_{round}.hdf5"));
            let time = if index == 0 {
                transposed(&galaxies, &path)
            } else {
                strided(&galaxies, &path)
            };
            times[index].push(time);
            let check = Catalogue::open(&path)
                .expect("opened")
                .read_column::<f32>(63, "StellarMass")
                .expect("read");
            assert_eq!(
                check[count / 2],
                galaxies[count / 2].stellar_mass,
                "{name} wrote the right values"
            );
            std::fs::remove_file(&path).expect("removed");
        }
    }
    let bytes = (count * std::mem::size_of::<SageGalaxy>()) as f64;
    for (index, name) in [
        "blocked transpose (galaxy-io)",
        "HDF5 strided memory selection",
    ]
    .into_iter()
    .enumerate()
    {
        times[index].sort();
        let median = times[index][times[index].len() / 2];
        println!(
            "{name}: median {:.3} s, {:.0} MB/s",
            median.as_secs_f64(),
            bytes / 1e6 / median.as_secs_f64()
        );
    }
}
