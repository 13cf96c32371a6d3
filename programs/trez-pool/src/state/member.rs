//! The `Member` account.
use anchor_lang::prelude::*;

/// One miner's balance in one pool, PDA `["member", pool, wallet]`. Lifetime totals (ore-pool pattern):
/// `credited − paid` is what the pool owes the wallet. Funds can only go to token accounts the wallet owns
/// (`payout`) or where the wallet signs (`claim`).
#[account]
#[derive(InitSpace, Debug)]
pub struct Member {
    pub pool: Pubkey,
    pub wallet: Pubkey,
    /// Lifetime credited, base units.
    pub credited: u64,
    /// Lifetime paid, base units.
    pub paid: u64,
    pub bump: u8,
}

impl Member {
    /// `credited − paid`, base units.
    pub fn pending(&self) -> u64 {
        self.credited.saturating_sub(self.paid)
    }
}
