//! Soak: run a process for a while under pool load and sample what must stay flat for months (issue 22).
//!
//! Two subjects, each its own OS process so its figures are its own:
//! - **relayer**: `trez-relayer run` (the production binary) against an embedded chain served over JSON-RPC
//!   and PubSub from this process (as the kill -9 test does), TREZ pinned at `net_bits` (16 in the bench),
//!   shares pinned at 8 bits, `miners` scripted miners each submitting `shares_per_sec`: a block every
//!   2^(net_bits − 8) shares, each credited and paid. Its ledger is SQLite in a temporary directory; its log is its stderr at the binary's default filter.
//! - **localnet**: `trez-localnet` (no in-process miners), TREZ at 14 bits retargeting toward 3 s blocks, its
//!   ledger and state in a temporary directory, and `miners` scripted miners from this process on its relayer,
//!   so the load stops before the audit (a pool still mining moves on between the record read and the chain
//!   reads).
//!
//! Every `sample_every`: the process's resident memory (`VmRSS`), open file descriptors and threads (from
//! `/proc`), its ledger's database and WAL sizes and its log bytes. At the end each series gets a slope per
//! hour by least squares over the samples after the warm-up (a fifth of the run, at least 30 s), the
//! published record is audited against the chain, and the process is stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use solana_sdk::signature::{Keypair, Signer};
use tokio_util::sync::CancellationToken;
use trez_relayer::chain::ChainClient;
use trez_relayer::poolchain::PoolChain;

use crate::embedded::EmbeddedChain;
use crate::serve::RpcServer;

/// What to soak and how.
#[derive(Clone, Debug)]
pub struct SoakOptions {
    pub duration: Duration,
    pub sample_every: Duration,
    /// Scripted miners per subject.
    pub miners: usize,
    /// Per scripted miner.
    pub shares_per_sec: f64,
    /// TREZ difficulty of the relayer subject, bits (pinned; shares are 8 bits, so a block every
    /// 2^(bits − 8) shares).
    pub net_bits: u32,
    /// The `trez-relayer` and `trez-localnet` binaries (same build profile as the caller, normally siblings).
    pub bin_dir: PathBuf,
}

/// One sampled quantity.
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    pub name: &'static str,
    pub unit: &'static str,
    /// (seconds since start, value).
    pub samples: Vec<(f64, f64)>,
}

/// A series in short.
#[derive(Clone, Debug, Serialize)]
pub struct SeriesSummary {
    pub name: &'static str,
    pub unit: &'static str,
    pub first: f64,
    /// First and last value after the warm-up.
    pub after_warmup: f64,
    pub last: f64,
    pub max: f64,
    /// Least-squares slope over the samples after the warm-up, unit per hour.
    pub slope_per_hour: f64,
}

/// One subject's soak.
#[derive(Clone, Debug, Serialize)]
pub struct SoakReport {
    pub subject: &'static str,
    pub seconds: f64,
    pub warmup_seconds: f64,
    pub samples: usize,
    pub blocks: u64,
    pub audit_ok: bool,
    pub audit_problems: Vec<String>,
    pub series: Vec<SeriesSummary>,
    #[serde(skip)]
    pub raw: Vec<Series>,
}

impl SoakReport {
    /// The summary of series `name`.
    pub fn get(&self, name: &str) -> Option<&SeriesSummary> {
        self.series.iter().find(|s| s.name == name)
    }

    /// Growth of series `name` over the last `secs` seconds of the run (last value minus the value at or
    /// just before `end − secs`).
    pub fn growth_over_last(&self, name: &str, secs: f64) -> Option<f64> {
        let s = self.raw.iter().find(|s| s.name == name)?;
        let end = s.samples.last()?.0;
        let start = s.samples.iter().rev().find(|(t, _)| *t <= end - secs).or(s.samples.first())?;
        Some(s.samples.last()?.1 - start.1)
    }
}

impl std::fmt::Display for SoakReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {:.0} s, {} samples, warm-up {:.0} s, {} blocks, audit {}",
            self.subject,
            self.seconds,
            self.samples,
            self.warmup_seconds,
            self.blocks,
            if self.audit_ok { "ok" } else { "FAILED" }
        )?;
        writeln!(f, "  {:<14} {:>12} {:>14} {:>12} {:>12} {:>14}  unit", "series", "first", "after warm-up", "last", "max", "slope per h")?;
        for s in &self.series {
            writeln!(f, "  {:<14} {:>12.1} {:>14.1} {:>12.1} {:>12.1} {:>14.2}  {}", s.name, s.first, s.after_warmup, s.last, s.max, s.slope_per_hour, s.unit)?;
        }
        for p in &self.audit_problems {
            writeln!(f, "  audit: {p}")?;
        }
        Ok(())
    }
}

/// Least-squares slope of `(t seconds, v)` in v per hour; 0 with fewer than two points.
pub fn slope_per_hour(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let (mt, mv) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let (num, den) = points.iter().fold((0.0, 0.0), |(a, b), (t, v)| (a + (t - mt) * (v - mv), b + (t - mt) * (t - mt)));
    if den == 0.0 {
        0.0
    } else {
        num / den * 3_600.0
    }
}

/// What `/proc` says of a process: (resident MiB, open fds, threads).
fn proc_stats(pid: u32) -> Option<(f64, f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok());
    let rss_kib = field("VmRSS:")?;
    let threads = field("Threads:")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as f64;
    Some((rss_kib / 1024.0, fds, threads))
}

fn file_mib(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / (1024.0 * 1024.0)).unwrap_or(0.0)
}

/// Sample `pid` until `deadline`: rss, fds, threads, the ledger `db` and its WAL, and `log`.
async fn sample(pid: u32, db: &Path, log: &Path, every: Duration, deadline: Instant, started: Instant) -> Result<Vec<Series>> {
    let names: [(&'static str, &'static str); 6] = [("rss", "MiB"), ("fds", "count"), ("threads", "count"), ("db", "MiB"), ("wal", "MiB"), ("log", "MiB")];
    let mut series: Vec<Series> = names.iter().map(|(name, unit)| Series { name, unit, samples: vec![] }).collect();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    loop {
        let t = started.elapsed().as_secs_f64();
        let Some((rss, fds, threads)) = proc_stats(pid) else { bail!("the process {pid} is gone after {t:.0} s") };
        for (s, v) in series.iter_mut().zip([rss, fds, threads, file_mib(db), file_mib(&wal), file_mib(log)]) {
            s.samples.push((t, v));
        }
        if Instant::now() >= deadline {
            return Ok(series);
        }
        tokio::time::sleep(every.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

fn summarize(subject: &'static str, raw: Vec<Series>, seconds: f64, blocks: u64, audit: (bool, Vec<String>)) -> SoakReport {
    let warmup = (seconds / 5.0).max(30.0).min(seconds / 2.0);
    let series = raw
        .iter()
        .map(|s| {
            let after: Vec<(f64, f64)> = s.samples.iter().copied().filter(|(t, _)| *t >= warmup).collect();
            SeriesSummary {
                name: s.name,
                unit: s.unit,
                first: s.samples.first().map_or(0.0, |p| p.1),
                after_warmup: after.first().map_or(0.0, |p| p.1),
                last: s.samples.last().map_or(0.0, |p| p.1),
                max: s.samples.iter().map(|p| p.1).fold(0.0, f64::max),
                slope_per_hour: slope_per_hour(&after),
            }
        })
        .collect();
    let samples = raw.first().map_or(0, |s| s.samples.len());
    SoakReport { subject, seconds, warmup_seconds: warmup, samples, blocks, audit_ok: audit.0, audit_problems: audit.1, series, raw }
}

/// Audit the record in `db` (a SQLite ledger, read while its writer runs) against `chain`. A pool that is
/// still mining (localnet's miners cannot be stopped from outside) may credit a round between the record read
/// and the chain reads, which looks like a member credited beyond its leaves; so the audit is repeated, up to
/// 10 times 2 s apart, until one pass finds the two at the same point. A real discrepancy persists through
/// every pass and is reported from the last.
async fn audit(chain: Arc<dyn ChainClient>, relayer: Arc<Keypair>, pool: solana_sdk::pubkey::Pubkey, db: &Path) -> Result<(bool, Vec<String>, u64)> {
    let cfg = trez_relayer::config::LedgerConfig { path: db.to_path_buf(), ..Default::default() };
    let ledger = trez_relayer::ledger::open(&cfg)?;
    let pc = PoolChain::connect(chain, relayer, pool, Default::default()).await?;
    let mut attempt = 0;
    loop {
        let record = trez_relayer::export::export(&*ledger, &pool).await?;
        let report = trez_relayer::audit::audit(&pc, &record).await?;
        attempt += 1;
        if report.ok || attempt == 10 {
            return Ok((report.ok, report.problems.clone(), record.rounds.len() as u64));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn terminate(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    }
}

fn spawn(bin: &Path, args: &[String], log: &Path) -> Result<tokio::process::Child> {
    if !bin.exists() {
        bail!("{} is missing: build it first (cargo build --locked --bins, same profile)", bin.display());
    }
    let log_file = std::fs::File::create(log)?;
    let mut cmd = tokio::process::Command::new(bin);
    // The child gets SIGTERM when the thread that spawned it (a runtime worker, alive as long as the harness)
    // goes, so a harness that is killed (a cancelled test run: `kill_on_drop` never runs then) leaves no
    // relayer or localnet behind hashing a core.
    // SAFETY: runs in the forked child before exec and only calls prctl(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM)).map_err(std::io::Error::from));
    }
    cmd.args(args)
        .env_remove("RUST_LOG") // the binaries' default filter: what an operator gets
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("spawning {}", bin.display()))
}

/// Soak `trez-relayer run` (see the module docs).
pub async fn soak_relayer(o: &SoakOptions) -> Result<SoakReport> {
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse()?, "127.0.0.1:0".parse()?).await?;
    let (admin, relayer) = (Keypair::new(), Arc::new(Keypair::new()));
    chain.airdrop(&admin.pubkey(), 10_000_000_000).await?;
    chain.airdrop(&relayer.pubkey(), 1_000_000_000_000).await?;
    let mint = trez_relayer::setup::init_trez(chain.as_ref(), &admin, trez_relayer::setup::TrezGenesis::new(o.net_bits, o.net_bits, o.net_bits, 50_000_000, 60)).await?;
    let args = trez_sdk::pool::InitializePoolArgs { relayer: relayer.pubkey(), fee_bps: 100, max_fee_bps: 500, fee_timelock_seconds: 0, min_payout: 1, strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS };
    let addrs = trez_relayer::setup::init_pool(chain.as_ref(), &admin, mint, args).await?;
    let dir = tempfile::tempdir()?;
    let keypair = dir.path().join("relayer.json");
    std::fs::write(&keypair, serde_json::to_string(&relayer.to_bytes().to_vec())?)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let db = dir.path().join("ledger.db");
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\napi_listen = \"127.0.0.1:0\"\nmax_submits_per_sec = 2000\nmax_frames_per_sec = 4000\n\
         [vardiff]\ninitial_bits = 8\nmin_bits = 8\nmax_bits = 8\n[ledger]\npath = \"{db}\"\nretention_days = 1\n\
         [chain]\nrpc_urls = [\"{http}\"]\nws_urls = [\"{ws}\"]\nrelayer_keypair = \"{kp}\"\npool = \"{pool}\"\n\
         [onchain]\npayout_interval_secs = 5\npoll_interval_ms = 400\nconfirm_timeout_secs = 10\ncu_price_micro_lamports = 0\n",
        db = db.display(),
        http = served.http_url,
        ws = served.ws_url,
        kp = keypair.display(),
        pool = addrs.pool,
    );
    let config_path = dir.path().join("relayer.toml");
    std::fs::write(&config_path, config)?;
    let log = dir.path().join("relayer.log");
    let mut child = spawn(&o.bin_dir.join("trez-relayer"), &["run".into(), "--config".into(), config_path.display().to_string()], &log)?;
    let pid = child.id().context("relayer pid")?;

    let (raw, seconds) = load_and_sample(o, &format!("ws://127.0.0.1:{port}"), pid, &db, &log).await?;
    let (ok, problems, blocks) = audit(chain.clone(), relayer, addrs.pool.parse()?, &db).await?;
    terminate(&mut child);
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    Ok(summarize("relayer", raw, seconds, blocks, (ok, problems)))
}

/// Run `o.miners` scripted miners on `url` while sampling `pid` for `o.duration`; stop them and give the last
/// round 5 s to be credited. Returns the series and the seconds sampled; a process that died is an error
/// with the tail of its `log`.
async fn load_and_sample(o: &SoakOptions, url: &str, pid: u32, db: &Path, log: &Path) -> Result<(Vec<Series>, f64)> {
    let stop = CancellationToken::new();
    let miners: Vec<_> = (0..o.miners).map(|i| tokio::spawn(scripted_miner(url.to_string(), format!("soak-{i}"), o.shares_per_sec, stop.clone()))).collect();
    let started = Instant::now();
    let raw = sample(pid, db, log, o.sample_every, started + o.duration, started).await;
    stop.cancel();
    for m in miners {
        let _ = m.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let raw = match raw {
        Ok(r) => r,
        Err(e) => bail!("{e}; its log: {}", std::fs::read_to_string(log).unwrap_or_default().lines().rev().take(20).collect::<Vec<_>>().join("\n")),
    };
    tokio::time::sleep(Duration::from_secs(5)).await; // the last round's credit lands
    Ok((raw, seconds))
}

/// A miner that submits 8-bit shares at `rate` per second, reconnecting while `stop` is not fired.
async fn scripted_miner(url: String, worker: String, rate: f64, stop: CancellationToken) {
    let secret = trez_relayer::loadgen::random_wallet();
    let gap = Duration::from_secs_f64(1.0 / rate.max(0.01));
    while !stop.is_cancelled() {
        let Ok(Ok(mut conn)) = tokio::time::timeout(Duration::from_secs(3), trez_relayer::loadgen::Conn::connect(&url, &secret, &worker)).await else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        loop {
            let next = tokio::time::Instant::now() + gap;
            let r = tokio::select! {
                _ = stop.cancelled() => break,
                r = tokio::time::timeout(Duration::from_secs(10), conn.mine_one()) => r,
            };
            if !matches!(r, Ok(Ok(_))) {
                break;
            }
            tokio::time::sleep_until(next).await;
        }
        if stop.is_cancelled() {
            conn.close().await;
        }
    }
}

/// Soak `trez-localnet` (see the module docs).
pub async fn soak_localnet(o: &SoakOptions) -> Result<SoakReport> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("localnet.db");
    let log = dir.path().join("localnet.log");
    let args: Vec<String> = [
        "--miners", "0", "--difficulty", "14", "--block-seconds", "3", "--blocks", "1000000000",
        "--timeout", "1000000000", "--payout-interval", "5", "--db", &db.display().to_string(), "--state-dir", &dir.path().display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut child = spawn(&o.bin_dir.join("trez-localnet"), &args, &log)?;
    let pid = child.id().context("localnet pid")?;
    let info_path = dir.path().join("localnet.json");
    let ready = Instant::now();
    while !info_path.exists() {
        if ready.elapsed() > Duration::from_secs(120) {
            bail!("localnet did not start in 120 s; its log: {}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(&info_path)?)?;
    let url = info["relayers"][0].as_str().context("relayers")?.to_string();
    let (raw, seconds) = load_and_sample(o, &url, pid, &db, &log).await?;
    let rpc = info["rpc_url"].as_str().context("rpc_url")?.to_string();
    let pool = info["pool"]["pool"].as_str().context("pool")?.parse()?;
    let relayer_bytes: Vec<u8> = serde_json::from_slice(&std::fs::read(dir.path().join("relayer.json"))?)?;
    let relayer = Arc::new(Keypair::try_from(relayer_bytes.as_slice()).map_err(|e| anyhow::anyhow!("{e}"))?);
    let chain: Arc<dyn ChainClient> = Arc::new(trez_relayer::chain::rpc::RpcChain::new(&[rpc], None)?);
    let (ok, problems, blocks) = audit(chain, relayer, pool, &db).await?;
    terminate(&mut child);
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
    Ok(summarize("localnet", raw, seconds, blocks, (ok, problems)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slope_is_per_hour_and_flat_is_zero() {
        let rising: Vec<(f64, f64)> = (0..10).map(|i| (i as f64 * 60.0, 100.0 + i as f64)).collect();
        assert!((super::slope_per_hour(&rising) - 60.0).abs() < 1e-9);
        let flat: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 5.0)).collect();
        assert_eq!(super::slope_per_hour(&flat), 0.0);
        assert_eq!(super::slope_per_hour(&[(1.0, 2.0)]), 0.0);
    }
}
