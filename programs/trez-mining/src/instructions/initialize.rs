//! `initialize`: create the `State` PDA.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_option::COption;
use anchor_spl::token_interface::Mint;

use crate::constants::*;
use crate::error::TrezError;
use crate::events::Initialized;
use crate::state::State;

/// Parameters of `initialize` (and, with the same meaning, `set_params`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeArgs {
    /// Initial required zero bits.
    pub difficulty: u32,
    /// Retarget floor, bits.
    pub min_difficulty: u32,
    /// Retarget ceiling, bits (<= 192).
    pub max_difficulty: u32,
    /// Minted to the miner per block, base units.
    pub base_reward: u64,
    /// Minted to a referrer per block, base units.
    pub referral_bonus: u64,
    /// Target block time, seconds (> 0; the real program aims at 180).
    pub target_block_seconds: i64,
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays rent and becomes `State.admin`.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The global state, PDA `["state"]`; `init` makes a second initialize fail.
    #[account(init, payer = admin, space = 8 + State::INIT_SPACE, seeds = [SEED_STATE], bump)]
    pub state: Box<Account<'info, State>>,
    /// An existing mint with 6 decimals whose mint authority is `mint_authority`.
    #[account(
        constraint = mint.mint_authority == COption::Some(mint_authority.key()) @ TrezError::InvalidMintAuthority,
        constraint = mint.decimals == TREZ_DECIMALS @ TrezError::InvalidDecimals,
    )]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA `["mint_authority"]` of this program, verified by seeds; holds no data.
    #[account(seeds = [SEED_MINT_AUTHORITY], bump)]
    pub mint_authority: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Creates `State` with the genesis challenge `SHA256("trez-genesis-v1" || mint || slot)`, `block_count` 0.
///
/// Checks:
/// 1. the mint authority is the `["mint_authority"]` PDA (`InvalidMintAuthority`);
/// 2. the mint has 6 decimals (`InvalidDecimals`);
/// 3. `min <= difficulty <= max <= 192` (`InvalidDifficulty`), `target_block_seconds > 0` (`InvalidTargetTime`).
pub fn handle_initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let clock = Clock::get()?;
    let mint = ctx.accounts.mint.key();
    let state = &mut ctx.accounts.state;
    state.challenge_number = solana_sha256_hasher::hashv(&[GENESIS_TAG, mint.as_ref(), &clock.slot.to_le_bytes()])
        .to_bytes();
    state.difficulty_high = args.difficulty;
    state.block_count = 0;
    state.admin = ctx.accounts.admin.key();
    state.mint = mint;
    state.base_reward = args.base_reward;
    state.referral_bonus = args.referral_bonus;
    state.min_difficulty = args.min_difficulty;
    state.max_difficulty = args.max_difficulty;
    state.target_block_seconds = args.target_block_seconds;
    state.last_block_ts = clock.unix_timestamp;
    state.last_block_slot = clock.slot;
    state.total_minted = 0;
    state.bump = ctx.bumps.state;
    state.mint_authority_bump = ctx.bumps.mint_authority;
    state.invariant()?;
    emit!(Initialized {
        admin: state.admin,
        mint,
        difficulty: args.difficulty,
        base_reward: args.base_reward,
        slot: clock.slot,
    });
    Ok(())
}
