//! `withdraw_fees(amount)`: the admin takes accrued, unwithdrawn fees out of escrow.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::escrow::transfer_from_escrow;
use crate::events::FeesWithdrawn;
use crate::state::Pool;

#[derive(Accounts)]
pub struct WithdrawFees<'info> {
    /// Must be `Pool.admin`.
    pub admin: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(
        mut,
        seeds = [SEED_POOL, pool.admin.as_ref()],
        bump = pool.bump,
        has_one = admin @ PoolError::NotAdmin,
        has_one = mint @ PoolError::MintMismatch,
    )]
    pub pool: Box<Account<'info, Pool>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; signs the transfer.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// The pool's escrow: PDA `["escrow", pool]`, a token account of the mint owned by `authority`.
    #[account(mut, address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Any token account of the pool's mint chosen by the admin.
    #[account(
        mut,
        constraint = destination.mint == mint.key() @ PoolError::MintMismatch,
        token::token_program = token_program,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
}

/// Transfers `amount` base units of fees from escrow to `destination` with `transfer_checked`.
///
/// Checks: 1. signer is the admin (`NotAdmin`); 2. `amount > 0` (`ZeroAmount`); 3. `fees_withdrawn + amount
/// <= fees_accrued` (`InsufficientFees`); 4. mint and destination are of the pool's mint (`MintMismatch`).
pub fn handle_withdraw_fees(ctx: Context<WithdrawFees>, amount: u64) -> Result<()> {
    require!(amount > 0, PoolError::ZeroAmount);
    let pool_key = ctx.accounts.pool.key();
    let withdrawn = ctx.accounts.pool.fees_withdrawn.checked_add(amount).ok_or(PoolError::Overflow)?;
    require!(withdrawn <= ctx.accounts.pool.fees_accrued, PoolError::InsufficientFees);

    transfer_from_escrow(
        &ctx.accounts.pool,
        &pool_key,
        &ctx.accounts.token_program.to_account_info(),
        &ctx.accounts.escrow.to_account_info(),
        &ctx.accounts.mint.to_account_info(),
        &ctx.accounts.destination.to_account_info(),
        &ctx.accounts.authority.to_account_info(),
        amount,
    )?;
    ctx.accounts.escrow.reload()?;
    let pool = &mut ctx.accounts.pool;
    pool.fees_withdrawn = withdrawn;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(FeesWithdrawn {
        pool: pool_key,
        destination: ctx.accounts.destination.key(),
        amount,
        fees_withdrawn: withdrawn,
        slot: Clock::get()?.slot,
    });
    Ok(())
}
