//! End to end, the guarantee "no reward stranded when the relayer is gone" (README): `trez-localnet` credits
//! and pays a round; the relayer stops and the pool's record is saved with `export`; the next block lands
//! (permissionless `submit_solution`, nobody credits it) and times out; a miner runs `member claim-stranded`
//! for its own wallet with the saved file, then a crank claims for everyone else; each leaf of the credited
//! round receives exactly `floor((reward − fee) × weight / total_weight)`; a second run claims nothing; a
//! relayer that comes back records the block as stranded, sends nothing for it and imports and publishes the
//! claims; the audit of the saved record (and of the republished one) passes and recomputes every claim.

use std::sync::Arc;
use std::time::{Duration, Instant};

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use tokio_util::sync::CancellationToken;
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::commands;
use trez_relayer::export::parse_leaf;
use trez_tests::{mine, pda, pool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_claim_a_round_the_relayer_never_credited_with_proofs_from_a_saved_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = trez_tests::localnet_args(16);
    args.blocks = Some(1);
    args.strand_timeout_slots = 10;
    args.state_dir = Some(dir.path().to_path_buf());
    let f = trez_localnet::run(args, CancellationToken::new()).await.unwrap().unwrap();
    let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&f.rpc.http_url), None).unwrap());
    let read = |name: &str| trez_tests::read_keypair(dir.path(), name);
    let (admin, pc) = (read("admin.json"), f.pc.clone());
    let pool_key = pc.pool;

    // The relayer is gone; its record survives as a file.
    let record = trez_relayer::export::export(&*f.ledger, &pool_key).await.unwrap();
    let file = dir.path().join("export.json");
    std::fs::write(&file, serde_json::to_string(&record).unwrap()).unwrap();
    let saved = trez_relayer::export::fetch(None, Some(&file)).await.unwrap();
    let p = pc.pool_account().await.unwrap();
    // `--blocks 1` stops after the first credited round; a second block already in flight may land and be
    // credited too, so the fallback is whichever round the pool credited last.
    assert!(p.credited_rounds >= 1, "a round was credited");
    assert_eq!(p.strand_timeout_slots, 10);
    let fallback = saved.rounds.iter().find(|r| r.block_count == p.last_credited_block).expect("the credited round is in the record");
    let leaves: Vec<_> = fallback.leaves.iter().map(|l| parse_leaf(l).unwrap()).collect();
    // Usually the three miners share the round; when one miner's shares filled the whole window (a block
    // found early), the crank below has no one else to claim for, and the rest still holds.
    assert!(!leaves.is_empty(), "the credited round has leaves");

    // The next block lands, with nobody to credit it.
    let s = pc.trez_state().await.unwrap();
    let nonce = mine(&s.challenge_number, &pc.authority, s.block_count, s.difficulty_high, true);
    let ix = pool::submit_solution(admin.pubkey(), pool_key, pc.mint, s.block_count, nonce);
    commands::send(rpc.as_ref(), &admin, &[ix]).await.unwrap();
    let stranded_bc = s.block_count;
    // The relayer's ledger holds the block as a confirmed solution (it found it, then died before crediting).
    let digest = trez_pow::digest(&s.challenge_number, &pc.authority.to_bytes(), s.block_count, nonce);
    let share = trez_relayer::ledger::NewShare {
        wallet: leaves[0].wallet,
        worker: "w".into(),
        challenge: s.challenge_number,
        block_count: s.block_count,
        nonce,
        bits: s.difficulty_high,
        zero_bits: trez_pow::zero_bits(&digest),
        block: true,
        // Never in a published window (its round is stranded, not credited): the audit never checks it.
        signature: [0; 64],
    };
    let trez_relayer::ledger::Recorded::Accepted { solution: Some(solution), .. } = f.ledger.record(share).await.unwrap() else { panic!("not recorded as a solution") };
    f.ledger.set_solution(solution, trez_relayer::ledger::SolutionStatus::Confirmed, None, None).await.unwrap();
    let round = pc.round(stranded_bc).await.unwrap().unwrap();
    let d = round.reward - round.fee;

    // A miner (funded for fees and rent) claims its own part once the timeout has passed.
    let (miner_index, miner) = (0..3)
        .map(|i| (i, read(&format!("miner-{i}.json"))))
        .find(|(_, k)| leaves.iter().any(|l| l.wallet == k.pubkey().to_bytes()))
        .expect("a miner keypair of the run is a leaf");
    let fund = anchor_lang::solana_program::system_instruction::transfer(&admin.pubkey(), &miner.pubkey(), 100_000_000);
    commands::send(rpc.as_ref(), &admin, &[fund]).await.unwrap();
    let balance = |w: Pubkey| {
        let pc = pc.clone();
        async move {
            let ata = pda::ata(&w, &pc.mint);
            match pc.chain.get_account(&ata).await.unwrap() {
                Some(_) => pc.token_balance(&ata).await.unwrap(),
                None => 0,
            }
        }
    };
    let mut before = vec![];
    for l in &leaves {
        before.push(balance(Pubkey::new_from_array(l.wallet)).await);
    }
    let started = Instant::now();
    let mine_report = loop {
        let r = commands::claim_stranded(rpc.clone(), &miner, pool_key, &saved, Some(miner.pubkey())).await.unwrap();
        if !r.rounds.is_empty() {
            break r;
        }
        assert_eq!(r.waiting.iter().map(|w| w.0).collect::<Vec<_>>(), vec![stranded_bc], "the landed round waits for its timeout");
        assert!(started.elapsed() < Duration::from_secs(90), "the timeout never passed: {r:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let got = &mine_report.rounds[0];
    assert_eq!((got.block_count, got.fallback_block, got.distributable), (stranded_bc, p.last_credited_block, d));
    assert!(got.marked.is_some(), "the miner's run stranded the round");
    assert_eq!(got.claimed.len(), 1, "{mine_report:?}");
    assert_eq!(got.claimed[0].0, miner.pubkey().to_string());
    eprintln!("miner-{miner_index} claimed {} base units of stranded round {stranded_bc}", got.claimed[0].1);

    // A crank (the admin key, no special right) claims for every other leaf; a second run finds nothing.
    let crank = commands::claim_stranded(rpc.clone(), &admin, pool_key, &saved, None).await.unwrap();
    assert_eq!(crank.rounds[0].claimed.len(), leaves.len() - 1);
    assert_eq!(crank.rounds[0].already_claimed, vec![miner.pubkey().to_string()]);
    assert!(crank.rounds[0].marked.is_none());
    let again = commands::claim_stranded(rpc.clone(), &admin, pool_key, &saved, None).await.unwrap();
    assert!(again.rounds[0].claimed.is_empty() && again.rounds[0].already_claimed.len() == leaves.len());

    // Each leaf received floor(d × w / W); the round's dust went to fees.
    let total: u128 = leaves.iter().map(|l| l.weight).sum();
    let mut paid = 0;
    for (l, b) in leaves.iter().zip(&before) {
        let want = (d as u128 * l.weight / total) as u64;
        assert_eq!(balance(Pubkey::new_from_array(l.wallet)).await - b, want, "leaf {}", Pubkey::new_from_array(l.wallet));
        paid += want;
    }
    let r = pc.round(stranded_bc).await.unwrap().unwrap();
    assert_eq!((r.status, r.credited, r.dust, r.leaves_credited as usize), (trez_pool::RoundStatus::Stranded, paid, d - paid, leaves.len()));

    // The relayer comes back: its settler sees the round stranded, records it so, and sends nothing.
    trez_relayer::tasks::settler::settle_all(&pc, &*f.ledger).await.unwrap();
    let sol = f.ledger.all_solutions().await.unwrap().into_iter().find(|x| x.id == solution).unwrap();
    assert_eq!(sol.status, trez_relayer::ledger::SolutionStatus::Stranded, "{sol:?}");
    assert!(f.ledger.unsettled().await.unwrap().is_empty());
    assert_eq!(pc.round(stranded_bc).await.unwrap().unwrap().credited, paid, "nothing credited by the relayer");
    // Its payout loop imports the stranded claims from the escrow's history, so its record of what left the
    // escrow for members equals the pool's on-chain `paid` again, and it publishes them.
    trez_relayer::tasks::payouts::reconcile_payouts(&pc, &*f.ledger, 10_000).await.unwrap();
    assert_eq!(f.ledger.payout_total().await.unwrap(), pc.pool_account().await.unwrap().paid);
    let republished = trez_relayer::export::export(&*f.ledger, &pool_key).await.unwrap();
    let listed = republished.payouts.iter().filter(|p| p.kind == trez_relayer::ledger::PayoutKind::Stranded).count();
    assert_eq!(listed, leaves.len());
    let report = trez_relayer::audit::audit(&pc, &republished).await.unwrap();
    assert!(report.ok, "{:?} {:?} {:?}", report.problems, report.rounds, report.stranded);

    // The audit of the saved record passes, and attributes and recomputes every stranded claim.
    let report = trez_relayer::audit::audit(&pc, &saved).await.unwrap();
    assert!(report.ok, "{:?} {:?} {:?}", report.problems, report.rounds, report.stranded);
    assert_eq!(report.stranded.len(), 1);
    assert_eq!((report.stranded[0].block_count, report.stranded[0].claims, report.stranded[0].paid), (stranded_bc, leaves.len(), paid));
}
