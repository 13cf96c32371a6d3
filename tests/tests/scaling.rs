//! Several relayers, one pool (README, "Scaling out"): `trez-localnet --relayers 3 --postgres auto` runs
//! three relayers on one throwaway PostgreSQL ledger with the miners spread over them; every relayer accepts
//! shares, blocks land, every round is credited exactly once (one ledger row, one on-chain crediting, the
//! relayers' API agrees on who leads: exactly one), payouts are made and the audit passes.

use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relayers_on_one_postgres_ledger_credit_every_round_once() {
    if trez_relayer::ledger::postgres::cluster::server_binaries().is_none() && std::env::var("TREZ_REQUIRE_POSTGRES").as_deref() != Ok("1") {
        eprintln!("skipping: no PostgreSQL server binaries");
        return;
    }
    let mut args = trez_tests::localnet_args(16);
    args.relayers = 3;
    args.postgres = Some("auto".into());
    args.blocks = Some(3);
    let f = trez_localnet::run(args, CancellationToken::new()).await.unwrap().unwrap();
    let s = &f.summary;
    eprintln!(
        "relayers {}, shares by relayer {:?}, blocks by relayer {:?}, rounds credited {}, members paid {}",
        s.relayers, s.shares_by_relayer, s.blocks_by_relayer, s.rounds_credited, s.members_paid
    );
    assert!(s.audit_ok, "{:?}", s.audit_problems);
    assert_eq!((s.relayers, s.ledger_backend.as_str()), (3, "postgres"));
    assert!(s.shares_by_relayer.iter().all(|&n| n > 0), "every relayer serves miners: {:?}", s.shares_by_relayer);
    assert_eq!(s.blocks_by_relayer.iter().sum::<u64>(), s.blocks_found);
    assert!(s.rounds_credited >= 3);
    // Each round once: one ledger row per block_count, each fully credited on-chain exactly to reward − fee.
    let rounds = f.ledger.rounds().await.unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for r in &rounds {
        assert!(seen.insert(r.block_count), "round {} stored twice", r.block_count);
        let onchain = f.pc.round(r.block_count).await.unwrap().unwrap();
        assert_eq!((onchain.status, onchain.credited), (trez_pool::RoundStatus::Credited, onchain.reward - onchain.fee));
    }
    let pool = f.pc.pool_account().await.unwrap();
    assert_eq!(pool.credited_rounds as usize, rounds.len());
    assert_eq!(f.ledger.payout_total().await.unwrap(), pool.paid, "the shared ledger records what the chain paid");
    assert!(pool.paid > 0);
}
