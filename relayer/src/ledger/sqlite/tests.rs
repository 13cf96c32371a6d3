use super::*;
use crate::ledger::types::*;
use crate::ledger::Ledger;

/// A fresh ledger in a temporary directory (removed when the returned guard drops).
fn temp_ledger() -> (tempfile::TempDir, Sqlite) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LedgerConfig { path: dir.path().join("l.db"), max_batch: 8, fsync: false, retention_days: 0 };
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
    }
}

/// A value the database cannot decode is an error that names its row and column, never a default
/// (a zero weight, an empty key, a payout kind it is not).
#[tokio::test]
async fn corrupt_values_are_errors_naming_the_row_never_defaults() {
    let (_dir, ledger) = temp_ledger();
    for n in 0..3 {
        assert!(matches!(ledger.record(share(n)).await.unwrap(), Recorded::Accepted { .. }));
    }
    ledger.record_payouts("sig-a".into(), PayoutKind::Claim, vec![([1; 32], 7)]).await.unwrap();
    assert_eq!(ledger.payouts().await.unwrap()[0].kind, PayoutKind::Claim);
    assert_eq!(ledger.shares().await.unwrap().len(), 3);

    ledger.call(|c| c.execute("UPDATE payouts SET kind = 'refund'", [])).await.unwrap();
    let e = ledger.payouts().await.unwrap_err().to_string();
    assert!(e.contains("corrupt ledger row") && e.contains("kind") && e.contains("refund") && e.contains("sig-a"), "{e}");

    // (`shares` has a CHECK on key lengths; `payouts` relies on the decoder.)
    ledger.call(|c| c.execute("UPDATE payouts SET kind = 'claim', wallet = x'0102'", [])).await.unwrap();
    let e = ledger.payouts().await.unwrap_err().to_string();
    assert!(e.contains("column wallet") && e.contains("2 bytes where 32"), "{e}");

    // Weights are decimal text (u128); one that does not parse is not read as 0.
    ledger
        .call(|c| {
            c.execute_batch(
                "INSERT INTO solutions (share_seq, wallet, challenge, block_count, nonce, status, created_ms, updated_ms)
                   SELECT seq, wallet, challenge, block_count, nonce, 'confirmed', 0, 0 FROM shares WHERE nonce = 0;
                 INSERT INTO rounds (block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee,
                                     leaves_root, leaf_count, created_ms)
                   VALUES (3, (SELECT id FROM solutions), 1, 8, 2, 100, 0, zeroblob(32), 1, 0);
                 INSERT INTO round_leaves (block_count, idx, wallet, weight, shares, amount)
                   VALUES (3, 0, x'0101010101010101010101010101010101010101010101010101010101010101', '12x', 1, 100);",
            )
        })
        .await
        .unwrap();
    let e = ledger.round(3).await.unwrap_err().to_string();
    assert!(e.contains("column weight") && e.contains("\"12x\""), "{e}");
}

/// A wallet's hashrate is its recent work over the span its shares cover, not over the whole window; the
/// time-bounded reads use the time indexes instead of scanning every share.
#[tokio::test]
async fn recent_work_is_per_covered_second_and_read_through_the_time_index() {
    let (_dir, ledger) = temp_ledger();
    for n in 0..10 {
        ledger.record(share(n)).await.unwrap();
    }
    let act = ledger.miner_activity([1; 32], 600).await.unwrap();
    assert_eq!(act.recent_work, 10.0 * 16.0);
    assert!((1.0..60.0).contains(&act.recent_secs), "{}", act.recent_secs);
    let idle = ledger.miner_activity([9; 32], 600).await.unwrap();
    assert_eq!((idle.recent_work, idle.recent_secs), (0.0, 600.0));
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

/// Retention deletes old shares that no window holds, and keeps window shares, solution shares, and
/// everything while a solution's window is not cut yet.
#[tokio::test]
async fn pruning_keeps_the_published_record_and_unsettled_windows() {
    let (_dir, ledger) = temp_ledger();
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
    // The round stores a window of the block share and the two before it (seq 7, 6, 5).
    let window = ledger.window(seq, 3 * 16).await.unwrap();
    assert_eq!(window.iter().map(|w| w.share.seq).collect::<Vec<_>>(), vec![seq, seq - 1, seq - 2]);
    let leaves = crate::pplns::leaves(&window, 90).unwrap();
    let row = RoundRow {
        block_count: 3,
        solution_id: sid,
        share_seq: seq,
        network_bits: 4,
        pplns_factor: 3,
        reward: 100,
        fee: 10,
        leaves_root: crate::pplns::merkle_root(&leaves),
        leaf_count: leaves.len() as u32,
        status: RoundState::Computed,
    };
    assert!(ledger.store_round(row.clone(), leaves.clone(), window.clone()).await.unwrap());
    assert!(!ledger.store_round(row, leaves, window).await.unwrap(), "a second store keeps the first");
    // Nothing is older than the cutoff yet.
    assert_eq!(ledger.prune_shares(0).await.unwrap(), 0);
    // Past the cutoff: the 4 shares outside the window go; the window (with the block share) stays.
    assert_eq!(ledger.prune_shares(future).await.unwrap(), 4);
    let left: Vec<i64> = ledger.shares().await.unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(left, vec![seq - 2, seq - 1, seq]);
    assert_eq!(ledger.round_window(3).await.unwrap().len(), 3, "the published window is whole");
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
