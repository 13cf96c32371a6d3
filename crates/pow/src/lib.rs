//! # trez-pow: the TREZ proof of work, the one implementation
//!
//! Every hashing path of the project (the on-chain TREZ replica, the relayer's share validator, the miner
//! kernels, the audit) derives from the definitions here, and all of them reproduce the known answers in
//! `../shared/vectors/pow.json`, which were generated with the TREZ pool guide's own Python.
//!
//! ```text
//! digest = SHA256( challenge[32] || miner_key[32] || block_count u64 LE || SHA256(nonce u64 LE) )
//! ```
//!
//! Difficulty is counted in **bits**: [`zero_bits`] is the number of leading zero bits of `digest[0..24]` read
//! as a **little-endian** 192-bit integer (the high bits of byte 23, then byte 22, ...). A digest meets
//! difficulty `d` iff `zero_bits >= d`, which is the guide's `(u192 >> (192 - d)) == 0` for `0 <= d <= 192`.
//!
//! `challenge || miner_key` is exactly one 64-byte SHA-256 block, so [`Midstate`] compresses it once per job;
//! after that a nonce costs two compressions: the inner `SHA256(nonce)` (one block) and the outer second block
//! (`block_count || inner || padding`).
//!
//! Layout:
//! - always available (no dependencies, usable on-chain): [`preimage`], [`zero_bits`], [`meets_difficulty`],
//!   [`top64`], the block builders [`inner_block`] / [`outer_block`] and the SHA-256 constants [`IV`].
//! - feature `sha2` (default, off-chain): [`digest`], [`nonce_hash`] and [`Midstate`]. On-chain code disables
//!   the feature.
//! - feature `solana` (on-chain): [`solana::digest`], the same digest through the `sol_sha256` syscall; a
//!   test checks it agrees with the sha2 path on every vector.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

/// Length of the TREZ challenge (`State.challenge_number`), bytes.
pub const CHALLENGE_LEN: usize = 32;
/// Length of the miner key (an ed25519 public key or a PDA), bytes.
pub const KEY_LEN: usize = 32;
/// Length of the outer preimage: challenge 32 + miner key 32 + block_count 8 + SHA256(nonce) 32.
pub const PREIMAGE_LEN: usize = 104;
/// The highest difficulty that exists, in bits: the 192-bit integer is all zero.
pub const MAX_BITS: u32 = 192;

/// The known-answer vectors (`vectors/pow.json`, a copy of `../shared/vectors/pow.json`, generated with the
/// TREZ pool guide's Python): a JSON array of `{challenge, miner, block_count, nonce, digest, zero_bits}`.
pub const VECTORS_JSON: &str = include_str!("../vectors/pow.json");

/// SHA-256 initial hash value (FIPS 180-4 §5.3.3).
pub const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The outer preimage, 104 bytes: `challenge || miner_key || block_count (u64 LE) || nonce_hash`, where
/// `nonce_hash = SHA256(nonce u64 LE)`. On-chain code hashes this with the syscall.
pub fn preimage(
    challenge: &[u8; CHALLENGE_LEN],
    miner_key: &[u8; KEY_LEN],
    block_count: u64,
    nonce_hash: &[u8; 32],
) -> [u8; PREIMAGE_LEN] {
    let mut out = [0u8; PREIMAGE_LEN];
    out[..32].copy_from_slice(challenge);
    out[32..64].copy_from_slice(miner_key);
    out[64..72].copy_from_slice(&block_count.to_le_bytes());
    out[72..].copy_from_slice(nonce_hash);
    out
}

/// Leading zero bits of `digest[0..24]` as a little-endian 192-bit integer, in `0..=192`.
pub fn zero_bits(digest: &[u8; 32]) -> u32 {
    let mut bits = 0;
    for &byte in digest[..24].iter().rev() {
        if byte != 0 {
            return bits + byte.leading_zeros();
        }
        bits += 8;
    }
    bits
}

/// Whether `digest` meets a difficulty of `bits` leading zero bits: true for 0, false above 192.
pub fn meets_difficulty(digest: &[u8; 32], bits: u32) -> bool {
    bits <= MAX_BITS && zero_bits(digest) >= bits
}

/// The top 64 bits of the 192-bit integer (`digest[16..24]` little-endian). For `bits <= 64`,
/// `top64(d).leading_zeros() >= bits` is exactly [`meets_difficulty`]; miners use it as their one integer
/// compare per nonce.
pub fn top64(digest: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[16..24]);
    u64::from_le_bytes(b)
}

/// The single padded SHA-256 block of `SHA256(nonce u64 LE)`: 8 message bytes, `0x80`, zeros, bit length 64.
pub fn inner_block(nonce: u64) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..8].copy_from_slice(&nonce.to_le_bytes());
    block[8] = 0x80;
    block[56..].copy_from_slice(&64u64.to_be_bytes());
    block
}

/// The second (last) padded block of the outer hash: `block_count (u64 LE) || nonce_hash || 0x80 || zeros ||
/// bit length 832` (the whole preimage is 104 bytes; the first block is `challenge || miner_key`).
pub fn outer_block(block_count: u64, nonce_hash: &[u8; 32]) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..8].copy_from_slice(&block_count.to_le_bytes());
    block[8..40].copy_from_slice(nonce_hash);
    block[40] = 0x80;
    block[56..].copy_from_slice(&((PREIMAGE_LEN as u64) * 8).to_be_bytes());
    block
}

/// Big-endian serialisation of a SHA-256 state: the digest bytes.
pub fn state_to_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(feature = "sha2")]
mod hashing {
    use super::*;
    use sha2::digest::generic_array::GenericArray;
    use sha2::{Digest, Sha256};

    fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
        sha2::compress256(state, core::slice::from_ref(GenericArray::from_slice(block)));
    }

    /// `SHA256(nonce u64 LE)`.
    pub fn nonce_hash(nonce: u64) -> [u8; 32] {
        Sha256::digest(nonce.to_le_bytes()).into()
    }

    /// The TREZ digest of `(challenge, miner_key, block_count, nonce)`; the reference every other path is
    /// tested against. In a pool, `miner_key` is the pool's authority PDA.
    pub fn digest(challenge: &[u8; 32], miner_key: &[u8; 32], block_count: u64, nonce: u64) -> [u8; 32] {
        Sha256::digest(preimage(challenge, miner_key, block_count, &nonce_hash(nonce))).into()
    }

    /// The SHA-256 state after the first 64-byte block `challenge || miner_key`, computed once per job,
    /// plus the job's `block_count`. [`Midstate::digest`] equals [`digest`] for every nonce.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Midstate {
        /// SHA-256 chaining value after `challenge || miner_key`.
        pub state: [u32; 8],
        /// The TREZ `block_count` the job is for.
        pub block_count: u64,
    }

    impl Midstate {
        /// Compress `challenge || miner_key` once.
        pub fn new(challenge: &[u8; 32], miner_key: &[u8; 32], block_count: u64) -> Self {
            let mut block = [0u8; 64];
            block[..32].copy_from_slice(challenge);
            block[32..].copy_from_slice(miner_key);
            let mut state = IV;
            compress(&mut state, &block);
            Midstate { state, block_count }
        }

        /// The digest for `nonce`: two compressions.
        pub fn digest(&self, nonce: u64) -> [u8; 32] {
            let mut inner = IV;
            compress(&mut inner, &inner_block(nonce));
            let mut outer = self.state;
            compress(&mut outer, &outer_block(self.block_count, &state_to_bytes(&inner)));
            state_to_bytes(&outer)
        }
    }
}

#[cfg(feature = "sha2")]
pub use hashing::{digest, nonce_hash, Midstate};

/// The on-chain path: the same digest through Solana's `sol_sha256` syscall (two calls; natively the
/// `solana-sha256-hasher` crate computes it with sha2). Tested equal to [`digest`] on every vector.
#[cfg(feature = "solana")]
pub mod solana {
    use solana_sha256_hasher::hashv;

    /// `SHA256(challenge || miner_key || block_count LE || SHA256(nonce LE))` via the syscall.
    pub fn digest(challenge: &[u8; 32], miner_key: &[u8; 32], block_count: u64, nonce: u64) -> [u8; 32] {
        let inner = hashv(&[&nonce.to_le_bytes()]).to_bytes();
        hashv(&[challenge, miner_key, &block_count.to_le_bytes(), &inner]).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_with_top(top: [u8; 24]) -> [u8; 32] {
        let mut d = [0xffu8; 32];
        d[..24].copy_from_slice(&top);
        d
    }

    #[test]
    fn zero_bits_table() {
        // (bytes 0..24 as LE u192 described by the byte that is non-zero, expected bits)
        let cases: &[(usize, u8, u32)] = &[
            (23, 0x80, 0),
            (23, 0x01, 7),
            (22, 0x80, 8),
            (16, 0x01, 7 * 8 + 7),
            (0, 0x80, 23 * 8),
            (0, 0x01, 23 * 8 + 7),
        ];
        for &(idx, byte, bits) in cases {
            let mut top = [0u8; 24];
            top[idx] = byte;
            let d = digest_with_top(top);
            assert_eq!(zero_bits(&d), bits, "byte {idx} = {byte:#x}");
            assert!(meets_difficulty(&d, bits));
            assert!(!meets_difficulty(&d, bits + 1));
        }
        let zero = digest_with_top([0u8; 24]);
        assert_eq!(zero_bits(&zero), 192);
        assert!(meets_difficulty(&zero, 192));
        assert!(!meets_difficulty(&zero, 193));
        assert!(!meets_difficulty(&zero, u32::MAX));
        let ones = digest_with_top([0xff; 24]);
        assert_eq!(zero_bits(&ones), 0);
        assert!(meets_difficulty(&ones, 0));
        assert!(!meets_difficulty(&ones, 1));
    }

    #[test]
    fn top64_matches_meets_difficulty_up_to_64_bits() {
        for shift in 0..64u32 {
            let mut top = [0u8; 24];
            top[16..24].copy_from_slice(&(u64::MAX >> shift).to_le_bytes());
            let d = digest_with_top(top);
            for bits in 0..=64 {
                assert_eq!(top64(&d).leading_zeros() >= bits, meets_difficulty(&d, bits));
            }
        }
    }

    #[test]
    fn padding_blocks_have_the_sha256_layout() {
        let ib = inner_block(0x0102030405060708);
        assert_eq!(&ib[..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(ib[8], 0x80);
        assert_eq!(u64::from_be_bytes(ib[56..].try_into().unwrap()), 64);
        let ob = outer_block(1, &[0xaa; 32]);
        assert_eq!(ob[0], 1);
        assert_eq!(&ob[8..40], &[0xaa; 32]);
        assert_eq!(ob[40], 0x80);
        assert!(ob[41..56].iter().all(|&b| b == 0));
        assert_eq!(u64::from_be_bytes(ob[56..].try_into().unwrap()), 832);
    }
}
