//! Finding the first byte of a text that an escaping writer must look at, sixteen bytes
//! at a time with SSE2 (always there on x86-64). Replies are mostly text and most of it
//! needs nothing; XML's and JSON's escaping both scan every byte of every reply.

/// The first byte from `i` on that `looked_at` marks, or the text's length. `looked_at`
/// takes sixteen bytes and marks each byte to look at with 0xFF (and the others with 0).
/// The last few bytes are copied into a block of `a`s, which no caller looks at.
#[cfg(target_arch = "x86_64")]
pub fn first_looked_at(
    bytes: &[u8],
    mut i: usize,
    looked_at: impl Fn(std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i,
) -> usize {
    use std::arch::x86_64::*;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let mut padded = [b'a'; 16];
        let block = match rest.first_chunk::<16>() {
            Some(block) => block,
            None => {
                padded[..rest.len()].copy_from_slice(rest);
                &padded
            }
        };
        // SAFETY: SSE2 is part of x86-64; the load is unaligned and reads `block`.
        let mask = unsafe { _mm_movemask_epi8(looked_at(_mm_loadu_si128(block.as_ptr().cast()))) };
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    bytes.len()
}

/// Each byte of `v` that equals `b`, as 0xFF.
#[cfg(target_arch = "x86_64")]
pub fn equal(v: std::arch::x86_64::__m128i, b: u8) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64.
    unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
}

/// Each byte of `v` up to 0x1F (a control character), as 0xFF: those the unsigned
/// minimum with 0x1F leaves alone.
#[cfg(target_arch = "x86_64")]
pub fn control(v: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64.
    unsafe { _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v) }
}

/// Checks that `find` (a `next_to_…` function built on [`first_looked_at`]) finds exactly
/// the first byte from a place that `wanted` names: every byte value at every position of
/// texts of 1 to 40 bytes (whole blocks of sixteen, the last few bytes, and on other
/// machines words of eight and single bytes), among `fills` and after other such bytes.
#[cfg(test)]
pub fn assert_finds_exactly(
    find: impl Fn(&[u8], usize) -> usize,
    wanted: impl Fn(u8) -> bool,
    fills: &[u8],
) {
    for len in 1..=40 {
        for &fill in fills {
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut text = vec![fill; len];
                    text[pos] = b;
                    for from in [0, pos / 2, pos] {
                        let naive = (from..len).find(|&k| wanted(text[k])).unwrap_or(len);
                        assert_eq!(find(&text, from), naive, "{text:?} from {from}");
                    }
                }
            }
        }
    }
}
