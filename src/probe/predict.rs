//! The one matching of an observed failure with the findings that predict it, shared by the
//! probe's outcomes (`join`) and the ALB's own metrics (`observe`).
//!
//! A finding predicts by its symptom, judged once in the analysis: `timeout` and
//! `intermittent-timeout` predict a failed connect, `http-504` a 504 (or no answer in time),
//! `http-503` a 503, `http-502` a 502, `http-500` a 500, `http-464` a 464, `tls-error` a failed handshake or a certificate a client
//! refuses. It applies to a node when its zone is that node's or null, and to a listener port
//! when its port is that port or null (backend findings name target ports, so 5xx predictions
//! match by zone only; TLS findings concern a listener, so they match by port only). A figure
//! that is not per port (a metric) matches every port. Only errors and warnings explain or are
//! contradicted; notes are by design.

use crate::finding::{Finding, Severity, Symptom};

/// What a finding's symptom predicts a client sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prediction {
    /// The connect fails.
    Connect,
    /// The ALB answers 504 (or nothing in time).
    Http504,
    /// The ALB answers 503.
    Http503,
    /// The ALB answers 502.
    Http502,
    /// The TLS handshake fails, or the certificate is refused.
    Tls,
    /// The ALB itself answers 500 (e.g. it cannot reach an authenticate action's identity
    /// provider).
    Http500,
    /// The ALB answers 464: the request's protocol version does not fit the target group.
    Http464,
}

/// What `f` predicts, if it predicts anything (errors and warnings with a symptom).
pub fn prediction(f: &Finding) -> Option<Prediction> {
    if f.severity < Severity::Warning {
        return None;
    }
    Some(match f.symptom? {
        Symptom::Timeout | Symptom::IntermittentTimeout => Prediction::Connect,
        Symptom::Http504 | Symptom::IntermittentHttp504 => Prediction::Http504,
        Symptom::Http503 | Symptom::IntermittentHttp503 => Prediction::Http503,
        Symptom::Http502 => Prediction::Http502,
        Symptom::TlsError => Prediction::Tls,
        Symptom::Http500 | Symptom::IntermittentHttp500 => Prediction::Http500,
        Symptom::Http464 => Prediction::Http464,
    })
}

/// Whether `f` predicts `what` at the node of `zone` and listener `port` (`None`: any port).
pub fn predicts(f: &Finding, what: Prediction, zone: &str, port: Option<u16>) -> bool {
    if prediction(f) != Some(what) {
        return false;
    }
    let zone_ok = f.availability_zone.as_deref().is_none_or(|z| z == zone);
    let port_ok = match (f.port, port) {
        (Some(p), Some(q)) => p == q,
        _ => true,
    };
    match what {
        Prediction::Connect => zone_ok && port_ok,
        Prediction::Http504
        | Prediction::Http503
        | Prediction::Http502
        | Prediction::Http500
        | Prediction::Http464 => zone_ok,
        Prediction::Tls => port_ok,
    }
}

/// The fingerprints of the findings that predict one of `whats` at `zone` and `port`, sorted.
pub fn explaining(
    findings: &[Finding],
    whats: &[Prediction],
    zone: &str,
    port: Option<u16>,
) -> Vec<String> {
    fingerprints(findings, |f| {
        whats.iter().any(|w| predicts(f, *w, zone, port))
    })
}

/// The fingerprints of the findings `keep` selects, sorted and without repeats.
pub fn fingerprints(findings: &[Finding], keep: impl Fn(&Finding) -> bool) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| keep(f))
        .map(|f| f.fingerprint.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}
