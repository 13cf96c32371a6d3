//! The `StrandedClaim` account.
use anchor_lang::prelude::*;

/// Proof that one wallet claimed its part of one stranded round, PDA `["stranded_claim", round, wallet]`.
/// It exists from the first claim on, so a second claim (by the member or a crank) fails with
/// `AlreadyClaimed` (the Jito distributor's claim-status pattern).
#[account]
#[derive(InitSpace, Debug)]
pub struct StrandedClaim {
    /// The stranded Round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// The leaf's wallet.
    pub wallet: Pubkey,
    /// Token account that received the transfer (owned by `wallet`).
    pub destination: Pubkey,
    /// Paid, base units: `floor((reward − fee) × weight / total_weight)`.
    pub amount: u64,
    /// Slot of the claim.
    pub slot: u64,
    /// Bump of this PDA.
    pub bump: u8,
}
