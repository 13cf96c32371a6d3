//! The miner-facing WebSocket server: accept loop with connection caps and bans ([`run`]), the WebSocket
//! adapter (`serve`: handshake, writer task with its write timeout, bounded drain), shared state and
//! counters. The per-connection protocol is `session`.

mod session;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};
use trez_protocol::{self as proto, ErrorCode, Key, RejectReason, ServerMsg};

use self::session::Session;
use crate::config::Config;
use crate::jobs::JobSource;
use crate::ledger::Ledger;

/// A block-meeting share, durable in the ledger (`solutions` row, status `pending`), handed to the solution
/// submitter.
pub use crate::ledger::SolutionRow as Solution;

/// Counters for logs, the API and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub authorized: AtomicU64,
    pub accepted: AtomicU64,
    pub blocks: AtomicU64,
    rejected: [AtomicU64; RejectReason::ALL.len()],
    /// Rejected shares per authenticated wallet and reason since start (at most [`MAX_TRACKED_WALLETS`]).
    by_wallet: Mutex<HashMap<[u8; 32], [u64; RejectReason::ALL.len()]>>,
}

/// Most wallets whose rejects are counted one by one (memory bound; pool-wide counters always count).
pub const MAX_TRACKED_WALLETS: usize = 100_000;

impl Stats {
    pub fn rejected(&self, r: RejectReason) -> u64 {
        self.rejected[r as usize].load(Ordering::Relaxed)
    }
    /// `wallet`'s rejected shares by reason since the relayer started (zeros when never rejected).
    pub fn rejected_for(&self, wallet: &[u8; 32]) -> [u64; RejectReason::ALL.len()] {
        self.by_wallet.lock().unwrap_or_else(|e| e.into_inner()).get(wallet).copied().unwrap_or_default()
    }
    fn reject(&self, r: RejectReason, wallet: Option<&[u8; 32]>) {
        self.rejected[r as usize].fetch_add(1, Ordering::Relaxed);
        if let Some(w) = wallet {
            let mut m = self.by_wallet.lock().unwrap_or_else(|e| e.into_inner());
            if m.len() < MAX_TRACKED_WALLETS || m.contains_key(w) {
                m.entry(*w).or_default()[r as usize] += 1;
            }
        }
    }
}

/// State shared by every session.
pub struct Shared {
    pub config: Config,
    /// Pool account address (bound into auth).
    pub pool: Key,
    /// Pool authority PDA (the miner key of every job).
    pub authority: Key,
    pub jobs: JobSource,
    pub ledger: Ledger,
    pub solutions: mpsc::Sender<Solution>,
    pub stats: Stats,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    bans: Mutex<HashMap<IpAddr, Instant>>,
}

impl Shared {
    pub fn new(config: Config, pool: Key, authority: Key, jobs: JobSource, ledger: Ledger, solutions: mpsc::Sender<Solution>) -> Arc<Shared> {
        Arc::new(Shared {
            config,
            pool,
            authority,
            jobs,
            ledger,
            solutions,
            stats: Stats::default(),
            per_ip: Mutex::new(HashMap::new()),
            bans: Mutex::new(HashMap::new()),
        })
    }

    fn banned(&self, ip: IpAddr) -> bool {
        let mut bans = self.bans.lock().unwrap_or_else(|e| e.into_inner());
        match bans.get(&ip) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                bans.remove(&ip);
                false
            }
            None => false,
        }
    }

    fn ban(&self, ip: IpAddr) {
        let until = Instant::now() + Duration::from_secs(self.config.server.ban_secs);
        self.bans.lock().unwrap_or_else(|e| e.into_inner()).insert(ip, until);
    }

    /// Count a connection from `ip`; false when the per-IP cap is reached.
    fn enter(&self, ip: IpAddr) -> bool {
        let mut m = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= self.config.server.max_connections_per_ip {
            return false;
        }
        *n += 1;
        true
    }

    fn leave(&self, ip: IpAddr) {
        let mut m = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&ip);
            }
        }
    }
}

/// Serve miners on `listener` until `shutdown` resolves; then stop accepting, let every session answer its
/// in-flight submits, flush the ledger and return.
pub async fn run(listener: TcpListener, shared: Arc<Shared>, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(shared.config.server.max_connections));
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_millis(10);
    info!(addr = %listener.local_addr()?, "relayer listening for miners");
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => { backoff = Duration::from_millis(10); x }
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let cancel = cancel.child_token();
        let permit = permits.clone().try_acquire_owned().ok();
        tracker.spawn(async move {
            let refusal = if permit.is_none() {
                Some(ErrorCode::TooManyConnections)
            } else if shared.banned(peer.ip()) {
                Some(ErrorCode::Banned)
            } else if !shared.enter(peer.ip()) {
                Some(ErrorCode::TooManyConnections)
            } else {
                None
            };
            match refusal {
                Some(code) => refuse(stream, &shared, code).await,
                None => {
                    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
                    serve(stream, peer, &shared, cancel).await;
                    shared.stats.connections.fetch_sub(1, Ordering::Relaxed);
                    shared.leave(peer.ip());
                }
            }
            drop(permit);
        });
    }
    info!("relayer shutting down: draining sessions");
    cancel.cancel();
    tracker.close();
    tracker.wait().await;
    shared.ledger.flush().await?;
    info!("relayer stopped; ledger flushed");
    Ok(())
}

fn ws_config(shared: &Shared) -> WebSocketConfig {
    let max = shared.config.server.max_frame_bytes;
    // tungstenite's defaults (128 KiB read and write buffers per connection) would cost ~140 KiB of RSS per
    // idle miner (measured by `trez-bench relayer`); frames here are at most `max_frame_bytes`.
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .read_buffer_size((max + 64).max(1024))
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
}

/// Complete the WebSocket handshake only to say why the connection is refused, then close.
async fn refuse(stream: TcpStream, shared: &Shared, code: ErrorCode) {
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config(shared)));
    if let Ok(Ok(mut ws)) = tokio::time::timeout(Duration::from_secs(2), handshake).await {
        let msg = ServerMsg::Error { code, message: "connection refused".into() };
        let _ = ws.send(Message::text(proto::encode(&msg))).await;
        let _ = ws.close(None).await;
    }
}

async fn serve(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>, cancel: CancellationToken) {
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config(shared)));
    let ws = match tokio::time::timeout(shared.config.server.handshake_timeout(), handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return debug!(%peer, error = %e, "websocket handshake failed"),
        Err(_) => return debug!(%peer, "websocket handshake timed out"),
    };
    let (mut sink, mut stream) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Message>(shared.config.server.send_queue);
    let write_timeout = shared.config.server.write_timeout();
    // Writer: drains the bounded queue; a close frame ends it, and so does a frame the peer does not take
    // within the write timeout (its receive window stays full: a slow consumer). Dropping `out_rx` then
    // tells the session to stop.
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            let closing = matches!(msg, Message::Close(_));
            match tokio::time::timeout(write_timeout, sink.send(msg)).await {
                Ok(Ok(())) if !closing => {}
                Ok(Ok(())) => break,
                Ok(Err(_)) => return,
                Err(_) => {
                    debug!(%peer, "slow consumer: a frame waited longer than the write timeout");
                    return;
                }
            }
        }
        let _ = tokio::time::timeout(write_timeout, sink.close()).await;
    });
    let mut session = Session::new(shared.clone(), peer, out_tx);
    session.run(&mut stream, cancel.clone()).await;
    drop(session);
    // The writer ends within a write timeout per frame; on shutdown a peer gets at most `SHUTDOWN_DRAIN` to
    // take its last answers, so one that does not read cannot hold up the relayer's exit.
    let limit = if cancel.is_cancelled() { SHUTDOWN_DRAIN.min(write_timeout) } else { write_timeout + Duration::from_secs(1) };
    let abort = writer.abort_handle();
    if tokio::time::timeout(limit, writer).await.is_err() {
        debug!(%peer, "writer did not finish; connection dropped");
        abort.abort();
    }
}

/// How long, at shutdown, a connection's last answers (acks of in-flight shares, `shutting_down`) may take
/// to reach the peer before the connection is dropped.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

/// One session over in-memory channels instead of a socket, for the session fuzz target and tests: push
/// client frames into the returned sender, read what the server queued from the receiver (the `hello`
/// comes first). Dropping the sender ends the stream; the session then answers what is in flight, closes,
/// and the task ends. Everything else (auth, vardiff, jobs, the ledger, rate limits) is the real session.
pub fn session_in_memory(shared: Arc<Shared>, peer: SocketAddr) -> (mpsc::Sender<Message>, mpsc::Receiver<Message>, tokio::task::JoinHandle<()>) {
    let (in_tx, in_rx) = mpsc::channel::<Message>(64);
    let (out_tx, out_rx) = mpsc::channel::<Message>(shared.config.server.send_queue.max(1));
    let task = tokio::spawn(async move {
        let mut stream = Box::pin(futures_util::stream::unfold(in_rx, |mut rx| async move {
            rx.recv().await.map(|m| (Ok::<Message, tungstenite::Error>(m), rx))
        }));
        let mut session = Session::new(shared, peer, out_tx);
        session.run(&mut stream, CancellationToken::new()).await;
    });
    (in_tx, out_rx, task)
}

