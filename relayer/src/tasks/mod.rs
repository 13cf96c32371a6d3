//! The relayer's background tasks (all but retention on-chain), one file each, wired together by `pipeline::Pipeline` under one
//! shutdown signal:
//! - [`watcher`]: the chain watcher feeding the job source, and the keep-warm of the send cache;
//! - [`submitter`]: lands found solutions (`submit_solution`) or records why they were lost;
//! - [`settler`]: PPLNS settlement of confirmed rounds (`begin_credit`, `credit_batch`), exactly once;
//! - [`payouts`]: the payout crank and the import of landed transfers to members;
//! - [`retention`]: hourly pruning of shares past `[ledger] retention_days` (window shares are kept);
//! - [`rollup`]: every 30 s, the dashboard's per-minute and per-hour share rollups;
//! - [`leader`]: the leader lease; settler, payouts, retention and rollups run only on the relayer that leads.

pub mod leader;
pub mod payouts;
pub mod retention;
pub mod rollup;
pub mod settler;
pub mod submitter;
pub mod watcher;
