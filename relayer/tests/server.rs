//! Black-box tests of the miner-facing server: real WebSocket clients against `relayer::run` on 127.0.0.1:0.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use trez_protocol::{self as proto, ClientMsg, ErrorCode, Hex32, Key, RejectReason, ServerMsg};
use trez_relayer::config::Config;
use trez_relayer::{JobSource, Ledger, Shared, Solution, Template};

const POOL: Key = Key([7; 32]);
/// A well-formed (64-byte base58) share signature, for frames whose other fields are under test.
const SIG: &str = "2AXDGYSE4f2sz7tvMMzyHvUfcoJmxudvdhBcmiUSo6ijwfYmfZYsKRxboQMPh3R4kUhXRVdtSXFXMheka4Rc4P2";
const AUTHORITY: Key = Key([8; 32]);
/// The relayer key's seed: receipts verify against its public key.
const RELAYER_SEED: [u8; 32] = [5; 32];

struct Relayer {
    addr: std::net::SocketAddr,
    jobs: JobSource,
    solutions: mpsc::Receiver<Solution>,
    ledger: Arc<dyn Ledger>,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Relayer {
    async fn start(db: &std::path::Path, tweak: impl FnOnce(&mut Config)) -> Relayer {
        Self::start_on(db, None, tweak).await
    }

    /// `start` on a given ledger (e.g. PostgreSQL) instead of the SQLite file `db`.
    async fn start_on(db: &std::path::Path, ledger: Option<Arc<dyn Ledger>>, tweak: impl FnOnce(&mut Config)) -> Relayer {
        let mut config = Config::default();
        config.ledger.path = db.to_path_buf();
        config.ledger.fsync = false;
        config.vardiff.initial_bits = 4;
        config.vardiff.min_bits = 1;
        config.vardiff.retarget_secs = 3_600;
        config.server.max_submits_per_sec = 10_000;
        config.server.stale_grace_secs = 0;
        tweak(&mut config);
        config.validate().unwrap();
        let ledger = ledger.unwrap_or_else(|| trez_relayer::ledger::open(&config.ledger).unwrap());
        let jobs = JobSource::new();
        let (sol_tx, solutions) = mpsc::channel(16);
        let shared = Shared::new(config, POOL, AUTHORITY, jobs.clone(), ledger.clone(), sol_tx, &RELAYER_SEED);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(trez_relayer::run(listener, shared.clone(), async move {
            let _ = stopped.await;
        }));
        Relayer { addr, jobs, solutions, ledger, shared, stop: Some(stop), task }
    }

    fn publish(&self, challenge: u8, network_bits: u32) -> Template {
        let t = Template { challenge: [challenge; 32], block_count: challenge as u64, network_bits, miner_key: AUTHORITY.0 };
        self.jobs.publish(t);
        t
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Client {
    ws: Ws,
    nonce: Hex32,
    secret: [u8; 32],
    job: Option<ServerMsg>,
    next_id: u64,
    /// The receipt key `hello` announced.
    relayer: Key,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}")).await.unwrap();
        let hello = recv_on(&mut ws).await;
        let ServerMsg::Hello { server_nonce, pool, authority, protocol, relayer } = hello else { panic!("expected hello, got {hello:?}") };
        assert_eq!((pool, authority, protocol), (POOL, AUTHORITY, proto::PROTOCOL_VERSION));
        Client { ws, nonce: server_nonce, secret: rand::random(), job: None, next_id: 0, relayer }
    }

    async fn send(&mut self, msg: &ClientMsg) {
        self.ws.send(Message::text(proto::encode(msg))).await.unwrap();
    }

    async fn recv(&mut self) -> ServerMsg {
        let m = recv_on(&mut self.ws).await;
        if let ServerMsg::Job { .. } = m {
            self.job = Some(m.clone());
        }
        m
    }

    fn auth_msg(&self, pool: &Key, nonce: &Hex32) -> ClientMsg {
        let (wallet, signature) = proto::sign_auth(&self.secret, pool, nonce, "rig");
        ClientMsg::Auth { wallet, worker: "rig".into(), client: "test/1".into(), signature }
    }

    fn wallet(&self) -> Key {
        proto::sign_auth(&self.secret, &POOL, &self.nonce, "rig").0
    }

    /// Authenticate and wait for the first job.
    async fn auth(&mut self) {
        let m = self.auth_msg(&POOL, &self.nonce.clone());
        self.send(&m).await;
        assert!(matches!(self.recv().await, ServerMsg::Authorized { .. }));
        assert!(matches!(self.recv().await, ServerMsg::Job { .. }));
    }

    fn job(&self) -> (String, Template, u32, u64, u64) {
        match self.job.clone().expect("a job") {
            ServerMsg::Job { job_id, challenge, miner_key, block_count, share_bits, network_bits, nonce_start, nonce_end, .. } => (
                job_id,
                Template { challenge: challenge.0, block_count, network_bits, miner_key: miner_key.0 },
                share_bits,
                nonce_start,
                nonce_end,
            ),
            _ => unreachable!(),
        }
    }

    /// A nonce of the current job with zero bits in `[lo, hi)`, searching from `from`.
    fn find(&self, from: u64, lo: u32, hi: u32) -> u64 {
        let (_, t, _, start, _) = self.job();
        (start + from..)
            .find(|&n| {
                let z = trez_pow::zero_bits(&trez_pow::digest(&t.challenge, &t.miner_key, t.block_count, n));
                z >= lo && z < hi
            })
            .unwrap()
    }

    /// This wallet's signature over a share of the current job.
    /// (Before any job, a signature over an all-zero share: the submit is refused for another reason first.)
    fn sign(&self, nonce: u64) -> proto::Sig {
        let (challenge, block_count, bits) = match self.job.is_some() {
            true => {
                let (_, t, bits, _, _) = self.job();
                (t.challenge, t.block_count, bits)
            }
            false => ([0; 32], 0, 0),
        };
        proto::ShareSigner::new(&self.secret).sign(&POOL, &challenge, block_count, nonce, bits)
    }

    async fn submit(&mut self, job_id: &str, nonce: u64) -> ServerMsg {
        self.next_id += 1;
        let id = self.next_id;
        let signature = self.sign(nonce);
        self.send(&ClientMsg::Submit { id, job_id: job_id.into(), nonce, signature }).await;
        loop {
            match self.recv().await {
                m @ ServerMsg::Ack { .. } => return m,
                ServerMsg::Job { .. } | ServerMsg::SetDifficulty { .. } => continue,
                other => return other,
            }
        }
    }
}

async fn recv_on(ws: &mut Ws) -> ServerMsg {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("server answered in time");
        match frame {
            Some(Ok(Message::Text(t))) => return proto::decode_server(t.as_str()).unwrap(),
            Some(Ok(Message::Close(_))) | None => panic!("connection closed"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("read error: {e}"),
        }
    }
}

/// Read until the server closes; returns the error codes seen.
async fn codes_until_close(ws: &mut Ws) -> Vec<ErrorCode> {
    let mut codes = vec![];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Text(t))) => {
                if let Ok(ServerMsg::Error { code, .. }) = proto::decode_server(t.as_str()) {
                    codes.push(code);
                }
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return codes,
            Some(Ok(_)) => {}
        }
    }
}

fn accepted(m: &ServerMsg) -> bool {
    matches!(m, ServerMsg::Ack { accepted: true, .. })
}

fn reason(m: &ServerMsg) -> Option<RejectReason> {
    match m {
        ServerMsg::Ack { reason, .. } => *reason,
        _ => None,
    }
}

#[tokio::test]
async fn valid_share_is_accepted_and_durable_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let r = Relayer::start(&db, |_| {}).await;
    r.publish(1, 60);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_id, t, bits, _, _) = c.job();
    assert_eq!(bits, 4);
    let nonce = c.find(0, 4, 60);
    let ack = c.submit(&job_id, nonce).await;
    assert!(accepted(&ack), "{ack:?}");
    let wallet = c.wallet();
    r.stop().await;

    // Restart on the same file: the share is there.
    let r = Relayer::start(&db, |_| {}).await;
    let shares = r.ledger.shares().await.unwrap();
    assert_eq!(shares.len(), 1);
    let s = &shares[0];
    assert_eq!((s.wallet, s.challenge, s.block_count, s.nonce, s.bits), (wallet.0, t.challenge, t.block_count, nonce, 4));
    assert!(s.zero_bits >= 4);
    r.stop().await;
}

#[tokio::test]
async fn auth_failures_are_rejected_with_coded_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    r.publish(1, 60);

    // Bad signature: signed by another key than the wallet claimed.
    let mut c = Client::connect(r.addr).await;
    let ClientMsg::Auth { worker, client, signature, .. } = c.auth_msg(&POOL, &c.nonce.clone()) else { unreachable!() };
    c.send(&ClientMsg::Auth { wallet: Key(proto::sign_auth(&[1; 32], &POOL, &c.nonce, "x").0 .0), worker, client, signature }).await;
    assert!(matches!(c.recv().await, ServerMsg::Error { code: ErrorCode::AuthFailed, .. }));

    // Replay: a valid auth captured on connection A, sent on connection B.
    let a = Client::connect(r.addr).await;
    let captured = a.auth_msg(&POOL, &a.nonce);
    let mut b = Client::connect(r.addr).await;
    b.send(&captured).await;
    assert!(matches!(b.recv().await, ServerMsg::Error { code: ErrorCode::AuthFailed, .. }));

    // Auth for another pool.
    let mut d = Client::connect(r.addr).await;
    let m = d.auth_msg(&Key([99; 32]), &d.nonce.clone());
    d.send(&m).await;
    assert!(matches!(d.recv().await, ServerMsg::Error { code: ErrorCode::AuthFailed, .. }));

    // Submit before auth.
    let mut e = Client::connect(r.addr).await;
    let ack = e.submit("1.1", 5).await;
    assert_eq!(reason(&ack), Some(RejectReason::NotAuthorized));

    // Control characters in the worker name.
    let mut f = Client::connect(r.addr).await;
    let (wallet, signature) = proto::sign_auth(&f.secret, &POOL, &f.nonce, "a\nb");
    f.send(&ClientMsg::Auth { wallet, worker: "a\nb".into(), client: "c".into(), signature }).await;
    assert!(matches!(f.recv().await, ServerMsg::Error { code: ErrorCode::InvalidWorker, .. }));

    // The honest miner is still served.
    let mut ok = Client::connect(r.addr).await;
    ok.auth().await;
    assert_eq!(r.shared.stats.authorized.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(r.ledger.share_count().await.unwrap(), 0);
    r.stop().await;
}

#[tokio::test]
async fn every_reject_reason_is_produced_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| {
        c.server.max_submits_per_sec = 5;
        c.server.ban_min_submits = 1_000;
    })
    .await;
    r.publish(1, 60);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_id, _, _, start, end) = c.job();

    let good = c.find(0, 4, 60);
    assert!(accepted(&c.submit(&job_id, good).await));
    let count = r.ledger.share_count().await.unwrap();

    let low = c.find(0, 0, 4);
    assert_eq!(reason(&c.submit(&job_id, low).await), Some(RejectReason::LowDifficulty));
    assert_eq!(reason(&c.submit(&job_id, good).await), Some(RejectReason::Duplicate));
    assert_eq!(reason(&c.submit("999.999", good).await), Some(RejectReason::UnknownJob));
    assert_eq!(reason(&c.submit(&job_id, end).await), Some(RejectReason::OutOfRange));
    if start > 0 {
        assert_eq!(reason(&c.submit(&job_id, start - 1).await), Some(RejectReason::OutOfRange));
    }
    // Stale: a new challenge, grace 0 s; the old job's share is refused.
    let old_job = job_id.clone();
    let old_good = c.find(good - start + 1, 4, 60);
    r.publish(2, 60);
    let clean_job = loop {
        if let ServerMsg::Job { clean, .. } = c.recv().await {
            break clean;
        }
    };
    assert!(clean_job, "a new challenge is a clean job");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(reason(&c.submit(&old_job, old_good).await), Some(RejectReason::Stale));
    assert_eq!(r.ledger.share_count().await.unwrap(), count, "rejected shares are not written");

    // Rate limit: burst of 10, then refused.
    let (job_id, ..) = c.job();
    let mut limited = false;
    for i in 0..40 {
        let n = c.find(i * 1000, 0, 4); // low difficulty: never written even if not limited
        if reason(&c.submit(&job_id, n).await) == Some(RejectReason::RateLimited) {
            limited = true;
            break;
        }
    }
    assert!(limited, "rate limit reached");
    assert_eq!(r.ledger.share_count().await.unwrap(), count);
    for reason in [RejectReason::LowDifficulty, RejectReason::Duplicate, RejectReason::UnknownJob, RejectReason::OutOfRange, RejectReason::Stale, RejectReason::RateLimited] {
        assert!(r.shared.stats.rejected(reason) >= 1, "{reason:?} counted");
    }
    r.stop().await;
}

#[tokio::test]
async fn block_share_goes_to_the_solution_channel_after_it_is_durable() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    let t = r.publish(1, 8);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_id, ..) = c.job();
    let share = c.find(0, 4, 8);
    let block = c.find(0, 8, 193);
    assert!(matches!(c.submit(&job_id, share).await, ServerMsg::Ack { accepted: true, block: false, .. }));
    assert!(matches!(c.submit(&job_id, block).await, ServerMsg::Ack { accepted: true, block: true, .. }));
    let sol = r.solutions.recv().await.unwrap();
    assert_eq!((sol.challenge, sol.block_count, sol.nonce, sol.wallet), (t.challenge, t.block_count, block, c.wallet().0));
    let pending = r.ledger.solutions(trez_relayer::ledger::SolutionStatus::Pending).await.unwrap();
    assert_eq!(pending.iter().filter(|s| s.nonce == block).count(), 1);
    r.stop().await;
}

/// Every accepted ack carries a receipt: signed by the key `hello` announced (the relayer's), over the share
/// as the miner knows it and the ledger's seq for it; a rejected ack carries none.
#[tokio::test]
async fn an_accepted_share_gets_a_receipt_with_its_ledger_seq() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    let t = r.publish(3, 60);
    let mut c = Client::connect(r.addr).await;
    assert_eq!(c.relayer, proto::ReceiptSigner::new(&RELAYER_SEED).relayer());
    c.auth().await;
    let (job_id, _, bits, ..) = c.job();
    let (mut receipts, mut from) = (Vec::new(), 0);
    for _ in 0..3 {
        let nonce = c.find(from, bits, 60);
        from = nonce - c.job().3 + 1;
        let ServerMsg::Ack { accepted: true, receipt: Some(a), .. } = c.submit(&job_id, nonce).await else { panic!("accepted with a receipt") };
        let fields = proto::ReceiptFields {
            pool: POOL,
            wallet: c.wallet(),
            challenge: Hex32(t.challenge),
            block_count: t.block_count,
            nonce,
            share_bits: bits,
            seq: a.seq,
            time_ms: a.time_ms,
        };
        let receipt = proto::Receipt { fields, relayer: c.relayer, signature: a.signature };
        assert!(receipt.verify(), "the receipt verifies");
        assert!(!proto::Receipt { fields: proto::ReceiptFields { nonce: nonce + 1, ..fields }, ..receipt }.verify());
        receipts.push(receipt);
    }
    let rows = r.ledger.shares().await.unwrap();
    for rc in &receipts {
        let row = rows.iter().find(|s| s.nonce == rc.fields.nonce).expect("receipted share is in the ledger");
        assert_eq!(u64::try_from(row.seq).unwrap(), rc.fields.seq, "receipt seq is the ledger's");
    }
    let dup = receipts[0].fields.nonce;
    let ack = c.submit(&job_id, dup).await;
    assert!(matches!(ack, ServerMsg::Ack { accepted: false, receipt: None, .. }), "{ack:?}");
    r.stop().await;
}

#[tokio::test]
async fn hostile_frames_get_coded_errors_and_others_keep_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    r.publish(1, 60);
    let mut honest = Client::connect(r.addr).await;
    honest.auth().await;

    // Invalid JSON: fatal.
    let mut c = Client::connect(r.addr).await;
    c.ws.send(Message::text("{not json")).await.unwrap();
    assert_eq!(codes_until_close(&mut c.ws).await, vec![ErrorCode::InvalidFrame]);
    // Unknown message type: coded, not fatal.
    let mut c = Client::connect(r.addr).await;
    c.ws.send(Message::text(r#"{"type":"getwork"}"#)).await.unwrap();
    assert!(matches!(c.recv().await, ServerMsg::Error { code: ErrorCode::InvalidMessage, .. }));
    c.send(&ClientMsg::Ping {}).await;
    assert!(matches!(c.recv().await, ServerMsg::Pong {}));
    // Binary garbage: fatal.
    let mut c = Client::connect(r.addr).await;
    c.ws.send(Message::binary(vec![0xff, 0x00, 0x13])).await.unwrap();
    assert_eq!(codes_until_close(&mut c.ws).await, vec![ErrorCode::InvalidFrame]);
    // Oversized frame: fatal.
    let mut c = Client::connect(r.addr).await;
    let _ = c.ws.send(Message::text("x".repeat(64 * 1024))).await;
    assert_eq!(codes_until_close(&mut c.ws).await, vec![ErrorCode::FrameTooLarge]);

    // The honest miner's share still goes through.
    let (job_id, ..) = honest.job();
    let n = honest.find(0, 4, 60);
    assert!(accepted(&honest.submit(&job_id, n).await));
    r.stop().await;
}

#[tokio::test]
async fn handshake_timeout_and_ban_close_with_codes() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| {
        c.server.handshake_timeout_secs = 1;
        c.server.ban_min_submits = 5;
        c.server.ban_invalid_ratio = 0.5;
    })
    .await;
    r.publish(1, 60);
    let mut slow = Client::connect(r.addr).await;
    assert_eq!(codes_until_close(&mut slow.ws).await, vec![ErrorCode::HandshakeTimeout]);

    let mut cheat = Client::connect(r.addr).await;
    cheat.auth().await;
    let (job_id, ..) = cheat.job();
    for i in 0..5 {
        let n = cheat.find(i * 100, 0, 4);
        let signature = cheat.sign(n);
        cheat.send(&ClientMsg::Submit { id: i, job_id: job_id.clone(), nonce: n, signature }).await;
    }
    assert!(codes_until_close(&mut cheat.ws).await.contains(&ErrorCode::Banned));
    // The IP is now refused.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", r.addr)).await.unwrap();
    assert_eq!(codes_until_close(&mut ws).await, vec![ErrorCode::Banned]);
    r.stop().await;
}

#[tokio::test]
async fn vardiff_raises_for_a_fast_client_and_lowers_for_a_slow_one() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| {
        c.vardiff.retarget_secs = 1;
        c.vardiff.target_shares_per_min = 60.0; // one per second
        c.vardiff.initial_bits = 6;
        c.vardiff.min_bits = 2;
    })
    .await;
    r.publish(1, 60);
    let mut fast = Client::connect(r.addr).await;
    fast.auth().await;
    let mut slow = Client::connect(r.addr).await;
    slow.auth().await;
    // Fast: 40 shares well inside one second.
    let (job_id, ..) = fast.job();
    let mut from = 0;
    for _ in 0..40 {
        let n = fast.find(from, 6, 60);
        from = n - fast.job().3 + 1;
        assert!(accepted(&fast.submit(&job_id, n).await));
    }
    let raised = loop {
        match fast.recv().await {
            ServerMsg::SetDifficulty { share_bits } => break share_bits,
            _ => continue,
        }
    };
    assert!(raised > 6, "fast client raised to {raised}");
    // The new job carries it.
    let ServerMsg::Job { share_bits, clean, .. } = fast.recv().await else { panic!("job after set_difficulty") };
    assert_eq!((share_bits, clean), (raised, false));
    // Slow: no shares at all.
    let lowered = loop {
        match slow.recv().await {
            ServerMsg::SetDifficulty { share_bits } => break share_bits,
            _ => continue,
        }
    };
    assert!(lowered < 6, "slow client lowered to {lowered}");
    r.stop().await;
}

#[tokio::test]
async fn shutdown_drains_and_loses_no_acked_share() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let r = Relayer::start(&db, |_| {}).await;
    r.publish(1, 60);
    let mut clients = vec![];
    for _ in 0..4 {
        let mut c = Client::connect(r.addr).await;
        c.auth().await;
        clients.push(c);
    }
    // Each client pipelines 20 submits without waiting.
    for c in clients.iter_mut() {
        let (job_id, ..) = c.job();
        let mut from = 0;
        for i in 0..20 {
            let n = c.find(from, 4, 60);
            from = n - c.job().3 + 1;
            let signature = c.sign(n);
            c.send(&ClientMsg::Submit { id: i, job_id: job_id.clone(), nonce: n, signature }).await;
        }
    }
    // Wait until the server is working through them, then shut down mid-stream.
    let mut acked = vec![];
    for c in clients.iter_mut() {
        if let ServerMsg::Ack { accepted: true, id, .. } = c.recv().await {
            acked.push((c.wallet(), id));
        }
    }
    r.stop().await;
    for c in clients.iter_mut() {
        while let Some(Ok(Message::Text(t))) = tokio::time::timeout(Duration::from_secs(10), c.ws.next()).await.unwrap() {
            if let Ok(ServerMsg::Ack { accepted: true, id, .. }) = proto::decode_server(t.as_str()) {
                acked.push((c.wallet(), id));
            }
        }
    }
    let r = Relayer::start(&db, |_| {}).await;
    let stored = r.ledger.shares().await.unwrap();
    assert!(!acked.is_empty());
    assert!(stored.len() >= acked.len(), "every acked share is in the ledger: {} acked, {} stored", acked.len(), stored.len());
    for (wallet, _) in &acked {
        assert!(stored.iter().any(|s| s.wallet == wallet.0));
    }
    r.stop().await;
}

#[tokio::test]
async fn connection_caps_refuse_with_a_code_and_keep_serving_admitted_miners() {
    for (per_ip, total) in [(2usize, 100usize), (100, 2)] {
        let dir = tempfile::tempdir().unwrap();
        let r = Relayer::start(&dir.path().join("l.db"), |c| {
            c.server.max_connections_per_ip = per_ip;
            c.server.max_connections = total;
        })
        .await;
        r.publish(1, 60);
        let mut a = Client::connect(r.addr).await;
        a.auth().await;
        let mut b = Client::connect(r.addr).await;
        b.auth().await;
        // The third is refused with a coded error and closed.
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", r.addr)).await.unwrap();
        assert_eq!(codes_until_close(&mut ws).await, vec![ErrorCode::TooManyConnections], "per_ip {per_ip}, total {total}");
        // The admitted ones keep working.
        let (job_id, ..) = a.job();
        let n = a.find(0, 4, 60);
        assert!(accepted(&a.submit(&job_id, n).await));
        // Closing one frees a slot.
        drop(b);
        let mut c = None;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if r.shared.stats.connections.load(std::sync::atomic::Ordering::Relaxed) < 2 {
                c = Some(Client::connect(r.addr).await);
                break;
            }
        }
        let mut c = c.expect("a slot frees up after a disconnect");
        c.auth().await;
        r.stop().await;
    }
}

/// What a hostile input must get back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// An `error` frame with this code, then the connection closes.
    Fatal(ErrorCode),
    /// An `error` frame with this code; the connection stays usable.
    Error(ErrorCode),
    /// A rejecting `ack` with this reason.
    Reject(RejectReason),
}

#[tokio::test]
async fn hostile_input_catalogue_gets_coded_answers_changes_nothing_and_honest_miners_keep_mining() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| {
        c.server.max_connections_per_ip = 40;
        c.server.handshake_timeout_secs = 1;
        c.server.ban_min_submits = 1_000_000;
    })
    .await;
    r.publish(1, 60);
    let mut honest = Client::connect(r.addr).await;
    honest.auth().await;
    let mut honest_from = 0u64;
    let before = r.ledger.share_count().await.unwrap();

    let big = u64::MAX.to_string() + "0";
    let long_worker = "w".repeat(65);
    // (name, authenticate first?, frame, expected answer)
    let text_cases: Vec<(&str, bool, Message, Expect)> = vec![
        ("oversized frame", false, Message::text("x".repeat(64 * 1024)), Expect::Fatal(ErrorCode::FrameTooLarge)),
        ("binary garbage", false, Message::binary(vec![0u8, 159, 146, 150]), Expect::Fatal(ErrorCode::InvalidFrame)),
        ("invalid JSON", false, Message::text("{\"type\":"), Expect::Fatal(ErrorCode::InvalidFrame)),
        ("empty frame", false, Message::text(""), Expect::Fatal(ErrorCode::InvalidFrame)),
        ("deeply nested JSON", false, Message::text("[".repeat(2000) + &"]".repeat(2000)), Expect::Fatal(ErrorCode::InvalidFrame)),
        ("JSON array, not an object", true, Message::text("[1,2,3]"), Expect::Error(ErrorCode::InvalidMessage)),
        ("unknown message type", true, Message::text(r#"{"type":"getwork"}"#), Expect::Error(ErrorCode::InvalidMessage)),
        ("missing fields", true, Message::text(r#"{"type":"submit","id":1}"#), Expect::Error(ErrorCode::InvalidMessage)),
        ("nonce above u64", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":{big},"signature":"{SIG}"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("negative nonce", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":-5,"signature":"{SIG}"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("float nonce", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":1.5,"signature":"{SIG}"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("string nonce", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":"7","signature":"{SIG}"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("client-sent digest", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":7,"signature":"{SIG}","digest":"00"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("negative id", true, Message::text(format!(r#"{{"type":"submit","id":-1,"job_id":"1.1","nonce":7,"signature":"{SIG}"}}"#)), Expect::Error(ErrorCode::InvalidMessage)),
        ("wallet not base58", false, Message::text(r#"{"type":"auth","wallet":"0OIl","worker":"w","client":"c","signature":"1"}"#), Expect::Error(ErrorCode::InvalidMessage)),
        ("signature of the wrong length", false, Message::text(format!(r#"{{"type":"auth","wallet":"{}","worker":"w","client":"c","signature":"3vQB7B6MrGQZaxCuFg4oh"}}"#, Key([5; 32]))), Expect::Error(ErrorCode::InvalidMessage)),
        ("submit without its signature", true, Message::text(r#"{"type":"submit","id":1,"job_id":"1.1","nonce":7}"#), Expect::Error(ErrorCode::InvalidMessage)),
        ("signature not base58", true, Message::text(r#"{"type":"submit","id":1,"job_id":"1.1","nonce":7,"signature":"0OIl"}"#), Expect::Error(ErrorCode::InvalidMessage)),
        ("unknown job", true, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"nope","nonce":7,"signature":"{SIG}"}}"#)), Expect::Reject(RejectReason::UnknownJob)),
        ("submit before auth", false, Message::text(format!(r#"{{"type":"submit","id":1,"job_id":"1.1","nonce":7,"signature":"{SIG}"}}"#)), Expect::Reject(RejectReason::NotAuthorized)),
    ];
    let mut kinds = 0;
    for (name, authed, frame, expect) in text_cases {
        let mut c = Client::connect(r.addr).await;
        if authed {
            c.auth().await;
        }
        c.ws.send(frame).await.unwrap_or_else(|e| panic!("{name}: send: {e}"));
        check(&mut c, name, expect).await;
        kinds += 1;
        honest_from = honest_share(&mut honest, honest_from, name).await;
    }

    // Cases that need a real session state.
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_id, _, _, _, end) = c.job();
    let hostile_submits: Vec<(&str, u64, Expect)> = vec![
        ("nonce out of range", end, Expect::Reject(RejectReason::OutOfRange)),
        ("nonce u64::MAX", u64::MAX, Expect::Reject(RejectReason::OutOfRange)),
        ("low-difficulty share", c.find(0, 0, 4), Expect::Reject(RejectReason::LowDifficulty)),
    ];
    for (name, nonce, expect) in hostile_submits {
        let ack = c.submit(&job_id, nonce).await;
        assert_eq!(reason(&ack), match expect { Expect::Reject(r) => Some(r), _ => None }, "{name}: {ack:?}");
        kinds += 1;
        honest_from = honest_share(&mut honest, honest_from, name).await;
    }
    // Duplicate of an accepted share (the one share this connection may write).
    let good = c.find(0, 4, 60);
    assert!(accepted(&c.submit(&job_id, good).await));
    assert_eq!(reason(&c.submit(&job_id, good).await), Some(RejectReason::Duplicate), "duplicate");
    kinds += 1;
    // A second auth on an authorized connection.
    let m = c.auth_msg(&POOL, &c.nonce.clone());
    c.send(&m).await;
    assert!(matches!(c.recv().await, ServerMsg::Error { code: ErrorCode::AlreadyAuthorized, .. }), "second auth");
    kinds += 1;

    // Auth attacks.
    let mut c = Client::connect(r.addr).await;
    let (wallet, signature) = proto::sign_auth(&c.secret, &POOL, &c.nonce, "w");
    c.send(&ClientMsg::Auth { wallet, worker: "w".into(), client: "c".into(), signature: proto::Sig([7; 64]) }).await;
    check(&mut c, "forged signature", Expect::Fatal(ErrorCode::AuthFailed)).await;
    let _ = signature;
    let a = Client::connect(r.addr).await;
    let captured = a.auth_msg(&POOL, &a.nonce);
    let mut b = Client::connect(r.addr).await;
    b.send(&captured).await;
    check(&mut b, "auth replayed on another connection", Expect::Fatal(ErrorCode::AuthFailed)).await;
    let mut c = Client::connect(r.addr).await;
    let m = c.auth_msg(&Key([42; 32]), &c.nonce.clone());
    c.send(&m).await;
    check(&mut c, "auth for another pool", Expect::Fatal(ErrorCode::AuthFailed)).await;
    for (name, worker) in [("control characters in the worker name", "a\u{7}b".to_string()), ("worker name over 64 bytes", long_worker.clone())] {
        let mut c = Client::connect(r.addr).await;
        let (wallet, signature) = proto::sign_auth(&c.secret, &POOL, &c.nonce, &worker);
        c.send(&ClientMsg::Auth { wallet, worker, client: "c".into(), signature }).await;
        check(&mut c, name, Expect::Fatal(ErrorCode::InvalidWorker)).await;
    }
    kinds += 5;
    honest_share(&mut honest, honest_from, "auth attacks").await;
    // Unicode in worker names is fine.
    let mut c = Client::connect(r.addr).await;
    let (wallet, signature) = proto::sign_auth(&c.secret, &POOL, &c.nonce, "矿工⛏");
    c.send(&ClientMsg::Auth { wallet, worker: "矿工⛏".into(), client: "c".into(), signature }).await;
    assert!(matches!(c.recv().await, ServerMsg::Authorized { .. }), "unicode worker accepted");

    // Flood of pings: rate limited and dropped.
    let mut c = Client::connect(r.addr).await;
    for _ in 0..400 {
        if c.ws.send(Message::text(r#"{"type":"ping"}"#)).await.is_err() {
            break;
        }
    }
    // A flooder that doesn't read fills its send queue with pongs and is dropped as a slow consumer (no room
    // left for an error frame); one that reads gets `rate_limited`. Either way: closed.
    let codes = codes_until_close(&mut c.ws).await;
    assert!(codes.iter().all(|c| *c == ErrorCode::RateLimited), "ping flood: {codes:?}");
    kinds += 1;
    // Slowloris: TCP connection that never completes the WebSocket handshake; half-open: WebSocket that never
    // authenticates. Both are cut at the handshake timeout.
    let mut raw = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), tokio::io::AsyncReadExt::read(&mut raw, &mut buf)).await.expect("slowloris cut in time");
    assert_eq!(n.unwrap_or(0), 0, "slowloris connection closed");
    let mut half = Client::connect(r.addr).await;
    assert_eq!(codes_until_close(&mut half.ws).await, vec![ErrorCode::HandshakeTimeout], "half-open");
    kinds += 2;
    // Many connections from one IP: beyond the cap, refused with a code.
    let mut held = vec![];
    let mut refused = 0;
    for _ in 0..60 {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", r.addr)).await.unwrap();
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) if matches!(proto::decode_server(t.as_str()), Ok(ServerMsg::Error { code: ErrorCode::TooManyConnections, .. })) => refused += 1,
            _ => held.push(ws),
        }
    }
    assert!(refused > 0, "connections beyond the per-IP cap are refused");
    kinds += 1;
    drop(held);

    assert!(kinds >= 25, "catalogue has {kinds} kinds");
    // Nothing but the honest shares and the one valid share was written.
    let after = r.ledger.share_count().await.unwrap();
    assert_eq!(after - before, honest.next_id + 1, "only honest shares were written");
    r.stop().await;
}

/// Expect `e` on `c` after a hostile frame.
async fn check(c: &mut Client, name: &str, e: Expect) {
    match e {
        Expect::Fatal(code) => assert_eq!(codes_until_close(&mut c.ws).await, vec![code], "{name}"),
        Expect::Error(code) => match c.recv().await {
            ServerMsg::Error { code: got, .. } => assert_eq!(got, code, "{name}"),
            other => panic!("{name}: expected error {code:?}, got {other:?}"),
        },
        Expect::Reject(reason_want) => {
            let got = loop {
                match c.recv().await {
                    m @ ServerMsg::Ack { .. } => break m,
                    ServerMsg::Job { .. } | ServerMsg::Authorized { .. } => continue,
                    other => panic!("{name}: expected ack, got {other:?}"),
                }
            };
            assert_eq!(reason(&got), Some(reason_want), "{name}");
        }
    }
}

/// The honest miner submits one more valid share; it must be accepted. Returns the next search offset.
async fn honest_share(honest: &mut Client, from: u64, after: &str) -> u64 {
    let (job_id, _, _, start, _) = honest.job();
    let n = honest.find(from, 4, 60);
    let ack = honest.submit(&job_id, n).await;
    assert!(accepted(&ack), "honest share after {after:?}: {ack:?}");
    n - start + 1
}

/// A raw WebSocket client on a socket with a small receive buffer, for peers that do not read.
async fn connect_small_window(addr: std::net::SocketAddr) -> Ws {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}"), tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    ws
}

/// A frame that draws a 2 KB answer: an unknown message type, whose name the `invalid_message` error
/// quotes (non-fatal, so the connection stays).
fn big_answer_frame() -> Message {
    Message::text(format!("{{\"type\":\"{}\"}}", "x".repeat(2_000)))
}

/// Send frames that each draw a 2 KB answer without ever reading, 8 at a time with a pause, so the server's
/// writer keeps its queue drained into the socket until the socket buffers are full (the writer then waits
/// on a peer that does not read). Stops when a write failed (the server dropped the connection) or has
/// been blocked for `blocked` (the server stopped reading). Returns (frames written, whether a write
/// failed).
async fn send_without_reading(ws: &mut Ws, blocked: Duration) -> (u64, bool) {
    let frame = big_answer_frame();
    let mut sent = 0u64;
    loop {
        match tokio::time::timeout(blocked, ws.send(frame.clone())).await {
            Ok(Ok(())) => sent += 1,
            Ok(Err(_)) => return (sent, true),
            Err(_) => return (sent, false),
        }
        if sent.is_multiple_of(8) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

#[tokio::test]
async fn a_prompt_reader_gets_every_answer_to_a_burst_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| c.server.max_frames_per_sec = 1_000).await;
    r.publish(1, 60);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    // 100 pings and 150 submits queued client-side and flushed together: more answers than the send queue
    // (64) holds. A reader that takes its answers promptly gets all of them and keeps its connection.
    let ping = Message::text(proto::encode(&ClientMsg::Ping {}));
    for _ in 0..100 {
        c.ws.feed(ping.clone()).await.unwrap();
    }
    let (job_id, ..) = c.job();
    let mut from = 0;
    for id in 0..150u64 {
        let n = c.find(from, 4, 60);
        from = n - c.job().3 + 1;
        let signature = c.sign(n);
        c.ws.feed(Message::text(proto::encode(&ClientMsg::Submit { id, job_id: job_id.clone(), nonce: n, signature }))).await.unwrap();
    }
    c.ws.flush().await.unwrap();
    let (mut pongs, mut acks) = (0, 0);
    while pongs < 100 || acks < 150 {
        match c.recv().await {
            ServerMsg::Pong {} => pongs += 1,
            m @ ServerMsg::Ack { .. } => {
                assert!(accepted(&m), "{m:?}");
                acks += 1;
            }
            ServerMsg::Job { .. } | ServerMsg::SetDifficulty { .. } => {}
            other => panic!("unexpected answer after {pongs} pongs and {acks} acks: {other:?}"),
        }
    }
    // Still connected and served.
    c.send(&ClientMsg::Ping {}).await;
    assert!(matches!(c.recv().await, ServerMsg::Pong {}));
    assert_eq!(r.ledger.shares().await.unwrap().len(), 150);
    r.stop().await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped_and_does_not_hold_up_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| {
        c.server.max_frames_per_sec = 1_000_000;
        c.server.write_timeout_secs = 1;
    })
    .await;
    r.publish(1, 60);
    // First peer: never reads. Once the socket buffers are full the server's writer waits on it; when a
    // frame has waited the write timeout the server drops it: a write fails and its slot is released.
    let mut stuck = connect_small_window(r.addr).await;
    let (sent, dropped) = send_without_reading(&mut stuck, Duration::from_secs(60)).await;
    assert!(dropped, "the server kept a peer that does not read ({sent} frames, then blocked for 60 s)");
    let mut released = false;
    for _ in 0..200 {
        if r.shared.stats.connections.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(released, "the non-reading peer's connection was not released");
    r.stop().await;

    // Second peer: writes until the server stops reading it (its answers fill the socket buffers and the
    // queue; a 60 s write timeout keeps it connected); the relayer shuts down while its writer waits.
    // `run` returns (a peer gets a bounded drain) instead of waiting for the peer to leave.
    let r = Relayer::start(&dir.path().join("l2.db"), |c| {
        c.server.max_frames_per_sec = 1_000_000;
        c.server.write_timeout_secs = 60;
    })
    .await;
    r.publish(1, 60);
    let mut stuck = connect_small_window(r.addr).await;
    let (more, dropped) = send_without_reading(&mut stuck, Duration::from_millis(500)).await;
    assert!(!dropped, "dropped after {more} frames, before the shutdown");
    let stopped = tokio::time::timeout(Duration::from_secs(30), r.stop()).await;
    assert!(stopped.is_ok(), "shutdown waited for a peer that does not read ({more} frames written)");
    drop(stuck);
}

#[tokio::test]
async fn the_stale_grace_runs_once_from_the_replacement_of_the_shares_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |c| c.server.stale_grace_secs = 1).await;
    r.publish(1, 60);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_a, ..) = c.job();
    let first = c.find(0, 4, 60);
    let second = c.find(first - c.job().3 + 1, 4, 60);
    r.publish(2, 60); // replaces challenge 1: its grace starts now
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(reason(&c.submit(&job_a, first).await), Some(RejectReason::Stale));
    // A later challenge does not give challenge 1 a new grace.
    r.publish(3, 60);
    assert_eq!(reason(&c.submit(&job_a, second).await), Some(RejectReason::Stale));
    assert!(r.ledger.shares().await.unwrap().is_empty());
    r.stop().await;
}

#[tokio::test]
async fn a_submit_before_auth_is_answered_and_counted_as_not_authorized() {
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    r.publish(1, 60);
    let mut c = Client::connect(r.addr).await;
    for id in 0..3 {
        let m = c.submit("1.1", id).await;
        assert_eq!(reason(&m), Some(RejectReason::NotAuthorized));
    }
    assert_eq!(r.shared.stats.rejected(RejectReason::NotAuthorized), 3);
    assert!(r.ledger.shares().await.unwrap().is_empty());
    r.stop().await;
}

/// The session runs without any socket: frames in over one channel, frames out over another
/// (`server::session_in_memory`). Hello, auth, job, a valid share (durably acked), a duplicate, a binary
/// frame, an over-long frame, then the end of input ends the session.
#[tokio::test]
async fn a_session_runs_with_no_transport_at_all() {
    use trez_relayer::server::{session_in_memory, Inbound, Outbound};
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start(&dir.path().join("l.db"), |_| {}).await;
    let t = r.publish(1, 200);
    let (tx, mut rx, task) = session_in_memory(r.shared.clone(), "127.0.0.1:9".parse().unwrap());
    let mut recv = async || match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.unwrap() {
        Some(Outbound::Text(t)) => Some(proto::decode_server(&t).unwrap()),
        Some(Outbound::Close) | None => None,
    };
    let Some(ServerMsg::Hello { server_nonce, .. }) = recv().await else { panic!("hello first") };
    let secret = [5u8; 32];
    let (wallet, signature) = proto::sign_auth(&secret, &POOL, &server_nonce, "rig");
    let auth = ClientMsg::Auth { wallet, worker: "rig".into(), client: "memory".into(), signature };
    tx.send(Inbound::Text(proto::encode(&auth))).await.unwrap();
    assert!(matches!(recv().await, Some(ServerMsg::Authorized { .. })));
    let Some(ServerMsg::Job { job_id, nonce_start, share_bits, .. }) = recv().await else { panic!("a job after auth") };
    let nonce = (nonce_start..)
        .find(|n| trez_pow::zero_bits(&trez_pow::digest(&t.challenge, &AUTHORITY.0, t.block_count, *n)) >= share_bits)
        .unwrap();
    // Signed by another key, or over another share: refused before the ledger.
    let sign = |key: &[u8; 32], n: u64, bits: u32| proto::ShareSigner::new(key).sign(&POOL, &t.challenge, t.block_count, n, bits);
    for (id, signature) in [(10, sign(&[6u8; 32], nonce, share_bits)), (11, sign(&secret, nonce + 1, share_bits)), (12, sign(&secret, nonce, share_bits + 1))] {
        tx.send(Inbound::Text(proto::encode(&ClientMsg::Submit { id, job_id: job_id.clone(), nonce, signature }))).await.unwrap();
        let ack = recv().await;
        assert!(matches!(ack, Some(ServerMsg::Ack { accepted: false, reason: Some(RejectReason::BadSignature), .. })), "{ack:?}");
    }
    assert_eq!(r.ledger.share_count().await.unwrap(), 0, "a badly signed share is not written");
    let signature = sign(&secret, nonce, share_bits);
    let submit = ClientMsg::Submit { id: 1, job_id: job_id.clone(), nonce, signature };
    tx.send(Inbound::Text(proto::encode(&submit))).await.unwrap();
    assert!(matches!(recv().await, Some(ServerMsg::Ack { id: 1, accepted: true, .. })));
    assert_eq!(r.ledger.share_count().await.unwrap(), 1, "acked only once durable");
    assert_eq!(r.ledger.shares().await.unwrap()[0].signature, Some(signature.0), "the signature is stored with the share");
    tx.send(Inbound::Text(proto::encode(&ClientMsg::Submit { id: 2, job_id, nonce, signature }))).await.unwrap();
    assert!(matches!(recv().await, Some(ServerMsg::Ack { id: 2, accepted: false, reason: Some(RejectReason::Duplicate), .. })));
    tx.send(Inbound::TooLarge("frame of 70000 bytes".into())).await.unwrap();
    assert!(matches!(recv().await, Some(ServerMsg::Error { code: ErrorCode::FrameTooLarge, .. })));
    drop(tx);
    while recv().await.is_some() {}
    tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    r.stop().await;
}

/// The issue-16 outage case at the miner's end: a relayer on PostgreSQL whose database stops answers every
/// share `unavailable` (nothing acked that is not durable) and keeps the miner connected; once the server is
/// back the same connection's shares are accepted again; the ledger holds exactly the acked shares.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_unavailable_keeps_the_miner_and_resumes() {
    use trez_relayer::ledger::postgres::{cluster::Cluster, Postgres};
    let Some(cluster) = tokio::task::spawn_blocking(Cluster::start_or_skip).await.unwrap() else { return };
    let url = cluster.create_database("outage").await.unwrap();
    let ledger: Arc<dyn Ledger> = Arc::new(Postgres::connect(&url, 4).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let r = Relayer::start_on(&dir.path().join("unused.db"), Some(ledger), |_| {}).await;
    r.publish(1, 200);
    let mut c = Client::connect(r.addr).await;
    c.auth().await;
    let (job_id, _, bits, _, _) = c.job();
    let mut from = 0;
    let mut next = |c: &Client| {
        let n = c.find(from, bits, 200);
        from = n - c.job().3 + 1;
        n
    };
    let mut acked = vec![];
    for _ in 0..3 {
        let n = next(&c);
        let ack = c.submit(&job_id, n).await;
        assert!(accepted(&ack), "{ack:?}");
        acked.push(n);
    }

    tokio::task::block_in_place(|| cluster.stop()).unwrap();
    let mut refused = 0;
    for _ in 0..3 {
        let ack = tokio::time::timeout(Duration::from_secs(30), c.submit(&job_id, next(&c))).await.expect("answered while the database is down");
        assert_eq!(reason(&ack), Some(RejectReason::Unavailable), "{ack:?}");
        refused += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    tokio::task::block_in_place(|| cluster.restart()).unwrap();

    // The same connection: shares are accepted again once the pool reconnects.
    let started = std::time::Instant::now();
    loop {
        let n = next(&c);
        let ack = c.submit(&job_id, n).await;
        if accepted(&ack) {
            acked.push(n);
            break;
        }
        assert_eq!(reason(&ack), Some(RejectReason::Unavailable), "{ack:?}");
        assert!(started.elapsed() < Duration::from_secs(30), "recording did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut stored: Vec<u64> = r.ledger.shares().await.unwrap().iter().map(|s| s.nonce).collect();
    stored.sort_unstable();
    acked.sort_unstable();
    assert_eq!(stored, acked, "the ledger holds exactly the acked shares ({refused} refused while down)");
    eprintln!("shares accepted again {} ms after the restart", started.elapsed().as_millis());
    r.stop().await;
}
