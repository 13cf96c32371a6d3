//! `register_trez_miner`: create the TREZ `MinerData` of the pool's authority (once, before its first block).
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::state::Pool;
use crate::{trez, trez_cpi};

#[derive(Accounts)]
pub struct RegisterTrezMiner<'info> {
    /// Anyone; pays the MinerData rent (90 bytes: 1,517,280 lamports at the default rent).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The pool's authority PDA `["authority", pool]`: the TREZ miner key being registered.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; the TREZ miner key, signs the CPI.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// TREZ `MinerData` of the authority (TREZ PDA `["miner_data", authority]`), created here.
    /// CHECK: TREZ creates it and verifies the address by seeds in the CPI.
    #[account(mut)]
    pub trez_miner_data: UncheckedAccount<'info>,
    /// Must be the TREZ program; anything else is an arbitrary CPI and is refused.
    pub trez_program: Program<'info, trez::program::TrezMining>,
    /// The system program (account creation in TREZ).
    pub system_program: Program<'info, System>,
}

/// Permissionless: CPIs TREZ `register_miner` with `payer` paying and the authority PDA signing. Without it
/// `submit_solution` fails (TREZ requires the miner's `MinerData`); `init_pool` of the relayer sends it in
/// the pool's creating transaction.
///
/// Checks: `trez_program` is the TREZ id (Anchor `InvalidProgramId`); the pool and authority by seeds; a
/// second registration fails in TREZ (the account exists).
pub fn handle_register_trez_miner(ctx: Context<RegisterTrezMiner>) -> Result<()> {
    let pool = ctx.accounts.pool.key();
    trez_cpi::register(
        &ctx.accounts.trez_program.to_account_info(),
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.authority.to_account_info(),
        &ctx.accounts.trez_miner_data.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        &pool,
        ctx.accounts.pool.authority_bump,
    )
}
