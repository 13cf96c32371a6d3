//! Decoding the escrow's outgoing transfers from landed transactions: one rule that the audit, the payout
//! crank and the import of transfers from history share. A transfer out of the escrow must be an SPL Token
//! `transfer_checked` invoked by a pool `payout`, `claim` or `withdraw_fees`.

use std::collections::BTreeMap;

use solana_sdk::pubkey::Pubkey;

use crate::chain::TxRecord;
use crate::ledger::PayoutKind;

/// Why tokens left the escrow, by the pool instruction that moved them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// The relayer's (permissionless) `payout` crank.
    Payout,
    /// A member's own `claim`.
    Claim,
    /// The admin's `withdraw_fees`.
    Fees,
    /// `claim_stranded` of the stranded Round at this address (to a token account of the leaf's wallet).
    Stranded(Pubkey),
}

impl TransferKind {
    /// How a transfer to a member (or to a stranded round's leaf) is recorded in the ledger; None for fee
    /// withdrawals.
    pub fn member(self) -> Option<PayoutKind> {
        match self {
            TransferKind::Payout => Some(PayoutKind::Payout),
            TransferKind::Claim => Some(PayoutKind::Claim),
            TransferKind::Stranded(_) => Some(PayoutKind::Stranded),
            TransferKind::Fees => None,
        }
    }
}

/// The transfers of `kind` to members of the audited rounds among `transfers`: (wallet, base units).
pub fn member_transfers(transfers: &[EscrowTransfer], kind: PayoutKind) -> Vec<([u8; 32], u64)> {
    transfers
        .iter()
        .filter(|t| t.kind.member() == Some(kind))
        .filter_map(|t| t.wallet.map(|w| (w.to_bytes(), t.amount)))
        .collect()
}

/// One `transfer_checked` out of the escrow.
#[derive(Debug, Clone)]
pub struct EscrowTransfer {
    pub signature: solana_sdk::signature::Signature,
    pub kind: TransferKind,
    /// Destination token account.
    pub destination: Pubkey,
    /// The member's wallet (payout, claim) when the Member is one of the audited ones; the leaf's wallet
    /// for `claim_stranded`.
    pub wallet: Option<Pubkey>,
    /// Base units.
    pub amount: u64,
}

/// SPL Token instruction tags (the Token and Token-2022 programs share them).
const TOKEN_TRANSFER: u8 = 3;
const TOKEN_TRANSFER_CHECKED: u8 = 12;

/// The escrow's outgoing token transfers in one landed transaction. Each must be a `transfer_checked`
/// (tag 12: amount u64 LE, decimals; accounts source, mint, destination, authority) invoked by a pool
/// `payout`, `claim` or `withdraw_fees`; anything else moving escrow tokens is returned as a problem.
pub fn escrow_transfers(
    rec: &TxRecord,
    escrow: &Pubkey,
    member_wallet: &BTreeMap<Pubkey, Pubkey>,
) -> Result<Vec<EscrowTransfer>, String> {
    use anchor_lang::Discriminator;
    let sig = rec.signature;
    let outer = &rec.transaction.message.instructions;
    let keys = &rec.transaction.message.account_keys;
    let mut out = vec![];
    for (index, program, accounts, data) in rec.instructions() {
        let token = program == trez_sdk::ids::TOKEN || program == trez_sdk::ids::TOKEN_2022;
        if !token || accounts.first() != Some(escrow) {
            continue;
        }
        match data.first() {
            Some(&TOKEN_TRANSFER_CHECKED) if data.len() >= 10 && accounts.len() >= 3 => {}
            Some(&TOKEN_TRANSFER) => return Err(format!("transaction {sig}: a plain `transfer` (not transfer_checked) from the escrow")),
            _ => continue, // other escrow-sourced instructions (none the pool issues) move no tokens out
        }
        let amount = u64::from_le_bytes(data[1..9].try_into().map_err(|_| format!("transaction {sig}: short transfer_checked"))?);
        let destination = accounts[2];
        let Some(o) = outer.get(index as usize) else { continue };
        let o_program = keys.get(o.program_id_index as usize).copied();
        let o_accounts: Vec<Pubkey> = o.accounts.iter().filter_map(|&i| keys.get(i as usize).copied()).collect();
        if o_program != Some(trez_sdk::ids::pool()) {
            return Err(format!("transaction {sig}: escrow tokens moved by an instruction of {o_program:?}, not the pool program"));
        }
        let (kind, member) = if o.data.starts_with(trez_pool::instruction::Payout::DISCRIMINATOR) {
            // Accounts: pool, authority, escrow, mint, token_program, then (Member, destination) pairs.
            let member = o_accounts.iter().skip(5).collect::<Vec<_>>().chunks(2).find(|p| p.get(1) == Some(&&destination)).map(|p| *p[0]);
            (TransferKind::Payout, member)
        } else if o.data.starts_with(trez_pool::instruction::Claim::DISCRIMINATOR) {
            // Accounts: wallet, pool, member, authority, escrow, mint, destination, token_program.
            (TransferKind::Claim, o_accounts.get(2).copied())
        } else if o.data.starts_with(trez_pool::instruction::WithdrawFees::DISCRIMINATOR) {
            (TransferKind::Fees, None)
        } else if o.data.starts_with(trez_pool::instruction::ClaimStranded::DISCRIMINATOR) {
            // Accounts: payer, pool, round, claim, authority, escrow, mint, destination, ...; data: the leaf
            // (wallet first).
            let round = o_accounts.get(2).copied().ok_or_else(|| format!("transaction {sig}: claim_stranded without its round"))?;
            let wallet = o.data.get(8..40).and_then(|b| <[u8; 32]>::try_from(b).ok()).map(Pubkey::new_from_array);
            out.push(EscrowTransfer { signature: sig, kind: TransferKind::Stranded(round), destination, wallet, amount });
            continue;
        } else {
            return Err(format!("transaction {sig}: escrow tokens moved by an unexpected pool instruction"));
        };
        let wallet = member.and_then(|m| member_wallet.get(&m).copied());
        out.push(EscrowTransfer { signature: sig, kind, destination, wallet, amount });
    }
    Ok(out)
}
