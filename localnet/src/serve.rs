//! The embedded chain served as Solana JSON-RPC (HTTP) and PubSub (WebSocket) on loopback, answering with the
//! real Solana payload types (`solana-rpc-client-types`, `solana-account-decoder-client-types`,
//! `solana-transaction-status-client-types`). `localnet` serves it so outside tools (the `audit` command, a
//! wallet, `solana account`) can inspect the local pool; tests use it to run the relayer's `RpcChain` over real
//! HTTP and WebSocket exchanges, and can make it fail the next N HTTP requests with 500s.
//!
//! Methods: getAccountInfo, getMultipleAccounts, getLatestBlockhash, sendTransaction (with a preflight
//! failure payload), getSignatureStatuses, getSlot, getBlockTime, getSignaturesForAddress, getTransaction
//! (base64, with inner instructions and, for token-moving transactions, pre/post token balances),
//! and the wallet methods of [`crate::wallet_rpc`] (getBalance, getTokenAccountBalance,
//! getMinimumBalanceForRentExemption, requestAirdrop, getVersion, getHealth, getBlockHeight, getEpochInfo);
//! batch requests (a JSON array); PubSub: accountSubscribe with accountNotification.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_rpc_client_types::response::{
    RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcResponseContext, RpcSimulateTransactionResult,
};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::Transaction;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction, EncodedTransactionWithStatusMeta, TransactionBinaryEncoding,
    TransactionConfirmationStatus, TransactionStatus, UiCompiledInstruction, UiInnerInstructions, UiInstruction,
    UiTransactionStatusMeta,
};
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use tokio_tungstenite::tungstenite::Message;
use trez_relayer::chain::{ChainClient, ChainError, TxRecord, TxStatus};

use crate::embedded::EmbeddedChain;

/// A running JSON-RPC/PubSub server.
pub struct RpcServer {
    pub http_url: String,
    pub ws_url: String,
    state: Arc<FakeState>,
}

struct FakeState {
    chain: Arc<EmbeddedChain>,
    fail_next: AtomicU64,
    /// `sendTransaction`s still to answer with the signature but not process (a leader that drops them).
    drop_sends: AtomicU64,
    sends: AtomicU64,
    requests: AtomicU64,
    /// What `getRecentPrioritizationFees` reports (the embedded chain has no fee market: empty).
    priority_fees: std::sync::Mutex<Vec<u64>>,
}

impl RpcServer {
    /// Serve `chain` on `http` (JSON-RPC) and `ws` (PubSub).
    pub async fn start(chain: Arc<EmbeddedChain>, http: SocketAddr, ws: SocketAddr) -> std::io::Result<RpcServer> {
        let state = Arc::new(FakeState {
            chain,
            fail_next: AtomicU64::new(0),
            drop_sends: AtomicU64::new(0),
            sends: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            priority_fees: std::sync::Mutex::new(vec![]),
        });
        let http = tokio::net::TcpListener::bind(http).await?;
        let http_addr = http.local_addr()?;
        let app = axum::Router::new().route("/", axum::routing::post(rpc)).with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(http, app).await;
        });
        let ws = tokio::net::TcpListener::bind(ws).await?;
        let ws_addr: SocketAddr = ws.local_addr()?;
        let ws_state = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                tokio::spawn(pubsub(stream, ws_state.clone()));
            }
        });
        Ok(RpcServer { http_url: format!("http://{http_addr}"), ws_url: format!("ws://{ws_addr}"), state })
    }

    /// Answer the next `n` HTTP requests with 500 Internal Server Error.
    pub fn fail_next(&self, n: u64) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    /// Answer the next `n` `sendTransaction`s with their signature but drop the transactions, as a
    /// congested leader does (fault tests of rebroadcasting).
    pub fn drop_next_sends(&self, n: u64) {
        self.state.drop_sends.store(n, Ordering::SeqCst);
    }

    /// `sendTransaction` requests served so far.
    pub fn sends(&self) -> u64 {
        self.state.sends.load(Ordering::SeqCst)
    }

    /// Set what `getRecentPrioritizationFees` reports, micro-lamports per CU (tests of the fee logic).
    pub fn set_priority_fees(&self, fees: Vec<u64>) {
        *self.state.priority_fees.lock().unwrap_or_else(|e| e.into_inner()) = fees;
    }

    /// HTTP requests served so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }
}

pub(crate) fn ui_account(a: &Account) -> UiAccount {
    UiAccount {
        lamports: a.lamports,
        data: UiAccountData::Binary(base64::engine::general_purpose::STANDARD.encode(&a.data), UiAccountEncoding::Base64),
        owner: a.owner.to_string(),
        executable: a.executable,
        rent_epoch: a.rent_epoch,
        space: Some(a.data.len() as u64),
    }
}

fn ctx(slot: u64) -> RpcResponseContext {
    RpcResponseContext { slot, api_version: None }
}

fn pubkey(v: &Value) -> Result<Pubkey, String> {
    v.as_str().ok_or("expected a pubkey string")?.parse().map_err(|e| format!("{e}"))
}

fn ok(id: &Value, result: impl serde::Serialize) -> Value {
    json!({"jsonrpc": "2.0", "result": result, "id": id})
}

fn err(id: &Value, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut e = json!({"code": code, "message": message});
    if let Some(d) = data {
        e["data"] = d;
    }
    json!({"jsonrpc": "2.0", "error": e, "id": id})
}

async fn rpc(State(st): State<Arc<FakeState>>, Json(req): Json<Value>) -> Response {
    // A batch: each request answered in order, in one array.
    if let Value::Array(reqs) = req {
        let mut out = Vec::with_capacity(reqs.len());
        for r in reqs {
            let resp = Box::pin(rpc(State(st.clone()), Json(r))).await;
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
            out.push(serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null));
        }
        return Json(Value::Array(out)).into_response();
    }
    st.requests.fetch_add(1, Ordering::SeqCst);
    if st.fail_next.load(Ordering::SeqCst) > 0 {
        st.fail_next.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::INTERNAL_SERVER_ERROR, "injected failure").into_response();
    }
    let id = req["id"].clone();
    let params = req["params"].clone();
    let chain = &st.chain;
    let slot = chain.slot();
    let fees = st.priority_fees.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let method = req["method"].as_str().unwrap_or("");
    let dropping = method == "sendTransaction" && {
        st.sends.fetch_add(1, Ordering::SeqCst);
        st.drop_sends.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    };
    let answer = if dropping { dropped(&params, &id) } else { handle(chain, slot, method, &params, &id, fees).await };
    let body = match answer {
        Ok(v) => v,
        Err(message) => err(&id, -32602, &message, None),
    };
    Json(body).into_response()
}

async fn handle(chain: &Arc<EmbeddedChain>, slot: u64, method: &str, params: &Value, id: &Value, fees: Vec<u64>) -> Result<Value, String> {
    let e = |x: ChainError| x.to_string();
    Ok(match method {
        "getAccountInfo" => {
            let acc = chain.get_account(&pubkey(&params[0])?).await.map_err(e)?;
            ok(id, json!({"context": ctx(slot), "value": acc.as_ref().map(ui_account)}))
        }
        "getMultipleAccounts" => {
            let keys = params[0].as_array().ok_or("expected an array of pubkeys")?.iter().map(pubkey).collect::<Result<Vec<_>, _>>()?;
            let accs = chain.get_multiple_accounts(&keys).await.map_err(e)?;
            let v: Vec<Option<UiAccount>> = accs.iter().map(|a| a.as_ref().map(ui_account)).collect();
            ok(id, json!({"context": ctx(slot), "value": v}))
        }
        "getLatestBlockhash" => {
            let h = chain.latest_blockhash().await.map_err(e)?;
            ok(id, json!({"context": ctx(slot), "value": RpcBlockhash { blockhash: h.to_string(), last_valid_block_height: slot + 150 }}))
        }
        "sendTransaction" => send_transaction(chain, params, id).await?,
        "getSignatureStatuses" => signature_statuses(chain, slot, params, id).await?,
        "getSlot" => ok(id, slot),
        "getRecentPrioritizationFees" => ok(
            id,
            fees.iter()
                .map(|f| solana_rpc_client_types::response::RpcPrioritizationFee { slot, prioritization_fee: *f })
                .collect::<Vec<_>>(),
        ),
        "getBlockTime" => ok(id, chain.unix_time().await.map_err(e)?),
        "getSignaturesForAddress" => signatures_for_address(chain, params, id).await?,
        "getTransaction" => get_transaction(chain, params, id).await?,
        other => match crate::wallet_rpc::handle(chain, slot, other, params).await {
            Some(r) => ok(id, r?),
            None => err(id, -32601, &format!("method not found: {other}"), None),
        },
    })
}

/// PubSub: `accountSubscribe` → subscription id, then `accountNotification`s for every change.
async fn pubsub(stream: tokio::net::TcpStream, st: Arc<FakeState>) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let (mut sink, mut source) = ws.split();
    let (out_tx, mut out_rx) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move {
        while let Some(m) = out_rx.recv().await {
            if sink.send(Message::text(m)).await.is_err() {
                return;
            }
        }
    });
    let mut next_sub = 1u64;
    while let Some(Ok(msg)) = source.next().await {
        let Message::Text(text) = msg else { continue };
        let Ok(req) = serde_json::from_str::<Value>(text.as_str()) else { continue };
        if req["method"] != "accountSubscribe" {
            let _ = out_tx.send(err(&req["id"], -32601, "method not found", None).to_string()).await;
            continue;
        }
        let Ok(key) = pubkey(&req["params"][0]) else { continue };
        let sub = next_sub;
        next_sub += 1;
        let _ = out_tx.send(ok(&req["id"], sub).to_string()).await;
        let Ok(mut rx) = st.chain.subscribe_account(&key).await else { continue };
        let out = out_tx.clone();
        let chain = st.chain.clone();
        tokio::spawn(async move {
            while let Some(acc) = rx.recv().await {
                let note = json!({
                    "jsonrpc": "2.0",
                    "method": "accountNotification",
                    "params": {"result": {"context": ctx(chain.slot()), "value": ui_account(&acc)}, "subscription": sub}
                });
                if out.send(note.to_string()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// A token balance as `meta.preTokenBalances` / `postTokenBalances` give it.
fn ui_token_balance(b: &crate::embedded::TokenBalance) -> solana_transaction_status_client_types::UiTransactionTokenBalance {
    let ui = crate::wallet_rpc::ui_amount(b.amount, b.decimals);
    solana_transaction_status_client_types::UiTransactionTokenBalance {
        account_index: b.account_index,
        mint: b.mint.to_string(),
        ui_token_amount: solana_account_decoder_client_types::token::UiTokenAmount {
            ui_amount: ui["uiAmount"].as_f64(),
            decimals: b.decimals,
            amount: b.amount.to_string(),
            ui_amount_string: ui["uiAmountString"].as_str().unwrap_or_default().to_string(),
        },
        owner: OptionSerializer::Some(b.owner.to_string()),
        program_id: OptionSerializer::Some(b.program.to_string()),
    }
}

/// A landed transaction's status meta: success, the inner instructions the bank recorded, and (for a
/// token-moving one) its token accounts' balances before and after.
fn meta(r: &TxRecord, balances: Option<(Vec<crate::embedded::TokenBalance>, Vec<crate::embedded::TokenBalance>)>) -> UiTransactionStatusMeta {
    let mut groups: Vec<UiInnerInstructions> = vec![];
    for ix in &r.inner {
        let c = UiInstruction::Compiled(UiCompiledInstruction {
            program_id_index: ix.program_id_index,
            accounts: ix.accounts.clone(),
            data: bs58::encode(&ix.data).into_string(),
            stack_height: None,
        });
        match groups.last_mut() {
            Some(g) if g.index == ix.index => g.instructions.push(c),
            _ => groups.push(UiInnerInstructions { index: ix.index, instructions: vec![c] }),
        }
    }
    UiTransactionStatusMeta {
        err: None,
        status: Ok(()),
        fee: 5_000,
        pre_balances: vec![],
        post_balances: vec![],
        inner_instructions: OptionSerializer::Some(groups),
        log_messages: OptionSerializer::None,
        pre_token_balances: balances.as_ref().map_or(OptionSerializer::None, |(pre, _)| OptionSerializer::Some(pre.iter().map(ui_token_balance).collect())),
        post_token_balances: balances.as_ref().map_or(OptionSerializer::None, |(_, post)| OptionSerializer::Some(post.iter().map(ui_token_balance).collect())),
        rewards: OptionSerializer::None,
        loaded_addresses: OptionSerializer::Skip,
        return_data: OptionSerializer::Skip,
        compute_units_consumed: OptionSerializer::Skip,
        cost_units: OptionSerializer::Skip,
    }
}

/// `sendTransaction`.
/// A `sendTransaction` dropped on purpose: answered with the transaction's signature, never processed.
fn dropped(params: &Value, id: &Value) -> Result<Value, String> {
    let raw = base64::engine::general_purpose::STANDARD.decode(params[0].as_str().ok_or("expected base64")?).map_err(|x| x.to_string())?;
    let tx: Transaction = bincode::deserialize(&raw).map_err(|x| x.to_string())?;
    let sig = tx.signatures.first().ok_or("transaction has no signature")?;
    Ok(ok(id, sig.to_string()))
}

/// `sendTransaction`.
async fn send_transaction(chain: &Arc<EmbeddedChain>, params: &Value, id: &Value) -> Result<Value, String> {
    let e = |x: ChainError| x.to_string();
    Ok({
        let raw = base64::engine::general_purpose::STANDARD.decode(params[0].as_str().ok_or("expected base64")?).map_err(|x| x.to_string())?;
        let tx: Transaction = bincode::deserialize(&raw).map_err(|x| x.to_string())?;
        let (sig, result, logs) = chain.process(&tx).await.map_err(e)?;
        match result {
            Ok(()) => ok(id, sig.to_string()),
            Err(te) => {
                let sim = RpcSimulateTransactionResult {
                    err: Some(te.clone().into()),
                    logs: Some(logs),
                    accounts: None,
                    units_consumed: None,
                    loaded_accounts_data_size: None,
                    return_data: None,
                    inner_instructions: None,
                    replacement_blockhash: None,
                    fee: None,
                    pre_balances: None,
                    post_balances: None,
                    pre_token_balances: None,
                    post_token_balances: None,
                    loaded_addresses: None,
                };
                err(id, -32002, &format!("Transaction simulation failed: {te}"), Some(serde_json::to_value(sim).map_err(|x| x.to_string())?))
            }
        }
    })
}

/// `getSignatureStatuses`.
async fn signature_statuses(chain: &Arc<EmbeddedChain>, slot: u64, params: &Value, id: &Value) -> Result<Value, String> {
    let e = |x: ChainError| x.to_string();
    Ok({
        let mut out = vec![];
        for s in params[0].as_array().ok_or("expected signatures")? {
            let sig: Signature = s.as_str().ok_or("signature")?.parse().map_err(|x| format!("{x}"))?;
            out.push(chain.signature_status(&sig).await.map_err(e)?.map(|st| match st {
                TxStatus::Confirmed { slot } => TransactionStatus {
                    slot,
                    confirmations: None,
                    status: Ok(()),
                    err: None,
                    confirmation_status: Some(TransactionConfirmationStatus::Finalized),
                },
                TxStatus::Failed { slot, .. } => TransactionStatus {
                    slot,
                    confirmations: None,
                    status: Err(solana_sdk::transaction::TransactionError::AccountNotFound),
                    err: Some(solana_sdk::transaction::TransactionError::AccountNotFound),
                    confirmation_status: Some(TransactionConfirmationStatus::Finalized),
                },
            }));
        }
        ok(id, json!({"context": ctx(slot), "value": out}))
    })
}

/// `getSignaturesForAddress`.
async fn signatures_for_address(chain: &Arc<EmbeddedChain>, params: &Value, id: &Value) -> Result<Value, String> {
    let e = |x: ChainError| x.to_string();
    Ok({
        let limit = params[1]["limit"].as_u64().unwrap_or(1000).min(1000) as usize;
        let before = params[1]["before"].as_str();
        let until = params[1]["until"].as_str();
        let recs = chain.history(&pubkey(&params[0])?, usize::MAX).await.map_err(e)?;
        // Newest first; `before` starts the page after that signature, `until` ends it before that one.
        let start = match before {
            Some(b) => recs.iter().position(|r| r.signature.to_string() == b).map_or(recs.len(), |i| i + 1),
            None => 0,
        };
        let v: Vec<RpcConfirmedTransactionStatusWithSignature> = recs[start..]
            .iter()
            .take_while(|r| until.is_none_or(|u| r.signature.to_string() != u))
            .take(limit)
            .map(|r| RpcConfirmedTransactionStatusWithSignature {
                signature: r.signature.to_string(),
                slot: r.slot,
                err: None,
                memo: None,
                block_time: None,
                confirmation_status: Some(TransactionConfirmationStatus::Finalized),
            })
            .collect();
        ok(id, v)
    })
}

/// `getTransaction`.
async fn get_transaction(chain: &Arc<EmbeddedChain>, params: &Value, id: &Value) -> Result<Value, String> {
    Ok({
        let sig: Signature = params[0].as_str().ok_or("signature")?.parse().map_err(|x| format!("{x}"))?;
        match chain.transaction(&sig) {
            None => ok(id, Value::Null),
            Some(r) => {
                let raw = bincode::serialize(&r.transaction).map_err(|x| x.to_string())?;
                ok(
                    id,
                    EncodedConfirmedTransactionWithStatusMeta {
                        slot: r.slot,
                        transaction: EncodedTransactionWithStatusMeta {
                            transaction: EncodedTransaction::Binary(
                                base64::engine::general_purpose::STANDARD.encode(raw),
                                TransactionBinaryEncoding::Base64,
                            ),
                            meta: Some(meta(&r, chain.token_balances(&sig))),
                            version: None,
                        },
                        block_time: None,
                    },
                )
            }
        }
    })
}
