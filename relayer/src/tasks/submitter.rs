//! The solution submitter: persists nothing itself (the ledger already holds every solution as pending),
//! sends `submit_solution` with a compute-unit limit and priority fee, resends with fresh blockhashes until it
//! lands or the challenge has moved (then lost, with the reason), and resumes pending solutions.

use std::time::{Duration, Instant};
use std::sync::Arc;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Signature, Signer};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use trez_sdk::{pool as pool_ix, Round, TrezState};

use crate::ledger::{Ledger, Solution, SolutionStatus, TxKind};
use crate::poolchain::{LoopError, PoolChain, PoolEvent};

/// Solution submitter. New solutions come from `rx` (the fast path); the ledger is the source of truth: every
/// pass, and every few seconds, it also lands whatever is still `pending` there: at start (a crash), and
/// solutions the channel could not take (it is bounded; during a long RPC outage miners keep finding blocks
/// for the last challenge they know).
pub async fn submit_solutions(pc: Arc<PoolChain>, ledger: Arc<dyn Ledger>, mut rx: mpsc::Receiver<Solution>, cancel: CancellationToken) {
    // Highest solution id a ledger sweep handled: the channel's copy of such a solution is skipped.
    let mut swept = 0i64;
    let mut sweep = tokio::time::interval(Duration::from_secs(5));
    loop {
        match ledger.solutions(SolutionStatus::Pending).await {
            Ok(pending) => {
                for s in pending {
                    if cancel.is_cancelled() {
                        return;
                    }
                    swept = swept.max(s.id);
                    submit_one(&pc, &*ledger, &s, &cancel).await;
                }
            }
            Err(e) => warn!(error = %e, "could not read pending solutions"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            s = rx.recv() => match s {
                Some(s) if s.id > swept => submit_fresh(&pc, &*ledger, &s, &cancel).await,
                Some(_) => {}
                None => return,
            },
            _ = sweep.tick() => {}
        }
    }
}

/// Land one solution, or record why it was lost. Never gives up on transient errors while the challenge is
/// still open. Reads the chain first (a solution from the ledger may have landed before a crash, or be for
/// a challenge that moved on).
pub async fn submit_one(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution, cancel: &CancellationToken) {
    submit(pc, ledger, s, cancel, false).await
}

/// [`submit_one`] for a solution the share validator checked against the current template a moment ago:
/// the first `submit_solution` goes out without reading the chain (with the blockhash [`super::watcher::keep_warm`] keeps,
/// no RPC round trip precedes it). A rejection is classified by the same reads afterwards.
pub async fn submit_fresh(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution, cancel: &CancellationToken) {
    submit(pc, ledger, s, cancel, true).await
}

async fn submit(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution, cancel: &CancellationToken, fresh: bool) {
    let ix = pool_ix::submit_solution(pc.relayer.pubkey(), pc.pool, pc.mint, s.block_count, s.nonce);
    let started = Instant::now();
    let mut wait = Duration::from_millis(200);
    let mut read_first = !fresh;
    let mut attempt = 0u32;
    loop {
        if cancel.is_cancelled() {
            return; // stays pending; resumed at the next start
        }
        if std::mem::replace(&mut read_first, true) {
            match round_and_state(pc, s.block_count).await {
                // Already landed (by us before a crash, or by anyone holding the nonce)?
                Ok((Some(round), _)) => {
                    if round.nonce == s.nonce {
                        confirmed(pc, ledger, s, &round, None).await;
                    } else {
                        lost(pc, ledger, s, "another solution of this block won".into()).await;
                    }
                    return;
                }
                Ok((None, state)) if state.block_count != s.block_count => {
                    lost(pc, ledger, s, format!("challenge moved: TREZ block_count is {} (solution for {})", state.block_count, s.block_count)).await;
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    warn!(error = %e, "reading the round and the TREZ state failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                    continue;
                }
            }
        }
        // Each resend bids a higher priority fee (`escalated_fee`, within the configured ceiling).
        let sent = pc.send_attempt(std::slice::from_ref(&ix), &[], attempt).await;
        attempt = attempt.saturating_add(1);
        match sent {
            Ok(sig) => {
                crate::metrics::latency().solution_submit.observe(started.elapsed().as_secs_f64());
                match pc.round(s.block_count).await {
                    Ok(Some(round)) => confirmed(pc, ledger, s, &round, Some(sig)).await,
                    _ => warn!(%sig, "submit confirmed but the round is not readable yet"),
                }
                return;
            }
            Err(e) if e.is_transient() => {
                warn!(error = %e, block_count = s.block_count, "submit_solution not confirmed; resending with a fresh blockhash");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                // Permanent failure: loop once more; the checks above tell whether someone else won or the
                // challenge moved. If neither, the nonce itself is bad.
                if let Ok((None, state)) = round_and_state(pc, s.block_count).await {
                    if state.block_count == s.block_count {
                        // TREZ refuses every claim while its distributor cannot pay: say so, and do not retry.
                        let reason = match pc.token_balance(&state.distributor_token).await.map(|d| crate::poolchain::Emission::of(&state, d)) {
                            Ok(e) if e.exhausted => format!(
                                "emission exhausted: the TREZ distributor holds {} base units, a block needs {}",
                                e.distributor_balance,
                                e.block_reward.saturating_add(e.referral_bonus)
                            ),
                            _ => format!("rejected: {}", e.to_string().lines().next().unwrap_or("")),
                        };
                        lost(pc, ledger, s, reason).await;
                        return;
                    }
                }
            }
        }
    }
}

/// The Round of `block_count` (None until a solution of that block landed) and the TREZ state, the state
/// read **first**: a Round is created by the same transaction that moves TREZ past its block, so "state moved
/// past `block_count` and still no Round" then proves someone else won. Read the other way round, a solution
/// of ours landing between the two reads (sent by another relayer sweeping the same solution) looked like
/// "challenge moved" and could be recorded lost although its round was on-chain, leaving the round uncredited
/// (a plausible cause of the one failover run here that left a round uncredited, under heavy CPU contention;
/// its log was lost).
async fn round_and_state(pc: &PoolChain, block_count: u64) -> Result<(Option<Round>, TrezState), LoopError> {
    let state = pc.trez_state().await?;
    Ok((pc.round(block_count).await?, state))
}

async fn confirmed(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution, round: &Round, sig: Option<Signature>) {
    let sig_s = sig.map(|s| s.to_string());
    if let Err(e) = ledger.set_solution(s.id, SolutionStatus::Confirmed, None, sig_s.clone()).await {
        warn!(error = %e, "could not mark the solution confirmed");
    }
    if let Some(sig) = &sig_s {
        let _ = ledger.record_tx(sig.clone(), TxKind::Submit, Some(s.block_count), None).await;
    }
    info!(block_count = s.block_count, reward = round.reward, fee = round.fee, "block landed in escrow");
    pc.emit(PoolEvent::BlockSubmitted {
        block_count: s.block_count,
        finder: Pubkey::new_from_array(s.wallet).to_string(),
        reward: round.reward,
        fee: round.fee,
        signature: sig_s.unwrap_or_default(),
    });
    pc.settle_now.notify_one();
}

async fn lost(pc: &PoolChain, ledger: &dyn Ledger, s: &Solution, reason: String) {
    warn!(block_count = s.block_count, reason, "solution lost");
    let _ = ledger.set_solution(s.id, SolutionStatus::Lost, Some(reason.clone()), None).await;
    pc.emit(PoolEvent::SolutionLost { block_count: s.block_count, reason });
}
