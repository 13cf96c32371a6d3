//! The chain watcher (TREZ `State` subscription with a polling fallback, feeding the job source) and the
//! keep-warm task for [`PoolChain::send`]'s blockhash and priority fee.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use trez_sdk::{pda, TrezState};

use crate::jobs::JobSource;
use crate::ledger::now_ms;
use crate::poolchain::{decode, PoolChain};

/// Chain watcher: publish the TREZ state as a template on every change (subscription), and poll as a
/// fallback. Returns when `cancel` fires.
pub async fn watch(pc: Arc<PoolChain>, jobs: JobSource, cancel: CancellationToken) {
    let mut sub = match pc.chain.subscribe_account(&pda::trez_state()).await {
        Ok(rx) => Some(rx),
        Err(e) => {
            warn!(error = %e, "TREZ state subscription failed; polling only");
            None
        }
    };
    let mut poll = tokio::time::interval(Duration::from_millis(pc.opts.poll_interval_ms.max(50)));
    let mut era = None;
    loop {
        let state = tokio::select! {
            _ = cancel.cancelled() => return,
            Some(acc) = async { match sub.as_mut() { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                decode::<TrezState>(&acc.data).ok()
            }
            _ = poll.tick() => pc.trez_state().await.ok(),
        };
        if let Some(s) = state {
            if era.replace(s.era) != Some(s.era) {
                info!(era = s.era, block_reward = s.reward, referral_bonus = s.referral_bonus, "TREZ era");
            }
            pc.last_template_ms.store(now_ms() as u64, Ordering::Relaxed);
            if jobs.publish(pc.template(&s)) {
                info!(block_count = s.block_count, difficulty = s.difficulty_high, "new TREZ work");
            }
        }
    }
}

/// Keep [`PoolChain::send`]'s blockhash and priority fee warm: at once whenever a send used the cached
/// blockhash, and every second (never more often than the TREZ state poll allows). Its own task, so an RPC
/// outage never holds up the chain watcher. Returns when `cancel` fires.
pub async fn keep_warm(pc: Arc<PoolChain>, cancel: CancellationToken) {
    let every = Duration::from_millis(pc.opts.poll_interval_ms.clamp(50, 1_000));
    loop {
        pc.warm().await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = pc.blockhash_used.notified() => {}
            _ = tokio::time::sleep(every) => {}
        }
    }
}
