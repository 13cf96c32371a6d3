//! The portable kernel: SHA-256 compression in plain Rust (FIPS 180-4 §6.2.2).

use super::{block_count_words, inner_words, outer_words, prefilter, K};
use trez_pow::{Midstate, IV};

#[inline(always)]
pub(crate) fn compress(state: &mut [u32; 8], block: &[u32; 16]) {
    let mut w = [0u32; 64];
    w[..16].copy_from_slice(block);
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1);
    }
    let mut v = *state;
    for t in 0..64 {
        v = round(v, K[t], w[t]);
    }
    for (s, x) in state.iter_mut().zip(v) {
        *s = s.wrapping_add(x);
    }
}

/// One SHA-256 round on the working variables `[a..h]` with round constant `k` and message word `w`.
#[inline(always)]
pub(crate) fn round([a, b, c, d, e, f, g, h]: [u32; 8], k: u32, w: u32) -> [u32; 8] {
    let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
    let ch = (e & f) ^ (!e & g);
    let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(k).wrapping_add(w);
    let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
    let maj = (a & b) ^ (a & c) ^ (b & c);
    [t1.wrapping_add(s0.wrapping_add(maj)), a, b, c, d.wrapping_add(t1), e, f, g]
}

/// Final state of the TREZ digest of `nonce`.
pub(crate) fn digest_state(mid: &Midstate, nonce: u64) -> [u32; 8] {
    let mut inner = IV;
    compress(&mut inner, &inner_words(nonce));
    let mut outer = mid.state;
    compress(&mut outer, &outer_words(block_count_words(mid.block_count), &inner));
    outer
}

/// One nonce at a time through `digest_state` (the portable and `sha2`-crate kernels): append the nonces of
/// `start .. start + count` whose h5 passes the prefilter for `bits`.
#[inline(always)]
pub(crate) fn scan_with(digest_state: impl Fn(&Midstate, u64) -> [u32; 8], mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    for nonce in start..start + count {
        if prefilter(digest_state(mid, nonce)[5], bits) {
            found.push(nonce);
        }
    }
}

/// One nonce at a time through `digest_state`, no filter: the bare compressions of `count` nonces.
#[inline(always)]
pub(crate) fn raw_with(digest_state: impl Fn(&Midstate, u64) -> [u32; 8], mid: &Midstate, count: u64) -> u32 {
    (0..count).fold(0u32, |acc, n| acc ^ digest_state(mid, n)[5])
}

pub(crate) fn scan(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    scan_with(digest_state, mid, start, count, bits, found)
}

pub(crate) fn raw(mid: &Midstate, count: u64) -> u32 {
    raw_with(digest_state, mid, count)
}
