//! `submit_solution(nonce)`: land a full TREZ solution by CPI; the reward goes straight to escrow.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::events::SolutionSubmitted;
use crate::state::{Pool, Round, RoundStatus};
use crate::{trez, trez_cpi};

#[derive(Accounts)]
pub struct SubmitSolution<'info> {
    /// Anyone holding a valid nonce; pays the Round's rent. Gains nothing else: the reward goes to escrow.
    #[account(mut)]
    pub submitter: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = mint @ PoolError::MintMismatch)]
    pub pool: Box<Account<'info, Pool>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; the TREZ `miner`, signs the CPI.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// Receives the reward (TREZ `miner_token`).
    #[account(mut, address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// TREZ `State` (owner checked: the TREZ program). Its `block_count` keys the Round; its `reward` splits
    /// the escrow delta into reward and bonus.
    #[account(mut)]
    pub trez_state: Box<Account<'info, trez::accounts::State>>,
    /// TREZ `MinerData` of the authority (created by `register_trez_miner`).
    /// CHECK: TREZ verifies it by seeds in the CPI.
    #[account(mut)]
    pub trez_miner_data: UncheckedAccount<'info>,
    /// PDA `["round", pool, block_count LE]`; `init` means one Round per TREZ block.
    #[account(
        init,
        payer = submitter,
        space = 8 + Round::INIT_SPACE,
        seeds = [SEED_ROUND, pool.key().as_ref(), &trez_state.block_count.to_le_bytes()],
        bump,
    )]
    pub round: Box<Account<'info, Round>>,
    /// TREZ's distributor PDA `["distributor"]` (signs the reward transfer inside TREZ).
    /// CHECK: TREZ verifies it by seeds in the CPI.
    pub trez_distributor: UncheckedAccount<'info>,
    /// TREZ's distributor token account: pays the reward and bonus.
    /// CHECK: TREZ checks it is `State.distributor_token`.
    #[account(mut)]
    pub trez_distributor_token: UncheckedAccount<'info>,
    /// Must be the TREZ program (address from its IDL); anything else is an arbitrary CPI and is refused.
    pub trez_program: Program<'info, trez::program::TrezMining>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
    /// The system program (account creation).
    pub system_program: Program<'info, System>,
}

/// Effects: CPIs TREZ `claim_reward(nonce)` signed by the authority PDA (`trez_cpi::claim`); measures `reward`
/// as the escrow balance after minus before, and `bonus` as `reward` minus TREZ `State.reward` read before; takes `fee = floor(reward × fee_bps / 10_000)`; adds to `received` and
/// `fees_accrued`; creates the Round (`Submitted`); emits [`SolutionSubmitted`].
///
/// Checks:
/// 1. `trez_program` is the TREZ program id (Anchor `InvalidProgramId`), `trez_state` is owned by it;
/// 2. the nonce is valid for the current challenge with the authority as miner key (TREZ
///    `InsufficientDifficulty`, propagated);
/// 3. the reward is positive (`NoReward`); checked arithmetic (`Overflow`); the pool invariant.
pub fn handle_submit_solution(ctx: Context<SubmitSolution>, nonce: u64) -> Result<()> {
    let before = ctx.accounts.escrow.amount;
    let block_count = ctx.accounts.trez_state.block_count;
    let challenge = ctx.accounts.trez_state.challenge_number;
    let difficulty = ctx.accounts.trez_state.difficulty_high;
    let pool_key = ctx.accounts.pool.key();

    let trez_reward = ctx.accounts.trez_state.reward;
    let a = &ctx.accounts;
    trez_cpi::claim(
        trez_cpi::ClaimAccounts {
            trez_program: &a.trez_program.to_account_info(),
            authority: &a.authority.to_account_info(),
            state: &a.trez_state.to_account_info(),
            miner_data: &a.trez_miner_data.to_account_info(),
            distributor: &a.trez_distributor.to_account_info(),
            distributor_token: &a.trez_distributor_token.to_account_info(),
            mint: &a.mint.to_account_info(),
            escrow: &a.escrow.to_account_info(),
            token_program: &a.token_program.to_account_info(),
        },
        &pool_key,
        a.pool.authority_bump,
        nonce,
    )?;

    ctx.accounts.escrow.reload()?;
    let reward = ctx.accounts.escrow.amount.checked_sub(before).ok_or(PoolError::Overflow)?;
    require!(reward > 0, PoolError::NoReward);
    // What TREZ paid beyond its block reward: the referral bonus (the authority has no referrer).
    let bonus = reward.saturating_sub(trez_reward);

    let clock = Clock::get()?;
    let pool = &mut ctx.accounts.pool;
    let fee = pool.fee_of(reward)?;
    pool.received = pool.received.checked_add(reward).ok_or(PoolError::Overflow)?;
    pool.fees_accrued = pool.fees_accrued.checked_add(fee).ok_or(PoolError::Overflow)?;
    pool.rounds = pool.rounds.checked_add(1).ok_or(PoolError::Overflow)?;

    let round = &mut ctx.accounts.round;
    round.pool = pool_key;
    round.block_count = block_count;
    round.challenge = challenge;
    round.nonce = nonce;
    round.difficulty = difficulty;
    round.reward = reward;
    round.bonus = bonus;
    round.fee = fee;
    round.credited = 0;
    round.next_batch = 0;
    round.leaves_root = [0; 32];
    round.leaf_count = 0;
    round.pplns_factor = 0;
    round.total_weight = 0;
    round.leaves_credited = 0;
    round.last_wallet = Pubkey::default();
    round.status = RoundStatus::Submitted;
    round.submitter = ctx.accounts.submitter.key();
    round.submitted_slot = clock.slot;
    round.credited_slot = 0;
    round.bump = ctx.bumps.round;

    round.invariant()?;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(SolutionSubmitted {
        pool: pool_key,
        round: round.key(),
        block_count,
        nonce,
        challenge,
        difficulty,
        reward,
        bonus,
        fee,
        submitter: round.submitter,
        slot: clock.slot,
    });
    Ok(())
}
