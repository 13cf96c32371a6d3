//! Accounts, one file each.
pub mod member;
pub mod pool;
pub mod round;

pub use member::*;
pub use pool::*;
pub use round::*;
