//! The dashboard's data as JSON, one function per view, shared by the JSON handler and the page that shows it
//! (so a page's numbers are the API's by construction): blocks, blocks per hour, the leaderboard, a miner's
//! workers, credits per round and payouts.
//!
//! | route | what | time bucket |
//! |---|---|---|
//! | `GET /api/blocks?page=N` | solutions newest first, 50 a page: found, landed or lost (reason), time to land, time since the previous landed block, network bits, reward | one row per solution |
//! | `GET /api/blocks/series?range=24h` | solutions found per hour: landed and lost | 3 600 s |
//! | `GET /api/leaderboard` | top 25 wallets by average hashrate since the start of the hour 24 h ago (rollup `wallet_hours`) and by credited (credited rounds) | 3 600 s |
//! | `GET /api/miners/{wallet}/workers?range=1h\|24h` | each worker's shares, work and hashrate, last share | 60 s / 900 s |
//! | `GET /api/miners/{wallet}/rounds?page=N` | the wallet's leaf in each round, newest first, 50 a page | one row per round |
//! | `GET /api/miners/{wallet}/payouts` | transfers to the wallet, newest first | one row per transfer |

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use solana_sdk::pubkey::Pubkey;

use super::layout::{page_number, wallet};
use super::state::{internal, ApiError, ApiState};
use crate::ledger::{now_ms, RoundState, SolutionStatus};

/// Rows per page of paginated lists.
pub const PER_PAGE: usize = 50;
/// Wallets per leaderboard table.
pub const TOP: usize = 25;

/// One solution (a block-meeting share) and what became of it.
#[derive(Clone, Debug, Serialize)]
pub struct Block {
    pub block_count: u64,
    pub status: SolutionStatus,
    /// Why it was lost (or stranded).
    pub reason: Option<String>,
    pub wallet: String,
    pub nonce: u64,
    /// When the share was accepted, unix ms.
    pub found_ms: i64,
    /// When it landed, was lost or stranded, unix ms (None while pending).
    pub settled_ms: Option<i64>,
    /// settled − found for a landed (confirmed or stranded) solution, ms.
    pub time_to_land_ms: Option<i64>,
    /// found − the previous landed solution's found, ms (landed solutions after the first).
    pub since_previous_ms: Option<i64>,
    /// Network difficulty of its round, bits (landed and stored rounds).
    pub network_bits: Option<u32>,
    /// Its round's reward (block reward + bonus), base units.
    pub reward: Option<u64>,
    /// The `submit_solution` that landed it.
    pub signature: Option<String>,
}

/// What the block and round views read: every stored round and every solution (oldest first), one read each.
pub struct Record {
    pub rounds: Vec<crate::ledger::RoundRow>,
    pub solutions: Vec<crate::ledger::Solution>,
}

impl Record {
    pub async fn read(s: &ApiState) -> Result<Record, ApiError> {
        Ok(Record { rounds: s.ledger.rounds().await.map_err(internal)?, solutions: s.ledger.all_solutions().await.map_err(internal)? })
    }

    /// When each round's solution was found: solution id → unix ms.
    pub fn found_ms(&self) -> HashMap<i64, i64> {
        self.solutions.iter().map(|x| (x.id, x.found_ms)).collect()
    }

    /// Every solution, newest first.
    pub fn blocks(&self) -> Vec<Block> {
        let rounds: HashMap<u64, &crate::ledger::RoundRow> = self.rounds.iter().map(|r| (r.block_count, r)).collect();
        let mut previous: Option<i64> = None;
        let mut out = vec![];
        for x in &self.solutions {
            let landed = matches!(x.status, SolutionStatus::Confirmed | SolutionStatus::Stranded);
            let round = rounds.get(&x.block_count).filter(|r| r.solution_id == x.id);
            out.push(Block {
                block_count: x.block_count,
                status: x.status,
                reason: x.reason.clone(),
                wallet: Pubkey::new_from_array(x.wallet).to_string(),
                nonce: x.nonce,
                found_ms: x.found_ms,
                settled_ms: (x.status != SolutionStatus::Pending).then_some(x.settled_ms),
                time_to_land_ms: landed.then(|| x.settled_ms - x.found_ms),
                since_previous_ms: if landed { previous.replace(x.found_ms).map(|p| x.found_ms - p) } else { None },
                network_bits: round.map(|r| r.network_bits),
                reward: round.map(|r| r.reward),
                signature: x.signature.clone(),
            });
        }
        out.reverse();
        out
    }
}

/// Every solution, newest first.
pub async fn blocks(s: &ApiState) -> Result<Vec<Block>, ApiError> {
    Ok(Record::read(s).await?.blocks())
}

/// `GET /api/blocks?page=N`.
pub(super) async fn blocks_json(State(s): State<ApiState>, Query(q): Query<HashMap<String, String>>) -> Result<Json<serde_json::Value>, ApiError> {
    let all = blocks(&s).await?;
    let page = page_number(&q, all.len(), PER_PAGE)?;
    let rows: Vec<&Block> = all.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    Ok(Json(serde_json::json!({ "page": page, "per_page": PER_PAGE, "total": all.len(), "blocks": rows })))
}

/// Solutions found per hour over the last 24 h: (hour start ms, landed, lost), oldest first, empty hours left
/// out.
pub fn blocks_per_hour(blocks: &[Block], now: i64) -> Vec<(i64, u64, u64)> {
    let since = now - 86_400_000;
    let since = since - since % 3_600_000;
    let mut by: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    for b in blocks.iter().filter(|b| b.found_ms >= since) {
        let e = by.entry(b.found_ms - b.found_ms % 3_600_000).or_default();
        match b.status {
            SolutionStatus::Confirmed | SolutionStatus::Stranded => e.0 += 1,
            SolutionStatus::Lost => e.1 += 1,
            SolutionStatus::Pending => {}
        }
    }
    by.into_iter().map(|(t, (a, b))| (t, a, b)).collect()
}

/// `GET /api/blocks/series?range=24h`.
pub(super) async fn blocks_series(State(s): State<ApiState>, Query(q): Query<HashMap<String, String>>) -> Result<Json<serde_json::Value>, ApiError> {
    if let Some(r) = q.get("range").filter(|r| *r != "24h") {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("range must be 24h, not {r:?}")));
    }
    let points: Vec<_> = blocks_per_hour(&blocks(&s).await?, now_ms()).into_iter().map(|(t, landed, lost)| serde_json::json!({ "t_ms": t, "landed": landed, "lost": lost })).collect();
    Ok(Json(serde_json::json!({ "range": "24h", "bucket_secs": 3_600, "points": points })))
}

/// A leaderboard row by hashrate.
#[derive(Clone, Debug, Serialize)]
pub struct ByHashrate {
    pub wallet: String,
    /// Average over the span read: work since the start of the hour 24 h ago ÷ the seconds from then to now
    /// (24 to 25 h), H/s.
    pub hashrate: f64,
    pub shares: u64,
    pub last_share_ms: i64,
}

/// A leaderboard row by credited.
#[derive(Clone, Debug, Serialize)]
pub struct ByCredited {
    pub wallet: String,
    /// Base units.
    pub credited: u64,
    pub rounds: u64,
}

/// The leaderboard: top [`TOP`] by 24 h average hashrate and by credited.
#[derive(Clone, Debug, Serialize)]
pub struct Leaderboard {
    pub range: &'static str,
    pub by_hashrate: Vec<ByHashrate>,
    pub by_credited: Vec<ByCredited>,
}

pub async fn leaderboard(s: &ApiState) -> Result<Leaderboard, ApiError> {
    let now = now_ms();
    let since = now - 86_400_000;
    let since = since - since % 3_600_000;
    let secs = (now - since) as f64 / 1000.0;
    let work = s.ledger.work_by_wallet(since).await.map_err(internal)?;
    let credits = s.ledger.credited_by_wallet().await.map_err(internal)?;
    Ok(Leaderboard {
        range: "24h",
        by_hashrate: work
            .into_iter()
            .take(TOP)
            .map(|w| ByHashrate { wallet: Pubkey::new_from_array(w.wallet).to_string(), hashrate: w.work / secs, shares: w.shares, last_share_ms: w.last_share_ms })
            .collect(),
        by_credited: credits.into_iter().take(TOP).map(|c| ByCredited { wallet: Pubkey::new_from_array(c.wallet).to_string(), credited: c.credited, rounds: c.rounds }).collect(),
    })
}

pub(super) async fn leaderboard_json(State(s): State<ApiState>) -> Result<Json<Leaderboard>, ApiError> {
    Ok(Json(leaderboard(&s).await?))
}

/// A series range by name (`1h` when absent): (name, range s, bucket s); 400 for another.
pub fn series_range(name: Option<&str>) -> Result<(&'static str, i64, i64), ApiError> {
    match name.unwrap_or("1h") {
        "1h" => Ok(("1h", super::api::SERIES_1H.0, super::api::SERIES_1H.1)),
        "24h" => Ok(("24h", super::api::SERIES_24H.0, super::api::SERIES_24H.1)),
        other => Err(ApiError(StatusCode::BAD_REQUEST, format!("range must be 1h or 24h, not {other:?}"))),
    }
}

/// Where a series of `range_secs` in buckets of `bucket_secs` ending `now` starts: the start of the bucket
/// holding `now − range`, unix ms.
pub fn series_start(now_ms: i64, range_secs: i64, bucket_secs: i64) -> i64 {
    let since = now_ms - range_secs * 1000;
    since - since.rem_euclid(bucket_secs * 1000)
}

/// One worker's shares over a range.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerView {
    pub worker: String,
    pub last_share_ms: i64,
    pub shares: u64,
    /// Work over the range ÷ the range's seconds, H/s.
    pub hashrate: f64,
    pub points: Vec<RatePoint>,
}

/// One bucket of a series.
#[derive(Clone, Debug, Serialize)]
pub struct RatePoint {
    /// Bucket start, unix ms.
    pub t_ms: i64,
    pub shares: u64,
    /// Σ 2^share_bits, expected hashes.
    pub work: f64,
    /// work ÷ bucket seconds, H/s.
    pub hashrate: f64,
}

/// A wallet's workers over `range` (`1h` or `24h`): (range name, range s, bucket s, workers).
pub async fn workers(s: &ApiState, w: &Pubkey, range: Option<&str>) -> Result<(&'static str, i64, i64, Vec<WorkerView>), ApiError> {
    let (range, range_secs, bucket_secs) = series_range(range)?;
    let since = series_start(now_ms(), range_secs, bucket_secs);
    let series = s.ledger.worker_series(w.to_bytes(), since, bucket_secs * 1000).await.map_err(internal)?;
    let views = series
        .into_iter()
        .map(|x| WorkerView {
            shares: x.points.iter().map(|p| p.shares).sum(),
            hashrate: x.points.iter().map(|p| p.work).sum::<f64>() / range_secs as f64,
            points: x.points.iter().map(|p| RatePoint { t_ms: p.t_ms, shares: p.shares, work: p.work, hashrate: p.work / bucket_secs as f64 }).collect(),
            worker: x.worker,
            last_share_ms: x.last_share_ms,
        })
        .collect();
    Ok((range, range_secs, bucket_secs, views))
}

/// `GET /api/miners/{wallet}/workers?range=1h|24h`.
pub(super) async fn workers_json(State(s): State<ApiState>, Path(w): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Json<serde_json::Value>, ApiError> {
    let (range, _, bucket_secs, workers) = workers(&s, &wallet(&w)?, q.get("range").map(String::as_str)).await?;
    Ok(Json(serde_json::json!({ "range": range, "bucket_secs": bucket_secs, "workers": workers })))
}

/// One round's credit to a wallet.
#[derive(Clone, Debug, Serialize)]
pub struct Credit {
    pub block_count: u64,
    /// Base units.
    pub amount: u64,
    pub shares: u64,
    /// Σ weight of its window shares (decimal u128).
    pub weight: String,
    /// The stored round's state (`computed` or `credited`).
    pub round_status: Option<RoundState>,
}

/// A wallet's credits per round, newest first.
pub async fn credits(s: &ApiState, w: &Pubkey) -> Result<Vec<Credit>, ApiError> {
    let states: HashMap<u64, RoundState> = s.ledger.rounds().await.map_err(internal)?.into_iter().map(|r| (r.block_count, r.status)).collect();
    Ok(s.ledger
        .wallet_leaves(w.to_bytes())
        .await
        .map_err(internal)?
        .into_iter()
        .map(|(bc, l)| Credit { block_count: bc, amount: l.amount, shares: l.shares, weight: l.weight.to_string(), round_status: states.get(&bc).copied() })
        .collect())
}

/// `GET /api/miners/{wallet}/rounds?page=N`.
pub(super) async fn credits_json(State(s): State<ApiState>, Path(w): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Json<serde_json::Value>, ApiError> {
    let w = wallet(&w)?;
    let all = credits(&s, &w).await?;
    let page = page_number(&q, all.len(), PER_PAGE)?;
    let rows: Vec<&Credit> = all.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    Ok(Json(serde_json::json!({ "page": page, "per_page": PER_PAGE, "total": all.len(), "rounds": rows })))
}

/// A transfer to a wallet.
#[derive(Clone, Debug, Serialize)]
pub struct Transfer {
    pub signature: String,
    /// Base units.
    pub amount: u64,
    pub kind: crate::ledger::PayoutKind,
    pub created_ms: i64,
}

/// Transfers to a wallet (or every transfer), newest first.
pub async fn transfers(s: &ApiState, w: Option<&Pubkey>) -> Result<Vec<(String, Transfer)>, ApiError> {
    let mut out: Vec<(String, Transfer)> = s
        .ledger
        .payouts()
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|p| w.is_none_or(|w| p.wallet == w.to_bytes()))
        .map(|p| (Pubkey::new_from_array(p.wallet).to_string(), Transfer { signature: p.signature, amount: p.amount, kind: p.kind, created_ms: p.created_ms }))
        .collect();
    out.reverse();
    Ok(out)
}

/// `GET /api/miners/{wallet}/payouts`.
pub(super) async fn transfers_json(State(s): State<ApiState>, Path(w): Path<String>) -> Result<Json<Vec<Transfer>>, ApiError> {
    let w = wallet(&w)?;
    Ok(Json(transfers(&s, Some(&w)).await?.into_iter().map(|(_, t)| t).collect()))
}
