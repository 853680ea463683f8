//! Inspection in the path: where an internet gateway sends traffic for a subnet, and what a
//! route to an inspection endpoint reaches.
//!
//! A route table associated with an internet gateway (an *edge association*, "ingress
//! routing", <https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html>)
//! decides where traffic entering the VPC through that gateway goes first: a route for an ALB
//! subnet to a Gateway Load Balancer or Network Firewall endpoint (`vpce-…`) or to an
//! appliance's interface puts the appliance in front of the subnet. Stateful inspection then
//! needs the response to leave the same way: the ALB subnet's route for the client must lead to
//! that same endpoint, and the endpoint's subnet must route the client to the internet gateway
//! (<https://docs.aws.amazon.com/network-firewall/latest/developerguide/arch-igw-ngw.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/getting-started.html>).
//!
//! An interface (`eni-…`) or instance (`i-…`) target is an appliance too: it forwards only
//! while the interface exists and is attached to a running instance, and its source/destination
//! check is off (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#eni-basics>).

use super::addr_set::AddrSet;
use super::route::lookup;
use crate::model::firewall::{EndpointStatus, Firewall, FirewallEndpoint};
use crate::model::{
    Instance, Network, NetworkInterface, Route, RouteState, RouteTable, VpcEndpoint,
    VpcEndpointKind,
};

/// Where traffic from the internet gateway for a subnet's addresses goes first.
#[derive(Clone, Debug)]
pub enum Ingress<'a> {
    /// Straight to the subnet: no edge route table, or its `local` route covers the subnet.
    Direct,
    /// Through an appliance first.
    Through {
        /// The gateway's edge route table.
        table: &'a RouteTable,
        /// The route that sends the subnet's traffic to the appliance.
        route: &'a Route,
    },
    /// Dropped at the edge: the edge route is a blackhole.
    Blackhole {
        /// The gateway's edge route table.
        table: &'a RouteTable,
        /// The blackholed route.
        route: &'a Route,
    },
    /// Not known, and why.
    Unknown(String),
}

/// Where `gateway` sends traffic for `dest` (a subnet's, or an ALB node's, addresses).
pub fn ingress<'a>(network: &'a Network, gateway: &str, dest: &AddrSet) -> Ingress<'a> {
    let Some(table) = network
        .route_tables
        .values()
        .find(|t| t.gateway_ids.iter().any(|g| g == gateway))
    else {
        return Ingress::Direct;
    };
    let hits = match lookup(table, dest, &network.prefix_lists) {
        Ok(h) => h,
        Err(pl) => {
            return Ingress::Unknown(format!(
                "the entries of prefix list {pl} in {} are unknown",
                table.id
            ))
        }
    };
    // An edge table routes whole subnets; the route of the first address decides.
    match hits.first().and_then(|h| h.route) {
        Some(route) if route.state == RouteState::Blackhole => Ingress::Blackhole { table, route },
        Some(route) if route.target != "local" => Ingress::Through { table, route },
        _ => Ingress::Direct,
    }
}

/// What a route target id names, as an inspection appliance.
#[derive(Clone, Debug)]
pub enum Appliance<'a> {
    /// A zonal endpoint of an AWS Network Firewall.
    Firewall {
        /// The firewall.
        firewall: &'a Firewall,
        /// Its endpoint in one zone.
        endpoint: &'a FirewallEndpoint,
    },
    /// A Gateway Load Balancer endpoint: third-party appliances behind it.
    GatewayLoadBalancer(&'a VpcEndpoint),
    /// Some other VPC endpoint (gateway or interface), which carries no client traffic.
    OtherEndpoint(&'a VpcEndpoint),
    /// An appliance's network interface or instance (a route to `eni-…` or `i-…`): what it
    /// filters is not visible.
    Interface {
        /// The interface, when the route names one that was read.
        interface: Option<&'a NetworkInterface>,
        /// The instance it is attached to (or the route names), when read.
        instance: Option<&'a Instance>,
        /// The instance id the interface or route names, read or not.
        instance_id: Option<&'a str>,
    },
    /// An id no read endpoint or firewall has: deleted, or not read.
    Missing,
}

/// The appliance behind route target `id`.
pub fn appliance<'a>(network: &'a Network, id: &str) -> Appliance<'a> {
    if id.starts_with("eni-") {
        return match network.network_interfaces.get(id) {
            Some(n) => Appliance::Interface {
                interface: Some(n),
                instance: n
                    .instance_id
                    .as_deref()
                    .and_then(|i| network.instances.get(i)),
                instance_id: n.instance_id.as_deref(),
            },
            None => Appliance::Missing,
        };
    }
    if id.starts_with("i-") {
        return match network.instances.get_key_value(id) {
            Some((key, i)) => Appliance::Interface {
                interface: None,
                instance: Some(i),
                instance_id: Some(key.as_str()),
            },
            None => Appliance::Missing,
        };
    }
    for firewall in network.firewalls.values() {
        if let Some(endpoint) = firewall
            .endpoints
            .iter()
            .find(|e| e.endpoint_id.as_deref() == Some(id))
        {
            return Appliance::Firewall { firewall, endpoint };
        }
    }
    match network.vpc_endpoints.get(id) {
        Some(e) if e.kind == VpcEndpointKind::GatewayLoadBalancer => {
            Appliance::GatewayLoadBalancer(e)
        }
        Some(e) => Appliance::OtherEndpoint(e),
        None => Appliance::Missing,
    }
}

impl Appliance<'_> {
    /// The subnet the appliance's endpoint sits in, whose route table sends traffic on.
    pub fn subnet(&self) -> Option<&str> {
        match self {
            Appliance::Firewall { endpoint, .. } => Some(endpoint.subnet_id.as_str()),
            Appliance::GatewayLoadBalancer(e) | Appliance::OtherEndpoint(e) => {
                e.subnet_ids.first().map(String::as_str)
            }
            Appliance::Interface {
                interface: Some(n), ..
            } => Some(n.subnet_id.as_str()),
            Appliance::Interface { instance, .. } => instance.and_then(|i| i.subnet_id.as_deref()),
            Appliance::Missing => None,
        }
    }

    /// What about the appliance could not be read, so that whether it forwards is unknown.
    pub fn unknown(&self, id: &str) -> Option<String> {
        let Appliance::Interface {
            interface,
            instance,
            instance_id,
        } = self
        else {
            return None;
        };
        match (instance_id, instance) {
            (Some(i), None) => return Some(format!("the instance {i} behind {id} was not read")),
            (None, _) => return None,
            _ => {}
        }
        let check = interface
            .map(|n| n.source_dest_check)
            .unwrap_or_else(|| instance.and_then(|i| i.source_dest_check));
        check
            .is_none()
            .then(|| format!("the source/destination check of {id} was not recorded"))
    }

    /// Why traffic routed to the appliance goes nowhere, if it does.
    pub fn unavailable(&self, id: &str) -> Option<String> {
        match self {
            Appliance::Missing => Some(format!(
                "{id} does not exist (deleted, or not an endpoint of this VPC)"
            )),
            Appliance::Firewall { firewall, endpoint } => match endpoint.status {
                EndpointStatus::Ready | EndpointStatus::Scaling => None,
                status => Some(format!(
                    "the endpoint of firewall {} in {} is {}{}",
                    firewall.name,
                    endpoint.availability_zone,
                    format!("{status:?}").to_ascii_uppercase(),
                    endpoint
                        .status_message
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                )),
            },
            Appliance::GatewayLoadBalancer(e) if e.state.eq_ignore_ascii_case("available") => None,
            Appliance::GatewayLoadBalancer(e) => Some(format!("{id} is {}", e.state)),
            Appliance::OtherEndpoint(e) => Some(format!(
                "{id} is a {:?} endpoint, which carries no client traffic",
                e.kind
            )),
            Appliance::Interface {
                interface,
                instance,
                ..
            } => {
                let Some(instance) = instance else {
                    return Some(format!(
                        "{id} is not attached to an instance, so nothing forwards the traffic"
                    ));
                };
                if instance.state != "running" {
                    return Some(format!(
                        "{id} is the appliance instance {}, which is {}",
                        instance.id, instance.state
                    ));
                }
                let check = interface
                    .map(|n| n.source_dest_check)
                    .unwrap_or(instance.source_dest_check);
                (check == Some(true)).then(|| format!(
                    "{id} has its source/destination check on, so the appliance drops traffic that is not addressed to itself"
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firewall::{ConfigurationSyncState, FirewallStatusValue};
    use crate::model::RouteOrigin;

    fn route(dest: &str, target: &str) -> Route {
        Route {
            destination: Some(dest.parse().unwrap()),
            destination_prefix_list: None,
            target: target.into(),
            state: RouteState::Active,
            origin: RouteOrigin::CreateRoute,
        }
    }

    fn network() -> Network {
        let mut n = Network::default();
        n.route_tables.insert(
            "rtb-edge".into(),
            RouteTable {
                id: "rtb-edge".into(),
                vpc_id: "vpc-1".into(),
                main: false,
                subnet_ids: vec![],
                gateway_ids: vec!["igw-1".into()],
                routes: vec![
                    route("10.0.0.0/16", "local"),
                    route("10.0.1.0/24", "vpce-a"),
                ],
            },
        );
        n.firewalls.insert(
            "arn:fw".into(),
            Firewall {
                arn: "arn:fw".into(),
                name: "fw".into(),
                vpc_id: "vpc-1".into(),
                policy_arn: "arn:policy".into(),
                subnet_ids: vec!["subnet-fa".into()],
                status: FirewallStatusValue::Ready,
                configuration_sync: ConfigurationSyncState::InSync,
                endpoints: vec![FirewallEndpoint {
                    availability_zone: "us-east-1a".into(),
                    subnet_id: "subnet-fa".into(),
                    endpoint_id: Some("vpce-a".into()),
                    status: EndpointStatus::Ready,
                    status_message: None,
                }],
            },
        );
        n
    }

    fn set(c: &str) -> AddrSet {
        AddrSet::from_net(&c.parse().unwrap())
    }

    #[test]
    fn the_edge_table_decides_ingress() {
        let n = network();
        assert!(matches!(
            ingress(&n, "igw-1", &set("10.0.1.10/32")),
            Ingress::Through { route, .. } if route.target == "vpce-a"
        ));
        assert!(matches!(
            ingress(&n, "igw-1", &set("10.0.2.10/32")),
            Ingress::Direct
        ));
        assert!(matches!(
            ingress(&n, "igw-9", &set("10.0.1.10/32")),
            Ingress::Direct
        ));
    }

    #[test]
    fn endpoints_resolve_to_their_appliance() {
        let mut n = network();
        let fw = appliance(&n, "vpce-a");
        assert!(matches!(fw, Appliance::Firewall { .. }));
        assert_eq!(fw.subnet(), Some("subnet-fa"));
        assert_eq!(fw.unavailable("vpce-a"), None);
        assert!(appliance(&n, "vpce-gone")
            .unavailable("vpce-gone")
            .unwrap()
            .contains("does not exist"));
        n.firewalls.get_mut("arn:fw").unwrap().endpoints[0].status = EndpointStatus::Creating;
        assert!(appliance(&n, "vpce-a")
            .unavailable("vpce-a")
            .unwrap()
            .contains("CREATING"));
        n.vpc_endpoints.insert(
            "vpce-g".into(),
            VpcEndpoint {
                id: "vpce-g".into(),
                vpc_id: "vpc-1".into(),
                kind: VpcEndpointKind::GatewayLoadBalancer,
                service_name: "svc".into(),
                state: "pending".into(),
                subnet_ids: vec!["subnet-ga".into()],
            },
        );
        assert!(appliance(&n, "vpce-g")
            .unavailable("vpce-g")
            .unwrap()
            .contains("pending"));
    }
}
