//! TREZ replica (`programs/trez-mining`): every instruction's success path and every error it can raise,
//! named `<ix>_<scenario>_<outcome>`. State and balances are asserted, and failed calls change nothing.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use anchor_lang::error::ErrorCode as AnchorCode;
use solana_sdk::instruction::AccountMeta;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_mining::error::TrezError;
use trez_tests::*;

/// A funded, registered miner (TREZ MinerData) with an ATA for the TREZ mint.
async fn miner(env: &mut Env) -> (Keypair, Pubkey) {
    let kp = Keypair::new();
    env.fund(&kp.pubkey(), 1_000_000_000).await;
    let mint = env.mint;
    let ata = env.ata(&kp.pubkey(), &mint).await;
    env.register_trez_miner(&kp).await;
    (kp, ata)
}

#[tokio::test]
async fn initialize_sets_state_and_wires_the_distributor() {
    let mut env = Env::new(test_trez_params()).await;
    let s = env.trez_state().await;
    let p = test_trez_params();
    assert_eq!(s.difficulty_high, p.difficulty);
    assert_eq!((s.block_count, s.era, s.reward, s.initial_reward), (0, 0, p.initial_reward, p.initial_reward));
    assert_eq!((s.referral_bonus, s.blocks_per_era, s.total_paid), (3_000_000, 1_000, 0));
    assert_eq!(s.mint, env.mint);
    assert_eq!(s.distributor_token, pda::trez_distributor_token(&env.mint));
    assert_eq!(s.admin, env.trez_admin.pubkey());
    assert_ne!(s.challenge_number, [0u8; 32]);
    assert_eq!(env.balance(&s.distributor_token).await, TEST_SUPPLY);
}

#[tokio::test]
async fn initialize_twice_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let admin = env.trez_admin.insecure_clone();
    let before = env.snapshot(&[pda::trez_state()]).await;
    let res = env.send(&[mining::initialize(admin.pubkey(), env.mint, test_trez_params())], &[&admin]).await;
    assert!(res.is_err(), "re-initialization must fail");
    assert_eq!(before, env.snapshot(&[pda::trez_state()]).await);
}

#[tokio::test]
async fn initialize_errors_are_coded() {
    // A fresh bank per case: State can be created only once.
    let p = test_trez_params;
    let cases: Vec<(&str, u32, u8, bool, mining::InitializeArgs)> = vec![
        ("mint authority not revoked", TrezError::MintNotFixed.into(), 6, false, p()),
        ("wrong decimals", TrezError::InvalidDecimals.into(), 9, true, p()),
        ("difficulty above max", TrezError::InvalidDifficulty.into(), 6, true, mining::InitializeArgs { difficulty: 50, ..p() }),
        ("max above 192", TrezError::InvalidDifficulty.into(), 6, true, mining::InitializeArgs { max_difficulty: 193, ..p() }),
        ("zero target time", TrezError::InvalidTargetTime.into(), 6, true, mining::InitializeArgs { target_block_seconds: 0, ..p() }),
        ("zero era length", TrezError::InvalidEraLength.into(), 6, true, mining::InitializeArgs { blocks_per_era: 0, ..p() }),
        ("distributor token not its ATA", AnchorCode::ConstraintAssociated.into(), 6, true, p()),
    ];
    for (name, code, decimals, revoke, args) in cases {
        let ctx = program_test().start_with_context().await;
        let mut env = Env { ctx, trez_admin: Keypair::new(), mint: Default::default(), strand_timeout_slots: 10 };
        let admin = env.trez_admin.insecure_clone();
        env.fund(&admin.pubkey(), 1_000_000_000).await;
        let mint = env.create_trez_mint(decimals, TEST_SUPPLY, revoke).await;
        let mut ix = mining::initialize(admin.pubkey(), mint, args);
        if name == "distributor token not its ATA" {
            ix.accounts[4].pubkey = env.token_account(&pda::trez_distributor(), &mint).await;
        }
        let res = env.send(&[ix], &[&admin]).await;
        match &res {
            Err(e) => assert_eq!(custom_code(e), Some(code), "{name}: {e:?}"),
            Ok(_) => panic!("{name}: expected failure"),
        }
        assert!(env.account(&pda::trez_state()).await.is_none(), "{name}: state created");
    }
}

#[tokio::test]
async fn register_miner_creates_miner_data_once_and_needs_the_user_signature() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, _) = miner(&mut env).await;
    let d = env.miner_data(&kp.pubkey()).await;
    assert_eq!((d.user, d.referrer, d.blocks, d.earned), (kp.pubkey(), None, 0, 0));
    let rent = env.account(&pda::trez_miner_data(&kp.pubkey())).await.unwrap().lamports;
    assert_eq!(rent, 1_517_280, "the rent the docs give");
    let payer = env.ctx.payer.pubkey();
    let before = env.snapshot(&[pda::trez_miner_data(&kp.pubkey())]).await;
    let res = env.send(&[mining::register_miner(payer, kp.pubkey())], &[&kp]).await;
    assert!(res.is_err(), "a second registration must fail");
    assert_eq!(before, env.snapshot(&[pda::trez_miner_data(&kp.pubkey())]).await);
    let other = Keypair::new();
    let mut ix = mining::register_miner(payer, other.pubkey());
    ix.accounts[1] = AccountMeta::new_readonly(other.pubkey(), false);
    assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::AccountNotSigner);
    assert!(env.account(&pda::trez_miner_data(&other.pubkey())).await.is_none());
}

#[tokio::test]
async fn set_referrer_once_with_coded_errors() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, _) = miner(&mut env).await;
    let (other, _) = miner(&mut env).await;
    let md = pda::trez_miner_data(&kp.pubkey());
    let before = env.snapshot(&[md]).await;
    let res = env.send(&[mining::set_referrer(kp.pubkey(), kp.pubkey())], &[&kp]).await;
    assert_anchor_error!(res, TrezError::SelfReferral);
    let res = env.send(&[mining::set_referrer(kp.pubkey(), Pubkey::default())], &[&kp]).await;
    assert_anchor_error!(res, TrezError::InvalidReferrer);
    let mut ix = mining::set_referrer(kp.pubkey(), other.pubkey());
    ix.accounts[0] = AccountMeta::new_readonly(kp.pubkey(), false);
    assert_anchor_error!(env.send(&[ix], &[]).await, AnchorCode::AccountNotSigner);
    // Another miner's MinerData: the PDA must match the signer.
    let mut ix = mining::set_referrer(other.pubkey(), Pubkey::new_unique());
    ix.accounts[1].pubkey = md;
    assert_anchor_error!(env.send(&[ix], &[&other]).await, AnchorCode::ConstraintSeeds);
    assert_eq!(before, env.snapshot(&[md]).await);

    let referrer = Pubkey::new_unique();
    env.send(&[mining::set_referrer(kp.pubkey(), referrer)], &[&kp]).await.unwrap();
    assert_eq!(env.miner_data(&kp.pubkey()).await.referrer, Some(referrer));
    let before = env.snapshot(&[md]).await;
    let res = env.send(&[mining::set_referrer(kp.pubkey(), other.pubkey())], &[&kp]).await;
    assert_anchor_error!(res, TrezError::ReferrerAlreadySet);
    assert_eq!(custom_code(res.as_ref().unwrap_err()), Some(6004), "the code TREZ publishes");
    assert_eq!(before, env.snapshot(&[md]).await);
}

#[tokio::test]
async fn claim_reward_without_referrer_pays_reward_and_bonus_to_the_miner_and_advances() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let before = env.trez_state().await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, nonce)], &[&kp]).await.unwrap();
    assert_eq!(env.balance(&ata).await, test_block_payout());
    let after = env.trez_state().await;
    assert_eq!(after.block_count, before.block_count + 1);
    assert_ne!(after.challenge_number, before.challenge_number);
    assert_eq!(after.total_paid, test_block_payout());
    assert_eq!(env.balance(&after.distributor_token).await, TEST_SUPPLY - test_block_payout());
    let d = env.miner_data(&kp.pubkey()).await;
    assert_eq!((d.blocks, d.earned), (1, test_block_payout()));
}

#[tokio::test]
async fn claim_reward_with_referrer_pays_the_bonus_to_the_referrer() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let (referrer, referrer_ata) = miner(&mut env).await;
    env.send(&[mining::set_referrer(kp.pubkey(), referrer.pubkey())], &[&kp]).await.unwrap();
    let nonce = env.mine_for(&kp.pubkey()).await;
    let watch = [pda::trez_state(), ata, referrer_ata];
    let before = env.snapshot(&watch).await;
    // Referrer set but no referrer account, or one of another owner: refused, nothing moves.
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, nonce)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::ReferrerMismatch);
    let (_, stranger_ata) = miner(&mut env).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, Some(stranger_ata), nonce)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::ReferrerMismatch);
    // The miner's own account as the referrer account: Anchor refuses duplicate mutable accounts.
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, Some(ata), nonce)], &[&kp]).await;
    assert_anchor_error!(res, AnchorCode::ConstraintDuplicateMutableAccount);
    assert_eq!(before, env.snapshot(&watch).await);

    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, Some(referrer_ata), nonce)], &[&kp]).await.unwrap();
    let p = test_trez_params();
    assert_eq!(env.balance(&ata).await, p.initial_reward);
    assert_eq!(env.balance(&referrer_ata).await, p.referral_bonus);
    assert_eq!(env.trez_state().await.total_paid, p.initial_reward + p.referral_bonus);
    assert_eq!(env.miner_data(&kp.pubkey()).await.earned, p.initial_reward);
}

#[tokio::test]
async fn claim_reward_referrer_account_without_a_referrer_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let (_other, other_ata) = miner(&mut env).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    let watch = [pda::trez_state(), ata, other_ata];
    let before = env.snapshot(&watch).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, Some(other_ata), nonce)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::ReferrerMismatch);
    assert_eq!(before, env.snapshot(&watch).await);
}

#[tokio::test]
async fn claim_reward_unregistered_miner_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let kp = Keypair::new();
    env.fund(&kp.pubkey(), 1_000_000_000).await;
    let mint = env.mint;
    let ata = env.ata(&kp.pubkey(), &mint).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), mint, ata, None, nonce)], &[&kp]).await;
    assert_anchor_error!(res, AnchorCode::AccountNotInitialized);
    assert_eq!(env.balance(&ata).await, 0);
}

#[tokio::test]
async fn claim_reward_pays_until_the_supply_runs_out_then_fails_cleanly() {
    // Supply for exactly one block and a bit: the second claim cannot be paid.
    let mut env = Env::with_supply(test_trez_params(), test_block_payout() + 1).await;
    let (kp, ata) = miner(&mut env).await;
    let n = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    let n = env.mine_for(&kp.pubkey()).await;
    let vault = pda::trez_distributor_token(&env.mint);
    let watch = [pda::trez_state(), ata, vault, pda::trez_miner_data(&kp.pubkey())];
    let before = env.snapshot(&watch).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::EmissionExhausted);
    assert_eq!(before, env.snapshot(&watch).await, "nothing changes: same block, same challenge");
    assert_eq!(env.balance(&vault).await, 1);
}

#[tokio::test]
async fn claim_reward_halves_the_reward_each_era_and_keeps_the_bonus() {
    let params = mining::InitializeArgs { blocks_per_era: 2, ..test_trez_params() };
    let mut env = Env::new(params).await;
    let (kp, ata) = miner(&mut env).await;
    let mut paid = vec![];
    for _ in 0..5 {
        let s = env.trez_state().await;
        assert_eq!(s.era as u64, s.block_count / 2);
        let n = env.mine_for(&kp.pubkey()).await;
        let b = env.balance(&ata).await;
        env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
        paid.push(env.balance(&ata).await - b);
    }
    let (r, bonus) = (params.initial_reward, params.referral_bonus);
    assert_eq!(paid, vec![r + bonus, r + bonus, r / 2 + bonus, r / 2 + bonus, r / 4 + bonus]);
    let s = env.trez_state().await;
    assert_eq!((s.block_count, s.era, s.reward), (5, 2, r / 4));
}

#[tokio::test]
async fn claim_reward_distributor_token_substitution_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    // A token account the distributor PDA owns, but not the State's.
    let mint = env.mint;
    let other = env.token_account(&pda::trez_distributor(), &mint).await;
    let mut ix = mining::claim_reward(kp.pubkey(), mint, ata, None, nonce);
    ix.accounts[4].pubkey = other;
    let before = env.snapshot(&[pda::trez_state(), ata]).await;
    assert_anchor_error!(env.send(&[ix], &[&kp]).await, TrezError::InvalidMint);
    assert_eq!(before, env.snapshot(&[pda::trez_state(), ata]).await);
}

#[tokio::test]
async fn claim_reward_below_difficulty_fails_and_changes_nothing() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let nonce = env.bad_nonce_for(&kp.pubkey()).await;
    let watch = [pda::trez_state(), ata, env.mint];
    let before = env.snapshot(&watch).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, nonce)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::InsufficientDifficulty);
    assert_eq!(before, env.snapshot(&watch).await);
}

#[tokio::test]
async fn claim_reward_previous_challenge_nonce_fails_after_block() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let (other, other_ata) = miner(&mut env).await;
    let s = env.trez_state().await;
    let stale = mine(&s.challenge_number, &kp.pubkey(), s.block_count, s.difficulty_high, true);
    // Another miner lands the block first.
    let n = env.mine_for(&other.pubkey()).await;
    env.send(&[mining::claim_reward(other.pubkey(), env.mint, other_ata, None, n)], &[&other]).await.unwrap();
    // The stale nonce is checked against the new challenge and block_count; make sure it really misses there.
    let s2 = env.trez_state().await;
    let d = trez_pow::digest(&s2.challenge_number, &kp.pubkey().to_bytes(), s2.block_count, stale);
    if trez_pow::meets_difficulty(&d, s2.difficulty_high) {
        return; // 2^-8 chance the stale nonce is valid for the new challenge too: nothing to assert.
    }
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, stale)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::InsufficientDifficulty);
    assert_eq!(env.balance(&ata).await, 0);
}

#[tokio::test]
async fn claim_reward_digest_of_another_key_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let thief = Keypair::new();
    let s = env.trez_state().await;
    // A nonce valid for `kp` but not for `thief`: the digest binds the signer's key.
    let nonce = (0u64..)
        .find(|&n| {
            let good = trez_pow::digest(&s.challenge_number, &kp.pubkey().to_bytes(), s.block_count, n);
            let bad = trez_pow::digest(&s.challenge_number, &thief.pubkey().to_bytes(), s.block_count, n);
            trez_pow::meets_difficulty(&good, s.difficulty_high) && !trez_pow::meets_difficulty(&bad, s.difficulty_high)
        })
        .unwrap();
    env.fund(&thief.pubkey(), 1_000_000_000).await;
    env.register_trez_miner(&thief).await;
    let mint = env.mint;
    let thief_ata = env.ata(&thief.pubkey(), &mint).await;
    let res = env.send(&[mining::claim_reward(thief.pubkey(), mint, thief_ata, None, nonce)], &[&thief]).await;
    assert_anchor_error!(res, TrezError::InsufficientDifficulty);
    // The rightful miner still can.
    env.send(&[mining::claim_reward(kp.pubkey(), mint, ata, None, nonce)], &[&kp]).await.unwrap();
}

#[tokio::test]
async fn claim_reward_fast_block_raises_and_slow_block_lowers_difficulty() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let d0 = env.trez_state().await.difficulty_high;
    // Fast: well under half of 180 s.
    env.warp_seconds(10).await;
    let n = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    let d1 = env.trez_state().await.difficulty_high;
    assert_eq!(d1, d0 + 1, "fast block raises by one bit");
    // In the band: unchanged.
    env.warp_seconds(200).await;
    let n = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    assert_eq!(env.trez_state().await.difficulty_high, d1, "on-target block keeps difficulty");
    // Slow: more than twice 180 s.
    env.warp_seconds(1_000).await;
    let n = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    assert_eq!(env.trez_state().await.difficulty_high, d1 - 1, "slow block lowers by one bit");
}

#[tokio::test]
async fn claim_reward_retarget_respects_bounds() {
    let params = mining::InitializeArgs { difficulty: 4, min_difficulty: 4, max_difficulty: 5, ..test_trez_params() };
    let mut env = Env::new(params).await;
    let (kp, ata) = miner(&mut env).await;
    env.warp_seconds(10_000).await;
    let n = env.mine_for(&kp.pubkey()).await;
    env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    assert_eq!(env.trez_state().await.difficulty_high, 4, "floor holds");
    for _ in 0..3 {
        env.warp_seconds(1).await;
        let n = env.mine_for(&kp.pubkey()).await;
        env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await.unwrap();
    }
    assert_eq!(env.trez_state().await.difficulty_high, 5, "ceiling holds");
}

#[tokio::test]
async fn claim_reward_wrong_mint_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, _ata) = miner(&mut env).await;
    let fake = env.create_mint(&kp.pubkey(), 6).await;
    let fake_ata = env.ata(&kp.pubkey(), &fake).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    let mut ix = mining::claim_reward(kp.pubkey(), fake, fake_ata, None, nonce);
    ix.accounts[4].pubkey = pda::trez_distributor_token(&env.mint); // the real distributor account
    assert_anchor_error!(env.send(&[ix], &[&kp]).await, TrezError::InvalidMint);
}

#[tokio::test]
async fn claim_reward_token_account_of_another_owner_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, _ata) = miner(&mut env).await;
    let (_other, other_ata) = miner(&mut env).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    let before = env.snapshot(&[other_ata, pda::trez_state()]).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, other_ata, None, nonce)], &[&kp]).await;
    assert_anchor_error!(res, AnchorCode::ConstraintTokenOwner);
    assert_eq!(before, env.snapshot(&[other_ata, pda::trez_state()]).await);
}

#[tokio::test]
async fn claim_reward_missing_signer_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let (kp, ata) = miner(&mut env).await;
    let nonce = env.mine_for(&kp.pubkey()).await;
    let mut ix = mining::claim_reward(kp.pubkey(), env.mint, ata, None, nonce);
    ix.accounts[0] = AccountMeta::new_readonly(kp.pubkey(), false);
    let res = env.send(&[ix], &[]).await;
    assert_anchor_error!(res, AnchorCode::AccountNotSigner);
    assert_eq!(env.balance(&ata).await, 0);
}

#[tokio::test]
async fn set_params_by_admin_succeeds_and_by_others_fails() {
    let mut env = Env::new(test_trez_params()).await;
    let admin = env.trez_admin.insecure_clone();
    let new = mining::ParamsArgs { difficulty: 12, min_difficulty: 4, max_difficulty: 40, target_block_seconds: 60 };
    let intruder = Keypair::new();
    env.fund(&intruder.pubkey(), 1_000_000_000).await;
    let before = env.snapshot(&[pda::trez_state()]).await;
    let res = env.send(&[mining::set_params(intruder.pubkey(), new)], &[&intruder]).await;
    assert_anchor_error!(res, TrezError::Unauthorized);
    assert_eq!(before, env.snapshot(&[pda::trez_state()]).await);

    let res = env.send(&[mining::set_params(admin.pubkey(), mining::ParamsArgs { min_difficulty: 13, ..new })], &[&admin]).await;
    assert_anchor_error!(res, TrezError::InvalidDifficulty);
    let res = env.send(&[mining::set_params(admin.pubkey(), mining::ParamsArgs { target_block_seconds: -1, ..new })], &[&admin]).await;
    assert_anchor_error!(res, TrezError::InvalidTargetTime);
    assert_eq!(before, env.snapshot(&[pda::trez_state()]).await);

    env.send(&[mining::set_params(admin.pubkey(), new)], &[&admin]).await.unwrap();
    let s = env.trez_state().await;
    assert_eq!((s.difficulty_high, s.target_block_seconds), (12, 60));
    assert_eq!(s.reward, test_trez_params().initial_reward, "rewards are not the admin's to change");
}

#[tokio::test]
async fn claim_reward_reward_plus_bonus_overflow_fails() {
    let params = mining::InitializeArgs { initial_reward: u64::MAX, ..test_trez_params() };
    let mut env = Env::new(params).await;
    let (kp, ata) = miner(&mut env).await;
    let n = env.mine_for(&kp.pubkey()).await;
    let before = env.snapshot(&[pda::trez_state(), ata]).await;
    let res = env.send(&[mining::claim_reward(kp.pubkey(), env.mint, ata, None, n)], &[&kp]).await;
    assert_anchor_error!(res, TrezError::Overflow);
    assert_eq!(before, env.snapshot(&[pda::trez_state(), ata]).await);
}
