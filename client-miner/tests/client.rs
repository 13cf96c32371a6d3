//! The miner's own commands and client behaviour, without a relayer: `keygen` and the default keypair,
//! the hashrate the status line reads while the pool is silent, and TLS for `wss://` pool URLs.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use trez_miner::kernels::Kernel;
use trez_miner::{keypair, MinerConfig, MinerStats, Wallet};
use trez_protocol::{self as proto, Hex32, Key, ServerMsg};

#[test]
fn keygen_writes_a_private_solana_keypair_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/id.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trez-miner")).args(["keygen", "--outfile"]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let wallet = Wallet::read(&path).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("pubkey: {}", wallet.key())), "{stdout}");
    let bytes: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(bytes.len(), 64, "Solana CLI format: secret seed then public key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A second keygen to the same path refuses; --force replaces it with a new wallet.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_trez-miner")).args(["keygen", "-o"]).arg(&path).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(Wallet::read(&path).unwrap().key(), wallet.key());
    keypair::write_new(&path, &Wallet::generate(), true).unwrap();
    assert_ne!(Wallet::read(&path).unwrap().key(), wallet.key());
}

#[test]
fn mine_defaults_to_the_solana_cli_keypair_and_says_how_to_make_one() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trez-miner"))
        .args(["mine", "--pool", "ws://127.0.0.1:9"])
        .env("HOME", home.path())
        .env_remove("TREZ_KEYPAIR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".config/solana/id.json") && err.contains("trez-miner keygen"), "{err}");
}

/// A pool that says hello, authorizes, sends one job at `share_bits`, then stays silent (answers nothing,
/// keeps the connection open), on every connection; `connections` counts them.
async fn silent_pool_at(share_bits: u32, connections: Arc<std::sync::atomic::AtomicU64>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(silent_session(stream, share_bits));
        }
    });
    addr
}

async fn silent_pool() -> std::net::SocketAddr {
    silent_pool_at(64, Default::default()).await
}

async fn silent_session(stream: tokio::net::TcpStream, share_bits: u32) {
    {
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let hello = ServerMsg::Hello { protocol: proto::PROTOCOL_VERSION, server_nonce: Hex32([1; 32]), pool: Key([2; 32]), authority: Key([3; 32]), relayer: Key([5; 32]) };
        ws.send(Message::text(proto::encode(&hello))).await.unwrap();
        let _auth = ws.next().await;
        let authorized = ServerMsg::Authorized { wallet: Key([4; 32]), worker: "rig".into(), share_bits };
        ws.send(Message::text(proto::encode(&authorized))).await.unwrap();
        let job = ServerMsg::Job {
            job_id: "1.1".into(),
            challenge: Hex32([5; 32]),
            miner_key: Key([3; 32]),
            block_count: 7,
            share_bits,
            network_bits: 64,
            nonce_start: 0,
            nonce_end: u64::MAX,
            clean: true,
        };
        ws.send(Message::text(proto::encode(&job))).await.unwrap();
        // Silent from here on; keep the connection open.
        while ws.next().await.is_some() {}
    }
}

/// A one-thread portable-kernel miner with a fresh wallet mining at `ws://addr`: its stats, its stop token and
/// its task.
fn start_miner(addr: std::net::SocketAddr, max_backoff: Duration, stall_timeout: Duration) -> (Arc<MinerStats>, CancellationToken, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let (stats, cancel) = (Arc::new(MinerStats::default()), CancellationToken::new());
    let cfg = MinerConfig { pool_url: format!("ws://{addr}"), wallet: Wallet::generate(), worker: "rig".into(), threads: 1, kernel: Kernel::Portable, max_backoff, stall_timeout, receipts: None };
    (stats.clone(), cancel.clone(), tokio::spawn(trez_miner::mine(cfg, stats, cancel)))
}

/// A relayer that stops answering with its connection open (frozen, or its machine gone): once shares go
/// unanswered for `stall_timeout`, the miner drops the connection and dials again (the next relayer of
/// `--pool` when there are several); it never sits on a dead relayer.
#[tokio::test]
async fn a_relayer_that_stops_answering_is_left_after_the_stall_timeout() {
    let connections = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let addr = silent_pool_at(1, connections.clone()).await;
    let (stats, cancel, miner) = start_miner(addr, Duration::from_millis(200), Duration::from_secs(1));
    let started = std::time::Instant::now();
    while connections.load(Ordering::Relaxed) < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "the miner stayed on a silent relayer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    let _ = miner.await;
    assert!(stats.submitted.load(Ordering::Relaxed) > 0 && stats.accepted.load(Ordering::Relaxed) == 0);
    assert!(stats.connects.load(Ordering::Relaxed) >= 3);
}

#[tokio::test]
async fn the_hash_count_keeps_moving_while_the_pool_is_silent() {
    let addr = silent_pool().await;
    let (stats, cancel, miner) = start_miner(addr, Duration::from_secs(1), Duration::from_secs(trez_miner::client::DEFAULT_STALL_SECS));
    // After the job, no frame arrives; the count the status line reads must still rise, several times.
    let mut seen = vec![];
    for _ in 0..400 {
        let h = stats.hashes.load(Ordering::Relaxed);
        if seen.last() != Some(&h) {
            seen.push(h);
        }
        if seen.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    let _ = miner.await;
    assert!(seen.len() >= 4 && seen.windows(2).all(|w| w[0] < w[1]), "hash counts observed: {seen:?}");
}

#[tokio::test]
async fn a_wss_pool_url_is_dialled_with_tls() {
    // A TCP listener standing in for a TLS pool: the first bytes a wss:// client sends are a TLS record
    // (content type 22, handshake: the ClientHello). A build without TLS would fail before connecting.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 3];
        stream.read_exact(&mut first).await.unwrap();
        first
    });
    let client = tokio::spawn(tokio_tungstenite::connect_async(format!("wss://localhost:{}", addr.port())));
    let first = tokio::time::timeout(Duration::from_secs(10), server).await.expect("the client connected").unwrap();
    assert_eq!(first[0], 0x16, "TLS handshake record, got {first:02x?}");
    assert_eq!(first[1], 0x03, "TLS major version 3, got {first:02x?}");
    client.abort();
}

/// The first `n` stderr lines of `trez-miner mine` against a pool address nobody listens on (it logs its
/// start and its failed connects, retrying), then the process is killed.
fn mine_log_lines(format: &str, n: usize) -> Vec<String> {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id.json");
    keypair::write_new(&key, &Wallet::generate(), false).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trez-miner"))
        .args(["--log-format", format, "mine", "--pool", "ws://127.0.0.1:9", "--threads", "1", "--keypair"])
        .arg(&key)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let lines: Vec<String> = stderr.lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).take(n).collect();
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn logs_are_plain_text_off_a_terminal_or_one_json_object_per_line() {
    let text = mine_log_lines("text", 3);
    assert!(text.iter().any(|l| l.contains("starting")), "{text:?}");
    assert!(text.iter().all(|l| !l.contains('\u{1b}')), "ANSI colour codes written to a pipe: {text:?}");
    let json = mine_log_lines("json", 3);
    assert!(!json.is_empty());
    for line in &json {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    assert!(json.iter().any(|l| l.contains("starting")), "{json:?}");
}
