//! The command line through the real binary, offline: every exit status of the contract, and
//! one clear line on stderr (never a panic or a backtrace) for every kind of bad input.

mod common;

use std::path::PathBuf;

use common::alb_audit;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .join("snapshot.json")
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = alb_audit().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Bad input: exit 2, nothing on stdout, one line on stderr naming the problem, no panic.
fn assert_bad_input(args: &[&str], mentions: &str) {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{args:?}: stdout {stdout}");
    assert!(stderr.contains(mentions), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn exit_status_follows_findings_and_fail_on() {
    let healthy = fixture("healthy-internet-facing");
    let broken = fixture("nat-route-in-one-az");
    let noted = fixture("sg-office-only");
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    assert_eq!(run(&["audit", "--snapshot", &s(&healthy)]).0, 0);
    assert_eq!(run(&["audit", "--snapshot", &s(&broken)]).0, 1);
    assert_eq!(
        run(&["audit", "--snapshot", &s(&broken), "--fail-on", "never"]).0,
        0
    );
    // Notes fail only with --fail-on note.
    assert_eq!(run(&["audit", "--snapshot", &s(&noted)]).0, 0);
    assert_eq!(
        run(&["audit", "--snapshot", &s(&noted), "--fail-on", "warning"]).0,
        0
    );
    assert_eq!(
        run(&["audit", "--snapshot", &s(&noted), "--fail-on", "note"]).0,
        1
    );
}

#[test]
fn incomplete_audit_exits_3_and_never_passes() {
    let (code, stdout, _) = run(&[
        "audit",
        "--snapshot",
        fixture("acl-read-denied").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 3);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["status"], "incomplete");
    assert_eq!(report["load_balancers"][0]["status"], "incomplete");
    let checks: Vec<&str> = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["ALB102", "ALB103", "ALB203", "ALB204"]);
    // Even --fail-on never does not turn an incomplete audit into a pass.
    let (code, ..) = run(&[
        "audit",
        "--snapshot",
        fixture("acl-read-denied").to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 3);
}

#[test]
fn a_bad_client_cert_file_is_one_line_and_exit_2() {
    let snap = fixture("mtls-client-cert");
    let snap = snap.to_str().unwrap();
    assert_bad_input(
        &[
            "audit",
            "--snapshot",
            snap,
            "--client-cert",
            "/nonexistent/client.pem",
        ],
        "bad --client-cert /nonexistent/client.pem",
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("client.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    assert_bad_input(
        &[
            "audit",
            "--snapshot",
            snap,
            "--client-cert",
            bad.to_str().unwrap(),
        ],
        "no PEM CERTIFICATE block",
    );
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert_bad_input(
        &[
            "audit",
            "--snapshot",
            snap,
            "--client-cert",
            bad.to_str().unwrap(),
        ],
        "certificate 1 is not X.509",
    );
    std::fs::write(&bad, vec![b'a'; (1 << 20) + 1]).unwrap();
    assert_bad_input(
        &[
            "audit",
            "--snapshot",
            snap,
            "--client-cert",
            bad.to_str().unwrap(),
        ],
        "larger than 1048576 bytes",
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    assert_bad_input(
        &["audit", "--alb-arn", "web"],
        "malformed load balancer ARN",
    );
    assert_bad_input(
        &["audit", "--alb-arn", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/0123456789abcdef"],
        "Network Load Balancer",
    );
    assert_bad_input(
        &["audit", "--alb-arn", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/gw/0123456789abcdef"],
        "Gateway Load Balancer",
    );
    assert_bad_input(
        &["audit", "--snapshot", "/nonexistent/snap.json"],
        "cannot read snapshot",
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"format\": 1, \"region\": ").unwrap();
    assert_bad_input(
        &["audit", "--snapshot", bad.to_str().unwrap()],
        "malformed snapshot",
    );
    std::fs::write(&bad, "[1, 2, 3]").unwrap();
    assert_bad_input(
        &["audit", "--snapshot", bad.to_str().unwrap()],
        "malformed snapshot",
    );
    std::fs::write(
        &bad,
        "{\"format\": 99, \"region\": \"us-east-1\", \"load_balancers\": []}",
    )
    .unwrap();
    assert_bad_input(
        &["audit", "--snapshot", bad.to_str().unwrap()],
        "format 99 is not supported",
    );
    let snap = fixture("healthy-internet-facing");
    let snap = snap.to_str().unwrap();
    assert_bad_input(
        &["audit", "--snapshot", snap, "--client-cidr", "10.0.0.300/8"],
        "bad --client-cidr",
    );
    assert_bad_input(
        &["audit", "--snapshot", snap, "--client-cidr", "10.0.0.1/8"],
        "host bits",
    );
    assert_bad_input(
        &["audit", "--snapshot", snap, "--fail-on", "sometimes"],
        "invalid value",
    );
    assert_bad_input(&["audit"], "required");
    assert_bad_input(&["explain", "ALB999"], "unknown rule 'ALB999'");
    assert_bad_input(
        &[
            "audit",
            "--alb-arn",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/a/1",
            "--alb-arn",
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/b/2",
        ],
        "one region",
    );
}

#[test]
fn tls_flags_are_checked_before_anything_runs() {
    let snap = fixture("tls-policy-old-clients");
    let snap = snap.to_str().unwrap();
    for (flag, value, mentions) in [
        (
            "--client-tls",
            "TLSv1.4",
            "bad --client-tls: unknown TLS version 'TLSv1.4'",
        ),
        (
            "--client-tls",
            "SSLv3",
            "expected TLSv1.0 (or TLSv1), TLSv1.1, TLSv1.2 or TLSv1.3",
        ),
        (
            "--hostname",
            "*.example.com",
            "bad --hostname '*.example.com'",
        ),
        ("--hostname", "a..example.com", "labels of 1 to 63"),
        ("--hostname", "www.exa mple.com", "bad --hostname"),
    ] {
        assert_bad_input(&["audit", "--snapshot", snap, flag, value], mentions);
        let (_, _, stderr) = run(&["audit", "--snapshot", snap, flag, value]);
        assert_eq!(stderr.lines().count(), 1, "{flag} {value}: {stderr}");
    }
    assert_bad_input(
        &["audit", "--snapshot", snap, "--cert-expiry-days", "soon"],
        "--cert-expiry-days",
    );
    // Good values, in every accepted spelling, reach the rules.
    let (code, stdout, stderr) = run(&[
        "audit",
        "--snapshot",
        snap,
        "--format",
        "json",
        "--client-tls",
        "tlsv1",
        "--client-tls",
        "TLSv1.2",
        "--hostname",
        "WWW.example.com.",
        "--cert-expiry-days",
        "0",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("\"ALB305\""), "{stdout}");
}

#[test]
fn rules_and_explain_come_from_the_registry() {
    let (code, stdout, _) = run(&["rules"]);
    assert_eq!(code, 0);
    for code in [
        "ALB101", "ALB102", "ALB103", "ALB104", "ALB105", "ALB106", "ALB107",
    ] {
        assert!(stdout.contains(code), "{code} missing from `rules`");
    }
    let (code, stdout, _) = run(&["explain", "alb104"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("ALB104 public-subnet-no-igw-route"));
    assert!(stdout.contains("## How to fix"));
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let (_, generated, _) = run(&["rules", "--markdown"]);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: run `alb-audit rules --markdown > docs/rules.md`"
    );
}

#[test]
fn output_file_gets_json_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let (code, stdout, stderr) = run(&[
        "audit",
        "--snapshot",
        fixture("nat-route-in-one-az").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty() && stderr.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "alb-audit");
}

/// A baseline accepts today's findings: they stay in the report, marked, and only a new
/// finding fails the build.
#[test]
fn baseline_accepts_known_findings_only() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let baseline = dir.path().join("baseline.json");
    let old = fixture("nat-route-in-one-az");
    let (code, ..) = run(&[
        "audit",
        "--snapshot",
        old.to_str().unwrap(),
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let (code, _, stderr) = run(&[
        "baseline",
        "--report",
        report.to_str().unwrap(),
        "--output",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = run(&[
        "audit",
        "--snapshot",
        old.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["status"], "pass");
    assert_eq!(r["summary"]["baselined"], 1);
    assert_eq!(r["load_balancers"][0]["findings"][0]["baselined"], true);
    // The same world with a second problem (subnet A's table now routes to the NAT gateway
    // too) still fails against the same baseline: A's cause is new, B's is known.
    let mut world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    for route in world["network"]["route_tables"]["rtb-0pub"]["routes"]
        .as_array_mut()
        .unwrap()
    {
        if route["target"] == "igw-0ee" {
            route["target"] = "nat-0cc".into();
        }
    }
    let new = dir.path().join("worse.json");
    std::fs::write(&new, world.to_string()).unwrap();
    let (code, stdout, _) = run(&[
        "audit",
        "--snapshot",
        new.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let flags: Vec<(String, bool)> = r["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["availability_zone"].as_str().unwrap().to_string(),
                f["baselined"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("us-east-1a".to_string(), false),
            ("us-east-1b".to_string(), true)
        ],
        "subnet B's finding is known, subnet A's is new"
    );
    assert_bad_input(
        &[
            "audit",
            "--snapshot",
            old.to_str().unwrap(),
            "--baseline",
            "/nonexistent",
        ],
        "cannot use baseline",
    );
}

/// Fingerprints name the cause, not the run nor the victims: equal across runs, equal for two
/// targets behind one missing rule, distinct across zones.
#[test]
fn fingerprints_name_the_cause() {
    let prints = |world: &str| -> Vec<(String, String)> {
        let snap = fixture(world);
        let out = run(&[
            "audit",
            "--snapshot",
            snap.to_str().unwrap(),
            "--format",
            "json",
        ])
        .1;
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        r["load_balancers"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["target"].as_str().unwrap_or("-").to_string(),
                    f["fingerprint"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (a, b) = (
        prints("health-check-port-closed"),
        prints("health-check-port-closed"),
    );
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    assert_ne!(a[0].0, a[1].0, "two targets");
    assert_eq!(
        a[0].1, a[1].1,
        "one cause: the target security group's missing rule"
    );
    assert!(a
        .iter()
        .all(|(_, p)| p.len() == 32 && p.chars().all(|c| c.is_ascii_hexdigit())));
    let zones = prints("nacl-denies-request-everywhere");
    assert_eq!(zones.len(), 2);
    assert_ne!(zones[0].1, zones[1].1, "one per zone");
}

/// Colour only on a terminal, never with NO_COLOR, never in a file: run under a real
/// pseudo-terminal with util-linux `script`.
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let snapshot = fixture("nat-route-in-one-az");
    let bin = env!("CARGO_BIN_EXE_alb-audit");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let on_tty = |no_color: bool, extra: &str| -> String {
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qec",
            &format!(
                "{bin} audit --snapshot {} --format text {extra}",
                snapshot.display()
            ),
            "/dev/null",
        ]);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let out = cmd
            .output()
            .expect("util-linux script runs commands under a pseudo-terminal");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(
        on_tty(false, "").contains("\u{1b}["),
        "a terminal gets colour"
    );
    let plain = on_tty(true, "");
    assert!(
        plain.contains("FAIL") && !plain.contains('\u{1b}'),
        "NO_COLOR: {plain}"
    );
    on_tty(false, &format!("--output {}", file.display()));
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("ALB104") && !written.contains('\u{1b}'));
    // And a pipe gets none.
    let (_, piped, _) = run(&[
        "audit",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--format",
        "text",
    ]);
    assert!(!piped.contains('\u{1b}'));
}

/// A snapshot holding a Network Load Balancer, or an ARN that does not parse, is bad input.
#[test]
fn snapshots_of_other_load_balancers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("healthy-internet-facing")).unwrap())
            .unwrap();
    for (arn, words) in [
        (
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/50dc6c495c0c9188",
            "Network Load Balancer",
        ),
        ("not-an-arn", "malformed load balancer ARN"),
    ] {
        let mut w = world.clone();
        w["load_balancers"][0]["arn"] = arn.into();
        let file = dir.path().join("s.json");
        std::fs::write(&file, w.to_string()).unwrap();
        assert_bad_input(&["audit", "--snapshot", file.to_str().unwrap()], words);
    }
}

/// Runs `alb-audit baseline` on the JSON report of `snapshot` and returns the baseline path.
fn baseline_of(dir: &std::path::Path, snapshot: &std::path::Path, args: &[&str]) -> PathBuf {
    let report = dir.join("accepted-report.json");
    let baseline = dir.join("baseline.json");
    let mut audit = vec![
        "audit",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--output",
        report.to_str().unwrap(),
    ];
    audit.extend(args);
    run(&audit);
    let (code, _, stderr) = run(&[
        "baseline",
        "--report",
        report.to_str().unwrap(),
        "--output",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    baseline
}

/// The scenario: a team accepts the "office-only" ALB101 note, then every inbound rule
/// of the ALB's security group is removed. The cause (sg-0alb, port) is the same, its severity
/// is not: the outage is new, and the baseline cannot hide it.
#[test]
fn a_baselined_note_that_becomes_an_outage_fails() {
    let dir = tempfile::tempdir().unwrap();
    let office = fixture("sg-office-only");
    let baseline = baseline_of(dir.path(), &office, &[]);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(file["version"], 2);
    let entries = file["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "one per listener port");
    for e in entries {
        assert_eq!(e["severity"], "note");
        assert_eq!(e["rule"], "ALB101");
        assert_eq!(
            e["load_balancer"],
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
        );
        assert!(e["fingerprint"].as_str().unwrap().len() == 32);
    }
    let b = baseline.to_str().unwrap();
    // Accepted as it is, even with --fail-on note.
    let (code, stdout, _) = run(&[
        "audit",
        "--snapshot",
        office.to_str().unwrap(),
        "--baseline",
        b,
        "--fail-on",
        "note",
        "--format",
        "text",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("PASS") && stdout.contains("(baselined)"),
        "{stdout}"
    );

    // Now every inbound rule of the ALB's security group is gone.
    let mut world: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&office).unwrap()).unwrap();
    world["network"]["security_groups"]["sg-0alb"]["ingress"] = serde_json::json!([]);
    let outage = dir.path().join("outage.json");
    std::fs::write(&outage, world.to_string()).unwrap();
    let (code, stdout, _) = run(&[
        "audit",
        "--snapshot",
        outage.to_str().unwrap(),
        "--baseline",
        b,
        "--format",
        "text",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.lines().next().unwrap().contains("FAIL"), "{stdout}");
    assert!(!stdout.contains("(baselined)"), "{stdout}");
    let (_, json, _) = run(&[
        "audit",
        "--snapshot",
        outage.to_str().unwrap(),
        "--baseline",
        b,
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = r["load_balancers"][0]["findings"].as_array().unwrap();
    let accepted: Vec<&str> = entries
        .iter()
        .map(|e| e["fingerprint"].as_str().unwrap())
        .collect();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["severity"], "error");
        assert_eq!(f["baselined"], false);
        assert!(
            accepted.contains(&f["fingerprint"].as_str().unwrap()),
            "same cause, worse severity: {f}"
        );
    }
    assert_eq!(r["status"], "fail");
    assert_eq!(
        r["baseline"]["stale"],
        serde_json::json!([]),
        "the entries still name a present cause: not stale"
    );

    // A version 1 file (fingerprints only) reads as notes: the same verdicts.
    let v1 = dir.path().join("v1.json");
    std::fs::write(
        &v1,
        serde_json::json!({"version": 1, "fingerprints": accepted}).to_string(),
    )
    .unwrap();
    let v1 = v1.to_str().unwrap();
    let office = office.to_str().unwrap();
    assert_eq!(
        run(&[
            "audit",
            "--snapshot",
            office,
            "--baseline",
            v1,
            "--fail-on",
            "note"
        ])
        .0,
        0
    );
    assert_eq!(
        run(&[
            "audit",
            "--snapshot",
            outage.to_str().unwrap(),
            "--baseline",
            v1
        ])
        .0,
        1
    );
}

/// Entries whose cause is gone are reported in JSON, text and Markdown, and change nothing.
#[test]
fn stale_baseline_entries_are_reported_and_do_not_change_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_of(dir.path(), &fixture("nat-route-in-one-az"), &[]);
    let b = baseline.to_str().unwrap();
    let fixed = fixture("healthy-internet-facing");
    let fixed = fixed.to_str().unwrap();
    let (code, json, _) = run(&[
        "audit",
        "--snapshot",
        fixed,
        "--baseline",
        b,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(r["status"], "pass");
    let stale = r["baseline"]["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["rule"], "ALB104");
    assert_eq!(stale[0]["resource"], "subnet-0bb");
    assert_eq!(stale[0]["severity"], "error");
    let (code, text, _) = run(&[
        "audit",
        "--snapshot",
        fixed,
        "--baseline",
        b,
        "--format",
        "text",
    ]);
    assert_eq!(code, 0);
    assert!(
        text.contains("\nBaseline: 1 entry match no finding")
            && text.contains("\n  ALB104 subnet-0bb on arn:aws:elasticloadbalancing:"),
        "{text}"
    );
    let (code, md, _) = run(&[
        "audit",
        "--snapshot",
        fixed,
        "--baseline",
        b,
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0);
    assert!(
        md.contains("### Stale baseline entries") && md.contains("- ALB104 subnet-0bb"),
        "{md}"
    );
    // Without --baseline there is no `baseline` field at all.
    let (_, json, _) = run(&["audit", "--snapshot", fixed, "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(r.get("baseline").is_none());
}

/// One missing security-group rule over 42 targets: the JSON report keeps a finding per
/// (target, port), the text report one entry per cause that lists the targets.
#[test]
fn text_groups_findings_by_cause() {
    let dir = tempfile::tempdir().unwrap();
    let mut world: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("health-check-port-closed")).unwrap(),
    )
    .unwrap();
    let group = world["target_groups"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    let mut targets = Vec::new();
    let mut instances = serde_json::Map::new();
    for i in 0..42 {
        let (zone, subnet, net) = if i % 2 == 0 {
            ("us-east-1a", "subnet-0ca", 11)
        } else {
            ("us-east-1b", "subnet-0cb", 12)
        };
        let id = format!("i-{i:04x}");
        targets.push(serde_json::json!({
            "id": id, "port": 8080, "availability_zone": zone, "state": "healthy",
            "reason": null, "description": null,
        }));
        instances.insert(
            id.clone(),
            serde_json::json!({
                "id": id, "state": "running", "subnet_id": subnet, "availability_zone": zone,
                "private_ip": format!("10.0.{net}.{}", 10 + i), "security_groups": ["sg-0app"],
            }),
        );
    }
    group["targets"] = targets.into();
    world["network"]["instances"] = instances.into();
    // The one rule of the targets' group (TCP 8080 from the ALB's group) is missing.
    world["network"]["security_groups"]["sg-0app"]["ingress"] = serde_json::json!([]);
    let audit = |world: &serde_json::Value, format: &str| {
        let path = dir.path().join("fleet.json");
        std::fs::write(&path, world.to_string()).unwrap();
        run(&[
            "audit",
            "--snapshot",
            path.to_str().unwrap(),
            "--format",
            format,
        ])
        .1
    };
    let entries = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.trim_start().starts_with("x ALB"))
            .map(str::to_string)
            .collect()
    };

    let findings = |world: &serde_json::Value| {
        let json: serde_json::Value = serde_json::from_str(&audit(world, "json")).unwrap();
        json["load_balancers"][0]["findings"]
            .as_array()
            .unwrap()
            .len()
    };

    // Health checks on the traffic port: one cause.
    group_health_port(&mut world, "traffic-port");
    assert_eq!(findings(&world), 42);
    let text = audit(&world, "text");
    let found = entries(&text);
    assert_eq!(found.len(), 1, "{text}");
    assert!(
        found[0].ends_with(
            "ALB202 error target-sg-denies-alb port 8080, 42 targets: i-0000, i-0001, i-0002, i-0003, i-0004 (+37 more)"
        ),
        "{}",
        found[0]
    );
    assert_eq!(text.matches("\n          change: sg-0app\n").count(), 1);
    assert!(
        text.contains("\n          evidence: admitted: no address\n"),
        "{text}"
    );

    // Health checks on 8081 as well: 84 findings, one cause per port.
    group_health_port(&mut world, "8081");
    assert_eq!(findings(&world), 84);
    let text = audit(&world, "text");
    let found = entries(&text);
    assert_eq!(found.len(), 2, "{text}");
    assert!(
        found.iter().all(|l| l.contains(", 42 targets: ")),
        "{found:?}"
    );
    assert!(text.lines().count() < 40, "{text}");
}

fn group_health_port(world: &mut serde_json::Value, port: &str) {
    for group in world["target_groups"].as_object_mut().unwrap().values_mut() {
        group["health_check_port"] = port.into();
    }
}

/// The fingerprints of a snapshot's findings under `flags`, by rule.
fn fingerprints(snapshot: &str, flags: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["audit", "--snapshot", snapshot, "--format", "json"];
    args.extend(flags);
    let (_, stdout, stderr) = run(&args);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn explain_fix_prints_the_change_and_the_verdicts_before_and_after() {
    let blackhole = fixture("internal-tgw-blackhole");
    let blackhole = blackhole.to_str().unwrap();
    let found = fingerprints(blackhole, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, out, err) = run(&["explain-fix", &found[0].1, "--snapshot", blackhole]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ALB105 error on rtb-0b:"), "{out}");
    assert!(
        out.contains("$ aws ec2 replace-route --route-table-id rtb-0b --destination-cidr-block 192.168.0.0/16 --gateway-id vgw-0vpn"),
        "{out}"
    );
    assert!(
        out.contains("Verdicts before (1):\n  ALB105 error rtb-0b us-east-1b"),
        "{out}"
    );
    assert!(out.contains("Verdicts after (0):"), "{out}");
    assert!(
        out.ends_with("Verified: the finding is gone and no finding is new or worse.\n"),
        "{out}"
    );

    // A scoped audit's finding is explained under the same flags: without them the same
    // cause is a note about a partial restriction, with no change to propose.
    let office = fixture("office-routed-over-vpn-in-halves");
    let office = office.to_str().unwrap();
    let scope = ["--client-cidr", "198.51.100.0/24"];
    let scoped = fingerprints(office, &scope);
    assert_eq!(scoped.len(), 2, "{scoped:?}");
    let mut args = vec!["explain-fix", scoped[0].1.as_str(), "--snapshot", office];
    args.extend(scope);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("point the route 198.51.100.0/25 to igw-0ee"),
        "{out}"
    );
    assert!(out.contains("Verified:"), "{out}");
    let (code, out, _) = run(&["explain-fix", &scoped[0].1, "--snapshot", office]);
    assert_eq!(code, 0);
    assert!(out.starts_with("ALB104 note"), "{out}");
    assert!(
        out.contains("No structured fix: a partial restriction"),
        "{out}"
    );
    assert_bad_input(
        &["explain-fix", "0123456789abcdef", "--snapshot", office],
        "has fingerprint 0123456789abcdef",
    );
}
