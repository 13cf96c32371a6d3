//! The solution path: a block-meeting share received → the `submit_solution` transaction handed to the chain
//! client. The pipeline runs in this process on the embedded chain behind a chain client that stamps every
//! `send` carrying `submit_solution` (the moment a real RPC client would start its HTTP request); a scripted
//! miner stamps each submit as it writes it to the socket. The interval includes the WebSocket hop, share
//! validation, the share's durable ledger commit (a block is never submitted before its share is durable), the
//! hand-off to the submitter and signing with the blockhash the chain watcher keeps warm (a fresh solution is
//! sent without reading the chain first); it excludes the RPC itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anchor_lang::Discriminator;
use anyhow::{Context, Result};
use async_trait::async_trait;
use serde::Serialize;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use tokio::sync::mpsc;
use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::{ChainClient, ChainError, TxRecord, TxStatus};
use trez_relayer::config::ChainOptions;
use trez_relayer::poolchain::PoolChain;
use trez_relayer::setup;
use trez_relayer::pipeline::Pipeline;

#[derive(Serialize, Debug)]
pub struct SolutionResults {
    pub blocks: usize,
    pub p50_ms: f64,
    pub max_ms: f64,
}

/// Delegates to the embedded chain; stamps `submit_solution` sends by nonce.
struct Stamping {
    inner: Arc<EmbeddedChain>,
    sent: Mutex<HashMap<u64, Instant>>,
}

#[async_trait]
impl ChainClient for Stamping {
    async fn get_account(&self, a: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.inner.get_account(a).await
    }
    async fn get_multiple_accounts(&self, a: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        self.inner.get_multiple_accounts(a).await
    }
    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.inner.latest_blockhash().await
    }
    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError> {
        let now = Instant::now();
        let keys = &tx.message.account_keys;
        for ix in &tx.message.instructions {
            let is_pool = keys.get(ix.program_id_index as usize) == Some(&trez_sdk::ids::POOL);
            if is_pool && ix.data.starts_with(trez_pool::instruction::SubmitSolution::DISCRIMINATOR) && ix.data.len() >= 16 {
                let nonce = u64::from_le_bytes(ix.data[8..16].try_into().unwrap_or_default());
                self.sent.lock().unwrap_or_else(|e| e.into_inner()).entry(nonce).or_insert(now);
            }
        }
        self.inner.send(tx).await
    }
    async fn signature_status(&self, s: &Signature) -> Result<Option<TxStatus>, ChainError> {
        self.inner.signature_status(s).await
    }
    async fn subscribe_account(&self, a: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError> {
        self.inner.subscribe_account(a).await
    }
    async fn get_transaction(&self, s: &Signature) -> Result<Option<TxRecord>, ChainError> {
        self.inner.get_transaction(s).await
    }
    async fn history(&self, a: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        self.inner.history(a, limit).await
    }
    async fn unix_time(&self) -> Result<i64, ChainError> {
        self.inner.unix_time().await
    }
}

const BLOCKS: usize = 20;

/// A TREZ replica at network difficulty 12 bits and a pool on `chain` (fee 1%, payouts from 1 base unit): the
/// relayer key (funded) and the pool's addresses. Shares at 8 bits make one share in 16 a block.
pub async fn bench_pool(chain: &EmbeddedChain) -> Result<(Arc<Keypair>, setup::PoolAddresses)> {
    let admin = Keypair::new();
    let relayer = Arc::new(Keypair::new());
    chain.airdrop(&admin.pubkey(), 10_000_000_000).await?;
    chain.airdrop(&relayer.pubkey(), 100_000_000_000).await?;
    let mint = setup::init_trez(chain, &admin, setup::TrezGenesis::new(12, 12, 12, 50_000_000, 60)).await?;
    let args = trez_sdk::pool::InitializePoolArgs { relayer: relayer.pubkey(), fee_bps: 100, max_fee_bps: 500, fee_timelock_seconds: 0, min_payout: 1, strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS };
    Ok((relayer.clone(), setup::init_pool(chain, &admin, mint, args).await?))
}

pub fn run() -> Result<SolutionResults> {
    println!("\n== solution path (block share sent → submit_solution handed to the chain client) ==");
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let chain = EmbeddedChain::start().await;
        let (relayer, addrs) = bench_pool(&chain).await?;
        let stamping = Arc::new(Stamping { inner: chain.clone(), sent: Mutex::default() });
        let opts = ChainOptions { poll_interval_ms: 100, payout_interval_secs: 3_600, ..ChainOptions::default() };
        let pc = PoolChain::connect(stamping.clone() as Arc<dyn ChainClient>, relayer, addrs.pool.parse()?, opts).await?;
        let dir = tempfile::tempdir()?;
        let mut config = trez_relayer::config::Config::default();
        config.ledger.path = dir.path().join("l.db");
        config.vardiff.initial_bits = 8;
        config.vardiff.min_bits = 8;
        config.vardiff.max_bits = 8;
        let ledger = trez_relayer::ledger::open(&config.ledger)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let p = Pipeline::start(listener, None, config, pc.clone(), ledger).await?;
        let mut conn = trez_relayer::loadgen::Conn::connect(&format!("ws://{}", p.addr), &trez_relayer::loadgen::random_wallet(), "bench").await?;
        let mut blocks = vec![];
        let deadline = Instant::now() + Duration::from_secs(120);
        while blocks.len() < BLOCKS && Instant::now() < deadline {
            let a = conn.mine_one().await?;
            if a.accepted && a.block {
                blocks.push((a.nonce, a.sent_at));
                // Let the block land and the next challenge arrive before mining on.
                let bc = a.block_count;
                let wait = Instant::now() + Duration::from_secs(10);
                while conn.job.block_count <= bc && Instant::now() < wait {
                    let _ = conn.wait_job(Duration::from_millis(500)).await;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent = stamping.sent.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut ms: Vec<f64> =
            blocks.iter().filter_map(|(n, t)| sent.get(n).map(|s| s.saturating_duration_since(*t).as_secs_f64() * 1e3)).collect();
        ms.sort_by(f64::total_cmp);
        conn.close().await;
        p.stop().await?;
        let r = SolutionResults { blocks: ms.len(), p50_ms: ms.get(ms.len() / 2).copied().context("no block was submitted")?, max_ms: ms.last().copied().unwrap_or(0.0) };
        println!("  {} blocks: p50 {:.3} ms, max {:.3} ms (target ≤ 1 ms, RPC excluded)", r.blocks, r.p50_ms, r.max_ms);
        Ok(r)
    })
}
