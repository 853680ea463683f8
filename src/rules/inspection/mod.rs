//! Rules about inspection between the client and the ALB (ALB110–ALB113): firewalls and
//! appliances that an internet gateway's edge route table or a subnet route puts in the path.

pub mod alb110_inspection_return_path_asymmetric;
pub mod alb111_inspection_endpoint_unavailable;
pub mod alb112_inspection_subnet_no_return_route;
pub mod alb113_firewall_drops_client;

use crate::model::Dataset;

/// What every inspection rule reads: the routes, gateways and what the endpoints are.
pub(crate) const INSPECTION: [Dataset; 6] = [
    Dataset::Vpcs,
    Dataset::Subnets,
    Dataset::RouteTables,
    Dataset::InternetGateways,
    Dataset::VpnGateways,
    Dataset::PrefixLists,
];

/// What ALB111 reads beyond [`INSPECTION`]: the interfaces and instances routes send traffic to.
pub(crate) const INSPECTION_APPLIANCES: [Dataset; 7] = [
    Dataset::Vpcs,
    Dataset::Subnets,
    Dataset::RouteTables,
    Dataset::InternetGateways,
    Dataset::VpnGateways,
    Dataset::PrefixLists,
    Dataset::Appliances,
];
