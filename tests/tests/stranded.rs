//! The stranded-round fallback (`mark_stranded`, `claim_stranded`): a round the relayer never credits within
//! the pool's `strand_timeout_slots` is claimed, with merkle proofs and no relayer, by the leaves of the
//! pool's last credited round, pro rata to their weights. Every success path, every error, the sealevel
//! classes (signer, owner, account substitution, re-init, duplicate accounts, arbitrary CPI, overflow); every
//! failed call is checked to change nothing.

#![allow(deprecated)] // program-test 3.x marks its API "unstable"; it is the pinned harness here.

use anchor_lang::error::ErrorCode as AnchorCode;
use solana_sdk::instruction::AccountMeta;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use trez_pool::error::PoolError;
use trez_pool::state::{Pool, Round};
use trez_relayer::pplns::{self, Leaf};
use trez_tests::*;

const TIMEOUT: u64 = 10;

/// A pool (timeout 10 slots) with `n` registered members and ATAs; wallets ascending.
struct Fx {
    env: Env,
    p: PoolKeys,
    wallets: Vec<Keypair>,
    atas: Vec<Pubkey>,
}

impl Fx {
    async fn new(n: usize) -> Fx {
        let mut env = Env::new(test_trez_params()).await;
        env.strand_timeout_slots = TIMEOUT;
        let p = env.create_pool(250, 1_000, 0, 1).await;
        let (wallets, atas) = env.members(&p, n, 0).await;
        Fx { env, p, wallets, atas }
    }

    async fn pool(&mut self) -> Pool {
        let k = self.p.pool;
        self.env.anchor(&k).await
    }

    async fn round(&mut self, bc: u64) -> Round {
        let k = pda::round(&self.p.pool, bc);
        self.env.anchor(&k).await
    }

    /// Land a block and credit it fully with `weights[i]` for wallet i (the relayer's own PPLNS split and
    /// merkle tree); returns (block_count, leaves).
    async fn credited_round(&mut self, weights: &[u128]) -> (u64, Vec<Leaf>) {
        let (bc, _) = self.env.submit_block(&self.p.insecure_clone()).await;
        let r = self.round(bc).await;
        let by_wallet: Vec<([u8; 32], u128)> = self.wallets.iter().zip(weights).map(|(k, w)| (k.pubkey().to_bytes(), *w)).collect();
        let amounts = pplns::split(r.reward - r.fee, &by_wallet).unwrap();
        let leaves: Vec<Leaf> = by_wallet
            .iter()
            .zip(&amounts)
            .map(|((wallet, weight), amount)| Leaf { wallet: *wallet, weight: *weight, shares: 1, amount: *amount })
            .collect();
        let p = self.p.insecure_clone();
        commit(&mut self.env, &p, bc, &leaves, weights.iter().sum()).await;
        (bc, leaves)
    }

    async fn commit(&mut self, bc: u64, leaves: &[Leaf], total_weight: u128) {
        let p = self.p.insecure_clone();
        commit(&mut self.env, &p, bc, leaves, total_weight).await
    }

    /// A second pool in the same bank with the same members registered.
    async fn second_pool(&mut self) -> PoolKeys {
        let q = self.env.create_pool(250, 1_000, 0, 1).await;
        for w in &self.wallets {
            self.env.send(&[pool::register_member(q.relayer.pubkey(), q.pool, w.pubkey())], &[&q.relayer]).await.unwrap();
        }
        q
    }

    async fn warp_slots(&mut self, n: u64) {
        let slot = self.env.ctx.banks_client.get_root_slot().await.unwrap();
        self.env.ctx.warp_to_slot(slot + n).unwrap();
    }

    /// A landed, uncredited round past its timeout; returns its block_count.
    async fn timed_out_round(&mut self) -> u64 {
        let (bc, _) = self.env.submit_block(&self.p.insecure_clone()).await;
        self.warp_slots(TIMEOUT + 1).await;
        bc
    }

    fn mark_ix(&self, bc: u64, fallback: u64) -> solana_sdk::instruction::Instruction {
        pool::mark_stranded(self.env.ctx.payer.pubkey(), self.p.pool, bc, fallback)
    }

    fn claim_ix(&self, bc: u64, leaves: &[Leaf], i: usize, dest: Pubkey) -> solana_sdk::instruction::Instruction {
        let l = leaves[i];
        let leaf = pool::LeafArgs { wallet: Pubkey::new_from_array(l.wallet), weight: l.weight, shares: l.shares, amount: l.amount };
        let proof = pplns::merkle_proof(leaves, i).unwrap();
        pool::claim_stranded(self.env.ctx.payer.pubkey(), self.p.pool, self.env.mint, bc, leaf, i as u32, proof, dest)
    }

    fn watch(&self, bc: u64) -> Vec<Pubkey> {
        let round = pda::round(&self.p.pool, bc);
        let mut w = vec![self.p.pool, self.p.escrow, round];
        w.extend(self.atas.iter().copied());
        w.extend(self.wallets.iter().map(|k| pda::stranded_claim(&round, &k.pubkey())));
        w
    }

    /// `ixs` fails with `code` and changes none of the watched accounts of round `bc`.
    async fn refused(&mut self, bc: u64, ixs: &[solana_sdk::instruction::Instruction], signers: &[&Keypair], code: u32) {
        let watch = self.watch(bc);
        let before = self.env.snapshot(&watch).await;
        let res = self.env.send(ixs, signers).await;
        assert_eq!(res.as_ref().err().and_then(custom_code), Some(code), "{res:?}");
        assert_eq!(before, self.env.snapshot(&watch).await, "a refused call changed state");
    }
}

/// `begin_credit` with these leaves' root and `total_weight`, then one `credit_batch` of their amounts.
async fn commit(env: &mut Env, p: &PoolKeys, bc: u64, leaves: &[Leaf], total_weight: u128) {
    let root = pplns::merkle_root(leaves);
    let ix = pool::begin_credit(p.relayer.pubkey(), p.pool, bc, root, leaves.len() as u32, 2, total_weight);
    env.send(&[ix], &[&p.relayer]).await.unwrap();
    let wallets: Vec<Pubkey> = leaves.iter().map(|l| Pubkey::new_from_array(l.wallet)).collect();
    let ix = pool::credit_batch(p.relayer.pubkey(), p.pool, bc, 0, &wallets, leaves.iter().map(|l| l.amount).collect());
    env.send(&[ix], &[&p.relayer]).await.unwrap();
}

fn code(e: PoolError) -> u32 {
    e.into()
}

#[tokio::test]
async fn a_stranded_round_is_claimed_pro_rata_by_the_last_credited_rounds_leaves() {
    let mut fx = Fx::new(3).await;
    let (_, older) = fx.credited_round(&[5, 5, 5]).await;
    let (fallback_bc, leaves) = fx.credited_round(&[1, 2, 4]).await;
    assert_ne!(pplns::merkle_root(&older), pplns::merkle_root(&leaves));
    let pl = fx.pool().await;
    assert_eq!((pl.credited_rounds, pl.last_credited_block, pl.strand_timeout_slots), (2, fallback_bc, TIMEOUT));

    // Before the timeout: refused.
    let (bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    fx.refused(bc, &[fx.mark_ix(bc, fallback_bc)], &[], code(PoolError::StrandTimeoutNotReached)).await;
    fx.warp_slots(TIMEOUT).await;
    // Anyone marks it (here a fresh key that only signs; the context payer pays the fee).
    let marker = Keypair::new();
    let ix = pool::mark_stranded(marker.pubkey(), fx.p.pool, bc, fallback_bc);
    fx.env.send(&[ix], &[&marker]).await.unwrap();
    let r = fx.round(bc).await;
    let fb = fx.round(fallback_bc).await;
    assert_eq!(r.status, RoundStatus::Stranded);
    assert_eq!((r.fallback_block, r.leaves_root, r.leaf_count, r.total_weight), (fallback_bc, fb.leaves_root, 3, 7));
    assert!(r.stranded_slot >= r.submitted_slot + TIMEOUT);
    r.invariant().unwrap();

    // The relayer can no longer credit it; nobody can strand it twice.
    let relayer = fx.p.relayer.insecure_clone();
    let ix = pool::begin_credit(relayer.pubkey(), fx.p.pool, bc, [1; 32], 3, 2, 7);
    fx.refused(bc, &[ix], &[&relayer], code(PoolError::RoundNotSubmitted)).await;
    let ix = pool::credit_batch(relayer.pubkey(), fx.p.pool, bc, 0, &[fx.wallets[0].pubkey()], vec![1]);
    fx.refused(bc, &[ix], &[&relayer], code(PoolError::RoundNotCrediting)).await;
    fx.refused(bc, &[fx.mark_ix(bc, fallback_bc)], &[], code(PoolError::RoundNotSubmitted)).await;

    // Claims: leaf 2 by the member paying itself, leaf 0 by a crank (the context payer); each once.
    let d = r.reward - r.fee;
    let want = |w: u128| (d as u128 * w / 7) as u64;
    let escrow = fx.p.escrow;
    let escrow_before = fx.env.balance(&escrow).await;
    let pool_before = fx.pool().await;
    let w2 = fx.wallets[2].insecure_clone();
    let mut ix = fx.claim_ix(bc, &leaves, 2, fx.atas[2]);
    ix.accounts[0] = AccountMeta::new(w2.pubkey(), true);
    fx.env.fund(&w2.pubkey(), 100_000_000).await;
    fx.env.send(&[ix], &[&w2]).await.unwrap();
    let ata2 = fx.atas[2];
    assert_eq!(fx.env.balance(&ata2).await, want(4), "the claim is paid straight to the wallet's token account");
    fx.env.send(&[fx.claim_ix(bc, &leaves, 0, fx.atas[0])], &[]).await.unwrap();
    let c: trez_pool::state::StrandedClaim = fx.env.anchor(&pda::stranded_claim(&pda::round(&fx.p.pool, bc), &fx.wallets[0].pubkey())).await;
    assert_eq!((c.wallet, c.destination, c.amount), (fx.wallets[0].pubkey(), fx.atas[0], want(1)));
    // A second claim of the same leaf, by anyone, is refused with a code.
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 0, fx.atas[0])], &[], code(PoolError::AlreadyClaimed)).await;
    let r = fx.round(bc).await;
    assert_eq!((r.credited, r.leaves_credited, r.dust), (want(1) + want(4), 2, 0));

    // The last leaf's claim moves the rounding remainder to the pool's fees.
    fx.env.send(&[fx.claim_ix(bc, &leaves, 1, fx.atas[1])], &[]).await.unwrap();
    let r = fx.round(bc).await;
    let paid = want(1) + want(2) + want(4);
    assert_eq!((r.credited, r.leaves_credited, r.dust), (paid, 3, d - paid));
    r.invariant().unwrap();
    let pl = fx.pool().await;
    assert_eq!(pl.credited, pool_before.credited + paid);
    assert_eq!(pl.paid, pool_before.paid + paid);
    assert_eq!(pl.fees_accrued, pool_before.fees_accrued + (d - paid));
    assert_eq!(fx.env.balance(&escrow).await, escrow_before - paid);
    pl.invariant(escrow_before - paid).unwrap();
    assert_eq!(pl.owed().unwrap(), escrow_before - paid, "the escrow holds exactly what is owed");
}

#[tokio::test]
async fn mark_stranded_errors() {
    let mut fx = Fx::new(2).await;
    // No credited round yet.
    let bc0 = fx.timed_out_round().await;
    fx.refused(bc0, &[fx.mark_ix(bc0, bc0)], &[], code(PoolError::NoCreditedRound)).await;

    let (credited_bc, _) = fx.credited_round(&[1, 1]).await;
    fx.warp_slots(TIMEOUT + 1).await;
    fx.refused(credited_bc, &[fx.mark_ix(credited_bc, credited_bc)], &[], code(PoolError::RoundNotSubmitted)).await;
    let (crediting_bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let relayer = fx.p.relayer.insecure_clone();
    let ix = pool::begin_credit(relayer.pubkey(), fx.p.pool, crediting_bc, [3; 32], 2, 2, 2);
    fx.env.send(&[ix], &[&relayer]).await.unwrap();
    fx.warp_slots(TIMEOUT + 1).await;
    fx.refused(crediting_bc, &[fx.mark_ix(crediting_bc, credited_bc)], &[], code(PoolError::RoundNotSubmitted)).await;

    // The fallback must be the Round of the pool's last credited block: not the stranded round itself, not
    // a Crediting round, not another pool's credited Round, not a copy under another owner.
    let bc = fx.timed_out_round().await;
    fx.refused(bc, &[fx.mark_ix(bc, bc)], &[], code(PoolError::InvalidFallbackRound)).await;
    fx.refused(bc, &[fx.mark_ix(bc, crediting_bc)], &[], code(PoolError::InvalidFallbackRound)).await;
    let q = fx.second_pool().await;
    let (qbc, _) = fx.env.submit_block(&q).await;
    let qr: Round = fx.env.anchor(&pda::round(&q.pool, qbc)).await;
    let two = [pplns::Leaf { wallet: fx.wallets[0].pubkey().to_bytes(), weight: 1, shares: 1, amount: qr.reward - qr.fee }];
    commit(&mut fx.env, &q, qbc, &two, 1).await;
    let mut ix = fx.mark_ix(bc, credited_bc);
    ix.accounts[3] = AccountMeta::new_readonly(pda::round(&q.pool, qbc), false);
    fx.refused(bc, &[ix], &[], code(PoolError::InvalidFallbackRound)).await;
    // Owner: a copy of the real fallback Round's data under another program's account.
    let real = pda::round(&fx.p.pool, credited_bc);
    let acct = fx.env.account(&real).await.unwrap();
    let fake = Pubkey::new_unique();
    let mut copy = solana_sdk::account::Account::new(acct.lamports, acct.data.len(), &Pubkey::new_unique());
    copy.data = acct.data.clone();
    fx.env.ctx.set_account(&fake, &copy.into());
    let mut ix = fx.mark_ix(bc, credited_bc);
    ix.accounts[3] = AccountMeta::new_readonly(fake, false);
    fx.refused(bc, &[ix], &[], code(PoolError::InvalidFallbackRound)).await;
    // Account substitution: another pool's timed-out round under this pool.
    let (q_bc2, _) = fx.env.submit_block(&q).await;
    fx.warp_slots(TIMEOUT + 1).await;
    let mut ix = fx.mark_ix(bc, credited_bc);
    ix.accounts[2] = AccountMeta::new(pda::round(&q.pool, q_bc2), false);
    fx.refused(bc, &[ix], &[], AnchorCode::ConstraintSeeds.into()).await;
    // Signer: the marker must sign.
    let marker = Keypair::new();
    let mut ix = pool::mark_stranded(marker.pubkey(), fx.p.pool, bc, credited_bc);
    ix.accounts[0].is_signer = false;
    assert!(fx.env.send(&[ix], &[]).await.is_err());
    // With the right fallback it works.
    fx.env.send(&[fx.mark_ix(bc, credited_bc)], &[]).await.unwrap();
    assert_eq!(fx.round(bc).await.status, RoundStatus::Stranded);
}

#[tokio::test]
async fn claim_stranded_errors_and_sealevel_classes() {
    let mut fx = Fx::new(3).await;
    let (_, older) = fx.credited_round(&[3, 1, 1]).await;
    let (fallback_bc, leaves) = fx.credited_round(&[1, 2, 4]).await;
    // A round not stranded (Submitted, then Credited) cannot be claimed.
    let (sub_bc, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    fx.refused(sub_bc, &[fx.claim_ix(sub_bc, &leaves, 0, fx.atas[0])], &[], code(PoolError::RoundNotStranded)).await;
    fx.refused(fallback_bc, &[fx.claim_ix(fallback_bc, &leaves, 0, fx.atas[0])], &[], code(PoolError::RoundNotStranded)).await;
    fx.warp_slots(TIMEOUT + 1).await;
    fx.env.send(&[fx.mark_ix(sub_bc, fallback_bc)], &[]).await.unwrap();
    let bc = sub_bc;

    // Wrong proofs: a tampered leaf, a wrong index, a wrong sibling, an extra element, a leaf of the
    // earlier round (another round's tree), a wallet in no credited round.
    let invalid = code(PoolError::InvalidProof);
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    let mut tampered = leaves.clone();
    tampered[0].weight += 1;
    let forged = fx.claim_ix(bc, &tampered, 0, fx.atas[0]);
    ix.data = forged.data.clone();
    fx.refused(bc, &[ix], &[], invalid).await;
    let mut wrong_index = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    let leaf_len = 8 + 32 + 16 + 8 + 8; // discriminator + LeafArgs
    wrong_index.data[leaf_len..leaf_len + 4].copy_from_slice(&1u32.to_le_bytes());
    fx.refused(bc, &[wrong_index], &[], invalid).await;
    let mut wrong_sibling = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    let n = wrong_sibling.data.len();
    wrong_sibling.data[n - 1] ^= 1;
    fx.refused(bc, &[wrong_sibling], &[], invalid).await;
    {
        let l = leaves[0];
        let leaf = pool::LeafArgs { wallet: Pubkey::new_from_array(l.wallet), weight: l.weight, shares: l.shares, amount: l.amount };
        let mut proof = pplns::merkle_proof(&leaves, 0).unwrap();
        proof.push([0; 32]);
        let ix = pool::claim_stranded(fx.env.ctx.payer.pubkey(), fx.p.pool, fx.env.mint, bc, leaf, 0, proof, fx.atas[0]);
        fx.refused(bc, &[ix], &[], invalid).await;
        let too_long = vec![[0u8; 32]; 33];
        let ix = pool::claim_stranded(fx.env.ctx.payer.pubkey(), fx.p.pool, fx.env.mint, bc, leaf, 0, too_long, fx.atas[0]);
        fx.refused(bc, &[ix], &[], invalid).await;
    }
    fx.refused(bc, &[fx.claim_ix(bc, &older, 0, fx.atas[0])], &[], invalid).await;
    let stranger = Keypair::new();
    let mint = fx.env.mint;
    let stranger_ata = fx.env.ata(&stranger.pubkey(), &mint).await;
    let made_up = vec![Leaf { wallet: stranger.pubkey().to_bytes(), weight: 7, shares: 1, amount: 1 }];
    fx.refused(bc, &[fx.claim_ix(bc, &made_up, 0, stranger_ata)], &[], invalid).await;

    // Another pool (same bank, same members) whose own stranded round falls back to another tree: its
    // proofs do not open this pool's round, and its round does not pass for this pool's.
    let q = fx.second_pool().await;
    let (qf, _) = fx.env.submit_block(&q).await;
    let qr: Round = fx.env.anchor(&pda::round(&q.pool, qf)).await;
    let by_wallet: Vec<([u8; 32], u128)> = fx.wallets.iter().map(|k| (k.pubkey().to_bytes(), 1)).collect();
    let amounts = pplns::split(qr.reward - qr.fee, &by_wallet).unwrap();
    let q_leaves: Vec<Leaf> = by_wallet.iter().zip(amounts).map(|((w, wt), a)| Leaf { wallet: *w, weight: *wt, shares: 1, amount: a }).collect();
    commit(&mut fx.env, &q, qf, &q_leaves, 3).await;
    let (q_bc, _) = fx.env.submit_block(&q).await;
    fx.warp_slots(TIMEOUT + 1).await;
    fx.env.send(&[pool::mark_stranded(fx.env.ctx.payer.pubkey(), q.pool, q_bc, qf)], &[]).await.unwrap();
    fx.refused(bc, &[fx.claim_ix(bc, &q_leaves, 0, fx.atas[0])], &[], invalid).await;
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    ix.accounts[2] = AccountMeta::new(pda::round(&q.pool, q_bc), false);
    fx.refused(bc, &[ix], &[], AnchorCode::ConstraintSeeds.into()).await;

    // Destination: not the wallet's (the stranger's, the escrow itself), or of another mint.
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 0, stranger_ata)], &[], code(PoolError::DestinationOwnerMismatch)).await;
    // Duplicate accounts: the escrow as its own destination is refused by Anchor's duplicate-mutable check.
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 0, fx.p.escrow)], &[], AnchorCode::ConstraintDuplicateMutableAccount.into()).await;
    let other_mint = fx.env.create_mint(&Keypair::new().pubkey(), 6).await;
    let w0 = fx.wallets[0].pubkey();
    let foreign_ata = fx.env.token_account(&w0, &other_mint).await;
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 0, foreign_ata)], &[], code(PoolError::MintMismatch)).await;

    // Account substitution: another pool's escrow, a claim record of another wallet, a fake token program.
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    ix.accounts[5] = AccountMeta::new(q.escrow, false);
    fx.refused(bc, &[ix], &[], AnchorCode::ConstraintAddress.into()).await;
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    ix.accounts[3] = AccountMeta::new(pda::stranded_claim(&pda::round(&fx.p.pool, bc), &fx.wallets[1].pubkey()), false);
    fx.refused(bc, &[ix], &[], AnchorCode::ConstraintSeeds.into()).await;
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    ix.accounts[8] = AccountMeta::new_readonly(Pubkey::new_unique(), false);
    fx.refused(bc, &[ix], &[], AnchorCode::InvalidProgramId.into()).await;
    // Signer: the payer must sign (it pays the claim record's rent).
    let payer = Keypair::new();
    let mut ix = fx.claim_ix(bc, &leaves, 0, fx.atas[0]);
    ix.accounts[0] = AccountMeta::new(payer.pubkey(), false);
    assert!(fx.env.send(&[ix], &[]).await.is_err());

    // Re-init: the first claim works, a second (same leaf, any payer) is AlreadyClaimed.
    fx.env.send(&[fx.claim_ix(bc, &leaves, 0, fx.atas[0])], &[]).await.unwrap();
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 0, fx.atas[0])], &[], code(PoolError::AlreadyClaimed)).await;
    // Duplicate accounts: claiming two leaves in one transaction is two claims, each paid once.
    let (i1, i2) = (fx.claim_ix(bc, &leaves, 1, fx.atas[1]), fx.claim_ix(bc, &leaves, 2, fx.atas[2]));
    fx.env.send(&[i1, i2], &[]).await.unwrap();
    let r = fx.round(bc).await;
    assert_eq!((r.leaves_credited, r.credited + r.dust), (3, r.reward - r.fee));
}

/// Overflow: a relayer that committed a total weight smaller than its leaves' weights cannot make a
/// stranded round pay out more than its `reward − fee`: a leaf heavier than the total, or claims past the
/// whole, are refused with `OverCredit`.
#[tokio::test]
async fn a_lying_total_weight_never_pays_more_than_the_round() {
    let mut fx = Fx::new(2).await;
    let (bc_f, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let r = fx.round(bc_f).await;
    let d = r.reward - r.fee;
    let w = |i: usize| fx.wallets[i].pubkey().to_bytes();
    // Total weight 4 committed for weights 3 and 3 (Σ 6), and u128::MAX-sized weight for a third check.
    let leaves = vec![Leaf { wallet: w(0), weight: 3, shares: 1, amount: d / 2 }, Leaf { wallet: w(1), weight: 3, shares: 1, amount: d - d / 2 }];
    fx.commit(bc_f, &leaves, 4).await;
    let bc = fx.timed_out_round().await;
    fx.env.send(&[fx.mark_ix(bc, bc_f)], &[]).await.unwrap();
    let s = fx.round(bc).await;
    let ds = s.reward - s.fee;
    fx.env.send(&[fx.claim_ix(bc, &leaves, 0, fx.atas[0])], &[]).await.unwrap();
    assert_eq!(fx.round(bc).await.credited, ds * 3 / 4);
    fx.refused(bc, &[fx.claim_ix(bc, &leaves, 1, fx.atas[1])], &[], code(PoolError::OverCredit)).await;

    let mut fx = Fx::new(1).await;
    let (bc_f, _) = fx.env.submit_block(&fx.p.insecure_clone()).await;
    let r = fx.round(bc_f).await;
    let heavy = vec![Leaf { wallet: fx.wallets[0].pubkey().to_bytes(), weight: u128::MAX, shares: 1, amount: r.reward - r.fee }];
    fx.commit(bc_f, &heavy, 1).await;
    let bc = fx.timed_out_round().await;
    fx.env.send(&[fx.mark_ix(bc, bc_f)], &[]).await.unwrap();
    fx.refused(bc, &[fx.claim_ix(bc, &heavy, 0, fx.atas[0])], &[], code(PoolError::OverCredit)).await;
}
