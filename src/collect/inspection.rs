//! Reads for inspection in the path: the VPCs' endpoints, their AWS Network Firewalls with
//! policies and rule groups, and the transit gateway attachments the ALB subnets route
//! through (with the firewalls and endpoints of the VPCs attached there, to tell inspection
//! VPCs). Each chain only runs as far as there is something to read: an ALB without firewalls
//! or transit gateways costs one ListFirewalls and one DescribeVpcEndpoints call, in the round
//! that reads the rest of its network.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;
use futures::future::join_all;

use super::{network_firewall, Collector, EC2_FILTER_VALUES};
use crate::model::{Dataset, Gap, Network, TransitGatewayAttachment, VpcEndpoint, VpcEndpointKind};

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Converts a described VPC endpoint.
fn vpc_endpoint(e: &aws_sdk_ec2::types::VpcEndpoint) -> VpcEndpoint {
    use aws_sdk_ec2::types::VpcEndpointType as T;
    VpcEndpoint {
        id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
        vpc_id: e.vpc_id().unwrap_or_default().to_string(),
        kind: match e.vpc_endpoint_type() {
            Some(T::Gateway) => VpcEndpointKind::Gateway,
            Some(T::Interface) => VpcEndpointKind::Interface,
            Some(T::GatewayLoadBalancer) => VpcEndpointKind::GatewayLoadBalancer,
            _ => VpcEndpointKind::Unknown,
        },
        service_name: e.service_name().unwrap_or_default().to_string(),
        state: e
            .state()
            .map(|s| s.as_str().to_ascii_lowercase())
            .unwrap_or_default(),
        subnet_ids: e.subnet_ids().to_vec(),
    }
}

/// Converts a transit gateway VPC attachment.
fn attachment(a: &aws_sdk_ec2::types::TransitGatewayVpcAttachment) -> TransitGatewayAttachment {
    TransitGatewayAttachment {
        id: a
            .transit_gateway_attachment_id()
            .unwrap_or_default()
            .to_string(),
        transit_gateway_id: a.transit_gateway_id().unwrap_or_default().to_string(),
        vpc_id: a.vpc_id().unwrap_or_default().to_string(),
        appliance_mode: a
            .options()
            .and_then(|o| o.appliance_mode_support())
            .is_some_and(|m| m.as_str() == "enable"),
        state: a
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

impl Collector {
    /// The endpoints of `vpcs` (200 VPCs per call).
    pub(super) async fn vpc_endpoints(&self, vpcs: &[String]) -> Result<Vec<VpcEndpoint>, Gap> {
        let found = self
            .caller
            .chunked(
                Dataset::VpcEndpoints,
                "ec2:DescribeVpcEndpoints",
                vpcs,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_vpc_endpoints()
                        .filters(filter("vpc-id", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await?;
        Ok(found.iter().map(vpc_endpoint).collect())
    }

    /// The Network Firewalls of `vpcs`, then their policies, then the policies' rule groups,
    /// each read once.
    pub(super) async fn firewalls(
        &self,
        vpcs: &[String],
        network: &mut Network,
        gaps: &mut Vec<Gap>,
    ) {
        if vpcs.is_empty() {
            return;
        }
        let listed = self
            .caller
            .run(
                Dataset::Firewalls,
                "network-firewall:ListFirewalls",
                None,
                self.nfw
                    .list_firewalls()
                    .set_vpc_ids(Some(vpcs.to_vec()))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .await;
        let arns: Vec<String> = match listed {
            Ok(list) => list
                .iter()
                .filter_map(|f| f.firewall_arn().map(str::to_string))
                .collect(),
            Err(g) => {
                gaps.push(g);
                return;
            }
        };
        let described = join_all(arns.iter().map(|arn| {
            self.caller.run(
                Dataset::Firewalls,
                "network-firewall:DescribeFirewall",
                None,
                self.nfw.describe_firewall().firewall_arn(arn).send(),
            )
        }))
        .await;
        for d in described {
            match d {
                Ok(out) => {
                    if let Some(f) = out.firewall() {
                        let fw = network_firewall::firewall(f, out.firewall_status());
                        network.firewalls.insert(fw.arn.clone(), fw);
                    }
                }
                Err(g) => gaps.push(g),
            }
        }
        let policies: BTreeSet<String> = network
            .firewalls
            .values()
            .map(|f| f.policy_arn.clone())
            .filter(|p| !p.is_empty() && !network.firewall_policies.contains_key(p))
            .collect();
        let read = join_all(policies.iter().map(|arn| {
            self.caller.run(
                Dataset::FirewallPolicies,
                "network-firewall:DescribeFirewallPolicy",
                None,
                self.nfw
                    .describe_firewall_policy()
                    .firewall_policy_arn(arn)
                    .send(),
            )
        }))
        .await;
        for r in read {
            match r {
                Ok(out) => {
                    if let (Some(resp), Some(p)) =
                        (out.firewall_policy_response(), out.firewall_policy())
                    {
                        let policy = network_firewall::firewall_policy(resp, p);
                        network.firewall_policies.insert(policy.arn.clone(), policy);
                    }
                }
                Err(g) => gaps.push(g),
            }
        }
        let groups: BTreeSet<String> = network
            .firewall_policies
            .values()
            .flat_map(|p| {
                p.stateless_rule_groups
                    .iter()
                    .map(|g| g.arn.clone())
                    .chain(p.stateful_rule_groups.iter().map(|g| g.arn.clone()))
            })
            .filter(|g| !network.rule_groups.contains_key(g))
            .collect();
        let read = join_all(groups.iter().map(|arn| {
            self.caller.run(
                Dataset::RuleGroups,
                "network-firewall:DescribeRuleGroup",
                None,
                self.nfw.describe_rule_group().rule_group_arn(arn).send(),
            )
        }))
        .await;
        for r in read {
            match r {
                Ok(out) => {
                    if let (Some(resp), Some(g)) = (out.rule_group_response(), out.rule_group()) {
                        let group = network_firewall::rule_group(resp, g);
                        network.rule_groups.insert(group.arn.clone(), group);
                    }
                }
                Err(g) => gaps.push(g),
            }
        }
    }

    /// The VPC attachments of every transit gateway a route of `network` names, then the
    /// firewalls and Gateway Load Balancer endpoints of the VPCs attached there.
    pub(super) async fn transit_inspection(&self, network: &mut Network, gaps: &mut Vec<Gap>) {
        let tgws: Vec<String> = network
            .route_tables
            .values()
            .flat_map(|t| &t.routes)
            .filter(|r| r.target.starts_with("tgw-"))
            .map(|r| r.target.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if tgws.is_empty() {
            return;
        }
        let found = self
            .caller
            .chunked(
                Dataset::TransitGatewayAttachments,
                "ec2:DescribeTransitGatewayVpcAttachments",
                &tgws,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_transit_gateway_vpc_attachments()
                        .filters(filter("transit-gateway-id", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await;
        let attachments = match found {
            Ok(list) => list,
            Err(g) => {
                gaps.push(g);
                return;
            }
        };
        let known: BTreeSet<String> = network.vpcs.keys().cloned().collect();
        let others: Vec<String> = attachments
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .filter(|v| !known.contains(v))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for a in &attachments {
            let a = attachment(a);
            network.transit_gateway_attachments.insert(a.id.clone(), a);
        }
        let (endpoints, ()) = tokio::join!(self.vpc_endpoints(&others), async {
            let mut part = Network::default();
            let mut part_gaps = Vec::new();
            self.firewalls(&others, &mut part, &mut part_gaps).await;
            network.firewalls.extend(part.firewalls);
            network.firewall_policies.extend(part.firewall_policies);
            network.rule_groups.extend(part.rule_groups);
            gaps.extend(part_gaps);
        });
        match endpoints {
            Ok(list) => network
                .vpc_endpoints
                .extend(list.into_iter().map(|e| (e.id.clone(), e))),
            Err(g) => gaps.push(g),
        }
    }
}
