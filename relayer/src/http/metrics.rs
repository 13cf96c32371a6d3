//! `GET /metrics`: Prometheus text, built per scrape from the pool's live state. Counters (`_total`) are
//! typed as counters, everything else as gauges; times are in seconds, amounts in base units, SOL in
//! lamports. The latency histograms are `crate::metrics`'.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `trez_build_info{version}` | gauge | always 1; the relayer's version |
//! | `trez_connections` | gauge | open miner connections |
//! | `trez_miners_online`, `trez_pool_hashrate_hps` | gauge | wallets with shares in the last 10 min, and their work ÷ the seconds covered (hashes/s) |
//! | `trez_shares_accepted_total`, `trez_shares_rejected_total{reason}` | counter | shares since the relayer started |
//! | `trez_blocks_found_total` | counter | block-meeting shares since start |
//! | `trez_blocks_lost_total`, `trez_blocks_stranded_total` | counter | solutions in the ledger recorded lost, stranded |
//! | `trez_chain_errors_total`, `trez_pubsub_connects_total` | counter | RPC errors; PubSub subscriptions made |
//! | `trez_template_age_seconds` | gauge | since the last TREZ state update |
//! | `trez_chain_up`, `trez_chain_outage_seconds`, `trez_pubsub_connected` | gauge | chain reachability |
//! | `trez_relayer_leader`, `trez_relayers_live` | gauge | leader lease; relayers alive on the ledger |
//! | `trez_relayer_sol_balance_lamports` | gauge | the relayer key's SOL |
//! | `trez_era`, `trez_block_reward_base_units`, `trez_distributor_base_units`, `trez_emission_exhausted` | gauge | TREZ's emission (its State and distributor) |
//! | `trez_credited_base_units`, `trez_paid_base_units`, `trez_escrow_base_units`, `trez_escrow_solvency_margin_base_units` | gauge | the pool's money |

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};
use trez_protocol::RejectReason;
use trez_sdk::pda;

use super::api::{relayer_lamports, template_age_ms};
use super::state::{ApiState, HASHRATE_WINDOW_SECS};
use crate::ledger::SolutionStatus;

fn gauge(reg: &Registry, name: &str, help: &str, v: i64) {
    if let Ok(g) = IntGauge::new(name, help) {
        g.set(v);
        let _ = reg.register(Box::new(g));
    }
}

fn gauge_f(reg: &Registry, name: &str, help: &str, v: f64) {
    if let Ok(g) = Gauge::new(name, help) {
        g.set(v);
        let _ = reg.register(Box::new(g));
    }
}

/// A counter whose value is a monotonic count kept elsewhere (an atomic, the ledger).
fn counter(reg: &Registry, name: &str, help: &str, v: u64) {
    if let Ok(c) = IntCounter::new(name, help) {
        c.inc_by(v);
        let _ = reg.register(Box::new(c));
    }
}

pub(super) async fn metrics(State(s): State<ApiState>) -> Response {
    let reg = Registry::new();
    crate::metrics::register(&reg);
    if let Ok(g) = IntGauge::with_opts(Opts::new("trez_build_info", "Always 1; the relayer's version in its label").const_label("version", env!("CARGO_PKG_VERSION"))) {
        g.set(1);
        let _ = reg.register(Box::new(g));
    }
    let st = &s.shared.stats;
    gauge(&reg, "trez_connections", "Open miner connections", st.connections.load(Ordering::Relaxed) as i64);
    if let Ok((work, miners)) = s.ledger.recent_work(HASHRATE_WINDOW_SECS).await {
        gauge_f(&reg, "trez_pool_hashrate_hps", "Pool hashrate over the last 10 minutes, hashes per second", work);
        gauge(&reg, "trez_miners_online", "Wallets with shares in the last 10 minutes", miners as i64);
    }
    counter(&reg, "trez_shares_accepted_total", "Shares accepted and durable", st.accepted.load(Ordering::Relaxed));
    counter(&reg, "trez_blocks_found_total", "Block-meeting shares found", st.blocks.load(Ordering::Relaxed));
    if let Ok(v) = IntCounterVec::new(Opts::new("trez_shares_rejected_total", "Shares rejected, by reason"), &["reason"]) {
        for r in RejectReason::ALL {
            v.with_label_values(&[r.as_str()]).inc_by(st.rejected(r));
        }
        let _ = reg.register(Box::new(v));
    }
    if let Some(age) = template_age_ms(&s.pc) {
        gauge_f(&reg, "trez_template_age_seconds", "Seconds since the last TREZ state update", age as f64 / 1_000.0);
    }
    if let Ok(sols) = s.ledger.all_solutions().await {
        let count = |status| sols.iter().filter(|x| x.status == status).count() as u64;
        counter(&reg, "trez_blocks_lost_total", "Solutions recorded lost", count(SolutionStatus::Lost));
        counter(&reg, "trez_blocks_stranded_total", "Landed blocks stranded on-chain before the relayer credited them", count(SolutionStatus::Stranded));
        gauge(&reg, "trez_relayer_leader", "1 while this relayer holds the leader lease (crediting, payouts, retention)", s.leader.leading() as i64);
        gauge(&reg, "trez_relayers_live", "Relayers on this ledger seen alive in the last 5 s", s.leader.peers().0 as i64);
    }
    counter(&reg, "trez_chain_errors_total", "Chain (RPC) errors", s.pc.chain.error_count());
    if let Some(l) = relayer_lamports(&s.pc).await {
        gauge(&reg, "trez_relayer_sol_balance_lamports", "The relayer key's SOL balance (it pays every fee)", l as i64);
    }
    let health = s.pc.chain.health();
    gauge(&reg, "trez_chain_up", "1 when the last chain request succeeded (after failover), 0 during an outage", health.up as i64);
    gauge(&reg, "trez_chain_outage_seconds", "Seconds every RPC URL has been failing (0 while up)", health.outage_secs as i64);
    if let Some(c) = health.pubsub_connected {
        gauge(&reg, "trez_pubsub_connected", "1 while the TREZ state subscription is connected (polling covers gaps)", c as i64);
        counter(&reg, "trez_pubsub_connects_total", "PubSub subscriptions established (reconnects included)", health.pubsub_connects);
    }
    if let Ok(e) = s.pc.trez_emission().await {
        gauge(&reg, "trez_era", "TREZ era (the block reward halves each era)", e.era as i64);
        gauge(&reg, "trez_block_reward_base_units", "TREZ block reward of the current era", e.block_reward as i64);
        gauge(&reg, "trez_distributor_base_units", "What the TREZ distributor still holds for rewards", e.distributor_balance as i64);
        gauge(&reg, "trez_emission_exhausted", "1 when the TREZ distributor cannot pay one more block", e.exhausted as i64);
    }
    if let Ok(p) = s.pc.pool_account().await {
        gauge(&reg, "trez_credited_base_units", "Pool lifetime credited", p.credited as i64);
        gauge(&reg, "trez_paid_base_units", "Pool lifetime paid", p.paid as i64);
        if let (Ok(escrow), Ok(owed)) = (s.pc.token_balance(&pda::escrow(&s.pc.pool)).await, p.owed()) {
            gauge(&reg, "trez_escrow_base_units", "Escrow balance", escrow as i64);
            gauge(&reg, "trez_escrow_solvency_margin_base_units", "Escrow balance minus everything owed", escrow as i64 - owed as i64);
        }
    }
    let mut buf = vec![];
    if TextEncoder::new().encode(&reg.gather(), &mut buf).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], buf).into_response()
}
