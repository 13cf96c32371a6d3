//! Vardiff: per-connection share difficulty aiming at a target share rate, with hysteresis.
//!
//! Every `retarget_secs` the observed rate `r` (shares/min) is compared with the target `T`. Within
//! `[T / tolerance, T × tolerance]` nothing changes. Outside, the difficulty moves by `round(log2(r / T))` bits
//! (at most 4 per step; −2 when no share came at all), clamped to `[min_bits, max_bits]`. A change applies to
//! the next job only; shares of jobs already issued are judged at the difficulty they were issued with.
//! A connection far above target (a fresh fast miner) is retargeted early, after 250 ms
//! ([`Vardiff::retarget_early`]).

use std::time::{Duration, Instant};

use crate::config::VardiffConfig;

/// Largest change in one retarget, bits.
pub const MAX_STEP_BITS: i64 = 4;
/// How far above the target (beyond the tolerance) a connection must be for an early retarget.
pub const EARLY_FACTOR: f64 = 4.0;
/// The earliest an early retarget may happen in a window.
pub const EARLY_AFTER: Duration = Duration::from_millis(250);

#[derive(Clone, Debug)]
pub struct Vardiff {
    bits: u32,
    window_start: Instant,
    shares: u32,
    cfg: VardiffConfig,
}

impl Vardiff {
    pub fn new(cfg: &VardiffConfig, now: Instant) -> Self {
        Vardiff { bits: cfg.initial_bits, window_start: now, shares: 0, cfg: cfg.clone() }
    }

    /// Current share difficulty, bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Count an accepted share.
    pub fn on_share(&mut self) {
        self.shares = self.shares.saturating_add(1);
    }

    /// Re-evaluate if the window is over; returns the new difficulty when it changed.
    pub fn retarget(&mut self, now: Instant) -> Option<u32> {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed < Duration::from_secs(self.cfg.retarget_secs.max(1)) {
            return None;
        }
        self.apply(now, elapsed)
    }

    /// Called after each accepted share: retarget before the window is over when, after [`EARLY_AFTER`],
    /// the connection already sent more than [`EARLY_FACTOR`] × tolerance × the expected shares (a fresh fast
    /// miner would otherwise hit the rate limit for a whole window).
    pub fn retarget_early(&mut self, now: Instant) -> Option<u32> {
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed < EARLY_AFTER {
            return None;
        }
        let expected = self.cfg.target_shares_per_min * elapsed.as_secs_f64() / 60.0;
        if (self.shares as f64) <= (expected * self.cfg.tolerance * EARLY_FACTOR).max(8.0) {
            return None;
        }
        self.apply(now, elapsed)
    }

    fn apply(&mut self, now: Instant, elapsed: Duration) -> Option<u32> {
        let minutes = elapsed.as_secs_f64() / 60.0;
        let rate = self.shares as f64 / minutes;
        let target = self.cfg.target_shares_per_min;
        self.window_start = now;
        self.shares = 0;
        let step: i64 = if rate == 0.0 {
            -2
        } else if rate > target * self.cfg.tolerance || rate < target / self.cfg.tolerance {
            ((rate / target).log2().round() as i64).clamp(-MAX_STEP_BITS, MAX_STEP_BITS)
        } else {
            0
        };
        let next = (self.bits as i64 + step).clamp(self.cfg.min_bits as i64, self.cfg.max_bits as i64) as u32;
        (next != self.bits).then(|| {
            self.bits = next;
            next
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> VardiffConfig {
        VardiffConfig { initial_bits: 16, min_bits: 8, max_bits: 24, target_shares_per_min: 20.0, retarget_secs: 30, tolerance: 2.0 }
    }

    fn after(v: &mut Vardiff, t0: Instant, shares: u32, secs: u64) -> Option<u32> {
        for _ in 0..shares {
            v.on_share();
        }
        v.retarget(t0 + Duration::from_secs(secs))
    }

    #[test]
    fn table() {
        // (shares in 60 s, expected bits after, from 16)
        let cases = [(20, 16), (39, 16), (11, 16), (80, 18), (160, 19), (5, 14), (0, 14), (100_000, 20)];
        for (shares, want) in cases {
            let t0 = Instant::now();
            let mut v = Vardiff::new(&cfg(), t0);
            after(&mut v, t0, shares, 60);
            assert_eq!(v.bits(), want, "{shares} shares/min");
        }
    }

    #[test]
    fn early_retarget_only_for_far_too_fast_connections() {
        let t0 = Instant::now();
        let mut v = Vardiff::new(&cfg(), t0);
        for _ in 0..8 {
            v.on_share();
        }
        assert_eq!(v.retarget_early(t0 + Duration::from_secs(2)), None, "8 shares in 2 s at 20/min: not yet");
        for _ in 0..200 {
            v.on_share();
        }
        assert_eq!(v.retarget_early(t0 + Duration::from_millis(100)), None, "too early in the window: wait");
        let up = v.retarget_early(t0 + Duration::from_secs(2)).expect("raised early");
        assert!(up > 16);
    }

    #[test]
    fn waits_for_the_window_and_clamps() {
        let t0 = Instant::now();
        let mut v = Vardiff::new(&cfg(), t0);
        assert_eq!(after(&mut v, t0, 1000, 10), None, "window not over");
        let mut v = Vardiff::new(&VardiffConfig { initial_bits: 23, ..cfg() }, t0);
        assert_eq!(after(&mut v, t0, 100_000, 60), Some(24));
        let mut v = Vardiff::new(&VardiffConfig { initial_bits: 9, ..cfg() }, t0);
        assert_eq!(after(&mut v, t0, 0, 60), Some(8));
    }
}
