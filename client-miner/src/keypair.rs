//! Wallet keypairs in the Solana CLI JSON format: an array of 64 numbers, the 32-byte ed25519 secret seed then
//! the 32-byte public key.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// A wallet: secret seed and public key.
#[derive(Clone)]
pub struct Wallet {
    pub secret: [u8; 32],
    pub public: [u8; 32],
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wallet({})", trez_protocol::Key(self.public))
    }
}

impl Wallet {
    /// From the 64 bytes of a Solana keypair; fails if the public half does not match the secret.
    pub fn from_bytes(bytes: &[u8]) -> Result<Wallet> {
        if bytes.len() != 64 {
            bail!("a keypair is 64 bytes, got {}", bytes.len());
        }
        let secret: [u8; 32] = bytes[..32].try_into().expect("32");
        let public = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key().to_bytes();
        if public[..] != bytes[32..] {
            bail!("keypair's public key does not match its secret key");
        }
        Ok(Wallet { secret, public })
    }

    /// Read a Solana CLI keypair file. The path is never logged with its contents.
    pub fn read(path: &Path) -> Result<Wallet> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading keypair {}", path.display()))?;
        let bytes: Vec<u8> = serde_json::from_str(&text).with_context(|| format!("{} is not a JSON byte array", path.display()))?;
        Wallet::from_bytes(&bytes)
    }

    /// A fresh random wallet.
    pub fn generate() -> Wallet {
        let secret: [u8; 32] = rand::random();
        let public = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key().to_bytes();
        Wallet { secret, public }
    }

    /// The 64-byte Solana CLI JSON form.
    pub fn to_json(&self) -> String {
        let mut all = self.secret.to_vec();
        all.extend_from_slice(&self.public);
        serde_json::to_string(&all).expect("serializes")
    }

    pub fn key(&self) -> trez_protocol::Key {
        trez_protocol::Key(self.public)
    }
}
