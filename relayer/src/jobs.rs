//! Work the relayer hands out: the current TREZ template (from the chain watcher, or a test), epochs, and
//! disjoint nonce ranges.
//!
//! Each publish of a new challenge starts a new epoch. Connections take ranges of 2^[`RANGE_BITS`] nonces
//! from a counter that belongs to the challenge: while a challenge is open (even across epochs that only
//! change the network difficulty) no range is handed out twice. The counter starts at a random one of the
//! 2^24 ranges (and wraps), so a restarted relayer does not hand out again the ranges its previous run gave
//! for the same challenge: work miners did before the restart stays valid instead of coming back as
//! duplicates (the crash test measured this). Two runs collide only if their random starts fall within the
//! number of ranges granted, about grants / 2^24.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Nonces per connection range: 2^40 (about 6.8 hours at 45 M nonces/s); 2^24 ranges per challenge.
pub const RANGE_BITS: u32 = 40;

/// The TREZ work of the moment, as the chain watcher reads it from the TREZ `State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    pub challenge: [u8; 32],
    pub block_count: u64,
    /// TREZ `difficulty_high`, bits.
    pub network_bits: u32,
    /// The pool authority PDA (the miner key in every digest).
    pub miner_key: [u8; 32],
}

/// A published template with its epoch and range allocator.
#[derive(Debug)]
pub struct Work {
    pub epoch: u64,
    pub template: Template,
    pub published: Instant,
    ranges: Arc<Ranges>,
}

/// Ranges per challenge: 2^(64 − RANGE_BITS).
const RANGES: u64 = 1 << (64 - RANGE_BITS);

/// One challenge's range allocator (grant `i` is range number `(first + i) mod 2^24`) and the moment a
/// different challenge replaced it. Shared by every epoch of the challenge.
#[derive(Debug)]
struct Ranges {
    first: u64,
    granted: AtomicU64,
    replaced: OnceLock<Instant>,
}

impl Ranges {
    fn starting_at(first: u64) -> Arc<Ranges> {
        Arc::new(Ranges { first: first % RANGES, granted: AtomicU64::new(0), replaced: OnceLock::new() })
    }
    fn random() -> Arc<Ranges> {
        Ranges::starting_at(rand::random::<u64>())
    }
}

impl Work {
    /// Whether a share for this work is stale: its challenge was replaced by a different one more than
    /// `grace` ago. The grace runs from that replacement, once: later challenges do not restart it.
    pub fn stale(&self, grace: Duration) -> bool {
        self.ranges.replaced.get().is_some_and(|at| at.elapsed() > grace)
    }

    /// The next unused nonce range `[start, end)` of this challenge, or `None` when all 2^24 are taken.
    pub fn next_range(&self) -> Option<(u64, u64)> {
        let i = self.ranges.granted.fetch_add(1, Ordering::Relaxed);
        if i >= RANGES {
            return None;
        }
        let start = ((self.ranges.first + i) % RANGES) << RANGE_BITS;
        // The last range ends at u64::MAX (exclusive), giving up that one nonce.
        Some((start, start.saturating_add(1u64 << RANGE_BITS)))
    }
}

/// The publishing side: the chain watcher (or a test) calls [`JobSource::publish`]; sessions watch
/// [`JobSource::subscribe`].
#[derive(Clone)]
pub struct JobSource {
    tx: Arc<watch::Sender<Option<Arc<Work>>>>,
}

impl Default for JobSource {
    fn default() -> Self {
        Self::new()
    }
}

impl JobSource {
    pub fn new() -> Self {
        let (tx, _) = watch::channel(None);
        JobSource { tx: Arc::new(tx) }
    }

    /// Publish a template. A changed challenge or block_count starts a new epoch with fresh ranges; a change
    /// of network difficulty alone starts a new epoch that keeps the challenge's range counter. Publishing
    /// the same template again does nothing. Returns whether anything changed.
    pub fn publish(&self, template: Template) -> bool {
        let current = self.tx.borrow().clone();
        let (epoch, ranges) = match &current {
            Some(w) if w.template == template => return false,
            Some(w) if w.template.challenge == template.challenge && w.template.block_count == template.block_count => {
                (w.epoch + 1, w.ranges.clone())
            }
            Some(w) => {
                let _ = w.ranges.replaced.set(Instant::now());
                (w.epoch + 1, Ranges::random())
            }
            None => (1, Ranges::random()),
        };
        let work = Arc::new(Work { epoch, template, published: Instant::now(), ranges });
        self.tx.send_replace(Some(work));
        true
    }

    /// A receiver of the current work (None before the first publish).
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<Work>>> {
        self.tx.subscribe()
    }

    /// The current work.
    pub fn current(&self) -> Option<Arc<Work>> {
        self.tx.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn t(c: u8, bc: u64, bits: u32) -> Template {
        Template { challenge: [c; 32], block_count: bc, network_bits: bits, miner_key: [9; 32] }
    }

    #[test]
    fn ranges_are_disjoint_and_never_reused_while_the_challenge_is_open() {
        let src = JobSource::new();
        assert!(src.publish(t(1, 0, 20)));
        let w1 = src.current().unwrap();
        let a = w1.next_range().unwrap();
        let b = w1.next_range().unwrap();
        assert_eq!(a.1 - a.0, 1 << RANGE_BITS);
        assert!(b.0 == a.1 || (a.1 == u64::MAX && b.0 == 0), "consecutive, or wrapped to 0");
        // Same challenge, new network difficulty: new epoch, same counter.
        assert!(src.publish(t(1, 0, 21)));
        let w2 = src.current().unwrap();
        assert_eq!(w2.epoch, 2);
        assert_eq!(w2.next_range().unwrap().0, b.1);
        // Republishing the same template is a no-op.
        assert!(!src.publish(t(1, 0, 21)));
        // New challenge: a fresh counter at a new random start.
        assert!(src.publish(t(2, 1, 21)));
        assert_eq!(src.current().unwrap().ranges.granted.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_restart_starts_elsewhere() {
        // Two allocators for the same challenge (a relayer and its restart) start at different ranges.
        let firsts: std::collections::HashSet<u64> = (0..64).map(|_| Ranges::random().first).collect();
        assert!(firsts.len() > 60, "random starts collide: {}", firsts.len());
    }

    proptest::proptest! {
        /// Any interleaving of range grants and republishes (same challenge, new network difficulty) never
        /// hands out overlapping ranges while the challenge is open.
        #[test]
        fn ranges_never_overlap(ops in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(None), (8u32..40).prop_map(Some)], 1..300)) {
            use proptest::prelude::*;
            let src = JobSource::new();
            src.publish(t(1, 0, 20));
            let mut granted: Vec<(u64, u64)> = vec![];
            for op in ops {
                match op {
                    None => granted.push(src.current().unwrap().next_range().unwrap()),
                    Some(bits) => { src.publish(t(1, 0, bits)); }
                }
            }
            granted.sort();
            for pair in granted.windows(2) {
                prop_assert!(pair[0].1 <= pair[1].0, "overlap: {:?} and {:?}", pair[0], pair[1]);
            }
            for (a, b) in &granted {
                prop_assert!(a < b);
            }
        }
    }

    #[test]
    fn the_last_range_ends_at_u64_max_and_then_none() {
        // Starting at the last range: it ends at u64::MAX, the next wraps to 0, and after all 2^24, None.
        let w = Work { epoch: 1, template: t(1, 0, 20), published: Instant::now(), ranges: Ranges::starting_at(RANGES - 1) };
        let last = w.next_range().unwrap();
        assert_eq!(last, (u64::MAX - ((1 << RANGE_BITS) - 1), u64::MAX));
        assert_eq!(w.next_range().unwrap().0, 0);
        w.ranges.granted.store(RANGES, Ordering::Relaxed);
        assert_eq!(w.next_range(), None);
    }
}
