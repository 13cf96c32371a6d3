//! Numbers as a person reads them on the dashboard: TREZ amounts with the mint's decimals (the base units stay
//! in a `data-base` attribute and the tooltip), hashrates with SI prefixes, durations, and charts as inline
//! SVG (no scripts, no external assets).

use super::layout::esc;

/// `base_units` with `decimals` decimals, trailing zeros trimmed: (50_000_000, 6) → "50", (1_500_000, 6) →
/// "1.5", (7, 6) → "0.000007".
pub fn tokens(base_units: u64, decimals: u8) -> String {
    let scale = 10u64.saturating_pow(decimals as u32);
    let (whole, frac) = (base_units / scale, base_units % scale);
    if frac == 0 || decimals == 0 {
        return group(whole);
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{}.{}", group(whole), frac.trim_end_matches('0'))
}

/// Thousands separated by a thin space: 1234567 → "1 234 567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

/// Hashes per second with an SI prefix, three significant digits: 4_122_866 → "4.12 MH/s".
pub fn hashrate(hps: f64) -> String {
    let prefixes = ["", "k", "M", "G", "T", "P", "E"];
    let mut v = if hps.is_finite() && hps > 0.0 { hps } else { 0.0 };
    let mut i = 0;
    while v >= 1000.0 && i + 1 < prefixes.len() {
        v /= 1000.0;
        i += 1;
    }
    let digits = if v >= 100.0 { 0 } else if v >= 10.0 { 1 } else { 2 };
    format!("{v:.digits$} {}H/s", prefixes[i])
}

/// Seconds as "42 s", "3 min 5 s", "2 h 1 min", "3 d 4 h".
pub fn duration(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3_599 => format!("{} min {} s", secs / 60, secs % 60),
        3_600..=86_399 => format!("{} h {} min", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{} d {} h", secs / 86_400, secs % 86_400 / 3_600),
    }
}

/// An amount cell: TREZ for the eye, base units in `data-base` (what tests and scripts read) and the tooltip.
pub fn amount_cell(id: &str, base_units: u64, decimals: u8) -> String {
    format!(r#"<td id="{id}" data-base="{base_units}" title="{base_units} base units">{} TREZ</td>"#, tokens(base_units, decimals))
}

/// A line chart of `points` (x: unix ms or another ordinal, y: value) over the points' own x range, `fmt`
/// labelling the y axis maximum. See [`chart`].
pub fn line_chart(title: &str, points: &[(i64, f64)], fmt: impl Fn(f64) -> String) -> String {
    let domain = points.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    chart(title, points, domain, ("", ""), fmt)
}

/// A chart of the time span `from_ms..to_ms` (the x axis labelled "−1 h" … "now" by `span`), so a young
/// series sits at its place in time rather than across the whole width.
pub fn time_chart(title: &str, points: &[(i64, f64)], from_ms: i64, to_ms: i64, span: &str, fmt: impl Fn(f64) -> String) -> String {
    chart(title, points, (from_ms, to_ms), (span, "now"), fmt)
}

/// A line chart as inline SVG over the x `domain`, with `x_labels` under its two ends. Each point is a
/// `<circle class="pt">` carrying its values in `data-t` and `data-v`, so a test (or a screen reader, through
/// the title) can read the data back. An empty series draws "no data yet".
pub fn chart(title: &str, points: &[(i64, f64)], domain: (i64, i64), x_labels: (&str, &str), fmt: impl Fn(f64) -> String) -> String {
    const W: f64 = 640.0;
    const H: f64 = 170.0;
    const PAD: f64 = 28.0;
    let label = esc(title);
    if points.is_empty() {
        return format!(r#"<figure class="chart"><figcaption>{label}</figcaption><p>no data yet</p></figure>"#);
    }
    let (t0, t1) = domain;
    let vmax = points.iter().map(|p| p.1).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let x = |t: i64| PAD + (W - 2.0 * PAD) * if t1 > t0 { ((t - t0) as f64 / (t1 - t0) as f64).clamp(0.0, 1.0) } else { 0.5 };
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * (v / vmax);
    let line: Vec<String> = points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
    let dots: String = points
        .iter()
        .map(|(t, v)| format!(r#"<circle class="pt" cx="{:.1}" cy="{:.1}" r="3" data-t="{t}" data-v="{v}"><title>{}</title></circle>"#, x(*t), y(*v), esc(&fmt(*v))))
        .collect();
    format!(
        r##"<figure class="chart"><figcaption>{label}</figcaption><svg viewBox="0 0 {W} {H}" role="img" aria-label="{label}: {n} points, up to {max}">
<line x1="{PAD}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/><line x1="{PAD}" y1="{PAD}" x2="{r}" y2="{PAD}" stroke="#eee"/><text x="2" y="{top}" font-size="12">{max}</text><text x="2" y="{b}" font-size="12">0</text>
<text x="{PAD}" y="{xl}" font-size="12">{l0}</text><text x="{r}" y="{xl}" font-size="12" text-anchor="end">{l1}</text>
<polyline fill="none" stroke="#2a6fdb" stroke-width="2" points="{line}"/>{dots}</svg></figure>"##,
        n = points.len(),
        max = esc(&fmt(vmax)),
        b = H - PAD,
        r = W - PAD,
        top = PAD - 4.0,
        xl = H - 8.0,
        l0 = esc(x_labels.0),
        l1 = esc(x_labels.1),
        line = line.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hashrates_and_durations_read_as_people_write_them() {
        assert_eq!(tokens(50_000_000, 6), "50");
        assert_eq!(tokens(1_500_000, 6), "1.5");
        assert_eq!(tokens(7, 6), "0.000007");
        assert_eq!(tokens(1_234_567_000_001, 6), "1\u{2009}234\u{2009}567.000001");
        assert_eq!(tokens(0, 6), "0");
        assert_eq!(hashrate(4_122_866.0), "4.12 MH/s");
        assert_eq!(hashrate(87_818.0), "87.8 kH/s");
        assert_eq!(hashrate(999.0), "999 H/s");
        assert_eq!(hashrate(f64::NAN), "0.00 H/s");
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(185), "3 min 5 s");
        assert_eq!(duration(7_300), "2 h 1 min");
        assert_eq!(duration(273_600), "3 d 4 h");
    }

    #[test]
    fn a_chart_carries_every_point_and_escapes_its_title() {
        let svg = line_chart("a<b", &[(0, 1.0), (60_000, 3.0), (120_000, 2.0)], hashrate);
        assert_eq!(svg.matches(r#"class="pt""#).count(), 3);
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        assert!(svg.contains(r#"data-v="3""#));
        assert!(line_chart("x", &[], hashrate).contains("no data yet"));
        // On a time axis a point sits at its time: the newest at the right end, one of the first minute left.
        let svg = time_chart("t", &[(3_540_000, 1.0)], 0, 3_600_000, "−1 h", hashrate);
        assert!(svg.contains(r#"cx="602.3""#) && svg.contains("−1 h") && svg.contains(">now<"), "{svg}");
    }
}
