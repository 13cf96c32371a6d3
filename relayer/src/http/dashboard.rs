//! The overview (`/`) and the miner page (`/miner/{wallet}`): server-rendered HTML over the same data as the
//! JSON API. Every value that comes from a miner (worker names) is HTML-escaped. Frame, times and pagination
//! are in [`super::layout`]; the other pages in [`super::pages`].

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Html;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::pda;

use super::activity::{self, PER_PAGE};
use super::layout::{esc, page, page_number, pager, tokens, tx_link, wallet, when, PageError, DECIMALS};
use super::pages;
use super::state::{internal, ApiError, ApiState, HASHRATE_WINDOW_SECS};
use super::units;
use crate::ledger::now_ms;

/// A signed amount cell (the solvency margin may be negative).
fn signed_cell(id: &str, base_units: i128) -> String {
    let sign = if base_units < 0 { "−" } else { "" };
    let abs = u64::try_from(base_units.unsigned_abs()).unwrap_or(u64::MAX);
    format!(r#"<td id="{id}" data-base="{base_units}" title="{base_units} base units">{sign}{} TREZ</td>"#, tokens(abs))
}

/// `wallet`'s (or the pool's) shares over the last hour (60 s buckets) or day (900 s buckets) as two charts:
/// hashrate and shares per bucket.
async fn charts(s: &ApiState, wallet: Option<[u8; 32]>, who: &str, day: bool) -> Result<String, ApiError> {
    let ((range, bucket), name, per) = if day { (super::api::SERIES_24H, "24h", "15 min") } else { (super::api::SERIES_1H, "1h", "minute") };
    let now = now_ms();
    let since = activity::series_start(now, range, bucket);
    let span = if day { "−24 h" } else { "−1 h" };
    let pts = s.ledger.share_series(wallet, since, bucket * 1000).await.map_err(internal)?;
    let hr: Vec<(i64, f64)> = pts.iter().map(|p| (p.t_ms, p.work / bucket as f64)).collect();
    let shares: Vec<(i64, f64)> = pts.iter().map(|p| (p.t_ms, p.shares as f64)).collect();
    Ok(format!(
        r#"<section id="charts-{name}"><h2>Last {span}</h2><div class="charts">{}{}</div><p class="note">One point per {per} (<a href="/api/series?range={name}{}">data</a>); the newest is partial.</p></section>"#,
        units::time_chart(&format!("{who} hashrate"), &hr, since, now, span, units::hashrate),
        units::time_chart(&format!("{who} shares per {per}"), &shares, since, now, span, |v| format!("{v:.0} shares")),
        wallet.map(|w| format!("&wallet={}", Pubkey::new_from_array(w))).unwrap_or_default(),
        span = if day { "24 hours" } else { "hour" },
    ))
}

/// `/?page=N`: pool overview, charts, recent rounds, payouts (paginated).
pub async fn index(State(s): State<ApiState>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, PageError> {
    let cluster = s.shared.config.server.explorer_cluster.clone();
    let p = s.pc.pool_account().await.map_err(internal)?;
    let t = s.pc.trez_state().await.map_err(internal)?;
    let escrow = s.pc.token_balance(&pda::escrow(&s.pc.pool)).await.map_err(internal)?;
    let owed = p.owed().map_err(|e| internal(format!("{e:?}")))?;
    let (hashrate, miners) = s.ledger.recent_work(HASHRATE_WINDOW_SECS).await.map_err(internal)?;
    let mut body = format!(
        r#"<table id="pool">
<tr><th>pool</th><td><code>{pool}</code></td></tr>
<tr><th>miner key (authority)</th><td><code>{auth}</code></td></tr>
<tr><th>fee</th><td id="fee_bps">{fee}</td><td>bps (cap {cap})</td></tr>
<tr><th>network difficulty</th><td id="network_difficulty">{diff}</td><td>bits, TREZ block {bc}</td></tr>
<tr><th>TREZ block reward</th><td id="block_reward">{reward_t}</td><td>TREZ + {bonus_t} TREZ bonus, era {era}</td></tr>
<tr><th>hashrate</th><td id="hashrate" data-base="{hr_raw}" title="{hr_raw:.0} H/s">{hr}</td><td>shares of the last 10 min</td></tr>
<tr><th>miners online</th><td id="miners_online">{miners}</td></tr>
<tr><th>escrow</th>{escrow}</tr>
<tr><th>owed</th>{owed}</tr>
<tr><th>solvency margin</th>{margin}</tr>
<tr><th>credited / paid</th>{credited}{paid}</tr>
<tr><th>automatic payout from</th>{min_payout}</tr>
</table>"#,
        pool = s.pc.pool,
        reward_t = tokens(t.reward),
        bonus_t = tokens(t.referral_bonus),
        era = t.era,
        auth = s.pc.authority,
        fee = p.fee_bps,
        cap = p.max_fee_bps,
        diff = t.difficulty_high,
        bc = t.block_count,
        hr_raw = hashrate,
        hr = units::hashrate(hashrate),
        escrow = units::amount_cell("escrow_balance", escrow, DECIMALS),
        owed = units::amount_cell("owed", owed, DECIMALS),
        margin = signed_cell("solvency_margin", escrow as i128 - owed as i128),
        credited = units::amount_cell("credited", p.credited, DECIMALS),
        paid = units::amount_cell("paid", p.paid, DECIMALS),
        min_payout = units::amount_cell("min_payout", p.min_payout, DECIMALS),
    );
    body += &charts(&s, None, "Pool", false).await?;
    body += &charts(&s, None, "Pool", true).await?;
    let record = activity::Record::read(&s).await?;
    body += &pages::block_charts(&record.blocks());
    body += &format!(
        r#"<h2>Recent rounds</h2>{}<p><a href="/rounds">all {} rounds →</a> · <a href="/blocks">blocks, found and lost →</a></p>"#,
        pages::rounds_table(&record, 1, 10),
        record.rounds.len()
    );
    let transfers = activity::transfers(&s, None).await?;
    let pn = page_number(&q, transfers.len(), PER_PAGE)?;
    let now = now_ms();
    body += r#"<h2 id="payouts-title">Payouts</h2><table id="payouts"><tr><th>when</th><th>transaction</th><th>wallet</th><th>amount</th><th>kind</th></tr>"#;
    for (w, x) in transfers.iter().skip((pn - 1) * PER_PAGE).take(PER_PAGE) {
        body += &format!(
            r#"<tr><td>{}</td><td>{}</td><td><a href="/miner/{w}"><code>{w}</code></a></td><td data-base="{}" title="{} base units">{} TREZ</td><td>{}</td></tr>"#,
            when(x.created_ms, now),
            tx_link(&x.signature, &cluster),
            x.amount,
            x.amount,
            tokens(x.amount),
            x.kind.as_str()
        );
    }
    body += "</table>";
    body += &pager("/", pn, transfers.len(), PER_PAGE);
    Ok(page("TREZ pool", &body))
}

/// `/miner?wallet=…` (the search box): redirects to `/miner/{wallet}`; 400 with the reason for an input that
/// is not a wallet address.
pub async fn miner_query(Query(q): Query<HashMap<String, String>>) -> Result<axum::response::Redirect, PageError> {
    let w = wallet(q.get("wallet").map(String::as_str).unwrap_or(""))?;
    Ok(axum::response::Redirect::to(&format!("/miner/{w}")))
}

/// `/miner/{wallet}?page=N`: one miner: balance, hashrate, workers, charts, credits per round (paginated),
/// payouts.
pub async fn miner(State(s): State<ApiState>, Path(w): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, PageError> {
    let w = wallet(&w)?;
    let cluster = s.shared.config.server.explorer_cluster.clone();
    let act = s.ledger.miner_activity(w.to_bytes(), HASHRATE_WINDOW_SECS).await.map_err(internal)?;
    let m = s.pc.members(&[w]).await.map_err(internal)?.pop().flatten();
    let pool = s.pc.pool_account().await.map_err(internal)?;
    let workers: Vec<String> = act.workers.iter().map(|x| esc(x)).collect();
    // Rejects by reason since the relayer started (in memory, as `/api/miners/{wallet}`).
    let rejected = s.shared.stats.rejected_for(&w.to_bytes());
    let reasons: Vec<String> = trez_protocol::RejectReason::ALL
        .iter()
        .filter(|r| rejected[**r as usize] > 0)
        .map(|r| format!("{}: {}", r.as_str(), rejected[*r as usize]))
        .collect();
    let pending = m.as_ref().map(|m| m.pending()).transpose().map_err(|e| internal(format!("member account: {e}")))?.unwrap_or(0);
    let now = now_ms();
    let mut body = format!(
        r#"<table id="miner">
<tr><th>wallet</th><td><code>{w}</code></td></tr>
<tr><th>hashrate</th><td id="hashrate" data-base="{hr_raw}" title="{hr_raw:.0} H/s">{hr}</td><td>shares of the last 10 min{span}</td></tr>
<tr><th>shares accepted</th><td id="shares_accepted">{shares}</td></tr>
<tr><th>last share</th><td id="last_share">{last}</td></tr>
<tr><th>shares rejected</th><td id="shares_rejected">{rejected_total}</td><td id="rejected_reasons">{reasons}</td></tr>
<tr><th>credited</th>{credited}</tr>
<tr><th>paid</th>{paid}</tr>
<tr><th>pending</th>{pending}</tr>
<tr><th>claimable now</th>{claimable}<td>any amount, with <code>trez-miner claim</code>; paid automatically from {min} TREZ</td></tr>
<tr><th>workers</th><td id="workers">{workers}</td></tr>
</table>"#,
        hr_raw = act.recent_work / act.recent_secs,
        hr = units::hashrate(act.recent_work / act.recent_secs),
        span = if act.recent_secs < HASHRATE_WINDOW_SECS as f64 { format!(" (the {} they cover)", units::duration(act.recent_secs as u64)) } else { String::new() },
        shares = act.shares,
        last = act.last_share_ms.map(|ms| when(ms, now)).unwrap_or_else(|| "never".into()),
        rejected_total = rejected.iter().sum::<u64>(),
        reasons = esc(&reasons.join(", ")),
        credited = units::amount_cell("credited", m.as_ref().map(|m| m.credited).unwrap_or(0), DECIMALS),
        paid = units::amount_cell("paid", m.as_ref().map(|m| m.paid).unwrap_or(0), DECIMALS),
        pending = units::amount_cell("pending", pending, DECIMALS),
        claimable = units::amount_cell("claimable", pending, DECIMALS),
        min = tokens(pool.min_payout),
        workers = workers.join(", "),
    );
    body += &charts(&s, Some(w.to_bytes()), "Miner", false).await?;
    // Workers over the last 24 h (as `/api/miners/{wallet}/workers?range=24h`): a row and a hashrate chart each
    // (the first 8 charted).
    let (_, range_secs, bucket, ws) = activity::workers(&s, &w, Some("24h")).await?;
    let since = activity::series_start(now, range_secs, bucket);
    body += r#"<h2>Workers, last 24 h</h2><table id="worker_table"><tr><th>worker</th><th>hashrate (24 h average)</th><th>shares</th><th>last share</th></tr>"#;
    let mut worker_charts = String::new();
    for (i, x) in ws.iter().enumerate() {
        body += &format!(
            r#"<tr><td>{}</td><td data-base="{}">{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&x.worker),
            x.hashrate,
            units::hashrate(x.hashrate),
            x.shares,
            when(x.last_share_ms, now)
        );
        if i < 8 {
            let pts: Vec<(i64, f64)> = x.points.iter().map(|p| (p.t_ms, p.hashrate)).collect();
            worker_charts += &units::time_chart(&format!("{} hashrate", x.worker), &pts, since, now, "−24 h", units::hashrate);
        }
    }
    body += &format!(r#"</table><div class="charts">{worker_charts}</div><p class="note">One point per 15 min (<a href="/api/miners/{w}/workers?range=24h">data</a>).</p>"#);
    // Credits per round: a chart of the newest 100 and a paginated table.
    let credits = activity::credits(&s, &w).await?;
    let pts: Vec<(i64, f64)> = credits.iter().take(100).rev().map(|c| (c.block_count as i64, c.amount as f64 / 10f64.powi(DECIMALS as i32))).collect();
    body += &format!(r#"<h2>Credits per round</h2>{}"#, units::line_chart("TREZ credited per round (by block)", &pts, |v| format!("{v:.2} TREZ")));
    let pn = page_number(&q, credits.len(), PER_PAGE)?;
    body += r#"<table id="credits"><tr><th>block</th><th>shares</th><th>amount</th><th>round</th><th>proof</th></tr>"#;
    for c in credits.iter().skip((pn - 1) * PER_PAGE).take(PER_PAGE) {
        body += &format!(
            r#"<tr><td><a href="/round/{bc}">{bc}</a></td><td>{}</td><td data-base="{a}" title="{a} base units">{} TREZ</td><td>{}</td><td><a href="/api/rounds/{bc}/proof/{w}" download="round-{bc}-{w}.json">proof</a></td></tr>"#,
            c.shares,
            tokens(c.amount),
            c.round_status.map(|r| r.to_string()).unwrap_or_default(),
            bc = c.block_count,
            a = c.amount,
        );
    }
    body += "</table>";
    body += &pager(&format!("/miner/{w}"), pn, credits.len(), PER_PAGE);
    body += r#"<h2>Payouts</h2><table id="miner_payouts"><tr><th>when</th><th>transaction</th><th>amount</th><th>kind</th></tr>"#;
    for (_, x) in activity::transfers(&s, Some(&w)).await?.iter().take(100) {
        body += &format!(
            r#"<tr><td>{}</td><td>{}</td><td data-base="{a}" title="{a} base units">{} TREZ</td><td>{}</td></tr>"#,
            when(x.created_ms, now),
            tx_link(&x.signature, &cluster),
            tokens(x.amount),
            x.kind.as_str(),
            a = x.amount,
        );
    }
    body += &format!(r#"</table><p class="note">The newest 100 (<a href="/api/miners/{w}/payouts">all</a>).</p>"#);
    Ok(page("Miner", &body))
}
