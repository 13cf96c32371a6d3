//! AVX-512: 16 nonces per 512-bit vector, one per 32-bit lane (the word-sliced body of `sliced.rs`), with
//! native rotates and three-input logic (`vpternlogd`).

use core::arch::x86_64::*;

use super::sliced::sliced_kernel;
use crate::kernels::{block_count_words, inner_words, rounds_prefix, K};
use trez_pow::{Midstate, IV};

type V = __m512i;
const LANES: usize = 16;

#[inline(always)]
unsafe fn splat(x: u32) -> V {
    _mm512_set1_epi32(x as i32)
}

#[inline(always)]
unsafe fn add(a: V, b: V) -> V {
    _mm512_add_epi32(a, b)
}

#[inline(always)]
unsafe fn xor3(a: V, b: V, c: V) -> V {
    _mm512_ternarylogic_epi32::<0x96>(a, b, c)
}

/// Σ0 (FIPS 180-4 §4.1.2).
#[inline(always)]
unsafe fn bsig0(x: V) -> V {
    xor3(_mm512_ror_epi32::<2>(x), _mm512_ror_epi32::<13>(x), _mm512_ror_epi32::<22>(x))
}

/// Σ1.
#[inline(always)]
unsafe fn bsig1(x: V) -> V {
    xor3(_mm512_ror_epi32::<6>(x), _mm512_ror_epi32::<11>(x), _mm512_ror_epi32::<25>(x))
}

/// σ0.
#[inline(always)]
unsafe fn ssig0(x: V) -> V {
    xor3(_mm512_ror_epi32::<7>(x), _mm512_ror_epi32::<18>(x), _mm512_srli_epi32::<3>(x))
}

/// σ1.
#[inline(always)]
unsafe fn ssig1(x: V) -> V {
    xor3(_mm512_ror_epi32::<17>(x), _mm512_ror_epi32::<19>(x), _mm512_srli_epi32::<10>(x))
}

/// Ch(e, f, g) in one `vpternlogd`.
#[inline(always)]
unsafe fn ch(e: V, f: V, g: V) -> V {
    _mm512_ternarylogic_epi32::<0xCA>(e, f, g)
}

/// Maj(a, b, c) in one `vpternlogd`.
#[inline(always)]
unsafe fn maj(a: V, b: V, c: V) -> V {
    _mm512_ternarylogic_epi32::<0xE8>(a, b, c)
}

/// Byte-swap every 32-bit lane (AVX-512BW).
#[inline(always)]
unsafe fn bswap(x: V) -> V {
    let idx = _mm512_set_epi8(
        12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8,
        9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
    );
    _mm512_shuffle_epi8(x, idx)
}

#[inline(always)]
unsafe fn lane_offsets() -> V {
    _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
}

#[inline(always)]
unsafe fn load(x: &[u32; LANES]) -> V {
    _mm512_loadu_si512(x.as_ptr() as *const _)
}

#[inline(always)]
unsafe fn store(v: V) -> [u32; LANES] {
    let mut out = [0u32; LANES];
    _mm512_storeu_si512(out.as_mut_ptr() as *mut _, v);
    out
}

/// Bit `l` set iff lane `l` of `x ∧ m` is zero.
#[inline(always)]
unsafe fn mask_zero(x: V, m: V) -> u16 {
    _mm512_testn_epi32_mask(x, m)
}

sliced_kernel!("avx512f,avx512bw");
