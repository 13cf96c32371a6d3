//! Miner: each kernel on one thread, the selected kernel on every thread, the best kernel's raw compression
//! limit, and the pool guide's Python loop (`bench/guide_reference.py`) in the same run for the ratio.

use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;
use trez_miner::bench as mb;
use trez_miner::kernels;

#[derive(Serialize)]
pub struct MinerResults {
    pub per_kernel_1_thread: Vec<(String, f64)>,
    pub selected: String,
    pub selected_1_thread: f64,
    pub selected_all_threads: f64,
    pub threads: usize,
    pub raw_limit: f64,
    pub python_reference: Option<f64>,
    /// Selected kernel, one thread ÷ the Python loop (target ≥ 50).
    pub vs_python: Option<f64>,
    /// Selected kernel, one thread ÷ raw limit (target ≥ 0.9).
    pub fraction_of_limit: f64,
    /// All threads ÷ one thread (target ≥ 1.8 on an idle 2-core machine).
    pub thread_scaling: f64,
    pub load_avg_1m: Option<f64>,
}

/// Seconds per measurement.
const SECS: f64 = 2.0;

fn python(seconds: f64) -> Result<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/guide_reference.py");
    let out = std::process::Command::new("python3").arg(script).arg(seconds.to_string()).output().context("running python3")?;
    anyhow::ensure!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    v["nonces_per_sec"].as_f64().context("no nonces_per_sec")
}

pub fn run() -> Result<MinerResults> {
    println!("\n== miner (nonces/s; {SECS} s each) ==");
    let dur = Duration::from_secs_f64(SECS);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let best = kernels::best();
    let mut per_kernel = vec![];
    for k in kernels::available() {
        let r = mb::rate(k, 1, dur);
        println!("  {:<16} 1 thread   {:>8.2} M/s", k.name(), r / 1e6);
        per_kernel.push((k.name().to_string(), r));
    }
    let one = per_kernel.iter().find(|(n, _)| n == best.name()).map(|(_, r)| *r).unwrap_or(0.0);
    let raw = mb::raw_limit(best, dur);
    let all = mb::rate(best, threads, dur);
    let py = match python(SECS) {
        Ok(p) => Some(p),
        Err(e) => {
            println!("  python reference unavailable: {e:#}");
            None
        }
    };
    let load = crate::load_avg();
    let r = MinerResults {
        per_kernel_1_thread: per_kernel,
        selected: best.name().into(),
        selected_1_thread: one,
        selected_all_threads: all,
        threads,
        raw_limit: raw,
        python_reference: py,
        vs_python: py.map(|p| one / p),
        fraction_of_limit: one / raw,
        thread_scaling: all / one,
        load_avg_1m: load,
    };
    println!("  {:<16} {} threads  {:>8.2} M/s", best.name(), threads, all / 1e6);
    println!("  raw limit ({})     {:>8.2} M/s", best.name(), raw / 1e6);
    if let Some(p) = py {
        println!("  guide Python loop          {:>8.3} M/s", p / 1e6);
    }
    println!(
        "  ratios: selected/Python {:.0}× (target ≥ 50) · selected/raw limit {:.2} (target ≥ 0.9) · {} threads/1 thread {:.2} (target ≥ 1.8 idle; load {:?})",
        r.vs_python.unwrap_or(0.0),
        r.fraction_of_limit,
        threads,
        r.thread_scaling,
        load
    );
    Ok(r)
}
