//! `set_referrer(referrer)`: lock a miner's referrer, once.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::TrezError;
use crate::events::ReferrerSet;
use crate::state::MinerData;

#[derive(Accounts)]
pub struct SetReferrer<'info> {
    /// The miner; must sign (published: "signer is required").
    pub user: Signer<'info>,
    /// PDA `["miner_data", user]` (published: "PDA derivation must match the miner").
    #[account(mut, seeds = [SEED_MINER_DATA, user.key().as_ref()], bump = miner_data.bump)]
    pub miner_data: Box<Account<'info, MinerData>>,
}

/// Writes `referrer` into `MinerData`. From then on each of this miner's claims pays the referral bonus to a
/// token account owned by `referrer` instead of to the miner. Permanent.
///
/// Checks (published: one-time, no self-referral, signer required):
/// 1. `user` signs and the MinerData is the user's (Anchor seeds);
/// 2. no referrer set yet (`ReferrerAlreadySet`, 6004);
/// 3. `referrer != user` (`SelfReferral`); `referrer` is not the all-zero key (`InvalidReferrer`).
pub fn handle_set_referrer(ctx: Context<SetReferrer>, referrer: Pubkey) -> Result<()> {
    let user = ctx.accounts.user.key();
    let data = &mut ctx.accounts.miner_data;
    require!(data.referrer.is_none(), TrezError::ReferrerAlreadySet);
    require_keys_neq!(referrer, user, TrezError::SelfReferral);
    require_keys_neq!(referrer, Pubkey::default(), TrezError::InvalidReferrer);
    data.referrer = Some(referrer);
    emit!(ReferrerSet { user, referrer, slot: Clock::get()?.slot });
    Ok(())
}
