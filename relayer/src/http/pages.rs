//! Dashboard pages beyond the overview and the miner page: rounds (`/rounds`), one round (`/round/{n}`),
//! blocks (`/blocks`) and the leaderboard (`/leaderboard`). Each shows what its API endpoint serves (the
//! same function computes both; see [`super::activity`]); amounts carry their base units in `data-base`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::pda;

use super::activity::{self, Block, PER_PAGE};
use super::layout::{account_link, esc, miner_link, miner_link_bytes, page, page_number, pager, tokens, tx_link, when, PageError, DECIMALS};
use super::state::{internal, ApiError, ApiState};
use super::units;
use crate::ledger::{now_ms, SolutionStatus, TxKind};

/// Milliseconds as "850 ms", "4.2 s", "3 min 5 s".
pub fn millis(ms: i64) -> String {
    match ms {
        i64::MIN..=999 => format!("{} ms", ms.max(0)),
        1_000..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => units::duration((ms / 1000) as u64),
    }
}

fn amount(base_units: u64) -> String {
    format!(r#"<td data-base="{base_units}" title="{base_units} base units">{} TREZ</td>"#, tokens(base_units))
}

/// The rounds table (newest first), one page of it, for the overview and `/rounds`.
pub fn rounds_table(record: &activity::Record, page_no: usize, per_page: usize) -> String {
    let found = record.found_ms();
    let now = now_ms();
    let mut t = String::from(r#"<table id="rounds"><tr><th>block</th><th>found</th><th>reward</th><th>of which bonus</th><th>fee</th><th>members</th><th>root</th><th>status</th></tr>"#);
    for r in record.rounds.iter().rev().skip((page_no - 1) * per_page).take(per_page) {
        t += &format!(
            r#"<tr><td><a href="/round/{bc}">{bc}</a></td><td>{}</td>{}{}{}<td>{}</td><td><code>{}…</code></td><td>{}</td></tr>"#,
            found.get(&r.solution_id).map(|ms| when(*ms, now)).unwrap_or_default(),
            amount(r.reward),
            amount(r.bonus),
            amount(r.fee),
            r.leaf_count,
            &hex::encode(r.leaves_root)[..16],
            r.status,
            bc = r.block_count,
        );
    }
    t + "</table>"
}

/// `/rounds?page=N`.
pub async fn rounds(State(s): State<ApiState>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, PageError> {
    let record = activity::Record::read(&s).await?;
    let total = record.rounds.len();
    let p = page_number(&q, total, PER_PAGE)?;
    let table = rounds_table(&record, p, PER_PAGE);
    Ok(page("Rounds", &format!(r#"<p class="note">Rounds the pool landed and split (<a href="/api/rounds">data</a>).</p>{table}{}"#, pager("/rounds", p, total, PER_PAGE))))
}

/// `/round/{n}?page=N`: one round, its transactions and its leaves with proof downloads.
pub async fn round(State(s): State<ApiState>, Path(n): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, PageError> {
    let n: u64 = n.parse().map_err(|_| ApiError(StatusCode::BAD_REQUEST, format!("not a block number: {n}")))?;
    let Some((row, leaves)) = s.ledger.round(n).await.map_err(internal)? else { return Err(ApiError(StatusCode::NOT_FOUND, format!("no round {n}")).into()) };
    let cluster = s.shared.config.server.explorer_cluster.clone();
    let onchain = s.pc.round(n).await.map_err(internal)?;
    let sol = s.ledger.all_solutions().await.map_err(internal)?.into_iter().find(|x| x.id == row.solution_id);
    let window = s.ledger.round_window(n).await.map_err(internal)?;
    let now = now_ms();
    // N = factor × 2^bits in weight units; a u128 holds any real difficulty, so "beyond u128" is only ever a
    // corrupt row, shown as such rather than as a number.
    let window_n = 1u128.checked_shl(row.network_bits).and_then(|w| w.checked_mul(row.pplns_factor as u128)).map_or_else(|| "beyond u128".to_string(), |n| n.to_string());
    let mut body = format!(
        r#"<table id="round">
<tr><th>block</th><td id="block_count">{n}</td></tr>
<tr><th>found</th><td>{found}</td></tr>
<tr><th>found by</th><td>{finder}</td></tr>
<tr><th>landed in</th><td>{landed}</td></tr>
<tr><th>reward</th>{reward}</tr>
<tr><th>of which TREZ bonus</th>{bonus}</tr>
<tr><th>pool fee</th>{fee}</tr>
<tr><th>network difficulty</th><td id="network_bits">{bits}</td><td>bits</td></tr>
<tr><th>PPLNS window</th><td id="window_n">{window_n}</td><td>weight units = {factor} × 2^{bits}; {shares} shares (<a href="/api/rounds/{n}">the record</a>)</td></tr>
<tr><th>members</th><td id="leaf_count">{leaf_count}</td></tr>
<tr><th>leaves root</th><td><code id="leaves_root">{root}</code></td></tr>
<tr><th>ledger status</th><td id="status">{status}</td></tr>
<tr><th>on-chain Round</th><td>{round_acc}</td><td id="onchain_status">{onchain_status}</td></tr>
<tr><th>credited on-chain</th>{credited}</tr>
</table>"#,
        found = sol.as_ref().map(|x| when(x.found_ms, now)).unwrap_or_default(),
        finder = sol.as_ref().map(|x| miner_link_bytes(&x.wallet)).unwrap_or_default(),
        landed = sol.as_ref().filter(|x| x.status != SolutionStatus::Pending).map(|x| millis(x.settled_ms - x.found_ms)).unwrap_or_default(),
        reward = units::amount_cell("reward", row.reward, DECIMALS),
        bonus = units::amount_cell("bonus", row.bonus, DECIMALS),
        fee = units::amount_cell("fee", row.fee, DECIMALS),
        bits = row.network_bits,
        factor = row.pplns_factor,
        shares = window.len(),
        leaf_count = row.leaf_count,
        root = hex::encode(row.leaves_root),
        status = row.status,
        round_acc = account_link(&pda::round(&s.pc.pool, n).to_string(), &cluster),
        onchain_status = onchain.as_ref().map(|r| format!("{:?}", r.status)).unwrap_or_else(|| "not found".into()),
        credited = onchain.as_ref().map_or_else(|| r#"<td id="onchain_credited">no Round account</td>"#.to_string(), |r| units::amount_cell("onchain_credited", r.credited, DECIMALS)),
    );
    body += "<h2>Transactions</h2><table id=\"txs\"><tr><th>what</th><th>transaction</th></tr>";
    if let Some(sig) = sol.as_ref().and_then(|x| x.signature.as_deref()) {
        body += &format!("<tr><td>submit_solution</td><td>{}</td></tr>", tx_link(sig, &cluster));
    }
    for (kind, label) in [(TxKind::BeginCredit, "begin_credit"), (TxKind::CreditBatch, "credit_batch")] {
        for t in s.ledger.txs(kind).await.map_err(internal)?.iter().filter(|t| t.block_count == Some(n)) {
            let batch = t.batch.map(|b| format!(" #{b}")).unwrap_or_default();
            body += &format!("<tr><td>{label}{batch}</td><td>{}</td></tr>", tx_link(&t.signature, &cluster));
        }
    }
    let p = page_number(&q, leaves.len(), PER_PAGE)?;
    body += r#"</table><h2>Leaves</h2><p class="note">In merkle order (docs/SPEC.md §6). Each proof proves its leaf against the on-chain root.</p><table id="leaves"><tr><th>#</th><th>wallet</th><th>shares</th><th>weight</th><th>amount</th><th>proof</th></tr>"#;
    for (i, l) in leaves.iter().enumerate().skip((p - 1) * PER_PAGE).take(PER_PAGE) {
        let w = Pubkey::new_from_array(l.wallet);
        body += &format!(
            r#"<tr><td>{i}</td><td>{}</td><td>{}</td><td>{}</td>{}<td><a href="/api/rounds/{n}/proof/{w}" download="round-{n}-{w}.json">proof</a></td></tr>"#,
            miner_link_bytes(&l.wallet),
            l.shares,
            l.weight,
            amount(l.amount)
        );
    }
    body += "</table>";
    body += &pager(&format!("/round/{n}"), p, leaves.len(), PER_PAGE);
    Ok(page(&format!("Round {n}"), &body))
}

/// The blocks table rows (newest first) of `blocks`.
pub fn blocks_table(blocks: &[Block], cluster: &str) -> String {
    let now = now_ms();
    let mut t = String::from(r#"<table id="blocks"><tr><th>block</th><th>status</th><th>found</th><th>time to land</th><th>since previous</th><th>network bits</th><th>reward</th><th>found by</th><th>transaction</th></tr>"#);
    for b in blocks {
        let link = if b.reward.is_some() { format!(r#"<a href="/round/{0}">{0}</a>"#, b.block_count) } else { b.block_count.to_string() };
        let status = match (&b.status, &b.reason) {
            (SolutionStatus::Lost, Some(r)) => format!(r#"<span class="lost">lost</span>: {}"#, esc(r)),
            (st, _) => st.to_string(),
        };
        t += &format!(
            "<tr><td>{link}</td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td></tr>",
            when(b.found_ms, now),
            b.time_to_land_ms.map(millis).unwrap_or_default(),
            b.since_previous_ms.map(millis).unwrap_or_default(),
            b.network_bits.map(|x| x.to_string()).unwrap_or_default(),
            b.reward.map(amount).unwrap_or_else(|| "<td></td>".into()),
            miner_link(&b.wallet),
            b.signature.as_deref().map(|sig| tx_link(sig, cluster)).unwrap_or_default(),
        );
    }
    t + "</table>"
}

/// The block charts (last 24 h): blocks per hour, network difficulty and time between blocks.
pub fn block_charts(blocks: &[Block]) -> String {
    let now = now_ms();
    let per_hour = activity::blocks_per_hour(blocks, now);
    let day = now - 86_400_000;
    let landed: Vec<&Block> = blocks.iter().rev().filter(|b| b.found_ms >= day && b.network_bits.is_some()).collect();
    let bits: Vec<(i64, f64)> = landed.iter().filter_map(|b| b.network_bits.map(|n| (b.found_ms, n as f64))).collect();
    let gaps: Vec<(i64, f64)> = landed.iter().filter_map(|b| b.since_previous_ms.map(|g| (b.found_ms, g as f64 / 1000.0))).collect();
    format!(
        r#"<section id="block-charts"><h2>Blocks, last 24 h</h2><div class="charts">{}{}{}</div><p class="note">Blocks per hour: 3 600 s buckets (<a href="/api/blocks/series?range=24h">data</a>); difficulty and block times: one point per landed block (<a href="/api/blocks">data</a>).</p></section>"#,
        units::time_chart("Blocks landed per hour", &per_hour.iter().map(|(t, n, _)| (*t, *n as f64)).collect::<Vec<_>>(), day, now, "−24 h", |v| format!("{v:.0} blocks")),
        units::time_chart("Network difficulty (bits)", &bits, day, now, "−24 h", |v| format!("{v:.0} bits")),
        units::time_chart("Time since the previous block", &gaps, day, now, "−24 h", |v| millis((v * 1000.0) as i64)),
    )
}

/// `/blocks?page=N`.
pub async fn blocks(State(s): State<ApiState>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, PageError> {
    let all = activity::Record::read(&s).await?.blocks();
    let p = page_number(&q, all.len(), PER_PAGE)?;
    let rows: Vec<Block> = all.iter().skip((p - 1) * PER_PAGE).take(PER_PAGE).cloned().collect();
    let landed = all.iter().filter(|b| b.time_to_land_ms.is_some()).count();
    let lost = all.iter().filter(|b| b.status == SolutionStatus::Lost).count();
    let body = format!(
        r#"<p>Found <span id="blocks_found">{}</span>, landed <span id="blocks_landed">{landed}</span>, lost <span id="blocks_lost">{lost}</span>.</p>{}{}{}"#,
        all.len(),
        block_charts(&all),
        blocks_table(&rows, &s.shared.config.server.explorer_cluster),
        pager("/blocks", p, all.len(), PER_PAGE)
    );
    Ok(page("Blocks", &body))
}

/// `/leaderboard`.
pub async fn leaderboard(State(s): State<ApiState>) -> Result<Html<String>, PageError> {
    let b = activity::leaderboard(&s).await?;
    let now = now_ms();
    let mut body = String::from(r#"<h2>By hashrate, last 24 h</h2><p class="note">Average since the start of the hour 24 h ago: Σ 2^share_bits ÷ the seconds since then (<a href="/api/leaderboard">data</a>).</p><table id="by_hashrate"><tr><th>#</th><th>miner</th><th>hashrate</th><th>shares</th><th>last share</th></tr>"#);
    for (i, r) in b.by_hashrate.iter().enumerate() {
        body += &format!(
            r#"<tr><td>{}</td><td>{}</td><td data-base="{}">{}</td><td>{}</td><td>{}</td></tr>"#,
            i + 1,
            miner_link(&r.wallet),
            r.hashrate,
            units::hashrate(r.hashrate),
            r.shares,
            when(r.last_share_ms, now)
        );
    }
    body += r#"</table><h2>By credited</h2><table id="by_credited"><tr><th>#</th><th>miner</th><th>credited</th><th>rounds</th></tr>"#;
    for (i, r) in b.by_credited.iter().enumerate() {
        body += &format!("<tr><td>{}</td><td>{}</td>{}<td>{}</td></tr>", i + 1, miner_link(&r.wallet), amount(r.credited), r.rounds);
    }
    Ok(page("Leaderboard", &(body + "</table>")))
}
