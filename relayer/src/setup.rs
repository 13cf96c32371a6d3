//! Creating TREZ (local chains only) and a pool on any chain: the `init-pool` command and `localnet` share
//! [`init_pool`].

use std::time::Duration;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;
use trez_sdk::{pda, pool as pool_ix};

use crate::chain::ChainClient;
use crate::poolchain::LoopError;

/// TREZ parameters for a new local chain.
#[derive(Clone, Copy, Debug)]
pub struct TrezGenesis {
    /// Initial required zero bits.
    pub difficulty: u32,
    pub min_difficulty: u32,
    pub max_difficulty: u32,
    /// Block reward of era 0, base units.
    pub reward: u64,
    /// Target block time, seconds.
    pub target_block_seconds: i64,
    /// Referral bonus, base units (published: 3 TREZ).
    pub referral_bonus: u64,
    /// Blocks per era (ours: the reward halves each era).
    pub blocks_per_era: u64,
    /// TREZ minted once into the distributor's token account before the mint authority is revoked, base units.
    pub supply: u64,
}

/// Default supply of a local TREZ: 21,000,000 TREZ in base units (ours; TREZ publishes no figure we use).
pub const DEFAULT_SUPPLY: u64 = 21_000_000_000_000;

impl TrezGenesis {
    /// `difficulty` bits (retarget between `min` and `max`), `reward` base units per block, `target` seconds, with
    /// the published 3-TREZ bonus, the default era length and [`DEFAULT_SUPPLY`].
    pub fn new(difficulty: u32, min_difficulty: u32, max_difficulty: u32, reward: u64, target_block_seconds: i64) -> Self {
        TrezGenesis {
            difficulty,
            min_difficulty,
            max_difficulty,
            reward,
            target_block_seconds,
            referral_bonus: trez_mining::constants::PUBLISHED_REFERRAL_BONUS,
            blocks_per_era: trez_mining::constants::DEFAULT_BLOCKS_PER_ERA,
            supply: DEFAULT_SUPPLY,
        }
    }
}

/// Create a fixed-supply TREZ and initialize the TREZ replica (local chains only; on devnet/mainnet TREZ
/// exists), in one transaction: a 6-decimal mint with `admin` as mint authority, the distributor's associated
/// token account, `supply` minted into it, the mint authority revoked (nothing can be minted afterwards), then
/// TREZ `initialize`. `admin` pays. Returns the mint.
pub async fn init_trez(chain: &dyn ChainClient, admin: &Keypair, g: TrezGenesis) -> Result<Pubkey, LoopError> {
    use solana_sdk::program_pack::Pack;
    use spl_token_interface::instruction as token;
    let mint = Keypair::new();
    let space = spl_token_interface::state::Mint::LEN;
    // Rent for a mint: 1461600 lamports at the default rent; a generous fixed amount keeps this chain-agnostic.
    let lamports = 1_461_600;
    let distributor = pda::trez_distributor();
    let vault = pda::trez_distributor_token(&mint.pubkey());
    let tok = trez_sdk::ids::TOKEN;
    let e = |e: solana_sdk::program_error::ProgramError| LoopError::State(e.to_string());
    let ixs = vec![
        anchor_lang::solana_program::system_instruction::create_account(&admin.pubkey(), &mint.pubkey(), lamports, space as u64, &tok),
        token::initialize_mint2(&tok, &mint.pubkey(), &admin.pubkey(), None, 6).map_err(e)?,
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(&admin.pubkey(), &distributor, &mint.pubkey(), &tok),
        token::mint_to_checked(&tok, &mint.pubkey(), &vault, &admin.pubkey(), &[], g.supply, 6).map_err(e)?,
        token::set_authority(&tok, &mint.pubkey(), None, token::AuthorityType::MintTokens, &admin.pubkey(), &[]).map_err(e)?,
        trez_sdk::mining::initialize(
            admin.pubkey(),
            mint.pubkey(),
            trez_sdk::mining::InitializeArgs {
                difficulty: g.difficulty,
                min_difficulty: g.min_difficulty,
                max_difficulty: g.max_difficulty,
                initial_reward: g.reward,
                referral_bonus: g.referral_bonus,
                blocks_per_era: g.blocks_per_era,
                target_block_seconds: g.target_block_seconds,
            },
        ),
    ];
    let bh = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(&ixs, Some(&admin.pubkey()), &[admin, &mint], bh);
    chain.send_and_confirm(&tx, Duration::from_secs(30)).await?;
    Ok(mint.pubkey())
}

/// What `init_pool` created.
#[derive(Clone, Debug, Serialize)]
pub struct PoolAddresses {
    pub pool: String,
    pub authority: String,
    pub escrow: String,
    pub mint: String,
    pub admin: String,
    pub relayer: String,
}

/// Create a pool (`initialize_pool`) for `mint` with `admin` signing and paying. Used by `init-pool` against
/// any RPC and by `localnet` against the embedded chain.
pub async fn init_pool(chain: &dyn ChainClient, admin: &Keypair, mint: Pubkey, args: pool_ix::InitializePoolArgs) -> Result<PoolAddresses, LoopError> {
    // The pool's TREZ MinerData is created in the same transaction: TREZ requires it for every claim.
    let pool = pda::pool(&admin.pubkey());
    let ixs = [pool_ix::initialize_pool(admin.pubkey(), mint, args), pool_ix::register_trez_miner(admin.pubkey(), pool)];
    let bh = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(&ixs, Some(&admin.pubkey()), &[admin], bh);
    chain.send_and_confirm(&tx, Duration::from_secs(30)).await?;
    let pool = pda::pool(&admin.pubkey());
    Ok(PoolAddresses {
        pool: pool.to_string(),
        authority: pda::authority(&pool).to_string(),
        escrow: pda::escrow(&pool).to_string(),
        mint: mint.to_string(),
        admin: admin.pubkey().to_string(),
        relayer: args.relayer.to_string(),
    })
}

