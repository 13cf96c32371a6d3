//! The protocol's signatures (docs/SPEC.md §4, §9, §10), all ed25519: by the miner's wallet, the `auth`
//! signature, which binds one connection's server nonce and the pool, and the per-share signature over
//! [`share_message`], which the relayer checks before acking and publishes with the share; by the pool's
//! relayer key, the receipt over [`receipt_message`] in every accepted ack.

use serde::{Deserialize, Serialize};

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


/// Domain tag of [`receipt_message`].
pub const RECEIPT_DOMAIN: &[u8; 15] = b"TREZ-receipt-v1";

/// The 147 bytes the relayer signs for each accepted share (a receipt, docs/SPEC.md §10):
/// `b"TREZ-receipt-v1"` (15 bytes), the pool address (32), the wallet (32), the job's challenge (32),
/// block_count (u64 little-endian), nonce (u64 LE), the job's share difficulty in bits (u32 LE), the share's
/// ledger sequence number (u64 LE) and the relayer's clock when it acked (Unix milliseconds, u64 LE).
pub fn receipt_message(r: &ReceiptFields) -> [u8; 147] {
    let mut m = [0u8; 147];
    m[..15].copy_from_slice(RECEIPT_DOMAIN);
    m[15..47].copy_from_slice(&r.pool.0);
    m[47..79].copy_from_slice(&r.wallet.0);
    m[79..111].copy_from_slice(&r.challenge.0);
    m[111..119].copy_from_slice(&r.block_count.to_le_bytes());
    m[119..127].copy_from_slice(&r.nonce.to_le_bytes());
    m[127..131].copy_from_slice(&r.share_bits.to_le_bytes());
    m[131..139].copy_from_slice(&r.seq.to_le_bytes());
    m[139..147].copy_from_slice(&r.time_ms.to_le_bytes());
    m
}

/// What a receipt attests: this pool's relayer accepted this share of this wallet durably, as ledger
/// sequence number `seq`, at `time_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFields {
    pub pool: Key,
    pub wallet: Key,
    /// The job's challenge.
    pub challenge: Hex32,
    pub block_count: u64,
    pub nonce: u64,
    /// The job's share difficulty, bits.
    pub share_bits: u32,
    /// The share's sequence number in the pool's ledger (the `seq` of `/api/export` window shares).
    pub seq: u64,
    /// The relayer's clock at the ack, Unix milliseconds.
    pub time_ms: u64,
}

/// A receipt as a miner keeps it (one JSON object per line in its receipts file): the fields, the relayer key
/// that signed them (the `relayer` of `hello`, which must be the on-chain `Pool.relayer`), and the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    #[serde(flatten)]
    pub fields: ReceiptFields,
    pub relayer: Key,
    /// ed25519 by `relayer` over [`receipt_message`] of `fields`, base58.
    pub signature: Sig,
}

impl Receipt {
    /// Whether `signature` is `relayer`'s over the fields (strict ed25519).
    pub fn verify(&self) -> bool {
        let Ok(k) = ed25519_dalek::VerifyingKey::from_bytes(&self.relayer.0) else { return false };
        k.verify_strict(&receipt_message(&self.fields), &ed25519_dalek::Signature::from_bytes(&self.signature.0)).is_ok()
    }
}

/// The relayer's receipt signer (its key expanded once).
pub struct ReceiptSigner {
    key: ed25519_dalek::SigningKey,
    relayer: Key,
}

impl ReceiptSigner {
    /// From the relayer's 32-byte ed25519 secret seed (the first half of its Solana CLI keypair file).
    pub fn new(secret: &[u8; 32]) -> ReceiptSigner {
        let key = ed25519_dalek::SigningKey::from_bytes(secret);
        let relayer = Key(key.verifying_key().to_bytes());
        ReceiptSigner { key, relayer }
    }

    /// The public key receipts verify against (announced in `hello`).
    pub fn relayer(&self) -> Key {
        self.relayer
    }

    /// The signature over [`receipt_message`] of `fields`.
    pub fn sign(&self, fields: &ReceiptFields) -> Sig {
        use ed25519_dalek::Signer;
        Sig(self.key.sign(&receipt_message(fields)).to_bytes())
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

    /// The receipt vectors (`vectors/receipt.json`, made by `vectors/gen_receipt.py` with Python's
    /// `cryptography` ed25519): the same message and signature, the stored form parses as a [`Receipt`] that
    /// verifies, and a change to any field or the signer fails.
    #[test]
    fn receipts_match_the_independent_vectors_and_bind_every_field() {
        let v: serde_json::Value = serde_json::from_str(include_str!("../vectors/receipt.json")).unwrap();
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            let seed: [u8; 32] = hex::decode(c["relayer_secret_seed"].as_str().unwrap()).unwrap().try_into().unwrap();
            let r: Receipt = serde_json::from_value(c["receipt"].clone()).unwrap();
            assert_eq!(serde_json::to_value(r).unwrap(), c["receipt"], "stored form round-trips");
            assert_eq!(hex::encode(receipt_message(&r.fields)), c["message"].as_str().unwrap());
            let signer = ReceiptSigner::new(&seed);
            assert_eq!(signer.relayer(), r.relayer);
            assert_eq!(signer.sign(&r.fields), r.signature);
            assert!(r.verify());
            let f = r.fields;
            let edits: [(&str, ReceiptFields); 8] = [
                ("pool", ReceiptFields { pool: Key([0xEE; 32]), ..f }),
                ("wallet", ReceiptFields { wallet: Key([0xEE; 32]), ..f }),
                ("challenge", ReceiptFields { challenge: Hex32([0xEE; 32]), ..f }),
                ("block_count", ReceiptFields { block_count: f.block_count ^ 1, ..f }),
                ("nonce", ReceiptFields { nonce: f.nonce ^ 1, ..f }),
                ("share_bits", ReceiptFields { share_bits: f.share_bits ^ 1, ..f }),
                ("seq", ReceiptFields { seq: f.seq ^ 1, ..f }),
                ("time_ms", ReceiptFields { time_ms: f.time_ms ^ 1, ..f }),
            ];
            for (what, fields) in edits {
                assert!(!Receipt { fields, ..r }.verify(), "{what}");
            }
            let other = ReceiptSigner::new(&[0xAB; 32]).relayer();
            assert!(!Receipt { relayer: other, ..r }.verify(), "another signer");
        }
    }
}
