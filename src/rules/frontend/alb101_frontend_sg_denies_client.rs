//! ALB101: no ALB security group admits the client on a listener port.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB101",
    name: "frontend-sg-denies-client",
    severity: Severity::Error,
    title: "No ALB security group admits the client on a listener port",
    symptom: "timeout",
    resource: "listener ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::SecurityGroups,
        Dataset::PrefixLists,
        Dataset::Vpcs,
    ],
    doc: r#"
## What it does
For every listener port, takes the union of the inbound rules of all the ALB's security groups
that cover TCP on that port (CIDR, IPv6 CIDR and prefix-list sources) and checks that the clients
in scope are admitted: the internet (IPv4, and IPv6 when dualstack) for an internet-facing ALB,
the VPC for an internal one, or exactly the `--client-cidr` ranges when given. A source that
names another security group admits only the private addresses of that group's members: it never
admits a client from the internet.

## Why is this bad?
Security groups drop what they do not allow, silently. A client whose SYN is dropped waits and
times out on every ALB node, because the groups apply to all of them.

## How to fix
Add an inbound rule for TCP on the listener port from the clients' range to one of the ALB's
security groups (`0.0.0.0/0`, and `::/0` for dualstack, for a public website).

## Example
Listener 443 with only `tcp 80 from 0.0.0.0/0`: every HTTPS connection times out (error). By
default a restriction to part of the internet (an office range, say) is by design and reported as
a note; with `--client-cidr` every given address must be admitted. An internet-facing ALB whose
group admits port 443 only from `sg-0cdn` blocks the whole internet: an error, not a note.

## References
- [Security groups for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html)
- [Security group rules: sources](https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::SecurityGroups,
        |_| true,
        |b| {
            let port = b.port.unwrap_or_default();
            ctx.lb
                .listeners
                .iter()
                .find(|l| l.port == port)
                .map(|l| l.arn.clone())
                .unwrap_or_else(|| ctx.lb.arn.clone())
        },
    );
}
