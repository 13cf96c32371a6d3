//! The PostgreSQL backend of the [`Ledger`](super::Ledger) trait, for several relayers on one ledger:
//! tokio-postgres through a deadpool connection pool; shares are group-committed by one writer task per
//! relayer (a share is acknowledged only after the transaction holding it committed; a block-meeting share
//! inserts its `solutions` row in the same transaction); a (challenge, nonce) is accepted once across every
//! relayer by the `UNIQUE (challenge, nonce)` key (`ON CONFLICT DO NOTHING`: of two relayers inserting it at
//! once, one gets the row, the other waits for that commit and gets [`Recorded::Duplicate`]).
//!
//! Schema: versioned files under `migrations/postgres/`, applied in order by [`migrate`] inside one
//! transaction holding an advisory lock, so relayers that start together migrate once.
//!
//! Layout: this file connects, migrates and runs the writer; `queries` implements the trait; `cluster`
//! starts a throwaway cluster (tests, `trez-localnet --postgres auto`).

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::NoTls;

use super::{now_ms, LedgerError, NewShare, Recorded};

pub mod cluster;
mod queries;
mod dashboard;

/// The schema migrations, in order: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../../../migrations/postgres/0001_ledger.sql")),
    (2, include_str!("../../../../migrations/postgres/0002_relayers.sql")),
    (3, include_str!("../../../../migrations/postgres/0003_lease_holder.sql")),
    (4, include_str!("../../../../migrations/postgres/0004_share_signature.sql")),
    (5, include_str!("../../../../migrations/postgres/0005_round_bonus.sql")),
    (6, include_str!("../../../../migrations/postgres/0006_share_rollups.sql")),
];

/// A relayer heartbeat older than this (ms, by the database server's clock) no longer vouches for the lease
/// session it names; a lease session that old with no fresh heartbeat naming it is terminated by a follower.
pub const STALE_LEASE_MS: i64 = 8_000;
/// The database server's clock in Unix ms (one clock for every relayer, whatever their machines say).
pub(crate) const SERVER_NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// Advisory lock key the migration runner holds (any constant; "TREZ" in ASCII).
const MIGRATION_LOCK: i64 = 0x5452_455A;
/// Session-level advisory lock key of the leader lease ("TREZLEAD").
const LEADER_LOCK: i64 = 0x5452_455A_4C45_4144;
/// Longest a lease check or take waits for the database.
const LEASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

impl From<tokio_postgres::Error> for LedgerError {
    fn from(e: tokio_postgres::Error) -> LedgerError {
        // The server's own message and SQLSTATE when there is one (`Display` alone says "db error").
        LedgerError::Backend(match e.as_db_error() {
            Some(d) => format!("{} (SQLSTATE {})", d.message(), d.code().code()),
            None => e.to_string(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for LedgerError {
    fn from(e: deadpool_postgres::PoolError) -> LedgerError {
        LedgerError::Backend(format!("connection: {e}"))
    }
}

enum Cmd {
    Share(NewShare, oneshot::Sender<Result<Recorded, String>>),
    Flush(oneshot::Sender<()>),
}

/// The PostgreSQL ledger: a connection pool and the handle of this relayer's share writer.
pub struct Postgres {
    pool: Pool,
    tx: mpsc::Sender<Cmd>,
    url: String,
    /// The connection holding the leader lease, while this relayer leads.
    lease: tokio::sync::Mutex<Option<tokio_postgres::Client>>,
    /// The backend pid of that connection (0 when not leading), written with each heartbeat.
    lease_pid: std::sync::atomic::AtomicI32,
}

/// Bring the database at `pool` to the latest schema version (idempotent; safe with concurrent callers).
pub async fn migrate(pool: &Pool) -> Result<(), LedgerError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS ledger_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)").await?;
    let current: i32 = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM ledger_migrations", &[]).await?.get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(|e| LedgerError::Migration(format!("version {version}: {e}")))?;
        tx.execute("INSERT INTO ledger_migrations (version, applied_ms) VALUES ($1, $2)", &[version, &now_ms()]).await?;
    }
    tx.commit().await?;
    Ok(())
}

impl Postgres {
    /// Connect to `url` (`postgres://user@host:port/db`), migrate, and start the share writer (at most
    /// `max_batch` shares per commit). Errors: [`LedgerError::Backend`] when the database cannot be reached,
    /// [`LedgerError::Migration`].
    pub async fn connect(url: &str, max_batch: usize) -> Result<Postgres, LedgerError> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| LedgerError::Backend(format!("ledger url: {e}")))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(16)
            .wait_timeout(Some(std::time::Duration::from_secs(5)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| LedgerError::Backend(e.to_string()))?;
        migrate(&pool).await?;
        let (tx, rx) = mpsc::channel(max_batch.max(1) * 4);
        tokio::spawn(writer(pool.clone(), rx, max_batch.max(1)));
        Ok(Postgres { pool, tx, url: url.to_string(), lease: tokio::sync::Mutex::new(None), lease_pid: Default::default() })
    }

    /// [`Ledger::lead`]: keep the lease connection if it still answers; otherwise open one (PostgreSQL
    /// closes a dead peer's session within ~11 s by the keepalives set here, releasing its lock) and try
    /// `pg_try_advisory_lock`. When the lock is held by a session older than [`STALE_LEASE_MS`] that no
    /// fresh heartbeat names (its relayer froze, or its machine vanished with the connection still open),
    /// terminate that session (`pg_terminate_backend`, same database role) and try again.
    async fn hold_lease(&self) -> Result<bool, LedgerError> {
        let mut held = self.lease.lock().await;
        if let Some(c) = held.as_ref() {
            if let Ok(Ok(_)) = tokio::time::timeout(LEASE_TIMEOUT, c.simple_query("SELECT 1")).await {
                return Ok(true);
            }
            *held = None; // the session is gone, and the lock with it
            self.lease_pid.store(0, std::sync::atomic::Ordering::SeqCst);
        }
        let connect = tokio_postgres::connect(&self.url, NoTls);
        let (client, conn) = tokio::time::timeout(LEASE_TIMEOUT, connect).await.map_err(|_| LedgerError::Backend("lease: connect timed out".into()))??;
        tokio::spawn(conn);
        client.batch_execute("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3").await?;
        let try_lock = async || -> Result<bool, LedgerError> { Ok(client.query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK]).await?.get(0)) };
        let mut got = try_lock().await?;
        if !got {
            if let Some(pid) = self.stale_lease_holder(&client).await? {
                tracing::warn!(pid, "the leader lease is held by a session no live relayer vouches for: terminating it");
                client.execute("SELECT pg_terminate_backend($1)", &[&pid]).await?;
                for _ in 0..20 {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    if try_lock().await? {
                        got = true;
                        break;
                    }
                }
            }
        }
        if got {
            let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
            self.lease_pid.store(pid, std::sync::atomic::Ordering::SeqCst);
            *held = Some(client);
        }
        Ok(got)
    }

    /// The backend pid holding the leader lock when that session started more than [`STALE_LEASE_MS`] ago
    /// and no relayer heartbeat of the last [`STALE_LEASE_MS`] names it.
    async fn stale_lease_holder(&self, client: &tokio_postgres::Client) -> Result<Option<i32>, LedgerError> {
        let (class, obj) = ((LEADER_LOCK >> 32) as i64, (LEADER_LOCK & 0xFFFF_FFFF) as i64);
        let sql = format!(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1
                AND a.backend_start < clock_timestamp() - make_interval(secs => $3::float8 / 1000)
                AND NOT EXISTS (SELECT 1 FROM relayers r WHERE r.lease_pid = l.pid AND r.last_seen_ms >= {SERVER_NOW_MS} - $4)"
        );
        let stale_secs = STALE_LEASE_MS as f64;
        Ok(client.query_opt(&sql, &[&class, &obj, &stale_secs, &STALE_LEASE_MS]).await?.map(|r| r.get(0)))
    }

    /// The backend pid of this relayer's lease connection, when it leads.
    pub(crate) fn lease_pid(&self) -> Option<i32> {
        Some(self.lease_pid.load(std::sync::atomic::Ordering::SeqCst)).filter(|&p| p != 0)
    }

    /// Run raw SQL (tests corrupt rows through it).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), LedgerError> {
        Ok(self.pool.get().await?.batch_execute(sql).await?)
    }

    async fn commit_share(&self, share: NewShare) -> Result<Recorded, LedgerError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Cmd::Share(share, tx)).await.map_err(|_| LedgerError::Closed)?;
        rx.await.map_err(|_| LedgerError::Closed)?.map_err(LedgerError::Commit)
    }

    async fn flush_writer(&self) -> Result<(), LedgerError> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Cmd::Flush(tx)).await.map_err(|_| LedgerError::Closed)?;
        rx.await.map_err(|_| LedgerError::Closed)
    }
}

/// The share writer: takes what is queued (up to `max_batch`), commits it in one transaction, then replies
/// to each share (its outcome, or the commit's error to all of them: nothing of a failed commit is acked).
async fn writer(pool: Pool, mut rx: mpsc::Receiver<Cmd>, max_batch: usize) {
    let mut pending = Vec::new();
    while let Some(first) = rx.recv().await {
        pending.push(first);
        while pending.len() < max_batch {
            match rx.try_recv() {
                Ok(c) => pending.push(c),
                Err(_) => break,
            }
        }
        let mut shares = vec![];
        let mut flushes = vec![];
        for c in pending.drain(..) {
            match c {
                Cmd::Share(s, reply) => shares.push((s, reply)),
                Cmd::Flush(reply) => flushes.push(reply),
            }
        }
        if !shares.is_empty() {
            let _t = crate::metrics::latency().ledger_commit.start_timer();
            let result = commit(&pool, shares.iter().map(|(s, _)| s)).await;
            match result {
                Ok(outcomes) => {
                    for ((_, reply), o) in shares.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(o));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "ledger commit failed");
                    for (_, reply) in shares {
                        let _ = reply.send(Err(e.to_string()));
                    }
                }
            }
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}

/// One group commit: every share of the batch in one multi-row `INSERT … SELECT FROM unnest(…)` (one round
/// trip whatever the batch size; `seq` follows the batch's order), then the `solutions` rows of the inserted
/// block-meeting shares, in one transaction. A (challenge, nonce) already in the ledger, or earlier in the same
/// batch, is [`Recorded::Duplicate`].
async fn commit<'a>(pool: &Pool, shares: impl Iterator<Item = &'a NewShare>) -> Result<Vec<Recorded>, LedgerError> {
    let shares: Vec<&NewShare> = shares.collect();
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let insert_shares = tx
        .prepare_cached(
            "INSERT INTO shares (wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms, signature)
             SELECT w, k, c, b, n, bi, z, $8, sg
               FROM unnest($1::bytea[], $2::text[], $3::bytea[], $4::int8[], $5::int8[], $6::int4[], $7::int4[], $9::bytea[])
                    WITH ORDINALITY AS t (w, k, c, b, n, bi, z, sg, i)
              ORDER BY i
             ON CONFLICT (challenge, nonce) DO NOTHING RETURNING seq, challenge, nonce",
        )
        .await?;
    let now = now_ms();
    let wallets: Vec<&[u8]> = shares.iter().map(|s| s.wallet.as_slice()).collect();
    let workers: Vec<&str> = shares.iter().map(|s| s.worker.as_str()).collect();
    let challenges: Vec<&[u8]> = shares.iter().map(|s| s.challenge.as_slice()).collect();
    let bcs: Vec<i64> = shares.iter().map(|s| s.block_count as i64).collect();
    let nonces: Vec<i64> = shares.iter().map(|s| s.nonce as i64).collect();
    let bits: Vec<i32> = shares.iter().map(|s| s.bits as i32).collect();
    let zeros: Vec<i32> = shares.iter().map(|s| s.zero_bits as i32).collect();
    let sigs: Vec<&[u8]> = shares.iter().map(|s| s.signature.as_slice()).collect();
    let rows = tx.query(&insert_shares, &[&wallets, &workers, &challenges, &bcs, &nonces, &bits, &zeros, &now, &sigs]).await?;
    let mut inserted = std::collections::HashMap::with_capacity(rows.len());
    for r in rows {
        let challenge: Vec<u8> = r.get(1);
        inserted.insert((challenge, r.get::<_, i64>(2)), r.get::<_, i64>(0));
    }
    let mut out = Vec::with_capacity(shares.len());
    for s in &shares {
        // `remove`: of two equal (challenge, nonce) in one batch the first is the one inserted.
        let Some(seq) = inserted.remove(&(s.challenge.to_vec(), s.nonce as i64)) else {
            out.push(Recorded::Duplicate);
            continue;
        };
        let solution = if s.block {
            let insert_solution = tx
                .prepare_cached(
                    "INSERT INTO solutions (share_seq, wallet, challenge, block_count, nonce, created_ms, updated_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (challenge, nonce) DO NOTHING RETURNING id",
                )
                .await?;
            let (bc, nonce) = (s.block_count as i64, s.nonce as i64);
            tx.query_opt(&insert_solution, &[&seq, &s.wallet.as_slice(), &s.challenge.as_slice(), &bc, &nonce, &now]).await?.map(|r| r.get::<_, i64>(0))
        } else {
            None
        };
        out.push(Recorded::Accepted { seq, solution });
    }
    tx.commit().await?;
    Ok(out)
}
