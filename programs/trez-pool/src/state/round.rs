//! The `Round` account.
use anchor_lang::prelude::*;

/// Lifecycle of a round: `Submitted` (reward in escrow) → `Crediting` (root committed, batches landing) →
/// `Credited` (Σ batches = reward − fee); or `Submitted` → `Stranded` (never credited within the pool's
/// `strand_timeout_slots`; its members are those of the pool's last credited round). Never goes back.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum RoundStatus {
    /// The reward is in escrow; nothing committed yet.
    Submitted,
    /// The leaves root is committed; batches are landing.
    Crediting,
    /// Every leaf credited: Σ = reward − fee.
    Credited,
    /// Never credited in time (`mark_stranded`): the leaves of `fallback_block`'s round claim it pro rata
    /// (`claim_stranded`); the relayer can no longer credit it.
    Stranded,
}

/// One TREZ block found by the pool, PDA `["round", pool, block_count u64 LE]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Round {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// TREZ block_count the solution was for (part of the preimage).
    pub block_count: u64,
    /// TREZ challenge the solution was for.
    pub challenge: [u8; 32],
    /// The winning nonce.
    pub nonce: u64,
    /// Network difficulty the block met, bits (TREZ `difficulty_high` at submission).
    pub difficulty: u32,
    /// Escrow balance after minus before the `claim_reward` CPI, base units.
    pub reward: u64,
    /// `floor(reward × fee_bps / 10_000)` at submission, base units.
    pub fee: u64,
    /// Credited to members so far, base units; ends at exactly `reward − fee` (`Stranded`: paid by
    /// `claim_stranded` so far; ends at `reward − fee − dust`).
    pub credited: u64,
    /// The batch index the next `credit_batch` must carry.
    pub next_batch: u32,
    /// SHA-256 merkle root of the sorted leaves (wallet, weight, share count, amount); see README, Audit.
    /// For a `Stranded` round: the fallback round's, copied by `mark_stranded`.
    pub leaves_root: [u8; 32],
    /// Number of leaves committed by `begin_credit` (`Stranded`: the fallback round's).
    pub leaf_count: u32,
    /// PPLNS window factor the leaves were computed with (window = `pplns_factor × 2^difficulty` weight
    /// units), committed by `begin_credit`: the audit sizes the window from it, never from the record.
    pub pplns_factor: u64,
    /// Σ of the leaves' weights (expected hashes), committed by `begin_credit` (`Stranded`: the fallback
    /// round's).
    pub total_weight: u128,
    /// Leaves credited so far (`Stranded`: leaves that claimed).
    pub leaves_credited: u32,
    /// Wallet of the last member credited; batches go in strictly ascending wallet order.
    pub last_wallet: Pubkey,
    /// Where the round stands (`Submitted` → `Crediting` → `Credited`).
    pub status: RoundStatus,
    /// Who landed `submit_solution` (paid the Round's rent).
    pub submitter: Pubkey,
    /// Slot at which `submit_solution` landed.
    pub submitted_slot: u64,
    /// Slot at which the round became `Credited` (0 before).
    pub credited_slot: u64,
    /// Bump of this PDA.
    pub bump: u8,
    /// `Stranded`: `block_count` of the fallback round (the pool's last credited round when it was marked).
    pub fallback_block: u64,
    /// Slot at which the round was marked `Stranded` (0 before).
    pub stranded_slot: u64,
    /// `Stranded`: the rounding remainder `reward − fee − Σ claims` moved to the pool's fees when the last
    /// leaf claimed, base units (0 otherwise).
    pub dust: u64,
    /// Of `reward`, the TREZ referral bonus: `reward` minus TREZ `State.reward` read before the claim, base
    /// units (3 TREZ while the authority has no referrer, as it never does: see `trez_cpi`).
    pub bonus: u64,
}

impl Round {
    /// `reward − fee`, base units.
    pub fn distributable(&self) -> Option<u64> {
        self.reward.checked_sub(self.fee)
    }

    /// The round invariant, checked last by every instruction that changes a Round: `fee <= reward`, `bonus <= reward`,
    /// `credited + dust <= reward − fee`, `leaves_credited <= leaf_count`; `Submitted` has credited nothing
    /// (no batch, no leaf); `Credited` has credited exactly `reward − fee` over exactly `leaf_count` leaves;
    /// only a `Stranded` round has dust, and once all its leaves claimed, `credited + dust = reward − fee`.
    /// Errors: `InvariantViolated`.
    pub fn invariant(&self) -> Result<()> {
        use crate::error::PoolError;
        let distributable = self.distributable().ok_or(PoolError::InvariantViolated)?;
        let allotted = self.credited.checked_add(self.dust).ok_or(PoolError::InvariantViolated)?;
        require!(allotted <= distributable, PoolError::InvariantViolated);
        require!(self.leaves_credited <= self.leaf_count, PoolError::InvariantViolated);
        require!(self.bonus <= self.reward, PoolError::InvariantViolated);
        require!(self.dust == 0 || self.status == RoundStatus::Stranded, PoolError::InvariantViolated);
        match self.status {
            RoundStatus::Submitted => {
                require!(self.credited == 0 && self.leaves_credited == 0 && self.next_batch == 0, PoolError::InvariantViolated)
            }
            RoundStatus::Crediting => {}
            RoundStatus::Credited => require!(
                self.credited == distributable && self.leaves_credited == self.leaf_count,
                PoolError::InvariantViolated
            ),
            RoundStatus::Stranded => {
                require!(self.next_batch == 0 && self.leaf_count > 0, PoolError::InvariantViolated);
                require!(self.leaves_credited < self.leaf_count || allotted == distributable, PoolError::InvariantViolated)
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round() -> Round {
        Round {
            pool: Pubkey::default(),
            block_count: 1,
            challenge: [0; 32],
            nonce: 0,
            difficulty: 8,
            reward: 100,
            fee: 10,
            credited: 0,
            next_batch: 0,
            leaves_root: [0; 32],
            leaf_count: 2,
            pplns_factor: 2,
            total_weight: 3,
            leaves_credited: 0,
            last_wallet: Pubkey::default(),
            status: RoundStatus::Submitted,
            submitter: Pubkey::default(),
            submitted_slot: 0,
            credited_slot: 0,
            bump: 0,
            fallback_block: 0,
            stranded_slot: 0,
            dust: 0,
            bonus: 0,
        }
    }

    #[test]
    fn round_invariant_table() {
        assert!(round().invariant().is_ok());
        let bad: [fn(&mut Round); 6] = [
            |r| r.fee = 101,
            |r| r.credited = 1,
            |r| {
                r.status = RoundStatus::Crediting;
                r.credited = 91;
            },
            |r| {
                r.status = RoundStatus::Crediting;
                r.leaves_credited = 3;
            },
            |r| {
                r.status = RoundStatus::Credited;
                r.credited = 89;
                r.leaves_credited = 2;
            },
            |r| {
                r.status = RoundStatus::Credited;
                r.credited = 90;
                r.leaves_credited = 1;
            },
        ];
        for (i, f) in bad.iter().enumerate() {
            let mut r = round();
            f(&mut r);
            assert!(r.invariant().is_err(), "case {i} should violate the invariant");
        }
        let mut done = round();
        (done.status, done.credited, done.leaves_credited, done.next_batch) = (RoundStatus::Credited, 90, 2, 1);
        assert!(done.invariant().is_ok());
    }
}
