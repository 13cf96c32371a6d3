//! `member verify`: a miner's own check that the pool kept its word, from its receipts (docs/SPEC.md §10), the
//! published record (`/api/export` or a saved export) and the chain, trusting none of the relayer's numbers:
//!
//! 1. every receipt is signed by the key it names, and that key is the pool's relayer (`Pool.relayer`);
//! 2. every receipted share whose seq lies inside a round's window is listed there under that seq, with the
//!    receipt's wallet, challenge, block_count, nonce and share difficulty; an absent or altered share is an
//!    omission, reported with the receipt as evidence. A window spans from its oldest listed share to the
//!    round's block share; when its listed weights sum to less than the round's `N = pplns_factor ×
//!    2^difficulty` (both read from the on-chain Round), it claims to hold every share since the pool began,
//!    so it spans from seq 1. A receipted share between windows, or after the newest, is counted, not a
//!    finding (PPLNS pays the last N of difficulty only);
//! 3. the wallet's leaf in each round proves against the on-chain `Round.leaves_root` (the proof is built
//!    from the record's leaves, and with `api` also fetched from `/api/rounds/{n}/proof/{wallet}`);
//! 4. the on-chain `Member.credited` equals the sum of the wallet's leaf amounts over the rounds the chain says
//!    are credited (a round still crediting may have added part of its amount).

use std::collections::BTreeMap;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use trez_protocol::Receipt;
use trez_sdk::{Round, RoundStatus};

use super::CommandError;
use crate::chain::ChainClient;
use crate::export::{parse_leaf, PoolExport, RoundRecord};
use crate::poolchain::PoolChain;
use crate::pplns;

/// A receipted share missing from (or altered in) the window that must list it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Omission {
    pub block_count: u64,
    /// What the window lists under the receipt's seq instead (None: nothing).
    pub listed_instead: Option<String>,
    /// The evidence: the receipt as the miner holds it.
    pub receipt: Receipt,
}

/// The wallet's leaf in one round, checked against the chain (only rounds `crediting` or `credited` on-chain
/// have its root; for others `proof_ok` is false and no finding is made).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LeafCheck {
    pub block_count: u64,
    /// Base units.
    pub amount: u64,
    /// The on-chain round status (`credited`, `crediting`, …).
    pub status: String,
    /// The leaf's merkle proof opens the on-chain `leaves_root`.
    pub proof_ok: bool,
}

/// What `member verify` found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    pub wallet: String,
    /// Receipts of this wallet at this pool in the file.
    pub receipts: u64,
    /// Receipts whose seq lies inside a published window, and of those, listed there as receipted.
    pub in_windows: u64,
    pub found: u64,
    /// Receipts after the newest window's block share (not settled yet), and between or before windows.
    pub after_last_window: u64,
    pub outside_windows: u64,
    pub omitted: Vec<Omission>,
    pub leaves: Vec<LeafCheck>,
    /// Base units: the sum of the wallet's leaves in rounds the chain has credited, and `Member.credited`.
    pub leaves_credited: u64,
    pub credited_on_chain: u64,
    /// Every problem, each naming the round, receipt or account it concerns.
    pub findings: Vec<String>,
    pub ok: bool,
}

impl std::fmt::Display for VerifyReport {
    /// One line of counts (`VERIFIED` or `NOT VERIFIED` first), then one indented line per finding.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} receipts, {} inside windows, {} found there; {} leaves proved; credited on-chain {} = leaves {}",
            if self.ok { "VERIFIED" } else { "NOT VERIFIED" },
            self.receipts,
            self.in_windows,
            self.found,
            self.leaves.iter().filter(|l| l.proof_ok).count(),
            self.credited_on_chain,
            self.leaves_credited
        )?;
        for x in &self.findings {
            write!(f, "\n  {x}")?;
        }
        Ok(())
    }
}

/// Verify `wallet`'s receipts and credits at `pool` against `record` and the chain. `api`: the relayer's API
/// base URL, to check the proofs it serves too.
pub async fn verify(
    chain: std::sync::Arc<dyn ChainClient>,
    pool: Pubkey,
    record: &PoolExport,
    wallet: Pubkey,
    receipts: &[Receipt],
    api: Option<&str>,
) -> Result<VerifyReport, CommandError> {
    let pc = PoolChain::observe(chain, pool).await?;
    let relayer = pc.pool_account().await?.relayer;
    let w = trez_protocol::Key(wallet.to_bytes());
    let mine: Vec<&Receipt> = receipts.iter().filter(|r| r.fields.wallet == w && r.fields.pool.0 == pool.to_bytes()).collect();
    let mut report = VerifyReport {
        wallet: wallet.to_string(),
        receipts: mine.len() as u64,
        in_windows: 0,
        found: 0,
        after_last_window: 0,
        outside_windows: 0,
        omitted: vec![],
        leaves: vec![],
        leaves_credited: 0,
        credited_on_chain: 0,
        findings: vec![],
        ok: false,
    };
    if record.pool != pool.to_string() {
        report.findings.push(format!("the record is of pool {}, not {pool}", record.pool));
    }
    for r in &mine {
        if !r.verify() {
            report.findings.push(format!("receipt seq {} (nonce {}): its signature is not {}'s", r.fields.seq, r.fields.nonce, r.relayer));
        } else if r.relayer.0 != relayer.to_bytes() {
            report.findings.push(format!("receipt seq {} (nonce {}): signed by {}, not the pool's relayer {relayer}", r.fields.seq, r.fields.nonce, r.relayer));
        }
    }
    // The record's rounds on-chain, read 100 per request.
    let mut rounds = BTreeMap::new();
    for chunk in record.rounds.chunks(100) {
        let keys: Vec<Pubkey> = chunk.iter().map(|x| trez_sdk::pda::round(&pool, x.block_count)).collect();
        for (x, a) in chunk.iter().zip(pc.chain.get_multiple_accounts(&keys).await?) {
            match a.map(|a| trez_sdk::decode::account::<Round>(&a.data)) {
                Some(Ok(r)) => {
                    rounds.insert(x.block_count, r);
                }
                Some(Err(e)) => report.findings.push(format!("round {}: the Round account does not decode: {e}", x.block_count)),
                None => report.findings.push(format!("round {}: the record has it, the chain has no Round account", x.block_count)),
            }
        }
    }
    check_windows(record, &rounds, &mine, &mut report);
    check_leaves(&pc, record, &rounds, wallet, api, &mut report).await?;
    report.ok = report.findings.is_empty() && report.omitted.is_empty();
    Ok(report)
}

/// The oldest seq a round's window covers: its oldest listed share's, or 1 when the listed weights do not
/// fill the on-chain `N` (or cannot be read).
fn window_start(x: &RoundRecord, round: Option<&Round>) -> i64 {
    let oldest = x.shares.first().map_or(1, |s| s.seq);
    let Some(r) = round.filter(|r| matches!(r.status, RoundStatus::Credited | RoundStatus::Crediting)) else { return oldest };
    let listed = x.shares.iter().try_fold(0u128, |acc, s| s.weight.parse::<u128>().ok().and_then(|w| acc.checked_add(w)));
    match (pplns::window_size(r.pplns_factor, r.difficulty), listed) {
        (Ok(n), Some(w)) if w >= n => oldest,
        _ => 1,
    }
}

/// Step 2: each receipt against the windows whose seq range holds it.
fn check_windows(record: &PoolExport, rounds: &BTreeMap<u64, Round>, mine: &[&Receipt], report: &mut VerifyReport) {
    let newest = record.rounds.iter().map(|r| r.share_seq).max().unwrap_or(0);
    let spans: Vec<(i64, &RoundRecord)> = record.rounds.iter().map(|x| (window_start(x, rounds.get(&x.block_count)), x)).collect();
    for r in mine {
        let seq = i64::try_from(r.fields.seq).unwrap_or(i64::MAX);
        let windows: Vec<&RoundRecord> = spans.iter().filter(|(lo, x)| *lo <= seq && seq <= x.share_seq).map(|(_, x)| *x).collect();
        if windows.is_empty() {
            if seq > newest { report.after_last_window += 1 } else { report.outside_windows += 1 }
            continue;
        }
        report.in_windows += 1;
        let mut all_found = true;
        for x in windows {
            let listed = x.shares.iter().find(|s| s.seq == seq);
            let same = listed.is_some_and(|s| {
                s.wallet == r.fields.wallet.to_string()
                    && s.challenge == hex::encode(r.fields.challenge.0)
                    && s.block_count == r.fields.block_count
                    && s.nonce == r.fields.nonce
                    && s.bits == r.fields.share_bits
            });
            if !same {
                all_found = false;
                let listed_instead = listed.map(|s| format!("wallet {} nonce {} bits {}", s.wallet, s.nonce, s.bits));
                report.findings.push(format!(
                    "round {}: receipted share seq {seq} (nonce {}, {} bits) is {} its published window",
                    x.block_count,
                    r.fields.nonce,
                    r.fields.share_bits,
                    if listed.is_some() { "altered in" } else { "missing from" }
                ));
                report.omitted.push(Omission { block_count: x.block_count, listed_instead, receipt: **r });
            }
        }
        if all_found {
            report.found += 1;
        }
    }
}

/// Steps 3 and 4: the wallet's leaves against the on-chain roots, and its credited total.
async fn check_leaves(
    pc: &PoolChain,
    record: &PoolExport,
    rounds: &BTreeMap<u64, Round>,
    wallet: Pubkey,
    api: Option<&str>,
    report: &mut VerifyReport,
) -> Result<(), CommandError> {
    let mut crediting = 0u64;
    for x in &record.rounds {
        let leaves = match x.leaves.iter().map(parse_leaf).collect::<Result<Vec<_>, _>>() {
            Ok(l) => l,
            Err(e) => {
                report.findings.push(format!("round {}: {e}", x.block_count));
                continue;
            }
        };
        let Some(index) = leaves.iter().position(|l| l.wallet == wallet.to_bytes()) else { continue };
        let Some(round) = rounds.get(&x.block_count) else { continue };
        let status = format!("{:?}", round.status).to_lowercase();
        if !matches!(round.status, RoundStatus::Credited | RoundStatus::Crediting) {
            // No root of these leaves on-chain (not committed yet; or stranded, whose root is its fallback's).
            report.leaves.push(LeafCheck { block_count: x.block_count, amount: leaves[index].amount, status, proof_ok: false });
            continue;
        }
        let hashes: Vec<[u8; 32]> = leaves.iter().map(pplns::leaf_hash).collect();
        let proof = trez_pool::merkle::proof(&hashes, index).unwrap_or_default();
        let (idx, count) = (index as u32, leaves.len() as u32);
        let mut proof_ok = trez_pool::merkle::verify(hashes[index], idx, count, &proof, &round.leaves_root);
        if let (true, Some(api)) = (proof_ok, api) {
            proof_ok = served_proof_ok(api, x.block_count, &wallet, hashes[index], &round.leaves_root).await;
            if !proof_ok {
                report.findings.push(format!("round {}: the API's proof of the wallet's leaf does not open the on-chain root", x.block_count));
            }
        } else if !proof_ok {
            report.findings.push(format!("round {}: the wallet's leaf ({} base units) does not prove against the on-chain leaves_root", x.block_count, leaves[index].amount));
        }
        let amount = leaves[index].amount;
        if round.status == RoundStatus::Credited {
            report.leaves_credited = report.leaves_credited.saturating_add(amount);
        } else {
            crediting = crediting.saturating_add(amount);
        }
        report.leaves.push(LeafCheck { block_count: x.block_count, amount, status, proof_ok });
    }
    let member = pc.members(&[wallet]).await?.pop().flatten();
    report.credited_on_chain = member.map_or(0, |m| m.credited);
    let (lo, hi) = (report.leaves_credited, report.leaves_credited.saturating_add(crediting));
    if !(lo..=hi).contains(&report.credited_on_chain) {
        report.findings.push(format!(
            "Member.credited is {} base units on-chain; the wallet's leaves in credited rounds sum to {lo}{}",
            report.credited_on_chain,
            if hi > lo { format!(" (up to {hi} with rounds still crediting)") } else { String::new() }
        ));
    }
    Ok(())
}

/// Whether `/api/rounds/{n}/proof/{wallet}` serves a proof of `leaf` that opens `root`.
async fn served_proof_ok(api: &str, n: u64, wallet: &Pubkey, leaf: [u8; 32], root: &[u8; 32]) -> bool {
    let url = format!("{}/api/rounds/{n}/proof/{wallet}", api.trim_end_matches('/'));
    let Ok(resp) = reqwest::get(url).await else { return false };
    let Ok(v) = resp.json::<serde_json::Value>().await else { return false };
    let hex32 = |s: &serde_json::Value| s.as_str().and_then(|s| hex::decode(s).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok());
    let proof: Option<Vec<[u8; 32]>> = v["proof"].as_array().map(|a| a.iter().filter_map(hex32).collect());
    let (Some(index), Some(count), Some(proof)) = (v["index"].as_u64(), v["leaf_count"].as_u64(), proof) else { return false };
    trez_pool::merkle::verify(leaf, index as u32, count as u32, &proof, root)
}
