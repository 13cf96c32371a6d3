//! On-chain: the most members one `payout` and one `credit_batch` transaction holds, as the relayer builds
//! them (with its two compute-budget instructions), in a legacy message and in a v0 message with an address
//! lookup table holding every non-program account; and transactions per credited round. A transaction must
//! serialize to at most 1,232 bytes and lock at most 64 accounts; the program caps a batch at
//! `MAX_CREDIT_BATCH` members and a payout at `MAX_PAYOUT_PAIRS` pairs. Compute units need an SBF build of the
//! programs, which this machine cannot make (platform-tools are unreachable): not measured.

use anyhow::Result;
use serde::Serialize;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, VersionedTransaction};
use trez_pool::constants::{MAX_CREDIT_BATCH, MAX_PAYOUT_PAIRS};

/// Largest serialized transaction (bytes).
const PACKET: usize = 1_232;
/// Most accounts one transaction may lock.
const ACCOUNT_LOCKS: usize = 64;

#[derive(Serialize, Debug)]
pub struct Capacity {
    pub instruction: &'static str,
    pub legacy_members: usize,
    pub legacy_bytes: usize,
    pub v0_alt_members: usize,
    pub v0_alt_bytes: usize,
    /// What stops v0 from holding more.
    pub v0_limited_by: &'static str,
    pub program_cap: usize,
}

#[derive(Serialize, Debug)]
pub struct OnchainResults {
    pub capacity: Vec<Capacity>,
    /// (members, legacy transactions, v0 + ALT transactions) per credited round: submit + begin_credit +
    /// credit batches.
    pub txs_per_round: Vec<(usize, usize, usize)>,
    /// (members, legacy, v0 + ALT) payout transactions to pay everyone once.
    pub payout_txs: Vec<(usize, usize, usize)>,
    pub compute_units: &'static str,
}

fn budget() -> Vec<Instruction> {
    vec![
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(400_000),
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(1_000),
    ]
}

/// (bytes, accounts) of a legacy transaction.
fn legacy(payer: &Keypair, ixs: &[Instruction]) -> (usize, usize) {
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &[payer], Hash::new_unique());
    (bincode::serialize(&tx).map(|b| b.len()).unwrap_or(usize::MAX), tx.message.account_keys.len())
}

/// (bytes, accounts) of a v0 transaction whose lookup table holds every account but the payer and programs.
fn v0_alt(payer: &Keypair, ixs: &[Instruction]) -> (usize, usize) {
    let programs: Vec<Pubkey> = ixs.iter().map(|i| i.program_id).collect();
    let mut addresses: Vec<Pubkey> = ixs
        .iter()
        .flat_map(|i| i.accounts.iter().map(|a| a.pubkey))
        .filter(|k| *k != payer.pubkey() && !programs.contains(k))
        .collect();
    addresses.sort();
    addresses.dedup();
    let accounts = addresses.len() + 1 + {
        let mut p = programs.clone();
        p.sort();
        p.dedup();
        p.len()
    };
    let alt = AddressLookupTableAccount { key: Pubkey::new_unique(), addresses };
    let Ok(msg) = v0::Message::try_compile(&payer.pubkey(), ixs, &[alt], Hash::new_unique()) else { return (usize::MAX, accounts) };
    let Ok(tx) = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[payer]) else { return (usize::MAX, accounts) };
    (bincode::serialize(&tx).map(|b| b.len()).unwrap_or(usize::MAX), accounts)
}

fn fits((bytes, accounts): (usize, usize)) -> bool {
    bytes <= PACKET && accounts <= ACCOUNT_LOCKS
}

/// Largest n ≤ cap for which `build(n)` fits, with its size, and what stopped it.
fn largest(cap: usize, build: impl Fn(usize) -> (usize, usize)) -> (usize, usize, &'static str) {
    let mut best = (0, 0);
    for n in 1..=cap {
        let r = build(n);
        if !fits(r) {
            let why = if r.0 > PACKET { "1,232-byte packet" } else { "64 account locks" };
            return (best.0, best.1, why);
        }
        best = (n, r.0);
    }
    (best.0, best.1, "program cap")
}

pub fn run() -> Result<OnchainResults> {
    println!("\n== on-chain transaction capacity (with the relayer's 2 compute-budget instructions) ==");
    let relayer = Keypair::new();
    let (pool, mint) = (Pubkey::new_unique(), Pubkey::new_unique());
    let wallets: Vec<Pubkey> = {
        let mut w: Vec<Pubkey> = (0..128).map(|_| Pubkey::new_unique()).collect();
        w.sort();
        w
    };
    let credit = |n: usize| {
        let mut ixs = budget();
        ixs.push(trez_sdk::pool::credit_batch(relayer.pubkey(), pool, 7, 0, &wallets[..n], vec![1_000_000; n]));
        ixs
    };
    let payout = |n: usize| {
        let mut ixs = budget();
        let pairs: Vec<(Pubkey, Pubkey)> = wallets[..n].iter().map(|w| (*w, trez_sdk::pda::ata(w, &mint))).collect();
        ixs.push(trez_sdk::pool::payout(pool, mint, &pairs));
        ixs
    };
    let mut capacity = vec![];
    for (name, cap, build) in [
        ("credit_batch", MAX_CREDIT_BATCH, &credit as &dyn Fn(usize) -> Vec<Instruction>),
        ("payout", MAX_PAYOUT_PAIRS, &payout as &dyn Fn(usize) -> Vec<Instruction>),
    ] {
        let (ln, lb, _) = largest(cap, |n| legacy(&relayer, &build(n)));
        let (vn, vb, why) = largest(cap, |n| v0_alt(&relayer, &build(n)));
        println!("  {name:<13} legacy {ln:>3} members ({lb} B) · v0 + lookup table {vn:>3} members ({vb} B, limited by {why}) · program cap {cap}");
        capacity.push(Capacity { instruction: name, legacy_members: ln, legacy_bytes: lb, v0_alt_members: vn, v0_alt_bytes: vb, v0_limited_by: why, program_cap: cap });
    }
    let (cl, cv) = (capacity[0].legacy_members.max(1), capacity[0].v0_alt_members.max(1));
    let (pl, pv) = (capacity[1].legacy_members.max(1), capacity[1].v0_alt_members.max(1));
    let mut txs_per_round = vec![];
    let mut payout_txs = vec![];
    for m in [10usize, 100, 1_000] {
        txs_per_round.push((m, 2 + m.div_ceil(cl), 2 + m.div_ceil(cv)));
        payout_txs.push((m, m.div_ceil(pl), m.div_ceil(pv)));
        println!(
            "  {m:>5} members: {} transactions per credited round legacy, {} with v0 + lookup table; payouts {} / {}",
            2 + m.div_ceil(cl),
            2 + m.div_ceil(cv),
            m.div_ceil(pl),
            m.div_ceil(pv)
        );
    }
    let cu = "not measured: needs an SBF build of the programs (platform-tools unreachable on this machine)";
    println!("  compute units: {cu}");
    Ok(OnchainResults { capacity, txs_per_round, payout_txs, compute_units: cu })
}
