//! The protocol's two signatures, both ed25519 by the miner's wallet (docs/SPEC.md §4 and §9): the `auth`
//! signature, which binds one connection's server nonce and the pool, and the per-share signature over
//! [`share_message`], which the relayer checks before acking and publishes with the share.

use crate::{Hex32, Key, Sig, AUTH_DOMAIN};

/// The bytes a miner signs to authenticate: the domain tag, the pool, the server's nonce, the wallet and the
/// worker, newline-separated. Binding the nonce makes a captured auth useless on another connection; binding
/// the pool makes it useless at another pool.
pub fn auth_message(pool: &Key, server_nonce: &Hex32, wallet: &Key, worker: &str) -> Vec<u8> {
    format!(
        "{AUTH_DOMAIN}\npool:{pool}\nnonce:{}\nwallet:{wallet}\nworker:{worker}",
        hex::encode(server_nonce.0)
    )
    .into_bytes()
}

/// Verify an `auth` signature; on success, the wallet's [`ShareVerifier`] for the connection's shares. Errors
/// name what failed, for the log (the peer only gets `auth_failed`).
pub fn verify_auth(pool: &Key, server_nonce: &Hex32, wallet: &Key, worker: &str, sig: &Sig) -> Result<ShareVerifier, String> {
    let v = ShareVerifier::new(wallet)?;
    let sig = ed25519_dalek::Signature::from_bytes(&sig.0);
    v.0.verify_strict(&auth_message(pool, server_nonce, wallet, worker), &sig).map_err(|e| format!("bad signature: {e}"))?;
    Ok(v)
}

/// Sign an `auth` with a wallet's 32-byte ed25519 secret seed (the first half of a Solana CLI keypair file).
pub fn sign_auth(secret: &[u8; 32], pool: &Key, server_nonce: &Hex32, worker: &str) -> (Key, Sig) {
    use ed25519_dalek::Signer;
    let sk = ed25519_dalek::SigningKey::from_bytes(secret);
    let wallet = Key(sk.verifying_key().to_bytes());
    let sig = sk.sign(&auth_message(pool, server_nonce, &wallet, worker));
    (wallet, Sig(sig.to_bytes()))
}

/// Domain tag of [`share_message`].
pub const SHARE_DOMAIN: &[u8; 13] = b"TREZ-share-v1";

/// The 97 bytes a wallet signs for each share: `b"TREZ-share-v1"` (13 bytes), the pool address (32), the
/// job's challenge (32), block_count (u64 little-endian), nonce (u64 LE), the job's share difficulty in bits
/// (u32 LE). The signature is published with the share (`/api/export`), so the share's wallet is checkable by
/// anyone; the share difficulty is the miner's own statement of what it was given.
pub fn share_message(pool: &Key, challenge: &[u8; 32], block_count: u64, nonce: u64, share_bits: u32) -> [u8; 97] {
    let mut m = [0u8; 97];
    m[..13].copy_from_slice(SHARE_DOMAIN);
    m[13..45].copy_from_slice(&pool.0);
    m[45..77].copy_from_slice(challenge);
    m[77..85].copy_from_slice(&block_count.to_le_bytes());
    m[85..93].copy_from_slice(&nonce.to_le_bytes());
    m[93..97].copy_from_slice(&share_bits.to_le_bytes());
    m
}

/// A wallet's share signer (the key expanded once, not per share).
pub struct ShareSigner(ed25519_dalek::SigningKey);

impl ShareSigner {
    /// From the wallet's 32-byte ed25519 secret seed.
    pub fn new(secret: &[u8; 32]) -> ShareSigner {
        ShareSigner(ed25519_dalek::SigningKey::from_bytes(secret))
    }

    /// The wallet's signature over [`share_message`].
    pub fn sign(&self, pool: &Key, challenge: &[u8; 32], block_count: u64, nonce: u64, share_bits: u32) -> Sig {
        use ed25519_dalek::Signer;
        Sig(self.0.sign(&share_message(pool, challenge, block_count, nonce, share_bits)).to_bytes())
    }
}

/// A wallet's share verifier (the point decompressed once, e.g. per connection).
#[derive(Clone, Debug)]
pub struct ShareVerifier(ed25519_dalek::VerifyingKey);

impl ShareVerifier {
    /// Errors when `wallet` is not a valid ed25519 point.
    pub fn new(wallet: &Key) -> Result<ShareVerifier, String> {
        ed25519_dalek::VerifyingKey::from_bytes(&wallet.0).map(ShareVerifier).map_err(|e| format!("wallet is not an ed25519 key: {e}"))
    }

    /// Whether `sig` is the wallet's (strict ed25519: no malleable or small-order forms) over
    /// [`share_message`].
    pub fn verify(&self, pool: &Key, challenge: &[u8; 32], block_count: u64, nonce: u64, share_bits: u32, sig: &Sig) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(&sig.0);
        self.0.verify_strict(&share_message(pool, challenge, block_count, nonce, share_bits), &sig).is_ok()
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_binds_nonce_pool_wallet_and_worker() {
        let secret = [9u8; 32];
        let (pool, nonce) = (Key([1; 32]), Hex32([2; 32]));
        let (wallet, sig) = sign_auth(&secret, &pool, &nonce, "rig");
        assert!(verify_auth(&pool, &nonce, &wallet, "rig", &sig).is_ok());
        assert!(verify_auth(&pool, &Hex32([3; 32]), &wallet, "rig", &sig).is_err(), "other nonce (replay)");
        assert!(verify_auth(&Key([7; 32]), &nonce, &wallet, "rig", &sig).is_err(), "other pool");
        assert!(verify_auth(&pool, &nonce, &wallet, "rig2", &sig).is_err(), "other worker");
        let (other_wallet, _) = sign_auth(&[8u8; 32], &pool, &nonce, "rig");
        assert!(verify_auth(&pool, &nonce, &other_wallet, "rig", &sig).is_err(), "other wallet");
    }

    /// The share-signature vectors (`vectors/share.json`, made by `vectors/gen_share.py` with Python's
    /// `cryptography` ed25519 and the message built byte by byte there): the same message, the same
    /// signature, and it verifies; any other field fails.
    #[test]
    fn share_signatures_match_the_independent_vectors_and_bind_every_field() {
        let v: serde_json::Value = serde_json::from_str(include_str!("../vectors/share.json")).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            let seed: [u8; 32] = hex::decode(c["secret_seed"].as_str().unwrap()).unwrap().try_into().unwrap();
            let pool: Key = c["pool"].as_str().unwrap().parse().unwrap();
            let wallet: Key = c["wallet"].as_str().unwrap().parse().unwrap();
            let challenge: [u8; 32] = hex::decode(c["challenge"].as_str().unwrap()).unwrap().try_into().unwrap();
            let (bc, nonce, bits) = (c["block_count"].as_u64().unwrap(), c["nonce"].as_u64().unwrap(), c["share_bits"].as_u64().unwrap() as u32);
            assert_eq!(hex::encode(share_message(&pool, &challenge, bc, nonce, bits)), c["message"].as_str().unwrap());
            let sig = ShareSigner::new(&seed).sign(&pool, &challenge, bc, nonce, bits);
            assert_eq!(serde_json::to_value(sig).unwrap(), c["signature"]);
            let v = ShareVerifier::new(&wallet).unwrap();
            assert!(v.verify(&pool, &challenge, bc, nonce, bits, &sig));
            assert!(!v.verify(&Key([0xEE; 32]), &challenge, bc, nonce, bits, &sig), "pool");
            assert!(!v.verify(&pool, &[0xEE; 32], bc, nonce, bits, &sig), "challenge");
            assert!(!v.verify(&pool, &challenge, bc ^ 1, nonce, bits, &sig), "block_count");
            assert!(!v.verify(&pool, &challenge, bc, nonce ^ 1, bits, &sig), "nonce");
            assert!(!v.verify(&pool, &challenge, bc, nonce, bits ^ 1, &sig), "share bits");
            let other = ShareVerifier::new(&sign_auth(&[0xAB; 32], &pool, &Hex32([0; 32]), "w").0).unwrap();
            assert!(!other.verify(&pool, &challenge, bc, nonce, bits, &sig), "another wallet");
        }
    }
}
