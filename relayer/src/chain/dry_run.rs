//! `--dry-run` for the money commands: a [`ChainClient`] that reads through to a real chain and sends
//! nothing. Each transaction a command would send is kept (signed, so its signature is the one it would
//! have) and reported as landed, and the command's caller prints them ([`DryRun::report`]) instead of its
//! result. A command that sends several transactions reads the unchanged chain between them, so only its
//! first transaction is exactly what a real run sends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use serde::Serialize;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::Transaction;
use tokio::sync::mpsc;

use super::{ChainClient, ChainError, TxRecord, TxStatus};

/// Reads from `inner`; keeps what would be sent.
pub struct DryRun {
    inner: Arc<dyn ChainClient>,
    sent: Mutex<Vec<Transaction>>,
}

/// One instruction of a kept transaction, as `--dry-run` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DryInstruction {
    pub program: String,
    /// Each account with `s` (signer) and `w` (writable) marks, e.g. `"7xKX…:sw"`.
    pub accounts: Vec<String>,
    /// The instruction data, hex.
    pub data: String,
}

/// One transaction a command would have sent.
#[derive(Debug, Clone, Serialize)]
pub struct DryTransaction {
    pub signature: String,
    pub fee_payer: String,
    pub instructions: Vec<DryInstruction>,
    /// The signed transaction, base64 (bincode, as `sendTransaction` takes it).
    pub base64: String,
}

impl DryRun {
    pub fn new(inner: Arc<dyn ChainClient>) -> Arc<DryRun> {
        Arc::new(DryRun { inner, sent: Mutex::new(vec![]) })
    }

    /// The transactions kept so far, decoded.
    pub fn report(&self) -> Vec<DryTransaction> {
        let sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.iter()
            .map(|tx| {
                let m = &tx.message;
                let instructions = m
                    .instructions
                    .iter()
                    .map(|ix| DryInstruction {
                        program: m.account_keys.get(ix.program_id_index as usize).map(|k| k.to_string()).unwrap_or_default(),
                        accounts: ix
                            .accounts
                            .iter()
                            .map(|&a| {
                                let i = a as usize;
                                let key = m.account_keys.get(i).map(|k| k.to_string()).unwrap_or_default();
                                let marks = format!("{}{}", if m.is_signer(i) { "s" } else { "" }, if m.is_maybe_writable(i, None) { "w" } else { "" });
                                if marks.is_empty() { key } else { format!("{key}:{marks}") }
                            })
                            .collect(),
                        data: hex::encode(&ix.data),
                    })
                    .collect();
                DryTransaction {
                    signature: tx.signatures.first().map(|s| s.to_string()).unwrap_or_default(),
                    fee_payer: m.account_keys.first().map(|k| k.to_string()).unwrap_or_default(),
                    instructions,
                    base64: bincode::serialize(tx).map(|b| base64::engine::general_purpose::STANDARD.encode(b)).unwrap_or_default(),
                }
            })
            .collect()
    }
}

#[async_trait]
impl ChainClient for DryRun {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.inner.get_account(address).await
    }
    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        self.inner.get_multiple_accounts(addresses).await
    }
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.inner.latest_blockhash().await
    }
    /// Keeps the transaction; sends nothing.
    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(tx.clone());
        Ok(tx.signatures.first().copied().unwrap_or_default())
    }
    /// A kept transaction reads as confirmed (nothing was sent); others come from the chain.
    async fn signature_status(&self, signature: &Signature) -> Result<Option<TxStatus>, ChainError> {
        if self.sent.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|t| t.signatures.first() == Some(signature)) {
            return Ok(Some(TxStatus::Confirmed { slot: 0 }));
        }
        self.inner.signature_status(signature).await
    }
    async fn subscribe_account(&self, address: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError> {
        self.inner.subscribe_account(address).await
    }
    async fn get_transaction(&self, signature: &Signature) -> Result<Option<TxRecord>, ChainError> {
        self.inner.get_transaction(signature).await
    }
    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        self.inner.history(address, limit).await
    }
    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.inner.unix_time().await
    }
    async fn send_and_confirm(&self, tx: &Transaction, _timeout: Duration) -> Result<Signature, ChainError> {
        self.send(tx).await
    }
}
