//! Every account list of the pool's calls into TREZ, in one place: when the real TREZ IDL is published, this
//! file, `idl/trez.json` and the TREZ accounts of the two instructions that call it (`submit_solution`,
//! `register_trez_miner`) are what changes.
//!
//! The interface (from `idl/trez.json`, our replica's; see its docs for what TREZ publishes): `claim_reward`
//! signed by the miner key, which for a pool is its authority PDA `["authority", pool]`, paying the block
//! reward and the 3-TREZ bonus from the distributor into the escrow; `register_miner` creating the authority's
//! `MinerData`.
//!
//! **The referrer.** TREZ pays the referral bonus to the miner when its `MinerData` has no referrer. The pool
//! never sets one for its authority: no pool instruction signs TREZ `set_referrer`, and the authority is a PDA
//! that only this program can sign for, so no one else can either. The bonus therefore always lands in escrow
//! and is shared with the round's miners like the reward. `claim` passes no referrer account accordingly; were
//! a referrer ever set, TREZ would refuse the claim (`ReferrerMismatch`) rather than pay it elsewhere.
use anchor_lang::prelude::*;

use crate::constants::SEED_AUTHORITY;
use crate::trez;

/// The TREZ accounts of a claim by the pool, besides the ones the pool already holds.
pub struct ClaimAccounts<'a, 'info> {
    pub trez_program: &'a AccountInfo<'info>,
    /// The pool's authority PDA: the TREZ miner key.
    pub authority: &'a AccountInfo<'info>,
    pub state: &'a AccountInfo<'info>,
    /// TREZ `MinerData` of the authority.
    pub miner_data: &'a AccountInfo<'info>,
    pub distributor: &'a AccountInfo<'info>,
    pub distributor_token: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    /// The escrow: TREZ `miner_token`.
    pub escrow: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
}

/// The authority's signer seeds: `["authority", pool, bump]`.
fn authority_seeds<'s>(pool: &'s Pubkey, bump: &'s [u8; 1]) -> [&'s [u8]; 3] {
    [SEED_AUTHORITY, pool.as_ref(), bump]
}

/// TREZ `claim_reward(nonce)` signed by the pool's authority (`bump` = `Pool.authority_bump`).
pub fn claim(a: ClaimAccounts<'_, '_>, pool: &Pubkey, bump: u8, nonce: u64) -> Result<()> {
    let bump = [bump];
    let seeds = authority_seeds(pool, &bump);
    let signer = &[&seeds[..]];
    trez::cpi::claim_reward(
        CpiContext::new_with_signer(
            a.trez_program.key(),
            trez::cpi::accounts::ClaimReward {
                miner: a.authority.clone(),
                state: a.state.clone(),
                miner_data: a.miner_data.clone(),
                distributor: a.distributor.clone(),
                distributor_token: a.distributor_token.clone(),
                mint: a.mint.clone(),
                miner_token: a.escrow.clone(),
                referrer_token: None,
                token_program: a.token_program.clone(),
            },
            signer,
        )
        // The absent optional `referrer_token` is encoded as the TREZ program id, so its account must be present.
        .with_remaining_accounts(vec![a.trez_program.clone()]),
        nonce,
    )
}

/// TREZ `register_miner` for the pool's authority: `payer` pays the MinerData rent, the authority signs.
pub fn register<'info>(
    trez_program: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    miner_data: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    pool: &Pubkey,
    bump: u8,
) -> Result<()> {
    let bump = [bump];
    let seeds = authority_seeds(pool, &bump);
    let signer = &[&seeds[..]];
    trez::cpi::register_miner(CpiContext::new_with_signer(
        trez_program.key(),
        trez::cpi::accounts::RegisterMiner {
            payer: payer.clone(),
            user: authority.clone(),
            miner_data: miner_data.clone(),
            system_program: system_program.clone(),
        },
        signer,
    ))
}
