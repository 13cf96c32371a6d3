//! The RPC chain: `solana-rpc-client` (HTTP JSON-RPC) and `solana-pubsub-client` (WebSocket `accountSubscribe`)
//! against devnet, mainnet or any validator. Several RPC URLs may be given: a request that fails with a
//! transport error moves to the next URL (failover) and is retried there once per URL.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcSendTransactionConfig, RpcTransactionConfig};
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::Transaction;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiInnerInstructions, UiInstruction, UiLoadedAddresses, UiTransactionEncoding,
};
use tokio::sync::mpsc;
use tracing::warn;

use super::{custom_code, ChainClient, ChainError, InnerIx, TxRecord, TxStatus};

/// RPC chain client with failover over `urls`.
pub struct RpcChain {
    clients: Vec<RpcClient>,
    ws_urls: Vec<String>,
    current: AtomicUsize,
    /// RPC errors seen (for metrics).
    pub errors: Arc<AtomicUsize>,
    /// Transactions sent again while unconfirmed ([`ChainClient::send_and_confirm`]).
    pub rebroadcasts: AtomicU64,
    /// How often an unconfirmed transaction is sent again (default [`REBROADCAST_EVERY`]).
    rebroadcast_every: Duration,
    state: Arc<State>,
}

/// How often an unconfirmed transaction is sent again, while its blockhash lives (about 60 s).
pub const REBROADCAST_EVERY: Duration = Duration::from_secs(2);

/// Outage and PubSub bookkeeping.
#[derive(Default)]
struct State {
    /// Unix ms when every URL started failing; 0 while up.
    failing_since_ms: AtomicU64,
    pubsub_connected: AtomicBool,
    pubsub_connects: AtomicU64,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The PubSub URL of an HTTP RPC URL (`http` → `ws`, `https` → `wss`; port + 1 for a local validator's
/// default 8899 → 8900).
pub fn ws_url_for(http: &str) -> String {
    let ws = if let Some(rest) = http.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = http.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        http.to_string()
    };
    ws.replace(":8899", ":8900")
}

fn classify(e: ClientError) -> ChainError {
    match e.kind() {
        ErrorKind::TransactionError(te) => ChainError::from_tx(te, te.to_string()),
        ErrorKind::RpcError(solana_rpc_client_api::request::RpcError::RpcResponseError {
            data: solana_rpc_client_api::request::RpcResponseErrorData::SendTransactionPreflightFailure(sim),
            message,
            ..
        }) => {
            let logs = sim.logs.clone().unwrap_or_default().join("\n");
            let message = format!("{message}; logs:\n{logs}");
            match &sim.err {
                Some(e) => ChainError::from_tx(&e.clone().into(), message),
                None => ChainError::Transaction { code: None, message },
            }
        }
        // Invalid params: the node refused the request itself (a transaction over 1,232 bytes, a malformed
        // one). Sending it again, here or to another node, cannot help.
        ErrorKind::RpcError(solana_rpc_client_api::request::RpcError::RpcResponseError { code: -32602, message, .. }) => {
            ChainError::Transaction { code: None, message: format!("rejected by the node: {message}") }
        }
        _ => ChainError::Rpc(e.to_string()),
    }
}

impl RpcChain {
    /// Clients for `urls` (at least one) at `confirmed` commitment; PubSub URLs derived with [`ws_url_for`]
    /// unless given.
    pub fn new(urls: &[String], ws_urls: Option<&[String]>) -> Result<RpcChain, ChainError> {
        if urls.is_empty() {
            return Err(ChainError::Rpc("no RPC URL configured".into()));
        }
        let clients = urls
            .iter()
            .map(|u| RpcClient::new_with_timeout_and_commitment(u.clone(), Duration::from_secs(15), CommitmentConfig::confirmed()))
            .collect();
        let ws_urls = match ws_urls {
            Some(w) if !w.is_empty() => w.to_vec(),
            _ => urls.iter().map(|u| ws_url_for(u)).collect(),
        };
        Ok(RpcChain {
            clients,
            ws_urls,
            current: AtomicUsize::new(0),
            errors: Arc::new(AtomicUsize::new(0)),
            rebroadcasts: AtomicU64::new(0),
            rebroadcast_every: REBROADCAST_EVERY,
            state: Arc::default(),
        })
    }

    /// Send unconfirmed transactions again every `every` instead of [`REBROADCAST_EVERY`].
    pub fn with_rebroadcast_every(mut self, every: Duration) -> RpcChain {
        self.rebroadcast_every = every.max(Duration::from_millis(100));
        self
    }

    /// Run `f` against the current client; on a transport error move to the next URL and retry, once per URL.
    async fn with_failover<'a, T, F, Fut>(&'a self, f: F) -> Result<T, ChainError>
    where
        F: Fn(&'a RpcClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let n = self.clients.len();
        let mut last = ChainError::Rpc("no attempt".into());
        for _ in 0..n {
            let i = self.current.load(Ordering::Relaxed) % n;
            match f(&self.clients[i]).await {
                Ok(v) => {
                    self.state.failing_since_ms.store(0, Ordering::Relaxed);
                    return Ok(v);
                }
                Err(e) => {
                    let err = classify(e);
                    if !err.is_transient() {
                        // The node answered: the chain is reachable.
                        self.state.failing_since_ms.store(0, Ordering::Relaxed);
                        return Err(err);
                    }
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    warn!(url = self.clients[i].url(), error = %err, "rpc error; failing over");
                    let _ = self.current.compare_exchange(i, (i + 1) % n, Ordering::Relaxed, Ordering::Relaxed);
                    last = err;
                }
            }
        }
        let _ = self.state.failing_since_ms.compare_exchange(0, now_ms().max(1), Ordering::Relaxed, Ordering::Relaxed);
        Err(last)
    }
}

#[async_trait]
impl ChainClient for RpcChain {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.with_failover(|c| async move { c.get_account_with_commitment(address, CommitmentConfig::confirmed()).await.map(|r| r.value) })
            .await
    }

    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(100) {
            out.extend(self.with_failover(|c| async move { c.get_multiple_accounts(chunk).await }).await?);
        }
        Ok(out)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.with_failover(|c| async move { c.get_latest_blockhash().await }).await
    }

    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError> {
        let cfg = RpcSendTransactionConfig { skip_preflight: false, max_retries: Some(0), ..Default::default() };
        self.with_failover(|c| async move { c.send_transaction_with_config(tx, cfg).await }).await
    }

    /// Send, then poll the status; until it is confirmed, failed or `timeout` passes, the same signed
    /// transaction is sent again every [`REBROADCAST_EVERY`] (see [`RpcChain::with_rebroadcast_every`]) (without preflight: it was simulated once). A
    /// node or leader that dropped it gets it again; one that has it drops the duplicate (same signature).
    /// A blockhash that expired meanwhile ends it ([`ChainError::Expired`]: re-sign and send anew).
    async fn send_and_confirm(&self, tx: &Transaction, timeout: Duration) -> Result<Signature, ChainError> {
        let sig = self.send(tx).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut resend_at = tokio::time::Instant::now() + self.rebroadcast_every;
        loop {
            match self.signature_status(&sig).await? {
                Some(TxStatus::Confirmed { .. }) => return Ok(sig),
                Some(TxStatus::Failed { code, message, .. }) => return Err(ChainError::Transaction { code, message }),
                None => {}
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(ChainError::Timeout(sig));
            }
            if now >= resend_at {
                resend_at = now + self.rebroadcast_every;
                self.rebroadcasts.fetch_add(1, Ordering::Relaxed);
                let cfg = RpcSendTransactionConfig { skip_preflight: true, max_retries: Some(0), ..Default::default() };
                match self.with_failover(|c| async move { c.send_transaction_with_config(tx, cfg).await }).await {
                    Err(ChainError::Expired(_)) if self.signature_status(&sig).await?.is_none() => return Err(ChainError::Expired(sig.to_string())),
                    // Already processed, a node hiccup: the status poll decides.
                    _ => {}
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn signature_status(&self, signature: &Signature) -> Result<Option<TxStatus>, ChainError> {
        let statuses = self.with_failover(|c| async move { c.get_signature_statuses(&[*signature]).await.map(|r| r.value) }).await?;
        Ok(statuses.into_iter().next().flatten().and_then(|s| {
            let confirmed = s.satisfies_commitment(CommitmentConfig::confirmed());
            match s.err {
                Some(e) => Some(TxStatus::Failed { slot: s.slot, code: custom_code(&e), message: e.to_string() }),
                None if confirmed => Some(TxStatus::Confirmed { slot: s.slot }),
                None => None,
            }
        }))
    }

    async fn subscribe_account(&self, address: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError> {
        let (tx, rx) = mpsc::channel(16);
        let urls = self.ws_urls.clone();
        let address = *address;
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut i = 0usize;
            loop {
                let url = &urls[i % urls.len()];
                match PubsubClient::new(url.as_str()).await {
                    Ok(client) => {
                        let cfg = RpcAccountInfoConfig {
                            encoding: Some(UiAccountEncoding::Base64),
                            commitment: Some(CommitmentConfig::confirmed()),
                            ..Default::default()
                        };
                        match client.account_subscribe(&address, Some(cfg)).await {
                            Ok((mut stream, _unsub)) => {
                                use futures_util::StreamExt;
                                state.pubsub_connected.store(true, Ordering::Relaxed);
                                state.pubsub_connects.fetch_add(1, Ordering::Relaxed);
                                while let Some(update) = stream.next().await {
                                    if let Some(acc) = update.value.decode::<Account>() {
                                        if tx.send(acc).await.is_err() {
                                            return;
                                        }
                                    }
                                }
                                state.pubsub_connected.store(false, Ordering::Relaxed);
                                warn!(url, "account subscription ended; polling until it is back");
                            }
                            Err(e) => warn!(url, error = %e, "accountSubscribe failed"),
                        }
                    }
                    Err(e) => warn!(url, error = %e, "pubsub connect failed"),
                }
                if tx.is_closed() {
                    return;
                }
                i += 1;
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
        Ok(rx)
    }

    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        self.history_until(address, None, limit).await
    }

    async fn history_until(&self, address: &Pubkey, until: Option<Signature>, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        // getSignaturesForAddress pages by at most 1,000, newest first; `before` continues from the last,
        // `until` stops at a known signature.
        let mut sigs = vec![];
        let mut before: Option<Signature> = None;
        while sigs.len() < limit {
            let want = (limit - sigs.len()).min(1000);
            let page = self
                .with_failover(|c| async move {
                    let cfg = solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config {
                        before,
                        until,
                        limit: Some(want),
                        commitment: Some(CommitmentConfig::confirmed()),
                    };
                    c.get_signatures_for_address_with_config(address, cfg).await
                })
                .await?;
            let n = page.len();
            before = page.last().and_then(|s| s.signature.parse().ok());
            sigs.extend(page);
            if n < want || before.is_none() {
                break;
            }
        }
        // A node that ignores `until` still gets cut there.
        if let Some(pos) = until.and_then(|u| sigs.iter().position(|s| s.signature == u.to_string())) {
            sigs.truncate(pos);
        }
        let mut out = Vec::with_capacity(sigs.len());
        for s in sigs {
            let Ok(signature) = s.signature.parse::<Signature>() else { continue };
            if let Some(rec) = self.get_transaction(&signature).await? {
                out.push(rec);
            }
        }
        Ok(out)
    }

    async fn get_transaction(&self, signature: &Signature) -> Result<Option<TxRecord>, ChainError> {
        let tcfg = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            max_supported_transaction_version: Some(0),
        };
        let params = serde_json::json!([signature.to_string(), tcfg]);
        let tx: Option<EncodedConfirmedTransactionWithStatusMeta> = self
            .with_failover(|c| {
                let params = params.clone();
                async move { c.send(solana_rpc_client_api::request::RpcRequest::GetTransaction, params).await }
            })
            .await?;
        let Some(tx) = tx else { return Ok(None) };
        let meta = tx.transaction.meta.as_ref();
        let ok = meta.is_none_or(|m| m.err.is_none());
        let inner = match meta.map(|m| &m.inner_instructions) {
            Some(OptionSerializer::Some(groups)) => inner_from_ui(groups),
            _ => vec![],
        };
        // Legacy and v0: a v0 message's accounts are its static keys, then the addresses its lookup tables
        // loaded (writable, then read-only), as the node reports them.
        let loaded = |f: fn(&UiLoadedAddresses) -> &Vec<String>| -> Vec<Pubkey> {
            match meta.map(|m| &m.loaded_addresses) {
                Some(OptionSerializer::Some(l)) => f(l).iter().filter_map(|k| k.parse().ok()).collect(),
                _ => vec![],
            }
        };
        let (writable, readonly) = (loaded(|l| &l.writable), loaded(|l| &l.readonly));
        let Some(transaction) = tx.transaction.transaction.decode().and_then(|v| super::flatten_transaction(v, writable, readonly)) else { return Ok(None) };
        Ok(Some(TxRecord { signature: *signature, slot: tx.slot, ok, transaction, inner }))
    }

    fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed) as u64
    }

    fn health(&self) -> super::ChainHealth {
        let since = self.state.failing_since_ms.load(Ordering::Relaxed);
        super::ChainHealth {
            up: since == 0,
            outage_secs: if since == 0 { 0 } else { now_ms().saturating_sub(since) / 1000 },
            pubsub_connected: Some(self.state.pubsub_connected.load(Ordering::Relaxed)),
            pubsub_connects: self.state.pubsub_connects.load(Ordering::Relaxed),
        }
    }

    async fn recent_priority_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        let fees = self.with_failover(|c| async move { c.get_recent_prioritization_fees(accounts).await }).await?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        let slot = self.with_failover(|c| async move { c.get_slot().await }).await?;
        self.with_failover(|c| async move { c.get_block_time(slot).await }).await
    }
}

/// The RPC's `innerInstructions` (compiled form, base58 data) as [`InnerIx`]; parsed forms are skipped.
fn inner_from_ui(groups: &[UiInnerInstructions]) -> Vec<InnerIx> {
    let mut out = vec![];
    for g in groups {
        for ix in &g.instructions {
            if let UiInstruction::Compiled(c) = ix {
                if let Ok(data) = bs58::decode(&c.data).into_vec() {
                    out.push(InnerIx { index: g.index, program_id_index: c.program_id_index, accounts: c.accounts.clone(), data });
                }
            }
        }
    }
    out
}
