//! The share ledger: the relayer's durable record of shares, solutions, rounds, landed transactions and
//! transfers to members. Everything reaches it through the [`Ledger`] trait, whose values are the domain
//! types of [`types`]; no database type crosses it. [`connect`] picks the backend from the configuration:
//! SQLite ([`sqlite`]: rusqlite on its own thread, WAL, group commit; one relayer) when `[ledger] url` is
//! unset, PostgreSQL ([`postgres`]: tokio-postgres, pooled, group commit; any number of relayers) when it is
//! a `postgres://` URL. [`open`] is the SQLite-only synchronous form.
//!
//! The rules every backend keeps:
//! - a share is acknowledged only after the transaction holding it has committed ([`Ledger::record`]);
//!   a block-meeting share inserts its pending [`Solution`] in the same transaction, so a found block is
//!   durable before anything is sent;
//! - a (challenge, nonce) is recorded once ([`Recorded::Duplicate`] otherwise);
//! - a stored round is never changed by a recomputation ([`Ledger::store_round`] keeps the first);
//! - a stored value that does not decode is [`LedgerError::Corrupt`] naming the row and column, never a
//!   default.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::config::LedgerConfig;
use crate::pplns::{self, Leaf, Weighted};

pub mod postgres;
pub mod sqlite;
pub mod types;

pub use types::{
    MinerActivity, NewShare, PayoutKind, PayoutRow, Recorded, RoundRow, RoundState, SeriesPoint, ShareRow, Solution, SolutionStatus, TxKind,
    TxRow, WalletCredit, WalletWork, WorkerSeries,
};

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database failed (I/O, constraint, query).
    #[error("ledger database: {0}")]
    Backend(String),
    /// A stored value does not decode; the message names the row and column.
    #[error("{0}")]
    Corrupt(String),
    /// The schema could not be brought to the latest version.
    #[error("ledger migration: {0}")]
    Migration(String),
    /// The ledger's writer has stopped.
    #[error("the ledger thread has stopped")]
    Closed,
    /// A group commit of shares failed (nothing of it was acknowledged).
    #[error("commit failed: {0}")]
    Commit(String),
    /// The PPLNS window could not be cut from the stored shares.
    #[error(transparent)]
    Pplns(#[from] pplns::PplnsError),
}

/// Open the SQLite ledger `cfg` names (creating and migrating it) and start its writer. Errors: a `url` is
/// set (a PostgreSQL ledger is opened with [`connect`]), or the database fails.
pub fn open(cfg: &LedgerConfig) -> Result<Arc<dyn Ledger>, LedgerError> {
    if let Some(url) = &cfg.url {
        return Err(LedgerError::Backend(format!("the ledger at {url} is opened with ledger::connect")));
    }
    Ok(Arc::new(sqlite::Sqlite::open(cfg)?))
}

/// Open the ledger `cfg` names: PostgreSQL when `cfg.url` is set (connect, migrate), else the SQLite file
/// at `cfg.path` ([`open`]).
pub async fn connect(cfg: &LedgerConfig) -> Result<Arc<dyn Ledger>, LedgerError> {
    match &cfg.url {
        Some(url) => Ok(Arc::new(postgres::Postgres::connect(url, cfg.max_batch).await?)),
        None => Ok(Arc::new(sqlite::Sqlite::open(cfg)?)),
    }
}



/// Unix time, milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The ledger's operations. Amounts are base units, difficulties bits, times Unix milliseconds.
#[async_trait]
pub trait Ledger: Send + Sync + 'static {
    // Shares.

    /// Make a share durable; returns after the commit that holds it (see the module rules).
    async fn record(&self, share: NewShare) -> Result<Recorded, LedgerError>;
    /// Wait until everything queued so far is committed.
    async fn flush(&self) -> Result<(), LedgerError>;
    /// Number of shares stored.
    async fn share_count(&self) -> Result<u64, LedgerError>;
    /// Every stored share in sequence order (tests, export).
    async fn shares(&self) -> Result<Vec<ShareRow>, LedgerError>;
    /// The PPLNS window ending at share `last_seq` (newest first), cut at `n` weight units by
    /// [`pplns::WindowCut`] as the shares stream out of the database.
    async fn window(&self, last_seq: i64, n: u128) -> Result<Vec<Weighted>, LedgerError>;

    // Solutions.

    /// Solutions with `status`, oldest first.
    async fn solutions(&self, status: SolutionStatus) -> Result<Vec<Solution>, LedgerError>;
    /// Every solution, oldest first.
    async fn all_solutions(&self) -> Result<Vec<Solution>, LedgerError>;
    /// Set a solution's status, with a reason (lost) and the landing signature (confirmed) when given. A
    /// landed solution (confirmed or stranded) never goes back to pending or lost: such a call changes nothing
    /// (two relayers deciding about one solution at once cannot undo a landing).
    async fn set_solution(&self, id: i64, status: SolutionStatus, reason: Option<String>, signature: Option<String>) -> Result<(), LedgerError>;
    /// Confirmed solutions whose round is not credited in the ledger yet, oldest first.
    async fn unsettled(&self) -> Result<Vec<Solution>, LedgerError>;

    // Rounds.

    /// Store a computed round with its leaves (wallet order) and window (newest first) at once. Idempotent:
    /// an existing round is kept as it is. Returns whether this call stored it.
    async fn store_round(&self, round: RoundRow, leaves: Vec<Leaf>, window: Vec<Weighted>) -> Result<bool, LedgerError>;
    /// A stored round and its leaves (wallet order).
    async fn round(&self, block_count: u64) -> Result<Option<(RoundRow, Vec<Leaf>)>, LedgerError>;
    /// Every stored round, oldest first.
    async fn rounds(&self) -> Result<Vec<RoundRow>, LedgerError>;
    /// The window shares of a round with their counted weights, oldest first.
    async fn round_window(&self, block_count: u64) -> Result<Vec<(ShareRow, u128)>, LedgerError>;
    /// Mark a round credited (its on-chain Round is `Credited`).
    async fn mark_round_credited(&self, block_count: u64) -> Result<(), LedgerError>;

    // Landed transactions and transfers to members.

    /// Record a landed transaction of the relayer's (idempotent per signature).
    async fn record_tx(&self, signature: String, kind: TxKind, block_count: Option<u64>, batch: Option<u32>) -> Result<(), LedgerError>;
    /// Landed transactions of one kind, in the order recorded.
    async fn txs(&self, kind: TxKind) -> Result<Vec<TxRow>, LedgerError>;
    /// Record the transfers (wallet, base units) of one landed transaction that paid members. Idempotent per
    /// (signature, wallet). Returns how many transfers were new.
    async fn record_payouts(&self, signature: String, kind: PayoutKind, paid: Vec<([u8; 32], u64)>) -> Result<usize, LedgerError>;
    /// Σ recorded transfers to members, base units (the pool's on-chain `paid` once all are recorded).
    async fn payout_total(&self) -> Result<u64, LedgerError>;
    /// Every recorded transfer to a member, oldest first.
    async fn payouts(&self) -> Result<Vec<PayoutRow>, LedgerError>;
    /// Wallets in any stored round's leaves, ascending (the members the payout crank looks at).
    async fn leaf_wallets(&self) -> Result<Vec<[u8; 32]>, LedgerError>;

    // Activity (API, dashboard).

    /// One wallet's activity; `recent_work` over the last `window_secs` seconds.
    async fn miner_activity(&self, wallet: [u8; 32], window_secs: i64) -> Result<MinerActivity, LedgerError>;
    /// Pool hashrate estimate over the last `window_secs` (Σ 2^bits per second of the span the shares
    /// cover, hashes/s) and the number of distinct wallets among those shares.
    async fn recent_work(&self, window_secs: i64) -> Result<(f64, u64), LedgerError>;
    /// Fold the shares accepted before `until_ms` (rounded down to the minute) that are not folded yet into
    /// the rollups (`share_minutes`, `pool_minutes`, `wallet_hours`) and move the watermark there, in one
    /// transaction: each share is counted once. Idempotent; a watermark already past `until_ms` changes
    /// nothing.
    async fn roll_up(&self, until_ms: i64) -> Result<(), LedgerError>;
    /// Shares since `since_ms` in buckets of `bucket_ms` (bucket start = `created_ms − created_ms mod
    /// bucket_ms`; `bucket_ms` a multiple of 60 000 and `since_ms` of the bucket), of one wallet or of the
    /// pool, oldest first; empty buckets left out. Read from the rollups plus the shares not folded yet (the
    /// `*_live` views of migration 0008 / PostgreSQL 0006), never by scanning the shares.
    async fn share_series(&self, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> Result<Vec<SeriesPoint>, LedgerError>;
    /// One wallet's shares since `since_ms` per worker, in buckets as [`Ledger::share_series`], workers by
    /// name (at most 100), from the rollup.
    async fn worker_series(&self, wallet: [u8; 32], since_ms: i64, bucket_ms: i64) -> Result<Vec<WorkerSeries>, LedgerError>;
    /// Every wallet's shares and work since `since_ms` (whole hours from `since_ms`, a multiple of 3 600 000:
    /// the rollup `wallet_hours`), most work first.
    async fn work_by_wallet(&self, since_ms: i64) -> Result<Vec<WalletWork>, LedgerError>;
    /// Every wallet's credits over the rounds marked credited (Σ leaf amounts), most credited first.
    async fn credited_by_wallet(&self) -> Result<Vec<WalletCredit>, LedgerError>;
    /// One wallet's leaves with their round's block_count, newest round first (index `round_leaves_wallet`).
    async fn wallet_leaves(&self, wallet: [u8; 32]) -> Result<Vec<(u64, Leaf)>, LedgerError>;

    // Retention.

    /// Delete shares created before `before_ms` that no stored round's window holds and no unsettled
    /// solution may still need (the published record keeps every window share), and the rollup's minutes
    /// and hours that end by `before_ms`. Returns how many shares were deleted.
    async fn prune_shares(&self, before_ms: i64) -> Result<u64, LedgerError>;

    // Several relayers.

    /// Whether this relayer holds the leader lease (crediting, payout crank, retention), taking it when it
    /// is free; re-validates a lease already held. A backend for one relayer leads always (the default).
    /// Errors: the database cannot be reached (then this relayer does not lead).
    async fn lead(&self) -> Result<bool, LedgerError> {
        Ok(true)
    }

    /// Record that relayer `id` is alive (and whether it leads); returns how many relayers were seen in the
    /// last 5 s and the id of the one that leads among them. A backend for one relayer answers `(1, id if
    /// leading)` (the default).
    async fn heartbeat(&self, id: &str, leading: bool) -> Result<(u64, Option<String>), LedgerError> {
        Ok((1, leading.then(|| id.to_string())))
    }

    /// The backend's name for `/api/pool` and `/metrics`: `"sqlite"` (the default) or `"postgres"`.
    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

#[cfg(test)]
mod tests;
