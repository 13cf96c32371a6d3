//! Instructions, one file each: args, accounts, checks, handler. `admin.rs` groups the four one-field admin
//! setters, which share one accounts struct.
pub mod admin;
pub mod begin_credit;
pub mod claim;
pub mod claim_stranded;
pub mod credit_batch;
pub mod initialize_pool;
pub mod mark_stranded;
pub mod payout;
pub mod register_member;
pub mod register_trez_miner;
pub mod submit_solution;
pub mod withdraw_fees;

pub use admin::*;
pub use begin_credit::*;
pub use claim::*;
pub use claim_stranded::*;
pub use credit_batch::*;
pub use initialize_pool::*;
pub use mark_stranded::*;
pub use payout::*;
pub use register_member::*;
pub use register_trez_miner::*;
pub use submit_solution::*;
pub use withdraw_fees::*;
