//! The leaves merkle tree every round commits (README, "No reward stranded"; vectors from an independent
//! implementation in `programs/trez-pool/vectors/merkle.json`):
//! - leaf hash `SHA256(0x00 || wallet || weight u128 LE || shares u64 LE || amount u64 LE)`;
//! - node hash `SHA256(0x01 || left || right)`; leaves in ascending wallet order; at each level an odd
//!   last node is carried up unchanged; no leaves → the all-zero root.
//!
//! A proof of leaf `index` among `count` leaves lists, bottom up, the sibling of the path's node at each
//! level where it has one (a carried node has none). On-chain hashing goes through the `sol_sha256`
//! syscall; natively the same crate hashes with sha2.
use solana_sha256_hasher::hashv;

/// Hash of one leaf (see the module docs).
pub fn leaf_hash(wallet: &[u8; 32], weight: u128, shares: u64, amount: u64) -> [u8; 32] {
    hashv(&[&[0x00], wallet, &weight.to_le_bytes(), &shares.to_le_bytes(), &amount.to_le_bytes()]).to_bytes()
}

/// Hash of an inner node.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    hashv(&[&[0x01], left, right]).to_bytes()
}

/// Root of the tree over `leaves` (leaf hashes in tree order); all zeros when empty.
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.is_empty() {
        return [0; 32];
    }
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node_hash(l, r),
                [one] => *one,
                _ => [0; 32], // chunks(2) yields one or two
            })
            .collect();
    }
    level[0]
}

/// The proof of leaf `index` (see the module docs); `None` when `index` is out of range.
pub fn proof(leaves: &[[u8; 32]], index: usize) -> Option<Vec<[u8; 32]>> {
    if index >= leaves.len() {
        return None;
    }
    let mut out = vec![];
    let (mut level, mut i) = (leaves.to_vec(), index);
    while level.len() > 1 {
        let sibling = i ^ 1;
        if sibling < level.len() {
            out.push(level[sibling]);
        }
        level = level.chunks(2).map(|p| if p.len() == 2 { node_hash(&p[0], &p[1]) } else { p[0] }).collect();
        i /= 2;
    }
    Some(out)
}

/// Whether `proof` shows `leaf` at `index` of a tree of `count` leaves with root `root`. Every proof element
/// must be used: a proof of another shape (another count, another index) fails.
pub fn verify(leaf: [u8; 32], index: u32, count: u32, proof: &[[u8; 32]], root: &[u8; 32]) -> bool {
    if index >= count {
        return false;
    }
    let (mut node, mut i, mut n, mut used) = (leaf, index as u64, count as u64, 0usize);
    while n > 1 {
        let carried = i % 2 == 0 && i + 1 == n;
        if !carried {
            let Some(sibling) = proof.get(used) else { return false };
            used += 1;
            node = if i % 2 == 0 { node_hash(&node, sibling) } else { node_hash(sibling, &node) };
        }
        i /= 2;
        n = n.div_ceil(2);
    }
    used == proof.len() && node == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u8) -> Vec<[u8; 32]> {
        (0..n).map(|b| leaf_hash(&[b; 32], b as u128 + 1, 1, b as u64)).collect()
    }

    #[test]
    fn every_proof_of_every_tree_size_verifies_and_only_there() {
        for n in 1..=17u8 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n as usize {
                let p = proof(&l, i).unwrap();
                assert!(verify(l[i], i as u32, n as u32, &p, &r), "n {n} i {i}");
                if n > 1 {
                    let j = (i + 1) % n as usize;
                    assert!(!verify(l[j], i as u32, n as u32, &p, &r), "another leaf, n {n} i {i}");
                    let mut longer = p.clone();
                    longer.push([7; 32]);
                    assert!(!verify(l[i], i as u32, n as u32, &longer, &r), "an extra element");
                }
            }
            assert!(proof(&l, n as usize).is_none());
            assert!(!verify(l[0], n as u32, n as u32, &[], &r));
        }
        assert_eq!(root(&[]), [0; 32]);
    }

    fn hex32(v: &serde_json::Value) -> [u8; 32] {
        hex::decode(v.as_str().unwrap()).unwrap().try_into().unwrap()
    }

    #[test]
    fn reproduces_the_published_vectors() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../vectors/merkle.json")).unwrap();
        for tree in doc["trees"].as_array().unwrap() {
            let leaves = tree["leaves"].as_array().unwrap();
            let hashes: Vec<[u8; 32]> = leaves
                .iter()
                .map(|l| {
                    let h = leaf_hash(&hex32(&l["wallet"]), l["weight"].as_str().unwrap().parse().unwrap(), l["shares"].as_u64().unwrap(), l["amount"].as_u64().unwrap());
                    assert_eq!(h, hex32(&l["hash"]));
                    h
                })
                .collect();
            let r = root(&hashes);
            assert_eq!(r, hex32(&tree["root"]), "{} leaves", hashes.len());
            for (i, p) in tree["proofs"].as_array().unwrap().iter().enumerate() {
                let p: Vec<[u8; 32]> = p.as_array().unwrap().iter().map(hex32).collect();
                assert_eq!(proof(&hashes, i).unwrap(), p);
                assert!(verify(hashes[i], i as u32, hashes.len() as u32, &p, &r));
            }
        }
        for c in doc["claims"].as_array().unwrap() {
            let got = crate::math::pro_rata(c["distributable"].as_u64().unwrap(), c["weight"].as_str().unwrap().parse().unwrap(), c["total_weight"].as_str().unwrap().parse().unwrap());
            assert_eq!(got.map(|x| x.0), c["amount"].as_u64(), "{c}");
        }
    }

    #[test]
    fn an_inner_node_is_not_a_leaf() {
        let l = leaves(4);
        let r = root(&l);
        let left = node_hash(&l[0], &l[1]);
        // An inner node presented as a leaf only verifies as a tree of another leaf count, which the round's
        // on-chain `leaf_count` excludes; and no leaf hashes to a node (different prefixes).
        assert!(verify(left, 0, 2, &[node_hash(&l[2], &l[3])], &r));
        assert!(!verify(left, 0, 4, &[node_hash(&l[2], &l[3])], &r));
        assert_ne!(leaf_hash(&[0; 32], 0, 0, 0), node_hash(&[0; 32], &[0; 32]));
    }
}
