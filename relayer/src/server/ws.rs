//! The WebSocket transport: handshake (with frame limits), the writer task (bounded queue, write timeout,
//! bounded drain at shutdown), and the mapping between tungstenite messages and the session's
//! [`Inbound`] / [`Outbound`] frames. Pings are answered by tungstenite itself.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use tracing::debug;
use trez_protocol::{self as proto, ErrorCode, ServerMsg};

use super::session::{Inbound, Outbound, Session};
use super::Shared;

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
pub(super) async fn refuse(stream: TcpStream, shared: &Shared, code: ErrorCode) {
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config(shared)));
    if let Ok(Ok(mut ws)) = tokio::time::timeout(Duration::from_secs(2), handshake).await {
        let msg = ServerMsg::Error { code, message: "connection refused".into() };
        let _ = ws.send(Message::text(proto::encode(&msg))).await;
        let _ = ws.close(None).await;
    }
}

pub(super) async fn serve(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>, cancel: CancellationToken) {
    let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config(shared)));
    let ws = match tokio::time::timeout(shared.config.server.handshake_timeout(), handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return debug!(%peer, error = %e, "websocket handshake failed"),
        Err(_) => return debug!(%peer, "websocket handshake timed out"),
    };
    let (mut sink, stream) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Outbound>(shared.config.server.send_queue);
    let write_timeout = shared.config.server.write_timeout();
    // Writer: drains the bounded queue; a close frame ends it, and so does a frame the peer does not take
    // within the write timeout (its receive window stays full: a slow consumer). Dropping `out_rx` then
    // tells the session to stop.
    let writer = tokio::spawn(async move {
        while let Some(out) = out_rx.recv().await {
            let closing = matches!(out, Outbound::Close);
            let msg = match out {
                Outbound::Text(t) => Message::text(t),
                Outbound::Close => Message::Close(None),
            };
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
    let mut frames = Box::pin(stream.filter_map(|m| std::future::ready(inbound(m, peer))));
    session.run(&mut frames, cancel.clone()).await;
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

/// A tungstenite read as the session's frame: text, binary, close, or an over-long frame; pings and pongs
/// are tungstenite's business (None), and a read error ends the stream.
fn inbound(m: Result<Message, tungstenite::Error>, peer: SocketAddr) -> Option<Inbound> {
    match m {
        Ok(Message::Text(t)) => Some(Inbound::Text(t.as_str().to_string())),
        Ok(Message::Binary(_)) => Some(Inbound::Binary),
        Ok(Message::Close(_)) => Some(Inbound::Close),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => None,
        Err(tungstenite::Error::Capacity(e)) => Some(Inbound::TooLarge(e.to_string())),
        Err(e) => {
            debug!(%peer, error = %e, "read error");
            Some(Inbound::Close)
        }
    }
}
