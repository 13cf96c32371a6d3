//! # trez-pool: the TREZ mining pool program
//!
//! Holds the pool's escrow on-chain and enforces every money rule (see `../shared/DESIGN.md` and README):
//! - `submit_solution(nonce)` is permissionless: it CPIs into TREZ `claim_reward` signed by the pool's
//!   authority PDA (the `miner_key` every pool miner hashes with), so a reward can only land in escrow. The
//!   reward is measured as the escrow balance after minus before; the fee is taken on-chain; a `Round` is
//!   created per TREZ block_count.
//! - The relayer key commits each round's leaves root and credits `Member` accounts in ordered batches:
//!   exactly once (batch index = next batch, ascending wallets), summing exactly to `reward − fee`.
//! - `payout` (permissionless crank) and `claim` (member-signed) pay with `transfer_checked`, only to token
//!   accounts the member's wallet owns or signs for. Credited funds can never be taken back.
//! - The admin (cold key) changes the fee only up to the immutable cap and after a timelock, and withdraws only
//!   accrued fees.
//!
//! TREZ is reached only through its IDL (`idl/trez.json`, `declare_program!(trez)`): swapping in the real
//! program's IDL is a one-file change.
//!
//! Layout: `lib.rs` dispatches; `instructions/` one file per instruction; `state/` one file per account;
//! `constants.rs` seeds and limits; `error.rs` append-only codes; `events.rs`; `escrow.rs` transfers out.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod escrow;
pub mod events;
pub mod instructions;
pub mod state;

pub use instructions::*;
pub use state::RoundStatus;

declare_id!("TPooLrZ6XgqGdzmm5GpwJaSrXyVjxYZQ3bqjRhMPs2y");

declare_program!(trez);

#[program]
pub mod trez_pool {
    use super::*;

    pub fn initialize_pool(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
        instructions::initialize_pool::handle_initialize_pool(ctx, args)
    }

    pub fn register_member(ctx: Context<RegisterMember>, wallet: Pubkey) -> Result<()> {
        instructions::register_member::handle_register_member(ctx, wallet)
    }

    pub fn set_relayer(ctx: Context<AdminOnly>, new_relayer: Pubkey) -> Result<()> {
        instructions::admin::handle_set_relayer(ctx, new_relayer)
    }

    pub fn propose_fee(ctx: Context<AdminOnly>, fee_bps: u16) -> Result<()> {
        instructions::admin::handle_propose_fee(ctx, fee_bps)
    }

    pub fn apply_fee(ctx: Context<AdminOnly>) -> Result<()> {
        instructions::admin::handle_apply_fee(ctx)
    }

    pub fn set_min_payout(ctx: Context<AdminOnly>, min_payout: u64) -> Result<()> {
        instructions::admin::handle_set_min_payout(ctx, min_payout)
    }

    pub fn withdraw_fees(ctx: Context<WithdrawFees>, amount: u64) -> Result<()> {
        instructions::withdraw_fees::handle_withdraw_fees(ctx, amount)
    }

    pub fn submit_solution(ctx: Context<SubmitSolution>, nonce: u64) -> Result<()> {
        instructions::submit_solution::handle_submit_solution(ctx, nonce)
    }

    pub fn begin_credit(ctx: Context<BeginCredit>, leaves_root: [u8; 32], leaf_count: u32) -> Result<()> {
        instructions::begin_credit::handle_begin_credit(ctx, leaves_root, leaf_count)
    }

    pub fn credit_batch<'info>(
        ctx: Context<'info, CreditBatch<'info>>,
        batch_index: u32,
        amounts: Vec<u64>,
    ) -> Result<()> {
        instructions::credit_batch::handle_credit_batch(ctx, batch_index, amounts)
    }

    pub fn payout<'info>(ctx: Context<'info, Payout<'info>>) -> Result<()> {
        instructions::payout::handle_payout(ctx)
    }

    pub fn claim(ctx: Context<Claim>) -> Result<()> {
        instructions::claim::handle_claim(ctx)
    }
}
