//! `register_member(wallet)`: create a Member account for a wallet. Any payer; the wallet need not sign.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::PoolError;
use crate::events::MemberRegistered;
use crate::state::{Member, Pool};

#[derive(Accounts)]
#[instruction(wallet: Pubkey)]
pub struct RegisterMember<'info> {
    /// Pays the Member's rent (the relayer, or the miner).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// PDA `["member", pool, wallet]`; `init` makes a second registration fail.
    #[account(
        init,
        payer = payer,
        space = 8 + Member::INIT_SPACE,
        seeds = [SEED_MEMBER, pool.key().as_ref(), wallet.as_ref()],
        bump,
    )]
    pub member: Box<Account<'info, Member>>,
    /// The system program (account creation).
    pub system_program: Program<'info, System>,
}

/// Creates a Member with zero totals. Safe without the wallet's signature: credited funds can only ever go
/// to token accounts owned by `wallet` or signed for by it.
///
/// Checks:
/// 1. `wallet` is not the pool authority PDA (`AuthorityCannotBeMember`).
pub fn handle_register_member(ctx: Context<RegisterMember>, wallet: Pubkey) -> Result<()> {
    let pool = &ctx.accounts.pool;
    require_keys_neq!(wallet, pool.authority, PoolError::AuthorityCannotBeMember);
    let member = &mut ctx.accounts.member;
    member.pool = pool.key();
    member.wallet = wallet;
    member.credited = 0;
    member.paid = 0;
    member.bump = ctx.bumps.member;
    member.invariant()?;
    emit!(MemberRegistered {
        pool: pool.key(),
        member: member.key(),
        wallet,
        payer: ctx.accounts.payer.key(),
        slot: Clock::get()?.slot,
    });
    Ok(())
}
