//! Instructions, one file each: args, accounts, checks, handler.
pub mod claim_reward;
pub mod initialize;
pub mod set_params;

pub use claim_reward::*;
pub use initialize::*;
pub use set_params::*;
