//! Miner: `trez-miner bench` (every kernel on one thread against the fastest kernel and an independent
//! `sha2::compress256` reference, the selected kernel on every thread) plus the pool guide's Python loop
//! (`bench/guide_reference.py`) in the same run, and the targets checked against those figures.

use anyhow::{Context, Result};
use serde::Serialize;
use trez_miner::bench::{self as mb, BenchReport};

#[derive(Serialize)]
pub struct MinerResults {
    pub report: BenchReport,
    pub python_reference: Option<f64>,
    /// Selected kernel, one thread ÷ the Python loop (target ≥ 50).
    pub vs_python: Option<f64>,
    /// Each target: (what, measured, target, met).
    pub targets: Vec<(String, f64, f64, bool)>,
}

/// Seconds per kernel (3 alternating rounds).
const SECS: f64 = 3.0;

fn python(seconds: f64) -> Result<f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/guide_reference.py");
    let out = std::process::Command::new("python3").arg(script).arg(seconds.to_string()).output().context("running python3")?;
    anyhow::ensure!(out.status.success(), "python3 failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    v["nonces_per_sec"].as_f64().context("no nonces_per_sec")
}

pub fn run() -> Result<MinerResults> {
    println!("\n== miner (nonces/s; {SECS} s per kernel in 3 alternating rounds) ==");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let report = mb::run(SECS, threads);
    for line in mb::table(&report).lines() {
        println!("  {line}");
    }
    let py = match python(SECS) {
        Ok(p) => {
            println!("  guide Python loop: {:.3} M nonces/s", p / 1e6);
            Some(p)
        }
        Err(e) => {
            println!("  python reference unavailable: {e:#}");
            None
        }
    };
    let vs_python = py.map(|p| report.selected_1_thread / p);
    let mut targets = vec![];
    if let Some(v) = vs_python {
        targets.push(("selected kernel / guide Python loop, 1 thread".to_string(), v, 50.0));
    }
    if let Some(x) = &report.sha_ni {
        targets.push((format!("SHA-NI picked ({}) / best interleave ({})", x.picked, x.best), x.picked_vs_best, 0.95));
    }
    if let Some(a) = report.avx2_vs_portable {
        targets.push(("avx2-8lane / portable".to_string(), a, 4.0));
    }
    targets.push((format!("{} threads / 1 thread (idle machine)", report.threads), report.thread_scaling, 1.8));
    let targets: Vec<(String, f64, f64, bool)> = targets.into_iter().map(|(what, got, want)| (what, got, want, got >= want)).collect();
    for (what, got, want, met) in &targets {
        println!("  target {what}: {got:.2} (≥ {want}) {}", if *met { "met" } else { "MISSED" });
    }
    Ok(MinerResults { report, python_reference: py, vs_python, targets })
}
