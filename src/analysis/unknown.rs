//! Values an ALB's checks read that are missing or that this build does not understand: an
//! unknown scheme or address type, a route whose state is not `active` or `blackhole`, a
//! security group rule or ACL entry whose protocol is not an IP protocol, an ACL entry the
//! collector could not read, a health-check port that is not a port, an empty id. Each one
//! hides the data set it came from, exactly as a failed read does, so the checks that need
//! that data set are `not_evaluated` and the audit is incomplete: unknown is never pass, and
//! no permissive default stands in for it (CONTRACT.md, "Unknown is never pass").

use crate::model::{
    Dataset, IpAddressType, LoadBalancer, RouteState, Scheme, Snapshot, TargetIpAddressType,
};

/// Where an unknown value is reported: the snapshot itself, not an API call.
const SOURCE: &str = "snapshot";

/// Every unknown value `lb`'s checks would read, as (the data set it hides, `api: reason`).
pub fn unknowns(snapshot: &Snapshot, lb: &LoadBalancer) -> Vec<(Dataset, String)> {
    let mut out = Vec::new();
    let mut add =
        |dataset: Dataset, reason: String| out.push((dataset, format!("{SOURCE}: {reason}")));
    // An ALB whose own read failed is a placeholder: its empty fields are that failure, which
    // the gap already names, not values of their own.
    let unread = snapshot
        .gaps_for(&lb.arn, Dataset::LoadBalancers)
        .next()
        .is_some();
    if !unread && lb.scheme == Scheme::Unknown {
        add(
            Dataset::LoadBalancers,
            "the ALB's scheme is missing or unknown".into(),
        );
    }
    if !unread && lb.ip_address_type == IpAddressType::Unknown {
        add(
            Dataset::LoadBalancers,
            "the ALB's IP address type is missing or unknown".into(),
        );
    }
    if !unread && lb.vpc_id.is_empty() {
        add(Dataset::LoadBalancers, "the ALB's VPC id is missing".into());
    }
    let network = &snapshot.network;
    let in_vpc = |vpc: &str| vpc == lb.vpc_id || vpc.is_empty();
    for arn in forwarded(lb) {
        let Some(group) = snapshot.target_groups.get(arn) else {
            continue;
        };
        if group.ip_address_type == TargetIpAddressType::Unknown {
            add(
                Dataset::TargetGroups,
                format!("target group {}: IP address type is unknown", group.name),
            );
        }
        if !health_check_port_known(&group.health_check_port) {
            add(
                Dataset::TargetGroups,
                format!(
                    "target group {}: health check port is not a port",
                    group.name
                ),
            );
        }
    }
    for table in network.route_tables.values().filter(|t| in_vpc(&t.vpc_id)) {
        if table.routes.iter().any(|r| r.state == RouteState::Unknown) {
            add(
                Dataset::RouteTables,
                format!(
                    "route table {}: a route's state is missing or unknown",
                    id_or_missing(&table.id)
                ),
            );
        }
    }
    for group in network
        .security_groups
        .values()
        .filter(|g| in_vpc(&g.vpc_id))
    {
        if group
            .ingress
            .iter()
            .chain(&group.egress)
            .any(|r| !protocol_known(&r.protocol))
        {
            add(
                Dataset::SecurityGroups,
                format!(
                    "security group {}: a rule's protocol is missing or unknown",
                    id_or_missing(&group.id)
                ),
            );
        }
    }
    for acl in network.network_acls.values().filter(|a| in_vpc(&a.vpc_id)) {
        if acl.entries.iter().any(|e| !protocol_known(&e.protocol)) {
            add(
                Dataset::NetworkAcls,
                format!(
                    "network ACL {}: an entry's protocol is missing or unknown",
                    id_or_missing(&acl.id)
                ),
            );
        }
        if acl.unreadable_entries > 0 {
            add(
                Dataset::NetworkAcls,
                format!(
                    "network ACL {}: {} entries could not be read",
                    id_or_missing(&acl.id),
                    acl.unreadable_entries
                ),
            );
        }
    }
    let empty_ids = [
        (Dataset::Vpcs, network.vpcs.contains_key("")),
        (Dataset::Subnets, network.subnets.contains_key("")),
        (Dataset::RouteTables, network.route_tables.contains_key("")),
        (
            Dataset::SecurityGroups,
            network.security_groups.contains_key(""),
        ),
        (Dataset::NetworkAcls, network.network_acls.contains_key("")),
        (
            Dataset::NetworkInterfaces,
            network.network_interfaces.contains_key(""),
        ),
        (Dataset::Instances, network.instances.contains_key("")),
        (
            Dataset::InternetGateways,
            network.internet_gateways.contains_key(""),
        ),
    ];
    for (dataset, empty) in empty_ids {
        if empty {
            add(dataset, "a resource without an id".into());
        }
    }
    out
}

/// The target groups `lb` forwards to.
fn forwarded(lb: &LoadBalancer) -> impl Iterator<Item = &str> {
    lb.listeners
        .iter()
        .flat_map(|l| &l.forwards)
        .map(|f| f.target_group_arn.as_str())
}

fn id_or_missing(id: &str) -> &str {
    if id.is_empty() {
        "(no id)"
    } else {
        id
    }
}

/// Whether a health-check port is `traffic-port` or a port number
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html>).
pub fn health_check_port_known(port: &str) -> bool {
    port == "traffic-port" || port.parse::<u16>().is_ok_and(|p| p > 0)
}

/// Whether an EC2 protocol is one the API can return: `-1` (all), a name EC2 uses for
/// security group rules and ACL entries, or an IP protocol number 0-255
/// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>,
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkAclEntry.html>).
pub fn protocol_known(protocol: &str) -> bool {
    let p = protocol.trim().to_ascii_lowercase();
    matches!(p.as_str(), "-1" | "all" | "tcp" | "udp" | "icmp" | "icmpv6")
        || p.parse::<u8>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_protocols() {
        assert!(health_check_port_known("traffic-port"));
        assert!(health_check_port_known("8080"));
        assert!(!health_check_port_known("banana"));
        assert!(!health_check_port_known("0"));
        assert!(!health_check_port_known("70000"));
        assert!(!health_check_port_known(""));
        for p in ["-1", "tcp", "TCP", "6", "17", "icmpv6", "255"] {
            assert!(protocol_known(p), "{p}");
        }
        for p in ["", "256", "-2", "sctp-ish", "tcp6"] {
            assert!(!protocol_known(p), "{p}");
        }
    }
}
