//! ALB212: a target group with protocol version HTTP2 or GRPC behind a listener whose clients
//! cannot speak it.

use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB212",
    name: "protocol-version-mismatch",
    severity: Severity::Error,
    title: "Clients of a listener cannot speak the target group's protocol version",
    symptom: "http-464",
    resource: "target group ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::LoadBalancerAttributes,
    ],
    doc: r#"
## What it does
For every target group with protocol version `HTTP2` or `GRPC` that a listener rule (or default
action) receiving requests forwards to, checks that the listener's clients can send HTTP/2: the
listener is HTTPS (an HTTP listener speaks HTTP/1.1 only) and the ALB has HTTP/2 on
(`routing.http2.enabled`, on unless turned off).

## Why is this bad?
The ALB answers **464** to a request whose protocol version does not fit the target group's:
an HTTP/1.1 request to an `HTTP2` or `GRPC` group never reaches a target.

## How to fix
Forward from an HTTPS listener with HTTP/2 on (set `routing.http2.enabled` to `true`), or use a
target group with protocol version `HTTP1` for that listener.

## Example
A gRPC service's target group (`GRPC`) is also the default action of the port-80 listener
that was meant to redirect: every request on port 80 gets 464.

## References
- [HTTP 464](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-464-issues)
- [Protocol version](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-protocol-version)
- [Load balancer attributes](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for used in ctx.groups() {
        let Some(group) = used.group else {
            continue;
        };
        let Some(version) = group
            .protocol_version
            .as_deref()
            .filter(|v| v.eq_ignore_ascii_case("HTTP2") || v.eq_ignore_ascii_case("GRPC"))
        else {
            continue;
        };
        let mut seen = Vec::new();
        for (listener, forward) in &used.forwards {
            if seen.contains(&listener.arn) {
                continue;
            }
            let why = if !listener.is_https() {
                format!(
                    "listener {} is {}, whose clients speak HTTP/1.1 only",
                    listener.port, listener.protocol
                )
            } else if ctx.lb.http2_enabled == Some(false) {
                format!("HTTP/2 is turned off on {} (routing.http2.enabled = false), so listener {} speaks HTTP/1.1 only", ctx.lb.name, listener.port)
            } else {
                continue;
            };
            seen.push(listener.arn.clone());
            let mut finding = RULE
                .finding(
                    &group.arn,
                    format!(
                        "Target group {} has protocol version {version}, but {why}: requests it forwards there ({}) get 464.",
                        group.name, forward.via
                    ),
                    format!(
                        "Forward listener {} to a target group with protocol version HTTP1, or serve {} from an HTTPS listener with routing.http2.enabled = true.",
                        listener.port, group.name
                    ),
                )
                .port(listener.port)
                .judged(used.refused_from(listener))
                .change(vec![group.arn.clone()])
                .evidence("listener", listener.arn.as_str())
                .evidence("via", forward.via.as_str())
                .evidence("protocol_version", version)
                .evidence("listener_protocol", listener.protocol.as_str());
            if let Some(on) = ctx.lb.http2_enabled {
                finding = finding.evidence("http2_enabled", on);
            }
            out.emit(finding);
        }
    }
}
