//! ALB109: VPC Block Public Access drops internet traffic into an internet-facing ALB's subnet.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::{Dataset, Scheme};
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB109",
    name: "vpc-block-public-access",
    severity: Severity::Error,
    title: "VPC Block Public Access drops internet traffic into an ALB subnet",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "subnet id",
    needs: &[
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::BlockPublicAccessOptions,
        Dataset::BlockPublicAccessExclusions,
    ],
    doc: r#"
## What it does
For an internet-facing ALB, reads the VPC Block Public Access mode each ALB subnet is under (the
subnet's `BlockPublicAccessStates`, else its VPC's, else the account's mode in the region) and
the account's exclusions. A subnet under `block-bidirectional` or `block-ingress` that no
exclusion in force (`create-complete` or `update-complete`) for the subnet or its VPC lifts in
mode `allow-bidirectional` drops every internet client: an `allow-egress` exclusion still blocks
inbound traffic, and exclusions lift nothing where an organization's policy does not allow them.
When the path goes through an inspection appliance (an edge route to a firewall, Gateway Load
Balancer endpoint or interface), the appliance's subnet under `block-bidirectional` cuts the
path too. When the mode cannot be read, the check is not evaluated, never passed.

## Why is this bad?
Block Public Access acts at the internet gateway, before security groups and network ACLs:
nothing in the VPC's own configuration shows it. Turned on for a region to protect instances, it
silently cuts every internet-facing ALB there. An exclusion for one subnet only leaves the other
nodes cut off: one connection in N times out, the intermittent timeout that is so hard to find.

## How to fix
Create an exclusion for every ALB subnet (or for the VPC) in mode `allow-bidirectional`:
`aws ec2 create-vpc-block-public-access-exclusion --subnet-id SUBNET --internet-gateway-exclusion-mode allow-bidirectional`,
or turn the account's mode off in that region if internet-facing load balancers are intended.

## Example
The account turns on `block-ingress` in us-east-1 and excludes subnet A only. ALB109 fires for
subnet B with symptom `intermittent-timeout`: DNS hands out node B's address, and connections to
it time out.

## References
- [Block public access to VPCs and subnets](https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html)
- [BlockPublicAccessStates](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_BlockPublicAccessStates.html)
- [VpcBlockPublicAccessExclusion](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcBlockPublicAccessExclusion.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.scheme != Scheme::InternetFacing {
        return;
    }
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::BlockPublicAccess,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
