//! The pool's public record: per round, the leaves and the raw window shares; and the payouts. Served by the
//! API (`/api/export`, `/api/rounds/{n}`), written by `trez-relayer export`, and read by `trez-relayer audit`.
//! Keys are base58, hashes hex, u128 weights decimal strings (JSON numbers cannot hold them exactly).

use serde::{Deserialize, Serialize};
use solana_sdk::pubkey::Pubkey;

use crate::ledger::{Ledger, LedgerError};
use crate::pplns::Leaf;

/// One leaf: (wallet, weight, share count, amount).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafRecord {
    pub wallet: String,
    /// Expected hashes, u128 as a decimal string.
    pub weight: String,
    pub shares: u64,
    /// Base units.
    pub amount: u64,
}

/// One share of a round's PPLNS window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowShare {
    pub seq: i64,
    pub wallet: String,
    /// The job's challenge, hex.
    pub challenge: String,
    pub block_count: u64,
    pub nonce: u64,
    /// Share difficulty, bits.
    pub bits: u32,
    /// Weight counted in the window (the oldest share may count in part), decimal string.
    pub weight: String,
    /// The wallet's ed25519 signature over the share's `share_message` (docs/SPEC.md), base58. Absent for a
    /// share recorded before protocol v2 (the audit reports it unsigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A round as the relayer settled it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub block_count: u64,
    /// Sequence of the block-finding share (the newest in the window).
    pub share_seq: i64,
    /// Network difficulty the block met, bits.
    pub network_bits: u32,
    pub pplns_factor: u64,
    /// Escrow delta of the claim, base units (TREZ block reward + referral bonus).
    pub reward: u64,
    /// Of `reward`, the TREZ referral bonus, base units (the on-chain `Round.bonus`). Absent in older exports: 0.
    #[serde(default)]
    pub bonus: u64,
    pub fee: u64,
    pub leaves_root: String,
    pub status: String,
    pub leaves: Vec<LeafRecord>,
    /// Oldest first.
    pub shares: Vec<WindowShare>,
}

/// One transfer of a member's balance out of the escrow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRecord {
    pub signature: String,
    pub wallet: String,
    /// Base units.
    pub amount: u64,
    /// `payout` (the crank) or `claim` (the member's own; recorded when the relayer imports it from the
    /// escrow's history). Absent in older exports: `payout`.
    #[serde(default = "crank")]
    pub kind: crate::ledger::PayoutKind,
}

fn crank() -> crate::ledger::PayoutKind {
    crate::ledger::PayoutKind::Payout
}

/// Everything an auditor needs besides the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolExport {
    pub pool: String,
    pub rounds: Vec<RoundRecord>,
    pub payouts: Vec<PayoutRecord>,
}

fn key(b: &[u8; 32]) -> String {
    Pubkey::new_from_array(*b).to_string()
}

/// Parse a leaf record back.
pub fn parse_leaf(l: &LeafRecord) -> Result<Leaf, String> {
    Ok(Leaf {
        wallet: l.wallet.parse::<Pubkey>().map_err(|e| format!("leaf wallet {}: {e}", l.wallet))?.to_bytes(),
        weight: l.weight.parse().map_err(|e| format!("leaf weight {}: {e}", l.weight))?,
        shares: l.shares,
        amount: l.amount,
    })
}

/// One round from the ledger.
pub async fn round_record(ledger: &dyn Ledger, block_count: u64) -> Result<Option<RoundRecord>, LedgerError> {
    let Some((row, leaves)) = ledger.round(block_count).await? else { return Ok(None) };
    let window = ledger.round_window(block_count).await?;
    Ok(Some(RoundRecord {
        block_count,
        share_seq: row.share_seq,
        network_bits: row.network_bits,
        pplns_factor: row.pplns_factor,
        reward: row.reward,
        bonus: row.bonus,
        fee: row.fee,
        leaves_root: hex::encode(row.leaves_root),
        status: row.status.as_str().into(),
        leaves: leaves
            .iter()
            .map(|l| LeafRecord { wallet: key(&l.wallet), weight: l.weight.to_string(), shares: l.shares, amount: l.amount })
            .collect(),
        shares: window
            .iter()
            .map(|(s, w)| WindowShare {
                seq: s.seq,
                wallet: key(&s.wallet),
                challenge: hex::encode(s.challenge),
                block_count: s.block_count,
                nonce: s.nonce,
                bits: s.bits,
                weight: w.to_string(),
                signature: s.signature.map(|g| bs58::encode(g).into_string()),
            })
            .collect(),
    }))
}

/// The whole record of `pool` from the ledger.
pub async fn export(ledger: &dyn Ledger, pool: &Pubkey) -> Result<PoolExport, LedgerError> {
    let mut rounds = vec![];
    for r in ledger.rounds().await? {
        if let Some(rec) = round_record(ledger, r.block_count).await? {
            rounds.push(rec);
        }
    }
    let payouts = ledger
        .payouts()
        .await?
        .into_iter()
        .map(|p| PayoutRecord { signature: p.signature, wallet: key(&p.wallet), amount: p.amount, kind: p.kind })
        .collect();
    Ok(PoolExport { pool: pool.to_string(), rounds, payouts })
}

/// Load a published record from a relayer API base URL (`/api/export`) or a file written by `export`.
pub async fn fetch(api: Option<&str>, file: Option<&std::path::Path>) -> anyhow::Result<PoolExport> {
    use anyhow::Context;
    match (api, file) {
        (Some(url), _) => Ok(reqwest::get(format!("{}/api/export", url.trim_end_matches('/')))
            .await
            .context("fetching /api/export")?
            .error_for_status()?
            .json()
            .await
            .context("decoding /api/export")?),
        (None, Some(f)) => Ok(serde_json::from_str(&std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?)
            .with_context(|| format!("parsing {}", f.display()))?),
        (None, None) => anyhow::bail!("give --api URL or --file PATH"),
    }
}
