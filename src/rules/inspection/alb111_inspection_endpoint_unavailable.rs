//! ALB111: an inspection endpoint on a client's path is missing or not available.

use super::INSPECTION_APPLIANCES;
use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB111",
    name: "inspection-endpoint-unavailable",
    severity: Severity::Error,
    title: "An inspection endpoint on the path is missing or not available",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "endpoint id",
    needs: &INSPECTION_APPLIANCES,
    doc: r#"
## What it does
For every endpoint that the gateway's edge route table or an ALB subnet's route sends client
traffic to, checks that it exists and forwards traffic: a Gateway Load Balancer endpoint in state
`available`; for AWS Network Firewall, the firewall's endpoint in that zone in status `READY`
(or `SCALING`); for an appliance's interface (`eni-…`) or instance (`i-…`), that the interface
exists, is attached to a running instance and has its source/destination check off. What the
appliance itself filters cannot be seen: ALB113 lists it as not evaluated. An endpoint id that no endpoint of the VPC has (deleted since the route was
made) fires too; when the endpoints could not be read, the check is not evaluated instead.

## Why is this bad?
Traffic routed to an endpoint that is gone, still being created or failed is dropped: the
clients routed through it time out at that zone's node. A route to a deleted endpoint shows as
`blackhole` in AWS (ALB105); while the endpoint is being created or deleted the route is still
`active` and only the endpoint's state tells.

## How to fix
Recreate the endpoint (or wait until the firewall's endpoint in that zone is ready), or point the
routes at an available endpoint of the same zone.

## Example
Subnet B's table routes `0.0.0.0/0 -> vpce-0fwb`, and the firewall's endpoint in us-east-1b is
`CREATING`: connections through node B time out until it is `READY`.

## References
- [Network Firewall: firewall and endpoint status](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_SyncState.html)
- [Gateway Load Balancer endpoints](https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html)
- [Routing to a middlebox appliance](https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing)
- [Source/destination checking](https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::InspectionEndpoint,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
