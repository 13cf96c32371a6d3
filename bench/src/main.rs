//! `trez-bench`: every benchmark in one command, as ratios taken in one run (the machine is shared and noisy;
//! absolute figures are not stable). Prints a table and writes JSON.
//!
//! ```text
//! cargo run --locked -p trez-bench -- all            # everything (about 2 minutes)
//! cargo run --locked -p trez-bench -- miner|relayer|solution|onchain|attribution
//! cargo run --locked -p trez-bench -- soak --minutes 60   # issue 22: memory, fds, threads, ledger over time
//! cargo run --locked -p trez-bench -- dashboard           # issue 21: page times with 1 000 000 shares
//! ```

mod attribution;
mod dashboard;
mod miner;
mod onchain;
mod relayer;
mod soak;
mod solution;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use serde::Serialize;

#[derive(Parser)]
#[command(name = "trez-bench", about = "TREZ pool benchmarks (ratios in one run)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Where to write the JSON results.
    #[arg(long, global = true, default_value = "target/bench-results.json")]
    json: PathBuf,
}

#[derive(Subcommand)]
enum Cmd {
    /// Everything below.
    All(relayer::Args),
    /// Kernels, threads, raw limit, and the guide's Python loop.
    Miner,
    /// Share throughput and ack latency at K connections vs an echo server; RSS per connection; fan-out.
    Relayer(relayer::Args),
    /// Block-meeting share received → submit_solution handed to the chain client.
    Solution,
    /// Share signatures: miner sign and relayer verify per share vs the share's digest; record bytes.
    Attribution,
    /// Run `trez-relayer run` and `trez-localnet` under load for `--minutes` and report the slopes per hour of
    /// their memory, descriptors, threads, ledger and log after warm-up, then audit (needs both binaries built
    /// in the same profile: `cargo build --locked --bins`).
    Soak(soak::Args),
    /// Dashboard page times with a ledger of a million shares vs a small ledger (issue 21).
    Dashboard(dashboard::Args),
    /// Largest payout / credit_batch per transaction (legacy and v0 + lookup table); transactions per round.
    Onchain,
    /// (Child process) the relayer's share server on a synthetic template.
    #[command(hide = true)]
    ServeRelayer(relayer::ServeArgs),
    /// (Child process) a tokio-tungstenite echo server.
    #[command(hide = true)]
    ServeEcho,
}

#[derive(Serialize, Default)]
struct Results {
    machine: Machine,
    #[serde(skip_serializing_if = "Option::is_none")]
    miner: Option<miner::MinerResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relayer: Option<relayer::RelayerResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<solution::SolutionResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    onchain: Option<onchain::OnchainResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribution: Option<attribution::AttributionResults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    soak: Option<Vec<trez_localnet::soak::SoakReport>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dashboard: Option<dashboard::DashboardResults>,
}

#[derive(Serialize, Default)]
struct Machine {
    cpu: String,
    cores: usize,
    load_avg_1m_at_start: Option<f64>,
}

fn machine() -> Machine {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    Machine { cpu, cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), load_avg_1m_at_start: load_avg() }
}

pub fn load_avg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let cmd = match cli.cmd {
        Cmd::ServeRelayer(a) => return relayer::serve_relayer(a),
        Cmd::ServeEcho => return relayer::serve_echo(),
        other => other,
    };
    let mut r = Results { machine: machine(), ..Results::default() };
    println!("machine: {} ({} cores), load {:?}", r.machine.cpu, r.machine.cores, r.machine.load_avg_1m_at_start);
    match cmd {
        Cmd::All(args) => {
            r.miner = Some(miner::run()?);
            r.relayer = Some(relayer::run(&args)?);
            r.solution = Some(solution::run()?);
            r.onchain = Some(onchain::run()?);
            r.attribution = Some(attribution::run()?);
        }
        Cmd::Miner => r.miner = Some(miner::run()?),
        Cmd::Relayer(args) => r.relayer = Some(relayer::run(&args)?),
        Cmd::Solution => r.solution = Some(solution::run()?),
        Cmd::Onchain => r.onchain = Some(onchain::run()?),
        Cmd::Attribution => r.attribution = Some(attribution::run()?),
        Cmd::Soak(args) => r.soak = Some(soak::run(&args)?),
        Cmd::Dashboard(args) => r.dashboard = Some(dashboard::run(&args)?),
        Cmd::ServeRelayer(_) | Cmd::ServeEcho => {}
    }
    if let Some(dir) = cli.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&cli.json, serde_json::to_string_pretty(&r)?)?;
    println!("\nJSON written to {}", cli.json.display());
    Ok(())
}
