//! Golden tests over fixtures/: every snapshot world is audited by the real binary in every
//! variant its cases.json lists, and the JSON and text reports must equal the committed
//! goldens (`UPDATE_GOLDEN=1 cargo test --test fixtures` rewrites them after a reviewed change).
//! A table below also states, per world, exactly which rules fire, so that "fires here and
//! nowhere else" is readable without opening a golden.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Runs the binary on a snapshot and returns (exit code, stdout).
fn audit(snapshot: &Path, args: &[String], format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .arg("audit")
        .arg("--snapshot")
        .arg(snapshot)
        .args(args)
        .args(["--format", format])
        .output()
        .expect("run alb-audit");
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 report"),
    )
}

/// The report with the run-dependent fields pinned.
fn normalise(report: &str) -> Value {
    let mut v: Value = serde_json::from_str(report).expect("JSON report");
    v["generated_at"] = Value::from("GENERATED_AT");
    v["tool"]["version"] = Value::from("VERSION");
    v
}

fn compare_or_update(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden {} (UPDATE_GOLDEN=1 writes it)",
            path.display()
        )
    });
    assert_eq!(expected, actual, "golden {} differs", path.display());
}

/// Every (world, variant) with its report.
fn all_cases() -> Vec<(String, String, i32, Value, String)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("snapshot.json").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let cases: BTreeMap<String, Vec<String>> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap())
                .unwrap();
        for (case, args) in cases {
            let snapshot = dir.join("snapshot.json");
            let (code, json) = audit(&snapshot, &args, "json");
            let (text_code, text) = audit(&snapshot, &args, "text");
            assert_eq!(code, text_code, "{name}/{case}: exit differs by format");
            let report = normalise(&json);
            let pretty = serde_json::to_string_pretty(&report).unwrap() + "\n";
            compare_or_update(&dir.join("expected").join(format!("{case}.json")), &pretty);
            compare_or_update(&dir.join("expected").join(format!("{case}.txt")), &text);
            out.push((name.clone(), case, code, report, text));
        }
    }
    out
}

fn fired(report: &Value) -> BTreeSet<String> {
    report["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|lb| lb["findings"].as_array().unwrap())
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["availability_zone"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// (world/variant, exit code, findings as RULE:SEVERITY:ZONE).
const EXPECTED: &[(&str, i32, &[&str])] = &[
    ("alb-sg-egress-restricted/default", 1, &["ALB201:error:-"]),
    (
        "app-acl-denies-request-from-b/default",
        1,
        &["ALB203:error:us-east-1b"],
    ),
    ("app-acl-denies-response/default", 1, &["ALB204:error:-"]),
    (
        "every-health-reason/default",
        1,
        &["ALB206:error:-", "ALB206:warning:-"],
    ),
    ("health-check-port-closed/default", 1, &["ALB202:error:-"]),
    ("lambda-target/default", 0, &[]),
    // A route through a Gateway Load Balancer endpoint to the targets of zone a: their
    // security groups and subnet ACL are beyond the appliance, not evaluated.
    ("backend-through-gwlb-endpoint/default", 3, &[]),
    ("backend-return-through-interface/default", 3, &[]),
    // An AWS Network Firewall endpoint between the ALB and zone a's target, both ways: its
    // rules are evaluated (ALB215); what lies beyond it stays not evaluated either way.
    (
        "backend-firewall-drops-target-port/default",
        1,
        &["ALB215:error:-"],
    ),
    (
        "backend-firewall-drops-from-one-zone/default",
        1,
        &["ALB215:error:us-east-1a"],
    ),
    ("backend-firewall-passes-target-port/default", 3, &[]),
    // Every node cut off from the identity provider: one cause, no zone.
    ("auth-internal-no-way-out/default", 1, &["ALB213:error:-"]),
    (
        "auth-nat-under-bpa-bidirectional/default",
        1,
        &["ALB213:error:-"],
    ),
    (
        "lambda-not-invocable/default",
        1,
        &["ALB211:error:-", "ALB211:error:-", "ALB211:error:-"],
    ),
    ("lambda-policy-unreadable/default", 3, &[]),
    // The ECS reference architecture: the empty group behind the shadowed default action is
    // no ALB208 error, only a note that names the default action.
    (
        "catch-all-shadows-empty-default/default",
        0,
        &["ALB214:note:-"],
    ),
    (
        "grpc-group-behind-http-listener/default",
        1,
        &["ALB212:error:-"],
    ),
    (
        "auth-internal-nat-in-one-az/default",
        1,
        &["ALB213:error:us-east-1b"],
    ),
    (
        "nodes-from-subnet-cidr/default",
        1,
        &["ALB202:error:us-east-1a"],
    ),
    ("onprem-ip-target-blackhole/default", 1, &["ALB105:error:-"]),
    ("onprem-ip-target-routed/default", 0, &[]),
    ("onprem-ip-target-unrouted/default", 1, &["ALB205:error:-"]),
    ("rule-only-empty-group/default", 1, &["ALB208:error:-"]),
    ("stopped-instance/default", 0, &["ALB209:warning:-"]),
    (
        "office-routed-over-vpn-in-halves/office-client",
        1,
        &["ALB104:error:us-east-1a", "ALB104:error:us-east-1b"],
    ),
    (
        "alb-acl-drops-responses-from-app-subnets/default",
        1,
        &["ALB204:error:-", "ALB204:error:-"],
    ),
    (
        "stopped-instance-no-healthy-left/default",
        1,
        &["ALB209:error:-", "ALB209:error:-"],
    ),
    ("target-in-disabled-az/default", 0, &["ALB207:warning:-"]),
    (
        "target-sg-admits-one-subnet/default",
        1,
        &["ALB202:error:us-east-1b"],
    ),
    ("weighted-forward-to-green/default", 1, &["ALB202:error:-"]),
    ("acl-read-denied/default", 3, &[]),
    (
        "dualstack-without-ipv6-route/default",
        1,
        &["ALB104:error:us-east-1a", "ALB104:error:us-east-1b"],
    ),
    ("healthy-internet-facing/default", 0, &[]),
    ("healthy-internet-facing/office-client", 0, &[]),
    (
        "igw-detached/default",
        1,
        &["ALB104:error:us-east-1a", "ALB104:error:us-east-1b"],
    ),
    (
        "internal-tgw-blackhole/default",
        1,
        &["ALB105:error:us-east-1b"],
    ),
    (
        "internal-sg-reference-restricted/default",
        0,
        &["ALB101:note:-"],
    ),
    (
        "internal-vpc-only/default",
        0,
        &["ALB106:note:us-east-1a", "ALB106:note:us-east-1b"],
    ),
    (
        "internal-vpc-only/onprem-client",
        1,
        &["ALB106:error:us-east-1a", "ALB106:error:us-east-1b"],
    ),
    ("internal-vpn-everywhere/default", 0, &[]),
    ("internal-vpn-everywhere/onprem-client", 0, &[]),
    (
        "internal-vpn-in-one-az/default",
        1,
        &["ALB106:error:us-east-1b"],
    ),
    (
        "internal-vpn-in-one-az/onprem-client",
        1,
        &["ALB106:error:us-east-1b"],
    ),
    (
        "nacl-denies-request-everywhere/default",
        1,
        &["ALB102:error:us-east-1a", "ALB102:error:us-east-1b"],
    ),
    (
        "nacl-denies-request-in-one-az/default",
        1,
        &["ALB102:error:us-east-1b"],
    ),
    (
        "nacl-no-ephemeral-response/default",
        0,
        &["ALB103:warning:us-east-1a", "ALB103:warning:us-east-1b"],
    ),
    (
        "nacl-responses-only-to-listener-ports/default",
        1,
        &["ALB103:error:us-east-1a", "ALB103:error:us-east-1b"],
    ),
    (
        "nat-route-in-every-az/default",
        1,
        &["ALB104:error:us-east-1a", "ALB104:error:us-east-1b"],
    ),
    (
        "nat-route-in-one-az/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    (
        "observed-silent-zone/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    (
        "route-table-shared-with-private/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    ("ecs-dynamic-ports/default", 1, &["ALB202:error:-"]),
    ("no-listeners/default", 1, &["ALB107:error:-"]),
    ("route-blackhole/default", 0, &["ALB105:warning:us-east-1b"]),
    ("sg-office-only/default", 0, &["ALB101:note:-"]),
    ("sg-office-only/home-client", 1, &["ALB101:error:-"]),
    ("sg-office-only/office-client", 0, &[]),
    ("sg-wrong-port/default", 1, &["ALB101:error:-"]),
    ("dualstack-ipv4-targets/default", 0, &[]),
    (
        "dualstack-eigw-in-one-az/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    ("sg-group-reference-only/default", 1, &["ALB101:error:-"]),
    (
        "acl-drops-80-in-a-443-in-b/default",
        1,
        &["ALB102:error:us-east-1a", "ALB102:error:us-east-1b"],
    ),
    ("client-families/ipv6-client", 1, &["ALB108:error:-"]),
    (
        "client-families/mixed-clients",
        1,
        &["ALB101:error:-", "ALB108:error:-"],
    ),
    ("weight-zero-empty-green/default", 0, &["ALB208:note:-"]),
    (
        "unhealthy-with-a-healthy-sibling/default",
        0,
        &["ALB206:warning:-"],
    ),
    (
        "cross-zone-off-zone-without-target/default",
        0,
        &["ALB210:warning:us-east-1b"],
    ),
    ("vpc-blocks-unread/default", 3, &[]),
    ("target-groups-unknown/default", 3, &[]),
    ("propagated-default-route/default", 0, &[]),
    ("s3-gateway-endpoint/default", 0, &[]),
    ("inspection-symmetric/default", 0, &[]),
    (
        "inspection-asymmetric-in-b/default",
        1,
        &["ALB110:error:us-east-1b"],
    ),
    (
        "inspection-through-other-zone/default",
        1,
        &["ALB110:error:us-east-1b"],
    ),
    (
        "inspection-endpoint-creating/default",
        1,
        &["ALB111:error:us-east-1b"],
    ),
    (
        "inspection-subnet-without-return-route/default",
        1,
        &["ALB112:error:us-east-1b"],
    ),
    (
        "firewall-drops-http/default",
        1,
        &["ALB113:error:us-east-1a", "ALB113:error:us-east-1b"],
    ),
    ("firewall-suricata-rules/default", 3, &[]),
    ("gwlb-appliance/default", 3, &[]),
    // VPC Block Public Access, interface appliances, subnet capacity: AWS's shapes in
    // snapshot fixtures, as moto implements none of Block Public Access.
    (
        "bpa-block-ingress/default",
        1,
        &["ALB109:error:us-east-1a", "ALB109:error:us-east-1b"],
    ),
    (
        "bpa-exclusion-one-subnet/default",
        1,
        &["ALB109:error:us-east-1b"],
    ),
    ("bpa-vpc-excluded/default", 0, &[]),
    ("bpa-exclusions-unread/default", 3, &[]),
    (
        "bpa-firewall-subnet-blocked/default",
        1,
        &["ALB109:error:us-east-1b"],
    ),
    ("interface-appliance/default", 3, &[]),
    (
        "interface-appliance-source-dest-check/default",
        1,
        &["ALB111:error:us-east-1b"],
    ),
    (
        "interface-appliance-stopped/default",
        1,
        &["ALB111:error:us-east-1b"],
    ),
    (
        "subnet-out-of-addresses/default",
        0,
        &["ALB115:warning:us-east-1b"],
    ),
    (
        "internal-tgw-inspection-appliance-mode-off/default",
        0,
        &["ALB110:warning:-"],
    ),
    ("tls-certificate-expired/default", 1, &["ALB301:error:-"]),
    ("tls-certificate-expiring/default", 0, &["ALB302:warning:-"]),
    ("tls-certificate-expiring/short-window", 0, &[]),
    ("tls-certificate-not-issued/default", 1, &["ALB303:error:-"]),
    ("tls-certificates-not-read/default", 3, &[]),
    ("tls-certificates-not-read/hostname", 3, &[]),
    (
        "tls-hostname-coverage/default",
        1,
        &["ALB304:error:-", "ALB304:note:-"],
    ),
    (
        "tls-hostname-coverage/hostnames",
        1,
        &["ALB304:error:-", "ALB304:note:-"],
    ),
    ("tls-not-recorded/default", 3, &[]),
    ("tls-policy-old-clients/default", 0, &[]),
    (
        "tls-policy-old-clients/tls10-clients",
        1,
        &["ALB305:error:-"],
    ),
    ("tls-policy-old-clients/tls12-clients", 0, &[]),
    (
        "tls-policy-old-clients/tls13-and-tls11-clients",
        1,
        &["ALB305:error:-"],
    ),
    // Zonal shifts in the model's shape of arc-zonal-shift:GetManagedResource (moto has no ARC).
    (
        "zonal-shift-masks-broken-zone/default",
        0,
        &["ALB104:warning:us-east-1b", "ALB114:note:us-east-1b"],
    ),
    (
        "zonal-shift-away-from-the-only-healthy-zone/default",
        1,
        &["ALB114:note:us-east-1a", "ALB210:error:us-east-1b"],
    ),
    (
        "spoofed-node-interface/default",
        1,
        &["ALB202:error:us-east-1b"],
    ),
    (
        "zonal-shift-away-from-healthy-zone/default",
        1,
        &["ALB104:error:us-east-1b", "ALB114:note:us-east-1a"],
    ),
    (
        "zonal-shift-expired-or-not-applied/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    (
        "zonal-shifts-unread/default",
        1,
        &["ALB104:error:us-east-1b"],
    ),
    // Mutual TLS in the model's shape of the trust store reads (moto has no trust stores).
    ("mtls-ca-expired/default", 1, &["ALB306:error:-"]),
    ("mtls-trust-store-inactive/default", 1, &["ALB306:error:-"]),
    ("mtls-passthrough/default", 0, &[]),
    ("mtls-client-cert/default", 0, &[]),
    ("mtls-client-cert/good-client", 0, &[]),
    ("mtls-client-cert/revoked-client", 1, &["ALB306:error:-"]),
    ("mtls-trust-store-unread/default", 3, &[]),
];

#[test]
fn fixtures_match_goldens_and_fire_exactly_where_expected() {
    let cases = all_cases();
    let seen: BTreeSet<String> = cases.iter().map(|(n, c, ..)| format!("{n}/{c}")).collect();
    let listed: BTreeSet<String> = EXPECTED.iter().map(|(k, ..)| k.to_string()).collect();
    assert_eq!(
        seen, listed,
        "every fixture case needs a row in EXPECTED, and vice versa"
    );
    let mut wrong = Vec::new();
    for (name, case, code, report, text) in &cases {
        let key = format!("{name}/{case}");
        let (_, want_code, want) = EXPECTED.iter().find(|(k, ..)| *k == key).unwrap();
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        let got = fired(report);
        if got != want || code != want_code {
            wrong.push(format!(
                "{key}: exit {code} (want {want_code}), findings {got:?} (want {want:?})"
            ));
        }
        let status = report["status"].as_str().unwrap();
        let expected_status = match code {
            0 => "pass",
            1 => "fail",
            _ => "incomplete",
        };
        assert_eq!(status, expected_status, "{key}: status");
        assert!(
            text.contains("Frontend: client -> ALB node"),
            "{key}: text report"
        );
    }
    assert!(
        wrong.is_empty(),
        "fixtures that fire elsewhere than EXPECTED says:\n{}",
        wrong.join("\n")
    );
}

/// The article's case, spelled out: ALB104 in B only, intermittent, naming the NAT route.
#[test]
fn nat_route_in_one_az_is_the_article_case() {
    let snapshot = fixtures_dir().join("nat-route-in-one-az/snapshot.json");
    let (code, json) = audit(&snapshot, &[], "json");
    assert_eq!(code, 1);
    let report = normalise(&json);
    let findings = report["load_balancers"][0]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["rule"], "ALB104");
    assert_eq!(f["resource"], "subnet-0bb");
    assert_eq!(f["availability_zone"], "us-east-1b");
    assert_eq!(f["symptom"], "intermittent-timeout");
    assert_eq!(f["evidence"]["route_table"], "rtb-0dd");
    assert_eq!(f["evidence"]["route"], "0.0.0.0/0 -> nat-0cc");
    for field in [
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
        "evidence",
        "remediation",
    ] {
        assert!(f.get(field).is_some(), "finding lacks {field}");
    }
}

/// Replaying a snapshot twice gives the same report (maps are ordered, findings sorted).
#[test]
fn reports_are_deterministic() {
    let snapshot = fixtures_dir().join("internal-tgw-blackhole/snapshot.json");
    let (_, a) = audit(&snapshot, &[], "json");
    let (_, b) = audit(&snapshot, &[], "json");
    assert_eq!(normalise(&a), normalise(&b));
}

/// Every reason code AWS defines maps to the documented severity and symptom.
#[test]
fn every_health_reason_maps_as_documented() {
    let snapshot = fixtures_dir().join("every-health-reason/snapshot.json");
    let (_, json) = audit(&snapshot, &[], "json");
    let report = normalise(&json);
    let got: BTreeMap<String, (String, Value)> = report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                format!(
                    "{}/{}",
                    f["evidence"]["state"].as_str().unwrap(),
                    f["evidence"]["reason"].as_str().unwrap()
                ),
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["symptom"].clone(),
                ),
            )
        })
        .collect();
    let want = [
        ("unhealthy/Target.ResponseCodeMismatch", "error", "http-502"),
        ("unhealthy/Target.Timeout", "error", "http-504"),
        ("unhealthy/Target.FailedHealthChecks", "error", "http-502"),
        ("unhealthy/Elb.InternalError", "error", "http-503"),
        ("unhealthy.draining/Target.Timeout", "error", "http-504"),
        ("unused/Target.NotRegistered", "warning", "http-503"),
        ("unused/Target.NotInUse", "warning", ""),
        ("unused/Target.IpUnusable", "warning", "http-502"),
        ("unavailable/Target.HealthCheckDisabled", "warning", ""),
        ("unavailable/Elb.InternalError", "warning", "http-503"),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (key, severity, symptom) in want {
        let (s, sym) = &got[key];
        assert_eq!(s, severity, "{key}");
        assert_eq!(sym.as_str().unwrap_or(""), symptom, "{key}");
    }
}

/// The semantics that decide a verdict (docs/rules.md, docs/report.md), one assertion each, on the
/// worlds built for them (each of these failed before the analyses owned the semantics).
#[test]
fn semantics_that_decide_a_verdict() {
    let report = |world: &str, args: &[&str]| -> Value {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        normalise(
            &audit(
                &fixtures_dir().join(world).join("snapshot.json"),
                &args,
                "json",
            )
            .1,
        )
    };
    let findings = |r: &Value| {
        r["load_balancers"][0]["findings"]
            .as_array()
            .unwrap()
            .clone()
    };
    let checks = |r: &Value| -> BTreeSet<String> {
        r["load_balancers"][0]["not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["check"].as_str().unwrap().to_string())
            .collect()
    };
    // The IPv6 internet cut off from node B by an egress-only gateway: an error, intermittent.
    let r = report("dualstack-eigw-in-one-az", &[]);
    let f = &findings(&r)[0];
    assert_eq!(
        (f["severity"].as_str(), f["symptom"].as_str()),
        (Some("error"), Some("intermittent-timeout"))
    );
    assert!(
        f["message"].as_str().unwrap().contains("egress-only"),
        "{f:#}"
    );
    // A symptom is judged per listener port.
    for f in findings(&report("acl-drops-80-in-a-443-in-b", &[])) {
        assert_eq!(f["symptom"], "intermittent-timeout", "{f:#}");
    }
    // A group reference never admits internet clients.
    let f = &findings(&report("sg-group-reference-only", &[]))[0];
    assert_eq!(
        (f["port"].as_u64(), f["severity"].as_str()),
        (Some(443), Some("error"))
    );
    // Unserved families are ALB108, and the rest of the clients are still checked.
    let r = report("client-families", &["--client-cidr", "2001:db8::/32"]);
    assert!(checks(&r).is_empty(), "nothing unknown: {r:#}");
    assert_eq!(findings(&r)[0]["evidence"]["unserved"], "2001:db8::/32");
    // Health: a spare healthy target makes an unhealthy one a capacity warning, no symptom.
    let f = &findings(&report("unhealthy-with-a-healthy-sibling", &[]))[0];
    assert_eq!(f["symptom"], Value::Null);
    // Cross-zone off: no finding on paths that carry no traffic, ALB210 for the empty zone.
    let r = report("cross-zone-off-zone-without-target", &[]);
    assert_eq!(findings(&r).len(), 1, "{r:#}");
    // Unknown is never pass: IP targets whose VPC blocks are unknown are not evaluated...
    let unknown = checks(&report("vpc-blocks-unread", &[]));
    for rule in ["ALB201", "ALB202", "ALB203", "ALB204"] {
        assert!(unknown.contains(rule), "{rule} not evaluated: {unknown:?}");
    }
    // ...and a target whose groups are unknown does not make the ALB's egress "broken".
    assert!(checks(&report("target-groups-unknown", &[])).contains("ALB201"));
}

/// The worlds behind fixes that must be safe to follow, their verdicts stated here rather than
/// only captured in goldens: (rule, severity, zone, symptom, changes proposed, verified) per
/// finding, and one cause where ports belong together.
#[test]
fn fix_worlds_state_their_verdicts() {
    type Row = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        usize,
        bool,
    );
    let cases: [(&str, &[Row]); 12] = [
        // The ALB subnet's table also serves private subnets: a table of its own, verified.
        (
            "route-table-shared-with-private",
            &[(
                "ALB104",
                "error",
                Some("us-east-1b"),
                "intermittent-timeout",
                1,
                true,
            )],
        ),
        // Tasks on ECS dynamic host ports: one rule for the dynamic range, verified.
        (
            "ecs-dynamic-ports",
            &[
                ("ALB202", "error", None, "http-504", 1, true),
                ("ALB202", "error", None, "http-504", 1, true),
                ("ALB202", "error", None, "http-504", 1, true),
            ],
        ),
        // Deliberate restrictions: notes that propose no change.
        (
            "internal-sg-reference-restricted",
            &[
                ("ALB101", "note", None, "timeout", 0, false),
                ("ALB101", "note", None, "timeout", 0, false),
            ],
        ),
        (
            "sg-office-only",
            &[
                ("ALB101", "note", None, "timeout", 0, false),
                ("ALB101", "note", None, "timeout", 0, false),
            ],
        ),
        // Responses allowed to 32768-65535 only: NAT devices and old systems lose some
        // connections, most clients none — a warning, not an outage.
        (
            "nacl-no-ephemeral-response",
            &[
                (
                    "ALB103",
                    "warning",
                    Some("us-east-1a"),
                    "intermittent-timeout",
                    1,
                    true,
                ),
                (
                    "ALB103",
                    "warning",
                    Some("us-east-1b"),
                    "intermittent-timeout",
                    1,
                    true,
                ),
            ],
        ),
        // Responses allowed to the listener ports only: every client times out.
        (
            "nacl-responses-only-to-listener-ports",
            &[
                ("ALB103", "error", Some("us-east-1a"), "timeout", 1, true),
                ("ALB103", "error", Some("us-east-1b"), "timeout", 1, true),
            ],
        ),
        // Private routes in one zone only: the other subnet gets the same route to the VPN.
        (
            "internal-vpn-in-one-az",
            &[(
                "ALB106",
                "error",
                Some("us-east-1b"),
                "intermittent-timeout",
                1,
                true,
            )],
        ),
        // The office's two /25 halves go to the VPN: a wider route to the internet gateway
        // would lose to them, so the fix moves them (and only them: they cover the office).
        (
            "office-routed-over-vpn-in-halves/office-client",
            &[
                ("ALB104", "error", Some("us-east-1a"), "timeout", 2, true),
                ("ALB104", "error", Some("us-east-1b"), "timeout", 2, true),
            ],
        ),
        // One ACL drops the responses of targets in two subnets: one cause, one fix that
        // admits both subnets under distinct rule numbers.
        (
            "alb-acl-drops-responses-from-app-subnets",
            &[
                ("ALB204", "error", None, "http-504", 2, true),
                ("ALB204", "error", None, "http-504", 2, true),
            ],
        ),
        // Requests come through the firewall endpoint, responses leave straight: the fix sends
        // them back through the same endpoint, so inspection stays.
        (
            "inspection-asymmetric-in-b",
            &[(
                "ALB110",
                "error",
                Some("us-east-1b"),
                "intermittent-timeout",
                1,
                true,
            )],
        ),
        // The firewall subnet's own table has no way back to the internet: the fix adds it there.
        (
            "inspection-subnet-without-return-route",
            &[(
                "ALB112",
                "error",
                Some("us-east-1b"),
                "intermittent-timeout",
                1,
                true,
            )],
        ),
        // One dead transit-gateway route, one finding (no ALB106 beside ALB105), and its fix
        // takes the way the other ALB subnet routes those clients (its VPN gateway).
        (
            "internal-tgw-blackhole",
            &[(
                "ALB105",
                "error",
                Some("us-east-1b"),
                "intermittent-timeout",
                1,
                true,
            )],
        ),
    ];
    for (world, rows) in cases {
        // `dir/case` runs the case's arguments from its cases.json; `dir` runs none.
        let (dir, case) = world.split_once('/').unwrap_or((world, ""));
        let args: Vec<String> = if case.is_empty() {
            Vec::new()
        } else {
            let cases: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(fixtures_dir().join(dir).join("cases.json")).unwrap(),
            )
            .unwrap();
            serde_json::from_value(cases[case].clone()).unwrap()
        };
        let (_, report) = audit(
            &fixtures_dir().join(dir).join("snapshot.json"),
            &args,
            "json",
        );
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        let findings = report["load_balancers"][0]["findings"].as_array().unwrap();
        type Owned = (String, String, Option<String>, String, usize, bool);
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let got: Vec<Owned> = findings
            .iter()
            .map(|f| {
                (
                    text(&f["rule"]).unwrap_or_default(),
                    text(&f["severity"]).unwrap_or_default(),
                    text(&f["availability_zone"]),
                    text(&f["symptom"]).unwrap_or_default(),
                    f["fix"]["changes"].as_array().unwrap().len(),
                    f["fix"]["verified"].as_bool().unwrap(),
                )
            })
            .collect();
        let want: Vec<Owned> = rows
            .iter()
            .map(|(r, s, z, y, n, v)| {
                (
                    r.to_string(),
                    s.to_string(),
                    z.map(str::to_string),
                    y.to_string(),
                    *n,
                    *v,
                )
            })
            .collect();
        assert_eq!(got, want, "{world}");
        // A partial restriction's words propose nothing either.
        for f in findings.iter().filter(|f| f["severity"] == "note") {
            assert!(
                f["remediation"]
                    .as_str()
                    .unwrap()
                    .starts_with("Nothing to change"),
                "{world}: {}",
                f["remediation"]
            );
        }
    }
    let (_, report) = audit(
        &fixtures_dir().join("ecs-dynamic-ports/snapshot.json"),
        &[],
        "json",
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let causes: std::collections::BTreeSet<&str> = report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(causes.len(), 1, "the dynamic ports are one cause");
}

/// The catalogue (docs/rules.md, `rules`, `explain`) says what the analysis does: no finding of
/// any fixture is more severe than its rule's bound ("at most"), every bound is reached by some
/// fixture finding, and every symptom a finding carries is one its rule's entry names.
#[test]
fn findings_stay_within_their_catalogue_entry() {
    let catalogue = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"),
    )
    .unwrap();
    let rank = |s: &str| ["note", "warning", "error"].iter().position(|x| *x == s);
    // | [ALB101](#alb101) | name | severity | resource | symptom |
    let entries: std::collections::BTreeMap<String, (usize, String)> = catalogue
        .lines()
        .filter(|l| l.starts_with("| [ALB"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let code = cells[0].trim_start_matches("| [")[..6].to_string();
            (
                code,
                (
                    rank(cells[2]).unwrap(),
                    cells[4].trim_end_matches(" |").to_string(),
                ),
            )
        })
        .collect();
    assert!(entries.len() > 30, "{entries:?}");
    // The symptoms an entry names: its words, with `(intermittent-)x` standing for both.
    let names = |text: &str, symptom: Option<&str>| {
        let wanted = symptom.unwrap_or("null");
        text.replace("(intermittent-)", "~")
            .split([' ', ',', '(', ')', ';', ':'])
            .any(|w| match w.strip_prefix('~') {
                Some(base) => wanted == base || wanted == format!("intermittent-{base}"),
                None => wanted == w,
            })
    };
    let mut reached = std::collections::BTreeMap::new();
    let mut unnamed = std::collections::BTreeSet::new();
    let mut checked = 0;
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let expected = dir.unwrap().path().join("expected");
        let Ok(files) = std::fs::read_dir(&expected) else {
            continue;
        };
        for file in files {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let report: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for lb in report["load_balancers"].as_array().unwrap() {
                for f in lb["findings"].as_array().unwrap() {
                    let rule = f["rule"].as_str().unwrap();
                    let (bound, symptoms) = &entries[rule];
                    let severity = rank(f["severity"].as_str().unwrap()).unwrap();
                    assert!(
                        severity <= *bound,
                        "{}: {rule} is {} above its rule's bound",
                        path.display(),
                        f["severity"]
                    );
                    let symptom = f["symptom"].as_str();
                    if !names(symptoms, symptom) {
                        unnamed.insert(format!(
                            "{rule}'s symptom {} is not in its catalogue entry `{symptoms}`",
                            symptom.unwrap_or("null")
                        ));
                    }
                    let top = reached.entry(rule.to_string()).or_insert(0);
                    *top = (*top).max(severity);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} findings checked");
    assert!(unnamed.is_empty(), "{unnamed:#?}");
    let short: Vec<String> = entries
        .iter()
        .filter(|(rule, (bound, _))| reached.get(*rule) != Some(bound))
        .map(|(rule, (bound, _))| format!("{rule}: bound {bound}, reached {:?}", reached.get(rule)))
        .collect();
    assert!(
        short.is_empty(),
        "no fixture reaches the severity these catalogue entries name: {short:#?}"
    );
}
