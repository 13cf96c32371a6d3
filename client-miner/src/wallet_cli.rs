//! The miner's money commands (`balance`, `register`, `claim`, `claim-stranded`, `verify`): the wallet's side
//! of the pool, straight against the chain, with no relayer running. They are thin CLIs over
//! `trez_relayer::commands` (the same code as `trez-relayer member …`), built with the `wallet` feature (on
//! by default; `--no-default-features` builds a mining-only binary).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::dry_run::DryRun;
use trez_relayer::chain::ChainClient;
use trez_relayer::commands;

/// Where the pool is and which wallet.
#[derive(Args, Clone)]
pub struct At {
    /// JSON-RPC URL of the cluster (e.g. https://api.devnet.solana.com; localnet prints its own).
    #[arg(long = "rpc-url", env = "TREZ_RPC_URL")]
    rpc_url: String,
    /// The pool account address (`/api/pool` of a relayer shows it; not the relayer's ws:// URL).
    #[arg(long = "pool-address", env = "TREZ_POOL_ADDRESS")]
    pool_address: String,
    /// The wallet keypair (Solana CLI JSON); signs and pays the transaction fee. Default:
    /// ~/.config/solana/id.json.
    #[arg(long, env = "TREZ_KEYPAIR")]
    keypair: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Build and sign the transaction but send nothing: print it (instructions, accounts, base64) instead.
    #[arg(long)]
    dry_run: bool,
    /// The pool program's id, if not the one this build was compiled with.
    #[arg(long, env = "TREZ_POOL_PROGRAM")]
    pool_program: Option<String>,
    /// The TREZ program's id, if not the compiled one (the one the deployed pool program CPIs into).
    #[arg(long, env = "TREZ_PROGRAM")]
    trez_program: Option<String>,
}

/// Where the pool's published record comes from.
#[derive(Args, Clone)]
pub struct Record {
    /// A relayer's API base URL (its /api/export), e.g. http://host:7071...
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    api: Option<String>,
    /// ...or a file written by `trez-relayer export`.
    #[arg(long)]
    file: Option<PathBuf>,
}

impl Record {
    async fn fetch(&self) -> Result<trez_relayer::export::PoolExport> {
        trez_relayer::export::fetch(self.api.as_deref(), self.file.as_deref()).await
    }
}

#[derive(Subcommand)]
pub enum WalletCmd {
    /// The wallet's pool balance from the chain: credited, paid, pending (= what `claim` transfers), its
    /// token balance; with --api or --file, its credit in each round too.
    Balance {
        #[command(flatten)]
        at: At,
        /// Any wallet (default: the keypair's).
        #[arg(long)]
        wallet: Option<String>,
        /// A relayer's API base URL, for the per-round credits (its /api/export).
        #[arg(long, conflicts_with = "file")]
        api: Option<String>,
        /// ...or a saved export file.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Create the wallet's Member account (the wallet pays its rent; the relayer does this when it first
    /// credits a wallet).
    Register {
        #[command(flatten)]
        at: At,
    },
    /// Transfer everything credited and not yet paid to the wallet's token account (created when missing),
    /// signed by the wallet itself: no relayer involved.
    Claim {
        #[command(flatten)]
        at: At,
        /// A token account of the pool's mint to receive it (default: the wallet's associated token account).
        #[arg(long)]
        destination: Option<String>,
    },
    /// The relayer is gone: strand rounds left uncredited past the pool's timeout and claim this wallet's
    /// part of each with merkle proofs from the published record (README, "No reward stranded").
    ClaimStranded {
        #[command(flatten)]
        at: At,
        #[command(flatten)]
        record: Record,
    },
    /// Check the pool kept its word: receipts found in the published windows, leaves proved against the
    /// on-chain roots, on-chain credited equal to the leaves (docs/SPEC.md §10). Exits 1 on any finding.
    Verify {
        #[command(flatten)]
        at: At,
        #[command(flatten)]
        record: Record,
        /// The receipts file `mine` wrote (default: ~/.local/share/trez-miner/receipts.jsonl).
        #[arg(long)]
        receipts: Option<PathBuf>,
    },
}

impl At {
    /// The chain (read-through and sending nothing with `--dry-run`) and the pool address.
    fn chain(&self) -> Result<(Arc<dyn ChainClient>, Pubkey, Option<Arc<DryRun>>)> {
        if self.pool_program.is_some() || self.trez_program.is_some() {
            let id = |v: &Option<String>, default: Pubkey, what: &str| -> Result<Pubkey> {
                v.as_deref().map_or(Ok(default), |s| s.parse().with_context(|| format!("{what}: not an address: {s}")))
            };
            let (pool, trez) = (id(&self.pool_program, trez_sdk::ids::POOL, "--pool-program")?, id(&self.trez_program, trez_sdk::ids::TREZ, "--trez-program")?);
            trez_sdk::ids::set(pool, trez).map_err(anyhow::Error::msg)?;
        }
        let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&self.rpc_url), None)?);
        let (chain, dry): (Arc<dyn ChainClient>, _) = match self.dry_run {
            true => {
                let dry = DryRun::new(rpc);
                (dry.clone(), Some(dry))
            }
            false => (rpc, None),
        };
        let pool = self.pool_address.parse().with_context(|| format!("--pool-address: not an address: {}", self.pool_address))?;
        Ok((chain, pool, dry))
    }

    fn keypair(&self) -> Result<Keypair> {
        let path = self.keypair.clone().or_else(crate::default_keypair).context("no --keypair and no HOME for ~/.config/solana/id.json")?;
        let w = trez_miner::Wallet::read(&path)?;
        Ok(Keypair::new_from_array(w.secret))
    }
}

/// Print `v` (`text` of it, or JSON), or with `--dry-run` the transactions that were not sent.
fn show<T: serde::Serialize>(dry: &Option<Arc<DryRun>>, json: bool, v: &T, text: impl FnOnce(&T) -> String) -> Result<()> {
    if let Some(txs) = dry.as_ref().map(|d| d.report()).filter(|t| !t.is_empty()) {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "dry_run": true, "sent": false, "transactions": txs }))?);
        return Ok(());
    }
    if json {
        println!("{}", serde_json::to_string_pretty(v)?);
    } else {
        println!("{}", text(v));
    }
    Ok(())
}

/// Run one money command.
pub async fn run(cmd: WalletCmd) -> Result<()> {
    match cmd {
        WalletCmd::Balance { at, wallet, api, file } => {
            let (chain, pool, dry) = at.chain()?;
            let w = match wallet {
                Some(w) => w.parse().with_context(|| format!("--wallet: not an address: {w}"))?,
                None => at.keypair()?.pubkey(),
            };
            let b = commands::balance(chain, pool, w).await?;
            let rounds: Vec<serde_json::Value> = match (api.as_deref(), file.as_deref()) {
                (None, None) => vec![],
                (api, file) => {
                    let record = trez_relayer::export::fetch(api, file).await?;
                    record
                        .rounds
                        .iter()
                        .filter_map(|r| r.leaves.iter().find(|l| l.wallet == w.to_string()).map(|l| (r, l)))
                        .map(|(r, l)| serde_json::json!({ "block_count": r.block_count, "status": r.status, "shares": l.shares, "amount": l.amount }))
                        .collect()
                }
            };
            let v = serde_json::json!({ "balance": b, "rounds": rounds });
            show(&dry, at.json, &v, |_| {
                let mut s = format!(
                    "wallet    {}\nmember    {}\ncredited  {} base units\npaid      {}\npending   {} (claimable with `trez-miner claim`)\ntoken     {} ({})",
                    b.wallet,
                    if b.registered { "yes" } else { "no (nothing credited yet)" },
                    b.credited,
                    b.paid,
                    b.pending,
                    b.token_balance.map_or("no token account".to_string(), |t| t.to_string()),
                    b.token_account
                );
                for r in &rounds {
                    s.push_str(&format!("\nround {:>8}: {} base units for {} shares ({})", r["block_count"], r["amount"], r["shares"], r["status"].as_str().unwrap_or("")));
                }
                s
            })
        }
        WalletCmd::Register { at } => {
            let (chain, pool, dry) = at.chain()?;
            let sig = commands::register(chain, &at.keypair()?, pool).await?;
            show(&dry, at.json, &serde_json::json!({ "signature": sig.to_string() }), |_| format!("registered: {sig}"))
        }
        WalletCmd::Claim { at, destination } => {
            let (chain, pool, dry) = at.chain()?;
            let dest = destination.map(|d| d.parse().with_context(|| format!("--destination: not an address: {d}"))).transpose()?;
            let (sig, amount) = commands::claim(chain, &at.keypair()?, pool, dest).await?;
            show(&dry, at.json, &serde_json::json!({ "signature": sig.to_string(), "amount": amount }), |_| format!("claimed {amount} base units: {sig}"))
        }
        WalletCmd::ClaimStranded { at, record } => {
            let (chain, pool, dry) = at.chain()?;
            let record = record.fetch().await?;
            let payer = at.keypair()?;
            let report = commands::claim_stranded(chain, &payer, pool, &record, Some(payer.pubkey())).await?;
            show(&dry, at.json, &report, |r| format!("{r:#?}"))
        }
        WalletCmd::Verify { at, record: from, receipts } => {
            let (chain, pool, dry) = at.chain()?;
            let record = from.fetch().await?;
            let path = receipts.or_else(trez_protocol::receipts::default_path).context("no --receipts and no HOME for the default receipts file")?;
            let receipts = trez_protocol::receipts::read(&path)?;
            let report = commands::verify(chain, pool, &record, at.keypair()?.pubkey(), &receipts, from.api.as_deref()).await?;
            show(&dry, at.json, &report, |r| r.to_string())?;
            if !report.ok {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
