//! SQLite-only tests (query plans, the reader connection); the behaviour every backend shares is tested by
//! `ledger/tests.rs` against both.

use super::*;
use crate::ledger::types::*;
use crate::ledger::Ledger;

/// A fresh ledger in a temporary directory (removed when the returned guard drops).
fn temp_ledger() -> (tempfile::TempDir, Sqlite) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false, retention_days: 0, url: None };
    let ledger = Sqlite::open(&cfg).unwrap();
    (dir, ledger)
}

fn share(nonce: u64) -> NewShare {
    NewShare {
        wallet: [1; 32],
        worker: "rig".into(),
        challenge: [2; 32],
        block_count: 3,
        nonce,
        bits: 4,
        zero_bits: 5,
        block: false,
        signature: [7; 64],
    }
}

/// The time-bounded reads (hashrate estimates) use the time indexes instead of scanning every share.
#[tokio::test]
async fn time_bounded_reads_use_the_time_indexes() {
    let (_dir, ledger) = temp_ledger();
    for n in 0..10 {
        ledger.record(share(n)).await.unwrap();
    }
    for (sql, index) in [
        ("SELECT bits FROM shares WHERE created_ms >= 0", "shares_created"),
        ("SELECT bits, created_ms FROM shares WHERE wallet = x'00' AND created_ms >= 0", "shares_wallet_created"),
    ] {
        let plan: Vec<String> = ledger
            .call(move |c| {
                let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = st.query_map([], |r| r.get::<_, String>(3))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        assert!(plan.iter().any(|p| p.contains(index)), "{sql}: {plan:?}");
    }
}

/// API reads run on their own read-only connection: they answer while the writer thread is busy.
#[tokio::test]
async fn reads_do_not_queue_behind_the_writer() {
    let (_dir, ledger) = temp_ledger();
    let ledger = std::sync::Arc::new(ledger);
    ledger.record(share(1)).await.unwrap();
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let (started, busy_now) = tokio::sync::oneshot::channel::<()>();
    let busy = {
        let ledger = ledger.clone();
        tokio::spawn(async move {
            ledger
                .call(move |_| {
                    let _ = started.send(());
                    let _ = held.recv();
                    Ok(())
                })
                .await
        })
    };
    busy_now.await.unwrap();
    // The writer thread now waits on `held`; a read must still answer.
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), ledger.recent_work(600)).await;
    let _ = hold.send(());
    let (work, wallets) = read.expect("the read answered while the writer was busy").unwrap();
    assert_eq!((work > 0.0, wallets), (true, 1));
    busy.await.unwrap().unwrap();
}
