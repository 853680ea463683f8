//! ALB206: a target is unhealthy; its reason code says what clients see.

use crate::analysis::targets::TargetVerdict;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::TargetType;
use crate::rules::{Emitter, Rule, BACKEND_TARGETS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB206",
    name: "target-unhealthy",
    severity: Severity::Error,
    title: "A target is unhealthy",
    symptom: "http-502, http-503 or http-504 by reason code (see the table); null when healthy targets take its requests or the reason is unknown",
    resource: "target id",
    needs: &BACKEND_TARGETS,
    doc: r#"
## What it does
Reads the health the ALB reports for every target of every forwarded target group and reports
targets that are `unhealthy`, `unhealthy.draining` or `unavailable`, and `unused` targets
other than those in an Availability Zone the ALB does not enable (that is ALB207). The reason
code decides the message and the symptom:

| state | reason code | meaning | severity | symptom |
|---|---|---|---|---|
| initial | Elb.RegistrationInProgress | being registered | (none) | null |
| initial | Elb.InitialHealthChecking | first health checks running | (none) | null |
| unhealthy | Target.ResponseCodeMismatch | health check answered with an unexpected HTTP code | error | http-502 |
| unhealthy | Target.Timeout | health check timed out: nothing answered in time | error | http-504 |
| unhealthy | Target.FailedHealthChecks | connection failed or was reset during health checks | error | http-502 |
| unhealthy | Elb.InternalError | health checks failed inside the load balancer | error | http-503 |
| unused | Target.NotRegistered | not registered in the target group | warning | http-503 |
| unused | Target.NotInUse | the group is not used by a listener, or the target's zone is not enabled (ALB207) | warning | null |
| unused | Target.InvalidState | instance stopped or terminated (instance targets: reported by ALB209 instead) | warning | http-502 |
| unused | Target.IpUnusable | the IP address is in use by a load balancer or otherwise unusable | warning | http-502 |
| draining | Target.DeregistrationInProgress | being deregistered; in-flight requests finish | (none) | null |
| unavailable | Target.HealthCheckDisabled | health checks disabled: the target receives traffic unchecked (no finding where they are off by default: Lambda) | warning | null |
| unavailable | Elb.InternalError | health state unknown due to an internal error | warning | http-503 |

An unknown reason code (from a newer API) is reported as an error with a null symptom.

The table's error applies when the ALB has no healthy target left to send the requests to instead:
a node routes only to healthy targets, and when none of a group is healthy it fails open to all of
them, so clients see what the unhealthy targets do. While the group (with cross-zone load
balancing off: the target's zone) still has a healthy target, an unhealthy one only reduces
capacity: a warning with a null symptom. A group that only weight-0 forwards point at receives no
request: at most a note.

## Why is this bad?
The ALB stops sending requests to unhealthy targets. When every target of a group is unhealthy
it fails open and sends to all of them anyway, so clients see what the targets do: timeouts
become 504, resets and refused connections 502. A target group with no healthy target is the
usual cause of "sometimes 502".

## How to fix
Follow the reason: a timeout usually means a security group, ACL or a stopped process on the
health-check port (see ALB201–ALB204); a response-code mismatch means the health-check path or
matcher is wrong; an invalid state means the instance is stopped.

## Example
`i-0a1` and `i-0b2` are both `unhealthy` with `Target.Timeout` on port 8080: the group fails open
and requests end in 504 (error). Were `i-0b2` healthy, `i-0a1` would be a warning: the ALB sends
every request to `i-0b2`.

## References
- [Health checks for Application Load Balancer target groups: reason codes](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html#target-health-reason-codes)
- [Target group health: fail open](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let zones = ctx.lb.zone_names();
    for used in ctx.groups() {
        let Some(group) = used.group else {
            out.not_evaluated(format!("target group {} was not read", used.arn));
            continue;
        };
        for (t, zone) in used.targets() {
            let Some(state) = t.state.as_deref() else {
                continue;
            };
            let reason = t.reason.as_deref();
            // A target in a zone the ALB does not enable is ALB207's finding.
            if reason == Some("Target.NotInUse") && zone.is_some_and(|z| !zones.contains(&z)) {
                continue;
            }
            // A stopped instance is ALB209's finding.
            if reason == Some("Target.InvalidState") && group.target_type == TargetType::Instance {
                continue;
            }
            // Health checks that are off by default (Lambda) say nothing about the target.
            if reason == Some("Target.HealthCheckDisabled") && used.health_checks_off_by_default() {
                continue;
            }
            let Some(TargetVerdict { judgement, spare }) = used.unhealthy(state, reason, zone)
            else {
                continue;
            };
            let port = t.port.or(group.port);
            let description = t.description.as_deref().unwrap_or("no description");
            let mut message = format!(
                "Target {} of {} is {state} ({}: {description})",
                t.id,
                group.name,
                reason.unwrap_or("no reason code")
            );
            message.push_str(if spare {
                ": the ALB sends its requests to the healthy targets, with less capacity."
            } else if judgement.symptom.is_some() {
                ": no healthy target is left, so the group fails open and clients see what this target does."
            } else {
                "."
            });
            let mut finding = RULE
                .finding(&t.id, message, remediation(reason))
                .judged(judgement)
                .target(&t.id)
                .change(vec![t.id.clone()])
                .cause_key(format!("{} {}", group.arn, reason.unwrap_or(state)))
                .evidence("target_group", group.arn.as_str())
                .evidence("state", state)
                .evidence("reason", reason.unwrap_or_default())
                .evidence("description", description);
            if let Some(p) = port {
                finding = finding.port(p);
            }
            if let Some(z) = zone {
                finding = finding.evidence("target_zone", z);
            }
            out.emit(finding);
        }
    }
}

fn remediation(reason: Option<&str>) -> String {
    match reason {
        Some("Target.Timeout") => "Make the target answer on the health-check port: check its security group and ACLs for the ALB (ALB201-ALB204), and that the application listens.",
        Some("Target.FailedHealthChecks") => "Check that the application accepts connections on the health-check port and does not reset them.",
        Some("Target.ResponseCodeMismatch") => "Fix the health-check path or the success codes (matcher) of the target group, or the application's answer on that path.",
        Some("Target.InvalidState") => "Start the instance or deregister it.",
        Some("Target.NotRegistered") => "Register the target in the target group.",
        Some("Target.IpUnusable") => "Register an address that belongs to a target, not to a load balancer.",
        Some("Target.HealthCheckDisabled") => "Enable health checks on the target group so that broken targets are taken out of service.",
        Some("Elb.InternalError") => "Retry; if it persists, contact AWS Support.",
        Some("Target.NotInUse") => "Forward to the target group from a listener, or enable the target's Availability Zone on the ALB.",
        _ => "Inspect the target's health description and the target group's health-check settings.",
    }
    .to_string()
}
