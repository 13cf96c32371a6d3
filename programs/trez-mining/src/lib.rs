//! # trez-mining: local replica of the TREZ mining program
//!
//! The real TREZ program (`EUBkEwKJJnuenTnocaUHDZUaSegeWWZAFwBTqTRcQ1sJ`, mint
//! `TREZuzaCxTVsg4U9c4MTe7dterWcLe5LA92PHG12Jez`, 6 decimals) has no published source or IDL. This replica keeps
//! every fact TREZ publishes (the pool guide; treztoken.com "contract" and "reward-system", October 2025; the
//! SolidProof listing): the program id; the `State` PDA `["state"]` with challenge, difficulty, block count,
//! era and reward (`challenge_number`, `difficulty_high`, `block_count` by the guide's names); a per-miner
//! `MinerData` PDA `["miner_data", user]` holding a referrer set once by `set_referrer` (a second attempt fails
//! with `ReferrerAlreadySet`, 6004; no self-referral; the user signs); a `["distributor"]` PDA whose associated
//! token account holds the supply and pays every reward (the owner cannot mint); `claim_reward(nonce)` signed by
//! the miner paying the current block reward, plus 3 TREZ to the referrer or, without one, to the miner; and
//! ~180 s blocks. Ours (documented in README and `idl/trez.json`): account order and layout, the retarget and
//! halving rules, `register_miner`, `set_params`, the error codes other than 6004. The pool program reaches TREZ
//! only through `idl/trez.json`.
//!
//! Proof of work (`crates/pow`): `SHA256(challenge || miner || block_count LE || SHA256(nonce LE))` must have
//! at least `difficulty_high` leading zero bits of its little-endian u192 `digest[0..24]`.
//!
//! Layout: `lib.rs` dispatches; `instructions/` one file per instruction; `state/` the `State` and `MinerData` accounts;
//! `constants.rs` seeds and limits; `error.rs` the append-only error codes; `events.rs` one event per change.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

// The upstream-LLVM SBPF build (scripts/sbf.sh) links std's `sys_*` symbols and compiler builtins from here.
#[cfg(target_os = "zkvm")]
use trez_sbf_shim as _;

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

    /// Create the `State` PDA for an existing fixed-supply 6-decimal mint whose supply for rewards sits in the
    /// `["distributor"]` PDA's associated token account. See [`instructions::initialize`].
    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handle_initialize(ctx, args)
    }

    /// Create a miner's `MinerData` (PDA `["miner_data", user]`). See [`instructions::register_miner`].
    pub fn register_miner(ctx: Context<RegisterMiner>) -> Result<()> {
        instructions::register_miner::handle_register_miner(ctx)
    }

    /// Lock the miner's referrer, once. See [`instructions::set_referrer`].
    pub fn set_referrer(ctx: Context<SetReferrer>, referrer: Pubkey) -> Result<()> {
        instructions::set_referrer::handle_set_referrer(ctx, referrer)
    }

    /// Verify the miner's proof of work and pay the block reward and referral bonus from the distributor.
    /// See [`instructions::claim_reward`].
    pub fn claim_reward(ctx: Context<ClaimReward>, nonce: u64) -> Result<()> {
        instructions::claim_reward::handle_claim_reward(ctx, nonce)
    }

    /// Admin: change difficulty, bounds and target block time. See [`instructions::set_params`].
    pub fn set_params(ctx: Context<SetParams>, args: ParamsArgs) -> Result<()> {
        instructions::set_params::handle_set_params(ctx, args)
    }
}
