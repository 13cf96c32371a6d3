//! [`Ledger`] for [`Postgres`]: shares through the writer task, everything else on a pooled connection.
//! A stored value that does not decode is [`LedgerError::Corrupt`] naming the row (its key) and column.

use async_trait::async_trait;
use tokio_postgres::Row;

use super::{Postgres, SERVER_NOW_MS};
use crate::ledger::types::*;
use crate::ledger::{now_ms, Ledger, LedgerError};
use crate::pplns::{self, Leaf, Weighted};

fn corrupt(key: &dyn std::fmt::Display, column: &str, what: String) -> LedgerError {
    LedgerError::Corrupt(format!("corrupt ledger row {key}, column {column}: {what}"))
}

pub(super) fn blob32(r: &Row, column: &str, key: &dyn std::fmt::Display) -> Result<[u8; 32], LedgerError> {
    let v: Vec<u8> = r.try_get(column)?;
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| corrupt(key, column, format!("{} bytes where 32 are stored", v.len())))
}

pub(super) fn weight(r: &Row, column: &str, key: &dyn std::fmt::Display) -> Result<u128, LedgerError> {
    let text: String = r.try_get(column)?;
    text.parse().map_err(|_| corrupt(key, column, format!("weight {text:?} is not a decimal u128")))
}

fn stored<T>(r: &Row, column: &str, key: &dyn std::fmt::Display, parse: fn(&str) -> Option<T>) -> Result<T, LedgerError> {
    let text: String = r.try_get(column)?;
    parse(&text).ok_or_else(|| corrupt(key, column, format!("unknown state {text:?}")))
}

pub(super) fn unsigned(r: &Row, column: &str, key: &dyn std::fmt::Display) -> Result<u64, LedgerError> {
    let v: i64 = r.try_get(column)?;
    u64::try_from(v).map_err(|_| corrupt(key, column, format!("negative value {v}")))
}

const SHARE_COLS: &str = "seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms, signature";

fn share_row(r: &Row) -> Result<ShareRow, LedgerError> {
    let seq: i64 = r.try_get("seq")?;
    Ok(ShareRow {
        seq,
        wallet: blob32(r, "wallet", &seq)?,
        worker: r.try_get("worker")?,
        challenge: blob32(r, "challenge", &seq)?,
        block_count: r.try_get::<_, i64>("block_count")? as u64,
        nonce: r.try_get::<_, i64>("nonce")? as u64,
        bits: r.try_get::<_, i32>("bits")? as u32,
        zero_bits: r.try_get::<_, i32>("zero_bits")? as u32,
        created_ms: r.try_get("created_ms")?,
        signature: match r.try_get::<_, Option<Vec<u8>>>("signature")? {
            None => None,
            Some(b) => Some(b.try_into().map_err(|b: Vec<u8>| corrupt(&seq, "signature", format!("{} bytes", b.len())))?),
        },
    })
}

const SOLUTION_COLS: &str = "id, share_seq, wallet, challenge, block_count, nonce, status, reason, signature, created_ms, updated_ms";

fn solution_row(r: &Row) -> Result<Solution, LedgerError> {
    let id: i64 = r.try_get("id")?;
    Ok(Solution {
        id,
        share_seq: r.try_get("share_seq")?,
        wallet: blob32(r, "wallet", &id)?,
        challenge: blob32(r, "challenge", &id)?,
        block_count: r.try_get::<_, i64>("block_count")? as u64,
        nonce: r.try_get::<_, i64>("nonce")? as u64,
        status: stored(r, "status", &id, SolutionStatus::parse)?,
        reason: r.try_get("reason")?,
        signature: r.try_get("signature")?,
        found_ms: r.try_get("created_ms")?,
        settled_ms: r.try_get("updated_ms")?,
    })
}

const ROUND_COLS: &str = "block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee, leaves_root, leaf_count, status, bonus";

fn round_row(r: &Row) -> Result<RoundRow, LedgerError> {
    let bc = r.try_get::<_, i64>("block_count")? as u64;
    Ok(RoundRow {
        block_count: bc,
        solution_id: r.try_get("solution_id")?,
        share_seq: r.try_get("share_seq")?,
        network_bits: r.try_get::<_, i32>("network_bits")? as u32,
        pplns_factor: unsigned(r, "pplns_factor", &bc)?,
        reward: r.try_get::<_, i64>("reward")? as u64,
        fee: r.try_get::<_, i64>("fee")? as u64,
        leaves_root: blob32(r, "leaves_root", &bc)?,
        leaf_count: r.try_get::<_, i32>("leaf_count")? as u32,
        status: stored(r, "status", &bc, RoundState::parse)?,
        bonus: r.try_get::<_, i64>("bonus")? as u64,
    })
}

fn rows<T>(rows: Vec<Row>, f: fn(&Row) -> Result<T, LedgerError>) -> Result<Vec<T>, LedgerError> {
    rows.iter().map(f).collect()
}

#[async_trait]
impl Ledger for Postgres {
    async fn record(&self, share: NewShare) -> Result<Recorded, LedgerError> {
        self.commit_share(share).await
    }

    async fn flush(&self) -> Result<(), LedgerError> {
        self.flush_writer().await
    }

    async fn share_count(&self) -> Result<u64, LedgerError> {
        let n: i64 = self.pool.get().await?.query_one("SELECT count(*) FROM shares", &[]).await?.get(0);
        Ok(n as u64)
    }

    async fn shares(&self) -> Result<Vec<ShareRow>, LedgerError> {
        rows(self.pool.get().await?.query(&format!("SELECT {SHARE_COLS} FROM shares ORDER BY seq"), &[]).await?, share_row)
    }

    async fn solutions(&self, status: SolutionStatus) -> Result<Vec<Solution>, LedgerError> {
        let c = self.pool.get().await?;
        rows(c.query(&format!("SELECT {SOLUTION_COLS} FROM solutions WHERE status = $1 ORDER BY id"), &[&status.as_str()]).await?, solution_row)
    }

    async fn all_solutions(&self) -> Result<Vec<Solution>, LedgerError> {
        rows(self.pool.get().await?.query(&format!("SELECT {SOLUTION_COLS} FROM solutions ORDER BY id"), &[]).await?, solution_row)
    }

    async fn set_solution(&self, id: i64, status: SolutionStatus, reason: Option<String>, signature: Option<String>) -> Result<(), LedgerError> {
        self.pool
            .get()
            .await?
            .execute(
                "UPDATE solutions SET status = $2, reason = coalesce($3, reason), signature = coalesce($4, signature), updated_ms = $5
                 WHERE id = $1 AND NOT (status IN ('confirmed', 'stranded') AND $2 IN ('pending', 'lost'))",
                &[&id, &status.as_str(), &reason, &signature, &now_ms()],
            )
            .await?;
        Ok(())
    }

    async fn unsettled(&self) -> Result<Vec<Solution>, LedgerError> {
        let c = self.pool.get().await?;
        let sql = format!(
            "SELECT {SOLUTION_COLS} FROM solutions s WHERE status = 'confirmed' AND NOT EXISTS
             (SELECT 1 FROM rounds r WHERE r.block_count = s.block_count AND r.status = $1) ORDER BY id"
        );
        rows(c.query(&sql, &[&RoundState::Credited.as_str()]).await?, solution_row)
    }

    async fn window(&self, last_seq: i64, n: u128) -> Result<Vec<Weighted>, LedgerError> {
        use futures_util::TryStreamExt;
        let c = self.pool.get().await?;
        // Streamed newest first; the cut stops reading once the window is full.
        let stream = c.query_raw("SELECT seq, wallet, bits FROM shares WHERE seq <= $1 ORDER BY seq DESC", [&last_seq]).await?;
        futures_util::pin_mut!(stream);
        let mut cut = pplns::WindowCut::new(n);
        while let Some(r) = stream.try_next().await? {
            let seq: i64 = r.try_get("seq")?;
            let share = pplns::Share { seq, wallet: blob32(&r, "wallet", &seq)?, bits: r.try_get::<_, i32>("bits")? as u32 };
            if cut.push(share).map_err(|e| corrupt(&seq, "bits", e.to_string()))? {
                break;
            }
        }
        Ok(cut.finish())
    }

    async fn store_round(&self, round: RoundRow, leaves: Vec<Leaf>, window: Vec<Weighted>) -> Result<bool, LedgerError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let bc = round.block_count as i64;
        let inserted = tx
            .execute(
                &format!("INSERT INTO rounds ({ROUND_COLS}, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING"),
                &[
                    &bc,
                    &round.solution_id,
                    &round.share_seq,
                    &(round.network_bits as i32),
                    &(round.pplns_factor as i64),
                    &(round.reward as i64),
                    &(round.fee as i64),
                    &round.leaves_root.as_slice(),
                    &(round.leaf_count as i32),
                    &round.status.as_str(),
                    &(round.bonus as i64),
                    &now_ms(),
                ],
            )
            .await?;
        if inserted == 1 {
            let leaf = tx.prepare("INSERT INTO round_leaves (block_count, idx, wallet, weight, shares, amount) VALUES ($1, $2, $3, $4, $5, $6)").await?;
            for (i, l) in leaves.iter().enumerate() {
                tx.execute(&leaf, &[&bc, &(i as i32), &l.wallet.as_slice(), &l.weight.to_string(), &(l.shares as i64), &(l.amount as i64)]).await?;
            }
            let share = tx.prepare("INSERT INTO round_shares (block_count, share_seq, weight) VALUES ($1, $2, $3)").await?;
            for w in &window {
                tx.execute(&share, &[&bc, &w.share.seq, &w.weight.to_string()]).await?;
            }
        }
        tx.commit().await?;
        Ok(inserted == 1)
    }

    async fn round(&self, block_count: u64) -> Result<Option<(RoundRow, Vec<Leaf>)>, LedgerError> {
        let c = self.pool.get().await?;
        let bc = block_count as i64;
        let Some(row) = c.query_opt(&format!("SELECT {ROUND_COLS} FROM rounds WHERE block_count = $1"), &[&bc]).await? else { return Ok(None) };
        let row = round_row(&row)?;
        let leaves = c
            .query("SELECT idx, wallet, weight, shares, amount FROM round_leaves WHERE block_count = $1 ORDER BY idx", &[&bc])
            .await?
            .iter()
            .map(|r| {
                let key = format!("{block_count}/{}", r.try_get::<_, i32>("idx")?);
                Ok(Leaf {
                    wallet: blob32(r, "wallet", &key)?,
                    weight: weight(r, "weight", &key)?,
                    shares: unsigned(r, "shares", &key)?,
                    amount: r.try_get::<_, i64>("amount")? as u64,
                })
            })
            .collect::<Result<Vec<_>, LedgerError>>()?;
        Ok(Some((row, leaves)))
    }

    async fn rounds(&self) -> Result<Vec<RoundRow>, LedgerError> {
        rows(self.pool.get().await?.query(&format!("SELECT {ROUND_COLS} FROM rounds ORDER BY block_count"), &[]).await?, round_row)
    }

    async fn round_window(&self, block_count: u64) -> Result<Vec<(ShareRow, u128)>, LedgerError> {
        let c = self.pool.get().await?;
        let sql = "SELECT s.seq, s.wallet, s.worker, s.challenge, s.block_count, s.nonce, s.bits, s.zero_bits, s.created_ms, s.signature, w.weight
                   FROM round_shares w JOIN shares s ON s.seq = w.share_seq WHERE w.block_count = $1 ORDER BY s.seq";
        c.query(sql, &[&(block_count as i64)])
            .await?
            .iter()
            .map(|r| {
                let s = share_row(r)?;
                let w = weight(r, "weight", &s.seq)?;
                Ok((s, w))
            })
            .collect()
    }

    async fn mark_round_credited(&self, block_count: u64) -> Result<(), LedgerError> {
        self.pool
            .get()
            .await?
            .execute(
                "UPDATE rounds SET status = $3, credited_ms = coalesce(credited_ms, $2) WHERE block_count = $1",
                &[&(block_count as i64), &now_ms(), &RoundState::Credited.as_str()],
            )
            .await?;
        Ok(())
    }

    async fn record_tx(&self, signature: String, kind: TxKind, block_count: Option<u64>, batch: Option<u32>) -> Result<(), LedgerError> {
        self.pool
            .get()
            .await?
            .execute(
                "INSERT INTO chain_txs (signature, kind, block_count, batch_index, created_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&signature, &kind.as_str(), &block_count.map(|b| b as i64), &batch.map(|b| b as i32), &now_ms()],
            )
            .await?;
        Ok(())
    }

    async fn txs(&self, kind: TxKind) -> Result<Vec<TxRow>, LedgerError> {
        let c = self.pool.get().await?;
        c.query("SELECT signature, block_count, batch_index FROM chain_txs WHERE kind = $1 ORDER BY created_ms", &[&kind.as_str()])
            .await?
            .iter()
            .map(|r| {
                Ok(TxRow {
                    signature: r.try_get("signature")?,
                    block_count: r.try_get::<_, Option<i64>>("block_count")?.map(|b| b as u64),
                    batch: r.try_get::<_, Option<i32>>("batch_index")?.map(|b| b as u32),
                })
            })
            .collect()
    }

    async fn record_payouts(&self, signature: String, kind: PayoutKind, paid: Vec<([u8; 32], u64)>) -> Result<usize, LedgerError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let mut added = 0;
        for (wallet, amount) in &paid {
            added += tx
                .execute(
                    "INSERT INTO payouts (signature, wallet, amount, kind, created_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    &[&signature, &wallet.as_slice(), &(*amount as i64), &kind.as_str(), &now_ms()],
                )
                .await? as usize;
        }
        tx.execute(
            "INSERT INTO chain_txs (signature, kind, created_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&signature, &TxKind::from(kind).as_str(), &now_ms()],
        )
        .await?;
        tx.commit().await?;
        Ok(added)
    }

    async fn payout_total(&self) -> Result<u64, LedgerError> {
        let total: i64 = self.pool.get().await?.query_one("SELECT COALESCE(SUM(amount), 0)::BIGINT FROM payouts", &[]).await?.get(0);
        Ok(total as u64)
    }

    async fn payouts(&self) -> Result<Vec<PayoutRow>, LedgerError> {
        let c = self.pool.get().await?;
        c.query("SELECT signature, wallet, amount, kind, created_ms FROM payouts ORDER BY id", &[])
            .await?
            .iter()
            .map(|r| {
                let sig: String = r.try_get("signature")?;
                Ok(PayoutRow {
                    wallet: blob32(r, "wallet", &sig)?,
                    amount: r.try_get::<_, i64>("amount")? as u64,
                    kind: stored(r, "kind", &sig, PayoutKind::parse)?,
                    created_ms: r.try_get("created_ms")?,
                    signature: sig,
                })
            })
            .collect()
    }

    async fn leaf_wallets(&self) -> Result<Vec<[u8; 32]>, LedgerError> {
        let c = self.pool.get().await?;
        c.query("SELECT DISTINCT wallet FROM round_leaves ORDER BY wallet", &[]).await?.iter().map(|r| blob32(r, "wallet", &"round_leaves")).collect()
    }

    async fn miner_activity(&self, wallet: [u8; 32], window_secs: i64) -> Result<MinerActivity, LedgerError> {
        super::dashboard::miner_activity(self, wallet, window_secs).await
    }

    async fn recent_work(&self, window_secs: i64) -> Result<(f64, u64), LedgerError> {
        let c = self.pool.get().await?;
        let since = now_ms() - window_secs * 1000;
        // Σ 2^bits in SQL (as double precision): the read does not ship every share to the relayer.
        let r = c
            .query_one("SELECT COALESCE(SUM(power(2::float8, bits)), 0), count(DISTINCT wallet), min(created_ms) FROM shares WHERE created_ms >= $1", &[&since])
            .await?;
        let (work, wallets, oldest): (f64, i64, Option<i64>) = (r.get(0), r.get(1), r.get(2));
        let span_ms = oldest.map(|o| (now_ms() - o).max(1_000)).unwrap_or(window_secs * 1000);
        Ok((work * 1000.0 / span_ms as f64, wallets as u64))
    }

    async fn roll_up(&self, until_ms: i64) -> Result<(), LedgerError> {
        super::dashboard::roll_up(self, until_ms).await
    }

    async fn share_series(&self, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> Result<Vec<SeriesPoint>, LedgerError> {
        super::dashboard::share_series(self, wallet, since_ms, bucket_ms).await
    }

    async fn worker_series(&self, wallet: [u8; 32], since_ms: i64, bucket_ms: i64) -> Result<Vec<WorkerSeries>, LedgerError> {
        super::dashboard::worker_series(self, wallet, since_ms, bucket_ms).await
    }

    async fn work_by_wallet(&self, since_ms: i64) -> Result<Vec<WalletWork>, LedgerError> {
        super::dashboard::work_by_wallet(self, since_ms).await
    }

    async fn credited_by_wallet(&self) -> Result<Vec<WalletCredit>, LedgerError> {
        super::dashboard::credited_by_wallet(self).await
    }

    async fn wallet_leaves(&self, wallet: [u8; 32]) -> Result<Vec<(u64, Leaf)>, LedgerError> {
        super::dashboard::wallet_leaves(self, wallet).await
    }

    async fn lead(&self) -> Result<bool, LedgerError> {
        self.hold_lease().await
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn heartbeat(&self, id: &str, leading: bool) -> Result<(u64, Option<String>), LedgerError> {
        let c = self.pool.get().await?;
        // The server's clock, so relayers on machines whose clocks disagree still agree on who is live.
        let pid = if leading { self.lease_pid() } else { None };
        c.execute(
            &format!(
                "INSERT INTO relayers (id, last_seen_ms, leader, lease_pid) VALUES ($1, {SERVER_NOW_MS}, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, leader = $2, lease_pid = $3"
            ),
            &[&id, &leading, &pid],
        )
        .await?;
        if pid.is_some() {
            // A pid is reused once its session ends: only this row names the live lease session.
            c.execute("UPDATE relayers SET lease_pid = NULL WHERE lease_pid = $1 AND id <> $2", &[&pid, &id]).await?;
        }
        let fresh = format!("last_seen_ms >= {SERVER_NOW_MS} - 5000");
        let live: i64 = c.query_one(&format!("SELECT count(*) FROM relayers WHERE {fresh}"), &[]).await?.get(0);
        let leader: Option<String> = c
            .query_opt(&format!("SELECT id FROM relayers WHERE leader AND {fresh} ORDER BY last_seen_ms DESC LIMIT 1"), &[])
            .await?
            .map(|r| r.get(0));
        Ok((live as u64, leader))
    }

    async fn prune_shares(&self, before_ms: i64) -> Result<u64, LedgerError> {
        super::dashboard::prune_shares(self, before_ms).await
    }
}
