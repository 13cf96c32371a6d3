//! Hashing kernels: find nonces whose TREZ digest meets a share difficulty.
//!
//! Every kernel uses the per-job midstate of `challenge || miner_key` (`trez_pow::Midstate`), so a nonce costs
//! two SHA-256 compressions: the inner `SHA256(nonce LE)` (one block from the IV) and the outer second block
//! (`block_count || inner || padding` from the midstate). Message words are built directly (no byte
//! shuffling): the inner hash's output words *are* the outer block's words 2..9.
//!
//! A kernel is a cheap filter: it keeps a nonce when the top 32 bits of the little-endian u192 (the
//! byte-swapped state word h5) have at least `min(bits, 32)` leading zeros; every candidate is then checked
//! exactly with `trez_pow` before it is reported, so a kernel bug can only lose shares, never send a bad one
//! (and the equivalence tests guard against that).
//!
//! Kernels, picked at run time by CPU features ([`best`]):
//! - [`Kernel::Avx512`]: 16 nonces per vector (AVX-512F + BW), one lane per nonce;
//! - [`Kernel::ShaNi`]: SHA-NI with 4 independent nonces interleaved (one stream is latency-bound);
//! - [`Kernel::Portable`]: plain Rust, any CPU.
//!
//! All `unsafe` (intrinsics) lives in `x86.rs`.

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

use trez_pow::Midstate;

/// SHA-256 round constants (FIPS 180-4 §4.2.2).
pub(crate) const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Inner block words for `nonce`: W0..W1 the nonce's LE bytes read big-endian, W2 padding, W15 length 64.
#[inline(always)]
pub(crate) fn inner_words(nonce: u64) -> [u32; 16] {
    let mut w = [0u32; 16];
    w[0] = (nonce as u32).swap_bytes();
    w[1] = ((nonce >> 32) as u32).swap_bytes();
    w[2] = 0x8000_0000;
    w[15] = 64;
    w
}

/// Outer block words 0..1 (block_count LE bytes read big-endian); words 2..9 are the inner hash.
#[inline(always)]
pub(crate) fn block_count_words(block_count: u64) -> [u32; 2] {
    [(block_count as u32).swap_bytes(), ((block_count >> 32) as u32).swap_bytes()]
}

/// Outer block: `block_count`, inner state words, `0x80` padding, length 832 bits.
#[inline(always)]
pub(crate) fn outer_words(bc: [u32; 2], inner: &[u32; 8]) -> [u32; 16] {
    let mut w = [0u32; 16];
    w[0] = bc[0];
    w[1] = bc[1];
    w[2..10].copy_from_slice(inner);
    w[10] = 0x8000_0000;
    w[15] = 832;
    w
}

/// Whether the final state word h5 passes the prefilter for `bits` (see module docs).
#[inline(always)]
pub(crate) fn prefilter(h5: u32, bits: u32) -> bool {
    h5.swap_bytes().leading_zeros() >= bits.min(32)
}

/// A hashing kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Plain Rust SHA-256, one nonce at a time.
    Portable,
    /// SHA-NI, 4 nonces interleaved.
    ShaNi,
    /// AVX-512F, 16 nonces per vector.
    Avx512,
}

impl Kernel {
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::ShaNi, Kernel::Portable];

    /// Nonces per kernel step.
    pub fn width(self) -> u64 {
        match self {
            Kernel::Portable => 1,
            Kernel::ShaNi => 4,
            Kernel::Avx512 => 16,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::ShaNi => "sha-ni-4way",
            Kernel::Avx512 => "avx512-16lane",
        }
    }

    /// Whether this CPU can run it.
    pub fn available(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi => x86::has_sha_ni(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86::has_avx512(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Hash nonces `start .. start + count` (wrapping at u64::MAX is not done: the range must fit) and append
    /// those whose digest meets `bits` to `found`, in ascending order. Returns the number of nonces hashed.
    /// Nonces that do not fill a whole step are hashed by the portable path.
    pub fn scan(self, mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) -> u64 {
        let mut candidates = Vec::new();
        let width = if self.available() { self.width() } else { 1 };
        let body = count - count % width;
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi if width == 4 => x86::scan_sha_ni(mid, start, body, bits, &mut candidates),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 if width == 16 => x86::scan_avx512(mid, start, body, bits, &mut candidates),
            _ => portable::scan(mid, start, body, bits, &mut candidates),
        }
        portable::scan(mid, start + body, count - body, bits, &mut candidates);
        found.extend(candidates.into_iter().filter(|&n| trez_pow::meets_difficulty(&mid.digest(n), bits)));
        count
    }

    /// The kernel's bare compression throughput for `count` nonces (the two compressions per nonce, with no
    /// prefilter, candidate handling or chunk bookkeeping): the ceiling `bench` compares the real scan with.
    /// Returns a value to keep the optimizer honest.
    pub fn raw_compressions(self, mid: &Midstate, count: u64) -> u32 {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi if self.available() => x86::raw_sha_ni(mid, count),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 if self.available() => x86::raw_avx512(mid, count),
            _ => portable::raw(mid, count),
        }
    }
}

/// The fastest kernel this CPU can run.
pub fn best() -> Kernel {
    Kernel::ALL.into_iter().find(|k| k.available()).unwrap_or(Kernel::Portable)
}

/// The kernels this CPU can run, fastest first.
pub fn available() -> Vec<Kernel> {
    Kernel::ALL.into_iter().filter(|k| k.available()).collect()
}

/// The digest a kernel computes for one nonce (final state as bytes), for equivalence tests and `selftest`.
pub fn kernel_digest(kernel: Kernel, mid: &Midstate, nonce: u64) -> [u8; 32] {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::ShaNi if kernel.available() => trez_pow::state_to_bytes(&x86::digest_sha_ni(mid, [nonce; 4])[0]),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 if kernel.available() => trez_pow::state_to_bytes(&x86::digest_avx512(mid, nonce)[0]),
        _ => trez_pow::state_to_bytes(&portable::digest_state(mid, nonce)),
    }
}

/// Every lane of a kernel step for nonces `base, base+1, ...` (width of the kernel), as digests.
pub fn kernel_digests(kernel: Kernel, mid: &Midstate, base: u64) -> Vec<[u8; 32]> {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::ShaNi if kernel.available() => {
            let n = [base, base.wrapping_add(1), base.wrapping_add(2), base.wrapping_add(3)];
            x86::digest_sha_ni(mid, n).iter().map(trez_pow::state_to_bytes).collect()
        }
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 if kernel.available() => x86::digest_avx512(mid, base).iter().map(trez_pow::state_to_bytes).collect(),
        _ => vec![trez_pow::state_to_bytes(&portable::digest_state(mid, base))],
    }
}
