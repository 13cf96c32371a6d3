//! What a transport exchanges with a session ([`Inbound`] and [`Outbound`] frames), and the simplest
//! transport: in-memory channels ([`session_in_memory`]). The WebSocket one is `super::ws`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::session::Session;
use super::Shared;

/// A frame from the miner, as the transport decoded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A text frame: one protocol message (JSON).
    Text(String),
    /// A binary frame (not part of the protocol: answered `invalid_frame`).
    Binary,
    /// The peer closed, or the transport failed: the session ends.
    Close,
    /// A frame over the size limit (answered `frame_too_large`).
    TooLarge(String),
}

/// A frame for the miner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// One protocol message (JSON).
    Text(String),
    /// Close the connection after what is queued.
    Close,
}

/// One session over in-memory channels instead of a socket, for the session fuzz target and tests: push
/// client frames into the returned sender, read what the server queued from the receiver (the `hello`
/// comes first). Dropping the sender ends the stream; the session then answers what is in flight, closes,
/// and the task ends. Everything else (auth, vardiff, jobs, the ledger, rate limits) is the real session.
pub fn session_in_memory(shared: Arc<Shared>, peer: SocketAddr) -> (mpsc::Sender<Inbound>, mpsc::Receiver<Outbound>, tokio::task::JoinHandle<()>) {
    let (in_tx, in_rx) = mpsc::channel::<Inbound>(64);
    let (out_tx, out_rx) = mpsc::channel::<Outbound>(shared.config.server.send_queue.max(1));
    let task = tokio::spawn(async move {
        let mut stream = Box::pin(futures_util::stream::unfold(in_rx, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        }));
        let mut session = Session::new(shared, peer, out_tx);
        session.run(&mut stream, CancellationToken::new()).await;
    });
    (in_tx, out_rx, task)
}

