//! CSV for spreadsheets and data tools: one row per JSON finding (not per cause: a spreadsheet
//! filters and pivots rows itself), with the JSON's fields and the ALB's account, region, ARN
//! and name on every row. The columns are [`COLUMNS`] (docs/report.md, "CSV").
//!
//! RFC 4180 (<https://www.rfc-editor.org/rfc/rfc4180>): comma-separated, CRLF line ends, a
//! header row; a field that holds a comma, a double quote, CR or LF is quoted and its quotes
//! doubled. Strings from AWS are untrusted, and a cell that starts with `=`, `+`, `-`, `@`, tab
//! or CR is a formula to Excel, LibreOffice and Google Sheets (CSV injection,
//! <https://owasp.org/www-community/attacks/CSV_Injection>): such a cell is written with a
//! leading `'`, which spreadsheets show as text. All escaping is in [`cell`].

use super::Report;
use crate::finding::Finding;

/// The header row, in order.
pub const COLUMNS: &[&str] = &[
    "account_id",
    "region",
    "load_balancer",
    "load_balancer_name",
    "rule",
    "name",
    "severity",
    "title",
    "message",
    "resource",
    "availability_zone",
    "port",
    "target",
    "symptom",
    "change",
    "evidence",
    "remediation",
    "fingerprint",
    "baselined",
    "suppressed",
    "suppressed_entry",
];

/// Renders every finding of the report as one row.
pub fn render(report: &Report) -> String {
    let mut out = row(COLUMNS.iter().map(|c| c.to_string()));
    for lb in &report.load_balancers {
        for f in &lb.findings {
            out.push_str(&row([
                lb.account_id.clone(),
                lb.region.clone(),
                lb.arn.clone(),
                lb.name.clone(),
                f.rule.clone(),
                f.name.clone(),
                f.severity.as_str().to_string(),
                f.title.clone(),
                f.message.clone(),
                f.resource.clone(),
                f.availability_zone.clone().unwrap_or_default(),
                f.port.map(|p| p.to_string()).unwrap_or_default(),
                f.target.clone().unwrap_or_default(),
                f.symptom
                    .map(|s| s.as_str())
                    .unwrap_or_default()
                    .to_string(),
                f.change.join("; "),
                evidence(f),
                f.remediation.clone(),
                f.fingerprint.clone(),
                f.baselined.to_string(),
                f.suppressed
                    .as_ref()
                    .map(|s| s.reason.clone())
                    .unwrap_or_default(),
                f.suppressed
                    .as_ref()
                    .map(|s| s.entry.to_string())
                    .unwrap_or_default(),
            ]));
        }
    }
    out
}

/// The evidence object as compact JSON (empty for none).
fn evidence(f: &Finding) -> String {
    if f.evidence.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&f.evidence).unwrap_or_default()
    }
}

/// One CSV line of `cells`, CRLF-terminated.
fn row(cells: impl IntoIterator<Item = String>) -> String {
    let mut line = cells
        .into_iter()
        .map(|c| cell(&c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// One field, safe for a CSV parser and for a spreadsheet: formula starts neutralised with a
/// leading `'`, then quoted when it holds a separator, a quote or a line break.
pub fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("sg-0alb"), "sg-0alb");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell(""), "");
    }

    /// Reads CSV text with Python's `csv` module (a real RFC 4180 reader) into rows.
    pub(crate) fn parse(text: &str) -> Vec<Vec<String>> {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .args([
                "-c",
                "import csv, io, json, sys; print(json.dumps(list(csv.reader(\
                 io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline=''), strict=True))))",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Strings planted in every text field (commas, quotes, line breaks, formula starts) are
    /// read back by a CSV parser as written, less the `'` that neutralises a formula.
    #[test]
    fn planted_strings_read_back_through_a_csv_parser() {
        let planted = [
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r\nlf",
            "=cmd|' /C calc'!A0",
            "+1",
            "-2",
            "@x",
            "\tTab",
            "plain",
        ];
        let mut report = crate::report::tests::incomplete_report();
        let lb = &mut report.load_balancers[0];
        let alb_name = "=HYPERLINK(\"a,b\")\r\nx";
        lb.name = alb_name.into();
        for p in planted {
            let mut f = crate::rules::REGISTRY[0].finding(p, p, p);
            f.name = p.into();
            f.title = p.into();
            f.target = Some(p.into());
            f.availability_zone = Some(p.into());
            f.change = vec![p.into()];
            f.fingerprint = p.into();
            f.evidence.insert(p.into(), p.into());
            lb.findings.push(f);
        }
        let rows = parse(&render(&report));
        assert_eq!(rows[0], COLUMNS);
        assert_eq!(rows.len(), planted.len() + 1);
        let unneutralised = |v: &str| -> String {
            match v.strip_prefix('\'') {
                Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.into(),
                _ => v.into(),
            }
        };
        for (row, p) in rows[1..].iter().zip(planted) {
            assert_eq!(row.len(), COLUMNS.len());
            assert_eq!(unneutralised(&row[3]), alb_name);
            for c in [
                "name",
                "title",
                "message",
                "resource",
                "availability_zone",
                "target",
                "change",
                "remediation",
                "fingerprint",
            ] {
                let i = COLUMNS.iter().position(|x| *x == c).unwrap();
                assert_eq!(unneutralised(&row[i]), p, "{c}");
                assert!(
                    !row[i].starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{c}: {}",
                    &row[i]
                );
            }
            let evidence: serde_json::Value = serde_json::from_str(&row[15]).unwrap();
            assert_eq!(evidence[p], p);
        }
    }
}
