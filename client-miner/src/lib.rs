//! # trez-miner: the TREZ pool miner
//!
//! - [`kernels`]: SHA-256 kernels picked at run time by measuring them (AVX-512 16-lane, SHA-NI 2/3/4-way,
//!   AVX2 8-lane, ARMv8 SHA-2 2/4-way, the `sha2` crate, portable), all on the per-job midstate; the only
//!   `unsafe` code is in `kernels/x86/` and `kernels/aarch64.rs`;
//! - [`engine`]: hashing on `std::thread` workers with disjoint strides and a stop check per chunk;
//! - [`client`]: the single async WebSocket task (auth, jobs, submits, acks, reconnect);
//! - [`selftest`], [`bench`]: the `selftest` and `bench` subcommands;
//! - [`keypair`]: Solana CLI JSON keypairs;
//! - [`receipts`]: the receipts file (`trez_protocol::receipts`), where accepted shares' receipts are kept.
//!
//! The binary `trez-miner` (`src/main.rs`) is a thin CLI over these; `trez-localnet` embeds
//! [`client::mine`] for its in-process miners.

pub mod bench;
pub mod client;
pub mod engine;
pub mod kernels;
pub mod keypair;
pub mod selftest;

pub use client::{mine, MinerConfig, MinerStats};
pub use keypair::Wallet;
pub use trez_protocol::receipts;
