//! Events: one per state change, with keys, amounts (base units) and the slot.
use anchor_lang::prelude::*;

#[event]
pub struct PoolInitialized {
    pub pool: Pubkey,
    pub admin: Pubkey,
    pub relayer: Pubkey,
    pub mint: Pubkey,
    pub escrow: Pubkey,
    pub authority: Pubkey,
    pub fee_bps: u16,
    pub max_fee_bps: u16,
    pub fee_timelock_seconds: i64,
    pub min_payout: u64,
    pub slot: u64,
}

#[event]
pub struct MemberRegistered {
    pub pool: Pubkey,
    pub member: Pubkey,
    pub wallet: Pubkey,
    pub payer: Pubkey,
    pub slot: u64,
}

#[event]
pub struct RelayerChanged {
    pub pool: Pubkey,
    pub old_relayer: Pubkey,
    pub new_relayer: Pubkey,
    pub slot: u64,
}

#[event]
pub struct FeeProposed {
    pub pool: Pubkey,
    pub fee_bps: u16,
    /// Unix timestamp, seconds, from which `apply_fee` succeeds.
    pub effective_ts: i64,
    pub slot: u64,
}

#[event]
pub struct FeeApplied {
    pub pool: Pubkey,
    pub old_fee_bps: u16,
    pub new_fee_bps: u16,
    pub slot: u64,
}

#[event]
pub struct MinPayoutChanged {
    pub pool: Pubkey,
    pub min_payout: u64,
    pub slot: u64,
}

#[event]
pub struct FeesWithdrawn {
    pub pool: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    pub fees_withdrawn: u64,
    pub slot: u64,
}

#[event]
pub struct SolutionSubmitted {
    pub pool: Pubkey,
    pub round: Pubkey,
    pub block_count: u64,
    pub nonce: u64,
    pub challenge: [u8; 32],
    /// Network difficulty the block met, bits.
    pub difficulty: u32,
    /// Escrow balance after minus before the CPI, base units.
    pub reward: u64,
    pub fee: u64,
    pub submitter: Pubkey,
    pub slot: u64,
}

#[event]
pub struct CreditBegun {
    pub pool: Pubkey,
    pub round: Pubkey,
    pub block_count: u64,
    pub leaves_root: [u8; 32],
    pub leaf_count: u32,
    pub slot: u64,
}

#[event]
pub struct BatchCredited {
    pub pool: Pubkey,
    pub round: Pubkey,
    pub block_count: u64,
    pub batch_index: u32,
    pub members: u32,
    /// Sum credited by this batch, base units.
    pub amount: u64,
    /// Credited so far in the round, base units.
    pub round_credited: u64,
    pub completed: bool,
    pub slot: u64,
}

#[event]
pub struct MemberPaid {
    pub pool: Pubkey,
    pub member: Pubkey,
    pub wallet: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    /// Member's lifetime paid after this transfer, base units.
    pub member_paid: u64,
    /// `true` for `claim` (member signed), `false` for the `payout` crank.
    pub claimed: bool,
    pub slot: u64,
}
