//! The miner's single async task: WebSocket connection to the pool, auth, job dispatch to the [`Engine`],
//! share submission, acks, reconnect with jittered exponential backoff.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use trez_protocol::{self as proto, ClientMsg, ErrorCode, RejectReason, ServerMsg};

use crate::engine::{Engine, EngineJob, Found};
use crate::keypair::Wallet;
use trez_protocol::receipts::ReceiptLog;
use crate::kernels::Kernel;

/// What `mine` needs.
#[derive(Clone, Debug)]
pub struct MinerConfig {
    /// `ws://host:port` of the pool relayer, or several separated by commas (relayers of one pool): the
    /// miner uses the first and moves to the next when a connection fails or drops.
    pub pool_url: String,
    pub wallet: Wallet,
    /// Rig name shown by the pool.
    pub worker: String,
    /// Hashing threads (>= 1).
    pub threads: usize,
    pub kernel: Kernel,
    /// Longest wait between reconnects.
    pub max_backoff: Duration,
    /// A relayer that sends nothing for this long while a share or ping awaits its answer is treated as gone
    /// (a frozen process, a machine vanished with the connection open): the miner moves to the next relayer.
    /// The miner pings every 30 s, so a pool silent for `stall_timeout` after a ping is caught too.
    pub stall_timeout: Duration,
    /// Where the relayer's receipts for accepted shares are appended (JSON lines, [`crate::receipts`]);
    /// `None` keeps none.
    pub receipts: Option<std::path::PathBuf>,
}

/// The default [`MinerConfig::stall_timeout`], seconds (`--stall-timeout`).
pub const DEFAULT_STALL_SECS: u64 = 20;

/// Live counters, shared with the status line and the embedding program (localnet).
#[derive(Debug, Default)]
pub struct MinerStats {
    pub accepted: AtomicU64,
    pub blocks: AtomicU64,
    pub submitted: AtomicU64,
    pub share_bits: AtomicU32,
    pub connects: AtomicU64,
    /// Rejections by reason.
    pub rejected: Mutex<BTreeMap<RejectReason, u64>>,
    /// Unix ms of the last job.
    pub last_job_ms: AtomicU64,
    /// Nonces hashed by all threads since start, refreshed at least every 250 ms while connected.
    pub hashes: AtomicU64,
    /// The relayer URL of the current (or last) connection.
    pub relayer: Mutex<String>,
    /// Accepted shares whose receipt verified against the relayer key `hello` announced.
    pub receipts: AtomicU64,
    /// Accepted shares with no receipt or a receipt that does not verify (the relayer's fault; logged).
    pub bad_receipts: AtomicU64,
}

impl MinerConfig {
    /// The relayer URLs of `pool_url`, in order.
    pub fn pool_urls(&self) -> Vec<String> {
        self.pool_url.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_string).collect()
    }
}

impl MinerStats {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.lock().unwrap_or_else(|e| e.into_inner()).values().sum()
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Why a session ended.
enum End {
    /// Shutdown requested.
    Stop,
    /// Connection lost or refused: reconnect.
    Retry(anyhow::Error),
    /// The pool refused us for good (bad auth): give up.
    Fatal(anyhow::Error),
}

/// Mine until `cancel` fires, reconnecting after failures. Returns an error only for fatal refusals
/// (authentication rejected, protocol mismatch).
pub async fn mine(cfg: MinerConfig, stats: Arc<MinerStats>, cancel: CancellationToken) -> Result<()> {
    let mut receipts = match &cfg.receipts {
        Some(p) => Some(ReceiptLog::open(p).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let (found_tx, mut found_rx) = mpsc::unbounded_channel::<Found>();
    let engine = Engine::start(cfg.threads, cfg.kernel, found_tx);
    let urls = cfg.pool_urls();
    if urls.is_empty() {
        bail!("no pool URL");
    }
    let (mut at, mut failed_in_cycle) = (0usize, 0usize);
    let mut backoff = Duration::from_millis(250);
    loop {
        let started = Instant::now();
        let url = &urls[at];
        *stats.relayer.lock().unwrap_or_else(|e| e.into_inner()) = url.clone();
        match session(&cfg, url, &engine, &mut found_rx, &stats, &mut receipts, &cancel).await {
            End::Stop => return Ok(()),
            End::Fatal(e) => return Err(e),
            End::Retry(e) => {
                engine.pause();
                if started.elapsed() > Duration::from_secs(30) {
                    (backoff, failed_in_cycle) = (Duration::from_millis(250), 0);
                }
                // Next relayer; the backoff grows only once every relayer failed in a row.
                at = (at + 1) % urls.len();
                failed_in_cycle += 1;
                let jitter = rand::random::<f64>() * 0.5 + 0.75;
                let wait = if failed_in_cycle < urls.len() { Duration::from_millis(250).mul_f64(jitter) } else { backoff.mul_f64(jitter) };
                warn!(error = %format!("{e:#}"), retry_in_ms = wait.as_millis() as u64, next = %urls[at], "pool connection lost");
                tokio::select! {
                    _ = cancel.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(wait) => {}
                }
                if failed_in_cycle >= urls.len() {
                    (backoff, failed_in_cycle) = ((backoff * 2).min(cfg.max_backoff), 0);
                }
            }
        }
    }
}

async fn session(
    cfg: &MinerConfig,
    url: &str,
    engine: &Engine,
    found_rx: &mut mpsc::UnboundedReceiver<Found>,
    stats: &MinerStats,
    receipts: &mut Option<ReceiptLog>,
    cancel: &CancellationToken,
) -> End {
    let connect = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(url));
    let mut ws = tokio::select! {
        _ = cancel.cancelled() => return End::Stop,
        r = connect => match r {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => return End::Retry(anyhow::anyhow!("connect {url}: {e}")),
            Err(_) => return End::Retry(anyhow::anyhow!("connect {url}: timed out")),
        },
    };
    stats.connects.fetch_add(1, Ordering::Relaxed);
    info!(relayer = url, "connected");
    // Drop nonces found for a previous connection's jobs.
    while found_rx.try_recv().is_ok() {}
    let mut next_id = 0u64;
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    let mut current_job: Option<String> = None;
    // What each submit signs (protocol v2): the pool from `hello`, the current job's challenge, block_count
    // and share_bits.
    let signer = proto::ShareSigner::new(&cfg.wallet.secret);
    let mut pool_key = proto::Key([0; 32]);
    let mut signed_job = ([0u8; 32], 0u64, 0u32);
    // Receipts: the key they must verify against (from `hello`) and each unanswered submit's share.
    let mut relayer_key = proto::Key([0; 32]);
    let mut inflight: HashMap<u64, (proto::Hex32, u64, u64, u32)> = HashMap::new();
    // Liveness: shares and pings sent and not yet answered, when the wait began, and the last frame's time.
    let (mut unanswered, mut waiting_since, mut last_rx) = (0u64, Instant::now(), Instant::now());
    // The status line reads `stats.hashes`: keep it current even while the pool is silent.
    let mut hash_tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = ws.close(None).await;
                return End::Stop;
            }
            _ = hash_tick.tick() => {
                if unanswered > 0 && last_rx.max(waiting_since).elapsed() > cfg.stall_timeout {
                    return End::Retry(anyhow::anyhow!("{url} stopped answering ({unanswered} messages unanswered for {} s)", cfg.stall_timeout.as_secs()));
                }
            }
            _ = ping.tick() => {
                if let Err(e) = ws.send(Message::text(proto::encode(&ClientMsg::Ping {}))).await {
                    return End::Retry(e.into());
                }
                if unanswered == 0 { waiting_since = Instant::now(); }
                unanswered += 1;
            }
            Some((job_id, nonce)) = found_rx.recv() => {
                // Only the current job's nonces are worth sending.
                if current_job.as_deref() != Some(job_id.as_str()) { continue; }
                next_id += 1;
                stats.submitted.fetch_add(1, Ordering::Relaxed);
                let (challenge, block_count, share_bits) = signed_job;
                let signature = signer.sign(&pool_key, &challenge, block_count, nonce, share_bits);
                inflight.insert(next_id, (proto::Hex32(challenge), block_count, nonce, share_bits));
                let msg = ClientMsg::Submit { id: next_id, job_id, nonce, signature };
                if let Err(e) = ws.send(Message::text(proto::encode(&msg))).await {
                    return End::Retry(e.into());
                }
                if unanswered == 0 { waiting_since = Instant::now(); }
                unanswered += 1;
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => return End::Retry(anyhow::anyhow!("pool closed the connection")),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return End::Retry(e.into()),
                };
                last_rx = Instant::now();
                let msg = match proto::decode_server(text.as_str()) {
                    Ok(m) => m,
                    Err(e) => { warn!(error = %e, "undecodable message from pool"); continue; }
                };
                match msg {
                    ServerMsg::Hello { protocol, server_nonce, pool, relayer, .. } => {
                        if protocol != proto::PROTOCOL_VERSION {
                            return End::Fatal(anyhow::anyhow!("pool speaks protocol {protocol}, this miner {}", proto::PROTOCOL_VERSION));
                        }
                        (pool_key, relayer_key) = (pool, relayer);
                        let (wallet, signature) = proto::sign_auth(&cfg.wallet.secret, &pool, &server_nonce, &cfg.worker);
                        let auth = ClientMsg::Auth {
                            wallet,
                            worker: cfg.worker.clone(),
                            client: format!("trez-miner/{}", env!("CARGO_PKG_VERSION")),
                            signature,
                        };
                        if let Err(e) = ws.send(Message::text(proto::encode(&auth))).await {
                            return End::Retry(e.into());
                        }
                    }
                    ServerMsg::Authorized { wallet, share_bits, .. } => {
                        stats.share_bits.store(share_bits, Ordering::Relaxed);
                        info!(%wallet, share_bits, "authorized");
                    }
                    ServerMsg::Job { job_id, challenge, miner_key, block_count, share_bits, nonce_start, nonce_end, clean, network_bits } => {
                        debug!(job_id, block_count, share_bits, network_bits, clean, "job");
                        stats.share_bits.store(share_bits, Ordering::Relaxed);
                        stats.last_job_ms.store(now_ms(), Ordering::Relaxed);
                        current_job = Some(job_id.clone());
                        signed_job = (challenge.0, block_count, share_bits);
                        engine.set_job(EngineJob {
                            job_id,
                            mid: trez_pow::Midstate::new(&challenge.0, &miner_key.0, block_count),
                            share_bits,
                            start: nonce_start,
                            end: nonce_end,
                        });
                    }
                    ServerMsg::Ack { id, accepted, reason, block, receipt } => {
                        unanswered = unanswered.saturating_sub(1);
                        let share = inflight.remove(&id);
                        if accepted {
                            stats.accepted.fetch_add(1, Ordering::Relaxed);
                            keep_receipt(cfg, stats, receipts, (pool_key, relayer_key), share, receipt);
                            if block {
                                stats.blocks.fetch_add(1, Ordering::Relaxed);
                                info!("block found by this miner");
                            }
                        } else {
                            let r = reason.unwrap_or(RejectReason::Unavailable);
                            *stats.rejected.lock().unwrap_or_else(|e| e.into_inner()).entry(r).or_default() += 1;
                            debug!(reason = r.as_str(), "share rejected");
                        }
                    }
                    ServerMsg::SetDifficulty { share_bits } => {
                        stats.share_bits.store(share_bits, Ordering::Relaxed);
                    }
                    ServerMsg::Error { code, message } => {
                        unanswered = unanswered.saturating_sub(1);
                        if code == ErrorCode::AuthFailed || code == ErrorCode::InvalidWorker {
                            return End::Fatal(anyhow::anyhow!("pool refused authentication: {message}"));
                        }
                        if code.is_fatal() {
                            return End::Retry(anyhow::anyhow!("pool error {code:?}: {message}"));
                        }
                        warn!(?code, message, "pool error");
                    }
                    ServerMsg::Pong {} => unanswered = unanswered.saturating_sub(1),
                }
            }
        }
        stats.hashes.store(engine.hashes(), Ordering::Relaxed);
    }
}

/// Check an accepted share's receipt against the relayer key of `hello` and keep it (or count and log it as
/// bad: missing, or not the relayer's signature over this share).
fn keep_receipt(
    cfg: &MinerConfig,
    stats: &MinerStats,
    log: &mut Option<ReceiptLog>,
    (pool, relayer): (proto::Key, proto::Key),
    share: Option<(proto::Hex32, u64, u64, u32)>,
    ack: Option<proto::AckReceipt>,
) {
    let (Some((challenge, block_count, nonce, share_bits)), Some(a)) = (share, ack) else {
        stats.bad_receipts.fetch_add(1, Ordering::Relaxed);
        warn!("accepted share without a receipt");
        return;
    };
    let fields = proto::ReceiptFields { pool, wallet: cfg.wallet.key(), challenge, block_count, nonce, share_bits, seq: a.seq, time_ms: a.time_ms };
    let receipt = proto::Receipt { fields, relayer, signature: a.signature };
    if !receipt.verify() {
        stats.bad_receipts.fetch_add(1, Ordering::Relaxed);
        warn!(nonce, seq = a.seq, "receipt does not verify against the relayer key");
        return;
    }
    stats.receipts.fetch_add(1, Ordering::Relaxed);
    if let Some(log) = log {
        if let Err(e) = log.append(&receipt) {
            warn!(error = %format!("{e:#}"), "receipt not saved");
        }
    }
}

/// Parse and check a pool URL: `ws://` or `wss://`, or several separated by commas.
pub fn check_pool_url(urls: &str) -> Result<()> {
    if urls.split(',').all(|u| u.trim().is_empty()) {
        bail!("no pool URL given");
    }
    for url in urls.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        check_one_url(url)?;
    }
    Ok(())
}

fn check_one_url(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
        bail!("pool URL must start with ws:// or wss://, got {url:?}");
    }
    url::Url::parse(url).with_context(|| format!("invalid pool URL {url:?}"))?;
    Ok(())
}
