//! # trez-relayer: the TREZ pool relayer
//!
//! Tokio tasks with one job each, joined by channels, under one shutdown signal (see `../shared/DESIGN.md`):
//! - [`server`]: the miner-facing WebSocket server (accept loop, caps, bans) and one session per miner:
//!   handshake and auth ([`trez_protocol`]), jobs, share validation with [`trez_pow`] (never a client
//!   digest), durable acks, vardiff, rate limits;
//! - [`jobs`]: the job source fed by the chain watcher: templates, epochs, disjoint nonce ranges;
//! - [`ledger`]: rusqlite on its own thread, WAL, group commit; all SQL;
//! - [`vardiff`]: per-connection share difficulty;
//! - [`config`]: the TOML/env/flag configuration.
//!
//! [`server::run`] is the testable entry point: tests bind `127.0.0.1:0` and call it with a shutdown future.

pub mod api;
pub mod audit;
pub mod chain;
pub mod config;
pub mod export;
pub mod jobs;
pub mod ledger;
pub mod onchain;
pub mod pipeline;
#[cfg(feature = "localnet")]
pub mod localnet;
pub mod pplns;
pub mod server;
pub mod vardiff;

pub use config::Config;
pub use jobs::{JobSource, Template};
pub use ledger::Ledger;
pub use server::{run, Shared, Solution};
