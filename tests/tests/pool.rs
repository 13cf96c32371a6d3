//! Pool program (`programs/trez-pool`): the full money flow, every instruction's success path, every error
//! it can raise, and the sealevel-attack classes (signer, owner, account substitution, re-init, duplicate
//! accounts, arbitrary CPI, overflow). Failed calls are checked to change nothing.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use anchor_lang::error::ErrorCode as AnchorCode;
use solana_sdk::instruction::AccountMeta;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_mining::error::TrezError;
use trez_pool::error::PoolError;
use trez_tests::*;

const FEE_BPS: u16 = 250; // 2.5 %
const MAX_FEE_BPS: u16 = 1_000;
const TIMELOCK: i64 = 3_600;

/// A pool with `n` registered members (wallets sorted ascending) that each have an ATA.
struct Fx {
    env: Env,
    p: PoolKeys,
    wallets: Vec<Keypair>,
    atas: Vec<Pubkey>,
}

impl Fx {
    async fn new(n: usize, min_payout: u64) -> Fx {
        let mut env = Env::new(test_trez_params()).await;
        let p = env.create_pool(FEE_BPS, MAX_FEE_BPS, TIMELOCK, min_payout).await;
        let (wallets, atas) = env.members(&p, n, 100_000_000).await;
        Fx { env, p, wallets, atas }
    }

    fn keys(&self) -> Vec<Pubkey> {
        self.wallets.iter().map(|k| k.pubkey()).collect()
    }

    fn relayer(&self) -> Keypair {
        self.p.relayer.insecure_clone()
    }

    fn admin(&self) -> Keypair {
        self.p.admin.insecure_clone()
    }

    async fn pool(&mut self) -> trez_pool::state::Pool {
        let key = self.p.pool;
        self.env.anchor(&key).await
    }

    async fn round(&mut self, bc: u64) -> trez_pool::state::Round {
        let key = pda::round(&self.p.pool, bc);
        self.env.anchor(&key).await
    }

    async fn member(&mut self, i: usize) -> trez_pool::state::Member {
        let key = pda::member(&self.p.pool, &self.wallets[i].pubkey());
        self.env.anchor(&key).await
    }

    /// Submit a block and begin crediting it with `leaf_count` leaves; returns (block_count, distributable).
    async fn crediting_round(&mut self, leaf_count: u32) -> (u64, u64) {
        let p = self.p.insecure_clone();
        let (bc, _) = self.env.submit_block(&p).await;
        let r = self.round(bc).await;
        let relayer = self.relayer();
        self.env
            .send(&[pool::begin_credit(relayer.pubkey(), self.p.pool, bc, [7; 32], leaf_count, 2, leaf_count as u128)], &[&relayer])
            .await
            .unwrap();
        (bc, r.reward - r.fee)
    }

    /// Credit `amounts[i]` to wallet i in one batch.
    async fn credit(&mut self, bc: u64, batch: u32, wallets: &[Pubkey], amounts: Vec<u64>) -> Result<(), solana_program_test::BanksClientError> {
        let relayer = self.relayer();
        let ix = pool::credit_batch(relayer.pubkey(), self.p.pool, bc, batch, wallets, amounts);
        self.env.send(&[ix], &[&relayer]).await
    }

    /// Accounts that a failed instruction must leave untouched.
    fn watch(&self, bc: u64) -> Vec<Pubkey> {
        let mut w = vec![self.p.pool, self.p.escrow, pda::round(&self.p.pool, bc)];
        w.extend(self.wallets.iter().map(|k| pda::member(&self.p.pool, &k.pubkey())));
        w.extend(self.atas.iter().copied());
        w
    }
}

/// Split `total` over `n` leaves: equal parts, remainder to the first leaves.
fn split(total: u64, n: usize) -> Vec<u64> {
    let base = total / n as u64;
    let rem = (total % n as u64) as usize;
    (0..n).map(|i| base + u64::from(i < rem)).collect()
}

#[tokio::test]
async fn full_flow_submit_credit_payout_claim() {
    let mut fx = Fx::new(3, 1).await;
    // TREZ pays the block reward plus the 3-TREZ bonus (the authority has no referrer).
    let reward = test_block_payout();
    let fee = reward * FEE_BPS as u64 / 10_000;

    // Mine with the authority PDA as miner key and land the solution: the reward lands in escrow.
    let (bc, nonce) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let escrow = fx.p.escrow;
    assert_eq!(fx.env.balance(&escrow).await, reward);
    let r = fx.round(bc).await;
    assert_eq!((r.block_count, r.nonce, r.reward, r.fee), (bc, nonce, reward, fee));
    assert_eq!(r.bonus, test_trez_params().referral_bonus);
    assert_eq!(r.status, RoundStatus::Submitted);
    assert_eq!(r.difficulty, test_trez_params().difficulty);
    let pl = fx.pool().await;
    assert_eq!((pl.received, pl.fees_accrued, pl.credited, pl.paid, pl.rounds), (reward, fee, 0, 0, 1));

    // Commit leaves, credit in two batches.
    let distributable = reward - fee;
    let amounts = [distributable / 2, distributable / 3, distributable - distributable / 2 - distributable / 3];
    let relayer = fx.relayer();
    fx.env.send(&[pool::begin_credit(relayer.pubkey(), fx.p.pool, bc, [9; 32], 3, 2, 3)], &[&relayer]).await.unwrap();
    let r = fx.round(bc).await;
    assert_eq!((r.status, r.leaves_root, r.leaf_count), (RoundStatus::Crediting, [9; 32], 3));
    let keys = fx.keys();
    fx.credit(bc, 0, &keys[..2], amounts[..2].to_vec()).await.unwrap();
    assert_eq!(fx.round(bc).await.status, RoundStatus::Crediting);
    fx.credit(bc, 1, &keys[2..], amounts[2..].to_vec()).await.unwrap();
    let r = fx.round(bc).await;
    assert_eq!((r.status, r.credited, r.next_batch, r.leaves_credited), (RoundStatus::Credited, distributable, 2, 3));
    for (i, a) in amounts.iter().enumerate() {
        assert_eq!(fx.member(i).await.credited, *a);
    }
    assert_eq!(fx.pool().await.credited, distributable);

    // Crank pays members 0 and 1 (permissionless: the context payer is nobody in particular).
    let pairs = vec![(keys[0], fx.atas[0]), (keys[1], fx.atas[1])];
    let mint = fx.env.mint;
    fx.env.send(&[pool::payout(fx.p.pool, mint, &pairs)], &[]).await.unwrap();
    for (i, amount) in amounts.iter().enumerate().take(2) {
        let ata = fx.atas[i];
        assert_eq!(fx.env.balance(&ata).await, *amount);
        let m = fx.member(i).await;
        assert_eq!(m.paid, *amount);
    }
    // Member 2 claims itself, into its own ATA.
    let w2 = fx.wallets[2].insecure_clone();
    fx.env.send(&[pool::claim(w2.pubkey(), fx.p.pool, mint, fx.atas[2])], &[&w2]).await.unwrap();
    let ata2 = fx.atas[2];
    assert_eq!(fx.env.balance(&ata2).await, amounts[2]);

    // Admin withdraws the fee; escrow ends empty and every total balances.
    let admin = fx.admin();
    let admin_ata = fx.env.ata(&admin.pubkey(), &mint).await;
    fx.env.send(&[pool::withdraw_fees(admin.pubkey(), fx.p.pool, mint, admin_ata, fee)], &[&admin]).await.unwrap();
    assert_eq!(fx.env.balance(&admin_ata).await, fee);
    assert_eq!(fx.env.balance(&escrow).await, 0);
    let pl = fx.pool().await;
    assert_eq!(
        (pl.received, pl.credited, pl.fees_accrued, pl.fees_withdrawn, pl.paid),
        (reward, distributable, fee, fee, distributable)
    );
    pl.invariant(0).unwrap();
}

#[tokio::test]
async fn initialize_pool_errors_are_coded_and_reinit_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let admin = Keypair::new();
    env.fund(&admin.pubkey(), 1_000_000_000).await;
    let base = pool::InitializePoolArgs {
        relayer: Pubkey::new_unique(),
        fee_bps: 100,
        max_fee_bps: 1_000,
        fee_timelock_seconds: 60,
        min_payout: 0,
        strand_timeout_slots: trez_pool::constants::MIN_STRAND_TIMEOUT_SLOTS,
    };
    let cases: [(pool::InitializePoolArgs, PoolError); 4] = [
        (pool::InitializePoolArgs { max_fee_bps: 1_001, ..base }, PoolError::MaxFeeTooHigh),
        (pool::InitializePoolArgs { fee_bps: 1_001, max_fee_bps: 1_000, ..base }, PoolError::FeeAboveMax),
        (pool::InitializePoolArgs { fee_timelock_seconds: -1, ..base }, PoolError::InvalidTimelock),
        (pool::InitializePoolArgs { strand_timeout_slots: 9, ..base }, PoolError::InvalidStrandTimeout),
    ];
    for (args, code) in cases {
        let res = env.send(&[pool::initialize_pool(admin.pubkey(), env.mint, args)], &[&admin]).await;
        assert_anchor_error!(res, code);
        assert!(env.account(&pda::pool(&admin.pubkey())).await.is_none());
    }
    env.send(&[pool::initialize_pool(admin.pubkey(), env.mint, base)], &[&admin]).await.unwrap();
    let before = env.snapshot(&[pda::pool(&admin.pubkey())]).await;
    let res = env
        .send(&[pool::initialize_pool(admin.pubkey(), env.mint, pool::InitializePoolArgs { fee_bps: 0, ..base })], &[&admin])
        .await;
    assert!(res.is_err(), "re-initialization must fail");
    assert_eq!(before, env.snapshot(&[pda::pool(&admin.pubkey())]).await);
}

#[tokio::test]
async fn initialize_pool_refuses_transfer_fee_mint() {
    use anchor_spl::token_2022::spl_token_2022 as t22;
    use t22::extension::ExtensionType;
    let mut env = Env::new(test_trez_params()).await;
    let admin = Keypair::new();
    env.fund(&admin.pubkey(), 1_000_000_000).await;
    let mint = Keypair::new();
    let space = ExtensionType::try_calculate_account_len::<t22::state::Mint>(&[ExtensionType::TransferFeeConfig]).unwrap();
    let rent = env.ctx.banks_client.get_rent().await.unwrap();
    let payer = env.ctx.payer.pubkey();
    let ixs = vec![
        anchor_lang::solana_program::system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &t22::ID,
        ),
        t22::extension::transfer_fee::instruction::initialize_transfer_fee_config(
            &t22::ID,
            &mint.pubkey(),
            None,
            None,
            100,
            1_000,
        )
        .unwrap(),
        t22::instruction::initialize_mint2(&t22::ID, &mint.pubkey(), &admin.pubkey(), None, 6).unwrap(),
    ];
    env.send(&ixs, &[&mint]).await.unwrap();
    let args = pool::InitializePoolArgs {
        relayer: Pubkey::new_unique(),
        fee_bps: 0,
        max_fee_bps: 0,
        fee_timelock_seconds: 0,
        min_payout: 0,
        strand_timeout_slots: 100,
    };
    let mut ix = pool::initialize_pool(admin.pubkey(), mint.pubkey(), args);
    ix.accounts[5] = AccountMeta::new_readonly(t22::ID, false); // token_program: Token-2022
    let res = env.send(&[ix], &[&admin]).await;
    assert_anchor_error!(res, PoolError::UnsupportedMintExtension);
}

#[tokio::test]
async fn register_member_by_any_payer_once_and_never_the_authority() {
    let mut fx = Fx::new(0, 0).await;
    let payer = Keypair::new();
    fx.env.fund(&payer.pubkey(), 100_000_000).await;
    let wallet = Pubkey::new_unique();
    fx.env.send(&[pool::register_member(payer.pubkey(), fx.p.pool, wallet)], &[&payer]).await.unwrap();
    let m: trez_pool::state::Member = fx.env.anchor(&pda::member(&fx.p.pool, &wallet)).await;
    assert_eq!((m.pool, m.wallet, m.credited, m.paid), (fx.p.pool, wallet, 0, 0));
    // Re-init.
    let res = fx.env.send(&[pool::register_member(payer.pubkey(), fx.p.pool, wallet)], &[&payer]).await;
    assert!(res.is_err(), "second registration must fail");
    // The authority PDA can never be a member.
    let res = fx.env.send(&[pool::register_member(payer.pubkey(), fx.p.pool, fx.p.authority)], &[&payer]).await;
    assert_anchor_error!(res, PoolError::AuthorityCannotBeMember);
}

#[tokio::test]
async fn admin_setters_succeed_for_admin_and_fail_for_others() {
    let mut fx = Fx::new(0, 0).await;
    let admin = fx.admin();
    let intruder = fx.relayer(); // the hot key is not the admin
    let new_relayer = Pubkey::new_unique();
    let watch = vec![fx.p.pool];
    let before = fx.env.snapshot(&watch).await;
    for ix in [
        pool::set_relayer(intruder.pubkey(), fx.p.pool, new_relayer),
        pool::propose_fee(intruder.pubkey(), fx.p.pool, 10),
        pool::apply_fee(intruder.pubkey(), fx.p.pool),
        pool::set_min_payout(intruder.pubkey(), fx.p.pool, 5),
    ] {
        let res = fx.env.send(&[ix], &[&intruder]).await;
        assert_anchor_error!(res, PoolError::NotAdmin);
    }
    // Signer check: the admin's key without its signature.
    let mut ix = pool::set_relayer(admin.pubkey(), fx.p.pool, new_relayer);
    ix.accounts[0] = AccountMeta::new_readonly(admin.pubkey(), false);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, AnchorCode::AccountNotSigner);
    assert_eq!(before, fx.env.snapshot(&watch).await);

    fx.env.send(&[pool::set_relayer(admin.pubkey(), fx.p.pool, new_relayer)], &[&admin]).await.unwrap();
    fx.env.send(&[pool::set_min_payout(admin.pubkey(), fx.p.pool, 42)], &[&admin]).await.unwrap();
    let pl = fx.pool().await;
    assert_eq!((pl.relayer, pl.min_payout), (new_relayer, 42));
}

#[tokio::test]
async fn fee_change_obeys_cap_and_timelock() {
    let mut fx = Fx::new(0, 0).await;
    let admin = fx.admin();
    let pk = fx.p.pool;
    assert_anchor_error!(fx.env.send(&[pool::apply_fee(admin.pubkey(), pk)], &[&admin]).await, PoolError::NoPendingFee);
    assert_anchor_error!(
        fx.env.send(&[pool::propose_fee(admin.pubkey(), pk, MAX_FEE_BPS + 1)], &[&admin]).await,
        PoolError::FeeAboveMax
    );
    let t0 = fx.env.now().await;
    fx.env.send(&[pool::propose_fee(admin.pubkey(), pk, 500)], &[&admin]).await.unwrap();
    let pl = fx.pool().await;
    assert_eq!((pl.pending_fee_bps, pl.pending_fee_effective_ts), (500, t0 + TIMELOCK));
    let before = fx.env.snapshot(&[pk]).await;
    assert_anchor_error!(
        fx.env.send(&[pool::apply_fee(admin.pubkey(), pk)], &[&admin]).await,
        PoolError::FeeTimelockNotElapsed
    );
    assert_eq!(before, fx.env.snapshot(&[pk]).await);
    fx.env.warp_seconds(TIMELOCK + 1).await;
    fx.env.send(&[pool::apply_fee(admin.pubkey(), pk)], &[&admin]).await.unwrap();
    let pl = fx.pool().await;
    assert_eq!((pl.fee_bps, pl.pending_fee_effective_ts), (500, 0));
    // The new fee applies to the next round.
    let (bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let r = fx.round(bc).await;
    assert_eq!(r.fee, r.reward * 500 / 10_000);
}

#[tokio::test]
async fn withdraw_fees_only_by_admin_only_what_accrued() {
    let mut fx = Fx::new(0, 0).await;
    let (bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let fee = fx.round(bc).await.fee;
    let admin = fx.admin();
    let relayer = fx.relayer();
    let mint = fx.env.mint;
    let dest = fx.env.ata(&admin.pubkey(), &mint).await;
    let watch = vec![fx.p.pool, fx.p.escrow, dest];
    let before = fx.env.snapshot(&watch).await;
    let pk = fx.p.pool;
    assert_anchor_error!(
        fx.env.send(&[pool::withdraw_fees(relayer.pubkey(), pk, mint, dest, 1)], &[&relayer]).await,
        PoolError::NotAdmin
    );
    assert_anchor_error!(
        fx.env.send(&[pool::withdraw_fees(admin.pubkey(), pk, mint, dest, fee + 1)], &[&admin]).await,
        PoolError::InsufficientFees
    );
    assert_anchor_error!(
        fx.env.send(&[pool::withdraw_fees(admin.pubkey(), pk, mint, dest, 0)], &[&admin]).await,
        PoolError::ZeroAmount
    );
    assert_eq!(before, fx.env.snapshot(&watch).await);
    fx.env.send(&[pool::withdraw_fees(admin.pubkey(), pk, mint, dest, fee - 1)], &[&admin]).await.unwrap();
    assert_anchor_error!(
        fx.env.send(&[pool::withdraw_fees(admin.pubkey(), pk, mint, dest, 2)], &[&admin]).await,
        PoolError::InsufficientFees
    );
    fx.env.send(&[pool::withdraw_fees(admin.pubkey(), pk, mint, dest, 1)], &[&admin]).await.unwrap();
    assert_eq!(fx.env.balance(&dest).await, fee);
    assert_eq!(fx.pool().await.fees_withdrawn, fee);
}

#[tokio::test]
async fn submit_solution_invalid_nonce_fails_and_creates_no_round() {
    let mut fx = Fx::new(0, 0).await;
    let nonce = fx.env.bad_nonce_for(&fx.p.authority).await;
    let bc = fx.env.trez_state().await.block_count;
    let watch = vec![fx.p.pool, fx.p.escrow, pda::trez_state(), pda::round(&fx.p.pool, bc)];
    let before = fx.env.snapshot(&watch).await;
    let payer = fx.env.ctx.payer.pubkey();
    let res = fx.env.send(&[pool::submit_solution(payer, fx.p.pool, fx.env.mint, bc, nonce)], &[]).await;
    assert_anchor_error!(res, TrezError::InsufficientDifficulty);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn submit_solution_nonce_mined_with_own_wallet_fails() {
    // The guide's hole: a miner hashing with its own key produces nothing the pool can claim.
    let mut fx = Fx::new(0, 0).await;
    let own = Keypair::new();
    let s = fx.env.trez_state().await;
    let nonce = (0u64..)
        .find(|&n| {
            let mine = trez_pow::digest(&s.challenge_number, &own.pubkey().to_bytes(), s.block_count, n);
            let pool = trez_pow::digest(&s.challenge_number, &fx.p.authority.to_bytes(), s.block_count, n);
            trez_pow::meets_difficulty(&mine, s.difficulty_high) && !trez_pow::meets_difficulty(&pool, s.difficulty_high)
        })
        .unwrap();
    let payer = fx.env.ctx.payer.pubkey();
    let res = fx.env.send(&[pool::submit_solution(payer, fx.p.pool, fx.env.mint, s.block_count, nonce)], &[]).await;
    assert_anchor_error!(res, TrezError::InsufficientDifficulty);
}

#[tokio::test]
async fn submit_solution_fake_trez_program_fails() {
    let mut fx = Fx::new(0, 0).await;
    let nonce = fx.env.mine_for(&fx.p.authority).await;
    let bc = fx.env.trez_state().await.block_count;
    let payer = fx.env.ctx.payer.pubkey();
    for fake in [ids::TOKEN, ids::POOL, anchor_lang::system_program::ID] {
        let ix = pool::submit_solution_with_program(payer, fx.p.pool, fx.env.mint, bc, nonce, fake);
        assert_anchor_error!(fx.env.send(&[ix], &[]).await, AnchorCode::InvalidProgramId);
    }
    // The real one still works with the same nonce.
    fx.env.send(&[pool::submit_solution(payer, fx.p.pool, fx.env.mint, bc, nonce)], &[]).await.unwrap();
}

#[tokio::test]
async fn submit_solution_twice_for_one_block_fails() {
    let mut fx = Fx::new(0, 0).await;
    let (bc, nonce) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let payer = fx.env.ctx.payer.pubkey();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let res = fx.env.send(&[pool::submit_solution(payer, fx.p.pool, fx.env.mint, bc, nonce)], &[]).await;
    assert!(res.is_err(), "a round exists once");
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn submit_solution_zero_reward_fails() {
    // A TREZ paying nothing (reward and bonus 0): the pool refuses an empty round.
    let mut env = Env::new(mining::InitializeArgs { initial_reward: 0, referral_bonus: 0, ..test_trez_params() }).await;
    let p = env.create_pool(FEE_BPS, MAX_FEE_BPS, TIMELOCK, 0).await;
    let nonce = env.mine_for(&p.authority).await;
    let bc = env.trez_state().await.block_count;
    let payer = env.ctx.payer.pubkey();
    let res = env.send(&[pool::submit_solution(payer, p.pool, env.mint, bc, nonce)], &[]).await;
    assert_anchor_error!(res, PoolError::NoReward);
    assert!(env.account(&pda::round(&p.pool, bc)).await.is_none());
}

#[tokio::test]
async fn begin_credit_errors_are_coded() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let relayer = fx.relayer();
    let admin = fx.admin();
    let pk = fx.p.pool;
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(admin.pubkey(), pk, bc, [1; 32], 2, 2, 2)], &[&admin]).await,
        PoolError::NotRelayer
    );
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(relayer.pubkey(), pk, bc, [1; 32], 0, 2, 0)], &[&relayer]).await,
        PoolError::InvalidLeafCount
    );
    // Leaves with no weight, and a zero PPLNS factor, are refused.
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(relayer.pubkey(), pk, bc, [1; 32], 2, 2, 0)], &[&relayer]).await,
        PoolError::InvalidLeafCount
    );
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(relayer.pubkey(), pk, bc, [1; 32], 2, 0, 2)], &[&relayer]).await,
        PoolError::InvalidPplnsFactor
    );
    assert_eq!(before, fx.env.snapshot(&watch).await);
    fx.env.send(&[pool::begin_credit(relayer.pubkey(), pk, bc, [1; 32], 2, 3, 17)], &[&relayer]).await.unwrap();
    let r = fx.round(bc).await;
    assert_eq!((r.pplns_factor, r.total_weight), (3, 17), "the split's parameters are on-chain");
    // The root is committed once.
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(relayer.pubkey(), pk, bc, [2; 32], 2, 2, 2)], &[&relayer]).await,
        PoolError::RoundNotSubmitted
    );
    assert_eq!(fx.round(bc).await.leaves_root, [1; 32]);
}

#[tokio::test]
async fn credit_batch_by_non_relayer_fails() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let admin = fx.admin();
    let keys = fx.keys();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let ix = pool::credit_batch(admin.pubkey(), fx.p.pool, bc, 0, &keys, split(dist, 2));
    assert_anchor_error!(fx.env.send(&[ix], &[&admin]).await, PoolError::NotRelayer);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn credit_batch_replayed_batch_fails_and_never_double_credits() {
    let mut fx = Fx::new(4, 0).await;
    let (bc, dist) = fx.crediting_round(4).await;
    let keys = fx.keys();
    let amounts = split(dist, 4);
    fx.credit(bc, 0, &keys[..2], amounts[..2].to_vec()).await.unwrap();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    // The very same batch again (fresh blockhash: a relayer retry, not a runtime duplicate).
    let res = fx.credit(bc, 0, &keys[..2], amounts[..2].to_vec()).await;
    assert_anchor_error!(res, PoolError::InvalidBatchIndex);
    assert_eq!(before, fx.env.snapshot(&watch).await);
    // Same members under the right index: wallets must ascend past the last credited one.
    let res = fx.credit(bc, 1, &keys[..2], amounts[..2].to_vec()).await;
    assert_anchor_error!(res, PoolError::DuplicateMember);
    assert_eq!(before, fx.env.snapshot(&watch).await);
    fx.credit(bc, 1, &keys[2..], amounts[2..].to_vec()).await.unwrap();
    for (i, amount) in amounts.iter().enumerate().take(4) {
        assert_eq!(fx.member(i).await.credited, *amount);
    }
}

#[tokio::test]
async fn credit_batch_out_of_order_fails() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let keys = fx.keys();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let res = fx.credit(bc, 1, &keys[1..], split(dist, 2)[1..].to_vec()).await;
    assert_anchor_error!(res, PoolError::InvalidBatchIndex);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn credit_batch_over_credit_fails() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let keys = fx.keys();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let res = fx.credit(bc, 0, &keys, vec![dist, 1]).await;
    assert_anchor_error!(res, PoolError::OverCredit);
    // Overflow: amounts that wrap u64.
    let res = fx.credit(bc, 0, &keys, vec![u64::MAX, 1]).await;
    assert_anchor_error!(res, PoolError::Overflow);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn credit_batch_leaf_count_is_enforced() {
    let mut fx = Fx::new(3, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let keys = fx.keys();
    // Three leaves into a two-leaf round.
    let res = fx.credit(bc, 0, &keys, split(dist, 3)).await;
    assert_anchor_error!(res, PoolError::TooManyLeaves);
    // The last leaf must complete the round exactly, and completing early is refused.
    let res = fx.credit(bc, 0, &keys[..2], vec![1, 1]).await;
    assert_anchor_error!(res, PoolError::LeafCountMismatch);
    let res = fx.credit(bc, 0, &keys[..1], vec![dist]).await;
    assert_anchor_error!(res, PoolError::LeafCountMismatch);
}

#[tokio::test]
async fn credit_batch_malformed_batches_fail() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let keys = fx.keys();
    let relayer = fx.relayer();
    let pk = fx.p.pool;
    // Empty.
    assert_anchor_error!(fx.credit(bc, 0, &[], vec![]).await, PoolError::InvalidBatchSize);
    // Amounts without accounts.
    let ix = pool::credit_batch(relayer.pubkey(), pk, bc, 0, &keys[..1], split(dist, 2));
    assert_anchor_error!(fx.env.send(&[ix], &[&relayer]).await, PoolError::AccountsMismatch);
    // Read-only member.
    let mut ix = pool::credit_batch(relayer.pubkey(), pk, bc, 0, &keys, split(dist, 2));
    let n = ix.accounts.len();
    ix.accounts[n - 1].is_writable = false;
    assert_anchor_error!(fx.env.send(&[ix], &[&relayer]).await, PoolError::AccountNotWritable);
    // Duplicate member within one batch.
    let dup = vec![keys[0], keys[0]];
    assert_anchor_error!(fx.credit(bc, 0, &dup, split(dist, 2)).await, PoolError::DuplicateMember);
    // Descending order.
    let desc = vec![keys[1], keys[0]];
    assert_anchor_error!(fx.credit(bc, 0, &desc, split(dist, 2)).await, PoolError::DuplicateMember);
    // Owner check: an account that is not a Member (a token account, a system account).
    let mut ix = pool::credit_batch(relayer.pubkey(), pk, bc, 0, &keys, split(dist, 2));
    ix.accounts[n - 1] = AccountMeta::new(fx.atas[1], false);
    assert_anchor_error!(fx.env.send(&[ix], &[&relayer]).await, PoolError::InvalidMember);
}

#[tokio::test]
async fn credit_batch_member_of_another_pool_fails() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    // A second pool with a member for the same wallet.
    let other = fx.env.create_pool(0, 0, 0, 0).await;
    let w0 = fx.wallets[0].pubkey();
    let r2 = other.relayer.insecure_clone();
    fx.env.send(&[pool::register_member(r2.pubkey(), other.pool, w0)], &[&r2]).await.unwrap();
    let relayer = fx.relayer();
    let keys = fx.keys();
    let mut ix = pool::credit_batch(relayer.pubkey(), fx.p.pool, bc, 0, &keys, split(dist, 2));
    let n = ix.accounts.len();
    ix.accounts[n - 2] = AccountMeta::new(pda::member(&other.pool, &w0), false);
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    assert_anchor_error!(fx.env.send(&[ix], &[&relayer]).await, PoolError::InvalidMember);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn credit_batch_on_credited_round_fails() {
    let mut fx = Fx::new(2, 0).await;
    let (bc, dist) = fx.crediting_round(2).await;
    let keys = fx.keys();
    fx.credit(bc, 0, &keys, split(dist, 2)).await.unwrap();
    assert_eq!(fx.round(bc).await.status, RoundStatus::Credited);
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    assert_anchor_error!(fx.credit(bc, 1, &keys[..1], vec![0]).await, PoolError::RoundNotCrediting);
    let relayer = fx.relayer();
    assert_anchor_error!(
        fx.env.send(&[pool::begin_credit(relayer.pubkey(), fx.p.pool, bc, [0; 32], 2, 2, 2)], &[&relayer]).await,
        PoolError::RoundNotSubmitted
    );
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn credit_batch_before_begin_credit_fails() {
    let mut fx = Fx::new(1, 0).await;
    let (bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let keys = fx.keys();
    assert_anchor_error!(fx.credit(bc, 0, &keys, vec![1]).await, PoolError::RoundNotCrediting);
}

/// A pool with `n` members, one Credited round split evenly.
async fn credited(n: usize, min_payout: u64) -> (Fx, u64, Vec<u64>) {
    let mut fx = Fx::new(n, min_payout).await;
    let (bc, dist) = fx.crediting_round(n as u32).await;
    let keys = fx.keys();
    let amounts = split(dist, n);
    fx.credit(bc, 0, &keys, amounts.clone()).await.unwrap();
    (fx, bc, amounts)
}

#[tokio::test]
async fn payout_to_token_account_of_someone_else_fails() {
    let (mut fx, bc, _) = credited(2, 0).await;
    let keys = fx.keys();
    let thief = Keypair::new();
    let mint = fx.env.mint;
    let thief_ata = fx.env.ata(&thief.pubkey(), &mint).await;
    let mut watch = fx.watch(bc);
    watch.push(thief_ata);
    let before = fx.env.snapshot(&watch).await;
    let res = fx.env.send(&[pool::payout(fx.p.pool, mint, &[(keys[0], thief_ata)])], &[]).await;
    assert_anchor_error!(res, PoolError::DestinationOwnerMismatch);
    // Another member's account is someone else's too.
    let res = fx.env.send(&[pool::payout(fx.p.pool, mint, &[(keys[0], fx.atas[1])])], &[]).await;
    assert_anchor_error!(res, PoolError::DestinationOwnerMismatch);
    // The escrow itself.
    let res = fx.env.send(&[pool::payout(fx.p.pool, mint, &[(keys[0], fx.p.escrow)])], &[]).await;
    assert_anchor_error!(res, PoolError::DestinationOwnerMismatch);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn payout_wrong_mint_fails() {
    let (mut fx, bc, _) = credited(1, 0).await;
    let keys = fx.keys();
    let w = keys[0];
    let other_mint = fx.env.create_mint(&w, 6).await;
    let other_ata = fx.env.ata(&w, &other_mint).await;
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let mint = fx.env.mint;
    // Destination of another mint.
    let res = fx.env.send(&[pool::payout(fx.p.pool, mint, &[(w, other_ata)])], &[]).await;
    assert_anchor_error!(res, PoolError::MintMismatch);
    // Another mint as the instruction's mint.
    let res = fx.env.send(&[pool::payout(fx.p.pool, other_mint, &[(w, fx.atas[0])])], &[]).await;
    assert_anchor_error!(res, PoolError::MintMismatch);
    assert_eq!(before, fx.env.snapshot(&watch).await);
}

#[tokio::test]
async fn payout_member_of_another_pool_fails() {
    let (mut fx, _bc, _) = credited(1, 0).await;
    let other = fx.env.create_pool(0, 0, 0, 0).await;
    let w = fx.wallets[0].pubkey();
    let r2 = other.relayer.insecure_clone();
    fx.env.send(&[pool::register_member(r2.pubkey(), other.pool, w)], &[&r2]).await.unwrap();
    let mint = fx.env.mint;
    let ix = pool::payout_raw(fx.p.pool, mint, &[(pda::member(&other.pool, &w), fx.atas[0])]);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, PoolError::InvalidMember);
}

#[tokio::test]
async fn payout_duplicate_members_fail() {
    let (mut fx, bc, amounts) = credited(2, 0).await;
    let mint = fx.env.mint;
    let m0 = pda::member(&fx.p.pool, &fx.wallets[0].pubkey());
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    let ix = pool::payout_raw(fx.p.pool, mint, &[(m0, fx.atas[0]), (m0, fx.atas[0])]);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, PoolError::DuplicateMember);
    assert_eq!(before, fx.env.snapshot(&watch).await);
    // Once is fine, and paying again pays nothing more.
    let pairs = [(fx.wallets[0].pubkey(), fx.atas[0])];
    fx.env.send(&[pool::payout(fx.p.pool, mint, &pairs)], &[]).await.unwrap();
    fx.env.send(&[pool::payout(fx.p.pool, mint, &pairs)], &[]).await.unwrap();
    let ata0 = fx.atas[0];
    assert_eq!(fx.env.balance(&ata0).await, amounts[0]);
}

#[tokio::test]
async fn payout_malformed_pairs_fail() {
    let (mut fx, _bc, _) = credited(1, 0).await;
    let mint = fx.env.mint;
    let pk = fx.p.pool;
    assert_anchor_error!(fx.env.send(&[pool::payout_raw(pk, mint, &[])], &[]).await, PoolError::InvalidBatchSize);
    let mut ix = pool::payout(pk, mint, &[(fx.wallets[0].pubkey(), fx.atas[0])]);
    ix.accounts.pop();
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, PoolError::InvalidBatchSize);
    let mut ix = pool::payout(pk, mint, &[(fx.wallets[0].pubkey(), fx.atas[0])]);
    let n = ix.accounts.len();
    ix.accounts[n - 1].is_writable = false;
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, PoolError::AccountNotWritable);
}

#[tokio::test]
async fn payout_substituted_escrow_fails() {
    let (mut fx, _bc, _) = credited(1, 0).await;
    let other = fx.env.create_pool(0, 0, 0, 0).await;
    let mint = fx.env.mint;
    let mut ix = pool::payout(fx.p.pool, mint, &[(fx.wallets[0].pubkey(), fx.atas[0])]);
    ix.accounts[2] = AccountMeta::new(other.escrow, false);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, AnchorCode::ConstraintAddress);
    // A pool account owned by another program (type cosplay / owner check).
    let mut ix = pool::payout(fx.p.pool, mint, &[(fx.wallets[0].pubkey(), fx.atas[0])]);
    ix.accounts[0] = AccountMeta::new(pda::trez_state(), false);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, AnchorCode::AccountOwnedByWrongProgram);
}

#[tokio::test]
async fn payout_skips_members_below_min_payout() {
    let (mut fx, _bc, amounts) = credited(2, 0).await;
    let admin = fx.admin();
    let pk = fx.p.pool;
    fx.env.send(&[pool::set_min_payout(admin.pubkey(), pk, amounts[0] + 1)], &[&admin]).await.unwrap();
    let mint = fx.env.mint;
    let pairs: Vec<(Pubkey, Pubkey)> = fx.keys().into_iter().zip(fx.atas.iter().copied()).collect();
    fx.env.send(&[pool::payout(pk, mint, &pairs)], &[]).await.unwrap();
    let ata0 = fx.atas[0];
    assert_eq!(fx.env.balance(&ata0).await, 0, "below min_payout is skipped");
    assert_eq!(fx.member(0).await.paid, 0);
    // claim ignores min_payout.
    let w0 = fx.wallets[0].insecure_clone();
    fx.env.send(&[pool::claim(w0.pubkey(), pk, mint, ata0)], &[&w0]).await.unwrap();
    assert_eq!(fx.env.balance(&ata0).await, amounts[0]);
}

#[tokio::test]
async fn claim_errors_are_coded() {
    let (mut fx, bc, amounts) = credited(2, 0).await;
    let mint = fx.env.mint;
    let pk = fx.p.pool;
    let w0 = fx.wallets[0].insecure_clone();
    let w1 = fx.wallets[1].insecure_clone();
    let watch = fx.watch(bc);
    let before = fx.env.snapshot(&watch).await;
    // w1 signs for w0's member account: seeds don't match the signer.
    let mut ix = pool::claim(w1.pubkey(), pk, mint, fx.atas[1]);
    ix.accounts[2] = AccountMeta::new(pda::member(&pk, &w0.pubkey()), false);
    assert_anchor_error!(fx.env.send(&[ix], &[&w1]).await, AnchorCode::ConstraintSeeds);
    // Missing signature.
    let mut ix = pool::claim(w0.pubkey(), pk, mint, fx.atas[0]);
    ix.accounts[0] = AccountMeta::new_readonly(w0.pubkey(), false);
    assert_anchor_error!(fx.env.send(&[ix], &[]).await, AnchorCode::AccountNotSigner);
    assert_eq!(before, fx.env.snapshot(&watch).await);
    // Claim, then nothing left.
    fx.env.send(&[pool::claim(w0.pubkey(), pk, mint, fx.atas[0])], &[&w0]).await.unwrap();
    assert_eq!(fx.member(0).await.paid, amounts[0]);
    assert_anchor_error!(
        fx.env.send(&[pool::claim(w0.pubkey(), pk, mint, fx.atas[0])], &[&w0]).await,
        PoolError::NothingToClaim
    );
}

/// The most members one legacy transaction (1232 bytes) carries, found by building real transactions and
/// landing the largest: `credit_batch` and `payout`. The figures are stated in the README.
#[tokio::test]
async fn largest_credit_batch_and_payout_fit_one_transaction() {
    use solana_sdk::transaction::Transaction;
    const PACKET: usize = 1232;
    let n = 40;
    let mut fx = Fx::new(n, 0).await;
    let keys = fx.keys();
    let relayer = fx.relayer();
    let payer = fx.env.ctx.payer.insecure_clone();
    let pk = fx.p.pool;
    let size = |ix: solana_sdk::instruction::Instruction, signers: &[&Keypair]| {
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), signers, Default::default());
        bincode::serialized_size(&tx).unwrap() as usize
    };
    let max_credit = (1..=n)
        .take_while(|&k| {
            let ix = pool::credit_batch(relayer.pubkey(), pk, 0, 0, &keys[..k], vec![1; k]);
            size(ix, &[&payer, &relayer]) <= PACKET
        })
        .last()
        .unwrap();
    let mint = fx.env.mint;
    let pairs: Vec<(Pubkey, Pubkey)> = keys.iter().copied().zip(fx.atas.iter().copied()).collect();
    let max_payout = (1..=n)
        .take_while(|&k| size(pool::payout(pk, mint, &pairs[..k]), &[&payer]) <= PACKET)
        .last()
        .unwrap();
    println!("largest legacy transaction: credit_batch {max_credit} members, payout {max_payout} members");
    assert!(max_credit < n && max_payout < n, "the search must reach the size limit");

    // Land both at their maximum.
    let (bc, dist) = fx.crediting_round(max_credit as u32).await;
    fx.credit(bc, 0, &keys[..max_credit], split(dist, max_credit)).await.unwrap();
    assert_eq!(fx.round(bc).await.status, RoundStatus::Credited);
    fx.env.send(&[pool::payout(pk, mint, &pairs[..max_payout])], &[]).await.unwrap();
    for i in 0..max_payout {
        let ata = fx.atas[i];
        assert_eq!(fx.env.balance(&ata).await, split(dist, max_credit)[i]);
    }
}
