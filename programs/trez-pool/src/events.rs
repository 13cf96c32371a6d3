//! Events: one per state change, with keys, amounts (base units) and the slot.
use anchor_lang::prelude::*;

/// A pool was created (`initialize_pool`).
#[event]
pub struct PoolInitialized {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The admin (cold key).
    pub admin: Pubkey,
    /// The relayer (hot key).
    pub relayer: Pubkey,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Pubkey,
    /// The pool's escrow: PDA `["escrow", pool]`, a token account of the mint owned by `authority`.
    pub escrow: Pubkey,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    pub authority: Pubkey,
    /// Fee, basis points of each round's reward.
    pub fee_bps: u16,
    /// Immutable fee cap, basis points.
    pub max_fee_bps: u16,
    /// Immutable delay between `propose_fee` and `apply_fee`, seconds.
    pub fee_timelock_seconds: i64,
    /// Smallest amount the `payout` crank pays one member, base units.
    pub min_payout: u64,
    /// Immutable: slots after which a round never credited may be stranded.
    pub strand_timeout_slots: u64,
    /// Slot of the change.
    pub slot: u64,
}

/// A Member account was created (`register_member`).
#[event]
pub struct MemberRegistered {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The Member account (PDA `["member", pool, wallet]`).
    pub member: Pubkey,
    /// The member's wallet.
    pub wallet: Pubkey,
    /// Who paid the rent.
    pub payer: Pubkey,
    /// Slot of the change.
    pub slot: u64,
}

/// The admin rotated the relayer key (`set_relayer`).
#[event]
pub struct RelayerChanged {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The relayer key before.
    pub old_relayer: Pubkey,
    /// The relayer key after.
    pub new_relayer: Pubkey,
    /// Slot of the change.
    pub slot: u64,
}

/// The admin proposed a fee (`propose_fee`); it applies after the timelock.
#[event]
pub struct FeeProposed {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// Fee, basis points of each round's reward.
    pub fee_bps: u16,
    /// Unix timestamp, seconds, from which `apply_fee` succeeds.
    pub effective_ts: i64,
    /// Slot of the change.
    pub slot: u64,
}

/// A proposed fee took effect (`apply_fee`).
#[event]
pub struct FeeApplied {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// Fee before, basis points.
    pub old_fee_bps: u16,
    /// Fee after, basis points.
    pub new_fee_bps: u16,
    /// Slot of the change.
    pub slot: u64,
}

/// The admin changed `min_payout` (`set_min_payout`).
#[event]
pub struct MinPayoutChanged {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// Smallest amount the `payout` crank pays one member, base units.
    pub min_payout: u64,
    /// Slot of the change.
    pub slot: u64,
}

/// The admin withdrew accrued fees (`withdraw_fees`).
#[event]
pub struct FeesWithdrawn {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// Token account that received the transfer.
    pub destination: Pubkey,
    /// Amount transferred, base units.
    pub amount: u64,
    /// Fees withdrawn by the admin after this one (lifetime), base units.
    pub fees_withdrawn: u64,
    /// Slot of the change.
    pub slot: u64,
}

/// A block landed: its reward is in escrow and a Round exists (`submit_solution`).
#[event]
pub struct SolutionSubmitted {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// TREZ block_count of the round.
    pub block_count: u64,
    /// The winning nonce.
    pub nonce: u64,
    /// TREZ challenge the solution was for.
    pub challenge: [u8; 32],
    /// Network difficulty the block met, bits.
    pub difficulty: u32,
    /// Escrow balance after minus before the CPI, base units.
    pub reward: u64,
    /// Of `reward`, the TREZ referral bonus, base units.
    pub bonus: u64,
    /// The pool's fee of the reward, base units.
    pub fee: u64,
    /// Who landed `submit_solution` (paid the Round's rent).
    pub submitter: Pubkey,
    /// Slot of the change.
    pub slot: u64,
}

/// A round's leaves root was committed (`begin_credit`).
#[event]
pub struct CreditBegun {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// TREZ block_count of the round.
    pub block_count: u64,
    /// SHA-256 merkle root of the round's sorted leaves (see README, Audit).
    pub leaves_root: [u8; 32],
    /// Number of leaves committed.
    pub leaf_count: u32,
    /// PPLNS window factor the leaves were computed with.
    pub pplns_factor: u64,
    /// Σ of the leaves' weights, expected hashes.
    pub total_weight: u128,
    /// Slot of the change.
    pub slot: u64,
}

/// One batch of a round's leaves was credited to Members (`credit_batch`).
#[event]
pub struct BatchCredited {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// TREZ block_count of the round.
    pub block_count: u64,
    /// Index of the batch (the round's `next_batch` before it).
    pub batch_index: u32,
    /// Members credited by this batch.
    pub members: u32,
    /// Sum credited by this batch, base units.
    pub amount: u64,
    /// Credited so far in the round, base units.
    pub round_credited: u64,
    /// The round is now fully credited.
    pub completed: bool,
    /// Slot of the change.
    pub slot: u64,
}

/// Tokens left the escrow for a member (`payout` or `claim`).
#[event]
pub struct MemberPaid {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The Member account (PDA `["member", pool, wallet]`).
    pub member: Pubkey,
    /// The member's wallet.
    pub wallet: Pubkey,
    /// Token account that received the transfer.
    pub destination: Pubkey,
    /// Amount transferred, base units.
    pub amount: u64,
    /// Member's lifetime paid after this transfer, base units.
    pub member_paid: u64,
    /// `true` for `claim` (member signed), `false` for the `payout` crank.
    pub claimed: bool,
    /// Slot of the change.
    pub slot: u64,
}

/// A round never credited within the pool's timeout was stranded (`mark_stranded`): the fallback round's
/// leaves claim it.
#[event]
pub struct RoundStranded {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The stranded round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// TREZ block_count of the stranded round.
    pub block_count: u64,
    /// TREZ block_count of the fallback round whose leaves claim it.
    pub fallback_block: u64,
    /// The fallback round's merkle root, copied to the stranded round.
    pub leaves_root: [u8; 32],
    /// The fallback round's leaf count.
    pub leaf_count: u32,
    /// The fallback round's Σ weights, expected hashes.
    pub total_weight: u128,
    /// `reward − fee` of the stranded round, base units.
    pub distributable: u64,
    /// Who marked it.
    pub marker: Pubkey,
    /// Slot of the change.
    pub slot: u64,
}

/// One leaf's part of a stranded round left the escrow (`claim_stranded`).
#[event]
pub struct StrandedClaimed {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The stranded round (PDA `["round", pool, block_count LE]`).
    pub round: Pubkey,
    /// TREZ block_count of the stranded round.
    pub block_count: u64,
    /// The leaf's wallet.
    pub wallet: Pubkey,
    /// Token account that received the transfer.
    pub destination: Pubkey,
    /// Amount transferred, base units.
    pub amount: u64,
    /// Paid by the stranded round so far, base units.
    pub round_paid: u64,
    /// Rounding remainder moved to the pool's fees by this (last) claim, base units; 0 before the last.
    pub dust: u64,
    /// Slot of the change.
    pub slot: u64,
}
