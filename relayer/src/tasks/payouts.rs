//! The payout crank: pays every member whose on-chain `credited − paid` reaches `min_payout`, creating
//! missing associated token accounts, many members per transaction; and the import of landed transfers to
//! members (anyone's crank, members' claims) from the escrow's history, so the ledger mirrors the chain.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Signature, Signer};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};
use trez_sdk::{pda, pool as pool_ix};

use crate::escrow::{self, EscrowTransfer};
use crate::ledger::{Ledger, PayoutKind, RoundState, TxKind};
use crate::poolchain::{LoopError, PoolChain, PoolEvent, MAX_PAYOUT_PER_TX};

/// Payout crank loop: every `payout_interval_secs`, a [`Crank`] pass.
///
/// The ledger mirrors every transfer to members (crank payouts and members' own claims), so its total equals
/// the pool's on-chain `paid`. While they differ (a payout that landed after its sender crashed or lost the
/// confirmation, someone else's crank, a member's claim), the loop imports the missing transfers from the
/// escrow's history ([`reconcile_payouts_since`]): at once when the difference changes, and otherwise again
/// after a backoff (1 s doubling to 60 s; history can lag the account state on some RPC nodes). An import
/// reads only the escrow transactions since the last one it read; one that finds nothing makes the next
/// read the whole recent history again.
pub async fn payouts(pc: Arc<PoolChain>, ledger: Arc<dyn Ledger>, leader: Arc<super::leader::Leader>, cancel: CancellationToken) {
    // Newest escrow signature an import read, while imports find what they look for.
    let mut read_until: Option<Signature> = None;
    let mut last_gap: Option<u64> = None;
    let mut backoff = Duration::from_secs(1);
    let mut next_import = tokio::time::Instant::now();
    let mut crank = Crank::default();
    loop {
        if !leader.check().await {
            // A follower: the leader imports and cranks; this relayer starts afresh if it takes over.
            (read_until, last_gap, crank) = (None, None, Crank::default());
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(pc.opts.payout_interval_secs.max(1))) => {}
            }
            continue;
        }
        let now = async { Ok::<_, LoopError>((pc.pool_account().await?.paid, ledger.payout_total().await?)) }.await;
        match now {
            Ok((paid, recorded)) if paid != recorded => {
                let gap = paid.abs_diff(recorded);
                if last_gap != Some(gap) || tokio::time::Instant::now() >= next_import {
                    if recorded > paid {
                        error!(paid, recorded, "the ledger records more paid to members than the chain; importing from history");
                    }
                    match reconcile_payouts_since(&pc, &*ledger, read_until, RECONCILE_HISTORY).await {
                        Ok((n, newest)) if n > 0 => {
                            info!(transfers = n, "recorded landed transfers to members the ledger was missing");
                            backoff = Duration::from_secs(1);
                            read_until = newest;
                        }
                        Ok(_) => {
                            backoff = (backoff * 2).min(Duration::from_secs(60));
                            read_until = None;
                        }
                        Err(e) => warn!(error = %e, "reading payout history failed; will retry"),
                    }
                    next_import = tokio::time::Instant::now() + backoff;
                    // The difference the import left against the `paid` read above (a change since then shows
                    // as a new difference at the next pass).
                    last_gap = ledger.payout_total().await.ok().map(|r| paid.abs_diff(r));
                }
            }
            Ok(_) => {
                last_gap = Some(0);
                backoff = Duration::from_secs(1);
            }
            Err(e) => warn!(error = %e, "reading pool totals failed; will retry"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(pc.opts.payout_interval_secs.max(1))) => {}
        }
        if let Err(e) = crank.run(&pc, &*ledger).await {
            warn!(error = %e, "payout run failed; will retry");
        }
    }
}

/// Escrow transactions (newest first) [`reconcile_payouts`] reads when the payout loop imports.
pub const RECONCILE_HISTORY: usize = 1_000;

/// Record every transfer to a member (`payout`, anyone's crank, and `claim`) among the escrow's last `limit`
/// landed transactions that the ledger lacks, with the amounts decoded from its `transfer_checked`s.
/// Returns how many transfers were added.
pub async fn reconcile_payouts(pc: &PoolChain, ledger: &dyn Ledger, limit: usize) -> Result<usize, LoopError> {
    Ok(reconcile_payouts_since(pc, ledger, None, limit).await?.0)
}

/// [`reconcile_payouts`] over the escrow transactions newer than `until` only (None: the last `limit`).
/// Returns the transfers added and the newest escrow signature read (to pass as `until` next time).
pub async fn reconcile_payouts_since(
    pc: &PoolChain,
    ledger: &dyn Ledger,
    until: Option<Signature>,
    limit: usize,
) -> Result<(usize, Option<Signature>), LoopError> {
    let wallets: Vec<Pubkey> = ledger.leaf_wallets().await?.into_iter().map(Pubkey::new_from_array).collect();
    let by_member: BTreeMap<Pubkey, Pubkey> = wallets.iter().map(|w| (pda::member(&pc.pool, w), *w)).collect();
    let escrow = pda::escrow(&pc.pool);
    let mut added = 0;
    let history = pc.chain.history_until(&escrow, until, limit).await?;
    let newest = history.first().map(|r| r.signature).or(until);
    // Oldest first, so the ledger keeps chain order.
    for rec in history.iter().rev().filter(|t| t.ok) {
        let sig = rec.signature.to_string();
        let transfers = match escrow::escrow_transfers(rec, &escrow, &by_member) {
            Ok(t) => t,
            Err(e) => {
                warn!(signature = %sig, problem = %e, "escrow transaction not imported");
                continue;
            }
        };
        // Recording is idempotent per (signature, wallet): what the ledger has already is left alone.
        for kind in [PayoutKind::Payout, PayoutKind::Claim, PayoutKind::Stranded] {
            let paid = escrow::member_transfers(&transfers, kind);
            if !paid.is_empty() {
                added += ledger.record_payouts(sig.clone(), kind, paid).await?;
            }
        }
    }
    Ok((added, newest))
}

/// The payout crank's memory between passes, so a pass reads only the Members that can be due: a member's
/// `credited − paid` grows only when a round credits it, so a pass reads the wallets of rounds credited
/// since the last pass, plus those still owed something after it (below `min_payout`, or skipped). The
/// first pass reads every wallet of every stored round. A failed pass changes nothing (the next one reads
/// the same wallets again).
#[derive(Debug, Default)]
pub struct Crank {
    started: bool,
    /// Block counts of the credited rounds already looked at.
    seen: BTreeSet<u64>,
    /// Wallets still owed something after the last pass.
    owed: BTreeSet<[u8; 32]>,
}

impl Crank {
    /// The wallets the next pass must read, and the credited rounds it will have looked at.
    pub async fn candidates(&self, ledger: &dyn Ledger) -> Result<(BTreeSet<[u8; 32]>, Vec<u64>), LoopError> {
        let credited: Vec<u64> =
            ledger.rounds().await?.into_iter().filter(|r| r.status == RoundState::Credited).map(|r| r.block_count).collect();
        let mut wallets = self.owed.clone();
        if !self.started {
            wallets.extend(ledger.leaf_wallets().await?);
        } else {
            for bc in credited.iter().filter(|bc| !self.seen.contains(bc)) {
                if let Some((_, leaves)) = ledger.round(*bc).await? {
                    wallets.extend(leaves.iter().map(|l| l.wallet));
                }
            }
        }
        Ok((wallets, credited))
    }

    /// One pass over [`Crank::candidates`] ([`pay`]). Returns the signatures.
    pub async fn run(&mut self, pc: &PoolChain, ledger: &dyn Ledger) -> Result<Vec<Signature>, LoopError> {
        let (wallets, credited) = self.candidates(ledger).await?;
        let (sigs, owed) = pay(pc, ledger, wallets.into_iter().map(Pubkey::new_from_array).collect()).await?;
        self.started = true;
        self.seen.extend(credited);
        self.owed = owed;
        Ok(sigs)
    }
}

/// One payout pass over every member of any stored round ([`pay`]). Returns the signatures.
pub async fn payout_once(pc: &PoolChain, ledger: &dyn Ledger) -> Result<Vec<Signature>, LoopError> {
    let wallets: Vec<Pubkey> = ledger.leaf_wallets().await?.into_iter().map(Pubkey::new_from_array).collect();
    Ok(pay(pc, ledger, wallets).await?.0)
}

/// Pay every one of `wallets` whose on-chain `credited − paid` ≥ `min_payout` to its associated token
/// account (created when missing). Totals come from the chain, never the ledger; the amounts recorded are
/// the `transfer_checked`s of the landed transaction (a payout transfers what is owed when it executes).
/// Returns the signatures and the wallets still owed something (not due, or skipped).
pub async fn pay(pc: &PoolChain, ledger: &dyn Ledger, wallets: Vec<Pubkey>) -> Result<(Vec<Signature>, BTreeSet<[u8; 32]>), LoopError> {
    let pool = pc.pool_account().await?;
    let members = pc.members(&wallets).await?;
    let pending: Vec<(Pubkey, u64)> = wallets
        .iter()
        .zip(members)
        // A Member with paid > credited (which the program refuses to create) is never paid.
        .filter_map(|(w, m)| m.and_then(|m| m.pending().ok()).map(|p| (*w, p)))
        .filter(|(_, p)| *p > 0)
        .collect();
    let (due, mut owed): (Vec<(Pubkey, u64)>, Vec<(Pubkey, u64)>) = pending.into_iter().partition(|(_, p)| *p >= pool.min_payout);
    let escrow = pda::escrow(&pc.pool);
    let mut sigs = vec![];
    for chunk in due.chunks(pc.opts.payout_batch.clamp(1, MAX_PAYOUT_PER_TX)) {
        let atas: Vec<Pubkey> = chunk.iter().map(|(w, _)| pda::ata(w, &pc.mint)).collect();
        let existing = pc.chain.get_multiple_accounts(&atas).await?;
        let create: Vec<Instruction> = chunk
            .iter()
            .zip(&existing)
            .filter(|(_, a)| a.is_none())
            .map(|((w, _), _)| {
                spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                    &pc.relayer.pubkey(),
                    w,
                    &pc.mint,
                    &trez_sdk::ids::TOKEN,
                )
            })
            .collect();
        if !create.is_empty() {
            if !pc.opts.pay_rent {
                warn!(missing = create.len(), "members without a token account are skipped (pay_rent is off)");
                owed.extend(chunk.iter().zip(&existing).filter(|(_, a)| a.is_none()).map(|(x, _)| *x));
            } else {
                for c in create.chunks(6) {
                    let sig = pc.send_retry(c, pc.opts.send_attempts).await?;
                    ledger.record_tx(sig.to_string(), TxKind::CreateAta, None, None).await?;
                }
            }
        }
        let pairs: Vec<(Pubkey, Pubkey)> = chunk.iter().map(|(w, _)| (*w, pda::ata(w, &pc.mint))).collect();
        let ix = pool_ix::payout(pc.pool, pc.mint, &pairs);
        info!(members = chunk.len(), "paying members");
        let sig = pc.send_retry(&[ix], pc.opts.send_attempts).await?;
        let by_member: BTreeMap<Pubkey, Pubkey> = chunk.iter().map(|(w, _)| (pda::member(&pc.pool, w), *w)).collect();
        let landed = landed_transfers(pc, &sig, &escrow, &by_member).await;
        match landed {
            Ok(transfers) => {
                let paid = escrow::member_transfers(&transfers, PayoutKind::Payout);
                let amount: u64 = paid.iter().map(|(_, a)| a).sum();
                ledger.record_payouts(sig.to_string(), PayoutKind::Payout, paid).await?;
                info!(%sig, members = chunk.len(), amount, "paid members");
                pc.emit(PoolEvent::Paid { members: chunk.len(), amount, signature: sig.to_string() });
            }
            // Landed, but its transfers could not be read now: the payout loop imports them from history.
            Err(e) => warn!(%sig, error = %e, "payout landed; its transfers will be imported from history"),
        }
        sigs.push(sig);
    }
    Ok((sigs, owed.into_iter().map(|(w, _)| w.to_bytes()).collect()))
}

/// The escrow transfers of a confirmed transaction. A node can confirm a signature a moment before it serves
/// the transaction, so a missing one is asked for again a few times (about 1 s in all).
async fn landed_transfers(
    pc: &PoolChain,
    sig: &Signature,
    escrow: &Pubkey,
    by_member: &BTreeMap<Pubkey, Pubkey>,
) -> Result<Vec<EscrowTransfer>, LoopError> {
    for attempt in 0..5 {
        if let Some(rec) = pc.chain.get_transaction(sig).await? {
            return escrow::escrow_transfers(&rec, escrow, by_member).map_err(LoopError::State);
        }
        if attempt < 4 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Err(LoopError::State("the node does not serve the transaction yet".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LedgerConfig;
    use crate::ledger::RoundRow;
    use crate::pplns::Leaf;

    async fn store(ledger: &dyn Ledger, block_count: u64, wallets: &[u8]) {
        let leaves: Vec<Leaf> = wallets.iter().map(|w| Leaf { wallet: [*w; 32], weight: 1, shares: 1, amount: 10 }).collect();
        let row = RoundRow {
            block_count,
            solution_id: 1,
            share_seq: 1,
            network_bits: 8,
            pplns_factor: 2,
            reward: 100,
            fee: 0,
            leaves_root: [0; 32],
            leaf_count: leaves.len() as u32,
            status: RoundState::Computed,
            bonus: 0,
        };
        assert!(ledger.store_round(row, leaves, vec![]).await.unwrap());
    }

    /// The crank reads every wallet once, then only the wallets of newly credited rounds and those still
    /// owed something.
    #[tokio::test]
    async fn the_crank_reads_only_wallets_that_can_be_due() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false, retention_days: 0, url: None };
        let ledger = crate::ledger::open(&cfg).unwrap();
        // Solutions the rounds refer to (foreign keys): one share and solution per round.
        for bc in [1u64, 2] {
            let share = crate::ledger::NewShare {
                wallet: [9; 32],
                worker: "w".into(),
                challenge: [bc as u8; 32],
                block_count: bc,
                nonce: bc,
                bits: 1,
                zero_bits: 1,
                block: true,
                signature: [0; 64],
            };
            ledger.record(share).await.unwrap();
        }
        store(&*ledger, 1, &[1, 2]).await;
        store(&*ledger, 2, &[3]).await;
        ledger.mark_round_credited(1).await.unwrap();
        let mut crank = Crank::default();
        let (first, credited) = crank.candidates(&*ledger).await.unwrap();
        assert_eq!(first, BTreeSet::from([[1; 32], [2; 32], [3; 32]]), "the first pass reads every wallet");
        assert_eq!(credited, vec![1]);
        // As `run` leaves it after a pass that paid wallet 1 and left wallet 2 below `min_payout`.
        (crank.started, crank.seen, crank.owed) = (true, credited.into_iter().collect(), BTreeSet::from([[2; 32]]));
        assert_eq!(crank.candidates(&*ledger).await.unwrap().0, BTreeSet::from([[2; 32]]), "nothing new credited");
        ledger.mark_round_credited(2).await.unwrap();
        let (next, credited) = crank.candidates(&*ledger).await.unwrap();
        assert_eq!(next, BTreeSet::from([[2; 32], [3; 32]]), "round 2's wallets join once it is credited");
        assert_eq!(credited, vec![1, 2]);
    }
}
