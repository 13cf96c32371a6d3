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
//! - A round the relayer never credits within the pool's immutable `strand_timeout_slots` can be stranded by
//!   anyone (`mark_stranded`); the leaves of the pool's last credited round then claim it pro rata with merkle
//!   proofs (`claim_stranded`), with no relayer and no admin.
//!
//! TREZ is reached only through its IDL (`idl/trez.json`, `declare_program!(trez)`); every CPI account list is
//! in `trez_cpi.rs`, so swapping in the real program's IDL is a small, local change.
//!
//! Layout: `lib.rs` dispatches; `instructions/` one file per instruction; `state/` one file per account;
//! `constants.rs` seeds and limits; `error.rs` append-only codes; `events.rs`; `escrow.rs` transfers out;
//! `merkle.rs` the leaves tree; `math.rs` exact pro-rata arithmetic; `trez_cpi.rs` the calls into TREZ.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

// The upstream-LLVM SBPF build (scripts/sbf.sh) links std's `sys_*` symbols and compiler builtins from here.
#[cfg(target_os = "zkvm")]
use trez_sbf_shim as _;

pub mod constants;
pub mod error;
pub mod escrow;
pub mod events;
pub mod instructions;
pub mod math;
pub mod merkle;
pub mod state;
pub mod trez_cpi;

pub use instructions::*;
pub use state::RoundStatus;

declare_id!("TPooLrZ6XgqGdzmm5GpwJaSrXyVjxYZQ3bqjRhMPs2y");

declare_program!(trez);

#[program]
pub mod trez_pool {
    use super::*;

    /// Create a pool for `mint`: the Pool (PDA `["pool", admin]`), its authority PDA and escrow. The admin signs and
    /// pays; fee and cap in basis points (cap <= 1000), timelock in seconds, `min_payout` in base units. Errors:
    /// `FeeAboveMax`, `MaxFeeTooHigh`, `InvalidTimelock`, `UnsupportedMintExtension`.
    pub fn initialize_pool(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
        instructions::initialize_pool::handle_initialize_pool(ctx, args)
    }

    /// Create the TREZ `MinerData` of the pool's authority (permissionless; the payer pays its rent). Needed once
    /// before the first `submit_solution`. See [`instructions::register_trez_miner`].
    pub fn register_trez_miner(ctx: Context<RegisterTrezMiner>) -> Result<()> {
        instructions::register_trez_miner::handle_register_trez_miner(ctx)
    }

    /// Create the Member account of `wallet` in this pool (anyone pays the rent). Errors: `AuthorityCannotBeMember`;
    /// a second registration fails at account creation.
    pub fn register_member(ctx: Context<RegisterMember>, wallet: Pubkey) -> Result<()> {
        instructions::register_member::handle_register_member(ctx, wallet)
    }

    /// Admin: rotate the relayer (hot) key. Errors: `NotAdmin`.
    pub fn set_relayer(ctx: Context<AdminOnly>, new_relayer: Pubkey) -> Result<()> {
        instructions::admin::handle_set_relayer(ctx, new_relayer)
    }

    /// Admin: propose a new fee (basis points, <= the immutable cap); it can be applied after `fee_timelock_seconds`.
    /// Errors: `NotAdmin`, `FeeAboveMax`.
    pub fn propose_fee(ctx: Context<AdminOnly>, fee_bps: u16) -> Result<()> {
        instructions::admin::handle_propose_fee(ctx, fee_bps)
    }

    /// Admin: apply the proposed fee once its timelock has passed. Errors: `NotAdmin`, `NoPendingFee`,
    /// `FeeTimelockNotElapsed`.
    pub fn apply_fee(ctx: Context<AdminOnly>) -> Result<()> {
        instructions::admin::handle_apply_fee(ctx)
    }

    /// Admin: set the smallest amount (base units) the `payout` crank pays one member. Errors: `NotAdmin`.
    pub fn set_min_payout(ctx: Context<AdminOnly>, min_payout: u64) -> Result<()> {
        instructions::admin::handle_set_min_payout(ctx, min_payout)
    }

    /// Admin: transfer up to the accrued, unwithdrawn fees (base units) from escrow with `transfer_checked`. Errors:
    /// `NotAdmin`, `InsufficientFees`, `ZeroAmount`, `MintMismatch`.
    pub fn withdraw_fees(ctx: Context<WithdrawFees>, amount: u64) -> Result<()> {
        instructions::withdraw_fees::handle_withdraw_fees(ctx, amount)
    }

    /// Permissionless: land a TREZ solution (`nonce`) for the current TREZ block by CPI into `claim_reward`, signed
    /// by the authority PDA, so the reward lands in escrow; creates the Round and takes the fee. Errors: `NoReward`,
    /// `Overflow`, and TREZ's own (a bad nonce, a moved challenge).
    pub fn submit_solution(ctx: Context<SubmitSolution>, nonce: u64) -> Result<()> {
        instructions::submit_solution::handle_submit_solution(ctx, nonce)
    }

    /// Relayer: commit a Submitted round's leaves root and leaf count, with the PPLNS factor and the total
    /// weight they were computed with (see README). Errors: `NotRelayer`, `RoundNotSubmitted`,
    /// `InvalidLeafCount`, `InvalidPplnsFactor`.
    pub fn begin_credit(
        ctx: Context<BeginCredit>,
        leaves_root: [u8; 32],
        leaf_count: u32,
        pplns_factor: u64,
        total_weight: u128,
    ) -> Result<()> {
        instructions::begin_credit::handle_begin_credit(ctx, leaves_root, leaf_count, pplns_factor, total_weight)
    }

    /// Relayer: credit one batch of a Crediting round's leaves: `amounts` (base units) to the Members passed as
    /// remaining accounts in strictly ascending wallet order, with `batch_index` equal to the round's `next_batch`;
    /// the last batch lands exactly at `reward − fee`. Errors: `NotRelayer`, `RoundNotCrediting`,
    /// `InvalidBatchIndex`, `InvalidBatchSize`, `AccountsMismatch`, `InvalidMember`, `DuplicateMember`, `OverCredit`,
    /// `TooManyLeaves`, `LeafCountMismatch`, `AccountNotWritable`.
    pub fn credit_batch<'info>(
        ctx: Context<'info, CreditBatch<'info>>,
        batch_index: u32,
        amounts: Vec<u64>,
    ) -> Result<()> {
        instructions::credit_batch::handle_credit_batch(ctx, batch_index, amounts)
    }

    /// Permissionless crank: pay each (Member, destination) pair passed as remaining accounts its `credited − paid`
    /// (when at least `min_payout`) with `transfer_checked`, only to a token account its wallet owns. Errors:
    /// `InvalidBatchSize`, `DuplicateMember`, `InvalidMember`, `MintMismatch`, `DestinationOwnerMismatch`,
    /// `AccountNotWritable`.
    pub fn payout<'info>(ctx: Context<'info, Payout<'info>>) -> Result<()> {
        instructions::payout::handle_payout(ctx)
    }

    /// Member: pull its own `credited − paid` to any token account of the pool's mint (the wallet signs); works with
    /// no relayer. Errors: `NothingToClaim`, `MintMismatch`.
    pub fn claim(ctx: Context<Claim>) -> Result<()> {
        instructions::claim::handle_claim(ctx)
    }

    /// Permissionless: strand a round still `Submitted` `strand_timeout_slots` after it landed; it falls back to
    /// the leaves of the pool's last credited round (passed as `fallback_round`). Errors: `RoundNotSubmitted`,
    /// `StrandTimeoutNotReached`, `NoCreditedRound`, `InvalidFallbackRound`.
    pub fn mark_stranded(ctx: Context<MarkStranded>) -> Result<()> {
        instructions::mark_stranded::handle_mark_stranded(ctx)
    }

    /// Permissionless: pay one leaf of a stranded round's fallback tree (proved by `proof` at `index`) its
    /// `floor((reward − fee) × weight / total_weight)` base units, to a token account its wallet owns, once.
    /// Errors: `RoundNotStranded`, `AlreadyClaimed`, `InvalidProof`, `MintMismatch`, `DestinationOwnerMismatch`,
    /// `OverCredit`, `Overflow`.
    pub fn claim_stranded(ctx: Context<ClaimStranded>, leaf: LeafArgs, index: u32, proof: Vec<[u8; 32]>) -> Result<()> {
        instructions::claim_stranded::handle_claim_stranded(ctx, leaf, index, proof)
    }
}
