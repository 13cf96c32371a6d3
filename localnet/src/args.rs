//! `trez-localnet`'s options and what a `--blocks` run returns.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use trez_relayer::ledger::Ledger;
use trez_relayer::poolchain::PoolChain;

/// Options of `localnet`.
#[derive(clap::Args, Debug, Clone)]
pub struct LocalnetArgs {
    /// In-process miners (distinct generated wallets); 0 to only accept outside miners.
    #[arg(long, default_value_t = 3)]
    pub miners: usize,
    /// Hashing threads per in-process miner (default: cores / miners, at least 1).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop after this many blocks are credited and paid, audit, and exit (0 only if the audit passes).
    #[arg(long)]
    pub blocks: Option<u64>,
    /// Print the final summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// WebSocket listen address (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Serve the embedded chain as Solana JSON-RPC here (PubSub on the next free port), so outside tools and
    /// `trez-relayer audit` can inspect it (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub rpc_listen: SocketAddr,
    /// HTTP API listen address (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub api_listen: SocketAddr,
    /// Initial TREZ network difficulty, bits.
    #[arg(long, default_value_t = 24)]
    pub difficulty: u32,
    /// TREZ target block time for the retarget, seconds.
    #[arg(long, default_value_t = 5)]
    pub block_seconds: i64,
    /// TREZ block reward of era 0, base units (6 decimals); each claim also pays the 3-TREZ referral bonus.
    #[arg(long, default_value_t = 50_000_000)]
    pub reward: u64,
    /// TREZ supply for rewards, base units: minted once into the TREZ distributor's token account before the
    /// mint authority is revoked. When it runs out, claims fail (emission exhausted).
    #[arg(long, default_value_t = trez_relayer::setup::DEFAULT_SUPPLY)]
    pub supply: u64,
    /// Pool fee, basis points.
    #[arg(long, default_value_t = 250)]
    pub fee_bps: u16,
    /// Immutable fee cap, basis points (<= 1000).
    #[arg(long, default_value_t = 1_000)]
    pub max_fee_bps: u16,
    /// Smallest amount the payout crank pays, base units.
    #[arg(long, default_value_t = 1_000_000)]
    pub min_payout: u64,
    /// Immutable: slots (400 ms here) after which a round never credited can be stranded by anyone and claimed
    /// by the last credited round's members (at least 10).
    #[arg(long, default_value_t = trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS)]
    pub strand_timeout_slots: u64,
    /// Seconds between payout crank runs.
    #[arg(long, default_value_t = 3)]
    pub payout_interval: u64,
    /// PPLNS window factor (window = factor × 2^network difficulty).
    #[arg(long, default_value_t = 2)]
    pub pplns_factor: u64,
    /// Share ledger file (default: a fresh temporary file).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Directory for the run's keypairs (Solana CLI JSON): `admin.json`, `relayer.json`, `miner-<i>.json`,
    /// so the admin and member commands (`trez-relayer admin|member --keypair …`, `trez-miner balance|claim`)
    /// work against this pool; each miner's receipts (`miner-<i>.receipts.jsonl`); and `localnet.json` (the
    /// RPC URLs, the pool's addresses, the relayer and API URLs), written once the pool is serving. Default:
    /// the run's temporary directory (removed at exit). Existing files there are replaced.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Relayers serving the pool (README, "Scaling out"): each has its own WebSocket and API port, the
    /// miners are spread over them, and they share one PostgreSQL ledger (`--postgres`); one leads.
    #[arg(long, default_value_t = 1)]
    pub relayers: usize,
    /// The relayers' shared ledger: a `postgres://` URL, or `auto` for a throwaway cluster started from the
    /// installed PostgreSQL server binaries (removed at exit). Required with `--relayers` above 1; unset
    /// with one relayer: SQLite.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Give up (exit 1) if `--blocks` are not reached within this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// One round in the summary.
#[derive(Debug, Serialize)]
pub struct RoundSummary {
    pub block_count: u64,
    /// Escrow delta of the claim, base units (TREZ block reward + bonus).
    pub reward: u64,
    /// Of `reward`, the TREZ referral bonus, base units.
    pub bonus: u64,
    pub fee: u64,
    pub leaves_root: String,
    pub leaf_count: u32,
    pub credit_signatures: Vec<String>,
    pub payout_signatures: Vec<String>,
}

impl LocalnetArgs {
    /// Options for tests: 3 one-thread miners, 2 blocks, network difficulty `difficulty` bits, 5 s blocks,
    /// a 2.5 % fee, a 1-base-unit minimum payout, every port picked by the OS, a 300 s limit.
    pub fn for_tests(difficulty: u32) -> LocalnetArgs {
        let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        LocalnetArgs {
            miners: 3,
            threads: Some(1),
            blocks: Some(2),
            json: true,
            listen: any,
            api_listen: any,
            rpc_listen: any,
            difficulty,
            block_seconds: 5,
            reward: 50_000_000,
            supply: trez_relayer::setup::DEFAULT_SUPPLY,
            fee_bps: 250,
            max_fee_bps: 1_000,
            min_payout: 1,
            payout_interval: 2,
            pplns_factor: 2,
            db: None,
            state_dir: None,
            strand_timeout_slots: trez_pool::constants::DEFAULT_STRAND_TIMEOUT_SLOTS,
            relayers: 1,
            postgres: None,
            timeout: 300,
        }
    }
}

/// The `--blocks` summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub pool: String,
    pub authority: String,
    /// Relayers that served the pool, and the ledger backend they shared.
    pub relayers: usize,
    pub ledger_backend: String,
    /// Blocks found through each relayer (the one the finding miner mines through; index = relayer).
    pub blocks_by_relayer: Vec<u64>,
    /// Shares each relayer accepted (index = relayer).
    pub shares_by_relayer: Vec<u64>,
    pub blocks_found: u64,
    pub solutions_lost: u64,
    pub rounds_credited: u64,
    pub shares_accepted: u64,
    pub members_paid: usize,
    pub total_reward: u64,
    pub total_fee: u64,
    pub total_credited: u64,
    pub total_paid: u64,
    pub escrow_balance: u64,
    pub audit_ok: bool,
    pub audit_problems: Vec<String>,
    pub rounds: Vec<RoundSummary>,
    /// Each in-process miner's own check (`trez-relayer member verify`: its receipts against the published
    /// windows, its leaves against the on-chain roots, its on-chain credited against its leaves).
    pub miners_verified: Vec<MinerVerification>,
    /// Every miner's check passed.
    pub miners_verified_ok: bool,
}

/// One miner's `member verify`, in short (the findings in full).
#[derive(Debug, Clone, Serialize)]
pub struct MinerVerification {
    pub wallet: String,
    pub receipts: u64,
    /// Receipts whose seq lies in a published window, and of those, listed there as receipted.
    pub in_windows: u64,
    pub found: u64,
    pub omitted: usize,
    /// Leaves of this wallet in credited rounds, each proved against the on-chain root.
    pub leaves_proved: usize,
    /// Base units: the sum of its credited leaves, and its on-chain `Member.credited`.
    pub leaves_credited: u64,
    pub credited_on_chain: u64,
    pub findings: Vec<String>,
    pub ok: bool,
}

/// What a `--blocks` run leaves behind: the summary, and the chain and ledger for inspection (tests).
pub struct Finished {
    pub summary: Summary,
    pub pc: Arc<PoolChain>,
    pub ledger: Arc<dyn Ledger>,
    /// The embedded chain's JSON-RPC server, still serving (for commands and audits after the run).
    pub rpc: crate::serve::RpcServer,
    /// Where the keypairs are (`--state-dir`, or inside the temporary directory).
    pub state_dir: PathBuf,
    /// Keeps the temporary ledger directory alive.
    pub _tmp: tempfile::TempDir,
    /// The throwaway PostgreSQL cluster of `--postgres auto`, stopped and removed when dropped.
    pub _postgres: Option<trez_relayer::ledger::postgres::cluster::Cluster>,
}
