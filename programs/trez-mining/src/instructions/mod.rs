//! Instructions, one file each: args, accounts, checks, handler.
pub mod claim_reward;
pub mod initialize;
pub mod register_miner;
pub mod set_params;
pub mod set_referrer;

pub use claim_reward::*;
pub use initialize::*;
pub use register_miner::*;
pub use set_params::*;
pub use set_referrer::*;
