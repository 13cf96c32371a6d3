//! The TREZ `State` account.
use anchor_lang::prelude::*;

use crate::constants::MAX_DIFFICULTY_BITS;
use crate::error::TrezError;

/// Global mining state, PDA `["state"]`. The fields `challenge_number`, `difficulty_high` and `block_count`
/// are the ones the TREZ pool guide reads; the rest are this replica's own.
#[account]
#[derive(InitSpace, Debug)]
pub struct State {
    /// Current challenge: the first 32 bytes of every preimage.
    pub challenge_number: [u8; 32],
    /// Required leading zero bits of the digest's little-endian u192 (`crates/pow::zero_bits`).
    pub difficulty_high: u32,
    /// Blocks mined so far; part of the preimage (u64 LE) and incremented by each claim.
    pub block_count: u64,
    /// May call `set_params`.
    pub admin: Pubkey,
    /// The TREZ mint (6 decimals) whose mint authority is the `["mint_authority"]` PDA.
    pub mint: Pubkey,
    /// Base reward minted to the miner per block, base units.
    pub base_reward: u64,
    /// Bonus minted to a referrer per block when one is given, base units.
    pub referral_bonus: u64,
    /// Retarget floor, bits.
    pub min_difficulty: u32,
    /// Retarget ceiling, bits (at most 192).
    pub max_difficulty: u32,
    /// Target time between blocks, seconds.
    pub target_block_seconds: i64,
    /// Unix timestamp of the last block (or of initialization), seconds.
    pub last_block_ts: i64,
    /// Slot of the last block (or of initialization).
    pub last_block_slot: u64,
    /// Everything minted so far (rewards + bonuses), base units.
    pub total_minted: u64,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the `["mint_authority"]` PDA.
    pub mint_authority_bump: u8,
}

impl State {
    /// Retarget rule: one bit up when the block came in under half the target time, one bit down when it
    /// took more than twice the target, clamped to `[min_difficulty, max_difficulty]`.
    pub fn retarget(&self, elapsed_seconds: i64) -> u32 {
        let t = self.target_block_seconds;
        let next = if elapsed_seconds.saturating_mul(2) < t {
            self.difficulty_high.saturating_add(1)
        } else if elapsed_seconds > t.saturating_mul(2) {
            self.difficulty_high.saturating_sub(1)
        } else {
            self.difficulty_high
        };
        next.clamp(self.min_difficulty, self.max_difficulty)
    }

    /// `min <= difficulty <= max <= 192` and a positive target time.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.min_difficulty <= self.difficulty_high
                && self.difficulty_high <= self.max_difficulty
                && self.max_difficulty <= MAX_DIFFICULTY_BITS,
            TrezError::InvalidDifficulty
        );
        require!(self.target_block_seconds > 0, TrezError::InvalidTargetTime);
        Ok(())
    }
}
