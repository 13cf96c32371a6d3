//! What the process-level tests (`crash.rs`, `failover.rs`) share: the embedded chain served as
//! JSON-RPC/PubSub with TREZ (pinned difficulty) and a pool, the relayer's TOML configuration, the
//! `trez-relayer run` child process with its log lines, and scripted miners that remember every acked share.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use solana_sdk::signature::{Keypair, Signer};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use trez_localnet::embedded::EmbeddedChain;
use trez_localnet::serve::RpcServer;
use trez_relayer::loadgen::{self, Acked};
use trez_relayer::setup::{self, PoolAddresses};
use trez_sdk::pool as pool_ix;

/// The chain side of a test: the embedded chain, its JSON-RPC server, the relayer key and the pool.
pub struct World {
    pub chain: Arc<EmbeddedChain>,
    pub served: RpcServer,
    pub relayer: Keypair,
    pub addrs: PoolAddresses,
}

/// TREZ at a pinned `net_bits` (min = max) and a pool (1 % fee, cap 5 %, 1 base unit minimum payout).
pub async fn world(net_bits: u32) -> World {
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let admin = Keypair::new();
    let relayer = Keypair::new();
    chain.airdrop(&admin.pubkey(), 10_000_000_000).await.unwrap();
    chain.airdrop(&relayer.pubkey(), 100_000_000_000).await.unwrap();
    let g = setup::TrezGenesis::new(net_bits, net_bits, net_bits, 50_000_000, 60);
    let mint = setup::init_trez(chain.as_ref(), &admin, g).await.unwrap();
    let args = pool_ix::InitializePoolArgs {
        relayer: relayer.pubkey(),
        fee_bps: 100,
        max_fee_bps: 500,
        fee_timelock_seconds: 0,
        min_payout: 1,
        strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS,
    };
    let addrs = setup::init_pool(chain.as_ref(), &admin, mint, args).await.unwrap();
    World { chain, served, relayer, addrs }
}

impl World {
    /// Write the relayer keypair into `dir`; returns its path.
    pub fn write_keypair(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("relayer.json");
        std::fs::write(&path, serde_json::to_string(&self.relayer.to_bytes().to_vec()).unwrap()).unwrap();
        path
    }

    /// A relayer configuration for this world: miners on `port`, the API on `api` (0: any), shares pinned
    /// at 8 bits, quick polls and payouts; `server_extra` and `ledger` are TOML lines for `[server]` and
    /// `[ledger]`.
    pub fn config(&self, keypair: &std::path::Path, port: u16, api: u16, server_extra: &str, ledger: &str) -> String {
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"
api_listen = "127.0.0.1:{api}"
max_submits_per_sec = 2000
max_frames_per_sec = 4000
{server_extra}
[vardiff]
initial_bits = 8
min_bits = 8
max_bits = 8
[ledger]
{ledger}
[chain]
rpc_urls = ["{http}"]
ws_urls = ["{ws}"]
relayer_keypair = "{keypair}"
pool = "{pool}"
[onchain]
payout_interval_secs = 1
poll_interval_ms = 200
confirm_timeout_secs = 5
cu_price_micro_lamports = 0
"#,
            http = self.served.http_url,
            ws = self.served.ws_url,
            keypair = keypair.display(),
            pool = self.addrs.pool,
        )
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `trez-relayer run` child and its stderr lines.
pub struct Relayer {
    pub child: tokio::process::Child,
    pub lines: mpsc::UnboundedReceiver<String>,
}

/// Start `trez-relayer run --config config`; its stderr lines go to `log` (prefixed with `tag`, if any) and
/// to [`Relayer::lines`].
pub fn spawn_relayer(config: &std::path::Path, log: Arc<Mutex<std::fs::File>>, tag: &str) -> Relayer {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_trez-relayer"))
        .arg("run")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn trez-relayer");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::unbounded_channel();
    let tag = tag.to_string();
    tokio::spawn(async move {
        let mut r = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = r.next_line().await {
            let _ = writeln!(log.lock().unwrap(), "{tag}{line}");
            let _ = tx.send(line);
        }
    });
    Relayer { child, lines }
}

/// Wait for a stderr line containing `needle`; false on timeout or exit.
pub async fn wait_line(r: &mut Relayer, needle: &str, timeout: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, r.lines.recv()).await {
            Ok(Some(l)) if l.contains(needle) => return true,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    }
}

/// SIGTERM: the relayer must log "ledger flushed" and exit 0 within 30 s.
pub async fn terminate(mut r: Relayer, log_path: &std::path::Path) {
    let pid = r.child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let flushed = wait_line(&mut r, "ledger flushed", Duration::from_secs(30)).await;
    let status = tokio::time::timeout(Duration::from_secs(30), r.child.wait()).await.expect("exit after SIGTERM").unwrap();
    assert!(status.success() && flushed, "graceful stop: {status:?}; see {}", log_path.display());
}

/// What the scripted miners saw.
#[derive(Default)]
pub struct MinerLog {
    /// Every accepted ack.
    pub acked: Mutex<Vec<Acked>>,
    /// Rejections by reason.
    pub rejected: Mutex<BTreeMap<String, u64>>,
}

/// `count` scripted miners (random wallets, 8-bit shares as the relayer pins them). Miner `i` starts at
/// `urls[i mod len]` and moves to the next URL whenever its connection fails, drops or stalls (no handshake
/// within 3 s, no answer to a share within 5 s: a frozen relayer); they stop when `stop` fires.
pub fn spawn_miners(urls: &[String], count: usize, log: Arc<MinerLog>, stop: CancellationToken, worker: &str) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|i| {
            let (urls, log, stop, worker) = (urls.to_vec(), log.clone(), stop.clone(), format!("{worker}-{i}"));
            tokio::spawn(async move {
                let secret = loadgen::random_wallet();
                let mut at = i;
                while !stop.is_cancelled() {
                    let url = &urls[at % urls.len()];
                    at += 1;
                    let Ok(Ok(mut conn)) = tokio::time::timeout(Duration::from_secs(3), loadgen::Conn::connect(url, &secret, &worker)).await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    loop {
                        let r = tokio::select! {
                            _ = stop.cancelled() => break,
                            r = tokio::time::timeout(Duration::from_secs(5), conn.mine_one()) => r,
                        };
                        match r {
                            Ok(Ok(a)) if a.accepted => log.acked.lock().unwrap().push(a),
                            Ok(Ok(a)) => *log.rejected.lock().unwrap().entry(format!("{:?}", a.reason)).or_default() += 1,
                            Ok(Err(_)) | Err(_) => break,
                        }
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            })
        })
        .collect()
}
