//! The dashboard's reads on SQLite ([`crate::ledger::Ledger`]'s activity methods): the rollups (migration
//! 0008: `share_minutes`, `pool_minutes`, `wallet_hours`) for everything over time, the shares themselves only for the last
//! minutes' hashrate (index `shares_wallet_created`).

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{blob32, leaf_row, u64_at};
use crate::ledger::now_ms;
use crate::ledger::types::*;
use crate::pplns::Leaf;

/// One wallet's activity; see [`crate::ledger::Ledger::miner_activity`].
pub(super) fn miner_activity(c: &Connection, wallet: [u8; 32], window_secs: i64) -> rusqlite::Result<MinerActivity> {
    let (shares, last): (u64, Option<i64>) =
        c.query_row("SELECT coalesce(sum(shares), 0), max(last_ms) FROM share_minutes_live WHERE wallet = ?1", [wallet.as_slice()], |r| Ok((u64_at(r, 0)?, r.get(1)?)))?;
    let mut st = c.prepare_cached("SELECT DISTINCT worker FROM share_minutes_live WHERE wallet = ?1 ORDER BY worker LIMIT 100")?;
    let workers = st.query_map([wallet.as_slice()], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    let now = now_ms();
    let since = now - window_secs * 1000;
    let mut st = c.prepare_cached("SELECT bits, created_ms FROM shares WHERE wallet = ?1 AND created_ms >= ?2")?;
    let (recent_work, oldest) = st
        .query_map(params![wallet.as_slice(), since], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)))?
        .try_fold((0f64, i64::MAX), |(work, oldest), row| row.map(|(b, t)| (work + 2f64.powi(b as i32), oldest.min(t))))?;
    // Work per second over the span actually covered (a miner that started a minute ago has one minute of
    // shares, not ten).
    let recent_secs = if oldest == i64::MAX { window_secs as f64 } else { ((now - oldest).max(1_000)) as f64 / 1000.0 };
    Ok(MinerActivity { shares, last_share_ms: last, workers, recent_work, recent_secs })
}

pub(super) fn share_series(c: &Connection, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> rusqlite::Result<Vec<SeriesPoint>> {
    let b = bucket_ms.max(60_000);
    let row = |r: &rusqlite::Row| Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?, r.get::<_, i64>(2)?));
    let rows: Vec<(i64, u32, i64)> = match wallet {
        Some(w) => c
            .prepare_cached("SELECT minute_ms - minute_ms % ?2, bits, sum(shares) FROM share_minutes_live WHERE wallet = ?3 AND minute_ms >= ?1 GROUP BY 1, 2 ORDER BY 1")?
            .query_map(params![since_ms, b, w.as_slice()], row)?
            .collect::<Result<_, _>>()?,
        None => c
            .prepare_cached("SELECT minute_ms - minute_ms % ?2, bits, sum(shares) FROM pool_minutes_live WHERE minute_ms >= ?1 GROUP BY 1, 2 ORDER BY 1")?
            .query_map(params![since_ms, b], row)?
            .collect::<Result<_, _>>()?,
    };
    Ok(fold_series(rows))
}

pub(super) fn worker_series(c: &Connection, wallet: [u8; 32], since_ms: i64, bucket_ms: i64) -> rusqlite::Result<Vec<WorkerSeries>> {
    let b = bucket_ms.max(60_000);
    let rows = c
        .prepare_cached(
            "SELECT worker, minute_ms - minute_ms % ?2, bits, sum(shares), max(last_ms) FROM share_minutes_live
              WHERE wallet = ?3 AND minute_ms >= ?1 GROUP BY 1, 2, 3 ORDER BY 1, 2",
        )?
        .query_map(params![since_ms, b, wallet.as_slice()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fold_workers(rows))
}

pub(super) fn work_by_wallet(c: &Connection, since_ms: i64) -> rusqlite::Result<Vec<WalletWork>> {
    let rows = c
        .prepare_cached("SELECT wallet, bits, sum(shares), max(last_ms) FROM wallet_hours_live WHERE hour_ms >= ?1 GROUP BY 1, 2")?
        .query_map([since_ms], |r| Ok((blob32(r, 0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fold_wallet_work(rows))
}

pub(super) fn credited_by_wallet(c: &Connection) -> rusqlite::Result<Vec<WalletCredit>> {
    c.prepare_cached(
        "SELECT l.wallet, sum(l.amount), count(*) FROM round_leaves l JOIN rounds r ON r.block_count = l.block_count
          WHERE r.status = 'credited' GROUP BY l.wallet ORDER BY 2 DESC, 1",
    )?
    .query_map([], |r| Ok(WalletCredit { wallet: blob32(r, 0)?, credited: r.get::<_, i64>(1)? as u64, rounds: r.get::<_, i64>(2)? as u64 }))?
    .collect()
}

pub(super) fn wallet_leaves(c: &Connection, wallet: [u8; 32]) -> rusqlite::Result<Vec<(u64, Leaf)>> {
    c.prepare_cached("SELECT wallet, weight, shares, amount, block_count FROM round_leaves WHERE wallet = ?1 ORDER BY block_count DESC")?
        .query_map([wallet.as_slice()], |r| Ok((r.get::<_, i64>(4)? as u64, leaf_row(r)?)))?
        .collect()
}

/// The rollup statements, `?1` = from (the watermark), `?2` = to (exclusive), both whole minutes. PostgreSQL
/// runs them with `$n` and `greatest` for `max`.
pub(crate) const ROLL_UP: [&str; 3] = [
    "INSERT INTO share_minutes (minute_ms, wallet, worker, bits, shares, last_ms)
     SELECT created_ms - created_ms % 60000, wallet, worker, bits, count(*), max(created_ms) FROM shares
      WHERE created_ms >= ?1 AND created_ms < ?2 GROUP BY 1, 2, 3, 4
     ON CONFLICT (minute_ms, wallet, worker, bits)
     DO UPDATE SET shares = share_minutes.shares + excluded.shares, last_ms = max(share_minutes.last_ms, excluded.last_ms)",
    "INSERT INTO pool_minutes (minute_ms, bits, shares)
     SELECT created_ms - created_ms % 60000, bits, count(*) FROM shares WHERE created_ms >= ?1 AND created_ms < ?2 GROUP BY 1, 2
     ON CONFLICT (minute_ms, bits) DO UPDATE SET shares = pool_minutes.shares + excluded.shares",
    "INSERT INTO wallet_hours (hour_ms, wallet, bits, shares, last_ms)
     SELECT created_ms - created_ms % 3600000, wallet, bits, count(*), max(created_ms) FROM shares
      WHERE created_ms >= ?1 AND created_ms < ?2 GROUP BY 1, 2, 3
     ON CONFLICT (hour_ms, wallet, bits)
     DO UPDATE SET shares = wallet_hours.shares + excluded.shares, last_ms = max(wallet_hours.last_ms, excluded.last_ms)",
];

/// See [`crate::ledger::Ledger::roll_up`].
pub(super) fn roll_up(c: &mut Connection, until_ms: i64) -> rusqlite::Result<()> {
    let to = until_ms - until_ms.rem_euclid(60_000);
    let tx = c.transaction()?;
    // The migration writes the row; without it the shares already folded would be folded again.
    let from: i64 = tx.query_row("SELECT upto_ms FROM rollup_state WHERE id = 1", [], |r| r.get(0)).optional()?.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Null, "corrupt ledger: rollup_state has no row (the rollup watermark)".into())
    })?;
    if to > from {
        for sql in ROLL_UP {
            tx.execute(sql, params![from, to])?;
        }
        tx.execute("UPDATE rollup_state SET upto_ms = ?1 WHERE id = 1", [to])?;
    }
    tx.commit()
}
