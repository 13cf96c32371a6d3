//! The relayer's on-chain loop, as tasks under one shutdown signal:
//! - [`watch`]: the chain watcher (account subscription on the TREZ `State` with a polling fallback) feeding
//!   the job source;
//! - [`submit_solutions`]: persists nothing itself (the ledger already holds every solution as `pending`),
//!   sends `submit_solution` with a compute-unit limit and priority fee, resends with fresh blockhashes until
//!   it lands or the challenge has moved (then `lost`, with the reason), and resumes pending solutions;
//! - [`settle`]: for each confirmed Round computes PPLNS from the ledger, stores leaves and window, registers
//!   missing Members, commits the root and credits the batches; the on-chain Round (status, next batch) is
//!   the source of truth, so a crash at any step resumes without double or missed credit;
//! - [`payout_once`]: pays every member whose on-chain `credited − paid` reaches `min_payout`, creating
//!   missing associated token accounts, many members per transaction.
//!
//! [`init_pool`] creates a pool on any chain (the `init-pool` command and `localnet` share it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::AccountDeserialize;
use serde::Serialize;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use tokio::sync::{broadcast, mpsc, Notify};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};
use trez_sdk::{pda, pool as pool_ix, Member, Pool, Round, RoundStatus, TrezState};

use crate::chain::{ChainClient, ChainError};
use crate::jobs::{JobSource, Template};
use crate::ledger::{now_ms, Ledger, PayoutKind, RoundRow, SolutionRow};
use crate::pplns;
use crate::server::Solution;

/// Settings of the on-chain loop (the `[chain]` table of the config).
#[derive(Clone, Debug, serde::Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChainOptions {
    /// Compute-unit limit of every transaction the relayer sends.
    pub cu_limit: u32,
    /// Priority fee, micro-lamports per CU (the floor when `cu_price_percentile` is set).
    pub cu_price_micro_lamports: u64,
    /// When set (1..=100), the priority fee is this percentile of the recent prioritization fees paid on the
    /// pool's and TREZ's accounts (`getRecentPrioritizationFees`), never below `cu_price_micro_lamports` nor
    /// above `cu_price_max_micro_lamports`.
    pub cu_price_percentile: Option<u8>,
    /// Ceiling of the priority fee taken from recent fees, micro-lamports per CU.
    pub cu_price_max_micro_lamports: u64,
    /// Seconds to wait for a transaction's confirmation before resending.
    pub confirm_timeout_secs: u64,
    /// PPLNS window: `pplns_factor × 2^network_bits` weight units.
    pub pplns_factor: u64,
    /// Members per `credit_batch` transaction (at most [`MAX_CREDIT_PER_TX`]).
    pub credit_batch: usize,
    /// Members per `payout` transaction (at most [`MAX_PAYOUT_PER_TX`]).
    pub payout_batch: usize,
    /// Seconds between payout crank runs.
    pub payout_interval_secs: u64,
    /// Milliseconds between polls of the TREZ state (fallback when the subscription is silent).
    pub poll_interval_ms: u64,
    /// The relayer pays rent for missing Member accounts and associated token accounts.
    pub pay_rent: bool,
    /// Attempts (fresh blockhash each) for a settlement or payout transaction before the run gives up and
    /// retries from the chain's state on the next run.
    pub send_attempts: u32,
}

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            cu_limit: 400_000,
            cu_price_micro_lamports: 1_000,
            cu_price_percentile: None,
            cu_price_max_micro_lamports: 1_000_000,
            confirm_timeout_secs: 30,
            pplns_factor: 2,
            credit_batch: 20,
            payout_batch: MAX_PAYOUT_PER_TX,
            payout_interval_secs: 60,
            poll_interval_ms: 2_000,
            pay_rent: true,
            send_attempts: 5,
        }
    }
}

/// Something that happened on-chain, for logs, `localnet` output and the API.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PoolEvent {
    BlockSubmitted { block_count: u64, finder: String, reward: u64, fee: u64, signature: String },
    SolutionLost { block_count: u64, reason: String },
    RoundCredited { block_count: u64, leaf_count: u32, credited: u64, leaves_root: String, signatures: Vec<String> },
    Paid { members: usize, amount: u64, signature: String },
}

/// The pool as seen from the chain, plus the relayer's hot key.
pub struct PoolChain {
    pub chain: Arc<dyn ChainClient>,
    /// Relayer key: fee payer, `begin_credit` / `credit_batch` signer, rent payer.
    pub relayer: Arc<Keypair>,
    pub pool: Pubkey,
    pub mint: Pubkey,
    pub authority: Pubkey,
    pub opts: ChainOptions,
    pub events: broadcast::Sender<PoolEvent>,
    /// Unix ms of the last TREZ state seen (template age).
    pub last_template_ms: AtomicU64,
    /// Wakes the settler (a solution was confirmed).
    pub settle_now: Notify,
    /// Blockhash and priority fee reused across sends.
    send_cache: std::sync::Mutex<SendCache>,
    /// A send took the cached blockhash ([`keep_warm`] fetches the next).
    blockhash_used: Notify,
}

/// What [`PoolChain::send`] reuses rather than reading per transaction: over RPC each read is a round trip,
/// and on the solution path every round trip is time another pool has to land the same block. [`keep_warm`]
/// keeps both warm.
#[derive(Default)]
struct SendCache {
    blockhash: Option<(solana_sdk::hash::Hash, Instant)>,
    fee: Option<(u64, Instant)>,
}

/// Longest a blockhash is reused (one is valid for 150 slots, about 60 s).
pub const BLOCKHASH_REUSE: Duration = Duration::from_secs(5);
/// Longest a priority fee taken from recent fees is reused.
pub const FEE_REUSE: Duration = Duration::from_secs(10);

/// Most members in one `credit_batch` the relayer sends: what fits a legacy transaction (1,232 bytes) with
/// the two compute-budget instructions [`PoolChain::send`] adds (21 do; `trez-bench onchain` measures it).
pub const MAX_CREDIT_PER_TX: usize = 20;
/// Most (member, destination) pairs in one `payout` the relayer sends, by the same rule (12 fit, 13 do not).
pub const MAX_PAYOUT_PER_TX: usize = 12;

/// Errors of the on-chain loop.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Pplns(#[from] pplns::PplnsError),
    #[error("{0}")]
    State(String),
}

fn decode<T: AccountDeserialize>(data: &[u8]) -> Result<T, LoopError> {
    trez_sdk::decode::account::<T>(data).map_err(|e| LoopError::State(format!("account decode: {e}")))
}

impl PoolChain {
    /// Read the Pool account to learn its mint and authority.
    pub async fn connect(chain: Arc<dyn ChainClient>, relayer: Arc<Keypair>, pool: Pubkey, opts: ChainOptions) -> Result<Arc<PoolChain>, LoopError> {
        let acc = chain.get_account(&pool).await?.ok_or_else(|| LoopError::State(format!("pool {pool} does not exist")))?;
        let p: Pool = decode(&acc.data)?;
        if p.relayer != relayer.pubkey() {
            warn!(expected = %p.relayer, actual = %relayer.pubkey(), "this key is not the pool's relayer: crediting will fail");
        }
        let (events, _) = broadcast::channel(1024);
        Ok(Arc::new(PoolChain {
            chain,
            relayer,
            pool,
            mint: p.mint,
            authority: p.authority,
            opts,
            events,
            last_template_ms: AtomicU64::new(0),
            settle_now: Notify::new(),
            send_cache: Default::default(),
            blockhash_used: Notify::new(),
        }))
    }

    /// A read-only view of `pool` (audit, dashboards): no relayer key is needed; sending is not possible.
    pub async fn observe(chain: Arc<dyn ChainClient>, pool: Pubkey) -> Result<Arc<PoolChain>, LoopError> {
        let acc = chain.get_account(&pool).await?.ok_or_else(|| LoopError::State(format!("pool {pool} does not exist")))?;
        let p: Pool = decode(&acc.data)?;
        let (events, _) = broadcast::channel(1);
        Ok(Arc::new(PoolChain {
            chain,
            relayer: Arc::new(Keypair::new()),
            pool,
            mint: p.mint,
            authority: p.authority,
            opts: ChainOptions::default(),
            events,
            last_template_ms: AtomicU64::new(0),
            settle_now: Notify::new(),
            send_cache: Default::default(),
            blockhash_used: Notify::new(),
        }))
    }

    fn emit(&self, e: PoolEvent) {
        let _ = self.events.send(e);
    }

    /// The priority fee to pay now, micro-lamports per CU (see [`ChainOptions::cu_price_percentile`]).
    pub async fn priority_fee(&self) -> u64 {
        let floor = self.opts.cu_price_micro_lamports;
        let Some(p) = self.opts.cu_price_percentile else { return floor };
        if let Some((fee, at)) = self.cache().fee {
            if at.elapsed() < FEE_REUSE {
                return fee;
            }
        }
        let accounts = [self.pool, pda::trez_state()];
        match self.chain.recent_priority_fees(&accounts).await {
            Ok(fees) => {
                let fee = percentile(fees, p).unwrap_or(floor).clamp(floor, self.opts.cu_price_max_micro_lamports.max(floor));
                self.cache().fee = Some((fee, Instant::now()));
                fee
            }
            Err(e) => {
                warn!(error = %e, "recent prioritization fees unavailable; using the configured floor");
                floor
            }
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, SendCache> {
        self.send_cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refresh the cached blockhash and priority fee, so the next send (a solution) reads nothing first
    /// ([`keep_warm`] calls this).
    pub async fn warm(&self) {
        match self.chain.latest_blockhash().await {
            Ok(h) => self.cache().blockhash = Some((h, Instant::now())),
            // The RPC client already warns about failing nodes; this runs every second.
            Err(e) => tracing::debug!(error = %e, "reading a recent blockhash failed"),
        }
        if self.cache().fee.is_some_and(|(_, at)| at.elapsed() >= FEE_REUSE / 2) {
            self.cache().fee = None;
            self.priority_fee().await;
        }
    }

    /// Send `ixs` with the compute budget, signed by the relayer (and `extra` signers), and wait for
    /// confirmation; one attempt. The blockhash is the one [`keep_warm`] cached if it is at most
    /// [`BLOCKHASH_REUSE`] old and no other send used it (so two sends of the same instructions never make the
    /// same transaction, and a retry always signs with a fresh one), else read from the chain.
    pub async fn send(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Signature, ChainError> {
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(self.opts.cu_limit),
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(self.priority_fee().await),
        ];
        all.extend_from_slice(ixs);
        let cached = self.cache().blockhash.take().filter(|(_, at)| at.elapsed() < BLOCKHASH_REUSE);
        let bh = match cached {
            Some((h, _)) => {
                self.blockhash_used.notify_one();
                h
            }
            None => self.chain.latest_blockhash().await?,
        };
        let mut signers: Vec<&Keypair> = vec![&self.relayer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(&all, Some(&self.relayer.pubkey()), &signers, bh);
        self.chain.send_and_confirm(&tx, Duration::from_secs(self.opts.confirm_timeout_secs)).await
    }

    /// [`PoolChain::send`] retried on transient errors (fresh blockhash each time), up to `attempts`.
    pub async fn send_retry(&self, ixs: &[Instruction], attempts: u32) -> Result<Signature, ChainError> {
        let mut wait = Duration::from_millis(200);
        let mut last = ChainError::Rpc("no attempt".into());
        for _ in 0..attempts.max(1) {
            match self.send(ixs, &[]).await {
                Ok(sig) => return Ok(sig),
                Err(e) if e.is_transient() => {
                    warn!(error = %e, "transient chain error; resending");
                    last = e;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    pub async fn trez_state(&self) -> Result<TrezState, LoopError> {
        let acc = self.chain.get_account(&pda::trez_state()).await?.ok_or_else(|| LoopError::State("TREZ state missing".into()))?;
        decode(&acc.data)
    }

    pub async fn pool_account(&self) -> Result<Pool, LoopError> {
        let acc = self.chain.get_account(&self.pool).await?.ok_or_else(|| LoopError::State("pool missing".into()))?;
        decode(&acc.data)
    }

    pub async fn round(&self, block_count: u64) -> Result<Option<Round>, LoopError> {
        match self.chain.get_account(&pda::round(&self.pool, block_count)).await? {
            Some(acc) => Ok(Some(decode(&acc.data)?)),
            None => Ok(None),
        }
    }

    /// Member accounts of `wallets` (None where not registered).
    pub async fn members(&self, wallets: &[Pubkey]) -> Result<Vec<Option<Member>>, LoopError> {
        let keys: Vec<Pubkey> = wallets.iter().map(|w| pda::member(&self.pool, w)).collect();
        let accs = self.chain.get_multiple_accounts(&keys).await?;
        accs.into_iter().map(|a| a.map(|a| decode::<Member>(&a.data)).transpose()).collect()
    }

    /// The escrow's token balance, base units.
    pub async fn token_balance(&self, account: &Pubkey) -> Result<u64, LoopError> {
        use solana_sdk::program_pack::Pack;
        let acc = self.chain.get_account(account).await?.ok_or_else(|| LoopError::State(format!("token account {account} missing")))?;
        spl_token_interface::state::Account::unpack(&acc.data).map(|a| a.amount).map_err(|e| LoopError::State(e.to_string()))
    }

    fn template(&self, s: &TrezState) -> Template {
        Template { challenge: s.challenge_number, block_count: s.block_count, network_bits: s.difficulty_high, miner_key: self.authority.to_bytes() }
    }
}

/// The `p`-th percentile (nearest rank, 1..=100) of `values`; None when empty.
pub fn percentile(mut values: Vec<u64>, p: u8) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = ((p.clamp(1, 100) as usize * values.len()).div_ceil(100)).max(1);
    values.get(rank - 1).copied()
}

/// Chain watcher: publish the TREZ state as a template on every change (subscription), and poll as a
/// fallback. Returns when `cancel` fires.
pub async fn watch(pc: Arc<PoolChain>, jobs: JobSource, cancel: CancellationToken) {
    let mut sub = match pc.chain.subscribe_account(&pda::trez_state()).await {
        Ok(rx) => Some(rx),
        Err(e) => {
            warn!(error = %e, "TREZ state subscription failed; polling only");
            None
        }
    };
    let mut poll = tokio::time::interval(Duration::from_millis(pc.opts.poll_interval_ms.max(50)));
    loop {
        let state = tokio::select! {
            _ = cancel.cancelled() => return,
            Some(acc) = async { match sub.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                decode::<TrezState>(&acc.data).ok()
            }
            _ = poll.tick() => pc.trez_state().await.ok(),
        };
        if let Some(s) = state {
            pc.last_template_ms.store(now_ms() as u64, Ordering::Relaxed);
            if jobs.publish(pc.template(&s)) {
                info!(block_count = s.block_count, difficulty = s.difficulty_high, "new TREZ work");
            }
        }
    }
}

/// Keep [`PoolChain::send`]'s blockhash and priority fee warm: at once whenever a send used the cached
/// blockhash, and every second (never more often than the TREZ state poll allows). Its own task, so an RPC
/// outage never holds up the chain watcher. Returns when `cancel` fires.
pub async fn keep_warm(pc: Arc<PoolChain>, cancel: CancellationToken) {
    let every = Duration::from_millis(pc.opts.poll_interval_ms.clamp(50, 1_000));
    loop {
        pc.warm().await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = pc.blockhash_used.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Solution submitter. New solutions come from `rx` (the fast path); the ledger is the source of truth: every
/// pass, and every few seconds, it also lands whatever is still `pending` there: at start (a crash), and
/// solutions the channel could not take (it is bounded; during a long RPC outage miners keep finding blocks
/// for the last challenge they know).
pub async fn submit_solutions(pc: Arc<PoolChain>, ledger: Ledger, mut rx: mpsc::Receiver<Solution>, cancel: CancellationToken) {
    // Highest solution id a ledger sweep handled: the channel's copy of such a solution is skipped.
    let mut swept = 0i64;
    let mut sweep = tokio::time::interval(Duration::from_secs(5));
    loop {
        match ledger.solutions("pending").await {
            Ok(pending) => {
                for s in pending {
                    if cancel.is_cancelled() {
                        return;
                    }
                    swept = swept.max(s.id);
                    submit_one(&pc, &ledger, &s, &cancel).await;
                }
            }
            Err(e) => warn!(error = %e, "could not read pending solutions"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            s = rx.recv() => match s {
                Some(s) if s.id > swept => submit_fresh(&pc, &ledger, &s, &cancel).await,
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
pub async fn submit_one(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow, cancel: &CancellationToken) {
    submit(pc, ledger, s, cancel, false).await
}

/// [`submit_one`] for a solution the share validator checked against the current template a moment ago:
/// the first `submit_solution` goes out without reading the chain (with the blockhash [`keep_warm`] keeps,
/// no RPC round trip precedes it). A rejection is classified by the same reads afterwards.
pub async fn submit_fresh(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow, cancel: &CancellationToken) {
    submit(pc, ledger, s, cancel, true).await
}

async fn submit(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow, cancel: &CancellationToken, fresh: bool) {
    let ix = pool_ix::submit_solution(pc.relayer.pubkey(), pc.pool, pc.mint, s.block_count, s.nonce);
    let started = Instant::now();
    let mut wait = Duration::from_millis(200);
    let mut read_first = !fresh;
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
        match pc.send(std::slice::from_ref(&ix), &[]).await {
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
                        lost(pc, ledger, s, format!("rejected: {}", e.to_string().lines().next().unwrap_or(""))).await;
                        return;
                    }
                }
            }
        }
    }
}

/// The Round of `block_count` (None until a solution of that block landed) and the TREZ state.
async fn round_and_state(pc: &PoolChain, block_count: u64) -> Result<(Option<Round>, TrezState), LoopError> {
    Ok((pc.round(block_count).await?, pc.trez_state().await?))
}

async fn confirmed(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow, round: &Round, sig: Option<Signature>) {
    let sig_s = sig.map(|s| s.to_string());
    if let Err(e) = ledger.set_solution(s.id, "confirmed", None, sig_s.clone()).await {
        warn!(error = %e, "could not mark the solution confirmed");
    }
    if let Some(sig) = &sig_s {
        let _ = ledger.record_tx(sig.clone(), "submit", Some(s.block_count), None).await;
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

async fn lost(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow, reason: String) {
    warn!(block_count = s.block_count, reason, "solution lost");
    let _ = ledger.set_solution(s.id, "lost", Some(reason.clone()), None).await;
    pc.emit(PoolEvent::SolutionLost { block_count: s.block_count, reason });
}

/// Round settler loop: settles every confirmed round when woken and every few seconds.
pub async fn settle(pc: Arc<PoolChain>, ledger: Ledger, cancel: CancellationToken) {
    loop {
        if let Err(e) = settle_all(&pc, &ledger).await {
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
pub async fn settle_all(pc: &PoolChain, ledger: &Ledger) -> Result<(), LoopError> {
    for s in ledger.unsettled().await? {
        settle_round(pc, ledger, &s).await?;
    }
    Ok(())
}

/// Compute (or load) a round's PPLNS leaves and credit them exactly once. Resumable at any point.
pub async fn settle_round(pc: &PoolChain, ledger: &Ledger, s: &SolutionRow) -> Result<(), LoopError> {
    let bc = s.block_count;
    let round = pc.round(bc).await?.ok_or_else(|| LoopError::State(format!("round {bc} not on-chain")))?;
    if round.status == RoundStatus::Credited {
        ledger.mark_round_credited(bc).await?;
        return Ok(());
    }
    // 1. Leaves: computed once, stored before anything is committed on-chain.
    let (row, leaves) = match ledger.round(bc).await? {
        Some(x) => x,
        None => {
            let n = pplns::window_size(pc.opts.pplns_factor, round.difficulty)?;
            let window = ledger.window(s.share_seq, n).await??;
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
                status: "computed".into(),
            };
            ledger.store_round(row, leaves, window).await?;
            ledger.round(bc).await?.ok_or_else(|| LoopError::State("stored round vanished".into()))?
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
        let ix = pool_ix::begin_credit(pc.relayer.pubkey(), pc.pool, bc, row.leaves_root, row.leaf_count);
        let sig = pc.send_retry(&[ix], pc.opts.send_attempts).await?;
        ledger.record_tx(sig.to_string(), "begin_credit", Some(bc), None).await?;
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
        ledger.record_tx(sig.to_string(), "credit_batch", Some(bc), Some(i as u32)).await?;
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
pub async fn ensure_members(pc: &PoolChain, ledger: &Ledger, wallets: &[Pubkey]) -> Result<(), LoopError> {
    let existing = pc.members(wallets).await?;
    let missing: Vec<Pubkey> = wallets.iter().zip(existing).filter(|(_, m)| m.is_none()).map(|(w, _)| *w).collect();
    if !missing.is_empty() && !pc.opts.pay_rent {
        return Err(LoopError::State(format!("{} members are not registered and pay_rent is off", missing.len())));
    }
    for chunk in missing.chunks(8) {
        let ixs: Vec<Instruction> = chunk.iter().map(|w| pool_ix::register_member(pc.relayer.pubkey(), pc.pool, *w)).collect();
        let sig = pc.send_retry(&ixs, pc.opts.send_attempts).await?;
        ledger.record_tx(sig.to_string(), "register", None, None).await?;
    }
    Ok(())
}

/// Payout crank loop: every `payout_interval_secs`, [`payout_once`].
///
/// The ledger mirrors every transfer to members (crank payouts and members' own claims), so its total equals
/// the pool's on-chain `paid`. While they differ (a payout that landed after its sender crashed or lost the
/// confirmation, someone else's crank, a member's claim), the loop imports the missing transfers from the
/// escrow's history ([`reconcile_payouts_since`]): at once when the difference changes, and otherwise again
/// after a backoff (1 s doubling to 60 s; history can lag the account state on some RPC nodes). An import
/// reads only the escrow transactions since the last one it read; one that finds nothing makes the next
/// read the whole recent history again.
pub async fn payouts(pc: Arc<PoolChain>, ledger: Ledger, cancel: CancellationToken) {
    // Newest escrow signature an import read, while imports find what they look for.
    let mut read_until: Option<Signature> = None;
    let mut last_gap: Option<u64> = None;
    let mut backoff = Duration::from_secs(1);
    let mut next_import = tokio::time::Instant::now();
    loop {
        let now = async { Ok::<_, LoopError>((pc.pool_account().await?.paid, ledger.payout_total().await?)) }.await;
        match now {
            Ok((paid, recorded)) if paid != recorded => {
                let gap = paid.abs_diff(recorded);
                if last_gap != Some(gap) || tokio::time::Instant::now() >= next_import {
                    if recorded > paid {
                        error!(paid, recorded, "the ledger records more paid to members than the chain; importing from history");
                    }
                    match reconcile_payouts_since(&pc, &ledger, read_until, RECONCILE_HISTORY).await {
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
        if let Err(e) = payout_once(&pc, &ledger).await {
            warn!(error = %e, "payout run failed; will retry");
        }
    }
}

/// Escrow transactions (newest first) [`reconcile_payouts`] reads when the payout loop imports.
pub const RECONCILE_HISTORY: usize = 1_000;

/// Record every transfer to a member (`payout`, anyone's crank, and `claim`) among the escrow's last `limit`
/// landed transactions that the ledger lacks, with the amounts decoded from its `transfer_checked`s.
/// Returns how many transfers were added.
pub async fn reconcile_payouts(pc: &PoolChain, ledger: &Ledger, limit: usize) -> Result<usize, LoopError> {
    Ok(reconcile_payouts_since(pc, ledger, None, limit).await?.0)
}

/// [`reconcile_payouts`] over the escrow transactions newer than `until` only (None: the last `limit`).
/// Returns the transfers added and the newest escrow signature read (to pass as `until` next time).
pub async fn reconcile_payouts_since(
    pc: &PoolChain,
    ledger: &Ledger,
    until: Option<Signature>,
    limit: usize,
) -> Result<(usize, Option<Signature>), LoopError> {
    let wallets: Vec<Pubkey> = ledger.leaf_wallets().await?.into_iter().map(Pubkey::new_from_array).collect();
    let by_member: std::collections::BTreeMap<Pubkey, Pubkey> = wallets.iter().map(|w| (pda::member(&pc.pool, w), *w)).collect();
    let escrow = pda::escrow(&pc.pool);
    let mut added = 0;
    let history = pc.chain.history_until(&escrow, until, limit).await?;
    let newest = history.first().map(|r| r.signature).or(until);
    // Oldest first, so the ledger keeps chain order.
    for rec in history.iter().rev().filter(|t| t.ok) {
        let sig = rec.signature.to_string();
        let transfers = match crate::audit::escrow_transfers(rec, &escrow, &by_member) {
            Ok(t) => t,
            Err(e) => {
                warn!(signature = %sig, problem = %e, "escrow transaction not imported");
                continue;
            }
        };
        // Recording is idempotent per (signature, wallet): what the ledger has already is left alone.
        for kind in [PayoutKind::Payout, PayoutKind::Claim] {
            let paid = crate::audit::member_transfers(&transfers, kind);
            if !paid.is_empty() {
                added += ledger.record_payouts(sig.clone(), kind, paid).await?;
            }
        }
    }
    Ok((added, newest))
}

/// One payout pass: every member (of any stored round) whose on-chain `credited − paid` ≥ `min_payout` is paid
/// to its associated token account (created when missing). Totals come from the chain, never the ledger; the
/// amounts recorded are the `transfer_checked`s of the landed transaction (a payout transfers what is owed
/// when it executes). Returns the signatures.
pub async fn payout_once(pc: &PoolChain, ledger: &Ledger) -> Result<Vec<Signature>, LoopError> {
    let pool = pc.pool_account().await?;
    let wallets: Vec<Pubkey> = ledger.leaf_wallets().await?.into_iter().map(Pubkey::new_from_array).collect();
    let members = pc.members(&wallets).await?;
    let due: Vec<(Pubkey, u64)> = wallets
        .iter()
        .zip(members)
        .filter_map(|(w, m)| m.map(|m| (*w, m.pending())))
        .filter(|(_, p)| *p > 0 && *p >= pool.min_payout)
        .collect();
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
            } else {
                for c in create.chunks(6) {
                    let sig = pc.send_retry(c, pc.opts.send_attempts).await?;
                    ledger.record_tx(sig.to_string(), "create_ata", None, None).await?;
                }
            }
        }
        let pairs: Vec<(Pubkey, Pubkey)> = chunk.iter().map(|(w, _)| (*w, pda::ata(w, &pc.mint))).collect();
        let ix = pool_ix::payout(pc.pool, pc.mint, &pairs);
        info!(members = chunk.len(), "paying members");
        let sig = pc.send_retry(&[ix], pc.opts.send_attempts).await?;
        let by_member: std::collections::BTreeMap<Pubkey, Pubkey> = chunk.iter().map(|(w, _)| (pda::member(&pc.pool, w), *w)).collect();
        let landed = landed_transfers(pc, &sig, &escrow, &by_member).await;
        match landed {
            Ok(transfers) => {
                let paid = crate::audit::member_transfers(&transfers, PayoutKind::Payout);
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
    Ok(sigs)
}

/// The escrow transfers of a confirmed transaction. A node can confirm a signature a moment before it serves
/// the transaction, so a missing one is asked for again a few times (about 1 s in all).
async fn landed_transfers(
    pc: &PoolChain,
    sig: &Signature,
    escrow: &Pubkey,
    by_member: &std::collections::BTreeMap<Pubkey, Pubkey>,
) -> Result<Vec<crate::audit::EscrowTransfer>, LoopError> {
    for attempt in 0..5 {
        if let Some(rec) = pc.chain.get_transaction(sig).await? {
            return crate::audit::escrow_transfers(&rec, escrow, by_member).map_err(LoopError::State);
        }
        if attempt < 4 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Err(LoopError::State("the node does not serve the transaction yet".into()))
}

/// TREZ parameters for a new local chain.
#[derive(Clone, Copy, Debug)]
pub struct TrezGenesis {
    pub difficulty: u32,
    pub min_difficulty: u32,
    pub max_difficulty: u32,
    pub base_reward: u64,
    pub target_block_seconds: i64,
}

/// Create a 6-decimal TREZ mint whose authority is the TREZ mint-authority PDA and initialize the TREZ
/// replica (local chains only; on devnet/mainnet TREZ exists). `admin` pays. Returns the mint.
pub async fn init_trez(chain: &dyn ChainClient, admin: &Keypair, g: TrezGenesis) -> Result<Pubkey, LoopError> {
    use solana_sdk::program_pack::Pack;
    let mint = Keypair::new();
    let space = spl_token_interface::state::Mint::LEN;
    // Rent for a mint: 1461600 lamports at the default rent; a generous fixed amount keeps this chain-agnostic.
    let lamports = 1_461_600;
    let ixs = vec![
        anchor_lang::solana_program::system_instruction::create_account(&admin.pubkey(), &mint.pubkey(), lamports, space as u64, &trez_sdk::ids::TOKEN),
        spl_token_interface::instruction::initialize_mint2(&trez_sdk::ids::TOKEN, &mint.pubkey(), &pda::trez_mint_authority(), None, 6)
            .map_err(|e| LoopError::State(e.to_string()))?,
        trez_sdk::mining::initialize(
            admin.pubkey(),
            mint.pubkey(),
            trez_sdk::mining::InitializeArgs {
                difficulty: g.difficulty,
                min_difficulty: g.min_difficulty,
                max_difficulty: g.max_difficulty,
                base_reward: g.base_reward,
                referral_bonus: 0,
                target_block_seconds: g.target_block_seconds,
            },
        ),
    ];
    let bh = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(&ixs, Some(&admin.pubkey()), &[admin, &mint], bh);
    chain.send_and_confirm(&tx, Duration::from_secs(30)).await?;
    Ok(mint.pubkey())
}

/// What `init_pool` created.
#[derive(Clone, Debug, Serialize)]
pub struct PoolAddresses {
    pub pool: String,
    pub authority: String,
    pub escrow: String,
    pub mint: String,
    pub admin: String,
    pub relayer: String,
}

/// Create a pool (`initialize_pool`) for `mint` with `admin` signing and paying. Used by `init-pool` against
/// any RPC and by `localnet` against the embedded chain.
pub async fn init_pool(chain: &dyn ChainClient, admin: &Keypair, mint: Pubkey, args: pool_ix::InitializePoolArgs) -> Result<PoolAddresses, LoopError> {
    let ix = pool_ix::initialize_pool(admin.pubkey(), mint, args);
    let bh = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&admin.pubkey()), &[admin], bh);
    chain.send_and_confirm(&tx, Duration::from_secs(30)).await?;
    let pool = pda::pool(&admin.pubkey());
    Ok(PoolAddresses {
        pool: pool.to_string(),
        authority: pda::authority(&pool).to_string(),
        escrow: pda::escrow(&pool).to_string(),
        mint: mint.to_string(),
        admin: admin.pubkey().to_string(),
        relayer: args.relayer.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serialized size of a legacy transaction as [`PoolChain::send`] builds it.
    fn size(relayer: &Keypair, ixs: &[Instruction]) -> usize {
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000),
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(u64::MAX),
        ];
        all.extend_from_slice(ixs);
        let tx = Transaction::new_signed_with_payer(&all, Some(&relayer.pubkey()), &[relayer], solana_sdk::hash::Hash::new_unique());
        bincode::serialize(&tx).unwrap().len()
    }

    #[test]
    fn the_relayers_batches_fit_one_packet_and_one_more_does_not_for_payouts() {
        const PACKET: usize = 1_232;
        let (pool, mint) = (Pubkey::new_unique(), Pubkey::new_unique());
        let wallets: Vec<Pubkey> = (0..40).map(|_| Pubkey::new_unique()).collect();
        let relayer = Keypair::new();
        let credit = |n: usize| size(&relayer, &[pool_ix::credit_batch(relayer.pubkey(), pool, 1, 0, &wallets[..n], vec![u64::MAX; n])]);
        let payout = |n: usize| {
            let pairs: Vec<(Pubkey, Pubkey)> = wallets[..n].iter().map(|w| (*w, pda::ata(w, &mint))).collect();
            size(&relayer, &[pool_ix::payout(pool, mint, &pairs)])
        };
        assert!(credit(MAX_CREDIT_PER_TX) <= PACKET, "credit_batch of {MAX_CREDIT_PER_TX}: {} bytes", credit(MAX_CREDIT_PER_TX));
        assert!(payout(MAX_PAYOUT_PER_TX) <= PACKET, "payout of {MAX_PAYOUT_PER_TX}: {} bytes", payout(MAX_PAYOUT_PER_TX));
        assert!(payout(MAX_PAYOUT_PER_TX + 1) > PACKET, "the payout cap is the largest that fits");
    }

    #[test]
    fn percentile_nearest_rank() {
        assert_eq!(percentile(vec![], 50), None);
        assert_eq!(percentile(vec![7], 1), Some(7));
        assert_eq!(percentile(vec![5, 1, 4, 2, 3], 50), Some(3));
        assert_eq!(percentile(vec![5, 1, 4, 2, 3], 100), Some(5));
        assert_eq!(percentile(vec![5, 1, 4, 2, 3], 1), Some(1));
        assert_eq!(percentile((1..=100).collect(), 75), Some(75));
    }
}
