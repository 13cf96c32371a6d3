//! `bench`: nonces/s of every kernel this CPU runs (one thread each), of the selected kernel on N threads,
//! and ratios that cannot read 1.0 by construction:
//! - each kernel against the **fastest kernel measured in the same run**;
//! - each kernel against an **independent reference**: two `sha2::compress256` calls per nonce (the RustCrypto
//!   `sha2` crate, SHA-NI or ARMv8 SHA-2 where present, one stream), with no filter;
//! - the SHA-NI interleave the picker chooses against the best SHA-NI interleave measured;
//! - AVX2 against portable; N threads against one.
//!
//! Kernels are measured in several alternating rounds and each keeps its best round, so a burst of load
//! on a shared machine costs every kernel alike. Absolute figures still depend on the machine's load, which
//! is reported; ratios taken in one run are what to compare.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use trez_pow::Midstate;

use crate::kernels::{self, Kernel};

/// How this binary was compiled (from the build script): the miner's speed depends on it.
#[derive(Clone, Debug, Serialize)]
pub struct Build {
    /// Cargo's `PROFILE` for this package: `release` for `--release` and profiles inheriting it, else `debug`.
    pub profile: &'static str,
    /// `opt-level` this package was compiled with (`0`..`3`, `s`, `z`).
    pub opt_level: &'static str,
    pub debug_assertions: bool,
}

impl Build {
    /// This binary's build.
    pub fn current() -> Build {
        Build { profile: env!("TREZ_MINER_PROFILE"), opt_level: env!("TREZ_MINER_OPT_LEVEL"), debug_assertions: cfg!(debug_assertions) }
    }

    /// A warning when the build is slower than the documented one (`cargo install --locked --path
    /// client-miner`, or `cargo build --release -p trez-miner`).
    pub fn warning(&self) -> Option<String> {
        let slow = self.opt_level != "3" || self.debug_assertions;
        slow.then(|| {
            format!(
                "this miner was built with opt-level {} and debug assertions {}: hashing is slower than in the release \
                 build; install it with `cargo install --locked --path client-miner`",
                self.opt_level,
                if self.debug_assertions { "on" } else { "off" }
            )
        })
    }
}

/// One kernel's rate.
#[derive(Debug, Serialize)]
pub struct KernelRate {
    pub kernel: &'static str,
    pub threads: usize,
    pub nonces_per_sec: f64,
    /// ÷ the fastest kernel of this run (one thread).
    pub vs_best: f64,
    /// ÷ the independent reference (two `sha2::compress256` per nonce, one thread).
    pub vs_reference: f64,
}

/// The SHA-NI interleave figures.
#[derive(Debug, Serialize)]
pub struct ShaNiFigure {
    /// The interleave the picker chooses among the SHA-NI kernels (a CPU without AVX-512 runs it).
    pub picked: &'static str,
    /// The fastest SHA-NI interleave in this run.
    pub best: &'static str,
    /// picked ÷ best, one thread (target ≥ 0.95).
    pub picked_vs_best: f64,
}

#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub build: Build,
    /// Every available kernel on one thread, in `Kernel::ALL` order.
    pub per_kernel: Vec<KernelRate>,
    /// The fastest kernel measured in this run.
    pub fastest: &'static str,
    /// The kernel `mine` uses (the picker's choice, measured at start-up).
    pub selected: &'static str,
    pub selected_1_thread: f64,
    pub threads: usize,
    pub selected_all_threads: f64,
    /// All threads ÷ one thread (target ≥ 1.8 on an idle 2-core machine).
    pub thread_scaling: f64,
    /// Two `sha2::compress256` per nonce, no filter, one thread: nonces/s.
    pub reference_nonces_per_sec: f64,
    /// The selected kernel's bare compressions without the filter and chunk loop, nonces/s: scan ÷ this is
    /// the cost of the filter and bookkeeping, not a limit.
    pub selected_raw_nonces_per_sec: f64,
    pub sha_ni: Option<ShaNiFigure>,
    /// AVX2 ÷ portable (target ≥ 4).
    pub avx2_vs_portable: Option<f64>,
    pub load_avg_1m: Option<f64>,
}

fn bench_mid() -> Midstate {
    Midstate::new(&[0x5a; 32], &[0xa5; 32], 1234)
}

/// Nonces per scan call: a multiple of every kernel width, so no nonce falls to the portable tail.
const STEP: u64 = 48 * 1024;

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
                    n += kernel.scan(&mid, n, STEP, 40, &mut found);
                    total.fetch_add(STEP, Ordering::Relaxed);
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

/// Bare compressions of `kernel` on one thread, nonces/s: its two compressions per nonce and nothing else.
pub fn raw_rate(kernel: Kernel, dur: Duration) -> f64 {
    let mid = bench_mid();
    let start = Instant::now();
    let mut nonces = 0u64;
    let mut sink = 0u32;
    while start.elapsed() < dur {
        sink ^= kernel.raw_compressions(&mid, STEP);
        nonces += STEP;
    }
    std::hint::black_box(sink);
    nonces as f64 / start.elapsed().as_secs_f64()
}

/// One-thread rates of `kernels`, measured in `rounds` alternating rounds of `dur / rounds` each; each
/// kernel keeps its best round.
pub fn rates_alternating(kernels: &[Kernel], dur: Duration, rounds: u32) -> Vec<f64> {
    let slice = dur / rounds.max(1);
    let mut best = vec![0.0f64; kernels.len()];
    for _ in 0..rounds.max(1) {
        for (b, k) in best.iter_mut().zip(kernels) {
            *b = b.max(rate(*k, 1, slice));
        }
    }
    best
}

fn load_avg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Run the benchmark: about `seconds` per kernel (in 3 alternating rounds), `threads` for the
/// multi-thread figure.
pub fn run(seconds: f64, threads: usize) -> BenchReport {
    let dur = Duration::from_secs_f64(seconds.max(0.3));
    let selected = kernels::best();
    let avail = kernels::available();
    let rates = rates_alternating(&avail, dur, 3);
    let reference = raw_rate(Kernel::Sha2Crate, dur);
    let top = rates.iter().cloned().fold(0.0, f64::max);
    let per_kernel: Vec<KernelRate> = avail
        .iter()
        .zip(&rates)
        .map(|(k, r)| KernelRate { kernel: k.name(), threads: 1, nonces_per_sec: *r, vs_best: ratio(*r, top), vs_reference: ratio(*r, reference) })
        .collect();
    let rate_of = |k: Kernel| avail.iter().position(|a| *a == k).map(|i| rates[i]);
    let fastest = avail.iter().zip(&rates).fold((Kernel::Portable, 0.0), |b, (k, r)| if *r > b.1 { (*k, *r) } else { b }).0;

    let sha_ni_family: Vec<Kernel> = [Kernel::ShaNi2, Kernel::ShaNi3, Kernel::ShaNi4].into_iter().filter(|k| k.available()).collect();
    let sha_ni = (!sha_ni_family.is_empty()).then(|| {
        let picked = kernels::fastest_of(&sha_ni_family, Duration::from_millis(30));
        let best = sha_ni_family.iter().copied().max_by(|a, b| rate_of(*a).unwrap_or(0.0).total_cmp(&rate_of(*b).unwrap_or(0.0))).unwrap_or(picked);
        ShaNiFigure { picked: picked.name(), best: best.name(), picked_vs_best: ratio(rate_of(picked).unwrap_or(0.0), rate_of(best).unwrap_or(0.0)) }
    });
    let avx2_vs_portable = rate_of(Kernel::Avx2).map(|a| ratio(a, rate_of(Kernel::Portable).unwrap_or(0.0)));

    let one = rate_of(selected).unwrap_or(0.0);
    let many = rate(selected, threads, dur);
    BenchReport {
        build: Build::current(),
        per_kernel,
        fastest: fastest.name(),
        selected: selected.name(),
        selected_1_thread: one,
        threads,
        selected_all_threads: many,
        thread_scaling: ratio(many, one),
        reference_nonces_per_sec: reference,
        selected_raw_nonces_per_sec: raw_rate(selected, dur),
        sha_ni,
        avx2_vs_portable,
        load_avg_1m: load_avg(),
    }
}

/// A human-readable table.
pub fn table(r: &BenchReport) -> String {
    let mut s = format!("build: profile {}, opt-level {}, debug assertions {}\n", r.build.profile, r.build.opt_level, r.build.debug_assertions);
    if let Some(w) = r.build.warning() {
        s += &format!("WARNING: {w}\n");
    }
    s += "kernel            threads   M nonces/s   vs fastest   vs sha2 reference\n";
    for k in &r.per_kernel {
        let mark = if k.kernel == r.selected { "   (selected)" } else { "" };
        s += &format!("{:<17} {:>7} {:>12.2} {:>12.3} {:>19.2}{mark}\n", k.kernel, k.threads, k.nonces_per_sec / 1e6, k.vs_best, k.vs_reference);
    }
    s += &format!("{:<17} {:>7} {:>12.2}   (selected, all threads)\n", r.selected, r.threads, r.selected_all_threads / 1e6);
    s += &format!("reference: 2 x sha2::compress256 per nonce, 1 thread, no filter: {:.2} M nonces/s\n", r.reference_nonces_per_sec / 1e6);
    s += &format!(
        "{} without filter or chunk loop: {:.2} M nonces/s (scan / bare = {:.3})\n",
        r.selected,
        r.selected_raw_nonces_per_sec / 1e6,
        ratio(r.selected_1_thread, r.selected_raw_nonces_per_sec)
    );
    if let Some(x) = &r.sha_ni {
        s += &format!("SHA-NI: picker chooses {}, fastest interleave here {}: {:.3} of it\n", x.picked, x.best, x.picked_vs_best);
    }
    if let Some(a) = r.avx2_vs_portable {
        s += &format!("avx2-8lane / portable: {a:.2}x\n");
    }
    s += &format!("{} threads / 1 thread: {:.2}x", r.threads, r.thread_scaling);
    if let Some(l) = r.load_avg_1m {
        s += &format!("   (1-min load average after the run: {l:.2})");
    }
    s
}
