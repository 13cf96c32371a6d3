//! Every money operation of the pool as a command, for the admin (`trez-relayer admin …`) and for a member
//! (`trez-relayer member …`), over any [`ChainClient`]. Each checks what it can before sending (a fee above
//! the cap, more fees than are available, nothing to claim) and then sends one transaction, signed and paid
//! for by the given keypair, and waits for its confirmation. Amounts are base units of the pool's mint; fees
//! basis points; times Unix seconds. [`stranded`] is the member's fallback when the relayer is gone;
//! [`verify`] checks a miner's receipts and credits against the published record and the chain.

use std::time::Duration;

use serde::Serialize;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use trez_sdk::{pda, pool as pool_ix};

use crate::chain::{ChainClient, ChainError};
use crate::poolchain::{LoopError, PoolChain};

pub mod stranded;
pub mod verify;
pub use stranded::{claim_stranded, StrandedReport, StrandedRound};
pub use verify::{verify, VerifyReport};

/// Errors of a command: a check that failed before anything was sent, or the chain's answer.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// Nothing was sent: the request cannot succeed (the message says why).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Read(#[from] LoopError),
}

/// Longest a command waits for its transaction's confirmation.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);

/// Send `ixs` signed and paid for by `signer`; returns once confirmed.
pub async fn send(chain: &dyn ChainClient, signer: &Keypair, ixs: &[Instruction]) -> Result<Signature, ChainError> {
    let blockhash = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(ixs, Some(&signer.pubkey()), &[signer], blockhash);
    chain.send_and_confirm(&tx, CONFIRM_TIMEOUT).await
}

/// The pool's state as `admin status` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PoolStatus {
    pub pool: String,
    pub admin: String,
    pub relayer: String,
    pub mint: String,
    pub escrow: String,
    pub fee_bps: u16,
    pub max_fee_bps: u16,
    /// A proposed fee and the Unix time from which `apply-fee` succeeds.
    pub pending_fee: Option<(u16, i64)>,
    pub fee_timelock_seconds: i64,
    pub min_payout: u64,
    pub received: u64,
    pub credited: u64,
    pub paid: u64,
    pub fees_accrued: u64,
    pub fees_withdrawn: u64,
    /// `fees_accrued − fees_withdrawn`: what `withdraw-fees` may take.
    pub fees_available: u64,
    /// What the escrow must hold (`received − paid − fees_withdrawn`).
    pub owed: u64,
    pub escrow_balance: u64,
    /// `escrow_balance − owed` (negative: the escrow cannot pay what the pool owes).
    pub solvency_margin: i128,
    pub rounds: u64,
    /// The relayer key's SOL balance, lamports (it pays every transaction fee and new members' rent).
    pub relayer_lamports: u64,
    /// Rounds landed and not yet fully credited (`Submitted` or `Crediting` on-chain), by block count: what
    /// the relayer still owes the miners, and what `mark_stranded` may take after the timeout.
    pub unsettled_rounds: Vec<u64>,
    pub strand_timeout_slots: u64,
}

/// `admin status`: the Pool account and its escrow, decoded.
pub async fn status(chain: std::sync::Arc<dyn ChainClient>, pool: Pubkey) -> Result<PoolStatus, CommandError> {
    let pc = PoolChain::observe(chain, pool).await?;
    let p = pc.pool_account().await?;
    let escrow_balance = pc.token_balance(&p.escrow).await?;
    let owed = p.owed().map_err(|e| CommandError::Refused(format!("the pool's totals do not add up: {e:?}")))?;
    let relayer_lamports = pc.chain.get_account(&p.relayer).await?.map_or(0, |a| a.lamports);
    let unsettled_rounds = stranded::pool_rounds(&pc)
        .await?
        .into_iter()
        .filter(|r| matches!(r.status, trez_sdk::RoundStatus::Submitted | trez_sdk::RoundStatus::Crediting))
        .map(|r| r.block_count)
        .collect();
    Ok(PoolStatus {
        pool: pool.to_string(),
        admin: p.admin.to_string(),
        relayer: p.relayer.to_string(),
        mint: p.mint.to_string(),
        escrow: p.escrow.to_string(),
        fee_bps: p.fee_bps,
        max_fee_bps: p.max_fee_bps,
        pending_fee: (p.pending_fee_effective_ts != 0).then_some((p.pending_fee_bps, p.pending_fee_effective_ts)),
        fee_timelock_seconds: p.fee_timelock_seconds,
        min_payout: p.min_payout,
        received: p.received,
        credited: p.credited,
        paid: p.paid,
        fees_accrued: p.fees_accrued,
        fees_withdrawn: p.fees_withdrawn,
        fees_available: p.fees_accrued.saturating_sub(p.fees_withdrawn),
        owed,
        escrow_balance,
        solvency_margin: i128::from(escrow_balance) - i128::from(owed),
        rounds: p.rounds,
        relayer_lamports,
        unsettled_rounds,
        strand_timeout_slots: p.strand_timeout_slots,
    })
}

/// An admin operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOp {
    /// Propose a fee (basis points, at most the pool's immutable cap); applies after the timelock.
    ProposeFee(u16),
    /// Apply the proposed fee once its timelock has passed.
    ApplyFee,
    /// Set the smallest amount the payout crank pays one member, base units.
    SetMinPayout(u64),
    /// Rotate the relayer (hot) key.
    SetRelayer(Pubkey),
    /// Withdraw accrued fees (base units; None: all available) to `destination` (None: the admin's
    /// associated token account, created when missing).
    WithdrawFees { amount: Option<u64>, destination: Option<Pubkey> },
}

/// Run an admin operation signed by `admin` (must be the pool's admin). Returns the signature.
pub async fn admin(chain: std::sync::Arc<dyn ChainClient>, admin: &Keypair, pool: Pubkey, op: AdminOp) -> Result<Signature, CommandError> {
    let pc = PoolChain::observe(chain.clone(), pool).await?;
    let p = pc.pool_account().await?;
    if p.admin != admin.pubkey() {
        return Err(CommandError::Refused(format!("{} is not this pool's admin ({})", admin.pubkey(), p.admin)));
    }
    let a = admin.pubkey();
    let ixs = match op {
        AdminOp::ProposeFee(bps) if bps > p.max_fee_bps => {
            return Err(CommandError::Refused(format!("fee {bps} bps is above the pool's cap of {} bps", p.max_fee_bps)));
        }
        AdminOp::ProposeFee(bps) => vec![pool_ix::propose_fee(a, pool, bps)],
        AdminOp::ApplyFee if p.pending_fee_effective_ts == 0 => return Err(CommandError::Refused("no fee change is proposed".into())),
        AdminOp::ApplyFee => vec![pool_ix::apply_fee(a, pool)],
        AdminOp::SetMinPayout(amount) => vec![pool_ix::set_min_payout(a, pool, amount)],
        AdminOp::SetRelayer(key) => vec![pool_ix::set_relayer(a, pool, key)],
        AdminOp::WithdrawFees { amount, destination } => {
            let available = p.fees_accrued.saturating_sub(p.fees_withdrawn);
            let amount = amount.unwrap_or(available);
            if amount == 0 || amount > available {
                return Err(CommandError::Refused(format!("{amount} base units requested; {available} of fees are available")));
            }
            let mut ixs = vec![];
            let dest = match destination {
                Some(d) => d,
                None => {
                    ixs.push(create_ata(a, a, p.mint));
                    pda::ata(&a, &p.mint)
                }
            };
            ixs.push(pool_ix::withdraw_fees(a, pool, p.mint, dest, amount));
            ixs
        }
    };
    Ok(send(chain.as_ref(), admin, &ixs).await?)
}

fn create_ata(payer: Pubkey, owner: Pubkey, mint: Pubkey) -> Instruction {
    spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(&payer, &owner, &mint, &trez_sdk::ids::TOKEN)
}

/// A member's balance as `member balance` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MemberBalance {
    pub wallet: String,
    /// A Member account exists (the relayer registers members when it first credits them).
    pub registered: bool,
    pub credited: u64,
    pub paid: u64,
    /// `credited − paid`: what `member claim` (or the payout crank) transfers.
    pub pending: u64,
    /// The wallet's associated token account of the pool's mint and its balance (None: not created).
    pub token_account: String,
    pub token_balance: Option<u64>,
}

/// `member balance`: a wallet's Member account and token balance.
pub async fn balance(chain: std::sync::Arc<dyn ChainClient>, pool: Pubkey, wallet: Pubkey) -> Result<MemberBalance, CommandError> {
    balance_in(&*PoolChain::observe(chain, pool).await?, wallet).await
}

async fn balance_in(pc: &PoolChain, wallet: Pubkey) -> Result<MemberBalance, CommandError> {
    let chain = &pc.chain;
    let member = pc.members(&[wallet]).await?.pop().flatten();
    let ata = pda::ata(&wallet, &pc.mint);
    let token_balance = match chain.get_account(&ata).await? {
        Some(_) => Some(pc.token_balance(&ata).await?),
        None => None,
    };
    let (credited, paid) = member.as_ref().map(|m| (m.credited, m.paid)).unwrap_or((0, 0));
    let pending = match &member {
        Some(m) => m.pending().map_err(|e| CommandError::Refused(format!("the Member account does not add up: {e:?}")))?,
        None => 0,
    };
    Ok(MemberBalance {
        wallet: wallet.to_string(),
        registered: member.is_some(),
        credited,
        paid,
        pending,
        token_account: ata.to_string(),
        token_balance,
    })
}

/// `member register`: create the wallet's Member account (the wallet pays the rent).
pub async fn register(chain: std::sync::Arc<dyn ChainClient>, wallet: &Keypair, pool: Pubkey) -> Result<Signature, CommandError> {
    let pc = PoolChain::observe(chain.clone(), pool).await?;
    if pc.members(&[wallet.pubkey()]).await?.pop().flatten().is_some() {
        return Err(CommandError::Refused(format!("{} is already a member of this pool", wallet.pubkey())));
    }
    Ok(send(chain.as_ref(), wallet, &[pool_ix::register_member(wallet.pubkey(), pool, wallet.pubkey())]).await?)
}

/// `member claim`: transfer the wallet's whole `credited − paid` to `destination` (None: its associated
/// token account, created when missing), with no relayer involved. Returns the signature and the amount.
pub async fn claim(chain: std::sync::Arc<dyn ChainClient>, wallet: &Keypair, pool: Pubkey, destination: Option<Pubkey>) -> Result<(Signature, u64), CommandError> {
    let pc = PoolChain::observe(chain.clone(), pool).await?;
    let b = balance_in(&pc, wallet.pubkey()).await?;
    if !b.registered || b.pending == 0 {
        return Err(CommandError::Refused(format!("nothing to claim: {} credited, {} paid", b.credited, b.paid)));
    }
    let w = wallet.pubkey();
    let mut ixs = vec![];
    let dest = match destination {
        Some(d) => d,
        None => {
            ixs.push(create_ata(w, w, pc.mint));
            pda::ata(&w, &pc.mint)
        }
    };
    ixs.push(pool_ix::claim(w, pool, pc.mint, dest));
    Ok((send(chain.as_ref(), wallet, &ixs).await?, b.pending))
}
