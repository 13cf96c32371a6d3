//! A session's shares: validation of a submit (the pure check in `server::validate`), the durable commit,
//! and the ack once it is durable (with the block handed to the submitter).

use std::sync::atomic::Ordering;
use std::time::Instant;

use tracing::{info, warn};
use trez_protocol::{AckReceipt, ErrorCode, Hex32, ReceiptFields, RejectReason, ServerMsg};

use super::{Done, Pending, Session};
use crate::ledger::{NewShare, Recorded, Solution, SolutionStatus};
use crate::server::validate::{validate_share, ShareCheck};

impl Session {
    pub(super) fn reject(&mut self, id: u64, reason: RejectReason) {
        self.shared.stats.reject(reason, self.wallet.as_ref().map(|(w, ..)| &w.0));
        if !matches!(reason, RejectReason::Stale | RejectReason::RateLimited | RejectReason::Unavailable) {
            self.invalid += 1;
        }
        let _ = self.send(&ServerMsg::Ack { id, accepted: false, reason: Some(reason), block: false, receipt: None });
        let s = &self.shared.config.server;
        if self.submits >= s.ban_min_submits as u64 && (self.invalid as f64) >= s.ban_invalid_ratio * self.submits as f64 {
            warn!(peer = %self.peer, submits = self.submits, invalid = self.invalid, "banning peer for invalid shares");
            self.shared.ban(self.peer.ip());
            let _ = self.error(ErrorCode::Banned, "too many invalid shares");
        }
    }

    /// Validate a submit; returns the durable-commit future when the share is valid.
    pub(super) fn on_submit(&mut self, id: u64, job_id: &str, nonce: u64, signature: &trez_protocol::Sig) -> Option<Pending> {
        let Some((wallet, worker, verifier)) = self.wallet.clone() else {
            self.shared.stats.reject(RejectReason::NotAuthorized, None);
            let _ = self.send(&ServerMsg::Ack { id, accepted: false, reason: Some(RejectReason::NotAuthorized), block: false, receipt: None });
            return None;
        };
        self.submits += 1;
        let received = Instant::now();
        let _validation = crate::metrics::latency().share_validation.start_timer();
        if !self.bucket.take() {
            self.reject(id, RejectReason::RateLimited);
            return None;
        }
        let Some(job) = self.jobs.iter().find(|(j, _)| j == job_id).map(|(_, j)| j) else {
            self.reject(id, RejectReason::UnknownJob);
            return None;
        };
        let t = job.work.template;
        let check = ShareCheck {
            seen: self.seen.get(&t.challenge).is_some_and(|s| s.contains(&nonce)),
            stale: job.work.stale(self.shared.config.server.stale_grace()),
            open_challenge: self.shared.jobs.current().map(|c| c.template.challenge),
        };
        let (share_bits, valid) = (job.share_bits, validate_share(job, nonce, &check));
        let (zero_bits, block) = match valid {
            Ok(v) => (v.zero_bits, v.block),
            Err(reason) => {
                self.reject(id, reason);
                return None;
            }
        };
        // The wallet's signature over this share (after the cheap checks: a bad share costs no verify).
        if !verifier.verify(&self.shared.pool, &t.challenge, t.block_count, nonce, share_bits, signature) {
            self.reject(id, RejectReason::BadSignature);
            return None;
        }
        self.seen.entry(t.challenge).or_default().insert(nonce);
        let share = NewShare {
            wallet: wallet.0,
            worker,
            challenge: t.challenge,
            block_count: t.block_count,
            nonce,
            bits: share_bits,
            zero_bits,
            block,
            signature: signature.0,
        };
        let mut receipt = ReceiptFields {
            pool: self.shared.pool,
            wallet,
            challenge: Hex32(t.challenge),
            block_count: t.block_count,
            nonce,
            share_bits,
            seq: 0,
            time_ms: 0,
        };
        let ledger = self.shared.ledger.clone();
        Some(Box::pin(async move {
            let mut res = ledger.record(share.clone()).await;
            crate::metrics::latency().share_ack.observe(received.elapsed().as_secs_f64());
            // A receipt names the share by its seq, which ledgers number from 1; any other value is a ledger
            // fault, answered `unavailable` (a block in it stays pending in the ledger, swept by the submitter).
            if let Ok(Recorded::Accepted { seq, .. }) = &res {
                match u64::try_from(*seq) {
                    Ok(s) if s >= 1 => receipt.seq = s,
                    _ => res = Err(crate::ledger::LedgerError::Corrupt(format!("the ledger numbered a share {seq}"))),
                }
            }
            let solution = match &res {
                Ok(Recorded::Accepted { seq, solution: Some(sid) }) => Some(Solution {
                    id: *sid,
                    share_seq: *seq,
                    wallet: share.wallet,
                    challenge: share.challenge,
                    block_count: share.block_count,
                    nonce: share.nonce,
                    status: SolutionStatus::Pending,
                    reason: None,
                    signature: None,
                    // Pending: settled = found (the ledger's row carries its own stamps).
                    found_ms: crate::ledger::now_ms(),
                    settled_ms: crate::ledger::now_ms(),
                }),
                _ => None,
            };
            (id, res, solution, receipt)
        }))
    }

    /// A share's commit finished: ack it (and hand a block to the submitter).
    pub(super) fn finish(&mut self, (id, res, solution, mut receipt): Done) {
        match res {
            Ok(Recorded::Accepted { .. }) => {
                let shared = self.shared.clone();
                let st = &shared.stats;
                st.accepted.fetch_add(1, Ordering::Relaxed);
                self.vardiff.on_share();
                if let Some(bits) = self.vardiff.retarget_early(Instant::now()) {
                    let _ = self.send(&ServerMsg::SetDifficulty { share_bits: bits });
                    self.issue_job(false);
                }
                let block = solution.is_some();
                if let Some(sol) = solution {
                    st.blocks.fetch_add(1, Ordering::Relaxed);
                    info!(peer = %self.peer, block_count = sol.block_count, nonce = sol.nonce, "block found");
                    if self.shared.solutions.try_send(sol).is_err() {
                        // It is durable as `pending`; the submitter resumes pending solutions from the ledger.
                        warn!("solution channel full or closed; solution stays pending in the ledger");
                    }
                }
                // Unix milliseconds; a clock set before 1970 reads as 0.
                receipt.time_ms = u64::try_from(crate::ledger::now_ms()).unwrap_or(0);
                let signature = shared.receipts.sign(&receipt);
                let receipt = Some(AckReceipt { seq: receipt.seq, time_ms: receipt.time_ms, signature });
                let _ = self.send(&ServerMsg::Ack { id, accepted: true, reason: None, block, receipt });
            }
            Ok(Recorded::Duplicate) => self.reject(id, RejectReason::Duplicate),
            Err(e) => {
                warn!(error = %e, "ledger unavailable; share not acked as accepted");
                self.reject(id, RejectReason::Unavailable);
            }
        }
    }
}
