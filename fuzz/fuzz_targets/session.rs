//! The relayer's session state machine on sequences of frames (`trez_relayer::server::session_in_memory`:
//! the real session, ledger and vardiff, no socket). The input is split into frames at 0xFF bytes; a frame
//! that is UTF-8 is sent as text, with placeholders the harness fills so the fuzzer reaches deep states:
//! `$AUTH` (a valid auth for this session's nonce), `$JOB` (the current job id), `$NONCE` (a nonce of the
//! current job meeting its share difficulty), `$LOW` (one that does not), `$SIG` / `$SIGLOW` (the wallet's
//! share signature over that nonce); other frames are sent as binary.
//!
//! Checks: nothing panics; every server message decodes; the session ends when the input does; every
//! share in the ledger meets its difficulty for its challenge with the pool authority as miner key, and no
//! (challenge, nonce) is in it twice; every accepted ack has its durable share; acks only answer submits.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use trez_protocol::{self as proto, ClientMsg, Hex32, Key, ServerMsg};
use trez_relayer::config::{Config, LedgerConfig};
use trez_relayer::jobs::{JobSource, Template};
use trez_relayer::server::{session_in_memory, Inbound, Outbound, Shared};

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime"));

const SECRET: [u8; 32] = [7; 32];
const AUTHORITY: [u8; 32] = [9; 32];

struct Job {
    id: String,
    challenge: [u8; 32],
    block_count: u64,
    bits: u32,
    start: u64,
    end: u64,
}

fn nonce(job: &Job, meets: bool) -> u64 {
    let mid = trez_pow::Midstate::new(&job.challenge, &AUTHORITY, job.block_count);
    (job.start..job.end.min(job.start + 1_000_000))
        .find(|n| trez_pow::meets_difficulty(&mid.digest(*n), job.bits) == meets)
        .unwrap_or(job.start)
}

async fn run(data: &[u8]) {
    let mut config = Config::default();
    config.vardiff.initial_bits = 4;
    config.vardiff.min_bits = 4;
    config.vardiff.max_bits = 12;
    config.ledger = LedgerConfig { path: ":memory:".into(), fsync: false, ..LedgerConfig::default() };
    let ledger = trez_relayer::ledger::open(&config.ledger).expect("in-memory ledger");
    let jobs = JobSource::new();
    jobs.publish(Template { challenge: [3; 32], block_count: 5, network_bits: 10, miner_key: AUTHORITY });
    let (sol_tx, _sol_rx) = tokio::sync::mpsc::channel(1024);
    let shared = Shared::new(config, Key([1; 32]), Key(AUTHORITY), jobs.clone(), ledger.clone(), sol_tx, &[7; 32]);
    let (tx, mut rx, task) = session_in_memory(shared, "127.0.0.1:1".parse().expect("addr"));

    let mut server_nonce = Hex32([0; 32]);
    let mut pool = Key([0; 32]);
    let mut job: Option<Job> = None;
    let mut submits_sent = 0u64;
    let mut accepted = 0u64;
    // Every accepted ack's receipt, with the relayer key `hello` announced (checked against the ledger at the end).
    let receipts = std::cell::RefCell::new(Vec::<(proto::AckReceipt, Key)>::new());
    let relayer = std::cell::Cell::new(Key([0; 32]));
    let handle = |m: Outbound, job: &mut Option<Job>, server_nonce: &mut Hex32, pool: &mut Key, accepted: &mut u64| {
        let Outbound::Text(t) = m else { return };
        let msg = proto::decode_server(&t).expect("every server message decodes");
        match msg {
            ServerMsg::Hello { server_nonce: n, pool: p, relayer: r, .. } => {
                *server_nonce = n;
                *pool = p;
                relayer.set(r);
            }
            ServerMsg::Job { job_id, challenge, block_count, share_bits, nonce_start, nonce_end, .. } => {
                *job = Some(Job { id: job_id, challenge: challenge.0, block_count, bits: share_bits, start: nonce_start, end: nonce_end })
            }
            ServerMsg::Ack { accepted: true, receipt, .. } => {
                *accepted += 1;
                receipts.borrow_mut().push((receipt.expect("an accepted ack carries a receipt"), relayer.get()));
            }
            ServerMsg::Ack { accepted: false, receipt, .. } => assert!(receipt.is_none(), "a refused share got a receipt"),
            _ => {}
        }
    };
    // The hello comes first.
    if let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        handle(m, &mut job, &mut server_nonce, &mut pool, &mut accepted);
    }
    for (i, frame) in data.split(|b| *b == 0xFF).take(48).enumerate() {
        let msg = match std::str::from_utf8(frame) {
            Ok(text) => {
                let mut text = text.to_string();
                if text.contains("$AUTH") {
                    let (wallet, signature) = proto::sign_auth(&SECRET, &pool, &server_nonce, "rig");
                    let auth = ClientMsg::Auth { wallet, worker: "rig".into(), client: "fuzz".into(), signature };
                    text = text.replace("$AUTH", &proto::encode(&auth));
                }
                if let Some(j) = &job {
                    text = text.replace("$JOB", &j.id);
                    let sign = |n: u64| {
                        let sig = proto::ShareSigner::new(&SECRET).sign(&pool, &j.challenge, j.block_count, n, j.bits);
                        serde_json::to_string(&sig).expect("a signature encodes").trim_matches('"').to_string()
                    };
                    if text.contains("$SIGLOW") {
                        text = text.replace("$SIGLOW", &sign(nonce(j, false)));
                    }
                    if text.contains("$SIG") {
                        text = text.replace("$SIG", &sign(nonce(j, true)));
                    }
                    if text.contains("$NONCE") {
                        text = text.replace("$NONCE", &nonce(j, true).to_string());
                    }
                    if text.contains("$LOW") {
                        text = text.replace("$LOW", &nonce(j, false).to_string());
                    }
                }
                if text.contains("\"submit\"") {
                    submits_sent += 1;
                }
                Inbound::Text(text)
            }
            Err(_) => Inbound::Binary,
        };
        if tx.send(msg).await.is_err() {
            break;
        }
        if i % 8 == 7 {
            // Now and then a new challenge (clean jobs, stale shares).
            jobs.publish(Template { challenge: [i as u8; 32], block_count: 5 + i as u64, network_bits: 10, miner_key: AUTHORITY });
        }
        // Let the session answer (acks wait for the ledger thread).
        while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(3), rx.recv()).await {
            handle(m, &mut job, &mut server_nonce, &mut pool, &mut accepted);
        }
    }
    drop(tx);
    // The session must end once its input does.
    let drained = async {
        while let Some(m) = rx.recv().await {
            handle(m, &mut job, &mut server_nonce, &mut pool, &mut accepted);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), drained).await.expect("the session ends after its input");
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("session task ends").expect("session task did not panic");

    assert!(accepted <= submits_sent, "{accepted} accepted acks for {submits_sent} submits");
    let shares = ledger.shares().await.expect("ledger readable");
    assert!(shares.len() as u64 >= accepted, "an accepted ack without a durable share");
    let mut seen = std::collections::HashSet::new();
    for s in &shares {
        let d = trez_pow::digest(&s.challenge, &AUTHORITY, s.block_count, s.nonce);
        assert!(trez_pow::meets_difficulty(&d, s.bits), "a share below its difficulty was accepted");
        assert!(seen.insert((s.challenge, s.nonce)), "a share was accepted twice");
    }
    // Each receipt names a durable share by its seq and verifies over that share's fields.
    for (a, relayer) in receipts.borrow().iter() {
        let s = shares.iter().find(|s| s.seq as u64 == a.seq).expect("a receipt's seq is a ledger share");
        let fields = proto::ReceiptFields {
            pool,
            wallet: Key(s.wallet),
            challenge: Hex32(s.challenge),
            block_count: s.block_count,
            nonce: s.nonce,
            share_bits: s.bits,
            seq: a.seq,
            time_ms: a.time_ms,
        };
        assert!(proto::Receipt { fields, relayer: *relayer, signature: a.signature }.verify(), "a receipt does not verify");
    }
}

fuzz_target!(|data: &[u8]| {
    RT.block_on(run(data));
});
