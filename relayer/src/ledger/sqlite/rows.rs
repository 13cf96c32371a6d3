//! Row types of the ledger and their decoding: a stored value that does not decode is an error naming its
//! row and column ([`corrupt`]), never a default.

use crate::ledger::types::*;
use crate::pplns::Leaf;

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

/// Column `idx` as a stored state name (`parse` of its enum); a name this version does not know is
/// [`corrupt`].
pub(super) fn stored<T>(r: &rusqlite::Row, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    parse(&text).ok_or_else(|| corrupt(r, idx, format!("unknown state {text:?}")))
}

/// Column `idx` as an unsigned 64-bit value (SQLite integers are i64; counts and amounts are stored as
/// such).
pub(super) fn u64_at(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<u64> {
    let v: i64 = r.get(idx)?;
    u64::try_from(v).map_err(|_| corrupt(r, idx, format!("negative value {v}")))
}

/// Map a `shares` row selected as (seq, wallet, worker, challenge, block_count, nonce, bits, zero_bits,
/// created_ms, signature).
pub(super) fn share_row(r: &rusqlite::Row) -> rusqlite::Result<ShareRow> {
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
        signature: match r.get::<_, Option<Vec<u8>>>(9)? {
            None => None,
            Some(b) => Some(b.try_into().map_err(|b: Vec<u8>| corrupt(r, 9, format!("signature of {} bytes", b.len())))?),
        },
    })
}

pub(super) fn solution_row(r: &rusqlite::Row) -> rusqlite::Result<Solution> {
    Ok(Solution {
        id: r.get(0)?,
        share_seq: r.get(1)?,
        wallet: blob32(r, 2)?,
        challenge: blob32(r, 3)?,
        block_count: r.get::<_, i64>(4)? as u64,
        nonce: r.get::<_, i64>(5)? as u64,
        status: stored(r, 6, SolutionStatus::parse)?,
        reason: r.get(7)?,
        signature: r.get(8)?,
        found_ms: r.get(9)?,
        settled_ms: r.get(10)?,
    })
}

pub(super) const SOLUTION_COLS: &str = "id, share_seq, wallet, challenge, block_count, nonce, status, reason, signature, created_ms, updated_ms";

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
        status: stored(r, 9, RoundState::parse)?,
        bonus: r.get::<_, i64>(10)? as u64,
    })
}

pub(super) const ROUND_COLS: &str =
    "block_count, solution_id, share_seq, network_bits, pplns_factor, reward, fee, leaves_root, leaf_count, status, bonus";

pub(super) fn leaf_row(r: &rusqlite::Row) -> rusqlite::Result<Leaf> {
    Ok(Leaf {
        wallet: blob32(r, 0)?,
        weight: weight(r, 1)?,
        shares: r.get::<_, i64>(2)? as u64,
        amount: r.get::<_, i64>(3)? as u64,
    })
}
