//! Process-wide latency histograms (Prometheus), observed where the work happens and exported by `/metrics`
//! next to the counters and gauges the API reads from the pool's state.
//!
//! | metric | what one observation is (seconds) |
//! |---|---|
//! | `trez_share_validation_seconds` | a submit's checks and its SHA-256 at pool difficulty, before the ledger |
//! | `trez_share_ack_seconds` | a valid submit received → its share durable in the ledger (the ack is sent at once) |
//! | `trez_ledger_commit_seconds` | one group commit of shares (one SQLite transaction) |
//! | `trez_solution_submit_seconds` | the submitter picks up a solution → `submit_solution` confirmed (RPC included) |

use std::sync::LazyLock;

use prometheus::{exponential_buckets, Histogram, HistogramOpts, Registry};

/// The histograms; see the module table.
pub struct Latency {
    pub share_validation: Histogram,
    pub share_ack: Histogram,
    pub ledger_commit: Histogram,
    pub solution_submit: Histogram,
}

fn histogram(name: &str, help: &str, start: f64, factor: f64, count: usize) -> Histogram {
    let buckets = exponential_buckets(start, factor, count).unwrap_or_default();
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).unwrap_or_else(|_| {
        // Only reachable with an invalid name; the names above are constants.
        Histogram::with_opts(HistogramOpts::new("trez_invalid_histogram", "invalid")).expect("constant options")
    })
}

static LATENCY: LazyLock<Latency> = LazyLock::new(|| Latency {
    // 1 µs … ~0.26 s
    share_validation: histogram("trez_share_validation_seconds", "Share checks and proof-of-work verification", 1e-6, 4.0, 10),
    // 50 µs … ~10 s
    share_ack: histogram("trez_share_ack_seconds", "Valid submit received to durable ack", 5e-5, 3.0, 12),
    ledger_commit: histogram("trez_ledger_commit_seconds", "One group commit of shares", 5e-5, 3.0, 12),
    // 1 ms … ~60 s
    solution_submit: histogram("trez_solution_submit_seconds", "Solution picked up to submit_solution confirmed", 1e-3, 3.0, 11),
});

/// The process's histograms.
pub fn latency() -> &'static Latency {
    &LATENCY
}

/// Add the histograms to a registry being gathered.
pub fn register(reg: &Registry) {
    let l = latency();
    for h in [&l.share_validation, &l.share_ack, &l.ledger_commit, &l.solution_submit] {
        let _ = reg.register(Box::new(h.clone()));
    }
}
