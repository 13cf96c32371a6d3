//! `selftest`: every kernel this CPU can run against the proof-of-work known answers.

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::kernels::{self, Kernel};

/// One known answer, in the format of `../shared/vectors/pow.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct Vector {
    pub challenge: String,
    pub miner: String,
    pub block_count: u64,
    pub nonce: u64,
    pub digest: String,
    pub zero_bits: u32,
}

/// Parse a vectors file (a JSON array).
pub fn parse_vectors(text: &str) -> Result<Vec<Vector>> {
    serde_json::from_str(text).context("vectors must be a JSON array of {challenge, miner, block_count, nonce, digest, zero_bits}")
}

/// The built-in vectors (those of `crates/pow`).
pub fn builtin() -> Vec<Vector> {
    parse_vectors(trez_pow::VECTORS_JSON).expect("built-in vectors parse")
}

fn hex32(s: &str) -> Result<[u8; 32]> {
    let v = hex::decode(s).with_context(|| format!("bad hex {s:?}"))?;
    v.try_into().map_err(|_| anyhow::anyhow!("expected 32 bytes in {s:?}"))
}

/// Result for one kernel: (kernel, vectors passed, failures as messages).
pub struct KernelReport {
    pub kernel: Kernel,
    pub passed: usize,
    pub failures: Vec<String>,
}

/// Check every available kernel on every vector, on every lane of a kernel step (the vector's nonce is put in
/// each lane in turn).
pub fn run(vectors: &[Vector]) -> Result<Vec<KernelReport>> {
    let mut reports = vec![];
    for kernel in kernels::available() {
        let mut rep = KernelReport { kernel, passed: 0, failures: vec![] };
        for (i, v) in vectors.iter().enumerate() {
            let (c, m, want) = (hex32(&v.challenge)?, hex32(&v.miner)?, hex32(&v.digest)?);
            let mid = trez_pow::Midstate::new(&c, &m, v.block_count);
            let mut ok = kernels::kernel_digest(kernel, &mid, v.nonce) == want && trez_pow::zero_bits(&want) == v.zero_bits;
            for lane in 0..kernel.width() {
                let base = v.nonce.wrapping_sub(lane);
                let lanes = kernels::kernel_digests(kernel, &mid, base);
                ok &= lanes.get(lane as usize) == Some(&want);
            }
            if ok {
                rep.passed += 1;
            } else {
                rep.failures.push(format!("vector {i} (nonce {}, block_count {})", v.nonce, v.block_count));
            }
        }
        reports.push(rep);
    }
    Ok(reports)
}
