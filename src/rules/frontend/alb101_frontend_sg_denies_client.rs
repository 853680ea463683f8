//! ALB101: no ALB security group admits the client on a listener port.

use super::Rule;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::{Severity, Symptom};
use crate::model::Dataset;

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
in scope are admitted: the whole internet (IPv4, and IPv6 when dualstack) for an internet-facing
ALB, the VPC for an internal one, or exactly the `--client-cidr` ranges when given.

## Why is this bad?
Security groups drop what they do not allow, silently. A client whose SYN is dropped waits and
times out on every ALB node, because the groups apply to all of them.

## How to fix
Add an inbound rule for TCP on the listener port from the clients' range to one of the ALB's
security groups. A source that names another security group only admits members of that group.

## Example
Listener 443 with only `tcp 80 from 0.0.0.0/0`: every HTTPS connection times out. By default a
restriction to part of the internet (an office range, say) is by design and reported as a note;
with `--client-cidr` every given address must be admitted.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if !ctx.clients_known(out) {
        return;
    }
    let fe = ctx.frontend();
    if !fe.missing_groups.is_empty() {
        out.not_evaluated(format!(
            "security groups of the ALB not found: {}",
            fe.missing_groups.join(", ")
        ));
        return;
    }
    for listener in &ctx.lb.listeners {
        let port = listener.port;
        let Some(allows) = fe.sg.get(&port) else {
            continue;
        };
        if !allows.unresolved_prefix_lists.is_empty() {
            out.not_evaluated(format!(
                "entries of prefix lists {} are unknown",
                allows
                    .unresolved_prefix_lists
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        }
        let blocked = fe.sg_blocked(port).intersection(&ctx.scope.clients);
        let Some(mut severity) = ctx.scope.judge(&blocked) else {
            continue;
        };
        let groups = ctx.lb.security_groups.join(", ");
        let mut message = format!(
            "No security group of the ALB ({groups}) admits {} on port {port}: connections from these clients time out at every node.",
            brief(&blocked)
        );
        if !allows.groups.is_empty() {
            let refs: Vec<&str> = allows.groups.iter().map(String::as_str).collect();
            message.push_str(&format!(
                " Members of {} are admitted by group reference.",
                refs.join(", ")
            ));
            if !ctx.scope.explicit {
                severity = Severity::Note;
            }
        }
        if severity == Severity::Note {
            message.push_str(" Other clients are admitted, so this may be by design.");
        }
        let first = ctx
            .lb
            .security_groups
            .first()
            .map(String::as_str)
            .unwrap_or("an ALB security group");
        out.emit(
            RULE.finding(
                &listener.arn,
                message,
                format!(
                    "Add an inbound rule allowing TCP {port} from {} to {first}.",
                    brief(&blocked)
                ),
            )
            .severity(severity)
            .port(port)
            .symptom(Symptom::Timeout)
            .evidence("security_groups", ctx.lb.security_groups.clone())
            .evidence("admitted", cidr_list(&allows.addrs))
            .evidence(
                "admitted_groups",
                allows.groups.iter().cloned().collect::<Vec<_>>(),
            )
            .evidence("blocked", cidr_list(&blocked)),
        );
    }
}
