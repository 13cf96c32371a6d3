//! The JSON API and Prometheus `/metrics` handlers (routes in [`super`]).

use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use trez_protocol::RejectReason;
use trez_sdk::pda;

use crate::export;
use crate::ledger::now_ms;
use crate::poolchain::PoolChain;

use super::state::{internal, ApiError, ApiState, HASHRATE_WINDOW_SECS};

pub(super) fn template_age_ms(pc: &PoolChain) -> Option<i64> {
    let last = pc.last_template_ms.load(Ordering::Relaxed) as i64;
    (last > 0).then(|| now_ms() - last)
}

/// Liveness for load balancers and supervisors: 200 with `ok: true`, or 503 with `ok: false` and the
/// `problems`: the chain unreachable (every RPC URL failing) for more than
/// `server.health_max_chain_outage_secs`, or the ledger thread not answering within 2 s (shares could not be
/// made durable, so none would be acked).
/// The relayer key's SOL balance, lamports (0 when the account does not exist; None when the chain did not
/// answer).
pub(super) async fn relayer_lamports(pc: &PoolChain) -> Option<u64> {
    use solana_sdk::signature::Signer;
    pc.chain.get_account(&pc.relayer.pubkey()).await.ok().map(|a| a.map(|a| a.lamports).unwrap_or(0))
}

pub(super) async fn health(State(s): State<ApiState>) -> impl IntoResponse {
    let h = s.pc.chain.health();
    let mut problems = vec![];
    let max_outage = s.shared.config.server.health_max_chain_outage_secs;
    if !h.up && h.outage_secs > max_outage {
        problems.push(format!("chain unreachable for {} s (limit {max_outage} s)", h.outage_secs));
    }
    let floor = s.shared.config.server.health_min_relayer_lamports;
    let relayer_lamports = relayer_lamports(&s.pc).await;
    if let Some(l) = relayer_lamports.filter(|l| *l < floor) {
        problems.push(format!("relayer SOL balance {l} lamports is below the floor of {floor} (it pays every fee)"));
    }
    match tokio::time::timeout(std::time::Duration::from_secs(2), s.ledger.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => problems.push(format!("ledger: {e}")),
        Err(_) => problems.push("ledger: no answer within 2 s".into()),
    }
    let ok = problems.is_empty();
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (
        status,
        Json(json!({
            "ok": ok,
            "problems": problems,
            "template_age_ms": template_age_ms(&s.pc),
            "connections": s.shared.stats.connections.load(Ordering::Relaxed),
            "chain_up": h.up,
            "chain_outage_secs": h.outage_secs,
            "relayer_lamports": relayer_lamports,
        })),
    )
}

pub(super) async fn pool(State(s): State<ApiState>) -> Result<Json<serde_json::Value>, ApiError> {
    let p = s.pc.pool_account().await.map_err(internal)?;
    let t = s.pc.trez_state().await.map_err(internal)?;
    let escrow = s.pc.token_balance(&pda::escrow(&s.pc.pool)).await.map_err(internal)?;
    let owed = p.owed().map_err(|e| internal(format!("{e:?}")))?;
    let (work, miners) = s.ledger.recent_work(HASHRATE_WINDOW_SECS).await.map_err(internal)?;
    let emission = s.pc.token_balance(&t.distributor_token).await.map(|d| crate::poolchain::Emission::of(&t, d)).map_err(internal)?;
    Ok(Json(json!({
        "pool": s.pc.pool.to_string(),
        "authority": s.pc.authority.to_string(),
        "mint": s.pc.mint.to_string(),
        "fee_bps": p.fee_bps,
        "max_fee_bps": p.max_fee_bps,
        "pending_fee": (p.pending_fee_effective_ts != 0).then(|| json!({ "fee_bps": p.pending_fee_bps, "effective_ts": p.pending_fee_effective_ts })),
        "min_payout": p.min_payout,
        "share_difficulty_initial": s.shared.config.vardiff.initial_bits,
        "network_difficulty": t.difficulty_high,
        "block_count": t.block_count,
        "trez": emission,
        "hashrate": work,
        "miners_online": miners,
        "connections": s.shared.stats.connections.load(Ordering::Relaxed),
        "received": p.received,
        "credited": p.credited,
        "fees_accrued": p.fees_accrued,
        "fees_withdrawn": p.fees_withdrawn,
        "paid": p.paid,
        "escrow_balance": escrow,
        "owed": owed,
        "solvency_margin": escrow as i128 - owed as i128,
        "template_age_ms": template_age_ms(&s.pc),
        "ledger_backend": s.ledger.backend(),
        "leader": s.leader.leading(),
        "leader_since_ms": s.leader.since_ms(),
        "relayer_id": s.leader.id,
        "relayers_live": s.leader.peers().0,
        "leader_id": s.leader.peers().1,
    })))
}

pub(super) async fn miner(State(s): State<ApiState>, Path(wallet): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let w: Pubkey = wallet.parse().map_err(|_| ApiError(StatusCode::BAD_REQUEST, format!("not a wallet address: {wallet}")))?;
    let act = s.ledger.miner_activity(w.to_bytes(), HASHRATE_WINDOW_SECS).await.map_err(internal)?;
    let member = s.pc.members(&[w]).await.map_err(internal)?.pop().flatten();
    let pending = member.as_ref().map(|m| m.pending()).transpose().map_err(|e| internal(format!("member account: {e}")))?.unwrap_or(0);
    let mine = s.shared.stats.rejected_for(&w.to_bytes());
    let rejected: serde_json::Map<String, serde_json::Value> =
        RejectReason::ALL.iter().map(|r| (r.as_str().to_string(), json!(mine[*r as usize]))).collect();
    Ok(Json(json!({
        "wallet": w.to_string(),
        "hashrate": act.recent_work / act.recent_secs,
        "shares_accepted": act.shares,
        "shares_rejected": rejected,
        "last_share_ms": act.last_share_ms,
        "workers": act.workers,
        "registered": member.is_some(),
        "credited": member.as_ref().map(|m| m.credited).unwrap_or(0),
        "paid": member.as_ref().map(|m| m.paid).unwrap_or(0),
        "pending": pending,
        "claimable": pending,
    })))
}

pub(super) async fn rounds(State(s): State<ApiState>) -> Result<Json<serde_json::Value>, ApiError> {
    let record = super::activity::Record::read(&s).await?;
    let found = record.found_ms();
    Ok(Json(json!(record
        .rounds
        .iter()
        .map(|r| json!({
            "block_count": r.block_count,
            "found_ms": found.get(&r.solution_id),
            "reward": r.reward,
            "bonus": r.bonus,
            "fee": r.fee,
            "network_bits": r.network_bits,
            "leaves_root": hex::encode(r.leaves_root),
            "leaf_count": r.leaf_count,
            "status": r.status,
        }))
        .collect::<Vec<_>>())))
}

pub(super) async fn round(State(s): State<ApiState>, Path(n): Path<u64>) -> Result<Json<export::RoundRecord>, ApiError> {
    match export::round_record(&*s.ledger, n).await.map_err(internal)? {
        Some(r) => Ok(Json(r)),
        None => Err(ApiError(StatusCode::NOT_FOUND, format!("no round {n}"))),
    }
}

/// `GET /api/rounds/{n}/proof/{wallet}`: the wallet's leaf in round `n`, its index, its merkle proof (hex,
/// bottom up, docs/SPEC.md §6), the leaf count and the root, so a miner checks its leaf against the on-chain
/// `Round.leaves_root` without the whole record. 400 for a malformed wallet, 404 for no such round or no leaf
/// of that wallet in it.
pub(super) async fn round_proof(State(s): State<ApiState>, Path((n, wallet)): Path<(u64, String)>) -> Result<Json<serde_json::Value>, ApiError> {
    let w: Pubkey = wallet.parse().map_err(|_| ApiError(StatusCode::BAD_REQUEST, format!("not a wallet address: {wallet}")))?;
    let Some((row, leaves)) = s.ledger.round(n).await.map_err(internal)? else { return Err(ApiError(StatusCode::NOT_FOUND, format!("no round {n}"))) };
    let Some(index) = leaves.iter().position(|l| l.wallet == w.to_bytes()) else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("wallet {w} has no leaf in round {n}")));
    };
    let l = &leaves[index];
    let proof = crate::pplns::merkle_proof(&leaves, index).unwrap_or_default();
    Ok(Json(serde_json::json!({
        "block_count": n,
        "leaf": { "wallet": w.to_string(), "weight": l.weight.to_string(), "shares": l.shares, "amount": l.amount },
        "leaf_hash": hex::encode(crate::pplns::leaf_hash(l)),
        "index": index,
        "leaf_count": leaves.len(),
        "proof": proof.iter().map(hex::encode).collect::<Vec<_>>(),
        "leaves_root": hex::encode(row.leaves_root),
    })))
}

pub(super) async fn payouts(State(s): State<ApiState>) -> Result<Json<Vec<export::PayoutRecord>>, ApiError> {
    Ok(Json(export::export(&*s.ledger, &s.pc.pool).await.map_err(internal)?.payouts))
}

pub(super) async fn export_all(State(s): State<ApiState>) -> Result<Json<export::PoolExport>, ApiError> {
    Ok(Json(export::export(&*s.ledger, &s.pc.pool).await.map_err(internal)?))
}

/// `/api/series` ranges: (range seconds, bucket seconds).
pub(super) const SERIES_1H: (i64, i64) = (3_600, 60);
pub(super) const SERIES_24H: (i64, i64) = (86_400, 900);

/// `GET /api/series?range=1h|24h[&wallet=W]`: the pool's (or one wallet's) accepted shares over the last hour
/// in 60 s buckets, or the last 24 h in 900 s buckets: `{range, bucket_secs, points: [{t_ms, shares, work,
/// hashrate}]}` with `t_ms` the bucket start (unix ms, a multiple of the bucket), `work` = Σ 2^share_bits
/// (expected hashes) and `hashrate` = work ÷ bucket_secs (H/s; the newest bucket is partial, so its hashrate
/// reads low). Buckets without shares are left out. 400 for another range or a malformed wallet.
pub(super) async fn series(State(s): State<ApiState>, axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>) -> Result<Json<serde_json::Value>, ApiError> {
    let (range, range_secs, bucket_secs) = super::activity::series_range(q.get("range").map(String::as_str))?;
    let wallet = match q.get("wallet") {
        Some(w) => Some(w.parse::<Pubkey>().map_err(|_| ApiError(StatusCode::BAD_REQUEST, format!("not a wallet address: {w}")))?.to_bytes()),
        None => None,
    };
    let since = super::activity::series_start(crate::ledger::now_ms(), range_secs, bucket_secs);
    let points = s.ledger.share_series(wallet, since, bucket_secs * 1000).await.map_err(internal)?;
    Ok(Json(json!({
        "range": range,
        "bucket_secs": bucket_secs,
        "points": points.iter().map(|p| json!({ "t_ms": p.t_ms, "shares": p.shares, "work": p.work, "hashrate": p.work / bucket_secs as f64 })).collect::<Vec<_>>(),
    })))
}
