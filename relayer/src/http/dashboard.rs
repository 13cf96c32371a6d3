//! The operator and miner dashboard: plain server-rendered HTML over the same data as the JSON API (no
//! scripts). `/` shows the pool, recent rounds and payouts (with explorer links); `/miner/{wallet}` one
//! miner. Every value that comes from a miner (worker names) is HTML-escaped.

use axum::extract::{Path, State};
use axum::response::Html;
use solana_sdk::pubkey::Pubkey;
use trez_sdk::pda;

use super::state::{internal, ApiError, ApiState, HASHRATE_WINDOW_SECS};
use super::units;

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A transaction link on the Solana explorer (cluster from `[server].explorer_cluster`).
fn tx_link(sig: &str, cluster: &str) -> String {
    let sig = esc(sig);
    format!(r#"<a href="https://explorer.solana.com/tx/{sig}?cluster={}">{}…</a>"#, esc(cluster), &sig[..sig.len().min(12)])
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{t}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;margin:1em;max-width:70em}}table{{border-collapse:collapse;max-width:100%}}td,th{{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}}code{{font-size:.9em;word-break:break-all}}.chart svg{{width:100%;height:auto;border:1px solid #eee}}figure{{margin:1em 0}}.note{{color:#555;font-size:.9em}}</style>
</head><body><h1>{t}</h1>{body}</body></html>"#,
        t = esc(title)
    ))
}

/// Decimals of the pool's mint (TREZ; the pool program refuses any other mint).
const DECIMALS: u8 = trez_mining::constants::TREZ_DECIMALS;

fn tokens(base_units: u64) -> String {
    units::tokens(base_units, DECIMALS)
}

/// A signed amount cell (the solvency margin may be negative).
fn signed_cell(id: &str, base_units: i128) -> String {
    let sign = if base_units < 0 { "−" } else { "" };
    let abs = u64::try_from(base_units.unsigned_abs()).unwrap_or(u64::MAX);
    format!(r#"<td id="{id}" data-base="{base_units}" title="{base_units} base units">{sign}{} TREZ</td>"#, tokens(abs))
}

/// The last hour of `wallet`'s (or the pool's) shares as two charts: hashrate and shares per minute.
async fn charts(s: &ApiState, wallet: Option<[u8; 32]>, who: &str) -> Result<String, ApiError> {
    let (range, bucket) = super::api::SERIES_1H;
    let now = crate::ledger::now_ms();
    let since = now - range * 1000;
    let pts = s.ledger.share_series(wallet, since - since % (bucket * 1000), bucket * 1000).await.map_err(internal)?;
    let hr: Vec<(i64, f64)> = pts.iter().map(|p| (p.t_ms, p.work / bucket as f64)).collect();
    let shares: Vec<(i64, f64)> = pts.iter().map(|p| (p.t_ms, p.shares as f64)).collect();
    Ok(format!(
        r#"<section id="charts"><h2>Last hour</h2>{}{}<p class="note">One point per minute (<a href="/api/series?range=1h{}">data</a>); the newest minute is partial.</p></section>"#,
        units::line_chart(&format!("{who} hashrate"), &hr, units::hashrate),
        units::line_chart(&format!("{who} shares per minute"), &shares, |v| format!("{v:.0} shares")),
        wallet.map(|w| format!("&wallet={}", Pubkey::new_from_array(w))).unwrap_or_default(),
    ))
}

/// `/`: pool overview, rounds, payouts.
pub async fn index(State(s): State<ApiState>) -> Result<Html<String>, ApiError> {
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
</table>
<form action="/miner" method="get"><p>Miner: <input name="wallet" size="48"> <button>show</button></p></form>"#,
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
    );
    body += &charts(&s, None, "Pool").await?;
    body += "<h2>Rounds</h2><table id=\"rounds\"><tr><th>block</th><th>reward</th><th>fee</th><th>members</th><th>root</th><th>status</th></tr>";
    for r in s.ledger.rounds().await.map_err(internal)?.iter().rev().take(50) {
        body += &format!(
            "<tr><td>{}</td><td title=\"{} base units, of which {} bonus\">{} TREZ</td><td title=\"{} base units\">{} TREZ</td><td>{}</td><td><code>{}…</code></td><td>{}</td></tr>",
            r.block_count,
            r.reward,
            r.bonus,
            tokens(r.reward),
            r.fee,
            tokens(r.fee),
            r.leaf_count,
            &hex::encode(r.leaves_root)[..16],
            esc(r.status.as_str())
        );
    }
    body += "</table><h2>Payouts</h2><table id=\"payouts\"><tr><th>transaction</th><th>wallet</th><th>amount</th><th>kind</th></tr>";
    for p in s.ledger.payouts().await.map_err(internal)?.iter().rev().take(100) {
        let w = Pubkey::new_from_array(p.wallet);
        body += &format!(
            r#"<tr><td>{}</td><td><a href="/miner/{w}"><code>{w}</code></a></td><td title="{} base units">{} TREZ</td><td>{}</td></tr>"#,
            tx_link(&p.signature, &cluster),
            p.amount,
            tokens(p.amount),
            p.kind.as_str()
        );
    }
    body += "</table>";
    Ok(page("TREZ pool", &body))
}

/// `/miner?wallet=…` redirects to `/miner/{wallet}`.
pub async fn miner_query(axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>) -> axum::response::Redirect {
    let w = q.get("wallet").map(|w| w.trim().to_string()).unwrap_or_default();
    axum::response::Redirect::to(&format!("/miner/{}", esc(&w)))
}

/// `/miner/{wallet}`: one miner.
pub async fn miner(State(s): State<ApiState>, Path(wallet): Path<String>) -> Result<Html<String>, ApiError> {
    let w: Pubkey = wallet.parse().map_err(|_| ApiError(axum::http::StatusCode::BAD_REQUEST, format!("not a wallet address: {wallet}")))?;
    let act = s.ledger.miner_activity(w.to_bytes(), HASHRATE_WINDOW_SECS).await.map_err(internal)?;
    let m = s.pc.members(&[w]).await.map_err(internal)?.pop().flatten();
    let workers: Vec<String> = act.workers.iter().map(|x| esc(x)).collect();
    // Rejects by reason since the relayer started (in memory, as `/api/miners/{wallet}`).
    let rejected = s.shared.stats.rejected_for(&w.to_bytes());
    let reasons: Vec<String> = trez_protocol::RejectReason::ALL
        .iter()
        .filter(|r| rejected[**r as usize] > 0)
        .map(|r| format!("{}: {}", r.as_str(), rejected[*r as usize]))
        .collect();
    let body = format!(
        r#"<p><a href="/">← pool</a></p><table id="miner">
<tr><th>wallet</th><td><code>{w}</code></td></tr>
<tr><th>hashrate</th><td id="hashrate" data-base="{hr_raw}" title="{hr_raw:.0} H/s">{hr}</td><td>shares of the last 10 min{span}</td></tr>
<tr><th>shares accepted</th><td id="shares_accepted">{shares}</td></tr>
<tr><th>shares rejected</th><td id="shares_rejected">{rejected_total}</td><td id="rejected_reasons">{reasons}</td></tr>
<tr><th>credited</th>{credited}</tr>
<tr><th>paid</th>{paid}</tr>
<tr><th>pending</th>{pending}</tr>
<tr><th>workers</th><td id="workers">{workers}</td></tr>
</table>"#,
        hr_raw = act.recent_work / act.recent_secs,
        hr = units::hashrate(act.recent_work / act.recent_secs),
        span = if act.recent_secs < HASHRATE_WINDOW_SECS as f64 { format!(" (the {} they cover)", units::duration(act.recent_secs as u64)) } else { String::new() },
        shares = act.shares,
        rejected_total = rejected.iter().sum::<u64>(),
        reasons = esc(&reasons.join(", ")),
        credited = units::amount_cell("credited", m.as_ref().map(|m| m.credited).unwrap_or(0), DECIMALS),
        paid = units::amount_cell("paid", m.as_ref().map(|m| m.paid).unwrap_or(0), DECIMALS),
        pending = units::amount_cell("pending", m.as_ref().map(|m| m.pending()).transpose().map_err(|e| internal(format!("member account: {e}")))?.unwrap_or(0), DECIMALS),
        workers = workers.join(", "),
    );
    let body = body + &charts(&s, Some(w.to_bytes()), "Miner").await?;
    Ok(page("TREZ pool: miner", &body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(super::esc(r#"<script>alert('x')</script>&"#), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
        assert_eq!(super::tokens(1_234_567), "1.234567");
    }
}
