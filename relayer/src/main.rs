//! `trez-relayer`: run the pool against a cluster (`run`), create a pool (`init-pool`), audit a pool
//! (`audit`), write its published record (`export`). The whole pool on an embedded chain is `trez-localnet`
//! (its own crate).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use solana_sdk::signature::{Keypair, Signer};
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::Config;
use trez_relayer::poolchain::PoolChain;
use trez_relayer::setup;
use trez_relayer::pipeline::Pipeline;
use trez_relayer::ledger;
use trez_relayer::logging::{self, shutdown_on_signal, LogFormat};

mod cli_money;
use cli_money::{admin, member, pubkey, AdminCmd, MemberCmd, PoolAt};

#[derive(Parser)]
#[command(name = "trez-relayer", version, about = "TREZ mining pool relayer")]
struct Cli {
    /// Log lines on stderr: `text` (coloured only on a terminal) or `json` (one object per line, for log
    /// collectors).
    #[arg(long, global = true, env = "TREZ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// The pool program's id, if not the one this build was compiled with (the deployed program's
    /// `declare_id!`).
    #[arg(long, global = true, env = "TREZ_POOL_PROGRAM")]
    pool_program: Option<String>,
    /// The TREZ program's id, if not the compiled one; it must be the one the deployed pool program CPIs into.
    #[arg(long, global = true, env = "TREZ_PROGRAM")]
    trez_program: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve miners and run the on-chain loop against an RPC cluster.
    Run {
        /// TOML configuration (see relayer/config.example.toml).
        #[arg(long, env = "TREZ_RELAYER_CONFIG")]
        config: Option<PathBuf>,
        /// RPC URL (repeatable; overrides [chain].rpc_urls).
        #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
        rpc_urls: Vec<String>,
        /// Relayer keypair (overrides [chain].relayer_keypair).
        #[arg(long, env = "TREZ_RELAYER_KEYPAIR")]
        keypair: Option<PathBuf>,
        /// Pool address (overrides [chain].pool).
        #[arg(long, env = "TREZ_POOL")]
        pool: Option<String>,
        /// Listen address (overrides [server].listen).
        #[arg(long, env = "TREZ_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// PostgreSQL ledger shared with other relayers, postgres://… (overrides [ledger].url).
        #[arg(long = "ledger-url", env = "TREZ_LEDGER_URL")]
        ledger_url: Option<String>,
    },
    /// Audit a pool: re-verify every window share, recompute PPLNS and roots, compare with the chain, match
    /// payouts. Exits non-zero on any mismatch, naming it.
    Audit {
        #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
        rpc_url: String,
        /// The pool account address.
        #[arg(long)]
        pool: String,
        /// The relayer's API base URL (reads /api/export), e.g. http://host:7071.
        #[arg(long, conflicts_with = "file")]
        api: Option<String>,
        /// A file written by `trez-relayer export`.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the pool's published record (rounds with leaves and window shares, payouts) from a ledger file.
    Export {
        /// The relayer's SQLite ledger.
        #[arg(long)]
        db: PathBuf,
        /// The pool address (recorded in the export).
        #[arg(long)]
        pool: String,
        /// Only this round (`export-round`).
        #[arg(long)]
        round: Option<u64>,
    },
    /// The admin's money operations: status, propose-fee, apply-fee, set-min-payout, set-relayer,
    /// withdraw-fees (the admin keypair signs and pays).
    Admin {
        #[command(flatten)]
        at: PoolAt,
        #[command(subcommand)]
        op: AdminCmd,
    },
    /// A member's own operations: balance, register, claim (the wallet keypair signs and pays; no relayer
    /// is needed).
    Member {
        #[command(flatten)]
        at: PoolAt,
        #[command(subcommand)]
        op: MemberCmd,
    },
    /// Set up the TREZ replica (`programs/trez-mining`, deployed by you) on a test cluster: a fixed-supply
    /// 6-decimal mint (the supply minted into the distributor's token account, then the mint authority revoked)
    /// and its State. Prints the mint. Not for mainnet: TREZ exists there.
    InitTrez {
        #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
        rpc_url: String,
        /// Payer keypair, Solana CLI JSON.
        #[arg(long)]
        keypair: PathBuf,
        /// Initial network difficulty, bits.
        #[arg(long, default_value_t = 24)]
        difficulty: u32,
        #[arg(long, default_value_t = 8)]
        min_difficulty: u32,
        #[arg(long, default_value_t = 40)]
        max_difficulty: u32,
        /// Block reward of era 0, base units (halved each era).
        #[arg(long, default_value_t = 50_000_000)]
        reward: u64,
        /// Block time the difficulty retargets to, seconds.
        #[arg(long, default_value_t = 60)]
        target_block_seconds: i64,
        /// Blocks per era.
        #[arg(long, default_value_t = trez_mining::constants::DEFAULT_BLOCKS_PER_ERA)]
        blocks_per_era: u64,
        /// Supply for rewards, base units, minted once into the distributor's token account.
        #[arg(long, default_value_t = setup::DEFAULT_SUPPLY)]
        supply: u64,
    },
    /// Create a pool for a deployed pool program (the admin keypair signs and pays).
    InitPool {
        #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
        rpc_url: String,
        /// Admin (cold) keypair, Solana CLI JSON.
        #[arg(long)]
        keypair: PathBuf,
        /// The TREZ mint (default: the real TREZ mint).
        #[arg(long, default_value = "TREZuzaCxTVsg4U9c4MTe7dterWcLe5LA92PHG12Jez")]
        mint: String,
        /// The relayer's hot key (pubkey).
        #[arg(long)]
        relayer: String,
        #[arg(long, default_value_t = 100)]
        fee_bps: u16,
        #[arg(long, default_value_t = 500)]
        max_fee_bps: u16,
        /// Seconds between propose_fee and apply_fee.
        #[arg(long, default_value_t = 7 * 86_400)]
        fee_timelock: i64,
        /// Smallest payout of the crank, base units.
        #[arg(long, default_value_t = 1_000_000)]
        min_payout: u64,
        /// Immutable: slots after which a round the relayer never credited can be stranded by anyone and
        /// claimed by the last credited round's members (default 216,000 ≈ 24 h; at least 10).
        #[arg(long, default_value_t = trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS)]
        strand_timeout_slots: u64,
    },
}

fn read_keypair(path: &std::path::Path) -> Result<Keypair> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading keypair {}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).with_context(|| format!("{} is not a JSON byte array", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow::anyhow!("{}: not a valid keypair: {e}", path.display()))
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    if cli.pool_program.is_some() || cli.trez_program.is_some() {
        let id = |v: &Option<String>, default, what| v.as_deref().map_or(Ok(default), |s| pubkey(s, what));
        let pool = id(&cli.pool_program, trez_sdk::ids::POOL, "--pool-program")?;
        let trez = id(&cli.trez_program, trez_sdk::ids::TREZ, "--trez-program")?;
        trez_sdk::ids::set(pool, trez).map_err(anyhow::Error::msg)?;
    }
    match cli.cmd {
        Cmd::Audit { rpc_url, pool, api, file, json } => audit(rpc_url, pool, api, file, json).await,
        Cmd::Export { db, pool, round } => export(db, pool, round).await,
        Cmd::Admin { at, op } => admin(at, op).await,
        Cmd::Member { at, op } => member(at, op).await,
        Cmd::InitPool { rpc_url, keypair, mint, relayer, fee_bps, max_fee_bps, fee_timelock, min_payout, strand_timeout_slots } => {
            let args = InitPoolArgs { relayer, fee_bps, max_fee_bps, fee_timelock, min_payout, strand_timeout_slots };
            init_pool(rpc_url, keypair, mint, args).await
        }
        Cmd::InitTrez { rpc_url, keypair, difficulty, min_difficulty, max_difficulty, reward, target_block_seconds, blocks_per_era, supply } => {
            if !(min_difficulty <= difficulty && difficulty <= max_difficulty && max_difficulty <= 64 && min_difficulty >= 1) {
                anyhow::bail!("need 1 <= --min-difficulty <= --difficulty <= --max-difficulty <= 64");
            }
            let payer = read_keypair(&keypair)?;
            let chain = RpcChain::new(&[rpc_url], None)?;
            if blocks_per_era == 0 {
                anyhow::bail!("--blocks-per-era must be positive");
            }
            let g = setup::TrezGenesis { blocks_per_era, supply, ..setup::TrezGenesis::new(difficulty, min_difficulty, max_difficulty, reward, target_block_seconds) };
            let mint = setup::init_trez(&chain, &payer, g).await?;
            println!("{}", serde_json::json!({ "mint": mint.to_string(), "state": trez_sdk::pda::trez_state().to_string() }));
            Ok(())
        }
        Cmd::Run { config, rpc_urls, keypair, pool, listen, ledger_url } => run(config, rpc_urls, keypair, pool, listen, ledger_url).await,
    }
}

/// `audit`: fetch the published record, audit it against the chain, print the verdicts; exit 1 on any
/// mismatch.
async fn audit(rpc_url: String, pool: String, api: Option<String>, file: Option<PathBuf>, json: bool) -> Result<()> {
    let record = trez_relayer::export::fetch(api.as_deref(), file.as_deref()).await?;
    let chain: Arc<dyn ChainClient> = Arc::new(RpcChain::new(&[rpc_url], None)?);
    let pc = PoolChain::observe(chain, pool.parse().context("--pool: not a pubkey")?).await?;
    let report = trez_relayer::audit::audit(&pc, &record).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    if !report.ok {
        std::process::exit(1);
    }
    Ok(())

}

/// `export`: the published record (or one round) from a ledger file, as JSON on stdout.
async fn export(db: PathBuf, pool: String, round: Option<u64>) -> Result<()> {
    let cfg = trez_relayer::config::LedgerConfig { path: db, ..Default::default() };
    let ledger = ledger::open(&cfg)?;
    let pool: solana_sdk::pubkey::Pubkey = pool.parse().context("--pool: not a pubkey")?;
    match round {
        Some(n) => {
            let r = trez_relayer::export::round_record(&*ledger, n).await?.with_context(|| format!("no round {n} in the ledger"))?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
        None => println!("{}", serde_json::to_string_pretty(&trez_relayer::export::export(&*ledger, &pool).await?)?),
    }
    Ok(())

}

/// `init-pool`'s pool parameters, as given on the command line.
struct InitPoolArgs {
    relayer: String,
    fee_bps: u16,
    max_fee_bps: u16,
    fee_timelock: i64,
    min_payout: u64,
    strand_timeout_slots: u64,
}

/// `init-pool`: create a pool; prints its addresses as JSON.
async fn init_pool(rpc_url: String, keypair: PathBuf, mint: String, a: InitPoolArgs) -> Result<()> {
    let admin = read_keypair(&keypair)?;
    let chain = RpcChain::new(&[rpc_url], None)?;
    let args = trez_sdk::pool::InitializePoolArgs {
        relayer: a.relayer.parse().context("--relayer: not a pubkey")?,
        fee_bps: a.fee_bps,
        max_fee_bps: a.max_fee_bps,
        fee_timelock_seconds: a.fee_timelock,
        min_payout: a.min_payout,
        strand_timeout_slots: a.strand_timeout_slots,
    };
    let addrs = setup::init_pool(&chain, &admin, mint.parse().context("--mint: not a pubkey")?, args).await?;
    println!("{}", serde_json::to_string_pretty(&addrs)?);
    Ok(())

}

/// `run`: the configuration (defaults < TOML < env < flags), then the pipeline until SIGINT/SIGTERM.
async fn run(
    config: Option<PathBuf>,
    rpc_urls: Vec<String>,
    keypair: Option<PathBuf>,
    pool: Option<String>,
    listen: Option<std::net::SocketAddr>,
    ledger_url: Option<String>,
) -> Result<()> {
    let mut cfg = match &config {
        Some(p) => Config::from_toml(&std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
            .with_context(|| format!("parsing {}", p.display()))?,
        None => Config::default(),
    };
    if !rpc_urls.is_empty() {
        cfg.chain.rpc_urls = rpc_urls;
    }
    if let Some(k) = keypair {
        cfg.chain.relayer_keypair = Some(k);
    }
    if let Some(p) = pool {
        cfg.chain.pool = Some(p);
    }
    if let Some(l) = listen {
        cfg.server.listen = l;
    }
    cfg.ledger.url = ledger_url.or(cfg.ledger.url);
    cfg.validate().map_err(anyhow::Error::msg)?;
    let kp = cfg.chain.relayer_keypair.clone().context("no relayer keypair: --keypair or [chain].relayer_keypair")?;
    let relayer = Arc::new(read_keypair(&kp)?);
    let pool = cfg.chain.pool.clone().context("no pool: --pool or [chain].pool")?.parse().context("pool: not a pubkey")?;
    let chain: Arc<dyn ChainClient> = Arc::new(RpcChain::new(&cfg.chain.rpc_urls, Some(&cfg.chain.ws_urls))?);
    let pc = PoolChain::connect(chain, relayer.clone(), pool, cfg.onchain.clone()).await?;
    let ledger = ledger::connect(&cfg.ledger).await?;
    let listener = tokio::net::TcpListener::bind(cfg.server.listen).await.with_context(|| format!("binding {}", cfg.server.listen))?;
    eprintln!("pool {pool}: relayer {} serving miners on ws://{}", relayer.pubkey(), listener.local_addr()?);
    let api = match cfg.server.api_listen {
        Some(a) => Some(tokio::net::TcpListener::bind(a).await.with_context(|| format!("binding the API on {a}"))?),
        None => None,
    };
    if let Some(a) = &api {
        eprintln!("API and metrics on http://{}", a.local_addr()?);
    }
    let pipeline = Pipeline::start(listener, api, cfg, pc, ledger).await?;
    shutdown_on_signal().cancelled().await;
    pipeline.stop().await

}
