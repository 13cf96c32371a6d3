//! The leader lease: with several relayers on one PostgreSQL ledger exactly one credits rounds, runs the
//! payout crank and prunes shares (README, "Scaling out"). The lease is the ledger's ([`Ledger::lead`]: a
//! session-level advisory lock, released by PostgreSQL when the holder's connection dies; SQLite, one relayer,
//! always leads). Every leader-only pass asks [`Leader::check`] first, which re-validates the lease; the
//! on-chain state those passes read before writing (`next_batch`, round status, members' `paid`) is the fence
//! that keeps a stale leader from crediting or paying twice: the program refuses a replayed batch and pays
//! only what is owed at execution.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::ledger::{now_ms, Ledger};

/// How often the lease loop re-checks (and a follower tries to take) the lease.
pub const LEASE_EVERY: Duration = Duration::from_secs(1);

/// This relayer's view of the lease, and of the other relayers.
pub struct Leader {
    ledger: Arc<dyn Ledger>,
    /// This relayer's id in the ledger's heartbeat table: process id and a random suffix.
    pub id: String,
    leading: AtomicBool,
    /// Relayers seen alive in the last 5 s, and the one that leads (from the last heartbeat).
    peers: std::sync::Mutex<(u64, Option<String>)>,
    /// Unix ms since which this relayer leads (0 when it does not).
    since_ms: AtomicI64,
}

impl Leader {
    pub fn new(ledger: Arc<dyn Ledger>) -> Arc<Leader> {
        let id = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
        Arc::new(Leader { ledger, id, leading: AtomicBool::new(false), peers: Default::default(), since_ms: AtomicI64::new(0) })
    }

    /// Re-validate (or try to take) the lease; returns whether this relayer leads now. A ledger error means
    /// not leading.
    pub async fn check(&self) -> bool {
        let now = match self.ledger.lead().await {
            Ok(l) => l,
            Err(e) => {
                warn!(error = %e, "leader lease unavailable");
                false
            }
        };
        let was = self.leading.swap(now, Ordering::SeqCst);
        if now && !was {
            self.since_ms.store(now_ms(), Ordering::SeqCst);
            info!(backend = self.ledger.backend(), "this relayer leads: crediting, payouts and retention run here");
        } else if !now && was {
            self.since_ms.store(0, Ordering::SeqCst);
            warn!("this relayer no longer leads");
        }
        now
    }

    /// Write this relayer's heartbeat (with whether it leads) and read back the live relayers.
    async fn heartbeat(&self) {
        match self.ledger.heartbeat(&self.id, self.leading()).await {
            Ok(p) => *self.peers.lock().unwrap_or_else(|e| e.into_inner()) = p,
            Err(e) => warn!(error = %e, "relayer heartbeat failed"),
        }
    }

    /// Relayers seen alive in the last 5 s (this one included) and the id of the one leading among them.
    pub fn peers(&self) -> (u64, Option<String>) {
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether the last check found this relayer leading.
    pub fn leading(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    /// Unix ms since which this relayer leads (None when it does not).
    pub fn since_ms(&self) -> Option<i64> {
        Some(self.since_ms.load(Ordering::SeqCst)).filter(|&t| t != 0)
    }
}

/// The lease loop: check and heartbeat every [`LEASE_EVERY`], so a follower takes over within about a
/// second of the leader's connection closing. Returns when `cancel` fires.
pub async fn lease(leader: Arc<Leader>, cancel: CancellationToken) {
    loop {
        leader.check().await;
        leader.heartbeat().await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(LEASE_EVERY) => {}
        }
    }
}
