//! ALB113: an AWS Network Firewall on the path drops client -> listener traffic.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB113",
    name: "firewall-drops-client",
    severity: Severity::Error,
    title: "An AWS Network Firewall on the path drops client traffic to a listener port",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "firewall ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::InternetGateways,
        Dataset::PrefixLists,
        Dataset::Firewalls,
        Dataset::FirewallPolicies,
        Dataset::RuleGroups,
    ],
    doc: r#"
## What it does
Where a client's path to an ALB node goes through an AWS Network Firewall endpoint both ways,
evaluates the firewall's policy for a TCP connection from the client (any ephemeral port) to
the node's private address on every listener port, packet by packet:

- the stateless rule groups in priority order, then the policy's stateless default actions
  (pass, drop, or forward to the stateful engine);
- the stateful engine in the policy's rule order (default action order or strict order, with
  its default actions): 5-tuple rules exactly, domain lists (HTTP Host / TLS SNI) against the
  host names the ALB serves (`--hostname`, host-header conditions) — they only inspect traffic
  from the list's `HOME_NET`, which internet clients are not in.

Rules in Suricata syntax, IP set references and other constructs that are not evaluated exactly
are listed in `not_evaluated` for the clients they could decide; appliances behind a Gateway
Load Balancer are listed too: their rules are not visible. Neither is ever assumed to pass.

## Why is this bad?
A firewall that drops the SYN, the SYN-ACK or the request makes the connection time out (a
REJECT rule resets it). Only the clients routed through that zone's endpoint are affected, so
the symptom is often intermittent.

## How to fix
Change the rule group or default action named in the evidence: add a pass rule for TCP on the
listener port from the clients to the ALB subnets, placed before the rule that drops them.

## Example
A stateless rule group drops everything except TCP 443: clients of the HTTP listener on port 80
time out at every node behind the firewall.

## References
- [How Network Firewall processes traffic](https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html)
- [Stateful rule evaluation order](https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html)
- [Domain list rule groups](https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::Firewall,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
