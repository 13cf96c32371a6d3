//! Stateful property test of the pool program: random sequences of its instructions (register, submit,
//! begin_credit, credit_batch incl. replays and over-credits, payout, claim, fee proposals and applies,
//! min_payout changes, fee withdrawals) run in `solana-program-test` with the real SPL Token program. After
//! every step the pool's accounting must hold exactly:
//!
//! - `Pool::invariant(escrow balance)` (allotted ≤ received, paid ≤ credited, fees withdrawn ≤ accrued,
//!   fee ≤ cap, escrow ≥ owed);
//! - escrow balance = received − paid − fees withdrawn (no token moves outside the ledger);
//! - Σ Member.credited = Pool.credited = Σ Round.credited, Σ Member.paid = Pool.paid, paid ≤ credited per
//!   member, Round.credited ≤ its distributable;
//! - each member's credited equals the model's tally of the credit batches that succeeded, and a replayed
//!   batch always fails (credited exactly once);
//! - stranding (`mark_stranded`, after random slot warps) succeeds exactly when the round is `Submitted`, its
//!   timeout has passed and the pool has a credited round; `claim_stranded` with a proof of the fallback
//!   round's leaves succeeds exactly once per wallet and round, pays `floor(d × w / W)` to the wallet's
//!   account, and a stranded round is never credited; Σ claims joins the identities: Pool.credited =
//!   Σ Member.credited + Σ claims, Pool.paid = Σ Member.paid + Σ claims, Pool.fees_accrued = Σ fees + Σ dust,
//!   and every Round's invariant holds;
//! - a failed instruction changes no account.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_tests::*;

const MEMBERS: usize = 4;
const MAX_FEE_BPS: u16 = 1_000;
const TIMEOUT: u64 = 10;

/// The leaves a `Begin` commits for a round of `n` leaves: wallets 0..n with weights 1..=n (amount 0; only
/// the tree matters to `claim_stranded`).
fn planned_leaves(wallets: &[Keypair], n: u32) -> Vec<trez_relayer::pplns::Leaf> {
    (0..n as usize)
        .map(|i| trez_relayer::pplns::Leaf { wallet: wallets[i].pubkey().to_bytes(), weight: i as u128 + 1, shares: 1, amount: 0 })
        .collect()
}

#[derive(Clone, Debug)]
enum Op {
    Register(usize),
    Submit,
    Begin { round: usize, leaves: u32 },
    Batch { round: usize, count: usize, seed: u64, over: bool },
    Replay,
    Payout(u8),
    Claim(usize),
    ProposeFee(u16),
    ApplyFee,
    SetMinPayout(u64),
    WithdrawFees(u64),
    Complete(usize),
    Warp(u64),
    Strand(usize),
    ClaimStranded { round: usize, member: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..MEMBERS).prop_map(Op::Register),
        3 => Just(Op::Submit),
        3 => ((0usize..8), (1u32..=MEMBERS as u32)).prop_map(|(round, leaves)| Op::Begin { round, leaves }),
        8 => ((0usize..8), (1usize..=3), any::<u64>(), proptest::bool::weighted(0.15))
            .prop_map(|(round, count, seed, over)| Op::Batch { round, count, seed, over }),
        1 => Just(Op::Replay),
        3 => any::<u8>().prop_map(Op::Payout),
        2 => (0..MEMBERS).prop_map(Op::Claim),
        1 => (0u16..1_300).prop_map(Op::ProposeFee),
        1 => Just(Op::ApplyFee),
        1 => (0u64..30_000_000).prop_map(Op::SetMinPayout),
        1 => (0u64..3_000_000).prop_map(Op::WithdrawFees),
        3 => (0usize..8).prop_map(Op::Complete),
        2 => (1u64..=TIMEOUT).prop_map(Op::Warp),
        2 => (0usize..8).prop_map(Op::Strand),
        3 => ((0usize..8), (0..MEMBERS)).prop_map(|(round, member)| Op::ClaimStranded { round, member }),
    ]
}

struct World {
    env: Env,
    p: PoolKeys,
    wallets: Vec<Keypair>,
    atas: Vec<Pubkey>,
    admin_ata: Pubkey,
    registered: [bool; MEMBERS],
    /// Block counts of submitted rounds, in order.
    rounds: Vec<u64>,
    /// Model: what each member was credited by successful credit batches.
    credited: [u64; MEMBERS],
    /// The last successful credit batch (for replays).
    last_batch: Option<solana_sdk::instruction::Instruction>,
    /// Model: Σ paid by `claim_stranded`, and the (round, member) pairs that claimed.
    stranded_paid: u64,
    stranded_claims: std::collections::BTreeSet<(u64, usize)>,
}

impl World {
    async fn new() -> World {
        let mut env = Env::new(test_trez_params()).await;
        env.strand_timeout_slots = TIMEOUT;
        let p = env.create_pool(250, MAX_FEE_BPS, 0, 1).await;
        let mut wallets: Vec<Keypair> = (0..MEMBERS).map(|_| Keypair::new()).collect();
        wallets.sort_by_key(|k| k.pubkey());
        let mint = env.mint;
        let mut atas = vec![];
        for w in &wallets {
            env.fund(&w.pubkey(), 100_000_000).await;
            atas.push(env.ata(&w.pubkey(), &mint).await);
        }
        let admin = p.admin.pubkey();
        let admin_ata = env.ata(&admin, &mint).await;
        World { env, p, wallets, atas, admin_ata, registered: [false; MEMBERS], rounds: vec![], credited: [0; MEMBERS], last_batch: None, stranded_paid: 0, stranded_claims: Default::default() }
    }

    fn watched(&self) -> Vec<Pubkey> {
        let mut w = vec![self.p.pool, self.p.escrow, self.admin_ata];
        w.extend(self.wallets.iter().map(|k| pda::member(&self.p.pool, &k.pubkey())));
        w.extend(self.rounds.iter().map(|bc| pda::round(&self.p.pool, *bc)));
        w.extend(self.atas.iter().copied());
        w
    }

    async fn member(&mut self, i: usize) -> Option<trez_pool::state::Member> {
        let key = pda::member(&self.p.pool, &self.wallets[i].pubkey());
        self.env.account(&key).await?;
        Some(self.env.anchor(&key).await)
    }

    /// Run one op; returns whether its transaction succeeded (None: nothing was sent).
    async fn step(&mut self, op: &Op) -> Option<bool> {
        let relayer = self.p.relayer.insecure_clone();
        let admin = self.p.admin.insecure_clone();
        let (pool, mint) = (self.p.pool, self.env.mint);
        let before = self.env.snapshot(&self.watched()).await;
        let (ix, signers): (solana_sdk::instruction::Instruction, Vec<Keypair>) = match op {
            Op::Register(i) => (pool::register_member(relayer.pubkey(), pool, self.wallets[*i].pubkey()), vec![relayer]),
            Op::Submit => {
                let p = self.p.insecure_clone();
                let (bc, _) = self.env.submit_block(&p).await;
                self.rounds.push(bc);
                return Some(true);
            }
            Op::Begin { round, leaves } => {
                let bc = self.pick(*round, RoundStatus::Submitted).await?;
                let planned = planned_leaves(&self.wallets, *leaves);
                let total: u128 = planned.iter().map(|l| l.weight).sum();
                let root = trez_relayer::pplns::merkle_root(&planned);
                (pool::begin_credit(relayer.pubkey(), pool, bc, root, *leaves, 2, total), vec![relayer])
            }
            Op::Batch { round, count, seed, over } => {
                let bc = *self.rounds.get(round % self.rounds.len().max(1))?;
                let r: trez_pool::state::Round = self.env.anchor(&pda::round(&pool, bc)).await;
                // The next registered wallets after the round's last credited one.
                let next: Vec<usize> = (0..MEMBERS)
                    .filter(|&i| self.registered[i] && self.wallets[i].pubkey() > r.last_wallet)
                    .take(*count)
                    .collect();
                if next.is_empty() {
                    return None;
                }
                let remaining = (r.reward - r.fee).saturating_sub(r.credited);
                let amounts: Vec<u64> = next
                    .iter()
                    .enumerate()
                    .map(|(k, _)| {
                        let share = remaining / (MEMBERS as u64 + 1);
                        let jitter = seed.rotate_left(k as u32 * 13) % (share / 2 + 1);
                        if *over && k == 0 { remaining + 1 } else { share - jitter / 2 }
                    })
                    .collect();
                let wallets: Vec<Pubkey> = next.iter().map(|&i| self.wallets[i].pubkey()).collect();
                let ix = pool::credit_batch(relayer.pubkey(), pool, bc, r.next_batch, &wallets, amounts.clone());
                let ok = self.send(&ix, &[&relayer]).await;
                self.check_unchanged_if_failed(ok, &before).await;
                if ok {
                    for (i, a) in next.iter().zip(&amounts) {
                        self.credited[*i] += a;
                    }
                    self.last_batch = Some(ix);
                }
                assert!(!(ok && *over), "an over-credit batch was accepted");
                return Some(ok);
            }
            Op::Replay => {
                let ix = self.last_batch.clone()?;
                let ok = self.send(&ix, &[&relayer]).await;
                assert!(!ok, "a replayed credit batch was accepted");
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
            Op::Payout(mask) => {
                let pairs: Vec<(Pubkey, Pubkey)> = (0..MEMBERS)
                    .filter(|&i| self.registered[i] && mask & (1 << i) != 0)
                    .map(|i| (self.wallets[i].pubkey(), self.atas[i]))
                    .collect();
                if pairs.is_empty() {
                    return None;
                }
                (pool::payout(pool, mint, &pairs), vec![])
            }
            Op::Claim(i) => {
                let w = self.wallets[*i].insecure_clone();
                let pending = self.member(*i).await.map(|m| m.pending().unwrap()).unwrap_or(0);
                let ix = pool::claim(w.pubkey(), pool, mint, self.atas[*i]);
                let ok = self.send(&ix, &[&w]).await;
                assert_eq!(ok, pending > 0, "claim succeeds exactly when something is owed");
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
            Op::ProposeFee(bps) => {
                let ok = self.send(&pool::propose_fee(admin.pubkey(), pool, *bps), &[&admin]).await;
                assert_eq!(ok, *bps <= MAX_FEE_BPS, "a fee above the cap is refused, one under it accepted");
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
            Op::Complete(round) => {
                // Register what the round's remaining leaves need, then credit them all in one batch.
                let bc = self.pick(*round, RoundStatus::Crediting).await?;
                let r: trez_pool::state::Round = self.env.anchor(&pda::round(&pool, bc)).await;
                if r.status != RoundStatus::Crediting {
                    return None;
                }
                let need = (r.leaf_count - r.leaves_credited) as usize;
                let next: Vec<usize> = (0..MEMBERS).filter(|&i| self.wallets[i].pubkey() > r.last_wallet || r.leaves_credited == 0).take(need).collect();
                if next.len() != need {
                    return None;
                }
                for &i in &next {
                    if !self.registered[i] {
                        let ix = pool::register_member(relayer.pubkey(), pool, self.wallets[i].pubkey());
                        assert!(self.send(&ix, &[&relayer]).await);
                        self.registered[i] = true;
                    }
                }
                let before = self.env.snapshot(&self.watched()).await;
                let remaining = r.reward - r.fee - r.credited;
                let mut amounts = vec![remaining / need as u64; need];
                amounts[need - 1] += remaining % need as u64;
                let wallets: Vec<Pubkey> = next.iter().map(|&i| self.wallets[i].pubkey()).collect();
                let ix = pool::credit_batch(relayer.pubkey(), pool, bc, r.next_batch, &wallets, amounts.clone());
                let ok = self.send(&ix, &[&relayer]).await;
                assert!(ok, "completing a crediting round with exactly its remaining leaves");
                self.check_unchanged_if_failed(ok, &before).await;
                for (i, a) in next.iter().zip(&amounts) {
                    self.credited[*i] += a;
                }
                self.last_batch = Some(ix);
                return Some(ok);
            }
            Op::Warp(n) => {
                let slot = self.env.ctx.banks_client.get_root_slot().await.unwrap();
                self.env.ctx.warp_to_slot(slot + n).unwrap();
                return None;
            }
            Op::Strand(round) => {
                let bc = self.pick(*round, RoundStatus::Submitted).await?;
                let r: trez_pool::state::Round = self.env.anchor(&pda::round(&pool, bc)).await;
                let p: trez_pool::state::Pool = self.env.anchor(&pool).await;
                let ix = pool::mark_stranded(self.env.ctx.payer.pubkey(), pool, bc, p.last_credited_block);
                let ok = self.send(&ix, &[]).await;
                // The send moved the bank at least one slot; the clock it ran with is the one after.
                let clock: solana_sdk::clock::Clock = self.env.ctx.banks_client.get_sysvar().await.unwrap();
                let due = clock.slot >= r.submitted_slot + TIMEOUT;
                let expect = r.status == RoundStatus::Submitted && due && p.credited_rounds > 0;
                assert_eq!(ok, expect, "mark_stranded of {r:?} at slot {} with {} credited rounds", clock.slot, p.credited_rounds);
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
            Op::ClaimStranded { round, member } => {
                let bc = self.pick(*round, RoundStatus::Stranded).await?;
                let r: trez_pool::state::Round = self.env.anchor(&pda::round(&pool, bc)).await;
                let (leaves, index) = if r.status == RoundStatus::Stranded {
                    let planned = planned_leaves(&self.wallets, r.leaf_count);
                    (planned, *member % r.leaf_count as usize)
                } else {
                    (planned_leaves(&self.wallets, MEMBERS as u32), *member)
                };
                let l = leaves[index];
                let leaf = pool::LeafArgs { wallet: Pubkey::new_from_array(l.wallet), weight: l.weight, shares: 1, amount: 0 };
                let proof = trez_relayer::pplns::merkle_proof(&leaves, index).unwrap();
                let ix = pool::claim_stranded(self.env.ctx.payer.pubkey(), pool, mint, bc, leaf, index as u32, proof, self.atas[index]);
                let ata_before = self.env.balance(&self.atas[index]).await;
                let ok = self.send(&ix, &[]).await;
                let fresh = !self.stranded_claims.contains(&(bc, index));
                assert_eq!(ok, r.status == RoundStatus::Stranded && fresh, "claim_stranded of {r:?} by leaf {index}");
                if ok {
                    self.stranded_claims.insert((bc, index));
                    let want = ((r.reward - r.fee) as u128 * l.weight / r.total_weight) as u64;
                    assert_eq!(self.env.balance(&self.atas[index]).await - ata_before, want, "floor(d × w / W)");
                    self.stranded_paid += want;
                }
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
            Op::ApplyFee => (pool::apply_fee(admin.pubkey(), pool), vec![admin]),
            Op::SetMinPayout(x) => (pool::set_min_payout(admin.pubkey(), pool, *x), vec![admin]),
            Op::WithdrawFees(amount) => {
                let p: trez_pool::state::Pool = self.env.anchor(&pool).await;
                let ok = self.send(&pool::withdraw_fees(admin.pubkey(), pool, mint, self.admin_ata, *amount), &[&admin]).await;
                let available = p.fees_accrued - p.fees_withdrawn;
                if *amount > available {
                    assert!(!ok, "withdrew {amount} with {available} available");
                }
                self.check_unchanged_if_failed(ok, &before).await;
                return Some(ok);
            }
        };
        let refs: Vec<&Keypair> = signers.iter().collect();
        let ok = self.send(&ix, &refs).await;
        if ok {
            if let Op::Register(i) = op {
                self.registered[*i] = true;
            }
        }
        self.check_unchanged_if_failed(ok, &before).await;
        Some(ok)
    }

    /// Round number `i` among those in `status` when there are any (so that the op mostly hits its target),
    /// else among all rounds.
    async fn pick(&mut self, i: usize, status: RoundStatus) -> Option<u64> {
        let mut matching = vec![];
        for bc in self.rounds.clone() {
            let r: trez_pool::state::Round = self.env.anchor(&pda::round(&self.p.pool, bc)).await;
            if r.status == status {
                matching.push(bc);
            }
        }
        let from = if matching.is_empty() || i % 5 == 0 { &self.rounds } else { &matching };
        from.get(i % from.len().max(1)).copied()
    }

    async fn send(&mut self, ix: &solana_sdk::instruction::Instruction, signers: &[&Keypair]) -> bool {
        self.env.send(std::slice::from_ref(ix), signers).await.is_ok()
    }

    async fn check_unchanged_if_failed(&mut self, ok: bool, before: &[Option<(u64, Vec<u8>)>]) {
        if !ok {
            let after = self.env.snapshot(&self.watched()).await;
            // `watched` may have grown by a round only on success; compare the common prefix.
            assert_eq!(&after[..before.len()], before, "a failed instruction changed an account");
        }
    }

    /// The accounting identities after a step.
    async fn check(&mut self, step: usize, op: &Op) {
        let pool: trez_pool::state::Pool = self.env.anchor(&self.p.pool).await;
        let escrow = self.env.balance(&self.p.escrow).await;
        assert!(pool.invariant(escrow).is_ok(), "step {step} {op:?}: invariant fails: {pool:?} escrow {escrow}");
        assert_eq!(escrow, pool.received - pool.paid - pool.fees_withdrawn, "step {step} {op:?}: escrow balance");
        let (mut credited, mut paid) = (0u64, 0u64);
        for i in 0..MEMBERS {
            match self.member(i).await {
                Some(m) => {
                    assert!(self.registered[i]);
                    assert!(m.paid <= m.credited, "step {step}: member {i} paid above credited");
                    assert_eq!(m.credited, self.credited[i], "step {step} {op:?}: member {i} credited vs the successful batches");
                    credited += m.credited;
                    paid += m.paid;
                }
                None => assert!(!self.registered[i] && self.credited[i] == 0),
            }
        }
        assert_eq!(credited + self.stranded_paid, pool.credited, "step {step}: Σ member credited + Σ stranded claims");
        assert_eq!(paid + self.stranded_paid, pool.paid, "step {step}: Σ member paid + Σ stranded claims");
        let (mut round_credited, mut received, mut fees) = (0u64, 0u64, 0u64);
        for bc in self.rounds.clone() {
            let r: trez_pool::state::Round = self.env.anchor(&pda::round(&self.p.pool, bc)).await;
            assert!(r.credited <= r.reward - r.fee, "step {step}: round {bc} over-credited");
            // TREZ paid reward + the 3-TREZ bonus (the authority never has a referrer); the Round says which is which.
            assert_eq!((r.reward, r.bonus), (test_block_payout(), test_trez_params().referral_bonus), "step {step}: round {bc} reward and bonus");
            r.invariant().unwrap_or_else(|e| panic!("step {step} {op:?}: round {bc} invariant: {e:?} {r:?}"));
            round_credited += r.credited;
            received += r.reward;
            fees += r.fee + r.dust;
        }
        assert_eq!(round_credited, pool.credited, "step {step}: Σ round credited");
        assert_eq!(received, pool.received, "step {step}: Σ round rewards");
        assert_eq!(fees, pool.fees_accrued, "step {step}: Σ round fees + dust");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 64, ..ProptestConfig::default() })]
    #[test]
    fn random_instruction_sequences_keep_the_books_exact(ops in proptest::collection::vec(op(), 20..70)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let mut w = World::new().await;
            let mut sent = 0;
            let mut tally: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
            for (step, op) in ops.iter().enumerate() {
                if let Some(ok) = w.step(op).await {
                    sent += 1;
                    let name = format!("{op:?}").split([' ', '(']).next().unwrap_or("").to_string();
                    let e = tally.entry(name).or_default();
                    if ok { e.0 += 1 } else { e.1 += 1 }
                }
                w.check(step, op).await;
            }
            assert!(sent > 0);
            eprintln!("sequence of {}: (ok, failed) by instruction {tally:?}", ops.len());
        });
    }
}
