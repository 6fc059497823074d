//! The last, partly filled chunk of a growing dataset, encoded as HDF5's deflate filter stores
//! chunks: a zlib stream (RFC 1950) of the whole chunk. Its rows go in deflate's *stored*
//! blocks (RFC 1951 3.2.4: a copy and a checksum, at memory speed); only the empty rest of the
//! chunk is compressed, which a run of zeros does to a few hundred bytes. The chunk then takes
//! about the space of its rows on disk, without the cost of compressing them, and any HDF5
//! reader inflates it like every other deflated chunk.

use crate::error::{Error, Result};
use flate2::{Compress, Compression, FlushCompress, Status};

/// The most bytes one stored block holds.
const STORED_BLOCK: usize = u16::MAX as usize;

/// Zeros fed to the compressor a piece at a time, so that no chunk-sized buffer of them is
/// made for each encoding.
static ZEROS: [u8; 1 << 16] = [0; 1 << 16];

thread_local! {
    /// One compressor per thread, reset between chunks: making one allocates and clears some
    /// 300 KiB of tables, which cost more than compressing the zeros.
    static DEFLATE: std::cell::RefCell<Compress> =
        std::cell::RefCell::new(Compress::new(Compression::fast(), false));
}

/// Appends to `out` `rows` (the start of a chunk) followed by zeros up to `chunk_bytes`, as a
/// zlib stream.
pub fn encode(rows: &[u8], chunk_bytes: usize, out: &mut Vec<u8>) -> Result<()> {
    let zeros = chunk_bytes.saturating_sub(rows.len());
    out.reserve(rows.len() + rows.len() / STORED_BLOCK * 5 + 4096);
    // zlib header: deflate with a 32 KiB window, no dictionary, "fastest" (the check bits make
    // the 16-bit value a multiple of 31).
    out.extend_from_slice(&[0x78, 0x01]);
    for block in rows.chunks(STORED_BLOCK) {
        let len = block.len() as u16;
        // BFINAL 0, BTYPE 00 (stored), then LEN and its complement; blocks start on a byte.
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    // The zeros as raw deflate blocks, the last one final; a stored block ends on a byte
    // boundary, where they begin.
    let failed = |error: flate2::CompressError| {
        Error::hdf5("encoding the last chunk of a dataset", error.to_string())
    };
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            out.reserve(4096);
            let left = zeros - deflate.total_in() as usize;
            let piece = &ZEROS[..left.min(ZEROS.len())];
            let flush = if piece.len() == left {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            if deflate.compress_vec(piece, out, flush).map_err(failed)? == Status::StreamEnd {
                return Ok(());
            }
        }
    })?;
    let mut checksum = adler2::Adler32::new();
    checksum.write_slice(rows);
    let mut left = zeros;
    while left > 0 {
        let piece = left.min(ZEROS.len());
        checksum.write_slice(&ZEROS[..piece]);
        left -= piece;
    }
    out.extend_from_slice(&checksum.checksum().to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(encoded: &[u8]) -> Vec<u8> {
        let mut decoded = Vec::new();
        flate2::read::ZlibDecoder::new(encoded)
            .read_to_end(&mut decoded)
            .unwrap();
        decoded
    }

    #[test]
    fn a_partial_chunk_inflates_to_its_rows_then_zeros_and_takes_their_space() {
        let rows: Vec<u8> = (0..140_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let chunk = 262_144;
        let mut encoded = Vec::new();
        encode(&rows, chunk, &mut encoded).unwrap();
        assert!(encoded.len() < rows.len() + 1024, "{} bytes", encoded.len());
        let decoded = inflate(&encoded);
        assert_eq!(decoded.len(), chunk);
        assert_eq!(&decoded[..rows.len()], &rows[..]);
        assert!(decoded[rows.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn empty_and_nearly_full_chunks_encode_too() {
        let encoded = |rows: &[u8]| {
            let mut out = vec![1, 2, 3];
            encode(rows, 4096, &mut out).unwrap();
            assert_eq!(out[..3], [1, 2, 3], "appended");
            out.split_off(3)
        };
        assert_eq!(inflate(&encoded(&[])), vec![0; 4096]);
        let rows = vec![7u8; 4095];
        let decoded = inflate(&encoded(&rows));
        assert_eq!((&decoded[..4095], decoded[4095]), (&rows[..], 0));
    }
}
