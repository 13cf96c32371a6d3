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
    pub difficulty: u32,
    pub min_difficulty: u32,
    pub max_difficulty: u32,
    pub base_reward: u64,
    pub target_block_seconds: i64,
}

/// Create a 6-decimal TREZ mint whose authority is the TREZ mint-authority PDA and initialize the TREZ
/// replica (local chains only; on devnet/mainnet TREZ exists). `admin` pays. Returns the mint.
pub async fn init_trez(chain: &dyn ChainClient, admin: &Keypair, g: TrezGenesis) -> Result<Pubkey, LoopError> {
    use solana_sdk::program_pack::Pack;
    let mint = Keypair::new();
    let space = spl_token_interface::state::Mint::LEN;
    // Rent for a mint: 1461600 lamports at the default rent; a generous fixed amount keeps this chain-agnostic.
    let lamports = 1_461_600;
    let ixs = vec![
        anchor_lang::solana_program::system_instruction::create_account(&admin.pubkey(), &mint.pubkey(), lamports, space as u64, &trez_sdk::ids::TOKEN),
        spl_token_interface::instruction::initialize_mint2(&trez_sdk::ids::TOKEN, &mint.pubkey(), &pda::trez_mint_authority(), None, 6)
            .map_err(|e| LoopError::State(e.to_string()))?,
        trez_sdk::mining::initialize(
            admin.pubkey(),
            mint.pubkey(),
            trez_sdk::mining::InitializeArgs {
                difficulty: g.difficulty,
                min_difficulty: g.min_difficulty,
                max_difficulty: g.max_difficulty,
                base_reward: g.base_reward,
                referral_bonus: 0,
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
    let ix = pool_ix::initialize_pool(admin.pubkey(), mint, args);
    let bh = chain.latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&admin.pubkey()), &[admin], bh);
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

