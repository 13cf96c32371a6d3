//! Attribution: what signing every share costs (docs/SPEC.md, "Share signatures"). Measured in one process
//! against a baseline the relayer already pays per share, the share's proof-of-work digest (one
//! `trez_pow::digest`): the miner's ed25519 signature per share, the relayer's strict verification per share
//! (the wallet's point decompressed once per connection, as the session does), and the bytes the signature
//! adds to a published window share; and the receipt on every accepted ack (docs/SPEC.md §10): the relayer's
//! signature, the miner's check, and the bytes it adds to the ack and to the miner's receipts file.

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
    /// The relayer's receipt per accepted share (docs/SPEC.md §10), microseconds, and ÷ the digest.
    pub receipt_sign_us: f64,
    pub receipt_sign_ratio: f64,
    /// The miner's check of a receipt, microseconds, and ÷ the digest.
    pub receipt_verify_us: f64,
    pub receipt_verify_ratio: f64,
    /// An accepted `ack` frame, bytes, without and with its receipt; a line of the receipts file, bytes.
    pub ack_bytes_plain: usize,
    pub ack_bytes_receipt: usize,
    pub receipt_line_bytes: usize,
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
    let receipts = trez_protocol::ReceiptSigner::new(&[9u8; 32]);
    let fields = |i: u64| trez_protocol::ReceiptFields {
        pool,
        wallet,
        challenge: trez_protocol::Hex32(challenge),
        block_count: 9,
        nonce: i,
        share_bits: 20,
        seq: 1_000_000 + i,
        time_ms: 1_796_198_400_000 + i,
    };
    let receipt_sign_us = per_share_us(n, |i| receipts.sign(&fields(i)).0[0] == 0);
    let signed: Vec<trez_protocol::Receipt> = (0..n).map(|i| trez_protocol::Receipt { fields: fields(i), relayer: receipts.relayer(), signature: receipts.sign(&fields(i)) }).collect();
    let receipt_verify_us = per_share_us(n, |i| signed[i as usize].verify());
    let ack = |receipt| trez_protocol::encode(&trez_protocol::ServerMsg::Ack { id: 123_456, accepted: true, reason: None, block: false, receipt });
    let ack_bytes_plain = ack(None).len();
    let r0 = &signed[0];
    let ack_bytes_receipt = ack(Some(trez_protocol::AckReceipt { seq: r0.fields.seq, time_ms: r0.fields.time_ms, signature: r0.signature })).len();
    let receipt_line_bytes = serde_json::to_string(r0)?.len() + 1;
    let r = AttributionResults {
        shares: n,
        digest_us,
        sign_us,
        sign_ratio: sign_us / digest_us,
        verify_us,
        verify_ratio: verify_us / digest_us,
        record_bytes_unsigned,
        record_bytes_signed,
        receipt_sign_us,
        receipt_sign_ratio: receipt_sign_us / digest_us,
        receipt_verify_us,
        receipt_verify_ratio: receipt_verify_us / digest_us,
        ack_bytes_plain,
        ack_bytes_receipt,
        receipt_line_bytes,
    };
    println!("  per share: digest {:.2} µs (baseline); sign {:.2} µs ({:.1}×); verify {:.2} µs ({:.1}×)", r.digest_us, r.sign_us, r.sign_ratio, r.verify_us, r.verify_ratio);
    println!("  window share in the export: {} bytes unsigned, {} signed (+{})", r.record_bytes_unsigned, r.record_bytes_signed, r.record_bytes_signed - r.record_bytes_unsigned);
    println!(
        "  receipt per accepted share: relayer signs {:.2} µs ({:.1}×), miner verifies {:.2} µs ({:.1}×); ack {} bytes, {} with the receipt; {} bytes per line in the receipts file",
        r.receipt_sign_us, r.receipt_sign_ratio, r.receipt_verify_us, r.receipt_verify_ratio, r.ack_bytes_plain, r.ack_bytes_receipt, r.receipt_line_bytes
    );
    Ok(r)
}
