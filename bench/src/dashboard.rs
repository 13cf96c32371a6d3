//! `trez-bench dashboard` (issue 21): how long the dashboard's pages and chart endpoints take with a ledger of
//! `--shares` shares (default 1 000 000, spread evenly over the last 24 h across `--wallets` wallets × 2
//! workers, the mined wallet one of them), as p50/p99 over `--requests` sequential GETs per page, against the
//! same pages with the small ledger of the few rounds mined first, in one process (ratio = p99 ÷ baseline p99).
//! The shares are written straight into the SQLite ledger file, then folded by one pass of the rollup job
//! (what the relayer's job does every 30 s), so the pages read a steady-state ledger. Dev profile unless built otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use serde::Serialize;
use solana_sdk::signature::{Keypair, Signer};
use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::ChainOptions;
use trez_relayer::ledger::RoundState;
use trez_relayer::pipeline::Pipeline;
use trez_relayer::poolchain::PoolChain;

#[derive(ClapArgs, Debug, Clone)]
pub struct Args {
    /// Shares to put in the ledger.
    #[arg(long, default_value_t = 1_000_000)]
    pub shares: u64,
    /// Wallets they spread over (2 workers each).
    #[arg(long, default_value_t = 100)]
    pub wallets: u64,
    /// Timed GETs per page and phase.
    #[arg(long, default_value_t = 100)]
    pub requests: usize,
}

#[derive(Serialize, Debug)]
pub struct PageTiming {
    pub path: String,
    pub baseline_p50_ms: f64,
    pub baseline_p99_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// p99 with the big ledger ÷ p99 with the small one.
    pub ratio_p99: f64,
}

#[derive(Serialize, Debug)]
pub struct DashboardResults {
    pub shares: u64,
    pub wallets: u64,
    pub requests: usize,
    /// Rows the rollup holds after the insert.
    pub rollup_rows: u64,
    pub insert_secs: f64,
    /// The rollup job folding them (all but the last two minutes) in one pass, seconds.
    pub roll_up_secs: f64,
    pub pages: Vec<PageTiming>,
}

/// (p50, p99) of `path` over `n` sequential GETs (after 3 untimed), ms.
async fn time_page(http: &reqwest::Client, base: &str, path: &str, n: usize) -> Result<(f64, f64)> {
    let url = format!("{base}{path}");
    let mut ms = Vec::with_capacity(n);
    for i in 0..n + 3 {
        let t = Instant::now();
        let r = http.get(&url).send().await?;
        anyhow::ensure!(r.status().is_success(), "GET {path}: {}", r.status());
        r.bytes().await?;
        if i >= 3 {
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Ok((at(0.50), at(0.99)))
}

/// Rows in the three rollup tables.
fn rollup_rows(path: &std::path::Path) -> Result<u64> {
    let c = rusqlite::Connection::open(path)?;
    Ok(c.query_row("SELECT (SELECT count(*) FROM share_minutes) + (SELECT count(*) FROM pool_minutes) + (SELECT count(*) FROM wallet_hours)", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Write `n` shares over the last 24 h into the ledger file at `path`.
fn fill(path: &std::path::Path, n: u64, wallets: &[[u8; 32]]) -> Result<()> {
    let mut c = rusqlite::Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(30))?;
    let now = trez_relayer::ledger::now_ms();
    let tx = c.transaction()?;
    {
        let mut st = tx.prepare("INSERT INTO shares (wallet, worker, challenge, block_count, nonce, bits, zero_bits, created_ms) VALUES (?1, ?2, ?3, 0, ?4, 16, 16, ?5)")?;
        for i in 0..n {
            let w = &wallets[(i % wallets.len() as u64) as usize];
            let worker = if (i / wallets.len() as u64).is_multiple_of(2) { "rig-a" } else { "rig-b" };
            let t = now - 86_400_000 + (i as i64 * 86_400_000) / n.max(1) as i64;
            st.execute(rusqlite::params![w.as_slice(), worker, [0xEEu8; 32].as_slice(), i as i64, t])?;
        }
    }
    // Shares stamped in the past are behind the rollup's watermark: rebuild the rollups from scratch (empty
    // tables, watermark 0), which the next `roll_up` does in one pass.
    tx.execute_batch("DELETE FROM share_minutes; DELETE FROM pool_minutes; DELETE FROM wallet_hours; UPDATE rollup_state SET upto_ms = 0")?;
    tx.commit()?;
    Ok(())
}

pub fn run(a: &Args) -> Result<DashboardResults> {
    println!("\n== dashboard ({} shares over 24 h, {} wallets; p50/p99 of {} GETs per page) ==", a.shares, a.wallets, a.requests);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let chain = EmbeddedChain::start().await;
        // Network difficulty 12 bits, shares at 8: one share in 16 is a block.
        let (relayer, addrs) = crate::solution::bench_pool(&chain).await?;
        let opts = ChainOptions { poll_interval_ms: 100, payout_interval_secs: 1, ..ChainOptions::default() };
        let pc = PoolChain::connect(chain.clone() as Arc<dyn ChainClient>, relayer, addrs.pool.parse()?, opts).await?;
        let dir = tempfile::tempdir()?;
        let mut config = trez_relayer::config::Config::default();
        config.ledger.path = dir.path().join("l.db");
        (config.vardiff.initial_bits, config.vardiff.min_bits, config.vardiff.max_bits) = (8, 8, 8);
        let ledger = trez_relayer::ledger::open(&config.ledger)?;
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let api = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let p = Pipeline::start(ws, Some(api), config.clone(), pc.clone(), ledger.clone()).await?;
        let base = format!("http://{}", p.api_addr.context("api address")?);

        // A few real rounds, mined and credited, for the round, blocks and miner pages.
        let miner = Keypair::new();
        let mut conn = trez_relayer::loadgen::Conn::connect(&format!("ws://{}", p.addr), miner.secret_bytes(), "rig-a").await?;
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut blocks = 0;
        while blocks < 3 && Instant::now() < deadline {
            let ack = conn.mine_one().await?;
            if ack.accepted && ack.block {
                blocks += 1;
                let bc = ack.block_count;
                let wait = Instant::now() + Duration::from_secs(10);
                while conn.job.block_count <= bc && Instant::now() < wait {
                    let _ = conn.wait_job(Duration::from_millis(500)).await;
                }
            }
        }
        conn.close().await;
        loop {
            let rounds = ledger.rounds().await?;
            if rounds.len() >= 3 && rounds.iter().all(|r| r.status == RoundState::Credited) {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline + Duration::from_secs(60), "rounds not credited in time: {rounds:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let n = ledger.rounds().await?[0].block_count;
        let w = miner.pubkey();
        let paths = [
            "/".to_string(),
            format!("/miner/{w}"),
            "/leaderboard".into(),
            "/blocks".into(),
            format!("/round/{n}"),
            "/rounds".into(),
            "/api/series?range=24h".into(),
            format!("/api/miners/{w}/workers?range=24h"),
            "/api/leaderboard".into(),
        ];
        let http = reqwest::Client::new();
        let mut baseline = vec![];
        for path in &paths {
            baseline.push(time_page(&http, &base, path, a.requests).await?);
        }

        let mut wallets: Vec<[u8; 32]> = (0..a.wallets.max(1)).map(|_| rand::random()).collect();
        wallets[0] = w.to_bytes();
        let t = Instant::now();
        let path = config.ledger.path.clone();
        let (shares, ws_) = (a.shares, wallets.clone());
        tokio::task::spawn_blocking(move || fill(&path, shares, &ws_)).await??;
        let insert_secs = t.elapsed().as_secs_f64();
        // What the rollup job does every 30 s, here all at once (a relayer upgraded onto a full ledger does
        // the same on its first pass).
        let t = Instant::now();
        ledger.roll_up(trez_relayer::ledger::now_ms() - trez_relayer::tasks::rollup::GRACE_MS).await?;
        let roll_up_secs = t.elapsed().as_secs_f64();
        let rollup_rows = rollup_rows(&config.ledger.path)?;
        println!("  {} shares written in {insert_secs:.1} s, folded by the rollup job in {roll_up_secs:.1} s; the rollup tables hold {rollup_rows} rows", a.shares);

        let mut pages = vec![];
        println!("  {:<58} {:>10} {:>10} {:>10} {:>10} {:>7}", "page", "base p50", "base p99", "p50 ms", "p99 ms", "ratio");
        for (path, (b50, b99)) in paths.iter().zip(baseline) {
            let (p50, p99) = time_page(&http, &base, path, a.requests).await?;
            let shown = if path.len() > 58 { format!("{}…", &path[..57]) } else { path.clone() };
            println!("  {shown:<58} {b50:>10.2} {b99:>10.2} {p50:>10.2} {p99:>10.2} {:>7.2}", p99 / b99);
            pages.push(PageTiming { path: path.clone(), baseline_p50_ms: b50, baseline_p99_ms: b99, p50_ms: p50, p99_ms: p99, ratio_p99: p99 / b99 });
        }
        p.stop().await?;
        Ok(DashboardResults { shares: a.shares, wallets: a.wallets, requests: a.requests, rollup_rows, insert_secs, roll_up_secs, pages })
    })
}
