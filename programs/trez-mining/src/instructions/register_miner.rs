//! `register_miner`: create a miner's `MinerData`.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::events::MinerRegistered;
use crate::state::MinerData;

#[derive(Accounts)]
pub struct RegisterMiner<'info> {
    /// Pays the MinerData rent (may be the user itself).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The miner key; signs (a pool's authority PDA signs by CPI).
    pub user: Signer<'info>,
    /// PDA `["miner_data", user]`; `init` makes a second registration fail.
    #[account(init, payer = payer, space = 8 + MinerData::INIT_SPACE, seeds = [SEED_MINER_DATA, user.key().as_ref()], bump)]
    pub miner_data: Box<Account<'info, MinerData>>,
    pub system_program: Program<'info, System>,
}

/// Creates `MinerData` with no referrer (TREZ publishes "user registration" among the program's functions;
/// the name, the accounts and the payer/user split are ours). Rent: `8 + MinerData::INIT_SPACE` = 90 bytes,
/// 1,517,280 lamports at the default rent.
///
/// Checks: `user` signs (Anchor); the PDA matches `user` and does not exist yet (Anchor `init`).
pub fn handle_register_miner(ctx: Context<RegisterMiner>) -> Result<()> {
    let user = ctx.accounts.user.key();
    let data = &mut ctx.accounts.miner_data;
    data.user = user;
    data.referrer = None;
    data.blocks = 0;
    data.earned = 0;
    data.bump = ctx.bumps.miner_data;
    emit!(MinerRegistered { user, payer: ctx.accounts.payer.key(), slot: Clock::get()?.slot });
    Ok(())
}
