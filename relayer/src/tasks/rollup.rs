//! The dashboard's rollups: every [`ROLL_EVERY`], fold the shares accepted more than [`GRACE`] ago into the
//! per-minute and per-hour tables ([`Ledger::roll_up`]; migration 0008 / PostgreSQL 0006). Off the share path:
//! a share's commit never touches a rollup. Reads add the shares not folded yet, so nothing waits on this.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::ledger::{now_ms, Ledger};

/// How often the rollup runs.
pub const ROLL_EVERY: Duration = Duration::from_secs(30);
/// Shares younger than this stay out of the rollup: a group commit stamps its shares before it commits, so a
/// share stamped before the watermark must have committed by the time the watermark passes it (a commit
/// stalled for longer would be left out of the dashboard's figures, never out of the ledger).
pub const GRACE_MS: i64 = 120_000;

/// The rollup loop on the leading relayer (a follower checks every [`ROLL_EVERY`]). Returns when `cancel`
/// fires.
pub async fn roll(ledger: Arc<dyn Ledger>, leader: Arc<super::leader::Leader>, cancel: CancellationToken) {
    loop {
        if leader.check().await {
            if let Err(e) = ledger.roll_up(now_ms() - GRACE_MS).await {
                warn!(error = %e, "share rollup failed; will retry");
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(ROLL_EVERY) => {}
        }
    }
}
