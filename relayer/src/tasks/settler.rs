//! The round settler: for each confirmed Round computes PPLNS from the ledger, stores leaves and window,
//! registers missing Members, commits the root and credits the batches. The on-chain Round (status, next
//! batch) is the source of truth, so a crash at any step resumes without double or missed credit.

use std::sync::Arc;
use std::time::Duration;

use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use trez_sdk::{pool as pool_ix, RoundStatus};

use crate::ledger::{Ledger, RoundRow, RoundState, Solution, TxKind};
use crate::poolchain::{LoopError, PoolChain, PoolEvent, MAX_CREDIT_PER_TX};
use crate::pplns;

/// Round settler loop: settles every confirmed round when woken and every few seconds, while this relayer
/// leads.
pub async fn settle(pc: Arc<PoolChain>, ledger: Arc<dyn Ledger>, leader: Arc<super::leader::Leader>, cancel: CancellationToken) {
    loop {
        if !leader.check().await {
            // A follower: the leader settles.
        } else if let Err(e) = settle_all(&pc, &*ledger).await {
            warn!(error = %e, "settlement failed; will retry");
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = pc.settle_now.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

/// Settle every confirmed, not yet credited round.
pub async fn settle_all(pc: &PoolChain, ledger: &dyn Ledger) -> Result<(), LoopError> {
    for s in ledger.unsettled().await? {
        settle_round(pc, ledger, &s).await?;
    }
    Ok(())
}

/// Compute (or load) a round's PPLNS leaves and credit them exactly once. Resumable at any point.
pub async fn settle_round(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution) -> Result<(), LoopError> {
    let bc = s.block_count;
    let round = pc.round(bc).await?.ok_or_else(|| LoopError::State(format!("round {bc} not on-chain")))?;
    if round.status == RoundStatus::Credited {
        ledger.mark_round_credited(bc).await?;
        return Ok(());
    }
    if round.status == RoundStatus::Stranded {
        // Not ours to credit any more: the fallback round's members claim it on-chain.
        let reason = format!("stranded on-chain at slot {}; claimed by the members of round {}", round.stranded_slot, round.fallback_block);
        warn!(block_count = bc, fallback = round.fallback_block, "round was stranded before it was credited");
        ledger.set_solution(s.id, crate::ledger::SolutionStatus::Stranded, Some(reason), None).await?;
        return Ok(());
    }
    // 1. Leaves: computed once, stored before anything is committed on-chain.
    let (row, leaves) = match ledger.round(bc).await? {
        Some(x) => x,
        None => {
            let n = pplns::window_size(pc.opts.pplns_factor, round.difficulty)?;
            let window = ledger.window(s.share_seq, n).await?;
            let distributable = round.reward.checked_sub(round.fee).ok_or_else(|| LoopError::State("fee above reward".into()))?;
            let leaves = pplns::leaves(&window, distributable)?;
            let root = pplns::merkle_root(&leaves);
            let row = RoundRow {
                block_count: bc,
                solution_id: s.id,
                share_seq: s.share_seq,
                network_bits: round.difficulty,
                pplns_factor: pc.opts.pplns_factor,
                reward: round.reward,
                fee: round.fee,
                leaves_root: root,
                leaf_count: leaves.len() as u32,
                status: RoundState::Computed,
                bonus: round.bonus,
            };
            // Stored as computed, unless a concurrent run stored it first: then the stored one is the truth.
            if ledger.store_round(row.clone(), leaves.clone(), window).await? {
                (row, leaves)
            } else {
                ledger.round(bc).await?.ok_or_else(|| LoopError::State("stored round vanished".into()))?
            }
        }
    };
    if round.status != RoundStatus::Submitted && round.leaves_root != row.leaves_root {
        return Err(LoopError::State(format!("round {bc}: on-chain root differs from the ledger's")));
    }
    // 2. Members.
    let wallets: Vec<Pubkey> = leaves.iter().map(|l| Pubkey::new_from_array(l.wallet)).collect();
    ensure_members(pc, ledger, &wallets).await?;
    let mut signatures = vec![];
    // 3. Commit the root.
    if round.status == RoundStatus::Submitted {
        let total_weight = leaves.iter().try_fold(0u128, |t, l| t.checked_add(l.weight)).ok_or_else(|| LoopError::State("total weight overflows u128".into()))?;
        let ix = pool_ix::begin_credit(pc.relayer.pubkey(), pc.pool, bc, row.leaves_root, row.leaf_count, row.pplns_factor, total_weight);
        let sig = pc.send_retry(&[ix], pc.opts.send_attempts).await?;
        ledger.record_tx(sig.to_string(), TxKind::BeginCredit, Some(bc), None).await?;
        signatures.push(sig.to_string());
    }
    // 4. Batches, resuming at the on-chain next batch.
    let b = pc.opts.credit_batch.clamp(1, MAX_CREDIT_PER_TX);
    loop {
        let r = pc.round(bc).await?.ok_or_else(|| LoopError::State("round vanished".into()))?;
        if r.status == RoundStatus::Credited {
            break;
        }
        let i = r.next_batch as usize;
        let chunk = leaves.get(i * b..((i + 1) * b).min(leaves.len())).unwrap_or(&[]);
        if chunk.is_empty() {
            return Err(LoopError::State(format!("round {bc}: batch {i} is past the leaves")));
        }
        let ws: Vec<Pubkey> = chunk.iter().map(|l| Pubkey::new_from_array(l.wallet)).collect();
        let amounts = chunk.iter().map(|l| l.amount).collect();
        let ix = pool_ix::credit_batch(pc.relayer.pubkey(), pc.pool, bc, i as u32, &ws, amounts);
        let sig = pc.send_retry(&[ix], pc.opts.send_attempts).await?;
        ledger.record_tx(sig.to_string(), TxKind::CreditBatch, Some(bc), Some(i as u32)).await?;
        signatures.push(sig.to_string());
    }
    ledger.mark_round_credited(bc).await?;
    let credited: u64 = leaves.iter().map(|l| l.amount).sum();
    info!(block_count = bc, members = leaves.len(), credited, "round credited");
    pc.emit(PoolEvent::RoundCredited {
        block_count: bc,
        leaf_count: row.leaf_count,
        credited,
        leaves_root: hex::encode(row.leaves_root),
        signatures,
    });
    Ok(())
}

/// Register Member accounts that don't exist yet (the relayer pays rent), 8 per transaction.
pub async fn ensure_members(pc: &PoolChain, ledger: &dyn Ledger, wallets: &[Pubkey]) -> Result<(), LoopError> {
    let existing = pc.members(wallets).await?;
    let missing: Vec<Pubkey> = wallets.iter().zip(existing).filter(|(_, m)| m.is_none()).map(|(w, _)| *w).collect();
    if !missing.is_empty() && !pc.opts.pay_rent {
        return Err(LoopError::State(format!("{} members are not registered and pay_rent is off", missing.len())));
    }
    for chunk in missing.chunks(8) {
        let ixs: Vec<Instruction> = chunk.iter().map(|w| pool_ix::register_member(pc.relayer.pubkey(), pc.pool, *w)).collect();
        let sig = pc.send_retry(&ixs, pc.opts.send_attempts).await?;
        ledger.record_tx(sig.to_string(), TxKind::Register, None, None).await?;
    }
    Ok(())
}
