//! The live probe engine: per ALB node address and listener port, what AWS's troubleshooting
//! article asks a person to do by hand with `telnet` and `curl -v`
//! (<https://repost.aws/knowledge-center/elb-alb-http-connection-errors>): one TCP connect with
//! a timeout, then for an HTTP(S) listener one `GET` (through TLS with SNI for HTTPS), and what
//! happened, classified.
//!
//! The engine ([`run_all`]) only runs the requests it is given and reports outcomes; [`plan`]
//! chooses node addresses from the model, [`join`] joins outcomes with the audit's findings,
//! and [`live`] runs the stage end to end. Nothing here calls AWS. It is polite by construction:
//! exactly one TCP connection per request, at most one HTTP request on it, never a retry, and at
//! most `concurrency` requests in flight.
//!
//! Every phase (connect, TLS handshake, sending the request and reading the response head) is
//! bounded by the request's `timeout` on its own, so one request takes at most three timeouts.

mod certificate;
mod http;
pub mod join;
pub mod live;
pub mod observe;
pub mod plan;
pub mod predict;
pub mod resolve;
mod tcp;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::{Deserialize, Serialize};

pub use resolve::{parse_resolve, resolve, Resolve, ResolveError};

/// One probe to run: which node address and listener port, and what to ask for there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The ALB node address to connect to (never looked up: the caller resolved it).
    pub addr: IpAddr,
    /// The listener port.
    pub port: u16,
    /// Whether the listener is HTTPS: the request then goes through a TLS handshake first.
    pub tls: bool,
    /// The name clients use: sent as `Host` and, when it is a DNS name, as TLS SNI, so host
    /// based listener rules and certificate selection see what a real client would send.
    pub host: String,
    /// The request target of the `GET`; `/` when empty, `/` prepended when missing, and bytes
    /// outside visible ASCII percent-encoded so the request line stays one line.
    pub path: String,
    /// The bound on each phase (connect, TLS handshake, response head).
    pub timeout: Duration,
}

/// What happened to one [`Request`], phase by phase, as it goes into the JSON report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Outcome {
    /// How the TCP connect ended.
    pub tcp: TcpOutcome,
    /// The TLS handshake, for HTTPS requests whose connect succeeded; `None` otherwise.
    pub tls: Option<TlsOutcome>,
    /// The HTTP exchange, when it was attempted: after a connect (HTTP) or a successful
    /// handshake (HTTPS).
    pub http: Option<HttpOutcome>,
    /// Wall time of the whole request in milliseconds, for people reading the report.
    pub elapsed_ms: u64,
}

/// How a TCP connect ended; the first question of AWS's troubleshooting article ("does telnet
/// connect?"), and what tells a security group or network ACL drop (`timeout`) from a host
/// that answers but has no listener (`refused`) or a path the local network cannot route
/// (`unreachable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TcpOutcome {
    /// The three-way handshake completed.
    Connected,
    /// No answer within the timeout: SYNs dropped, as a security group or network ACL does.
    Timeout,
    /// The address answered with a reset (`ECONNREFUSED`): reachable, nothing listening.
    Refused,
    /// The connect failed locally or with an ICMP error (`ENETUNREACH`, `EHOSTUNREACH`,
    /// `EADDRNOTAVAIL`, ...): no route from here to the address.
    Unreachable,
}

/// The TLS handshake of an HTTPS request and the certificate the server served.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TlsOutcome {
    /// `"ok"`, or the failure in one line (`handshake failure: alert HandshakeFailure`,
    /// `timed out after 5 s`, `connection reset by peer`, ...).
    pub result: String,
    /// The negotiated protocol (`TLSv1.2`, `TLSv1.3`) when the handshake completed.
    pub version: Option<String>,
    /// The leaf certificate the server served, when it got that far and it parses as X.509.
    /// Served, not trusted: the probe does not judge the chain (see the `tls` module).
    pub certificate: Option<ServedCertificate>,
}

/// The names and validity window of a served leaf certificate, so the caller can join them
/// with the audit's certificate rules and the name the clients use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServedCertificate {
    /// The first common name of the subject, when it is a text string.
    pub subject_cn: Option<String>,
    /// The `dNSName` entries of the subject alternative name extension, in served order.
    pub dns_names: Vec<String>,
    /// Start of validity, RFC 3339 in UTC (`2025-01-01T00:00:00Z`).
    pub not_before: String,
    /// End of validity, RFC 3339 in UTC.
    pub not_after: String,
}

/// The HTTP exchange: the response head's status and `Server` header, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HttpOutcome {
    /// The final status code (interim 1xx responses are skipped), when a status line was read.
    pub status: Option<u16>,
    /// The `Server` header of the final response, when present.
    pub server: Option<String>,
    /// Who generated the response, when a complete response head was read.
    pub generated_by: Option<GeneratedBy>,
    /// Why the exchange ended without a complete response head (`connection reset by peer`,
    /// `timed out after 5 s`, ...); `None` when it was read.
    pub error: Option<String>,
}

/// Whether a response came from the load balancer itself (its own 502/503/504 or a fixed
/// response) or from a target, which tells a backend problem from an application answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedBy {
    /// The ALB generated the response (`Server: awselb/2.0`).
    Alb,
    /// Anything else: a target answered.
    Target,
}

impl GeneratedBy {
    /// An ALB names itself `awselb/2.0` in the `Server` header of the responses it generates
    /// (its 4xx/5xx errors, redirects and fixed responses:
    /// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#load-balancer-http-error-codes>).
    /// The value is compared case-insensitively and must match exactly; any other value, or
    /// none, means `Target`. A listener whose attribute `routing.http.response.server.enabled`
    /// is `false` drops that header
    /// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html>),
    /// and then its own responses read as `Target` too.
    pub fn from_server_header(server: Option<&str>) -> GeneratedBy {
        match server {
            Some(value) if value.eq_ignore_ascii_case("awselb/2.0") => GeneratedBy::Alb,
            _ => GeneratedBy::Target,
        }
    }
}

/// Runs `requests` with at most `concurrency` in flight (at least one) and returns their
/// outcomes in the order of `requests`.
pub async fn run_all(requests: Vec<Request>, concurrency: usize) -> Vec<Outcome> {
    futures::stream::iter(requests)
        .map(|request| async move { probe(&request).await })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// Runs one request: connect, handshake for HTTPS, one `GET`, and classifies each phase.
pub async fn probe(request: &Request) -> Outcome {
    let start = Instant::now();
    let (tcp, tls, http) = phases(request).await;
    Outcome {
        tcp,
        tls,
        http,
        elapsed_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

async fn phases(request: &Request) -> (TcpOutcome, Option<TlsOutcome>, Option<HttpOutcome>) {
    let target = SocketAddr::new(request.addr, request.port);
    let stream = match tcp::connect(target, request.timeout).await {
        Ok(stream) => stream,
        Err(class) => return (class, None, None),
    };
    if !request.tls {
        let http = http::exchange(stream, &request.host, &request.path, request.timeout).await;
        return (TcpOutcome::Connected, None, Some(http));
    }
    let (tls, stream) = tls::handshake(stream, &request.host, request.addr, request.timeout).await;
    let http = match stream {
        Some(stream) => {
            Some(http::exchange(stream, &request.host, &request.path, request.timeout).await)
        }
        None => None,
    };
    (TcpOutcome::Connected, Some(tls), http)
}

/// The one-line text for a phase that ran out of time, shared by TLS and HTTP outcomes.
fn timed_out(timeout: Duration) -> String {
    format!("timed out after {} s", timeout.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_alb_server_header_means_alb() {
        assert_eq!(
            GeneratedBy::from_server_header(Some("awselb/2.0")),
            GeneratedBy::Alb
        );
        assert_eq!(
            GeneratedBy::from_server_header(Some("AWSELB/2.0")),
            GeneratedBy::Alb
        );
        for other in [
            "awselb/2.1",
            "awselb",
            " awselb/2.0x",
            "nginx",
            "",
            "awselb/2.0 nginx",
        ] {
            assert_eq!(
                GeneratedBy::from_server_header(Some(other)),
                GeneratedBy::Target,
                "{other:?}"
            );
        }
        assert_eq!(GeneratedBy::from_server_header(None), GeneratedBy::Target);
    }

    #[test]
    fn timeouts_read_in_seconds() {
        assert_eq!(timed_out(Duration::from_secs(5)), "timed out after 5 s");
        assert_eq!(
            timed_out(Duration::from_millis(1500)),
            "timed out after 1.5 s"
        );
    }

    #[test]
    fn outcomes_serialize_with_lowercase_values() {
        let outcome = Outcome {
            tcp: TcpOutcome::Connected,
            tls: None,
            http: Some(HttpOutcome {
                status: Some(504),
                server: Some("awselb/2.0".into()),
                generated_by: Some(GeneratedBy::Alb),
                error: None,
            }),
            elapsed_ms: 12,
        };
        let json = serde_json::to_value(&outcome).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "tcp": "connected",
                "tls": null,
                "http": {"status": 504, "server": "awselb/2.0", "generated_by": "alb", "error": null},
                "elapsed_ms": 12
            })
        );
        let back: Outcome = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, outcome);
        for (class, text) in [
            (TcpOutcome::Timeout, "timeout"),
            (TcpOutcome::Refused, "refused"),
            (TcpOutcome::Unreachable, "unreachable"),
        ] {
            assert_eq!(serde_json::to_value(class).expect("serializes"), text);
        }
    }
}
