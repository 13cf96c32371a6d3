//! The child-process side of the relayer benchmark: `serve-relayer` (the real share server on a synthetic
//! template) and `serve-echo` (the baseline), and [`ChildProc`], the handle the measuring process keeps on
//! one of them.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context, Result};
use futures_util::{SinkExt, StreamExt};
use trez_protocol::Key;
use trez_relayer::config::{Config, LedgerConfig};
use trez_relayer::jobs::{JobSource, Template};
use trez_relayer::server::{self, Shared};

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, default_value_t = 4)]
    bits: u32,
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    fsync: bool,
    /// A PostgreSQL ledger instead of the SQLite file.
    #[arg(long)]
    ledger_url: Option<String>,
    /// `[server] relayer_index` (disjoint nonce ranges when several relayers share a ledger).
    #[arg(long)]
    relayer_index: Option<u8>,
}

pub(super) fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn template(i: u8) -> Template {
    // Network difficulty far above the share difficulty: no blocks (the solution path is measured apart).
    Template { challenge: [i; 32], block_count: i as u64, network_bits: 120, miner_key: [9; 32] }
}

/// `serve-relayer`: print `ready <addr>`; on a stdin line `publish` publish a new challenge and print
/// `published <unix ns>`; stop (graceful) at stdin EOF.
pub fn serve_relayer(a: ServeArgs) -> Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let mut config = Config::default();
        config.server.max_connections = 50_000;
        config.server.max_connections_per_ip = 50_000;
        config.server.max_submits_per_sec = 1_000_000;
        config.server.max_frames_per_sec = 1_000_000;
        config.server.handshake_timeout_secs = 60;
        config.server.idle_timeout_secs = 600;
        config.vardiff.initial_bits = a.bits;
        config.vardiff.min_bits = a.bits;
        config.vardiff.max_bits = a.bits;
        config.server.relayer_index = a.relayer_index;
        config.ledger = LedgerConfig { path: a.db.clone(), fsync: a.fsync, url: a.ledger_url.clone(), ..LedgerConfig::default() };
        let ledger = trez_relayer::ledger::connect(&config.ledger).await?;
        let jobs = JobSource::new();
        jobs.publish(template(1));
        let (sol_tx, mut sol_rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move { while sol_rx.recv().await.is_some() {} });
        let shared = Shared::new(config, Key([1; 32]), Key([9; 32]), jobs.clone(), ledger, sol_tx, &[7; 32]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("ready {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut i = 2u8;
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if line.trim() == "publish" {
                    let t = now_ns();
                    jobs.publish(template(i));
                    i = i.wrapping_add(1);
                    println!("published {t}");
                    let _ = std::io::stdout().flush();
                }
            }
            let _ = stop_tx.send(());
        });
        server::run(listener, shared, async move {
            let _ = stop_rx.await;
        })
        .await
    })
}

/// `serve-echo`: a WebSocket server that sends every text frame back.
pub fn serve_echo() -> Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("ready {}", listener.local_addr()?);
        std::io::stdout().flush()?;
        std::thread::spawn(|| {
            for _ in std::io::stdin().lines() {}
            std::process::exit(0);
        });
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    })
}

pub(super) struct ChildProc {
    child: Child,
    pub(super) stdin: Option<ChildStdin>,
    pub(super) stdout: BufReader<ChildStdout>,
    pub(super) addr: String,
}

impl ChildProc {
    pub(super) fn spawn(args: &[&str]) -> Result<ChildProc> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().context("child stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let addr = line.trim().strip_prefix("ready ").ok_or_else(|| anyhow!("child said {line:?}"))?.to_string();
        Ok(ChildProc { child, stdin, stdout, addr })
    }

    pub(super) fn rss_kib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
            .unwrap_or(0.0)
    }

    pub(super) fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

