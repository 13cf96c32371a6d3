//! `claim_reward(nonce)`: verify a proof of work and mint the block reward.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{mint_to_checked, Mint, MintToChecked, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::TrezError;
use crate::events::BlockMined;
use crate::state::State;

#[derive(Accounts)]
pub struct ClaimReward<'info> {
    /// The key hashed into the digest. May be a PDA signing by CPI (a pool's authority).
    pub miner: Signer<'info>,
    #[account(mut, seeds = [SEED_STATE], bump = state.bump, has_one = mint @ TrezError::InvalidMint)]
    pub state: Box<Account<'info, State>>,
    #[account(mut)]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA `["mint_authority"]`, verified by seeds; signs `mint_to_checked`.
    #[account(seeds = [SEED_MINT_AUTHORITY], bump = state.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    /// Receives the base reward: a token account of the TREZ mint owned by `miner`.
    #[account(mut, token::mint = mint, token::authority = miner, token::token_program = token_program)]
    pub miner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Optional: receives the referral bonus; a TREZ token account not owned by `miner`.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub referrer_token: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Effects: mints `base_reward` to `miner_token` (and `referral_bonus` to `referrer_token`), increments
/// `block_count`, sets the next challenge to `SHA256(challenge || digest || slot LE)`, retargets the
/// difficulty ([`State::retarget`]) and emits [`BlockMined`].
///
/// Checks:
/// 1. `mint` is `State.mint` (`InvalidMint`); token accounts are of that mint, `miner_token` owned by `miner`
///    (Anchor's token constraints);
/// 2. the digest of (challenge, miner key, block_count, nonce) meets `difficulty_high`
///    (`InsufficientDifficulty`);
/// 3. a referrer token account is not owned by the miner (`SelfReferral`);
/// 4. checked arithmetic (`Overflow`).
pub fn handle_claim_reward(ctx: Context<ClaimReward>, nonce: u64) -> Result<()> {
    let clock = Clock::get()?;
    let miner = ctx.accounts.miner.key();
    let state = &mut ctx.accounts.state;
    let digest = trez_pow::solana::digest(&state.challenge_number, &miner.to_bytes(), state.block_count, nonce);
    require!(
        trez_pow::meets_difficulty(&digest, state.difficulty_high),
        TrezError::InsufficientDifficulty
    );

    let bonus = match &ctx.accounts.referrer_token {
        Some(referrer) => {
            require_keys_neq!(referrer.owner, miner, TrezError::SelfReferral);
            state.referral_bonus
        }
        None => 0,
    };

    let mined_block = state.block_count;
    let mined_difficulty = state.difficulty_high;
    let elapsed = clock.unix_timestamp.checked_sub(state.last_block_ts).ok_or(TrezError::Overflow)?;
    state.difficulty_high = state.retarget(elapsed);
    state.challenge_number =
        solana_sha256_hasher::hashv(&[&state.challenge_number, &digest, &clock.slot.to_le_bytes()]).to_bytes();
    state.block_count = state.block_count.checked_add(1).ok_or(TrezError::Overflow)?;
    state.last_block_ts = clock.unix_timestamp;
    state.last_block_slot = clock.slot;
    state.total_minted = state
        .total_minted
        .checked_add(state.base_reward)
        .and_then(|t| t.checked_add(bonus))
        .ok_or(TrezError::Overflow)?;
    state.invariant()?;

    let base_reward = state.base_reward;
    let next_difficulty = state.difficulty_high;
    let next_challenge = state.challenge_number;
    let seeds: &[&[u8]] = &[SEED_MINT_AUTHORITY, &[state.mint_authority_bump]];
    let signer = &[seeds];
    let token_program = ctx.accounts.token_program.key();
    let mint_info = ctx.accounts.mint.to_account_info();
    let authority = ctx.accounts.mint_authority.to_account_info();
    mint_to_checked(
        CpiContext::new_with_signer(
            token_program,
            MintToChecked {
                mint: mint_info.clone(),
                to: ctx.accounts.miner_token.to_account_info(),
                authority: authority.clone(),
            },
            signer,
        ),
        base_reward,
        TREZ_DECIMALS,
    )?;
    if let Some(referrer) = &ctx.accounts.referrer_token {
        if bonus > 0 {
            mint_to_checked(
                CpiContext::new_with_signer(
                    token_program,
                    MintToChecked { mint: mint_info, to: referrer.to_account_info(), authority },
                    signer,
                ),
                bonus,
                TREZ_DECIMALS,
            )?;
        }
    }

    emit!(BlockMined {
        miner,
        block_count: mined_block,
        nonce,
        digest,
        reward: base_reward,
        referral_bonus: bonus,
        difficulty: mined_difficulty,
        next_difficulty,
        next_challenge,
        slot: clock.slot,
    });
    Ok(())
}
