//! The per-miner `MinerData` account.
use anchor_lang::prelude::*;

/// A miner's record, PDA `["miner_data", user]` (published: per-miner data including the referrer, set once
/// by `set_referrer`). Created by `register_miner`; `claim_reward` requires it. The counters are ours.
#[account]
#[derive(InitSpace, Debug)]
pub struct MinerData {
    /// The miner key (the PDA's seed).
    pub user: Pubkey,
    /// Receives the referral bonus of this miner's blocks; `None` until `set_referrer`, then permanent.
    pub referrer: Option<Pubkey>,
    /// Blocks this miner claimed.
    pub blocks: u64,
    /// Paid to this miner's token accounts (rewards and, without a referrer, bonuses), base units.
    pub earned: u64,
    /// Bump of this PDA.
    pub bump: u8,
}
