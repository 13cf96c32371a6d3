//! Rate limits of a session.

use std::time::Instant;

/// Token bucket: `rate` per second, burst `2 × rate`.
pub(super) struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(super) fn new(rate: u32) -> Self {
        TokenBucket { rate: rate as f64, tokens: rate as f64 * 2.0, last: Instant::now() }
    }
    pub(super) fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.rate * 2.0);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
