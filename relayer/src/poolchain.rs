//! [`PoolChain`]: the pool as the relayer sees it on-chain (its accounts, decoded), and the one way the
//! relayer sends transactions (compute budget, priority fee, cached blockhash, retries). The tasks
//! (`tasks`), the API and the audit read the chain through it.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::AccountDeserialize;
use serde::Serialize;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use tokio::sync::{broadcast, Notify};
use tracing::warn;
use trez_sdk::{pda, Member, Pool, Round, TrezState};

use crate::chain::{ChainClient, ChainError};
use crate::config::ChainOptions;
use crate::jobs::Template;
use crate::pplns;

pub use crate::config::{MAX_CREDIT_PER_TX, MAX_PAYOUT_PER_TX};

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
    /// A send took the cached blockhash (the keep-warm task (`tasks::watcher::keep_warm`) fetches the next).
    pub(crate) blockhash_used: Notify,
}

/// What [`PoolChain::send`] reuses rather than reading per transaction: over RPC each read is a round trip,
/// and on the solution path every round trip is time another pool has to land the same block. The keep-warm
/// task (`tasks::watcher::keep_warm`) keeps both warm.
#[derive(Default)]
struct SendCache {
    blockhash: Option<(solana_sdk::hash::Hash, Instant)>,
    fee: Option<(u64, Instant)>,
}

/// Longest a blockhash is reused (one is valid for 150 slots, about 60 s).
pub const BLOCKHASH_REUSE: Duration = Duration::from_secs(5);
/// Resends after which the priority fee reaches its ceiling ([`escalated_fee`]).
pub const FEE_ESCALATION_STEPS: u32 = 4;

/// The priority fee of resend `attempt` (micro-lamports per CU): `base` for the first send, then a quarter of
/// the way from `base` to `ceiling` more per resend, the ceiling from the fourth resend on
/// (`base + (ceiling − base) × min(attempt, 4) / 4`; never below `base`).
pub fn escalated_fee(base: u64, attempt: u32, ceiling: u64) -> u64 {
    let room = ceiling.saturating_sub(base) as u128;
    let step = room * attempt.min(FEE_ESCALATION_STEPS) as u128 / FEE_ESCALATION_STEPS as u128;
    base.saturating_add(step as u64)
}

/// Longest a priority fee taken from recent fees is reused.
pub const FEE_REUSE: Duration = Duration::from_secs(10);

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

pub(crate) fn decode<T: AccountDeserialize>(data: &[u8]) -> Result<T, LoopError> {
    trez_sdk::decode::account::<T>(data).map_err(|e| LoopError::State(format!("account decode: {e}")))
}

/// The Pool account at `pool`, which must belong to the pool program in use (`trez_sdk::ids::pool()`: the
/// compiled id, or `--pool-program`).
async fn read_pool(chain: &dyn ChainClient, pool: &Pubkey) -> Result<Pool, LoopError> {
    let acc = chain.get_account(pool).await?.ok_or_else(|| LoopError::State(format!("pool {pool} does not exist")))?;
    if acc.owner != trez_sdk::ids::pool() {
        return Err(LoopError::State(format!("{pool} belongs to program {}, not the pool program {} (see --pool-program)", acc.owner, trez_sdk::ids::pool())));
    }
    decode(&acc.data)
}



impl PoolChain {
    /// Read the Pool account to learn its mint and authority.
    pub async fn connect(chain: Arc<dyn ChainClient>, relayer: Arc<Keypair>, pool: Pubkey, opts: ChainOptions) -> Result<Arc<PoolChain>, LoopError> {
        let p = read_pool(chain.as_ref(), &pool).await?;
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
        let p = read_pool(chain.as_ref(), &pool).await?;
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

    pub(crate) fn emit(&self, e: PoolEvent) {
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
    /// (the keep-warm task (`tasks::watcher::keep_warm`) calls this).
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
    /// confirmation; one attempt. The blockhash is the one the keep-warm task (`tasks::watcher::keep_warm`) cached if it is at most
    /// [`BLOCKHASH_REUSE`] old and no other send used it (so two sends of the same instructions never make the
    /// same transaction, and a retry always signs with a fresh one), else read from the chain.
    pub async fn send(&self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Signature, ChainError> {
        self.send_attempt(ixs, extra, 0).await
    }

    /// [`PoolChain::send`] as resend number `attempt` (0: the first send) of the same instructions: the
    /// priority fee is raised by [`escalated_fee`] towards `cu_price_max_micro_lamports`, so a transaction
    /// that keeps being dropped under congestion bids more each time, within the ceiling.
    pub async fn send_attempt(&self, ixs: &[Instruction], extra: &[&Keypair], attempt: u32) -> Result<Signature, ChainError> {
        let ceiling = self.opts.cu_price_max_micro_lamports.max(self.opts.cu_price_micro_lamports);
        let fee = escalated_fee(self.priority_fee().await, attempt, ceiling);
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(self.opts.cu_limit),
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(fee),
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

    /// TREZ's emission as of now: era, block reward, bonus and what the distributor still holds.
    pub async fn trez_emission(&self) -> Result<Emission, LoopError> {
        let s = self.trez_state().await?;
        let distributor = self.token_balance(&s.distributor_token).await?;
        Ok(Emission::of(&s, distributor))
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

    pub(crate) fn template(&self, s: &TrezState) -> Template {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A solution's resends bid more each time: a quarter of the way to the ceiling per resend, the ceiling
    /// from the fourth on, never beyond it, and nothing to raise when the base is already at the ceiling.
    #[test]
    fn resends_escalate_the_priority_fee_within_the_ceiling() {
        let fees: Vec<u64> = (0..7).map(|a| escalated_fee(1_000, a, 1_001_000)).collect();
        assert_eq!(fees, vec![1_000, 251_000, 501_000, 751_000, 1_001_000, 1_001_000, 1_001_000]);
        assert_eq!(escalated_fee(5_000, 3, 5_000), 5_000);
        assert_eq!(escalated_fee(7_000, 2, 1_000), 7_000, "a base above the ceiling is not lowered");
        assert_eq!(escalated_fee(0, u32::MAX, u64::MAX), u64::MAX);
    }
    use trez_sdk::pool as pool_ix;

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


/// TREZ's emission (`State.era`, `State.reward`, `State.referral_bonus` and the distributor's balance), as the
/// API, the metrics and the submitter report it. Amounts in base units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Emission {
    pub era: u32,
    /// Block reward of the current era.
    pub block_reward: u64,
    pub referral_bonus: u64,
    /// What the TREZ distributor's token account holds.
    pub distributor_balance: u64,
    /// The distributor cannot pay one more block (reward + bonus): every claim fails until it is refilled.
    pub exhausted: bool,
}

impl Emission {
    pub fn of(s: &TrezState, distributor_balance: u64) -> Emission {
        let need = s.reward.saturating_add(s.referral_bonus);
        Emission { era: s.era, block_reward: s.reward, referral_bonus: s.referral_bonus, distributor_balance, exhausted: distributor_balance < need }
    }
}
