//! Accounts, one file each.
pub mod miner_data;
#[allow(clippy::module_inception)] // `state::state`: the TREZ `State` account, as the guide names it
pub mod state;
pub use miner_data::*;
pub use state::*;
