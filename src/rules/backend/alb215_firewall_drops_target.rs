//! ALB215: an AWS Network Firewall on the backend path drops ALB node -> target traffic.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB215",
    name: "firewall-drops-target",
    severity: Severity::Error,
    title: "An AWS Network Firewall on the backend path drops the ALB's connections to a target",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "firewall ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::TargetHealth,
        Dataset::TargetGroupAttributes,
        Dataset::Instances,
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::PrefixLists,
        Dataset::Firewalls,
        Dataset::FirewallPolicies,
        Dataset::RuleGroups,
    ],
    doc: r#"
## What it does
Where an ALB subnet's route to a target and the target subnet's route back both lead through
the same AWS Network Firewall endpoint (routes more specific than `local`), evaluates the
firewall's policy for a TCP connection from the ALB node's address (any ephemeral port) to the
target's address on its traffic port and its health-check port, and the response, with the
same evaluator as ALB113: stateless rule groups in priority order with the policy's default
actions, then the stateful engine in the policy's rule order (5-tuple rules exactly).

The contract judges a target's path up to the appliance: the target's security groups and the
target subnet's ACL lie beyond the firewall and stay `not_evaluated` (ALB202–ALB204 say so),
whatever the firewall decides. Rules in Suricata syntax, domain lists (which host name the ALB
sends a target is not evaluated; a stateless drop still counts), a flow of which only one
direction crosses the endpoint, an endpoint that is not ready, and anything else the evaluator
cannot decide are listed in `not_evaluated`, never assumed to pass.

A code of its own rather than ALB113: the contract defines ALB113 as client -> listener
traffic with a timeout, while a drop between the ALB and a target is a backend finding, one per
(target, port, node), and clients see 504s, as for ALB201–ALB205.

## Why is this bad?
The ALB's connection attempt to the target times out: 504 Gateway Timeout for requests that
node sends it, and its health checks fail (on the health-check port, the target is taken out
of service). Only the nodes whose path crosses the firewall are affected.

## How to fix
Change the rule group or default action named in the evidence: pass TCP on the target port
from the ALB subnets to the targets' subnets (and the responses), before the rule that drops it.

## Example
A stateless rule group inspecting east-west traffic drops everything to the app subnet but
443, while the targets listen on 8080: every request to the targets behind that endpoint ends in
504.

## References
- [Route tables for middlebox appliances](https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing)
- [How Network Firewall processes traffic](https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html)
- [Stateful rule evaluation order](https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::Firewall, |f| {
        f.broken[0].1.resource()
    });
}
