//! A scripted miner connection for tests and benchmarks: it authenticates, takes jobs, finds shares with
//! the portable SHA-256 path and submits them one at a time, returning each ack with its latency. Unlike the
//! bundled miner (`trez-miner`), it exposes every acked share (challenge, nonce), which the crash test checks
//! against the ledger, and it keeps no engine threads, so thousands of them fit in one process.
//!
//! It speaks the protocol of [`trez_protocol`]; share difficulty is whatever the relayer's vardiff sets, so
//! benchmarks pin `[vardiff] min_bits = max_bits` low.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use trez_protocol::{self as proto, ClientMsg, RejectReason, ServerMsg};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The current job of a connection.
#[derive(Clone, Debug)]
pub struct Job {
    pub job_id: String,
    pub challenge: [u8; 32],
    pub miner_key: [u8; 32],
    pub block_count: u64,
    pub share_bits: u32,
    pub network_bits: u32,
    pub nonce_start: u64,
    pub nonce_end: u64,
    /// Next nonce to try.
    next: u64,
}

/// One answered submit.
#[derive(Clone, Debug)]
pub struct Acked {
    pub challenge: [u8; 32],
    pub block_count: u64,
    pub nonce: u64,
    pub accepted: bool,
    pub reason: Option<RejectReason>,
    pub block: bool,
    /// Submit sent → ack received.
    pub latency: Duration,
    /// When the submit was sent.
    pub sent_at: Instant,
}

/// An authenticated connection.
pub struct Conn {
    ws: Ws,
    next_id: u64,
    /// Signs each submit (protocol v2) for `pool`.
    signer: proto::ShareSigner,
    pool: proto::Key,
    /// The job the next share is found for.
    pub job: Job,
    /// Jobs received since the last call to [`Conn::take_jobs`] (fan-out measurement).
    jobs_seen: Vec<(Instant, u64)>,
}

/// The 32-byte ed25519 secret of a fresh random wallet.
pub fn random_wallet() -> [u8; 32] {
    rand::random()
}

impl Conn {
    /// Connect to `url` (`ws://…`), authenticate with `secret` as `worker`, and wait for the first job.
    /// Errors: connect/handshake failures, a protocol error from the pool, or no job within 10 s.
    pub async fn connect(url: &str, secret: &[u8; 32], worker: &str) -> Result<Conn> {
        let (mut ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| anyhow!("connect {url}: timed out"))?
            .with_context(|| format!("connect {url}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut job = None;
        let mut pool_key = None;
        while job.is_none() {
            let msg = recv(&mut ws, deadline).await?;
            match msg {
                ServerMsg::Hello { server_nonce, pool, .. } => {
                    pool_key = Some(pool);
                    let (wallet, signature) = proto::sign_auth(secret, &pool, &server_nonce, worker);
                    let auth = ClientMsg::Auth { wallet, worker: worker.into(), client: "trez-loadgen/1".into(), signature };
                    ws.send(Message::text(proto::encode(&auth))).await?;
                }
                m @ ServerMsg::Job { .. } => job = to_job(m),
                ServerMsg::Error { code, message } => bail!("pool error {code:?}: {message}"),
                _ => {}
            }
        }
        let job = job.ok_or_else(|| anyhow!("no job"))?;
        let pool = pool_key.ok_or_else(|| anyhow!("no hello"))?;
        Ok(Conn { ws, next_id: 0, signer: proto::ShareSigner::new(secret), pool, job, jobs_seen: vec![] })
    }

    /// Find the next nonce of the current job meeting its share difficulty (CPU, portable SHA-256).
    pub fn find_share(&mut self) -> Result<u64> {
        let j = &mut self.job;
        let mid = trez_pow::Midstate::new(&j.challenge, &j.miner_key, j.block_count);
        while j.next < j.nonce_end {
            let n = j.next;
            j.next += 1;
            if trez_pow::meets_difficulty(&mid.digest(n), j.share_bits) {
                return Ok(n);
            }
        }
        bail!("nonce range of job {} exhausted", j.job_id)
    }

    /// Submit `nonce` for the current job and wait for its ack (jobs arriving meanwhile are taken).
    pub async fn submit(&mut self, nonce: u64) -> Result<Acked> {
        self.next_id += 1;
        let id = self.next_id;
        let (challenge, block_count) = (self.job.challenge, self.job.block_count);
        let signature = self.signer.sign(&self.pool, &challenge, block_count, nonce, self.job.share_bits);
        let msg = ClientMsg::Submit { id, job_id: self.job.job_id.clone(), nonce, signature };
        let sent = Instant::now();
        self.ws.send(Message::text(proto::encode(&msg))).await?;
        let deadline = sent + Duration::from_secs(30);
        loop {
            match recv(&mut self.ws, deadline).await? {
                ServerMsg::Ack { id: got, accepted, reason, block, .. } if got == id => {
                    return Ok(Acked { challenge, block_count, nonce, accepted, reason, block, latency: sent.elapsed(), sent_at: sent });
                }
                m @ ServerMsg::Job { .. } => self.take_job(m),
                ServerMsg::Error { code, message } if code.is_fatal() => bail!("pool error {code:?}: {message}"),
                _ => {}
            }
        }
    }

    /// Find a share and submit it.
    pub async fn mine_one(&mut self) -> Result<Acked> {
        let nonce = self.find_share()?;
        self.submit(nonce).await
    }

    /// Wait for the next job message (up to `timeout`); returns when it arrived.
    pub async fn wait_job(&mut self, timeout: Duration) -> Result<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            if let m @ ServerMsg::Job { .. } = recv(&mut self.ws, deadline).await? {
                self.take_job(m);
                return Ok(Instant::now());
            }
        }
    }

    /// Jobs received (arrival time, block_count) since the last call.
    pub fn take_jobs(&mut self) -> Vec<(Instant, u64)> {
        std::mem::take(&mut self.jobs_seen)
    }

    /// Close the connection politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    fn take_job(&mut self, m: ServerMsg) {
        if let Some(job) = to_job(m) {
            self.jobs_seen.push((Instant::now(), job.block_count));
            self.job = job;
        }
    }
}

fn to_job(m: ServerMsg) -> Option<Job> {
    match m {
        ServerMsg::Job { job_id, challenge, miner_key, block_count, share_bits, network_bits, nonce_start, nonce_end, .. } => Some(Job {
            job_id,
            challenge: challenge.0,
            miner_key: miner_key.0,
            block_count,
            share_bits,
            network_bits,
            nonce_start,
            nonce_end,
            next: nonce_start,
        }),
        _ => None,
    }
}

async fn recv(ws: &mut Ws, deadline: Instant) -> Result<ServerMsg> {
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), ws.next()).await.map_err(|_| anyhow!("timed out waiting for the pool"))?;
        match frame {
            Some(Ok(Message::Text(t))) => return proto::decode_server(t.as_str()).map_err(|e| anyhow!("undecodable message: {e}")),
            Some(Ok(Message::Close(_))) | None => bail!("pool closed the connection"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
        }
    }
}
