//! The share ledger: SQLite (rusqlite) on its own OS thread, WAL, group commit. All SQL of the relayer lives
//! here. A share is acknowledged only after the transaction holding it has committed; block-meeting shares
//! insert their `solutions` row in the same transaction, so a found block is durable before anything is sent.
//!
//! Schema: versioned files under `migrations/` (applied with `rusqlite_migration`, `PRAGMA user_version`).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};
use tokio::sync::{mpsc, oneshot};

use crate::config::LedgerConfig;

/// The schema migrations, in order (the files under `migrations/`).
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../migrations/0001_share_ledger.sql")),
        M::up(include_str!("../../migrations/0002_rounds_payouts.sql")),
        M::up(include_str!("../../migrations/0003_payout_kind.sql")),
        M::up(include_str!("../../migrations/0004_share_time_index.sql")),
    ])
}

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the ledger thread has stopped")]
    Closed,
    #[error("commit failed: {0}")]
    Commit(String),
}

/// A share the validator accepted, to be made durable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewShare {
    pub wallet: [u8; 32],
    pub worker: String,
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    /// Share difficulty of the job, bits (weight 2^bits).
    pub bits: u32,
    /// Zero bits of the digest.
    pub zero_bits: u32,
    /// Meets network difficulty: also insert a pending solution.
    pub block: bool,
}

/// Outcome of [`Ledger::record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Durable under this sequence number (and solution id when it was a block).
    Accepted { seq: i64, solution: Option<i64> },
    /// The (challenge, nonce) was already in the ledger.
    Duplicate,
}

/// A share row as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareRow {
    pub seq: i64,
    pub wallet: [u8; 32],
    pub worker: String,
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    pub bits: u32,
    pub zero_bits: u32,
    pub created_ms: i64,
}

type Call = Box<dyn FnOnce(&mut Connection) + Send>;

enum Cmd {
    Share(NewShare, oneshot::Sender<Result<Recorded, String>>),
    Call(Call),
}

/// Handle to the ledger thread; cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    tx: mpsc::Sender<Cmd>,
}

/// Unix time, milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn open_connection(path: &Path, fsync: bool) -> Result<Connection, LedgerError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if fsync { "FULL" } else { "NORMAL" })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

impl Ledger {
    /// Open (creating and migrating) the database and start the writer thread.
    pub fn open(cfg: &LedgerConfig) -> Result<Ledger, LedgerError> {
        let conn = open_connection(&cfg.path, cfg.fsync)?;
        let (tx, rx) = mpsc::channel(cfg.max_batch.max(1) * 4);
        let max_batch = cfg.max_batch.max(1);
        std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || writer(conn, rx, max_batch))
            .map_err(|_| LedgerError::Closed)?;
        Ok(Ledger { tx })
    }

    /// Make a share durable; returns after its group commit.
    pub async fn record(&self, share: NewShare) -> Result<Recorded, LedgerError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Cmd::Share(share, tx)).await.map_err(|_| LedgerError::Closed)?;
        rx.await.map_err(|_| LedgerError::Closed)?.map_err(LedgerError::Commit)
    }

    /// Run `f` on the ledger thread (after every share queued before it) and return its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, LedgerError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let call: Call = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.tx.send(Cmd::Call(call)).await.map_err(|_| LedgerError::Closed)?;
        Ok(rx.await.map_err(|_| LedgerError::Closed)??)
    }

    /// Number of shares in the ledger.
    pub async fn share_count(&self) -> Result<i64, LedgerError> {
        self.call(|c| c.query_row("SELECT count(*) FROM shares", [], |r| r.get(0))).await
    }

    /// Every share in sequence order (tests, export).
    pub async fn shares(&self) -> Result<Vec<ShareRow>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare(
                "SELECT seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms
                 FROM shares ORDER BY seq",
            )?;
            let rows = st.query_map([], share_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Wait until everything queued so far is committed.
    pub async fn flush(&self) -> Result<(), LedgerError> {
        self.call(|_| Ok(())).await
    }
}

/// A stored value that does not decode: an error naming the row (by its first selected column, the key in
/// every query here) and the column, never a default in its place.
fn corrupt(r: &rusqlite::Row, idx: usize, what: String) -> rusqlite::Error {
    let column = r.as_ref().column_name(idx).map(str::to_string).unwrap_or_else(|_| idx.to_string());
    use rusqlite::types::ValueRef;
    let key = match r.get_ref(0) {
        Ok(ValueRef::Integer(i)) => i.to_string(),
        Ok(ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
        Ok(ValueRef::Blob(b)) => format!("x'{}'", hex::encode(b)),
        Ok(ValueRef::Real(f)) => f.to_string(),
        Ok(ValueRef::Null) | Err(_) => "?".into(),
    };
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, format!("corrupt ledger row {key}, column {column}: {what}").into())
}

/// Column `idx` as 32 bytes (keys, hashes); any other length is [`corrupt`].
fn blob32(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<[u8; 32]> {
    let v: Vec<u8> = r.get(idx)?;
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| corrupt(r, idx, format!("{} bytes where 32 are stored", v.len())))
}

/// Column `idx` as a PPLNS weight (stored as decimal text: u128 does not fit SQLite's integers); anything
/// else is [`corrupt`].
fn weight(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<u128> {
    let text: String = r.get(idx)?;
    text.parse().map_err(|_| corrupt(r, idx, format!("weight {text:?} is not a decimal u128")))
}

/// Map a `shares` row selected as (seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits,
/// created_ms).
pub fn share_row(r: &rusqlite::Row) -> rusqlite::Result<ShareRow> {
    Ok(ShareRow {
        seq: r.get(0)?,
        wallet: blob32(r, 1)?,
        worker: r.get(2)?,
        challenge: blob32(r, 3)?,
        block_count: r.get::<_, i64>(4)? as u64,
        nonce: r.get::<_, i64>(5)? as u64,
        bits: r.get(6)?,
        zero_bits: r.get(7)?,
        created_ms: r.get(8)?,
    })
}

fn insert_share(tx: &rusqlite::Transaction, s: &NewShare, now: i64) -> rusqlite::Result<Recorded> {
    // Cached statements: parsing the SQL per share was a visible part of the ledger thread's profile.
    let inserted = tx.prepare_cached(
        "INSERT OR IGNORE INTO shares (wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
            s.wallet.as_slice(),
            s.worker,
            s.challenge.as_slice(),
            s.block_count as i64,
            s.nonce as i64,
            s.bits,
            s.zero_bits,
            now
        ])?;
    if inserted == 0 {
        return Ok(Recorded::Duplicate);
    }
    let seq = tx.last_insert_rowid();
    let solution = if s.block {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO solutions (share_seq, wallet, challenge, block_count, nonce, created_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![seq, s.wallet.as_slice(), s.challenge.as_slice(), s.block_count as i64, s.nonce as i64, now])?;
        Some(tx.last_insert_rowid())
    } else {
        None
    };
    Ok(Recorded::Accepted { seq, solution })
}

fn commit_shares(conn: &mut Connection, batch: Vec<(NewShare, oneshot::Sender<Result<Recorded, String>>)>) {
    let now = now_ms();
    let _commit = crate::metrics::latency().ledger_commit.start_timer();
    let result = (|| -> rusqlite::Result<Vec<Recorded>> {
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(batch.len());
        for (s, _) in &batch {
            out.push(insert_share(&tx, s, now)?);
        }
        tx.commit()?;
        Ok(out)
    })();
    match result {
        Ok(outcomes) => {
            for ((_, reply), outcome) in batch.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "ledger commit failed");
            for (_, reply) in batch {
                let _ = reply.send(Err(e.to_string()));
            }
        }
    }
}

fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Cmd>, max_batch: usize) {
    let mut pending: Vec<Cmd> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        pending.push(first);
        while pending.len() < max_batch {
            match rx.try_recv() {
                Ok(cmd) => pending.push(cmd),
                Err(_) => break,
            }
        }
        // Consecutive shares share one transaction; calls run in order between them.
        let mut shares = Vec::new();
        for cmd in pending.drain(..) {
            match cmd {
                Cmd::Share(s, reply) => shares.push((s, reply)),
                Cmd::Call(f) => {
                    if !shares.is_empty() {
                        commit_shares(&mut conn, std::mem::take(&mut shares));
                    }
                    f(&mut conn);
                }
            }
        }
        if !shares.is_empty() {
            commit_shares(&mut conn, shares);
        }
    }
    tracing::debug!("ledger writer stopped");
}

/// A solution row: a block-meeting share the submitter must land (`pending`), landed (`confirmed`) or could
/// not (`lost`, with the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolutionRow {
    pub id: i64,
    pub share_seq: i64,
    pub wallet: [u8; 32],
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    pub status: String,
    pub reason: Option<String>,
    pub signature: Option<String>,
}

/// How a member's tokens left the escrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutKind {
    /// The permissionless `payout` crank (pool guide: the pool pays members).
    Payout,
    /// The member's own `claim`.
    Claim,
}

impl PayoutKind {
    /// The stored name: `payout` | `claim`.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutKind::Payout => "payout",
            PayoutKind::Claim => "claim",
        }
    }

    /// The kind stored as `s`, or `None` for a name this version does not know.
    pub fn parse(s: &str) -> Option<PayoutKind> {
        match s {
            "payout" => Some(PayoutKind::Payout),
            "claim" => Some(PayoutKind::Claim),
            _ => None,
        }
    }
}

/// One recorded transfer to a member (see `migrations/0003_payout_kind.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutRow {
    pub signature: String,
    pub wallet: [u8; 32],
    /// Base units.
    pub amount: u64,
    pub kind: PayoutKind,
}

/// A stored round (see `migrations/0002_rounds_payouts.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRow {
    pub block_count: u64,
    pub solution_id: i64,
    pub share_seq: i64,
    pub network_bits: u32,
    pub pplns_factor: u64,
    pub reward: u64,
    pub fee: u64,
    pub leaves_root: [u8; 32],
    pub leaf_count: u32,
    pub status: String,
}

fn solution_row(r: &rusqlite::Row) -> rusqlite::Result<SolutionRow> {
    Ok(SolutionRow {
        id: r.get(0)?,
        share_seq: r.get(1)?,
        wallet: blob32(r, 2)?,
        challenge: blob32(r, 3)?,
        block_count: r.get::<_, i64>(4)? as u64,
        nonce: r.get::<_, i64>(5)? as u64,
        status: r.get(6)?,
        reason: r.get(7)?,
        signature: r.get(8)?,
    })
}

const SOLUTION_COLS: &str = "id, share_seq, wallet, challenge, block_count, nonce, status, reason, signature";

fn round_row(r: &rusqlite::Row) -> rusqlite::Result<RoundRow> {
    Ok(RoundRow {
        block_count: r.get::<_, i64>(0)? as u64,
        solution_id: r.get(1)?,
        share_seq: r.get(2)?,
        network_bits: r.get(3)?,
        pplns_factor: r.get::<_, i64>(4)? as u64,
        reward: r.get::<_, i64>(5)? as u64,
        fee: r.get::<_, i64>(6)? as u64,
        leaves_root: blob32(r, 7)?,
        leaf_count: r.get(8)?,
        status: r.get(9)?,
    })
}

const ROUND_COLS: &str =
    "block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee, leaves_root, leaf_count, status";

fn leaf_row(r: &rusqlite::Row) -> rusqlite::Result<crate::pplns::Leaf> {
    Ok(crate::pplns::Leaf {
        wallet: blob32(r, 0)?,
        weight: weight(r, 1)?,
        shares: r.get::<_, i64>(2)? as u64,
        amount: r.get::<_, i64>(3)? as u64,
    })
}

impl Ledger {
    /// Solutions with the given status, oldest first.
    pub async fn solutions(&self, status: &'static str) -> Result<Vec<SolutionRow>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare(&format!("SELECT {SOLUTION_COLS} FROM solutions WHERE status = ?1 ORDER BY id"))?;
            let rows = st.query_map([status], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Every solution, oldest first.
    pub async fn all_solutions(&self) -> Result<Vec<SolutionRow>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare(&format!("SELECT {SOLUTION_COLS} FROM solutions ORDER BY id"))?;
            let rows = st.query_map([], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Set a solution's status (`pending` | `confirmed` | `lost`) with an optional reason and signature.
    pub async fn set_solution(&self, id: i64, status: &'static str, reason: Option<String>, signature: Option<String>) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "UPDATE solutions SET status = ?2, reason = coalesce(?3, reason), signature = coalesce(?4, signature),
                 updated_ms = ?5 WHERE id = ?1",
                params![id, status, reason, signature, now_ms()],
            )
            .map(|_| ())
        })
        .await
    }

    /// Confirmed solutions whose round is not yet credited in the ledger, oldest first.
    pub async fn unsettled(&self) -> Result<Vec<SolutionRow>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {SOLUTION_COLS} FROM solutions s WHERE status = 'confirmed' AND NOT EXISTS
                 (SELECT 1 FROM rounds r WHERE r.block_count = s.block_count AND r.status = 'credited') ORDER BY id"
            ))?;
            let rows = st.query_map([], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// The PPLNS window ending at share `last_seq`, newest first, covering `n` weight units (streamed from
    /// the ledger, stopping as soon as the window is full).
    pub async fn window(&self, last_seq: i64, n: u128) -> Result<Result<Vec<crate::pplns::Weighted>, crate::pplns::PplnsError>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare("SELECT seq, wallet, bits FROM shares WHERE seq <= ?1 ORDER BY seq DESC")?;
            let mut rows = st.query([last_seq])?;
            let mut shares = Vec::new();
            let mut acc: u128 = 0;
            while let Some(r) = rows.next()? {
                let bits: u32 = r.get(2)?;
                shares.push(crate::pplns::Share { seq: r.get(0)?, wallet: blob32(r, 1)?, bits });
                acc = acc.saturating_add(1u128.checked_shl(bits.min(crate::pplns::MAX_WEIGHT_BITS)).unwrap_or(0));
                if acc >= n {
                    break;
                }
            }
            Ok(crate::pplns::window(shares, n))
        })
        .await
    }

    /// Store a computed round with its leaves and window in one transaction (idempotent: an existing row is
    /// kept, so a recomputation after a crash cannot change what was committed on-chain).
    pub async fn store_round(&self, round: RoundRow, leaves: Vec<crate::pplns::Leaf>, window: Vec<crate::pplns::Weighted>) -> Result<(), LedgerError> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let inserted = tx.execute(
                &format!("INSERT OR IGNORE INTO rounds ({ROUND_COLS}, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    round.block_count as i64,
                    round.solution_id,
                    round.share_seq,
                    round.network_bits,
                    round.pplns_factor as i64,
                    round.reward as i64,
                    round.fee as i64,
                    round.leaves_root.as_slice(),
                    round.leaf_count,
                    round.status,
                    now_ms()
                ],
            )?;
            if inserted == 1 {
                for (i, l) in leaves.iter().enumerate() {
                    tx.execute(
                        "INSERT INTO round_leaves (block_count, idx, wallet, weight, shares, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![round.block_count as i64, i as i64, l.wallet.as_slice(), l.weight.to_string(), l.shares as i64, l.amount as i64],
                    )?;
                }
                for w in &window {
                    tx.execute(
                        "INSERT INTO round_shares (block_count, share_seq, weight) VALUES (?1, ?2, ?3)",
                        params![round.block_count as i64, w.share.seq, w.weight.to_string()],
                    )?;
                }
            }
            tx.commit()
        })
        .await
    }

    /// A stored round and its leaves (wallet order).
    pub async fn round(&self, block_count: u64) -> Result<Option<(RoundRow, Vec<crate::pplns::Leaf>)>, LedgerError> {
        self.call(move |c| {
            let row = c
                .query_row(&format!("SELECT {ROUND_COLS} FROM rounds WHERE block_count = ?1"), [block_count as i64], round_row)
                .optional()?;
            let Some(row) = row else { return Ok(None) };
            let mut st = c.prepare("SELECT wallet, weight, shares, amount FROM round_leaves WHERE block_count = ?1 ORDER BY idx")?;
            let leaves = st.query_map([block_count as i64], leaf_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(Some((row, leaves)))
        })
        .await
    }

    /// Every stored round, oldest first.
    pub async fn rounds(&self) -> Result<Vec<RoundRow>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare(&format!("SELECT {ROUND_COLS} FROM rounds ORDER BY block_count"))?;
            let rows = st.query_map([], round_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// The window shares of a round with their counted weights, oldest first.
    pub async fn round_window(&self, block_count: u64) -> Result<Vec<(ShareRow, u128)>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare(
                "SELECT s.seq, s.wallet, s.worker, s.challenge, s.block_count, s.nonce, s.bits, s.zero_bits, s.created_ms, w.weight
                 FROM round_shares w JOIN shares s ON s.seq = w.share_seq WHERE w.block_count = ?1 ORDER BY s.seq",
            )?;
            let rows = st
                .query_map([block_count as i64], |r| {
                    Ok((share_row(r)?, weight(r, 9)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    pub async fn mark_round_credited(&self, block_count: u64) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "UPDATE rounds SET status = 'credited', credited_ms = coalesce(credited_ms, ?2) WHERE block_count = ?1",
                params![block_count as i64, now_ms()],
            )
            .map(|_| ())
        })
        .await
    }

    /// Record a landed transaction.
    pub async fn record_tx(&self, signature: String, kind: &'static str, block_count: Option<u64>, batch: Option<u32>) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO chain_txs (signature, kind, block_count, batch_index, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![signature, kind, block_count.map(|b| b as i64), batch, now_ms()],
            )
            .map(|_| ())
        })
        .await
    }

    /// Landed transactions of one kind for a round (e.g. the payout or credit signatures).
    pub async fn txs(&self, kind: &'static str) -> Result<Vec<(String, Option<u64>, Option<u32>)>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare("SELECT signature, block_count, batch_index FROM chain_txs WHERE kind = ?1 ORDER BY created_ms")?;
            let rows = st
                .query_map([kind], |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.map(|b| b as u64), r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Record the transfers (wallet, base units) of one landed transaction that paid members. Idempotent: a
    /// (signature, wallet) already recorded is kept as it is (the unique index of migration 0003). Returns
    /// how many transfers were new.
    pub async fn record_payouts(&self, signature: String, kind: PayoutKind, paid: Vec<([u8; 32], u64)>) -> Result<usize, LedgerError> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let mut added = 0;
            for (wallet, amount) in &paid {
                added += tx.execute(
                    "INSERT OR IGNORE INTO payouts (signature, wallet, amount, kind, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![signature, wallet.as_slice(), *amount as i64, kind.as_str(), now_ms()],
                )?;
            }
            tx.execute(
                "INSERT OR IGNORE INTO chain_txs (signature, kind, created_ms) VALUES (?1, ?2, ?3)",
                params![signature, kind.as_str(), now_ms()],
            )?;
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    /// Σ recorded payout and claim amounts, base units (equals the pool's on-chain `paid` once every
    /// transfer is recorded).
    pub async fn payout_total(&self) -> Result<u64, LedgerError> {
        self.call(|c| c.query_row("SELECT COALESCE(SUM(amount), 0) FROM payouts", [], |r| r.get::<_, i64>(0))).await.map(|v| v as u64)
    }

    /// Every recorded transfer to a member, oldest first.
    pub async fn payouts(&self) -> Result<Vec<PayoutRow>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare_cached("SELECT signature, wallet, amount, kind FROM payouts ORDER BY id")?;
            let rows = st
                .query_map([], |r| {
                    Ok(PayoutRow {
                        signature: r.get(0)?,
                        wallet: blob32(r, 1)?,
                        amount: r.get::<_, i64>(2)? as u64,
                        kind: {
                            let kind: String = r.get(3)?;
                            PayoutKind::parse(&kind).ok_or_else(|| corrupt(r, 3, format!("unknown payout kind {kind:?}")))?
                        },
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// Wallets that appear in any round's leaves (the members the payout crank looks at).
    pub async fn leaf_wallets(&self) -> Result<Vec<[u8; 32]>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare("SELECT DISTINCT wallet FROM round_leaves ORDER BY wallet")?;
            let rows = st.query_map([], |r| blob32(r, 0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}

/// A miner's activity in the ledger.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct MinerActivity {
    /// Accepted shares, all time.
    pub shares: u64,
    /// Unix ms of the last accepted share.
    pub last_share_ms: Option<i64>,
    /// Worker names seen.
    pub workers: Vec<String>,
    /// Σ 2^bits of shares in the last `window_secs`, expected hashes.
    pub recent_work: f64,
    /// Seconds those shares cover: from the oldest of them to now (at least 1), the whole window when
    /// there are none. `recent_work / recent_secs` is the hashrate estimate, hashes/s.
    pub recent_secs: f64,
}

impl Ledger {
    /// Activity of one wallet; `recent_work` over the last `window_secs`.
    pub async fn miner_activity(&self, wallet: [u8; 32], window_secs: i64) -> Result<MinerActivity, LedgerError> {
        self.call(move |c| {
            let (shares, last): (i64, Option<i64>) =
                c.query_row("SELECT count(*), max(created_ms) FROM shares WHERE wallet = ?1", [wallet.as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut st = c.prepare("SELECT DISTINCT worker FROM shares WHERE wallet = ?1 ORDER BY worker LIMIT 100")?;
            let workers = st.query_map([wallet.as_slice()], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            let now = now_ms();
            let since = now - window_secs * 1000;
            let mut st = c.prepare("SELECT bits, created_ms FROM shares WHERE wallet = ?1 AND created_ms >= ?2")?;
            let (recent_work, oldest) = st
                .query_map(params![wallet.as_slice(), since], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)))?
                .try_fold((0f64, i64::MAX), |(work, oldest), row| row.map(|(b, t)| (work + 2f64.powi(b as i32), oldest.min(t))))?;
            // Work per second over the span actually covered (a miner that started a minute ago has one
            // minute of shares, not ten).
            let recent_secs = if oldest == i64::MAX { window_secs as f64 } else { ((now - oldest).max(1_000)) as f64 / 1000.0 };
            Ok(MinerActivity { shares: shares as u64, last_share_ms: last, workers, recent_work, recent_secs })
        })
        .await
    }

    /// Pool hashrate estimate (Σ 2^bits of the shares of the last `window_secs`, per second of the span they
    /// cover, hashes/s) and the number of distinct wallets among them.
    pub async fn recent_work(&self, window_secs: i64) -> Result<(f64, u64), LedgerError> {
        self.call(move |c| {
            let since = now_ms() - window_secs * 1000;
            let mut st = c.prepare("SELECT bits FROM shares WHERE created_ms >= ?1")?;
            let work = st.query_map([since], |r| r.get::<_, u32>(0))?.try_fold(0f64, |acc, b| b.map(|b| acc + 2f64.powi(b as i32)))?;
            let (wallets, oldest): (i64, Option<i64>) =
                c.query_row("SELECT count(DISTINCT wallet), min(created_ms) FROM shares WHERE created_ms >= ?1", [since], |r| Ok((r.get(0)?, r.get(1)?)))?;
            // Work per second over the span actually covered (a young pool has less than the full window).
            let span_ms = oldest.map(|o| (now_ms() - o).max(1_000)).unwrap_or(window_secs * 1000);
            Ok((work * 1000.0 / span_ms as f64, wallets as u64))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(nonce: u64) -> NewShare {
        NewShare {
            wallet: [1; 32],
            worker: "rig".into(),
            challenge: [2; 32],
            block_count: 3,
            nonce,
            bits: 4,
            zero_bits: 5,
            block: false,
        }
    }

    /// A value the database cannot decode is an error that names its row and column, never a default
    /// (a zero weight, an empty key, a payout kind it is not).
    #[tokio::test]
    async fn corrupt_values_are_errors_naming_the_row_never_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false };
        let ledger = Ledger::open(&cfg).unwrap();
        for n in 0..3 {
            assert!(matches!(ledger.record(share(n)).await.unwrap(), Recorded::Accepted { .. }));
        }
        ledger.record_payouts("sig-a".into(), PayoutKind::Claim, vec![([1; 32], 7)]).await.unwrap();
        assert_eq!(ledger.payouts().await.unwrap()[0].kind, PayoutKind::Claim);
        assert_eq!(ledger.shares().await.unwrap().len(), 3);

        ledger.call(|c| c.execute("UPDATE payouts SET kind = 'refund'", [])).await.unwrap();
        let e = ledger.payouts().await.unwrap_err().to_string();
        assert!(e.contains("corrupt ledger row") && e.contains("kind") && e.contains("refund") && e.contains("sig-a"), "{e}");

        // (`shares` has a CHECK on key lengths; `payouts` relies on the decoder.)
        ledger.call(|c| c.execute("UPDATE payouts SET kind = 'claim', wallet = x'0102'", [])).await.unwrap();
        let e = ledger.payouts().await.unwrap_err().to_string();
        assert!(e.contains("column wallet") && e.contains("2 bytes where 32"), "{e}");

        // Weights are decimal text (u128); one that does not parse is not read as 0.
        ledger
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO solutions (share_seq, wallet, challenge, block_count, nonce, status, created_ms, updated_ms)
                       SELECT seq, wallet, challenge, block_count, nonce, 'confirmed', 0, 0 FROM shares WHERE nonce = 0;
                     INSERT INTO rounds (block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee,
                                         leaves_root, leaf_count, created_ms)
                       VALUES (3, (SELECT id FROM solutions), 1, 8, 2, 100, 0, zeroblob(32), 1, 0);
                     INSERT INTO round_leaves (block_count, idx, wallet, weight, shares, amount)
                       VALUES (3, 0, x'0101010101010101010101010101010101010101010101010101010101010101', '12x', 1, 100);",
                )
            })
            .await
            .unwrap();
        let e = ledger.round(3).await.unwrap_err().to_string();
        assert!(e.contains("column weight") && e.contains("\"12x\""), "{e}");
    }

    /// A wallet's hashrate is its recent work over the span its shares cover, not over the whole window; the
    /// time-bounded reads use the time indexes instead of scanning every share.
    #[tokio::test]
    async fn recent_work_is_per_covered_second_and_read_through_the_time_index() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false };
        let ledger = Ledger::open(&cfg).unwrap();
        for n in 0..10 {
            ledger.record(share(n)).await.unwrap();
        }
        let act = ledger.miner_activity([1; 32], 600).await.unwrap();
        assert_eq!(act.recent_work, 10.0 * 16.0);
        assert!((1.0..60.0).contains(&act.recent_secs), "{}", act.recent_secs);
        let idle = ledger.miner_activity([9; 32], 600).await.unwrap();
        assert_eq!((idle.recent_work, idle.recent_secs), (0.0, 600.0));
        for (sql, index) in [
            ("SELECT bits FROM shares WHERE created_ms >= 0", "shares_created"),
            ("SELECT bits, created_ms FROM shares WHERE wallet = x'00' AND created_ms >= 0", "shares_wallet_created"),
        ] {
            let plan: Vec<String> = ledger
                .call(move |c| {
                    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = st.query_map([], |r| r.get::<_, String>(3))?.collect::<Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
                .await
                .unwrap();
            assert!(plan.iter().any(|p| p.contains(index)), "{sql}: {plan:?}");
        }
    }
}
