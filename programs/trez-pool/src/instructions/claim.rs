//! `claim`: a member withdraws everything credited to it, with no relayer involved.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::escrow::transfer_from_escrow;
use crate::events::MemberPaid;
use crate::state::{Member, Pool};

#[derive(Accounts)]
pub struct Claim<'info> {
    /// The member's wallet.
    pub wallet: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = mint @ PoolError::MintMismatch)]
    pub pool: Box<Account<'info, Pool>>,
    /// PDA `["member", pool, wallet]`.
    #[account(
        mut,
        seeds = [SEED_MEMBER, pool.key().as_ref(), wallet.key().as_ref()],
        bump = member.bump,
        has_one = wallet,
        has_one = pool @ PoolError::InvalidMember,
    )]
    pub member: Box<Account<'info, Member>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; signs the transfer.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// The pool's escrow: PDA `["escrow", pool]`, a token account of the mint owned by `authority`.
    #[account(mut, address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Any token account of the pool's mint; the wallet signed, so it chooses.
    #[account(
        mut,
        constraint = destination.mint == mint.key() @ PoolError::MintMismatch,
        token::token_program = token_program,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
}

/// Transfers all of `credited − paid` (regardless of `min_payout`) to `destination` with `transfer_checked`.
///
/// Checks: 1. the wallet signed and owns the Member (seeds, `ConstraintHasOne`); 2. something is owed
/// (`NothingToClaim`); 3. mint and destination are of the pool's mint (`MintMismatch`); the pool invariant.
pub fn handle_claim(ctx: Context<Claim>) -> Result<()> {
    let amount = ctx.accounts.member.pending()?;
    require!(amount > 0, PoolError::NothingToClaim);
    let pool_key = ctx.accounts.pool.key();
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
    let member = &mut ctx.accounts.member;
    member.paid = member.paid.checked_add(amount).ok_or(PoolError::Overflow)?;
    member.invariant()?;
    let pool = &mut ctx.accounts.pool;
    pool.paid = pool.paid.checked_add(amount).ok_or(PoolError::Overflow)?;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(MemberPaid {
        pool: pool_key,
        member: member.key(),
        wallet: member.wallet,
        destination: ctx.accounts.destination.key(),
        amount,
        member_paid: member.paid,
        claimed: true,
        slot: Clock::get()?.slot,
    });
    Ok(())
}
