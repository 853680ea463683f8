//! Reads for interface and instance appliances: the network interfaces (`eni-…`) and instances
//! (`i-…`) that route tables send traffic to, then the instances those interfaces are attached
//! to. They decide whether the appliance forwards at all (it exists, its instance runs, its
//! source/destination check is off). Only runs when a route names such a target: one round for
//! the targets, and one more for the instances behind interfaces.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::Filter;

use super::ec2::{instance, network_interface};
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
            self.appliance_instances(&named),
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
        match self.appliance_instances(&behind).await {
            Ok(list) => network.instances.extend(list),
            Err(g) => gaps.push(g),
        }
    }

    async fn appliance_instances(
        &self,
        ids: &[String],
    ) -> Result<Vec<(String, crate::model::Instance)>, Gap> {
        let reservations = self
            .caller
            .chunked(
                Dataset::Appliances,
                "ec2:DescribeInstances",
                ids,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_instances()
                        .filters(filter("instance-id", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await?;
        Ok(reservations
            .iter()
            .flat_map(|r| r.instances())
            .map(instance)
            .map(|i| (i.id.clone(), i))
            .collect())
    }
}
