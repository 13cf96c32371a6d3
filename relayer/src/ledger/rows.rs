//! Row types of the ledger and their decoding: a stored value that does not decode is an error naming its
//! row and column ([`corrupt`]), never a default.

use super::ShareRow;

/// A stored value that does not decode: an error naming the row (by its first selected column, the key in
/// every query here) and the column, never a default in its place.
pub(super) fn corrupt(r: &rusqlite::Row, idx: usize, what: String) -> rusqlite::Error {
    let column = r.as_ref().column_name(idx).map(str::to_string).unwrap_or_else(|_| idx.to_string());
    use rusqlite::types::ValueRef;
    let key = match r.get_ref(0) {
        Ok(ValueRef::Integer(i)) => i.to_string(),
        Ok(ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
        Ok(ValueRef::Blob(b)) => format!("x'{}'", hex::encode(b)),
        Ok(ValueRef::Real(f)) => f.to_string(),
        Ok(ValueRef::Null) | Err(_) => "?".into(),
    };
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, format!("corrupt ledger row {key}, column {column}: {what}").into())
}

/// Column `idx` as 32 bytes (keys, hashes); any other length is [`corrupt`].
pub(super) fn blob32(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<[u8; 32]> {
    let v: Vec<u8> = r.get(idx)?;
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| corrupt(r, idx, format!("{} bytes where 32 are stored", v.len())))
}

/// Column `idx` as a PPLNS weight (stored as decimal text: u128 does not fit SQLite's integers); anything
/// else is [`corrupt`].
pub(super) fn weight(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<u128> {
    let text: String = r.get(idx)?;
    text.parse().map_err(|_| corrupt(r, idx, format!("weight {text:?} is not a decimal u128")))
}

/// Map a `shares` row selected as (seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits,
/// created_ms).
pub fn share_row(r: &rusqlite::Row) -> rusqlite::Result<ShareRow> {
    Ok(ShareRow {
        seq: r.get(0)?,
        wallet: blob32(r, 1)?,
        worker: r.get(2)?,
        challenge: blob32(r, 3)?,
        block_count: r.get::<_, i64>(4)? as u64,
        nonce: r.get::<_, i64>(5)? as u64,
        bits: r.get(6)?,
        zero_bits: r.get(7)?,
        created_ms: r.get(8)?,
    })
}

/// A solution row: a block-meeting share the submitter must land (`pending`), landed (`confirmed`) or could
/// not (`lost`, with the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolutionRow {
    pub id: i64,
    pub share_seq: i64,
    pub wallet: [u8; 32],
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    pub status: String,
    pub reason: Option<String>,
    pub signature: Option<String>,
}

/// How a member's tokens left the escrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutKind {
    /// The permissionless `payout` crank (pool guide: the pool pays members).
    Payout,
    /// The member's own `claim`.
    Claim,
}

impl PayoutKind {
    /// The stored name: `payout` | `claim`.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutKind::Payout => "payout",
            PayoutKind::Claim => "claim",
        }
    }

    /// The kind stored as `s`, or `None` for a name this version does not know.
    pub fn parse(s: &str) -> Option<PayoutKind> {
        match s {
            "payout" => Some(PayoutKind::Payout),
            "claim" => Some(PayoutKind::Claim),
            _ => None,
        }
    }
}

/// One recorded transfer to a member (see `migrations/0003_payout_kind.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutRow {
    pub signature: String,
    pub wallet: [u8; 32],
    /// Base units.
    pub amount: u64,
    pub kind: PayoutKind,
}

/// A stored round (see `migrations/0002_rounds_payouts.sql`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoundRow {
    pub block_count: u64,
    pub solution_id: i64,
    pub share_seq: i64,
    pub network_bits: u32,
    pub pplns_factor: u64,
    pub reward: u64,
    pub fee: u64,
    pub leaves_root: [u8; 32],
    pub leaf_count: u32,
    pub status: String,
}

pub(super) fn solution_row(r: &rusqlite::Row) -> rusqlite::Result<SolutionRow> {
    Ok(SolutionRow {
        id: r.get(0)?,
        share_seq: r.get(1)?,
        wallet: blob32(r, 2)?,
        challenge: blob32(r, 3)?,
        block_count: r.get::<_, i64>(4)? as u64,
        nonce: r.get::<_, i64>(5)? as u64,
        status: r.get(6)?,
        reason: r.get(7)?,
        signature: r.get(8)?,
    })
}

pub(super) const SOLUTION_COLS: &str = "id, share_seq, wallet, challenge, block_count, nonce, status, reason, signature";

pub(super) fn round_row(r: &rusqlite::Row) -> rusqlite::Result<RoundRow> {
    Ok(RoundRow {
        block_count: r.get::<_, i64>(0)? as u64,
        solution_id: r.get(1)?,
        share_seq: r.get(2)?,
        network_bits: r.get(3)?,
        pplns_factor: r.get::<_, i64>(4)? as u64,
        reward: r.get::<_, i64>(5)? as u64,
        fee: r.get::<_, i64>(6)? as u64,
        leaves_root: blob32(r, 7)?,
        leaf_count: r.get(8)?,
        status: r.get(9)?,
    })
}

pub(super) const ROUND_COLS: &str =
    "block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee, leaves_root, leaf_count, status";

pub(super) fn leaf_row(r: &rusqlite::Row) -> rusqlite::Result<crate::pplns::Leaf> {
    Ok(crate::pplns::Leaf {
        wallet: blob32(r, 0)?,
        weight: weight(r, 1)?,
        shares: r.get::<_, i64>(2)? as u64,
        amount: r.get::<_, i64>(3)? as u64,
    })
}

/// A miner's activity in the ledger.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct MinerActivity {
    /// Accepted shares, all time.
    pub shares: u64,
    /// Unix ms of the last accepted share.
    pub last_share_ms: Option<i64>,
    /// Worker names seen.
    pub workers: Vec<String>,
    /// Σ 2^bits of shares in the last `window_secs`, expected hashes.
    pub recent_work: f64,
    /// Seconds those shares cover: from the oldest of them to now (at least 1), the whole window when
    /// there are none. `recent_work / recent_secs` is the hashrate estimate, hashes/s.
    pub recent_secs: f64,
}
