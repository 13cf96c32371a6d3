//! One miner connection's session, apart from any socket: handshake, auth, jobs, share validation,
//! durable acks, vardiff, rate limits, backpressure and the shutdown drain. It reads [`Inbound`] frames from
//! a stream and queues [`Outbound`] frames on a bounded channel; the transport (`super::ws`, or
//! `super::transport::session_in_memory` for tests and fuzzing) moves them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use trez_protocol::{self as proto, ClientMsg, ErrorCode, Hex32, Key, ServerMsg};

use super::limits::TokenBucket;

mod submit;
pub use super::transport::{Inbound, Outbound};
use super::validate::IssuedJob;
use super::Shared;
use crate::jobs::Work;
use crate::ledger::{LedgerError, Recorded, Solution};
use crate::vardiff::Vardiff;

/// Most jobs a connection remembers (older ones answer `unknown_job`).
const JOBS_KEPT: usize = 8;

/// Most messages one frame or one finished share can queue (an ack or error, a `set_difficulty` and a job;
/// or an error and a close).
const ANSWERS_PER_FRAME: usize = 3;

/// Result of a share's durable commit: (submit id, outcome, solution when a block).
/// A commit's outcome: the submit id, the ledger's answer, the block handed on (if any), and the share's
/// receipt fields (seq 0 until the ledger assigns it).
type Done = (u64, Result<Recorded, LedgerError>, Option<Solution>, proto::ReceiptFields);
type Pending = std::pin::Pin<Box<dyn Future<Output = Done> + Send>>;

/// One miner connection.
pub(super) struct Session {
    shared: Arc<Shared>,
    peer: SocketAddr,
    out: mpsc::Sender<Outbound>,
    server_nonce: Hex32,
    /// Once authorized: the wallet, the worker, and the wallet's share-signature verifier.
    wallet: Option<(Key, String, proto::ShareVerifier)>,
    vardiff: Vardiff,
    jobs: VecDeque<(String, IssuedJob)>,
    next_job: u64,
    /// The challenge this connection's nonce range belongs to, and the range.
    range: Option<([u8; 32], (u64, u64))>,
    /// Nonces submitted per challenge (cleared when the challenge is over).
    seen: HashMap<[u8; 32], HashSet<u64>>,
    submits: u64,
    invalid: u64,
    bucket: TokenBucket,
    frames: TokenBucket,
    closing: bool,
}

enum Flow {
    Continue,
    Close,
}

impl Session {
    pub(super) fn new(shared: Arc<Shared>, peer: SocketAddr, out: mpsc::Sender<Outbound>) -> Self {
        let s = &shared.config.server;
        let (submits, frames) = (s.max_submits_per_sec, s.max_frames_per_sec);
        let vardiff = Vardiff::new(&shared.config.vardiff, Instant::now());
        Session {
            shared,
            peer,
            out,
            server_nonce: Hex32(rand::random()),
            wallet: None,
            vardiff,
            jobs: VecDeque::new(),
            next_job: 0,
            range: None,
            seen: HashMap::new(),
            submits: 0,
            invalid: 0,
            bucket: TokenBucket::new(submits),
            frames: TokenBucket::new(frames),
            closing: false,
        }
    }

    /// Whether the send queue has `extra` free slots beyond the answers owed to the `in_flight` shares
    /// (each may need [`ANSWERS_PER_FRAME`]). A frame is read only with room for its own answers, a job
    /// pushed only with room for it, so a queued answer never finds the queue full (backpressure; see `run`).
    fn room_for(&self, in_flight: usize, extra: usize) -> bool {
        self.out.capacity() >= ANSWERS_PER_FRAME * in_flight + extra
    }

    /// Queue a message. The queue keeps room for every answer owed (`room_for`), so it is full only when
    /// the writer is gone or the queue is smaller than its minimum: close.
    fn send(&mut self, msg: &ServerMsg) -> Flow {
        match self.out.try_send(Outbound::Text(proto::encode(msg))) {
            Ok(()) => Flow::Continue,
            Err(_) => {
                debug!(peer = %self.peer, "slow consumer: send queue full");
                self.closing = true;
                Flow::Close
            }
        }
    }

    /// Send a coded error; fatal codes also close.
    fn error(&mut self, code: ErrorCode, message: impl Into<String>) -> Flow {
        let flow = self.send(&ServerMsg::Error { code, message: message.into() });
        if code.is_fatal() {
            self.close();
            return Flow::Close;
        }
        flow
    }

    fn close(&mut self) {
        self.closing = true;
        let _ = self.out.try_send(Outbound::Close);
    }

    pub(super) async fn run<S>(&mut self, stream: &mut S, cancel: CancellationToken)
    where
        S: futures_util::Stream<Item = Inbound> + Unpin,
    {
        let hello = ServerMsg::Hello {
            protocol: proto::PROTOCOL_VERSION,
            server_nonce: self.server_nonce,
            pool: self.shared.pool,
            authority: self.shared.authority,
            relayer: self.shared.receipts.relayer(),
        };
        if let Flow::Close = self.send(&hello) {
            return;
        }
        let cfg = self.shared.config.server.clone();
        let handshake_deadline = tokio::time::Instant::now() + cfg.handshake_timeout();
        let mut idle_deadline = tokio::time::Instant::now() + cfg.idle_timeout();
        let mut work_rx: watch::Receiver<Option<Arc<Work>>> = self.shared.jobs.subscribe();
        let mut pending: FuturesUnordered<Pending> = FuturesUnordered::new();
        let mut vardiff_tick = tokio::time::interval(Duration::from_secs(self.shared.config.vardiff.retarget_secs.max(1)));
        vardiff_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

        let max_queue = self.out.max_capacity();
        // A handle of our own for the `closed`/`reserve_many` branches, which must not borrow `self`.
        let out = self.out.clone();
        while !self.closing {
            let authed = self.wallet.is_some();
            let room = self.room_for(pending.len(), ANSWERS_PER_FRAME);
            // While answers fill the queue, frames wait in the socket (the peer's own send window) until the
            // writer has passed answers on; a peer that never reads is dropped by the writer's timeout.
            let wanted = (ANSWERS_PER_FRAME * (pending.len() + 1)).min(max_queue);
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    // Answer what is in flight, then say goodbye.
                    while let Some(done) = pending.next().await {
                        self.finish(done);
                    }
                    let _ = self.error(ErrorCode::ShuttingDown, "relayer shutting down");
                    break;
                }
                Some(done) = pending.next(), if !pending.is_empty() => self.finish(done),
                _ = out.closed() => {
                    debug!(peer = %self.peer, "writer gone; ending session");
                    break;
                }
                permits = out.reserve_many(wanted), if !room => {
                    // Room again: release the slots and read on.
                    drop(permits);
                }
                _ = tokio::time::sleep_until(handshake_deadline), if !authed => {
                    let _ = self.error(ErrorCode::HandshakeTimeout, "no auth within the handshake timeout");
                }
                _ = tokio::time::sleep_until(idle_deadline) => {
                    let _ = self.error(ErrorCode::IdleTimeout, "idle");
                }
                changed = work_rx.changed(), if authed && self.room_for(pending.len(), 1) => {
                    if changed.is_err() { break; }
                    self.issue_job(true);
                }
                _ = vardiff_tick.tick(), if authed && self.room_for(pending.len(), 2) => {
                    if let Some(bits) = self.vardiff.retarget(Instant::now()) {
                        let _ = self.send(&ServerMsg::SetDifficulty { share_bits: bits });
                        self.issue_job(false);
                    }
                }
                frame = stream.next(), if room => {
                    idle_deadline = tokio::time::Instant::now() + cfg.idle_timeout();
                    match frame {
                        None => break,
                        Some(Inbound::TooLarge(e)) => {
                            let _ = self.error(ErrorCode::FrameTooLarge, e);
                        }
                        Some(msg) => {
                            if let Some(p) = self.on_frame(msg) {
                                pending.push(p);
                            }
                        }
                    }
                }
            }
        }
        // Acks for shares already durable are still owed.
        while let Some(done) = pending.next().await {
            self.finish(done);
        }
        self.close();
    }

    fn on_frame(&mut self, msg: Inbound) -> Option<Pending> {
        let text = match msg {
            Inbound::Text(t) => t,
            Inbound::Binary => {
                let _ = self.error(ErrorCode::InvalidFrame, "binary frames are not part of the protocol");
                return None;
            }
            Inbound::TooLarge(e) => {
                let _ = self.error(ErrorCode::FrameTooLarge, e);
                return None;
            }
            Inbound::Close => {
                self.closing = true;
                return None;
            }
        };
        let decoded = proto::decode_client(text.as_str());
        let is_submit = matches!(decoded, Ok(ClientMsg::Submit { .. }));
        if !is_submit && !self.frames.take() {
            let _ = self.error(ErrorCode::RateLimited, "too many frames");
            return None;
        }
        match decoded {
            Err(e) => {
                let _ = self.error(e.code(), e.to_string());
                None
            }
            Ok(ClientMsg::Ping {}) => {
                let _ = self.send(&ServerMsg::Pong {});
                None
            }
            Ok(ClientMsg::Auth { wallet, worker, client, signature }) => {
                self.on_auth(wallet, worker, client, signature);
                None
            }
            Ok(ClientMsg::Submit { id, job_id, nonce, signature }) => self.on_submit(id, &job_id, nonce, &signature),
        }
    }

    fn on_auth(&mut self, wallet: Key, worker: String, client: String, signature: proto::Sig) {
        if self.wallet.is_some() {
            let _ = self.error(ErrorCode::AlreadyAuthorized, "already authorized");
            return;
        }
        if !proto::valid_label(&worker, proto::MAX_WORKER_LEN) || !proto::valid_label(&client, proto::MAX_CLIENT_LEN) {
            let _ = self.error(ErrorCode::InvalidWorker, "worker/client: at most 64 bytes, no control characters");
            return;
        }
        let verifier = match proto::verify_auth(&self.shared.pool, &self.server_nonce, &wallet, &worker, &signature) {
            Ok(v) => v,
            Err(why) => {
                debug!(peer = %self.peer, %wallet, why, "auth failed");
                let _ = self.error(ErrorCode::AuthFailed, "signature does not verify for this pool and server nonce");
                return;
            }
        };
        info!(peer = %self.peer, %wallet, worker, client, "miner authorized");
        self.shared.stats.authorized.fetch_add(1, Ordering::Relaxed);
        let share_bits = self.vardiff.bits();
        self.wallet = Some((wallet, worker.clone(), verifier));
        if let Flow::Close = self.send(&ServerMsg::Authorized { wallet, worker, share_bits }) {
            return;
        }
        self.issue_job(true);
    }

    /// Send a job for the current work (no-op before the first template).
    fn issue_job(&mut self, clean: bool) {
        let Some(work) = self.shared.jobs.current() else { return };
        let t = work.template;
        let range = match self.range {
            Some((challenge, range)) if challenge == t.challenge => range,
            _ => match work.next_range() {
                Some(r) => r,
                None => {
                    warn!("nonce ranges exhausted for this challenge");
                    return;
                }
            },
        };
        let clean = clean && self.range.is_none_or(|(c, _)| c != t.challenge);
        self.range = Some((t.challenge, range));
        self.next_job += 1;
        let job_id = format!("{}.{}", work.epoch, self.next_job);
        let share_bits = self.vardiff.bits();
        let msg = ServerMsg::Job {
            job_id: job_id.clone(),
            challenge: Hex32(t.challenge),
            miner_key: Key(t.miner_key),
            block_count: t.block_count,
            share_bits,
            network_bits: t.network_bits,
            nonce_start: range.0,
            nonce_end: range.1,
            clean,
        };
        self.jobs.push_back((job_id, IssuedJob { work, share_bits, range }));
        while self.jobs.len() > JOBS_KEPT {
            self.jobs.pop_front();
        }
        // Forget nonces of challenges no job refers to any more.
        let live: HashSet<[u8; 32]> = self.jobs.iter().map(|(_, j)| j.work.template.challenge).collect();
        self.seen.retain(|c, _| live.contains(c));
        let _ = self.send(&msg);
    }
}
