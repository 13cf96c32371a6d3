//! `set_params`: admin changes difficulty, bounds, rewards and target time.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::TrezError;
use crate::events::ParamsChanged;
use crate::state::State;

/// Same fields and units as [`crate::InitializeArgs`].
pub type ParamsArgs = crate::InitializeArgs;

#[derive(Accounts)]
pub struct SetParams<'info> {
    /// Must be `State.admin`.
    pub admin: Signer<'info>,
    #[account(mut, seeds = [SEED_STATE], bump = state.bump, has_one = admin @ TrezError::Unauthorized)]
    pub state: Box<Account<'info, State>>,
}

/// Replaces the difficulty, bounds, rewards and target time. The challenge and block_count are untouched.
///
/// Checks:
/// 1. the signer is `State.admin` (`Unauthorized`);
/// 2. `min <= difficulty <= max <= 192` (`InvalidDifficulty`), `target_block_seconds > 0` (`InvalidTargetTime`).
pub fn handle_set_params(ctx: Context<SetParams>, args: ParamsArgs) -> Result<()> {
    let state = &mut ctx.accounts.state;
    state.difficulty_high = args.difficulty;
    state.min_difficulty = args.min_difficulty;
    state.max_difficulty = args.max_difficulty;
    state.base_reward = args.base_reward;
    state.referral_bonus = args.referral_bonus;
    state.target_block_seconds = args.target_block_seconds;
    state.invariant()?;
    emit!(ParamsChanged {
        difficulty: args.difficulty,
        min_difficulty: args.min_difficulty,
        max_difficulty: args.max_difficulty,
        base_reward: args.base_reward,
        referral_bonus: args.referral_bonus,
        target_block_seconds: args.target_block_seconds,
        slot: Clock::get()?.slot,
    });
    Ok(())
}
