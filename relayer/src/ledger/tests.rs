//! One ledger suite, two backends: every test here runs against SQLite (a temporary file) and against
//! PostgreSQL (a fresh database in a throwaway cluster this test binary starts once, [`postgres::cluster`]).
//! Where PostgreSQL's server binaries are missing the PostgreSQL half is skipped with a message, unless
//! `TREZ_REQUIRE_POSTGRES=1` (the README test command sets it), which makes it a failure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use super::postgres::{cluster::Cluster, Postgres};
use super::sqlite::Sqlite;
use super::types::*;
use super::*;

/// A ledger under test, a second handle on the same database (another relayer), and raw SQL access.
struct Under {
    ledger: Arc<dyn Ledger>,
    second: Arc<dyn Ledger>,
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

enum Raw {
    Sqlite(Arc<Sqlite>),
    Postgres(Arc<Postgres>),
}

impl Under {
    async fn exec(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(s) => s.execute_raw(sql).await.unwrap(),
            Raw::Postgres(p) => p.execute_raw(sql).await.unwrap(),
        }
    }

    /// A byte-string literal in the backend's SQL.
    fn blob(&self, hex: &str) -> String {
        match self.raw {
            Raw::Sqlite(_) => format!("x'{hex}'"),
            Raw::Postgres(_) => format!("'\\x{hex}'::bytea"),
        }
    }
}

async fn sqlite() -> Under {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false, retention_days: 0, url: None };
    let first = Arc::new(Sqlite::open(&cfg).unwrap());
    let second: Arc<dyn Ledger> = Arc::new(Sqlite::open(&cfg).unwrap());
    Under { ledger: first.clone(), second, raw: Raw::Sqlite(first), _dir: Some(dir) }
}

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();

/// The test binary's cluster (started on first use), or None when PostgreSQL is not installed and not
/// required.
pub(crate) fn cluster() -> Option<&'static Cluster> {
    CLUSTER.get_or_init(Cluster::start_or_skip).as_ref()
}

/// A fresh database in the test binary's cluster, as a URL.
pub(crate) async fn fresh_database() -> Option<String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let c = tokio::task::spawn_blocking(cluster).await.unwrap()?;
    let name = format!("t{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    Some(c.create_database(&name).await.unwrap())
}

async fn postgres() -> Option<Under> {
    let url = fresh_database().await?;
    let first = Arc::new(Postgres::connect(&url, 8).await.unwrap());
    let second: Arc<dyn Ledger> = Arc::new(Postgres::connect(&url, 8).await.unwrap());
    Some(Under { ledger: first.clone(), second, raw: Raw::Postgres(first), _dir: None })
}

/// `#[tokio::test]`s named `<test>::sqlite` and `<test>::postgres` for an `async fn <test>(Under)`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(u) = super::postgres().await {
                    super::$name(u).await
                }
            }
        }
    )*};
}

mod dashboard;

both!(
    corrupt_values_are_errors_naming_the_row_never_defaults,
    recent_work_is_per_covered_second,
    share_series_buckets_by_time_and_wallet,
    pruning_keeps_the_published_record_and_unsettled_windows,
    a_nonce_is_accepted_once_across_relayers,
    solutions_rounds_and_payouts_keep_their_rules,
);

/// The row of round 3 (network difficulty 4 bits) computed from `leaves`, ending at share `seq`.
fn computed_round(solution_id: i64, seq: i64, pplns_factor: u64, reward: u64, fee: u64, leaves: &[crate::pplns::Leaf]) -> RoundRow {
    RoundRow {
        block_count: 3,
        solution_id,
        share_seq: seq,
        network_bits: 4,
        pplns_factor,
        reward,
        fee,
        leaves_root: crate::pplns::merkle_root(leaves),
        leaf_count: leaves.len() as u32,
        status: RoundState::Computed,
        // Non-zero, so the column's round trip is checked wherever a stored row is compared with its read.
        bonus: reward / 10,
    }
}

fn share(nonce: u64) -> NewShare {
    NewShare { wallet: [1; 32], worker: "rig".into(), challenge: [2; 32], block_count: 3, nonce, bits: 4, zero_bits: 5, block: false, signature: [nonce as u8; 64] }
}

/// A value the database cannot decode is an error that names its row and column, never a default (a zero
/// weight, an empty key, a payout kind it is not).
async fn corrupt_values_are_errors_naming_the_row_never_defaults(u: Under) {
    let ledger = &u.ledger;
    for n in 0..3 {
        assert!(matches!(ledger.record(share(n)).await.unwrap(), Recorded::Accepted { .. }));
    }
    ledger.record_payouts("sig-a".into(), PayoutKind::Claim, vec![([1; 32], 7)]).await.unwrap();
    assert_eq!(ledger.payouts().await.unwrap()[0].kind, PayoutKind::Claim);
    let stored = ledger.shares().await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(stored.iter().all(|s| s.signature == Some([s.nonce as u8; 64])), "each share keeps its signature");

    u.exec("UPDATE payouts SET kind = 'refund'").await;
    let e = ledger.payouts().await.unwrap_err().to_string();
    assert!(e.contains("corrupt ledger row") && e.contains("kind") && e.contains("refund") && e.contains("sig-a"), "{e}");

    // (`shares` has a CHECK on key lengths; `payouts` relies on the decoder.)
    u.exec(&format!("UPDATE payouts SET kind = 'claim', wallet = {}", u.blob("0102"))).await;
    let e = ledger.payouts().await.unwrap_err().to_string();
    assert!(e.contains("column wallet") && e.contains("2 bytes where 32"), "{e}");

    // Weights are decimal text (u128); one that does not parse is not read as 0.
    u.exec(&format!(
        "INSERT INTO solutions (share_seq, wallet, challenge, block_count, nonce, status, created_ms, updated_ms)
           SELECT seq, wallet, challenge, block_count, nonce, 'confirmed', 0, 0 FROM shares WHERE nonce = 0;
         INSERT INTO rounds (block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee,
                             leaves_root, leaf_count, created_ms)
           VALUES (3, (SELECT id FROM solutions), 1, 8, 2, 100, 0, {}, 1, 0);
         INSERT INTO round_leaves (block_count, idx, wallet, weight, shares, amount)
           VALUES (3, 0, {}, '12x', 1, 100);",
        u.blob(&"00".repeat(32)),
        u.blob(&"01".repeat(32))
    ))
    .await;
    let e = ledger.round(3).await.unwrap_err().to_string();
    assert!(e.contains("column weight") && e.contains("\"12x\""), "{e}");
}

/// A wallet's hashrate is its recent work over the span its shares cover, not over the whole window.
async fn recent_work_is_per_covered_second(u: Under) {
    for n in 0..10 {
        u.ledger.record(share(n)).await.unwrap();
    }
    let act = u.ledger.miner_activity([1; 32], 600).await.unwrap();
    assert_eq!(act.recent_work, 10.0 * 16.0);
    assert!((1.0..60.0).contains(&act.recent_secs), "{}", act.recent_secs);
    assert_eq!((act.shares, act.workers.clone()), (10, vec!["rig".to_string()]));
    let idle = u.ledger.miner_activity([9; 32], 600).await.unwrap();
    assert_eq!((idle.recent_work, idle.recent_secs), (0.0, 600.0));
    let (work, wallets) = u.ledger.recent_work(600).await.unwrap();
    assert!(work > 0.0 && work <= 160.0, "{work}");
    assert_eq!(wallets, 1);
}

/// The dashboard's series: shares grouped into time buckets (multiples of the bucket), per wallet or pool-wide,
/// with Σ 2^bits as work; nothing before `since`.
async fn share_series_buckets_by_time_and_wallet(u: Under) {
    for n in 0..5 {
        u.ledger.record(share(n)).await.unwrap();
    }
    for n in 5..8 {
        u.ledger.record(NewShare { wallet: [2; 32], bits: 6, ..share(n) }).await.unwrap();
    }
    let hour = 3_600_000;
    let since = now_ms() - hour;
    let pool = u.ledger.share_series(None, since - since % 60_000, 60_000).await.unwrap();
    assert!(!pool.is_empty() && pool.iter().all(|p| p.t_ms % 60_000 == 0));
    assert_eq!(pool.iter().map(|p| p.shares).sum::<u64>(), 8);
    assert_eq!(pool.iter().map(|p| p.work).sum::<f64>(), 5.0 * 16.0 + 3.0 * 64.0);
    let two = u.ledger.share_series(Some([2; 32]), since, 60_000).await.unwrap();
    assert_eq!((two.iter().map(|p| p.shares).sum::<u64>(), two.iter().map(|p| p.work).sum::<f64>()), (3, 192.0));
    assert!(u.ledger.share_series(Some([9; 32]), since, 60_000).await.unwrap().is_empty());
    assert!(u.ledger.share_series(None, now_ms() + hour, 60_000).await.unwrap().is_empty(), "nothing after now");
}

/// Retention deletes old shares that no window holds, and keeps window shares, solution shares, and
/// everything while a solution's window is not cut yet.
async fn pruning_keeps_the_published_record_and_unsettled_windows(u: Under) {
    let ledger = &u.ledger;
    for n in 0..6 {
        ledger.record(share(n)).await.unwrap();
    }
    let block = NewShare { block: true, ..share(6) };
    let Recorded::Accepted { seq, solution: Some(sid) } = ledger.record(block).await.unwrap() else { panic!("a solution") };
    let future = now_ms() + 1_000;
    // A pending solution: its window may reach any share, so nothing goes.
    assert_eq!(ledger.prune_shares(future).await.unwrap(), 0);
    ledger.set_solution(sid, SolutionStatus::Confirmed, None, None).await.unwrap();
    assert_eq!(ledger.prune_shares(future).await.unwrap(), 0, "confirmed but no round stored yet");
    // The round stores a window of the block share and the two before it.
    let window = ledger.window(seq, 3 * 16).await.unwrap();
    assert_eq!(window.iter().map(|w| w.share.seq).collect::<Vec<_>>(), vec![seq, seq - 1, seq - 2]);
    let leaves = crate::pplns::leaves(&window, 90).unwrap();
    let row = computed_round(sid, seq, 3, 100, 10, &leaves);
    assert!(ledger.store_round(row.clone(), leaves.clone(), window.clone()).await.unwrap());
    assert!(!ledger.store_round(row.clone(), leaves.clone(), window.clone()).await.unwrap(), "a second store keeps the first");
    assert!(!u.second.store_round(row.clone(), vec![], vec![]).await.unwrap(), "so does another relayer's");
    assert_eq!(ledger.round(3).await.unwrap().unwrap(), (row, leaves));
    // Nothing is older than the cutoff yet.
    assert_eq!(ledger.prune_shares(0).await.unwrap(), 0);
    // Past the cutoff: the 4 shares outside the window go; the window (with the block share) stays.
    assert_eq!(ledger.prune_shares(future).await.unwrap(), 4);
    let left: Vec<i64> = ledger.shares().await.unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(left, vec![seq - 2, seq - 1, seq]);
    assert_eq!(ledger.round_window(3).await.unwrap().len(), 3, "the published window is whole");
}

/// The same (challenge, nonce) sent through two relayers at once is accepted by exactly one; a block share
/// makes exactly one solution; different nonces all land, in one sequence order both relayers see.
async fn a_nonce_is_accepted_once_across_relayers(u: Under) {
    for round in 0..20u64 {
        let s = NewShare { block: round % 5 == 0, ..share(1_000 + round) };
        let (a, b) = tokio::join!(u.ledger.record(s.clone()), u.second.record(s));
        let (a, b) = (a.unwrap(), b.unwrap());
        let accepted = [a, b].iter().filter(|r| matches!(r, Recorded::Accepted { .. })).count();
        assert_eq!(accepted, 1, "nonce {}: {a:?} {b:?}", 1_000 + round);
        assert!([a, b].contains(&Recorded::Duplicate));
    }
    let mut handles = vec![];
    for n in 0..40u64 {
        let l = if n % 2 == 0 { u.ledger.clone() } else { u.second.clone() };
        handles.push(tokio::spawn(async move { l.record(share(n)).await.unwrap() }));
    }
    for h in handles {
        assert!(matches!(h.await.unwrap(), Recorded::Accepted { .. }));
    }
    // The same share eight times at once through one relayer (one group commit, usually): one is accepted;
    // a block share among them makes one solution.
    let dup = NewShare { block: true, ..share(5_000) };
    let many = futures_util::future::join_all((0..8).map(|_| u.ledger.record(dup.clone()))).await;
    let accepted = many.iter().filter(|r| matches!(r, Ok(Recorded::Accepted { .. }))).count();
    assert_eq!((accepted, many.iter().filter(|r| matches!(r, Ok(Recorded::Duplicate))).count()), (1, 7), "{many:?}");
    u.ledger.flush().await.unwrap();
    assert_eq!(u.ledger.share_count().await.unwrap(), 61);
    assert_eq!(u.second.share_count().await.unwrap(), 61);
    assert_eq!(u.ledger.all_solutions().await.unwrap().len(), 5);
    let seqs: Vec<i64> = u.second.shares().await.unwrap().iter().map(|s| s.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

/// Solutions move through their states; a confirmed solution is unsettled until its round is credited;
/// transfers are recorded once per (signature, wallet) and sum to the payout total; landed transactions are
/// listed by kind.
async fn solutions_rounds_and_payouts_keep_their_rules(u: Under) {
    let l = &u.ledger;
    let Recorded::Accepted { seq, solution: Some(id) } = l.record(NewShare { block: true, ..share(9) }).await.unwrap() else { panic!() };
    assert_eq!(l.solutions(SolutionStatus::Pending).await.unwrap().len(), 1);
    l.set_solution(id, SolutionStatus::Confirmed, None, Some("sig-submit".into())).await.unwrap();
    // Another relayer's late "lost" (or "pending") for a landed solution changes nothing.
    u.second.set_solution(id, SolutionStatus::Lost, Some("challenge moved".into()), None).await.unwrap();
    u.second.set_solution(id, SolutionStatus::Pending, None, None).await.unwrap();
    let sol = &l.unsettled().await.unwrap()[0];
    assert_eq!(sol.reason, None, "a refused change writes nothing");
    assert_eq!((sol.id, sol.share_seq, sol.status, sol.signature.as_deref()), (id, seq, SolutionStatus::Confirmed, Some("sig-submit")));
    let w = l.window(seq, 16).await.unwrap();
    let leaves = crate::pplns::leaves(&w, 50).unwrap();
    let row = computed_round(id, seq, 1, 50, 0, &leaves);
    l.store_round(row, leaves, w).await.unwrap();
    assert_eq!(l.unsettled().await.unwrap().len(), 1, "computed is not credited");
    u.second.mark_round_credited(3).await.unwrap();
    assert!(l.unsettled().await.unwrap().is_empty());
    assert_eq!(l.rounds().await.unwrap()[0].status, RoundState::Credited);
    assert_eq!(l.leaf_wallets().await.unwrap(), vec![[1; 32]]);
    l.set_solution(id, SolutionStatus::Stranded, Some("stranded".into()), None).await.unwrap();
    assert_eq!(l.solutions(SolutionStatus::Stranded).await.unwrap()[0].reason.as_deref(), Some("stranded"));
    l.set_solution(id, SolutionStatus::Lost, None, None).await.unwrap();
    assert_eq!(l.solutions(SolutionStatus::Stranded).await.unwrap().len(), 1, "stranded stays stranded");

    l.record_tx("sig-begin".into(), TxKind::BeginCredit, Some(3), None).await.unwrap();
    l.record_tx("sig-batch".into(), TxKind::CreditBatch, Some(3), Some(0)).await.unwrap();
    l.record_tx("sig-batch".into(), TxKind::CreditBatch, Some(3), Some(0)).await.unwrap();
    let batches = l.txs(TxKind::CreditBatch).await.unwrap();
    assert_eq!((batches.len(), batches[0].block_count, batches[0].batch), (1, Some(3), Some(0)));

    assert_eq!(l.record_payouts("p1".into(), PayoutKind::Payout, vec![([1; 32], 10), ([2; 32], 5)]).await.unwrap(), 2);
    assert_eq!(u.second.record_payouts("p1".into(), PayoutKind::Payout, vec![([1; 32], 10)]).await.unwrap(), 0, "recorded once");
    assert_eq!(l.record_payouts("s1".into(), PayoutKind::Stranded, vec![([1; 32], 3)]).await.unwrap(), 1);
    assert_eq!(l.payout_total().await.unwrap(), 18);
    let kinds: Vec<PayoutKind> = l.payouts().await.unwrap().iter().map(|p| p.kind).collect();
    assert_eq!(kinds, vec![PayoutKind::Payout, PayoutKind::Payout, PayoutKind::Stranded]);
    assert_eq!(l.txs(TxKind::StrandedClaim).await.unwrap().len(), 1);
}

/// The leader lease on PostgreSQL: of two relayers one leads; it keeps the lease while its connection lives;
/// when that relayer goes (its connection closes), the other takes over at its next check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_relayer_leads_and_another_takes_over_when_it_goes() {
    let Some(url) = fresh_database().await else { return };
    let a = Postgres::connect(&url, 8).await.unwrap();
    let b = Postgres::connect(&url, 8).await.unwrap();
    assert_eq!((a.backend(), a.lead().await.unwrap(), b.lead().await.unwrap()), ("postgres", true, false));
    assert!(a.lead().await.unwrap(), "a holder keeps its lease");
    assert!(!b.lead().await.unwrap());
    a.heartbeat("a", true).await.unwrap();
    assert_eq!(b.heartbeat("b", false).await.unwrap(), (2, Some("a".to_string())), "two live, a leads");
    drop(a);
    let started = std::time::Instant::now();
    while !b.lead().await.unwrap() {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the lease was not released");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    eprintln!("lease taken over {} ms after its holder went", started.elapsed().as_millis());
    // SQLite is one relayer's ledger: it always leads.
    let s = sqlite().await;
    assert!(s.ledger.lead().await.unwrap() && s.second.lead().await.unwrap());
    assert_eq!(s.ledger.backend(), "sqlite");
}

/// A leader that stops answering without closing its connection (a frozen process, a machine gone with its
/// TCP session still open): while it heartbeats, nobody takes its lease however long the other tries; once
/// its heartbeat is older than `STALE_LEASE_MS`, the other terminates its lease session and leads, and the
/// frozen one, when it comes back, finds it no longer leads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_leader_loses_the_lease_to_a_live_relayer() {
    use super::postgres::STALE_LEASE_MS;
    let Some(url) = fresh_database().await else { return };
    let a = Postgres::connect(&url, 8).await.unwrap();
    let b = Postgres::connect(&url, 8).await.unwrap();
    assert!(a.lead().await.unwrap());
    let stale = std::time::Duration::from_millis(STALE_LEASE_MS as u64);
    let started = std::time::Instant::now();
    while started.elapsed() < stale + std::time::Duration::from_secs(2) {
        a.heartbeat("a", true).await.unwrap();
        assert!(!b.lead().await.unwrap(), "a live leader's lease was taken after {:?}", started.elapsed());
        b.heartbeat("b", false).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    // `a` goes silent: no heartbeat, no check; its lease connection stays open.
    let silent = std::time::Instant::now();
    while !b.lead().await.unwrap() {
        assert!(silent.elapsed() < stale + std::time::Duration::from_secs(10), "the silent leader kept the lease");
        b.heartbeat("b", false).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let took = silent.elapsed();
    assert!(took >= stale - std::time::Duration::from_secs(1), "taken before the heartbeat was stale: {took:?}");
    b.heartbeat("b", true).await.unwrap();
    assert!(!a.lead().await.unwrap(), "the frozen leader still thinks it leads");
    assert_eq!(a.heartbeat("a", false).await.unwrap(), (2, Some("b".to_string())));
    assert!(b.lead().await.unwrap(), "the new leader keeps its lease");
    eprintln!("a silent leader's lease taken over {} ms after its last heartbeat", took.as_millis());
}

/// PostgreSQL stopped for a few seconds, then restarted: a share sent meanwhile is not acknowledged (an
/// error, which the session answers `unavailable`), every share acknowledged before survives, and recording
/// resumes once the server is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_acks_nothing_and_loses_nothing() {
    if tokio::task::spawn_blocking(cluster).await.unwrap().is_none() {
        return;
    }
    // Its own cluster: stopping the shared one would fail the other tests.
    let own = tokio::task::spawn_blocking(Cluster::start).await.unwrap().unwrap();
    let url = own.create_database("outage").await.unwrap();
    let l = Postgres::connect(&url, 8).await.unwrap();
    for n in 0..5 {
        assert!(matches!(l.record(share(n)).await.unwrap(), Recorded::Accepted { .. }));
    }
    assert!(l.lead().await.unwrap());
    own.stop().unwrap();
    let r = tokio::time::timeout(std::time::Duration::from_secs(30), l.record(share(100))).await.expect("answers while the database is down");
    assert!(r.is_err(), "a share was acknowledged with the database down: {r:?}");
    assert!(!l.lead().await.unwrap_or(false), "no lease without the database");
    std::thread::sleep(std::time::Duration::from_secs(2));
    own.restart().unwrap();
    let started = std::time::Instant::now();
    loop {
        match l.record(share(200)).await {
            Ok(r) => {
                assert!(matches!(r, Recorded::Accepted { .. }));
                break;
            }
            Err(_) if started.elapsed() < std::time::Duration::from_secs(30) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            Err(e) => panic!("recording did not resume: {e}"),
        }
    }
    let nonces: Vec<u64> = l.shares().await.unwrap().iter().map(|s| s.nonce).collect();
    assert_eq!(nonces, vec![0, 1, 2, 3, 4, 200], "every acknowledged share, nothing unacknowledged");
    eprintln!("recording resumed {} ms after the restart", started.elapsed().as_millis());
}
