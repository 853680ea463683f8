//! The probe stage of `alb-audit probe`: from the plans (the model) and the audit's findings,
//! resolve each ALB's name, send the requests, and join the outcomes. It never calls AWS.

use std::net::IpAddr;
use std::time::Duration;

use super::join::{self, AlbProbe, Probed};
use super::plan::AlbPlan;
use super::{resolve, run_all, Request, Resolve};
use crate::finding::Finding;

/// At most this many probe connections are open at once, over all ALBs.
pub const CONCURRENCY: usize = 8;

/// How the user asked to probe.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--hostname`: the `Host` and SNI to send; the ALB's DNS name when `None`.
    pub host: Option<String>,
    /// `--path`.
    pub path: String,
    /// `--connect-timeout`: the bound on each phase of each request, and on name resolution.
    pub timeout: Duration,
    /// `--resolve` overrides.
    pub resolve: Vec<Resolve>,
}

/// One ALB to probe: its DNS name, its plan, and its findings (with fingerprints).
pub struct Target<'a> {
    /// The ALB's DNS name.
    pub dns_name: &'a str,
    /// Which addresses and listeners.
    pub plan: AlbPlan,
    /// The audit's findings for it.
    pub findings: &'a [Finding],
}

/// Probes every target and returns one [`AlbProbe`] per target, in order; `now` is the
/// probe's time in Unix seconds, for judging served certificates.
pub async fn run(targets: &[Target<'_>], settings: &Settings, now: i64) -> Vec<AlbProbe> {
    let hosts: Vec<String> = targets
        .iter()
        .map(|t| {
            settings
                .host
                .clone()
                .unwrap_or_else(|| t.dns_name.to_owned())
        })
        .collect();
    // (target index, zone, address, listener index) of each request, in report order.
    let mut slots = Vec::new();
    let mut requests = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        for node in &t.plan.nodes {
            for addr in &node.addresses {
                for (l, listener) in t.plan.listeners.iter().enumerate() {
                    let host = if hosts[i].is_empty() {
                        addr.to_string()
                    } else {
                        hosts[i].clone()
                    };
                    slots.push((i, node.zone.clone(), *addr, l, host.clone()));
                    requests.push(Request {
                        addr: *addr,
                        port: listener.port,
                        tls: listener.tls,
                        host,
                        path: settings.path.clone(),
                        timeout: settings.timeout,
                    });
                }
            }
        }
    }
    let resolving = futures::future::join_all(
        targets
            .iter()
            .map(|t| lookup(t.dns_name, &settings.resolve, settings.timeout)),
    );
    let (outcomes, answers) = tokio::join!(run_all(requests, CONCURRENCY), resolving);

    let mut probes: Vec<AlbProbe> = targets
        .iter()
        .zip(answers)
        .zip(&hosts)
        .map(|((t, (overridden, answer)), host)| AlbProbe {
            host: host.clone(),
            path: settings.path.clone(),
            dns: join::dns_check(t.dns_name, overridden, answer, &t.plan),
            results: Vec::new(),
            not_probed: t.plan.not_probed.clone(),
            failed: 0,
        })
        .collect();
    for ((i, zone, address, l, host), outcome) in slots.into_iter().zip(outcomes) {
        let listener = &targets[i].plan.listeners[l];
        let result = join::join(
            Probed {
                zone: &zone,
                address,
                port: listener.port,
                protocol: &listener.protocol,
                host: &host,
                host_given: settings.host.is_some(),
                client_cert_required: listener.client_cert_required,
                outcome,
            },
            targets[i].findings,
            now,
        );
        probes[i].failed += usize::from(result.failure.is_some());
        probes[i].results.push(result);
    }
    probes
}

/// The addresses of `name`, whether `--resolve` gave them, or why there are none.
async fn lookup(
    name: &str,
    overrides: &[Resolve],
    timeout: Duration,
) -> (bool, Result<Vec<IpAddr>, String>) {
    if name.is_empty() {
        return (false, Err("the ALB's DNS name is unknown".into()));
    }
    let overridden = overrides.iter().any(|o| resolve::same_host(&o.host, name));
    let answer = match tokio::time::timeout(timeout, resolve(name, overrides)).await {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "resolving {name} timed out after {} s",
            timeout.as_secs_f64()
        )),
    };
    (overridden, answer)
}
