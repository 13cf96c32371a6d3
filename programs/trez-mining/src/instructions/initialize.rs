//! `initialize`: create the `State` PDA and wire the distributor.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_option::COption;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::TrezError;
use crate::events::Initialized;
use crate::state::State;

/// Parameters of `initialize`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeArgs {
    /// Initial required zero bits.
    pub difficulty: u32,
    /// Retarget floor, bits.
    pub min_difficulty: u32,
    /// Retarget ceiling, bits (<= 192).
    pub max_difficulty: u32,
    /// Block reward of era 0, base units (halved each era: [`State::reward_of_era`]).
    pub initial_reward: u64,
    /// Referral bonus per block, base units (published: 3 TREZ, [`PUBLISHED_REFERRAL_BONUS`]).
    pub referral_bonus: u64,
    /// Blocks per era (> 0; ours, default [`DEFAULT_BLOCKS_PER_ERA`]).
    pub blocks_per_era: u64,
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
    /// An existing mint with 6 decimals and no mint authority (a fixed supply: nothing is minted after setup).
    #[account(
        constraint = mint.mint_authority == COption::None @ TrezError::MintNotFixed,
        constraint = mint.decimals == TREZ_DECIMALS @ TrezError::InvalidDecimals,
    )]
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: PDA `["distributor"]` of this program, verified by seeds; holds no data, signs payouts.
    #[account(seeds = [SEED_DISTRIBUTOR], bump)]
    pub distributor: UncheckedAccount<'info>,
    /// The distributor's associated token account for `mint`, already holding the supply for rewards (the
    /// deployer creates it and mints the supply into it before revoking the mint authority).
    #[account(
        associated_token::mint = mint,
        associated_token::authority = distributor,
        associated_token::token_program = token_program,
    )]
    pub distributor_token: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Creates `State` with the genesis challenge `SHA256("trez-genesis-v1" || mint || slot)`, `block_count` 0,
/// era 0 and `reward = initial_reward` (published: "sets initial challenge/difficulty, block count (0), era (0),
/// reward; wires distributor PDA/ATA; emits init event").
///
/// Checks:
/// 1. the mint has no mint authority (`MintNotFixed`) and 6 decimals (`InvalidDecimals`);
/// 2. `distributor_token` is the distributor PDA's associated token account for the mint (Anchor's
///    associated-token constraints);
/// 3. `min <= difficulty <= max <= 192` (`InvalidDifficulty`), `target_block_seconds > 0` (`InvalidTargetTime`),
///    `blocks_per_era > 0` (`InvalidEraLength`).
pub fn handle_initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    let clock = Clock::get()?;
    let mint = ctx.accounts.mint.key();
    let supply = ctx.accounts.distributor_token.amount;
    let state = &mut ctx.accounts.state;
    state.challenge_number = solana_sha256_hasher::hashv(&[GENESIS_TAG, mint.as_ref(), &clock.slot.to_le_bytes()])
        .to_bytes();
    state.difficulty_high = args.difficulty;
    state.block_count = 0;
    state.era = 0;
    state.initial_reward = args.initial_reward;
    state.reward = args.initial_reward;
    state.blocks_per_era = args.blocks_per_era;
    state.referral_bonus = args.referral_bonus;
    state.admin = ctx.accounts.admin.key();
    state.mint = mint;
    state.distributor_token = ctx.accounts.distributor_token.key();
    state.min_difficulty = args.min_difficulty;
    state.max_difficulty = args.max_difficulty;
    state.target_block_seconds = args.target_block_seconds;
    state.last_block_ts = clock.unix_timestamp;
    state.last_block_slot = clock.slot;
    state.total_paid = 0;
    state.bump = ctx.bumps.state;
    state.distributor_bump = ctx.bumps.distributor;
    state.invariant()?;
    emit!(Initialized {
        admin: state.admin,
        mint,
        distributor_token: state.distributor_token,
        supply,
        difficulty: args.difficulty,
        reward: args.initial_reward,
        referral_bonus: args.referral_bonus,
        blocks_per_era: args.blocks_per_era,
        slot: clock.slot,
    });
    Ok(())
}
