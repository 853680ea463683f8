//! `probe` stays inside its plan (CONTRACT.md, "Safe output"): a snapshot that plants a node
//! address outside its subnet, or one in a special-purpose range that `--resolve` does not
//! name, makes the probe send nothing there, and a probe that sends nothing is incomplete
//! (exit 3), never a pass. Loopback listeners stand in for the planted hosts: they must
//! receive no connection. No name is looked up (`--resolve` answers for the ALB's name).

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The healthy fixture as an internal ALB whose two node interfaces carry `a` and `b`, with
/// its HTTP listener (and what its security group admits) on `port`, its HTTPS listener
/// removed: an ALB the audit passes.
fn planted(a: &str, b: &str, port: u16) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/healthy-internet-facing/snapshot.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let lb = &mut v["load_balancers"][0];
    lb["scheme"] = "internal".into();
    let listeners = lb["listeners"].as_array_mut().unwrap();
    listeners.retain(|l| l["protocol"] == "HTTP");
    listeners[0]["port"] = port.into();
    for rule in v["network"]["security_groups"]["sg-0alb"]["ingress"]
        .as_array_mut()
        .unwrap()
    {
        rule["from_port"] = port.into();
        rule["to_port"] = port.into();
    }
    v["network"]["network_interfaces"]["eni-0n1"]["addresses"] = serde_json::json!([a]);
    v["network"]["network_interfaces"]["eni-0n2"]["addresses"] = serde_json::json!([b]);
    v
}

/// Runs `probe --snapshot` on `snapshot` with `args`: (exit status, JSON report).
fn probe(snapshot: &Value, args: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    std::fs::write(&file, snapshot.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["probe", "--snapshot"])
        .arg(&file)
        .args(["--format", "json", "--connect-timeout", "1"])
        .args(args)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

/// Whether a connection is waiting on `listener` (it never blocks).
fn connected(listener: &TcpListener) -> bool {
    listener.set_nonblocking(true).unwrap();
    listener.accept().is_ok()
}

#[test]
fn planted_node_addresses_receive_no_connection_and_nothing_probed_is_incomplete() {
    // Node a: a loopback address outside its subnet (10.0.1.0/24), even though --resolve
    // names it. Node b: a loopback address that --resolve does not name.
    let outside = TcpListener::bind("127.0.0.77:0").unwrap();
    let port = outside.local_addr().unwrap().port();
    let unnamed = TcpListener::bind(("127.0.0.78", port)).unwrap();
    let snapshot = planted("127.0.0.77", "127.0.0.78", port);
    let name = snapshot["load_balancers"][0]["dns_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, report) = probe(&snapshot, &["--resolve", &format!("{name}:127.0.0.77")]);
    assert!(
        !connected(&outside),
        "a planted address outside its subnet was probed"
    );
    assert!(
        !connected(&unnamed),
        "an unnamed loopback address was probed"
    );
    let alb = &report["load_balancers"][0];
    assert_eq!(alb["probe"]["results"], serde_json::json!([]), "{alb:#}");
    let reasons: Vec<&str> = alb["probe"]["not_probed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("outside its subnet"), "{reasons:?}");
    assert!(reasons[1].contains("loopback"), "{reasons:?}");
    assert_eq!(alb["status"], "incomplete", "{alb:#}");
    assert_eq!(code, 3);
}

#[test]
fn link_local_and_metadata_node_addresses_are_not_probed() {
    let snapshot = planted("169.254.169.254", "169.254.1.1", 80);
    let (code, report) = probe(&snapshot, &["--resolve", "unrelated.test:192.0.2.1"]);
    let alb = &report["load_balancers"][0];
    assert_eq!(alb["probe"]["results"], serde_json::json!([]), "{alb:#}");
    for n in alb["probe"]["not_probed"].as_array().unwrap() {
        assert!(n["reason"].as_str().unwrap().contains("link-local"), "{n}");
    }
    assert_eq!(code, 3);
}
