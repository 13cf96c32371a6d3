//! Seeds and limits. Every seed of the program lives here; `crates/sdk` has the matching PDA helpers.

/// Seed of the `Pool` PDA: `["pool", admin]`.
pub const SEED_POOL: &[u8] = b"pool";
/// Seed of the pool authority PDA: `["authority", pool]`. System-owned, no data. It owns the escrow and is the
/// TREZ `miner` key every pool miner hashes with; it signs `claim_reward` and the escrow transfers.
pub const SEED_AUTHORITY: &[u8] = b"authority";
/// Seed of the escrow token account PDA: `["escrow", pool]`, token authority = the pool authority PDA.
pub const SEED_ESCROW: &[u8] = b"escrow";
/// Seed of a `Round` PDA: `["round", pool, block_count u64 LE]` (the TREZ block_count the solution was for).
pub const SEED_ROUND: &[u8] = b"round";
/// Seed of a `Member` PDA: `["member", pool, wallet]`.
pub const SEED_MEMBER: &[u8] = b"member";
/// Seed of a `StrandedClaim` PDA: `["stranded_claim", round, wallet]` (one per wallet per stranded round).
pub const SEED_STRANDED_CLAIM: &[u8] = b"stranded_claim";

/// Basis points in one whole.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// The highest `max_fee_bps` a pool may be created with (10 %).
pub const MAX_FEE_CAP_BPS: u16 = 1_000;
/// Most members in one `credit_batch` (bounds the loop; a legacy transaction holds fewer, see README).
pub const MAX_CREDIT_BATCH: usize = 64;
/// Most (member, destination) pairs in one `payout` (bounds the loop; see README for what fits a transaction).
pub const MAX_PAYOUT_PAIRS: usize = 32;
/// The shortest `strand_timeout_slots` a pool may be created with (about 4 s of 400 ms slots): a round can
/// never be stranded in the slot it landed.
pub const MIN_STRAND_TIMEOUT_SLOTS: u64 = 10;
/// The timeout operators are advised to use and the relayer's `init-pool` defaults to: 216,000 slots, about
/// 24 h at 400 ms. Long enough to restart a relayer or rotate its key after an outage of a working day
/// (crediting takes seconds when the relayer is up), short enough that miners wait a day, not forever.
pub const DEFAULT_STRAND_TIMEOUT_SLOTS: u64 = 216_000;
/// Most elements of a stranded-claim merkle proof (a tree of up to 2^32 leaves needs at most 32).
pub const MAX_PROOF_LEN: usize = 32;
