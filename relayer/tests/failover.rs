//! Failover under load (README, "Scaling out"). Three relayer processes (`trez-relayer run`, RPC chain)
//! share one PostgreSQL ledger (a throwaway cluster) and the pool, against the embedded chain served as
//! JSON-RPC/PubSub; scripted miners spread over them and move to the next relayer when theirs goes. The
//! leader is killed with SIGKILL at least 12 times — at random moments, just after a block landed
//! (mid-crediting) and just after a payout went out (mid-payout) — and restarted each time; after each kill
//! the test measures how long until another relayer's `/api/pool` says it leads. Then the leader is frozen
//! (SIGSTOP: its connections stay open, as when a machine vanishes without closing them) 2 times: another
//! relayer must lead once the frozen one's heartbeat is stale (`STALE_LEASE_MS`), and the frozen one, resumed
//! (SIGCONT) mid-whatever-it-was-doing, must stand down and double nothing. At the end: every acked
//! share is in the ledger once, no solution is left pending, every landed solution is one round credited
//! exactly once, on-chain credited and paid equal the ledger, and the audit passes. It prints the figures.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{spawn_relayer, terminate, wait_line};
use rand::Rng;
use tokio_util::sync::CancellationToken;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::LedgerConfig;
use trez_relayer::ledger::postgres::cluster::Cluster;
use trez_relayer::ledger::{RoundState, SolutionStatus};
use trez_relayer::poolchain::PoolChain;

const NET_BITS: u32 = 13;
const RELAYERS: usize = 3;
const KILLS: usize = 12;
const FREEZES: usize = 2;
const MINERS: usize = 3;

/// Whether the relayer whose API listens on `api` says it leads (false when it does not answer).
async fn leads(api: u16) -> bool {
    let client = reqwest::Client::builder().timeout(Duration::from_millis(800)).build().unwrap();
    let Ok(r) = client.get(format!("http://127.0.0.1:{api}/api/pool")).send().await else { return false };
    let Ok(v) = r.json::<serde_json::Value>().await else { return false };
    v["leader"].as_bool().unwrap_or(false)
}

/// The index of the relayer that leads, waiting up to `timeout`; panics if two lead at once.
async fn leader(apis: &[u16], alive: &[bool], timeout: Duration) -> Option<usize> {
    let deadline = Instant::now() + timeout;
    loop {
        let mut leading = vec![];
        for (i, api) in apis.iter().enumerate() {
            if alive[i] && leads(*api).await {
                leading.push(i);
            }
        }
        assert!(leading.len() <= 1, "two relayers lead at once: {leading:?}");
        if let Some(&i) = leading.first() {
            return Some(i);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_again_and_again_loses_and_doubles_nothing() {
    let Some(cluster) = tokio::task::spawn_blocking(Cluster::start_or_skip).await.unwrap() else { return };
    let pg_url = cluster.create_database("failover").await.unwrap();
    let w = common::world(NET_BITS).await;
    let dir = tempfile::tempdir().unwrap();
    let keypair = w.write_keypair(dir.path());
    let (ports, apis): (Vec<u16>, Vec<u16>) = (0..RELAYERS).map(|_| (common::free_port(), common::free_port())).unzip();
    let configs: Vec<std::path::PathBuf> = (0..RELAYERS)
        .map(|i| {
            let path = dir.path().join(format!("relayer-{i}.toml"));
            std::fs::write(&path, w.config(&keypair, ports[i], apis[i], &format!("relayer_index = {i}"), &format!("url = \"{pg_url}\""))).unwrap();
            path
        })
        .collect();
    // Outside the temp dir (which a failing run removes): target/tmp/failover-relayers.log, kept for reading.
    let log_path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("failover-relayers.log");
    let log = Arc::new(Mutex::new(std::fs::File::create(&log_path).unwrap()));
    let mut relayers: Vec<Option<common::Relayer>> = vec![];
    for (i, c) in configs.iter().enumerate() {
        let mut r = spawn_relayer(c, log.clone(), &format!("[{i}] "));
        assert!(wait_line(&mut r, "serving miners", Duration::from_secs(60)).await, "relayer {i} start; see {}", log_path.display());
        relayers.push(Some(r));
    }

    // Every relayer sees the three, and they agree on one leader.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut views = vec![];
        for api in &apis {
            let v: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{api}/api/pool")).await.unwrap().json().await.unwrap();
            views.push((v["relayers_live"].as_u64(), v["leader_id"].as_str().map(str::to_string), v["ledger_backend"].as_str().map(str::to_string)));
        }
        if views.iter().all(|v| v.0 == Some(RELAYERS as u64) && v.1.is_some() && v.1 == views[0].1 && v.2.as_deref() == Some("postgres")) {
            break;
        }
        assert!(Instant::now() < deadline, "the relayers do not agree on who is live and who leads: {views:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Scripted miners, one per relayer to start with; each moves to the next relayer when its own goes.
    let urls: Vec<String> = ports.iter().map(|p| format!("ws://127.0.0.1:{p}")).collect();
    let seen = Arc::new(common::MinerLog::default());
    let stop_miners = CancellationToken::new();
    let miners = common::spawn_miners(&urls, MINERS, seen.clone(), stop_miners.clone(), "failover");

    // The kills: always the leader, at a random moment, mid-crediting or mid-payout.
    let phases = [("", "random moment"), ("block landed in escrow", "mid-crediting"), ("paying members", "mid-payout")];
    let mut rng = rand::thread_rng();
    let mut alive = vec![true; RELAYERS];
    let mut takeovers: Vec<Duration> = vec![];
    let mut by_phase: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let started = Instant::now();
    for k in 0..KILLS {
        let l = leader(&apis, &alive, Duration::from_secs(30)).await.unwrap_or_else(|| panic!("no leader before kill {k}; see {}", log_path.display()));
        let (needle, phase) = phases[k % phases.len()];
        let r = relayers[l].as_mut().unwrap();
        while r.lines.try_recv().is_ok() {}
        let hit = if needle.is_empty() {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1500))).await;
            true
        } else {
            let hit = wait_line(r, needle, Duration::from_secs(8)).await;
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await;
            hit
        };
        let mut r = relayers[l].take().unwrap();
        r.child.start_kill().unwrap(); // SIGKILL
        let _ = r.child.wait().await;
        let killed_at = Instant::now();
        alive[l] = false;
        let next = leader(&apis, &alive, Duration::from_secs(30)).await.unwrap_or_else(|| panic!("nobody took over after kill {k}; see {}", log_path.display()));
        assert_ne!(next, l);
        takeovers.push(killed_at.elapsed());
        let e = by_phase.entry(phase).or_default();
        e.0 += 1;
        e.1 += hit as usize;
        // The killed relayer comes back (as a follower).
        let mut back = spawn_relayer(&configs[l], log.clone(), &format!("[{l}] "));
        assert!(wait_line(&mut back, "serving miners", Duration::from_secs(60)).await, "restart of relayer {l}; see {}", log_path.display());
        relayers[l] = Some(back);
        alive[l] = true;
    }
    let kill_secs = started.elapsed().as_secs_f64();

    // The freezes: the leader stops (SIGSTOP) with its database sessions open; another relayer must lead once
    // the frozen one's heartbeat is stale; resumed, the old leader must say it no longer leads.
    let mut freeze_takeovers: Vec<Duration> = vec![];
    for f in 0..FREEZES {
        let l = leader(&apis, &alive, Duration::from_secs(30)).await.unwrap_or_else(|| panic!("no leader before freeze {f}; see {}", log_path.display()));
        let r = relayers[l].as_mut().unwrap();
        while r.lines.try_recv().is_ok() {}
        // The second freeze lands just after a block landed, so the frozen leader is mid-crediting.
        if f % 2 == 1 {
            wait_line(r, "block landed in escrow", Duration::from_secs(8)).await;
        }
        let pid = r.child.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
        let frozen_at = Instant::now();
        alive[l] = false;
        let next = leader(&apis, &alive, Duration::from_secs(60)).await.unwrap_or_else(|| panic!("nobody took over from frozen relayer {l}; see {}", log_path.display()));
        assert_ne!(next, l);
        freeze_takeovers.push(frozen_at.elapsed());
        assert!(std::process::Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(30);
        while leads(apis[l]).await {
            assert!(Instant::now() < deadline, "the resumed relayer {l} still says it leads; see {}", log_path.display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        alive[l] = true;
        // The new leader still leads, alone.
        assert_eq!(leader(&apis, &alive, Duration::from_secs(10)).await, Some(next));
    }

    // Stop mining; the leader settles and pays everything.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop_miners.cancel();
    for m in miners {
        m.await.unwrap();
    }
    let view = PoolChain::observe(w.chain.clone() as Arc<dyn ChainClient>, w.addrs.pool.parse().unwrap()).await.unwrap();
    let ledger = trez_relayer::ledger::connect(&LedgerConfig { url: Some(pg_url.clone()), ..Default::default() }).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let p = view.pool_account().await.unwrap();
        let pending = ledger.solutions(SolutionStatus::Pending).await.unwrap().len();
        let recorded = ledger.payout_total().await.unwrap();
        if pending == 0 && p.rounds > 0 && p.credited + p.fees_accrued == p.received && p.paid == p.credited && recorded == p.paid {
            break;
        }
        assert!(Instant::now() < deadline, "the pool did not settle: {p:?}, {pending} pending, {recorded} recorded paid; see {}", log_path.display());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    for r in relayers.into_iter().flatten() {
        terminate(r, &log_path).await;
    }

    let shares = ledger.shares().await.unwrap();
    let in_ledger: HashSet<([u8; 32], u64)> = shares.iter().map(|s| (s.challenge, s.nonce)).collect();
    assert_eq!(in_ledger.len(), shares.len(), "a (challenge, nonce) is in the ledger once");
    let acked = seen.acked.lock().unwrap().clone();
    let missing = acked.iter().filter(|a| !in_ledger.contains(&(a.challenge, a.nonce))).count();
    assert_eq!(missing, 0, "acked shares missing from the ledger");
    let acked_keys: HashSet<([u8; 32], u64)> = acked.iter().map(|a| (a.challenge, a.nonce)).collect();
    assert_eq!(acked_keys.len(), acked.len(), "no nonce was accepted twice");
    let solutions = ledger.all_solutions().await.unwrap();
    let confirmed = solutions.iter().filter(|s| s.status == SolutionStatus::Confirmed).count();
    let rounds = ledger.rounds().await.unwrap();
    assert_eq!(rounds.len(), confirmed, "one round per landed solution");
    assert!(rounds.iter().all(|r| r.status == RoundState::Credited));
    let pool = view.pool_account().await.unwrap();
    assert_eq!((pool.rounds as usize, pool.credited_rounds as usize), (rounds.len(), rounds.len()));
    assert_eq!(pool.credited, rounds.iter().map(|r| r.reward - r.fee).sum::<u64>(), "credited exactly once");
    let payouts = ledger.payouts().await.unwrap();
    assert_eq!(pool.paid, payouts.iter().map(|p| p.amount).sum::<u64>(), "paid = Σ ledger payouts");
    let record = trez_relayer::export::export(&*ledger, &view.pool).await.unwrap();
    let report = trez_relayer::audit::audit(&view, &record).await.unwrap();
    assert!(report.ok, "{:?} {:?}", report.problems, report.rounds.iter().filter(|r| !r.ok).collect::<Vec<_>>());

    let mut t: Vec<u128> = takeovers.iter().map(|d| d.as_millis()).collect();
    t.sort();
    let ft: Vec<u128> = freeze_takeovers.iter().map(|d| d.as_millis()).collect();
    let mut lost_by: BTreeMap<String, usize> = BTreeMap::new();
    for s in solutions.iter().filter(|s| s.status == SolutionStatus::Lost) {
        *lost_by.entry(s.reason.clone().unwrap_or_default().chars().take(48).collect()).or_default() += 1;
    }
    eprintln!(
        "failover: {} leader kills in {kill_secs:.0} s (by moment, tries/hit: {by_phase:?}); takeovers {}, takeover time p50 {} ms, max {} ms; \
         {FREEZES} leader freezes, taken over after {ft:?} ms; \
         shares acked {}, in the ledger {}; blocks landed {}, lost {} {lost_by:?}; rounds credited {}; payout transfers {}",
        KILLS,
        takeovers.len(),
        t[t.len() / 2],
        t[t.len() - 1],
        acked.len(),
        shares.len(),
        confirmed,
        solutions.len() - confirmed,
        rounds.len(),
        payouts.len()
    );
    assert_eq!(takeovers.len(), KILLS);
    assert!(acked.len() > 100 && confirmed >= 5, "enough load to mean something");
    drop(cluster);
}
