//! Hostile input never panics: truncated and byte-mutated snapshot files give a clear error,
//! and snapshots with odd values in any field (negative or huge numbers, wrong types, empty
//! strings and lists, unknown enum values) either fail to load with an error or load and are
//! evaluated and rendered without a panic.

use std::path::{Path, PathBuf};

use alb_audit::analysis::tls::TlsOptions;
use alb_audit::cli::load_snapshot;
use alb_audit::net::tls_policy::TlsVersion;
use alb_audit::report::{self, FailOn};
use alb_audit::rules::{evaluate, Options};
use proptest::prelude::*;
use serde_json::Value;

fn fixture_texts() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("snapshot.json"))
        .filter(|p| p.exists())
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Loads `text` as a snapshot file and, if it loads, runs everything after it.
fn exercise(dir: &Path, text: &[u8]) -> Result<(), String> {
    let path: PathBuf = dir.join("snapshot.json");
    std::fs::write(&path, text).unwrap();
    let snapshot = load_snapshot(&path).map_err(|e| e.to_string())?;
    let tls = TlsOptions {
        hostnames: vec!["www.example.com".into(), "example.com".into()],
        client_tls: TlsVersion::ALL.to_vec(),
        cert_expiry_days: 3650,
        client_cert: None,
    };
    for (cidrs, tls) in [
        (vec![], TlsOptions::default()),
        (
            vec!["10.0.0.0/8".parse().unwrap(), "::/0".parse().unwrap()],
            tls,
        ),
    ] {
        let outcomes = evaluate(
            &snapshot,
            &Options {
                client_cidrs: cidrs,
                tls,
            },
        );
        let report = report::build(&snapshot, outcomes, FailOn::Note, None, String::new());
        let _ = report.to_json();
        let _ = report::text::render(&report);
        let _ = report.exit_code(FailOn::Error);
    }
    Ok(())
}

#[test]
fn every_truncation_of_every_fixture_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in fixture_texts() {
        let bytes = text.trim_end().as_bytes();
        for cut in (0..bytes.len()).step_by(37) {
            let err = exercise(dir.path(), &bytes[..cut]);
            assert!(err.is_err(), "{name} cut at {cut} loaded");
            let msg = err.unwrap_err();
            assert!(
                msg.contains("malformed snapshot") && !msg.contains('\n'),
                "{msg}"
            );
        }
    }
}

/// Every leaf of a JSON value, as a path of keys and indices.
fn leaves(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                path.push(Value::from(k.clone()));
                leaves(c, path, out);
                path.pop();
            }
            out.push(path.clone());
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                path.push(Value::from(i));
                leaves(c, path, out);
                path.pop();
            }
            out.push(path.clone());
        }
        _ => out.push(path.clone()),
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::String(s) => &mut v[s.as_str()],
        Value::Number(n) => &mut v[n.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

fn odd_values() -> Vec<Value> {
    serde_json::from_str(
        r#"[null, -1, 0, 65536, 4294967296, -2147483649, 1e300, 32767, "", "-1", "tcp",
            "from-a-newer-api", "0.0.0.0/0", "::/0", "10.0.0.300/8", "10.0.0.1/33", "not a cidr",
            "blackhole", "all", [], {}, [""], true, "i-unknown", "subnet-unknown",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"]"#,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Structural mutations: any field replaced by an odd value, or removed.
    #[test]
    fn odd_values_anywhere_never_panic(which in 0usize..10_000, pick in 0usize..1_000,
                                       remove in any::<bool>(), fixture in 0usize..64) {
        let texts = fixture_texts();
        let (_, text) = &texts[fixture % texts.len()];
        let mut v: Value = serde_json::from_str(text).unwrap();
        let mut all = Vec::new();
        leaves(&v, &mut Vec::new(), &mut all);
        let path = &all[which % all.len()];
        if let (true, Some((last, parent))) = (remove, path.split_last()) {
            match (at(&mut v, parent), last) {
                (Value::Object(m), Value::String(k)) => { m.remove(k); }
                (Value::Array(a), Value::Number(i)) => { a.remove(i.as_u64().unwrap() as usize); }
                _ => {}
            }
        } else {
            let odd = odd_values();
            *at(&mut v, path) = odd[pick % odd.len()].clone();
        }
        let dir = tempfile::tempdir().unwrap();
        let _ = exercise(dir.path(), serde_json::to_string(&v).unwrap().as_bytes());
    }

    /// Byte-level mutations of a fixture file.
    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
                                 fixture in 0usize..64) {
        let texts = fixture_texts();
        let mut bytes = texts[fixture % texts.len()].1.clone().into_bytes();
        for (pos, b) in flips {
            let i = pos % bytes.len();
            bytes[i] = b;
        }
        let dir = tempfile::tempdir().unwrap();
        let _ = exercise(dir.path(), &bytes);
    }
}

/// Odd but well-formed answers load and evaluate: unknown enums from a newer API, empty
/// lists, missing optional fields.
#[test]
fn odd_but_valid_snapshots_load_and_evaluate() {
    let (_, text) = fixture_texts()
        .into_iter()
        .find(|(n, _)| n.contains("healthy-internet-facing"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "unknown scheme",
            Box::new(|v| v["load_balancers"][0]["scheme"] = "from-a-newer-api".into()),
        ),
        (
            "unknown address type",
            Box::new(|v| v["load_balancers"][0]["ip_address_type"] = "ipv7".into()),
        ),
        (
            "unknown route state",
            Box::new(|v| {
                v["network"]["route_tables"]["rtb-0pub"]["routes"][1]["state"] = "pending".into()
            }),
        ),
        (
            "unknown target type",
            Box::new(|v| {
                let tgs = v["target_groups"].as_object_mut().unwrap();
                let tg = tgs.values_mut().next().unwrap();
                tg["target_type"] = "quantum".into();
            }),
        ),
        (
            "unknown gap dataset",
            Box::new(
                |v| v["gaps"] = serde_json::json!([{"dataset": "wormholes", "api": "ec2:DescribeWormholes", "error": "AccessDenied"}]),
            ),
        ),
        (
            "no availability zones",
            Box::new(|v| v["load_balancers"][0]["availability_zones"] = serde_json::json!([])),
        ),
        (
            "no network at all",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("network");
            }),
        ),
        (
            "no target groups",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("target_groups");
            }),
        ),
        (
            "port 0 listener",
            Box::new(|v| v["load_balancers"][0]["listeners"][0]["port"] = 0.into()),
        ),
    ];
    for (what, edit) in edits {
        let mut v: Value = serde_json::from_str(&text).unwrap();
        edit(&mut v);
        let result = exercise(dir.path(), serde_json::to_string(&v).unwrap().as_bytes());
        assert!(result.is_ok(), "{what}: {result:?}");
    }
}

/// The status of the healthy fixture after `edit`: unknown values must never pass.
fn status_after(edit: impl Fn(&mut Value)) -> (report::Status, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/healthy-internet-facing/snapshot.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let snapshot = load_snapshot(&file).unwrap();
    let outcomes = evaluate(&snapshot, &Options::default());
    let reasons = outcomes
        .iter()
        .flat_map(|o| {
            o.not_evaluated
                .iter()
                .map(|n| format!("{}: {}", n.check, n.reason))
        })
        .collect();
    let report = report::build(&snapshot, outcomes, FailOn::Error, None, String::new());
    (report.status, reasons)
}

fn first_value<'a>(v: &'a mut Value, map: &str) -> &'a mut Value {
    v["network"][map]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap()
}

/// Each missing or unknown value a verdict depends on makes the audit incomplete, not pass:
/// one edit of the healthy fixture per field, and the unedited fixture passes.
#[test]
fn unknown_values_are_incomplete_never_pass() {
    assert_eq!(status_after(|_| {}).0, report::Status::Pass);
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 11] = [
        ("scheme", |v| {
            v["load_balancers"][0]["scheme"] = "sideways".into()
        }),
        ("ip_address_type", |v| {
            v["load_balancers"][0]["ip_address_type"] = "ipv5".into()
        }),
        ("ALB vpc id", |v| {
            v["load_balancers"][0]["vpc_id"] = "".into()
        }),
        ("route state pending", |v| {
            for t in v["network"]["route_tables"]
                .as_object_mut()
                .unwrap()
                .values_mut()
            {
                t["routes"][0]["state"] = "pending".into();
            }
        }),
        ("security group rule protocol missing", |v| {
            for g in v["network"]["security_groups"]
                .as_object_mut()
                .unwrap()
                .values_mut()
            {
                g["ingress"][0].as_object_mut().unwrap().remove("protocol");
                g["ingress"][0]["protocol"] = "".into();
            }
        }),
        ("ACL entry protocol missing", |v| {
            first_value(v, "network_acls")["entries"][0]["protocol"] = "".into()
        }),
        ("ACL entry protocol unknown", |v| {
            first_value(v, "network_acls")["entries"][0]["protocol"] = "tcp6".into()
        }),
        ("ACL entry with an unparseable CIDR", |v| {
            first_value(v, "network_acls")["unreadable_entries"] = 1.into()
        }),
        ("health check port banana", |v| {
            for g in v["target_groups"].as_object_mut().unwrap().values_mut() {
                g["health_check_port"] = "banana".into();
            }
        }),
        ("target group ip_address_type", |v| {
            for g in v["target_groups"].as_object_mut().unwrap().values_mut() {
                g["ip_address_type"] = "ipv7".into();
            }
        }),
        ("an instance without an id", |v| {
            let instances = v["network"]["instances"].as_object_mut().unwrap();
            let (key, mut instance) = instances
                .iter()
                .next()
                .map(|(k, i)| (k.clone(), i.clone()))
                .unwrap();
            instances.remove(&key);
            instance["id"] = "".into();
            instances.insert(String::new(), instance);
        }),
    ];
    for (field, edit) in edits {
        let (status, reasons) = status_after(edit);
        assert_eq!(status, report::Status::Incomplete, "{field}: {reasons:?}");
        assert!(
            reasons.iter().any(|r| r.contains("snapshot: ")),
            "{field}: {reasons:?}"
        );
    }
}
