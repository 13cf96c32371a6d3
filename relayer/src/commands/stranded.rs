//! `member claim-stranded`: the fallback for a relayer that is gone (README, "No reward stranded"). With only
//! the chain and the pool's published record (a saved `export` file, or `/api/export` of a relayer still up):
//! find the pool's rounds from the escrow's history, strand those still `Submitted` past the pool's
//! `strand_timeout_slots` (`mark_stranded`), and claim each stranded round for the wallet (or, with `all`,
//! for every leaf, as a crank) with a merkle proof of its leaf in the fallback round (`claim_stranded`).
//! The leaves come from the record, and are used only when their merkle root is the one on-chain.

use std::collections::BTreeSet;

use serde::Serialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_sdk::{pda, pool as pool_ix, Round, RoundStatus};

use super::{create_ata, send, CommandError};
use crate::chain::ChainClient;
use crate::export::{parse_leaf, PoolExport};
use crate::poolchain::PoolChain;
use crate::pplns::{self, Leaf};

/// What `claim-stranded` did with one round of the pool that was (or now is) stranded.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StrandedRound {
    pub block_count: u64,
    /// The round whose leaves claim it.
    pub fallback_block: u64,
    /// `reward − fee`, base units.
    pub distributable: u64,
    /// The `mark_stranded` this command sent (None: it was stranded already).
    pub marked: Option<String>,
    /// Claims this command landed: wallet, base units, signature.
    pub claimed: Vec<(String, u64, String)>,
    /// Leaves (of the wallets asked for) that had claimed before.
    pub already_claimed: Vec<String>,
}

/// The result of `claim-stranded`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StrandedReport {
    /// Current slot (from the Clock sysvar).
    pub slot: u64,
    /// Rounds still `Submitted` and not yet past their timeout: (block_count, the first slot they can be
    /// stranded).
    pub waiting: Vec<(u64, u64)>,
    pub rounds: Vec<StrandedRound>,
}

/// Every Round of the pool, found from the `submit_solution` instructions in the escrow's history.
pub async fn pool_rounds(pc: &PoolChain) -> Result<Vec<Round>, CommandError> {
    use anchor_lang::Discriminator;
    let history = pc.chain.history(&pda::escrow(&pc.pool), crate::audit::HISTORY_LIMIT).await?;
    let mut addresses = BTreeSet::new();
    for rec in history.iter().filter(|t| t.ok) {
        for (_, program, accounts, data) in rec.instructions() {
            if program == trez_sdk::ids::pool() && data.starts_with(trez_pool::instruction::SubmitSolution::DISCRIMINATOR) && accounts.get(1) == Some(&pc.pool) {
                addresses.extend(accounts.get(trez_sdk::pool::SUBMIT_SOLUTION_ROUND_INDEX).copied());
            }
        }
    }
    let addresses: Vec<Pubkey> = addresses.into_iter().collect();
    let mut rounds = vec![];
    for chunk in addresses.chunks(100) {
        for a in pc.chain.get_multiple_accounts(chunk).await?.into_iter().flatten() {
            if a.owner == trez_sdk::ids::pool() {
                rounds.extend(trez_sdk::decode::account::<Round>(&a.data).ok().filter(|r| r.pool == pc.pool));
            }
        }
    }
    rounds.sort_by_key(|r| r.block_count);
    Ok(rounds)
}

/// The current slot, from the Clock sysvar (its first field, u64 LE).
async fn current_slot(chain: &dyn ChainClient) -> Result<u64, CommandError> {
    let clock = chain.get_account(&solana_sdk::sysvar::clock::ID).await?.ok_or_else(|| CommandError::Refused("the chain has no Clock sysvar".into()))?;
    clock.data.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).ok_or_else(|| CommandError::Refused("malformed Clock sysvar".into()))
}

/// The record's leaves of round `block_count` and their hashes, checked against the on-chain root they must
/// open.
fn leaves_of(record: &PoolExport, block_count: u64, root: &[u8; 32]) -> Result<(Vec<Leaf>, Vec<[u8; 32]>), CommandError> {
    let rec = record
        .rounds
        .iter()
        .find(|r| r.block_count == block_count)
        .ok_or_else(|| CommandError::Refused(format!("round {block_count} (the fallback) is not in the record: use an export that has it")))?;
    let leaves: Vec<Leaf> = rec.leaves.iter().map(parse_leaf).collect::<Result<_, _>>().map_err(CommandError::Refused)?;
    let hashes: Vec<[u8; 32]> = leaves.iter().map(pplns::leaf_hash).collect();
    if trez_pool::merkle::root(&hashes) != *root {
        return Err(CommandError::Refused(format!("the record's leaves of round {block_count} do not have its on-chain merkle root")));
    }
    Ok((leaves, hashes))
}

/// `member claim-stranded`: strand what has timed out, then claim every stranded round for `wallet` (or for
/// every leaf when `wallet` is None), `payer` signing and paying fees, claim records' rent and missing
/// associated token accounts.
pub async fn claim_stranded(chain: std::sync::Arc<dyn ChainClient>, payer: &Keypair, pool: Pubkey, record: &PoolExport, wallet: Option<Pubkey>) -> Result<StrandedReport, CommandError> {
    let pc = PoolChain::observe(chain.clone(), pool).await?;
    let p = pc.pool_account().await?;
    let slot = current_slot(chain.as_ref()).await?;
    let mut report = StrandedReport { slot, waiting: vec![], rounds: vec![] };
    for mut r in pool_rounds(&pc).await? {
        let mut marked = None;
        if r.status == RoundStatus::Submitted {
            let due = r.submitted_slot.saturating_add(p.strand_timeout_slots);
            if slot < due || p.credited_rounds == 0 {
                report.waiting.push((r.block_count, due));
                continue;
            }
            let ix = pool_ix::mark_stranded(payer.pubkey(), pool, r.block_count, p.last_credited_block);
            marked = Some(send(chain.as_ref(), payer, &[ix]).await?.to_string());
            r = pc.round(r.block_count).await?.ok_or_else(|| CommandError::Refused(format!("round {} vanished", r.block_count)))?;
        }
        if r.status != RoundStatus::Stranded {
            continue;
        }
        let (leaves, hashes) = leaves_of(record, r.fallback_block, &r.leaves_root)?;
        let distributable = r.reward.saturating_sub(r.fee);
        let mut out = StrandedRound { block_count: r.block_count, fallback_block: r.fallback_block, distributable, marked, claimed: vec![], already_claimed: vec![] };
        let round_key = pda::round(&pool, r.block_count);
        // The leaves asked for, and which of them claimed already (one read for all).
        let asked: Vec<usize> = (0..leaves.len()).filter(|&i| wallet.is_none_or(|x| x.to_bytes() == leaves[i].wallet)).collect();
        let records: Vec<Pubkey> = asked.iter().map(|&i| pda::stranded_claim(&round_key, &Pubkey::new_from_array(leaves[i].wallet))).collect();
        let mut claimed_before = vec![];
        for chunk in records.chunks(100) {
            claimed_before.extend(chain.get_multiple_accounts(chunk).await?.into_iter().map(|a| a.is_some()));
        }
        for (&i, before) in asked.iter().zip(claimed_before) {
            let (l, w) = (&leaves[i], Pubkey::new_from_array(leaves[i].wallet));
            if before {
                out.already_claimed.push(w.to_string());
                continue;
            }
            let amount = trez_pool::math::pro_rata(distributable, l.weight, r.total_weight)
                .ok_or_else(|| CommandError::Refused(format!("leaf {w}: weight {} above the round's total weight {}", l.weight, r.total_weight)))?
                .0;
            let proof = trez_pool::merkle::proof(&hashes, i).ok_or_else(|| CommandError::Refused("leaf index out of range".into()))?;
            let leaf = pool_ix::LeafArgs { wallet: w, weight: l.weight, shares: l.shares, amount: l.amount };
            let dest = pda::ata(&w, &pc.mint);
            let ixs = [create_ata(payer.pubkey(), w, pc.mint), pool_ix::claim_stranded(payer.pubkey(), pool, pc.mint, r.block_count, leaf, i as u32, proof, dest)];
            let sig = send(chain.as_ref(), payer, &ixs).await?;
            out.claimed.push((w.to_string(), amount, sig.to_string()));
        }
        if wallet.is_some() && out.claimed.is_empty() && out.already_claimed.is_empty() && out.marked.is_none() {
            continue; // not a leaf of this round's fallback: nothing for this wallet here
        }
        report.rounds.push(out);
    }
    Ok(report)
}
