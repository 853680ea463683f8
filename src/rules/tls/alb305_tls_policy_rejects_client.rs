//! ALB305: the listener's security policy rejects clients that must connect.

use crate::analysis::tls::{policy, policy_admitting};
use crate::analysis::AlbContext;
use crate::finding::{Severity, Symptom};
use crate::model::Dataset;
use crate::net::tls_policy::{handshake, HandshakeFailure};
use crate::rules::{Emitter, Rule};

/// The rule: `--client-tls` versions that an HTTPS listener's security policy cannot serve.
pub static RULE: Rule = Rule {
    code: "ALB305",
    name: "tls-policy-rejects-client",
    severity: Severity::Error,
    title: "The listener's security policy rejects clients that must connect",
    symptom: "tls-error",
    resource: "listener ARN",
    needs: &[Dataset::Listeners],
    doc: r#"
## What it does
Only with `--client-tls VERSION` (repeatable: `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`),
which names the oldest clients that must still connect. For every HTTPS listener, checks that
its security policy (`elasticloadbalancing:DescribeSSLPolicies`) allows each such version and
at least one cipher suite a client of that version can offer. A client of a version is taken to
offer that version and every suite defined for it; certificate key types and key-exchange
groups are not modelled.

## Why is this bad?
A client whose version the policy does not allow gets a `protocol_version` alert, one that
shares no cipher suite with it a `handshake_failure` alert: the handshake fails before any HTTP
request is sent (browsers show `ERR_SSL_VERSION_OR_CIPHER_MISMATCH`), and the ALB's access logs
show nothing of it.

## How to fix
Choose a predefined policy that admits the oldest clients:
`ELBSecurityPolicy-TLS13-1-0-2021-06` (TLS 1.0 to 1.3), `ELBSecurityPolicy-TLS13-1-1-2021-06`
(1.1 to 1.3) or `ELBSecurityPolicy-TLS13-1-2-2021-06` (1.2 and 1.3), with `aws elbv2
modify-listener --ssl-policy`. Admitting TLS 1.0 or 1.1 is a trade-off against compliance
standards that forbid them; upgrading the clients is the other fix.

## Example
`--client-tls TLSv1.0` against a listener with `ELBSecurityPolicy-TLS-1-2-2017-01` (TLS 1.2
only): ALB305 names the listener and `ELBSecurityPolicy-TLS13-1-0-2021-06`.

## References
- [Security policies for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html)
- [RFC 8446 §4.1.1 and Appendix D.1 (handshake_failure, protocol_version)](https://www.rfc-editor.org/rfc/rfc8446#appendix-D.1)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let clients = &ctx.tls.client_tls;
    let Some(&oldest) = clients.iter().min() else {
        return;
    };
    for listener in ctx.lb.listeners.iter().filter(|l| l.is_https()) {
        let policy = match policy(ctx.snapshot, &ctx.lb.arn, listener) {
            Ok(p) => p,
            Err(why) => {
                out.not_evaluated(why);
                continue;
            }
        };
        let mut versions = clients.clone();
        versions.sort();
        versions.dedup();
        let failures: Vec<HandshakeFailure> = versions
            .into_iter()
            .filter_map(|v| handshake(policy, v).err())
            .collect();
        if failures.is_empty() {
            continue;
        }
        let sentences: Vec<String> = failures
            .iter()
            .map(|f| match f {
                HandshakeFailure::NoProtocol { offered, .. } => {
                    format!("{f}, so {offered} clients get a protocol_version alert")
                }
                HandshakeFailure::NoCipher { offered, .. } => {
                    format!("{f}, so {offered} clients get a handshake_failure alert")
                }
            })
            .collect();
        let rejected: Vec<String> = failures
            .iter()
            .map(|f| match f {
                HandshakeFailure::NoProtocol { offered, .. }
                | HandshakeFailure::NoCipher { offered, .. } => offered.to_string(),
            })
            .collect();
        let (better, range) = policy_admitting(oldest);
        let message = format!(
            "The HTTPS listener on port {} uses security policy {}: {}. Their TLS handshake fails before any request is sent (browsers: ERR_SSL_VERSION_OR_CIPHER_MISMATCH).",
            listener.port,
            policy.name,
            sentences.join("; ")
        );
        let remediation = format!(
            "Choose {better} ({range}) for the listener: `aws elbv2 modify-listener --listener-arn {} --ssl-policy {better}`, or upgrade the clients.",
            listener.arn
        );
        out.emit(
            RULE.finding(&listener.arn, message, remediation)
                .port(listener.port)
                .symptom(Symptom::TlsError)
                .change(vec![listener.arn.clone()])
                .evidence("ssl_policy", policy.name.as_str())
                .evidence("policy_protocols", policy.protocols.clone())
                .evidence("rejected_clients", rejected)
                .evidence("suggested_policy", better),
        );
    }
}
