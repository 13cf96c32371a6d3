//! `payout`: permissionless crank paying members their credited, unpaid balance.
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::error::PoolError;
use crate::escrow::transfer_from_escrow;
use crate::events::MemberPaid;
use crate::state::{Member, Pool};

#[derive(Accounts)]
pub struct Payout<'info> {
    /// The pool (PDA `["pool", admin]`).
    #[account(mut, seeds = [SEED_POOL, pool.admin.as_ref()], bump = pool.bump, has_one = mint @ PoolError::MintMismatch)]
    pub pool: Box<Account<'info, Pool>>,
    /// Authority PDA `["authority", pool]`: the TREZ miner key and the escrow's owner.
    /// CHECK: PDA `["authority", pool]`, verified by seeds; signs the transfers.
    #[account(seeds = [SEED_AUTHORITY, pool.key().as_ref()], bump = pool.authority_bump)]
    pub authority: UncheckedAccount<'info>,
    /// The pool's escrow: PDA `["escrow", pool]`, a token account of the mint owned by `authority`.
    #[account(mut, address = pool.escrow)]
    pub escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The pool's mint (TREZ); `transfer_checked` reads its decimals.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The mint's token program (SPL Token or Token-2022).
    pub token_program: Interface<'info, TokenInterface>,
    // remaining_accounts: (Member, destination token account) pairs, both writable, Members in strictly
    // ascending account-key order.
}

/// For each pair, `transfer_checked` of `credited − paid` from escrow to the destination when it is at least
/// `min_payout` (and non-zero); smaller balances are skipped, not errors. Adds to member and pool `paid`.
///
/// Checks:
/// 1. `mint` is the pool's mint (`MintMismatch`);
/// 2. 1 to 32 complete pairs (`InvalidBatchSize`), all writable (`AccountNotWritable`);
/// 3. each Member belongs to this pool (`InvalidMember`); Members unique, ascending (`DuplicateMember`);
/// 4. each destination is a token account of the pool's mint (`MintMismatch`) owned by the member's wallet
///    (`DestinationOwnerMismatch`);
/// 5. checked arithmetic; the pool invariant after all transfers.
pub fn handle_payout<'info>(ctx: Context<'info, Payout<'info>>) -> Result<()> {
    let rem = ctx.remaining_accounts;
    require!(
        !rem.is_empty() && rem.len() & 1 == 0 && rem.len() / 2 <= MAX_PAYOUT_PAIRS,
        PoolError::InvalidBatchSize
    );
    let pool_key = ctx.accounts.pool.key();
    let slot = Clock::get()?.slot;
    let token_program = ctx.accounts.token_program.to_account_info();
    let escrow = ctx.accounts.escrow.to_account_info();
    let mint = ctx.accounts.mint.to_account_info();
    let authority = ctx.accounts.authority.to_account_info();

    let mut previous: Option<Pubkey> = None;
    let mut total: u64 = 0;
    for pair in rem.chunks_exact(2) {
        let (member_info, dest_info) = (&pair[0], &pair[1]);
        require!(member_info.is_writable && dest_info.is_writable, PoolError::AccountNotWritable);
        require!(previous.is_none_or(|p| member_info.key() > p), PoolError::DuplicateMember);
        previous = Some(member_info.key());
        let mut member = Account::<Member>::try_from(member_info).map_err(|_| error!(PoolError::InvalidMember))?;
        require_keys_eq!(member.pool, pool_key, PoolError::InvalidMember);
        let dest = InterfaceAccount::<TokenAccount>::try_from(dest_info).map_err(|_| error!(PoolError::MintMismatch))?;
        require_keys_eq!(dest.mint, ctx.accounts.pool.mint, PoolError::MintMismatch);
        require_keys_eq!(dest.owner, member.wallet, PoolError::DestinationOwnerMismatch);

        let amount = member.pending()?;
        if amount == 0 || amount < ctx.accounts.pool.min_payout {
            continue;
        }
        transfer_from_escrow(&ctx.accounts.pool, &pool_key, &token_program, &escrow, &mint, dest_info, &authority, amount)?;
        member.paid = member.paid.checked_add(amount).ok_or(PoolError::Overflow)?;
        member.invariant()?;
        member.exit(&crate::ID)?;
        total = total.checked_add(amount).ok_or(PoolError::Overflow)?;
        emit!(MemberPaid {
            pool: pool_key,
            member: member_info.key(),
            wallet: member.wallet,
            destination: dest_info.key(),
            amount,
            member_paid: member.paid,
            claimed: false,
            slot,
        });
    }

    ctx.accounts.escrow.reload()?;
    let pool = &mut ctx.accounts.pool;
    pool.paid = pool.paid.checked_add(total).ok_or(PoolError::Overflow)?;
    pool.invariant(ctx.accounts.escrow.amount)?;
    Ok(())
}
