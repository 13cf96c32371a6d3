//! # trez-relayer: the TREZ pool relayer
//!
//! Tokio tasks with one job each, joined by channels, under one shutdown signal (see `../shared/DESIGN.md`):
//! - [`server`]: the miner-facing WebSocket server (accept loop, caps, bans) and one session per miner:
//!   handshake and auth ([`trez_protocol`]), jobs, share validation with [`trez_pow`] (never a client
//!   digest), durable acks, vardiff, rate limits;
//! - [`jobs`]: the job source fed by the chain watcher: templates, epochs, disjoint nonce ranges;
//! - [`ledger`]: the `Ledger` trait with typed states, and its SQLite backend (own thread, WAL, group commit);
//! - [`vardiff`]: per-connection share difficulty;
//! - [`chain`]: the `ChainClient` trait and its RPC implementation (the embedded one, and the embedded chain
//!   served as JSON-RPC, are in the `trez-localnet` crate, outside the production relayer);
//! - [`poolchain`]: the pool's accounts read from the chain, and the relayer's one way of sending;
//! - [`tasks`]: chain watcher, solution submitter, PPLNS settlement, payout crank (one file each);
//! - [`setup`]: TREZ (local chains) and pool creation; [`escrow`]: decoding transfers out of the escrow;
//! - [`pplns`]: the PPLNS window, split and merkle root;
//! - [`export`], [`audit`]: the published record and the audit over it; [`commands`]: the admin's and a
//!   member's money operations;
//! - [`http`]: JSON API, Prometheus metrics and the dashboard; [`pipeline`]: everything for one pool under one shutdown;
//! - [`config`]: the TOML/env/flag configuration; [`logging`]: log output and the shutdown signal;
//! - [`loadgen`]: a scripted WebSocket miner (the load generator of `trez-bench` and the kill -9 test).
//!
//! [`server::run`] and [`pipeline::Pipeline::start`] are the testable entry points: tests bind `127.0.0.1:0`
//! and call them with a shutdown signal.

pub mod audit;
pub mod chain;
pub mod commands;
pub mod config;
pub mod escrow;
pub mod export;
pub mod http;
pub mod jobs;
pub mod ledger;
pub mod loadgen;
pub mod logging;
pub mod metrics;
pub mod poolchain;
pub mod setup;
pub mod tasks;
pub mod pipeline;
pub mod pplns;
pub mod server;
pub mod vardiff;

pub use config::Config;
pub use jobs::{JobSource, Template};
pub use ledger::Ledger;
pub use ledger::Solution;
pub use server::{run, Shared};
