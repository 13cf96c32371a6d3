//! Every money command (`trez-relayer admin …`, `trez-relayer member …`, `relayer/src/commands.rs`) against
//! the embedded chain served as JSON-RPC, as `trez-localnet` serves it: after a real miner's round is
//! credited, the admin reads the status, proposes and applies a fee, sets the minimum payout, withdraws the
//! fees and rotates the relayer; the member reads its balance and claims it with no relayer; a new wallet
//! registers. Each refusal (a fee above the cap, nothing proposed, fees already withdrawn, a signer who is not
//! the admin, nothing to claim, registered twice) changes nothing on-chain. The audit passes afterwards.

use std::sync::Arc;
use std::time::Duration;

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_localnet::embedded::EmbeddedChain;
use trez_localnet::serve::RpcServer;
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::commands::{self, AdminOp, CommandError};
use trez_relayer::config::ChainOptions;
use trez_relayer::pipeline::Pipeline;
use trez_relayer::poolchain::{PoolChain, PoolEvent};
use trez_relayer::setup;
use tokio_util::sync::CancellationToken;

fn refused<T: std::fmt::Debug>(r: Result<T, CommandError>, why: &str) {
    match r {
        Err(CommandError::Refused(m)) => assert!(m.contains(why), "refused for another reason: {m}"),
        other => panic!("expected a refusal mentioning {why:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_money_command_works_against_a_served_chain_and_refusals_change_nothing() {
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&served.http_url), Some(std::slice::from_ref(&served.ws_url))).unwrap());

    // TREZ and a pool whose admin key this test holds (fee 250 bps, cap 1000, no timelock).
    let (admin, relayer) = (Keypair::new(), Arc::new(Keypair::new()));
    for k in [admin.pubkey(), relayer.pubkey()] {
        chain.airdrop(&k, 10_000_000_000).await.unwrap();
    }
    let g = setup::TrezGenesis::new(14, 7, 40, 50_000_000, 60);
    let mint = setup::init_trez(rpc.as_ref(), &admin, g).await.unwrap();
    let args = trez_sdk::pool::InitializePoolArgs { relayer: relayer.pubkey(), fee_bps: 250, max_fee_bps: 1_000, fee_timelock_seconds: 0, min_payout: 1, strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS };
    let addrs = setup::init_pool(rpc.as_ref(), &admin, mint, args).await.unwrap();
    let pool: Pubkey = addrs.pool.parse().unwrap();

    // A real miner until a round credits it (the crank is left idle so the member can claim).
    let opts = ChainOptions { payout_interval_secs: 3_600, poll_interval_ms: 300, confirm_timeout_secs: 10, ..ChainOptions::default() };
    let pc = PoolChain::connect(rpc.clone(), relayer.clone(), pool, opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = trez_tests::relayer_config(dir.path(), 10);
    let ledger = trez_relayer::ledger::open(&config.ledger).unwrap();
    let mut events = pc.events.subscribe();
    let pipeline = Pipeline::start(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), None, config, pc.clone(), ledger.clone()).await.unwrap();
    let miner_wallet = trez_miner::Wallet::generate();
    let member = Keypair::new_from_array(miner_wallet.secret);
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", pipeline.addr), miner_wallet, "cmd");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv()).await.expect("a credited round in time").unwrap();
        if matches!(ev, PoolEvent::RoundCredited { .. }) {
            break;
        }
    }
    cancel.cancel();
    miner.await.unwrap().unwrap();
    pipeline.stop().await.unwrap();

    // admin status.
    let s = commands::status(rpc.clone(), pool).await.unwrap();
    assert_eq!((s.fee_bps, s.max_fee_bps, s.pending_fee, s.min_payout), (250, 1_000, None, 1));
    assert!(s.fees_available > 0 && s.escrow_balance >= s.owed && s.rounds >= 1, "{s:?}");
    assert_eq!(s.admin, admin.pubkey().to_string());

    // Refusals change nothing.
    refused(commands::admin(rpc.clone(), &admin, pool, AdminOp::ProposeFee(2_000)).await, "above the pool's cap");
    refused(commands::admin(rpc.clone(), &admin, pool, AdminOp::ApplyFee).await, "no fee change is proposed");
    refused(commands::admin(rpc.clone(), &relayer, pool, AdminOp::SetMinPayout(9)).await, "is not this pool's admin");
    refused(
        commands::admin(rpc.clone(), &admin, pool, AdminOp::WithdrawFees { amount: Some(s.fees_available + 1), destination: None }).await,
        "of fees are available",
    );
    assert_eq!(commands::status(rpc.clone(), pool).await.unwrap(), s, "a refused command changed the pool");

    // propose-fee, apply-fee (no timelock on this pool), set-min-payout.
    commands::admin(rpc.clone(), &admin, pool, AdminOp::ProposeFee(400)).await.unwrap();
    assert_eq!(commands::status(rpc.clone(), pool).await.unwrap().pending_fee.map(|p| p.0), Some(400));
    commands::admin(rpc.clone(), &admin, pool, AdminOp::ApplyFee).await.unwrap();
    commands::admin(rpc.clone(), &admin, pool, AdminOp::SetMinPayout(5)).await.unwrap();
    let after = commands::status(rpc.clone(), pool).await.unwrap();
    assert_eq!((after.fee_bps, after.pending_fee, after.min_payout), (400, None, 5));

    // withdraw-fees: everything available, to the admin's own token account (created by the command).
    commands::admin(rpc.clone(), &admin, pool, AdminOp::WithdrawFees { amount: None, destination: None }).await.unwrap();
    let after = commands::status(rpc.clone(), pool).await.unwrap();
    assert_eq!((after.fees_withdrawn, after.fees_available), (s.fees_accrued, 0));
    let admin_ata = trez_sdk::pda::ata(&admin.pubkey(), &mint);
    assert_eq!(pc.token_balance(&admin_ata).await.unwrap(), s.fees_available);
    refused(commands::admin(rpc.clone(), &admin, pool, AdminOp::WithdrawFees { amount: None, destination: None }).await, "0 of fees");

    // member balance and claim, with no relayer (the member pays its own fee).
    chain.airdrop(&member.pubkey(), 1_000_000_000).await.unwrap();
    let b = commands::balance(rpc.clone(), pool, member.pubkey()).await.unwrap();
    assert!(b.registered && b.pending > 0 && b.paid == 0 && b.token_balance.is_none(), "{b:?}");
    let (_, amount) = commands::claim(rpc.clone(), &member, pool, None).await.unwrap();
    assert_eq!(amount, b.pending);
    let b2 = commands::balance(rpc.clone(), pool, member.pubkey()).await.unwrap();
    assert_eq!((b2.pending, b2.paid, b2.token_balance), (0, b.credited, Some(amount)));
    refused(commands::claim(rpc.clone(), &member, pool, None).await, "nothing to claim");

    // member register: a new wallet joins; a second registration is refused.
    let newcomer = Keypair::new();
    chain.airdrop(&newcomer.pubkey(), 1_000_000_000).await.unwrap();
    assert!(!commands::balance(rpc.clone(), pool, newcomer.pubkey()).await.unwrap().registered);
    commands::register(rpc.clone(), &newcomer, pool).await.unwrap();
    assert!(commands::balance(rpc.clone(), pool, newcomer.pubkey()).await.unwrap().registered);
    refused(commands::register(rpc.clone(), &newcomer, pool).await, "already a member");

    // set-relayer: the admin rotates the hot key.
    let new_relayer = Keypair::new().pubkey();
    commands::admin(rpc.clone(), &admin, pool, AdminOp::SetRelayer(new_relayer)).await.unwrap();
    assert_eq!(commands::status(rpc.clone(), pool).await.unwrap().relayer, new_relayer.to_string());

    // The escrow's history (a fee withdrawal, a member's claim) still audits clean.
    let record = trez_relayer::export::export(&*ledger, &pool).await.unwrap();
    let report = trez_relayer::audit::audit(&pc, &record).await.unwrap();
    assert!(report.ok, "{:?} {:?}", report.problems, report.rounds);
    assert_eq!(report.transfers_checked, 2, "the fee withdrawal and the claim");
}

/// Against `trez-localnet` itself, with the keypairs it writes to `--state-dir`: after a 2-block run the
/// admin reads the status and withdraws the fees with `admin.json`, the miners read their balances with
/// `miner-<i>.json` (together they hold everything credited; the run paid it all, so a claim is refused),
/// over the JSON-RPC the run still serves; the audit still passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_work_against_localnet_with_the_keypairs_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = trez_tests::localnet_args(16);
    args.state_dir = Some(dir.path().to_path_buf());
    let f = trez_localnet::run(args, CancellationToken::new()).await.unwrap().unwrap();
    let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&f.rpc.http_url), None).unwrap());
    let read = |name: &str| trez_tests::read_keypair(dir.path(), name);
    let (admin, pool) = (read("admin.json"), f.pc.pool);
    assert_eq!(read("relayer.json").pubkey(), f.pc.relayer.pubkey());
    let s = commands::status(rpc.clone(), pool).await.unwrap();
    assert_eq!(s.admin, admin.pubkey().to_string());
    assert!(s.fees_available > 0, "{s:?}");
    commands::admin(rpc.clone(), &admin, pool, AdminOp::WithdrawFees { amount: None, destination: None }).await.unwrap();
    let after = commands::status(rpc.clone(), pool).await.unwrap();
    assert_eq!((after.fees_available, after.fees_withdrawn), (0, s.fees_accrued));

    let mut credited = 0;
    for i in 0..3 {
        let miner = read(&format!("miner-{i}.json"));
        let b = commands::balance(rpc.clone(), pool, miner.pubkey()).await.unwrap();
        assert_eq!((b.pending, b.paid), (0, b.credited), "the run paid everything due: {b:?}");
        credited += b.credited;
        if b.registered {
            refused(commands::claim(rpc.clone(), &miner, pool, None).await, "nothing to claim");
        }
    }
    assert_eq!(credited, s.credited, "the miners' keypairs hold everything credited");

    let record = trez_relayer::export::export(&*f.ledger, &pool).await.unwrap();
    let report = trez_relayer::audit::audit(&f.pc, &record).await.unwrap();
    assert!(report.ok, "{:?} {:?}", report.problems, report.rounds);
}
