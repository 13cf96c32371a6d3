//! Events: one per state change.
use anchor_lang::prelude::*;

/// `initialize` created the State.
#[event]
pub struct Initialized {
    pub admin: Pubkey,
    pub mint: Pubkey,
    /// Initial required zero bits.
    pub difficulty: u32,
    /// Base reward, base units.
    pub base_reward: u64,
    pub slot: u64,
}

/// `claim_reward` accepted a block.
#[event]
pub struct BlockMined {
    /// The signer whose key is in the digest (a pool's authority PDA for pool blocks).
    pub miner: Pubkey,
    /// The block_count the nonce was for (before the increment).
    pub block_count: u64,
    pub nonce: u64,
    pub digest: [u8; 32],
    /// Minted to the miner's token account, base units.
    pub reward: u64,
    /// Minted to the referrer's token account, base units (0 when none).
    pub referral_bonus: u64,
    /// Difficulty the block met, bits.
    pub difficulty: u32,
    /// Difficulty for the next block after the retarget, bits.
    pub next_difficulty: u32,
    pub next_challenge: [u8; 32],
    pub slot: u64,
}

/// `set_params` changed the parameters.
#[event]
pub struct ParamsChanged {
    pub difficulty: u32,
    pub min_difficulty: u32,
    pub max_difficulty: u32,
    pub base_reward: u64,
    pub referral_bonus: u64,
    pub target_block_seconds: i64,
    pub slot: u64,
}
