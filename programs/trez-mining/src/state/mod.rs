//! Accounts, one file each.
pub mod state;
pub use state::*;
