//! HDF5's Fletcher-32 checksum as its `fletcher32` filter stores it: the sum over the chunk's
//! bytes read as big-endian 16-bit words (an odd last byte as the high half of a word),
//! appended to the chunk little-endian. Chunks written directly (not through HDF5's pipeline)
//! carry it too, so that every chunk of a checksummed dataset is verified when read.
//!
//! HDF5 sums one word at a time with an end-around carry every 360 words; the result is the
//! pair of sums modulo 65535, with a non-zero multiple of 65535 written as 0xffff (only all-zero
//! data sums to 0). Here the words are summed eight at a time in 32-bit lanes, in blocks short
//! enough that no lane overflows, and the blocks are combined modulo 65535: the same value at
//! memory speed.

/// Words summed per block: the lanes of the second sum stay below 2^32 (255 * 256 / 2 steps of
/// at most 65535, plus the first sum).
const BLOCK_WORDS: usize = 8 * 256;

/// The checksum of `data`, as `H5_checksum_fletcher32` computes it; stored after the chunk,
/// little-endian.
pub(crate) fn checksum(data: &[u8]) -> u32 {
    sums(data).checksum()
}

/// The two sums, reduced modulo 65535, and whether any word was non-zero.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    sum1: u64,
    sum2: u64,
    nonzero: bool,
}

impl Sums {
    /// Adds a block of `n` words whose word sum is `words` and whose weighted sum
    /// `sum_i (n - i) * word_i` is `weighted`.
    fn add_block(&mut self, n: u64, words: u64, weighted: u64) {
        self.sum2 = (self.sum2 + n % 65535 * self.sum1 + weighted) % 65535;
        self.sum1 = (self.sum1 + words) % 65535;
        self.nonzero |= words != 0;
    }

    fn checksum(self) -> u32 {
        let fold = |sum: u64| match (sum, self.nonzero) {
            (0, true) => 0xffff,
            (sum, _) => sum as u32,
        };
        (fold(self.sum2) << 16) | fold(self.sum1)
    }
}

/// The sums of `data`.
fn sums(data: &[u8]) -> Sums {
    let mut sums = Sums::default();
    let whole = data.len() / (2 * BLOCK_WORDS) * (2 * BLOCK_WORDS);
    for block in data[..whole].chunks_exact(2 * BLOCK_WORDS) {
        let (words, weighted) = block_sums(block);
        sums.add_block(BLOCK_WORDS as u64, words, weighted);
    }
    let rest = &data[whole..];
    let mut pairs = rest.chunks_exact(2);
    let (mut words, mut weighted, mut n) = (0u64, 0u64, 0u64);
    for pair in &mut pairs {
        let word = u64::from(u16::from_be_bytes([pair[0], pair[1]]));
        // Weighted by the words still to come, counted once the block's length is known.
        words += word;
        weighted += word * n;
        n += 1;
    }
    if let Some(&last) = pairs.remainder().first() {
        let word = u64::from(last) << 8;
        words += word;
        weighted += word * n;
        n += 1;
    }
    // sum_i (n - i) * word_i = n * words - sum_i i * word_i
    sums.add_block(n, words, n * words - weighted);
    sums
}

/// The word sum and weighted sum `sum_i (n - i) * word_i` of one block of `BLOCK_WORDS` words.
fn block_sums(block: &[u8]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of every x86_64 processor.
        unsafe { block_sums_sse2(block) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        block_sums_portable(block)
    }
}

/// Eight lanes, lane `j` summing words `8k + j`: with `a` the lane sums and `b` the sums of `a`
/// before each step, `sum_i (n - i) * word_i = 8 * sum(a + b) - sum_j j * a_j`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn block_sums_portable(block: &[u8]) -> (u64, u64) {
    let (mut a, mut b) = ([0u32; 8], [0u32; 8]);
    for step in block.chunks_exact(16) {
        for (lane, pair) in step.chunks_exact(2).enumerate() {
            b[lane] += a[lane];
            a[lane] += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
        }
    }
    combine(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn block_sums_sse2(block: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::*;
    let zero = _mm_setzero_si128();
    let (mut a_low, mut a_high, mut b_low, mut b_high) = (zero, zero, zero, zero);
    for step in block.chunks_exact(16) {
        // SAFETY: 16 bytes are read from a 16-byte slice, unaligned.
        let bytes = unsafe { _mm_loadu_si128(step.as_ptr().cast()) };
        let words = _mm_or_si128(_mm_slli_epi16(bytes, 8), _mm_srli_epi16(bytes, 8));
        b_low = _mm_add_epi32(b_low, a_low);
        b_high = _mm_add_epi32(b_high, a_high);
        a_low = _mm_add_epi32(a_low, _mm_unpacklo_epi16(words, zero));
        a_high = _mm_add_epi32(a_high, _mm_unpackhi_epi16(words, zero));
    }
    let lanes = |low: __m128i, high: __m128i| {
        let mut out = [0u32; 8];
        // SAFETY: two 16-byte stores into 32 bytes.
        unsafe {
            _mm_storeu_si128(out.as_mut_ptr().cast(), low);
            _mm_storeu_si128(out.as_mut_ptr().add(4).cast(), high);
        }
        out
    };
    combine(lanes(a_low, a_high), lanes(b_low, b_high))
}

fn combine(a: [u32; 8], b: [u32; 8]) -> (u64, u64) {
    let words: u64 = a.iter().map(|&x| u64::from(x)).sum();
    let steps: u64 = a
        .iter()
        .zip(&b)
        .map(|(&x, &y)| u64::from(x) + u64::from(y))
        .sum();
    let lanes: u64 = a
        .iter()
        .enumerate()
        .map(|(j, &x)| j as u64 * u64::from(x))
        .sum();
    (words, 8 * steps - lanes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HDF5's own loop (`H5_checksum_fletcher32`), word by word.
    fn reference(data: &[u8]) -> u32 {
        let (mut sum1, mut sum2) = (0u32, 0u32);
        let words = data.len() / 2 * 2;
        for block in data[..words].chunks(360 * 2) {
            for word in block.chunks_exact(2) {
                sum1 += u32::from(u16::from_be_bytes([word[0], word[1]]));
                sum2 += sum1;
            }
            sum1 = (sum1 & 0xffff) + (sum1 >> 16);
            sum2 = (sum2 & 0xffff) + (sum2 >> 16);
        }
        if let Some(&last) = data.get(words) {
            sum1 += u32::from(last) << 8;
            sum2 += sum1;
            sum1 = (sum1 & 0xffff) + (sum1 >> 16);
            sum2 = (sum2 & 0xffff) + (sum2 >> 16);
        }
        sum1 = (sum1 & 0xffff) + (sum1 >> 16);
        sum2 = (sum2 & 0xffff) + (sum2 >> 16);
        (sum2 << 16) | sum1
    }

    #[test]
    fn equals_hdf5s_loop_on_every_length_and_pattern() {
        let noise: Vec<u8> = (0..70_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let patterns = [noise, vec![0xff; 70_000], vec![0; 70_000], {
            let mut v = vec![0u8; 70_000];
            v[69_999] = 1;
            v
        }];
        for data in &patterns {
            for len in (0..40).chain([4095, 4096, 4097, 8191, 8192, 8193, 20_001, 65_536, 70_000]) {
                let data = &data[..len];
                assert_eq!(checksum(data), reference(data), "length {len}");
            }
        }
    }

    #[test]
    fn the_portable_lanes_agree_with_the_vector_ones() {
        let block: Vec<u8> = (0..2 * BLOCK_WORDS as u32)
            .map(|i| (i.wrapping_mul(40_503) >> 7) as u8 | 0x80)
            .collect();
        assert_eq!(block_sums(&block), block_sums_portable(&block));
        let full = vec![0xffu8; 2 * BLOCK_WORDS];
        assert_eq!(block_sums(&full), block_sums_portable(&full));
    }
}
