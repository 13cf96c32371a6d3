//! Known answers (`vectors/pow.json`, a copy of `../shared/vectors/pow.json` generated with the pool guide's
//! Python) and properties: `Midstate` == `digest`, and the sha2 path == Solana's `hashv` (the on-chain path).

use proptest::prelude::*;
use serde::Deserialize;
use trez_pow::*;

#[derive(Deserialize)]
struct Vector {
    challenge: String,
    miner: String,
    block_count: u64,
    nonce: u64,
    digest: String,
    zero_bits: u32,
}

fn arr32(s: &str) -> [u8; 32] {
    hex::decode(s).expect("hex").try_into().expect("32 bytes")
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("../vectors/pow.json")).expect("vectors parse")
}

/// The on-chain path: Solana's `hashv` (the syscall on SBF, sha2 natively).
fn syscall_path(challenge: &[u8; 32], key: &[u8; 32], block_count: u64, nonce: u64) -> [u8; 32] {
    trez_pow::solana::digest(challenge, key, block_count, nonce)
}

/// The preimage layout hashed in one piece equals the syscall's piecewise hash.
#[test]
fn preimage_layout_matches_the_piecewise_hash() {
    use sha2::{Digest, Sha256};
    let (c, k) = ([1u8; 32], [2u8; 32]);
    let whole: [u8; 32] = Sha256::digest(preimage(&c, &k, 9, &nonce_hash(5))).into();
    assert_eq!(whole, syscall_path(&c, &k, 9, 5));
}

#[test]
fn every_shared_vector_is_reproduced_by_every_path() {
    let vs = vectors();
    assert!(vs.len() >= 10, "expected the full vector file, got {}", vs.len());
    for (i, v) in vs.iter().enumerate() {
        let (c, m, want) = (arr32(&v.challenge), arr32(&v.miner), arr32(&v.digest));
        assert_eq!(digest(&c, &m, v.block_count, v.nonce), want, "vector {i}: digest");
        assert_eq!(Midstate::new(&c, &m, v.block_count).digest(v.nonce), want, "vector {i}: midstate");
        assert_eq!(syscall_path(&c, &m, v.block_count, v.nonce), want, "vector {i}: hashv");
        assert_eq!(zero_bits(&want), v.zero_bits, "vector {i}: zero_bits");
        assert!(meets_difficulty(&want, v.zero_bits), "vector {i}");
        assert!(!meets_difficulty(&want, v.zero_bits + 1), "vector {i}");
    }
}

#[test]
fn the_repo_copy_of_the_vectors_matches_the_shared_file_when_present() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/pow.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let a: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b: serde_json::Value = serde_json::from_str(include_str!("../vectors/pow.json")).unwrap();
        assert_eq!(a, b, "crates/pow/vectors/pow.json differs from {}", shared.display());
    } else {
        eprintln!("skipped: {} not present (clean clone)", shared.display());
    }
}

fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(1u64), Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn midstate_equals_digest(c in any::<[u8; 32]>(), k in any::<[u8; 32]>(), bc in edge_u64(), n in edge_u64()) {
        let want = digest(&c, &k, bc, n);
        prop_assert_eq!(Midstate::new(&c, &k, bc).digest(n), want);
        prop_assert_eq!(syscall_path(&c, &k, bc, n), want);
    }

    #[test]
    fn top64_is_exact_for_small_difficulties(c in any::<[u8; 32]>(), n in any::<u64>(), bits in 0u32..=64) {
        let d = digest(&c, &[7; 32], 3, n);
        prop_assert_eq!(top64(&d).leading_zeros() >= bits, meets_difficulty(&d, bits));
    }
}
