//! The relayer's HTTP API and metrics on a live pipeline (embedded chain, real miner): every endpoint answers,
//! its numbers match the chain, bad input gets a coded 4xx, and the record served at `/api/export` audits OK
//! (what `trez-relayer audit --api` does).

use std::sync::Arc;
use std::time::Duration;

use solana_sdk::signature::Signer;

use trez_localnet::embedded::EmbeddedChain;
use trez_relayer::chain::rpc::RpcChain;
use trez_localnet::serve::RpcServer;
use trez_relayer::chain::ChainClient;
use trez_relayer::export::PoolExport;
use trez_relayer::config::ChainOptions;
use trez_relayer::poolchain::{PoolChain, PoolEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_endpoints_match_the_chain_and_the_export_audits() {
    let chain = EmbeddedChain::start().await;
    let (relayer, addrs) = trez_tests::new_pool(&chain, chain.as_ref(), 16, 200, 500).await;
    let opts = ChainOptions { payout_interval_secs: 1, poll_interval_ms: 200, ..ChainOptions::default() };
    let pc = PoolChain::connect(chain.clone() as Arc<dyn ChainClient>, relayer, addrs.pool.parse().unwrap(), opts).await.unwrap();
    let trez_tests::Running { p, ledger: _, mut events, base, dir: _dir } = trez_tests::start_pipeline(pc.clone(), 12).await;

    let wallet = trez_miner::Wallet::generate();
    let (miner, cancel) = trez_tests::spawn_miner(format!("ws://{}", p.addr), wallet.clone(), "api-rig");

    let (mut credited, mut paid) = (false, false);
    while !(credited && paid) {
        match tokio::time::timeout(Duration::from_secs(120), events.recv()).await.expect("events in time").unwrap() {
            PoolEvent::RoundCredited { .. } => credited = true,
            PoolEvent::Paid { .. } if credited => paid = true,
            _ => {}
        }
    }
    cancel.cancel();
    miner.await.unwrap().unwrap();

    let http = reqwest::Client::new();
    let get = |path: &str| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move { http.get(url).send().await.unwrap() }
    };
    let health: serde_json::Value = get("/health").await.json().await.unwrap();
    assert_eq!(health["ok"], true, "{health}");
    // (The crank may still be paying, so the balance is compared as of this read: it only goes down.)
    assert!(health["relayer_lamports"].as_u64().unwrap() > 0, "{health}");

    let pool: serde_json::Value = get("/api/pool").await.json().await.unwrap();
    let onchain_pool = pc.pool_account().await.unwrap();
    assert_eq!(pool["fee_bps"], 200);
    assert_eq!(pool["max_fee_bps"], 500);
    assert_eq!(pool["paid"], onchain_pool.paid);
    assert_eq!(pool["credited"], onchain_pool.credited);
    assert_eq!(pool["block_count"], pc.trez_state().await.unwrap().block_count);
    assert!(pool["solvency_margin"].as_i64().unwrap() >= 0);
    assert!(pool["hashrate"].as_f64().unwrap() > 0.0);
    assert_eq!((pool["trez"]["era"].as_u64(), pool["trez"]["block_reward"].as_u64(), pool["trez"]["exhausted"].as_bool()), (Some(0), Some(50_000_000), Some(false)), "{pool}");

    // One share below its difficulty from this wallet: counted in its rejects by reason.
    let mut probe = trez_relayer::loadgen::Conn::connect(&format!("ws://{}", p.addr), &wallet.secret, "api-probe").await.unwrap();
    let j = probe.job.clone();
    let low = (j.nonce_start..)
        .find(|n| !trez_pow::meets_difficulty(&trez_pow::digest(&j.challenge, &j.miner_key, j.block_count, *n), j.share_bits))
        .unwrap();
    let ack = probe.submit(low).await.unwrap();
    assert_eq!(ack.reason, Some(trez_protocol::RejectReason::LowDifficulty));
    probe.close().await;

    let me: serde_json::Value = get(&format!("/api/miners/{}", wallet.key())).await.json().await.unwrap();
    assert_eq!(me["shares_rejected"]["low_difficulty"], 1, "this wallet's rejects by reason: {me}");
    let member = pc.members(&[wallet.public.into()]).await.unwrap().pop().flatten().expect("member");
    assert_eq!(me["credited"], member.credited);
    assert_eq!(me["paid"], member.paid);
    assert_eq!(me["workers"][0], "api-rig");
    assert!(me["shares_accepted"].as_u64().unwrap() >= 1);

    let rounds: serde_json::Value = get("/api/rounds").await.json().await.unwrap();
    let n = rounds[0]["block_count"].as_u64().unwrap();
    assert_eq!(rounds[0]["bonus"], 3_000_000, "the round's TREZ referral bonus: {rounds}");
    let one: serde_json::Value = get(&format!("/api/rounds/{n}")).await.json().await.unwrap();
    assert_eq!(one["leaves"][0]["wallet"], wallet.key().to_string());
    assert!(!one["shares"].as_array().unwrap().is_empty());
    let payouts: serde_json::Value = get("/api/payouts").await.json().await.unwrap();
    assert!(!payouts.as_array().unwrap().is_empty());

    // The dashboard shows the same numbers as the API.
    // A cell's number: its `data-base` (amounts in base units behind the TREZ figure) when it has one, else
    // its text.
    let cell = |page: &str, id: &str| -> String {
        let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}")) + id.len() + 5;
        let tag = &page[start..page[start..].find('>').unwrap() + start];
        match tag.find("data-base=\"") {
            Some(i) => tag[i + 11..].split('"').next().unwrap().to_string(),
            None => page[start + tag.len() + 1..].split('<').next().unwrap().to_string(),
        }
    };
    // The pipeline is live (the crank may still pay): compare a page and an API read taken back to back, and
    // retry if a transaction landed in between.
    // The pages are loaded in headless Chromium (the DOM it built) when it is installed, which the README
    // test command ensures.
    let browser = trez_tests::chromium();
    let page = |path: String| {
        let url = format!("{base}{path}");
        let browser = browser.clone();
        let http = http.clone();
        async move {
            match &browser {
                Some(b) => trez_tests::render(b, &url).await,
                None => http.get(url).send().await.unwrap().text().await.unwrap(),
            }
        }
    };
    let mut same = false;
    for _ in 0..5 {
        let html = page("/".into()).await;
        let pool_now: serde_json::Value = get("/api/pool").await.json().await.unwrap();
        let mine = page(format!("/miner/{}", wallet.key())).await;
        let me_now: serde_json::Value = get(&format!("/api/miners/{}", wallet.key())).await.json().await.unwrap();
        let pool_ids = ["fee_bps", "network_difficulty", "escrow_balance", "owed", "solvency_margin", "credited", "paid", "miners_online"];
        let miner_ids = ["credited", "paid", "pending", "shares_accepted"];
        if pool_ids.iter().all(|id| cell(&html, id) == *pool_now[*id].to_string())
            && miner_ids.iter().all(|id| cell(&mine, id) == *me_now[*id].to_string())
        {
            // People's units: TREZ beside each amount, hashrates with a unit, and a chart with points on both pages.
            assert!(html.contains(" TREZ</td>") && html.contains("H/s</td>"), "units on the overview");
            assert!(html.matches(r#"class="pt""#).count() >= 2 && mine.matches(r#"class="pt""#).count() >= 2, "charts with data points");
            assert!(html.contains("explorer.solana.com/tx/"), "payout explorer links");
            assert_eq!(cell(&mine, "workers"), "api-rig");
            // Rejects: the total and each non-zero reason, as the API counts them (one low_difficulty here).
            let by_reason = me_now["shares_rejected"].as_object().unwrap();
            let total: u64 = by_reason.values().map(|v| v.as_u64().unwrap()).sum();
            assert_eq!(cell(&mine, "shares_rejected"), total.to_string());
            let listed: Vec<String> =
                by_reason.iter().filter(|(_, v)| v.as_u64() != Some(0)).map(|(r, v)| format!("{r}: {v}")).collect();
            let shown = cell(&mine, "rejected_reasons");
            assert!(listed.iter().all(|l| shown.contains(l.as_str())) && shown.contains("low_difficulty: 1"), "{shown} vs {listed:?}");
            same = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(same, "the dashboard shows the API's numbers");

    // Every other page, against its API. The miner has stopped; wait until the last solutions it found are
    // settled and their rounds credited, so ledger and chain stand still (the crank may still pay: payout-
    // dependent numbers are read from the API right after the page).
    for i in 0.. {
        let blocks: serde_json::Value = get("/api/blocks").await.json().await.unwrap();
        let rounds: Vec<serde_json::Value> = get("/api/rounds").await.json().await.unwrap();
        let pending = blocks["blocks"].as_array().unwrap().iter().any(|b| b["status"] == "pending");
        if !pending && rounds.iter().all(|r| r["status"] == "credited") {
            break;
        }
        assert!(i < 120, "rounds still crediting after 60 s: {rounds:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let me_now: serde_json::Value = get(&format!("/api/miners/{}", wallet.key())).await.json().await.unwrap();
    let mine = page(format!("/miner/{}", wallet.key())).await;
    assert_eq!(cell(&mine, "claimable"), me_now["claimable"].to_string());
    assert!(mine.contains("<time datetime=\"20"), "times as <time>");
    if browser.is_some() {
        // The inline script ran: each time is rewritten to local time and keeps UTC in its title.
        assert!(mine.contains("data-ms=") && mine.contains(" title=\"20"), "local times");
    }
    let workers: serde_json::Value = get(&format!("/api/miners/{}/workers?range=24h", wallet.key())).await.json().await.unwrap();
    assert_eq!((workers["bucket_secs"].as_u64(), workers["workers"][0]["worker"].as_str()), (Some(900), Some("api-rig")), "{workers}");
    assert_eq!(workers["workers"][0]["shares"], me_now["shares_accepted"], "the rollup counts every accepted share");
    assert!(mine.contains("<td>api-rig</td>") && mine.contains("api-rig hashrate"), "worker row and chart");
    let credits: serde_json::Value = get(&format!("/api/miners/{}/rounds", wallet.key())).await.json().await.unwrap();
    let credit_rows = credits["rounds"].as_array().unwrap();
    assert!(!credit_rows.is_empty() && credits["total"].as_u64() == Some(credit_rows.len() as u64));
    let table = |page: &str, id: &str| -> String {
        let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no table #{id}"));
        page[start..start + page[start..].find("</table>").unwrap()].to_string()
    };
    assert_eq!(table(&mine, "credits").matches("<tr>").count() - 1, credit_rows.len(), "one row per round credited");
    for c in credit_rows {
        assert!(table(&mine, "credits").contains(&format!("data-base=\"{}\"", c["amount"])), "credit {c} on the page");
    }
    let onchain_member = pc.members(&[wallet.public.into()]).await.unwrap().pop().flatten().unwrap();
    let credited_rounds: u64 = credit_rows.iter().filter(|c| c["round_status"] == "credited").map(|c| c["amount"].as_u64().unwrap()).sum();
    assert_eq!(credited_rounds, onchain_member.credited, "credits per round add up to the on-chain Member.credited");

    let board: serde_json::Value = get("/api/leaderboard").await.json().await.unwrap();
    assert_eq!(board["by_credited"][0]["wallet"], wallet.key().to_string());
    assert_eq!(board["by_credited"][0]["credited"].as_u64(), Some(onchain_member.credited));
    assert_eq!(board["by_hashrate"][0]["shares"], me_now["shares_accepted"]);
    let lb = page("/leaderboard".into()).await;
    assert!(table(&lb, "by_credited").contains(&format!("data-base=\"{}\"", onchain_member.credited)));
    // The 24 h average divides by the seconds since the start of the hour 24 h ago, which grow between two reads:
    // equal to 1e-4 (the span is over 24 h, so that allows seconds between the two reads).
    let shown: f64 = table(&lb, "by_hashrate").split("data-base=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let api = board["by_hashrate"][0]["hashrate"].as_f64().unwrap();
    assert!(api > 0.0 && (shown - api).abs() / api < 1e-4, "leaderboard hashrate {shown} vs the API's {api}");

    let blocks: serde_json::Value = get("/api/blocks").await.json().await.unwrap();
    let bl = page("/blocks".into()).await;
    assert_eq!(cell(&bl, "blocks_found"), blocks["total"].to_string());
    let landed = blocks["blocks"].as_array().unwrap().iter().filter(|b| b["time_to_land_ms"].is_i64()).count();
    assert!(landed >= 1 && cell(&bl, "blocks_landed") == landed.to_string());
    assert!(table(&bl, "blocks").matches("<tr>").count() - 1 == blocks["blocks"].as_array().unwrap().len());
    let per_hour: serde_json::Value = get("/api/blocks/series").await.json().await.unwrap();
    assert_eq!(per_hour["points"].as_array().unwrap().iter().map(|p| p["landed"].as_u64().unwrap()).sum::<u64>(), landed as u64);
    assert!(bl.matches(r#"class="pt""#).count() >= 2, "block charts with points");
    // Every chart on every page has data points (none says "no data yet"): the overview's 1 h and 24 h pool
    // charts and its 3 block charts, the miner's hour, its worker and its credits per round, the blocks page's 3.
    let overview = page("/".into()).await;
    for (name, html, charts) in [("overview", &overview, 7), ("miner", &mine, 4), ("blocks", &bl, 3)] {
        let figures = html.matches(r#"<figure class="chart">"#).count();
        let drawn = html.split(r#"<figure class="chart">"#).skip(1).filter(|f| f.split("</figure>").next().unwrap().contains(r#"class="pt""#)).count();
        assert_eq!((figures, drawn), (charts, charts), "{name}: every chart drawn with points");
    }

    let rr: serde_json::Value = get(&format!("/api/rounds/{n}")).await.json().await.unwrap();
    let rp = page(format!("/round/{n}")).await;
    for id in ["reward", "bonus", "fee"] {
        assert_eq!(cell(&rp, id), rr[id].to_string(), "round {n}: {id}");
    }
    assert_eq!(cell(&rp, "leaves_root"), rr["leaves_root"].as_str().unwrap());
    assert_eq!(cell(&rp, "leaf_count"), rr["leaves"].as_array().unwrap().len().to_string());
    assert!(rp.contains(&format!("/api/rounds/{n}/proof/{}", wallet.key())), "a proof download per leaf");
    assert!(table(&rp, "txs").matches("explorer.solana.com/tx/").count() >= 3, "submit, begin_credit and a batch");
    let rounds_page = page("/rounds".into()).await;
    assert!(rounds_page.contains(&format!("href=\"/round/{n}\"")));

    // Bad input on pages: a coded status with the reason on the page, never a panic.
    for (path, status) in [("/miner?wallet=nope", 400), ("/blocks?page=0", 400), ("/rounds?page=x", 400), ("/round/abc", 400), ("/round/999999", 404), (&*format!("/miner/{}?page=9", wallet.key()), 400)] {
        let r = get(path).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert!(r.text().await.unwrap().contains("id=\"error\""), "{path}: the reason on a page");
    }
    assert_eq!(get("/api/blocks/series?range=7d").await.status(), 400);
    assert_eq!(get("/api/miners/nope/workers").await.status(), 400);
    let found = get(&format!("/miner?wallet={}", wallet.key())).await;
    assert!(found.status().is_success() && found.url().path().starts_with("/miner/"), "the search box leads to the miner page");

    // The charts' data: the wallet's shares per minute over the last hour add up to its shares (the test is
    // younger than an hour), and the pool's include them; bad ranges and wallets are 400.
    let mine: serde_json::Value = get(&format!("/api/series?range=1h&wallet={}", wallet.key())).await.json().await.unwrap();
    assert_eq!(mine["bucket_secs"], 60);
    let points = mine["points"].as_array().unwrap();
    assert!(!points.is_empty() && points.iter().all(|p| p["t_ms"].as_i64().unwrap() % 60_000 == 0));
    let me_now: serde_json::Value = get(&format!("/api/miners/{}", wallet.key())).await.json().await.unwrap();
    assert_eq!(points.iter().map(|p| p["shares"].as_u64().unwrap()).sum::<u64>(), me_now["shares_accepted"].as_u64().unwrap());
    let day: serde_json::Value = get("/api/series?range=24h").await.json().await.unwrap();
    assert_eq!(day["bucket_secs"], 900);
    assert!(day["points"].as_array().unwrap().iter().map(|p| p["shares"].as_u64().unwrap()).sum::<u64>() >= me_now["shares_accepted"].as_u64().unwrap());
    assert_eq!(get("/api/series?range=7d").await.status(), 400);
    assert_eq!(get("/api/series?wallet=nope").await.status(), 400);
    if let Some(b) = &browser {
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp");
        std::fs::create_dir_all(&out).unwrap();
        trez_tests::screenshot(b, &format!("{base}/"), &out.join("dashboard-overview.png"), 1100, 1400).await;
        trez_tests::screenshot(b, &format!("{base}/miner/{}", wallet.key()), &out.join("dashboard-miner.png"), 1100, 1000).await;
        trez_tests::screenshot(b, &format!("{base}/"), &out.join("dashboard-overview-phone.png"), 390, 1400).await;
        trez_tests::screenshot(b, &format!("{base}/leaderboard"), &out.join("dashboard-leaderboard.png"), 1100, 700).await;
        trez_tests::screenshot(b, &format!("{base}/blocks"), &out.join("dashboard-blocks.png"), 1100, 1000).await;
    }

    // Bad input: coded 4xx, nothing else.
    assert_eq!(get("/api/miners/not-a-wallet").await.status(), 400);
    assert_eq!(get("/api/rounds/999999").await.status(), 404);

    // The miner's leaf proof for a credited round verifies against the on-chain Round's root, and its amount
    // is the miner's part of what the chain credited; bad input is a coded 4xx.
    let rounds: Vec<serde_json::Value> = get("/api/rounds").await.json().await.unwrap();
    let bc = rounds.iter().find(|r| r["status"] == "credited").expect("a credited round")["block_count"].as_u64().unwrap();
    let me = wallet.key().to_string();
    let pj: serde_json::Value = get(&format!("/api/rounds/{bc}/proof/{me}")).await.json().await.unwrap();
    let onchain = pc.round(bc).await.unwrap().unwrap();
    let hex32 = |v: &serde_json::Value| -> [u8; 32] { hex::decode(v.as_str().unwrap()).unwrap().try_into().unwrap() };
    let leaf = &pj["leaf"];
    let weight: u128 = leaf["weight"].as_str().unwrap().parse().unwrap();
    let hash = trez_pool::merkle::leaf_hash(&wallet.key().0, weight, leaf["shares"].as_u64().unwrap(), leaf["amount"].as_u64().unwrap());
    assert_eq!(hash, hex32(&pj["leaf_hash"]));
    let proof: Vec<[u8; 32]> = pj["proof"].as_array().unwrap().iter().map(hex32).collect();
    assert!(trez_pool::merkle::verify(hash, pj["index"].as_u64().unwrap() as u32, onchain.leaf_count, &proof, &onchain.leaves_root), "{pj}");
    assert_eq!(pj["leaf_count"].as_u64().unwrap(), onchain.leaf_count as u64);
    assert_eq!(get(&format!("/api/rounds/{bc}/proof/not-a-wallet")).await.status(), 400);
    assert_eq!(get(&format!("/api/rounds/{bc}/proof/{}", solana_sdk::pubkey::Pubkey::new_unique())).await.status(), 404);
    assert_eq!(get(&format!("/api/rounds/999999/proof/{me}")).await.status(), 404);

    let metrics = get("/metrics").await.text().await.unwrap();
    for name in ["trez_connections", "trez_shares_accepted_total", "trez_shares_rejected_total{reason=\"stale\"}", "trez_blocks_found_total", "trez_escrow_solvency_margin_base_units", "trez_template_age_seconds", "trez_paid_base_units", "trez_pool_hashrate_hps", "trez_miners_online"] {
        assert!(metrics.contains(name), "metrics lack {name}:\n{metrics}");
    }
    assert!(metrics.contains(&format!("trez_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"))), "{metrics}");
    // Counters are typed as counters, the rest as gauges; no time in milliseconds.
    for c in ["trez_shares_accepted_total", "trez_shares_rejected_total", "trez_blocks_found_total", "trez_blocks_lost_total", "trez_chain_errors_total"] {
        assert!(metrics.contains(&format!("# TYPE {c} counter")), "{c} is not a counter:\n{metrics}");
    }
    for g in ["trez_connections", "trez_template_age_seconds", "trez_pool_hashrate_hps", "trez_escrow_base_units"] {
        assert!(metrics.contains(&format!("# TYPE {g} gauge")), "{g} is not a gauge:\n{metrics}");
    }
    assert!(!metrics.contains("_ms "), "a metric in milliseconds:\n{metrics}");
    let hashrate: f64 = metrics.lines().find_map(|l| l.strip_prefix("trez_pool_hashrate_hps ")).unwrap().trim().parse().unwrap();
    assert!(hashrate > 0.0, "a miner mined here: {hashrate}");
    // Latency histograms have observations from this run (a block was found, submitted and acked).
    for h in ["trez_share_validation_seconds", "trez_share_ack_seconds", "trez_ledger_commit_seconds", "trez_solution_submit_seconds"] {
        let count: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{h}_count ")))
            .unwrap_or_else(|| panic!("no {h}_count in:\n{metrics}"))
            .trim()
            .parse()
            .unwrap();
        assert!(count > 0, "{h} has no observations");
        assert!(metrics.contains(&format!("{h}_bucket{{le=\"+Inf\"}} {count}")), "{h}: +Inf bucket must equal the count");
    }

    // The served record follows its published JSON Schema (docs/export.schema.json), and the schema is strict
    // enough to refuse a record with a field it does not define or a share signature that is not base58.
    let raw: serde_json::Value = get("/api/export").await.json().await.unwrap();
    let schema: serde_json::Value = serde_json::from_str(include_str!("../../docs/export.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&raw).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "/api/export does not follow docs/export.schema.json: {errors:?}");
    assert!(raw["rounds"][0]["shares"][0]["signature"].is_string(), "window shares carry their signatures");
    let mut extra = raw.clone();
    extra["rounds"][0]["shares"][0]["digest"] = serde_json::json!("00");
    assert!(!validator.is_valid(&extra));
    let mut bad_sig = raw.clone();
    bad_sig["rounds"][0]["shares"][0]["signature"] = serde_json::json!("0OIl");
    assert!(!validator.is_valid(&bad_sig));

    // The served record audits OK.
    let export: PoolExport = serde_json::from_value(raw).unwrap();
    let report = trez_relayer::audit::audit(&pc, &export).await.unwrap();
    assert!(report.ok, "{:?}", report);

    // What `trez-relayer audit --rpc-url … --pool … --api …` does: a read-only view over JSON-RPC (the chain
    // served as localnet serves it) and the record fetched from the API.
    let served = RpcServer::start(chain.clone(), "127.0.0.1:0".parse().unwrap(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let rpc: Arc<dyn ChainClient> = Arc::new(RpcChain::new(std::slice::from_ref(&served.http_url), Some(std::slice::from_ref(&served.ws_url))).unwrap());
    let observed = PoolChain::observe(rpc, pc.pool).await.unwrap();
    let record = trez_relayer::export::fetch(Some(&base), None).await.unwrap();
    let report = trez_relayer::audit::audit(&observed, &record).await.unwrap();
    assert!(report.ok, "audit over RPC + API: {:?}", report);
    assert!(report.payouts_checked >= 1);
    let metrics = get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("trez_relayer_sol_balance_lamports "), "no SOL balance gauge");
    p.stop().await.unwrap();
    let relayer_lamports = chain.get_account(&pc.relayer.pubkey()).await.unwrap().unwrap().lamports;

    // A relayer key below the configured SOL floor makes /health answer 503, naming it.
    let low = trez_tests::start_pipeline_with(pc.clone(), 12, |c| c.server.health_min_relayer_lamports = relayer_lamports + 1).await;
    let r = reqwest::get(format!("{}/health", low.base)).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["problems"].to_string().contains("relayer SOL balance"), "{body}");
    low.p.stop().await.unwrap();
}
