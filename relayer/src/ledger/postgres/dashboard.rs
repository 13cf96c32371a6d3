//! The dashboard's reads on PostgreSQL ([`crate::ledger::Ledger`]'s activity methods) and retention: the
//! rollups (migration 0006: `share_minutes`, `pool_minutes`, `wallet_hours`) for everything over time, the shares themselves only
//! for the last minutes' hashrate. Grouped in the database.

use super::queries::{blob32, unsigned, weight};
use super::Postgres;
use crate::ledger::types::*;
use crate::ledger::{now_ms, LedgerError};
use crate::pplns::Leaf;

pub(super) async fn miner_activity(db: &Postgres, wallet: [u8; 32], window_secs: i64) -> Result<MinerActivity, LedgerError> {
    let c = db.pool.get().await?;
    let w = wallet.as_slice();
    let r = c.query_one("SELECT coalesce(sum(shares), 0)::BIGINT AS shares, max(last_ms) FROM share_minutes_live WHERE wallet = $1", &[&w]).await?;
    let (shares, last): (u64, Option<i64>) = (unsigned(&r, "shares", &"share_minutes")?, r.get(1));
    let workers: Vec<String> =
        c.query("SELECT DISTINCT worker FROM share_minutes_live WHERE wallet = $1 ORDER BY worker LIMIT 100", &[&w]).await?.iter().map(|r| r.get(0)).collect();
    let now = now_ms();
    let since = now - window_secs * 1000;
    let (mut recent_work, mut oldest) = (0f64, i64::MAX);
    for r in c.query("SELECT bits, created_ms FROM shares WHERE wallet = $1 AND created_ms >= $2", &[&w, &since]).await? {
        recent_work += 2f64.powi(r.get::<_, i32>(0));
        oldest = oldest.min(r.get(1));
    }
    // Work per second over the span actually covered.
    let recent_secs = if oldest == i64::MAX { window_secs as f64 } else { ((now - oldest).max(1_000)) as f64 / 1000.0 };
    Ok(MinerActivity { shares, last_share_ms: last, workers, recent_work, recent_secs })
}

pub(super) async fn share_series(db: &Postgres, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> Result<Vec<SeriesPoint>, LedgerError> {
    let c = db.pool.get().await?;
    let b = bucket_ms.max(60_000);
    let rows = match wallet {
        Some(w) => {
            c.query(
                "SELECT minute_ms - minute_ms % $2, bits, sum(shares)::BIGINT FROM share_minutes_live WHERE wallet = $3 AND minute_ms >= $1 GROUP BY 1, 2 ORDER BY 1",
                &[&since_ms, &b, &w.as_slice()],
            )
            .await?
        }
        None => c.query("SELECT minute_ms - minute_ms % $2, bits, sum(shares)::BIGINT FROM pool_minutes_live WHERE minute_ms >= $1 GROUP BY 1, 2 ORDER BY 1", &[&since_ms, &b]).await?,
    };
    Ok(fold_series(rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, i32>(1) as u32, r.get::<_, i64>(2)))))
}

pub(super) async fn worker_series(db: &Postgres, wallet: [u8; 32], since_ms: i64, bucket_ms: i64) -> Result<Vec<WorkerSeries>, LedgerError> {
    let c = db.pool.get().await?;
    let b = bucket_ms.max(60_000);
    let rows = c
        .query(
            "SELECT worker, minute_ms - minute_ms % $2, bits, sum(shares)::BIGINT, max(last_ms) FROM share_minutes_live
              WHERE wallet = $3 AND minute_ms >= $1 GROUP BY 1, 2, 3 ORDER BY 1, 2",
            &[&since_ms, &b, &wallet.as_slice()],
        )
        .await?;
    Ok(fold_workers(rows.iter().map(|r| (r.get(0), r.get(1), r.get::<_, i32>(2) as u32, r.get(3), r.get(4)))))
}

pub(super) async fn work_by_wallet(db: &Postgres, since_ms: i64) -> Result<Vec<WalletWork>, LedgerError> {
    let c = db.pool.get().await?;
    let rows = c.query("SELECT wallet, bits, sum(shares)::BIGINT, max(last_ms) FROM wallet_hours_live WHERE hour_ms >= $1 GROUP BY 1, 2", &[&since_ms]).await?;
    let rows = rows.iter().map(|r| Ok((blob32(r, "wallet", &"share_minutes")?, r.get::<_, i32>(1) as u32, r.get(2), r.get(3)))).collect::<Result<Vec<_>, LedgerError>>()?;
    Ok(fold_wallet_work(rows))
}

pub(super) async fn credited_by_wallet(db: &Postgres) -> Result<Vec<WalletCredit>, LedgerError> {
    let c = db.pool.get().await?;
    c.query(
        "SELECT l.wallet, sum(l.amount)::BIGINT, count(*) FROM round_leaves l JOIN rounds r ON r.block_count = l.block_count
          WHERE r.status = 'credited' GROUP BY l.wallet ORDER BY 2 DESC, 1",
        &[],
    )
    .await?
    .iter()
    .map(|r| Ok(WalletCredit { wallet: blob32(r, "wallet", &"round_leaves")?, credited: r.get::<_, i64>(1) as u64, rounds: r.get::<_, i64>(2) as u64 }))
    .collect()
}

pub(super) async fn wallet_leaves(db: &Postgres, wallet: [u8; 32]) -> Result<Vec<(u64, Leaf)>, LedgerError> {
    let c = db.pool.get().await?;
    c.query("SELECT block_count, wallet, weight, shares, amount FROM round_leaves WHERE wallet = $1 ORDER BY block_count DESC", &[&wallet.as_slice()])
        .await?
        .iter()
        .map(|r| {
            let bc = r.try_get::<_, i64>("block_count")? as u64;
            let leaf = Leaf { wallet: blob32(r, "wallet", &bc)?, weight: weight(r, "weight", &bc)?, shares: r.try_get::<_, i64>("shares")? as u64, amount: r.try_get::<_, i64>("amount")? as u64 };
            Ok((bc, leaf))
        })
        .collect()
}

/// Shares before `before_ms` that nothing needs, and the rollup's minutes that end by then (see the trait).
pub(super) async fn prune_shares(db: &Postgres, before_ms: i64) -> Result<u64, LedgerError> {
    let c = db.pool.get().await?;
    let n = c
        .execute(
            "DELETE FROM shares WHERE created_ms < $1
               AND NOT EXISTS (SELECT 1 FROM round_shares w WHERE w.share_seq = shares.seq)
               AND NOT EXISTS (SELECT 1 FROM solutions s WHERE s.share_seq = shares.seq)
               AND NOT EXISTS (SELECT 1 FROM solutions s WHERE s.status = $2 OR (s.status = $3
                     AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.block_count = s.block_count)))",
            &[&before_ms, &SolutionStatus::Pending.as_str(), &SolutionStatus::Confirmed.as_str()],
        )
        .await?;
    c.execute("DELETE FROM share_minutes WHERE minute_ms + 60000 <= $1", &[&before_ms]).await?;
    c.execute("DELETE FROM pool_minutes WHERE minute_ms + 60000 <= $1", &[&before_ms]).await?;
    c.execute("DELETE FROM wallet_hours WHERE hour_ms + 3600000 <= $1", &[&before_ms]).await?;
    Ok(n)
}

/// See [`crate::ledger::Ledger::roll_up`]: the same statements as SQLite's, under a lock on the watermark row
/// (two relayers rolling up at once take turns; the second finds nothing left).
pub(super) async fn roll_up(db: &Postgres, until_ms: i64) -> Result<(), LedgerError> {
    let to = until_ms - until_ms.rem_euclid(60_000);
    let mut c = db.pool.get().await?;
    let tx = c.transaction().await?;
    // The migration writes the row; without it the shares already folded would be folded again.
    let Some(row) = tx.query_opt("SELECT upto_ms FROM rollup_state WHERE id = 1 FOR UPDATE", &[]).await? else {
        return Err(LedgerError::Corrupt("corrupt ledger: rollup_state has no row (the rollup watermark)".into()));
    };
    let from: i64 = row.get(0);
    if to > from {
        for sql in crate::ledger::sqlite::ROLL_UP {
            let sql = sql.replace("?1", "$1").replace("?2", "$2").replace("= max(", "= greatest(");
            tx.execute(&sql, &[&from, &to]).await?;
        }
        tx.execute("UPDATE rollup_state SET upto_ms = $1 WHERE id = 1", &[&to]).await?;
    }
    tx.commit().await?;
    Ok(())
}
