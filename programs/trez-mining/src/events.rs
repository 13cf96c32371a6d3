//! Events: one per state change.
use anchor_lang::prelude::*;

/// `initialize` created the State.
#[event]
pub struct Initialized {
    pub admin: Pubkey,
    pub mint: Pubkey,
    /// The distributor's token account.
    pub distributor_token: Pubkey,
    /// What the distributor held at initialization, base units.
    pub supply: u64,
    /// Initial required zero bits.
    pub difficulty: u32,
    /// Block reward of era 0, base units.
    pub reward: u64,
    /// Referral bonus per block, base units.
    pub referral_bonus: u64,
    /// Blocks per era.
    pub blocks_per_era: u64,
    pub slot: u64,
}

/// `register_miner` created a MinerData.
#[event]
pub struct MinerRegistered {
    pub user: Pubkey,
    pub payer: Pubkey,
    pub slot: u64,
}

/// `set_referrer` locked a miner's referrer.
#[event]
pub struct ReferrerSet {
    pub user: Pubkey,
    pub referrer: Pubkey,
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
    /// Era of the block.
    pub era: u32,
    /// Block reward paid to the miner's token account, base units.
    pub reward: u64,
    /// Referral bonus, base units: paid to the referrer's token account, or to the miner's when `referrer` is None.
    pub referral_bonus: u64,
    /// The miner's referrer, if set.
    pub referrer: Option<Pubkey>,
    /// Difficulty the block met, bits.
    pub difficulty: u32,
    /// Difficulty for the next block after the retarget, bits.
    pub next_difficulty: u32,
    /// Block reward of the next block (halved when an era ended), base units.
    pub next_reward: u64,
    pub next_challenge: [u8; 32],
    pub slot: u64,
}

/// `set_params` changed the parameters.
#[event]
pub struct ParamsChanged {
    pub difficulty: u32,
    pub min_difficulty: u32,
    pub max_difficulty: u32,
    pub target_block_seconds: i64,
    pub slot: u64,
}
