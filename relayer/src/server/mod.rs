//! The miner-facing server, in rooms:
//! - this file: the accept loop with connection caps and bans ([`run`]), shared state and counters;
//! - `ws`: the WebSocket transport (handshake, writer task with its write timeout, bounded drain);
//! - [`session`]: one miner's protocol over any transport ([`Inbound`] frames in, [`Outbound`] frames out);
//!   [`transport`] defines the frames and runs a session over channels ([`session_in_memory`]), no socket;
//! - [`validate`]: the pure share check; `limits`: token buckets.
//!
//! A second transport (a Stratum-style TCP listener) is one more file beside `ws`, feeding the same session.

mod limits;
pub mod session;
pub mod transport;
pub mod validate;
mod ws;

pub use transport::{session_in_memory, Inbound, Outbound};

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};
use trez_protocol::{ErrorCode, Key, RejectReason};

use crate::config::Config;
use crate::jobs::JobSource;
use crate::ledger::Ledger;

/// A block-meeting share, durable in the ledger (`solutions` row, status `pending`), handed to the solution
/// submitter.
use crate::ledger::Solution;

/// Counters for logs, the API and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub authorized: AtomicU64,
    pub accepted: AtomicU64,
    pub blocks: AtomicU64,
    rejected: [AtomicU64; RejectReason::ALL.len()],
    /// Rejected shares per authenticated wallet and reason since start (at most [`MAX_TRACKED_WALLETS`]).
    by_wallet: Mutex<HashMap<[u8; 32], [u64; RejectReason::ALL.len()]>>,
}

/// Most wallets whose rejects are counted one by one (memory bound; pool-wide counters always count).
pub const MAX_TRACKED_WALLETS: usize = 100_000;

impl Stats {
    pub fn rejected(&self, r: RejectReason) -> u64 {
        self.rejected[r as usize].load(Ordering::Relaxed)
    }
    /// `wallet`'s rejected shares by reason since the relayer started (zeros when never rejected).
    pub fn rejected_for(&self, wallet: &[u8; 32]) -> [u64; RejectReason::ALL.len()] {
        self.by_wallet.lock().unwrap_or_else(|e| e.into_inner()).get(wallet).copied().unwrap_or_default()
    }
    fn reject(&self, r: RejectReason, wallet: Option<&[u8; 32]>) {
        self.rejected[r as usize].fetch_add(1, Ordering::Relaxed);
        if let Some(w) = wallet {
            let mut m = self.by_wallet.lock().unwrap_or_else(|e| e.into_inner());
            if m.len() < MAX_TRACKED_WALLETS || m.contains_key(w) {
                m.entry(*w).or_default()[r as usize] += 1;
            }
        }
    }
}

/// State shared by every session.
pub struct Shared {
    pub config: Config,
    /// Pool account address (bound into auth).
    pub pool: Key,
    /// Pool authority PDA (the miner key of every job).
    pub authority: Key,
    pub jobs: JobSource,
    pub ledger: Arc<dyn Ledger>,
    pub solutions: mpsc::Sender<Solution>,
    /// Signs a receipt for every accepted share (the pool's relayer key).
    pub receipts: trez_protocol::ReceiptSigner,
    pub stats: Stats,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    bans: Mutex<HashMap<IpAddr, Instant>>,
}

impl Shared {
    /// `relayer_secret`: the 32-byte ed25519 seed of the pool's relayer key, which signs receipts.
    pub fn new(
        config: Config,
        pool: Key,
        authority: Key,
        jobs: JobSource,
        ledger: Arc<dyn Ledger>,
        solutions: mpsc::Sender<Solution>,
        relayer_secret: &[u8; 32],
    ) -> Arc<Shared> {
        Arc::new(Shared {
            config,
            pool,
            authority,
            jobs,
            ledger,
            solutions,
            receipts: trez_protocol::ReceiptSigner::new(relayer_secret),
            stats: Stats::default(),
            per_ip: Mutex::new(HashMap::new()),
            bans: Mutex::new(HashMap::new()),
        })
    }

    fn banned(&self, ip: IpAddr) -> bool {
        let mut bans = self.bans.lock().unwrap_or_else(|e| e.into_inner());
        match bans.get(&ip) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                bans.remove(&ip);
                false
            }
            None => false,
        }
    }

    fn ban(&self, ip: IpAddr) {
        let now = Instant::now();
        let until = now + Duration::from_secs(self.config.server.ban_secs);
        let mut bans = self.bans.lock().unwrap_or_else(|e| e.into_inner());
        // Expired bans of addresses that never came back go here (memory stays bounded by live bans).
        if bans.len() >= 1_024 {
            bans.retain(|_, u| *u > now);
        }
        bans.insert(ip, until);
    }

    /// Count a connection from `ip`; false when the per-IP cap is reached.
    fn enter(&self, ip: IpAddr) -> bool {
        let mut m = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= self.config.server.max_connections_per_ip {
            return false;
        }
        *n += 1;
        true
    }

    fn leave(&self, ip: IpAddr) {
        let mut m = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&ip);
            }
        }
    }
}

/// Serve miners on `listener` until `shutdown` resolves; then stop accepting, let every session answer its
/// in-flight submits, flush the ledger and return.
pub async fn run(listener: TcpListener, shared: Arc<Shared>, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(shared.config.server.max_connections));
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_millis(10);
    info!(addr = %listener.local_addr()?, "relayer listening for miners");
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => { backoff = Duration::from_millis(10); x }
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let cancel = cancel.child_token();
        let permit = permits.clone().try_acquire_owned().ok();
        tracker.spawn(async move {
            let refusal = if permit.is_none() {
                Some(ErrorCode::TooManyConnections)
            } else if shared.banned(peer.ip()) {
                Some(ErrorCode::Banned)
            } else if !shared.enter(peer.ip()) {
                Some(ErrorCode::TooManyConnections)
            } else {
                None
            };
            match refusal {
                Some(code) => ws::refuse(stream, &shared, code).await,
                None => {
                    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
                    ws::serve(stream, peer, &shared, cancel).await;
                    shared.stats.connections.fetch_sub(1, Ordering::Relaxed);
                    shared.leave(peer.ip());
                }
            }
            drop(permit);
        });
    }
    info!("relayer shutting down: draining sessions");
    cancel.cancel();
    tracker.close();
    tracker.wait().await;
    shared.ledger.flush().await?;
    info!("relayer stopped; ledger flushed");
    Ok(())
}
