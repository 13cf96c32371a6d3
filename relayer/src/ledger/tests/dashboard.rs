//! The dashboard's reads on both backends: before and after the rollup job folds the shares, per worker,
//! per wallet, and after pruning; credits per
//! wallet count credited rounds only; times on solutions and payouts.

use super::*;

both!(the_rollup_feeds_series_workers_leaderboard_and_credits, solutions_and_payouts_carry_their_times);

async fn the_rollup_feeds_series_workers_leaderboard_and_credits(u: Under) {
    let l = &u.ledger;
    for n in 0..4 {
        l.record(share(n)).await.unwrap();
    }
    for n in 4..6 {
        l.record(NewShare { worker: "rig-b".into(), bits: 5, ..share(n) }).await.unwrap();
    }
    for n in 6..9 {
        l.record(NewShare { wallet: [2; 32], bits: 6, ..share(n) }).await.unwrap();
    }
    // A duplicate (challenge, nonce) is not a share, and not counted either.
    assert_eq!(l.record(share(0)).await.unwrap(), Recorded::Duplicate);
    // Ten minutes old, so the rollup job (which leaves the last two minutes alone) takes them.
    u.exec("UPDATE shares SET created_ms = created_ms - 600000").await;
    let since = now_ms() - 3_600_000;
    let since = since - since % 60_000;
    // Nothing is folded yet: these reads come from the shares not folded (the `*_live` views), and their totals
    // equal the shares'.
    let shares = l.shares().await.unwrap();
    let pool = l.share_series(None, since, 60_000).await.unwrap();
    assert_eq!(pool.iter().map(|p| p.shares).sum::<u64>(), shares.len() as u64);
    assert_eq!(pool.iter().map(|p| p.work).sum::<f64>(), shares.iter().map(|s| 2f64.powi(s.bits as i32)).sum::<f64>());
    let day = l.share_series(None, since - since % 900_000, 900_000).await.unwrap();
    assert!(day.iter().all(|p| p.t_ms % 900_000 == 0) && day.iter().map(|p| p.shares).sum::<u64>() == 9);
    let mine = l.share_series(Some([1; 32]), since, 60_000).await.unwrap();
    assert_eq!(mine.iter().map(|p| p.shares).sum::<u64>(), 6);

    let workers = l.worker_series([1; 32], since, 60_000).await.unwrap();
    let names: Vec<&str> = workers.iter().map(|w| w.worker.as_str()).collect();
    assert_eq!(names, ["rig", "rig-b"]);
    let of = |w: &WorkerSeries| (w.points.iter().map(|p| p.shares).sum::<u64>(), w.points.iter().map(|p| p.work).sum::<f64>());
    assert_eq!((of(&workers[0]), of(&workers[1])), ((4, 64.0), (2, 64.0)));
    let newest = |wallet: [u8; 32], worker: &str| shares.iter().filter(|s| s.wallet == wallet && s.worker == worker).map(|s| s.created_ms).max().unwrap();
    assert_eq!(workers[1].last_share_ms, newest([1; 32], "rig-b"));

    let hour = since - since % 3_600_000;
    let board = l.work_by_wallet(hour).await.unwrap();
    assert_eq!(board.iter().map(|w| (w.wallet, w.shares, w.work)).collect::<Vec<_>>(), vec![([2; 32], 3, 192.0), ([1; 32], 6, 128.0)]);
    assert!(l.work_by_wallet(now_ms() - now_ms() % 3_600_000 + 3_600_000).await.unwrap().is_empty(), "nothing after this hour");
    let act = l.miner_activity([1; 32], 3_600).await.unwrap();
    assert_eq!((act.shares, act.workers.clone(), act.last_share_ms), (6, vec!["rig".to_string(), "rig-b".to_string()], Some(newest([1; 32], "rig-b").max(newest([1; 32], "rig")))));

    // Fold them (twice, and from the other relayer's handle: idempotent, each share counted once): every read
    // is unchanged, now from the rollup tables. A share recorded after the watermark adds to them.
    let until = now_ms() - 120_000; // what the rollup job passes (tasks::rollup::GRACE_MS)
    l.roll_up(until).await.unwrap();
    u.second.roll_up(until).await.unwrap();
    l.roll_up(until - 60_000).await.unwrap();
    assert_eq!(l.share_series(None, since, 60_000).await.unwrap(), pool);
    assert_eq!(l.share_series(Some([1; 32]), since, 60_000).await.unwrap(), mine);
    assert_eq!(l.worker_series([1; 32], since, 60_000).await.unwrap(), workers);
    assert_eq!(l.work_by_wallet(hour).await.unwrap(), board);
    assert_eq!(l.miner_activity([1; 32], 3_600).await.unwrap().workers, act.workers);
    l.record(share(9)).await.unwrap();
    let now_too = l.share_series(None, since, 60_000).await.unwrap();
    assert_eq!(now_too.iter().map(|p| p.shares).sum::<u64>(), 10, "folded and not folded, each once");
    assert_eq!(l.miner_activity([1; 32], 3_600).await.unwrap().shares, 7);
    assert_eq!(l.worker_series([1; 32], since, 60_000).await.unwrap()[0].points.iter().map(|p| p.shares).sum::<u64>(), 5);

    // Credits per wallet: a computed round counts once it is credited.
    let block = NewShare { block: true, ..share(20) };
    let Recorded::Accepted { seq, solution: Some(sid) } = l.record(block).await.unwrap() else { panic!("a solution") };
    let window = l.window(seq, 1_000).await.unwrap();
    let leaves = crate::pplns::leaves(&window, 900).unwrap();
    l.store_round(computed_round(sid, seq, 3, 1_000, 100, &leaves), leaves.clone(), window).await.unwrap();
    assert!(l.credited_by_wallet().await.unwrap().is_empty(), "not credited yet");
    l.mark_round_credited(3).await.unwrap();
    let credits = l.credited_by_wallet().await.unwrap();
    let mut by_amount: Vec<([u8; 32], u64)> = leaves.iter().map(|x| (x.wallet, x.amount)).collect();
    by_amount.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(credits.iter().map(|c| (c.wallet, c.credited)).collect::<Vec<_>>(), by_amount);
    assert!(credits.iter().all(|c| c.rounds == 1));
    let two = l.wallet_leaves([2; 32]).await.unwrap();
    assert_eq!(two, vec![(3, *leaves.iter().find(|x| x.wallet == [2; 32]).unwrap())]);
    assert!(l.wallet_leaves([9; 32]).await.unwrap().is_empty());

    // Retention takes the rollups' old minutes and hours with the old shares.
    u.exec(&format!("UPDATE wallet_hours SET hour_ms = hour_ms - {} WHERE wallet = {}", 86_400_000i64 * 40, u.blob(&hex::encode([2u8; 32])))).await;
    l.prune_shares(now_ms() - 86_400_000 * 30).await.unwrap();
    assert!(l.work_by_wallet(0).await.unwrap().iter().all(|w| w.wallet != [2; 32]), "old hours pruned");
    assert!(l.work_by_wallet(0).await.unwrap().iter().any(|w| w.wallet == [1; 32]), "recent hours kept");

    // Without its watermark row the job refuses (folding again would count shares twice) and says why.
    u.exec("DELETE FROM rollup_state").await;
    let e = l.roll_up(now_ms()).await.unwrap_err();
    assert!(matches!(&e, LedgerError::Corrupt(m) if m.contains("rollup_state")), "{e:?}");
}

async fn solutions_and_payouts_carry_their_times(u: Under) {
    let l = &u.ledger;
    let before = now_ms();
    let Recorded::Accepted { solution: Some(id), .. } = l.record(NewShare { block: true, ..share(1) }).await.unwrap() else { panic!() };
    let s = l.solutions(SolutionStatus::Pending).await.unwrap().remove(0);
    assert!(s.found_ms >= before && s.settled_ms == s.found_ms, "{s:?}");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    l.set_solution(id, SolutionStatus::Lost, Some("challenge moved".into()), None).await.unwrap();
    let s = l.all_solutions().await.unwrap().remove(0);
    assert!(s.settled_ms >= s.found_ms + 20, "{s:?}");
    l.record_payouts("p".into(), PayoutKind::Payout, vec![([1; 32], 5)]).await.unwrap();
    let p = l.payouts().await.unwrap().remove(0);
    assert!(p.created_ms >= before && p.created_ms <= now_ms(), "{p:?}");
}
