//! `trez-relayer localnet`: the whole pool in one command on the embedded chain. Creates the TREZ mint and
//! replica and the pool, starts the relayer on a printed WebSocket port, starts N in-process miners (the
//! bundled `trez-miner` library over real WebSocket on loopback), and prints one line per event. With
//! `--blocks K` it stops after K rounds are credited and paid, runs the audit, prints a summary (`--json`: one
//! JSON object on stdout) and succeeds only if the audit passes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use solana_sdk::signature::{Keypair, Signer};
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::chain::embedded::EmbeddedChain;
use crate::chain::ChainClient;
use crate::config::Config;
use crate::ledger::{self, Ledger, SolutionStatus, TxKind};
use crate::config::ChainOptions;
use crate::poolchain::{PoolChain, PoolEvent};
use crate::setup::{self, TrezGenesis};
use crate::tasks::{payouts, settler, submitter};
use crate::pipeline::Pipeline;

/// Options of `localnet`.
#[derive(clap::Args, Debug, Clone)]
pub struct LocalnetArgs {
    /// In-process miners (distinct generated wallets); 0 to only accept outside miners.
    #[arg(long, default_value_t = 3)]
    pub miners: usize,
    /// Hashing threads per in-process miner (default: cores / miners, at least 1).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop after this many blocks are credited and paid, audit, and exit (0 only if the audit passes).
    #[arg(long)]
    pub blocks: Option<u64>,
    /// Print the final summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// WebSocket listen address (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Serve the embedded chain as Solana JSON-RPC here (PubSub on the next free port), so outside tools and
    /// `trez-relayer audit` can inspect it (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub rpc_listen: SocketAddr,
    /// HTTP API listen address (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub api_listen: SocketAddr,
    /// Initial TREZ network difficulty, bits.
    #[arg(long, default_value_t = 24)]
    pub difficulty: u32,
    /// TREZ target block time for the retarget, seconds.
    #[arg(long, default_value_t = 5)]
    pub block_seconds: i64,
    /// TREZ base reward, base units (6 decimals).
    #[arg(long, default_value_t = 50_000_000)]
    pub reward: u64,
    /// Pool fee, basis points.
    #[arg(long, default_value_t = 250)]
    pub fee_bps: u16,
    /// Immutable fee cap, basis points (<= 1000).
    #[arg(long, default_value_t = 1_000)]
    pub max_fee_bps: u16,
    /// Smallest amount the payout crank pays, base units.
    #[arg(long, default_value_t = 1_000_000)]
    pub min_payout: u64,
    /// Seconds between payout crank runs.
    #[arg(long, default_value_t = 3)]
    pub payout_interval: u64,
    /// PPLNS window factor (window = factor × 2^network difficulty).
    #[arg(long, default_value_t = 2)]
    pub pplns_factor: u64,
    /// Share ledger file (default: a fresh temporary file).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Give up (exit 1) if `--blocks` are not reached within this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// One round in the summary.
#[derive(Debug, Serialize)]
pub struct RoundSummary {
    pub block_count: u64,
    pub reward: u64,
    pub fee: u64,
    pub leaves_root: String,
    pub leaf_count: u32,
    pub credit_signatures: Vec<String>,
    pub payout_signatures: Vec<String>,
}

/// The `--blocks` summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub pool: String,
    pub authority: String,
    pub blocks_found: u64,
    pub solutions_lost: u64,
    pub rounds_credited: u64,
    pub shares_accepted: u64,
    pub members_paid: usize,
    pub total_reward: u64,
    pub total_fee: u64,
    pub total_credited: u64,
    pub total_paid: u64,
    pub escrow_balance: u64,
    pub audit_ok: bool,
    pub audit_problems: Vec<String>,
    pub rounds: Vec<RoundSummary>,
}

/// What a `--blocks` run leaves behind: the summary, and the chain and ledger for inspection (tests).
pub struct Finished {
    pub summary: Summary,
    pub pc: Arc<PoolChain>,
    pub ledger: Arc<dyn Ledger>,
    /// Keeps the temporary ledger directory alive.
    pub _tmp: tempfile::TempDir,
}

/// Run localnet; returns the summary (and chain and ledger) when `--blocks` was given.
pub async fn run(args: LocalnetArgs, shutdown: CancellationToken) -> Result<Option<Finished>> {
    if args.fee_bps > args.max_fee_bps || args.max_fee_bps > 1_000 {
        bail!("need fee_bps <= max_fee_bps <= 1000");
    }
    if !(1..=64).contains(&args.difficulty) {
        bail!("--difficulty must be 1..=64 bits");
    }
    let chain = EmbeddedChain::start().await;
    let admin = Keypair::new();
    let relayer = Arc::new(Keypair::new());
    chain.airdrop(&admin.pubkey(), 100_000_000_000).await?;
    chain.airdrop(&relayer.pubkey(), 100_000_000_000).await?;
    let genesis = TrezGenesis {
        difficulty: args.difficulty,
        min_difficulty: args.difficulty.saturating_sub(8).max(1),
        max_difficulty: (args.difficulty + 16).min(64),
        base_reward: args.reward,
        target_block_seconds: args.block_seconds.max(1),
    };
    let mint = setup::init_trez(chain.as_ref(), &admin, genesis).await.context("initializing TREZ")?;
    let addrs = setup::init_pool(
        chain.as_ref(),
        &admin,
        mint,
        trez_sdk::pool::InitializePoolArgs {
            relayer: relayer.pubkey(),
            fee_bps: args.fee_bps,
            max_fee_bps: args.max_fee_bps,
            fee_timelock_seconds: 86_400,
            min_payout: args.min_payout,
        },
    )
    .await
    .context("initializing the pool")?;
    eprintln!("embedded chain ready: TREZ mint {mint}, pool {}, authority (miner key) {}, escrow {}", addrs.pool, addrs.authority, addrs.escrow);
    let ws_rpc: SocketAddr = SocketAddr::new(args.rpc_listen.ip(), 0);
    let rpc = crate::chain::serve::RpcServer::start(chain.clone(), args.rpc_listen, ws_rpc).await.context("serving JSON-RPC")?;
    eprintln!("JSON-RPC {} (PubSub {})", rpc.http_url, rpc.ws_url);

    let tmp = tempfile::tempdir()?;
    let mut config = Config::default();
    config.ledger.path = args.db.clone().unwrap_or_else(|| tmp.path().join("localnet.db"));
    config.ledger.fsync = false;
    config.vardiff.initial_bits = args.difficulty.saturating_sub(6).max(config.vardiff.min_bits.min(args.difficulty));
    config.vardiff.min_bits = config.vardiff.min_bits.min(config.vardiff.initial_bits);
    config.vardiff.retarget_secs = 10;
    config.server.stale_grace_secs = 2;
    config.server.explorer_cluster = format!("custom&customUrl={}", rpc.http_url);
    config.validate().map_err(anyhow::Error::msg)?;
    let opts = ChainOptions {
        payout_interval_secs: args.payout_interval,
        pplns_factor: args.pplns_factor,
        poll_interval_ms: 500,
        confirm_timeout_secs: 10,
        ..ChainOptions::default()
    };
    let ledger = ledger::open(&config.ledger)?;
    let pc = PoolChain::connect(chain.clone() as Arc<dyn ChainClient>, relayer.clone(), addrs.pool.parse()?, opts).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let api = tokio::net::TcpListener::bind(args.api_listen).await.with_context(|| format!("binding {}", args.api_listen))?;
    let pipeline = Pipeline::start(listener, Some(api), config, pc.clone(), ledger.clone()).await?;
    let url = format!("ws://{}", pipeline.addr);
    eprintln!("relayer listening on {url}");
    if let Some(a) = pipeline.api_addr {
        eprintln!("API: http://{a}/api/pool  http://{a}/api/rounds  http://{a}/metrics");
        eprintln!("audit from outside:  trez-relayer audit --rpc-url {} --pool {} --api http://{a}", rpc.http_url, addrs.pool);
    }
    eprintln!("join from outside:  trez-miner mine --pool {url} --keypair <your Solana CLI keypair.json>");

    // Events.
    let mut events = pc.events.subscribe();
    let mut credited = 0u64;
    let mut found = 0u64;
    let mut lost = 0u64;
    // Miners.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let threads = args.threads.unwrap_or_else(|| (cores / args.miners.max(1)).max(1));
    let miner_cancel = CancellationToken::new();
    let mut miners = vec![];
    let mut miner_stats = vec![];
    for i in 0..args.miners {
        let wallet = trez_miner::Wallet::generate();
        eprintln!("miner {i}: wallet {}, {threads} thread(s), kernel {}", wallet.key(), trez_miner::kernels::best().name());
        let stats = Arc::new(trez_miner::MinerStats::default());
        let cfg = trez_miner::MinerConfig {
            pool_url: url.clone(),
            wallet,
            worker: format!("local-{i}"),
            threads,
            kernel: trez_miner::kernels::best(),
            max_backoff: Duration::from_secs(2),
        };
        miner_stats.push(stats.clone());
        miners.push(tokio::spawn(trez_miner::mine(cfg, stats, miner_cancel.clone())));
    }

    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    let mut last_hashes = 0u64;
    let mut last_tick = Instant::now();
    let reached = loop {
        if let Some(k) = args.blocks {
            if credited >= k {
                break true;
            }
            if started.elapsed() > Duration::from_secs(args.timeout) {
                break false;
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break false,
            _ = tick.tick() => {
                let st = &pipeline.shared.stats;
                let hashes: u64 = miner_stats.iter().map(|s| s.hashes.load(Ordering::Relaxed)).sum();
                let rate = (hashes - last_hashes) as f64 / last_tick.elapsed().as_secs_f64() / 1e6;
                last_hashes = hashes;
                last_tick = Instant::now();
                let rejected: u64 = trez_protocol::RejectReason::ALL.iter().map(|r| st.rejected(*r)).sum();
                eprintln!(
                    "shares: {} accepted, {rejected} rejected | in-process hashrate {rate:.1} MH/s | connections {} | blocks {found}, credited {credited}",
                    st.accepted.load(Ordering::Relaxed),
                    st.connections.load(Ordering::Relaxed),
                );
            }
            ev = events.recv() => match ev {
                Ok(e) => {
                    match &e {
                        PoolEvent::BlockSubmitted { block_count, finder, reward, fee, signature } => {
                            found += 1;
                            eprintln!("block {block_count} found by {finder}: reward {reward}, fee {fee} base units -> escrow (tx {signature})");
                        }
                        PoolEvent::SolutionLost { block_count, reason } => {
                            lost += 1;
                            eprintln!("solution for block {block_count} lost: {reason}");
                        }
                        PoolEvent::RoundCredited { block_count, leaf_count, credited: amount, leaves_root, .. } => {
                            credited += 1;
                            eprintln!("round {block_count} credited: {amount} base units to {leaf_count} members (root {leaves_root})");
                        }
                        PoolEvent::Paid { members, amount, signature } => {
                            eprintln!("paid {amount} base units to {members} members (tx {signature})");
                        }
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break false,
            },
        }
    };

    // Stop mining and serving, then finish settlement and payouts on what was found.
    miner_cancel.cancel();
    for m in miners {
        let _ = m.await;
    }
    let shares_accepted = pipeline.shared.stats.accepted.load(Ordering::Relaxed);
    pipeline.stop().await?;
    if args.blocks.is_none() {
        info!("localnet stopped");
        return Ok(None);
    }
    if !reached {
        bail!("--blocks {} not reached within {} s ({credited} credited)", args.blocks.unwrap_or(0), args.timeout);
    }
    // Resume any confirmed-but-unsettled round and pay everyone due, as a restarted relayer would.
    for s in ledger.solutions(SolutionStatus::Pending).await? {
        submitter::submit_one(&pc, &*ledger, &s, &CancellationToken::new()).await;
    }
    settler::settle_all(&pc, &*ledger).await?;
    payouts::payout_once(&pc, &*ledger).await?;
    let record = crate::export::export(&*ledger, &pc.pool).await?;
    let report = crate::audit::audit(&pc, &record).await?;
    for r in &report.rounds {
        eprintln!("audit round {}: {} ({} shares re-verified, {} leaves)", r.block_count, if r.ok { "ok" } else { "MISMATCH" }, r.shares_checked, r.leaf_count);
        for p in &r.problems {
            eprintln!("  {p}");
        }
    }
    for p in &report.problems {
        eprintln!("audit: {p}");
    }

    let pool = pc.pool_account().await?;
    let escrow_balance = pc.token_balance(&trez_sdk::pda::escrow(&pc.pool)).await?;
    let payouts = ledger.payouts().await?;
    let mut paid_wallets: Vec<[u8; 32]> = payouts.iter().map(|p| p.wallet).collect();
    paid_wallets.sort();
    paid_wallets.dedup();
    let credit_txs = ledger.txs(TxKind::BeginCredit).await?.into_iter().chain(ledger.txs(TxKind::CreditBatch).await?).collect::<Vec<_>>();
    let mut rounds = vec![];
    for row in ledger.rounds().await? {
        let (_, leaves) = ledger.round(row.block_count).await?.unwrap_or((row.clone(), vec![]));
        let payout_signatures: Vec<String> = payouts
            .iter()
            .filter(|p| leaves.iter().any(|l| l.wallet == p.wallet))
            .map(|p| p.signature.clone())
            .fold(vec![], |mut v, s| {
                if !v.contains(&s) {
                    v.push(s);
                }
                v
            });
        rounds.push(RoundSummary {
            block_count: row.block_count,
            reward: row.reward,
            fee: row.fee,
            leaves_root: hex::encode(row.leaves_root),
            leaf_count: row.leaf_count,
            credit_signatures: credit_txs.iter().filter(|t| t.block_count == Some(row.block_count)).map(|t| t.signature.clone()).collect(),
            payout_signatures,
        });
    }
    let summary = Summary {
        pool: pc.pool.to_string(),
        authority: pc.authority.to_string(),
        blocks_found: found,
        solutions_lost: lost,
        rounds_credited: rounds.len() as u64,
        shares_accepted,
        members_paid: paid_wallets.len(),
        total_reward: pool.received,
        total_fee: pool.fees_accrued,
        total_credited: pool.credited,
        total_paid: pool.paid,
        escrow_balance,
        audit_ok: report.ok,
        audit_problems: report.rounds.iter().flat_map(|r| r.problems.clone()).chain(report.problems.clone()).collect(),
        rounds,
    };
    Ok(Some(Finished { summary, pc, ledger, _tmp: tmp }))
}
