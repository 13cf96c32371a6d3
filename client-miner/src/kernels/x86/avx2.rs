//! AVX2: 8 nonces per 256-bit vector, one per 32-bit lane (the word-sliced body of `sliced.rs`).
//!
//! For CPUs without SHA-NI or AVX-512 (Intel from Haswell to Comet Lake). AVX2 has no rotate and no
//! three-input logic: a rotate is two shifts and an OR, `Ch` and `Maj` are three operations each.

use core::arch::x86_64::*;

use super::sliced::sliced_kernel;
use crate::kernels::{block_count_words, inner_words, rounds_prefix, K};
use trez_pow::{Midstate, IV};

type V = __m256i;
const LANES: usize = 8;

#[inline(always)]
unsafe fn splat(x: u32) -> V {
    _mm256_set1_epi32(x as i32)
}

#[inline(always)]
unsafe fn add(a: V, b: V) -> V {
    _mm256_add_epi32(a, b)
}

#[inline(always)]
unsafe fn xor(a: V, b: V) -> V {
    _mm256_xor_si256(a, b)
}

macro_rules! ror {
    ($x:expr, $n:literal) => {
        _mm256_or_si256(_mm256_srli_epi32::<$n>($x), _mm256_slli_epi32::<{ 32 - $n }>($x))
    };
}

/// Σ0 (FIPS 180-4 §4.1.2).
#[inline(always)]
unsafe fn bsig0(x: V) -> V {
    xor(xor(ror!(x, 2), ror!(x, 13)), ror!(x, 22))
}

/// Σ1.
#[inline(always)]
unsafe fn bsig1(x: V) -> V {
    xor(xor(ror!(x, 6), ror!(x, 11)), ror!(x, 25))
}

/// σ0.
#[inline(always)]
unsafe fn ssig0(x: V) -> V {
    xor(xor(ror!(x, 7), ror!(x, 18)), _mm256_srli_epi32::<3>(x))
}

/// σ1.
#[inline(always)]
unsafe fn ssig1(x: V) -> V {
    xor(xor(ror!(x, 17), ror!(x, 19)), _mm256_srli_epi32::<10>(x))
}

/// Ch(e, f, g) = (e ∧ f) ⊕ (¬e ∧ g) = ((f ⊕ g) ∧ e) ⊕ g.
#[inline(always)]
unsafe fn ch(e: V, f: V, g: V) -> V {
    xor(_mm256_and_si256(xor(f, g), e), g)
}

/// Maj(a, b, c) = ((a ⊕ b) ∧ (b ⊕ c)) ⊕ b; the next round's `b ⊕ c` is this round's `a ⊕ b`.
#[inline(always)]
unsafe fn maj(a: V, b: V, c: V) -> V {
    xor(_mm256_and_si256(xor(a, b), xor(b, c)), b)
}

/// Byte-swap every 32-bit lane.
#[inline(always)]
unsafe fn bswap(x: V) -> V {
    let idx = _mm256_setr_epi8(
        3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
    );
    _mm256_shuffle_epi8(x, idx)
}

#[inline(always)]
unsafe fn lane_offsets() -> V {
    _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
}

#[inline(always)]
unsafe fn load(x: &[u32; LANES]) -> V {
    _mm256_loadu_si256(x.as_ptr() as *const V)
}

#[inline(always)]
unsafe fn store(v: V) -> [u32; LANES] {
    let mut out = [0u32; LANES];
    _mm256_storeu_si256(out.as_mut_ptr() as *mut V, v);
    out
}

/// Bit `l` set iff lane `l` of `x ∧ m` is zero.
#[inline(always)]
unsafe fn mask_zero(x: V, m: V) -> u32 {
    let z = _mm256_cmpeq_epi32(_mm256_and_si256(x, m), _mm256_setzero_si256());
    _mm256_movemask_ps(_mm256_castsi256_ps(z)) as u32
}

sliced_kernel!("avx2");
