//! The pool's calls into TREZ (`programs/trez-pool/src/trez_cpi.rs`): `register_trez_miner`, and
//! `submit_solution` through the distributor interface with and without a referrer on the authority, and when
//! the distributor runs dry. Named `<ix>_<scenario>_<outcome>`; failed calls change nothing.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use anchor_lang::error::ErrorCode as AnchorCode;
use anchor_lang::{AccountSerialize, Discriminator};
use solana_sdk::account::Account;
use solana_sdk::instruction::AccountMeta;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_mining::error::TrezError;
use trez_tests::*;

#[tokio::test]
async fn register_trez_miner_creates_the_authority_miner_data_once() {
    let mut env = Env::new(test_trez_params()).await;
    // `create_pool` sends initialize_pool and register_trez_miner together, as the relayer's init_pool does.
    let p = env.create_pool(100, 1_000, 0, 1).await;
    let d = env.miner_data(&p.authority).await;
    assert_eq!((d.user, d.referrer, d.blocks), (p.authority, None, 0));
    let md = pda::trez_miner_data(&p.authority);
    let before = env.snapshot(&[md]).await;
    let payer = env.ctx.payer.pubkey();
    let res = env.send(&[pool::register_trez_miner(payer, p.pool)], &[]).await;
    assert!(res.is_err(), "a second registration must fail");
    assert_eq!(before, env.snapshot(&[md]).await);
}

#[tokio::test]
async fn register_trez_miner_fake_trez_program_and_foreign_pool_fail() {
    let mut env = Env::new(test_trez_params()).await;
    let admin = Keypair::new();
    env.fund(&admin.pubkey(), 5_000_000_000).await;
    let args = pool::InitializePoolArgs { relayer: Pubkey::new_unique(), fee_bps: 100, max_fee_bps: 1_000, fee_timelock_seconds: 0, min_payout: 1, strand_timeout_slots: 216_000 };
    env.send(&[pool::initialize_pool(admin.pubkey(), env.mint, args)], &[&admin]).await.unwrap();
    let pool_key = pda::pool(&admin.pubkey());
    let payer = env.ctx.payer.pubkey();
    for fake in [ids::TOKEN, ids::POOL, anchor_lang::system_program::ID] {
        let ix = pool::register_trez_miner_with_program(payer, pool_key, fake);
        assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::InvalidProgramId);
    }
    // An authority that is not this pool's PDA.
    let mut ix = pool::register_trez_miner(payer, pool_key);
    ix.accounts[2].pubkey = Pubkey::new_unique();
    assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::ConstraintSeeds);
    assert!(env.account(&pda::trez_miner_data(&pda::authority(&pool_key))).await.is_none());

    // Without a MinerData the pool cannot claim: TREZ requires it.
    let nonce = env.mine_for(&pda::authority(&pool_key)).await;
    let bc = env.trez_state().await.block_count;
    let res = env.send(&[pool::submit_solution(payer, pool_key, env.mint, bc, nonce)], &[]).await;
    assert_anchor_error!(res, AnchorCode::AccountNotInitialized);
    assert!(env.account(&pda::round(&pool_key, bc)).await.is_none());

    env.send(&[pool::register_trez_miner(payer, pool_key)], &[]).await.unwrap();
    env.send(&[pool::submit_solution(payer, pool_key, env.mint, bc, nonce)], &[]).await.unwrap();
    let r: Round = env.anchor(&pda::round(&pool_key, bc)).await;
    assert_eq!((r.reward, r.bonus), (test_block_payout(), test_trez_params().referral_bonus));
}

#[tokio::test]
async fn submit_solution_without_referrer_lands_reward_and_bonus_in_escrow_and_splits_them() {
    let params = mining::InitializeArgs { blocks_per_era: 1, ..test_trez_params() };
    let mut env = Env::new(params).await;
    let p = env.create_pool(100, 1_000, 0, 1).await;
    let vault = pda::trez_distributor_token(&env.mint);
    let mut received = 0;
    // Era length 1: each block halves the reward; the bonus stays 3 TREZ; Round.bonus separates them.
    for era in 0..3u32 {
        let v0 = env.balance(&vault).await;
        let (bc, _) = env.submit_block(&p).await;
        let r: Round = env.anchor(&pda::round(&p.pool, bc)).await;
        let reward = params.initial_reward >> era;
        assert_eq!((r.reward, r.bonus), (reward + params.referral_bonus, params.referral_bonus), "era {era}");
        assert_eq!(v0 - env.balance(&vault).await, r.reward, "escrow delta = what the distributor paid");
        received += r.reward;
    }
    assert_eq!(env.balance(&p.escrow).await, received);
    let d = env.miner_data(&p.authority).await;
    assert_eq!((d.blocks, d.earned, d.referrer), (3, received, None));
}

#[tokio::test]
async fn the_authority_referrer_cannot_be_set_from_outside_the_pool() {
    let mut env = Env::new(test_trez_params()).await;
    let p = env.create_pool(100, 1_000, 0, 1).await;
    // TREZ set_referrer needs the user's signature; the authority is a PDA no key signs for, and no pool
    // instruction signs set_referrer for it.
    let mut ix = mining::set_referrer(p.authority, Pubkey::new_unique());
    ix.accounts[0] = AccountMeta::new_readonly(p.authority, false);
    assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::AccountNotSigner);
    assert_eq!(env.miner_data(&p.authority).await.referrer, None);
    let idl: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../idl/trez_pool.json")).unwrap()).unwrap();
    let instructions = idl["instructions"].as_array().unwrap();
    assert!(instructions.len() > 10);
    for ix in instructions {
        let names = std::iter::once(&ix["name"]).chain(ix["accounts"].as_array().unwrap().iter().map(|a| &a["name"]));
        for n in names {
            assert!(!n.as_str().unwrap().contains("referrer"), "no pool instruction or account touches a referrer: {n}");
        }
    }
}

#[tokio::test]
async fn submit_solution_with_a_referrer_on_the_authority_is_refused_by_trez_and_changes_nothing() {
    // Were a referrer ever set for the authority (the pool never does it), TREZ would want the bonus paid to
    // the referrer; the pool passes no referrer account, so TREZ refuses instead of paying elsewhere.
    let mut env = Env::new(test_trez_params()).await;
    let p = env.create_pool(100, 1_000, 0, 1).await;
    let md = pda::trez_miner_data(&p.authority);
    let mut data: trez_sdk::TrezMinerData = env.miner_data(&p.authority).await;
    data.referrer = Some(Pubkey::new_unique());
    let mut bytes = vec![];
    data.try_serialize(&mut bytes).unwrap();
    assert!(bytes.starts_with(trez_sdk::TrezMinerData::DISCRIMINATOR));
    let old = env.account(&md).await.unwrap();
    bytes.resize(old.data.len(), 0);
    env.ctx.set_account(&md, &Account { data: bytes, ..old }.into());

    let nonce = env.mine_for(&p.authority).await;
    let bc = env.trez_state().await.block_count;
    let payer = env.ctx.payer.pubkey();
    let watch = [p.pool, p.escrow, pda::trez_state(), pda::trez_distributor_token(&env.mint), md];
    let before = env.snapshot(&watch).await;
    let res = env.send(&[pool::submit_solution(payer, p.pool, env.mint, bc, nonce)], &[]).await;
    assert_anchor_error!(res, TrezError::ReferrerMismatch);
    assert_eq!(before, env.snapshot(&watch).await);
    assert!(env.account(&pda::round(&p.pool, bc)).await.is_none());
}

#[tokio::test]
async fn submit_solution_when_emission_is_exhausted_fails_cleanly() {
    let mut env = Env::with_supply(test_trez_params(), test_block_payout() - 1).await;
    let p = env.create_pool(100, 1_000, 0, 1).await;
    let nonce = env.mine_for(&p.authority).await;
    let bc = env.trez_state().await.block_count;
    let payer = env.ctx.payer.pubkey();
    let watch = [p.pool, p.escrow, pda::trez_state(), pda::trez_distributor_token(&env.mint)];
    let before = env.snapshot(&watch).await;
    let res = env.send(&[pool::submit_solution(payer, p.pool, env.mint, bc, nonce)], &[]).await;
    assert_anchor_error!(res, TrezError::EmissionExhausted);
    assert_eq!(before, env.snapshot(&watch).await);
    assert!(env.account(&pda::round(&p.pool, bc)).await.is_none());
}

#[tokio::test]
async fn submit_solution_distributor_substitution_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let p = env.create_pool(100, 1_000, 0, 1).await;
    let nonce = env.mine_for(&p.authority).await;
    let bc = env.trez_state().await.block_count;
    let payer = env.ctx.payer.pubkey();
    let mint = env.mint;
    // Another token account owned by the distributor PDA, and a fake distributor key.
    let other = env.token_account(&pda::trez_distributor(), &mint).await;
    let mut ix = pool::submit_solution(payer, p.pool, mint, bc, nonce);
    ix.accounts[9].pubkey = other;
    assert_anchor_error!(env.send(&[ix], &[]).await, TrezError::InvalidMint);
    let mut ix = pool::submit_solution(payer, p.pool, mint, bc, nonce);
    ix.accounts[8].pubkey = Pubkey::new_unique();
    assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::ConstraintSeeds);
    assert!(env.account(&pda::round(&p.pool, bc)).await.is_none());
    env.send(&[pool::submit_solution(payer, p.pool, mint, bc, nonce)], &[]).await.unwrap();
}
