//! `mark_stranded`: anyone strands a round the relayer never credited within the pool's timeout.
use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::PoolError;
use crate::events::RoundStranded;
use crate::state::{Pool, Round, RoundStatus};

#[derive(Accounts)]
pub struct MarkStranded<'info> {
    /// Anyone; pays nothing but the fee.
    pub marker: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// The round to strand (PDA `["round", pool, block_count LE]`).
    #[account(
        mut,
        seeds = [SEED_ROUND, pool.key().as_ref(), &round.block_count.to_le_bytes()],
        bump = round.bump,
        has_one = pool,
    )]
    pub round: Box<Account<'info, Round>>,
    /// The Round of `pool.last_credited_block` (the fallback); checked in the handler so that a pool with no
    /// credited round gets `NoCreditedRound`.
    /// CHECK: must be the PDA `["round", pool, last_credited_block LE]`, a Round owned by this program.
    pub fallback_round: UncheckedAccount<'info>,
}

/// Moves a `Submitted` round to `Stranded` and copies the fallback round's leaves root, leaf count and
/// total weight into it, so that `claim_stranded` proves leaves against the stranded round alone.
///
/// Checks:
/// 1. the round belongs to the pool (seeds, `ConstraintHasOne`) and is `Submitted` (`RoundNotSubmitted`: a
///    round whose root is committed — `Crediting` or `Credited` — or already stranded never is);
/// 2. `slot >= submitted_slot + strand_timeout_slots` (`StrandTimeoutNotReached`);
/// 3. the pool has a credited round (`NoCreditedRound`) and `fallback_round` is its Round
///    (`InvalidFallbackRound`), `Credited`, with leaves (`InvalidFallbackRound`); the round invariant.
pub fn handle_mark_stranded(ctx: Context<MarkStranded>) -> Result<()> {
    let pool = &ctx.accounts.pool;
    let pool_key = pool.key();
    let round = &mut ctx.accounts.round;
    require!(round.status == RoundStatus::Submitted, PoolError::RoundNotSubmitted);
    let slot = Clock::get()?.slot;
    let due = round.submitted_slot.checked_add(pool.strand_timeout_slots).ok_or(PoolError::Overflow)?;
    require!(slot >= due, PoolError::StrandTimeoutNotReached);
    require!(pool.credited_rounds > 0, PoolError::NoCreditedRound);

    // A Round of this program (owner, discriminator) at the PDA of the last credited block.
    let info = &ctx.accounts.fallback_round;
    require_keys_eq!(*info.owner, crate::ID, PoolError::InvalidFallbackRound);
    let fallback = {
        let data = info.try_borrow_data()?;
        Round::try_deserialize(&mut &data[..]).map_err(|_| error!(PoolError::InvalidFallbackRound))?
    };
    let expected = Pubkey::create_program_address(
        &[SEED_ROUND, pool_key.as_ref(), &pool.last_credited_block.to_le_bytes(), &[fallback.bump]],
        &crate::ID,
    )
    .map_err(|_| error!(PoolError::InvalidFallbackRound))?;
    require_keys_eq!(info.key(), expected, PoolError::InvalidFallbackRound);
    require!(
        fallback.pool == pool_key && fallback.status == RoundStatus::Credited && fallback.leaf_count > 0,
        PoolError::InvalidFallbackRound
    );

    round.status = RoundStatus::Stranded;
    round.fallback_block = fallback.block_count;
    round.leaves_root = fallback.leaves_root;
    round.leaf_count = fallback.leaf_count;
    round.total_weight = fallback.total_weight;
    round.stranded_slot = slot;
    round.invariant()?;
    emit!(RoundStranded {
        pool: pool_key,
        round: round.key(),
        block_count: round.block_count,
        fallback_block: fallback.block_count,
        leaves_root: fallback.leaves_root,
        leaf_count: fallback.leaf_count,
        total_weight: fallback.total_weight,
        distributable: round.distributable().ok_or(PoolError::Overflow)?,
        marker: ctx.accounts.marker.key(),
        slot,
    });
    Ok(())
}
