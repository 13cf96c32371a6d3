//! `trez-localnet`: the whole pool in one command on an embedded chain (TREZ, the pool program, the relayer
//! and in-process miners). `--blocks K` stops after K credited rounds, audits, and prints a summary.

use std::io::Write;
use std::os::fd::AsFd;

use anyhow::Result;
use clap::Parser;
use trez_relayer::logging::{self, shutdown_on_signal, LogFormat};

#[derive(Parser)]
#[command(name = "trez-localnet", version, about = "The whole TREZ pool on an embedded chain")]
struct Cli {
    /// Log lines on stderr: `text` (coloured only on a terminal) or `json` (one object per line).
    #[arg(long, env = "TREZ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    args: trez_localnet::LocalnetArgs,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    let json = cli.args.json;
    // Natively, programs' `msg!` lines go to stdout (solana-msg prints them), once per execution, and the
    // embedded bank executes a token-moving transaction twice (a simulation records its inner instructions):
    // each line would show twice, mixed with the summary. Drop those raw prints (point fd 1 at /dev/null for
    // the run); the bank's own log of each landed transaction (invocations, results, compute units; a native
    // `msg!` never reaches it) is logged once instead, at debug level (`RUST_LOG=trez_localnet::program=debug`).
    // The summary goes to the saved stdout.
    let summary_out = std::io::stdout().as_fd().try_clone_to_owned()?;
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    rustix::stdio::dup2_stdout(null.as_fd())?;
    let mut out = std::fs::File::from(summary_out);
    let Some(finished) = trez_localnet::run(cli.args, shutdown_on_signal()).await? else { return Ok(()) };
    let summary = finished.summary;
    if json {
        writeln!(out, "{}", serde_json::to_string(&summary)?)?;
    } else {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    }
    if !summary.audit_ok {
        anyhow::bail!("audit failed: {:?}", summary.audit_problems);
    }
    if !summary.miners_verified_ok {
        let findings: Vec<&String> = summary.miners_verified.iter().flat_map(|m| &m.findings).collect();
        anyhow::bail!("a miner's own verification failed: {findings:?}");
    }
    Ok(())
}
