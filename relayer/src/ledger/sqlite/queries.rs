//! [`Ledger`] for [`Sqlite`]: every read and write runs on the ledger thread through `Sqlite::call`, after
//! the shares queued before it.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::Sqlite;
use crate::ledger::types::*;
use crate::ledger::{now_ms, Ledger, LedgerError};
use crate::pplns::{self, Leaf, Weighted};

#[async_trait]
impl Ledger for Sqlite {
    async fn record(&self, share: NewShare) -> Result<Recorded, LedgerError> {
        self.commit_share(share).await
    }

    async fn flush(&self) -> Result<(), LedgerError> {
        self.call(|_| Ok(())).await
    }

    async fn share_count(&self) -> Result<u64, LedgerError> {
        self.read(|c| c.query_row("SELECT count(*) FROM shares", [], |r| u64_at(r, 0))).await
    }

    async fn shares(&self) -> Result<Vec<ShareRow>, LedgerError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms, signature
                 FROM shares ORDER BY seq",
            )?;
            let rows = st.query_map([], share_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn solutions(&self, status: SolutionStatus) -> Result<Vec<Solution>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare(&format!("SELECT {SOLUTION_COLS} FROM solutions WHERE status = ?1 ORDER BY id"))?;
            let rows = st.query_map([status.as_str()], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn all_solutions(&self) -> Result<Vec<Solution>, LedgerError> {
        self.read(|c| {
            let mut st = c.prepare(&format!("SELECT {SOLUTION_COLS} FROM solutions ORDER BY id"))?;
            let rows = st.query_map([], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn set_solution(&self, id: i64, status: SolutionStatus, reason: Option<String>, signature: Option<String>) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "UPDATE solutions SET status = ?2, reason = coalesce(?3, reason), signature = coalesce(?4, signature),
                 updated_ms = ?5 WHERE id = ?1 AND NOT (status IN ('confirmed', 'stranded') AND ?2 IN ('pending', 'lost'))",
                params![id, status.as_str(), reason, signature, now_ms()],
            )
            .map(|_| ())
        })
        .await
    }

    async fn unsettled(&self) -> Result<Vec<Solution>, LedgerError> {
        self.call(|c| {
            let mut st = c.prepare(&format!(
                "SELECT {SOLUTION_COLS} FROM solutions s WHERE status = 'confirmed' AND NOT EXISTS
                 (SELECT 1 FROM rounds r WHERE r.block_count = s.block_count AND r.status = ?1) ORDER BY id"
            ))?;
            let rows = st.query_map([RoundState::Credited.as_str()], solution_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn window(&self, last_seq: i64, n: u128) -> Result<Vec<Weighted>, LedgerError> {
        self.call(move |c| {
            let mut st = c.prepare("SELECT seq, wallet, bits FROM shares WHERE seq <= ?1 ORDER BY seq DESC")?;
            let mut rows = st.query([last_seq])?;
            let mut cut = pplns::WindowCut::new(n);
            while let Some(r) = rows.next()? {
                let share = pplns::Share { seq: r.get(0)?, wallet: blob32(r, 1)?, bits: r.get(2)? };
                if cut.push(share).map_err(|e| corrupt(r, 2, e.to_string()))? {
                    break;
                }
            }
            Ok(cut.finish())
        })
        .await
    }

    async fn store_round(&self, round: RoundRow, leaves: Vec<Leaf>, window: Vec<Weighted>) -> Result<bool, LedgerError> {
        self.call(move |c| {
            let tx = c.transaction()?;
            let inserted = tx.execute(
                &format!("INSERT OR IGNORE INTO rounds ({ROUND_COLS}, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
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
                    round.status.as_str(),
                    round.bonus as i64,
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
            tx.commit()?;
            Ok(inserted == 1)
        })
        .await
    }

    async fn round(&self, block_count: u64) -> Result<Option<(RoundRow, Vec<Leaf>)>, LedgerError> {
        self.read(move |c| {
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

    async fn rounds(&self) -> Result<Vec<RoundRow>, LedgerError> {
        self.read(|c| {
            let mut st = c.prepare(&format!("SELECT {ROUND_COLS} FROM rounds ORDER BY block_count"))?;
            let rows = st.query_map([], round_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn round_window(&self, block_count: u64) -> Result<Vec<(ShareRow, u128)>, LedgerError> {
        self.read(move |c| {
            let mut st = c.prepare(
                "SELECT s.seq, s.wallet, s.worker, s.challenge, s.block_count, s.nonce, s.bits, s.zero_bits, s.created_ms, s.signature, w.weight
                 FROM round_shares w JOIN shares s ON s.seq = w.share_seq WHERE w.block_count = ?1 ORDER BY s.seq",
            )?;
            let rows = st
                .query_map([block_count as i64], |r| {
                    Ok((share_row(r)?, weight(r, 10)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn mark_round_credited(&self, block_count: u64) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "UPDATE rounds SET status = ?3, credited_ms = coalesce(credited_ms, ?2) WHERE block_count = ?1",
                params![block_count as i64, now_ms(), RoundState::Credited.as_str()],
            )
            .map(|_| ())
        })
        .await
    }

    async fn record_tx(&self, signature: String, kind: TxKind, block_count: Option<u64>, batch: Option<u32>) -> Result<(), LedgerError> {
        self.call(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO chain_txs (signature, kind, block_count, batch_index, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![signature, kind.as_str(), block_count.map(|b| b as i64), batch, now_ms()],
            )
            .map(|_| ())
        })
        .await
    }

    async fn txs(&self, kind: TxKind) -> Result<Vec<TxRow>, LedgerError> {
        self.read(move |c| {
            let mut st = c.prepare("SELECT signature, block_count, batch_index FROM chain_txs WHERE kind = ?1 ORDER BY created_ms")?;
            let rows = st
                .query_map([kind.as_str()], |r| Ok(TxRow { signature: r.get(0)?, block_count: r.get::<_, Option<i64>>(1)?.map(|b| b as u64), batch: r.get(2)? }))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn record_payouts(&self, signature: String, kind: PayoutKind, paid: Vec<([u8; 32], u64)>) -> Result<usize, LedgerError> {
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
                params![signature, TxKind::from(kind).as_str(), now_ms()],
            )?;
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    async fn payout_total(&self) -> Result<u64, LedgerError> {
        self.read(|c| c.query_row("SELECT COALESCE(SUM(amount), 0) FROM payouts", [], |r| u64_at(r, 0))).await
    }

    async fn payouts(&self) -> Result<Vec<PayoutRow>, LedgerError> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT signature, wallet, amount, kind, created_ms FROM payouts ORDER BY id")?;
            let rows = st
                .query_map([], |r| {
                    Ok(PayoutRow {
                        signature: r.get(0)?,
                        wallet: blob32(r, 1)?,
                        amount: r.get::<_, i64>(2)? as u64,
                        kind: stored(r, 3, PayoutKind::parse)?,
                        created_ms: r.get(4)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn leaf_wallets(&self) -> Result<Vec<[u8; 32]>, LedgerError> {
        self.read(|c| {
            let mut st = c.prepare("SELECT DISTINCT wallet FROM round_leaves ORDER BY wallet")?;
            let rows = st.query_map([], |r| blob32(r, 0))?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn miner_activity(&self, wallet: [u8; 32], window_secs: i64) -> Result<MinerActivity, LedgerError> {
        self.read(move |c| super::dashboard::miner_activity(c, wallet, window_secs)).await
    }

    async fn recent_work(&self, window_secs: i64) -> Result<(f64, u64), LedgerError> {
        self.read(move |c| {
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

    async fn roll_up(&self, until_ms: i64) -> Result<(), LedgerError> {
        self.call(move |c| super::dashboard::roll_up(c, until_ms)).await
    }

    async fn share_series(&self, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> Result<Vec<SeriesPoint>, LedgerError> {
        self.read(move |c| super::dashboard::share_series(c, wallet, since_ms, bucket_ms)).await
    }

    async fn worker_series(&self, wallet: [u8; 32], since_ms: i64, bucket_ms: i64) -> Result<Vec<WorkerSeries>, LedgerError> {
        self.read(move |c| super::dashboard::worker_series(c, wallet, since_ms, bucket_ms)).await
    }

    async fn work_by_wallet(&self, since_ms: i64) -> Result<Vec<WalletWork>, LedgerError> {
        self.read(move |c| super::dashboard::work_by_wallet(c, since_ms)).await
    }

    async fn credited_by_wallet(&self) -> Result<Vec<WalletCredit>, LedgerError> {
        self.read(super::dashboard::credited_by_wallet).await
    }

    async fn wallet_leaves(&self, wallet: [u8; 32]) -> Result<Vec<(u64, Leaf)>, LedgerError> {
        self.read(move |c| super::dashboard::wallet_leaves(c, wallet)).await
    }

    async fn prune_shares(&self, before_ms: i64) -> Result<u64, LedgerError> {
        self.call(move |c| {
            // Shares a window holds are the published record; a solution's share keys its row. While a solution
            // is pending or confirmed without a stored round, its window is not cut yet and may reach back
            // anywhere: nothing is pruned then (that lasts seconds: until the settler stores the round).
            let n = c.execute(
                "DELETE FROM shares WHERE created_ms < ?1
                   AND NOT EXISTS (SELECT 1 FROM round_shares w WHERE w.share_seq = shares.seq)
                   AND NOT EXISTS (SELECT 1 FROM solutions s WHERE s.share_seq = shares.seq)
                   AND NOT EXISTS (SELECT 1 FROM solutions s WHERE s.status = ?2 OR (s.status = ?3
                         AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.block_count = s.block_count)))",
                params![before_ms, SolutionStatus::Pending.as_str(), SolutionStatus::Confirmed.as_str()],
            )?;
            c.execute("DELETE FROM share_minutes WHERE minute_ms + 60000 <= ?1", [before_ms])?;
            c.execute("DELETE FROM pool_minutes WHERE minute_ms + 60000 <= ?1", [before_ms])?;
            c.execute("DELETE FROM wallet_hours WHERE hour_ms + 3600000 <= ?1", [before_ms])?;
            Ok(n as u64)
        })
        .await
    }
}
