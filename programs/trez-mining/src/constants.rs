//! Seeds and limits. Every seed of the program lives here; `crates/sdk` has the matching PDA helpers.
//!
//! Published by TREZ (treztoken.com "contract" and "reward-system", October 2025): the seeds `["state"]`,
//! `["miner_data", user]` and `["distributor"]`, the ~180 s block target and the 3-TREZ referral bonus.
//! Ours: the genesis tag, the difficulty ceiling and the era length default.

/// Seed of the `State` PDA: `["state"]` (published).
pub const SEED_STATE: &[u8] = b"state";
/// Seed of a miner's `MinerData` PDA: `["miner_data", user]` (published).
pub const SEED_MINER_DATA: &[u8] = b"miner_data";
/// Seed of the distributor PDA: `["distributor"]` (published). It owns the TREZ token account (its associated
/// token account) that pays every reward; it holds no data.
pub const SEED_DISTRIBUTOR: &[u8] = b"distributor";
/// Decimals of the TREZ mint (published on the mint).
pub const TREZ_DECIMALS: u8 = 6;
/// Referral bonus, base units: 3 TREZ (published: "the referrer receives 3 TREZ; if not, the miner receives an
/// additional 3 TREZ"). `initialize` takes the bonus as an argument so tests can vary it; this is the default.
pub const PUBLISHED_REFERRAL_BONUS: u64 = 3_000_000;
/// Default era length, blocks (our assumption: the era rule is not published). At ~180 s per block this is
/// about 438 days per era.
pub const DEFAULT_BLOCKS_PER_ERA: u64 = 210_000;
/// Target block time, seconds (the guide: "targeting ~180-second blocks").
pub const DEFAULT_TARGET_BLOCK_SECONDS: i64 = 180;
/// The highest difficulty that exists, bits.
pub const MAX_DIFFICULTY_BITS: u32 = 192;
/// Domain tag of the genesis challenge.
pub const GENESIS_TAG: &[u8] = b"trez-genesis-v1";
