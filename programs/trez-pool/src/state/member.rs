//! The `Member` account.
use anchor_lang::prelude::*;

/// One miner's balance in one pool, PDA `["member", pool, wallet]`. Lifetime totals (ore-pool pattern):
/// `credited − paid` is what the pool owes the wallet. Funds can only go to token accounts the wallet owns
/// (`payout`) or where the wallet signs (`claim`).
#[account]
#[derive(InitSpace, Debug)]
pub struct Member {
    /// The pool (PDA `["pool", admin]`).
    pub pool: Pubkey,
    /// The member's wallet.
    pub wallet: Pubkey,
    /// Lifetime credited, base units.
    pub credited: u64,
    /// Lifetime paid, base units.
    pub paid: u64,
    /// Bump of this PDA.
    pub bump: u8,
}

impl Member {
    /// `credited − paid`, base units. Errors: `InvariantViolated` when `paid > credited` (never hidden as 0).
    pub fn pending(&self) -> Result<u64> {
        self.credited.checked_sub(self.paid).ok_or_else(|| error!(crate::error::PoolError::InvariantViolated))
    }

    /// The member invariant, checked last by every instruction that changes a Member: `paid <= credited`.
    /// Errors: `InvariantViolated`.
    pub fn invariant(&self) -> Result<()> {
        require!(self.paid <= self.credited, crate::error::PoolError::InvariantViolated);
        Ok(())
    }
}
