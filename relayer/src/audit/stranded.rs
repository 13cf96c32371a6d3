//! (5) of the audit: rounds stranded on-chain (`mark_stranded`) and the claims paid from them
//! (`claim_stranded`). Each claim transfer found in the escrow's history is attributed to its stranded Round;
//! the Round must be this pool's, `Stranded`, and carry its fallback round's on-chain root, leaf count and
//! total weight; each claim's wallet must be a leaf of the fallback round as the audit recomputed it from the
//! window, claim once, and receive exactly `floor((reward − fee) × weight / total_weight)`; the transfers
//! must sum to the Round's `credited`, and once every leaf claimed, `credited + dust = reward − fee`.

use std::collections::BTreeMap;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::{Round, RoundStatus};

use crate::escrow::{EscrowTransfer, TransferKind};
use crate::poolchain::{LoopError, PoolChain};
use crate::pplns::Leaf;

/// What the audit found for one stranded round with claims.
#[derive(Debug, Clone, Serialize)]
pub struct StrandedVerdict {
    /// The stranded Round's address.
    pub round: String,
    pub block_count: u64,
    /// The round whose leaves claim it.
    pub fallback_block: u64,
    pub ok: bool,
    /// Claim transfers checked.
    pub claims: usize,
    /// Σ of those transfers, base units.
    pub paid: u64,
    /// Rounding remainder moved to fees after the last claim, base units.
    pub dust: u64,
    pub problems: Vec<String>,
}

/// Check every stranded round that paid a claim. `leaves`: the audited rounds' recomputed leaves.
pub async fn check(pc: &PoolChain, transfers: &[EscrowTransfer], leaves: &BTreeMap<u64, Vec<Leaf>>) -> Result<Vec<StrandedVerdict>, LoopError> {
    let mut by_round: BTreeMap<Pubkey, Vec<&EscrowTransfer>> = BTreeMap::new();
    for t in transfers {
        if let TransferKind::Stranded(round) = t.kind {
            by_round.entry(round).or_default().push(t);
        }
    }
    let mut out = vec![];
    for (address, claims) in by_round {
        let round = match pc.chain.get_account(&address).await? {
            Some(a) if a.owner == trez_sdk::ids::pool() => trez_sdk::decode::account::<Round>(&a.data).ok(),
            _ => None,
        };
        let mut v = StrandedVerdict {
            round: address.to_string(),
            block_count: 0,
            fallback_block: 0,
            ok: false,
            claims: claims.len(),
            paid: claims.iter().map(|t| t.amount).sum(),
            dust: 0,
            problems: vec![],
        };
        match round {
            None => v.problems.push("claim_stranded transfers from an account that is not a pool Round".into()),
            Some(r) => {
                (v.block_count, v.fallback_block, v.dust) = (r.block_count, r.fallback_block, r.dust);
                let fallback = pc.round(r.fallback_block).await?;
                check_round(pc, &r, fallback.as_ref(), &claims, leaves.get(&r.fallback_block), &mut v.problems);
            }
        }
        v.ok = v.problems.is_empty();
        out.push(v);
    }
    Ok(out)
}

fn check_round(pc: &PoolChain, r: &Round, fallback: Option<&Round>, claims: &[&EscrowTransfer], leaves: Option<&Vec<Leaf>>, problems: &mut Vec<String>) {
    if r.pool != pc.pool || r.status != RoundStatus::Stranded {
        problems.push(format!("round {}: {:?} of pool {}, not a Stranded round of this pool", r.block_count, r.status, r.pool));
        return;
    }
    match fallback {
        Some(f) if f.status == RoundStatus::Credited && (f.leaves_root, f.leaf_count, f.total_weight) == (r.leaves_root, r.leaf_count, r.total_weight) => {}
        _ => problems.push(format!("fallback round {}: not a credited Round with the stranded round's root, leaf count and total weight", r.fallback_block)),
    }
    let Some(leaves) = leaves else {
        problems.push(format!("fallback round {} is not in the published record: its claims cannot be recomputed", r.fallback_block));
        return;
    };
    let distributable = r.reward.saturating_sub(r.fee);
    let mut seen = std::collections::BTreeSet::new();
    let mut paid = 0u64;
    for t in claims {
        let Some(wallet) = t.wallet else {
            problems.push(format!("claim {}: no leaf wallet in the instruction", t.signature));
            continue;
        };
        if !seen.insert(wallet) {
            problems.push(format!("claim {}: {wallet} claimed round {} twice", t.signature, r.block_count));
        }
        paid = paid.saturating_add(t.amount);
        match leaves.iter().find(|l| l.wallet == wallet.to_bytes()) {
            None => problems.push(format!("claim {}: {wallet} is not a leaf of fallback round {}", t.signature, r.fallback_block)),
            Some(l) => match trez_pool::math::pro_rata(distributable, l.weight, r.total_weight) {
                Some((want, _)) if want == t.amount => {}
                want => problems.push(format!(
                    "claim {}: {wallet} received {}, the rule gives {:?} (floor({distributable} × {} / {}))",
                    t.signature,
                    t.amount,
                    want.map(|w| w.0),
                    l.weight,
                    r.total_weight
                )),
            },
        }
    }
    if paid != r.credited {
        problems.push(format!("round {}: Σ claim transfers {paid} vs on-chain paid {}", r.block_count, r.credited));
    }
    if r.leaves_credited == r.leaf_count && r.credited.saturating_add(r.dust) != distributable {
        problems.push(format!("round {}: claims {} + dust {} ≠ reward − fee {distributable}", r.block_count, r.credited, r.dust));
    }
}
