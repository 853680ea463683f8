//! The fleet against moto, which serves every region from one server and other accounts through
//! STS AssumeRole (the credentials act in the role's account): two accounts in two regions, one
//! region without an ALB, a denied account, an organization listing its accounts, every enabled
//! region, a region whose listing fails, fleet snapshots replayed offline, and the flag
//! combinations that make no sense.

mod common;

use std::collections::BTreeSet;

use common::proxy::{Fault, Proxy};
use common::world::{build_with, Spec};
use common::{account_config, alb_audit, sdk_config, Moto};
use serde_json::{json, Value};

const A: &str = "111111111111";
const B: &str = "222222222222";
const DENIED: &str = "333333333333";
/// moto's account for the default test credentials.
const CALLER: &str = "123456789012";

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = alb_audit().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

/// (name, account_id, region) of every ALB in the report, sorted.
fn places(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = report["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lb| {
            (
                lb["name"].as_str().unwrap().to_string(),
                lb["account_id"].as_str().unwrap().to_string(),
                lb["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn place(name: &str, account: &str, region: &str) -> (String, String, String) {
    (name.into(), account.into(), region.into())
}

/// The report without its time stamp.
fn timeless(mut report: Value) -> Value {
    report["generated_at"] = Value::Null;
    report
}

async fn world(endpoint: &str, account: &str, region: &str, name: &str) -> String {
    let config = account_config(endpoint, region, account).await;
    let spec = Spec {
        name: name.into(),
        ..Spec::default()
    };
    build_with(&config, &spec).await.alb_arn
}

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_two_regions_and_a_denied_account_make_one_report() {
    let moto = Moto::start();
    let a_east = world(&moto.endpoint, A, "us-east-1", "a-east").await;
    world(&moto.endpoint, A, "eu-west-1", "a-west").await;
    world(&moto.endpoint, B, "us-east-1", "b-east").await;
    // B has no ALB in eu-west-1: nothing to report there, and nothing missing either.
    assert!(a_east.contains(&format!(":{A}:")), "{a_east}");

    let proxy = Proxy::start(
        &moto.endpoint,
        vec![(&*format!("AssumeRole {DENIED}"), Fault::StsAccessDenied)],
    );
    let fleet = [
        "--all",
        "--regions",
        "us-east-1,eu-west-1",
        "--role-name",
        "AlbAudit",
        "--account",
        A,
        "--account",
        B,
        "--account",
        DENIED,
        "--endpoint-url",
        &proxy.endpoint,
    ];
    let mut args = vec!["audit", "--format", "json"];
    args.extend(fleet);
    let (code, report, stderr) = run(&args);
    assert_eq!(
        places(&report),
        [
            place("a-east", A, "us-east-1"),
            place("a-west", A, "eu-west-1"),
            place("b-east", B, "us-east-1"),
        ],
        "{report:#}"
    );
    assert_eq!(
        report["not_evaluated"],
        json!([{"check": "account 333333333333", "reason": "sts:AssumeRole: access denied"}])
    );
    // Every ALB passes; the denied account makes the whole audit incomplete, never a pass.
    for lb in report["load_balancers"].as_array().unwrap() {
        assert_eq!(lb["status"], "pass", "{lb:#}");
    }
    assert_eq!(report["status"], "incomplete");
    assert_eq!(code, 3, "{stderr}");
    // Quiet in a pipe: no progress bar on standard error.
    assert_eq!(stderr, "");
    let calls = proxy.calls();
    assert_eq!(calls["AssumeRole"], 3, "{calls:?}");
    // Two accounts x two regions, one listing each; the denied account is never read.
    assert_eq!(calls["DescribeLoadBalancers"], 4, "{calls:?}");

    // The same fleet as one snapshot file, replayed offline to the same report.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    let file_arg = file.to_str().unwrap();
    let mut args = vec!["snapshot", "--output", file_arg];
    args.extend(fleet);
    let out = alb_audit().args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "a fleet snapshot with an unread account exits 3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let parts: Vec<(String, String, usize)> = written["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["account_id"].as_str().unwrap().to_string(),
                p["region"].as_str().unwrap().to_string(),
                p["load_balancers"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (A.to_string(), "eu-west-1".to_string(), 1),
            (A.to_string(), "us-east-1".to_string(), 1),
            (B.to_string(), "eu-west-1".to_string(), 0),
            (B.to_string(), "us-east-1".to_string(), 1),
        ]
    );
    drop(moto);
    let (replay_code, replayed, _) = run(&["audit", "--format", "json", "--snapshot", file_arg]);
    assert_eq!(replay_code, 3);
    assert_eq!(timeless(replayed), timeless(report));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_is_audited_account_by_account_active_ones_only() {
    let moto = Moto::start();
    let config = sdk_config(&moto.endpoint, "us-east-1").await;
    let org = aws_sdk_organizations::Client::new(&config);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut created = Vec::new();
    for name in ["member", "closed"] {
        let status = org
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        created.push(
            status
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("moto creates the account at once")
                .to_string(),
        );
    }
    let (member, closed) = (&created[0], &created[1]);
    org.close_account().account_id(closed).send().await.unwrap();
    world(&moto.endpoint, member, "us-east-1", "member-web").await;
    world(&moto.endpoint, CALLER, "us-east-1", "management-web").await;

    let proxy = Proxy::start(&moto.endpoint, vec![]);
    let organization = [
        "audit",
        "--format",
        "json",
        "--all",
        "--organization",
        "--role-name",
        "AlbAudit",
        "--regions",
        "us-east-1",
        "--endpoint-url",
        &proxy.endpoint,
    ];
    let (code, report, stderr) = run(&organization);
    assert_eq!(
        places(&report),
        [
            place("management-web", CALLER, "us-east-1"),
            place("member-web", member, "us-east-1"),
        ]
    );
    assert_eq!(report["not_evaluated"], json!([]));
    assert_eq!(
        (code, report["status"].as_str()),
        (0, Some("pass")),
        "{stderr}"
    );
    let calls = proxy.calls();
    assert_eq!(calls["ListAccounts"], 1, "{calls:?}");
    // The management account and the member; the closed account is not assumed.
    assert_eq!(calls["AssumeRole"], 2, "{calls:?}");

    // The organization cannot be listed: said at the top, exit 3, nothing audited.
    let denied = Proxy::start(
        &moto.endpoint,
        vec![("ListAccounts", Fault::JsonAccessDenied)],
    );
    let mut args = organization.to_vec();
    let last = args.len() - 1;
    args[last] = &denied.endpoint;
    let (code, report, _) = run(&args);
    assert_eq!(code, 3);
    assert_eq!(report["status"], "incomplete");
    assert_eq!(report["summary"]["load_balancers"], 0);
    assert_eq!(
        report["not_evaluated"],
        json!([{"check": "organization", "reason": "organizations:ListAccounts: access denied"}])
    );
    assert_eq!(denied.calls().get("AssumeRole"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn regions_all_reads_every_enabled_region_and_names_a_failed_one() {
    let moto = Moto::start();
    world(&moto.endpoint, CALLER, "us-east-1", "east").await;
    world(&moto.endpoint, CALLER, "ap-southeast-2", "sydney").await;
    // moto lists every region with its opt-in status; AWS lists only the enabled ones unless
    // asked for all. Enabled: `opt-in-not-required` or `opted-in`.
    let listed = aws_sdk_ec2::Client::new(&sdk_config(&moto.endpoint, "us-east-1").await)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .unwrap();
    let (enabled, disabled): (Vec<_>, Vec<_>) = listed
        .regions()
        .iter()
        .partition(|r| r.opt_in_status() != Some("not-opted-in"));
    let enabled: BTreeSet<&str> = enabled.iter().filter_map(|r| r.region_name()).collect();
    assert!(enabled.len() > 2 && !disabled.is_empty(), "{listed:?}");

    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeLoadBalancers eu-west-1", Fault::ElbAccessDenied)],
    );
    let (code, report, stderr) = run(&[
        "audit",
        "--format",
        "json",
        "--all",
        "--regions",
        "all",
        "--region",
        "us-east-1",
        "--endpoint-url",
        &proxy.endpoint,
    ]);
    assert_eq!(
        places(&report),
        [
            place("east", CALLER, "us-east-1"),
            place("sydney", CALLER, "ap-southeast-2"),
        ]
    );
    assert_eq!(
        report["not_evaluated"],
        json!([{
            "check": "region eu-west-1",
            "reason": "elasticloadbalancing:DescribeLoadBalancers: access denied"
        }])
    );
    assert_eq!(
        (code, report["status"].as_str()),
        (3, Some("incomplete")),
        "{stderr}"
    );
    let calls = proxy.calls();
    assert_eq!(calls["DescribeRegions"], 1, "{calls:?}");
    // One listing per enabled region, none anywhere else.
    assert_eq!(calls["DescribeLoadBalancers"], enabled.len(), "{calls:?}");
    assert_eq!(
        calls.get("AssumeRole"),
        None,
        "the caller's own account: no role"
    );

    // Regions cannot be listed: the account is named, nothing is silently skipped.
    let denied = Proxy::start(
        &moto.endpoint,
        vec![("DescribeRegions", Fault::Ec2Unauthorized)],
    );
    let (code, report, _) = run(&[
        "audit",
        "--format",
        "json",
        "--all",
        "--regions",
        "all",
        "--role-name",
        "AlbAudit",
        "--account",
        A,
        "--region",
        "us-east-1",
        "--endpoint-url",
        &denied.endpoint,
    ]);
    assert_eq!(code, 3);
    assert_eq!(
        report["not_evaluated"],
        json!([{"check": "account 111111111111", "reason": "ec2:DescribeRegions: access denied"}])
    );
}

/// Flags that make no sense together: exit 2 and one line that says why, before any AWS call.
#[test]
fn bad_fleet_flag_combinations_are_one_line_and_exit_2() {
    let arn =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188";
    let cases: &[(&[&str], &str)] = &[
        (&["--all", "--account", A], "--account needs --role-name"),
        (
            &["--all", "--organization"],
            "--organization needs --role-name",
        ),
        (
            &[
                "--all",
                "--organization",
                "--account",
                A,
                "--role-name",
                "R",
            ],
            "--organization and --account exclude each other",
        ),
        (
            &["--all", "--role-name", "R"],
            "--role-name needs --account",
        ),
        (
            &["--all", "--external-id", "x"],
            "--external-id needs --role-name",
        ),
        (
            &["--alb-arn", arn, "--regions", "us-east-1"],
            "not --alb-arn",
        ),
        (
            &["--alb-arn", arn, "--role-name", "R", "--account", A],
            "not --alb-arn",
        ),
        (&["--all", "--regions", "all,us-east-1"], "give it alone"),
        (
            &["--all", "--regions", "nowhere"],
            "unknown region 'nowhere'",
        ),
        (&["--all", "--regions", "us-east-1,"], "empty name"),
        (
            &["--all", "--role-name", "R", "--account", "12345"],
            "bad --account '12345'",
        ),
        (
            &[
                "--all",
                "--role-name",
                "arn:aws:iam::111111111111:role/R",
                "--account",
                A,
            ],
            "bad --role-name",
        ),
        (
            &["--snapshot", "fleet.json", "--regions", "us-east-1"],
            "for live runs",
        ),
    ];
    for (args, want) in cases {
        for sub in ["audit", "snapshot"] {
            if sub == "snapshot" && args.contains(&"--snapshot") {
                continue;
            }
            let mut cmd = alb_audit();
            cmd.arg(sub).args(*args);
            if sub == "snapshot" {
                cmd.args(["--output", "/nonexistent/never-written.json"]);
            }
            // An endpoint nothing listens on: a call made by mistake would fail differently (an
            // offline audit refuses the flag itself).
            if !args.contains(&"--snapshot") {
                cmd.args(["--endpoint-url", "http://127.0.0.1:9"]);
            }
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{sub} {args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{sub} {args:?}: {stderr}");
            assert!(stderr.contains(want), "{sub} {args:?}: {stderr}");
        }
    }
}

/// A fleet file made of two saved single-region snapshots: replayed as one report whose ALBs
/// keep the account and region of their ARNs; a part in a format this build cannot read is bad
/// input, and a single-region file still loads as before.
#[test]
fn fleet_files_load_their_parts_and_refuse_an_unknown_format() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| -> Value {
        let path = root.join("fixtures").join(name).join("snapshot.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (one, two) = (read("healthy-internet-facing"), read("nat-route-in-one-az"));
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, value: &Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let fleet = json!({
        "format": 2,
        "parts": [one, two],
        "unread": [{"scope": "account 333333333333", "api": "sts:AssumeRole", "error": "access denied"}]
    });
    let audit = |name: &str, snapshot: &Value| {
        run(&[
            "audit",
            "--format",
            "json",
            "--snapshot",
            &write(name, snapshot),
        ])
    };
    let (code, report, stderr) = audit("fleet.json", &fleet);
    let (_, single_one, _) = audit("one.json", &one);
    let (_, single_two, _) = audit("two.json", &two);
    let both: Vec<Value> = [&single_one, &single_two]
        .iter()
        .flat_map(|r| r["load_balancers"].as_array().unwrap().clone())
        .collect();
    assert_eq!(report["load_balancers"], Value::Array(both), "{stderr}");
    assert_eq!(
        report["not_evaluated"],
        json!([{"check": "account 333333333333", "reason": "sts:AssumeRole: access denied"}])
    );
    // nat-route-in-one-az has an error finding: the fleet fails, and still lists the gap.
    assert_eq!((code, report["status"].as_str()), (1, Some("fail")));

    let mut future = fleet.clone();
    future["parts"][1]["format"] = json!(99);
    let out = alb_audit()
        .args([
            "audit",
            "--format",
            "json",
            "--snapshot",
            &write("future.json", &future),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("format 99 is not supported"), "{stderr}");
}
