//! The SQLite backend of the [`Ledger`](super::Ledger) trait: rusqlite on its own OS thread, WAL, group
//! commit. A share is acknowledged only after the transaction holding it has committed; block-meeting
//! shares insert their `solutions` row in the same transaction.
//!
//! Schema: versioned files under `migrations/` (applied with `rusqlite_migration`, `PRAGMA user_version`).
//!
//! Layout: this file opens the database and runs the writer thread (group commit of shares); `rows` decodes
//! rows into the domain types; `queries` implements the trait.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use tokio::sync::{mpsc, oneshot};

use super::{now_ms, LedgerError, NewShare, Recorded};
use crate::config::LedgerConfig;

mod dashboard;
pub(crate) use dashboard::ROLL_UP;
mod queries;
mod rows;

/// The schema migrations, in order (the files under `migrations/`).
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../../migrations/0001_share_ledger.sql")),
        M::up(include_str!("../../../../migrations/0002_rounds_payouts.sql")),
        M::up(include_str!("../../../../migrations/0003_payout_kind.sql")),
        M::up(include_str!("../../../../migrations/0004_share_time_index.sql")),
        M::up(include_str!("../../../../migrations/0005_round_share_index.sql")),
        M::up(include_str!("../../../../migrations/0006_share_signature.sql")),
        M::up(include_str!("../../../../migrations/0007_round_bonus.sql")),
        M::up(include_str!("../../../../migrations/0008_share_rollups.sql")),
    ])
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        match e {
            // `rows::corrupt` builds these: the message names the row and column.
            rusqlite::Error::FromSqlConversionFailure(_, _, m) => LedgerError::Corrupt(m.to_string()),
            e => LedgerError::Backend(e.to_string()),
        }
    }
}

impl From<rusqlite_migration::Error> for LedgerError {
    fn from(e: rusqlite_migration::Error) -> LedgerError {
        LedgerError::Migration(e.to_string())
    }
}

type Call = Box<dyn FnOnce(&mut Connection) + Send>;

enum Cmd {
    Share(NewShare, oneshot::Sender<Result<Recorded, String>>),
    Call(Call),
}

/// The SQLite ledger: a handle to its writer thread, and a read-only connection of its own for the reads
/// the API and dashboard make (WAL lets them run beside the writer instead of queueing behind share
/// commits).
pub struct Sqlite {
    tx: mpsc::Sender<Cmd>,
    /// None for an in-memory database (a second connection would see another, empty, database).
    reader: Option<Arc<Mutex<Connection>>>,
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

impl Sqlite {
    /// Open (creating and migrating) the database and start the writer thread.
    pub fn open(cfg: &LedgerConfig) -> Result<Sqlite, LedgerError> {
        let conn = open_connection(&cfg.path, cfg.fsync)?;
        let (tx, rx) = mpsc::channel(cfg.max_batch.max(1) * 4);
        let max_batch = cfg.max_batch.max(1);
        std::thread::Builder::new()
            .name("ledger".into())
            .spawn(move || writer(conn, rx, max_batch))
            .map_err(|_| LedgerError::Closed)?;
        let in_memory = cfg.path.as_os_str().is_empty() || cfg.path.as_os_str() == ":memory:";
        let reader = if in_memory {
            None
        } else {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(&cfg.path, flags)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            Some(Arc::new(Mutex::new(conn)))
        };
        Ok(Sqlite { tx, reader })
    }

    /// Run the read `f` on the read-only connection (on the blocking pool), or on the writer thread for an
    /// in-memory database. It sees every commit that finished before it started.
    async fn read<R, F>(&self, f: F) -> Result<R, LedgerError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let Some(reader) = self.reader.clone() else { return self.call(move |c| f(c)).await };
        let res = tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|e| e.into_inner());
            f(&conn)
        })
        .await
        .map_err(|_| LedgerError::Closed)?;
        Ok(res?)
    }

    /// Run raw SQL on the writer thread (tests corrupt rows through it).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), LedgerError> {
        let sql = sql.to_string();
        self.call(move |c| c.execute_batch(&sql)).await
    }

    /// Make a share durable; returns after its group commit.
    async fn commit_share(&self, share: NewShare) -> Result<Recorded, LedgerError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Cmd::Share(share, tx)).await.map_err(|_| LedgerError::Closed)?;
        rx.await.map_err(|_| LedgerError::Closed)?.map_err(LedgerError::Commit)
    }

    /// Run `f` on the ledger thread (after every share queued before it) and return its result.
    async fn call<R, F>(&self, f: F) -> Result<R, LedgerError>
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
}

fn insert_share(tx: &rusqlite::Transaction, s: &NewShare, now: i64) -> rusqlite::Result<Recorded> {
    // Cached statements: parsing the SQL per share was a visible part of the ledger thread's profile.
    let inserted = tx.prepare_cached(
        "INSERT OR IGNORE INTO shares (wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
            s.wallet.as_slice(),
            s.worker,
            s.challenge.as_slice(),
            s.block_count as i64,
            s.nonce as i64,
            s.bits,
            s.zero_bits,
            now,
            s.signature.as_slice()
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
