//! Error codes. Append-only: codes are ABI (clients match on them).
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
    #[msg("mint authority of the TREZ mint must be the program's mint_authority PDA")]
    InvalidMintAuthority,
    /// 6004
    #[msg("TREZ mint must have 6 decimals")]
    InvalidDecimals,
    /// 6005
    #[msg("arithmetic overflow")]
    Overflow,
    /// 6006
    #[msg("signer is not the admin")]
    Unauthorized,
    /// 6007
    #[msg("referrer token account belongs to the miner")]
    SelfReferral,
    /// 6008
    #[msg("mint is not the TREZ mint of the State")]
    InvalidMint,
}
