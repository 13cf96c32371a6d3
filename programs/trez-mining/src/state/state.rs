//! The TREZ `State` account.
use anchor_lang::prelude::*;

use crate::constants::MAX_DIFFICULTY_BITS;
use crate::error::TrezError;

/// Global mining state, PDA `["state"]`. Published by TREZ: the PDA and that it holds the challenge, the
/// difficulty, the block count, the era and the reward (the pool guide reads `challenge_number`,
/// `difficulty_high` and `block_count` by these names). Field order, sizes and everything else are this
/// replica's own.
#[account]
#[derive(InitSpace, Debug)]
pub struct State {
    /// Current challenge: the first 32 bytes of every preimage.
    pub challenge_number: [u8; 32],
    /// Required leading zero bits of the digest's little-endian u192 (`crates/pow::zero_bits`).
    pub difficulty_high: u32,
    /// Blocks mined so far; part of the preimage (u64 LE) and incremented by each claim.
    pub block_count: u64,
    /// Current era: `block_count / blocks_per_era` (our halving rule, see [`State::reward_of_era`]).
    pub era: u32,
    /// Block reward of the current era, base units: paid to the miner by each claim.
    pub reward: u64,
    /// Block reward of era 0, base units.
    pub initial_reward: u64,
    /// Blocks per era (> 0). Ours: TREZ publishes that the reward changes by era, not the rule.
    pub blocks_per_era: u64,
    /// Referral bonus per block, base units (published: 3 TREZ): to the referrer when the miner has one,
    /// else to the miner.
    pub referral_bonus: u64,
    /// May call `set_params`.
    pub admin: Pubkey,
    /// The TREZ mint (6 decimals, no mint authority).
    pub mint: Pubkey,
    /// The distributor's TREZ token account (the associated token account of the `["distributor"]` PDA):
    /// every reward and bonus is paid from it.
    pub distributor_token: Pubkey,
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
    /// Everything paid so far (rewards + bonuses), base units.
    pub total_paid: u64,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the `["distributor"]` PDA.
    pub distributor_bump: u8,
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

    /// Our halving rule (an assumption until TREZ publishes its own): the reward of era `e` is
    /// `initial_reward >> e` base units (0 from era 64 on).
    pub fn reward_of_era(initial_reward: u64, era: u32) -> u64 {
        initial_reward.checked_shr(era).unwrap_or(0)
    }

    /// The era of `block_count`: `block_count / blocks_per_era` (saturating at `u32::MAX`).
    pub fn era_of(block_count: u64, blocks_per_era: u64) -> Result<u32> {
        let era = block_count.checked_div(blocks_per_era).ok_or(TrezError::InvalidEraLength)?;
        Ok(u32::try_from(era).unwrap_or(u32::MAX))
    }

    /// `min <= difficulty <= max <= 192`, a positive target time and era length, and `era`/`reward` that
    /// follow from `block_count`.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.min_difficulty <= self.difficulty_high
                && self.difficulty_high <= self.max_difficulty
                && self.max_difficulty <= MAX_DIFFICULTY_BITS,
            TrezError::InvalidDifficulty
        );
        require!(self.target_block_seconds > 0, TrezError::InvalidTargetTime);
        require!(self.blocks_per_era > 0, TrezError::InvalidEraLength);
        require!(self.era == Self::era_of(self.block_count, self.blocks_per_era)?, TrezError::InvalidEraLength);
        require!(self.reward == Self::reward_of_era(self.initial_reward, self.era), TrezError::InvalidEraLength);
        Ok(())
    }
}
