//! Collection: the only module that talks to AWS and knows SDK types. It reads everything the
//! paths need with concurrent, batched, paginated Describe*/Get* calls and returns the plain
//! [`Snapshot`]. A read that fails becomes a [`crate::model::Gap`], never an abort, except for
//! an unknown load balancer or bad configuration, which are bad input.
//!
//! The reads form three chains that run side by side, each step waiting only for what it needs,
//! so one ALB costs three sequential rounds: the load balancers, then their VPCs' network, then
//! the prefix lists it names; the listeners, then their rules, certificate lists, security
//! policies and the certificates the listener descriptions name, then the certificates only the
//! lists name (`acm:DescribeCertificate`, each certificate once); the target groups, then their health and attributes, then the instances and interfaces behind
//! the targets and the Lambda functions registered as targets. The ALBs' node interfaces are read by description (from the ARN) in the first
//! round. With `--all` a listing comes first.

mod acm;
mod actions;
mod appliances;
mod bpa;
mod call;
mod cloudwatch;
pub mod config;
mod ec2;
mod elb;
mod failure;
pub mod fleet;
mod inspection;
mod lambda;
mod lb_attributes;
mod network_firewall;
mod presigned;
pub mod progress;
#[cfg(test)]
mod replay;
mod tags;
mod tls;
mod trust_stores;
mod zonal_shift;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::arn::AlbArn;
use crate::error::Result;
use crate::model::fleet::scope as fleet_scope;
use crate::model::tls::{Certificate, SslPolicy};
use crate::model::{Gap, Listener, LoadBalancer, Network, Snapshot, TargetGroup, SNAPSHOT_FORMAT};
use call::Caller;
use progress::Progress;

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
    /// At most this many API calls in flight per account and region (`--concurrency`).
    pub concurrency: usize,
    /// Give up on one API call, retries included, after this long (`--call-timeout`).
    pub call_timeout: Duration,
    /// Show progress on standard error (set only when it is a terminal).
    pub progress: bool,
    /// `--observe`: also read the ALBs' own metrics over this window ending now.
    pub observe: Option<Duration>,
    /// Read every selected ALB's tags (DescribeTags): `--suppressions` entries match by tag,
    /// and a snapshot keeps them for the audits made from it.
    pub tags: bool,
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
            observe: None,
            tags: false,
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

/// SDK clients for one account and region, and the bounds on calls in flight.
pub struct Collector {
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ec2: aws_sdk_ec2::Client,
    acm: aws_sdk_acm::Client,
    nfw: aws_sdk_networkfirewall::Client,
    cw: aws_sdk_cloudwatch::Client,
    /// `--observe`: the metric window, when asked for.
    observe: Option<Duration>,
    /// Whether the selected ALBs' tags are read ([`AwsOptions::tags`]).
    read_tags: bool,
    arc: aws_sdk_arczonalshift::Client,
    /// Fetches the presigned URLs of trust stores' CA bundles and revocation lists.
    fetcher: presigned::Fetcher,
    lambda: aws_sdk_lambda::Client,
    region: String,
    /// Where calls go, for messages: `--endpoint-url`, else AWS's regional endpoint.
    endpoint: String,
    caller: Caller,
    /// The metric reads' own bound: CloudWatch's API quota is not EC2's nor ELB's, so its calls
    /// do not queue behind the configuration reads (one ALB stays at 3 rounds with `--observe`).
    metrics_caller: Caller,
    /// The Lambda reads' own bound, for the same reason: Lambda's quota is its own, and one
    /// ALB's third round stays within its bound however many functions its groups hold.
    lambda_caller: Caller,
    progress: Arc<Progress>,
    /// How progress names this collection (`account 111111111111 region eu-west-1`).
    place: String,
}

impl Collector {
    /// Builds clients from the SDK's default chain (checked by [`config::load`]). The region is
    /// `--region`, else the ARNs' region, else the chain's (`AWS_REGION`, the profile).
    pub async fn new(options: &AwsOptions, default_region: Option<&str>) -> Result<Self> {
        let config = config::load(options, default_region).await?;
        let global = Arc::new(Semaphore::new(options.concurrency.max(1)));
        Ok(Self::from_config(&config, options, global))
    }

    /// Clients for an already checked configuration, sharing the run's overall bound.
    pub fn from_config(
        config: &aws_config::SdkConfig,
        options: &AwsOptions,
        global: Arc<Semaphore>,
    ) -> Self {
        use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
        // No retry quota: attempts and timeouts bound each call, the semaphores the rate.
        let partition = || {
            RetryPartition::custom("alb-audit")
                .token_bucket(TokenBucket::unlimited())
                .build()
        };
        let elb = aws_sdk_elasticloadbalancingv2::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let ec2 = aws_sdk_ec2::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let acm = aws_sdk_acm::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let nfw = aws_sdk_networkfirewall::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let cw = aws_sdk_cloudwatch::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let arc = aws_sdk_arczonalshift::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let lambda = aws_sdk_lambda::config::Builder::from(config)
            .retry_partition(partition())
            .build();
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        // Each service's quota is its own: one bound of `--concurrency` per service group, all
        // under the run's overall bound.
        let bound = || {
            Caller::new(
                options.concurrency,
                global.clone(),
                options.call_timeout.as_secs(),
            )
        };
        Collector {
            lambda: aws_sdk_lambda::Client::from_conf(lambda),
            cw: aws_sdk_cloudwatch::Client::from_conf(cw),
            observe: options.observe,
            read_tags: options.tags,
            arc: aws_sdk_arczonalshift::Client::from_conf(arc),
            fetcher: presigned::Fetcher::new(options.call_timeout),
            nfw: aws_sdk_networkfirewall::Client::from_conf(nfw),
            elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(elb),
            ec2: aws_sdk_ec2::Client::from_conf(ec2),
            acm: aws_sdk_acm::Client::from_conf(acm),
            endpoint: config
                .endpoint_url()
                .map(str::to_string)
                .unwrap_or_else(|| format!("https://elasticloadbalancing.{region}.amazonaws.com")),
            place: fleet_scope(None, Some(&region)),
            region,
            caller: bound(),
            metrics_caller: bound(),
            lambda_caller: bound(),
            progress: Arc::new(Progress::hidden()),
        }
    }

    /// Reports this collection on `progress` (shared by a run's collectors) as `place`.
    pub fn with_progress(mut self, progress: Arc<Progress>, place: String) -> Self {
        self.progress = progress;
        self.place = place;
        self
    }

    /// The region this collector reads.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Reads the selected ALBs and everything on their paths.
    pub async fn collect(&self, selection: &Selection) -> Result<Snapshot> {
        self.progress.region_started(&self.place);
        let snapshot = self.read(selection).await;
        let read = snapshot.as_ref().map_or(0, |s| s.load_balancers.len());
        self.progress.region_done(&self.place, read);
        snapshot
    }

    async fn read(&self, selection: &Selection) -> Result<Snapshot> {
        let mut snap = Snapshot {
            format: SNAPSHOT_FORMAT,
            region: self.region.clone(),
            collected_at: Some(now_rfc3339()),
            ..Snapshot::default()
        };
        let (arns, listed) = match selection {
            Selection::Arns(arns) => (arns.clone(), None),
            Selection::All { tags } => {
                let lbs = self.all_load_balancers(tags, &mut snap.gaps).await?;
                let arns = lbs
                    .iter()
                    .filter_map(|lb| AlbArn::parse(&lb.arn).ok())
                    .collect();
                (arns, Some(lbs))
            }
        };
        if arns.is_empty() {
            snap.load_balancers = listed.unwrap_or_default();
            return Ok(snap);
        }
        self.progress.albs_found(arns.len());
        let lb_arns: Vec<String> = arns.iter().map(|a| a.arn.clone()).collect();
        let descriptions: Vec<String> = arns.iter().map(AlbArn::interface_description).collect();
        let region_wide = arns.len() > PER_ALB_TARGET_GROUP_READS;

        let (lbs_read, lbs_for_metrics) = futures::channel::oneshot::channel();
        let (groups_listed, groups_for_metrics) = futures::channel::oneshot::channel();
        let lb_chain = async {
            let mut gaps = Vec::new();
            let lbs = match listed {
                Some(lbs) => lbs,
                None => self.load_balancers(&arns, &mut gaps).await?,
            };
            // Nobody waits when metrics were not asked for.
            let _ = lbs_read.send(lbs.clone());
            let vpcs: BTreeSet<String> = lbs
                .iter()
                .filter(|lb| !lb.vpc_id.is_empty())
                .map(|lb| lb.vpc_id.clone())
                .collect();
            let vpc_list: Vec<String> = vpcs.iter().cloned().collect();
            let mut inspected = Network::default();
            let mut inspected_gaps = Vec::new();
            let ((network, network_gaps), endpoints, ()) = tokio::join!(
                self.network(&vpcs),
                self.vpc_endpoints(&vpc_list),
                self.firewalls(&vpc_list, &mut inspected, &mut inspected_gaps),
            );
            let mut network = network;
            gaps.extend(network_gaps);
            gaps.extend(inspected_gaps);
            match endpoints {
                Ok(list) => network
                    .vpc_endpoints
                    .extend(list.into_iter().map(|e| (e.id.clone(), e))),
                Err(g) => gaps.push(g),
            }
            merge(&mut network, inspected);
            let mut transit = Network {
                route_tables: network.route_tables.clone(),
                vpcs: network.vpcs.clone(),
                ..Network::default()
            };
            let mut transit_gaps = Vec::new();
            let mut appliances = Network {
                route_tables: network.route_tables.clone(),
                ..Network::default()
            };
            let mut appliance_gaps = Vec::new();
            tokio::join!(
                self.prefix_lists(&mut network, &mut gaps),
                self.transit_inspection(&mut transit, &mut transit_gaps),
                self.appliances(&mut appliances, &mut appliance_gaps),
            );
            gaps.extend(transit_gaps);
            gaps.extend(appliance_gaps);
            merge(&mut network, transit);
            merge(&mut network, appliances);
            Ok::<_, crate::error::Error>((lbs, network, gaps))
        };
        let listener_chain = self.listeners_with_rules(&lb_arns);
        let group_chain = self.target_groups_with_health(&lb_arns, region_wide, groups_listed);
        let node_interfaces = self.interfaces_described(&descriptions);
        let attributes = self.load_balancer_attributes(&lb_arns);
        // The metrics start as soon as the ALBs and their target groups are listed, beside the
        // second round of configuration reads.
        let metrics = async {
            let window = self.observe?;
            let (lbs, groups) = futures::join!(lbs_for_metrics, groups_for_metrics);
            let lbs = lbs.ok()?;
            Some(
                self.observe(window, &lbs, &groups.unwrap_or_default())
                    .await,
            )
        };
        let shifts = self.zonal_shifts(&lb_arns);
        // The account's Block Public Access depends on nothing read before it: first round.
        let bpa = self.block_public_access();
        // `--all --tag` read the listed ALBs' tags already.
        let tagged = matches!(selection, Selection::All { tags } if !tags.is_empty());
        let tags = self.tags_when_asked(if tagged { &[] } else { &lb_arns });
        let (
            lb_part,
            listener_part,
            groups_part,
            enis,
            (http2, attribute_gaps),
            observed,
            (zonal_shifts, shift_gaps),
            (tags, tag_gaps),
            (bpa, bpa_gaps),
        ) = tokio::join!(
            lb_chain,
            listener_chain,
            group_chain,
            node_interfaces,
            attributes,
            metrics,
            shifts,
            tags,
            bpa
        );
        snap.observed = observed;
        let (mut lbs, mut network, gaps) = lb_part?;
        snap.gaps.extend(gaps);
        snap.gaps.extend(bpa_gaps);
        network.block_public_access = bpa;
        snap.gaps.extend(attribute_gaps);
        snap.gaps.extend(shift_gaps);
        snap.gaps.extend(tag_gaps);
        snap.zonal_shifts = zonal_shifts;
        for lb in &mut lbs {
            lb.http2_enabled = http2.get(&lb.arn).copied().flatten();
            if let Some(own) = tags.get(&lb.arn) {
                lb.tags = own.clone();
            }
        }
        let ListenerPart {
            mut listeners,
            certificates,
            ssl_policies,
            trust_stores,
            gaps: listener_gaps,
        } = listener_part;
        snap.gaps.extend(listener_gaps);
        snap.trust_stores = trust_stores;
        snap.certificates = certificates;
        snap.ssl_policies = ssl_policies;
        let (mut groups, behind, mut group_gaps) = groups_part;
        match enis {
            Ok(list) => network
                .network_interfaces
                .extend(list.into_iter().map(|n| (n.id.clone(), n))),
            Err(g) => snap.gaps.push(g),
        }
        network.instances.extend(behind.instances);
        network.network_interfaces.extend(behind.interfaces);
        snap.lambda_functions.extend(behind.functions);

        // Target groups only a listener rule names, when the per-ALB listing missed them:
        // read with their health, attributes and what stands behind their targets.
        let missing: Vec<String> = listeners
            .values()
            .flatten()
            .flat_map(|l| &l.forwards)
            .map(|f| f.target_group_arn.clone())
            .filter(|arn| !groups.contains_key(arn))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            let (extra, behind, extra_gaps) = self.named_target_groups(&missing).await;
            groups.extend(extra);
            network.instances.extend(behind.instances);
            network.network_interfaces.extend(behind.interfaces);
            snap.lambda_functions.extend(behind.functions);
            group_gaps.extend(extra_gaps);
        }

        for lb in &mut lbs {
            if let Some(mut ls) = listeners.remove(&lb.arn) {
                ls.sort_by_key(|l| l.port);
                lb.listeners = ls;
            }
        }
        // Gaps about a target group belong to every ALB that forwards to it.
        let users = users_of_groups(&lbs);
        let mut gaps = std::mem::take(&mut snap.gaps);
        for GroupGap { group, gap } in group_gaps {
            match group.as_deref().and_then(|tg| users.get(tg)) {
                Some(lbs) => gaps.extend(lbs.iter().map(|lb| Gap {
                    load_balancer: Some(lb.clone()),
                    ..gap.clone()
                })),
                None => gaps.push(gap),
            }
        }
        gaps.sort_by(|a, b| {
            (&a.api, &a.load_balancer, &a.error).cmp(&(&b.api, &b.load_balancer, &b.error))
        });
        gaps.dedup();
        snap.gaps = gaps;
        snap.load_balancers = lbs;
        snap.target_groups = groups;
        snap.network = network;
        Ok(snap)
    }
}

/// What the listener chain read: each ALB's listeners (with their rules' forwards and host
/// names, and their certificate lists), the certificates and security policies they present,
/// and what could not be read.
struct ListenerPart {
    listeners: BTreeMap<String, Vec<Listener>>,
    certificates: BTreeMap<String, Certificate>,
    ssl_policies: BTreeMap<String, SslPolicy>,
    trust_stores: BTreeMap<String, crate::model::trust_store::TrustStore>,
    gaps: Vec<Gap>,
}

/// A failed read about one target group (`group`), or about target groups in general.
struct GroupGap {
    group: Option<String>,
    gap: Gap,
}

impl From<Gap> for GroupGap {
    fn from(gap: Gap) -> Self {
        GroupGap { group: None, gap }
    }
}

/// What stands behind targets: instances, the interfaces that own IP targets' addresses, and
/// the Lambda functions registered as targets.
#[derive(Default)]
struct Behind {
    instances: BTreeMap<String, crate::model::Instance>,
    interfaces: BTreeMap<String, crate::model::NetworkInterface>,
    functions: BTreeMap<String, crate::model::lambda::LambdaFunction>,
}

/// For each target group ARN, the ALBs whose listeners forward to it.
fn users_of_groups(lbs: &[LoadBalancer]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for lb in lbs {
        for f in lb.listeners.iter().flat_map(|l| &l.forwards) {
            out.entry(f.target_group_arn.clone())
                .or_default()
                .insert(lb.arn.clone());
        }
    }
    out
}

/// Target groups by ARN.
type Groups = BTreeMap<String, TargetGroup>;

/// Collected networks merge by id.
fn merge(into: &mut Network, part: Network) {
    into.vpcs.extend(part.vpcs);
    into.subnets.extend(part.subnets);
    into.route_tables.extend(part.route_tables);
    into.internet_gateways.extend(part.internet_gateways);
    into.vpn_gateways.extend(part.vpn_gateways);
    into.security_groups.extend(part.security_groups);
    into.network_acls.extend(part.network_acls);
    into.prefix_lists.extend(part.prefix_lists);
    into.network_interfaces.extend(part.network_interfaces);
    into.instances.extend(part.instances);
    into.vpc_endpoints.extend(part.vpc_endpoints);
    into.firewalls.extend(part.firewalls);
    into.firewall_policies.extend(part.firewall_policies);
    into.rule_groups.extend(part.rule_groups);
    into.transit_gateway_attachments
        .extend(part.transit_gateway_attachments);
}

/// The current time as RFC 3339 UTC, to the second.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
