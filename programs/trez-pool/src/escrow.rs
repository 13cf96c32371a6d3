//! Moving tokens out of escrow, and the mint checks that make `transfer_checked` amounts exact.
use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::{transfer_checked, TransferChecked};

use crate::constants::SEED_AUTHORITY;
use crate::error::PoolError;
use crate::state::Pool;

/// `transfer_checked` of `amount` base units from the escrow, signed by the pool authority PDA
/// (`["authority", pool, bump]`).
#[allow(clippy::too_many_arguments)]
pub fn transfer_from_escrow<'info>(
    pool: &Pool,
    pool_key: &Pubkey,
    token_program: &AccountInfo<'info>,
    escrow: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let bump = [pool.authority_bump];
    let seeds: &[&[u8]] = &[SEED_AUTHORITY, pool_key.as_ref(), &bump];
    let signer = &[seeds];
    transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            TransferChecked { from: escrow.clone(), mint: mint.clone(), to: to.clone(), authority: authority.clone() },
            signer,
        ),
        amount,
        pool.mint_decimals,
    )
}

/// Extensions of a Token-2022 mint that cannot change amounts or move escrowed funds. Any other extension
/// (transfer fee, transfer hook, permanent delegate, non-transferable, confidential transfer, pausable,
/// default account state, ...) is refused with `UnsupportedMintExtension`.
const ALLOWED_MINT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Refuses Token-2022 mints with an extension outside [`ALLOWED_MINT_EXTENSIONS`]. SPL Token mints have none.
pub fn check_mint_extensions(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    for ext in state.get_extension_types()? {
        require!(ALLOWED_MINT_EXTENSIONS.contains(&ext), PoolError::UnsupportedMintExtension);
    }
    Ok(())
}
