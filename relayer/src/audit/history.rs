//! (4) of the audit: the escrow's transaction history against the published payouts, the Members and the
//! pool's totals.

use std::collections::BTreeMap;

use solana_sdk::pubkey::Pubkey;
use trez_sdk::pda;

use super::HISTORY_LIMIT;
use crate::escrow::{escrow_transfers, EscrowTransfer, TransferKind};
use crate::export::PoolExport;
use crate::ledger::PayoutKind;
use crate::poolchain::{LoopError, PoolChain};

/// The escrow's token movements, decoded from its transaction history (outer and inner instructions);
/// transactions that move escrow tokens in a way the pool does not are problems.
pub(super) async fn escrow_history(pc: &PoolChain, expected_credit: &BTreeMap<[u8; 32], u64>, problems: &mut Vec<String>) -> Result<Vec<EscrowTransfer>, LoopError> {
    let escrow = pda::escrow(&pc.pool);
    let history = pc.chain.history(&escrow, HISTORY_LIMIT).await?;
    let member_wallet: BTreeMap<Pubkey, Pubkey> =
        expected_credit.keys().map(|w| Pubkey::new_from_array(*w)).map(|w| (pda::member(&pc.pool, &w), w)).collect();
    let mut transfers: Vec<EscrowTransfer> = vec![];
    for rec in history.iter().filter(|t| t.ok) {
        match escrow_transfers(rec, &escrow, &member_wallet) {
            Ok(t) => transfers.extend(t),
            Err(p) => problems.push(p),
        }
    }
    Ok(transfers)
}

type PublishedPayout = (String, Pubkey, u64, PayoutKind);

/// Every published payout or claim is a transfer of that kind, signature, wallet and amount; every crank
/// payout transfer is published. Returns the published payouts.
pub(super) fn check_published(export: &PoolExport, transfers: &[EscrowTransfer], problems: &mut Vec<String>) -> Vec<PublishedPayout> {
    // Every published payout or claim is a transfer of that kind, signature, wallet and amount; every crank
    // payout transfer is published. A member's own claims need not be (the relayer publishes them once it has
    // imported them from the escrow's history; one made just now may not be yet).
    let mut published: Vec<PublishedPayout> = vec![];
    for p in &export.payouts {
        match p.wallet.parse::<Pubkey>() {
            Ok(w) => published.push((p.signature.clone(), w, p.amount, p.kind)),
            Err(_) => problems.push(format!("payout {}: malformed wallet", p.signature)),
        }
    }
    let mut moved: Vec<PublishedPayout> =
        transfers.iter().filter_map(|t| Some((t.signature.to_string(), t.wallet?, t.amount, t.kind.member()?))).collect();
    moved.sort();
    published.sort();
    // One listing per transfer: counted, so a transfer listed twice (or two listings of one) is a finding.
    fn count(v: &[PublishedPayout]) -> BTreeMap<&PublishedPayout, usize> {
        let mut m = BTreeMap::new();
        v.iter().for_each(|p| *m.entry(p).or_default() += 1);
        m
    }
    let (listed, landed) = (count(&published), count(&moved));
    for (p, n) in &listed {
        match landed.get(p).copied().unwrap_or(0) {
            0 => problems.push(format!("{} {} of {} to {}: no such transfer_checked from the escrow", p.3.as_str(), p.0, p.2, p.1)),
            m if m < *n => problems.push(format!("{} {} of {} to {}: listed {n} times for {m} transfer(s)", p.3.as_str(), p.0, p.2, p.1)),
            _ => {}
        }
    }
    let mut by_transfer = BTreeMap::<(&String, &Pubkey), usize>::new();
    for p in &published {
        *by_transfer.entry((&p.0, &p.1)).or_default() += 1;
    }
    for ((sig, wallet), n) in by_transfer.into_iter().filter(|(_, n)| *n > 1) {
        problems.push(format!("transaction {sig}: {n} listings for one transfer to {wallet}"));
    }
    for c in moved.iter().filter(|c| c.3 == PayoutKind::Payout) {
        if published.binary_search(c).is_err() {
            problems.push(format!("payout {} of {} to {}: transferred from the escrow but missing from the published payouts", c.0, c.2, c.1));
        }
    }

    published
}

/// Members: on-chain `credited` = Σ leaves, `paid` = Σ transfers to it; the pool's totals and invariant.
/// Returns how many members were checked.
pub(super) async fn check_totals(
    pc: &PoolChain,
    expected_credit: &BTreeMap<[u8; 32], u64>,
    transfers: &[EscrowTransfer],
    problems: &mut Vec<String>,
) -> Result<usize, LoopError> {
    let escrow = pda::escrow(&pc.pool);
    let mut chain_paid: BTreeMap<Pubkey, u64> = BTreeMap::new();
    let (mut fees_moved, mut stranded_moved) = (0u64, 0u64);
    for t in transfers {
        match (&t.kind, t.wallet) {
            (TransferKind::Stranded(_), _) => stranded_moved += t.amount,
            (TransferKind::Payout | TransferKind::Claim, Some(w)) => *chain_paid.entry(w).or_default() += t.amount,
            (TransferKind::Payout | TransferKind::Claim, None) => problems.push(format!(
                "transfer {}: {} base units from escrow to {} for a member outside the audited rounds",
                t.signature, t.amount, t.destination
            )),
            (TransferKind::Fees, _) => fees_moved += t.amount,
        }
    }

    // Members: credited = Σ leaves; paid = Σ transfers to it (payouts and claims); token accounts hold it.
    let wallets: Vec<Pubkey> = expected_credit.keys().map(|w| Pubkey::new_from_array(*w)).collect();
    let members = pc.members(&wallets).await?;
    let mut total_paid = 0u64;
    for (w, m) in wallets.iter().zip(&members) {
        let Some(m) = m else {
            problems.push(format!("member {w}: no Member account"));
            continue;
        };
        let want = expected_credit[&w.to_bytes()];
        if m.credited != want {
            problems.push(format!("member {w}: on-chain credited {} vs Σ leaves {}", m.credited, want));
        }
        let moved = chain_paid.get(w).copied().unwrap_or(0);
        if m.paid != moved {
            problems.push(format!("member {w}: on-chain paid {} vs Σ transfer_checked to it {}", m.paid, moved));
        }
        total_paid += m.paid;
    }
    let pool = pc.pool_account().await?;
    let escrow_balance = pc.token_balance(&escrow).await?;
    if pool.invariant(escrow_balance).is_err() {
        problems.push(format!("pool invariant fails with escrow balance {escrow_balance}"));
    }
    if pool.paid != total_paid + stranded_moved {
        problems.push(format!("pool paid {} vs Σ member paid {} + Σ stranded claims {}", pool.paid, total_paid, stranded_moved));
    }
    if pool.fees_withdrawn != fees_moved {
        problems.push(format!("pool fees_withdrawn {} vs Σ withdraw_fees transfers {}", pool.fees_withdrawn, fees_moved));
    }
    Ok(wallets.len())
}

