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
//! Kernels, picked at run time ([`best`]) by measuring every kernel the CPU can run for a few milliseconds
//! (the fastest interleave or lane count is a property of the CPU, not of its feature flags):
//! - [`Kernel::Avx512`]: 16 nonces per vector (AVX-512F + BW), one lane per nonce;
//! - [`Kernel::ShaNi2`], [`Kernel::ShaNi3`], [`Kernel::ShaNi4`]: SHA-NI with 2, 3 or 4 independent nonces
//!   interleaved (one stream is latency-bound; more streams spill registers);
//! - [`Kernel::Avx2`]: 8 nonces per vector, for x86-64 CPUs with neither SHA-NI nor AVX-512;
//! - [`Kernel::Sha2Crate`]: the `sha2` crate's compression, hardware SHA-256 on ARMv8 (aarch64) and SHA-NI
//!   on x86-64 where present, one stream; also the independent reference `bench` compares kernels with;
//! - [`Kernel::ArmSha2x2`], [`Kernel::ArmSha2x4`]: the ARMv8 SHA-2 instructions with 2 or 4 nonces
//!   interleaved (aarch64);
//! - [`Kernel::Portable`]: plain Rust, any CPU.
//!
//! All `unsafe` (intrinsics) lives in `x86/` and `aarch64.rs`.

#[cfg(target_arch = "aarch64")]
mod aarch64;
mod portable;
mod sha2_crate;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// The working variables after rounds `0..w.len()` (at most 16) of a SHA-256 compression from `state`, whose
/// first message words are `w`: the rounds a job fixes (the outer block's W0, W1 = block_count), run once
/// per job instead of once per nonce. No feed-forward.
#[cfg(target_arch = "x86_64")]
pub(crate) fn rounds_prefix(state: [u32; 8], w: &[u32]) -> [u32; 8] {
    w.iter().take(16).enumerate().fold(state, |v, (t, &wt)| portable::round(v, K[t], wt))
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
    /// `sha2::compress256`, one nonce at a time (hardware SHA-256 where the `sha2` crate detects it).
    Sha2Crate,
    /// AVX2, 8 nonces per vector.
    Avx2,
    /// SHA-NI, 2 nonces interleaved.
    ShaNi2,
    /// SHA-NI, 3 nonces interleaved.
    ShaNi3,
    /// SHA-NI, 4 nonces interleaved.
    ShaNi4,
    /// AVX-512F + BW, 16 nonces per vector.
    Avx512,
    /// ARMv8 SHA-2 instructions, 2 nonces interleaved.
    ArmSha2x2,
    /// ARMv8 SHA-2 instructions, 4 nonces interleaved.
    ArmSha2x4,
}

impl Kernel {
    /// Every kernel this build knows, the ones tried first (when measurements tie) first.
    pub const ALL: [Kernel; 9] = [
        Kernel::Avx512,
        Kernel::ShaNi4,
        Kernel::ShaNi3,
        Kernel::ShaNi2,
        Kernel::Avx2,
        Kernel::ArmSha2x4,
        Kernel::ArmSha2x2,
        Kernel::Sha2Crate,
        Kernel::Portable,
    ];

    /// Nonces per kernel step.
    pub fn width(self) -> u64 {
        match self {
            Kernel::Portable | Kernel::Sha2Crate => 1,
            Kernel::ShaNi2 | Kernel::ArmSha2x2 => 2,
            Kernel::ShaNi3 => 3,
            Kernel::ShaNi4 | Kernel::ArmSha2x4 => 4,
            Kernel::Avx2 => 8,
            Kernel::Avx512 => 16,
        }
    }

    /// The name `--kernel` takes and `bench` prints.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Sha2Crate => "sha2-compress",
            Kernel::Avx2 => "avx2-8lane",
            Kernel::ShaNi2 => "sha-ni-2way",
            Kernel::ShaNi3 => "sha-ni-3way",
            Kernel::ShaNi4 => "sha-ni-4way",
            Kernel::Avx512 => "avx512-16lane",
            Kernel::ArmSha2x2 => "armv8-sha2-2way",
            Kernel::ArmSha2x4 => "armv8-sha2-4way",
        }
    }

    /// The kernel called `name` (see [`Kernel::name`]).
    pub fn from_name(name: &str) -> Option<Kernel> {
        Kernel::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether this CPU can run it.
    pub fn available(self) -> bool {
        match self {
            Kernel::Portable | Kernel::Sha2Crate => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi2 | Kernel::ShaNi3 | Kernel::ShaNi4 => x86::has_sha_ni(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => x86::has_avx2(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86::has_avx512(),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x2 | Kernel::ArmSha2x4 => aarch64::has_sha2(),
            // Another architecture's kernel.
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The kernel that actually runs: `self` when the CPU has it, the portable kernel otherwise (so an
    /// unavailable kernel can never reach its intrinsics).
    fn effective(self) -> Kernel {
        if self.available() {
            self
        } else {
            Kernel::Portable
        }
    }

    /// Candidates (prefilter passes) among `start .. start + count`, `count` a multiple of the width.
    fn scan_body(self, mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
        match self.effective() {
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi2 => x86::sha_ni::scan::<2>(mid, start, count, bits, found),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi3 => x86::sha_ni::scan::<3>(mid, start, count, bits, found),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi4 => x86::sha_ni::scan::<4>(mid, start, count, bits, found),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => x86::avx2::scan(mid, start, count, bits, found),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86::avx512::scan(mid, start, count, bits, found),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x2 => aarch64::scan::<2>(mid, start, count, bits, found),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x4 => aarch64::scan::<4>(mid, start, count, bits, found),
            Kernel::Sha2Crate => sha2_crate::scan(mid, start, count, bits, found),
            _ => portable::scan(mid, start, count, bits, found),
        }
    }

    /// Hash nonces `start .. start + count` (wrapping at u64::MAX is not done: the range must fit) and append
    /// those whose digest meets `bits` to `found`, in ascending order. Returns the number of nonces hashed.
    /// Nonces that do not fill a whole step are hashed by the portable path.
    pub fn scan(self, mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) -> u64 {
        let mut candidates = Vec::new();
        let width = self.effective().width();
        let body = count - count % width;
        self.scan_body(mid, start, body, bits, &mut candidates);
        portable::scan(mid, start + body, count - body, bits, &mut candidates);
        found.extend(candidates.into_iter().filter(|&n| trez_pow::meets_difficulty(&mid.digest(n), bits)));
        count
    }

    /// The final SHA-256 states one kernel step computes for nonces `base, base + 1, …` (wrapping; as many
    /// as the kernel's width), for equivalence tests and `selftest`.
    pub fn states(self, mid: &Midstate, base: u64) -> Vec<[u32; 8]> {
        match self.effective() {
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi2 => x86::sha_ni::states::<2>(mid, lanes(base)).to_vec(),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi3 => x86::sha_ni::states::<3>(mid, lanes(base)).to_vec(),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi4 => x86::sha_ni::states::<4>(mid, lanes(base)).to_vec(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => x86::avx2::states(mid, base),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86::avx512::states(mid, base),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x2 => aarch64::states::<2>(mid, lanes(base)).to_vec(),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x4 => aarch64::states::<4>(mid, lanes(base)).to_vec(),
            Kernel::Sha2Crate => vec![sha2_crate::digest_state(mid, base)],
            _ => vec![portable::digest_state(mid, base)],
        }
    }

    /// The kernel's bare compression throughput for `count` nonces (the two compressions per nonce, with no
    /// prefilter, candidate handling or chunk bookkeeping). Returns a value to keep the optimizer honest.
    pub fn raw_compressions(self, mid: &Midstate, count: u64) -> u32 {
        match self.effective() {
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi2 => x86::sha_ni::raw::<2>(mid, count),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi3 => x86::sha_ni::raw::<3>(mid, count),
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi4 => x86::sha_ni::raw::<4>(mid, count),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => x86::avx2::raw(mid, count),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86::avx512::raw(mid, count),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x2 => aarch64::raw::<2>(mid, count),
            #[cfg(target_arch = "aarch64")]
            Kernel::ArmSha2x4 => aarch64::raw::<4>(mid, count),
            Kernel::Sha2Crate => sha2_crate::raw(mid, count),
            _ => portable::raw(mid, count),
        }
    }

    /// Nonces/s of this kernel on the calling thread, scanning for about `dur` (at 64 bits, so no candidate
    /// is ever re-checked).
    pub fn measure(self, dur: Duration) -> f64 {
        let mid = Midstate::new(&[0x5a; 32], &[0xa5; 32], 1234);
        let mut found = Vec::new();
        let start = Instant::now();
        let mut n = 0u64;
        // Chunks of 1,536 nonces: a multiple of every width (1, 2, 3, 4, 8, 16).
        while start.elapsed() < dur || n == 0 {
            n += self.scan(&mid, n, 1536, 64, &mut found);
        }
        n as f64 / start.elapsed().as_secs_f64()
    }
}

/// Nonces `base, base + 1, …` (wrapping), one per lane.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn lanes<const N: usize>(base: u64) -> [u64; N] {
    core::array::from_fn(|l| base.wrapping_add(l as u64))
}

/// The fastest kernel this CPU runs, measured once per process (about 30 ms per available kernel, on the
/// calling thread; see [`fastest_of`]) and cached.
pub fn best() -> Kernel {
    static BEST: OnceLock<Kernel> = OnceLock::new();
    *BEST.get_or_init(|| fastest(Duration::from_millis(30)))
}

/// The fastest of the available kernels, each measured for `per_kernel`; ties go to the earlier in
/// [`Kernel::ALL`].
pub fn fastest(per_kernel: Duration) -> Kernel {
    fastest_of(&available(), per_kernel)
}

/// The fastest of `kernels` (portable if none is available), measured on the calling thread in 5 alternating
/// rounds of `per_kernel / 5` each, every kernel keeping its best round (so a burst of load from elsewhere
/// does not decide); ties go to the earlier.
pub fn fastest_of(kernels: &[Kernel], per_kernel: Duration) -> Kernel {
    let kernels: Vec<Kernel> = kernels.iter().copied().filter(|k| k.available()).collect();
    let mut rates = vec![0.0f64; kernels.len()];
    for _ in 0..5 {
        for (r, k) in rates.iter_mut().zip(&kernels) {
            *r = r.max(k.measure(per_kernel / 5));
        }
    }
    let mut best = (Kernel::Portable, 0.0);
    for (k, r) in kernels.into_iter().zip(rates) {
        if r > best.1 {
            best = (k, r);
        }
    }
    best.0
}

/// The kernels this CPU can run, in [`Kernel::ALL`] order.
pub fn available() -> Vec<Kernel> {
    Kernel::ALL.into_iter().filter(|k| k.available()).collect()
}

/// The digest a kernel computes for one nonce (final state as bytes), for equivalence tests and `selftest`.
pub fn kernel_digest(kernel: Kernel, mid: &Midstate, nonce: u64) -> [u8; 32] {
    trez_pow::state_to_bytes(&kernel.states(mid, nonce)[0])
}

/// Every lane of a kernel step for nonces `base, base+1, ...` (width of the kernel, wrapping), as digests.
pub fn kernel_digests(kernel: Kernel, mid: &Midstate, base: u64) -> Vec<[u8; 32]> {
    kernel.states(mid, base).iter().map(trez_pow::state_to_bytes).collect()
}
