//! HDF5's Fletcher-32 checksum as its `fletcher32` filter stores it: the sum over the chunk's
//! bytes read as big-endian 16-bit words (an odd last byte as the high half of a word),
//! appended to the chunk little-endian. Chunks written directly (not through HDF5's pipeline)
//! carry it too, so that every chunk of a checksummed dataset is verified when read.

/// The chunk's stored bytes: `data` followed by its checksum.
pub fn append(data: &[u8]) -> Vec<u8> {
    let mut stored = Vec::with_capacity(data.len() + 4);
    stored.extend_from_slice(data);
    stored.extend_from_slice(&checksum(data).to_le_bytes());
    stored
}

/// The checksum of `data`, as `H5_checksum_fletcher32` computes it.
pub fn checksum(data: &[u8]) -> u32 {
    // 360 words is the most that can be summed before the 32-bit sums could overflow.
    const BLOCK: usize = 360 * 2;
    let (mut sum1, mut sum2) = (0u32, 0u32);
    let words = data.len() / 2 * 2;
    for block in data[..words].chunks(BLOCK) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // "abcde" as 16-bit words 0x6162, 0x6364 and 0x6500 (the odd byte as a high half).
        let (a, b, c) = (0x6162u32, 0x6364u32, 0x6500u32);
        let sum1 = a + b + c;
        let sum2 = a + (a + b) + (a + b + c);
        let fold = |x: u32| {
            let x = (x & 0xffff) + (x >> 16);
            (x & 0xffff) + (x >> 16)
        };
        assert_eq!(checksum(b"abcde"), (fold(sum2) << 16) | fold(sum1));
        assert_eq!(checksum(&[]), 0);
        assert_eq!(append(b"ab")[2..], checksum(b"ab").to_le_bytes());
    }

    #[test]
    fn long_inputs_do_not_overflow() {
        let data = vec![0xffu8; 1 << 20];
        let value = checksum(&data);
        assert_eq!(value, checksum(&data.clone()));
        assert_ne!(value, checksum(&data[1..]));
    }
}
