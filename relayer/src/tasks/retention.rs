//! Share retention: every hour, delete shares older than `[ledger] retention_days` that no round's window
//! holds ([`Ledger::prune_shares`]); the published record keeps every window share.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::ledger::{now_ms, Ledger};

/// How often the retention runs.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// One retention pass: prune shares older than `retention_days` (0: none). Returns how many went.
pub async fn prune_once(ledger: &dyn Ledger, retention_days: u64) -> Result<u64, crate::ledger::LedgerError> {
    if retention_days == 0 {
        return Ok(0);
    }
    let keep_ms = i64::try_from(retention_days.saturating_mul(86_400_000)).unwrap_or(i64::MAX);
    ledger.prune_shares(now_ms().saturating_sub(keep_ms)).await
}

/// The retention loop: a pass at start and every [`PRUNE_EVERY`] on the leading relayer (a follower checks
/// every minute). Returns when `cancel` fires.
pub async fn retain(ledger: Arc<dyn Ledger>, leader: Arc<super::leader::Leader>, retention_days: u64, cancel: CancellationToken) {
    if retention_days == 0 {
        return;
    }
    loop {
        if !leader.check().await {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
            continue;
        }
        match prune_once(&*ledger, retention_days).await {
            Ok(0) => {}
            Ok(n) => info!(shares = n, retention_days, "pruned settled shares past retention"),
            Err(e) => warn!(error = %e, "share retention failed; will retry"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}
