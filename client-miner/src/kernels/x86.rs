//! x86-64 kernels: SHA-NI (4 nonces interleaved) and AVX-512F (16 nonces per vector).
//!
//! This is the only module with `unsafe`. Every `unsafe` block calls `#[target_feature]` functions, which is
//! sound only on a CPU with those features: the public entry points are reached only through
//! `Kernel::scan`/`kernel_digest`, which check `has_sha_ni()` / `has_avx512()` first. Loads and stores go
//! through unaligned intrinsics on arrays of the right length, so no pointer can go out of bounds.

use core::arch::x86_64::*;

use super::{block_count_words, inner_words, outer_words, prefilter, K};
use trez_pow::{Midstate, IV};

pub(crate) fn has_sha_ni() -> bool {
    std::is_x86_feature_detected!("sha") && std::is_x86_feature_detected!("sse4.1") && std::is_x86_feature_detected!("ssse3")
}

pub(crate) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")
}

// ---------------------------------------------------------------------------------------------------------
// SHA-NI, N streams interleaved round by round (the SHA-NI round instruction has a multi-cycle latency;
// independent streams fill the pipeline).

const LANES: usize = 4;

/// `N` independent SHA-256 compressions.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
unsafe fn compress_sha_ni(states: &mut [[u32; 8]; LANES], blocks: &[[u32; 16]; LANES]) {
    let mut s0 = [_mm_setzero_si128(); LANES]; // ABEF
    let mut s1 = [_mm_setzero_si128(); LANES]; // CDGH
    let mut m = [[_mm_setzero_si128(); LANES]; 4]; // m[j][l] = W[4j..4j+4] of lane l, W[4j] in element 0
    for l in 0..LANES {
        let dcba = _mm_loadu_si128(states[l].as_ptr() as *const __m128i);
        let hgfe = _mm_loadu_si128(states[l][4..].as_ptr() as *const __m128i);
        let cdab = _mm_shuffle_epi32(dcba, 0xB1);
        let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
        s0[l] = _mm_alignr_epi8(cdab, efgh, 8);
        s1[l] = _mm_blend_epi16(efgh, cdab, 0xF0);
        for j in 0..4 {
            m[j][l] = _mm_loadu_si128(blocks[l][4 * j..].as_ptr() as *const __m128i);
        }
    }
    let (save0, save1) = (s0, s1);
    // 16 groups of 4 rounds, unrolled by a macro so the message words stay in registers; each group runs
    // the 4 independent lanes back to back to hide the round instruction's latency.
    macro_rules! group {
        ($i:expr) => {{
            const I: usize = $i;
            let k = _mm_loadu_si128(K[4 * I..].as_ptr() as *const __m128i);
            for l in 0..LANES {
                let msg = _mm_add_epi32(m[I % 4][l], k);
                s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], msg);
                s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32(msg, 0x0E));
            }
            if I < 12 {
                // W[t..t+4] for t = 4(I+4): W[t-16] + σ0(W[t-15..]) + W[t-7..] + σ1(W[t-2..]).
                for l in 0..LANES {
                    let t = _mm_sha256msg1_epu32(m[I % 4][l], m[(I + 1) % 4][l]);
                    let t = _mm_add_epi32(t, _mm_alignr_epi8(m[(I + 3) % 4][l], m[(I + 2) % 4][l], 4));
                    m[I % 4][l] = _mm_sha256msg2_epu32(t, m[(I + 3) % 4][l]);
                }
            }
        }};
    }
    group!(0);
    group!(1);
    group!(2);
    group!(3);
    group!(4);
    group!(5);
    group!(6);
    group!(7);
    group!(8);
    group!(9);
    group!(10);
    group!(11);
    group!(12);
    group!(13);
    group!(14);
    group!(15);
    for l in 0..LANES {
        let abef = _mm_add_epi32(s0[l], save0[l]);
        let cdgh = _mm_add_epi32(s1[l], save1[l]);
        let feba = _mm_shuffle_epi32(abef, 0x1B);
        let dchg = _mm_shuffle_epi32(cdgh, 0xB1);
        let dcba = _mm_blend_epi16(feba, dchg, 0xF0);
        let hgfe = _mm_alignr_epi8(dchg, feba, 8);
        _mm_storeu_si128(states[l].as_mut_ptr() as *mut __m128i, dcba);
        _mm_storeu_si128(states[l][4..].as_mut_ptr() as *mut __m128i, hgfe);
    }
}

/// Final states of the TREZ digests of 4 nonces. Caller guarantees SHA-NI (see module docs).
pub(crate) fn digest_sha_ni(mid: &Midstate, nonces: [u64; LANES]) -> [[u32; 8]; LANES] {
    let bc = block_count_words(mid.block_count);
    let mut inner = [IV; LANES];
    let blocks = nonces.map(inner_words);
    // SAFETY: reached only when `has_sha_ni()` (module docs).
    unsafe { compress_sha_ni(&mut inner, &blocks) };
    let mut outer = [mid.state; LANES];
    let blocks = [0, 1, 2, 3].map(|l| outer_words(bc, &inner[l]));
    // SAFETY: as above.
    unsafe { compress_sha_ni(&mut outer, &blocks) };
    outer
}

pub(crate) fn scan_sha_ni(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    let mut n = start;
    let end = start + count;
    while n < end {
        let nonces = [n, n + 1, n + 2, n + 3];
        let out = digest_sha_ni(mid, nonces);
        for l in 0..LANES {
            if prefilter(out[l][5], bits) {
                found.push(nonces[l]);
            }
        }
        n += LANES as u64;
    }
}

pub(crate) fn raw_sha_ni(mid: &Midstate, count: u64) -> u32 {
    let mut acc = 0u32;
    for i in 0..count.div_ceil(LANES as u64) {
        // The two compressions per nonce alone (4 interleaved), no prefilter or candidate handling.
        let n = i * LANES as u64;
        acc ^= digest_sha_ni(mid, [n, n + 1, n + 2, n + 3])[0][5];
    }
    acc
}

// ---------------------------------------------------------------------------------------------------------
// AVX-512F: 16 lanes, one nonce per 32-bit lane.

const W16: usize = 16;

#[inline(always)]
unsafe fn splat(x: u32) -> __m512i {
    _mm512_set1_epi32(x as i32)
}

#[inline(always)]
unsafe fn xor3(a: __m512i, b: __m512i, c: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0x96>(a, b, c)
}

/// 16 compressions, one per lane: `state` and `w` are word-sliced (vector i = word i of every lane). The 64
/// rounds are unrolled by a macro so the message schedule and working variables stay in the 32 vector
/// registers (a rolled loop indexes `w` through memory).
#[target_feature(enable = "avx512f")]
unsafe fn compress_avx512(state: &mut [__m512i; 8], w: &mut [__m512i; 16]) {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    macro_rules! round {
        ($t:expr) => {{
            const T: usize = $t;
            if T >= 16 {
                let w15 = w[(T + 1) % 16];
                let w2 = w[(T + 14) % 16];
                let s0 = xor3(_mm512_ror_epi32::<7>(w15), _mm512_ror_epi32::<18>(w15), _mm512_srli_epi32::<3>(w15));
                let s1 = xor3(_mm512_ror_epi32::<17>(w2), _mm512_ror_epi32::<19>(w2), _mm512_srli_epi32::<10>(w2));
                w[T % 16] = _mm512_add_epi32(_mm512_add_epi32(w[T % 16], s0), _mm512_add_epi32(w[(T + 9) % 16], s1));
            }
            let s1 = xor3(_mm512_ror_epi32::<6>(e), _mm512_ror_epi32::<11>(e), _mm512_ror_epi32::<25>(e));
            let ch = _mm512_ternarylogic_epi32::<0xCA>(e, f, g);
            let t1 = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(h, s1), _mm512_add_epi32(ch, splat(K[T]))), w[T % 16]);
            let s0 = xor3(_mm512_ror_epi32::<2>(a), _mm512_ror_epi32::<13>(a), _mm512_ror_epi32::<22>(a));
            let maj = _mm512_ternarylogic_epi32::<0xE8>(a, b, c);
            h = g;
            g = f;
            f = e;
            e = _mm512_add_epi32(d, t1);
            d = c;
            c = b;
            b = a;
            a = _mm512_add_epi32(t1, _mm512_add_epi32(s0, maj));
        }};
    }
    macro_rules! rounds8 {
        ($base:expr) => {
            round!($base);
            round!($base + 1);
            round!($base + 2);
            round!($base + 3);
            round!($base + 4);
            round!($base + 5);
            round!($base + 6);
            round!($base + 7);
        };
    }
    rounds8!(0);
    rounds8!(8);
    rounds8!(16);
    rounds8!(24);
    rounds8!(32);
    rounds8!(40);
    rounds8!(48);
    rounds8!(56);
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = _mm512_add_epi32(*s, v);
    }
}

/// Byte-swap every 32-bit lane (big-endian message words from little-endian nonce bytes). AVX-512BW.
#[inline(always)]
unsafe fn bswap32(x: __m512i) -> __m512i {
    let idx = _mm512_set_epi8(
        12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8,
        9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
    );
    _mm512_shuffle_epi8(x, idx)
}

/// Word-sliced final states of nonces `base .. base + 16`.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn states_avx512(mid: &Midstate, base: u64) -> [__m512i; 8] {
    let (w0, w1) = if (base as u32) <= u32::MAX - (W16 as u32 - 1) {
        // The low word does not wrap within the step: lanes are base_lo + 0..16 with one shared high word.
        let lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        let lo = _mm512_add_epi32(splat(base as u32), lanes);
        (bswap32(lo), splat(((base >> 32) as u32).swap_bytes()))
    } else {
        let mut lo = [0u32; W16];
        let mut hi = [0u32; W16];
        for i in 0..W16 {
            let n = base.wrapping_add(i as u64);
            lo[i] = (n as u32).swap_bytes();
            hi[i] = ((n >> 32) as u32).swap_bytes();
        }
        (_mm512_loadu_si512(lo.as_ptr() as *const _), _mm512_loadu_si512(hi.as_ptr() as *const _))
    };
    let mut w = [splat(0); 16];
    w[0] = w0;
    w[1] = w1;
    w[2] = splat(0x8000_0000);
    w[15] = splat(64);
    let mut inner = IV.map(|x| splat(x));
    compress_avx512(&mut inner, &mut w);

    let bc = block_count_words(mid.block_count);
    let mut w = [splat(0); 16];
    w[0] = splat(bc[0]);
    w[1] = splat(bc[1]);
    w[2..10].copy_from_slice(&inner);
    w[10] = splat(0x8000_0000);
    w[15] = splat(832);
    let mut outer = mid.state.map(|x| splat(x));
    compress_avx512(&mut outer, &mut w);
    outer
}

/// Lanes whose h5 passes the prefilter for `bits` (see `super::prefilter`), as a bit mask.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn prefilter_mask(h5: __m512i, bits: u32) -> u16 {
    let b = bits.min(32);
    if b == 0 {
        return u16::MAX;
    }
    // leading_zeros(bswap(h5)) >= b  <=>  bswap(h5) < 2^(32-b)  (b = 32: bswap(h5) == 0).
    let x = bswap32(h5);
    if b == 32 {
        _mm512_cmpeq_epi32_mask(x, splat(0))
    } else {
        _mm512_cmplt_epu32_mask(x, splat(1u32 << (32 - b)))
    }
}

/// Final states of nonces `base .. base + 16`, lane-major. Caller guarantees AVX-512F.
pub(crate) fn digest_avx512(mid: &Midstate, base: u64) -> Vec<[u32; 8]> {
    let mut words = [[0u32; W16]; 8];
    // SAFETY: reached only when `has_avx512()`; stores write 16 u32 into arrays of 16.
    unsafe {
        let st = states_avx512(mid, base);
        for (i, v) in st.iter().enumerate() {
            _mm512_storeu_si512(words[i].as_mut_ptr() as *mut _, *v);
        }
    }
    (0..W16).map(|l| core::array::from_fn(|i| words[i][l])).collect()
}

pub(crate) fn scan_avx512(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
    let mut n = start;
    let end = start + count;
    while n < end {
        // SAFETY: reached only when `has_avx512()` (AVX-512F and BW).
        let mut mask = unsafe { prefilter_mask(states_avx512(mid, n)[5], bits) };
        while mask != 0 {
            found.push(n + mask.trailing_zeros() as u64);
            mask &= mask - 1;
        }
        n += W16 as u64;
    }
}

pub(crate) fn raw_avx512(mid: &Midstate, count: u64) -> u32 {
    let mut out = [0u32; W16];
    // SAFETY: reached only when `has_avx512()`; the store writes 16 u32 into an array of 16.
    unsafe {
        let mut acc = splat(0);
        for i in 0..count.div_ceil(W16 as u64) {
            // The two compressions per nonce alone: no prefilter, no candidate handling, no chunk loop.
            let st = states_avx512(mid, i * W16 as u64);
            acc = _mm512_xor_si512(acc, st[5]);
        }
        _mm512_storeu_si512(out.as_mut_ptr() as *mut _, acc);
    }
    out[0]
}
