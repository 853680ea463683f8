//! Where a route leads a connection, decided in one place for every path: the frontend's
//! route back to a client, the backend's route to an IP target outside the VPC, and the
//! private connectivity of an internal ALB. A route carries a client's connection only through
//! an internet gateway attached to the VPC (internet clients) or through private connectivity
//! (a virtual private gateway attached to the VPC for VPN / Direct Connect, a transit gateway,
//! a peering connection). NAT gateways and egress-only internet gateways only let connections
//! out (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>);
//! gateway endpoints only reach their service's prefix list
//! (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>).

use super::route::{target_kind, TargetKind};
use crate::model::{Gateway, Network, Route, RouteState};
use std::collections::BTreeMap;

/// What a route does with a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leads {
    /// Stays in the VPC (`local`).
    Local,
    /// Out through an internet gateway attached to the VPC.
    Internet,
    /// Through a VPN/Direct Connect gateway attached to the VPC, a transit gateway or a peering
    /// connection.
    Private,
    /// Into an appliance: a Gateway Load Balancer or Network Firewall endpoint, or an
    /// appliance's network interface or instance.
    Appliance,
    /// To a gateway endpoint (S3, DynamoDB): its destinations are service addresses, never
    /// clients or targets.
    ServiceEndpoint,
    /// Dropped: the route is a blackhole.
    Blackhole,
    /// Somewhere that does not carry the connection, and why, as words that follow the target's
    /// id (`a NAT gateway, which only lets connections out`).
    Elsewhere(String),
}

/// Where `route`, in a table of `vpc_id`, leads.
pub fn leads(route: &Route, vpc_id: &str, network: &Network) -> Leads {
    if route.state == RouteState::Blackhole {
        return Leads::Blackhole;
    }
    let attached = |gateways: &BTreeMap<String, Gateway>| {
        gateways
            .get(&route.target)
            .is_some_and(|g| g.attached_vpcs.iter().any(|v| v == vpc_id))
    };
    let not_attached = || format!("which is not attached to {vpc_id}");
    match target_kind(&route.target) {
        TargetKind::Local => Leads::Local,
        TargetKind::InternetGateway if attached(&network.internet_gateways) => Leads::Internet,
        TargetKind::VpnGateway if attached(&network.vpn_gateways) => Leads::Private,
        TargetKind::InternetGateway | TargetKind::VpnGateway => Leads::Elsewhere(not_attached()),
        TargetKind::TransitGateway | TargetKind::PeeringConnection => Leads::Private,
        TargetKind::VpcEndpoint
            if network.vpc_endpoints.get(&route.target).map_or(
                route.destination_prefix_list.is_some(),
                |e| e.kind == crate::model::VpcEndpointKind::Gateway,
            ) =>
        {
            Leads::ServiceEndpoint
        }
        TargetKind::VpcEndpoint | TargetKind::NetworkInterface | TargetKind::Instance => {
            Leads::Appliance
        }
        TargetKind::NatGateway => {
            Leads::Elsewhere("a NAT gateway, which only lets connections out".into())
        }
        TargetKind::EgressOnlyInternetGateway => Leads::Elsewhere(
            "an egress-only internet gateway, which admits no inbound connection".into(),
        ),
        TargetKind::Other => Leads::Elsewhere(
            "which is not an internet gateway, VPN/Direct Connect gateway, transit gateway or peering connection".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RouteOrigin;

    fn route(target: &str) -> Route {
        Route {
            destination: Some("0.0.0.0/0".parse().unwrap()),
            destination_prefix_list: None,
            target: target.into(),
            state: RouteState::Active,
            origin: RouteOrigin::CreateRoute,
        }
    }

    #[test]
    fn each_target_leads_where_aws_sends_it() {
        let mut net = Network::default();
        for (id, vpcs) in [("igw-1", vec!["vpc-1"]), ("igw-2", vec![])] {
            net.internet_gateways.insert(
                id.into(),
                Gateway {
                    id: id.into(),
                    attached_vpcs: vpcs.into_iter().map(String::from).collect(),
                },
            );
        }
        net.vpn_gateways.insert(
            "vgw-1".into(),
            Gateway {
                id: "vgw-1".into(),
                attached_vpcs: vec!["vpc-1".into()],
            },
        );
        let at = |t: &str| leads(&route(t), "vpc-1", &net);
        assert_eq!(at("local"), Leads::Local);
        assert_eq!(at("igw-1"), Leads::Internet);
        assert!(matches!(at("igw-2"), Leads::Elsewhere(w) if w.contains("not attached")));
        assert_eq!(at("vgw-1"), Leads::Private);
        assert!(matches!(at("vgw-9"), Leads::Elsewhere(_)));
        assert_eq!(at("tgw-1"), Leads::Private);
        assert_eq!(at("pcx-1"), Leads::Private);
        assert!(matches!(at("nat-1"), Leads::Elsewhere(w) if w.contains("NAT")));
        assert!(matches!(at("eigw-1"), Leads::Elsewhere(w) if w.contains("egress-only")));
        assert_eq!(at("vpce-1"), Leads::Appliance);
        assert_eq!(at("eni-1"), Leads::Appliance);
        assert_eq!(at("i-1"), Leads::Appliance);
        let mut s3 = route("vpce-1");
        s3.destination = None;
        s3.destination_prefix_list = Some("pl-63a5400a".into());
        assert_eq!(leads(&s3, "vpc-1", &net), Leads::ServiceEndpoint);
        let mut hole = route("igw-1");
        hole.state = RouteState::Blackhole;
        assert_eq!(leads(&hole, "vpc-1", &net), Leads::Blackhole);
    }
}
