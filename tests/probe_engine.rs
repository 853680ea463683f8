//! The probe engine end to end against loopback servers (`common::servers`): every TCP, TLS
//! and HTTP classification, and `run_all`'s order and concurrency bound. Only loopback
//! addresses are contacted and no name is looked up.

mod common;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use alb_audit::probe::{
    probe, run_all, GeneratedBy, HttpOutcome, Outcome, Request, ServedCertificate, TcpOutcome,
};
use common::servers::{closed_port, FullBacklog, Reply, Server, TestCert, ALB_504, OK_NGINX};

const HOST: &str = "www.example.test";

/// An upper bound that only keeps a broken test from hanging CI; never asserted as a duration.
const HANG_GUARD: Duration = Duration::from_secs(20);

fn request(addr: SocketAddr, tls: bool) -> Request {
    Request {
        addr: addr.ip(),
        port: addr.port(),
        tls,
        host: HOST.into(),
        path: "/health".into(),
        timeout: Duration::from_secs(5),
    }
}

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, work)
        .await
        .expect("the probe ends within its timeouts")
}

async fn probe_one(request: Request) -> Outcome {
    bounded(probe(&request)).await
}

fn http_ok(status: u16, server: &str, by: GeneratedBy) -> Option<HttpOutcome> {
    Some(HttpOutcome {
        status: Some(status),
        server: Some(server.into()),
        generated_by: Some(by),
        error: None,
    })
}

fn http_error(status: Option<u16>, error: &str) -> Option<HttpOutcome> {
    Some(HttpOutcome {
        status,
        server: None,
        generated_by: None,
        error: Some(error.into()),
    })
}

fn expected_request() -> String {
    format!(
        "GET /health HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: alb-audit/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[tokio::test]
async fn a_target_answering_200_is_connected_and_generated_by_the_target() {
    let server = Server::http("127.0.0.2", Reply::With(OK_NGINX.into()));
    let outcome = probe_one(request(server.addr, false)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    assert_eq!(outcome.tls, None);
    assert_eq!(outcome.http, http_ok(200, "nginx", GeneratedBy::Target));
    let seen = server.seen();
    assert_eq!(seen.requests, vec![expected_request()]);
    assert_eq!(seen.connections, 1);
}

#[tokio::test]
async fn an_alb_504_is_generated_by_the_alb() {
    let server = Server::http("127.0.1.10", Reply::With(ALB_504.into()));
    let outcome = probe_one(request(server.addr, false)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    assert_eq!(outcome.http, http_ok(504, "awselb/2.0", GeneratedBy::Alb));
}

#[tokio::test]
async fn an_ipv6_node_is_probed_like_any_other() {
    let server = Server::http("::1", Reply::With(ALB_504.into()));
    let outcome = probe_one(request(server.addr, false)).await;
    assert_eq!(outcome.http, http_ok(504, "awselb/2.0", GeneratedBy::Alb));
    assert_eq!(server.seen().requests, vec![expected_request()]);
}

#[tokio::test]
async fn nothing_listening_is_refused() {
    let outcome = probe_one(request(closed_port("127.0.9.9"), false)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Refused);
    assert_eq!((outcome.tls, outcome.http), (None, None));
}

#[tokio::test]
async fn a_full_accept_queue_makes_the_connect_time_out() {
    let listener = FullBacklog::bind("127.0.3.3");
    let mut req = request(listener.addr, false);
    req.timeout = Duration::from_secs(1);
    let outcome = probe_one(req).await;
    assert_eq!(outcome.tcp, TcpOutcome::Timeout);
    assert_eq!((outcome.tls, outcome.http), (None, None));
}

#[tokio::test]
async fn a_silent_server_times_out_waiting_for_the_response_head() {
    let server = Server::http("127.0.0.6", Reply::Silent);
    let mut req = request(server.addr, false);
    req.timeout = Duration::from_secs(1);
    let outcome = probe_one(req).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    assert_eq!(outcome.http, http_error(None, "timed out after 1 s"));
}

#[tokio::test]
async fn a_reset_is_reported_and_never_retried() {
    let server = Server::http("127.0.0.8", Reply::Reset);
    let outcome = probe_one(request(server.addr, false)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    assert_eq!(outcome.http, http_error(None, "connection reset by peer"));
    assert_eq!(server.seen().connections, 1);
    assert_eq!(server.seen().requests.len(), 1);
}

#[tokio::test]
async fn a_close_before_the_end_of_the_head_keeps_the_status_read() {
    let truncated = "HTTP/1.1 502 Bad Gateway\r\nServer: awselb/2.0\r\n";
    let server = Server::http("127.0.0.8", Reply::With(truncated.into()));
    let outcome = probe_one(request(server.addr, false)).await;
    assert_eq!(
        outcome.http,
        http_error(
            Some(502),
            "connection closed by peer before the end of the response head"
        )
    );
}

#[tokio::test]
async fn a_close_without_any_answer_and_a_foreign_protocol() {
    let empty = Server::http("127.0.0.8", Reply::With(String::new()));
    let outcome = probe_one(request(empty.addr, false)).await;
    assert_eq!(
        outcome.http,
        http_error(None, "connection closed by peer before a response")
    );
    let ssh = Server::http("127.0.0.8", Reply::With("SSH-2.0-OpenSSH_9.6\r\n".into()));
    let outcome = probe_one(request(ssh.addr, false)).await;
    let http = outcome.http.expect("an HTTP outcome");
    assert_eq!(http.status, None);
    let error = http.error.expect("an error");
    assert!(error.starts_with("not an HTTP response"), "{error}");
}

fn cert_for_www() -> TestCert {
    TestCert::new(
        HOST,
        &[HOST, "alt.example.test"],
        (2025, 1, 1),
        (2035, 1, 1),
    )
}

#[tokio::test]
async fn https_reports_the_served_certificate_and_reads_the_status_through_tls() {
    let server = Server::https("127.0.0.4", &cert_for_www(), Reply::With(OK_NGINX.into()));
    let outcome = probe_one(request(server.addr, true)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    let tls = outcome.tls.expect("a TLS outcome");
    assert_eq!(tls.result, "ok");
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(
        tls.certificate,
        Some(ServedCertificate {
            subject_cn: Some(HOST.into()),
            dns_names: vec![HOST.into(), "alt.example.test".into()],
            not_before: "2025-01-01T00:00:00Z".into(),
            not_after: "2035-01-01T00:00:00Z".into(),
        })
    );
    assert_eq!(outcome.http, http_ok(200, "nginx", GeneratedBy::Target));
    let seen = server.seen();
    assert_eq!(seen.sni, vec![Some(HOST.to_owned())]);
    assert_eq!(seen.requests, vec![expected_request()]);
}

#[tokio::test]
async fn an_expired_certificate_for_another_name_is_reported_not_judged() {
    let cert = TestCert::new(
        "old.example.test",
        &["old.example.test"],
        (2019, 3, 1),
        (2020, 3, 1),
    );
    let server = Server::https("127.0.0.4", &cert, Reply::With(ALB_504.into()));
    let outcome = probe_one(request(server.addr, true)).await;
    let tls = outcome.tls.expect("a TLS outcome");
    assert_eq!(tls.result, "ok");
    let served = tls.certificate.expect("the served certificate");
    assert_eq!(served.dns_names, vec!["old.example.test".to_owned()]);
    assert_eq!(served.not_after, "2020-03-01T00:00:00Z");
    assert_eq!(outcome.http, http_ok(504, "awselb/2.0", GeneratedBy::Alb));
}

#[tokio::test]
async fn an_ip_literal_host_sends_no_sni() {
    let server = Server::https("127.0.0.4", &cert_for_www(), Reply::With(OK_NGINX.into()));
    let mut req = request(server.addr, true);
    req.host = "127.0.0.4".into();
    let outcome = probe_one(req).await;
    assert_eq!(outcome.tls.expect("a TLS outcome").result, "ok");
    let seen = server.seen();
    assert_eq!(seen.sni, vec![None]);
    assert!(seen.requests[0].contains("\r\nHost: 127.0.0.4\r\n"));
}

#[tokio::test]
async fn a_handshake_aborted_with_an_alert_is_a_tls_failure_without_http() {
    let server = Server::tls_alert("127.0.0.5");
    let outcome = probe_one(request(server.addr, true)).await;
    assert_eq!(outcome.tcp, TcpOutcome::Connected);
    let tls = outcome.tls.expect("a TLS outcome");
    assert_eq!(tls.result, "handshake failure: alert HandshakeFailure");
    assert_eq!((tls.version, tls.certificate), (None, None));
    assert_eq!(outcome.http, None);
}

#[tokio::test]
async fn a_tls_server_that_never_answers_times_out_in_the_handshake() {
    let server = Server::http("127.0.0.6", Reply::Silent);
    let mut req = request(server.addr, true);
    req.timeout = Duration::from_secs(1);
    let outcome = probe_one(req).await;
    let tls = outcome.tls.expect("a TLS outcome");
    assert_eq!(tls.result, "timed out after 1 s");
    assert_eq!(outcome.http, None);
}

#[tokio::test]
async fn run_all_keeps_request_order_across_nodes() {
    let slow = Server::http("127.0.0.2", Reply::Silent);
    let alb = Server::http("127.0.1.10", Reply::With(ALB_504.into()));
    let target = Server::http("127.0.0.7", Reply::With(OK_NGINX.into()));
    let tls_node = Server::https("127.0.1.11", &cert_for_www(), Reply::With(ALB_504.into()));
    let mut first = request(slow.addr, false);
    first.timeout = Duration::from_secs(1);
    let requests = vec![
        first,
        request(alb.addr, false),
        request(closed_port("127.0.9.10"), false),
        request(target.addr, false),
        request(tls_node.addr, true),
    ];
    let outcomes = bounded(run_all(requests, 4)).await;
    let summary: Vec<(TcpOutcome, Option<u16>, Option<String>)> = outcomes
        .iter()
        .map(|o| {
            let http = o.http.as_ref();
            (
                o.tcp,
                http.and_then(|h| h.status),
                http.and_then(|h| h.error.clone()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                TcpOutcome::Connected,
                None,
                Some("timed out after 1 s".into())
            ),
            (TcpOutcome::Connected, Some(504), None),
            (TcpOutcome::Refused, None, None),
            (TcpOutcome::Connected, Some(200), None),
            (TcpOutcome::Connected, Some(504), None),
        ]
    );
    assert!(outcomes[4].tls.is_some() && outcomes[..4].iter().all(|o| o.tls.is_none()));
}

#[tokio::test]
async fn run_all_reaches_but_never_exceeds_the_concurrency_bound() {
    let server = Server::counting("127.0.2.1", 3, Duration::from_millis(200));
    let requests = vec![request(server.addr, false); 9];
    let outcomes = bounded(run_all(requests, 3)).await;
    assert_eq!(outcomes.len(), 9);
    for outcome in &outcomes {
        assert_eq!(outcome.http, http_ok(200, "nginx", GeneratedBy::Target));
    }
    let seen = server.seen();
    assert_eq!(seen.connections, 9);
    assert_eq!(seen.max_active, 3);
}

#[tokio::test]
async fn a_concurrency_of_zero_still_runs_one_at_a_time() {
    let server = Server::counting("127.0.2.2", 1, Duration::from_millis(50));
    let requests = vec![request(server.addr, false); 3];
    let outcomes = bounded(run_all(requests, 0)).await;
    assert!(outcomes
        .iter()
        .all(|o| o.http.as_ref().and_then(|h| h.status) == Some(200)));
    assert_eq!(server.seen().max_active, 1);
    assert!(bounded(run_all(Vec::new(), 3)).await.is_empty());
}

#[tokio::test]
async fn resolve_overrides_pick_the_nodes_to_probe() {
    use alb_audit::probe::{parse_resolve, resolve};
    let node = Server::http("127.0.1.12", Reply::With(OK_NGINX.into()));
    let pin = parse_resolve(&format!("{HOST}:{}:{}", node.addr.port(), node.addr.ip()))
        .expect("curl's form");
    let addrs = resolve(HOST, &[pin]).await.expect("pinned, no lookup");
    assert_eq!(addrs, vec![IpAddr::from([127, 0, 1, 12])]);
    let requests = addrs
        .iter()
        .map(|&ip| request(SocketAddr::new(ip, node.addr.port()), false))
        .collect();
    let outcomes = bounded(run_all(requests, 2)).await;
    assert_eq!(outcomes[0].http, http_ok(200, "nginx", GeneratedBy::Target));
}
