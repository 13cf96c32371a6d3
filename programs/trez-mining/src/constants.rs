//! Seeds and limits. Every seed of the program lives here; `crates/sdk` has the matching PDA helpers.

/// Seed of the `State` PDA: `["state"]` (from the TREZ pool guide).
pub const SEED_STATE: &[u8] = b"state";
/// Seed of the mint authority PDA: `["mint_authority"]`. It must be the TREZ mint's mint authority.
pub const SEED_MINT_AUTHORITY: &[u8] = b"mint_authority";
/// Decimals of the TREZ mint.
pub const TREZ_DECIMALS: u8 = 6;
/// Target block time, seconds (the guide: "targeting ~180-second blocks").
pub const DEFAULT_TARGET_BLOCK_SECONDS: i64 = 180;
/// The highest difficulty that exists, bits.
pub const MAX_DIFFICULTY_BITS: u32 = 192;
/// Domain tag of the genesis challenge.
pub const GENESIS_TAG: &[u8] = b"trez-genesis-v1";
