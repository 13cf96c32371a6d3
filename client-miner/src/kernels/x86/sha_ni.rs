//! SHA-NI with `N` independent nonces interleaved round by round.
//!
//! `sha256rnds2` has a latency of several cycles and a throughput of about one per cycle, so one stream is
//! latency-bound; `N` streams fill the pipeline. Each stream holds 6 `xmm` registers (ABEF, CDGH and four
//! message vectors) and SHA-NI instructions only reach `xmm0..15`, so 2 streams fit in registers while 3 and
//! 4 spill some: the best `N` is a property of the CPU, which is why `N` = 2, 3 and 4 are all kernels and the
//! picker measures them (`super::super::calibrate`).
//!
//! Work saved against two plain compressions per nonce:
//! - the outer block's first two rounds use only `block_count` (job-constant words W0, W1) and the midstate,
//!   so they run once per [`Job`], not per nonce;
//! - the inner digest goes into the outer message words in registers (shuffles and blends), never through
//!   memory;
//! - the scan reads only the final state word h5 (the filter's input), so the CDGH half of the final
//!   addition is dead code there;
//! - the inner block's constant message vectors (W2..W15) fold with their round constants at compile time.

use core::arch::x86_64::*;

use crate::kernels::{block_count_words, inner_words, prefilter, K};
use trez_pow::{Midstate, IV};

/// Per-job constants, in the SHA-NI register layout (ABEF = `[F, E, B, A]` from element 0, CDGH =
/// `[H, G, D, C]`).
#[derive(Clone, Copy)]
struct Job {
    /// The midstate, for the final addition.
    mid_abef: __m128i,
    mid_cdgh: __m128i,
    /// ABEF after the outer block's rounds 0 and 1 (CDGH after them is `mid_abef`).
    abef2: __m128i,
    /// Outer W0, W1 (block_count) in elements 0 and 1.
    bc: __m128i,
}

/// Pack a state `[A..H]` into (ABEF, CDGH).
#[inline(always)]
unsafe fn pack(state: &[u32; 8]) -> (__m128i, __m128i) {
    let dcba = _mm_loadu_si128(state.as_ptr() as *const __m128i);
    let hgfe = _mm_loadu_si128(state[4..].as_ptr() as *const __m128i);
    let cdab = _mm_shuffle_epi32(dcba, 0xB1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    (_mm_alignr_epi8(cdab, efgh, 8), _mm_blend_epi16(efgh, cdab, 0xF0))
}

/// Unpack (ABEF, CDGH) into `[A..H]`.
#[inline(always)]
unsafe fn unpack(abef: __m128i, cdgh: __m128i) -> [u32; 8] {
    let mut out = [0u32; 8];
    let feba = _mm_shuffle_epi32(abef, 0x1B);
    let dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128(out.as_mut_ptr() as *mut __m128i, _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(out[4..].as_mut_ptr() as *mut __m128i, _mm_alignr_epi8(dchg, feba, 8));
    out
}

#[inline(always)]
unsafe fn k4(i: usize) -> __m128i {
    _mm_loadu_si128(K[4 * i..].as_ptr() as *const __m128i)
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn job(mid: &Midstate) -> Job {
    let (mid_abef, mid_cdgh) = pack(&mid.state);
    let bc = block_count_words(mid.block_count);
    let bc = _mm_set_epi32(0, 0, bc[1] as i32, bc[0] as i32);
    let abef2 = _mm_sha256rnds2_epu32(mid_cdgh, mid_abef, _mm_add_epi32(bc, k4(0)));
    Job { mid_abef, mid_cdgh, abef2, bc }
}

/// One group of 4 rounds (`I` = 0..15) on every stream, then the message schedule step that turns
/// `m[I % 4]` into W[4(I+4)..4(I+4)+4] (for `I` < 12). `skip_first` leaves out the group's first two rounds
/// (the outer block's, precomputed per job: the caller has set `s1` to their result).
macro_rules! group {
    ($s0:ident, $s1:ident, $m:ident, $i:expr, $skip_first:expr) => {{
        const I: usize = $i;
        let k = k4(I);
        for l in 0..N {
            let msg = _mm_add_epi32($m[I % 4][l], k);
            if !$skip_first {
                $s1[l] = _mm_sha256rnds2_epu32($s1[l], $s0[l], msg);
            }
            $s0[l] = _mm_sha256rnds2_epu32($s0[l], $s1[l], _mm_shuffle_epi32(msg, 0x0E));
        }
        if I < 12 {
            // W[t..t+4] for t = 4(I+4): W[t-16] + σ0(W[t-15..]) + W[t-7..] + σ1(W[t-2..]).
            for l in 0..N {
                let t = _mm_sha256msg1_epu32($m[I % 4][l], $m[(I + 1) % 4][l]);
                let t = _mm_add_epi32(t, _mm_alignr_epi8($m[(I + 3) % 4][l], $m[(I + 2) % 4][l], 4));
                $m[I % 4][l] = _mm_sha256msg2_epu32(t, $m[(I + 3) % 4][l]);
            }
        }
    }};
}

macro_rules! groups_1_to_15 {
    ($s0:ident, $s1:ident, $m:ident) => {
        group!($s0, $s1, $m, 1, false);
        group!($s0, $s1, $m, 2, false);
        group!($s0, $s1, $m, 3, false);
        group!($s0, $s1, $m, 4, false);
        group!($s0, $s1, $m, 5, false);
        group!($s0, $s1, $m, 6, false);
        group!($s0, $s1, $m, 7, false);
        group!($s0, $s1, $m, 8, false);
        group!($s0, $s1, $m, 9, false);
        group!($s0, $s1, $m, 10, false);
        group!($s0, $s1, $m, 11, false);
        group!($s0, $s1, $m, 12, false);
        group!($s0, $s1, $m, 13, false);
        group!($s0, $s1, $m, 14, false);
        group!($s0, $s1, $m, 15, false);
    };
}

/// Final (ABEF, CDGH) of the TREZ digests of `N` nonces: the inner `SHA256(nonce LE)` from the IV, then the
/// outer block from the job's precomputed state.
#[inline(always)]
unsafe fn digests<const N: usize>(job: &Job, nonces: [u64; N]) -> [(__m128i, __m128i); N] {
    let zero = _mm_setzero_si128();
    let (iv_abef, iv_cdgh) = pack(&IV);
    // Inner block: W0 W1 = nonce, W2 = 0x80000000 (padding), W15 = 64 (length in bits); the rest zero.
    let mut s0 = [iv_abef; N];
    let mut s1 = [iv_cdgh; N];
    let mut m = [[zero; N]; 4];
    for l in 0..N {
        let w = inner_words(nonces[l]);
        m[0][l] = _mm_set_epi32(w[3] as i32, w[2] as i32, w[1] as i32, w[0] as i32);
        m[3][l] = _mm_set_epi32(w[15] as i32, 0, 0, 0);
    }
    group!(s0, s1, m, 0, false);
    groups_1_to_15!(s0, s1, m);

    // Outer block: W0 W1 = block_count, W2..W9 = inner digest A..H, W10 = 0x80000000, W15 = 832.
    let pad = _mm_set_epi32(0, 0x8000_0000u32 as i32, 0, 0);
    let len = _mm_set_epi32(832, 0, 0, 0);
    for l in 0..N {
        let abef = _mm_add_epi32(s0[l], iv_abef); // [F E B A]
        let cdgh = _mm_add_epi32(s1[l], iv_cdgh); // [H G D C]
        m[0][l] = _mm_blend_epi16(_mm_shuffle_epi32(abef, 0xB0), job.bc, 0x0F); // [bc0 bc1 A B]
        m[1][l] = _mm_blend_epi16(_mm_shuffle_epi32(cdgh, 0x0B), _mm_shuffle_epi32(abef, 0x10), 0xF0); // [C D E F]
        m[2][l] = _mm_blend_epi16(_mm_shuffle_epi32(cdgh, 0x01), pad, 0xF0); // [G H 0x80000000 0]
        m[3][l] = len;
        // Rounds 0 and 1 were run per job: ABEF after them is `abef2`, CDGH is the midstate's ABEF.
        s0[l] = job.mid_abef;
        s1[l] = job.abef2;
    }
    group!(s0, s1, m, 0, true);
    groups_1_to_15!(s0, s1, m);
    core::array::from_fn(|l| (_mm_add_epi32(s0[l], job.mid_abef), _mm_add_epi32(s1[l], job.mid_cdgh)))
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn scan_impl<const N: usize>(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    let job = job(mid);
    let mut n = start;
    let end = start + count;
    while n < end {
        let nonces: [u64; N] = core::array::from_fn(|l| n + l as u64);
        let out = digests::<N>(&job, nonces);
        for l in 0..N {
            // h5 (F) is element 0 of ABEF.
            if prefilter(_mm_cvtsi128_si32(out[l].0) as u32, bits) {
                found.push(nonces[l]);
            }
        }
        n += N as u64;
    }
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn states_impl<const N: usize>(mid: &Midstate, nonces: [u64; N]) -> [[u32; 8]; N] {
    let job = job(mid);
    digests::<N>(&job, nonces).map(|(abef, cdgh)| unpack(abef, cdgh))
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn raw_impl<const N: usize>(mid: &Midstate, count: u64) -> u32 {
    let job = job(mid);
    let mut acc = _mm_setzero_si128();
    let mut n = 0u64;
    while n < count {
        let out = digests::<N>(&job, core::array::from_fn(|l| n + l as u64));
        for o in out {
            acc = _mm_xor_si128(acc, o.0);
        }
        n += N as u64;
    }
    _mm_cvtsi128_si32(acc) as u32
}

/// Append to `found` the nonces of `start .. start + count` (a multiple of `N`) whose h5 passes the
/// prefilter for `bits`, ascending. Caller guarantees SHA-NI (see the module docs of `x86`).
pub(crate) fn scan<const N: usize>(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    // SAFETY: reached only when `has_sha_ni()` (module docs of `x86`).
    unsafe { scan_impl::<N>(mid, start, count, bits, found) }
}

/// Final states of the TREZ digests of `N` nonces. Caller guarantees SHA-NI.
pub(crate) fn states<const N: usize>(mid: &Midstate, nonces: [u64; N]) -> [[u32; 8]; N] {
    // SAFETY: as above.
    unsafe { states_impl::<N>(mid, nonces) }
}

/// The two compressions per nonce for `count` nonces with no prefilter or candidate handling. Caller
/// guarantees SHA-NI.
pub(crate) fn raw<const N: usize>(mid: &Midstate, count: u64) -> u32 {
    // SAFETY: as above.
    unsafe { raw_impl::<N>(mid, count) }
}
