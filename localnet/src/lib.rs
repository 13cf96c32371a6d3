//! # trez-localnet: the whole pool on an embedded chain
//!
//! Kept out of the production relayer (`trez-relayer` does not depend on `solana-program-test` or the
//! miner):
//! - [`embedded`]: `EmbeddedChain`, the relayer's `ChainClient` over an in-process `solana-program-test` bank
//!   with both programs as native processors and the real SPL Token / ATA programs;
//! - [`serve`]: that bank served as Solana JSON-RPC and PubSub, so outside tools, `trez-relayer run` and
//!   `trez-relayer audit` reach it as they would a validator;
//! - [`wallet_rpc`]: the JSON-RPC methods wallets and the money commands use (balances, airdrops, rent);
//! - [`run`]: `trez-localnet`: TREZ, the pool, the relayer and in-process miners in one command;
//! - [`soak`]: run `trez-relayer run` or `trez-localnet` for a while under load and measure what must stay flat.

mod args;
pub mod embedded;
mod finish;
mod run;
pub mod serve;
pub mod soak;
pub mod wallet_rpc;

pub use args::{Finished, LocalnetArgs, RoundSummary, Summary};
pub use run::run;
