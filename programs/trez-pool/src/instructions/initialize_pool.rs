//! `initialize_pool`: create the Pool, its authority PDA address and its escrow token account.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::escrow::check_mint_extensions;
use crate::events::PoolInitialized;
use crate::state::Pool;

/// Parameters of `initialize_pool`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializePoolArgs {
    /// Hot key allowed to credit rounds.
    pub relayer: Pubkey,
    /// Initial fee, basis points (<= `max_fee_bps`).
    pub fee_bps: u16,
    /// Immutable fee cap, basis points (<= 1000).
    pub max_fee_bps: u16,
    /// Immutable delay between `propose_fee` and `apply_fee`, seconds (>= 0).
    pub fee_timelock_seconds: i64,
    /// Smallest amount the `payout` crank pays, base units.
    pub min_payout: u64,
    /// Immutable: slots after which a round never credited may be stranded (>= 10; advised 216,000, ~24 h).
    pub strand_timeout_slots: u64,
}

#[derive(Accounts)]
pub struct InitializePool<'info> {
    /// Pays rent and becomes the pool's admin.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// PDA `["pool", admin]`; `init` makes re-initialization fail.
    #[account(init, payer = admin, space = 8 + Pool::INIT_SPACE, seeds = [SEED_POOL, admin.key().as_ref()], bump)]
    pub pool: Box<Account<'info, Pool>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; system-owned, holds no data.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump)]
    pub authority: UncheckedAccount<'info>,
    /// The TREZ mint (SPL Token, or Token-2022 without amount-changing extensions).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// PDA `["escrow", pool]`: token account of `mint` owned by `authority`.
    #[account(
        init,
        payer = admin,
        seeds = [SEED_ESCROW, pool.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = authority,
        token::token_program = token_program,
    )]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
    /// The system program (account creation).
    pub system_program: Program<'info, System>,
}

/// Creates the Pool with zero totals and an empty escrow.
///
/// Checks:
/// 1. `max_fee_bps <= 1000` (`MaxFeeTooHigh`);
/// 2. `fee_bps <= max_fee_bps` (`FeeAboveMax`);
/// 3. `fee_timelock_seconds >= 0` (`InvalidTimelock`);
/// 4. `strand_timeout_slots >= 10` (`InvalidStrandTimeout`);
/// 5. the mint has no amount-changing extension (`UnsupportedMintExtension`).
pub fn handle_initialize_pool(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
    require!(args.max_fee_bps <= MAX_FEE_CAP_BPS, PoolError::MaxFeeTooHigh);
    require!(args.fee_bps <= args.max_fee_bps, PoolError::FeeAboveMax);
    require!(args.fee_timelock_seconds >= 0, PoolError::InvalidTimelock);
    require!(args.strand_timeout_slots >= MIN_STRAND_TIMEOUT_SLOTS, PoolError::InvalidStrandTimeout);
    check_mint_extensions(&ctx.accounts.mint.to_account_info())?;

    let pool_key = ctx.accounts.pool.key();
    let pool = &mut ctx.accounts.pool;
    pool.admin = ctx.accounts.admin.key();
    pool.relayer = args.relayer;
    pool.mint = ctx.accounts.mint.key();
    pool.mint_decimals = ctx.accounts.mint.decimals;
    pool.escrow = ctx.accounts.escrow.key();
    pool.authority = ctx.accounts.authority.key();
    pool.fee_bps = args.fee_bps;
    pool.max_fee_bps = args.max_fee_bps;
    pool.fee_timelock_seconds = args.fee_timelock_seconds;
    pool.pending_fee_bps = 0;
    pool.pending_fee_effective_ts = 0;
    pool.min_payout = args.min_payout;
    pool.received = 0;
    pool.credited = 0;
    pool.fees_accrued = 0;
    pool.fees_withdrawn = 0;
    pool.paid = 0;
    pool.rounds = 0;
    pool.bump = ctx.bumps.pool;
    pool.authority_bump = ctx.bumps.authority;
    pool.escrow_bump = ctx.bumps.escrow;
    pool.strand_timeout_slots = args.strand_timeout_slots;
    pool.credited_rounds = 0;
    pool.last_credited_block = 0;
    pool.invariant(ctx.accounts.escrow.amount)?;

    emit!(PoolInitialized {
        pool: pool_key,
        admin: pool.admin,
        relayer: pool.relayer,
        mint: pool.mint,
        escrow: pool.escrow,
        authority: pool.authority,
        fee_bps: pool.fee_bps,
        max_fee_bps: pool.max_fee_bps,
        fee_timelock_seconds: pool.fee_timelock_seconds,
        min_payout: pool.min_payout,
        strand_timeout_slots: pool.strand_timeout_slots,
        slot: Clock::get()?.slot,
    });
    Ok(())
}
