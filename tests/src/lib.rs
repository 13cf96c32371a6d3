//! # trez-tests: program-test harness and end-to-end tests
//!
//! Both programs run as native processors inside `solana-program-test` (no SBF toolchain here; see README,
//! Toolchain); SPL Token and the ATA program run as the real BPF programs program-test bundles, so every
//! `mint_to_checked` and `transfer_checked` is the real thing.
//!
//! [`Env`] is the fixture: a fixed-supply TREZ mint (6 decimals) whose supply sits in the TREZ distributor, TREZ
//! initialized at a low difficulty, and helpers to create pools, members and token accounts, mine nonces with `crates/pow`,
//! warp the clock, snapshot accounts ("nothing changed") and assert exact error codes.
//!
//! Tests live in `tests/tests/`: `mining.rs` (TREZ replica), `pool.rs` (pool program), `idl.rs`.
// program-test 3.x marks its API "unstable" (deprecated warnings); it is the pinned, supported harness here.
#![allow(deprecated)]

pub mod proxy;

use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::account::Account as SolAccount;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};

pub use trez_sdk::{ids, mining, pda, pool, Member, Pool, Round, RoundStatus, TrezState};

/// A `ProgramTest` with both programs as native processors (SPL Token and ATA are bundled as BPF): the same
/// setup as the relayer's embedded chain.
pub use trez_localnet::embedded::program_test;

/// Where `scripts/sbf.sh` puts the SBPF ELFs: `$TREZ_SBPF_DIR`, else `target/sbpf` of the workspace.
pub fn sbpf_elf_dir() -> std::path::PathBuf {
    std::env::var_os("TREZ_SBPF_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/sbpf"))
}

/// A bank with both programs as the SBPF ELFs of [`sbpf_elf_dir`] (owned by the BPF loader), or `None` (after
/// saying "skipped") when they are not built; with `TREZ_REQUIRE_SBPF` set that is a failure instead. With
/// `gaps = false` the v0 VM runs without the unmapped gaps between stack frames (the vendored agave-syscalls
/// reads `TREZ_SBPF_NO_STACK_FRAME_GAPS` when the bank is built), which these ELFs need: see README,
/// Toolchain. The variable is process-wide, so a test binary uses one setting.
pub fn sbpf_program_test(gaps: bool) -> Option<solana_program_test::ProgramTest> {
    let dir = sbpf_elf_dir();
    let files = [(ids::trez(), dir.join("trez_mining.so")), (ids::pool(), dir.join("trez_pool.so"))];
    if files.iter().any(|(_, f)| !f.exists()) {
        assert!(
            std::env::var_os("TREZ_REQUIRE_SBPF").is_none(),
            "TREZ_REQUIRE_SBPF is set but {} lacks trez_mining.so / trez_pool.so: run `sudo scripts/sbf.sh`",
            dir.display()
        );
        eprintln!("skipped: no SBPF ELFs in {} (build them with `sudo scripts/sbf.sh`)", dir.display());
        return None;
    }
    if gaps {
        std::env::remove_var("TREZ_SBPF_NO_STACK_FRAME_GAPS");
    } else {
        std::env::set_var("TREZ_SBPF_NO_STACK_FRAME_GAPS", "1");
    }
    let mut pt = solana_program_test::ProgramTest::default();
    pt.prefer_bpf(true);
    for (id, file) in files {
        let data = std::fs::read(&file).expect("read ELF");
        let lamports = solana_sdk::rent::Rent::default().minimum_balance(data.len()).max(1);
        pt.add_account(id, SolAccount { lamports, data, owner: solana_sdk::bpf_loader::id(), executable: true, rent_epoch: 0 });
    }
    Some(pt)
}

/// TREZ parameters for tests: 8 bits (a nonce in ~256 tries), 180 s target, 50 TREZ reward, the published
/// 3-TREZ bonus, 1,000 blocks per era.
pub fn test_trez_params() -> mining::InitializeArgs {
    mining::InitializeArgs {
        difficulty: 8,
        min_difficulty: 4,
        max_difficulty: 40,
        initial_reward: 50_000_000,
        referral_bonus: trez_mining::constants::PUBLISHED_REFERRAL_BONUS,
        blocks_per_era: 1_000,
        target_block_seconds: 180,
    }
}

/// What one claim by a miner without a referrer pays it under [`test_trez_params`]: reward + bonus, base units.
pub fn test_block_payout() -> u64 {
    let p = test_trez_params();
    p.initial_reward + p.referral_bonus
}

/// TREZ supply [`Env::new`] puts in the distributor: 1,000,000 TREZ, base units.
pub const TEST_SUPPLY: u64 = 1_000_000_000_000;

/// The custom error code of a failed transaction, if it failed with `InstructionError::Custom`.
pub fn custom_code(err: &BanksClientError) -> Option<u32> {
    match err {
        BanksClientError::TransactionError(TransactionError::InstructionError(_, InstructionError::Custom(c)))
        | BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)), ..
        } => Some(*c),
        _ => None,
    }
}

/// Assert that `$res` failed with exactly the Anchor error `$err` (a program error enum variant or
/// `anchor_lang::error::ErrorCode` variant).
#[macro_export]
macro_rules! assert_anchor_error {
    ($res:expr, $err:expr) => {{
        let want: u32 = ($err).into();
        match &$res {
            Ok(_) => panic!("expected error {} ({}), got success", stringify!($err), want),
            Err(e) => assert_eq!(
                $crate::custom_code(e),
                Some(want),
                "expected {} ({}), got {:?}",
                stringify!($err),
                want,
                e
            ),
        }
    }};
}

/// The test fixture: a running bank with TREZ initialized.
pub struct Env {
    pub ctx: ProgramTestContext,
    /// TREZ `State.admin`.
    pub trez_admin: Keypair,
    /// The TREZ mint (SPL Token, 6 decimals, no mint authority; the supply in the TREZ distributor).
    pub mint: Pubkey,
    /// `strand_timeout_slots` of the pools [`Env::create_pool`] creates (default: the advised 216,000).
    pub strand_timeout_slots: u64,
}

/// A pool created by [`Env::create_pool`].
pub struct PoolKeys {
    pub admin: Keypair,
    pub relayer: Keypair,
    pub pool: Pubkey,
    pub authority: Pubkey,
    pub escrow: Pubkey,
}

impl PoolKeys {
    /// A copy (the keypairs copied too).
    pub fn insecure_clone(&self) -> PoolKeys {
        PoolKeys {
            admin: self.admin.insecure_clone(),
            relayer: self.relayer.insecure_clone(),
            pool: self.pool,
            authority: self.authority,
            escrow: self.escrow,
        }
    }
}

/// A Solana CLI keypair file `name` in `dir` (what `trez-localnet --state-dir` writes).
pub fn read_keypair(dir: &std::path::Path, name: &str) -> Keypair {
    let bytes: Vec<u8> = serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect("keypair file")).expect("a JSON byte array");
    Keypair::try_from(bytes.as_slice()).expect("a keypair")
}

impl Env {
    /// Start a bank, create the TREZ mint with [`TEST_SUPPLY`] in the distributor and initialize TREZ with
    /// `params`.
    pub async fn new(params: mining::InitializeArgs) -> Env {
        Env::with_supply(params, TEST_SUPPLY).await
    }

    /// As [`Env::new`] with `supply` base units in the distributor.
    pub async fn with_supply(params: mining::InitializeArgs, supply: u64) -> Env {
        Env::start(program_test(), params, supply).await
    }

    /// As [`Env::with_supply`] on the bank `pt` builds (tests/tests/sbpf.rs: both programs as SBPF bytecode).
    pub async fn start(pt: solana_program_test::ProgramTest, params: mining::InitializeArgs, supply: u64) -> Env {
        let ctx = pt.start_with_context().await;
        let mut env = Env {
            ctx,
            trez_admin: Keypair::new(),
            mint: Pubkey::default(),
            strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS,
        };
        let admin = env.trez_admin.insecure_clone();
        env.fund(&admin.pubkey(), 10_000_000_000).await;
        env.mint = env.create_trez_mint(6, supply, true).await;
        env.send(&[mining::initialize(admin.pubkey(), env.mint, params)], &[&admin])
            .await
            .expect("initialize TREZ");
        env
    }

    /// A mint as TREZ needs it: `decimals`, the distributor's associated token account holding `supply`, and
    /// (when `revoke`) no mint authority left.
    pub async fn create_trez_mint(&mut self, decimals: u8, supply: u64, revoke: bool) -> Pubkey {
        let authority = Keypair::new();
        let mint = self.create_mint(&authority.pubkey(), decimals).await;
        let vault = self.ata(&pda::trez_distributor(), &mint).await;
        let mut ixs = vec![spl_token_interface::instruction::mint_to_checked(&ids::TOKEN, &mint, &vault, &authority.pubkey(), &[], supply, decimals).expect("mint_to")];
        if revoke {
            ixs.push(
                spl_token_interface::instruction::set_authority(&ids::TOKEN, &mint, None, spl_token_interface::instruction::AuthorityType::MintTokens, &authority.pubkey(), &[])
                    .expect("set_authority"),
            );
        }
        self.send(&ixs, &[&authority]).await.expect("fund the distributor");
        mint
    }

    /// Register `user`'s TREZ MinerData (the context payer pays).
    pub async fn register_trez_miner(&mut self, user: &Keypair) {
        let payer = self.ctx.payer.pubkey();
        self.send(&[mining::register_miner(payer, user.pubkey())], &[user]).await.expect("register_miner");
    }

    /// TREZ `MinerData` of `user`.
    pub async fn miner_data(&mut self, user: &Pubkey) -> trez_sdk::TrezMinerData {
        self.anchor(&pda::trez_miner_data(user)).await
    }

    /// Sign with the context payer (fee payer) plus `signers`, on a fresh blockhash, and process.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), BanksClientError> {
        let blockhash = self.fresh_blockhash().await;
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
        self.ctx.banks_client.process_transaction(tx).await
    }

    /// A blockhash not used before, so resending the same instructions is a new transaction (as a relayer
    /// retry would be), not a runtime-level duplicate.
    pub async fn fresh_blockhash(&mut self) -> Hash {
        let last = self.ctx.last_blockhash;
        let mut slot = self.ctx.banks_client.get_root_slot().await.expect("slot");
        loop {
            slot += 1;
            self.ctx.warp_to_slot(slot).expect("warp");
            let h = self.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
            if h != last {
                self.ctx.last_blockhash = h;
                return h;
            }
        }
    }

    /// Transfer `lamports` from the context payer.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let payer = self.ctx.payer.pubkey();
        self.send(&[anchor_lang::solana_program::system_instruction::transfer(&payer, to, lamports)], &[])
            .await
            .expect("fund");
    }

    /// Create an SPL Token mint with `authority` as mint authority.
    pub async fn create_mint(&mut self, authority: &Pubkey, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = spl_token_interface::state::Mint::LEN;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer,
                &mint.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &ids::TOKEN,
            ),
            spl_token_interface::instruction::initialize_mint2(&ids::TOKEN, &mint.pubkey(), authority, None, decimals)
                .expect("initialize_mint2"),
        ];
        self.send(&ixs, &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    /// Create (idempotently) the associated token account of `owner` for `mint`.
    pub async fn ata(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let payer = self.ctx.payer.pubkey();
        let ix = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &payer,
            owner,
            mint,
            &ids::TOKEN,
        );
        self.send(&[ix], &[]).await.expect("create ATA");
        pda::ata(owner, mint)
    }

    /// Create a fresh (non-associated) token account of `mint` owned by `owner`.
    pub async fn token_account(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let acc = Keypair::new();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let space = spl_token_interface::state::Account::LEN;
        let ixs = [
            anchor_lang::solana_program::system_instruction::create_account(
                &payer,
                &acc.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                &ids::TOKEN,
            ),
            spl_token_interface::instruction::initialize_account3(&ids::TOKEN, &acc.pubkey(), mint, owner)
                .expect("initialize_account3"),
        ];
        self.send(&ixs, &[&acc]).await.expect("create token account");
        acc.pubkey()
    }

    /// Raw account, if it exists.
    pub async fn account(&mut self, address: &Pubkey) -> Option<SolAccount> {
        self.ctx.banks_client.get_account(*address).await.expect("get_account")
    }

    /// Decode an Anchor account.
    pub async fn anchor<T: anchor_lang::AccountDeserialize>(&mut self, address: &Pubkey) -> T {
        let acc = self.account(address).await.unwrap_or_else(|| panic!("account {address} missing"));
        trez_sdk::decode::account(&acc.data).expect("decode")
    }

    pub async fn trez_state(&mut self) -> TrezState {
        self.anchor(&pda::trez_state()).await
    }

    /// SPL token balance of `token_account`, base units.
    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        let acc = self.account(token_account).await.expect("token account");
        spl_token_interface::state::Account::unpack(&acc.data).expect("token account data").amount
    }

    /// (lamports, data) of each address: compare two snapshots to prove a failed instruction changed nothing.
    pub async fn snapshot(&mut self, addresses: &[Pubkey]) -> Vec<Option<(u64, Vec<u8>)>> {
        let mut out = vec![];
        for a in addresses {
            out.push(self.account(a).await.map(|acc| (acc.lamports, acc.data)));
        }
        out
    }

    /// Move the bank clock forward by `seconds` (and to a later slot).
    pub async fn warp_seconds(&mut self, seconds: i64) {
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        let slot = clock.slot + 1;
        self.ctx.warp_to_slot(slot).expect("warp");
        clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp += seconds;
        self.ctx.set_sysvar(&clock);
    }

    /// Current bank unix timestamp, seconds.
    pub async fn now(&mut self) -> i64 {
        let clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp
    }

    /// A nonce meeting the current TREZ difficulty for `miner_key`.
    pub async fn mine_for(&mut self, miner_key: &Pubkey) -> u64 {
        let s = self.trez_state().await;
        mine(&s.challenge_number, miner_key, s.block_count, s.difficulty_high, true)
    }

    /// A nonce that does NOT meet the current TREZ difficulty for `miner_key`.
    pub async fn bad_nonce_for(&mut self, miner_key: &Pubkey) -> u64 {
        let s = self.trez_state().await;
        mine(&s.challenge_number, miner_key, s.block_count, s.difficulty_high, false)
    }

    /// Create a pool (admin and relayer funded) with the given fee settings.
    pub async fn create_pool(&mut self, fee_bps: u16, max_fee_bps: u16, timelock: i64, min_payout: u64) -> PoolKeys {
        let admin = Keypair::new();
        let relayer = Keypair::new();
        self.fund(&admin.pubkey(), 5_000_000_000).await;
        self.fund(&relayer.pubkey(), 5_000_000_000).await;
        let args = pool::InitializePoolArgs {
            relayer: relayer.pubkey(),
            fee_bps,
            max_fee_bps,
            fee_timelock_seconds: timelock,
            min_payout,
            strand_timeout_slots: self.strand_timeout_slots,
        };
        let pool_key = pda::pool(&admin.pubkey());
        self.send(&[pool::initialize_pool(admin.pubkey(), self.mint, args), pool::register_trez_miner(admin.pubkey(), pool_key)], &[&admin])
            .await
            .expect("initialize_pool");
        PoolKeys {
            admin,
            relayer,
            pool: pool_key,
            authority: pda::authority(&pool_key),
            escrow: pda::escrow(&pool_key),
        }
    }

    /// `n` new wallets (ascending), each registered as a member of `p` by its relayer, with an associated
    /// token account, and funded with `lamports` when positive.
    pub async fn members(&mut self, p: &PoolKeys, n: usize, lamports: u64) -> (Vec<Keypair>, Vec<Pubkey>) {
        let mut wallets: Vec<Keypair> = (0..n).map(|_| Keypair::new()).collect();
        wallets.sort_by_key(|k| k.pubkey());
        let mut atas = vec![];
        let mint = self.mint;
        for w in &wallets {
            if lamports > 0 {
                self.fund(&w.pubkey(), lamports).await;
            }
            self.send(&[pool::register_member(p.relayer.pubkey(), p.pool, w.pubkey())], &[&p.relayer]).await.expect("register_member");
            atas.push(self.ata(&w.pubkey(), &mint).await);
        }
        (wallets, atas)
    }

    /// Mine with the pool authority as miner key and land `submit_solution`; returns (block_count, nonce).
    pub async fn submit_block(&mut self, p: &PoolKeys) -> (u64, u64) {
        let nonce = self.mine_for(&p.authority).await;
        let bc = self.trez_state().await.block_count;
        let submitter = self.ctx.payer.pubkey();
        self.send(&[pool::submit_solution(submitter, p.pool, self.mint, bc, nonce)], &[])
            .await
            .expect("submit_solution");
        (bc, nonce)
    }
}

/// Search nonces from a fixed start for one whose digest meets (`want = true`) or misses `bits`.
pub fn mine(challenge: &[u8; 32], key: &Pubkey, block_count: u64, bits: u32, want: bool) -> u64 {
    let mid = trez_pow::Midstate::new(challenge, &key.to_bytes(), block_count);
    (0u64..)
        .find(|&n| trez_pow::meets_difficulty(&mid.digest(n), bits) == want)
        .expect("nonce space exhausted")
}

/// `localnet` options for tests ([`trez_localnet::LocalnetArgs::for_tests`]).
pub fn localnet_args(difficulty: u32) -> trez_localnet::LocalnetArgs {
    trez_localnet::LocalnetArgs::for_tests(difficulty)
}

/// Start one bundled miner (one thread, the best kernel) against `pool_url`; cancel the token to stop it.
pub fn spawn_miner(
    pool_url: String,
    wallet: trez_miner::Wallet,
    worker: &str,
) -> (tokio::task::JoinHandle<anyhow::Result<()>>, tokio_util::sync::CancellationToken) {
    let cancel = tokio_util::sync::CancellationToken::new();
    let cfg = trez_miner::MinerConfig {
        pool_url,
        wallet,
        worker: worker.into(),
        threads: 1,
        kernel: trez_miner::kernels::best(),
        max_backoff: std::time::Duration::from_millis(500),
        stall_timeout: std::time::Duration::from_secs(trez_miner::client::DEFAULT_STALL_SECS),
        receipts: None,
    };
    let handle = tokio::spawn(trez_miner::mine(cfg, std::sync::Arc::new(trez_miner::MinerStats::default()), cancel.clone()));
    (handle, cancel)
}

/// Fund a fresh admin and relayer on `chain`, then create TREZ (6-decimal mint, `difficulty` bits, 50 TREZ
/// reward) and a pool (`fee_bps` under a `max_fee_bps` cap, no fee timelock, 1 base unit minimum payout)
/// through `via`: the embedded chain itself, or an RPC client over it. Returns the relayer key and addresses.
pub async fn new_pool(
    chain: &trez_localnet::embedded::EmbeddedChain,
    via: &dyn trez_relayer::chain::ChainClient,
    difficulty: u32,
    fee_bps: u16,
    max_fee_bps: u16,
) -> (std::sync::Arc<Keypair>, trez_relayer::setup::PoolAddresses) {
    new_pool_with(chain, via, difficulty, fee_bps, max_fee_bps, None).await
}

/// [`new_pool`] with TREZ created from `genesis` when given (`difficulty` then only names the default).
pub async fn new_pool_with(
    chain: &trez_localnet::embedded::EmbeddedChain,
    via: &dyn trez_relayer::chain::ChainClient,
    difficulty: u32,
    fee_bps: u16,
    max_fee_bps: u16,
    genesis: Option<trez_relayer::setup::TrezGenesis>,
) -> (std::sync::Arc<Keypair>, trez_relayer::setup::PoolAddresses) {
    use trez_relayer::setup;
    let admin = Keypair::new();
    let relayer = std::sync::Arc::new(Keypair::new());
    chain.airdrop(&admin.pubkey(), 10_000_000_000).await.expect("fund admin");
    chain.airdrop(&relayer.pubkey(), 10_000_000_000).await.expect("fund relayer");
    let g = genesis.unwrap_or_else(|| setup::TrezGenesis::new(difficulty, (difficulty / 2).max(1), 40, 50_000_000, 60));
    let mint = setup::init_trez(via, &admin, g).await.expect("initialize TREZ");
    let args = pool::InitializePoolArgs { relayer: relayer.pubkey(), fee_bps, max_fee_bps, fee_timelock_seconds: 0, min_payout: 1, strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS };
    let addrs = setup::init_pool(via, &admin, mint, args).await.expect("initialize the pool");
    (relayer, addrs)
}

/// A relayer configuration for tests: ledger in `dir` without fsync, initial share difficulty `bits`.
pub fn relayer_config(dir: &std::path::Path, initial_bits: u32) -> trez_relayer::config::Config {
    let mut config = trez_relayer::config::Config::default();
    config.ledger.path = dir.join("l.db");
    config.ledger.fsync = false;
    config.vardiff.initial_bits = initial_bits;
    config
}

/// The Chromium binary for browser tests: `$CHROMIUM`, else `/usr/bin/chromium`; `None` when absent.
/// `scripts/test.sh` installs Debian's `chromium` and sets `TREZ_REQUIRE_BROWSER=1`, so under the README
/// test command a missing browser fails the test instead of skipping the browser part.
pub fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("CHROMIUM").map(std::path::PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("TREZ_REQUIRE_BROWSER").as_deref() != Ok("1"), "TREZ_REQUIRE_BROWSER=1 but no Chromium at {}", path.display());
    eprintln!("note: no Chromium at {} (set CHROMIUM); the dashboard is checked over HTTP only", path.display());
    None
}

/// Headless Chromium with the flags a closed network needs (no background networking, sync, component
/// updates or QUIC) and the fresh profile `profile`.
fn chromium_cmd(chromium: &std::path::Path, profile: &std::path::Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .kill_on_drop(true);
    c
}

/// Load `url` in headless Chromium and return the DOM it built (`--dump-dom`).
pub async fn render(chromium: &std::path::Path, url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = chromium_cmd(chromium, profile.path()).arg("--dump-dom").arg(url).output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), out).await.expect("chromium finished").expect("chromium ran");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 DOM")
}

/// Save a PNG screenshot of `url` at `width`×`height` CSS pixels to `path`.
pub async fn screenshot(chromium: &std::path::Path, url: &str, path: &std::path::Path, width: u32, height: u32) {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = chromium_cmd(chromium, profile.path())
        .arg(format!("--screenshot={}", path.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg("--hide-scrollbars")
        .arg(url)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), out).await.expect("chromium finished").expect("chromium ran");
    assert!(out.status.success() && path.exists(), "chromium screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A running pipeline for end-to-end tests: miner server, on-chain loop and HTTP API on ephemeral loopback
/// ports, ledger in a temporary directory.
pub struct Running {
    pub p: trez_relayer::pipeline::Pipeline,
    pub ledger: std::sync::Arc<dyn trez_relayer::Ledger>,
    /// Subscribed before the pipeline started, so no event is missed.
    pub events: tokio::sync::broadcast::Receiver<trez_relayer::poolchain::PoolEvent>,
    /// `http://` base of the API.
    pub base: String,
    /// The ledger's directory (removed on drop: keep it bound).
    pub dir: tempfile::TempDir,
}

/// Start the pipeline over `pc` with share difficulty `bits` (see [`relayer_config`]).
pub async fn start_pipeline(pc: std::sync::Arc<trez_relayer::poolchain::PoolChain>, bits: u32) -> Running {
    start_pipeline_with(pc, bits, |_| {}).await
}

/// [`start_pipeline`] with `tweak` applied to the configuration first.
pub async fn start_pipeline_with(
    pc: std::sync::Arc<trez_relayer::poolchain::PoolChain>,
    bits: u32,
    tweak: impl FnOnce(&mut trez_relayer::config::Config),
) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = relayer_config(dir.path(), bits);
    tweak(&mut config);
    let ledger = trez_relayer::ledger::open(&config.ledger).expect("ledger");
    let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let api = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let events = pc.events.subscribe();
    let p = trez_relayer::pipeline::Pipeline::start(ws, Some(api), config, pc, ledger.clone()).await.expect("pipeline");
    let base = format!("http://{}", p.api_addr.expect("api address"));
    Running { p, ledger, events, base, dir }
}
