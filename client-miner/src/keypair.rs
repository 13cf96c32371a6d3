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

    /// The wallet's address.
    pub fn key(&self) -> trez_protocol::Key {
        trez_protocol::Key(self.public)
    }
}

/// Write `wallet` to `path` as a new Solana CLI keypair file: parent directories created, mode 0600 on Unix
/// (the file holds the secret key). Refuses to replace an existing file unless `force`.
pub fn write_new(path: &Path, wallet: &Wallet, force: bool) -> Result<()> {
    use std::io::Write;
    if path.exists() && !force {
        bail!("{} already exists; pass --force to replace it (its wallet is lost unless you kept a copy)", path.display());
    }
    if path.exists() {
        // Replaced, not rewritten in place: the new file gets mode 0600 whatever the old one had.
        std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(wallet.to_json().as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    f.sync_all().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
