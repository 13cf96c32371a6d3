//! `claim_reward(nonce)`: verify a proof of work and pay the block reward and referral bonus.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{transfer_checked, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::constants::*;
use crate::error::TrezError;
use crate::events::BlockMined;
use crate::state::{MinerData, State};

#[derive(Accounts)]
pub struct ClaimReward<'info> {
    /// The key hashed into the digest. May be a PDA signing by CPI (a pool's authority).
    pub miner: Signer<'info>,
    #[account(mut, seeds = [SEED_STATE], bump = state.bump, has_one = mint @ TrezError::InvalidMint)]
    pub state: Box<Account<'info, State>>,
    /// The miner's `MinerData` (PDA `["miner_data", miner]`, created by `register_miner`): its referrer decides
    /// where the bonus goes.
    #[account(mut, seeds = [SEED_MINER_DATA, miner.key().as_ref()], bump = miner_data.bump)]
    pub miner_data: Box<Account<'info, MinerData>>,
    /// CHECK: PDA `["distributor"]`, verified by seeds; signs the payouts.
    #[account(seeds = [SEED_DISTRIBUTOR], bump = state.distributor_bump)]
    pub distributor: UncheckedAccount<'info>,
    /// Pays: `State.distributor_token`.
    #[account(mut, address = state.distributor_token @ TrezError::InvalidMint)]
    pub distributor_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The TREZ mint (`transfer_checked` reads its decimals).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Receives the reward (and the bonus when the miner has no referrer): a TREZ token account owned by `miner`.
    #[account(mut, token::mint = mint, token::authority = miner, token::token_program = token_program)]
    pub miner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Present exactly when `miner_data.referrer` is set: a TREZ token account owned by the referrer, receives
    /// the bonus.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub referrer_token: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Effects (published: "the miner receives the current block reward; if a referrer is set, the referrer
/// receives 3 TREZ; if not, the miner receives an additional 3 TREZ"): pays `State.reward` to `miner_token`
/// and `State.referral_bonus` to `referrer_token` or `miner_token`, both by `transfer_checked` from the
/// distributor; increments `block_count`, moves to the next era when `block_count` reaches a multiple of
/// `blocks_per_era` (halving the reward), sets the next challenge to `SHA256(challenge || digest || slot LE)`,
/// retargets the difficulty ([`State::retarget`]), counts the block in `MinerData` and emits [`BlockMined`].
///
/// Checks:
/// 1. `mint` is `State.mint` (`InvalidMint`), `distributor_token` is `State.distributor_token`
///    (`InvalidMint`); `miner_token` is of the mint and owned by `miner` (Anchor's token constraints);
/// 2. the digest of (challenge, miner key, block_count, nonce) meets `difficulty_high`
///    (`InsufficientDifficulty`);
/// 3. `referrer_token` is present and owned by the referrer exactly when one is set (`ReferrerMismatch`);
/// 4. the distributor holds at least reward + bonus (`EmissionExhausted`; nothing changes);
/// 5. checked arithmetic (`Overflow`).
pub fn handle_claim_reward(ctx: Context<ClaimReward>, nonce: u64) -> Result<()> {
    let clock = Clock::get()?;
    let miner = ctx.accounts.miner.key();
    let state = &mut ctx.accounts.state;
    let digest = trez_pow::solana::digest(&state.challenge_number, &miner.to_bytes(), state.block_count, nonce);
    require!(
        trez_pow::meets_difficulty(&digest, state.difficulty_high),
        TrezError::InsufficientDifficulty
    );

    let referrer = ctx.accounts.miner_data.referrer;
    match (referrer, &ctx.accounts.referrer_token) {
        (Some(r), Some(token)) => require_keys_eq!(token.owner, r, TrezError::ReferrerMismatch),
        (None, None) => {}
        _ => return err!(TrezError::ReferrerMismatch),
    }
    let reward = state.reward;
    let bonus = state.referral_bonus;
    let to_miner = if referrer.is_some() { reward } else { reward.checked_add(bonus).ok_or(TrezError::Overflow)? };
    let paid = reward.checked_add(bonus).ok_or(TrezError::Overflow)?;
    require!(ctx.accounts.distributor_token.amount >= paid, TrezError::EmissionExhausted);

    let mined_block = state.block_count;
    let mined_difficulty = state.difficulty_high;
    let mined_era = state.era;
    let elapsed = clock.unix_timestamp.checked_sub(state.last_block_ts).ok_or(TrezError::Overflow)?;
    state.difficulty_high = state.retarget(elapsed);
    state.challenge_number =
        solana_sha256_hasher::hashv(&[&state.challenge_number, &digest, &clock.slot.to_le_bytes()]).to_bytes();
    state.block_count = state.block_count.checked_add(1).ok_or(TrezError::Overflow)?;
    state.era = State::era_of(state.block_count, state.blocks_per_era)?;
    state.reward = State::reward_of_era(state.initial_reward, state.era);
    state.last_block_ts = clock.unix_timestamp;
    state.last_block_slot = clock.slot;
    state.total_paid = state.total_paid.checked_add(paid).ok_or(TrezError::Overflow)?;
    state.invariant()?;
    let next_difficulty = state.difficulty_high;
    let next_challenge = state.challenge_number;
    let next_reward = state.reward;
    let distributor_bump = state.distributor_bump;

    let data = &mut ctx.accounts.miner_data;
    data.blocks = data.blocks.checked_add(1).ok_or(TrezError::Overflow)?;
    data.earned = data.earned.checked_add(to_miner).ok_or(TrezError::Overflow)?;

    let seeds: &[&[u8]] = &[SEED_DISTRIBUTOR, &[distributor_bump]];
    let a = &ctx.accounts;
    pay(a, a.miner_token.to_account_info(), to_miner, seeds)?;
    if let Some(token) = &a.referrer_token {
        pay(a, token.to_account_info(), bonus, seeds)?;
    }

    emit!(BlockMined {
        miner,
        block_count: mined_block,
        nonce,
        digest,
        era: mined_era,
        reward,
        referral_bonus: bonus,
        referrer,
        difficulty: mined_difficulty,
        next_difficulty,
        next_reward,
        next_challenge,
        slot: clock.slot,
    });
    Ok(())
}

/// `transfer_checked` of `amount` base units from the distributor's token account to `to`, signed by the
/// distributor PDA (`seeds`). Nothing when `amount` is 0.
fn pay<'info>(a: &ClaimReward<'info>, to: AccountInfo<'info>, amount: u64, seeds: &[&[u8]]) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    transfer_checked(
        CpiContext::new_with_signer(
            a.token_program.key(),
            TransferChecked {
                from: a.distributor_token.to_account_info(),
                mint: a.mint.to_account_info(),
                to,
                authority: a.distributor.to_account_info(),
            },
            &[seeds],
        ),
        amount,
        TREZ_DECIMALS,
    )
}
