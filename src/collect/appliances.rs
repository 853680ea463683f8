//! Reads for interface and instance appliances: the network interfaces (`eni-…`) and instances
//! (`i-…`) that route tables send traffic to, then the instances those interfaces are attached
//! to. They decide whether the appliance forwards at all (it exists, its instance runs, its
//! source/destination check is off). Only runs when a route names such a target: one round for
//! the targets, and one more for the instances behind interfaces.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;

use super::ec2::network_interface;
use super::{Collector, EC2_FILTER_VALUES};
use crate::model::{Dataset, Gap, Network};

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Route targets of `network` whose id starts with `prefix`, each once.
fn targets(network: &Network, prefix: &str) -> Vec<String> {
    network
        .route_tables
        .values()
        .flat_map(|t| &t.routes)
        .filter(|r| r.target.starts_with(prefix))
        .map(|r| r.target.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Collector {
    /// The interfaces and instances routes send traffic to, into `network`.
    pub(super) async fn appliances(&self, network: &mut Network, gaps: &mut Vec<Gap>) {
        let enis = targets(network, "eni-");
        let named = targets(network, "i-");
        if enis.is_empty() && named.is_empty() {
            return;
        }
        let (interfaces, instances) = tokio::join!(
            self.caller.chunked(
                Dataset::Appliances,
                "ec2:DescribeNetworkInterfaces",
                &enis,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_network_interfaces()
                        .filters(filter("network-interface-id", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                }
            ),
            self.instances_by_id(Dataset::Appliances, &named),
        );
        match instances {
            Ok(list) => network.instances.extend(list),
            Err(g) => gaps.push(g),
        }
        let read = match interfaces {
            Ok(list) => list,
            Err(g) => {
                gaps.push(g);
                return;
            }
        };
        let behind: Vec<String> = read
            .iter()
            .map(network_interface)
            .filter_map(|n| {
                let id = n.instance_id.clone();
                network.network_interfaces.insert(n.id.clone(), n);
                id
            })
            .filter(|i| !network.instances.contains_key(i))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        match self.instances_by_id(Dataset::Appliances, &behind).await {
            Ok(list) => network.instances.extend(list),
            Err(g) => gaps.push(g),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The appliance reads against EC2's own answers, replayed.
    use super::*;
    use crate::collect::replay::{ec2_error, Replay};
    use crate::model::{Route, RouteOrigin, RouteState, RouteTable};

    fn routed_to(targets: &[&str]) -> Network {
        let mut n = Network::default();
        n.route_tables.insert(
            "rtb-edge".into(),
            RouteTable {
                id: "rtb-edge".into(),
                vpc_id: "vpc-1".into(),
                main: false,
                subnet_ids: vec![],
                gateway_ids: vec!["igw-1".into()],
                routes: targets
                    .iter()
                    .map(|t| Route {
                        destination: Some("10.0.1.0/24".parse().unwrap()),
                        destination_prefix_list: None,
                        target: t.to_string(),
                        state: RouteState::Active,
                        origin: RouteOrigin::CreateRoute,
                    })
                    .collect(),
            },
        );
        n
    }

    const ENI: &str = r#"<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <networkInterfaceSet><item>
    <networkInterfaceId>eni-0fwa</networkInterfaceId>
    <subnetId>subnet-0fa</subnetId>
    <vpcId>vpc-1</vpcId>
    <availabilityZone>us-east-1a</availabilityZone>
    <description>firewall</description>
    <status>in-use</status>
    <privateIpAddress>10.0.101.5</privateIpAddress>
    <sourceDestCheck>false</sourceDestCheck>
    <groupSet/>
    <attachment><attachmentId>eni-attach-1</attachmentId><instanceId>i-0fwa</instanceId><deviceIndex>0</deviceIndex><status>attached</status></attachment>
    <privateIpAddressesSet><item><privateIpAddress>10.0.101.5</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
  </item></networkInterfaceSet>
</DescribeNetworkInterfacesResponse>"#;

    fn instances(id: &str, state: &str) -> String {
        format!(
            r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-2</requestId>
  <reservationSet><item><reservationId>r-0a</reservationId><instancesSet><item>
    <instanceId>{id}</instanceId>
    <instanceState><code>16</code><name>{state}</name></instanceState>
    <subnetId>subnet-0fa</subnetId>
    <placement><availabilityZone>us-east-1a</availabilityZone></placement>
    <privateIpAddress>10.0.101.5</privateIpAddress>
    <sourceDestCheck>false</sourceDestCheck>
    <groupSet/>
  </item></instancesSet></item></reservationSet>
</DescribeInstancesResponse>"#
        )
    }

    fn run(replay: &Replay, network: &mut Network) -> Vec<Gap> {
        let collector = replay.collector();
        let mut gaps = Vec::new();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(collector.appliances(network, &mut gaps));
        gaps
    }

    #[test]
    fn interface_targets_are_read_with_their_instances() {
        let replay = Replay::default()
            .answer("DescribeNetworkInterfaces", 200, ENI)
            .answer("DescribeInstances", 200, &instances("i-0fwb", "stopped"))
            .answer("DescribeInstances", 200, &instances("i-0fwa", "running"));
        let mut n = routed_to(&["eni-0fwa", "i-0fwb"]);
        let gaps = run(&replay, &mut n);
        assert!(gaps.is_empty(), "{gaps:?}");
        let eni = &n.network_interfaces["eni-0fwa"];
        assert_eq!(eni.source_dest_check, Some(false));
        assert_eq!(eni.instance_id.as_deref(), Some("i-0fwa"));
        assert_eq!(n.instances["i-0fwa"].state, "running");
        assert_eq!(n.instances["i-0fwa"].source_dest_check, Some(false));
        assert_eq!(n.instances["i-0fwb"].state, "stopped");
        let seen = replay.seen();
        assert!(seen.iter().any(|b| b.contains("eni-0fwa")));
        assert!(
            seen.iter().any(|b| b.contains("i-0fwa")),
            "the attached instance is read next"
        );
    }

    #[test]
    fn no_interface_or_instance_route_costs_no_call() {
        let replay = Replay::default();
        let mut n = routed_to(&["igw-1", "vpce-1"]);
        assert!(run(&replay, &mut n).is_empty());
        assert!(replay.seen().is_empty());
    }

    #[test]
    fn a_denied_read_is_a_gap_of_the_appliances_only() {
        let replay = Replay::default().answer(
            "DescribeNetworkInterfaces",
            403,
            &ec2_error("UnauthorizedOperation"),
        );
        let mut n = routed_to(&["eni-0fwa"]);
        let gaps = run(&replay, &mut n);
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].dataset, Dataset::Appliances);
        assert_eq!(gaps[0].api, "ec2:DescribeNetworkInterfaces");
        assert_eq!(gaps[0].error, "access denied");
        assert!(n.network_interfaces.is_empty());
    }
}
