//! The embedded chain: an in-process `solana-program-test` bank with the TREZ replica and the pool program as
//! native processors, and the real SPL Token and ATA programs (bundled BPF). Its clock follows the wall clock
//! (a ticker warps to the wall-clock slot and sets `Clock.unix_timestamp`), so time-based rules (difficulty
//! retarget, fee timelock) behave. It records every transaction it processed for history queries.
// program-test 3.x marks its API "unstable" (deprecation warnings); it is the pinned, supported harness here.
#![allow(deprecated)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anchor_lang::prelude::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use async_trait::async_trait;
use solana_program_test::{processor, BanksClient, ProgramTest, ProgramTestContext};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use tokio::sync::{broadcast, mpsc};

use trez_relayer::chain::{ChainClient, ChainError, InnerIx, TxRecord, TxStatus};

/// Native processor of the TREZ replica.
///
/// Anchor's `entry<'info>(&Pubkey, &'info [AccountInfo<'info>], &[u8])` ties the slice's lifetime to the
/// accounts' lifetime, which program-test's `fn(&Pubkey, &[AccountInfo<'_>], &[u8])` does not. The accounts
/// outlive this call (program-test owns them until it returns) and Anchor keeps no reference past the call,
/// so shortening the inner lifetime to the slice's is sound, and nothing leaks (unlike the `Box::leak` shim,
/// which would grow a long-running chain without bound).
pub fn trez_processor(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: see above; only the lifetime parameter changes, the layout is identical.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute::<&[AccountInfo], &[AccountInfo]>(accounts) };
    trez_mining::entry(program_id, accounts, data)
}

/// Native processor of the pool program (see [`trez_processor`]).
pub fn pool_processor(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: as in `trez_processor`.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute::<&[AccountInfo], &[AccountInfo]>(accounts) };
    trez_pool::entry(program_id, accounts, data)
}

/// A `ProgramTest` with both programs as native processors (SPL Token and ATA are bundled as BPF).
#[allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.
pub fn program_test() -> ProgramTest {
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(false);
    pt.add_program("trez_mining", trez_sdk::ids::TREZ, processor!(trez_processor));
    pt.add_program("trez_pool", trez_sdk::ids::POOL, processor!(pool_processor));
    pt
}

/// Largest serialized transaction a node accepts (Solana's packet data size).
const PACKET_BYTES: u64 = 1_232;
/// Most transactions kept for history queries (`getSignaturesForAddress`, `getTransaction`) and signature
/// statuses: the served history window. About 2 KB each in memory; at localnet's default pace (5 s blocks,
/// 3 miners) a few thousand transactions an hour, so days of history. Older ones are dropped 10 % at a time,
/// with their statuses and token balances; an audit of a longer run needs the history a real archival node
/// keeps.
const HISTORY_CAP: usize = 100_000;
/// Wall-clock duration of a slot.
const SLOT: Duration = Duration::from_millis(400);
/// Slots between [`compact`] runs (about 13 s).
const COMPACT_EVERY_SLOTS: u64 = 32;
/// Slots between refreshes of the pool's accounts (about 3.4 min), see [`compact`].
const REFRESH_EVERY_SLOTS: u64 = 512;

/// What a validator's accounts background service does, which program-test lacks: flush the accounts write
/// cache of the rooted slots to storage, clean rooted account versions that newer ones replaced, and shrink
/// the storages that cleaning emptied. Without it every slot's sysvar writes (SlotHistory alone is 128 KiB)
/// stay in memory: about 150 KB per slot, 1.4 GB per hour (issue 22).
///
/// A storage file (one open file each) lives as long as one account version in it does, and an account the
/// pool writes once (a Round, a token account) would keep its slot's file forever: one more file per block,
/// until the process runs out of descriptors. A validator packs such old slots into "ancient" storages after
/// an epoch; here `refresh` (the accounts landed transactions named) are stored again, unchanged, into the
/// working bank, so older slots hold only dead versions and cleaning removes their files. Only accounts of
/// the system, token and the two pool programs are refreshed (never programs or sysvars).
///
/// Runs under the warp lock, so no transaction executes meanwhile.
fn compact(ctx: &ProgramTestContext, refresh: &[Pubkey]) {
    use solana_sdk::account::ReadableAccount;
    let forks = ctx.bank_forks();
    let forks = forks.read().unwrap_or_else(|e| e.into_inner());
    if !refresh.is_empty() {
        let working = forks.working_bank();
        let owners = [anchor_lang::system_program::ID, trez_sdk::ids::TOKEN, trez_sdk::ids::TOKEN_2022, trez_sdk::ids::pool(), trez_sdk::ids::trez()];
        for key in refresh {
            if let Some(account) = working.get_account(key) {
                if !account.executable() && owners.contains(account.owner()) {
                    working.store_account(key, &account);
                }
            }
        }
    }
    let root = forks.root_bank();
    root.force_flush_accounts_cache();
    root.rc.accounts.accounts_db.clean_accounts(Some(root.slot().saturating_sub(1)), false, root.epoch_schedule());
    root.shrink_candidate_slots();
}

#[derive(Default)]
struct Records {
    history: Vec<TxRecord>,
    statuses: std::collections::HashMap<Signature, TxStatus>,
    /// Every account a landed transaction named (what `getProgramAccounts` and `getTokenAccountsByOwner`
    /// search: the bank cannot list its accounts).
    touched: std::collections::BTreeSet<Pubkey>,
    /// The token balances of each landed token-moving transaction's accounts, before and after it
    /// (`meta.preTokenBalances` / `postTokenBalances`); pruned with the history.
    token_balances: std::collections::HashMap<Signature, (Vec<TokenBalance>, Vec<TokenBalance>)>,
}

/// One token account of a transaction and its balance, as `meta.preTokenBalances` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBalance {
    /// Index of the account in the transaction's account keys.
    pub account_index: u8,
    pub mint: Pubkey,
    pub owner: Pubkey,
    /// The token program that owns the account.
    pub program: Pubkey,
    /// Base units.
    pub amount: u64,
    pub decimals: u8,
}

/// The embedded chain. Create with [`EmbeddedChain::start`].
pub struct EmbeddedChain {
    banks: BanksClient,
    ctx: tokio::sync::Mutex<ProgramTestContext>,
    payer: Keypair,
    slot: AtomicU64,
    records: Mutex<Records>,
    changed: broadcast::Sender<()>,
    /// Held from simulation to processing, so the recorded inner instructions are the processed ones, and
    /// while warping to the next slot.
    sending: tokio::sync::Mutex<()>,
    /// This chain, for [`EmbeddedChain::process`] to finish on a task of its own.
    me: std::sync::Weak<EmbeddedChain>,
}

fn wall_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl EmbeddedChain {
    /// Start the bank and its clock ticker.
    pub async fn start() -> Arc<EmbeddedChain> {
        let ctx = program_test().start_with_context().await;
        let banks = ctx.banks_client.clone();
        let payer = ctx.payer.insecure_clone();
        let slot = banks.get_root_slot().await.unwrap_or(0);
        let (changed, _) = broadcast::channel(64);
        let chain = Arc::new_cyclic(|me| EmbeddedChain {
            me: me.clone(),
            banks,
            ctx: tokio::sync::Mutex::new(ctx),
            payer,
            slot: AtomicU64::new(slot),
            records: Mutex::new(Records::default()),
            changed,
            sending: tokio::sync::Mutex::new(()),
        });
        chain.advance().await;
        tokio::spawn(ticker(Arc::downgrade(&chain)));
        chain
    }

    /// The genesis-funded key (pays for localnet setup and airdrops).
    pub fn payer(&self) -> &Keypair {
        &self.payer
    }

    /// Transfer `lamports` from the genesis payer.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&self.payer.pubkey(), to, lamports);
        let bh = self.latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&self.payer.pubkey()), &[&self.payer], bh);
        self.send_and_confirm(&tx, Duration::from_secs(10)).await
    }

    /// Warp to the wall-clock slot (one past the current at least) and set the clock to wall time.
    pub async fn advance(&self) {
        // Never while a transaction is being processed: a warp (a new bank from the parent) concurrent with
        // transaction execution can deadlock on the program cache's locks (seen under load in the crash test,
        // with both runtime workers blocked).
        let _sending = self.sending.lock().await;
        let mut ctx = self.ctx.lock().await;
        let next = self.slot.load(Ordering::Acquire) + 1;
        if ctx.warp_to_slot(next).is_ok() {
            self.slot.store(next, Ordering::Release);
            if next % COMPACT_EVERY_SLOTS == 0 {
                let refresh = if next % REFRESH_EVERY_SLOTS == 0 { self.touched_accounts() } else { vec![] };
                compact(&ctx, &refresh);
            }
            if let Ok(mut clock) = ctx.banks_client.get_sysvar::<Clock>().await {
                clock.unix_timestamp = clock.unix_timestamp.max(wall_unix());
                ctx.set_sysvar(&clock);
            }
        }
        drop(ctx);
        let _ = self.changed.send(());
    }

    /// Process a transaction: (signature, the runtime's result, program logs). A landed transaction is
    /// recorded for history and wakes account subscribers; a failed one changes nothing.
    ///
    /// As on a node, a submitted transaction is carried through even if the caller goes away (dropping this
    /// future, e.g. the JSON-RPC server when a killed client's connection closes): the work runs on a task of
    /// its own, so a transaction never lands in the bank without its history record.
    pub async fn process(&self, tx: &Transaction) -> Result<(Signature, Result<(), solana_sdk::transaction::TransactionError>, Vec<String>), ChainError> {
        let me = self.me.upgrade().ok_or_else(|| ChainError::Rpc("the embedded chain is shutting down".into()))?;
        let tx = tx.clone();
        tokio::spawn(async move { me.process_now(&tx).await })
            .await
            .map_err(|e| ChainError::Rpc(format!("processing task failed: {e}")))?
    }

    async fn process_now(&self, tx: &Transaction) -> Result<(Signature, Result<(), solana_sdk::transaction::TransactionError>, Vec<String>), ChainError> {
        let sig = tx.signatures.first().copied().unwrap_or_default();
        // As a node does: a transaction must fit one packet.
        let size = bincode::serialized_size(tx).unwrap_or(u64::MAX);
        if size > PACKET_BYTES {
            return Err(ChainError::Transaction { code: None, message: format!("transaction too large: {size} bytes (max {PACKET_BYTES})") });
        }
        let _sending = self.sending.lock().await;
        // The bank records invoked instructions only when simulating, so a transaction that can move tokens
        // (it names a token program) is simulated first, on the same state, to keep them for history.
        let inner = if tx.message.account_keys.iter().any(|k| *k == trez_sdk::ids::TOKEN || *k == trez_sdk::ids::TOKEN_2022) {
            match self.banks.simulate_transaction(tx.clone()).await {
                Ok(sim) => sim.simulation_details.and_then(|d| d.inner_instructions).unwrap_or_default(),
                Err(_) => vec![],
            }
        } else {
            vec![]
        };
        let moves_tokens = tx.message.account_keys.iter().any(|k| *k == trez_sdk::ids::TOKEN || *k == trez_sdk::ids::TOKEN_2022);
        let pre = if moves_tokens { self.token_balances_of(tx).await } else { vec![] };
        let res = self.banks.process_transaction_with_metadata(tx.clone()).await.map_err(rpc_err)?;
        if res.result.is_ok() && moves_tokens {
            let post = self.token_balances_of(tx).await;
            self.records.lock().unwrap_or_else(|e| e.into_inner()).token_balances.insert(sig, (pre, post));
        }
        let logs = res.metadata.map(|m| m.log_messages).unwrap_or_default();
        for line in &logs {
            tracing::debug!(target: "trez_localnet::program", signature = %sig, "{line}");
        }
        if res.result.is_ok() {
            // One list per transaction instruction, in instruction order.
            let inner = inner
                .into_iter()
                .enumerate()
                .flat_map(|(index, group)| {
                    group.into_iter().map(move |i| InnerIx {
                        index: u8::try_from(index).unwrap_or(u8::MAX),
                        program_id_index: i.instruction.program_id_index,
                        accounts: i.instruction.accounts,
                        data: i.instruction.data,
                    })
                })
                .collect();
            self.record(tx, TxStatus::Confirmed { slot: self.slot.load(Ordering::Acquire) }, inner);
            let _ = self.changed.send(());
        }
        Ok((sig, res.result, logs))
    }

    /// Stall transaction processing while the guard lives, as a busy node does (tests: a sender that gives
    /// up while its transaction waits).
    pub async fn stall(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.sending.lock().await
    }

    /// A recorded (landed) transaction by signature.
    pub fn transaction(&self, signature: &Signature) -> Option<TxRecord> {
        let r = self.records.lock().unwrap_or_else(|e| e.into_inner());
        r.history.iter().rev().find(|t| &t.signature == signature).cloned()
    }

    /// The token accounts among `tx`'s account keys and their balances now (as a validator does, a token
    /// account whose mint cannot be read is left out).
    async fn token_balances_of(&self, tx: &Transaction) -> Vec<TokenBalance> {
        let keys = &tx.message.account_keys;
        let Ok(accounts) = self.get_multiple_accounts(keys).await else { return vec![] };
        let mut out = vec![];
        for (i, a) in accounts.into_iter().enumerate() {
            let Some((a, t)) = a.and_then(|a| crate::wallet_rpc::TokenFields::of(&a).map(|t| (a, t))) else { continue };
            let (Ok(decimals), Ok(account_index)) = (crate::wallet_rpc::mint_decimals(self, &t.mint).await, u8::try_from(i)) else { continue };
            out.push(TokenBalance { account_index, mint: t.mint, owner: t.owner, program: a.owner, amount: t.amount, decimals });
        }
        out
    }

    /// The token balances before and after a landed token-moving transaction (None for others).
    pub fn token_balances(&self, signature: &Signature) -> Option<(Vec<TokenBalance>, Vec<TokenBalance>)> {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).token_balances.get(signature).cloned()
    }

    /// Every account some landed transaction named, in address order.
    pub fn touched_accounts(&self) -> Vec<Pubkey> {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).touched.iter().copied().collect()
    }

    /// The current slot.
    pub fn slot(&self) -> u64 {
        self.slot.load(Ordering::Acquire)
    }

    fn record(&self, tx: &Transaction, status: TxStatus, inner: Vec<InnerIx>) {
        let sig = tx.signatures.first().copied().unwrap_or_default();
        let mut r = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let (slot, ok) = match &status {
            TxStatus::Confirmed { slot } => (*slot, true),
            TxStatus::Failed { slot, .. } => (*slot, false),
        };
        r.statuses.insert(sig, status);
        if ok {
            r.touched.extend(tx.message.account_keys.iter().copied());
        }
        if r.history.len() >= HISTORY_CAP {
            let gone: Vec<Signature> = r.history.drain(..HISTORY_CAP / 10).map(|t| t.signature).collect();
            for g in &gone {
                r.token_balances.remove(g);
                r.statuses.remove(g);
            }
        }
        r.history.push(TxRecord { signature: sig, slot, ok, transaction: tx.clone(), inner });
    }
}

async fn ticker(chain: Weak<EmbeddedChain>) {
    loop {
        tokio::time::sleep(SLOT).await;
        let Some(chain) = chain.upgrade() else { return };
        chain.advance().await;
    }
}

fn rpc_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Rpc(e.to_string())
}

#[async_trait]
impl ChainClient for EmbeddedChain {
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ChainError> {
        self.banks.get_account(*address).await.map_err(rpc_err)
    }

    async fn get_multiple_accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>, ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        for a in addresses {
            out.push(self.get_account(a).await?);
        }
        Ok(out)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.banks.get_latest_blockhash().await.map_err(rpc_err)
    }

    async fn send(&self, tx: &Transaction) -> Result<Signature, ChainError> {
        let (sig, result, logs) = self.process(tx).await?;
        match result {
            Ok(()) => Ok(sig),
            Err(e) => {
                // Like an RPC preflight failure: reported at send.
                Err(ChainError::from_tx(&e, format!("{e}; logs:\n{}", logs.join("\n"))))
            }
        }
    }

    async fn signature_status(&self, signature: &Signature) -> Result<Option<TxStatus>, ChainError> {
        Ok(self.records.lock().unwrap_or_else(|e| e.into_inner()).statuses.get(signature).cloned())
    }

    async fn subscribe_account(&self, address: &Pubkey) -> Result<mpsc::Receiver<Account>, ChainError> {
        let (tx, rx) = mpsc::channel(16);
        let mut changed = self.changed.subscribe();
        let banks = self.banks.clone();
        let address = *address;
        tokio::spawn(async move {
            let mut last: Option<Account> = None;
            loop {
                if let Ok(Some(acc)) = banks.get_account(address).await {
                    if last.as_ref() != Some(&acc) {
                        last = Some(acc.clone());
                        if tx.send(acc).await.is_err() {
                            return;
                        }
                    }
                }
                match changed.recv().await {
                    Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(rx)
    }

    async fn get_transaction(&self, signature: &Signature) -> Result<Option<TxRecord>, ChainError> {
        Ok(self.transaction(signature))
    }

    async fn history(&self, address: &Pubkey, limit: usize) -> Result<Vec<TxRecord>, ChainError> {
        let r = self.records.lock().unwrap_or_else(|e| e.into_inner());
        Ok(r.history.iter().rev().filter(|t| t.transaction.message.account_keys.contains(address)).take(limit).cloned().collect())
    }

    async fn unix_time(&self) -> Result<i64, ChainError> {
        let clock: Clock = self.banks.get_sysvar().await.map_err(rpc_err)?;
        Ok(clock.unix_timestamp)
    }
}
