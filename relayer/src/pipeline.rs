//! The whole relayer for one pool: the miner-facing server and the on-chain tasks (watcher, submitter,
//! settler, payout crank) under one shutdown. `run` (any RPC cluster) and `localnet` (embedded chain) both
//! start exactly this.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use trez_protocol::Key;

use crate::config::Config;
use crate::jobs::JobSource;
use crate::ledger::Ledger;
use crate::poolchain::PoolChain;
use crate::tasks::{leader, payouts, retention, rollup, settler, submitter, watcher};
use crate::server::{self, Shared};

/// A running relayer.
pub struct Pipeline {
    pub shared: Arc<Shared>,
    pub pc: Arc<PoolChain>,
    pub ledger: Arc<dyn Ledger>,
    /// This relayer's view of the leader lease.
    pub leader: Arc<leader::Leader>,
    pub addr: SocketAddr,
    /// Where the HTTP API listens, if started.
    pub api_addr: Option<SocketAddr>,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    server: JoinHandle<anyhow::Result<()>>,
}

impl Pipeline {
    /// Start serving miners on `listener`, the HTTP API on `api` (if any), and the on-chain loop for `pc`.
    pub async fn start(listener: TcpListener, api: Option<TcpListener>, config: Config, pc: Arc<PoolChain>, ledger: Arc<dyn Ledger>) -> anyhow::Result<Pipeline> {
        let addr = listener.local_addr()?;
        let jobs = JobSource::partitioned(config.server.relayer_index);
        let (sol_tx, sol_rx) = mpsc::channel(256);
        let retention_days = config.ledger.retention_days;
        let seed: [u8; 32] = pc.relayer.to_bytes()[..32].try_into()?;
        let shared = Shared::new(config, Key(pc.pool.to_bytes()), Key(pc.authority.to_bytes()), jobs.clone(), ledger.clone(), sol_tx, &seed);
        let cancel = CancellationToken::new();
        let lead = leader::Leader::new(ledger.clone());
        let mut tasks = vec![
            tokio::spawn(leader::lease(lead.clone(), cancel.clone())),
            tokio::spawn(watcher::watch(pc.clone(), jobs, cancel.clone())),
            tokio::spawn(watcher::keep_warm(pc.clone(), cancel.clone())),
            tokio::spawn(submitter::submit_solutions(pc.clone(), ledger.clone(), sol_rx, cancel.clone())),
            tokio::spawn(settler::settle(pc.clone(), ledger.clone(), lead.clone(), cancel.clone())),
            tokio::spawn(payouts::payouts(pc.clone(), ledger.clone(), lead.clone(), cancel.clone())),
            tokio::spawn(retention::retain(ledger.clone(), lead.clone(), retention_days, cancel.clone())),
            tokio::spawn(rollup::roll(ledger.clone(), lead.clone(), cancel.clone())),
        ];
        let api_addr = match api {
            Some(l) => {
                let addr = l.local_addr()?;
                let router = crate::http::router(crate::http::ApiState { shared: shared.clone(), pc: pc.clone(), ledger: ledger.clone(), leader: lead.clone() });
                let stop = cancel.clone();
                tasks.push(tokio::spawn(async move {
                    let _ = axum::serve(l, router).with_graceful_shutdown(async move { stop.cancelled().await }).await;
                }));
                Some(addr)
            }
            None => None,
        };
        let stop = cancel.clone();
        let server = tokio::spawn(server::run(listener, shared.clone(), async move { stop.cancelled().await }));
        Ok(Pipeline { shared, pc, ledger, leader: lead, addr, api_addr, cancel, tasks, server })
    }

    /// Stop accepting, answer in-flight submits, flush the ledger, stop the on-chain tasks.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.cancel.cancel();
        let r = self.server.await?;
        for t in self.tasks {
            let _ = t.await;
        }
        r
    }
}
