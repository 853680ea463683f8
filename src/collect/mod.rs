//! Collection: the only module that talks to AWS and knows SDK types. It reads everything the
//! paths need in four rounds of concurrent, batched, paginated Describe*/Get* calls and returns
//! the plain [`Snapshot`]. A read that fails becomes a [`crate::model::Gap`], never an abort,
//! except for an unknown load balancer, which is bad input.
//!
//! Rounds: (1) the load balancers (named, or every ALB of the region, with tag filters); (2)
//! their listeners and target groups, and the network of their VPCs (one call per resource type
//! for all VPCs together, so ALBs sharing a VPC share its fetch); (3) listener rules, target
//! health and prefix-list entries; (4) instances and interfaces behind targets, and any target
//! group that only a rule names. Every call holds a permit of one semaphore, so at most
//! `concurrency` calls are in flight, and has a timeout, so a hung call becomes a gap.

mod ec2;
mod elb;
mod failure;
#[allow(dead_code)] // wired by the collector
mod network_firewall;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::types::Filter;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::arn::AlbArn;
use crate::error::{Error, Result};
use crate::model::{
    Dataset, Gap, IpAddressType, LoadBalancer, Network, Scheme, Snapshot, TargetGroup, TargetType,
    SNAPSHOT_FORMAT,
};
use failure::gap;

/// The most values EC2 accepts in one filter, and ELB in one ARN list.
const EC2_FILTER_VALUES: usize = 200;
const ELB_ARNS_PER_CALL: usize = 20;
/// Above this many ALBs, target groups are listed region-wide (calls grow with pages) rather
/// than per ALB (calls grow with ALBs).
const PER_ALB_TARGET_GROUP_READS: usize = 3;

/// Where and as whom to call AWS.
#[derive(Clone, Debug)]
pub struct AwsOptions {
    /// `--region`; defaults to the region in the first ARN.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`; the SDK also reads `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// At most this many API calls in flight (`--concurrency`).
    pub concurrency: usize,
    /// Give up on one API call, retries included, after this long (`--call-timeout`).
    pub call_timeout: Duration,
    /// Show which round is running on standard error (set only when it is a terminal).
    pub progress: bool,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            region: None,
            profile: None,
            endpoint_url: None,
            concurrency: 12,
            call_timeout: Duration::from_secs(60),
            progress: false,
        }
    }
}

/// Which load balancers to audit.
#[derive(Clone, Debug)]
pub enum Selection {
    /// These ARNs.
    Arns(Vec<AlbArn>),
    /// Every Application Load Balancer of the region carrying all of these tags.
    All {
        /// `KEY=VALUE` filters.
        tags: Vec<(String, String)>,
    },
}

/// SDK clients for one region, and the limit on calls in flight.
pub struct Collector {
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
    region: String,
    permits: Semaphore,
    progress: bool,
}

impl Collector {
    /// Builds clients from the SDK's default chain, with adaptive retry for throttling and
    /// per-call timeouts so that a hung call becomes a gap. The region is `--region`, else the
    /// ARNs' region, else the SDK's default chain (`AWS_REGION`, the profile).
    pub async fn new(options: &AwsOptions, default_region: Option<&str>) -> Result<Self> {
        let attempt = options.call_timeout.min(Duration::from_secs(20));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::adaptive().with_max_attempts(5))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(attempt)
                    .operation_timeout(options.call_timeout)
                    .build(),
            );
        if let Some(region) = options.region.as_deref().or(default_region) {
            loader = loader.region(Region::new(region.to_string()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &options.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| Error::Config("no region: pass --region or set AWS_REGION".into()))?;
        Ok(Collector {
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            region,
            permits: Semaphore::new(options.concurrency.max(1)),
            progress: options.progress,
        })
    }

    /// Says on standard error which round runs, for audits of several ALBs on a terminal.
    fn round(&self, albs: usize, round: usize, what: &str) {
        if self.progress && albs > 1 {
            eprint!("\r\x1b[Kalb-audit: {albs} load balancers, round {round}/4: {what}");
            if round == 0 {
                eprint!("\r\x1b[K");
            }
        }
    }

    /// Runs one API call (all its pages) under a concurrency permit.
    async fn call<F: Future>(&self, f: F) -> F::Output {
        // The semaphore is never closed, so acquiring only fails if it were; run unbounded then.
        let _permit = self.permits.acquire().await.ok();
        f.await
    }

    /// Reads the selected ALBs and everything on their paths.
    pub async fn collect(&self, selection: &Selection) -> Result<Snapshot> {
        let mut snap = Snapshot {
            format: SNAPSHOT_FORMAT,
            region: self.region.clone(),
            ..Snapshot::default()
        };
        // Round 1.
        let mut lbs = match selection {
            Selection::Arns(arns) => self.load_balancers(arns, &mut snap.gaps).await?,
            Selection::All { tags } => self.all_load_balancers(tags, &mut snap.gaps).await,
        };
        let read: Vec<&LoadBalancer> = lbs.iter().filter(|lb| !lb.vpc_id.is_empty()).collect();
        let vpc_ids: BTreeSet<String> = read.iter().map(|lb| lb.vpc_id.clone()).collect();
        let descriptions: Vec<String> = read
            .iter()
            .filter_map(|lb| AlbArn::parse(&lb.arn).ok())
            .map(|a| a.interface_description())
            .collect();

        // Round 2.
        self.round(
            read.len(),
            2,
            "listeners, target groups and the VPCs' network",
        );
        let region_wide = read.len() > PER_ALB_TARGET_GROUP_READS;
        let (listeners, lb_groups, all_groups, network) = tokio::join!(
            join_all(read.iter().map(|lb| self.listeners(&lb.arn))),
            join_all(
                read.iter()
                    .filter(|_| !region_wide)
                    .map(|lb| self.target_groups_of(&lb.arn))
            ),
            async {
                if region_wide {
                    Some(self.all_target_groups().await)
                } else {
                    None
                }
            },
            self.network(&vpc_ids, &descriptions),
        );
        let (mut network, network_gaps) = network;
        snap.gaps.extend(network_gaps);
        let read_arns: Vec<String> = read.iter().map(|lb| lb.arn.clone()).collect();
        let mut listeners_by_lb = BTreeMap::new();
        for (arn, result) in read_arns.iter().zip(listeners) {
            match result {
                Ok(ls) => {
                    listeners_by_lb.insert(arn.clone(), ls);
                }
                Err(g) => snap.gaps.push(g),
            }
        }
        let mut groups: BTreeMap<String, TargetGroup> = BTreeMap::new();
        let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (arn, result) in read_arns.iter().zip(lb_groups) {
            match result {
                Ok(tgs) => {
                    for tg in tgs {
                        users.entry(tg.arn.clone()).or_default().insert(arn.clone());
                        groups.insert(tg.arn.clone(), tg);
                    }
                }
                Err(g) => snap.gaps.push(g),
            }
        }
        match all_groups {
            Some(Ok(tgs)) => {
                let ours: BTreeSet<&String> = read_arns.iter().collect();
                for (tg, lb_arns) in tgs {
                    let used: BTreeSet<String> =
                        lb_arns.into_iter().filter(|a| ours.contains(a)).collect();
                    if !used.is_empty() {
                        users.entry(tg.arn.clone()).or_default().extend(used);
                        groups.insert(tg.arn.clone(), tg);
                    }
                }
            }
            Some(Err(g)) => snap.gaps.push(g),
            None => {}
        }

        // Round 3.
        self.round(read.len(), 3, "listener rules, target health, prefix lists");
        let listener_refs: Vec<(String, String)> = listeners_by_lb
            .iter()
            .flat_map(|(lb, ls)| ls.iter().map(move |l| (lb.clone(), l.arn.clone())))
            .collect();
        let prefix_ids = referenced_prefix_lists(&network);
        let tg_arns: Vec<String> = groups.keys().cloned().collect();
        let (rules, health, prefix_lists) = tokio::join!(
            join_all(listener_refs.iter().map(|(_, l)| self.rules(l))),
            join_all(tg_arns.iter().map(|tg| self.target_health(tg))),
            join_all(prefix_ids.iter().map(|pl| self.prefix_list(pl))),
        );
        for ((lb, listener_arn), result) in listener_refs.iter().zip(rules) {
            match result {
                Ok(rules) => {
                    if let Some(l) = listeners_by_lb
                        .get_mut(lb)
                        .and_then(|ls| ls.iter_mut().find(|l| &l.arn == listener_arn))
                    {
                        elb::add_rule_forwards(l, &rules);
                    }
                }
                Err(mut g) => {
                    g.load_balancer = Some(lb.clone());
                    snap.gaps.push(g);
                }
            }
        }
        for (arn, result) in tg_arns.iter().zip(health) {
            match result {
                Ok(targets) => {
                    if let Some(tg) = groups.get_mut(arn) {
                        tg.targets = targets;
                    }
                }
                Err(g) => snap.gaps.extend(per_user(&g, users.get(arn))),
            }
        }
        for result in prefix_lists {
            match result {
                Ok(pl) => {
                    network.prefix_lists.insert(pl.id.clone(), pl);
                }
                Err(g) => snap.gaps.push(g),
            }
        }

        // Round 4.
        self.round(read.len(), 4, "instances and interfaces behind targets");
        let forwarded: BTreeSet<(String, String)> = listeners_by_lb
            .iter()
            .flat_map(|(lb, ls)| {
                ls.iter()
                    .flat_map(|l| &l.forwards)
                    .map(move |f| (f.target_group_arn.clone(), lb.clone()))
            })
            .collect();
        for (tg, lb) in &forwarded {
            users.entry(tg.clone()).or_default().insert(lb.clone());
        }
        let unknown: Vec<String> = forwarded
            .iter()
            .map(|(tg, _)| tg.clone())
            .filter(|tg| !groups.contains_key(tg))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let instance_ids: BTreeSet<String> = groups
            .values()
            .filter(|g| g.target_type == TargetType::Instance)
            .flat_map(|g| g.targets.iter().map(|t| t.id.clone()))
            .collect();
        let ips: BTreeSet<String> = groups
            .values()
            .filter(|g| g.target_type == TargetType::Ip)
            .flat_map(|g| g.targets.iter().map(|t| t.id.clone()))
            .collect();
        let (extra, instances, interfaces) = tokio::join!(
            self.extra_target_groups(&unknown),
            self.instances(&instance_ids),
            self.interfaces_at(&ips, &vpc_ids),
        );
        match extra {
            Ok(tgs) => {
                for tg in tgs {
                    groups.insert(tg.arn.clone(), tg);
                }
            }
            Err(g) => snap.gaps.push(g),
        }
        match instances {
            Ok(list) => network
                .instances
                .extend(list.into_iter().map(|i| (i.id.clone(), i))),
            Err(g) => snap.gaps.push(g),
        }
        match interfaces {
            Ok(list) => network
                .network_interfaces
                .extend(list.into_iter().map(|n| (n.id.clone(), n))),
            Err(g) => snap.gaps.push(g),
        }

        for lb in &mut lbs {
            if let Some(mut ls) = listeners_by_lb.remove(&lb.arn) {
                ls.sort_by_key(|l| l.port);
                lb.listeners = ls;
            }
        }
        self.round(lbs.len(), 0, "");
        snap.load_balancers = lbs;
        snap.target_groups = groups;
        snap.network = network;
        snap.gaps
            .sort_by(|a, b| (&a.api, &a.load_balancer).cmp(&(&b.api, &b.load_balancer)));
        snap.gaps.dedup();
        Ok(snap)
    }

    async fn load_balancers(
        &self,
        arns: &[AlbArn],
        gaps: &mut Vec<Gap>,
    ) -> Result<Vec<LoadBalancer>> {
        let chunks: Vec<&[AlbArn]> = arns.chunks(ELB_ARNS_PER_CALL).collect();
        let results = join_all(chunks.iter().map(|chunk| {
            self.call(
                self.elb
                    .describe_load_balancers()
                    .set_load_balancer_arns(Some(chunk.iter().map(|a| a.arn.clone()).collect()))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        }))
        .await;
        let mut out = Vec::new();
        for (chunk, result) in chunks.iter().zip(results) {
            match result {
                Ok(found) => {
                    for lb in &found {
                        if !elb::is_application(lb) {
                            return Err(Error::NotApplication {
                                arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
                                kind: "Network or Gateway",
                            });
                        }
                        out.push(elb::load_balancer(lb));
                    }
                }
                Err(e) if matches!(e.code(), Some("LoadBalancerNotFound" | "ValidationError")) => {
                    let arn = self.first_unknown(chunk).await;
                    return Err(Error::UnknownLoadBalancer {
                        arn,
                        detail: e.message().unwrap_or("not found").to_string(),
                    });
                }
                Err(e) => {
                    for a in chunk.iter() {
                        gaps.push(gap(
                            Dataset::LoadBalancers,
                            "elasticloadbalancing:DescribeLoadBalancers",
                            &e,
                            Some(&a.arn),
                        ));
                        out.push(placeholder(a));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Every Application Load Balancer of the region (all pages), then those carrying all of
    /// `tags` (one DescribeTags call per 20 ALBs).
    async fn all_load_balancers(
        &self,
        tags: &[(String, String)],
        gaps: &mut Vec<Gap>,
    ) -> Vec<LoadBalancer> {
        let api = "elasticloadbalancing:DescribeLoadBalancers";
        let found = self
            .call(
                self.elb
                    .describe_load_balancers()
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .await;
        let lbs: Vec<LoadBalancer> = match found {
            Ok(found) => found
                .iter()
                .filter(|lb| {
                    lb.r#type() == Some(&aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Application)
                })
                .map(elb::load_balancer)
                .collect(),
            Err(e) => {
                gaps.push(gap(Dataset::LoadBalancers, api, &e, None));
                return Vec::new();
            }
        };
        if tags.is_empty() {
            return lbs;
        }
        let arns: Vec<String> = lbs.iter().map(|lb| lb.arn.clone()).collect();
        let results = join_all(arns.chunks(ELB_ARNS_PER_CALL).map(|chunk| {
            self.call(
                self.elb
                    .describe_tags()
                    .set_resource_arns(Some(chunk.to_vec()))
                    .send(),
            )
        }))
        .await;
        let mut matching = BTreeSet::new();
        for result in results {
            match result {
                Ok(out) => {
                    for d in out.tag_descriptions() {
                        let has = |(k, v): &(String, String)| {
                            d.tags().iter().any(|t| {
                                t.key() == Some(k.as_str()) && t.value() == Some(v.as_str())
                            })
                        };
                        if tags.iter().all(has) {
                            matching.extend(d.resource_arn().map(str::to_string));
                        }
                    }
                }
                Err(e) => {
                    gaps.push(gap(
                        Dataset::LoadBalancers,
                        "elasticloadbalancing:DescribeTags",
                        &e,
                        None,
                    ));
                    return Vec::new();
                }
            }
        }
        lbs.into_iter()
            .filter(|lb| matching.contains(&lb.arn))
            .collect()
    }

    /// Every target group of the region (all pages) with the ALBs it is associated with.
    async fn all_target_groups(&self) -> Result<Vec<(TargetGroup, Vec<String>)>, Gap> {
        self.call(
            self.elb
                .describe_target_groups()
                .into_paginator()
                .items()
                .send()
                .try_collect(),
        )
        .await
        .map(|tgs| {
            tgs.iter()
                .map(|t| (elb::target_group(t), t.load_balancer_arns().to_vec()))
                .collect()
        })
        .map_err(|e| {
            gap(
                Dataset::TargetGroups,
                "elasticloadbalancing:DescribeTargetGroups",
                &e,
                None,
            )
        })
    }

    /// Names the ARN AWS does not know when a batch of several was refused.
    async fn first_unknown(&self, chunk: &[AlbArn]) -> String {
        if chunk.len() > 1 {
            for a in chunk {
                let one = self
                    .elb
                    .describe_load_balancers()
                    .load_balancer_arns(&a.arn)
                    .send()
                    .await;
                if one.is_err() {
                    return a.arn.clone();
                }
            }
        }
        chunk
            .iter()
            .map(|a| a.arn.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    async fn listeners(&self, lb: &str) -> Result<Vec<crate::model::Listener>, Gap> {
        self.call(async {
            self.elb
                .describe_listeners()
                .load_balancer_arn(lb)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map(|ls| ls.iter().filter_map(elb::listener).collect())
                .map_err(|e| {
                    gap(
                        Dataset::Listeners,
                        "elasticloadbalancing:DescribeListeners",
                        &e,
                        Some(lb),
                    )
                })
        })
        .await
    }

    async fn rules(
        &self,
        listener: &str,
    ) -> Result<Vec<aws_sdk_elasticloadbalancingv2::types::Rule>, Gap> {
        self.call(async {
            self.elb
                .describe_rules()
                .listener_arn(listener)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| {
                    gap(
                        Dataset::ListenerRules,
                        "elasticloadbalancing:DescribeRules",
                        &e,
                        None,
                    )
                })
        })
        .await
    }

    async fn target_groups_of(&self, lb: &str) -> Result<Vec<TargetGroup>, Gap> {
        self.call(async {
            self.elb
                .describe_target_groups()
                .load_balancer_arn(lb)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map(|tgs| tgs.iter().map(elb::target_group).collect())
                .map_err(|e| {
                    gap(
                        Dataset::TargetGroups,
                        "elasticloadbalancing:DescribeTargetGroups",
                        &e,
                        Some(lb),
                    )
                })
        })
        .await
    }

    /// Target groups only a rule names (not returned by the per-ALB read), with their health.
    async fn extra_target_groups(&self, arns: &[String]) -> Result<Vec<TargetGroup>, Gap> {
        let mut out = Vec::new();
        for chunk in arns.chunks(ELB_ARNS_PER_CALL) {
            let tgs = self
                .elb
                .describe_target_groups()
                .set_target_group_arns(Some(chunk.to_vec()))
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| {
                    gap(
                        Dataset::TargetGroups,
                        "elasticloadbalancing:DescribeTargetGroups",
                        &e,
                        None,
                    )
                })?;
            let mut groups: Vec<TargetGroup> = tgs.iter().map(elb::target_group).collect();
            let health = join_all(groups.iter().map(|g| self.target_health(&g.arn))).await;
            for (g, h) in groups.iter_mut().zip(health) {
                g.targets = h?;
            }
            out.extend(groups);
        }
        Ok(out)
    }

    async fn target_health(&self, tg: &str) -> Result<Vec<crate::model::Target>, Gap> {
        self.call(async {
            let out = self
                .elb
                .describe_target_health()
                .target_group_arn(tg)
                .send()
                .await
                .map_err(|e| {
                    gap(
                        Dataset::TargetHealth,
                        "elasticloadbalancing:DescribeTargetHealth",
                        &e,
                        None,
                    )
                })?;
            let mut targets: Vec<_> = out
                .target_health_descriptions()
                .iter()
                .filter_map(elb::target)
                .collect();
            targets.sort_by(|a, b| (&a.id, a.port).cmp(&(&b.id, b.port)));
            Ok(targets)
        })
        .await
    }

    /// Every network resource type of the VPCs, one paginated call per type for at most 200
    /// VPCs at a time, concurrently; and the ALBs' node interfaces by description.
    async fn network(
        &self,
        vpcs: &BTreeSet<String>,
        descriptions: &[String],
    ) -> (Network, Vec<Gap>) {
        let ids: Vec<String> = vpcs.iter().cloned().collect();
        let chunks: Vec<&[String]> = ids.chunks(EC2_FILTER_VALUES).collect();
        let (parts, interfaces) = tokio::join!(
            join_all(chunks.iter().map(|chunk| self.network_of(chunk))),
            self.alb_interfaces(descriptions),
        );
        let mut network = Network::default();
        let mut gaps = Vec::new();
        for (part, part_gaps) in parts {
            network.vpcs.extend(part.vpcs);
            network.subnets.extend(part.subnets);
            network.route_tables.extend(part.route_tables);
            network.internet_gateways.extend(part.internet_gateways);
            network.vpn_gateways.extend(part.vpn_gateways);
            network.security_groups.extend(part.security_groups);
            network.network_acls.extend(part.network_acls);
            gaps.extend(part_gaps);
        }
        match interfaces {
            Ok(list) => network
                .network_interfaces
                .extend(list.into_iter().map(|n| (n.id.clone(), n))),
            Err(g) => gaps.push(g),
        }
        (network, gaps)
    }

    async fn network_of(&self, ids: &[String]) -> (Network, Vec<Gap>) {
        let mut network = Network::default();
        let mut gaps = Vec::new();
        let by_vpc = |name: &str| {
            Filter::builder()
                .name(name)
                .set_values(Some(ids.to_vec()))
                .build()
        };
        let ec2 = &self.ec2;
        let (v, s, rt, igw, vgw, sg, acl) = tokio::join!(
            self.call(
                ec2.describe_vpcs()
                    .set_vpc_ids(Some(ids.to_vec()))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            self.call(
                ec2.describe_subnets()
                    .filters(by_vpc("vpc-id"))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            self.call(
                ec2.describe_route_tables()
                    .filters(by_vpc("vpc-id"))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            self.call(
                ec2.describe_internet_gateways()
                    .filters(by_vpc("attachment.vpc-id"))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            self.call(
                ec2.describe_vpn_gateways()
                    .filters(by_vpc("attachment.vpc-id"))
                    .send()
            ),
            self.call(
                ec2.describe_security_groups()
                    .filters(by_vpc("vpc-id"))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            self.call(
                ec2.describe_network_acls()
                    .filters(by_vpc("vpc-id"))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
        );
        macro_rules! take {
            ($result:expr, $dataset:expr, $api:expr, $field:ident, $conv:path) => {
                match $result {
                    Ok(items) => {
                        for item in items.iter() {
                            let m = $conv(item);
                            network.$field.insert(m.id.clone(), m);
                        }
                    }
                    Err(e) => gaps.push(gap($dataset, $api, &e, None)),
                }
            };
        }
        take!(v, Dataset::Vpcs, "ec2:DescribeVpcs", vpcs, ec2::vpc);
        take!(
            s,
            Dataset::Subnets,
            "ec2:DescribeSubnets",
            subnets,
            ec2::subnet
        );
        take!(
            rt,
            Dataset::RouteTables,
            "ec2:DescribeRouteTables",
            route_tables,
            ec2::route_table
        );
        take!(
            igw,
            Dataset::InternetGateways,
            "ec2:DescribeInternetGateways",
            internet_gateways,
            ec2::internet_gateway
        );
        take!(
            vgw.map(|o| o.vpn_gateways.unwrap_or_default()),
            Dataset::VpnGateways,
            "ec2:DescribeVpnGateways",
            vpn_gateways,
            ec2::vpn_gateway
        );
        take!(
            sg,
            Dataset::SecurityGroups,
            "ec2:DescribeSecurityGroups",
            security_groups,
            ec2::security_group
        );
        take!(
            acl,
            Dataset::NetworkAcls,
            "ec2:DescribeNetworkAcls",
            network_acls,
            ec2::network_acl
        );
        (network, gaps)
    }

    /// The ALBs' node interfaces (`ELB app/NAME/ID`), 200 descriptions per call.
    async fn alb_interfaces(
        &self,
        descriptions: &[String],
    ) -> Result<Vec<crate::model::NetworkInterface>, Gap> {
        let calls = descriptions.chunks(EC2_FILTER_VALUES).map(|chunk| {
            self.call(
                self.ec2
                    .describe_network_interfaces()
                    .filters(
                        Filter::builder()
                            .name("description")
                            .set_values(Some(chunk.to_vec()))
                            .build(),
                    )
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        });
        let mut out = Vec::new();
        for result in join_all(calls).await {
            let enis = result.map_err(|e| {
                gap(
                    Dataset::NetworkInterfaces,
                    "ec2:DescribeNetworkInterfaces",
                    &e,
                    None,
                )
            })?;
            out.extend(enis.iter().map(ec2::network_interface));
        }
        Ok(out)
    }

    async fn prefix_list(&self, id: &str) -> Result<crate::model::PrefixList, Gap> {
        self.call(async {
            let entries = self
                .ec2
                .get_managed_prefix_list_entries()
                .prefix_list_id(id)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| {
                    gap(
                        Dataset::PrefixLists,
                        "ec2:GetManagedPrefixListEntries",
                        &e,
                        None,
                    )
                })?;
            Ok(crate::model::PrefixList {
                id: id.to_string(),
                name: String::new(),
                cidrs: entries
                    .iter()
                    .filter_map(|e| e.cidr()?.parse().ok())
                    .collect(),
            })
        })
        .await
    }

    async fn instances(&self, ids: &BTreeSet<String>) -> Result<Vec<crate::model::Instance>, Gap> {
        let ids: Vec<String> = ids.iter().cloned().collect();
        let calls = ids.chunks(EC2_FILTER_VALUES).map(|chunk| {
            self.call(
                self.ec2
                    .describe_instances()
                    .filters(
                        Filter::builder()
                            .name("instance-id")
                            .set_values(Some(chunk.to_vec()))
                            .build(),
                    )
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        });
        let mut out = Vec::new();
        for result in join_all(calls).await {
            let reservations =
                result.map_err(|e| gap(Dataset::Instances, "ec2:DescribeInstances", &e, None))?;
            out.extend(
                reservations
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(ec2::instance),
            );
        }
        Ok(out)
    }

    /// The interfaces that own IP targets' addresses inside the audited VPCs.
    async fn interfaces_at(
        &self,
        ips: &BTreeSet<String>,
        vpcs: &BTreeSet<String>,
    ) -> Result<Vec<crate::model::NetworkInterface>, Gap> {
        let ips: Vec<String> = ips.iter().cloned().collect();
        let calls = ips.chunks(EC2_FILTER_VALUES).map(|chunk| {
            self.call(
                self.ec2
                    .describe_network_interfaces()
                    .filters(
                        Filter::builder()
                            .name("addresses.private-ip-address")
                            .set_values(Some(chunk.to_vec()))
                            .build(),
                    )
                    .filters(
                        Filter::builder()
                            .name("vpc-id")
                            .set_values(Some(vpcs.iter().cloned().collect()))
                            .build(),
                    )
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        });
        let mut out = Vec::new();
        for result in join_all(calls).await {
            let enis = result.map_err(|e| {
                gap(
                    Dataset::NetworkInterfaces,
                    "ec2:DescribeNetworkInterfaces",
                    &e,
                    None,
                )
            })?;
            out.extend(enis.iter().map(ec2::network_interface));
        }
        Ok(out)
    }
}

/// Prefix lists named by security group rules or route destinations.
fn referenced_prefix_lists(network: &Network) -> BTreeSet<String> {
    let from_groups = network
        .security_groups
        .values()
        .flat_map(|g| g.ingress.iter().chain(&g.egress))
        .flat_map(|r| r.prefix_lists.iter().cloned());
    let from_routes = network
        .route_tables
        .values()
        .flat_map(|t| &t.routes)
        .filter_map(|r| r.destination_prefix_list.clone());
    from_groups.chain(from_routes).collect()
}

/// A gap repeated for every ALB that uses a target group.
fn per_user(g: &Gap, users: Option<&BTreeSet<String>>) -> Vec<Gap> {
    match users {
        Some(lbs) if !lbs.is_empty() => lbs
            .iter()
            .map(|lb| Gap {
                load_balancer: Some(lb.clone()),
                ..g.clone()
            })
            .collect(),
        _ => vec![g.clone()],
    }
}

/// An ALB whose description could not be read: named from its ARN, everything else unknown.
fn placeholder(arn: &AlbArn) -> LoadBalancer {
    LoadBalancer {
        arn: arn.arn.clone(),
        name: arn
            .resource_id
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_string(),
        scheme: Scheme::Unknown,
        ip_address_type: IpAddressType::Unknown,
        vpc_id: String::new(),
        dns_name: String::new(),
        availability_zones: Vec::new(),
        security_groups: Vec::new(),
        listeners: Vec::new(),
    }
}
