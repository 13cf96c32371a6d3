//! TREZ's distributor runs dry under a live pool (embedded chain, real miner, the relayer's pipeline): the
//! round TREZ could pay is credited as usual; the next solution is refused by TREZ (`EmissionExhausted`),
//! recorded lost with the reason "emission exhausted" once (no retries), and `/api/pool` and `/metrics` say so.
//! The record still audits.

use std::sync::Arc;
use std::time::Duration;

use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::ChainOptions;
use trez_relayer::ledger::SolutionStatus;
use trez_relayer::poolchain::{PoolChain, PoolEvent};
use trez_relayer::setup::TrezGenesis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_distributor_loses_the_solution_once_with_the_reason_and_the_api_says_so() {
    let chain = EmbeddedChain::start().await;
    // Pinned at 16 bits; supply for exactly one block (50 TREZ + the 3-TREZ bonus) and 1,000 base units more.
    let one_block = 50_000_000 + 3_000_000;
    let genesis = TrezGenesis { supply: one_block + 1_000, ..TrezGenesis::new(16, 16, 16, 50_000_000, 60) };
    let (relayer, addrs) = trez_tests::new_pool_with(&chain, chain.as_ref(), 16, 100, 500, Some(genesis)).await;
    let opts = ChainOptions { payout_interval_secs: 1, poll_interval_ms: 200, ..ChainOptions::default() };
    let pc = PoolChain::connect(chain.clone() as Arc<dyn ChainClient>, relayer, addrs.pool.parse().unwrap(), opts).await.unwrap();
    let trez_tests::Running { p, ledger, mut events, base, dir: _dir } = trez_tests::start_pipeline(pc.clone(), 10).await;

    let wallet = trez_miner::Wallet::generate();
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", p.addr), wallet, "dry-rig");
    let (mut credited, mut lost) = (false, None);
    while !(credited && lost.is_some()) {
        match tokio::time::timeout(Duration::from_secs(120), events.recv()).await.expect("events in time").unwrap() {
            PoolEvent::RoundCredited { .. } => credited = true,
            // (A second solution of block 0 found before the template moved is lost to the first: not this.)
            PoolEvent::SolutionLost { block_count, reason } if block_count >= 1 => {
                assert_eq!(block_count, 1, "TREZ cannot move past block 1");
                assert!(reason.starts_with("emission exhausted"), "{reason}");
                lost = Some(reason);
            }
            _ => {}
        }
    }
    cancel.cancel();
    miner.await.unwrap().unwrap();

    // TREZ never moved past block 1; the round it paid holds reward + bonus.
    let state = pc.trez_state().await.unwrap();
    assert_eq!(state.block_count, 1);
    let round = pc.round(0).await.unwrap().expect("round 0");
    assert_eq!((round.reward, round.bonus), (one_block, 3_000_000));
    assert_eq!(pc.token_balance(&state.distributor_token).await.unwrap(), 1_000);

    // Each lost solution is final: after a few sweeps of the submitter none is pending again.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let sols = ledger.all_solutions().await.unwrap();
    assert!(sols.iter().all(|s| s.status != SolutionStatus::Pending), "{sols:?}");
    let dry: Vec<_> = sols.iter().filter(|s| s.block_count >= 1).collect();
    assert!(!dry.is_empty());
    for s in &dry {
        assert_eq!(s.status, SolutionStatus::Lost);
        assert!(s.reason.as_deref().unwrap_or("").starts_with("emission exhausted: the TREZ distributor holds 1000 base units, a block needs 53000000"), "{s:?}");
    }

    let http = reqwest::Client::new();
    let pool: serde_json::Value = http.get(format!("{base}/api/pool")).send().await.unwrap().json().await.unwrap();
    assert_eq!(pool["trez"]["exhausted"], true, "{pool}");
    assert_eq!(pool["trez"]["distributor_balance"], 1_000);
    assert_eq!((pool["trez"]["era"].as_u64(), pool["trez"]["block_reward"].as_u64(), pool["trez"]["referral_bonus"].as_u64()), (Some(0), Some(50_000_000), Some(3_000_000)));
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == "trez_emission_exhausted 1"), "{metrics}");
    assert!(metrics.lines().any(|l| l == "trez_distributor_base_units 1000"));

    let record: trez_relayer::export::PoolExport = http.get(format!("{base}/api/export")).send().await.unwrap().json().await.unwrap();
    assert_eq!(record.rounds.iter().map(|r| (r.block_count, r.bonus)).collect::<Vec<_>>(), vec![(0, 3_000_000)]);
    let report = trez_relayer::audit::audit(&pc, &record).await.unwrap();
    assert!(report.ok, "{report}");
    p.stop().await.unwrap();
}
