//! The audit: anyone holding the chain and the relayer's round records can check the pool.
//!
//! For every round: (1) re-verify each window share's proof of work with the pool authority as miner key and
//! the share's own challenge and block_count; (2) recompute the window weights (newest first, oldest share in
//! part), the PPLNS split and the merkle root; (3) compare them with the stored leaves and the on-chain Round
//! (root, leaf count, reward, fee, credited, status). Then: each member's on-chain `credited` equals the sum
//! of its leaves, each member's on-chain `paid` equals the payouts recorded for it, every payout signature is
//! a landed transaction touching the escrow, the member's token account holds at least what it was paid, and
//! the pool invariant holds against the escrow balance. Every mismatch is named.

use std::collections::BTreeMap;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::{pda, RoundStatus};

use crate::ledger::Ledger;
use crate::onchain::{LoopError, PoolChain};
use crate::pplns;

#[derive(Debug, Clone, Serialize)]
pub struct RoundVerdict {
    pub block_count: u64,
    pub ok: bool,
    pub shares_checked: usize,
    pub leaf_count: u32,
    pub reward: u64,
    pub fee: u64,
    pub leaves_root: String,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub ok: bool,
    pub rounds: Vec<RoundVerdict>,
    pub members_checked: usize,
    pub payouts_checked: usize,
    pub problems: Vec<String>,
}

/// Audit every round and member of the pool.
pub async fn audit(pc: &PoolChain, ledger: &Ledger) -> Result<AuditReport, LoopError> {
    let mut rounds = vec![];
    let mut expected_credit: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    for row in ledger.rounds().await? {
        let bc = row.block_count;
        let mut problems = vec![];
        let (_, leaves) = ledger.round(bc).await?.ok_or_else(|| LoopError::State(format!("round {bc} vanished")))?;
        let window = ledger.round_window(bc).await?;
        // (1) proof of work of every window share.
        for (s, _) in &window {
            let d = trez_pow::digest(&s.challenge, &pc.authority.to_bytes(), s.block_count, s.nonce);
            if !trez_pow::meets_difficulty(&d, s.bits) {
                problems.push(format!("share seq {}: proof of work has {} zero bits, below its {} bits", s.seq, trez_pow::zero_bits(&d), s.bits));
            }
        }
        // (2) the window, recomputed from the window's own shares.
        let newest_first: Vec<pplns::Share> =
            window.iter().rev().map(|(s, _)| pplns::Share { seq: s.seq, wallet: s.wallet, bits: s.bits }).collect();
        if newest_first.first().map(|s| s.seq) != Some(row.share_seq) {
            problems.push(format!("window does not end at the block-finding share {}", row.share_seq));
        }
        let recomputed = pplns::window_size(row.pplns_factor, row.network_bits).and_then(|n| pplns::window(newest_first, n));
        match recomputed {
            Err(e) => problems.push(format!("window: {e}")),
            Ok(w) => {
                let stored: Vec<u128> = window.iter().rev().map(|(_, wt)| *wt).collect();
                let computed: Vec<u128> = w.iter().map(|x| x.weight).collect();
                if stored != computed {
                    problems.push("window weights differ from the PPLNS rule (a weight was changed or a share added/dropped)".into());
                }
                let distributable = row.reward.saturating_sub(row.fee);
                match pplns::leaves(&w, distributable) {
                    Err(e) => problems.push(format!("split: {e}")),
                    Ok(l) => {
                        if l.len() != leaves.len() {
                            problems.push(format!("leaf count: recomputed {}, stored {}", l.len(), leaves.len()));
                        }
                        for (a, b) in l.iter().zip(&leaves) {
                            if a != b {
                                problems.push(format!(
                                    "leaf {}: recomputed (weight {}, shares {}, amount {}), stored (weight {}, shares {}, amount {})",
                                    Pubkey::new_from_array(a.wallet), a.weight, a.shares, a.amount, b.weight, b.shares, b.amount
                                ));
                            }
                        }
                        let root = pplns::merkle_root(&l);
                        // (3) against the chain.
                        match pc.round(bc).await? {
                            None => problems.push("no Round account on-chain".into()),
                            Some(r) => {
                                if r.leaves_root != root {
                                    problems.push("merkle root differs from the on-chain Round".into());
                                }
                                if r.leaf_count as usize != l.len() {
                                    problems.push(format!("on-chain leaf count {} vs recomputed {}", r.leaf_count, l.len()));
                                }
                                if (r.reward, r.fee) != (row.reward, row.fee) {
                                    problems.push(format!("reward/fee on-chain {}/{} vs ledger {}/{}", r.reward, r.fee, row.reward, row.fee));
                                }
                                if r.status != RoundStatus::Credited || r.credited != distributable {
                                    problems.push(format!("on-chain round {:?} with {} credited of {}", r.status, r.credited, distributable));
                                }
                            }
                        }
                        for leaf in &l {
                            *expected_credit.entry(leaf.wallet).or_default() += leaf.amount;
                        }
                    }
                }
            }
        }
        rounds.push(RoundVerdict {
            block_count: bc,
            ok: problems.is_empty(),
            shares_checked: window.len(),
            leaf_count: row.leaf_count,
            reward: row.reward,
            fee: row.fee,
            leaves_root: hex::encode(row.leaves_root),
            problems,
        });
    }

    // Members: credited = Σ leaves; paid = Σ recorded payouts; token accounts hold at least what was paid.
    let mut problems = vec![];
    let payouts = ledger.payouts().await?;
    let mut paid: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    for (_, w, a) in &payouts {
        *paid.entry(*w).or_default() += a;
    }
    let wallets: Vec<Pubkey> = expected_credit.keys().map(|w| Pubkey::new_from_array(*w)).collect();
    let members = pc.members(&wallets).await?;
    let mut total_paid = 0u64;
    for (w, m) in wallets.iter().zip(&members) {
        let Some(m) = m else {
            problems.push(format!("member {w}: no Member account"));
            continue;
        };
        let want = expected_credit[&w.to_bytes()];
        if m.credited != want {
            problems.push(format!("member {w}: on-chain credited {} vs Σ leaves {}", m.credited, want));
        }
        let recorded = paid.get(&w.to_bytes()).copied().unwrap_or(0);
        if m.paid != recorded {
            problems.push(format!("member {w}: on-chain paid {} vs recorded payouts {}", m.paid, recorded));
        }
        total_paid += m.paid;
        if m.paid > 0 {
            let ata = pda::ata(w, &pc.mint);
            match pc.token_balance(&ata).await {
                Ok(b) if b >= m.paid => {}
                Ok(b) => problems.push(format!("member {w}: token account holds {b} but was paid {}", m.paid)),
                Err(e) => problems.push(format!("member {w}: token account unreadable: {e}")),
            }
        }
    }
    // Payout transactions are landed transactions that touch the escrow.
    let escrow = pda::escrow(&pc.pool);
    let history = pc.chain.history(&escrow, 10_000).await?;
    let mut sigs: Vec<&String> = payouts.iter().map(|(s, _, _)| s).collect();
    sigs.dedup();
    for s in &sigs {
        if !history.iter().any(|t| t.ok && &t.signature.to_string() == *s) {
            problems.push(format!("payout {s}: not found among the escrow's landed transactions"));
        }
    }
    let pool = pc.pool_account().await?;
    let escrow_balance = pc.token_balance(&escrow).await?;
    if pool.invariant(escrow_balance).is_err() {
        problems.push(format!("pool invariant fails with escrow balance {escrow_balance}"));
    }
    if pool.paid != total_paid {
        problems.push(format!("pool paid {} vs Σ member paid {}", pool.paid, total_paid));
    }
    let ok = problems.is_empty() && rounds.iter().all(|r| r.ok);
    Ok(AuditReport { ok, rounds, members_checked: wallets.len(), payouts_checked: sigs.len(), problems })
}
