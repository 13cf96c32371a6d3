//! kill -9 safety. The relayer runs as its own process (`trez-relayer run`, RPC chain) against the embedded
//! chain served as JSON-RPC/PubSub by this test, under share load from three scripted miners. It is killed
//! with SIGKILL at least 20 times: at random moments (share batches), at a block found (mid-submission), just
//! after a block landed (mid-crediting) and just after a payout was sent (mid-payout), and restarted on the
//! same database each time. Then it is stopped with SIGTERM (graceful) under load, restarted to settle and pay
//! everything, and stopped with SIGTERM again; the test checks: every acked
//! share is in the ledger; no solution left pending; every round credited exactly once (the audit: on-chain
//! Round and Member `credited` equal the ledger's leaves); every payout recorded once and matching the
//! escrow's `transfer_checked`s (the audit again); on-chain totals equal the database's.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio_util::sync::CancellationToken;
mod common;

use common::{spawn_relayer, terminate, wait_line};
use trez_relayer::ledger::{RoundState, SolutionStatus};
use trez_relayer::chain::ChainClient;
use trez_relayer::config::LedgerConfig;
use trez_relayer::loadgen::Acked;
use trez_relayer::poolchain::PoolChain;

/// Network difficulty, bits (pinned: min = max). Shares are pinned at 8 bits, so one share in 2^5 is a block.
const NET_BITS: u32 = 13;
const KILLS: usize = 24;
const MINERS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// A random moment under share load.
    Shares,
    /// Right at a block-meeting share (the submitter starts on it).
    Submission,
    /// Just after a block landed (settlement starts on it).
    Crediting,
    /// Just after a payout transaction went out.
    Payout,
}

const PHASES: [(Phase, &str); 4] =
    [(Phase::Shares, ""), (Phase::Submission, "block found"), (Phase::Crediting, "block landed in escrow"), (Phase::Payout, "paying members")];

/// Owns the test's directory; keeps it (ledger, log, config) when the test fails, for a post-mortem.
struct KeepOnPanic(Option<tempfile::TempDir>);

impl Drop for KeepOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(d) = self.0.take() {
                eprintln!("kept the relayer's files in {}", d.keep().display());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing() {
    let w = common::world(NET_BITS).await;
    let (chain, addrs) = (w.chain.clone(), &w.addrs);

    // The relayer's files: keypair, configuration, ledger, log.
    let keep = KeepOnPanic(Some(tempfile::tempdir().unwrap()));
    let dir = keep.0.as_ref().unwrap();
    let keypair = w.write_keypair(dir.path());
    let port = common::free_port();
    let db = dir.path().join("ledger.db");
    let config = dir.path().join("relayer.toml");
    std::fs::write(&config, w.config(&keypair, port, 0, "", &format!("path = \"{}\"", db.display()))).unwrap();
    let log_path = dir.path().join("relayer.log");
    let log = Arc::new(Mutex::new(std::fs::File::create(&log_path).unwrap()));
    let url = format!("ws://127.0.0.1:{port}");

    // Scripted miners: reconnect whenever the relayer is gone; every accepted ack is remembered.
    let seen = Arc::new(common::MinerLog::default());
    let stop_miners = CancellationToken::new();
    let miners = common::spawn_miners(std::slice::from_ref(&url), MINERS, seen.clone(), stop_miners.clone(), "crash");

    // The kills.
    let mut rng = rand::thread_rng();
    let mut kills: BTreeMap<Phase, (usize, usize)> = BTreeMap::new(); // phase -> (tries, hit the moment)
    let started = Instant::now();
    for i in 0..KILLS {
        let mut r = spawn_relayer(&config, log.clone(), "");
        assert!(wait_line(&mut r, "serving miners", Duration::from_secs(60)).await, "relayer start {i}: see {}", log_path.display());
        let (phase, needle) = PHASES[i % PHASES.len()];
        let hit = match phase {
            Phase::Shares => {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1500))).await;
                true
            }
            _ => {
                let hit = wait_line(&mut r, needle, Duration::from_secs(8)).await;
                let delay = match phase {
                    Phase::Crediting => rng.gen_range(0..40),
                    Phase::Payout => rng.gen_range(0..15),
                    _ => 0,
                };
                tokio::time::sleep(Duration::from_millis(delay)).await;
                hit
            }
        };
        r.child.start_kill().unwrap(); // SIGKILL
        let status = r.child.wait().await.unwrap();
        assert!(!status.success(), "killed, not exited");
        let e = kills.entry(phase).or_default();
        e.0 += 1;
        e.1 += hit as usize;
    }
    let kill_secs = started.elapsed().as_secs_f64();

    // Graceful stop under load: SIGTERM while the miners submit and blocks are being found; the relayer
    // answers in-flight shares, flushes the ledger and exits 0 (the acked shares are checked with the rest).
    let mut r = spawn_relayer(&config, log.clone(), "");
    assert!(wait_line(&mut r, "serving miners", Duration::from_secs(60)).await);
    tokio::time::sleep(Duration::from_millis(rng.gen_range(1000..2500))).await;
    terminate(r, &log_path).await;

    // A last run resumes from there: mine a little more, stop the miners, let the on-chain loop settle and
    // pay everything.
    let mut r = spawn_relayer(&config, log.clone(), "");
    assert!(wait_line(&mut r, "serving miners", Duration::from_secs(60)).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop_miners.cancel();
    for m in miners {
        m.await.unwrap();
    }
    let view = PoolChain::observe(chain.clone() as Arc<dyn ChainClient>, addrs.pool.parse().unwrap()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let p = view.pool_account().await.unwrap();
        if p.rounds > 0 && p.credited + p.fees_accrued == p.received && p.paid == p.credited {
            break;
        }
        assert!(Instant::now() < deadline, "the pool did not settle: {p:?}; see {}", log_path.display());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A payout sent just before a kill can land after the next run started; the running relayer imports it
    // at its next pass. Wait (read-only) until the ledger accounts for everything paid on-chain.
    let paid_onchain = view.pool_account().await.unwrap().paid;
    let ro = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let recorded: i64 = ro.query_row("SELECT COALESCE(SUM(amount), 0) FROM payouts", [], |r| r.get(0)).unwrap();
        if recorded as u64 == paid_onchain {
            break;
        }
        assert!(Instant::now() < deadline, "the ledger records {recorded} paid, the chain {paid_onchain}; see {}", log_path.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(ro);
    // Graceful stop of the idle pool.
    terminate(r, &log_path).await;

    // The database against the miners' acks and the chain.
    let ledger = trez_relayer::ledger::open(&LedgerConfig { path: db.clone(), ..Default::default() }).unwrap();
    let in_ledger: HashSet<([u8; 32], u64)> = ledger.shares().await.unwrap().iter().map(|s| (s.challenge, s.nonce)).collect();
    let acked = seen.acked.lock().unwrap().clone();
    let missing: Vec<&Acked> = acked.iter().filter(|a| !in_ledger.contains(&(a.challenge, a.nonce))).collect();
    assert!(missing.is_empty(), "{} acked shares are not in the ledger, e.g. {:?}", missing.len(), missing.first());

    let solutions = ledger.all_solutions().await.unwrap();
    assert!(solutions.iter().all(|s| s.status != SolutionStatus::Pending), "a solution was left pending");
    let confirmed = solutions.iter().filter(|s| s.status == SolutionStatus::Confirmed).count();
    let lost = solutions.len() - confirmed;
    let rounds = ledger.rounds().await.unwrap();
    assert_eq!(rounds.len(), confirmed, "one round per landed solution");
    assert!(rounds.iter().all(|r| r.status == RoundState::Credited), "every round credited");

    let pool = view.pool_account().await.unwrap();
    assert_eq!(pool.rounds as usize, rounds.len(), "on-chain rounds = database rounds");
    let distributable: u64 = rounds.iter().map(|r| r.reward - r.fee).sum();
    assert_eq!(pool.credited, distributable, "on-chain credited = Σ database rounds (none credited twice or missed)");
    let payouts = ledger.payouts().await.unwrap();
    let paid: u64 = payouts.iter().map(|p| p.amount).sum();
    assert_eq!(pool.paid, paid, "on-chain paid = Σ database payouts (none paid twice or unrecorded)");
    assert_eq!(pool.paid, pool.credited, "everything credited was paid");

    // The audit: per round and per member, against the escrow's transfer_checked history.
    let record = trez_relayer::export::export(&*ledger, &view.pool).await.unwrap();
    let report = trez_relayer::audit::audit(&view, &record).await.unwrap();
    assert!(report.ok, "audit after the kills: {:?} {:?}", report.problems, report.rounds.iter().filter(|r| !r.ok).collect::<Vec<_>>());

    let payout_txs = payouts.iter().map(|p| &p.signature).collect::<HashSet<_>>().len();
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    let reconciled = log_text.lines().filter(|l| l.contains("recorded landed transfers to members the ledger was missing")).count();
    let resumed = log_text.lines().filter(|l| l.contains("block landed in escrow")).count();
    eprintln!(
        "kill -9: {} kills in {:.0} s (by phase, tries/at the moment: {:?}); shares acked {}, in the ledger {}; \
         blocks landed {}, lost {}; rounds credited {}; payout transactions {}, transfers {}; rejects {:?}; \
         audit: {} transfer_checked matched; imports of payouts that landed unrecorded: {}; \
         \"block landed\" lines: {}",
        KILLS,
        kill_secs,
        kills,
        acked.len(),
        in_ledger.len(),
        confirmed,
        lost,
        rounds.len(),
        payout_txs,
        payouts.len(),
        seen.rejected.lock().unwrap(),
        report.transfers_checked,
        reconciled,
        resumed,
    );
    assert!(kills.values().map(|k| k.0).sum::<usize>() >= 20);
    for (phase, (tries, hit)) in &kills {
        assert!(*hit >= 1, "no kill landed at the {phase:?} moment in {tries} tries; see {}", log_path.display());
    }
    assert!(acked.len() > 100 && confirmed >= 5, "enough load to mean something");
}
