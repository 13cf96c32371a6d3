//! The relayer's on-chain loop against the real programs on the embedded chain, with injected faults:
//! - the settler stopped after every step (a send that never arrives, or one that lands but whose
//!   confirmation is lost) and restarted on the same ledger ends with every member credited exactly once;
//! - an RPC that fails N times then recovers still lands the solution;
//! - a second solution of a block that was already won is recorded lost, with the reason.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::{ChainClient, ChainError, TxRecord, TxStatus};
use trez_relayer::ledger::{Ledger, NewShare, Recorded, RoundState, SolutionStatus};
use trez_relayer::config::ChainOptions;
use trez_relayer::poolchain::PoolChain;
use trez_relayer::tasks::{payouts, settler, submitter};
use trez_relayer::{config::LedgerConfig, pplns};
use trez_sdk::{pda, RoundStatus};

/// How the next sends misbehave.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// After `ok` good sends, every send fails without reaching the chain.
    DropAfter,
    /// After `ok` good sends, the next send lands but its confirmation is lost; later ones fail undelivered.
    LoseAckAfter,
    /// The first `ok` sends fail undelivered, then all succeed.
    FailFirst,
}

/// A ChainClient that injects send faults in front of a real one.
struct Faulty {
    inner: Arc<EmbeddedChain>,
    fault: Fault,
    budget: AtomicI64,
}

impl Faulty {
    fn new(inner: Arc<EmbeddedChain>, fault: Fault, n: i64) -> Arc<Faulty> {
        Arc::new(Faulty { inner, fault, budget: AtomicI64::new(n) })
    }
}

fn injected() -> ChainError {
    ChainError::Rpc("injected fault".into())
}

#[async_trait]
impl ChainClient for Faulty {
    async fn get_account(&self, a: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.inner.get_account(a).await
    }
    async fn get_multiple_accounts(&self, a: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        self.inner.get_multiple_accounts(a).await
    }
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.inner.latest_blockhash().await
    }
    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError> {
        let left = self.budget.fetch_sub(1, Ordering::SeqCst);
        match self.fault {
            Fault::FailFirst if left > 0 => Err(injected()),
            Fault::FailFirst => self.inner.send(tx).await,
            _ if left > 0 => self.inner.send(tx).await,
            Fault::LoseAckAfter if left == 0 => {
                let _ = self.inner.send(tx).await;
                Err(injected())
            }
            _ => Err(injected()),
        }
    }
    async fn signature_status(&self, s: &Signature) -> Result<Option<TxStatus>, ChainError> {
        self.inner.signature_status(s).await
    }
    async fn subscribe_account(&self, a: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError> {
        self.inner.subscribe_account(a).await
    }
    async fn get_transaction(&self, s: &Signature) -> Result<Option<TxRecord>, ChainError> {
        self.inner.get_transaction(s).await
    }
    async fn history(&self, a: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        self.inner.history(a, limit).await
    }
    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.inner.unix_time().await
    }
}

struct World {
    chain: Arc<EmbeddedChain>,
    relayer: Arc<Keypair>,
    pool: Pubkey,
    authority: Pubkey,
    ledger: Arc<dyn Ledger>,
    _dir: tempfile::TempDir,
}

fn opts() -> ChainOptions {
    // One member per credit batch: the most steps to crash between.
    ChainOptions { credit_batch: 1, confirm_timeout_secs: 5, send_attempts: 1, ..ChainOptions::default() }
}

impl World {
    async fn new() -> World {
        let chain = EmbeddedChain::start().await;
        let (relayer, addrs) = trez_tests::new_pool(&chain, chain.as_ref(), 8, 300, 1_000).await;
        let dir = tempfile::tempdir().unwrap();
        let ledger = trez_relayer::ledger::open(&LedgerConfig { path: dir.path().join("l.db"), max_batch: 64, fsync: false, retention_days: 0, url: None }).unwrap();
        let pool: Pubkey = addrs.pool.parse().unwrap();
        World { chain, relayer, pool, authority: pda::authority(&pool), ledger, _dir: dir }
    }

    async fn pc(&self, chain: Arc<dyn ChainClient>) -> Arc<PoolChain> {
        PoolChain::connect(chain, self.relayer.clone(), self.pool, opts()).await.unwrap()
    }

    /// Record real shares from 4 wallets at the current challenge, the last one meeting network difficulty.
    /// Returns the block solution's ledger id.
    async fn shares_and_block(&self, wallets: &[[u8; 32]]) -> i64 {
        let pc = self.pc(self.chain.clone()).await;
        let s = pc.trez_state().await.unwrap();
        let mut nonce = 0u64;
        let mut find = |lo: u32, hi: u32| loop {
            nonce += 1;
            let z = trez_pow::zero_bits(&trez_pow::digest(&s.challenge_number, &self.authority.to_bytes(), s.block_count, nonce));
            if z >= lo && z < hi {
                return (nonce, z);
            }
        };
        let plan: Vec<(usize, u32)> = vec![(0, 4), (1, 5), (2, 4), (3, 6), (1, 4), (0, 5), (2, 6), (3, 4)];
        for (w, bits) in plan {
            let (n, z) = find(bits, s.difficulty_high);
            let share = NewShare { wallet: wallets[w], worker: "t".into(), challenge: s.challenge_number, block_count: s.block_count, nonce: n, bits, zero_bits: z, block: false, signature: [0; 64] };
            assert!(matches!(self.ledger.record(share).await.unwrap(), Recorded::Accepted { .. }));
        }
        let (n, z) = find(s.difficulty_high, 193);
        let share = NewShare { wallet: wallets[0], worker: "t".into(), challenge: s.challenge_number, block_count: s.block_count, nonce: n, bits: 4, zero_bits: z, block: true, signature: [0; 64] };
        match self.ledger.record(share).await.unwrap() {
            Recorded::Accepted { solution: Some(id), .. } => id,
            other => panic!("block share not recorded as a solution: {other:?}"),
        }
    }
}

fn wallets() -> Vec<[u8; 32]> {
    let mut w: Vec<[u8; 32]> = (0..4).map(|_| Keypair::new().pubkey().to_bytes()).collect();
    w.sort();
    w
}

/// Land the pending solution with a healthy chain.
async fn land(world: &World) {
    let pc = world.pc(world.chain.clone()).await;
    let s = world.ledger.solutions(SolutionStatus::Pending).await.unwrap().remove(0);
    submitter::submit_one(&pc, &*world.ledger, &s, &CancellationToken::new()).await;
    assert_eq!(world.ledger.solutions(SolutionStatus::Confirmed).await.unwrap().len(), 1);
}

/// Expected credits: the design's PPLNS on the ledger's shares (the relayer's pplns module, itself checked
/// against an independent implementation in tests/tests/localnet.rs).
async fn expected(world: &World, pc: &PoolChain) -> Vec<([u8; 32], u64)> {
    let s = world.ledger.solutions(SolutionStatus::Confirmed).await.unwrap().remove(0);
    let round = pc.round(s.block_count).await.unwrap().unwrap();
    let n = pplns::window_size(opts().pplns_factor, round.difficulty).unwrap();
    let window = world.ledger.window(s.share_seq, n).await.unwrap();
    pplns::leaves(&window, round.reward - round.fee).unwrap().into_iter().map(|l| (l.wallet, l.amount)).collect()
}

async fn assert_credited_once(world: &World, want: &[([u8; 32], u64)], label: &str) {
    let pc = world.pc(world.chain.clone()).await;
    let s = world.ledger.solutions(SolutionStatus::Confirmed).await.unwrap().remove(0);
    let round = pc.round(s.block_count).await.unwrap().unwrap();
    assert_eq!(round.status, RoundStatus::Credited, "{label}");
    assert_eq!(round.credited, round.reward - round.fee, "{label}");
    let ws: Vec<Pubkey> = want.iter().map(|(w, _)| Pubkey::new_from_array(*w)).collect();
    for ((w, amount), m) in want.iter().zip(pc.members(&ws).await.unwrap()) {
        assert_eq!(m.expect("member").credited, *amount, "{label}: wallet {}", Pubkey::new_from_array(*w));
    }
    assert_eq!(pc.pool_account().await.unwrap().credited, round.credited, "{label}: pool total");
    assert_eq!(world.ledger.rounds().await.unwrap()[0].status, RoundState::Credited, "{label}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settler_stopped_after_every_step_resumes_without_double_or_missed_credit() {
    // Steps of a full settlement here: 1 register tx (4 members), begin_credit, 4 credit batches = 6 sends.
    for fault in [Fault::DropAfter, Fault::LoseAckAfter] {
        for k in 0..6 {
            let world = World::new().await;
            let ws = wallets();
            world.shares_and_block(&ws).await;
            land(&world).await;
            let faulty = Faulty::new(world.chain.clone(), fault, k);
            let crashed = world.pc(faulty).await;
            let want = expected(&world, &crashed).await;
            assert!(settler::settle_all(&crashed, &*world.ledger).await.is_err(), "{fault:?} after {k}: the fault stops the settler");
            drop(crashed);
            // Restart on the same ledger with a healthy chain.
            let restarted = world.pc(world.chain.clone()).await;
            settler::settle_all(&restarted, &*world.ledger).await.unwrap_or_else(|e| panic!("{fault:?} after {k}: resume failed: {e}"));
            assert_credited_once(&world, &want, &format!("{fault:?} after {k} sends")).await;
            // A further run is a no-op.
            settler::settle_all(&restarted, &*world.ledger).await.unwrap();
            assert_credited_once(&world, &want, &format!("{fault:?} after {k} sends, rerun")).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpc_that_fails_then_recovers_still_lands_the_solution() {
    let world = World::new().await;
    world.shares_and_block(&wallets()).await;
    let pc = world.pc(Faulty::new(world.chain.clone(), Fault::FailFirst, 3)).await;
    let s = world.ledger.solutions(SolutionStatus::Pending).await.unwrap().remove(0);
    submitter::submit_one(&pc, &*world.ledger, &s, &CancellationToken::new()).await;
    let confirmed = world.ledger.solutions(SolutionStatus::Confirmed).await.unwrap();
    assert_eq!(confirmed.len(), 1, "landed after 3 failed sends");
    let round = pc.round(s.block_count).await.unwrap().expect("round on-chain");
    assert_eq!(round.nonce, s.nonce);
    let escrow = pc.token_balance(&pda::escrow(&world.pool)).await.unwrap();
    assert_eq!(escrow, round.reward, "the reward is in escrow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solution_for_a_block_already_won_is_recorded_lost() {
    // Both ways in: from the ledger (reads the chain first) and fresh from the validator (sends at once).
    for fresh in [false, true] {
        already_won(fresh).await;
    }
}

async fn already_won(fresh: bool) {
    let world = World::new().await;
    let ws = wallets();
    world.shares_and_block(&ws).await;
    // A second valid nonce for the same block, recorded as another solution.
    let pc = world.pc(world.chain.clone()).await;
    let s = pc.trez_state().await.unwrap();
    let first = world.ledger.solutions(SolutionStatus::Pending).await.unwrap().remove(0);
    let other = (first.nonce + 1..)
        .find(|&n| trez_pow::meets_difficulty(&trez_pow::digest(&s.challenge_number, &world.authority.to_bytes(), s.block_count, n), s.difficulty_high))
        .unwrap();
    let z = trez_pow::zero_bits(&trez_pow::digest(&s.challenge_number, &world.authority.to_bytes(), s.block_count, other));
    world
        .ledger
        .record(NewShare { wallet: ws[1], worker: "t".into(), challenge: s.challenge_number, block_count: s.block_count, nonce: other, bits: 4, zero_bits: z, block: true, signature: [0; 64] })
        .await
        .unwrap();
    let pending = world.ledger.solutions(SolutionStatus::Pending).await.unwrap();
    assert_eq!(pending.len(), 2);
    for p in &pending {
        if fresh {
            submitter::submit_fresh(&pc, &*world.ledger, p, &CancellationToken::new()).await;
        } else {
            submitter::submit_one(&pc, &*world.ledger, p, &CancellationToken::new()).await;
        }
    }
    let lost = world.ledger.solutions(SolutionStatus::Lost).await.unwrap();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].nonce, other);
    assert!(lost[0].reason.as_deref().unwrap_or("").contains("another solution"), "fresh {fresh}: {:?}", lost[0].reason);
    assert_eq!(world.ledger.solutions(SolutionStatus::Confirmed).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payout_whose_confirmation_was_lost_is_imported_once() {
    let world = World::new().await;
    let ws = wallets();
    world.shares_and_block(&ws).await;
    land(&world).await;
    let pc = world.pc(world.chain.clone()).await;
    settler::settle_all(&pc, &*world.ledger).await.unwrap();
    // The crank: the transaction creating the 4 members' token accounts goes through; the payout lands but
    // its confirmation is lost (the relayer died or the node went away between send and record).
    let crashed = world.pc(Faulty::new(world.chain.clone(), Fault::LoseAckAfter, 1)).await;
    assert!(payouts::payout_once(&crashed, &*world.ledger).await.is_err());
    drop(crashed);
    let paid = pc.pool_account().await.unwrap().paid;
    assert!(paid > 0, "the payout landed");
    assert_eq!(world.ledger.payout_total().await.unwrap(), 0, "but is not recorded");

    // The restarted relayer's payout loop imports it at start, with the amounts of its transfer_checked.
    let cancel = CancellationToken::new();
    let lp = tokio::spawn(payouts::payouts(pc.clone(), world.ledger.clone(), trez_relayer::tasks::leader::Leader::new(world.ledger.clone()), cancel.clone()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while world.ledger.payout_total().await.unwrap() != paid {
        assert!(std::time::Instant::now() < deadline, "the payout loop did not import the landed payout");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    lp.await.unwrap();
    let rows = world.ledger.payouts().await.unwrap();
    assert_eq!(rows.len(), 4, "one transfer per member: {rows:?}");
    let members = pc.members(&ws.iter().map(|w| Pubkey::new_from_array(*w)).collect::<Vec<_>>()).await.unwrap();
    for (w, m) in ws.iter().zip(&members) {
        let row = rows.iter().find(|r| &r.wallet == w).expect("each member's transfer");
        assert_eq!(row.amount, m.as_ref().unwrap().paid);
    }
    // Once: importing again adds nothing, and the next crank pass has nobody to pay.
    assert_eq!(payouts::reconcile_payouts(&pc, &*world.ledger, 1_000).await.unwrap(), 0);
    assert!(payouts::payout_once(&pc, &*world.ledger).await.unwrap().is_empty());
    assert_eq!(world.ledger.payout_total().await.unwrap(), pc.pool_account().await.unwrap().paid);
}
