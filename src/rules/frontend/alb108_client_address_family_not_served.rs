//! ALB108: clients of an address family the ALB has no address for.

use crate::analysis::AlbContext;
use crate::finding::{Severity, Symptom};
use crate::model::{Dataset, IpAddressType};
use crate::net::render::{brief, cidr_list};
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB108",
    name: "client-address-family-not-served",
    severity: Severity::Error,
    title: "Clients of an address family the ALB has no address for",
    symptom: "timeout",
    resource: "ALB ARN",
    needs: &[Dataset::LoadBalancers, Dataset::Vpcs],
    doc: r#"
## What it does
Compares the address families of the `--client-cidr` ranges with the ALB's IP address type, from
where each client stands: an `ipv4` ALB has no IPv6 address at all; a `dualstack` ALB serves
both; an internet-facing `dualstack-without-public-ipv4` ALB has no public IPv4 address, so IPv4
clients outside its VPC cannot reach it (inside the VPC its private IPv4 addresses still
answer). Clients it does not serve are set apart: the other checks are about the rest.

## Why is this bad?
DNS gives such a client no address of its family (an `ipv4` ALB publishes no AAAA record), or
one it cannot reach: its connections fail or time out however the security groups, ACLs and
routes are set.

## How to fix
Change the ALB's IP address type (`dualstack` serves IPv4 and IPv6; `dualstack` with public IPv4
for IPv4 internet clients), or reach the clients in a family the ALB serves.

## Example
`--client-cidr 2001:db8::/32` on an `ipv4` ALB: ALB108 names `2001:db8::/32`; the IPv4 ranges
given alongside are checked as usual.

## References
- [IP address types for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#ip-address-type)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let unserved = &ctx.scope.unserved;
    if unserved.is_empty() {
        return;
    }
    let kind = match ctx.lb.ip_address_type {
        IpAddressType::Dualstack => "dualstack",
        IpAddressType::DualstackWithoutPublicIpv4 => "dualstack-without-public-ipv4",
        IpAddressType::Ipv4 => "ipv4",
        IpAddressType::Unknown => "unknown",
    };
    let (why, fix) = if unserved.v6_part().is_empty() {
        (
            "it has no public IPv4 address, so IPv4 clients outside its VPC cannot reach it",
            "Set the ALB's IP address type to dualstack (with public IPv4), or have these clients connect over IPv6.",
        )
    } else {
        (
            "it has no IPv6 address, so DNS gives IPv6-only clients nothing to connect to",
            "Set the ALB's IP address type to dualstack (its subnets need IPv6 CIDR blocks), or have these clients connect over IPv4.",
        )
    };
    out.emit(
        RULE.finding(
            &ctx.lb.arn,
            format!(
                "{} is {kind}: {why}. Clients in {} are not served.",
                ctx.lb.name,
                brief(unserved)
            ),
            fix,
        )
        .symptom(Symptom::Timeout)
        .change(vec![ctx.lb.arn.clone()])
        .evidence("ip_address_type", kind)
        .evidence("unserved", cidr_list(unserved)),
    );
}
