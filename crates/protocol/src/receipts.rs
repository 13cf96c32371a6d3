//! The receipts file (docs/SPEC.md §10): the receipts a miner keeps, one JSON [`Receipt`] per line, appended
//! as they arrive (`trez-miner mine --receipts`) and read by `trez-relayer member verify`, which checks them
//! against the published windows and the chain.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::Receipt;

/// A receipts file that could not be opened, written or read; the message names the file (and line).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReceiptsError(String);

type Result<T> = std::result::Result<T, ReceiptsError>;

fn io<'a>(path: &'a Path, what: &'a str) -> impl FnOnce(std::io::Error) -> ReceiptsError + 'a {
    move |e| ReceiptsError(format!("{what} {}: {e}", path.display()))
}

/// The default receipts file: `$XDG_DATA_HOME/trez-miner/receipts.jsonl`, else
/// `~/.local/share/trez-miner/receipts.jsonl`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("trez-miner").join("receipts.jsonl"))
}

/// An append-only receipts file.
pub struct ReceiptLog {
    path: PathBuf,
    file: File,
}

impl ReceiptLog {
    /// Open (creating it and its directory) for appending.
    pub fn open(path: &Path) -> Result<ReceiptLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir, "create"))?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io(path, "open receipts file"))?;
        Ok(ReceiptLog { path: path.to_path_buf(), file })
    }

    /// Append one receipt as a line (one `write`, so a crash leaves at most a torn last line).
    pub fn append(&mut self, r: &Receipt) -> Result<()> {
        let mut line = serde_json::to_vec(r).map_err(|e| ReceiptsError(e.to_string()))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(io(&self.path, "write"))
    }
}

/// Every receipt in a receipts file, in file order. A torn last line (a crash mid-write) is skipped; any
/// other line that does not parse is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Receipt>> {
    let f = File::open(path).map_err(io(path, "open receipts file"))?;
    let lines: Vec<String> = BufReader::new(f).lines().collect::<std::io::Result<_>>().map_err(io(path, "read"))?;
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Receipt>(line) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == lines.len() => {}
            Err(e) => return Err(ReceiptsError(format!("{}: line {}: not a receipt: {e}", path.display(), i + 1))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Hex32, Key, ReceiptFields, ReceiptSigner};

    fn receipt(seq: u64) -> Receipt {
        let signer = ReceiptSigner::new(&[3; 32]);
        let fields = ReceiptFields { pool: Key([1; 32]), wallet: Key([2; 32]), challenge: Hex32([4; 32]), block_count: 9, nonce: seq * 7, share_bits: 12, seq, time_ms: 1_000 + seq };
        Receipt { fields, relayer: signer.relayer(), signature: signer.sign(&fields) }
    }

    #[test]
    fn appended_receipts_read_back_and_a_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/receipts.jsonl");
        let mut log = ReceiptLog::open(&path).unwrap();
        log.append(&receipt(1)).unwrap();
        log.append(&receipt(2)).unwrap();
        drop(log);
        // Reopening appends.
        ReceiptLog::open(&path).unwrap().append(&receipt(3)).unwrap();
        let got = read(&path).unwrap();
        assert_eq!(got, vec![receipt(1), receipt(2), receipt(3)]);
        assert!(got.iter().all(Receipt::verify));
        // A crash mid-write: the torn last line is skipped, the rest kept.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"pool\":\"11").unwrap();
        assert_eq!(read(&path).unwrap().len(), 3);
        // A bad line in the middle is an error naming it.
        f.write_all(b"\n").unwrap();
        ReceiptLog::open(&path).unwrap().append(&receipt(4)).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
    }
}
