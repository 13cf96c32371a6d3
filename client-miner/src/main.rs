//! `trez-miner`: mine TREZ in a pool, check the kernels, benchmark them, or compute one digest.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;
use trez_miner::kernels::{self, Kernel};
use trez_miner::{bench, selftest, MinerConfig, MinerStats, Wallet};

#[cfg(feature = "wallet")]
mod wallet_cli;

#[derive(Parser)]
#[command(name = "trez-miner", version, about = "TREZ pool miner")]
struct Cli {
    /// Log lines on stderr: `text` (coloured only on a terminal) or `json` (one object per line).
    #[arg(long, global = true, env = "TREZ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// Connect to a pool and mine.
    Mine {
        /// Pool relayer URL, e.g. ws://127.0.0.1:7070; several relayers of one pool separated by commas
        /// (ws://a:7070,ws://b:7070): the miner moves to the next when its connection fails or drops.
        #[arg(long, env = "TREZ_POOL")]
        pool: String,
        /// Wallet keypair (Solana CLI JSON); payouts go to this wallet's token accounts. Default:
        /// ~/.config/solana/id.json (make one with `trez-miner keygen`).
        #[arg(long, env = "TREZ_KEYPAIR")]
        keypair: Option<PathBuf>,
        /// Rig name shown by the pool.
        #[arg(long, default_value = "default")]
        worker: String,
        /// Hashing threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Force a kernel: avx512-16lane, sha-ni-4way, sha-ni-3way, sha-ni-2way, avx2-8lane, sha2-compress or
        /// portable (default: the fastest this CPU runs, measured at start-up; `selftest` lists them).
        #[arg(long)]
        kernel: Option<String>,
        /// Plain log lines instead of the refreshing status line.
        #[arg(long)]
        quiet: bool,
        /// Seconds a relayer may stay silent while a share or ping awaits its answer before the miner treats
        /// it as gone (frozen, or its machine vanished with the connection open) and moves to the next one.
        #[arg(long, default_value_t = trez_miner::client::DEFAULT_STALL_SECS, value_parser = clap::value_parser!(u64).range(1..=3600))]
        stall_timeout: u64,
        /// Where the relayer's signed receipts for accepted shares are appended, one JSON object per line: the
        /// evidence `trez-relayer member verify` checks against the published windows and the chain. Default:
        /// $XDG_DATA_HOME/trez-miner/receipts.jsonl (else ~/.local/share/trez-miner/receipts.jsonl).
        #[arg(long, env = "TREZ_RECEIPTS", conflicts_with = "no_receipts")]
        receipts: Option<PathBuf>,
        /// Keep no receipts (they are still checked, and a bad one is still logged).
        #[arg(long)]
        no_receipts: bool,
    },
    /// Make a new wallet keypair in the Solana CLI format (a JSON array of 64 bytes: secret seed, then
    /// public key), readable only by you; prints its public key.
    Keygen {
        /// Where to write it (default: ~/.config/solana/id.json, the Solana CLI's default).
        #[arg(long, short = 'o')]
        outfile: Option<PathBuf>,
        /// Overwrite an existing file (its wallet is lost unless you kept a copy).
        #[arg(long)]
        force: bool,
    },
    /// Check every kernel this CPU can run against the proof-of-work known answers.
    Selftest {
        /// A JSON array of vectors in the format of shared/vectors/pow.json (default: built-in).
        #[arg(long)]
        vectors: Option<PathBuf>,
    },
    /// Measure nonces/s per kernel, against the fastest kernel and an independent SHA-256 reference.
    Bench {
        /// Seconds per kernel (in 3 alternating rounds), and for each other figure.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Threads for the multi-thread figure (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// The wallet's money: balance, register, claim, claim-stranded, verify (with the `wallet` feature).
    #[cfg(feature = "wallet")]
    #[command(flatten)]
    Wallet(wallet_cli::WalletCmd),
    /// Print the TREZ digest of one (challenge, miner key, block_count, nonce) and its zero bits.
    Digest {
        /// 32 bytes, hex.
        #[arg(long)]
        challenge: String,
        /// Miner key (base58 pubkey; in a pool: the pool authority PDA).
        #[arg(long)]
        miner: String,
        #[arg(long)]
        block_count: u64,
        #[arg(long)]
        nonce: u64,
    },
}

/// The Solana CLI's default keypair path, `~/.config/solana/id.json`.
pub(crate) fn default_keypair() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/solana/id.json"))
}

fn keygen(outfile: Option<PathBuf>, force: bool) -> Result<()> {
    let path = outfile.or_else(default_keypair).context("no --outfile and no HOME to put ~/.config/solana/id.json in")?;
    let wallet = Wallet::generate();
    trez_miner::keypair::write_new(&path, &wallet, force)?;
    println!("wrote {}", path.display());
    println!("pubkey: {}", wallet.key());
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn pick_kernel(name: Option<&str>) -> Result<Kernel> {
    match name {
        None => Ok(kernels::best()),
        Some(n) => {
            let k = Kernel::from_name(n).with_context(|| {
                format!("unknown kernel {n:?}; known: {}", Kernel::ALL.map(Kernel::name).join(", "))
            })?;
            if !k.available() {
                bail!("kernel {n} is not supported by this CPU");
            }
            Ok(k)
        }
    }
}

fn selftest_cmd(vectors: Option<PathBuf>) -> Result<bool> {
    let vs = match vectors {
        Some(p) => selftest::parse_vectors(&std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?)?,
        None => selftest::builtin(),
    };
    let mut ok = true;
    for rep in selftest::run(&vs)? {
        let status = if rep.failures.is_empty() { "ok" } else { "FAIL" };
        println!("{:<16} {status:<4} {}/{} vectors", rep.kernel.name(), rep.passed, vs.len());
        for f in &rep.failures {
            println!("  mismatch: {f}");
        }
        ok &= rep.failures.is_empty();
    }
    for k in Kernel::ALL.into_iter().filter(|k| !k.available()) {
        println!("{:<16} skip (not supported by this CPU)", k.name());
    }
    Ok(ok)
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    // TLS for wss:// pool URLs: rustls with the ring provider (the only one this build links).
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.cmd {
        Cmd::Keygen { outfile, force } => keygen(outfile, force),
        #[cfg(feature = "wallet")]
        Cmd::Wallet(cmd) => {
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .init();
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?.block_on(wallet_cli::run(cmd))
        }
        Cmd::Selftest { vectors } => {
            if !selftest_cmd(vectors)? {
                std::process::exit(1);
            }
            Ok(())
        }
        Cmd::Bench { seconds, threads, json } => {
            if let Some(w) = bench::Build::current().warning() {
                eprintln!("WARNING: {w}");
            }
            let report = bench::run(seconds, threads.unwrap_or_else(cores));
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", bench::table(&report));
            }
            Ok(())
        }
        Cmd::Digest { challenge, miner, block_count, nonce } => {
            let c: [u8; 32] = hex::decode(&challenge).context("challenge: hex")?.try_into().map_err(|_| anyhow::anyhow!("challenge: 32 bytes"))?;
            let m: trez_protocol::Key = miner.parse().map_err(|e| anyhow::anyhow!("miner: {e}"))?;
            let d = trez_pow::digest(&c, &m.0, block_count, nonce);
            println!("digest    {}", hex::encode(d));
            println!("zero_bits {}", trez_pow::zero_bits(&d));
            Ok(())
        }
        Cmd::Mine { pool, keypair, worker, threads, kernel, quiet, stall_timeout, receipts, no_receipts } => {
            let quiet = quiet || !std::io::stderr().is_terminal() || matches!(cli.log_format, LogFormat::Json);
            let logs = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
                .with_writer(std::io::stderr);
            match cli.log_format {
                LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
                LogFormat::Json => logs.json().init(),
            }
            trez_miner::client::check_pool_url(&pool)?;
            if !trez_protocol::valid_label(&worker, trez_protocol::MAX_WORKER_LEN) {
                bail!("--worker: at most 64 bytes, no control characters");
            }
            if !selftest_cmd(None)? {
                bail!("selftest failed: refusing to mine with a kernel that disagrees with the known answers");
            }
            let keypair = match keypair.or_else(default_keypair) {
                Some(p) if p.exists() => p,
                Some(p) => bail!("no wallet keypair at {}: make one with `trez-miner keygen` or pass --keypair", p.display()),
                None => bail!("no --keypair given and no HOME for ~/.config/solana/id.json"),
            };
            let wallet = Wallet::read(&keypair)?;
            if let Some(w) = bench::Build::current().warning() {
                tracing::warn!("{w}");
            }
            let kernel = pick_kernel(kernel.as_deref())?;
            let threads = threads.unwrap_or_else(cores).max(1);
            let receipts = if no_receipts { None } else { receipts.or_else(trez_miner::receipts::default_path) };
            let shown = receipts.as_ref().map_or("none".to_string(), |p| p.display().to_string());
            tracing::info!(wallet = %wallet.key(), kernel = kernel.name(), threads, pool, receipts = shown, "starting");
            let cfg = MinerConfig {
                pool_url: pool,
                wallet,
                worker,
                threads,
                kernel,
                max_backoff: Duration::from_secs(60),
                stall_timeout: Duration::from_secs(stall_timeout),
                receipts,
            };
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
            rt.block_on(async move {
                let stats = Arc::new(MinerStats::default());
                let cancel = CancellationToken::new();
                let status = tokio::spawn(status_line(stats.clone(), quiet, cancel.clone()));
                let miner = tokio::spawn(trez_miner::mine(cfg, stats.clone(), cancel.clone()));
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => { cancel.cancel(); }
                    r = miner => { cancel.cancel(); let _ = status.await; return r?; }
                }
                let _ = status.await;
                eprintln!(
                    "stopped: {} accepted ({} receipts kept, {} bad), {} rejected, {} blocks",
                    stats.accepted.load(Ordering::Relaxed),
                    stats.receipts.load(Ordering::Relaxed),
                    stats.bad_receipts.load(Ordering::Relaxed),
                    stats.rejected_total(),
                    stats.blocks.load(Ordering::Relaxed)
                );
                Ok(())
            })
        }
    }
}

/// One refreshing status line (TTY) or a log line every 10 s (`--quiet` / not a TTY): hashrate, accepted and
/// rejected shares with reasons, current share difficulty, age of the last job.
async fn status_line(stats: Arc<MinerStats>, quiet: bool, cancel: CancellationToken) {
    let bar = (!quiet).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("template"));
        b
    });
    let mut last = (Instant::now(), stats.hashes.load(Ordering::Relaxed));
    let period = if quiet { Duration::from_secs(10) } else { Duration::from_secs(1) };
    let mut tick = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let now = Instant::now();
        let h = stats.hashes.load(Ordering::Relaxed);
        let rate = (h - last.1) as f64 / now.duration_since(last.0).as_secs_f64().max(1e-3);
        last = (now, h);
        let reasons: Vec<String> = stats
            .rejected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(r, n)| format!("{}={n}", r.as_str()))
            .collect();
        let job_ms = stats.last_job_ms.load(Ordering::Relaxed);
        let age = if job_ms == 0 {
            "no job yet".to_string()
        } else {
            let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
            format!("job {:.0}s ago", now_ms.saturating_sub(job_ms) as f64 / 1000.0)
        };
        let relayer = stats.relayer.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let msg = format!(
            "{:.2} MH/s | accepted {} | rejected {}{} | blocks {} | diff {} bits | {} | {relayer}",
            rate / 1e6,
            stats.accepted.load(Ordering::Relaxed),
            stats.rejected_total(),
            if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) },
            stats.blocks.load(Ordering::Relaxed),
            stats.share_bits.load(Ordering::Relaxed),
            age
        );
        match &bar {
            Some(b) => b.set_message(msg),
            None => tracing::info!("{msg}"),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
