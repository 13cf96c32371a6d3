//! The ledger's reads and its non-share writes (solutions, rounds, transactions, payouts), each run on the
//! ledger thread through [`Ledger::call`].

use rusqlite::{params, OptionalExtension};

use super::rows::*;
use super::{now_ms, Ledger, LedgerError, ShareRow};

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
