//! The last, partly filled chunk of a growing dataset, encoded as HDF5's deflate filter stores
//! chunks: a zlib stream (RFC 1950) of the whole chunk. Its rows go in deflate's *stored*
//! blocks (RFC 1951 3.2.4: a copy and a checksum, at memory speed); the empty rest of the
//! chunk, zeros, is one block of fixed Huffman codes that copies the byte before, 13 bits per
//! 258 zeros, written without running a compressor. The chunk then takes about the space of its
//! rows on disk, without the cost of compressing anything, and any HDF5 reader inflates it like
//! every other deflated chunk.

use crate::error::Result;

/// The most bytes one stored block holds.
const STORED_BLOCK: usize = u16::MAX as usize;

/// Appends to `out` `rows` (the start of a chunk) followed by zeros up to `chunk_bytes`, as a
/// zlib stream.
pub(crate) fn encode(rows: &[u8], chunk_bytes: usize, out: &mut Vec<u8>) -> Result<()> {
    let zeros = chunk_bytes.saturating_sub(rows.len());
    out.reserve(rows.len() + rows.len() / STORED_BLOCK * 5 + zeros / 150 + 16);
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
    zero_block(zeros, out);
    // Adler-32 of the rows, then of the zeros: `a` (1 + the sum of the bytes) stays, and `b`
    // (the sum of every `a` so far) grows by `a` for each zero.
    let mut checksum = adler2::Adler32::new();
    checksum.write_slice(rows);
    let value = checksum.checksum();
    let (a, b) = (u64::from(value & 0xffff), u64::from(value >> 16));
    let b = (b + (zeros as u64 % ADLER_MOD) * a) % ADLER_MOD;
    out.extend_from_slice(&((b << 16 | a) as u32).to_be_bytes());
    Ok(())
}

/// Adler-32's modulus.
const ADLER_MOD: u64 = 65521;

/// `zeros` zero bytes as the final deflate block, with fixed Huffman codes (RFC 1951 3.2.6): a
/// literal 0, then copies of the byte before (distance 1) of up to 258 bytes: 13 bits per 258
/// zeros, and no compressor to run.
fn zero_block(zeros: usize, out: &mut Vec<u8>) {
    let mut bits = Bits {
        out,
        pending: 0,
        count: 0,
    };
    // BFINAL 1, BTYPE 01 (fixed Huffman codes).
    bits.put(0b011, 3);
    let mut left = zeros;
    if left > 0 {
        bits.literal_zero();
        left -= 1;
    }
    while left >= 3 {
        let length = left.min(258);
        bits.copy_of_previous(length);
        left -= length;
    }
    for _ in 0..left {
        bits.literal_zero();
    }
    // End of block: symbol 256, the 7-bit code 0.
    bits.code(0, 7);
    bits.finish();
}

/// Deflate's bit stream: values packed from the least significant bit of each byte, Huffman
/// codes from their most significant bit.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    pending: u64,
    count: u32,
}

impl Bits<'_> {
    fn put(&mut self, value: u64, bits: u32) {
        self.pending |= value << self.count;
        self.count += bits;
        while self.count >= 8 {
            self.out.push(self.pending as u8);
            self.pending >>= 8;
            self.count -= 8;
        }
    }

    fn code(&mut self, code: u32, bits: u32) {
        let reversed = code.reverse_bits() >> (32 - bits);
        self.put(u64::from(reversed), bits);
    }

    /// Literal 0: the 8-bit code 0x30.
    fn literal_zero(&mut self) {
        self.code(0x30, 8);
    }

    /// A copy of `length` bytes (3 to 258) from 1 byte back.
    fn copy_of_previous(&mut self, length: usize) {
        // Length symbols 257..=285: their first length and count of extra bits.
        const BASES: [(usize, u32); 29] = [
            (3, 0),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
            (8, 0),
            (9, 0),
            (10, 0),
            (11, 1),
            (13, 1),
            (15, 1),
            (17, 1),
            (19, 2),
            (23, 2),
            (27, 2),
            (31, 2),
            (35, 3),
            (43, 3),
            (51, 3),
            (59, 3),
            (67, 4),
            (83, 4),
            (99, 4),
            (115, 4),
            (131, 5),
            (163, 5),
            (195, 5),
            (227, 5),
            (258, 0),
        ];
        let index = if length == 258 {
            28
        } else {
            BASES
                .iter()
                .rposition(|&(base, _)| base <= length)
                .unwrap_or(0)
        };
        let (base, extra) = BASES[index];
        let symbol = 257 + index as u32;
        // Symbols 256..=279 have 7-bit codes from 0, 280..=287 8-bit codes from 0xC0.
        if symbol < 280 {
            self.code(symbol - 256, 7);
        } else {
            self.code(0xC0 + symbol - 280, 8);
        }
        self.put((length - base) as u64, extra);
        // Distance 1: distance code 0, 5 bits, no extra bits.
        self.code(0, 5);
    }

    fn finish(mut self) {
        if self.count > 0 {
            let bits = 8 - self.count;
            self.put(0, bits);
        }
    }
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
    fn every_run_of_zeros_inflates_to_itself() {
        let rows = [9u8, 8, 7];
        for zeros in (0..700).chain([65_535, 65_536, 1 << 20]) {
            let mut out = Vec::new();
            encode(&rows, rows.len() + zeros, &mut out).unwrap();
            let decoded = inflate(&out);
            assert_eq!(decoded.len(), rows.len() + zeros, "{zeros} zeros");
            assert_eq!(decoded[..3], rows);
            assert!(decoded[3..].iter().all(|&b| b == 0), "{zeros} zeros");
        }
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
