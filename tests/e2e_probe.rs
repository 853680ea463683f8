//! `alb-audit probe` end to end, with only loopback traffic: moto holds an internal ALB in a
//! VPC of 127.0.0.0/16 whose node interfaces are 127.0.1.10 (zone a) and 127.0.2.10 (zone b),
//! built with real SDK calls; the tests stand tiny servers in for the nodes on the listener's
//! port (one that answers 200 as a target would, one that answers 504 as the ALB does, one whose
//! accept queue is full so connects time out, a port with nothing listening so connects are
//! refused, and an HTTPS one serving a certificate also imported into ACM). The ALB's name is
//! only ever given by `--resolve`: the system's DNS is never asked.
//!
//! The `unreachable` classification needs a route the machine does not have, which loopback
//! cannot give: the engine's unit tests cover it (`src/probe/tcp.rs`).

mod common;

use std::net::TcpListener;

use aws_sdk_ec2::types::{Filter, PortRange, RuleAction};
use aws_sdk_elasticloadbalancingv2::types::{Certificate as ElbCertificate, ProtocolEnum};
use aws_smithy_types::Blob;
use common::servers::{FullBacklog, Reply, Server, TestCert, ALB_504, OK_NGINX};
use common::world::{build, forward, tcp, tcp_from_group, Spec, World, REGION};
use common::{alb_audit, layer, sdk_config, Moto};
use serde_json::Value;

const NODE_A: &str = "127.0.1.10";
const NODE_B: &str = "127.0.2.10";

/// A port free on both node addresses, for the listener.
fn listener_port() -> u16 {
    for _ in 0..50 {
        let a = TcpListener::bind((NODE_A, 0)).expect("bind node a");
        let port = a.local_addr().expect("bound").port();
        if TcpListener::bind((NODE_B, port)).is_ok() {
            return port;
        }
    }
    panic!("no port free on both node addresses");
}

/// A moto server, a listener port free on both node addresses, the loopback world (with one
/// HTTP listener on that port when `listener`), and the ALB's DNS name.
async fn setup(listener: bool) -> (Moto, u16, World, String) {
    let moto = Moto::start();
    let port = listener_port();
    let w = build(
        &moto.endpoint,
        &Spec {
            name: "probed".into(),
            internal: true,
            listener_ports: if listener {
                vec![i32::from(port)]
            } else {
                vec![]
            },
            loopback: true,
        },
    )
    .await;
    let name = w
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&w.alb_arn)
        .send()
        .await
        .expect("describe")
        .load_balancers
        .unwrap_or_default()
        .remove(0)
        .dns_name
        .expect("a DNS name");
    (moto, port, w, name)
}

/// Runs `alb-audit probe` against the world in `format`: (exit code, stdout, stderr).
fn run_probe(moto: &Moto, w: &World, format: &str, args: &[&str]) -> (i32, String, String) {
    let out = alb_audit()
        .args(["probe", "--alb-arn", &w.alb_arn])
        .args(["--endpoint-url", &moto.endpoint, "--format", format])
        .args(args)
        .output()
        .expect("run alb-audit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Runs `alb-audit probe` against the world: (exit code, JSON report, stderr).
fn probe(moto: &Moto, w: &World, args: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run_probe(moto, w, "json", args);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stdout: {stdout} stderr: {stderr}"));
    (code, report, stderr)
}

/// The probe result of `address`.
fn result<'a>(report: &'a Value, address: &str) -> &'a Value {
    report["load_balancers"][0]["probe"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("no result for {address}: {report:#}"))
}

/// The fingerprints (one per cause) of the findings of `rule` in `zone` (None: null zone).
fn fingerprints(report: &Value, rule: &str, zone: Option<&str>) -> Vec<String> {
    let mut v: Vec<String> = report["load_balancers"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["availability_zone"].as_str() == zone)
        .map(|f| f["fingerprint"].as_str().expect("a fingerprint").to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// A network ACL on `subnet` that drops requests to `port` (rule 90) and allows the rest.
async fn acl_denying(w: &World, subnet: &str, port: u16) -> String {
    let acl = w
        .ec2
        .create_network_acl()
        .vpc_id(&w.vpc)
        .send()
        .await
        .expect("ACL")
        .network_acl
        .and_then(|a| a.network_acl_id)
        .expect("an ACL id");
    let entry = |n: i32, egress: bool, allow: bool, from: i32, to: i32| {
        w.ec2
            .create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(n)
            .egress(egress)
            .protocol("6")
            .rule_action(if allow {
                RuleAction::Allow
            } else {
                RuleAction::Deny
            })
            .cidr_block("0.0.0.0/0")
            .port_range(PortRange::builder().from(from).to(to).build())
            .send()
    };
    let port = i32::from(port);
    entry(90, false, false, port, port).await.expect("deny");
    entry(100, false, true, 0, 65535).await.expect("allow in");
    entry(100, true, true, 0, 65535).await.expect("allow out");
    let association = w
        .ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet)
                .build(),
        )
        .send()
        .await
        .expect("describe ACLs")
        .network_acls
        .unwrap_or_default()
        .remove(0)
        .associations
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.subnet_id.as_deref() == Some(subnet))
        .and_then(|a| a.network_acl_association_id)
        .expect("an association");
    w.ec2
        .replace_network_acl_association()
        .association_id(association)
        .network_acl_id(&acl)
        .send()
        .await
        .expect("associate");
    acl
}

#[tokio::test(flavor = "multi_thread")]
async fn every_node_answering_passes_with_one_polite_request_each() {
    let (moto, port, w, name) = setup(true).await;
    let a = Server::http(&format!("{NODE_A}:{port}"), Reply::With(OK_NGINX.into()));
    let b = Server::http(&format!("{NODE_B}:{port}"), Reply::With(OK_NGINX.into()));
    let resolve = format!("{name}:{NODE_A},{NODE_B}");

    let (code, report, stderr) = probe(&moto, &w, &["--resolve", &resolve, "--path", "/health"]);
    assert_eq!(code, 0, "{stderr} {report:#}");
    assert_eq!(report["status"], "pass");
    assert_eq!(report["summary"]["probe_failures"], 0);
    let p = &report["load_balancers"][0]["probe"];
    assert_eq!(p["host"], name.as_str());
    assert_eq!(p["failed"], 0);
    assert_eq!(p["dns"]["overridden"], true);
    assert_eq!(strings(&p["dns"]["addresses"]), vec![NODE_A, NODE_B]);
    assert_eq!(p["dns"]["zones_missing"], serde_json::json!([]));
    for (node, zone) in [(NODE_A, "us-east-1a"), (NODE_B, "us-east-1b")] {
        let r = result(&report, node);
        assert_eq!(r["zone"], zone);
        assert_eq!(r["port"], port);
        assert_eq!(r["protocol"], "HTTP");
        assert_eq!(r["tcp"], "connected");
        assert_eq!(r["http"]["status"], 200);
        assert_eq!(r["http"]["server"], "nginx");
        assert_eq!(r["http"]["generated_by"], "target");
        assert_eq!(r["failure"], Value::Null);
        for join in ["explained_by", "unexplained", "contradicts"] {
            assert_eq!(r[join], serde_json::json!([]), "{join}: {r:#}");
        }
    }
    for server in [&a, &b] {
        let seen = server.seen();
        assert_eq!(seen.connections, 1, "one connection per node and port");
        assert_eq!(seen.requests.len(), 1, "one request per node and port");
        let head = &seen.requests[0];
        assert!(head.starts_with("GET /health HTTP/1.1\r\n"), "{head}");
        assert!(head.contains(&format!("\r\nHost: {name}\r\n")), "{head}");
    }
    let json = report.to_string();
    assert!(!json.contains("testing"), "no credentials in the report");
    assert!(
        !json.to_ascii_lowercase().contains("user-agent"),
        "no request headers"
    );

    let (_, text, _) = run_probe(&moto, &w, "text", &["--resolve", &resolve]);
    assert!(text.contains("Probe from here (GET / with Host "), "{text}");
    assert!(text.contains("all 2 probes succeeded"), "{text}");
    assert!(
        text.contains(&format!(
            "us-east-1a {NODE_A}:{port} HTTP  connected, HTTP 200 from a target, Server: nginx"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_explained_by_the_findings_that_predict_them() {
    let (moto, port, w, name) = setup(true).await;
    // The targets' group no longer admits the ALB (ALB202 from every node: 504) and subnet b
    // drops requests to the listener (ALB102 in b: its clients time out).
    w.ec2
        .revoke_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(tcp_from_group(8080, &w.alb_sg))
        .send()
        .await
        .expect("revoke");
    let acl = acl_denying(&w, &w.alb_subnets[1], port).await;
    let _a = Server::http(&format!("{NODE_A}:{port}"), Reply::With(ALB_504.into()));
    let _b = FullBacklog::bind(&format!("{NODE_B}:{port}"));

    let resolve = format!("{name}:{NODE_A},{NODE_B}");
    let (code, report, stderr) = probe(
        &moto,
        &w,
        &["--resolve", &resolve, "--connect-timeout", "1"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["status"], "fail");
    assert_eq!(report["summary"]["probe_failures"], 2);

    let a = result(&report, NODE_A);
    assert_eq!(a["http"]["status"], 504);
    assert_eq!(a["http"]["generated_by"], "alb");
    assert_eq!(a["failure"]["kind"], "http5xx");
    let alb202 = fingerprints(&report, "ALB202", None);
    assert!(!alb202.is_empty(), "{report:#}");
    assert_eq!(strings(&a["explained_by"]), alb202);
    assert_eq!(a["unexplained"], serde_json::json!([]));

    let b = result(&report, NODE_B);
    assert_eq!(b["tcp"], "timeout");
    assert_eq!(b["failure"]["kind"], "connect-timeout");
    let alb102 = fingerprints(&report, "ALB102", Some("us-east-1b"));
    assert_eq!(alb102.len(), 1, "{report:#}");
    assert_eq!(strings(&b["explained_by"]), alb102);
    // The bound: one phase of one second, never a retry.
    let took = b["elapsed_ms"].as_u64().expect("elapsed_ms");
    assert!((900..3000).contains(&took), "took {took} ms");

    let (code, text, _) = run_probe(
        &moto,
        &w,
        "text",
        &["--resolve", &resolve, "--connect-timeout", "1"],
    );
    assert_eq!(code, 1);
    assert!(
        text.contains(&format!(
            "us-east-1b {NODE_B}:{port} HTTP  connect timed out: no answer to the SYN"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("explained by ALB102 ({acl} rule 90)")),
        "{text}"
    );
    assert!(text.contains("HTTP 504 from the ALB"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unexplained_refusal_a_contradiction_and_a_zone_missing_from_dns() {
    let (moto, port, w, name) = setup(true).await;
    // Subnet a's ACL drops requests to the listener: the audit predicts timeouts at node a.
    acl_denying(&w, &w.alb_subnets[0], port).await;
    let _a = Server::http(&format!("{NODE_A}:{port}"), Reply::With(OK_NGINX.into()));
    // Nothing listens at node b: refused.

    // Node b's loopback address is named by a --resolve entry of another name, so that the
    // probe may connect to it while the ALB's name still answers with node a only.
    let (code, report, stderr) = probe(
        &moto,
        &w,
        &[
            "--resolve",
            &format!("{name}:{NODE_A}"),
            "--resolve",
            &format!("node-b.test:{NODE_B}"),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let p = &report["load_balancers"][0]["probe"];
    assert_eq!(strings(&p["dns"]["zones_missing"]), vec!["us-east-1b"]);

    let a = result(&report, NODE_A);
    assert_eq!(a["http"]["status"], 200);
    assert_eq!(a["failure"], Value::Null);
    let alb102 = fingerprints(&report, "ALB102", Some("us-east-1a"));
    assert_eq!(alb102.len(), 1, "{report:#}");
    assert_eq!(strings(&a["contradicts"]), alb102);

    let b = result(&report, NODE_B);
    assert_eq!(b["tcp"], "refused");
    assert_eq!(b["explained_by"], serde_json::json!([]));
    let suspects = strings(&b["unexplained"]);
    assert!(
        suspects[0].starts_with("nothing listens on this port"),
        "{suspects:?}"
    );
    assert!(
        suspects.iter().any(|s| s.contains("outside AWS")),
        "{suspects:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_nodes_show_their_certificate_judged_against_the_host_name() {
    let (moto, port, w, name) = setup(false).await;
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp(i32::from(port), "127.0.0.0/8"))
        .send()
        .await
        .expect("ingress");
    let cert = TestCert::new(
        "www.example.test",
        &["www.example.test"],
        (2024, 1, 1),
        (2090, 1, 1),
    );
    let acm = aws_sdk_acm::Client::new(&sdk_config(&moto.endpoint, REGION).await);
    let cert_arn = acm
        .import_certificate()
        .certificate(Blob::new(cert.pem.0.as_bytes()))
        .private_key(Blob::new(cert.pem.1.as_bytes()))
        .send()
        .await
        .expect("import")
        .certificate_arn
        .expect("an ARN");
    w.elb
        .create_listener()
        .load_balancer_arn(&w.alb_arn)
        .protocol(ProtocolEnum::Https)
        .port(i32::from(port))
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .certificates(ElbCertificate::builder().certificate_arn(&cert_arn).build())
        .default_actions(forward(&w.tg_arn))
        .send()
        .await
        .expect("HTTPS listener");
    let a = Server::https(
        &format!("{NODE_A}:{port}"),
        &cert,
        Reply::With(OK_NGINX.into()),
    );
    let b = Server::https(
        &format!("{NODE_B}:{port}"),
        &cert,
        Reply::With(OK_NGINX.into()),
    );
    let resolve = format!("{name}:{NODE_A},{NODE_B}");

    // The name clients use is covered: the handshake and the served certificate pass.
    let (code, report, stderr) = probe(
        &moto,
        &w,
        &["--resolve", &resolve, "--hostname", "www.example.test"],
    );
    assert_eq!(code, 0, "{stderr} {report:#}");
    let r = result(&report, NODE_A);
    assert_eq!(r["protocol"], "HTTPS");
    assert_eq!(r["tls"]["result"], "ok");
    let served = &r["tls"]["certificate"];
    assert_eq!(strings(&served["dns_names"]), vec!["www.example.test"]);
    assert_eq!(served["not_after"], "2090-01-01T00:00:00Z");
    assert_eq!(r["certificate_check"]["covers_host"], true);
    assert_eq!(r["certificate_check"]["validity"], "valid");
    assert_eq!(r["http"]["status"], 200);
    assert_eq!(
        a.seen().sni.last().cloned().flatten().as_deref(),
        Some("www.example.test")
    );

    // Another name: the audit finds ALB304, and the probe sees a certificate that does not
    // cover it, explained by that finding.
    let (code, report, stderr) = probe(
        &moto,
        &w,
        &["--resolve", &resolve, "--hostname", "api.example.test"],
    );
    assert_eq!(code, 1, "{stderr}");
    let alb304 = fingerprints(&report, "ALB304", None);
    assert_eq!(alb304.len(), 1, "{report:#}");
    for node in [NODE_A, NODE_B] {
        let r = result(&report, node);
        assert_eq!(r["tls"]["result"], "ok");
        assert_eq!(r["certificate_check"]["covers_host"], false);
        assert_eq!(r["failure"]["kind"], "certificate");
        assert_eq!(
            r["failure"]["message"],
            "the served certificate does not cover api.example.test"
        );
        assert_eq!(strings(&r["explained_by"]), alb304);
    }
    assert_eq!(
        b.seen().sni.last().cloned().flatten().as_deref(),
        Some("api.example.test")
    );
}

#[test]
fn bad_probe_flags_exit_2_with_one_line_before_any_traffic() {
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/healthy-internet-facing/snapshot.json"
    );
    for (flag, value, says) in [
        ("--resolve", "no-address-here", "bad resolve entry"),
        ("--resolve", "web.example:999.1.1.1", "bad resolve entry"),
        ("--connect-timeout", "0", "--connect-timeout"),
        ("--connect-timeout", "soon", "--connect-timeout"),
    ] {
        let out = alb_audit()
            .args(["probe", "--snapshot", snapshot, flag, value])
            .output()
            .expect("run alb-audit");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(says), "{flag} {value}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// A member of the account makes an interface in zone b's subnet with the nodes' description
/// (`ELB app/probed/…`) at 127.0.2.99, and `--resolve` even names that address: it is not
/// requester-managed by ELB (the layer leaves it as a member makes it), so it is never taken
/// for a node — no connection reaches it, the plan says why, and the report names it.
#[tokio::test(flavor = "multi_thread")]
async fn an_interface_elb_does_not_manage_is_never_probed() {
    const SPOOF: &str = "127.0.2.99";
    let (moto, port, w, name) = setup(true).await;
    let description = format!("ELB {}", w.alb_arn.split(":loadbalancer/").nth(1).unwrap());
    let spoof = w
        .ec2
        .create_network_interface()
        .subnet_id(&w.alb_subnets[1])
        .private_ip_address(SPOOF)
        .description(&description)
        .groups(&w.alb_sg)
        .send()
        .await
        .expect("create the spoofed interface")
        .network_interface
        .unwrap()
        .network_interface_id
        .unwrap();
    layer::made_by_member(&moto.layer, &spoof);
    let a = Server::http(&format!("{NODE_A}:{port}"), Reply::With(OK_NGINX.into()));
    let b = Server::http(&format!("{NODE_B}:{port}"), Reply::With(OK_NGINX.into()));
    let planted = Server::http(&format!("{SPOOF}:{port}"), Reply::With(OK_NGINX.into()));
    let resolve = format!("{name}:{NODE_A},{NODE_B},{SPOOF}");

    let (_, report, stderr) = probe(&moto, &w, &["--resolve", &resolve]);
    assert_eq!(planted.seen().connections, 0, "nothing sent to {SPOOF}");
    assert_eq!(a.seen().connections, 1, "{stderr}");
    assert_eq!(b.seen().connections, 1, "{stderr}");
    let lb = &report["load_balancers"][0];
    let not_probed = lb["probe"]["not_probed"].to_string();
    assert!(
        not_probed.contains(&format!("interface {spoof} is described as its node, but Elastic Load Balancing does not manage it")),
        "{not_probed}"
    );
    assert_eq!(
        lb["topology"]["ignored_interfaces"],
        serde_json::json!([{
            "id": spoof, "subnet_id": w.alb_subnets[1], "addresses": [SPOOF],
            "requester_managed": false, "requester_id": "AIDAMEMBEREXAMPLE"
        }]),
    );
    // The real nodes stay nodes: the layer shows them as ELB shows its own.
    let nodes = &lb["topology"]["nodes"];
    assert_eq!(nodes[0]["addresses"], serde_json::json!([NODE_A]));
    assert_eq!(nodes[1]["addresses"], serde_json::json!([NODE_B]));
}
