//! ALB213: an authenticate action whose identity provider some ALB node cannot reach.

use crate::analysis::auth::{logins_fail, ways_out, WayOut};
use crate::analysis::reachable::unreachable;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB213",
    name: "auth-idp-unreachable",
    severity: Severity::Error,
    title: "An ALB node cannot reach the identity provider of an authenticate action",
    symptom: "(intermittent-)http-500",
    resource: "listener ARN",
    needs: &[Dataset::Listeners, Dataset::ListenerRules],
    doc: DOC,
    check,
};

/// What the way out is judged from, needed only by ALBs with an authenticate action.
const WAY_OUT: [Dataset; 7] = [
    Dataset::Vpcs,
    Dataset::Subnets,
    Dataset::RouteTables,
    Dataset::InternetGateways,
    Dataset::SecurityGroups,
    Dataset::PrefixLists,
    Dataset::NetworkAcls,
];

const DOC: &str = r#"
## What it does
For every listener with an `authenticate-oidc` or `authenticate-cognito` action on a rule (or
default action) that receives requests, judges each ALB node's way out to the identity
provider, which the node calls itself over IPv4 HTTPS: the ALB security groups' egress on TCP
443, the subnet's network ACL outbound on 443 and inbound on ephemeral ports (1024-65535),
and the subnet's route to the internet (longest prefix, then AWS's route priority): an
attached internet gateway for an internet-facing ALB, a NAT gateway for an internal one; and
VPC Block Public Access on the way out (either blocking mode for an internet-facing node's
own subnet; `block-bidirectional` for an internal ALB's NAT gateways, unless an exclusion
lifts egress). When every node is cut off, the finding is one, for the whole ALB.

The provider's addresses are not known, so a piece that lets out only part of the internet is
listed as not evaluated, never passed. A route through a transit gateway, a VPN or an
appliance may lead out through a network this tool does not see: not evaluated.

## Why is this bad?
A node that cannot reach the provider's token endpoint answers **HTTP 500** to every client
that logs in through it: all clients when every node is cut off, some (intermittently) when
only some zones are.

## How to fix
Allow outbound TCP 443 in the ALB's security group, allow it (and the answers on ephemeral
ports) in the subnet's ACL, give an internal ALB's subnets a route to a NAT gateway, and
exclude the subnets (or the VPC) from VPC Block Public Access for egress.

## Example
An internal ALB with an `authenticate-oidc` rule: subnet A routes `0.0.0.0/0` to a NAT
gateway, subnet B has only the `local` route. Logins through the node in B get HTTP 500.

## References
- [Authenticate users using an Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html)
- [VPC Block Public Access](https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html)
- [HTTP 500 from the load balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-500-issues)
"#;

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let mut nodes = None;
    for l in &ctx.lb.listeners {
        let shadowed = unreachable(l);
        let Some(rule) = l
            .rules
            .iter()
            .filter(|r| !shadowed.contains_key(r.via.as_str()))
            .find(|r| r.actions.iter().any(|a| a.authenticates()))
        else {
            continue;
        };
        let action = rule.actions.iter().find(|a| a.authenticates());
        let missing = ctx.gap_reasons(&WAY_OUT);
        if !missing.is_empty() {
            for reason in missing {
                out.not_evaluated(reason);
            }
            return;
        }
        let nodes = nodes.get_or_insert_with(|| ways_out(ctx.snapshot, ctx.index, ctx.lb));
        let blocked: Vec<_> = nodes
            .iter()
            .filter_map(|n| match &n.way_out {
                WayOut::Blocked { resource, why } => Some((n, resource, why)),
                _ => None,
            })
            .collect();
        for n in nodes.iter() {
            if let WayOut::Unknown(why) = &n.way_out {
                out.not_evaluated(format!(
                    "the way out to the identity provider from {} ({}): {why}",
                    n.zone, n.subnet_id
                ));
            }
        }
        let every = !blocked.is_empty() && blocked.len() == nodes.len();
        // Every node cut: one cause for the whole ALB (no zone), whatever blocks each node;
        // otherwise one per node, in its zone.
        let mut by_cause: Vec<(Vec<String>, String, Vec<&str>)> = Vec::new();
        if every {
            let mut resources: Vec<String> = Vec::new();
            let mut whys: Vec<String> = Vec::new();
            for (_, resource, why) in &blocked {
                if !resources.contains(resource) {
                    resources.push((*resource).clone());
                }
                if !whys.contains(why) {
                    whys.push((*why).clone());
                }
            }
            let zones = blocked.iter().map(|(n, _, _)| n.zone.as_str()).collect();
            by_cause.push((resources, whys.join("; "), zones));
        } else {
            for (n, resource, why) in &blocked {
                by_cause.push((vec![(*resource).clone()], (*why).clone(), vec![&n.zone]));
            }
        }
        for (resource, why, zones) in &by_cause {
            let kind = action.map(|a| a.kind.as_str()).unwrap_or("authenticate");
            let whom = if every {
                "every ALB node".to_string()
            } else {
                format!("the ALB node in {}", zones.join(", "))
            };
            let mut finding = RULE
                .finding(
                    &l.arn,
                    format!(
                        "Listener {} authenticates users ({kind}, {}), but {whom} cannot reach the identity provider: {why}. Logins through {} get HTTP 500.",
                        l.port,
                        rule.via,
                        if every { "any node" } else { "that node" }
                    ),
                    format!(
                        "Let the ALB nodes reach the identity provider over HTTPS: change {}.",
                        resource.join(", ")
                    ),
                )
                .port(l.port)
                .judged(logins_fail(every))
                .change(resource.clone())
                .evidence("listener", l.arn.as_str())
                .evidence("via", rule.via.as_str())
                .evidence("action", kind)
                .evidence("blocked_by", why.as_str())
                .evidence(
                    "endpoints",
                    action.map(|a| a.endpoints.clone()).unwrap_or_default(),
                );
            if !every {
                finding = finding.zone(zones[0]);
            }
            out.emit(finding);
        }
    }
}
