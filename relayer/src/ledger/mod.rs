//! The share ledger: SQLite (rusqlite) on its own OS thread, WAL, group commit. All SQL of the relayer lives
//! here. A share is acknowledged only after the transaction holding it has committed; block-meeting shares
//! insert their `solutions` row in the same transaction, so a found block is durable before anything is sent.
//!
//! Schema: versioned files under `migrations/` (applied with `rusqlite_migration`, `PRAGMA user_version`).
//!
//! Layout: this file opens the database and runs the writer thread (group commit of shares); `rows` holds
//! the row types and their decoding; `queries` the reads and the other writes.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};
use rusqlite_migration::{Migrations, M};
use tokio::sync::{mpsc, oneshot};

use crate::config::LedgerConfig;

mod queries;
mod rows;

pub use rows::{share_row, MinerActivity, PayoutKind, PayoutRow, RoundRow, SolutionRow};

/// The schema migrations, in order (the files under `migrations/`).
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/0001_share_ledger.sql")),
        M::up(include_str!("../../../migrations/0002_rounds_payouts.sql")),
        M::up(include_str!("../../../migrations/0003_payout_kind.sql")),
        M::up(include_str!("../../../migrations/0004_share_time_index.sql")),
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

#[cfg(test)]
mod tests;
