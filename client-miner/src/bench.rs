//! `bench`: nonces/s of each kernel (one thread), of the selected kernel on N threads, and the raw compression
//! throughput of the best kernel, so the fraction of the machine's limit is visible. Ratios are taken in one
//! process and one run; absolute figures on a shared machine are noisy.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use trez_pow::Midstate;

use crate::kernels::{self, Kernel};

#[derive(Debug, Serialize)]
pub struct KernelRate {
    pub kernel: &'static str,
    pub threads: usize,
    pub nonces_per_sec: f64,
}

#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub per_kernel: Vec<KernelRate>,
    pub selected: KernelRate,
    /// Best kernel's bare compression throughput on one thread (two compressions per nonce, nothing else),
    /// nonces/s: the limit.
    pub raw_limit_nonces_per_sec: f64,
    /// Selected kernel on one thread / raw limit.
    pub fraction_of_limit: f64,
    /// Selected kernel on N threads / on one thread.
    pub thread_scaling: f64,
    pub load_avg_1m: Option<f64>,
}

fn bench_mid() -> Midstate {
    Midstate::new(&[0x5a; 32], &[0xa5; 32], 1234)
}

/// Nonces/s of `kernel` on `threads` threads for `dur`.
pub fn rate(kernel: Kernel, threads: usize, dur: Duration) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads.max(1))
        .map(|t| {
            let (stop, total) = (stop.clone(), total.clone());
            std::thread::spawn(move || {
                let mid = bench_mid();
                let mut found = Vec::new();
                let mut n = (t as u64) << 48;
                while !stop.load(Ordering::Relaxed) {
                    n += kernel.scan(&mid, n, 16 * 1024, 40, &mut found);
                    total.fetch_add(16 * 1024, Ordering::Relaxed);
                    found.clear();
                }
            })
        })
        .collect();
    std::thread::sleep(dur);
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    total.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The raw limit of `kernel` on one thread, nonces/s (its two compressions per nonce and nothing else).
pub fn raw_limit(kernel: Kernel, dur: Duration) -> f64 {
    let mid = bench_mid();
    let start = Instant::now();
    let mut nonces = 0u64;
    let mut sink = 0u32;
    while start.elapsed() < dur {
        sink ^= kernel.raw_compressions(&mid, 16 * 1024);
        nonces += 16 * 1024;
    }
    std::hint::black_box(sink);
    nonces as f64 / start.elapsed().as_secs_f64()
}

fn load_avg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

/// Run the benchmark: `seconds` per measurement, `threads` for the multi-thread figure.
pub fn run(seconds: f64, threads: usize) -> BenchReport {
    let dur = Duration::from_secs_f64(seconds.max(0.1));
    let best = kernels::best();
    let per_kernel: Vec<KernelRate> = kernels::available()
        .into_iter()
        .map(|k| KernelRate { kernel: k.name(), threads: 1, nonces_per_sec: rate(k, 1, dur) })
        .collect();
    let one = per_kernel.iter().find(|r| r.kernel == best.name()).map(|r| r.nonces_per_sec).unwrap_or(0.0);
    let raw = raw_limit(best, dur);
    let many = rate(best, threads, dur);
    BenchReport {
        selected: KernelRate { kernel: best.name(), threads, nonces_per_sec: many },
        per_kernel,
        raw_limit_nonces_per_sec: raw,
        fraction_of_limit: if raw > 0.0 { one / raw } else { 0.0 },
        thread_scaling: if one > 0.0 { many / one } else { 0.0 },
        load_avg_1m: load_avg(),
    }
}

/// A human-readable table.
pub fn table(r: &BenchReport) -> String {
    let mut s = String::from("kernel            threads   M nonces/s\n");
    for k in &r.per_kernel {
        s += &format!("{:<17} {:>7} {:>12.2}\n", k.kernel, k.threads, k.nonces_per_sec / 1e6);
    }
    s += &format!("{:<17} {:>7} {:>12.2}   (selected)\n", r.selected.kernel, r.selected.threads, r.selected.nonces_per_sec / 1e6);
    s += &format!("raw limit (1 thread, {}): {:.2} M nonces/s\n", r.selected.kernel, r.raw_limit_nonces_per_sec / 1e6);
    s += &format!("selected / raw limit: {:.3}\n", r.fraction_of_limit);
    s += &format!("{} threads / 1 thread: {:.2}x", r.selected.threads, r.thread_scaling);
    if let Some(l) = r.load_avg_1m {
        s += &format!("   (1-min load average during the run: {l:.2})");
    }
    s
}
