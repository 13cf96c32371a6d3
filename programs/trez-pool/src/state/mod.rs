//! Accounts, one file each.
pub mod member;
pub mod pool;
pub mod round;
pub mod stranded_claim;

pub use member::*;
pub use pool::*;
pub use round::*;
pub use stranded_claim::*;
