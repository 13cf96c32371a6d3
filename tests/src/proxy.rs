//! A TCP fault proxy on loopback, in front of an RPC (HTTP) or PubSub (WebSocket) endpoint. Modes: pass,
//! drop (accept and close at once: a dead node), delay (every client→node chunk is held back: a slow node),
//! and HTTP 503 (a node that answers with errors). Changing the mode cuts every live connection, so kept-alive
//! HTTP connections and PubSub streams see it at once (a PubSub disconnect).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Pass,
    Drop,
    Delay(Duration),
    Http503,
}

/// Counters of what the proxy did.
#[derive(Default, Debug)]
pub struct ProxyStats {
    pub passed: AtomicU64,
    pub dropped: AtomicU64,
    pub errored: AtomicU64,
    pub cut: AtomicU64,
}

/// A running proxy; dropped with the test's runtime.
pub struct FaultProxy {
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    generation: watch::Sender<u64>,
    pub stats: Arc<ProxyStats>,
}

/// `http://host:port` or `ws://host:port` → the socket address.
pub fn socket_of(url: &str) -> SocketAddr {
    let rest = url.split("://").nth(1).unwrap_or(url);
    rest.trim_end_matches('/').parse().expect("host:port URL")
}

impl FaultProxy {
    /// Listen on an ephemeral loopback port, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(Mutex::new(Mode::Pass));
        let (generation, _) = watch::channel(0u64);
        let stats = Arc::new(ProxyStats::default());
        let (m, g, st) = (mode.clone(), generation.clone(), stats.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = *m.lock().unwrap();
                let cut = g.subscribe();
                let st = st.clone();
                let m = m.clone();
                tokio::spawn(async move {
                    match mode {
                        Mode::Drop => {
                            st.dropped.fetch_add(1, Ordering::Relaxed);
                            drop(client);
                        }
                        Mode::Http503 => {
                            st.errored.fetch_add(1, Ordering::Relaxed);
                            let mut client = client;
                            let mut buf = [0u8; 4096];
                            let _ = client.read(&mut buf).await;
                            let _ = client
                                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .await;
                        }
                        Mode::Pass | Mode::Delay(_) => {
                            st.passed.fetch_add(1, Ordering::Relaxed);
                            if let Ok(node) = TcpStream::connect(upstream).await {
                                pipe(client, node, m, cut, st).await;
                            }
                        }
                    }
                });
            }
        });
        FaultProxy { addr, mode, generation, stats }
    }

    /// Switch mode and cut every live connection.
    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

async fn pipe(client: TcpStream, node: TcpStream, mode: Arc<Mutex<Mode>>, mut cut: watch::Receiver<u64>, st: Arc<ProxyStats>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut nr, mut nw) = node.into_split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let delay = match *mode.lock().unwrap() {
                Mode::Delay(d) => Some(d),
                _ => None,
            };
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            if nw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = tokio::io::copy(&mut nr, &mut cw);
    tokio::select! {
        _ = up => {}
        _ = down => {}
        _ = cut.changed() => { st.cut.fetch_add(1, Ordering::Relaxed); }
    }
}
