//! The `Round` account.
use anchor_lang::prelude::*;

/// Lifecycle of a round: `Submitted` (reward in escrow) → `Crediting` (root committed, batches landing) →
/// `Credited` (Σ batches = reward − fee). Never goes back.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum RoundStatus {
    Submitted,
    Crediting,
    Credited,
}

/// One TREZ block found by the pool, PDA `["round", pool, block_count u64 LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Round {
    pub pool: Pubkey,
    /// TREZ block_count the solution was for (part of the preimage).
    pub block_count: u64,
    /// TREZ challenge the solution was for.
    pub challenge: [u8; 32],
    pub nonce: u64,
    /// Network difficulty the block met, bits (TREZ `difficulty_high` at submission).
    pub difficulty: u32,
    /// Escrow balance after minus before the `claim_reward` CPI, base units.
    pub reward: u64,
    /// `floor(reward × fee_bps / 10_000)` at submission, base units.
    pub fee: u64,
    /// Credited to members so far, base units; ends at exactly `reward − fee`.
    pub credited: u64,
    /// The batch index the next `credit_batch` must carry.
    pub next_batch: u32,
    /// SHA-256 merkle root of the sorted leaves (wallet, weight, share count, amount); see README, Audit.
    pub leaves_root: [u8; 32],
    /// Number of leaves committed by `begin_credit`.
    pub leaf_count: u32,
    /// Leaves credited so far.
    pub leaves_credited: u32,
    /// Wallet of the last member credited; batches go in strictly ascending wallet order.
    pub last_wallet: Pubkey,
    pub status: RoundStatus,
    /// Who landed `submit_solution` (paid the Round's rent).
    pub submitter: Pubkey,
    pub submitted_slot: u64,
    /// Slot at which the round became `Credited` (0 before).
    pub credited_slot: u64,
    pub bump: u8,
}

impl Round {
    /// `reward − fee`, base units.
    pub fn distributable(&self) -> Option<u64> {
        self.reward.checked_sub(self.fee)
    }
}
