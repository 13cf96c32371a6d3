//! The bundled miner (`client-miner` library, real hashing threads) against the real relayer (`relayer::run`
//! on loopback): authenticates, gets a job, submits shares that are accepted and durable, and reconnects and
//! resumes after the relayer restarts on the same port and database.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use trez_miner::kernels;
use trez_miner::{MinerConfig, MinerStats, Wallet};
use trez_protocol::Key;
use trez_relayer::config::Config;
use trez_relayer::{JobSource, Ledger, Shared, Template};

struct Running {
    ledger: Arc<dyn Ledger>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start(db: &std::path::Path, listener: TcpListener) -> Running {
    let mut config = Config::default();
    config.ledger.path = db.to_path_buf();
    config.ledger.fsync = false;
    config.vardiff.initial_bits = 20;
    let ledger = trez_relayer::ledger::open(&config.ledger).unwrap();
    let jobs = JobSource::new();
    jobs.publish(Template { challenge: [5; 32], block_count: 3, network_bits: 64, miner_key: [6; 32] });
    let (sol_tx, _sol_rx) = mpsc::channel(4);
    std::mem::forget(_sol_rx);
    let shared = Shared::new(config, Key([1; 32]), Key([6; 32]), jobs, ledger.clone(), sol_tx, &[7; 32]);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(trez_relayer::run(listener, shared, async move {
        let _ = stopped.await;
    }));
    Running { ledger, stop, task }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn miner_mines_against_the_relayer_and_reconnects_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let relayer = start(&db, listener).await;

    let wallet = Wallet::generate();
    let stats = Arc::new(MinerStats::default());
    let cancel = CancellationToken::new();
    let cfg = MinerConfig {
        pool_url: format!("ws://{addr}"),
        wallet: wallet.clone(),
        worker: "e2e".into(),
        threads: 1,
        kernel: kernels::best(),
        max_backoff: Duration::from_millis(500),
        stall_timeout: std::time::Duration::from_secs(trez_miner::client::DEFAULT_STALL_SECS),
        receipts: Some(dir.path().join("receipts.jsonl")),
    };
    let miner = tokio::spawn(trez_miner::mine(cfg, stats.clone(), cancel.clone()));
    wait_until("3 accepted shares", || stats.accepted.load(Ordering::Relaxed) >= 3).await;
    assert_eq!(stats.rejected_total(), 0, "{:?}", stats.rejected);

    // Restart the relayer on the same port and database.
    let _ = relayer.stop.send(());
    relayer.task.await.unwrap().unwrap();
    let before = stats.accepted.load(Ordering::Relaxed);
    let listener = TcpListener::bind(addr).await.unwrap();
    let relayer = start(&db, listener).await;
    wait_until("a reconnect", || stats.connects.load(Ordering::Relaxed) >= 2).await;
    wait_until("3 more accepted shares", || stats.accepted.load(Ordering::Relaxed) >= before + 3).await;

    cancel.cancel();
    miner.await.unwrap().unwrap();
    let shares = relayer.ledger.shares().await.unwrap();
    assert!(shares.len() as u64 >= before + 3);
    assert!(shares.iter().all(|s| s.wallet == wallet.public && s.worker == "e2e"));
    for s in &shares {
        let d = trez_pow::digest(&s.challenge, &[6; 32], s.block_count, s.nonce);
        assert!(trez_pow::meets_difficulty(&d, s.bits));
    }
    // Every accepted share left a receipt that verifies, across the restart, naming the ledger's seq for it.
    let receipts = trez_miner::receipts::read(&dir.path().join("receipts.jsonl")).unwrap();
    assert_eq!(receipts.len() as u64, stats.accepted.load(Ordering::Relaxed));
    assert_eq!((stats.receipts.load(Ordering::Relaxed), stats.bad_receipts.load(Ordering::Relaxed)), (receipts.len() as u64, 0));
    for r in &receipts {
        assert!(r.verify());
        assert_eq!((r.fields.pool, r.fields.wallet, r.relayer), (Key([1; 32]), wallet.key(), trez_protocol::ReceiptSigner::new(&[7; 32]).relayer()));
        let s = shares.iter().find(|s| s.nonce == r.fields.nonce && s.challenge == r.fields.challenge.0).expect("receipted share in the ledger");
        assert_eq!((s.seq as u64, s.bits, s.block_count), (r.fields.seq, r.fields.share_bits, r.fields.block_count));
    }
    let _ = relayer.stop.send(());
}

/// `--pool URL,URL,…` (several relayers of one pool): the miner skips a relayer that refuses connections,
/// mines through the next, and when that one goes, moves on to the one after it, keeping its wallet and
/// worker; its stats name the relayer it is on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_miner_follows_the_pool_to_the_next_relayer() {
    let dir = tempfile::tempdir().unwrap();
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap(); // closed again at once
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (la.local_addr().unwrap(), lb.local_addr().unwrap());
    let a = start(&dir.path().join("a.db"), la).await;
    let b = start(&dir.path().join("b.db"), lb).await;

    let wallet = Wallet::generate();
    let stats = Arc::new(MinerStats::default());
    let cancel = CancellationToken::new();
    let cfg = MinerConfig {
        pool_url: format!("ws://{dead}, ws://{a_addr},ws://{b_addr}"),
        wallet: wallet.clone(),
        worker: "follow".into(),
        threads: 1,
        kernel: kernels::best(),
        max_backoff: Duration::from_millis(500),
        stall_timeout: std::time::Duration::from_secs(trez_miner::client::DEFAULT_STALL_SECS),
        receipts: None,
    };
    assert_eq!(cfg.pool_urls().len(), 3);
    let miner = tokio::spawn(trez_miner::mine(cfg, stats.clone(), cancel.clone()));
    wait_until("shares through relayer A", || stats.accepted.load(Ordering::Relaxed) >= 2).await;
    assert_eq!(*stats.relayer.lock().unwrap(), format!("ws://{a_addr}"));
    assert!(a.ledger.share_count().await.unwrap() >= 2);

    let _ = a.stop.send(());
    a.task.await.unwrap().unwrap();
    let before = stats.accepted.load(Ordering::Relaxed);
    wait_until("shares through relayer B", || stats.accepted.load(Ordering::Relaxed) >= before + 2).await;
    assert_eq!(*stats.relayer.lock().unwrap(), format!("ws://{b_addr}"));
    let through_b = b.ledger.shares().await.unwrap();
    assert!(through_b.len() >= 2 && through_b.iter().all(|s| s.wallet == wallet.public && s.worker == "follow"));
    cancel.cancel();
    miner.await.unwrap().unwrap();
    let _ = b.stop.send(());
}
