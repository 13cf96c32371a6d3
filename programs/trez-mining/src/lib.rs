//! # trez-mining: local replica of the TREZ mining program
//!
//! The real TREZ program (`EUBkEwKJJnuenTnocaUHDZUaSegeWWZAFwBTqTRcQ1sJ`, mint
//! `TREZuzaCxTVsg4U9c4MTe7dterWcLe5LA92PHG12Jez`, 6 decimals) has no published source or IDL. This replica keeps
//! every interface fact the TREZ pool guide gives: the program id, the `State` PDA at seeds `["state"]` with
//! `challenge_number`, `difficulty_high` (required zero bits) and `block_count`, `claim_reward(nonce)` signed
//! by the miner, minting a base reward plus an optional referral bonus, and a retarget toward ~180 s blocks.
//! Everything else (mint authority PDA, retarget rule, reward sizes, referrer account) is defined here and
//! published in `idl/trez.json`; the pool program reaches TREZ only through that IDL.
//!
//! Proof of work (`crates/pow`): `SHA256(challenge || miner || block_count LE || SHA256(nonce LE))` must have
//! at least `difficulty_high` leading zero bits of its little-endian u192 `digest[0..24]`.
//!
//! Layout: `lib.rs` dispatches; `instructions/` one file per instruction; `state/` the `State` account;
//! `constants.rs` seeds and limits; `error.rs` the append-only error codes; `events.rs` one event per change.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod state;

pub use instructions::*;

declare_id!("EUBkEwKJJnuenTnocaUHDZUaSegeWWZAFwBTqTRcQ1sJ");

#[program]
pub mod trez_mining {
    use super::*;

    /// Create the `State` PDA for an existing 6-decimal mint whose mint authority is the program's
    /// `["mint_authority"]` PDA. See [`instructions::initialize`].
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handle_initialize(ctx, args)
    }

    /// Verify the miner's proof of work and mint the block reward. See [`instructions::claim_reward`].
    pub fn claim_reward(ctx: Context<ClaimReward>, nonce: u64) -> Result<()> {
        instructions::claim_reward::handle_claim_reward(ctx, nonce)
    }

    /// Admin: change difficulty, bounds, rewards and target block time. See [`instructions::set_params`].
    pub fn set_params(ctx: Context<SetParams>, args: ParamsArgs) -> Result<()> {
        instructions::set_params::handle_set_params(ctx, args)
    }
}
