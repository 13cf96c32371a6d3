//! The relayer's HTTP API (axum): JSON for miners, auditors and dashboards, and Prometheus `/metrics`.
//!
//! | route | what |
//! |---|---|
//! | `GET /health` | 200, or 503 with `problems` (chain unreachable past a limit, ledger not answering); template age |
//! | `GET /api/pool` | fee, cap, pending fee change, difficulties, block_count, hashrate estimate, miners online, escrow, owed, solvency margin |
//! | `GET /api/miners/{wallet}` | hashrate, shares, rejects (pool-wide by reason), credited, paid, pending, last share, workers |
//! | `GET /api/rounds`, `GET /api/rounds/{n}` | settled rounds; one round with its leaves and window shares |
//! | `GET /api/payouts` | payout transfers with signatures |
//! | `GET /api/export` | the whole published record the `audit` command checks |
//! | `GET /api/series?range=1h\|24h[&wallet=W]` | shares, work and hashrate per 60 s (1 h) or 900 s (24 h) bucket, pool or one wallet |
//! | `GET /api/blocks`, `/api/blocks/series`, `/api/leaderboard`, `/api/miners/{wallet}/workers\|rounds\|payouts` | the dashboard's views ([`activity`]) |
//! | `GET /metrics` | Prometheus text |
//! | `GET /`, `/miner/{wallet}`, `/rounds`, `/round/{n}`, `/blocks`, `/leaderboard` | the HTML dashboard ([`dashboard`], [`pages`]): amounts in TREZ (base units in `data-base`), hashrates with SI prefixes, times in UTC and "ago", inline SVG charts, 50 rows a page (`?page=N`) |
//!
//! Amounts are base units; difficulties bits; hashrates hashes per second (share work of the last 10
//! minutes over the seconds those shares cover).

mod activity;
mod api;
mod dashboard;
mod layout;
mod metrics;
mod pages;
mod state;
mod units;

use axum::routing::get;
use axum::Router;

pub use state::{internal, ApiError, ApiState, HASHRATE_WINDOW_SECS};

/// The router.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/api/pool", get(api::pool))
        .route("/api/miners/{wallet}", get(api::miner))
        .route("/api/rounds", get(api::rounds))
        .route("/api/rounds/{n}", get(api::round))
        .route("/api/rounds/{n}/proof/{wallet}", get(api::round_proof))
        .route("/api/payouts", get(api::payouts))
        .route("/api/export", get(api::export_all))
        .route("/api/series", get(api::series))
        .route("/api/blocks", get(activity::blocks_json))
        .route("/api/blocks/series", get(activity::blocks_series))
        .route("/api/leaderboard", get(activity::leaderboard_json))
        .route("/api/miners/{wallet}/workers", get(activity::workers_json))
        .route("/api/miners/{wallet}/rounds", get(activity::credits_json))
        .route("/api/miners/{wallet}/payouts", get(activity::transfers_json))
        .route("/metrics", get(metrics::metrics))
        .route("/", get(dashboard::index))
        .route("/miner", get(dashboard::miner_query))
        .route("/miner/{wallet}", get(dashboard::miner))
        .route("/rounds", get(pages::rounds))
        .route("/round/{n}", get(pages::round))
        .route("/blocks", get(pages::blocks))
        .route("/leaderboard", get(pages::leaderboard))
        .with_state(state)
}
