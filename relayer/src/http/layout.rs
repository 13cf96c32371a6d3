//! What every dashboard page shares: the frame (navigation, wallet search, styles, the one inline script),
//! escaping, links, times, amounts, pagination and HTML errors.
//!
//! The pages work without scripts. The one inline script only rewrites each `<time data-ms>` into the
//! viewer's local time zone (the server writes UTC); nothing is loaded from elsewhere.

use std::time::{Duration, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::state::ApiError;
use super::units;

/// Escape text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Decimals of the pool's mint (TREZ; the pool program refuses any other mint).
pub const DECIMALS: u8 = trez_mining::constants::TREZ_DECIMALS;

/// Base units as TREZ for the eye ("53", "1.5").
pub fn tokens(base_units: u64) -> String {
    units::tokens(base_units, DECIMALS)
}

/// A transaction link on the Solana explorer (cluster from `[server].explorer_cluster`).
pub fn tx_link(sig: &str, cluster: &str) -> String {
    let sig = esc(sig);
    format!(r#"<a href="https://explorer.solana.com/tx/{sig}?cluster={}">{}…</a>"#, esc(cluster), &sig[..sig.len().min(12)])
}

/// An account link on the Solana explorer.
pub fn account_link(key: &str, cluster: &str) -> String {
    let key = esc(key);
    format!(r#"<a href="https://explorer.solana.com/address/{key}?cluster={}"><code>{key}</code></a>"#, esc(cluster))
}

/// A wallet (base58) linking to its miner page, shortened for tables.
pub fn miner_link(wallet: &str) -> String {
    let w = esc(wallet);
    let short = if w.len() > 12 && w.is_ascii() { format!("{}…{}", &w[..6], &w[w.len() - 4..]) } else { w.clone() };
    format!(r#"<a href="/miner/{w}"><code title="{w}">{short}</code></a>"#)
}

/// [`miner_link`] for a wallet's bytes.
pub fn miner_link_bytes(wallet: &[u8; 32]) -> String {
    miner_link(&solana_sdk::pubkey::Pubkey::new_from_array(*wallet).to_string())
}

/// "3 min ago" for an age in seconds.
pub fn ago(secs: i64) -> String {
    match secs {
        i64::MIN..=4 => "just now".into(),
        5..=59 => format!("{secs} s ago"),
        60..=3_599 => format!("{} min ago", secs / 60),
        3_600..=86_399 => format!("{} h ago", secs / 3_600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// A time (unix ms) as UTC in a `<time>` (the inline script shows it in the viewer's zone), with its age.
pub fn when(ms: i64, now_ms: i64) -> String {
    let iso = humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)).to_string();
    let shown = iso.replace('T', " ").replace('Z', " UTC");
    format!(r#"<time datetime="{iso}" data-ms="{ms}">{shown}</time> <span class="ago">({})</span>"#, ago((now_ms - ms) / 1000))
}

/// The 1-based page asked for in `?page=`, checked against `total` items at `per_page`: 400 for a page that is
/// not a number ≥ 1 or lies past the last (an empty list has one, empty, page).
pub fn page_number(q: &std::collections::HashMap<String, String>, total: usize, per_page: usize) -> Result<usize, ApiError> {
    let last = total.div_ceil(per_page).max(1);
    match q.get("page").map(|p| p.parse::<usize>()) {
        None => Ok(1),
        Some(Ok(p)) if (1..=last).contains(&p) => Ok(p),
        Some(_) => Err(ApiError(StatusCode::BAD_REQUEST, format!("page must be a number from 1 to {last}"))),
    }
}

/// Previous / next links and "page X of Y" (nothing when everything fits on one page).
pub fn pager(path: &str, page: usize, total: usize, per_page: usize) -> String {
    let last = total.div_ceil(per_page).max(1);
    if last == 1 {
        return String::new();
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    let prev = if page > 1 { format!(r#"<a rel="prev" href="{path}{sep}page={}">← newer</a>"#, page - 1) } else { String::new() };
    let next = if page < last { format!(r#"<a rel="next" href="{path}{sep}page={}">older →</a>"#, page + 1) } else { String::new() };
    format!(r#"<p class="pager">{prev} page {page} of {last} ({total}) {next}</p>"#)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1em;max-width:72em;color:#111}\
nav{display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center;border-bottom:1px solid #ddd;padding-bottom:.5em}\
nav form{margin:0}nav input{max-width:24em;width:60vw}\
table{border-collapse:collapse;max-width:100%;display:block;overflow-x:auto}\
td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}\
code{font-size:.9em;word-break:break-all}.chart svg{width:100%;height:auto;border:1px solid #eee}\
figure{margin:1em 0}.note,.ago{color:#555;font-size:.9em}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));gap:0 1em}\
.lost{color:#a00}.pager a{padding:0 .5em}";

const LOCAL_TIMES: &str = r#"<script>document.querySelectorAll("time[data-ms]").forEach(function(t){t.textContent=new Date(Number(t.dataset.ms)).toLocaleString();t.title=t.getAttribute("datetime")})</script>"#;

/// A whole page: title, navigation with the wallet search box, body.
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{t}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head><body>
<nav><strong>TREZ pool</strong><a href="/">Overview</a><a href="/rounds">Rounds</a><a href="/blocks">Blocks</a><a href="/leaderboard">Leaderboard</a>
<form action="/miner" method="get" role="search"><label>Miner <input name="wallet" required pattern="[1-9A-HJ-NP-Za-km-z]{{32,44}}" title="a wallet address (base58)" placeholder="wallet address"></label> <button>show</button></form></nav>
<main><h1>{t}</h1>{body}</main>{LOCAL_TIMES}</body></html>"#,
        t = esc(title)
    ))
}

/// A page's error: the same status as the API's, as a page with the message.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let ApiError(status, message) = self.0;
        let title = status.canonical_reason().unwrap_or("error");
        (status, page(title, &format!(r#"<p id="error">{}</p>"#, esc(&message)))).into_response()
    }
}

/// Parse a wallet address from a path or the search box: 400 naming the input otherwise.
pub fn wallet(s: &str) -> Result<solana_sdk::pubkey::Pubkey, ApiError> {
    s.trim().parse().map_err(|_| ApiError(StatusCode::BAD_REQUEST, format!("not a wallet address: {s}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_ages_and_pages() {
        assert!(when(1_764_685_805_000, 1_764_685_805_000 + 185_000).starts_with(r#"<time datetime="2025-12-02T14:30:05Z" data-ms="1764685805000">2025-12-02 14:30:05 UTC</time> <span class="ago">(3 min ago)"#));
        assert_eq!((ago(-3), ago(42), ago(7_300), ago(200_000)), ("just now".into(), "42 s ago".into(), "2 h ago".into(), "2 d ago".into()));
        let q = |p: &str| [("page".to_string(), p.to_string())].into_iter().collect();
        assert_eq!(page_number(&Default::default(), 0, 50).ok(), Some(1));
        assert_eq!(page_number(&q("3"), 101, 50).ok(), Some(3));
        for bad in ["0", "4", "x", "-1"] {
            assert_eq!(page_number(&q(bad), 101, 50).err().map(|e| e.0), Some(StatusCode::BAD_REQUEST), "{bad}");
        }
        assert_eq!(pager("/blocks", 1, 10, 50), "");
        let p = pager("/blocks", 2, 101, 50);
        assert!(p.contains(r#"href="/blocks?page=1""#) && p.contains(r#"href="/blocks?page=3""#) && p.contains("page 2 of 3"));
        assert!(esc("<a href='x'>").starts_with("&lt;a href=&#39;x&#39;&gt;"));
        assert!(wallet("nope").is_err() && wallet(" 11111111111111111111111111111111 ").is_ok());
        assert!(miner_link("11111111111111111111111111111111").contains(r#"href="/miner/11111111111111111111111111111111""#));
        assert!(miner_link("11111111111111111111111111111111").contains(">111111…1111</code>"));
        assert!(miner_link("<b>").contains("&lt;b&gt;") && !miner_link("<b>").contains("<b>"));
    }
}
