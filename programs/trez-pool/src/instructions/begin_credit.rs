//! `begin_credit(leaves_root, leaf_count, pplns_factor, total_weight)`: the relayer commits a round's PPLNS
//! leaves and the parameters they were computed with.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::PoolError;
use crate::events::CreditBegun;
use crate::state::{Pool, Round, RoundStatus};

#[derive(Accounts)]
pub struct BeginCredit<'info> {
    /// Must be `Pool.relayer`.
    pub relayer: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = relayer @ PoolError::NotRelayer)]
    pub pool: Box<Account<'info, Pool>>,
    /// The round (PDA `["round", pool, block_count LE]`).
    #[account(
        mut,
        seeds = [SEED_ROUND, pool.key().as_ref(), &round.block_count.to_le_bytes()],
        bump = round.bump,
        has_one = pool,
    )]
    pub round: Box<Account<'info, Round>>,
}

/// Records the merkle root and leaf count and moves the round to `Crediting` (or straight to `Credited` when
/// `reward − fee` is zero and there are no leaves).
///
/// Checks:
/// 1. signer is the relayer (`NotRelayer`); the round belongs to the pool (Anchor `ConstraintHasOne`);
/// 2. the round is `Submitted` (`RoundNotSubmitted`): a root is committed once;
/// 3. `leaf_count > 0` exactly when there is something to distribute, and `total_weight > 0` exactly when
///    there are leaves (`InvalidLeafCount`); 4. `pplns_factor > 0` (`InvalidPplnsFactor`).
pub fn handle_begin_credit(
    ctx: Context<BeginCredit>,
    leaves_root: [u8; 32],
    leaf_count: u32,
    pplns_factor: u64,
    total_weight: u128,
) -> Result<()> {
    let round = &mut ctx.accounts.round;
    require!(round.status == RoundStatus::Submitted, PoolError::RoundNotSubmitted);
    let distributable = round.distributable().ok_or(PoolError::Overflow)?;
    require!((leaf_count > 0) == (distributable > 0), PoolError::InvalidLeafCount);
    require!((total_weight > 0) == (leaf_count > 0), PoolError::InvalidLeafCount);
    require!(pplns_factor > 0, PoolError::InvalidPplnsFactor);
    let slot = Clock::get()?.slot;
    round.leaves_root = leaves_root;
    round.leaf_count = leaf_count;
    round.pplns_factor = pplns_factor;
    round.total_weight = total_weight;
    if distributable == 0 {
        round.status = RoundStatus::Credited;
        round.credited_slot = slot;
    } else {
        round.status = RoundStatus::Crediting;
    }
    round.invariant()?;
    emit!(CreditBegun {
        pool: ctx.accounts.pool.key(),
        round: round.key(),
        block_count: round.block_count,
        leaves_root,
        leaf_count,
        pplns_factor,
        total_weight,
        slot,
    });
    Ok(())
}
