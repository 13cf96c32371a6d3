//! The share check, pure: what a submitted nonce is worth against the job it names, with no I/O. The
//! session gathers the facts it needs ([`ShareCheck`]) and acts on the verdict.

use std::sync::Arc;

use trez_protocol::RejectReason;

use crate::jobs::Work;

/// A job as issued to one connection.
#[derive(Debug, Clone)]
pub struct IssuedJob {
    /// The template and its nonce-range allocator.
    pub work: Arc<Work>,
    /// Share difficulty the job was issued with, bits.
    pub share_bits: u32,
    /// The connection's nonce range, `[start, end)`.
    pub range: (u64, u64),
}

/// What the session knows about a submitted nonce besides the job.
#[derive(Debug, Clone, Copy)]
pub struct ShareCheck {
    /// This connection already submitted the nonce for the job's challenge.
    pub seen: bool,
    /// The job's challenge was replaced longer ago than the stale grace.
    pub stale: bool,
    /// The challenge open now (a block counts only while its challenge is open).
    pub open_challenge: Option<[u8; 32]>,
}

/// A share that passed: its digest's zero bits, and whether it meets the network difficulty of the open
/// challenge (a block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidShare {
    pub zero_bits: u32,
    pub block: bool,
}

/// Check `nonce` against `job`, in this order: out of the job's range, duplicate, stale, below the share
/// difficulty. The digest is computed here (SHA-256 proof of work, `trez_pow`), never taken from the client.
pub fn validate_share(job: &IssuedJob, nonce: u64, check: &ShareCheck) -> Result<ValidShare, RejectReason> {
    if nonce < job.range.0 || nonce >= job.range.1 {
        return Err(RejectReason::OutOfRange);
    }
    if check.seen {
        return Err(RejectReason::Duplicate);
    }
    if check.stale {
        return Err(RejectReason::Stale);
    }
    let t = job.work.template;
    let digest = trez_pow::digest(&t.challenge, &t.miner_key, t.block_count, nonce);
    let zero_bits = trez_pow::zero_bits(&digest);
    if zero_bits < job.share_bits {
        return Err(RejectReason::LowDifficulty);
    }
    let block = zero_bits >= t.network_bits && check.open_challenge == Some(t.challenge);
    Ok(ValidShare { zero_bits, block })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{JobSource, Template};

    fn job(bits: u32, network_bits: u32) -> IssuedJob {
        let jobs = JobSource::new();
        jobs.publish(Template { challenge: [7; 32], block_count: 3, network_bits, miner_key: [9; 32] });
        IssuedJob { work: jobs.current().unwrap(), share_bits: bits, range: (0, 1 << 20) }
    }

    /// The first nonce in `0..` whose digest has at least `bits` zero bits.
    fn find(j: &IssuedJob, bits: u32) -> (u64, u32) {
        let t = j.work.template;
        (0..).map(|n| (n, trez_pow::zero_bits(&trez_pow::digest(&t.challenge, &t.miner_key, t.block_count, n)))).find(|(_, z)| *z >= bits).unwrap()
    }

    #[test]
    fn each_reason_in_its_order_and_blocks_only_on_the_open_challenge() {
        let j = job(4, 8);
        let open = ShareCheck { seen: false, stale: false, open_challenge: Some([7; 32]) };
        let (good, z) = find(&j, 4);
        assert_eq!(validate_share(&j, good, &open), Ok(ValidShare { zero_bits: z, block: z >= 8 }));
        assert_eq!(validate_share(&j, 1 << 20, &open), Err(RejectReason::OutOfRange));
        // Out of range wins over duplicate, duplicate over stale, stale over low difficulty.
        assert_eq!(validate_share(&j, 1 << 20, &ShareCheck { seen: true, ..open }), Err(RejectReason::OutOfRange));
        assert_eq!(validate_share(&j, good, &ShareCheck { seen: true, stale: true, ..open }), Err(RejectReason::Duplicate));
        let low = (0..).find(|n| trez_pow::zero_bits(&trez_pow::digest(&[7; 32], &[9; 32], 3, *n)) < 4).unwrap();
        assert_eq!(validate_share(&j, low, &ShareCheck { stale: true, ..open }), Err(RejectReason::Stale));
        assert_eq!(validate_share(&j, low, &open), Err(RejectReason::LowDifficulty));
        let (block, zb) = find(&j, 8);
        assert_eq!(validate_share(&j, block, &open), Ok(ValidShare { zero_bits: zb, block: true }));
        // The same nonce once the challenge moved on: a share, not a block.
        let moved = ShareCheck { open_challenge: Some([8; 32]), ..open };
        assert_eq!(validate_share(&j, block, &moved), Ok(ValidShare { zero_bits: zb, block: false }));
    }
}
