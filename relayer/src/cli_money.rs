//! Part of the `trez-relayer` binary (not the library): the `admin` and `member` subcommands, thin CLIs over
//! `trez_relayer::commands`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Subcommand;
use solana_sdk::signature::Signer;
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::dry_run::DryRun;
use trez_relayer::chain::ChainClient;

use super::read_keypair;

/// Where a pool is and who signs.
#[derive(clap::Args)]
pub(super) struct PoolAt {
    #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
    rpc_url: String,
    /// The pool account address.
    #[arg(long, env = "TREZ_POOL")]
    pool: String,
    /// The signing keypair (Solana CLI JSON): the admin's for `admin`, the wallet's for `member`.
    #[arg(long, env = "TREZ_KEYPAIR", default_value = "~/.config/solana/id.json")]
    keypair: String,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Build and sign the transaction but send nothing: print it (instructions, accounts, base64) instead.
    #[arg(long)]
    dry_run: bool,
}

impl PoolAt {
    /// The chain (read-through and sending nothing with `--dry-run`).
    fn chain(&self) -> Result<(Arc<dyn ChainClient>, Option<Arc<DryRun>>)> {
        let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&self.rpc_url), None)?);
        Ok(match self.dry_run {
            true => {
                let dry = DryRun::new(rpc);
                (dry.clone(), Some(dry))
            }
            false => (rpc, None),
        })
    }

    /// Print `v`, or with `--dry-run` the transactions that were not sent.
    fn print<T: serde::Serialize + std::fmt::Debug>(&self, dry: &Option<Arc<DryRun>>, v: &T) -> Result<()> {
        match dry.as_ref().map(|d| d.report()).filter(|r| !r.is_empty()) {
            Some(txs) => print(true, &serde_json::json!({ "dry_run": true, "sent": false, "transactions": txs })),
            None => print(self.json, v),
        }
    }
}

#[derive(Subcommand)]
pub(super) enum AdminCmd {
    /// Fees, totals, escrow balance and what it must hold; pending fee change.
    Status,
    /// Propose a fee, basis points (at most the pool's cap); `apply-fee` after the timelock.
    ProposeFee { fee_bps: u16 },
    /// Apply the proposed fee (its timelock must have passed).
    ApplyFee,
    /// The smallest amount the payout crank pays one member, base units.
    SetMinPayout { base_units: u64 },
    /// Rotate the relayer (hot) key.
    SetRelayer { relayer: String },
    /// Withdraw accrued fees.
    WithdrawFees {
        /// Base units (default: all available).
        #[arg(long)]
        amount: Option<u64>,
        /// Token account of the pool's mint (default: the admin's associated token account, created when
        /// missing).
        #[arg(long)]
        destination: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum MemberCmd {
    /// Credited, paid and pending, base units, and the wallet's token balance.
    Balance {
        /// Any wallet (default: the keypair's).
        #[arg(long)]
        wallet: Option<String>,
    },
    /// Create the wallet's Member account (the relayer does this when it first credits a wallet).
    Register,
    /// Transfer everything credited and not yet paid to the wallet, with no relayer involved.
    Claim {
        /// Token account of the pool's mint (default: the wallet's associated token account, created when
        /// missing).
        #[arg(long)]
        destination: Option<String>,
    },
    /// With no relayer: strand the pool's rounds left uncredited past the pool's timeout, and claim the
    /// wallet's part of every stranded round into its associated token account, with merkle proofs from the
    /// published record (README, "No reward stranded").
    ClaimStranded {
        /// The record: a relayer's API base URL (its `/api/export`)...
        #[arg(long)]
        api: Option<String>,
        /// ...or a file written by `trez-relayer export`.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Claim for every leaf (a crank paying on the members' behalf), not only the keypair's wallet.
        #[arg(long)]
        all: bool,
    },
    /// Check the pool kept its word to this wallet: every receipt the miner kept is the pool relayer's and
    /// its share is in the published window that covers its seq; the wallet's leaves prove against the
    /// on-chain roots; on-chain `credited` equals the sum of its credited leaves. Exits 1 on any finding,
    /// printing the receipts that are evidence of an omission.
    Verify {
        /// The record: a relayer's API base URL (its `/api/export`, and the proofs it serves)...
        #[arg(long)]
        api: Option<String>,
        /// ...or a file written by `trez-relayer export`.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The miner's receipts file (`trez-miner mine --receipts`; default
        /// ~/.local/share/trez-miner/receipts.jsonl).
        #[arg(long)]
        receipts: Option<PathBuf>,
        /// Any wallet (default: the keypair's).
        #[arg(long)]
        wallet: Option<String>,
    },
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

pub(super) fn pubkey(s: &str, what: &str) -> Result<solana_sdk::pubkey::Pubkey> {
    s.parse().with_context(|| format!("{what}: not a pubkey: {s}"))
}

fn print<T: serde::Serialize + std::fmt::Debug>(json: bool, v: &T) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(v)?);
    } else {
        println!("{v:#?}");
    }
    Ok(())
}

/// `admin …`.
pub(super) async fn admin(at: PoolAt, op: AdminCmd) -> Result<()> {
    use trez_relayer::commands::{self, AdminOp};
    let (chain, dry) = at.chain()?;
    let pool = pubkey(&at.pool, "--pool")?;
    let op = match op {
        AdminCmd::Status => return at.print(&dry, &commands::status(chain, pool).await?),
        AdminCmd::ProposeFee { fee_bps } => AdminOp::ProposeFee(fee_bps),
        AdminCmd::ApplyFee => AdminOp::ApplyFee,
        AdminCmd::SetMinPayout { base_units } => AdminOp::SetMinPayout(base_units),
        AdminCmd::SetRelayer { relayer } => AdminOp::SetRelayer(pubkey(&relayer, "relayer")?),
        AdminCmd::WithdrawFees { amount, destination } => {
            AdminOp::WithdrawFees { amount, destination: destination.map(|d| pubkey(&d, "--destination")).transpose()? }
        }
    };
    let signer = read_keypair(&expand_home(&at.keypair))?;
    let sig = commands::admin(chain, &signer, pool, op).await?;
    at.print(&dry, &serde_json::json!({ "signature": sig.to_string() }))
}

/// `member …`.
pub(super) async fn member(at: PoolAt, op: MemberCmd) -> Result<()> {
    use trez_relayer::commands;
    let (chain, dry) = at.chain()?;
    let pool = pubkey(&at.pool, "--pool")?;
    let keypair = || read_keypair(&expand_home(&at.keypair));
    match op {
        MemberCmd::Balance { wallet } => {
            let w = match wallet {
                Some(w) => pubkey(&w, "--wallet")?,
                None => keypair()?.pubkey(),
            };
            at.print(&dry, &commands::balance(chain, pool, w).await?)
        }
        MemberCmd::Register => {
            let sig = commands::register(chain, &keypair()?, pool).await?;
            at.print(&dry, &serde_json::json!({ "signature": sig.to_string() }))
        }
        MemberCmd::Claim { destination } => {
            let dest = destination.map(|d| pubkey(&d, "--destination")).transpose()?;
            let (sig, amount) = commands::claim(chain, &keypair()?, pool, dest).await?;
            at.print(&dry, &serde_json::json!({ "signature": sig.to_string(), "amount": amount }))
        }
        MemberCmd::ClaimStranded { api, file, all } => {
            let record = trez_relayer::export::fetch(api.as_deref(), file.as_deref()).await?;
            let payer = keypair()?;
            let wallet = (!all).then(|| payer.pubkey());
            let report = commands::claim_stranded(chain, &payer, pool, &record, wallet).await?;
            at.print(&dry, &report)
        }
        MemberCmd::Verify { api, file, receipts, wallet } => {
            let record = trez_relayer::export::fetch(api.as_deref(), file.as_deref()).await?;
            let w = match wallet {
                Some(w) => pubkey(&w, "--wallet")?,
                None => keypair()?.pubkey(),
            };
            let path = receipts.or_else(trez_protocol::receipts::default_path).context("no --receipts and no HOME for the default receipts file")?;
            let receipts = trez_protocol::receipts::read(&path)?;
            let report = commands::verify(chain, pool, &record, w, &receipts, api.as_deref()).await?;
            at.print(&dry, &report)?;
            if !report.ok {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}


