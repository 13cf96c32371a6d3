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
//!
//! Relayers sharing one ledger each get a partition ([`JobSource::partitioned`], `[server] relayer_index`):
//! relayer `i` hands out only the 2^16 ranges whose top 8 bits are `i`, so no two relayers ever give out
//! the same nonces for a challenge (the ledger's unique (challenge, nonce) key would refuse the second
//! anyway, but the miner's work would be wasted).

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

/// Bits of the range number that name a relayer's partition.
pub const PARTITION_BITS: u32 = 8;

/// One challenge's range allocator (grant `i` is range number `base + (first + i) mod span`: the whole
/// 2^24 for one relayer, or a relayer's 2^16 partition) and the moment a different challenge replaced it.
/// Shared by every epoch of the challenge.
#[derive(Debug)]
struct Ranges {
    base: u64,
    span: u64,
    first: u64,
    granted: AtomicU64,
    replaced: OnceLock<Instant>,
}

impl Ranges {
    fn in_partition(partition: Option<u8>, first: u64) -> Arc<Ranges> {
        let (base, span) = match partition {
            None => (0, RANGES),
            Some(i) => ((i as u64) << (64 - RANGE_BITS - PARTITION_BITS), RANGES >> PARTITION_BITS),
        };
        Arc::new(Ranges { base, span, first: first % span, granted: AtomicU64::new(0), replaced: OnceLock::new() })
    }
    #[cfg(test)]
    fn starting_at(first: u64) -> Arc<Ranges> {
        Ranges::in_partition(None, first)
    }
    fn random(partition: Option<u8>) -> Arc<Ranges> {
        Ranges::in_partition(partition, rand::random::<u64>())
    }
}

impl Work {
    /// Whether a share for this work is stale: its challenge was replaced by a different one more than
    /// `grace` ago. The grace runs from that replacement, once: later challenges do not restart it.
    pub fn stale(&self, grace: Duration) -> bool {
        self.ranges.replaced.get().is_some_and(|at| at.elapsed() > grace)
    }

    /// The next unused nonce range `[start, end)` of this challenge, or `None` when all of this relayer's
    /// ranges (2^24, or 2^16 in a partition) are taken.
    pub fn next_range(&self) -> Option<(u64, u64)> {
        let r = &self.ranges;
        let i = r.granted.fetch_add(1, Ordering::Relaxed);
        if i >= r.span {
            return None;
        }
        let start = (r.base + (r.first + i) % r.span) << RANGE_BITS;
        // The last range ends at u64::MAX (exclusive), giving up that one nonce.
        Some((start, start.saturating_add(1u64 << RANGE_BITS)))
    }
}

/// The publishing side: the chain watcher (or a test) calls [`JobSource::publish`]; sessions watch
/// [`JobSource::subscribe`].
#[derive(Clone)]
pub struct JobSource {
    tx: Arc<watch::Sender<Option<Arc<Work>>>>,
    partition: Option<u8>,
}

impl Default for JobSource {
    fn default() -> Self {
        Self::new()
    }
}

impl JobSource {
    /// A job source handing out any of the 2^24 ranges (one relayer).
    pub fn new() -> Self {
        Self::partitioned(None)
    }

    /// A job source handing out only the ranges of partition `index` (relayers sharing a ledger each use
    /// a distinct one; see the module docs).
    pub fn partitioned(index: Option<u8>) -> Self {
        let (tx, _) = watch::channel(None);
        JobSource { tx: Arc::new(tx), partition: index }
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
                (w.epoch + 1, Ranges::random(self.partition))
            }
            None => (1, Ranges::random(self.partition)),
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
        let firsts: std::collections::HashSet<u64> = (0..64).map(|_| Ranges::random(None).first).collect();
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
    fn partitions_of_different_relayers_never_overlap() {
        let mut all: Vec<(u8, u64, u64)> = vec![];
        for index in [0u8, 1, 7, 255] {
            let src = JobSource::partitioned(Some(index));
            src.publish(t(1, 0, 20));
            let w = src.current().unwrap();
            for _ in 0..50 {
                let (a, b) = w.next_range().unwrap();
                assert_eq!((a >> 56) as u8, index, "the top 8 bits name the relayer");
                all.push((index, a, b));
            }
            // A partition holds 2^16 ranges, then none.
            w.ranges.granted.store(1 << 16, Ordering::Relaxed);
            assert_eq!(w.next_range(), None);
        }
        all.sort_by_key(|x| x.1);
        for p in all.windows(2) {
            assert!(p[0].2 <= p[1].1, "{p:?}");
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
