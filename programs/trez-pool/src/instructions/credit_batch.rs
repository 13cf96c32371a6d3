//! `credit_batch(batch_index, amounts)`: the relayer credits one ordered batch of a round's leaves.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::constants::*;
use crate::error::PoolError;
use crate::events::BatchCredited;
use crate::state::{Member, Pool, Round, RoundStatus};

#[derive(Accounts)]
pub struct CreditBatch<'info> {
    /// Must be `Pool.relayer`.
    pub relayer: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = relayer @ PoolError::NotRelayer)]
    pub pool: Box<Account<'info, Pool>>,
    /// The round (PDA `["round", pool, block_count LE]`).
    #[account(
        mut,
        seeds = [SEED_ROUND, pool.key().as_ref(), &round.block_count.to_le_bytes()],
        bump = round.bump,
        has_one = pool,
    )]
    pub round: Box<Account<'info, Round>>,
    /// The pool's escrow, read for the invariant.
    #[account(address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    // remaining_accounts: one writable Member of this pool per amount, in strictly ascending wallet order
    // (continuing after the previous batch's last wallet).
}

/// Adds `amounts[i]` (base units) to member `i`'s and the pool's `credited`, advances `next_batch`, and marks
/// the round `Credited` when Σ credits reaches `reward − fee` (then it is the pool's `last_credited_block`,
/// the fallback of rounds stranded from now on).
///
/// Checks:
/// 1. signer is the relayer (`NotRelayer`); the round belongs to the pool (`ConstraintHasOne`);
/// 2. the round is `Crediting` (`RoundNotCrediting`);
/// 3. `batch_index == next_batch` (`InvalidBatchIndex`): a replayed or out-of-order batch fails;
/// 4. `1 <= amounts.len() <= 64` (`InvalidBatchSize`) and one member account per amount (`AccountsMismatch`);
/// 5. each account is a writable Member of this pool (`AccountNotWritable`, `InvalidMember`), wallets strictly
///    ascending across the whole round (`DuplicateMember`): each leaf is credited once;
/// 6. round credits never exceed `reward − fee` (`OverCredit`), leaves never exceed `leaf_count`
///    (`TooManyLeaves`), and the last leaf lands exactly at `reward − fee` (`LeafCountMismatch`).
pub fn handle_credit_batch<'info>(
    ctx: Context<'info, CreditBatch<'info>>,
    batch_index: u32,
    amounts: Vec<u64>,
) -> Result<()> {
    require!(!amounts.is_empty() && amounts.len() <= MAX_CREDIT_BATCH, PoolError::InvalidBatchSize);
    require!(ctx.remaining_accounts.len() == amounts.len(), PoolError::AccountsMismatch);
    let pool_key = ctx.accounts.pool.key();
    let round = &mut ctx.accounts.round;
    require!(round.status == RoundStatus::Crediting, PoolError::RoundNotCrediting);
    require!(batch_index == round.next_batch, PoolError::InvalidBatchIndex);

    let mut sum: u64 = 0;
    let mut leaves = round.leaves_credited;
    let mut last_wallet = round.last_wallet;
    for (info, &amount) in ctx.remaining_accounts.iter().zip(amounts.iter()) {
        require!(info.is_writable, PoolError::AccountNotWritable);
        let mut member = Account::<Member>::try_from(info).map_err(|_| error!(PoolError::InvalidMember))?;
        require_keys_eq!(member.pool, pool_key, PoolError::InvalidMember);
        require!(leaves == 0 || member.wallet > last_wallet, PoolError::DuplicateMember);
        last_wallet = member.wallet;
        leaves = leaves.checked_add(1).ok_or(PoolError::Overflow)?;
        member.credited = member.credited.checked_add(amount).ok_or(PoolError::Overflow)?;
        sum = sum.checked_add(amount).ok_or(PoolError::Overflow)?;
        member.invariant()?;
        member.exit(&crate::ID)?;
    }

    let distributable = round.distributable().ok_or(PoolError::Overflow)?;
    let round_credited = round.credited.checked_add(sum).ok_or(PoolError::Overflow)?;
    require!(round_credited <= distributable, PoolError::OverCredit);
    require!(leaves <= round.leaf_count, PoolError::TooManyLeaves);
    let completed = round_credited == distributable;
    require!(completed == (leaves == round.leaf_count), PoolError::LeafCountMismatch);

    let slot = Clock::get()?.slot;
    round.credited = round_credited;
    round.leaves_credited = leaves;
    round.last_wallet = last_wallet;
    round.next_batch = round.next_batch.checked_add(1).ok_or(PoolError::Overflow)?;
    if completed {
        round.status = RoundStatus::Credited;
        round.credited_slot = slot;
    }
    round.invariant()?;
    let pool = &mut ctx.accounts.pool;
    pool.credited = pool.credited.checked_add(sum).ok_or(PoolError::Overflow)?;
    if completed {
        pool.credited_rounds = pool.credited_rounds.checked_add(1).ok_or(PoolError::Overflow)?;
        pool.last_credited_block = round.block_count;
    }
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(BatchCredited {
        pool: pool_key,
        round: round.key(),
        block_count: round.block_count,
        batch_index,
        members: amounts.len() as u32,
        amount: sum,
        round_credited,
        completed,
        slot,
    });
    Ok(())
}
