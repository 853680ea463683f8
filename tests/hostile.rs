//! Planted strings in every free-text field of every fixture, through every format, in
//! process (the contract's "Safe output: AWS strings are untrusted"; docs/safe-output.md).
//!
//! Each case draws one hostile string (terminal escapes, OSC 52, CR, bidi, C1, DEL, CI log
//! commands, Markdown and HTML syntax, mentions, backticks, pipes, characters XML forbids, a
//! very long run) and appends it to every string leaf of each fixture snapshot whose key is in
//! [`FREE_TEXT`]: the fields whoever creates a resource writes freely. Ids, ARNs, CIDRs and
//! enums are left alone: the model parses them, and a planted one is refused as bad input
//! (tests/robustness.rs). The same string goes into the probe's part (DNS error, host, why a
//! zone was not probed). Every format must then hold: text has no raw control character and no
//! CI command line; Markdown renders to no link, image, HTML, heading, emphasis or mention that
//! the template did not write, and every table row keeps its columns; JUnit is well-formed
//! XML; SARIF and JSON parse, and JSON reads back as exactly the report.

use std::path::Path;

use alb_audit::model::Snapshot;
use alb_audit::probe::join::{AlbProbe, DnsCheck};
use alb_audit::probe::plan::NotProbed;
use alb_audit::report::{self, FailOn, Report};
use alb_audit::rules::{evaluate, Options};
use proptest::prelude::*;
use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag, TagEnd};
use serde_json::Value;

/// Keys whose string values (or list items) are free text in a snapshot: names, descriptions
/// (a target's health description too), certificate names, listener-rule host headers, status
/// messages, error messages of reads, health reasons, zone names and DNS names (AWS's, but
/// shown everywhere, the zone column included).
const FREE_TEXT: &[&str] = &[
    "name",
    "description",
    "domain_name",
    "subject_alternative_names",
    "host_headers",
    "host_header_regexes",
    "status_message",
    "error",
    "reason",
    "zone",
    "availability_zone",
    "dns_name",
];

/// Pieces an attacker plants.
const PIECES: &[&str] = &[
    "\u{1b}]52;c;ZXZpbA==\u{7}",
    "\u{1b}[2J",
    "\u{1b}[31mred",
    "\r",
    "\n::error title=alb-audit::all load balancers pass",
    "::warning::x",
    "##vso[task.setvariable variable=x]y",
    "##[error]x",
    "\u{9b}31m",
    "\u{7f}",
    "\u{202e}txt.exe",
    "\u{2066}",
    "\u{0}",
    "\u{ffff}\u{fffe}",
    "![px](https://x.example/p.png)",
    "[click](https://x.example)",
    "<img src=x onerror=alert(1)>",
    "<https://x.example>",
    "https://x.example www.x.example a@b.example",
    "@org/team",
    "`",
    "``",
    " | ",
    "# heading",
    "\n# heading",
    "*em* **strong** _u_ ~~s~~",
    "&amp; &lt;",
    "- [ ] task",
    "1. list",
    "$x$",
    "\\",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => any::<String>(),
        1 => Just("A".repeat(4_096)),
    ];
    proptest::collection::vec(piece, 1..5).prop_map(|v| v.concat())
}

fn plant(v: &mut Value, key: Option<&str>, h: &str) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                plant(v, Some(k), h);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| plant(i, key, h)),
        Value::String(s) if key.is_some_and(|k| FREE_TEXT.contains(&k)) => s.push_str(h),
        _ => {}
    }
}

fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("snapshot.json"))
        .filter(|p| p.exists())
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.display().to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() > 30, "fixtures were not found");
    out
}

fn report_of(snapshot: &Snapshot, h: &str) -> Report {
    let outcomes = evaluate(snapshot, &Options::default());
    let mut report = report::build(
        snapshot,
        outcomes,
        FailOn::Error,
        None,
        "2026-12-06T00:00:00Z".into(),
    );
    let probes = report
        .load_balancers
        .iter()
        .map(|lb| AlbProbe {
            host: format!("www.example.com{h}"),
            path: format!("/{h}"),
            dns: DnsCheck {
                name: lb.dns_name.clone(),
                overridden: false,
                addresses: Vec::new(),
                zones_missing: vec![format!("us-east-1a{h}")],
                zones_shifted: vec![format!("us-east-1b{h}")],
                unknown_addresses: Vec::new(),
                error: Some(format!("no such name{h}")),
            },
            results: Vec::new(),
            not_probed: vec![NotProbed {
                availability_zone: format!("us-east-1a{h}"),
                reason: format!("no address{h}"),
            }],
            failed: 0,
        })
        .collect();
    report.attach_probes(probes);
    report
}

fn check_text(text: &str) -> Result<(), String> {
    // Template styles are SGR sequences (`ESC[...m`); anything else from ESC on is planted.
    let mut rest = text;
    while let Some(i) = rest.find('\u{1b}') {
        let tail = &rest[i + 1..];
        let sgr = tail.strip_prefix('[').and_then(|t| {
            let end = t.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
            t[end..].starts_with('m').then_some(&t[end + 1..])
        });
        rest =
            sgr.ok_or_else(|| format!("a raw escape sequence: {:?}", &tail[..tail.len().min(20)]))?;
    }
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && c != '\u{1b}' && c.is_control())
    {
        return Err(format!("a raw control character {c:?}"));
    }
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        if line.trim_start().starts_with("::") || lower.contains("##vso[") || line.contains("##[") {
            return Err(format!("a CI command line: {line:?}"));
        }
        if line
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        {
            return Err(format!("a raw bidi control: {line:?}"));
        }
    }
    Ok(())
}

/// Headings the Markdown template writes.
const HEADINGS: &[&str] = &[
    "Not evaluated for the whole run",
    "Findings",
    "What to change, most urgent first",
    "Not evaluated",
    "Probe from here",
    "Stale baseline entries",
];

fn check_markdown(md: &str) -> Result<(), String> {
    let mut options = MdOptions::empty();
    options.insert(MdOptions::ENABLE_TABLES);
    options.insert(MdOptions::ENABLE_STRIKETHROUGH);
    options.insert(MdOptions::ENABLE_TASKLISTS);
    options.insert(MdOptions::ENABLE_FOOTNOTES);
    options.insert(MdOptions::ENABLE_MATH);
    let mut inside: Option<(Tag<'_>, String)> = None;
    // Adjacent text events (an entity ends one) as one run: GitHub mentions and mail links are
    // found in rendered text, never in code.
    let mut run = String::new();
    for event in Parser::new_ext(md, options) {
        if let Event::Text(t) = &event {
            run.push_str(t);
        } else {
            let at = run
                .match_indices('@')
                .any(|(i, _)| !run[i + 1..].starts_with('\u{200b}'));
            if at {
                return Err(format!("a mention or mail link: {run:?}"));
            }
            run.clear();
        }
        match event {
            Event::Start(tag @ (Tag::Heading { .. } | Tag::Emphasis)) => {
                inside = Some((tag, String::new()))
            }
            Event::Start(
                tag @ (Tag::Link { .. }
                | Tag::Image { .. }
                | Tag::Strikethrough
                | Tag::HtmlBlock
                | Tag::BlockQuote(_)
                | Tag::FootnoteDefinition(_)),
            ) => return Err(format!("planted {tag:?}")),
            Event::Html(h) | Event::InlineHtml(h) => return Err(format!("raw HTML {h:?}")),
            Event::TaskListMarker(_) | Event::FootnoteReference(_) => {
                return Err(format!("planted {event:?}"))
            }
            Event::InlineMath(m) | Event::DisplayMath(m) => return Err(format!("math {m:?}")),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = inside.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let (_, text) = inside.take().unwrap_or((Tag::Paragraph, String::new()));
                let known = text.starts_with("alb-audit: ") || HEADINGS.contains(&text.as_str());
                if !known {
                    return Err(format!("a planted heading {text:?}"));
                }
            }
            Event::End(TagEnd::Emphasis) => {
                let (_, text) = inside.take().unwrap_or((Tag::Paragraph, String::new()));
                if text != "Not evaluated" {
                    return Err(format!("planted emphasis {text:?}"));
                }
            }
            _ => {}
        }
    }
    // Every row of a table has as many unescaped pipes as its header.
    let mut columns: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let (mut pipes, mut escaped) = (0, false);
        for c in line.chars() {
            match c {
                '\\' => escaped = !escaped,
                '|' if !escaped => pipes += 1,
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        match columns {
            None => columns = Some(pipes),
            Some(n) if n != pipes => return Err(format!("a broken table row: {line:?}")),
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_all(name: &str, report: &Report, h: &str) -> Result<(), String> {
    let at = |e: String| format!("{name}: {e}");
    check_text(&report::text::render(report)).map_err(|e| at(format!("text: {e}")))?;
    check_markdown(&report::markdown::render(report)).map_err(|e| at(format!("markdown: {e}")))?;
    let xml = report::junit::render(report, FailOn::Error);
    roxmltree::Document::parse(&xml).map_err(|e| at(format!("junit: {e}")))?;
    let sarif = report::sarif::render(report, false);
    serde_json::from_str::<Value>(&sarif).map_err(|e| at(format!("sarif: {e}")))?;
    let ocsf: Value = serde_json::from_str(&report::ocsf::render(report))
        .map_err(|e| at(format!("ocsf: {e}")))?;
    let named = |v: &Value| v["resources"][0]["name"].as_str().map(str::to_string);
    if let (Some(lb), Some(name)) = (
        report
            .load_balancers
            .iter()
            .find(|l| !l.findings.is_empty()),
        ocsf.as_array().and_then(|a| a.first()).and_then(named),
    ) {
        if name != lb.name {
            return Err(at("ocsf: the planted name is not kept exactly".into()));
        }
    }
    let html = report::html::render(report);
    if html.contains("<img src=x") || html.contains("\u{1b}") {
        return Err(at("html: planted markup".into()));
    }
    let json = report.to_json();
    let back: Report = serde_json::from_str(&json).map_err(|e| at(format!("json: {e}")))?;
    if back.to_json() != json {
        return Err(at("json: does not read back as the report".into()));
    }
    if let Some(lb) = back.load_balancers.first() {
        if !lb.name.ends_with(h) {
            return Err(at("json: the planted name is not kept exactly".into()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn planted_strings_are_inert_in_every_format(h in hostile()) {
        for (name, snapshot) in fixtures() {
            let mut planted = snapshot.clone();
            plant(&mut planted, None, &h);
            let snapshot: Snapshot = serde_json::from_value(planted)
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
            let report = report_of(&snapshot, &h);
            check_all(&name, &report, &h).map_err(TestCaseError::fail)?;
        }
    }
}

/// Every piece at once, so each is tried on every fixture whatever the draw.
#[test]
fn every_piece_at_once() {
    let h = PIECES.concat();
    for (name, snapshot) in fixtures() {
        let mut planted = snapshot.clone();
        plant(&mut planted, None, &h);
        let snapshot: Snapshot = serde_json::from_value(planted).unwrap();
        let report = report_of(&snapshot, &h);
        check_all(&name, &report, &h).unwrap();
        // `explain-fix` prints the same strings as text of its own.
        for lb in &report.load_balancers {
            for f in &lb.findings {
                let text = alb_audit::fix::explain::explain(
                    &snapshot,
                    &Options::default(),
                    &f.fingerprint,
                )
                .unwrap();
                check_text(&text)
                    .map_err(|e| format!("{name}: explain-fix: {e}"))
                    .unwrap();
            }
        }
    }
}
