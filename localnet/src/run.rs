//! `trez-localnet`: the whole pool in one command on the embedded chain. Creates the TREZ mint and
//! replica and the pool, starts the relayer on a printed WebSocket port, starts N in-process miners (the
//! bundled `trez-miner` library over real WebSocket on loopback), and prints one line per event. With
//! `--blocks K` it stops after K rounds are credited and paid, runs the audit, prints a summary (`--json`: one
//! JSON object on stdout) and succeeds only if the audit passes.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use solana_sdk::signature::{Keypair, Signer};
use tokio_util::sync::CancellationToken;
use tracing::info;

use trez_relayer::chain::ChainClient;
use trez_relayer::config::{ChainOptions, Config};
use trez_relayer::ledger;
use trez_relayer::pipeline::Pipeline;
use trez_relayer::poolchain::{PoolChain, PoolEvent};
use trez_relayer::setup::{self, PoolAddresses, TrezGenesis};

use crate::args::{Finished, LocalnetArgs};
use crate::finish::{settle_and_audit, summarize, verify_miners};
use crate::embedded::EmbeddedChain;
use crate::serve::RpcServer;

/// Run localnet; returns the summary (and chain and ledger) when `--blocks` was given. Its steps: create
/// TREZ and the pool on a fresh embedded chain and serve it as JSON-RPC; start the relayer; start the miners;
/// report events until `--blocks` rounds are credited (or shutdown); then stop, settle and pay what is left,
/// audit, and summarize.
pub async fn run(args: LocalnetArgs, shutdown: CancellationToken) -> Result<Option<Finished>> {
    if args.fee_bps > args.max_fee_bps || args.max_fee_bps > 1_000 {
        bail!("need fee_bps <= max_fee_bps <= 1000");
    }
    if !(1..=64).contains(&args.difficulty) {
        bail!("--difficulty must be 1..=64 bits");
    }
    if !(1..=256).contains(&args.relayers) {
        bail!("--relayers must be 1..=256");
    }
    if args.relayers > 1 && args.postgres.is_none() {
        bail!("several relayers share a PostgreSQL ledger: give --postgres URL, or --postgres auto for a throwaway one");
    }
    let (postgres, ledger_url) = postgres_ledger(&args).await?;
    let tmp = tempfile::tempdir()?;
    let state_dir = args.state_dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let (chain, admin, relayer, addrs) = chain_and_pool(&args).await?;
    let ws_rpc: SocketAddr = SocketAddr::new(args.rpc_listen.ip(), 0);
    let rpc = RpcServer::start(chain.clone(), args.rpc_listen, ws_rpc).await.context("serving JSON-RPC")?;
    eprintln!("JSON-RPC {} (PubSub {})", rpc.http_url, rpc.ws_url);

    write_keypair(&state_dir.join("admin.json"), &admin)?;
    write_keypair(&state_dir.join("relayer.json"), &relayer)?;
    eprintln!("keypairs in {}: admin.json, relayer.json, miner-<i>.json (addresses in localnet.json)", state_dir.display());
    let (mut config, opts) = relayer_config(&args, &tmp, &rpc.http_url)?;
    config.ledger.url = ledger_url;
    let pool: solana_sdk::pubkey::Pubkey = addrs.pool.parse()?;
    let mut pipelines = vec![];
    for i in 0..args.relayers {
        let mut config = config.clone();
        config.server.relayer_index = (args.relayers > 1).then_some(i as u8);
        let ledger = ledger::connect(&config.ledger).await.context("opening the ledger")?;
        let pc = PoolChain::connect(chain.clone() as Arc<dyn ChainClient>, relayer.clone(), pool, opts.clone()).await?;
        let (listen, api_listen) = match i {
            0 => (args.listen, args.api_listen),
            _ => (SocketAddr::new(args.listen.ip(), 0), SocketAddr::new(args.api_listen.ip(), 0)),
        };
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
        let api = tokio::net::TcpListener::bind(api_listen).await.with_context(|| format!("binding {api_listen}"))?;
        let pipeline = Pipeline::start(listener, Some(api), config, pc, ledger).await?;
        eprintln!("relayer {i} listening on ws://{} ({} ledger)", pipeline.addr, pipeline.ledger.backend());
        if let Some(a) = pipeline.api_addr {
            eprintln!("relayer {i} API: http://{a}/api/pool  http://{a}/api/rounds  http://{a}/metrics");
            if i == 0 {
                eprintln!("audit from outside:  trez-relayer audit --rpc-url {} --pool {} --api http://{a}", rpc.http_url, addrs.pool);
            }
        }
        pipelines.push(pipeline);
    }
    let urls: Vec<String> = pipelines.iter().map(|p| format!("ws://{}", p.addr)).collect();
    eprintln!("join from outside:  trez-miner mine --pool {} --keypair <your Solana CLI keypair.json>", urls[0]);
    eprintln!("your balance:       trez-miner balance --rpc-url {} --pool-address {} --keypair <keypair.json>", rpc.http_url, addrs.pool);
    // Where everything is, for scripts and tests (written last: its presence means the pool is serving).
    let info = serde_json::json!({
        "rpc_url": rpc.http_url,
        "pubsub_url": rpc.ws_url,
        "pool": addrs,
        "relayers": urls,
        "apis": pipelines.iter().filter_map(|p| p.api_addr.map(|a| format!("http://{a}"))).collect::<Vec<_>>(),
        "keypairs": { "admin": state_dir.join("admin.json"), "relayer": state_dir.join("relayer.json") },
    });
    std::fs::write(state_dir.join("localnet.json"), serde_json::to_vec_pretty(&info)?).context("writing localnet.json")?;
    let (pc, ledger) = (pipelines[0].pc.clone(), pipelines[0].ledger.clone());

    let mut events = merged_events(&pipelines);
    let miner_cancel = CancellationToken::new();
    let miners = Miners::start(&args, &urls, &miner_cancel, &state_dir)?;
    let progress = report_until_done(&args, &pipelines, &miners, &mut events, &shutdown).await;

    // Stop mining and serving, then finish settlement and payouts on what was found.
    miner_cancel.cancel();
    for m in miners.tasks {
        let _ = m.await;
    }
    let shares_by_relayer: Vec<u64> = pipelines.iter().map(|p| p.shared.stats.accepted.load(Ordering::Relaxed)).collect();

    for p in pipelines {
        p.stop().await?;
    }
    let Some(blocks) = args.blocks else {
        info!("localnet stopped");
        return Ok(None);
    };
    if !progress.reached {
        bail!("--blocks {blocks} not reached within {} s ({} credited)", args.timeout, progress.credited);
    }
    let (report, record) = settle_and_audit(&pc, &*ledger).await?;
    let verified = verify_miners(&pc, &record, &miners.wallets, &state_dir).await?;
    let summary = summarize(&pc, &*ledger, &progress, shares_by_relayer, report, verified).await?;
    Ok(Some(Finished { summary, pc, ledger, rpc, state_dir, _tmp: tmp, _postgres: postgres }))
}

/// The ledger URL of `--postgres`: as given, or (`auto`) a database in a throwaway cluster started here.
async fn postgres_ledger(args: &LocalnetArgs) -> Result<(Option<trez_relayer::ledger::postgres::cluster::Cluster>, Option<String>)> {
    use trez_relayer::ledger::postgres::cluster::Cluster;
    match args.postgres.as_deref() {
        None => Ok((None, None)),
        Some("auto") => {
            let cluster = tokio::task::spawn_blocking(Cluster::start).await??;
            let url = cluster.create_database("localnet").await?;
            eprintln!("throwaway PostgreSQL cluster on 127.0.0.1:{} (removed at exit): {url}", cluster.port);
            Ok((Some(cluster), Some(url)))
        }
        Some(url) => Ok((None, Some(url.to_string()))),
    }
}

/// Every relayer's pool events, tagged with the relayer's index, on one channel.
fn merged_events(pipelines: &[Pipeline]) -> tokio::sync::mpsc::Receiver<(usize, PoolEvent)> {
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    for (i, p) in pipelines.iter().enumerate() {
        let mut sub = p.pc.events.subscribe();
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                match sub.recv().await {
                    Ok(e) => {
                        if tx.send((i, e)).await.is_err() {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return,
                }
            }
        });
    }
    rx
}

/// A fresh embedded chain with TREZ (the replica and a 6-decimal mint) and a pool; the admin and relayer
/// keys are new and funded.
async fn chain_and_pool(args: &LocalnetArgs) -> Result<(Arc<EmbeddedChain>, Keypair, Arc<Keypair>, PoolAddresses)> {
    let chain = EmbeddedChain::start().await;
    let admin = Keypair::new();
    let relayer = Arc::new(Keypair::new());
    chain.airdrop(&admin.pubkey(), 100_000_000_000).await?;
    chain.airdrop(&relayer.pubkey(), 100_000_000_000).await?;
    let genesis = TrezGenesis {
        supply: args.supply,
        ..TrezGenesis::new(
            args.difficulty,
            args.difficulty.saturating_sub(8).max(1),
            (args.difficulty + 16).min(64),
            args.reward,
            args.block_seconds.max(1),
        )
    };
    let mint = setup::init_trez(chain.as_ref(), &admin, genesis).await.context("initializing TREZ")?;
    let pool_args = trez_sdk::pool::InitializePoolArgs {
        relayer: relayer.pubkey(),
        fee_bps: args.fee_bps,
        max_fee_bps: args.max_fee_bps,
        fee_timelock_seconds: 86_400,
        min_payout: args.min_payout,
        strand_timeout_slots: args.strand_timeout_slots,
    };
    let addrs = setup::init_pool(chain.as_ref(), &admin, mint, pool_args).await.context("initializing the pool")?;
    eprintln!("embedded chain ready: TREZ mint {mint}, pool {}, authority (miner key) {}, escrow {}", addrs.pool, addrs.authority, addrs.escrow);
    Ok((chain, admin, relayer, addrs))
}

/// Write `key` as a Solana CLI keypair file (a JSON array of its 64 bytes), mode 0600.
fn write_keypair(path: &std::path::Path, key: &Keypair) -> Result<()> {
    let wallet = trez_miner::Wallet::from_bytes(&key.to_bytes()).context("keypair bytes")?;
    trez_miner::keypair::write_new(path, &wallet, true)
}

/// The relayer's configuration for a local run: a throwaway ledger (unless `--db`), share difficulty a few
/// bits under the network's, quick retargets, polls and payouts.
fn relayer_config(args: &LocalnetArgs, tmp: &tempfile::TempDir, rpc_url: &str) -> Result<(Config, ChainOptions)> {
    let mut config = Config::default();
    config.ledger.path = args.db.clone().unwrap_or_else(|| tmp.path().join("localnet.db"));
    config.ledger.fsync = false;
    config.vardiff.initial_bits = args.difficulty.saturating_sub(6).max(config.vardiff.min_bits.min(args.difficulty));
    config.vardiff.min_bits = config.vardiff.min_bits.min(config.vardiff.initial_bits);
    config.vardiff.retarget_secs = 10;
    config.server.stale_grace_secs = 2;
    config.server.explorer_cluster = format!("custom&customUrl={rpc_url}");
    config.validate().map_err(anyhow::Error::msg)?;
    let opts = ChainOptions {
        payout_interval_secs: args.payout_interval,
        pplns_factor: args.pplns_factor,
        poll_interval_ms: 500,
        confirm_timeout_secs: 10,
        ..ChainOptions::default()
    };
    Ok((config, opts))
}

/// The in-process miners: the bundled `trez-miner` library, each with its own wallet, over WebSocket.
struct Miners {
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    stats: Vec<Arc<trez_miner::MinerStats>>,
    /// Each miner's wallet and the relayer it mines through.
    wallets: Vec<(String, usize)>,
}

impl Miners {
    /// Miner `i` connects to `urls[i mod relayers]`.
    fn start(args: &LocalnetArgs, urls: &[String], cancel: &CancellationToken, state_dir: &std::path::Path) -> Result<Miners> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let threads = args.threads.unwrap_or_else(|| (cores / args.miners.max(1)).max(1));
        let mut miners = Miners { tasks: vec![], stats: vec![], wallets: vec![] };
        for i in 0..args.miners {
            let wallet = trez_miner::Wallet::generate();
            trez_miner::keypair::write_new(&state_dir.join(format!("miner-{i}.json")), &wallet, true)?;
            let url = &urls[i % urls.len()];
            miners.wallets.push((wallet.key().to_string(), i % urls.len()));
            eprintln!("miner {i}: wallet {}, {threads} thread(s), kernel {}, relayer {url}", wallet.key(), trez_miner::kernels::best().name());
            let stats = Arc::new(trez_miner::MinerStats::default());
            let cfg = trez_miner::MinerConfig {
                // Its relayer first, then the others: the miner moves on if its relayer goes.
                pool_url: (0..urls.len()).map(|k| urls[(i + k) % urls.len()].as_str()).collect::<Vec<_>>().join(","),
                wallet,
                worker: format!("local-{i}"),
                threads,
                kernel: trez_miner::kernels::best(),
                max_backoff: Duration::from_secs(2),
                stall_timeout: std::time::Duration::from_secs(trez_miner::client::DEFAULT_STALL_SECS),
                receipts: Some(state_dir.join(format!("miner-{i}.receipts.jsonl"))),
            };
            miners.stats.push(stats.clone());
            miners.tasks.push(tokio::spawn(trez_miner::mine(cfg, stats, cancel.clone())));
        }
        Ok(miners)
    }

    fn hashes(&self) -> u64 {
        self.stats.iter().map(|s| s.hashes.load(Ordering::Relaxed)).sum()
    }
}

/// What the event loop saw.
pub(crate) struct Progress {
    pub(crate) found: u64,
    /// Blocks found through each relayer (the relayer the finder mines through; index = relayer).
    pub(crate) by_relayer: Vec<u64>,
    /// Miner wallet → the relayer it mines through.
    relayer_of: std::collections::BTreeMap<String, usize>,
    seen: std::collections::BTreeSet<u64>,
    credited_rounds: std::collections::BTreeSet<u64>,
    pub(crate) lost: u64,
    credited: u64,
    /// `--blocks` rounds were credited in time.
    reached: bool,
}

/// Print a status line every 5 s and one line per pool event, until `--blocks` rounds are credited, the
/// timeout passes, or `shutdown` fires.
async fn report_until_done(
    args: &LocalnetArgs,
    pipelines: &[Pipeline],
    miners: &Miners,
    events: &mut tokio::sync::mpsc::Receiver<(usize, PoolEvent)>,
    shutdown: &CancellationToken,
) -> Progress {
    let mut p = Progress {
        found: 0,
        by_relayer: vec![0; pipelines.len()],
        relayer_of: miners.wallets.iter().cloned().collect(),
        seen: Default::default(),
        credited_rounds: Default::default(),
        lost: 0,
        credited: 0,
        reached: false,
    };
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    let (mut last_hashes, mut last_tick) = (0u64, Instant::now());
    loop {
        if let Some(k) = args.blocks {
            if p.credited >= k {
                p.reached = true;
                return p;
            }
            if started.elapsed() > Duration::from_secs(args.timeout) {
                return p;
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return p,
            _ = tick.tick() => {
                let stats = pipelines.iter().map(|x| &x.shared.stats);
                let hashes = miners.hashes();
                let rate = (hashes - last_hashes) as f64 / last_tick.elapsed().as_secs_f64() / 1e6;
                (last_hashes, last_tick) = (hashes, Instant::now());
                let rejected: u64 = stats.clone().map(|st| trez_protocol::RejectReason::ALL.iter().map(|r| st.rejected(*r)).sum::<u64>()).sum();
                let leader = pipelines.iter().position(|x| x.leader.leading()).map(|i| i.to_string()).unwrap_or_else(|| "none".into());
                eprintln!(
                    "shares: {} accepted, {rejected} rejected | in-process hashrate {rate:.1} MH/s | connections {} | blocks {}, credited {} | leader: relayer {leader}",
                    stats.clone().map(|st| st.accepted.load(Ordering::Relaxed)).sum::<u64>(),
                    stats.map(|st| st.connections.load(Ordering::Relaxed)).sum::<u64>(),
                    p.found,
                    p.credited,
                );
            }
            ev = events.recv() => match ev {
                Some((i, e)) => print_event(i, &e, &mut p),
                None => return p,
            },
        }
    }
}

/// One relayer's event: several relayers may report one landing (the one that received the share, then
/// the others' sweeps of pending solutions); each block and round counts once.
fn print_event(relayer: usize, e: &PoolEvent, p: &mut Progress) {
    match e {
        PoolEvent::BlockSubmitted { block_count, finder, reward, fee, signature } => {
            if !p.seen.insert(*block_count) {
                return;
            }
            p.found += 1;
            let via = p.relayer_of.get(finder).copied();
            if let Some(r) = via {
                p.by_relayer[r] += 1;
            }
            let via = via.map(|r| format!("relayer {r}")).unwrap_or_else(|| "an outside miner".into());
            eprintln!("block {block_count} found by {finder} via {via} (landing reported by relayer {relayer}): reward {reward}, fee {fee} base units -> escrow (tx {signature})");
        }
        PoolEvent::SolutionLost { block_count, reason } => {
            p.lost += 1;
            eprintln!("solution for block {block_count} lost: {reason}");
        }
        PoolEvent::RoundCredited { block_count, leaf_count, credited: amount, leaves_root, .. } => {
            if !p.credited_rounds.insert(*block_count) {
                return;
            }
            p.credited += 1;
            eprintln!("round {block_count} credited: {amount} base units to {leaf_count} members (root {leaves_root})");
        }
        PoolEvent::Paid { members, amount, signature } => {
            eprintln!("paid {amount} base units to {members} members (tx {signature})");
        }
    }
}
