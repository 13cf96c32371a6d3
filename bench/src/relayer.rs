//! Relayer: the share server runs as a child process (`trez-bench serve-relayer`: the real `server::run`,
//! session, vardiff pinned low, and the durable SQLite ledger with fsync) on a synthetic template; this
//! process opens K authenticated miner connections on loopback (`trez_relayer::loadgen`) and submits valid
//! shares as fast as acks return. The baseline is a raw tokio-tungstenite echo server (`serve-echo`), also a
//! child, driven by the same K clients with frames of a submit's size. Also measured: the child's RSS per
//! idle authenticated connection, and the time from publishing a new challenge to the last connection
//! receiving its job (the child stamps the publish on the wall clock; clients stamp arrivals).
//!
//! Layout: this file drives the load and measures; `relayer/serve.rs` is the child-process side (the relayer
//! and echo servers) and the handle this process keeps on a child.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;
use trez_protocol::{self as proto, ClientMsg};
use trez_relayer::ledger::postgres::cluster::Cluster;
use trez_relayer::loadgen::{self, Conn};

mod serve;
pub use serve::{serve_echo, serve_relayer, ServeArgs};
use serve::{now_ns, ChildProc};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Connection counts to measure.
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    pub connections: Vec<usize>,
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 4.0)]
    pub seconds: f64,
    /// Share difficulty, bits (vardiff pinned), so the load is the relayer, not the client's hashing.
    #[arg(long, default_value_t = 4)]
    pub share_bits: u32,
    /// Ledger durability: `true` fsyncs every group commit (the relayer's default; SQLite).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub fsync: bool,
    /// Ledger backend(s) measured: `sqlite`, `postgres` (one relayer on a throwaway local cluster, fsync
    /// off, commits durable against a server crash), `postgres2` (two relayers on one PostgreSQL database,
    /// the connections split between them) or `both` (each point on SQLite, PostgreSQL and PostgreSQL × 2).
    #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres", "postgres2", "both"])]
    pub ledger: String,
}

#[derive(Serialize, Debug)]
pub struct Point {
    /// `sqlite`, `postgres` or `postgres x2` (two relayers on one database).
    pub ledger: &'static str,
    /// Relayer processes sharing the ledger (connections split evenly between them).
    pub relayers: usize,
    pub connections: usize,
    pub connect_secs: f64,
    /// Accepted-and-durable shares per second.
    pub relayer_shares_per_sec: f64,
    pub relayer_ack_p50_ms: f64,
    pub relayer_ack_p99_ms: f64,
    pub echo_msgs_per_sec: f64,
    pub echo_p50_ms: f64,
    pub echo_p99_ms: f64,
    /// relayer ÷ echo (target ≥ 0.7 at 1,000).
    pub ratio: f64,
    /// Child RSS growth per idle authenticated connection, KiB (target ≤ 30 at 10,000).
    pub rss_kib_per_conn: f64,
    /// New challenge published → the last connection has its job, ms (target ≤ 50 at 10,000).
    pub fanout_last_ms: f64,
    pub fanout_p50_ms: f64,
    pub rejected: u64,
}

#[derive(Serialize, Debug)]
pub struct RelayerResults {
    pub share_bits: u32,
    pub seconds: f64,
    pub fsync: bool,
    pub points: Vec<Point>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `k` connections, connection `i` to `urls[i % urls.len()]`.
async fn connect_all(urls: &[String], k: usize) -> Result<Vec<Conn>> {
    let conns: Vec<Result<Conn>> = futures_util::stream::iter(0..k)
        .map(|i| {
            let url = urls[i % urls.len()].clone();
            async move { Conn::connect(&url, &loadgen::random_wallet(), &format!("b{i}")).await }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    conns.into_iter().collect()
}

/// Drive every connection for `secs`: (accepted, rejected, ack latencies in ms).
async fn load(conns: Vec<Conn>, secs: f64) -> (Vec<Conn>, u64, u64, Vec<f64>) {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let (mut ok, mut bad, mut lat) = (0u64, 0u64, vec![]);
                while Instant::now() < deadline {
                    match c.mine_one().await {
                        Ok(a) if a.accepted => {
                            ok += 1;
                            lat.push(a.latency.as_secs_f64() * 1e3);
                        }
                        Ok(_) => bad += 1,
                        Err(_) => break,
                    }
                }
                (c, ok, bad, lat)
            })
        })
        .collect();
    let (mut conns, mut ok, mut bad, mut lat) = (vec![], 0, 0, vec![]);
    for t in tasks {
        if let Ok((c, o, b, l)) = t.await {
            conns.push(c);
            ok += o;
            bad += b;
            lat.extend(l);
        }
    }
    (conns, ok, bad, lat)
}

async fn echo_load(url: &str, k: usize, secs: f64) -> Result<(f64, Vec<f64>)> {
    let payload = proto::encode(&ClientMsg::Submit { id: 123_456, job_id: "17".into(), nonce: 1_234_567_890_123_456, signature: proto::Sig([7; 64]) });
    let socks: Vec<_> = futures_util::stream::iter(0..k)
        .map(|_| async { tokio_tungstenite::connect_async(url).await.map(|(ws, _)| ws) })
        .buffer_unordered(256)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let tasks: Vec<_> = socks
        .into_iter()
        .map(|mut ws| {
            let payload = payload.clone();
            tokio::spawn(async move {
                let mut lat = vec![];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if ws.send(Message::text(payload.clone())).await.is_err() {
                        break;
                    }
                    match ws.next().await {
                        Some(Ok(_)) => lat.push(t.elapsed().as_secs_f64() * 1e3),
                        _ => break,
                    }
                }
                let _ = ws.close(None).await;
                lat
            })
        })
        .collect();
    let mut lat = vec![];
    for t in tasks {
        lat.extend(t.await.unwrap_or_default());
    }
    Ok((lat.len() as f64 / start.elapsed().as_secs_f64().max(secs), lat))
}

/// One measured point: `relayers` relayer children (1 on SQLite when `postgres` is `None`; 1 or 2 sharing one
/// fresh PostgreSQL database otherwise), `k` connections split between them, then the echo baseline.
async fn point(k: usize, args: &Args, dir: &std::path::Path, postgres: Option<&Cluster>, relayers: usize) -> Result<Point> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let pg_url = match postgres {
        Some(c) => Some(c.create_database(&format!("bench{k}_{n}")).await?),
        None => None,
    };
    let mut children = vec![];
    for r in 0..relayers {
        let db = dir.join(format!("ledger-{k}-{n}.db"));
        let mut argv = vec![
            "serve-relayer".to_string(),
            "--db".into(),
            db.to_str().unwrap_or_default().into(),
            "--bits".into(),
            args.share_bits.to_string(),
            "--fsync".into(),
            args.fsync.to_string(),
            "--relayer-index".into(),
            r.to_string(),
        ];
        if let Some(url) = &pg_url {
            argv.extend(["--ledger-url".to_string(), url.clone()]);
        }
        children.push(ChildProc::spawn(&argv.iter().map(String::as_str).collect::<Vec<_>>())?);
    }
    let urls: Vec<String> = children.iter().map(|c| format!("ws://{}", c.addr)).collect();
    let rss = |children: &[ChildProc]| children.iter().map(ChildProc::rss_kib).sum::<f64>();
    let rss0 = rss(&children);
    let t = Instant::now();
    let conns = connect_all(&urls, k).await?;
    let connect_secs = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss1 = rss(&children);

    // Fan-out: every connection waits for its next job while each child publishes a new challenge; an
    // arrival is timed from its own relayer's publish (connection i is on child i % relayers).
    let waits: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let r = c.wait_job(Duration::from_secs(30)).await.map(|_| now_ns());
                (c, r)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut published = vec![];
    for child in &mut children {
        let stdin = child.stdin.as_mut().context("child stdin")?;
        writeln!(stdin, "publish")?;
        stdin.flush()?;
        let mut line = String::new();
        child.stdout.read_line(&mut line)?;
        let t: u128 = line.trim().strip_prefix("published ").and_then(|s| s.parse().ok()).ok_or_else(|| anyhow!("child said {line:?}"))?;
        published.push(t);
    }
    let mut conns = vec![];
    let mut arrivals = vec![];
    for (i, w) in waits.into_iter().enumerate() {
        let (c, r) = w.await?;
        arrivals.push((r? as i128 - published[i % relayers] as i128) as f64 / 1e6);
        conns.push(c);
    }
    arrivals.sort_by(f64::total_cmp);

    // Throughput and ack latency.
    let t = Instant::now();
    let (conns, ok, bad, mut lat) = load(conns, args.seconds).await;
    let elapsed = t.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    for c in conns {
        c.close().await;
    }
    for child in children {
        child.stop();
    }

    // The echo baseline, same K.
    let echo = ChildProc::spawn(&["serve-echo"])?;
    let (echo_rate, mut elat) = echo_load(&format!("ws://{}", echo.addr), k, args.seconds).await?;
    echo.stop();
    elat.sort_by(f64::total_cmp);

    let relayer_rate = ok as f64 / elapsed;
    Ok(Point {
        ledger: match (postgres.is_some(), relayers) {
            (false, _) => "sqlite",
            (true, 1) => "postgres",
            (true, _) => "postgres x2",
        },
        relayers,
        connections: k,
        connect_secs,
        relayer_shares_per_sec: relayer_rate,
        relayer_ack_p50_ms: percentile(&lat, 0.5),
        relayer_ack_p99_ms: percentile(&lat, 0.99),
        echo_msgs_per_sec: echo_rate,
        echo_p50_ms: percentile(&elat, 0.5),
        echo_p99_ms: percentile(&elat, 0.99),
        ratio: if echo_rate > 0.0 { relayer_rate / echo_rate } else { 0.0 },
        rss_kib_per_conn: (rss1 - rss0).max(0.0) / k as f64,
        fanout_last_ms: arrivals.last().copied().unwrap_or(0.0),
        fanout_p50_ms: percentile(&arrivals, 0.5),
        rejected: bad,
    })
}

pub fn run(args: &Args) -> Result<RelayerResults> {
    println!("\n== relayer ({} s per point, shares at {} bits, ledger fsync {}) ==", args.seconds, args.share_bits, if args.fsync { "on" } else { "off" });
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut points = vec![];
    let cluster = match args.ledger.as_str() {
        "sqlite" => None,
        _ => Some(Cluster::start()?),
    };
    let pg = cluster.as_ref();
    let backends: Vec<(Option<&Cluster>, usize)> = match args.ledger.as_str() {
        "sqlite" => vec![(None, 1)],
        "postgres" => vec![(pg, 1)],
        "postgres2" => vec![(pg, 2)],
        _ => vec![(None, 1), (pg, 1), (pg, 2)],
    };
    println!(
        "  {:>11} {:>6} {:>10} {:>9} {:>9} {:>10} {:>9} {:>9} {:>6} {:>10} {:>10} {:>8}",
        "ledger", "conns", "shares/s", "ack p50", "ack p99", "echo/s", "echo p50", "echo p99", "ratio", "KiB/conn", "fan-out", "connect"
    );
    for (&k, &(pg, relayers)) in args.connections.iter().flat_map(|k| backends.iter().map(move |b| (k, b))) {
        let p = rt.block_on(point(k, args, dir.path(), pg, relayers))?;
        println!(
            "  {:>11} {:>6} {:>10.0} {:>7.2}ms {:>7.2}ms {:>10.0} {:>7.2}ms {:>7.2}ms {:>6.2} {:>10.1} {:>8.1}ms {:>9.1}s",
            p.ledger,
            p.connections,
            p.relayer_shares_per_sec,
            p.relayer_ack_p50_ms,
            p.relayer_ack_p99_ms,
            p.echo_msgs_per_sec,
            p.echo_p50_ms,
            p.echo_p99_ms,
            p.ratio,
            p.rss_kib_per_conn,
            p.fanout_last_ms,
            p.connect_secs
        );
        points.push(p);
    }
    Ok(RelayerResults { share_bits: args.share_bits, seconds: args.seconds, fsync: args.fsync, points })
}
