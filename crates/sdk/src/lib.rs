//! # trez-sdk: client side of the two programs
//!
//! PDA helpers (one per seed in the programs' `constants.rs`), instruction builders for every instruction of
//! `trez-mining` and `trez-pool`, and account decoding. The relayer, the tests and the audit build their
//! transactions only through this crate, so an account list is written once.
//!
//! Layout: [`pda`] addresses; [`mining`] TREZ instructions; [`pool`] pool instructions; [`decode`] account data.

pub use anchor_lang::prelude::Pubkey;
pub use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
pub use trez_mining::state::{MinerData as TrezMinerData, State as TrezState};
pub use trez_pool::state::{Member, Pool, Round, RoundStatus, StrandedClaim};

/// Program ids.
pub mod ids {
    use super::Pubkey;
    /// The TREZ mining program this build was compiled against (the real id; the replica declares the same).
    /// Off-chain code uses [`trez()`], which a process may point elsewhere with [`set`].
    pub const TREZ: Pubkey = trez_mining::ID;
    /// The pool program this build was compiled against; see [`pool()`].
    pub const POOL: Pubkey = trez_pool::ID;

    static RUNTIME: std::sync::OnceLock<(Pubkey, Pubkey)> = std::sync::OnceLock::new();

    /// Use these program ids in this process instead of the compiled ones (the binaries' `--pool-program` and
    /// `--trez-program` options): every PDA, instruction and owner check of this crate then follows. Call it
    /// once, before anything derives an address. The deployed pool program must have been built against the
    /// same TREZ id (it CPIs into the TREZ id compiled into it). Errors when already set to other ids.
    pub fn set(pool: Pubkey, trez: Pubkey) -> Result<(), String> {
        let got = *RUNTIME.get_or_init(|| (pool, trez));
        if got == (pool, trez) {
            Ok(())
        } else {
            Err(format!("program ids already set to pool {} and TREZ {}", got.0, got.1))
        }
    }

    /// The pool program id in use: the one [`set`] gave, else [`POOL`].
    pub fn pool() -> Pubkey {
        RUNTIME.get().map_or(POOL, |r| r.0)
    }

    /// The TREZ program id in use: the one [`set`] gave, else [`TREZ`].
    pub fn trez() -> Pubkey {
        RUNTIME.get().map_or(TREZ, |r| r.1)
    }
    /// SPL Token.
    pub const TOKEN: Pubkey = spl_token_interface::ID;
    /// SPL Token-2022 (the pool accepts mints of either token program).
    pub const TOKEN_2022: Pubkey = anchor_lang::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    /// SPL Associated Token Account.
    pub const ATA: Pubkey = spl_associated_token_account_interface::program::ID;
}

/// Program-derived addresses, one helper per seed tuple of the programs' `constants.rs`.
pub mod pda {
    use super::{ids, Pubkey};
    use trez_mining::constants as mc;
    use trez_pool::constants as pc;

    /// TREZ `State`: `["state"]`.
    pub fn trez_state() -> Pubkey {
        Pubkey::find_program_address(&[mc::SEED_STATE], &ids::trez()).0
    }
    /// TREZ `MinerData` of `user`: `["miner_data", user]`.
    pub fn trez_miner_data(user: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[mc::SEED_MINER_DATA, user.as_ref()], &ids::trez()).0
    }
    /// TREZ distributor: `["distributor"]` (owns the token account that pays rewards).
    pub fn trez_distributor() -> Pubkey {
        Pubkey::find_program_address(&[mc::SEED_DISTRIBUTOR], &ids::trez()).0
    }
    /// The distributor's TREZ token account: its associated token account for `mint`.
    pub fn trez_distributor_token(mint: &Pubkey) -> Pubkey {
        ata(&trez_distributor(), mint)
    }
    /// Pool: `["pool", admin]`.
    pub fn pool(admin: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_POOL, admin.as_ref()], &ids::pool()).0
    }
    /// Pool authority (the TREZ miner key of every pool miner): `["authority", pool]`.
    pub fn authority(pool: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_AUTHORITY, pool.as_ref()], &ids::pool()).0
    }
    /// Escrow token account: `["escrow", pool]`.
    pub fn escrow(pool: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_ESCROW, pool.as_ref()], &ids::pool()).0
    }
    /// Round: `["round", pool, block_count u64 LE]`.
    pub fn round(pool: &Pubkey, block_count: u64) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_ROUND, pool.as_ref(), &block_count.to_le_bytes()], &ids::pool()).0
    }
    /// Member: `["member", pool, wallet]`.
    pub fn member(pool: &Pubkey, wallet: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_MEMBER, pool.as_ref(), wallet.as_ref()], &ids::pool()).0
    }
    /// StrandedClaim: `["stranded_claim", round, wallet]`.
    pub fn stranded_claim(round: &Pubkey, wallet: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[pc::SEED_STRANDED_CLAIM, round.as_ref(), wallet.as_ref()], &ids::pool()).0
    }
    /// The associated token account of `wallet` for `mint` (SPL Token).
    pub fn ata(wallet: &Pubkey, mint: &Pubkey) -> Pubkey {
        spl_associated_token_account_interface::address::get_associated_token_address(wallet, mint)
    }
}

fn anchor_ix(program_id: Pubkey, accounts: impl anchor_lang::ToAccountMetas, data: impl anchor_lang::InstructionData) -> Instruction {
    Instruction { program_id, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// Instructions of the TREZ mining program (replica).
pub mod mining {
    use super::*;
    use trez_mining::{accounts as a, instruction as i};
    pub use trez_mining::{InitializeArgs, ParamsArgs};

    /// `initialize`: `admin` signs and pays; `mint` must have no mint authority and the supply for rewards must
    /// already sit in `pda::trez_distributor_token(mint)`.
    pub fn initialize(admin: Pubkey, mint: Pubkey, args: InitializeArgs) -> Instruction {
        anchor_ix(
            ids::trez(),
            a::Initialize {
                admin,
                state: pda::trez_state(),
                mint,
                distributor: pda::trez_distributor(),
                distributor_token: pda::trez_distributor_token(&mint),
                token_program: ids::TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            i::Initialize { args },
        )
    }

    /// `register_miner`: creates `user`'s MinerData; `payer` and `user` sign.
    pub fn register_miner(payer: Pubkey, user: Pubkey) -> Instruction {
        anchor_ix(
            ids::trez(),
            a::RegisterMiner { payer, user, miner_data: pda::trez_miner_data(&user), system_program: anchor_lang::system_program::ID },
            i::RegisterMiner {},
        )
    }

    /// `set_referrer(referrer)`: `user` signs; once per miner.
    pub fn set_referrer(user: Pubkey, referrer: Pubkey) -> Instruction {
        anchor_ix(ids::trez(), a::SetReferrer { user, miner_data: pda::trez_miner_data(&user) }, i::SetReferrer { referrer })
    }

    /// `claim_reward(nonce)` signed by `miner`: reward (and, without a referrer, the bonus) to `miner_token`;
    /// `referrer_token` (a token account of the miner's referrer) exactly when the miner has a referrer.
    pub fn claim_reward(miner: Pubkey, mint: Pubkey, miner_token: Pubkey, referrer_token: Option<Pubkey>, nonce: u64) -> Instruction {
        anchor_ix(
            ids::trez(),
            a::ClaimReward {
                miner,
                state: pda::trez_state(),
                miner_data: pda::trez_miner_data(&miner),
                distributor: pda::trez_distributor(),
                distributor_token: pda::trez_distributor_token(&mint),
                mint,
                miner_token,
                referrer_token,
                token_program: ids::TOKEN,
            },
            i::ClaimReward { nonce },
        )
    }

    /// `set_params` signed by the TREZ admin.
    pub fn set_params(admin: Pubkey, args: ParamsArgs) -> Instruction {
        anchor_ix(ids::trez(), a::SetParams { admin, state: pda::trez_state() }, i::SetParams { args })
    }
}

/// Instructions of the pool program.
pub mod pool {
    use super::*;
    use trez_pool::{accounts as a, instruction as i};
    pub use trez_pool::{InitializePoolArgs, LeafArgs};

    /// `initialize_pool`: `admin` signs and pays; creates Pool `pda::pool(admin)` and its escrow.
    pub fn initialize_pool(admin: Pubkey, mint: Pubkey, args: InitializePoolArgs) -> Instruction {
        let pool = pda::pool(&admin);
        anchor_ix(
            ids::pool(),
            a::InitializePool {
                admin,
                pool,
                authority: pda::authority(&pool),
                mint,
                escrow: pda::escrow(&pool),
                token_program: ids::TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            i::InitializePool { args },
        )
    }

    /// `register_trez_miner`: creates the TREZ MinerData of the pool's authority; `payer` signs and pays rent.
    pub fn register_trez_miner(payer: Pubkey, pool: Pubkey) -> Instruction {
        register_trez_miner_with_program(payer, pool, ids::trez())
    }

    /// As [`register_trez_miner`] with an explicit TREZ program id (tests use it for the arbitrary-CPI case).
    pub fn register_trez_miner_with_program(payer: Pubkey, pool: Pubkey, trez_program: Pubkey) -> Instruction {
        let authority = pda::authority(&pool);
        anchor_ix(
            ids::pool(),
            a::RegisterTrezMiner {
                payer,
                pool,
                authority,
                trez_miner_data: pda::trez_miner_data(&authority),
                trez_program,
                system_program: anchor_lang::system_program::ID,
            },
            i::RegisterTrezMiner {},
        )
    }

    /// Index of the Round account in a `submit_solution` instruction's accounts (the audit and the stranded
    /// commands find a pool's rounds from its transactions by it).
    pub const SUBMIT_SOLUTION_ROUND_INDEX: usize = 7;

    /// `register_member(wallet)`: `payer` signs and pays rent.
    pub fn register_member(payer: Pubkey, pool: Pubkey, wallet: Pubkey) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::RegisterMember {
                payer,
                pool,
                member: pda::member(&pool, &wallet),
                system_program: anchor_lang::system_program::ID,
            },
            i::RegisterMember { wallet },
        )
    }

    fn admin_only(admin: Pubkey, pool: Pubkey) -> a::AdminOnly {
        a::AdminOnly { admin, pool, escrow: pda::escrow(&pool) }
    }

    /// `set_relayer(new_relayer)`, admin signs.
    pub fn set_relayer(admin: Pubkey, pool: Pubkey, new_relayer: Pubkey) -> Instruction {
        anchor_ix(ids::pool(), admin_only(admin, pool), i::SetRelayer { new_relayer })
    }
    /// `propose_fee(fee_bps)`, admin signs.
    pub fn propose_fee(admin: Pubkey, pool: Pubkey, fee_bps: u16) -> Instruction {
        anchor_ix(ids::pool(), admin_only(admin, pool), i::ProposeFee { fee_bps })
    }
    /// `apply_fee`, admin signs.
    pub fn apply_fee(admin: Pubkey, pool: Pubkey) -> Instruction {
        anchor_ix(ids::pool(), admin_only(admin, pool), i::ApplyFee {})
    }
    /// `set_min_payout(min_payout)` (base units), admin signs.
    pub fn set_min_payout(admin: Pubkey, pool: Pubkey, min_payout: u64) -> Instruction {
        anchor_ix(ids::pool(), admin_only(admin, pool), i::SetMinPayout { min_payout })
    }

    /// `withdraw_fees(amount)` (base units) to `destination`, admin signs.
    pub fn withdraw_fees(admin: Pubkey, pool: Pubkey, mint: Pubkey, destination: Pubkey, amount: u64) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::WithdrawFees {
                admin,
                pool,
                authority: pda::authority(&pool),
                escrow: pda::escrow(&pool),
                mint,
                destination,
                token_program: ids::TOKEN,
            },
            i::WithdrawFees { amount },
        )
    }

    /// `submit_solution(nonce)` for the TREZ `block_count` the nonce was mined at; `submitter` signs and pays.
    pub fn submit_solution(submitter: Pubkey, pool: Pubkey, mint: Pubkey, block_count: u64, nonce: u64) -> Instruction {
        submit_solution_with_program(submitter, pool, mint, block_count, nonce, ids::trez())
    }

    /// As [`submit_solution`] with an explicit TREZ program id (tests use it for the arbitrary-CPI case).
    pub fn submit_solution_with_program(
        submitter: Pubkey,
        pool: Pubkey,
        mint: Pubkey,
        block_count: u64,
        nonce: u64,
        trez_program: Pubkey,
    ) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::SubmitSolution {
                submitter,
                pool,
                authority: pda::authority(&pool),
                escrow: pda::escrow(&pool),
                mint,
                trez_state: pda::trez_state(),
                trez_miner_data: pda::trez_miner_data(&pda::authority(&pool)),
                round: pda::round(&pool, block_count),
                trez_distributor: pda::trez_distributor(),
                trez_distributor_token: pda::trez_distributor_token(&mint),
                trez_program,
                token_program: ids::TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            i::SubmitSolution { nonce },
        )
    }

    /// `begin_credit(leaves_root, leaf_count, pplns_factor, total_weight)` for round `block_count`, relayer
    /// signs.
    pub fn begin_credit(
        relayer: Pubkey,
        pool: Pubkey,
        block_count: u64,
        leaves_root: [u8; 32],
        leaf_count: u32,
        pplns_factor: u64,
        total_weight: u128,
    ) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::BeginCredit { relayer, pool, round: pda::round(&pool, block_count) },
            i::BeginCredit { leaves_root, leaf_count, pplns_factor, total_weight },
        )
    }

    /// `credit_batch(batch_index, amounts)`: `wallets[i]` gets `amounts[i]` base units; wallets must be in
    /// ascending order continuing the round's previous batch. Relayer signs.
    pub fn credit_batch(
        relayer: Pubkey,
        pool: Pubkey,
        block_count: u64,
        batch_index: u32,
        wallets: &[Pubkey],
        amounts: Vec<u64>,
    ) -> Instruction {
        let mut ix = anchor_ix(
            ids::pool(),
            a::CreditBatch { relayer, pool, round: pda::round(&pool, block_count), escrow: pda::escrow(&pool) },
            i::CreditBatch { batch_index, amounts },
        );
        ix.accounts.extend(wallets.iter().map(|w| AccountMeta::new(pda::member(&pool, w), false)));
        ix
    }

    /// `payout` for `(wallet, destination token account)` pairs; sorted here into ascending Member order.
    pub fn payout(pool: Pubkey, mint: Pubkey, pairs: &[(Pubkey, Pubkey)]) -> Instruction {
        let mut members: Vec<(Pubkey, Pubkey)> = pairs.iter().map(|(w, d)| (pda::member(&pool, w), *d)).collect();
        members.sort();
        payout_raw(pool, mint, &members)
    }

    /// `payout` with `(member account, destination)` pairs exactly as given (tests use it for bad orders).
    pub fn payout_raw(pool: Pubkey, mint: Pubkey, member_pairs: &[(Pubkey, Pubkey)]) -> Instruction {
        let mut ix = anchor_ix(
            ids::pool(),
            a::Payout {
                pool,
                authority: pda::authority(&pool),
                escrow: pda::escrow(&pool),
                mint,
                token_program: ids::TOKEN,
            },
            i::Payout {},
        );
        for (member, dest) in member_pairs {
            ix.accounts.push(AccountMeta::new(*member, false));
            ix.accounts.push(AccountMeta::new(*dest, false));
        }
        ix
    }

    /// `claim`: the member's `wallet` signs; everything owed goes to `destination`.
    pub fn claim(wallet: Pubkey, pool: Pubkey, mint: Pubkey, destination: Pubkey) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::Claim {
                wallet,
                pool,
                member: pda::member(&pool, &wallet),
                authority: pda::authority(&pool),
                escrow: pda::escrow(&pool),
                mint,
                destination,
                token_program: ids::TOKEN,
            },
            i::Claim {},
        )
    }

    /// `mark_stranded`: anyone (`marker` signs) strands round `block_count`, falling back to the Round of
    /// `fallback_block` (the pool's `last_credited_block`).
    pub fn mark_stranded(marker: Pubkey, pool: Pubkey, block_count: u64, fallback_block: u64) -> Instruction {
        anchor_ix(
            ids::pool(),
            a::MarkStranded {
                marker,
                pool,
                round: pda::round(&pool, block_count),
                fallback_round: pda::round(&pool, fallback_block),
            },
            i::MarkStranded {},
        )
    }

    /// `claim_stranded(leaf, index, proof)`: anyone (`payer` signs, pays the claim record's rent) pays `leaf`
    /// its part of stranded round `block_count` into `destination` (a token account of `leaf.wallet`).
    pub fn claim_stranded(
        payer: Pubkey,
        pool: Pubkey,
        mint: Pubkey,
        block_count: u64,
        leaf: LeafArgs,
        index: u32,
        proof: Vec<[u8; 32]>,
        destination: Pubkey,
    ) -> Instruction {
        let round = pda::round(&pool, block_count);
        anchor_ix(
            ids::pool(),
            a::ClaimStranded {
                payer,
                pool,
                round,
                claim: pda::stranded_claim(&round, &leaf.wallet),
                authority: pda::authority(&pool),
                escrow: pda::escrow(&pool),
                mint,
                destination,
                token_program: ids::TOKEN,
                system_program: anchor_lang::system_program::ID,
            },
            i::ClaimStranded { leaf, index, proof },
        )
    }
}

/// Decoding of account data (Anchor discriminator checked).
pub mod decode {
    use anchor_lang::AccountDeserialize;

    /// Decode an Anchor account of type `T` from raw account data.
    pub fn account<T: AccountDeserialize>(data: &[u8]) -> anchor_lang::Result<T> {
        let mut slice = data;
        T::try_deserialize(&mut slice)
    }
}
