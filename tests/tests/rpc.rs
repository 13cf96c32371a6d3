//! The RPC `ChainClient` (solana-rpc-client + solana-pubsub-client) over real HTTP and WebSocket against the
//! embedded bank served as JSON-RPC/PubSub (`trez_relayer::chain::serve`): the `init-pool` code path
//! creates TREZ and the pool through it, the `run` code path (`Pipeline`) serves a real miner, lands a block,
//! credits it and pays it, all through RPC; the first URL is dead (failover) and the server fails requests
//! in the middle (retries). One miner claims its balance itself, the crank pays the other, and the audit then
//! runs over RPC, decoding both `transfer_checked`s from the escrow's transaction history.
//!
//! Also: a transaction submitted to the embedded chain is carried through (and recorded for history) even
//! when its sender goes away mid-call, as a node would (the crash test's killed relayer closes its HTTP
//! connection while its transaction is being processed), and a blockhash the node does not know is a
//! retryable error (re-sign and resend) while an oversized transaction is a final one, on the embedded chain
//! and over RPC alike.

use std::sync::Arc;
use std::time::Duration;

use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::rpc::RpcChain;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::ChainOptions;
use trez_relayer::poolchain::{PoolChain, PoolEvent};
use trez_relayer::pipeline::Pipeline;
use trez_relayer::ledger::PayoutKind;
use trez_relayer::ledger::TxKind;
use trez_localnet::serve::RpcServer;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpc_chain_runs_init_pool_and_the_relayer_end_to_end() {
    let chain = EmbeddedChain::start().await;
    let fake = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    fake.set_priority_fees(vec![3_000, 5_000, 9_000]);
    let dead = "http://127.0.0.1:9".to_string();
    let rpc = Arc::new(RpcChain::new(&[dead, fake.http_url.clone()], Some(std::slice::from_ref(&fake.ws_url))).unwrap());

    // TREZ and the pool are created through RPC: the `init-pool` code path.
    let (relayer, addrs) = trez_tests::new_pool(&chain, rpc.as_ref(), 16, 100, 500).await;
    assert_eq!(rpc.errors.load(std::sync::atomic::Ordering::Relaxed), 1, "the dead URL failed once, then failover stuck");

    // The crank is left to this test (an hour's interval), so a member can claim first.
    let opts = ChainOptions {
        payout_interval_secs: 3_600,
        poll_interval_ms: 300,
        confirm_timeout_secs: 10,
        cu_price_percentile: Some(50),
        ..ChainOptions::default()
    };
    let pc = PoolChain::connect(rpc.clone() as Arc<dyn ChainClient>, relayer.clone(), addrs.pool.parse().unwrap(), opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = trez_tests::relayer_config(dir.path(), 12);
    let ledger = trez_relayer::ledger::open(&config.ledger).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut events = pc.events.subscribe();
    let pipeline = Pipeline::start(listener, None, config, pc.clone(), ledger.clone()).await.unwrap();

    let (a, b) = (trez_miner::Wallet::generate(), trez_miner::Wallet::generate());
    let a_key = Keypair::new_from_array(a.secret);
    let wallets = [a_key.pubkey(), Pubkey::new_from_array(b.public)];
    let (miner_a, cancel_a) = trez_tests::spawn_miner(format!("ws://{}", pipeline.addr), a, "rpc-a");
    let (miner_b, cancel_b) = trez_tests::spawn_miner(format!("ws://{}", pipeline.addr), b, "rpc-b");

    // Mine until a credited round owes both miners something.
    let mut failed_once = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv()).await.expect("a round crediting both miners in time").unwrap();
        match ev {
            PoolEvent::BlockSubmitted { .. } if !failed_once => {
                // The node falls over for a few requests right after a block: settlement must still finish.
                fake.fail_next(4);
                failed_once = true;
            }
            PoolEvent::RoundCredited { .. } => {
                let m = pc.members(&wallets).await.unwrap();
                if m.iter().all(|m| m.as_ref().is_some_and(|m| m.pending().unwrap() > 0)) {
                    break;
                }
            }
            _ => {}
        }
    }
    cancel_a.cancel();
    cancel_b.cancel();
    miner_a.await.unwrap().unwrap();
    miner_b.await.unwrap().unwrap();
    pipeline.stop().await.unwrap();

    // Miner A claims its balance itself (the relayer only pays the fee); the crank then pays miner B.
    let mint = pc.mint;
    let a_ata = trez_sdk::pda::ata(&wallets[0], &mint);
    let create = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
        &relayer.pubkey(),
        &wallets[0],
        &mint,
        &trez_sdk::ids::TOKEN,
    );
    let claim_sig = pc.send(&[create, trez_sdk::pool::claim(wallets[0], pc.pool, mint, a_ata)], &[&a_key]).await.unwrap();
    let paid = trez_relayer::tasks::payouts::payout_once(&pc, &*ledger).await.unwrap();
    assert_eq!(paid.len(), 1, "one crank payout (miner B)");
    let members = pc.members(&wallets).await.unwrap();
    assert!(members.iter().all(|m| m.as_ref().unwrap().pending().unwrap() == 0), "both paid in full");
    let pool_paid = pc.pool_account().await.unwrap().paid;
    assert_ne!(ledger.payout_total().await.unwrap(), pool_paid, "the claim is not in the ledger yet");

    // The audit passes before the relayer has imported the claim (a claim need not be published) …
    let record = trez_relayer::export::export(&*ledger, &pc.pool).await.unwrap();
    let report = trez_relayer::audit::audit(&pc, &record).await.unwrap();
    assert!(report.ok, "audit over RPC: {:?} {:?}", report.problems, report.rounds);
    assert!(!report.rounds.is_empty());
    assert_eq!(report.payouts_checked, 1, "the crank's payout");
    assert_eq!(report.transfers_checked, 2, "the claim and the payout, decoded from the escrow's inner instructions");
    assert!(fake.requests() > 20);

    // … and after: the import records exactly the claim (the payout is already there), once.
    let (n, newest) = trez_relayer::tasks::payouts::reconcile_payouts_since(&pc, &*ledger, None, 1_000).await.unwrap();
    assert_eq!(n, 1);
    // Following on from there reads nothing old: one getSignaturesForAddress (`until`), no getTransaction.
    let before = fake.requests();
    assert_eq!(trez_relayer::tasks::payouts::reconcile_payouts_since(&pc, &*ledger, newest, 1_000).await.unwrap(), (0, newest));
    assert_eq!(fake.requests() - before, 1, "an incremental import with nothing new is one request");
    assert_eq!(trez_relayer::tasks::payouts::reconcile_payouts(&pc, &*ledger, 1_000).await.unwrap(), 0);
    assert_eq!(ledger.payout_total().await.unwrap(), pool_paid, "the ledger mirrors the on-chain paid");
    let rows = ledger.payouts().await.unwrap();
    let claim = rows.iter().find(|p| p.signature == claim_sig.to_string()).expect("the claim is recorded");
    assert_eq!((claim.kind, claim.wallet, claim.amount), (PayoutKind::Claim, wallets[0].to_bytes(), members[0].as_ref().unwrap().paid));
    let record = trez_relayer::export::export(&*ledger, &pc.pool).await.unwrap();
    let report = trez_relayer::audit::audit(&pc, &record).await.unwrap();
    assert!(report.ok, "audit with the claim published: {:?}", report.problems);
    assert_eq!(report.payouts_checked, 2, "the crank's payout and the member's claim");

    // Publishing the member's own claim as a relayer payout is caught: no crank transfer matches it.
    let mut forged = record.clone();
    let claimed = members[0].as_ref().unwrap().paid;
    forged.payouts.retain(|p| p.kind != PayoutKind::Claim);
    forged.payouts.push(trez_relayer::export::PayoutRecord {
        signature: claim_sig.to_string(),
        wallet: wallets[0].to_string(),
        amount: claimed,
        kind: PayoutKind::Payout,
    });
    let report = trez_relayer::audit::audit(&pc, &forged).await.unwrap();
    assert!(!report.ok);
    assert!(report.problems.iter().any(|p| p.contains("no such transfer_checked")), "{:?}", report.problems);

    // The priority fee was the median of the recent fees the node reported (5000 micro-lamports per CU).
    let sig = ledger.txs(TxKind::Payout).await.unwrap().remove(0).signature;
    let tx = chain.transaction(&sig.parse().unwrap()).expect("payout landed");
    let price_ix = tx.transaction.message.instructions.iter().find(|ix| {
        tx.transaction.message.account_keys[ix.program_id_index as usize] == solana_compute_budget_interface::ID && ix.data.first() == Some(&3)
    });
    let data = &price_ix.expect("a set_compute_unit_price instruction").data;
    assert_eq!(u64::from_le_bytes(data[1..9].try_into().unwrap()), 5_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_transaction_lands_with_its_history_record_when_the_sender_goes_away() {
    use solana_sdk::transaction::Transaction;
    let chain = EmbeddedChain::start().await;
    let payer = chain.payer().insecure_clone();
    let mut sent = vec![];
    for i in 0..3u64 {
        let to = Pubkey::new_unique();
        let bh = chain.latest_blockhash().await.unwrap();
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &to, 1_000_000 + i);
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], bh);
        // The chain is busy; the sender gives up (its process was killed, its connection closed).
        let busy = chain.stall().await;
        let gave_up = tokio::time::timeout(Duration::from_millis(50), chain.process(&tx)).await.is_err();
        assert!(gave_up, "the call should still be waiting on the stalled chain");
        drop(busy);
        sent.push((tx.signatures[0], to));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    for (sig, to) in sent {
        loop {
            let in_bank = chain.get_account(&to).await.unwrap().is_some();
            let recorded = chain.transaction(&sig).is_some();
            if in_bank && recorded {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{sig}: in the bank {in_bank}, in history {recorded}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_blockhash_is_retryable_and_an_oversized_transaction_is_not() {
    use solana_sdk::transaction::Transaction;
    use trez_relayer::chain::ChainError;
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let rpc = RpcChain::new(std::slice::from_ref(&served.http_url), Some(std::slice::from_ref(&served.ws_url))).unwrap();
    let payer = chain.payer().insecure_clone();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), 1_000_000);
    // A blockhash no node has seen (expired, or from a node ahead of this one).
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], solana_sdk::hash::Hash::new_unique());
    for (via, r) in [("embedded", chain.send(&tx).await), ("rpc", rpc.send(&tx).await)] {
        let e = r.expect_err("an unknown blockhash cannot land");
        assert!(matches!(e, ChainError::Expired(_)), "{via}: {e:?}");
        assert!(e.is_transient(), "{via}: re-signed and sent again, not recorded as a rejected solution");
    }

    // The opposite: a transaction over 1,232 bytes is refused by the node, and no resend can help.
    let bh = chain.latest_blockhash().await.unwrap();
    let ixs: Vec<_> = (0..40)
        .map(|_| anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), 1_000_000))
        .collect();
    let big = Transaction::new_signed_with_payer(&ixs, Some(&payer.pubkey()), &[&payer], bh);
    for (via, r) in [("embedded", chain.send(&big).await), ("rpc", rpc.send(&big).await)] {
        let e = r.expect_err("an oversized transaction cannot land");
        assert!(!e.is_transient() && e.to_string().contains("too large"), "{via}: {e:?}");
    }
}

/// A transaction the node answers for but drops (a congested leader) still lands: `send_and_confirm` sends
/// the same signed transaction again every `REBROADCAST_EVERY` while it is unconfirmed, instead of only
/// polling until the timeout. The duplicate of one that landed is harmless (same signature).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_is_rebroadcast_until_it_lands() {
    use solana_sdk::transaction::Transaction;
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    // The embedded bank warps a slot every 400 ms and forgets a blockhash within about 2 s, sooner than a
    // cluster (about 60 s): rebroadcast faster than the default here.
    let rpc = RpcChain::new(std::slice::from_ref(&served.http_url), None).unwrap().with_rebroadcast_every(Duration::from_millis(300));
    let payer = chain.payer().insecure_clone();
    let to = Pubkey::new_unique();
    let bh = rpc.latest_blockhash().await.unwrap();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &to, 1_000_000);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], bh);
    served.drop_next_sends(2);
    let sig = rpc.send_and_confirm(&tx, Duration::from_secs(30)).await.expect("lands once rebroadcast");
    assert_eq!(sig, tx.signatures[0]);
    assert!(served.sends() >= 3, "the first send and one rebroadcast were dropped: {} sends", served.sends());
    assert!(rpc.rebroadcasts.load(std::sync::atomic::Ordering::Relaxed) >= 2);
    assert_eq!(chain.get_account(&to).await.unwrap().map(|a| a.lamports), Some(1_000_000), "transferred once");
}

/// The wallet methods localnet serves (what the Solana CLI, wallets and the money commands ask): balances,
/// the faucet, rent, version and health, token balances with the mint's decimals, batch requests; bad input
/// gets a JSON-RPC error and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localnet_answers_the_wallet_methods_and_batches() {
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (_, addrs) = trez_tests::new_pool(&chain, chain.as_ref(), 14, 250, 1_000).await;
    let http = reqwest::Client::new();
    let call = |body: serde_json::Value| {
        let (http, url) = (http.clone(), served.http_url.clone());
        async move { http.post(url).json(&body).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let req = |method: &str, params: serde_json::Value| serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let who = Keypair::new().pubkey().to_string();

    assert_eq!(call(req("getBalance", serde_json::json!([who]))).await["result"]["value"], 0);
    let sig = call(req("requestAirdrop", serde_json::json!([who, 2_000_000_000u64]))).await;
    assert!(sig["result"].is_string(), "{sig}");
    assert_eq!(call(req("getBalance", serde_json::json!([who]))).await["result"]["value"], 2_000_000_000u64);
    for bad in [serde_json::json!([who, 0]), serde_json::json!([who, u64::MAX]), serde_json::json!(["not-a-key", 1])] {
        let r = call(req("requestAirdrop", bad.clone())).await;
        assert!(r["error"]["message"].is_string(), "{bad}: {r}");
    }
    assert_eq!(call(req("getBalance", serde_json::json!([who]))).await["result"]["value"], 2_000_000_000u64, "a refused airdrop moved nothing");

    let escrow = call(req("getTokenAccountBalance", serde_json::json!([addrs.escrow]))).await;
    assert_eq!(escrow["result"]["value"]["decimals"], 6, "{escrow}");
    assert_eq!(escrow["result"]["value"]["amount"], "0");
    let not_token = call(req("getTokenAccountBalance", serde_json::json!([addrs.pool]))).await;
    assert!(not_token["error"]["message"].as_str().unwrap().contains("not a token account"), "{not_token}");
    let rent = call(req("getMinimumBalanceForRentExemption", serde_json::json!([165]))).await;
    assert_eq!(rent["result"].as_u64(), Some(solana_sdk::rent::Rent::default().minimum_balance(165)));
    assert_eq!(call(req("getHealth", serde_json::json!([]))).await["result"], "ok");
    assert!(call(req("getVersion", serde_json::json!([]))).await["result"]["solana-core"].is_string());
    assert_eq!(call(req("noSuchMethod", serde_json::json!([]))).await["error"]["code"], -32601);

    // The escrow is the authority PDA's token account of the pool's mint; the Pool is a pool-program account.
    let by_owner = call(req("getTokenAccountsByOwner", serde_json::json!([addrs.authority, {"mint": addrs.mint}, {"encoding": "jsonParsed"}]))).await;
    let found = by_owner["result"]["value"].as_array().unwrap_or_else(|| panic!("{by_owner}"));
    assert_eq!(found.len(), 1, "{by_owner}");
    assert_eq!(found[0]["pubkey"], addrs.escrow.as_str());
    let info = &found[0]["account"]["data"]["parsed"]["info"];
    assert_eq!((&info["owner"], &info["mint"], &info["tokenAmount"]["decimals"]), (&serde_json::json!(addrs.authority), &serde_json::json!(addrs.mint), &serde_json::json!(6)), "{by_owner}");
    let by_program = call(req("getTokenAccountsByOwner", serde_json::json!([addrs.authority, {"programId": trez_sdk::ids::TOKEN.to_string()}]))).await;
    assert_eq!(by_program["result"]["value"][0]["account"]["data"][1], "base64", "{by_program}");
    assert_eq!(call(req("getTokenAccountsByOwner", serde_json::json!([who, {"mint": addrs.mint}]))).await["result"]["value"], serde_json::json!([]));
    assert!(call(req("getTokenAccountsByOwner", serde_json::json!([who, {}]))).await["error"].is_object(), "neither mint nor programId");
    use anchor_lang::Discriminator;
    let disc = bs58::encode(trez_pool::state::Pool::DISCRIMINATOR).into_string();
    let pools = call(req("getProgramAccounts", serde_json::json!([trez_sdk::ids::POOL.to_string(), {"filters": [{"memcmp": {"offset": 0, "bytes": disc}}]}]))).await;
    let pools: Vec<&str> = pools["result"].as_array().unwrap_or_else(|| panic!("{pools}")).iter().filter_map(|a| a["pubkey"].as_str()).collect();
    assert_eq!(pools, vec![addrs.pool.as_str()]);
    let sized = call(req("getProgramAccounts", serde_json::json!([trez_sdk::ids::POOL.to_string(), {"filters": [{"dataSize": 1}]}]))).await;
    assert_eq!(sized["result"], serde_json::json!([]));

    let batch = call(serde_json::json!([req("getHealth", serde_json::json!([])), req("getBalance", serde_json::json!([who]))])).await;
    let answers = batch.as_array().expect("a batch is answered with an array");
    assert_eq!((answers.len(), &answers[0]["result"], &answers[1]["result"]["value"]), (2, &serde_json::json!("ok"), &serde_json::json!(2_000_000_000u64)));
}

/// Landing under congestion (issue 18): the node silently drops the relayer's first sends of a solution, its
/// rebroadcasts included. `submit_solution` is rebroadcast with the same bytes while unconfirmed, then re-signed
/// and resent with a higher priority fee each time (`escalated_fee`, within `cu_price_max_micro_lamports`),
/// and lands; the landed transaction carries an escalated fee, and the round is credited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_solution_is_resent_with_a_higher_fee_until_it_lands() {
    let chain = EmbeddedChain::start().await;
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    // The embedded bank forgets a blockhash within about 2 s: rebroadcast every 300 ms here (2 s by default).
    let rpc = Arc::new(RpcChain::new(std::slice::from_ref(&served.http_url), None).unwrap().with_rebroadcast_every(Duration::from_millis(300)));
    let (relayer, addrs) = trez_tests::new_pool(&chain, rpc.as_ref(), 16, 100, 500).await;
    let (base, ceiling) = (1_000u64, 1_001_000u64);
    let opts = ChainOptions {
        payout_interval_secs: 3_600,
        poll_interval_ms: 300,
        confirm_timeout_secs: 2,
        cu_price_micro_lamports: base,
        cu_price_max_micro_lamports: ceiling,
        ..ChainOptions::default()
    };
    let pc = PoolChain::connect(rpc.clone() as Arc<dyn ChainClient>, relayer.clone(), addrs.pool.parse().unwrap(), opts).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = trez_tests::relayer_config(dir.path(), 12);
    let ledger = trez_relayer::ledger::open(&config.ledger).unwrap();
    let mut events = pc.events.subscribe();
    let pipeline = Pipeline::start(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), None, config, pc.clone(), ledger.clone()).await.unwrap();
    // Nothing else sends before the first block: the next 12 sends are the solution's first attempt (the send
    // and its rebroadcasts within the 2 s confirm timeout) and the start of its second.
    served.drop_next_sends(12);
    let sends_before = served.sends();
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", pipeline.addr), trez_miner::Wallet::generate(), "congested");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    while pipeline.shared.stats.blocks.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "a block in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let found_at = tokio::time::Instant::now();
    let block_count = loop {
        match tokio::time::timeout_at(deadline, events.recv()).await.expect("the solution lands in time").unwrap() {
            PoolEvent::BlockSubmitted { block_count, .. } => break block_count,
            PoolEvent::SolutionLost { reason, .. } => panic!("solution lost: {reason}"),
            _ => {}
        }
    };
    let took = found_at.elapsed();
    cancel.cancel();
    let _ = miner.await;
    let sol = ledger.all_solutions().await.unwrap().into_iter().find(|s| s.block_count == block_count).expect("the solution row");
    let sig: solana_sdk::signature::Signature = sol.signature.expect("its landed signature").parse().unwrap();
    let tx = chain.transaction(&sig).expect("the landed transaction");
    let budget = solana_compute_budget_interface::id();
    let price = tx
        .transaction
        .message
        .instructions
        .iter()
        .find(|ix| tx.transaction.message.account_keys[ix.program_id_index as usize] == budget && ix.data.first() == Some(&3))
        .map(|ix| u64::from_le_bytes(ix.data[1..9].try_into().unwrap()))
        .expect("a SetComputeUnitPrice");
    let steps: Vec<u64> = (1..=4).map(|a| trez_relayer::poolchain::escalated_fee(base, a, ceiling)).collect();
    assert!(steps.contains(&price), "landed at {price} micro-lamports/CU; a resend bids one of {steps:?}");
    // getTransaction's meta carries the token balances before and after: the escrow received the reward.
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "getTransaction", "params": [sig.to_string(), {"encoding": "base64"}]});
    let got: serde_json::Value = reqwest::Client::new().post(&served.http_url).json(&body).send().await.unwrap().json().await.unwrap();
    let escrow_index = tx.transaction.message.account_keys.iter().position(|k| k.to_string() == addrs.escrow).expect("the escrow is in the transaction") as u64;
    let balance = |which: &str| -> u64 {
        let list = got["result"]["meta"][which].as_array().unwrap_or_else(|| panic!("{which}: {got}"));
        let e = list.iter().find(|b| b["accountIndex"] == escrow_index).unwrap_or_else(|| panic!("the escrow in {which}: {got}"));
        assert_eq!((&e["mint"], &e["owner"], &e["uiTokenAmount"]["decimals"]), (&serde_json::json!(addrs.mint), &serde_json::json!(addrs.authority), &serde_json::json!(6)));
        e["uiTokenAmount"]["amount"].as_str().unwrap().parse().unwrap()
    };
    let reward = trez_sdk::decode::account::<trez_pool::state::Round>(&chain.get_account(&trez_sdk::pda::round(&addrs.pool.parse().unwrap(), block_count)).await.unwrap().unwrap().data).unwrap().reward;
    assert_eq!(balance("postTokenBalances") - balance("preTokenBalances"), reward, "{got}");
    let sends = served.sends() - sends_before;
    eprintln!("congestion: 12 sends dropped; landed {:.1} s after the block was found, {sends} sends, at {price} micro-lamports/CU (base {base})", took.as_secs_f64());
    pipeline.stop().await.unwrap();
}
