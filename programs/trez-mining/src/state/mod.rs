//! Accounts, one file each.
#[allow(clippy::module_inception)] // `state::state`: the TREZ `State` account, as the guide names it
pub mod state;
pub use state::*;
