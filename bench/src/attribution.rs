//! Attribution: what signing every share costs (docs/SPEC.md, "Share signatures"). Measured in one process
//! against a baseline the relayer already pays per share, the share's proof-of-work digest (one
//! `trez_pow::digest`): the miner's ed25519 signature per share, the relayer's strict verification per share
//! (the wallet's point decompressed once per connection, as the session does), and the bytes the signature
//! adds to a published window share.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
use trez_protocol::{Key, ShareSigner, ShareVerifier};

#[derive(Serialize, Debug)]
pub struct AttributionResults {
    pub shares: u64,
    /// One share's proof-of-work digest (the baseline), microseconds.
    pub digest_us: f64,
    /// The miner's signature per share, microseconds, and ÷ the digest.
    pub sign_us: f64,
    pub sign_ratio: f64,
    /// The relayer's verification per share, microseconds, and ÷ the digest.
    pub verify_us: f64,
    pub verify_ratio: f64,
    /// A window share in the export (JSON), bytes, without and with its signature.
    pub record_bytes_unsigned: usize,
    pub record_bytes_signed: usize,
}

fn per_share_us(n: u64, f: impl FnMut(u64) -> bool) -> f64 {
    let mut f = f;
    let t = Instant::now();
    let mut ok = 0u64;
    for i in 0..n {
        ok += f(i) as u64;
    }
    std::hint::black_box(ok);
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

pub fn run() -> Result<AttributionResults> {
    println!("\n== attribution (one signature per share) ==");
    let n = 20_000u64;
    let (pool, challenge, secret) = (Key([3; 32]), [5u8; 32], [7u8; 32]);
    let signer = ShareSigner::new(&secret);
    let wallet = Key(trez_protocol::sign_auth(&secret, &pool, &trez_protocol::Hex32([0; 32]), "w").0 .0);
    let verifier = ShareVerifier::new(&wallet).map_err(anyhow::Error::msg)?;
    let digest_us = per_share_us(n, |i| trez_pow::digest(&challenge, &pool.0, 9, i)[0] == 0);
    let sigs: Vec<_> = (0..n).map(|i| signer.sign(&pool, &challenge, 9, i, 20)).collect();
    let sign_us = per_share_us(n, |i| signer.sign(&pool, &challenge, 9, i, 20).0[0] == 0);
    let verify_us = per_share_us(n, |i| verifier.verify(&pool, &challenge, 9, i, 20, &sigs[i as usize]));
    let mut share = trez_relayer::export::WindowShare {
        seq: 123_456,
        wallet: solana_sdk::pubkey::Pubkey::new_from_array(wallet.0).to_string(),
        challenge: hex::encode(challenge),
        block_count: 1_234,
        nonce: 9_876_543_210,
        bits: 20,
        weight: (1u128 << 20).to_string(),
        signature: None,
    };
    let record_bytes_unsigned = serde_json::to_string(&share)?.len();
    share.signature = Some(bs58::encode(sigs[0].0).into_string());
    let record_bytes_signed = serde_json::to_string(&share)?.len();
    let r = AttributionResults {
        shares: n,
        digest_us,
        sign_us,
        sign_ratio: sign_us / digest_us,
        verify_us,
        verify_ratio: verify_us / digest_us,
        record_bytes_unsigned,
        record_bytes_signed,
    };
    println!("  per share: digest {:.2} µs (baseline); sign {:.2} µs ({:.1}×); verify {:.2} µs ({:.1}×)", r.digest_us, r.sign_us, r.sign_ratio, r.verify_us, r.verify_ratio);
    println!("  window share in the export: {} bytes unsigned, {} signed (+{})", r.record_bytes_unsigned, r.record_bytes_signed, r.record_bytes_signed - r.record_bytes_unsigned);
    Ok(r)
}
