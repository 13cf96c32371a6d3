//! aarch64: the ARMv8 SHA-2 instructions (`SHA256H`, `SHA256H2`, `SHA256SU0`, `SHA256SU1`; Apple silicon,
//! AWS Graviton, Ampere, Raspberry Pi 5) with `N` independent nonces interleaved, as the SHA-NI kernel does
//! on x86-64: one stream waits on each instruction's latency, several fill the pipeline.
//!
//! Every `unsafe` block calls `#[target_feature(enable = "sha2")]` code, which is sound only on a CPU with
//! the SHA-2 extension: these entry points are reached only through `Kernel::scan`/`states`/
//! `raw_compressions`, which check `has_sha2()` first. Loads and stores are on arrays of 4 `u32`.
//!
//! Vectors hold words in natural order (element 0 = A, or W[4j]), so the inner digest becomes the outer
//! message words with `vcombine` of halves, no shuffles.

use core::arch::aarch64::*;

use crate::kernels::{block_count_words, inner_words, prefilter, K};
use trez_pow::{Midstate, IV};

pub(crate) fn has_sha2() -> bool {
    std::arch::is_aarch64_feature_detected!("sha2")
}

#[inline(always)]
unsafe fn v(x: &[u32]) -> uint32x4_t {
    let mut a = [0u32; 4];
    a.copy_from_slice(&x[..4]);
    vld1q_u32(a.as_ptr())
}

/// Four rounds (`I` = 0..15) on every stream, then the schedule step that turns `m[I % 4]` into
/// W[4(I+4)..4(I+4)+4] (for `I` < 12).
macro_rules! group {
    ($abcd:ident, $efgh:ident, $m:ident, $i:expr) => {{
        const I: usize = $i;
        let k = v(&K[4 * I..]);
        for l in 0..N {
            let wk = vaddq_u32($m[I % 4][l], k);
            let abcd = $abcd[l];
            $abcd[l] = vsha256hq_u32(abcd, $efgh[l], wk);
            $efgh[l] = vsha256h2q_u32($efgh[l], abcd, wk);
        }
        if I < 12 {
            for l in 0..N {
                let t = vsha256su0q_u32($m[I % 4][l], $m[(I + 1) % 4][l]);
                $m[I % 4][l] = vsha256su1q_u32(t, $m[(I + 2) % 4][l], $m[(I + 3) % 4][l]);
            }
        }
    }};
}

macro_rules! all_groups {
    ($abcd:ident, $efgh:ident, $m:ident) => {
        group!($abcd, $efgh, $m, 0);
        group!($abcd, $efgh, $m, 1);
        group!($abcd, $efgh, $m, 2);
        group!($abcd, $efgh, $m, 3);
        group!($abcd, $efgh, $m, 4);
        group!($abcd, $efgh, $m, 5);
        group!($abcd, $efgh, $m, 6);
        group!($abcd, $efgh, $m, 7);
        group!($abcd, $efgh, $m, 8);
        group!($abcd, $efgh, $m, 9);
        group!($abcd, $efgh, $m, 10);
        group!($abcd, $efgh, $m, 11);
        group!($abcd, $efgh, $m, 12);
        group!($abcd, $efgh, $m, 13);
        group!($abcd, $efgh, $m, 14);
        group!($abcd, $efgh, $m, 15);
    };
}

/// Final (ABCD, EFGH) of the TREZ digests of `N` nonces.
#[inline]
#[target_feature(enable = "sha2")]
unsafe fn digests<const N: usize>(mid: &Midstate, nonces: [u64; N]) -> [(uint32x4_t, uint32x4_t); N] {
    let zero = vdupq_n_u32(0);
    let (iv_abcd, iv_efgh) = (v(&IV[..4]), v(&IV[4..]));
    // Inner block: W0 W1 = nonce, W2 = 0x80000000, W15 = 64.
    let mut abcd = [iv_abcd; N];
    let mut efgh = [iv_efgh; N];
    let mut m = [[zero; N]; 4];
    for l in 0..N {
        let w = inner_words(nonces[l]);
        m[0][l] = v(&w[..4]);
        m[3][l] = v(&w[12..]);
    }
    all_groups!(abcd, efgh, m);

    // Outer block from the midstate: W0 W1 = block_count, W2..W9 = inner digest, W10 = 0x80000000, W15 = 832.
    let bc = block_count_words(mid.block_count);
    let bc = vld1_u32(bc.as_ptr());
    let pad = vld1_u32([0x8000_0000u32, 0].as_ptr());
    let len = v(&[0, 0, 0, 832]);
    let (mid_abcd, mid_efgh) = (v(&mid.state[..4]), v(&mid.state[4..]));
    for l in 0..N {
        let i_abcd = vaddq_u32(abcd[l], iv_abcd);
        let i_efgh = vaddq_u32(efgh[l], iv_efgh);
        m[0][l] = vcombine_u32(bc, vget_low_u32(i_abcd)); // bc0 bc1 A B
        m[1][l] = vcombine_u32(vget_high_u32(i_abcd), vget_low_u32(i_efgh)); // C D E F
        m[2][l] = vcombine_u32(vget_high_u32(i_efgh), pad); // G H 0x80000000 0
        m[3][l] = len;
        abcd[l] = mid_abcd;
        efgh[l] = mid_efgh;
    }
    all_groups!(abcd, efgh, m);
    core::array::from_fn(|l| (vaddq_u32(abcd[l], mid_abcd), vaddq_u32(efgh[l], mid_efgh)))
}

#[target_feature(enable = "sha2")]
unsafe fn scan_impl<const N: usize>(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    let mut n = start;
    let end = start + count;
    while n < end {
        let nonces: [u64; N] = core::array::from_fn(|l| n + l as u64);
        let out = digests::<N>(mid, nonces);
        for l in 0..N {
            // h5 (F) is element 1 of EFGH.
            if prefilter(vgetq_lane_u32::<1>(out[l].1), bits) {
                found.push(nonces[l]);
            }
        }
        n += N as u64;
    }
}

#[target_feature(enable = "sha2")]
unsafe fn states_impl<const N: usize>(mid: &Midstate, nonces: [u64; N]) -> [[u32; 8]; N] {
    digests::<N>(mid, nonces).map(|(abcd, efgh)| {
        let mut out = [0u32; 8];
        vst1q_u32(out.as_mut_ptr(), abcd);
        vst1q_u32(out[4..].as_mut_ptr(), efgh);
        out
    })
}

#[target_feature(enable = "sha2")]
unsafe fn raw_impl<const N: usize>(mid: &Midstate, count: u64) -> u32 {
    let mut acc = vdupq_n_u32(0);
    let mut n = 0u64;
    while n < count {
        for (_, efgh) in digests::<N>(mid, core::array::from_fn(|l| n + l as u64)) {
            acc = veorq_u32(acc, efgh);
        }
        n += N as u64;
    }
    vgetq_lane_u32::<1>(acc)
}

/// Append to `found` the nonces of `start .. start + count` (a multiple of `N`) whose h5 passes the
/// prefilter for `bits`, ascending. Caller guarantees the SHA-2 extension.
pub(crate) fn scan<const N: usize>(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    // SAFETY: reached only when `has_sha2()` (module docs).
    unsafe { scan_impl::<N>(mid, start, count, bits, found) }
}

/// Final states of the TREZ digests of `N` nonces. Caller guarantees the SHA-2 extension.
pub(crate) fn states<const N: usize>(mid: &Midstate, nonces: [u64; N]) -> [[u32; 8]; N] {
    // SAFETY: as above.
    unsafe { states_impl::<N>(mid, nonces) }
}

/// The two compressions per nonce for `count` nonces, no filter. Caller guarantees the SHA-2 extension.
pub(crate) fn raw<const N: usize>(mid: &Midstate, count: u64) -> u32 {
    // SAFETY: as above.
    unsafe { raw_impl::<N>(mid, count) }
}
