//! The audit: anyone holding the chain and the relayer's published record ([`PoolExport`], from the API or
//! files) can check the pool, with no trust in the relayer.
//!
//! For every round: (1) re-verify each window share's proof of work with the pool authority as miner key and
//! the share's own challenge and block_count; (2) recompute the window weights (newest first, oldest share in
//! part), the PPLNS split and the merkle root; (3) compare them with the stored leaves and the on-chain Round
//! (root, leaf count, reward, fee, credited, status). Then (4) follow the escrow's transaction history: decode
//! every `transfer_checked` out of the escrow (outer and inner instructions, SPL Token instruction 12) and
//! attribute it to the pool instruction that made it (`payout`, `claim`, `withdraw_fees`). Each member's
//! on-chain `credited` must equal the sum of its leaves and its `paid` the sum of transfers to it; every
//! published payout must be such a transfer (signature, wallet, amount) and every crank transfer published;
//! the pool's `paid` and `fees_withdrawn` must equal the transfers, and the pool invariant must hold against
//! the escrow balance. (5) Stranded rounds ([`stranded`]): each `claim_stranded` transfer is recomputed from
//! the fallback round's audited leaves. Every mismatch is named.

mod history;
pub mod stranded;

use history::{check_published, check_totals, escrow_history};

use std::collections::BTreeMap;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::{Round, RoundStatus};

use crate::export::{parse_leaf, PoolExport, RoundRecord, WindowShare};
use crate::poolchain::{LoopError, PoolChain};
use crate::pplns;

#[derive(Debug, Clone, Serialize)]
pub struct RoundVerdict {
    pub block_count: u64,
    pub ok: bool,
    pub shares_checked: usize,
    pub leaf_count: u32,
    /// Escrow delta of the claim, base units: TREZ's block reward plus `bonus`.
    pub reward: u64,
    /// Of `reward`, the TREZ referral bonus, base units (published; checked against the on-chain Round).
    pub bonus: u64,
    pub fee: u64,
    pub leaves_root: String,
    /// Window shares whose (challenge, block_count) the chain cannot vouch for here: a block_count the pool
    /// did not win and that does not follow one it won (its challenge rests on the record).
    pub challenges_unanchored: usize,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub ok: bool,
    pub rounds: Vec<RoundVerdict>,
    pub members_checked: usize,
    /// Published payout and claim transactions checked against the escrow's transfers.
    pub payouts_checked: usize,
    /// `transfer_checked`s out of the escrow decoded from its history (payouts, claims, fee withdrawals,
    /// stranded-round claims).
    pub transfers_checked: usize,
    /// Stranded rounds with claims, each claim recomputed from the fallback round's leaves.
    pub stranded: Vec<stranded::StrandedVerdict>,
    pub problems: Vec<String>,
}

/// The human-readable report `trez-relayer audit` prints: one line per round and per stranded round with
/// its problems indented, the pool's problems, and the verdict.
impl std::fmt::Display for AuditReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = |ok: bool| if ok { "ok" } else { "MISMATCH" };
        for r in &self.rounds {
            writeln!(
                f,
                "round {:>8}: {} ({} shares re-verified, {} with a challenge not anchored on-chain, {} leaves, reward {} (bonus {}), fee {}, root {})",
                r.block_count,
                verdict(r.ok),
                r.shares_checked,
                r.challenges_unanchored,
                r.leaf_count,
                r.reward,
                r.bonus,
                r.fee,
                r.leaves_root
            )?;
            for p in &r.problems {
                writeln!(f, "    {p}")?;
            }
        }
        for s in &self.stranded {
            let v = verdict(s.ok);
            writeln!(f, "stranded {:>5}: {v} ({} claims of fallback round {} recomputed, {} paid, dust {})", s.block_count, s.claims, s.fallback_block, s.paid, s.dust)?;
            for p in &s.problems {
                writeln!(f, "    {p}")?;
            }
        }
        for p in &self.problems {
            writeln!(f, "pool: {p}")?;
        }
        writeln!(
            f,
            "{}: {} rounds, {} members, {} payout transactions, {} escrow transfer_checked checked",
            if self.ok { "AUDIT OK" } else { "AUDIT FAILED" },
            self.rounds.len(),
            self.members_checked,
            self.payouts_checked,
            self.transfers_checked
        )
    }
}

/// Audit the pool against its exported record (from the ledger, the API or files): each round
/// ([`audit_round`]), then the escrow's history ([`escrow_history`]), the published payouts against it
/// ([`check_published`]), and the members and pool totals against both ([`check_totals`]).
pub async fn audit(pc: &PoolChain, export: &PoolExport) -> Result<AuditReport, LoopError> {
    let mut rounds = vec![];
    let mut expected_credit: BTreeMap<[u8; 32], u64> = BTreeMap::new();
    let mut problems = vec![];
    let onchain = onchain_rounds(pc, export).await?;
    let mut across = Across { issued: issued_challenges(pc, &onchain, &mut problems).await?, pool: trez_protocol::Key(pc.pool.to_bytes()), ..Across::default() };
    for rec in &export.rounds {
        rounds.push(audit_round(pc, rec, onchain.get(&rec.block_count), &mut expected_credit, &mut across).await?);
    }
    let transfers = escrow_history(pc, &expected_credit, &mut problems).await?;
    let published = check_published(export, &transfers, &mut problems);
    let wallets = check_totals(pc, &expected_credit, &transfers, &mut problems).await?;
    let stranded = stranded::check(pc, &transfers, &across.leaves).await?;
    let sigs: std::collections::BTreeSet<&String> = published.iter().map(|p| &p.0).collect();
    let ok = problems.is_empty() && rounds.iter().all(|r| r.ok) && stranded.iter().all(|s| s.ok);
    Ok(AuditReport {
        ok,
        rounds,
        members_checked: wallets,
        payouts_checked: sigs.len(),
        transfers_checked: transfers.len(),
        stranded,
        problems,
    })
}

/// The on-chain Round of every audited round that has one, read once.
async fn onchain_rounds(pc: &PoolChain, export: &PoolExport) -> Result<BTreeMap<u64, Round>, LoopError> {
    let mut rounds = BTreeMap::new();
    for rec in &export.rounds {
        rounds.extend(pc.round(rec.block_count).await?.map(|r| (r.block_count, r)));
    }
    Ok(rounds)
}

/// What the audit carries from round to round.
#[derive(Default)]
struct Across {
    /// Share seq → (wallet, challenge, block_count, nonce, bits, signature) as first listed (and, on first
    /// listing, its signature checked).
    shares: BTreeMap<i64, ([u8; 32], [u8; 32], u64, u64, u32, Option<String>)>,
    /// The pool (the signed share message binds it).
    pool: trez_protocol::Key,
    /// Proof of work (challenge, block_count, nonce) → the share seq that lists it.
    pow: BTreeMap<([u8; 32], u64, u64), i64>,
    /// block_count → the challenge TREZ issued for it, from the chain ([`issued_challenges`]).
    issued: BTreeMap<u64, [u8; 32]>,
    /// block_count → the leaves recomputed from the round's window (what a stranded round falls back to).
    leaves: BTreeMap<u64, Vec<pplns::Leaf>>,
}

/// The challenges the chain vouches for: each audited round's on-chain `Round.challenge`; the challenge
/// after it, re-derived by TREZ's rule `SHA256(challenge || digest || slot LE)` from the Round's nonce (with
/// the pool authority as miner key) and `submitted_slot`; and the TREZ `State`'s current one.
/// Where a re-derived challenge and the chain's own disagree, that is a problem (the rule or the chain is
/// not what the audit assumes).
async fn issued_challenges(pc: &PoolChain, rounds: &BTreeMap<u64, Round>, problems: &mut Vec<String>) -> Result<BTreeMap<u64, [u8; 32]>, LoopError> {
    use sha2::{Digest, Sha256};
    let state = pc.trez_state().await?;
    let mut issued: BTreeMap<u64, [u8; 32]> = rounds.iter().map(|(bc, r)| (*bc, r.challenge)).collect();
    issued.entry(state.block_count).or_insert(state.challenge_number);
    for (bc, r) in rounds {
        let digest = trez_pow::digest(&r.challenge, &pc.authority.to_bytes(), r.block_count, r.nonce);
        let next: [u8; 32] = Sha256::new().chain_update(r.challenge).chain_update(digest).chain_update(r.submitted_slot.to_le_bytes()).finalize().into();
        match issued.get(&(bc + 1)) {
            Some(c) if *c != next => problems.push(format!("block_count {}: the challenge re-derived from round {bc} differs from the chain's", bc + 1)),
            Some(_) => {}
            None => {
                issued.insert(bc + 1, next);
            }
        }
    }
    Ok(issued)
}

/// One round: (0) every share's challenge is one TREZ issued, each proof of work is listed once and each
/// share the same wherever it is listed, and the network difficulty and PPLNS factor are the on-chain
/// Round's; (1) the proof
/// of work of every window share; (2) the window (sized by the on-chain difficulty), split and root
/// recomputed from the window's own shares; (3) against the on-chain Round. Adds the round's leaves to
/// `expected_credit`.
async fn audit_round(
    pc: &PoolChain,
    rec: &RoundRecord,
    onchain: Option<&Round>,
    expected_credit: &mut BTreeMap<[u8; 32], u64>,
    across: &mut Across,
) -> Result<RoundVerdict, LoopError> {
    let bc = rec.block_count;
    let mut problems = vec![];
    // The window is sized from the chain's difficulty, never the record's.
    let network_bits = match onchain {
        Some(r) if r.difficulty != rec.network_bits => {
            problems.push(format!("network difficulty: published {} bits, on-chain Round.difficulty {} bits", rec.network_bits, r.difficulty));
            r.difficulty
        }
        Some(r) => r.difficulty,
        None => rec.network_bits,
    };
    // So is its PPLNS factor (committed by `begin_credit`).
    let pplns_factor = match onchain {
        Some(r) if r.pplns_factor != rec.pplns_factor => {
            problems.push(format!("pplns_factor: published {}, on-chain Round.pplns_factor {}", rec.pplns_factor, r.pplns_factor));
            r.pplns_factor
        }
        Some(r) => r.pplns_factor,
        None => rec.pplns_factor,
    };
    let leaves: Vec<pplns::Leaf> = match rec.leaves.iter().map(parse_leaf).collect::<Result<_, _>>() {
        Ok(l) => l,
        Err(e) => {
            problems.push(e);
            vec![]
        }
    };
    // Parse the window shares.
    let mut window: Vec<(WindowShare, [u8; 32], [u8; 32], u128)> = vec![];
    for s in &rec.shares {
        let wallet = s.wallet.parse::<Pubkey>().map(|k| k.to_bytes());
        let challenge = hex::decode(&s.challenge).ok().and_then(|v| <[u8; 32]>::try_from(v).ok());
        let weight = s.weight.parse::<u128>();
        match (wallet, challenge, weight) {
            (Ok(w), Some(c), Ok(wt)) => window.push((s.clone(), w, c, wt)),
            _ => problems.push(format!("share seq {}: malformed record", s.seq)),
        }
    }
    window.sort_by_key(|(s, ..)| s.seq);
    let challenges_unanchored = check_listing(&window, across, &mut problems);
    // (1) proof of work of every window share.
    for (s, _, challenge, _) in &window {
        let d = trez_pow::digest(challenge, &pc.authority.to_bytes(), s.block_count, s.nonce);
        if !trez_pow::meets_difficulty(&d, s.bits) {
            problems.push(format!("share seq {}: proof of work has {} zero bits, below its {} bits", s.seq, trez_pow::zero_bits(&d), s.bits));
        }
    }
    // (2) the window, recomputed from the window's own shares.
    let newest_first: Vec<pplns::Share> =
        window.iter().rev().map(|(s, w, ..)| pplns::Share { seq: s.seq, wallet: *w, bits: s.bits }).collect();
    if newest_first.first().map(|s| s.seq) != Some(rec.share_seq) {
        problems.push(format!("window does not end at the block-finding share {}", rec.share_seq));
    }
    let recomputed = pplns::window_size(pplns_factor, network_bits).and_then(|n| pplns::window(newest_first, n));
    match recomputed {
        Err(e) => problems.push(format!("window: {e}")),
        Ok(w) => {
            let stored: Vec<u128> = window.iter().rev().map(|(.., wt)| *wt).collect();
            let computed: Vec<u128> = w.iter().map(|x| x.weight).collect();
            if stored != computed {
                problems.push("window weights differ from the PPLNS rule (a weight was changed or a share added/dropped)".into());
            }
            let distributable = rec.reward.saturating_sub(rec.fee);
            match pplns::leaves(&w, distributable) {
                Err(e) => problems.push(format!("split: {e}")),
                Ok(l) => {
                    if l.len() != leaves.len() {
                        problems.push(format!("leaf count: recomputed {}, published {}", l.len(), leaves.len()));
                    }
                    for a in &l {
                        match leaves.iter().find(|b| b.wallet == a.wallet) {
                            None => problems.push(format!("leaf {}: missing from the published leaves", Pubkey::new_from_array(a.wallet))),
                            Some(b) if a != b => problems.push(format!(
                                "leaf {}: recomputed (weight {}, shares {}, amount {}), published (weight {}, shares {}, amount {})",
                                Pubkey::new_from_array(a.wallet), a.weight, a.shares, a.amount, b.weight, b.shares, b.amount
                            )),
                            Some(_) => {}
                        }
                    }
                    let root = pplns::merkle_root(&l);
                    if hex::encode(root) != rec.leaves_root {
                        problems.push("published root differs from the recomputed leaves' root".into());
                    }
                    // (3) against the chain. A round stranded before its root was committed was never
                    // credited: its record is the relayer's computation, and the fallback's leaves claim it.
                    let stranded = onchain.is_some_and(|r| r.status == RoundStatus::Stranded);
                    match onchain {
                        None => problems.push("no Round account on-chain".into()),
                        Some(_) if stranded => {}
                        Some(r) => {
                            if r.leaves_root != root {
                                problems.push("merkle root differs from the on-chain Round".into());
                            }
                            let total: u128 = l.iter().map(|x| x.weight).sum();
                            if r.total_weight != total {
                                problems.push(format!("on-chain total weight {} vs recomputed {total}", r.total_weight));
                            }
                            if r.leaf_count as usize != l.len() {
                                problems.push(format!("on-chain leaf count {} vs recomputed {}", r.leaf_count, l.len()));
                            }
                            if (r.reward, r.fee) != (rec.reward, rec.fee) {
                                problems.push(format!("reward/fee on-chain {}/{} vs published {}/{}", r.reward, r.fee, rec.reward, rec.fee));
                            }
                            if r.bonus != rec.bonus {
                                problems.push(format!("bonus on-chain {} vs published {}", r.bonus, rec.bonus));
                            }
                            if r.status != RoundStatus::Credited || r.credited != distributable {
                                problems.push(format!("on-chain round {:?} with {} credited of {}", r.status, r.credited, distributable));
                            }
                        }
                    }
                    if !stranded {
                        for leaf in &l {
                            *expected_credit.entry(leaf.wallet).or_default() += leaf.amount;
                        }
                    }
                    across.leaves.insert(bc, l);
                }
            }
        }
    }
    Ok(RoundVerdict {
        block_count: bc,
        ok: problems.is_empty(),
        shares_checked: window.len(),
        leaf_count: leaves.len() as u32,
        reward: rec.reward,
        bonus: rec.bonus,
        fee: rec.fee,
        leaves_root: rec.leaves_root.clone(),
        challenges_unanchored,
        problems,
    })
}

/// (0) of [`audit_round`] for one window: each share's challenge against the issued ones, each proof of
/// work listed once (in this window and across rounds), each share seq the same share wherever listed.
/// Returns how many shares had no issued challenge to check against.
fn check_listing(window: &[(WindowShare, [u8; 32], [u8; 32], u128)], across: &mut Across, problems: &mut Vec<String>) -> usize {
    let mut unanchored = 0;
    let mut in_window = std::collections::BTreeSet::new();
    for (s, wallet, challenge, _) in window {
        match across.issued.get(&s.block_count) {
            Some(c) if c != challenge => problems.push(format!(
                "share seq {}: challenge {} is not the one TREZ issued for block_count {}",
                s.seq,
                hex::encode(challenge),
                s.block_count
            )),
            Some(_) => {}
            None => unanchored += 1,
        }
        if !in_window.insert(s.seq) {
            problems.push(format!("share seq {}: listed twice in the window", s.seq));
        }
        let pow = (*challenge, s.block_count, s.nonce);
        match across.pow.get(&pow) {
            Some(&seq) if seq != s.seq => {
                problems.push(format!("share seq {}: its proof of work (block_count {}, nonce {}) is also share seq {seq}", s.seq, s.block_count, s.nonce))
            }
            Some(_) => {}
            None => {
                across.pow.insert(pow, s.seq);
            }
        }
        let listed = (*wallet, *challenge, s.block_count, s.nonce, s.bits, s.signature.clone());
        match across.shares.get(&s.seq) {
            Some(first) if *first != listed => {
                problems.push(format!("share seq {}: listed with another wallet, proof of work, difficulty or signature in an earlier round", s.seq))
            }
            Some(_) => {}
            None => {
                if let Err(why) = check_signature(&across.pool, s, wallet, challenge) {
                    problems.push(format!("share seq {}: {why}", s.seq));
                }
                across.shares.insert(s.seq, listed);
            }
        }
    }
    unanchored
}

/// A window share's attribution: its signature must be `wallet`'s over the share message (docs/SPEC.md,
/// "Share signatures"). A share without one, or with another key's, is not provably that wallet's work.
fn check_signature(pool: &trez_protocol::Key, s: &WindowShare, wallet: &[u8; 32], challenge: &[u8; 32]) -> Result<(), String> {
    let Some(text) = &s.signature else { return Err(format!("unsigned: nothing proves wallet {} did this work", Pubkey::new_from_array(*wallet))) };
    let mut sig = [0u8; 64];
    match bs58::decode(text).onto(&mut sig) {
        Ok(64) => {}
        _ => return Err("signature is not 64 bytes of base58".into()),
    }
    let verifier = trez_protocol::ShareVerifier::new(&trez_protocol::Key(*wallet))?;
    if !verifier.verify(pool, challenge, s.block_count, s.nonce, s.bits, &trez_protocol::Sig(sig)) {
        return Err(format!("signature is not wallet {}'s over this share (moved from another wallet, or altered)", Pubkey::new_from_array(*wallet)));
    }
    Ok(())
}

/// Most escrow transactions the audit reads (newest first).
pub const HISTORY_LIMIT: usize = 1_000_000;
