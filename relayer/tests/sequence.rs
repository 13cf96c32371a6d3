//! A new miner and the admin, from the README alone, against a running localnet (issue 18's sequence): the
//! miner makes a wallet (`trez-miner keygen`), gets SOL from the local faucet (`requestAirdrop`), mines with
//! `trez-miner mine` until a round credits it, reads `trez-miner balance`, claims with `trez-miner claim` (its
//! token balance moves, on-chain `paid` follows) and checks the pool with `trez-miner verify`; the admin reads
//! `trez-relayer admin status` and withdraws the fees with `admin withdraw-fees` (the fee lands); the audit
//! passes at the end; `--dry-run` prints a claim and a fee withdrawal without sending either. Every step runs the real binaries; localnet runs in-process with `--state-dir`, and its
//! `localnet.json` says where everything is.
//!
//! `trez-miner` is the workspace's binary next to `trez-relayer` (the workspace test run builds both).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn miner_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_trez-relayer")).with_file_name(format!("trez-miner{}", std::env::consts::EXE_SUFFIX));
    assert!(p.exists(), "{} is missing: build it first (`cargo build -p trez-miner`, or run the whole test command)", p.display());
    p
}

/// Run a binary to completion; its stdout parsed as JSON when `json`.
async fn run(bin: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(bin).args(args).env("NO_COLOR", "1").output().await.expect("spawn");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn json(bin: &Path, args: &[&str]) -> Value {
    let (code, out, err) = run(bin, args).await;
    assert_eq!(code, 0, "{} {args:?}: {err}", bin.display());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keygen_mine_balance_claim_verify_then_admin_status_and_withdraw_fees() {
    let miner = miner_bin();
    let relayer = Path::new(env!("CARGO_BIN_EXE_trez-relayer"));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let args = trez_localnet::LocalnetArgs {
        miners: 0,
        blocks: None,
        json: false,
        difficulty: 16,
        // The crank never pays (so the miner has something to claim).
        min_payout: 1_000_000_000_000,
        state_dir: Some(state.clone()),
        ..trez_localnet::LocalnetArgs::for_tests(16)
    };
    let stop = CancellationToken::new();
    let localnet = tokio::spawn(trez_localnet::run(args, stop.clone()));
    let info_path = state.join("localnet.json");
    for _ in 0..600 {
        if info_path.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let info: Value = serde_json::from_slice(&std::fs::read(&info_path).expect("localnet.json written")).unwrap();
    let (rpc, pool, ws, api) = (
        info["rpc_url"].as_str().unwrap().to_string(),
        info["pool"]["pool"].as_str().unwrap().to_string(),
        info["relayers"][0].as_str().unwrap().to_string(),
        info["apis"][0].as_str().unwrap().to_string(),
    );
    let admin = info["keypairs"]["admin"].as_str().unwrap().to_string();

    // keygen
    let wallet_file = dir.path().join("wallet.json");
    let (code, out, err) = run(&miner, &["keygen", "--outfile", wallet_file.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    let wallet = out.lines().find_map(|l| l.strip_prefix("pubkey: ")).expect("keygen prints the pubkey").to_string();
    let kp = wallet_file.to_str().unwrap();
    // SOL for fees, from the local faucet (as `solana airdrop` does).
    let airdrop = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "requestAirdrop", "params": [wallet, 1_000_000_000u64]});
    let r: Value = reqwest::Client::new().post(&rpc).json(&airdrop).send().await.unwrap().json().await.unwrap();
    assert!(r["result"].is_string(), "airdrop: {r}");
    let at = ["--rpc-url", rpc.as_str(), "--pool-address", pool.as_str(), "--keypair", kp, "--json"];
    let with = |cmd: &str, extra: &[&str]| -> Vec<String> { std::iter::once(cmd).chain(at).chain(extra.iter().copied()).map(String::from).collect() };

    // mine until credited
    let receipts = dir.path().join("receipts.jsonl");
    let mut mining = tokio::process::Command::new(&miner)
        .args(["mine", "--pool", &ws, "--keypair", kp, "--threads", "1", "--quiet", "--worker", "readme"])
        .arg("--receipts")
        .arg(&receipts)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    let credited = loop {
        let args = with("balance", &[]);
        let b = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let c = b["balance"]["credited"].as_u64().unwrap();
        if c > 0 {
            break c;
        }
        assert!(tokio::time::Instant::now() < deadline, "not credited within 240 s");
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    mining.kill().await.unwrap();

    // balance, with the per-round credits from the API
    let args = with("balance", &["--api", &api]);
    let b = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(b["balance"]["credited"].as_u64().unwrap() >= credited);
    let pending = b["balance"]["pending"].as_u64().unwrap();
    assert_eq!(pending, b["balance"]["credited"].as_u64().unwrap(), "the crank paid nothing");
    let per_round: u64 = b["rounds"].as_array().unwrap().iter().filter(|r| r["status"] == "credited").map(|r| r["amount"].as_u64().unwrap()).sum();
    assert!(per_round <= pending && per_round > 0, "{b}");

    // --dry-run prints the claim transaction and sends nothing
    let args = with("claim", &["--dry-run"]);
    let d = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!((d["dry_run"].as_bool(), d["sent"].as_bool()), (Some(true), Some(false)), "{d}");
    let ixs = d["transactions"][0]["instructions"].as_array().unwrap();
    assert!(ixs.iter().any(|ix| ix["program"] == trez_sdk::ids::POOL.to_string()), "{d}");
    assert_eq!(d["transactions"][0]["fee_payer"], wallet.as_str());
    let args = with("balance", &[]);
    assert_eq!(json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await["balance"]["pending"].as_u64(), Some(pending), "a dry run moved nothing");

    // claim: the token balance moves, on-chain paid follows
    let args = with("claim", &[]);
    let c = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(c["amount"].as_u64(), Some(pending));
    let args = with("balance", &[]);
    let after = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(after["balance"]["paid"].as_u64(), Some(pending));
    assert_eq!(after["balance"]["token_balance"].as_u64(), Some(pending));
    assert_eq!(after["balance"]["pending"].as_u64(), Some(0));
    // A second claim has nothing to take and changes nothing.
    let args = with("claim", &[]);
    let (code, _, err) = run(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_ne!(code, 0);
    assert!(err.contains("nothing to claim"), "{err}");

    // the admin: status, then withdraw every fee
    let admin_at = ["admin", "--rpc-url", rpc.as_str(), "--pool", pool.as_str(), "--keypair", admin.as_str(), "--json"];
    let status = json(relayer, &[&admin_at[..], &["status"]].concat()).await;
    let available = status["fees_available"].as_u64().unwrap();
    assert!(available > 0, "{status}");
    // Program ids are runtime options: the compiled one given explicitly reads the same pool; under another
    // pool program id the Pool account is not that program's, and the command refuses, saying so.
    let compiled = trez_sdk::ids::POOL.to_string();
    let same = json(relayer, &[&["--pool-program", compiled.as_str()][..], &admin_at[..], &["status"]].concat()).await;
    assert_eq!((&same["pool"], &same["escrow"]), (&status["pool"], &status["escrow"]));
    let other = solana_sdk::pubkey::Pubkey::new_unique().to_string();
    let (code, _, err) = run(relayer, &[&["--pool-program", other.as_str()][..], &admin_at[..], &["status"]].concat()).await;
    assert_ne!(code, 0, "another pool program id: {err}");
    assert!(err.contains("not the pool program"), "{err}");
    let d = json(relayer, &[&admin_at[..], &["--dry-run", "withdraw-fees"]].concat()).await;
    assert_eq!(d["dry_run"], true, "{d}");
    assert_eq!(json(relayer, &[&admin_at[..], &["status"]].concat()).await["fees_available"].as_u64(), Some(available), "a dry run moved nothing");
    json(relayer, &[&admin_at[..], &["withdraw-fees"]].concat()).await;
    let status2 = json(relayer, &[&admin_at[..], &["status"]].concat()).await;
    assert_eq!(status2["fees_withdrawn"].as_u64(), Some(status["fees_withdrawn"].as_u64().unwrap() + available));
    assert_eq!(status2["fees_available"].as_u64(), Some(0));

    // The miner's own check, then the audit, with the relayer still up.
    let args = with("verify", &["--api", &api, "--receipts", receipts.to_str().unwrap()]);
    let v = json(&miner, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["receipts"].as_u64().unwrap() > 0);
    // The relayer imports the member's claim and the fee withdrawal from the escrow's history; wait for it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (code, out, err) = run(relayer, &["audit", "--rpc-url", &rpc, "--pool", &pool, "--api", &api]).await;
        if code == 0 {
            assert!(out.contains("AUDIT OK"), "{out}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "audit failed: {out}{err}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    stop.cancel();
    localnet.await.unwrap().unwrap();
}

/// `trez-relayer init-trez` sets up the TREZ replica on a fresh cluster (here the embedded chain served over
/// JSON-RPC): the mint it prints exists with 6 decimals, and the replica's State is there; a second run is
/// refused by the program (the State exists), and bad difficulties are refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_trez_sets_up_the_replica_once() {
    use solana_sdk::signature::{Keypair, Signer};
    let relayer = Path::new(env!("CARGO_BIN_EXE_trez-relayer"));
    let chain = trez_localnet::embedded::EmbeddedChain::start().await;
    let served = trez_localnet::serve::RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let payer = Keypair::new();
    chain.airdrop(&payer.pubkey(), 10_000_000_000).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kp = dir.path().join("payer.json");
    std::fs::write(&kp, serde_json::to_string(&payer.to_bytes().to_vec()).unwrap()).unwrap();
    let kp = kp.to_str().unwrap();
    let (code, _, err) = run(relayer, &["init-trez", "--rpc-url", &served.http_url, "--keypair", kp, "--difficulty", "70"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("--max-difficulty"), "{err}");
    let v = json(relayer, &["init-trez", "--rpc-url", &served.http_url, "--keypair", kp, "--difficulty", "20"]).await;
    let mint: solana_sdk::pubkey::Pubkey = v["mint"].as_str().unwrap().parse().unwrap();
    use trez_relayer::chain::ChainClient;
    let m = chain.get_account(&mint).await.unwrap().expect("the mint exists");
    assert_eq!((m.owner, m.data[44]), (trez_sdk::ids::TOKEN, 6));
    assert!(chain.get_account(&trez_sdk::pda::trez_state()).await.unwrap().is_some(), "the State exists");
    let (code, _, _) = run(relayer, &["init-trez", "--rpc-url", &served.http_url, "--keypair", kp]).await;
    assert_ne!(code, 0, "a second init-trez is refused");
}
