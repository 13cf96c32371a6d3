//! A miner's own check (`trez-relayer member verify`, docs/SPEC.md §10) over a localnet run: each in-process
//! miner's receipts are found in the published windows, its leaves prove against the on-chain roots and its
//! on-chain credited equals its leaves (localnet's summary says so); then each way a relayer could cheat a
//! miner is caught and named, with the receipt as evidence: a receipted share dropped from its window, moved
//! to another wallet in it, the wallet's leaf amount changed; and a receipt that is not the pool relayer's
//! (another key, or a field changed after signing) is reported too. The binary exits 0 on the clean record
//! and 1 on a tampered one.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;
use trez_localnet::LocalnetArgs;
use trez_protocol::{Receipt, ReceiptSigner};
use trez_relayer::commands::{verify, VerifyReport};
use trez_relayer::export::{self, PoolExport};

fn args() -> LocalnetArgs {
    LocalnetArgs::for_tests(18)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_prove_inclusion_and_each_way_of_cheating_a_miner_is_caught() {
    let f = trez_localnet::run(args(), CancellationToken::new()).await.unwrap().unwrap();
    let s = &f.summary;
    assert!(s.miners_verified_ok, "{:?}", s.miners_verified);
    assert_eq!(s.miners_verified.len(), 3);
    assert!(s.miners_verified.iter().all(|m| m.found == m.in_windows && m.credited_on_chain == m.leaves_credited));
    let record = export::export(&*f.ledger, &f.pc.pool).await.unwrap();

    // The miner with a receipted share inside a window that also lists another miner's share.
    let receipts_of = |i: usize| trez_protocol::receipts::read(&f.state_dir.join(format!("miner-{i}.receipts.jsonl"))).unwrap();
    let in_window = |r: &Receipt| record.rounds.iter().position(|x| x.shares.iter().any(|s| s.seq as u64 == r.fields.seq));
    let (i, receipts, r, ri) = (0..3)
        .find_map(|i| {
            let rs = receipts_of(i);
            let hit = rs.iter().find_map(|r| in_window(r).map(|ri| (*r, ri)));
            hit.map(|(r, ri)| (i, rs.clone(), r, ri))
        })
        .expect("a receipted share in a window");
    let wallet: solana_sdk::pubkey::Pubkey = s.miners_verified[i].wallet.parse().unwrap();
    let other = record.rounds[ri].shares.iter().map(|s| s.wallet.clone()).find(|w| *w != wallet.to_string()).unwrap_or_else(|| s.miners_verified[(i + 1) % 3].wallet.clone());
    let run = |rec: PoolExport, rs: Vec<Receipt>| {
        let (chain, pool) = (f.pc.chain.clone(), f.pc.pool);
        async move { verify(chain, pool, &rec, wallet, &rs, None).await.unwrap() }
    };
    let clean = run(record.clone(), receipts.clone()).await;
    assert!(clean.ok && clean.found >= 1 && clean.leaves.iter().any(|l| l.proof_ok), "{clean:?}");

    let expect = |rep: &VerifyReport, what: &str, needle: &str| {
        assert!(!rep.ok, "{what}: not caught");
        assert!(rep.findings.iter().any(|m| m.contains(needle)), "{what}: {:?}", rep.findings);
    };
    let seq = r.fields.seq as i64;
    let mut dropped = record.clone();
    dropped.rounds[ri].shares.retain(|s| s.seq != seq);
    let rep = run(dropped, receipts.clone()).await;
    expect(&rep, "a receipted share dropped", &format!("seq {seq}"));
    assert!(rep.omitted.iter().any(|o| o.receipt == r && o.listed_instead.is_none()), "the receipt is the evidence: {:?}", rep.omitted);

    let mut moved = record.clone();
    moved.rounds[ri].shares.iter_mut().filter(|s| s.seq == seq).for_each(|s| s.wallet = other.clone());
    let rep = run(moved, receipts.clone()).await;
    expect(&rep, "a receipted share moved to another wallet", "altered in");
    assert!(rep.omitted.iter().any(|o| o.receipt == r && o.listed_instead.as_deref().is_some_and(|l| l.contains(&other))));

    let li = record.rounds.iter().position(|x| x.leaves.iter().any(|l| l.wallet == wallet.to_string())).expect("a leaf of the wallet");
    let mut shaved = record.clone();
    shaved.rounds[li].leaves.iter_mut().filter(|l| l.wallet == wallet.to_string()).for_each(|l| l.amount -= 1);
    expect(&run(shaved, receipts.clone()).await, "the wallet's leaf amount changed", "does not prove");

    let forger = ReceiptSigner::new(&[0x99; 32]);
    let forged = Receipt { relayer: forger.relayer(), signature: forger.sign(&r.fields), ..r };
    expect(&run(record.clone(), vec![forged]).await, "a receipt by another key", "not the pool's relayer");
    let mut edited = r;
    edited.fields.share_bits += 1;
    expect(&run(record.clone(), vec![edited]).await, "a receipt edited after signing", "signature is not");

    // The command itself, as a miner runs it: exit 0 on the published record, 1 on a tampered one.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rec: &PoolExport| {
        let p: PathBuf = dir.path().join(name);
        std::fs::write(&p, serde_json::to_string(rec).unwrap()).unwrap();
        p
    };
    let mut dropped = record.clone();
    dropped.rounds[ri].shares.retain(|s| s.seq != seq);
    for (file, code) in [(write("clean.json", &record), 0), (write("dropped.json", &dropped), 1)] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_trez-relayer"))
            .args(["member", "--rpc-url", &f.rpc.http_url, "--pool", &f.pc.pool.to_string(), "--json", "verify", "--wallet", &wallet.to_string()])
            .arg("--file")
            .arg(&file)
            .arg("--receipts")
            .arg(f.state_dir.join(format!("miner-{i}.receipts.jsonl")))
            .env("NO_COLOR", "1")
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ok"], code == 0);
        assert_eq!(v["receipts"].as_u64(), Some(receipts.len() as u64));
    }
}
