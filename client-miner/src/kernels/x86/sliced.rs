//! The word-sliced SHA-256 body shared by the AVX2 (8 lanes) and AVX-512 (16 lanes) kernels: one nonce per
//! 32-bit lane, vector `i` = word `i` of every lane.
//!
//! [`sliced_kernel!`] expands, inside a module that defines the vector type `V`, the lane count `LANES` and
//! the primitives `splat`, `add`, `bsig0`, `bsig1`, `ssig0`, `ssig1`, `ch`, `maj`, `bswap`, `lane_offsets`,
//! `load`, `store`, `mask_zero`, into that module's `scan`, `states` and `raw`. The whole digest is inlined
//! into each `#[target_feature]` entry point, so the compiler sees every message word:
//! - constant message words (inner W2..W15, outer W0, W1, W10..W15) fold into the schedule and the round
//!   constants;
//! - the outer block's rounds 0 and 1 depend only on the job and are hoisted out of the nonce loop;
//! - `scan` reads only h5 = F after round 64 = E after round 63, so round 64 and the `A` half of rounds
//!   60..63 are dead code there and not computed.

macro_rules! sliced_kernel {
    ($features:literal) => {
        /// Rounds `START..64` of SHA-256 on every lane from the working variables `work` (the state after
        /// round `START`), then the feed-forward into `state`; message schedule in place (`w` is W[t mod 16],
        /// W0..W15 given). Unrolled by a macro so the working variables and the schedule stay in registers
        /// where they fit.
        #[inline(always)]
        unsafe fn compress<const START: usize>(state: &mut [V; 8], work: [V; 8], w: &mut [V; 16]) {
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = work;
            macro_rules! round {
                ($t:expr) => {{
                    const T: usize = $t;
                    if T < START {
                        // Run once per job (`super::super::rounds_prefix`).
                    } else {
                    if T >= 16 {
                        let s0 = ssig0(w[(T + 1) % 16]);
                        let s1 = ssig1(w[(T + 14) % 16]);
                        w[T % 16] = add(add(w[T % 16], s0), add(w[(T + 9) % 16], s1));
                    }
                    let t1 = add(add(add(h, bsig1(e)), add(ch(e, f, g), splat(K[T]))), w[T % 16]);
                    let t2 = add(bsig0(a), maj(a, b, c));
                    h = g;
                    g = f;
                    f = e;
                    e = add(d, t1);
                    d = c;
                    c = b;
                    b = a;
                    a = add(t1, t2);
                    }
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
                *s = add(*s, v);
            }
        }

        /// Inner message words W0, W1 of nonces `base .. base + LANES` (wrapping).
        #[inline(always)]
        unsafe fn nonce_words(base: u64) -> (V, V) {
            if (base as u32) <= u32::MAX - (LANES as u32 - 1) {
                // The low word does not wrap within the step: lanes are base_lo + 0..LANES, one high word.
                (bswap(add(splat(base as u32), lane_offsets())), splat(((base >> 32) as u32).swap_bytes()))
            } else {
                let mut lo = [0u32; LANES];
                let mut hi = [0u32; LANES];
                for i in 0..LANES {
                    let w = inner_words(base.wrapping_add(i as u64));
                    lo[i] = w[0];
                    hi[i] = w[1];
                }
                (load(&lo), load(&hi))
            }
        }

        /// Word-sliced final states of the nonces whose inner words W0, W1 are `(w0, w1)`.
        #[inline(always)]
        unsafe fn digests(mid: &Midstate, w0: V, w1: V) -> [V; 8] {
            let mut w = [splat(0); 16];
            w[0] = w0;
            w[1] = w1;
            w[2] = splat(0x8000_0000);
            w[15] = splat(64);
            let mut inner = IV.map(|x| splat(x));
            let iv = inner;
            compress::<0>(&mut inner, iv, &mut w);

            let bc = block_count_words(mid.block_count);
            let mut w = [splat(0); 16];
            w[0] = splat(bc[0]);
            w[1] = splat(bc[1]);
            w[2..10].copy_from_slice(&inner);
            w[10] = splat(0x8000_0000);
            w[15] = splat(832);
            // Outer rounds 0 and 1 read only W0, W1 (block_count) and the midstate: once per job.
            let mut outer = mid.state.map(|x| splat(x));
            let work = rounds_prefix(mid.state, &bc).map(|x| splat(x));
            compress::<2>(&mut outer, work, &mut w);
            outer
        }

        #[target_feature(enable = $features)]
        unsafe fn scan_impl(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
            // h5 passes the prefilter iff bswap(h5) has `bits` leading zeros iff h5 & bswap(top `bits` bits) == 0.
            let b = bits.min(32);
            let top = if b == 0 { 0 } else { u32::MAX << (32 - b) };
            let filter = splat(top.swap_bytes());
            let mut n = start;
            let end = start + count;
            while n < end {
                let (w0, w1) = nonce_words(n);
                let mut mask = mask_zero(digests(mid, w0, w1)[5], filter);
                while mask != 0 {
                    found.push(n + mask.trailing_zeros() as u64);
                    mask &= mask - 1;
                }
                n += LANES as u64;
            }
        }

        #[target_feature(enable = $features)]
        unsafe fn states_impl(mid: &Midstate, base: u64) -> [[u32; LANES]; 8] {
            let (w0, w1) = nonce_words(base);
            digests(mid, w0, w1).map(|v| store(v))
        }

        #[target_feature(enable = $features)]
        unsafe fn raw_impl(mid: &Midstate, count: u64) -> u32 {
            let mut acc = splat(0);
            let mut n = 0u64;
            while n < count {
                let (w0, w1) = nonce_words(n);
                acc = add(acc, digests(mid, w0, w1)[5]);
                n += LANES as u64;
            }
            store(acc)[0]
        }

        /// Append to `found` the nonces of `start .. start + count` (a multiple of `LANES`) whose h5 passes the
        /// prefilter for `bits`, ascending. Caller guarantees the CPU features (module docs of `x86`).
        pub(crate) fn scan(mid: &Midstate, start: u64, count: u64, bits: u32, found: &mut Vec<u64>) {
            // SAFETY: reached only when the features were detected (module docs of `x86`).
            unsafe { scan_impl(mid, start, count, bits, found) }
        }

        /// Final states of nonces `base .. base + LANES`, lane-major. Caller guarantees the CPU features.
        pub(crate) fn states(mid: &Midstate, base: u64) -> Vec<[u32; 8]> {
            // SAFETY: as above.
            let words = unsafe { states_impl(mid, base) };
            (0..LANES).map(|l| core::array::from_fn(|i| words[i][l])).collect()
        }

        /// The two compressions per nonce for `count` nonces with no prefilter or candidate handling (h5 is
        /// all the output used, as in `scan`). Caller guarantees the CPU features.
        pub(crate) fn raw(mid: &Midstate, count: u64) -> u32 {
            // SAFETY: as above.
            unsafe { raw_impl(mid, count) }
        }
    };
}

pub(crate) use sliced_kernel;
