//! RPC faults. The relayer reaches the chain through RPC and PubSub via fault proxies on loopback
//! (`trez_tests::proxy`). With the PubSub cut and refused, new TREZ work still arrives (polling) and blocks
//! keep landing. With the RPC dead, then answering 503s, then slow, miners' shares keep being accepted and
//! `/metrics` reports the outage (`trez_chain_up 0`, outage seconds, errors). When the RPC returns, the
//! solution found during the outage lands, rounds are credited and paid, the subscription is re-established,
//! and the record audits OK.

use std::sync::Arc;
use std::time::Duration;

use trez_relayer::ledger::{RoundState, SolutionStatus};
use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::rpc::RpcChain;
use trez_localnet::serve::RpcServer;
use trez_relayer::chain::ChainClient;
use trez_relayer::config::ChainOptions;
use trez_relayer::poolchain::{PoolChain, PoolEvent};
use trez_tests::proxy::{socket_of, FaultProxy, Mode};

async fn metric(http: &reqwest::Client, base: &str, name: &str) -> f64 {
    let text = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
        .trim()
        .parse()
        .unwrap()
}

/// Wait for `n` events matching `want` within `secs`.
async fn wait_for(events: &mut tokio::sync::broadcast::Receiver<PoolEvent>, n: usize, secs: u64, what: &str, want: impl Fn(&PoolEvent) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = 0;
    while seen < n {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(ev)) if want(&ev) => seen += 1,
            Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("events: {e}"),
            Err(_) => panic!("{what}: {seen} of {n} in {secs} s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_rides_out_rpc_and_pubsub_faults() {
    let chain = EmbeddedChain::start().await;
    let node = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let rpc_proxy = FaultProxy::start(socket_of(&node.http_url)).await;
    let ws_proxy = FaultProxy::start(socket_of(&node.ws_url)).await;
    let rpc = Arc::new(RpcChain::new(&[rpc_proxy.http_url()], Some(&[ws_proxy.ws_url()])).unwrap());

    let (relayer, addrs) = trez_tests::new_pool(&chain, chain.as_ref(), 16, 100, 500).await;
    let opts = ChainOptions { payout_interval_secs: 1, poll_interval_ms: 300, confirm_timeout_secs: 5, send_attempts: 3, ..ChainOptions::default() };
    let pc = PoolChain::connect(rpc.clone() as Arc<dyn ChainClient>, relayer, addrs.pool.parse().unwrap(), opts).await.unwrap();
    let trez_tests::Running { p, ledger, mut events, base, dir: _dir } = trez_tests::start_pipeline_with(pc.clone(), 12, |c| c.server.health_max_chain_outage_secs = 1).await;
    let http = reqwest::Client::new();
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", p.addr), trez_miner::Wallet::generate(), "faults");

    // Healthy: a round is credited.
    wait_for(&mut events, 1, 120, "healthy: a credited round", |e| matches!(e, PoolEvent::RoundCredited { .. })).await;
    assert_eq!(metric(&http, &base, "trez_chain_up").await, 1.0);
    assert_eq!(metric(&http, &base, "trez_pubsub_connected").await, 1.0);

    // PubSub cut and refused: the state is polled, so new work arrives and more blocks land.
    ws_proxy.set(Mode::Drop);
    wait_for(&mut events, 3, 120, "PubSub down: blocks landed by polling", |e| matches!(e, PoolEvent::BlockSubmitted { .. })).await;
    assert_eq!(metric(&http, &base, "trez_pubsub_connected").await, 0.0, "the cut subscription is reported");
    assert!(ws_proxy.stats.cut.load(std::sync::atomic::Ordering::Relaxed) >= 1, "the live subscription was cut");
    // The relayer keeps trying to resubscribe (refused).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while ws_proxy.stats.dropped.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no resubscribe attempt");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Quiesce first: stop the miner and let what is in flight land, so the relayer's job is the challenge open
    // on-chain (read past the proxy) and a block found during the outage is for it. Otherwise a block that
    // landed just before the outage, unseen with both feeds down, leaves miners on a stale challenge whose
    // blocks are rightly recorded lost.
    cancel.cancel();
    miner.await.unwrap().unwrap();
    let direct = PoolChain::observe(chain.clone() as Arc<dyn ChainClient>, pc.pool).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let open = direct.trez_state().await.unwrap().block_count;
        let job = p.shared.jobs.current().map(|w| w.template.block_count);
        if job == Some(open) && ledger.solutions(SolutionStatus::Pending).await.unwrap().is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the relayer did not catch up with the chain");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The RPC dies (connections refused), then answers 503, then is slow. A miner keeps getting shares accepted.
    let errors_before = metric(&http, &base, "trez_chain_errors_total").await;
    rpc_proxy.set(Mode::Drop);
    let accepted_before = metric(&http, &base, "trez_shares_accepted_total").await;
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", p.addr), trez_miner::Wallet::generate(), "faults-2");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(metric(&http, &base, "trez_chain_up").await, 0.0, "the outage is reported");
    assert!(metric(&http, &base, "trez_chain_outage_seconds").await >= 1.0);
    assert!(metric(&http, &base, "trez_chain_errors_total").await > errors_before);
    // A block it finds waits as a pending solution.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let waiting = loop {
        if let Some(s) = ledger.solutions(SolutionStatus::Pending).await.unwrap().into_iter().next() {
            break s;
        }
        assert!(tokio::time::Instant::now() < deadline, "no block found during the outage");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(waiting.block_count, direct.trez_state().await.unwrap().block_count, "for the open challenge");
    // Past `health_max_chain_outage_secs` (1 s here), /health fails for load balancers.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let unhealthy = loop {
        let r = http.get(format!("{base}/health")).send().await.unwrap();
        if r.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            break r.json::<serde_json::Value>().await.unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "/health stayed 200 through the outage");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(unhealthy["ok"], false);
    assert!(unhealthy["problems"][0].as_str().unwrap().contains("chain unreachable"), "{unhealthy}");
    rpc_proxy.set(Mode::Http503);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(metric(&http, &base, "trez_chain_up").await, 0.0);
    rpc_proxy.set(Mode::Delay(Duration::from_millis(150)));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted_during = metric(&http, &base, "trez_shares_accepted_total").await;
    assert!(accepted_during > accepted_before, "shares kept being accepted during the outage: {accepted_before} → {accepted_during}");

    // Everything back: the waiting solution lands, rounds are credited and paid, PubSub reconnects.
    rpc_proxy.set(Mode::Pass);
    ws_proxy.set(Mode::Pass);
    // The first solution for the open challenge lands; its round is credited.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let s = ledger.all_solutions().await.unwrap().into_iter().find(|s| s.id == waiting.id).unwrap();
        let round = ledger.round(waiting.block_count).await.unwrap();
        if s.status == SolutionStatus::Confirmed && round.is_some_and(|(r, _)| r.status == RoundState::Credited) {
            break;
        }
        assert_ne!(s.status, SolutionStatus::Lost, "the solution found during the outage was lost: {:?}", s.reason);
        assert!(tokio::time::Instant::now() < deadline, "the outage's solution did not land and get credited: {}", s.status);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_for(&mut events, 1, 120, "after the outage: a payout", |e| matches!(e, PoolEvent::Paid { .. })).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while metric(&http, &base, "trez_pubsub_connected").await != 1.0 {
        assert!(tokio::time::Instant::now() < deadline, "PubSub did not reconnect");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(metric(&http, &base, "trez_pubsub_connects_total").await >= 2.0);
    assert_eq!(metric(&http, &base, "trez_chain_up").await, 1.0);
    assert_eq!(metric(&http, &base, "trez_chain_outage_seconds").await, 0.0);
    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert_eq!(health.json::<serde_json::Value>().await.unwrap()["problems"], serde_json::json!([]));

    cancel.cancel();
    miner.await.unwrap().unwrap();
    p.stop().await.unwrap();
    let record = trez_relayer::export::export(&*ledger, &pc.pool).await.unwrap();
    let report = trez_relayer::audit::audit(&pc, &record).await.unwrap();
    assert!(report.ok, "audit after the faults: {:?}", report.problems);
    eprintln!(
        "faults: rpc proxy passed {} / dropped {} / 503 {} / cut {}; pubsub proxy passed {} / dropped {} / cut {}; {} rounds audited",
        rpc_proxy.stats.passed.load(std::sync::atomic::Ordering::Relaxed),
        rpc_proxy.stats.dropped.load(std::sync::atomic::Ordering::Relaxed),
        rpc_proxy.stats.errored.load(std::sync::atomic::Ordering::Relaxed),
        rpc_proxy.stats.cut.load(std::sync::atomic::Ordering::Relaxed),
        ws_proxy.stats.passed.load(std::sync::atomic::Ordering::Relaxed),
        ws_proxy.stats.dropped.load(std::sync::atomic::Ordering::Relaxed),
        ws_proxy.stats.cut.load(std::sync::atomic::Ordering::Relaxed),
        report.rounds.len(),
    );
}
