//! PPLNS accounting, exactly as `../shared/DESIGN.md` decides; the audit recomputes it with this same code.
//!
//! - A share of difficulty `d` bits weighs `2^d` (expected hashes).
//! - The window is the last `N = pplns_factor × 2^network_bits` weight units of accepted shares, ending at
//!   (and including) the block-finding share; the oldest share in it is counted in part.
//! - `distributable = reward − fee` is split in integer base units: `floor(distributable × w / W)` each, and
//!   the remainder one unit at a time by largest fractional part (`distributable × w mod W`), ties broken by
//!   ascending wallet bytes. Any two implementations agree to the unit.
//! - Leaves are `(wallet, weight, share count, amount)` sorted by wallet, one per wallet whose amount is at
//!   least one base unit (a zero-amount wallet gets no leaf, so no Member account); the merkle root is SHA-256 with a
//!   `0x00` prefix on leaves and `0x01` on nodes; an odd node is carried up unchanged; no leaves → zero root.
//!
//! Weights are u128: shares and the network difficulty are limited to [`MAX_WEIGHT_BITS`] bits so that sums
//! of up to 2^20 shares cannot overflow. Products `distributable × w` (up to 192 bits) use exact 256-bit
//! arithmetic.

/// Largest share or network difficulty PPLNS weighs, bits.
pub const MAX_WEIGHT_BITS: u32 = 100;

/// Errors of the PPLNS computation.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PplnsError {
    #[error("difficulty of {0} bits exceeds the {MAX_WEIGHT_BITS}-bit PPLNS limit")]
    TooHard(u32),
    #[error("pplns_factor must be positive")]
    ZeroFactor,
    #[error("the window holds no weight")]
    EmptyWindow,
}

/// A share as PPLNS sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub seq: i64,
    pub wallet: [u8; 32],
    /// Share difficulty, bits.
    pub bits: u32,
}

/// A share in the window with the weight it counts for (its full `2^bits`, or a part for the oldest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weighted {
    pub share: Share,
    pub weight: u128,
}

/// One wallet's line in a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Leaf {
    pub wallet: [u8; 32],
    /// Sum of window weights, expected hashes.
    pub weight: u128,
    /// Shares of the wallet in the window (the partial oldest share counts as one).
    pub shares: u64,
    /// Credited amount, base units.
    pub amount: u64,
}

fn weight_of(bits: u32) -> Result<u128, PplnsError> {
    if bits > MAX_WEIGHT_BITS {
        return Err(PplnsError::TooHard(bits));
    }
    Ok(1u128 << bits)
}

/// The window size `N = pplns_factor × 2^network_bits`, weight units.
pub fn window_size(pplns_factor: u64, network_bits: u32) -> Result<u128, PplnsError> {
    if pplns_factor == 0 {
        return Err(PplnsError::ZeroFactor);
    }
    let unit = weight_of(network_bits)?;
    Ok(unit.saturating_mul(pplns_factor as u128))
}

/// The PPLNS window cut, one share at a time: shares go in newest first (the block-finding share first);
/// each weighs `2^bits`, and the oldest share the window reaches counts only for the part of its weight
/// that fills the window to exactly `n` units. Ledgers stream their shares into it and stop when
/// [`WindowCut::push`] says the window is full, so the rule lives here only.
#[derive(Debug, Clone)]
pub struct WindowCut {
    n: u128,
    acc: u128,
    out: Vec<Weighted>,
}

impl WindowCut {
    /// An empty window of `n` weight units (see [`window_size`]).
    pub fn new(n: u128) -> WindowCut {
        WindowCut { n, acc: 0, out: Vec::new() }
    }

    /// Add the next older share. Returns whether the window is now full (later shares are not counted).
    /// Errors: [`PplnsError::TooHard`] for a share above [`MAX_WEIGHT_BITS`].
    pub fn push(&mut self, share: Share) -> Result<bool, PplnsError> {
        if self.acc >= self.n {
            return Ok(true);
        }
        let w = weight_of(share.bits)?;
        let take = w.min(self.n - self.acc);
        self.acc += take;
        self.out.push(Weighted { share, weight: take });
        Ok(self.acc >= self.n)
    }

    /// The window, newest first (shorter than `n` units when the shares ran out first).
    pub fn finish(self) -> Vec<Weighted> {
        self.out
    }
}

/// Walk `newest_first` (the block-finding share first, then older ones) until `n` weight units are covered
/// ([`WindowCut`]).
pub fn window(newest_first: impl IntoIterator<Item = Share>, n: u128) -> Result<Vec<Weighted>, PplnsError> {
    let mut cut = WindowCut::new(n);
    for share in newest_first {
        if cut.push(share)? {
            break;
        }
    }
    Ok(cut.finish())
}

/// Split `distributable` base units by `weights` (one per entry, any order): floor shares, then the remainder
/// by largest fractional part, ties by ascending wallet. Σ result = distributable exactly when Σ weights > 0.
pub fn split(distributable: u64, weights: &[([u8; 32], u128)]) -> Result<Vec<u64>, PplnsError> {
    let total: u128 = weights.iter().fold(0u128, |a, (_, w)| a.saturating_add(*w));
    if total == 0 {
        return Err(PplnsError::EmptyWindow);
    }
    let mut amounts = Vec::with_capacity(weights.len());
    let mut fracs = Vec::with_capacity(weights.len());
    for (i, (wallet, w)) in weights.iter().enumerate() {
        // w <= total, so the exact quotient exists and is at most `distributable`.
        let (q, r) = trez_pool::math::pro_rata(distributable, *w, total).ok_or(PplnsError::EmptyWindow)?;
        amounts.push(q);
        fracs.push((r, *wallet, i));
    }
    let given: u64 = amounts.iter().sum();
    let mut rest = distributable - given;
    fracs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, i) in fracs {
        if rest == 0 {
            break;
        }
        amounts[i] += 1;
        rest -= 1;
    }
    Ok(amounts)
}

/// Aggregate a window per wallet, split `distributable`, and return the leaves sorted by wallet.
pub fn leaves(window: &[Weighted], distributable: u64) -> Result<Vec<Leaf>, PplnsError> {
    let mut by_wallet: std::collections::BTreeMap<[u8; 32], (u128, u64)> = Default::default();
    for w in window {
        let e = by_wallet.entry(w.share.wallet).or_default();
        e.0 = e.0.saturating_add(w.weight);
        e.1 += 1;
    }
    let weights: Vec<([u8; 32], u128)> = by_wallet.iter().map(|(k, v)| (*k, v.0)).collect();
    let amounts = split(distributable, &weights)?;
    // A wallet whose part rounds to 0 base units gets no leaf: no Member account whose rent the relayer
    // would pay for nothing (many tiny wallets would drain its SOL), and no weight in `total_weight`.
    Ok(by_wallet
        .into_iter()
        .zip(amounts)
        .filter(|(_, amount)| *amount > 0)
        .map(|((wallet, (weight, shares)), amount)| Leaf { wallet, weight, shares, amount })
        .collect())
}

/// Hash of one leaf: `SHA256(0x00 || wallet || weight u128 LE || shares u64 LE || amount u64 LE)`
/// (`trez_pool::merkle`, the rule the program verifies proofs with).
pub fn leaf_hash(l: &Leaf) -> [u8; 32] {
    trez_pool::merkle::leaf_hash(&l.wallet, l.weight, l.shares, l.amount)
}

/// Merkle root of leaves (in the given order, which is ascending wallet): node = `SHA256(0x01 || l || r)`,
/// an odd last node is carried up; no leaves → all zeros.
pub fn merkle_root(leaves: &[Leaf]) -> [u8; 32] {
    trez_pool::merkle::root(&leaves.iter().map(leaf_hash).collect::<Vec<_>>())
}

/// The merkle proof of `leaves[index]` that `claim_stranded` verifies (bottom-up siblings; a carried node
/// has none); `None` when `index` is out of range.
pub fn merkle_proof(leaves: &[Leaf], index: usize) -> Option<Vec<[u8; 32]>> {
    trez_pool::merkle::proof(&leaves.iter().map(leaf_hash).collect::<Vec<_>>(), index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(b: u8) -> [u8; 32] {
        [b; 32]
    }

    fn s(seq: i64, wallet: u8, bits: u32) -> Share {
        Share { seq, wallet: w(wallet), bits }
    }

    /// A wallet whose part rounds to 0 base units has no leaf (so no Member account is made for it); the
    /// others' amounts are unchanged and still sum to the distributable.
    #[test]
    fn a_zero_amount_wallet_gets_no_leaf() {
        // Wallet 9's one 2^1 share against 2^40 of others: 1000 × 2 / (2^40 + 2) < 1 base unit.
        let window = vec![
            Weighted { share: s(3, 1, 40), weight: 1 << 40 },
            Weighted { share: s(2, 9, 1), weight: 2 },
        ];
        let l = leaves(&window, 1_000).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].wallet, l[0].amount, l[0].weight), (w(1), 1_000, 1 << 40));
        // With a distributable large enough, wallet 9 has its leaf.
        assert_eq!(leaves(&window, 1 << 41).unwrap().len(), 2);
    }

    #[test]
    fn window_counts_the_oldest_share_in_part() {
        // N = 1 × 2^4 = 16. Newest first: 8 (A), 4 (B), 8 (A, partial 4), 2 (C, outside).
        let n = window_size(1, 4).unwrap();
        let win = window([s(4, 1, 3), s(3, 2, 2), s(2, 1, 3), s(1, 3, 1)], n).unwrap();
        let weights: Vec<u128> = win.iter().map(|x| x.weight).collect();
        assert_eq!(weights, vec![8, 4, 4]);
        let leaves = leaves(&win, 1_000).unwrap();
        // A: 12/16 → 750, B: 4/16 → 250.
        assert_eq!(
            leaves,
            vec![
                Leaf { wallet: w(1), weight: 12, shares: 2, amount: 750 },
                Leaf { wallet: w(2), weight: 4, shares: 1, amount: 250 },
            ]
        );
    }

    #[test]
    fn remainder_goes_by_largest_fraction_then_wallet() {
        // 100 over weights 1,1,1: 33 each, remainder 1 to the smallest wallet (equal fractions).
        assert_eq!(split(100, &[(w(3), 1), (w(1), 1), (w(2), 1)]).unwrap(), vec![33, 34, 33]);
        // 10 over 1,2,4 (W=7): exact 1.43, 2.86, 5.71 → floors 1,2,5 (=8), remainder 2 by fractions .86, .71.
        assert_eq!(split(10, &[(w(1), 1), (w(2), 2), (w(3), 4)]).unwrap(), vec![1, 3, 6]);
        // 2 over 1,1,1: fractions equal → wallets 1 and 2.
        assert_eq!(split(2, &[(w(2), 1), (w(1), 1), (w(3), 1)]).unwrap(), vec![1, 1, 0]);
    }

    #[test]
    fn single_miner_zero_weight_and_empty() {
        assert_eq!(split(12_345, &[(w(9), 1 << 40)]).unwrap(), vec![12_345]);
        assert_eq!(split(7, &[(w(1), 0), (w(2), 5)]).unwrap(), vec![0, 7]);
        assert_eq!(split(7, &[(w(1), 0)]), Err(PplnsError::EmptyWindow));
        assert_eq!(split(0, &[(w(1), 3), (w(2), 5)]).unwrap(), vec![0, 0]);
        assert_eq!(window_size(0, 10), Err(PplnsError::ZeroFactor));
        assert_eq!(window_size(1, 101), Err(PplnsError::TooHard(101)));
    }

    #[test]
    fn a_thousand_miners_sum_exactly() {
        let weights: Vec<([u8; 32], u128)> = (0..1000u32)
            .map(|i| {
                let mut k = [0u8; 32];
                k[..4].copy_from_slice(&i.to_be_bytes());
                (k, (i as u128 % 17 + 1) << (i % 40))
            })
            .collect();
        let amounts = split(48_750_000, &weights).unwrap();
        assert_eq!(amounts.iter().sum::<u64>(), 48_750_000);
    }

    #[test]
    fn huge_weights_use_exact_wide_arithmetic() {
        let big = 1u128 << 100;
        let amounts = split(u64::MAX, &[(w(1), big), (w(2), big), (w(3), big - 1)]).unwrap();
        assert_eq!(amounts.iter().map(|&a| a as u128).sum::<u128>(), u64::MAX as u128);
        assert!(amounts[0] >= amounts[2]);
    }

    #[test]
    fn merkle_root_is_order_and_content_sensitive() {
        use sha2::{Digest, Sha256};
        let a = Leaf { wallet: w(1), weight: 5, shares: 1, amount: 10 };
        let b = Leaf { wallet: w(2), weight: 6, shares: 2, amount: 11 };
        let c = Leaf { wallet: w(3), weight: 7, shares: 3, amount: 12 };
        assert_eq!(merkle_root(&[]), [0; 32]);
        assert_eq!(merkle_root(&[a]), leaf_hash(&a));
        let r3 = merkle_root(&[a, b, c]);
        assert_ne!(r3, merkle_root(&[b, a, c]));
        assert_ne!(r3, merkle_root(&[a, b, Leaf { amount: 13, ..c }]));
        // Three leaves: H(H(a,b), c).
        let node = |l: [u8; 32], r: [u8; 32]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update([1]);
            h.update(l);
            h.update(r);
            h.finalize().into()
        };
        assert_eq!(r3, node(node(leaf_hash(&a), leaf_hash(&b)), leaf_hash(&c)));
        // The leaf encoding, computed independently.
        let mut h = Sha256::new();
        h.update([0]);
        h.update(a.wallet);
        h.update(5u128.to_le_bytes());
        h.update(1u64.to_le_bytes());
        h.update(10u64.to_le_bytes());
        assert_eq!(leaf_hash(&a), <[u8; 32]>::from(h.finalize()));
        // Proofs: c is carried up at the first level, so its proof is one node.
        assert_eq!(merkle_proof(&[a, b, c], 2).unwrap(), vec![node(leaf_hash(&a), leaf_hash(&b))]);
        assert_eq!(merkle_proof(&[a, b, c], 0).unwrap(), vec![leaf_hash(&b), leaf_hash(&c)]);
        assert!(merkle_proof(&[a, b, c], 3).is_none());
    }

    proptest! {
        #[test]
        fn split_sums_exactly_is_monotonic_and_permutation_invariant(
            d in any::<u64>(),
            ws in proptest::collection::vec((any::<u8>(), 0u128..(1u128 << 90)), 1..40),
        ) {
            let mut uniq: std::collections::BTreeMap<[u8; 32], u128> = Default::default();
            for (k, wt) in ws { uniq.insert([k; 32], wt); }
            let weights: Vec<([u8; 32], u128)> = uniq.into_iter().collect();
            prop_assume!(weights.iter().any(|(_, w)| *w > 0));
            let amounts = split(d, &weights).unwrap();
            prop_assert_eq!(amounts.iter().map(|&a| a as u128).sum::<u128>(), d as u128);
            for i in 0..weights.len() {
                for j in 0..weights.len() {
                    if weights[i].1 > weights[j].1 {
                        prop_assert!(amounts[i] + 1 >= amounts[j], "monotonic in weight (up to the remainder unit)");
                    }
                }
            }
            let mut rev = weights.clone();
            rev.reverse();
            let mut amounts_rev = split(d, &rev).unwrap();
            amounts_rev.reverse();
            prop_assert_eq!(amounts, amounts_rev);
        }
    }
}
