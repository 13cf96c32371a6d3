//! `claim_stranded(leaf, index, proof)`: one leaf of the fallback round takes its part of a stranded round,
//! with no relayer and no admin.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::escrow::transfer_from_escrow;
use crate::events::StrandedClaimed;
use crate::state::{Pool, Round, RoundStatus, StrandedClaim};

/// One leaf of a round, as committed in its merkle tree (see `merkle.rs`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafArgs {
    /// The member's wallet.
    pub wallet: Pubkey,
    /// Σ of the wallet's window weights in that round, expected hashes.
    pub weight: u128,
    /// The wallet's shares in that round's window.
    pub shares: u64,
    /// Credited to the wallet in that round, base units.
    pub amount: u64,
}

#[derive(Accounts)]
#[instruction(leaf: LeafArgs)]
pub struct ClaimStranded<'info> {
    /// Anyone (the member or a crank on its behalf); pays the StrandedClaim's rent. Gains nothing else: the
    /// tokens go to a token account of the leaf's wallet.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = mint @ PoolError::MintMismatch)]
    pub pool: Box<Account<'info, Pool>>,
    /// The stranded round (PDA `["round", pool, block_count LE]`).
    #[account(
        mut,
        seeds = [SEED_ROUND, pool.key().as_ref(), &round.block_count.to_le_bytes()],
        bump = round.bump,
        has_one = pool,
    )]
    pub round: Box<Account<'info, Round>>,
    /// PDA `["stranded_claim", round, wallet]`: created by the first claim; its existence refuses a second.
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + StrandedClaim::INIT_SPACE,
        seeds = [SEED_STRANDED_CLAIM, round.key().as_ref(), leaf.wallet.as_ref()],
        bump,
    )]
    pub claim: Box<Account<'info, StrandedClaim>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; signs the transfer.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// The pool's escrow: PDA `["escrow", pool]`, a token account of the mint owned by `authority`.
    #[account(mut, address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// A token account of the pool's mint owned by the leaf's wallet.
    #[account(
        mut,
        constraint = destination.mint == mint.key() @ PoolError::MintMismatch,
        constraint = destination.owner == leaf.wallet @ PoolError::DestinationOwnerMismatch,
        token::token_program = token_program,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
    /// The system program (the StrandedClaim's creation).
    pub system_program: Program<'info, System>,
}

/// Pays the leaf `floor((reward − fee) × weight / total_weight)` base units with `transfer_checked` and
/// records the claim; the claim that completes the leaf count moves the rounding remainder (`dust`) to the
/// pool's fees. The pool counts the amount as credited and paid at once.
///
/// Checks:
/// 1. the round belongs to the pool (seeds, `ConstraintHasOne`) and is `Stranded` (`RoundNotStranded`);
/// 2. the wallet has not claimed this round (`AlreadyClaimed`);
/// 3. `proof` (at most 32 elements) shows the leaf at `index` of the round's `leaf_count` leaves under its
///    `leaves_root` (`InvalidProof`): the root is the fallback round's, in a Round PDA of this pool, so a
///    proof of another pool's or round's tree fails;
/// 4. destination of the pool's mint (`MintMismatch`) owned by the wallet (`DestinationOwnerMismatch`);
/// 5. `weight <= total_weight` and claims never exceed `reward − fee` (`OverCredit`); checked arithmetic;
///    the round and pool invariants.
pub fn handle_claim_stranded(ctx: Context<ClaimStranded>, leaf: LeafArgs, index: u32, proof: Vec<[u8; 32]>) -> Result<()> {
    let round = &ctx.accounts.round;
    require!(round.status == RoundStatus::Stranded, PoolError::RoundNotStranded);
    require!(ctx.accounts.claim.round == Pubkey::default(), PoolError::AlreadyClaimed);
    require!(proof.len() <= MAX_PROOF_LEN, PoolError::InvalidProof);
    let hash = crate::merkle::leaf_hash(&leaf.wallet.to_bytes(), leaf.weight, leaf.shares, leaf.amount);
    require!(crate::merkle::verify(hash, index, round.leaf_count, &proof, &round.leaves_root), PoolError::InvalidProof);

    let distributable = round.distributable().ok_or(PoolError::Overflow)?;
    let (amount, _) = crate::math::pro_rata(distributable, leaf.weight, round.total_weight).ok_or(PoolError::OverCredit)?;
    let round_paid = round.credited.checked_add(amount).ok_or(PoolError::Overflow)?;
    require!(round_paid <= distributable, PoolError::OverCredit);
    let leaves = round.leaves_credited.checked_add(1).ok_or(PoolError::Overflow)?;
    let dust = if leaves == round.leaf_count { distributable.checked_sub(round_paid).ok_or(PoolError::Overflow)? } else { 0 };

    let pool_key = ctx.accounts.pool.key();
    if amount > 0 {
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
    }
    let slot = Clock::get()?.slot;
    let round_key = ctx.accounts.round.key();
    let claim = &mut ctx.accounts.claim;
    claim.round = round_key;
    claim.wallet = leaf.wallet;
    claim.destination = ctx.accounts.destination.key();
    claim.amount = amount;
    claim.slot = slot;
    claim.bump = ctx.bumps.claim;

    let round = &mut ctx.accounts.round;
    round.credited = round_paid;
    round.leaves_credited = leaves;
    round.dust = dust;
    round.invariant()?;
    let pool = &mut ctx.accounts.pool;
    pool.credited = pool.credited.checked_add(amount).ok_or(PoolError::Overflow)?;
    pool.paid = pool.paid.checked_add(amount).ok_or(PoolError::Overflow)?;
    pool.fees_accrued = pool.fees_accrued.checked_add(dust).ok_or(PoolError::Overflow)?;
    pool.invariant(ctx.accounts.escrow.amount)?;
    emit!(StrandedClaimed {
        pool: pool_key,
        round: round_key,
        block_count: round.block_count,
        wallet: leaf.wallet,
        destination: ctx.accounts.destination.key(),
        amount,
        round_paid,
        dust,
        slot,
    });
    Ok(())
}
