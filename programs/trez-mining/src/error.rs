//! Error codes. Codes are ABI (clients match on them). 6004 `ReferrerAlreadySet` is the one code TREZ
//! publishes ("subsequent attempts fail with ReferrerAlreadySet (e.g., code 6004)"); the others are ours and
//! append-only from here on.
use anchor_lang::prelude::*;

#[error_code]
pub enum TrezError {
    /// 6000
    #[msg("digest does not meet the required difficulty")]
    InsufficientDifficulty,
    /// 6001
    #[msg("difficulty bounds invalid: need min <= difficulty <= max <= 192")]
    InvalidDifficulty,
    /// 6002
    #[msg("target block time must be positive seconds")]
    InvalidTargetTime,
    /// 6003
    #[msg("the TREZ mint must have no mint authority (a fixed supply)")]
    MintNotFixed,
    /// 6004 (published)
    #[msg("referrer already set")]
    ReferrerAlreadySet,
    /// 6005
    #[msg("arithmetic overflow")]
    Overflow,
    /// 6006
    #[msg("signer is not the admin")]
    Unauthorized,
    /// 6007
    #[msg("a miner cannot refer itself")]
    SelfReferral,
    /// 6008
    #[msg("mint is not the TREZ mint of the State")]
    InvalidMint,
    /// 6009
    #[msg("TREZ mint must have 6 decimals")]
    InvalidDecimals,
    /// 6010
    #[msg("emission exhausted: the distributor cannot pay the reward and bonus")]
    EmissionExhausted,
    /// 6011
    #[msg("referrer token account missing, unexpected, or not owned by the MinerData referrer")]
    ReferrerMismatch,
    /// 6012
    #[msg("blocks per era must be positive")]
    InvalidEraLength,
    /// 6013
    #[msg("the referrer must be a real key")]
    InvalidReferrer,
}
