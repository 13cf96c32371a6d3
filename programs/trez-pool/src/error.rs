//! Error codes of the pool program. Append-only: the numbers (6000 + index) are ABI.
use anchor_lang::prelude::*;

#[error_code]
pub enum PoolError {
    /// 6000
    #[msg("signer is not the pool admin")]
    NotAdmin,
    /// 6001
    #[msg("signer is not the pool relayer")]
    NotRelayer,
    /// 6002
    #[msg("max_fee_bps above the 1000 bps cap")]
    MaxFeeTooHigh,
    /// 6003
    #[msg("fee_bps above the pool's max_fee_bps")]
    FeeAboveMax,
    /// 6004
    #[msg("fee timelock must be zero or positive seconds")]
    InvalidTimelock,
    /// 6005
    #[msg("no fee change is pending")]
    NoPendingFee,
    /// 6006
    #[msg("the fee change's timelock has not elapsed")]
    FeeTimelockNotElapsed,
    /// 6007
    #[msg("amount exceeds the accrued, unwithdrawn fees")]
    InsufficientFees,
    /// 6008
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    /// 6009
    #[msg("arithmetic overflow")]
    Overflow,
    /// 6010
    #[msg("the solution brought no reward into escrow")]
    NoReward,
    /// 6011
    #[msg("round is not in the Submitted state")]
    RoundNotSubmitted,
    /// 6012
    #[msg("round is not in the Crediting state")]
    RoundNotCrediting,
    /// 6013
    #[msg("batch index is not the round's next batch")]
    InvalidBatchIndex,
    /// 6014
    #[msg("credits would exceed the round's reward minus fee")]
    OverCredit,
    /// 6015
    #[msg("leaf count invalid for this round")]
    InvalidLeafCount,
    /// 6016
    #[msg("more leaves credited than the round's leaf count")]
    TooManyLeaves,
    /// 6017
    #[msg("amounts and member accounts differ in number")]
    AccountsMismatch,
    /// 6018
    #[msg("batch is empty or larger than the per-transaction limit")]
    InvalidBatchSize,
    /// 6019
    #[msg("account is not a Member of this pool")]
    InvalidMember,
    /// 6020
    #[msg("members must be unique and in ascending wallet order")]
    DuplicateMember,
    /// 6021
    #[msg("account must be writable")]
    AccountNotWritable,
    /// 6022
    #[msg("destination token account is not owned by the member's wallet")]
    DestinationOwnerMismatch,
    /// 6023
    #[msg("token account is not of the pool's mint")]
    MintMismatch,
    /// 6024
    #[msg("mint has an extension the pool refuses (transfer fee, transfer hook, permanent delegate, ...)")]
    UnsupportedMintExtension,
    /// 6025
    #[msg("pool invariant violated")]
    InvariantViolated,
    /// 6026
    #[msg("nothing to claim")]
    NothingToClaim,
    /// 6027
    #[msg("the pool authority cannot be a member")]
    AuthorityCannotBeMember,
    /// 6028
    #[msg("the round's crediting ended short of its leaf count")]
    LeafCountMismatch,
    /// 6029
    #[msg("pplns_factor must be positive")]
    InvalidPplnsFactor,
    /// 6030
    #[msg("strand_timeout_slots below the 10-slot minimum")]
    InvalidStrandTimeout,
    /// 6031
    #[msg("the round's strand timeout has not passed")]
    StrandTimeoutNotReached,
    /// 6032
    #[msg("the pool has no credited round to fall back to")]
    NoCreditedRound,
    /// 6033
    #[msg("account is not the Round of the pool's last credited block")]
    InvalidFallbackRound,
    /// 6034
    #[msg("round is not in the Stranded state")]
    RoundNotStranded,
    /// 6035
    #[msg("merkle proof does not show this leaf in the round's leaves")]
    InvalidProof,
    /// 6036
    #[msg("this wallet already claimed this stranded round")]
    AlreadyClaimed,
}
