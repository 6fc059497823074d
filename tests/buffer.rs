//! The buffer manager: byte-exact, contiguous, record-aligned hand-overs for any sequence of
//! writes and any valid configuration; growth, caps, errors with retry, and Drop.

use galaxy_io::blocks::{BinaryFile, Buffer, ReadBuffer, ReadCallback, WriteCallback};
use galaxy_io::{BufferConfig, Error, Result};
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Every hand-over: (offset, bytes).
type Chunks = Rc<RefCell<Vec<(u64, Vec<u8>)>>>;

/// Records every hand-over; fails the calls whose numbers are in `fail_on`. With `takes`, it
/// takes the buffer's own vector when offered (as the background writer does), leaving a
/// smaller one in its place.
#[derive(Default, Clone, Debug)]
struct Recorder {
    chunks: Chunks,
    calls: usize,
    fail_on: Vec<usize>,
    takes: bool,
}

impl Recorder {
    fn called(&mut self) -> Result<()> {
        self.calls += 1;
        if self.fail_on.contains(&self.calls) {
            return Err(Error::BadFile {
                path: "injected".into(),
                problem: format!("injected failure on call {}", self.calls),
            });
        }
        Ok(())
    }
}

impl WriteCallback for Recorder {
    fn write(&mut self, bytes: &[u8], offset: u64) -> Result<()> {
        self.called()?;
        self.chunks.borrow_mut().push((offset, bytes.to_vec()));
        Ok(())
    }

    fn write_owned(&mut self, bytes: &mut Vec<u8>, offset: u64) -> Result<()> {
        if !self.takes {
            return self.write(bytes, offset);
        }
        self.called()?;
        let taken = std::mem::replace(bytes, vec![0xEE; 3]);
        self.chunks.borrow_mut().push((offset, taken));
        Ok(())
    }
}

impl Recorder {
    fn concatenated(&self) -> Vec<u8> {
        let chunks = self.chunks.borrow();
        let mut expected_offset = 0;
        let mut all = Vec::new();
        for (offset, bytes) in chunks.iter() {
            assert_eq!(*offset, expected_offset, "offsets are contiguous");
            expected_offset += bytes.len() as u64;
            all.extend_from_slice(bytes);
        }
        all
    }
}

fn config_strategy() -> impl Strategy<Value = BufferConfig> {
    (
        1usize..512,
        0usize..512,
        0usize..2048,
        1.01f64..4.0,
        any::<bool>(),
        1u8..=100,
    )
        .prop_map(
            |(smallest, extra_initial, extra_max, growth_factor, auto_resize, threshold)| {
                let initial = smallest + extra_initial;
                BufferConfig {
                    initial_size: initial,
                    max_size: initial + extra_max,
                    growth_factor,
                    auto_resize,
                    resize_threshold_percent: threshold,
                }
            },
        )
}

proptest! {
    #[test]
    fn bytes_arrive_exactly_once_in_order(
        config in config_strategy(),
        sizes in prop::collection::vec(0usize..3000, 0..40),
        record_size in prop::option::of(1usize..64),
        records_per_unit in prop::option::of(1usize..8),
        takes in any::<bool>(),
    ) {
        let record_size_or_one = record_size.unwrap_or(1);
        let recorder = Recorder { takes, ..Recorder::default() };
        let mut buffer = Buffer::new(config, recorder.clone()).unwrap();
        if let Some(record_size) = record_size {
            buffer.set_record_size(record_size).unwrap();
        }
        let alignment = record_size_or_one * records_per_unit.unwrap_or(1);
        buffer.set_alignment(alignment).unwrap();
        let aligned_capacity = buffer.capacity() >= alignment;
        let mut written = Vec::new();
        let mut counter = 0u8;
        for size in sizes {
            // Whole records per write when a record size is set, as the output handler writes.
            let size = size - size % record_size_or_one;
            let bytes: Vec<u8> = (0..size).map(|_| { counter = counter.wrapping_add(1); counter }).collect();
            buffer.write(&bytes).unwrap();
            written.extend_from_slice(&bytes);
            prop_assert!(buffer.capacity() <= config.max_size.max(record_size_or_one));
        }
        let stats = buffer.stats();
        buffer.finish().unwrap();
        prop_assert_eq!(recorder.concatenated(), written.clone());
        let chunks = recorder.chunks.borrow();
        for (index, (offset, chunk)) in chunks.iter().enumerate() {
            prop_assert_eq!(chunk.len() % record_size_or_one, 0, "record-aligned hand-over");
            // Every hand-over but the one from `finish` ends on an alignment boundary.
            if aligned_capacity && index + 1 < chunks.len() {
                prop_assert_eq!((offset + chunk.len() as u64) % alignment as u64, 0, "chunk-aligned hand-over");
            }
        }
        prop_assert!(stats.peak_capacity <= config.max_size.max(record_size_or_one));
        if !config.auto_resize {
            prop_assert_eq!(stats.resizes, 0);
        }
    }

    #[test]
    fn reads_return_what_was_written(
        data in prop::collection::vec(any::<u8>(), 0..5000),
        capacity in 1usize..700,
        reads in prop::collection::vec(0usize..1500, 1..20),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stream.bin");
        std::fs::write(&path, &data).unwrap();
        let mut reader = ReadBuffer::new(capacity, BinaryFile::open(&path).unwrap());
        let mut read_back = Vec::new();
        for size in reads {
            let mut out = vec![0; size];
            let n = reader.read(&mut out).unwrap();
            read_back.extend_from_slice(&out[..n]);
            prop_assert_eq!(reader.position(), read_back.len() as u64);
        }
        prop_assert_eq!(&read_back[..], &data[..read_back.len()]);
    }
}

#[test]
fn grows_by_the_factor_up_to_the_cap() {
    let config = BufferConfig {
        initial_size: 100,
        max_size: 400,
        growth_factor: 2.0,
        auto_resize: true,
        resize_threshold_percent: 80,
    };
    let recorder = Recorder::default();
    let mut buffer = Buffer::new(config, recorder.clone()).unwrap();
    let mut capacities = vec![buffer.capacity()];
    for _ in 0..100 {
        buffer.write(&[7; 10]).unwrap();
        if capacities.last() != Some(&buffer.capacity()) {
            capacities.push(buffer.capacity());
        }
    }
    assert_eq!(
        capacities,
        [100, 200, 400],
        "doubles, then stops at max_size"
    );
    assert_eq!(buffer.stats().resizes, 2);
    assert_eq!(buffer.stats().peak_capacity, 400);
    buffer.finish().unwrap();
    assert_eq!(recorder.concatenated(), vec![7; 1000]);
    // Once at the cap it flushes full buffers of 400 bytes.
    assert!(recorder
        .chunks
        .borrow()
        .iter()
        .all(|(_, chunk)| chunk.len() <= 400));
}

#[test]
fn does_not_grow_below_the_threshold_or_when_disabled() {
    let mut config = BufferConfig::fixed(100);
    let recorder = Recorder::default();
    let mut buffer = Buffer::new(config, recorder.clone()).unwrap();
    for _ in 0..30 {
        buffer.write(&[1; 30]).unwrap();
    }
    assert_eq!((buffer.capacity(), buffer.stats().resizes), (100, 0));
    drop(buffer);

    // An 80-byte write into a buffer that is 30 % full flushes instead of growing at 80 %.
    config.max_size = 1000;
    config.auto_resize = true;
    let recorder = Recorder::default();
    let mut buffer = Buffer::new(config, recorder.clone()).unwrap();
    buffer.write(&[1; 30]).unwrap();
    buffer.write(&[1; 80]).unwrap();
    assert_eq!(buffer.stats().resizes, 0);
    assert_eq!(
        recorder.chunks.borrow().len(),
        1,
        "the 30 bytes were flushed"
    );
    // Now 80 % full: the next write that does not fit grows the buffer.
    buffer.write(&[1; 30]).unwrap();
    assert_eq!(buffer.stats().resizes, 1);
}

#[test]
fn large_writes_bypass_the_buffer() {
    let recorder = Recorder::default();
    let mut buffer = Buffer::new(BufferConfig::fixed(64), recorder.clone()).unwrap();
    buffer.set_record_size(8).unwrap();
    buffer.write(&[1; 16]).unwrap();
    buffer.write(&[2; 800]).unwrap();
    let chunks = recorder.chunks.borrow().clone();
    assert_eq!(
        chunks.len(),
        2,
        "held bytes flushed, then the large write in one call"
    );
    assert_eq!((chunks[0].0, chunks[0].1.len()), (0, 16));
    assert_eq!((chunks[1].0, chunks[1].1.len()), (16, 800));
    assert_eq!(buffer.pending(), 0);
}

#[test]
fn a_failed_flush_keeps_the_bytes_and_a_retry_writes_them_once() {
    for (fail_on, takes) in (1..=6).flat_map(|n| [(n, false), (n, true)]) {
        let recorder = Recorder {
            fail_on: vec![fail_on],
            takes,
            ..Recorder::default()
        };
        let mut buffer = Buffer::new(BufferConfig::fixed(32), recorder.clone()).unwrap();
        buffer.set_record_size(4).unwrap();
        let mut written = Vec::new();
        for i in 0..40u8 {
            let bytes = [i; 12];
            match buffer.write(&bytes) {
                Ok(()) => {}
                Err(Error::Flush {
                    offset,
                    len,
                    source,
                }) => {
                    assert!(source.to_string().contains("injected"));
                    assert_eq!(offset, buffer.flushed_offset());
                    assert!(len > 0);
                    buffer.write(&bytes).expect("the retry succeeds");
                }
                Err(other) => panic!("unexpected error {other}"),
            }
            written.extend_from_slice(&bytes);
        }
        buffer.finish().unwrap();
        assert_eq!(
            recorder.concatenated(),
            written,
            "failure on call {fail_on}, callback taking the bytes: {takes}"
        );
    }
}

#[test]
fn a_failed_final_flush_is_reported_by_finish() {
    let recorder = Recorder {
        fail_on: vec![1],
        ..Recorder::default()
    };
    let mut buffer = Buffer::new(BufferConfig::fixed(32), recorder).unwrap();
    buffer.write(&[1; 8]).unwrap();
    assert!(matches!(
        buffer.finish(),
        Err(Error::Flush {
            offset: 0,
            len: 8,
            ..
        })
    ));
}

#[test]
fn finish_rejects_half_a_record() {
    let mut buffer = Buffer::new(BufferConfig::fixed(32), Recorder::default()).unwrap();
    buffer.set_record_size(8).unwrap();
    buffer.write(&[1; 12]).unwrap();
    let error = buffer.finish().unwrap_err().to_string();
    assert!(error.contains("4 trailing bytes"), "{error}");
}

#[test]
fn drop_without_finish_flushes() {
    let recorder = Recorder::default();
    {
        let mut buffer = Buffer::new(BufferConfig::fixed(1024), recorder.clone()).unwrap();
        buffer.write(b"galaxies").unwrap();
    }
    assert_eq!(recorder.concatenated(), b"galaxies");

    // A failing callback on drop is logged, not a panic.
    let failing = Recorder {
        fail_on: vec![1],
        ..Recorder::default()
    };
    let mut buffer = Buffer::new(BufferConfig::fixed(1024), failing).unwrap();
    buffer.write(b"lost").unwrap();
    drop(buffer);
}

#[test]
fn invalid_configurations_are_rejected_at_construction() {
    let base = BufferConfig::default();
    let invalid = [
        BufferConfig {
            growth_factor: 1.0,
            ..base
        },
        BufferConfig {
            growth_factor: f64::NAN,
            ..base
        },
        BufferConfig {
            initial_size: 0,
            ..base
        },
        BufferConfig {
            resize_threshold_percent: 0,
            ..base
        },
        BufferConfig {
            resize_threshold_percent: 101,
            ..base
        },
        BufferConfig {
            initial_size: base.max_size + 1,
            ..base
        },
    ];
    for config in invalid {
        let error = Buffer::new(config, Recorder::default()).expect_err("rejected");
        assert!(matches!(error, Error::BufferConfig(_)), "{config:?}");
    }
    assert!(BufferConfig::from_megabytes(2, 1).is_err());
    let sage = BufferConfig::from_megabytes(4, 16).unwrap();
    assert_eq!(
        (
            sage.initial_size,
            sage.growth_factor,
            sage.resize_threshold_percent
        ),
        (4 << 20, 1.5, 80)
    );
}

#[test]
fn read_exact_reports_where_the_stream_ended() {
    struct Ten;
    impl ReadCallback for Ten {
        fn read(&mut self, buf: &mut [u8], offset: u64) -> Result<usize> {
            let n = (10u64.saturating_sub(offset) as usize).min(buf.len());
            buf[..n].fill(1);
            Ok(n)
        }
    }
    let mut reader = ReadBuffer::new(4, Ten);
    let mut out = [0; 16];
    let error = reader.read_exact(&mut out).unwrap_err();
    assert!(
        matches!(
            error,
            Error::UnexpectedEnd {
                offset: 10,
                wanted: 6
            }
        ),
        "{error}"
    );
}
