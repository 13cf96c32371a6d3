//! The `Pool` account.
use anchor_lang::prelude::*;

use crate::error::PoolError;

/// One mining pool, PDA `["pool", admin]`. All amounts are in base units of the pool's mint.
#[account]
#[derive(InitSpace, Debug)]
pub struct Pool {
    /// Cold key: fee changes, relayer rotation, fee withdrawal. Never needed for miners to be paid.
    pub admin: Pubkey,
    /// Hot key: may `begin_credit` / `credit_batch`. Can never move funds out of escrow.
    pub relayer: Pubkey,
    /// The TREZ mint.
    pub mint: Pubkey,
    /// Decimals of `mint`, used by every `transfer_checked`.
    pub mint_decimals: u8,
    /// Escrow token account, PDA `["escrow", pool]`, owned by `authority`.
    pub escrow: Pubkey,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and escrow owner.
    pub authority: Pubkey,
    /// Current fee, basis points of each round's reward.
    pub fee_bps: u16,
    /// Immutable cap on `fee_bps` (<= 1000), fixed at initialization.
    pub max_fee_bps: u16,
    /// Immutable delay between `propose_fee` and `apply_fee`, seconds.
    pub fee_timelock_seconds: i64,
    /// Proposed fee, bps; meaningful when `pending_fee_effective_ts != 0`.
    pub pending_fee_bps: u16,
    /// Unix timestamp (seconds) from which the pending fee may be applied; 0 when nothing is pending.
    pub pending_fee_effective_ts: i64,
    /// Smallest amount the `payout` crank pays to one member, base units (`claim` ignores it).
    pub min_payout: u64,
    /// Rewards that arrived in escrow through `submit_solution`.
    pub received: u64,
    /// Credited to members (lifetime).
    pub credited: u64,
    /// Fees taken from rounds (lifetime).
    pub fees_accrued: u64,
    /// Fees withdrawn by the admin (lifetime).
    pub fees_withdrawn: u64,
    /// Paid out to members by `payout` and `claim` (lifetime).
    pub paid: u64,
    /// Rounds created.
    pub rounds: u64,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the authority PDA.
    pub authority_bump: u8,
    /// Bump of the escrow PDA.
    pub escrow_bump: u8,
    /// Immutable: slots after `submit_solution` from which a round never credited (still `Submitted`) may be
    /// marked stranded by anyone (`mark_stranded`), fixed at initialization (>= 10).
    pub strand_timeout_slots: u64,
    /// Rounds whose crediting completed with at least one leaf (lifetime).
    pub credited_rounds: u64,
    /// `block_count` of the round whose crediting completed most recently (meaningful when
    /// `credited_rounds > 0`): the members a round stranded now falls back to.
    pub last_credited_block: u64,
}

impl Pool {
    /// Tokens the escrow must hold: everything received and not yet paid to members or withdrawn as fees
    /// (uncredited rewards + credited-unpaid + unwithdrawn fees), base units.
    pub fn owed(&self) -> Result<u64> {
        self.received
            .checked_sub(self.paid)
            .and_then(|x| x.checked_sub(self.fees_withdrawn))
            .ok_or_else(|| error!(PoolError::InvariantViolated))
    }

    /// The pool invariant. Must be called at the end of every instruction that modifies a Pool account,
    /// with the escrow balance after the instruction's transfers:
    /// `credited + fees_accrued <= received`, `paid <= credited`, `fees_withdrawn <= fees_accrued`,
    /// `escrow_balance >= owed()`.
    pub fn invariant(&self, escrow_balance: u64) -> Result<()> {
        let allotted = self.credited.checked_add(self.fees_accrued).ok_or(PoolError::Overflow)?;
        require!(allotted <= self.received, PoolError::InvariantViolated);
        require!(self.paid <= self.credited, PoolError::InvariantViolated);
        require!(self.fees_withdrawn <= self.fees_accrued, PoolError::InvariantViolated);
        require!(self.fee_bps <= self.max_fee_bps, PoolError::InvariantViolated);
        require!(escrow_balance >= self.owed()?, PoolError::InvariantViolated);
        Ok(())
    }

    /// Fee of a reward, `floor(reward × fee_bps / 10_000)`, base units.
    pub fn fee_of(&self, reward: u64) -> Result<u64> {
        let fee = (reward as u128)
            .checked_mul(self.fee_bps as u128)
            .ok_or(PoolError::Overflow)?
            / crate::constants::BPS_DENOMINATOR as u128;
        u64::try_from(fee).map_err(|_| error!(PoolError::Overflow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        Pool {
            admin: Pubkey::default(),
            relayer: Pubkey::default(),
            mint: Pubkey::default(),
            mint_decimals: 6,
            escrow: Pubkey::default(),
            authority: Pubkey::default(),
            fee_bps: 250,
            max_fee_bps: 1_000,
            fee_timelock_seconds: 0,
            pending_fee_bps: 0,
            pending_fee_effective_ts: 0,
            min_payout: 0,
            received: 1_000,
            credited: 900,
            fees_accrued: 100,
            fees_withdrawn: 50,
            paid: 400,
            rounds: 1,
            bump: 0,
            authority_bump: 0,
            escrow_bump: 0,
            strand_timeout_slots: 10,
            credited_rounds: 0,
            last_credited_block: 0,
        }
    }

    #[test]
    fn invariant_table() {
        let p = pool();
        assert_eq!(p.owed().unwrap(), 1_000 - 400 - 50);
        assert!(p.invariant(550).is_ok());
        assert!(p.invariant(10_000).is_ok(), "donations to escrow are fine");
        let bad: &[(&str, Pool, u64)] = &[
            ("escrow short by one", pool(), 549),
            ("over-allotted", Pool { credited: 901, ..pool() }, 10_000),
            ("paid above credited", Pool { paid: 901, ..pool() }, 10_000),
            ("withdrew unaccrued fees", Pool { fees_withdrawn: 101, ..pool() }, 10_000),
            ("fee above cap", Pool { fee_bps: 1_001, ..pool() }, 10_000),
        ];
        for (name, p, escrow) in bad {
            assert!(p.invariant(*escrow).is_err(), "{name}");
        }
    }

    #[test]
    fn fee_of_floors_and_handles_extremes() {
        let p = pool();
        assert_eq!(p.fee_of(0).unwrap(), 0);
        assert_eq!(p.fee_of(39).unwrap(), 0);
        assert_eq!(p.fee_of(40).unwrap(), 1);
        assert_eq!(p.fee_of(u64::MAX).unwrap(), u64::MAX / 10_000 * 250 + (u64::MAX % 10_000) * 250 / 10_000);
        assert_eq!(Pool { fee_bps: 0, ..pool() }.fee_of(u64::MAX).unwrap(), 0);
    }
}
