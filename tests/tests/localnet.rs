//! The first milestone end to end: `localnet` logic with 3 in-process miners over real WebSockets and 2
//! blocks on the embedded chain. Asserts, independently of the relayer's own code where it matters:
//! each round's member credits equal a PPLNS computation written here from the share ledger; each member's
//! token balance equals its on-chain `paid`; the pool invariant holds; the audit passes.

use std::collections::BTreeMap;

use solana_sdk::pubkey::Pubkey;
use tokio_util::sync::CancellationToken;
use trez_localnet::{self as localnet, LocalnetArgs};
use trez_sdk::{pda, RoundStatus};

/// The design's PPLNS, written independently: window of `factor × 2^bits` ending at the block share, the
/// oldest share in part; floor split; remainder by largest fraction, ties by wallet. (u128 suffices at the
/// difficulties of this test.)
fn pplns(shares: &[(i64, [u8; 32], u32)], block_seq: i64, factor: u64, network_bits: u32, distributable: u64) -> BTreeMap<[u8; 32], u64> {
    let n: u128 = (factor as u128) << network_bits;
    let mut acc = 0u128;
    let mut weights: BTreeMap<[u8; 32], u128> = BTreeMap::new();
    for (_, wallet, bits) in shares.iter().rev().filter(|(seq, _, _)| *seq <= block_seq) {
        if acc >= n {
            break;
        }
        let w = (1u128 << bits).min(n - acc);
        acc += w;
        *weights.entry(*wallet).or_default() += w;
    }
    let total: u128 = weights.values().sum();
    let mut out: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    let mut fr: Vec<(u128, [u8; 32])> = vec![];
    for (k, w) in &weights {
        out.insert(*k, (distributable as u128 * w / total) as u64);
        fr.push((distributable as u128 * w % total, *k));
    }
    let mut rest = distributable - out.values().sum::<u64>();
    fr.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, k) in fr {
        if rest == 0 {
            break;
        }
        *out.get_mut(&k).unwrap() += 1;
        rest -= 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localnet_three_miners_two_blocks_credited_paid_and_audited() {
    let args: LocalnetArgs = trez_tests::localnet_args(20);
    let finished = localnet::run(args, CancellationToken::new()).await.expect("localnet ran").expect("a summary");
    let (s, pc, ledger) = (&finished.summary, &finished.pc, &finished.ledger);
    assert!(s.audit_ok, "audit: {:?}", s.audit_problems);
    assert!(s.rounds_credited >= 2 && s.rounds.len() as u64 == s.rounds_credited);
    assert!(s.members_paid >= 1);
    assert_eq!(s.total_fee, s.rounds.iter().map(|r| r.fee).sum::<u64>());
    assert_eq!(s.total_credited + s.total_fee, s.total_reward, "every round fully credited");
    assert_eq!(s.total_paid, s.total_credited, "min_payout 1: everyone paid everything");
    // TREZ paid each round its block reward plus the 3-TREZ bonus (the pool's authority has no referrer), from
    // the distributor; the summary (from the ledger) and the on-chain Round agree on the split.
    for r in &s.rounds {
        assert_eq!((r.reward, r.bonus), (50_000_000 + 3_000_000, 3_000_000), "round {}", r.block_count);
        let onchain = pc.round(r.block_count).await.unwrap().expect("round on-chain");
        assert_eq!((onchain.reward, onchain.bonus), (r.reward, r.bonus));
    }
    let emission = pc.trez_emission().await.unwrap();
    assert!(!emission.exhausted && emission.era == 0 && emission.block_reward == 50_000_000);

    // Independent PPLNS from the raw share ledger vs on-chain member credits.
    let shares: Vec<(i64, [u8; 32], u32)> = ledger.shares().await.unwrap().into_iter().map(|r| (r.seq, r.wallet, r.bits)).collect();
    let mut expected: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    for r in ledger.rounds().await.unwrap() {
        let onchain = pc.round(r.block_count).await.unwrap().expect("round on-chain");
        assert_eq!(onchain.status, RoundStatus::Credited);
        assert_eq!(onchain.credited, onchain.reward - onchain.fee);
        let split = pplns(&shares, r.share_seq, r.pplns_factor, onchain.difficulty, onchain.reward - onchain.fee);
        assert_eq!(split.values().sum::<u64>(), onchain.credited);
        for (w, a) in split {
            *expected.entry(w).or_default() += a;
        }
    }
    let wallets: Vec<Pubkey> = expected.keys().map(|w| Pubkey::new_from_array(*w)).collect();
    let members = pc.members(&wallets).await.unwrap();
    for (w, m) in wallets.iter().zip(members) {
        let m = m.expect("member registered");
        assert_eq!(m.credited, expected[&w.to_bytes()], "member {w} credited");
        // Token balance equals on-chain paid.
        let balance = pc.token_balance(&pda::ata(w, &pc.mint)).await.unwrap();
        assert_eq!(balance, m.paid, "member {w} token balance");
    }
    // Pool invariant against the escrow.
    let pool = pc.pool_account().await.unwrap();
    let escrow = pc.token_balance(&pda::escrow(&pc.pool)).await.unwrap();
    pool.invariant(escrow).expect("pool invariant");
    assert_eq!(escrow, s.escrow_balance);
    assert_eq!(escrow, pool.fees_accrued - pool.fees_withdrawn, "only the fees remain in escrow");
}
