//! Reaching Solana: one [`ChainClient`] trait, two implementations.
//!
//! - [`rpc::RpcChain`]: `solana-rpc-client` + `solana-pubsub-client` against any cluster (devnet, mainnet, a
//!   validator), with a list of RPC URLs and failover.
//! - `trez_localnet::embedded::EmbeddedChain` (the `trez-localnet` crate, kept out of the production
//!   relayer): an in-process `solana-program-test` bank with both programs as native processors and the real
//!   SPL Token / ATA programs; the default for `trez-localnet` and end-to-end tests. Its clock follows the
//!   wall clock, and it records the transactions it processed so history queries work.
//!
//! The relayer, the audit and the end-to-end tests reach the chain only through this trait.

pub mod dry_run;
pub mod rpc;

use std::time::Duration;

use async_trait::async_trait;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use solana_sdk::transaction::Transaction;
use tokio::sync::mpsc;

/// Errors from the chain.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// Transport or node trouble: retry, possibly on another URL.
    #[error("rpc: {0}")]
    Rpc(String),
    /// The transaction was processed (or simulated) and failed; `code` is the custom program error if any.
    #[error("transaction failed: {message}")]
    Transaction { code: Option<u32>, message: String },
    /// Not confirmed within the wait.
    #[error("transaction {0} not confirmed in time")]
    Timeout(Signature),
    /// The node does not know the transaction's blockhash (expired, or taken from a node ahead of this one):
    /// re-sign with a fresh blockhash and send again.
    #[error("blockhash not found: {0}")]
    Expired(String),
}

impl ChainError {
    /// Whether retrying (with a fresh blockhash) may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, ChainError::Rpc(_) | ChainError::Timeout(_) | ChainError::Expired(_))
    }

    /// A transaction error the node reported: `BlockhashNotFound` is [`ChainError::Expired`], anything else
    /// [`ChainError::Transaction`] with its custom program error code.
    pub fn from_tx(te: &solana_sdk::transaction::TransactionError, message: String) -> ChainError {
        match te {
            solana_sdk::transaction::TransactionError::BlockhashNotFound => ChainError::Expired(message),
            _ => ChainError::Transaction { code: custom_code(te), message },
        }
    }
}

/// Final status of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    Confirmed { slot: u64 },
    Failed { slot: u64, code: Option<u32>, message: String },
}

/// A processed transaction touching an address (history).
#[derive(Debug, Clone)]
pub struct TxRecord {
    pub signature: Signature,
    pub slot: u64,
    pub ok: bool,
    pub transaction: Transaction,
    /// The instructions its instructions invoked (CPIs), in execution order, as the RPC's
    /// `meta.innerInstructions` gives them. Empty when the node did not record them.
    pub inner: Vec<InnerIx>,
}

/// A landed transaction of any version in the legacy shape the escrow decoder reads: a legacy one as it is;
/// a v0 one with its account keys flattened to the order its instruction indices use (static keys, then the
/// lookup-table addresses the node reports as loaded, writable then read-only). `None` when a v0
/// instruction points past those keys (the node withheld the loaded addresses).
pub fn flatten_transaction(tx: solana_sdk::transaction::VersionedTransaction, writable: Vec<Pubkey>, readonly: Vec<Pubkey>) -> Option<Transaction> {
    use solana_sdk::message::VersionedMessage;
    match tx.message {
        VersionedMessage::Legacy(message) => Some(Transaction { signatures: tx.signatures, message }),
        VersionedMessage::V0(m) => {
            let mut account_keys = m.account_keys;
            account_keys.extend(writable);
            account_keys.extend(readonly);
            let n = account_keys.len();
            let fits = m.instructions.iter().all(|ix| (ix.program_id_index as usize) < n && ix.accounts.iter().all(|&a| (a as usize) < n));
            fits.then(|| Transaction {
                signatures: tx.signatures,
                message: solana_sdk::message::Message { header: m.header, account_keys, recent_blockhash: m.recent_blockhash, instructions: m.instructions },
            })
        }
    }
}

/// One invoked (inner) instruction of a transaction; account and program indices point into the
/// transaction's `account_keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerIx {
    /// Index of the transaction instruction that (directly or not) invoked it.
    pub index: u8,
    pub program_id_index: u8,
    pub accounts: Vec<u8>,
    pub data: Vec<u8>,
}

impl TxRecord {
    /// Every instruction, outer and inner, resolved to keys: (index of the outer instruction, program id,
    /// account keys, data). Indices outside `account_keys` make the instruction skipped.
    pub fn instructions(&self) -> Vec<(u8, Pubkey, Vec<Pubkey>, &[u8])> {
        let keys = &self.transaction.message.account_keys;
        let resolve = |p: u8, a: &[u8]| -> Option<(Pubkey, Vec<Pubkey>)> {
            let program = *keys.get(p as usize)?;
            let accounts = a.iter().map(|&i| keys.get(i as usize).copied()).collect::<Option<Vec<_>>>()?;
            Some((program, accounts))
        };
        let mut out = vec![];
        for (i, ix) in self.transaction.message.instructions.iter().enumerate() {
            let Ok(index) = u8::try_from(i) else { break };
            if let Some((p, a)) = resolve(ix.program_id_index, &ix.accounts) {
                out.push((index, p, a, ix.data.as_slice()));
            }
            for inner in self.inner.iter().filter(|x| x.index == index) {
                if let Some((p, a)) = resolve(inner.program_id_index, &inner.accounts) {
                    out.push((index, p, a, inner.data.as_slice()));
                }
            }
        }
        out
    }
}

/// How the connection to the chain is doing (for `/metrics` and `/health`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainHealth {
    /// The last request succeeded (after failover).
    pub up: bool,
    /// Seconds since requests started failing on every URL (0 while up).
    pub outage_secs: u64,
    /// The account subscription is connected (`None`: this client has no PubSub).
    pub pubsub_connected: Option<bool>,
    /// Times the PubSub connection was (re)established.
    pub pubsub_connects: u64,
}

/// Everything the relayer needs from a chain.
#[async_trait]
pub trait ChainClient: Send + Sync + 'static {
    /// One account (None when it does not exist).
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError>;
    /// Several accounts, in order.
    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError>;
    async fn latest_blockhash(&self) -> Result<Hash, ChainError>;
    /// Send a signed transaction (preflight included); returns its signature without waiting.
    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError>;
    /// Status of a signature: None while unknown/unconfirmed.
    async fn signature_status(&self, signature: &Signature) -> Result<Option<TxStatus>, ChainError>;
    /// A stream of the account's new states (pubsub where available; the caller keeps a polling fallback).
    async fn subscribe_account(&self, address: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError>;
    /// One landed transaction by signature, with its inner instructions (JSON-RPC `getTransaction` at
    /// `confirmed`); None while the chain does not know it.
    async fn get_transaction(&self, signature: &Signature) -> Result<Option<TxRecord>, ChainError>;
    /// Processed transactions that reference `address`, newest first, at most `limit`.
    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError>;
    /// [`ChainClient::history`] newer than `until` (that transaction excluded; all of it when `until` is None
    /// or not among the last `limit`). The RPC client asks the node for just those (`until` of
    /// `getSignaturesForAddress`), so following an account costs one `getTransaction` per new transaction.
    async fn history_until(&self, address: &Pubkey, until: Option<Signature>, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        let mut recs = self.history(address, limit).await?;
        if let Some(pos) = until.and_then(|u| recs.iter().position(|r| r.signature == u)) {
            recs.truncate(pos);
        }
        Ok(recs)
    }
    /// Cluster unix time, seconds.
    async fn unix_time(&self) -> Result<i64, ChainError>;

    /// Transport errors seen so far (metrics).
    fn health(&self) -> ChainHealth {
        ChainHealth { up: true, ..ChainHealth::default() }
    }

    fn error_count(&self) -> u64 {
        0
    }

    /// Recent prioritization fees paid by transactions writing `accounts`, micro-lamports per CU (empty when
    /// the chain has no fee market, as the embedded chain).
    async fn recent_priority_fees(&self, _accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        Ok(vec![])
    }

    /// Send and wait until confirmed or failed (polling the status), up to `timeout`.
    async fn send_and_confirm(&self, tx: &Transaction, timeout: Duration) -> Result<Signature, ChainError> {
        let sig = self.send(tx).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.signature_status(&sig).await? {
                Some(TxStatus::Confirmed { .. }) => return Ok(sig),
                Some(TxStatus::Failed { code, message, .. }) => return Err(ChainError::Transaction { code, message }),
                None => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ChainError::Timeout(sig));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The custom error code inside a transaction error, if any.
pub fn custom_code(err: &solana_sdk::transaction::TransactionError) -> Option<u32> {
    match err {
        solana_sdk::transaction::TransactionError::InstructionError(_, solana_sdk::instruction::InstructionError::Custom(c)) => Some(*c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use solana_sdk::instruction::{AccountMeta, Instruction};
    use solana_sdk::message::{v0, VersionedMessage};
    use solana_sdk::transaction::VersionedTransaction;

    use super::*;

    /// A v0 transaction whose accounts come partly from a lookup table decodes to the same instruction
    /// (program, accounts in order, data) as it was built from; without the loaded addresses it is refused.
    #[test]
    fn a_v0_transaction_flattens_to_its_instructions_accounts() {
        let (payer, program) = (Pubkey::new_unique(), Pubkey::new_unique());
        let table: Vec<Pubkey> = (0..6).map(|_| Pubkey::new_unique()).collect();
        let ix = Instruction::new_with_bytes(
            program,
            &[1, 2, 3],
            vec![AccountMeta::new(table[4], false), AccountMeta::new_readonly(table[1], false), AccountMeta::new(payer, true), AccountMeta::new(table[2], false)],
        );
        let lut = solana_sdk::message::AddressLookupTableAccount { key: Pubkey::new_unique(), addresses: table.clone() };
        let m = v0::Message::try_compile(&payer, std::slice::from_ref(&ix), &[lut], Hash::default()).unwrap();
        let lookup = &m.address_table_lookups[0];
        let writable: Vec<Pubkey> = lookup.writable_indexes.iter().map(|&i| table[i as usize]).collect();
        let readonly: Vec<Pubkey> = lookup.readonly_indexes.iter().map(|&i| table[i as usize]).collect();
        assert!(!writable.is_empty() && !readonly.is_empty(), "the table supplies accounts of both kinds");
        let vt = VersionedTransaction { signatures: vec![Signature::default()], message: VersionedMessage::V0(m) };
        let flat = flatten_transaction(vt.clone(), writable, readonly).expect("decodes");
        let c = &flat.message.instructions[0];
        let keys = &flat.message.account_keys;
        assert_eq!(keys[c.program_id_index as usize], program);
        let accounts: Vec<Pubkey> = c.accounts.iter().map(|&a| keys[a as usize]).collect();
        assert_eq!(accounts, ix.accounts.iter().map(|a| a.pubkey).collect::<Vec<_>>());
        assert_eq!(c.data, ix.data);
        assert!(flatten_transaction(vt, vec![], vec![]).is_none(), "indices past the static keys without loaded addresses");
    }
}
