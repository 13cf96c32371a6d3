//! Admin setters: `set_relayer`, `propose_fee`, `apply_fee`, `set_min_payout`. They share one accounts struct.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::constants::*;
use crate::error::PoolError;
use crate::events::{FeeApplied, FeeProposed, MinPayoutChanged, RelayerChanged};
use crate::state::Pool;

#[derive(Accounts)]
pub struct AdminOnly<'info> {
    /// Must be `Pool.admin`.
    pub admin: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = admin @ PoolError::NotAdmin)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's escrow, read for the invariant.
    #[account(address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
}

/// Replaces the relayer key. Checks: 1. signer is the admin (`NotAdmin`).
pub fn handle_set_relayer(ctx: Context<AdminOnly>, new_relayer: Pubkey) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    let old_relayer = pool.relayer;
    pool.relayer = new_relayer;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(RelayerChanged { pool: pool.key(), old_relayer, new_relayer, slot: Clock::get()?.slot });
    Ok(())
}

/// Records a pending fee, effective `fee_timelock_seconds` from now (replacing any earlier proposal).
///
/// Checks: 1. signer is the admin (`NotAdmin`); 2. `fee_bps <= max_fee_bps` (`FeeAboveMax`).
pub fn handle_propose_fee(ctx: Context<AdminOnly>, fee_bps: u16) -> Result<()> {
    let now = Clock::get()?;
    let pool = &mut ctx.accounts.pool;
    require!(fee_bps <= pool.max_fee_bps, PoolError::FeeAboveMax);
    let effective_ts = now.unix_timestamp.checked_add(pool.fee_timelock_seconds).ok_or(PoolError::Overflow)?;
    // 0 means "nothing pending"; a proposal at the epoch itself is not a case a real clock produces.
    pool.pending_fee_bps = fee_bps;
    pool.pending_fee_effective_ts = effective_ts.max(1);
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(FeeProposed { pool: pool.key(), fee_bps, effective_ts, slot: now.slot });
    Ok(())
}

/// Makes the pending fee current; it applies to rounds submitted afterwards.
///
/// Checks: 1. signer is the admin (`NotAdmin`); 2. a fee is pending (`NoPendingFee`); 3. the timelock has
/// elapsed (`FeeTimelockNotElapsed`).
pub fn handle_apply_fee(ctx: Context<AdminOnly>) -> Result<()> {
    let now = Clock::get()?;
    let pool = &mut ctx.accounts.pool;
    require!(pool.pending_fee_effective_ts != 0, PoolError::NoPendingFee);
    require!(now.unix_timestamp >= pool.pending_fee_effective_ts, PoolError::FeeTimelockNotElapsed);
    let old_fee_bps = pool.fee_bps;
    pool.fee_bps = pool.pending_fee_bps;
    pool.pending_fee_bps = 0;
    pool.pending_fee_effective_ts = 0;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(FeeApplied { pool: pool.key(), old_fee_bps, new_fee_bps: pool.fee_bps, slot: now.slot });
    Ok(())
}

/// Sets the `payout` crank's minimum, base units. Checks: 1. signer is the admin (`NotAdmin`).
pub fn handle_set_min_payout(ctx: Context<AdminOnly>, min_payout: u64) -> Result<()> {
    let pool = &mut ctx.accounts.pool;
    pool.min_payout = min_payout;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(MinPayoutChanged { pool: pool.key(), min_payout, slot: Clock::get()?.slot });
    Ok(())
}
