//! `set_params`: admin changes difficulty, bounds and target time (never the rewards).
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::TrezError;
use crate::events::ParamsChanged;
use crate::state::State;

/// Parameters of `set_params`. The reward schedule and the referral bonus are fixed at `initialize` (TREZ
/// publishes that emission rules are locked into the program).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamsArgs {
    /// Required zero bits from now on.
    pub difficulty: u32,
    /// Retarget floor, bits.
    pub min_difficulty: u32,
    /// Retarget ceiling, bits (<= 192).
    pub max_difficulty: u32,
    /// Target block time, seconds (> 0).
    pub target_block_seconds: i64,
}

#[derive(Accounts)]
pub struct SetParams<'info> {
    /// Must be `State.admin`.
    pub admin: Signer<'info>,
    #[account(mut, seeds = [SEED_STATE], bump = state.bump, has_one = admin @ TrezError::Unauthorized)]
    pub state: Box<Account<'info, State>>,
}

/// Replaces the difficulty, bounds and target time. The challenge, block_count, era and rewards are untouched.
/// This instruction is the replica's own (a test and localnet lever); TREZ publishes no admin instruction.
///
/// Checks:
/// 1. the signer is `State.admin` (`Unauthorized`);
/// 2. `min <= difficulty <= max <= 192` (`InvalidDifficulty`), `target_block_seconds > 0` (`InvalidTargetTime`).
pub fn handle_set_params(ctx: Context<SetParams>, args: ParamsArgs) -> Result<()> {
    let state = &mut ctx.accounts.state;
    state.difficulty_high = args.difficulty;
    state.min_difficulty = args.min_difficulty;
    state.max_difficulty = args.max_difficulty;
    state.target_block_seconds = args.target_block_seconds;
    state.invariant()?;
    emit!(ParamsChanged {
        difficulty: args.difficulty,
        min_difficulty: args.min_difficulty,
        max_difficulty: args.max_difficulty,
        target_block_seconds: args.target_block_seconds,
        slot: Clock::get()?.slot,
    });
    Ok(())
}
