//! ALB115: an ALB subnet is smaller than /27 or has fewer than 8 free addresses.

use crate::analysis::capacity;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB115",
    name: "subnet-out-of-addresses",
    severity: Severity::Warning,
    title: "An ALB subnet is too small or has too few free addresses",
    symptom: "null (the zone's node cannot scale or be replaced)",
    resource: "subnet id",
    needs: &[Dataset::Subnets],
    doc: r#"
## What it does
For each subnet the ALB enables, reads its IPv4 block and `AvailableIpAddressCount` and checks
that it is at least a /27 with at least 8 free IP addresses, as AWS asks of load balancer
subnets. When the count was not recorded (and the block does not already decide), the check is
not evaluated.

## Why is this bad?
An ALB node scales by adding network interfaces and addresses in its subnet, and AWS replaces
nodes the same way. A subnet out of addresses works today, but under load (or when AWS replaces
the node) that zone cannot grow: capacity there stops where it is, and a failed replacement
takes the node out.

## How to fix
Release unused interfaces or addresses in the subnet, or enable a larger subnet of the same
zone on the ALB (`aws elbv2 set-subnets`).

## Example
Subnet B is a /28 with 3 free addresses: ALB115 warns for subnet B, zone us-east-1b, symptom
null.

## References
- [Subnets for your load balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer)
- [Subnet: AvailableIpAddressCount](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Subnet.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let (short, unknown) = capacity::judge(ctx.network(), ctx.lb);
    for why in unknown {
        out.not_evaluated(why);
    }
    for s in &short {
        out.emit(phrase::capacity(&RULE, s));
    }
}
