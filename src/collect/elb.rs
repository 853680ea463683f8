//! Elastic Load Balancing v2 reads and their conversion to the model.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2 as elb;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use elb::types as t;
use futures::future::join_all;

use super::{actions, tls, Behind, Collector, GroupGap, Groups, ListenerPart, ELB_ARNS_PER_CALL};
use crate::arn::AlbArn;
use crate::error::{Error, Result};
use crate::model::tls::{ListenerCertificate, SslPolicy};
use crate::model::trust_store::MtlsMode;
use crate::model::{Dataset, Gap};

use crate::model::{
    Forward, IpAddressType, Listener, LoadBalancer, Scheme, Target, TargetGroup,
    TargetIpAddressType, TargetType, ZoneSubnet,
};

/// Whether a call failed before any answer came back (DNS, connection refused): the endpoint
/// is not there at all.
fn unreachable<E, R>(e: &elb::error::SdkError<E, R>) -> bool {
    matches!(e, elb::error::SdkError::DispatchFailure(d) if !d.is_timeout())
}

/// How a DescribeSSLPolicies call fails.
type PolicyError =
    elb::error::SdkError<elb::operation::describe_ssl_policies::DescribeSSLPoliciesError>;

const DESCRIBE_LOAD_BALANCERS: &str = "elasticloadbalancing:DescribeLoadBalancers";
const DESCRIBE_TARGET_GROUPS: &str = "elasticloadbalancing:DescribeTargetGroups";

impl Collector {
    /// The named ALBs, 20 ARNs per call; an ARN AWS does not know is bad input, a Network or
    /// Gateway Load Balancer too.
    pub(super) async fn load_balancers(
        &self,
        arns: &[AlbArn],
        gaps: &mut Vec<Gap>,
    ) -> Result<Vec<LoadBalancer>> {
        let chunks: Vec<&[AlbArn]> = arns.chunks(ELB_ARNS_PER_CALL).collect();
        let results = join_all(chunks.iter().map(|chunk| {
            // Bounded but not turned into a gap: "not found" is bad input, not missing data.
            self.caller.bounded(
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
                        if !is_application(lb) {
                            return Err(Error::NotApplication {
                                arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
                                kind: "Network or Gateway",
                            });
                        }
                        out.push(load_balancer(lb));
                    }
                }
                Err(e) if unreachable(&e) => return Err(self.unreachable_error(&e)),
                Err(e) if matches!(e.code(), Some("LoadBalancerNotFound" | "ValidationError")) => {
                    let arn = self.first_unknown(chunk).await;
                    return Err(Error::UnknownLoadBalancer {
                        arn,
                        detail: e.message().unwrap_or("not found").to_string(),
                    });
                }
                Err(e) => {
                    for a in chunk.iter() {
                        gaps.push(super::failure::gap(
                            Dataset::LoadBalancers,
                            DESCRIBE_LOAD_BALANCERS,
                            &e,
                            Some(&a.arn),
                            self.caller_timeout(),
                        ));
                        out.push(placeholder(a));
                    }
                }
            }
        }
        Ok(out)
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

    /// Every Application Load Balancer of the region (all pages), then those carrying all of
    /// `tags` (one DescribeTags call per 20 ALBs). A failed listing is a gap of the whole run.
    pub(super) async fn all_load_balancers(
        &self,
        tags: &[(String, String)],
        gaps: &mut Vec<Gap>,
    ) -> Result<Vec<LoadBalancer>> {
        let found = self
            .caller
            .run(
                Dataset::LoadBalancers,
                DESCRIBE_LOAD_BALANCERS,
                None,
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
                .filter(|lb| lb.r#type() == Some(&t::LoadBalancerTypeEnum::Application))
                .map(load_balancer)
                .collect(),
            Err(g) => {
                gaps.push(g);
                return Ok(Vec::new());
            }
        };
        if tags.is_empty() {
            return Ok(lbs);
        }
        let arns: Vec<String> = lbs.iter().map(|lb| lb.arn.clone()).collect();
        // Every ALB's tags, kept on the ALB: `--suppressions` entries match them.
        let tagged = match self.tags(Dataset::LoadBalancers, &arns).await {
            Ok(t) => t,
            Err(g) => {
                gaps.push(g);
                return Ok(Vec::new());
            }
        };
        Ok(lbs
            .into_iter()
            .filter_map(|mut lb| {
                let own = tagged.get(&lb.arn)?;
                tags.iter().all(|(k, v)| own.get(k) == Some(v)).then(|| {
                    lb.tags = own.clone();
                    lb
                })
            })
            .collect())
    }

    /// The first call found no AWS API at all: bad configuration, not missing data.
    fn unreachable_error<E: std::error::Error + 'static>(&self, e: &E) -> Error {
        let why = aws_smithy_types::error::display::DisplayErrorContext(e).to_string();
        let why = if why.contains("dns error") || why.contains("failed to lookup") {
            "the host name does not resolve"
        } else if why.contains("onnection refused") {
            "the connection was refused"
        } else {
            "no connection could be made"
        };
        Error::Config(format!(
            "cannot reach the AWS API at {} ({why}): check --endpoint-url, --region (is `{}` a region?) and the network",
            self.endpoint, self.region
        ))
    }

    /// Each ALB's listeners (one round); then, side by side, every listener's rules, every
    /// HTTPS listener's certificate list, the security policies they name and the
    /// certificates the listener descriptions already name (the next round); then the
    /// certificates only the certificate lists name (the round after). Every certificate and
    /// every policy is read once however many listeners present it.
    pub(super) async fn listeners_with_rules(&self, lbs: &[String]) -> ListenerPart {
        let mut gaps = Vec::new();
        let found = join_all(lbs.iter().map(|lb| {
            self.caller.run(
                Dataset::Listeners,
                "elasticloadbalancing:DescribeListeners",
                Some(lb),
                self.elb
                    .describe_listeners()
                    .load_balancer_arn(lb)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        }))
        .await;
        let mut by_lb: BTreeMap<String, Vec<Listener>> = BTreeMap::new();
        // DescribeListeners names the default certificates: read them without waiting for
        // the certificate lists.
        let mut named_early: BTreeSet<String> = BTreeSet::new();
        for (lb, result) in lbs.iter().zip(found) {
            match result {
                Ok(ls) => {
                    named_early.extend(
                        ls.iter()
                            .flat_map(|l| l.certificates())
                            .filter_map(|c| c.certificate_arn())
                            .map(str::to_string),
                    );
                    by_lb.insert(lb.clone(), ls.iter().filter_map(listener).collect());
                }
                Err(g) => gaps.push(g),
            }
        }
        let refs: Vec<(String, String)> = by_lb
            .iter()
            .flat_map(|(lb, ls)| ls.iter().map(move |l| (lb.clone(), l.arn.clone())))
            .collect();
        let https: Vec<(String, String)> = by_lb
            .iter()
            .flat_map(|(lb, ls)| {
                ls.iter()
                    .filter(|l| l.is_https())
                    .map(move |l| (lb.clone(), l.arn.clone()))
            })
            .collect();
        let policy_names: Vec<String> = by_lb
            .values()
            .flatten()
            .filter(|l| l.is_https())
            .filter_map(|l| l.ssl_policy.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let early: Vec<String> = named_early.iter().cloned().collect();
        let verifying = verifying(&by_lb);
        let rules = join_all(refs.iter().map(|(lb, l)| {
            self.caller.run(
                Dataset::ListenerRules,
                "elasticloadbalancing:DescribeRules",
                Some(lb),
                self.elb
                    .describe_rules()
                    .listener_arn(l)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        }));
        let lists_then_certificates = async {
            let lists = join_all(https.iter().map(|(lb, l)| {
                self.caller.run(
                    Dataset::ListenerCertificates,
                    "elasticloadbalancing:DescribeListenerCertificates",
                    Some(lb),
                    self.elb
                        .describe_listener_certificates()
                        .listener_arn(l)
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect(),
                )
            }))
            .await;
            let lists: Vec<Result<Vec<ListenerCertificate>, Gap>> = lists
                .into_iter()
                .map(|r| r.map(|entries| tls::listener_certificates(&entries)))
                .collect();
            let later: Vec<String> = lists
                .iter()
                .flatten()
                .flatten()
                .filter(|c| !named_early.contains(&c.arn))
                .map(|c| c.arn.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            (lists, self.certificates(&later).await)
        };
        let (rules, (lists, late), policies, early, (trust_stores, store_gaps)) = tokio::join!(
            rules,
            lists_then_certificates,
            self.ssl_policies(&policy_names),
            self.certificates(&early),
            self.trust_stores(&verifying),
        );
        gaps.extend(store_gaps);
        for ((lb, arn), result) in refs.iter().zip(rules) {
            match result {
                Ok(rules) => {
                    if let Some(l) = find_listener(&mut by_lb, lb, arn) {
                        add_rules(l, &rules);
                    }
                }
                Err(g) => gaps.push(g),
            }
        }
        for ((lb, arn), result) in https.iter().zip(lists) {
            match result {
                Ok(list) => {
                    if let Some(l) = find_listener(&mut by_lb, lb, arn) {
                        l.certificates = list;
                    }
                }
                Err(g) => gaps.push(g),
            }
        }
        // A failed certificate or policy read is missing data for every ALB that presents it.
        let mut certificates = early.found;
        certificates.extend(late.found);
        for (cert, gap) in early.failed.into_iter().chain(late.failed) {
            let users = by_lb.iter().filter(|(_, ls)| {
                ls.iter()
                    .any(|l| l.certificates.iter().any(|c| c.arn == cert))
            });
            gaps.extend(users.map(|(lb, _)| Gap {
                load_balancer: Some(lb.clone()),
                ..gap.clone()
            }));
        }
        let ssl_policies = match policies {
            Ok(found) => found.into_iter().map(|p| (p.name.clone(), p)).collect(),
            Err(gap) => {
                let users = by_lb
                    .iter()
                    .filter(|(_, ls)| ls.iter().any(|l| l.is_https() && l.ssl_policy.is_some()));
                gaps.extend(users.map(|(lb, _)| Gap {
                    load_balancer: Some(lb.clone()),
                    ..gap.clone()
                }));
                BTreeMap::new()
            }
        };
        ListenerPart {
            listeners: by_lb,
            certificates,
            ssl_policies,
            trust_stores,
            gaps,
        }
    }

    /// The security policies named `names` (all pages of one call; none for no name).
    async fn ssl_policies(&self, names: &[String]) -> Result<Vec<SslPolicy>, Gap> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let pages = async {
            let mut found = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let page = self
                    .elb
                    .describe_ssl_policies()
                    .set_names(Some(names.to_vec()))
                    .set_marker(marker.clone())
                    .send()
                    .await?;
                found.extend(page.ssl_policies().iter().filter_map(tls::ssl_policy));
                match page.next_marker() {
                    Some(next) if !next.is_empty() && marker.as_deref() != Some(next) => {
                        marker = Some(next.to_string());
                    }
                    _ => return Ok::<_, PolicyError>(found),
                }
            }
        };
        self.caller
            .run(
                Dataset::SslPolicies,
                "elasticloadbalancing:DescribeSSLPolicies",
                None,
                pages,
            )
            .await
    }

    /// The ALBs' target groups (per ALB, or region-wide above a few ALBs), then their health
    /// and attributes, then what stands behind their targets. As soon as the groups are
    /// listed, `listed` gets each (ALB ARN, target group ARN) pair, so that the metric reads
    /// can start beside the health reads.
    pub(super) async fn target_groups_with_health(
        &self,
        lbs: &[String],
        region_wide: bool,
        listed: futures::channel::oneshot::Sender<Vec<(String, String)>>,
    ) -> (Groups, Behind, Vec<GroupGap>) {
        let mut gaps: Vec<GroupGap> = Vec::new();
        let mut groups = Groups::new();
        let mut pairs: Vec<(String, String)> = Vec::new();
        if region_wide {
            let ours: BTreeSet<&String> = lbs.iter().collect();
            let listed = self
                .caller
                .run(
                    Dataset::TargetGroups,
                    DESCRIBE_TARGET_GROUPS,
                    None,
                    self.elb
                        .describe_target_groups()
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect(),
                )
                .await;
            match listed {
                Ok(tgs) => {
                    for tg in tgs
                        .iter()
                        .filter(|t| t.load_balancer_arns().iter().any(|a| ours.contains(a)))
                    {
                        let g = target_group(tg);
                        pairs.extend(
                            tg.load_balancer_arns()
                                .iter()
                                .filter(|a| ours.contains(a))
                                .map(|a| (a.clone(), g.arn.clone())),
                        );
                        groups.insert(g.arn.clone(), g);
                    }
                }
                Err(g) => gaps.push(g.into()),
            }
        } else {
            let per_lb = join_all(lbs.iter().map(|lb| {
                self.caller.run(
                    Dataset::TargetGroups,
                    DESCRIBE_TARGET_GROUPS,
                    Some(lb),
                    self.elb
                        .describe_target_groups()
                        .load_balancer_arn(lb)
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect(),
                )
            }))
            .await;
            for (lb, result) in lbs.iter().zip(per_lb) {
                match result {
                    Ok(tgs) => {
                        for tg in &tgs {
                            let g = target_group(tg);
                            pairs.push((lb.clone(), g.arn.clone()));
                            groups.insert(g.arn.clone(), g);
                        }
                    }
                    Err(g) => gaps.push(g.into()),
                }
            }
        }
        // Nobody waits when metrics were not asked for.
        let _ = listed.send(pairs);
        let (behind, more) = self.complete_groups(&mut groups).await;
        gaps.extend(more);
        (groups, behind, gaps)
    }

    /// Target groups by ARN (those only a listener rule names), completed like the others.
    pub(super) async fn named_target_groups(
        &self,
        arns: &[String],
    ) -> (Groups, Behind, Vec<GroupGap>) {
        let mut gaps: Vec<GroupGap> = Vec::new();
        let mut groups = Groups::new();
        let described = self
            .caller
            .chunked(
                Dataset::TargetGroups,
                DESCRIBE_TARGET_GROUPS,
                arns,
                ELB_ARNS_PER_CALL,
                |chunk| {
                    self.elb
                        .describe_target_groups()
                        .set_target_group_arns(Some(chunk.to_vec()))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await;
        match described {
            Ok(tgs) => groups.extend(tgs.iter().map(target_group).map(|g| (g.arn.clone(), g))),
            Err(g) => gaps.push(g.into()),
        }
        let (behind, more) = self.complete_groups(&mut groups).await;
        gaps.extend(more);
        (groups, behind, gaps)
    }

    /// Adds every group's targets with their health and its routing attributes (one round),
    /// then reads what stands behind the targets (the next).
    async fn complete_groups(&self, groups: &mut Groups) -> (Behind, Vec<GroupGap>) {
        let mut gaps = Vec::new();
        let arns: Vec<String> = groups.keys().cloned().collect();
        let (health, attributes) = tokio::join!(
            join_all(arns.iter().map(|tg| {
                self.caller.run(
                    Dataset::TargetHealth,
                    "elasticloadbalancing:DescribeTargetHealth",
                    None,
                    self.elb
                        .describe_target_health()
                        .target_group_arn(tg)
                        .send(),
                )
            })),
            join_all(arns.iter().map(|tg| {
                self.caller.run(
                    Dataset::TargetGroupAttributes,
                    "elasticloadbalancing:DescribeTargetGroupAttributes",
                    None,
                    self.elb
                        .describe_target_group_attributes()
                        .target_group_arn(tg)
                        .send(),
                )
            })),
        );
        for ((arn, h), a) in arns.iter().zip(health).zip(attributes) {
            let Some(group) = groups.get_mut(arn) else {
                continue;
            };
            match h {
                Ok(out) => {
                    let mut targets: Vec<_> = out
                        .target_health_descriptions()
                        .iter()
                        .filter_map(target)
                        .collect();
                    targets.sort_by(|a, b| (&a.id, a.port).cmp(&(&b.id, b.port)));
                    group.targets = targets;
                }
                Err(gap) => gaps.push(GroupGap {
                    group: Some(arn.clone()),
                    gap,
                }),
            }
            match a {
                Ok(out) => apply_attributes(group, out.attributes()),
                Err(gap) => gaps.push(GroupGap {
                    group: Some(arn.clone()),
                    gap,
                }),
            }
        }
        let ((mut behind, more), (functions, lambda_gaps)) =
            tokio::join!(self.behind_targets(groups), self.lambda_functions(groups));
        gaps.extend(more.into_iter().map(GroupGap::from));
        behind.functions = functions;
        gaps.extend(lambda_gaps);
        (behind, gaps)
    }

    fn caller_timeout(&self) -> u64 {
        self.caller.timeout_secs()
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
        tags: Default::default(),
        security_groups: Vec::new(),
        listeners: Vec::new(),
        http2_enabled: None,
    }
}

/// Converts a described load balancer.
pub fn load_balancer(lb: &t::LoadBalancer) -> LoadBalancer {
    let scheme = match lb.scheme() {
        Some(t::LoadBalancerSchemeEnum::InternetFacing) => Scheme::InternetFacing,
        Some(t::LoadBalancerSchemeEnum::Internal) => Scheme::Internal,
        _ => Scheme::Unknown,
    };
    let ip_address_type = match lb.ip_address_type() {
        Some(t::IpAddressType::Ipv4) => IpAddressType::Ipv4,
        Some(t::IpAddressType::Dualstack) => IpAddressType::Dualstack,
        Some(t::IpAddressType::DualstackWithoutPublicIpv4) => {
            IpAddressType::DualstackWithoutPublicIpv4
        }
        None => IpAddressType::Ipv4,
        Some(_) => IpAddressType::Unknown,
    };
    let mut availability_zones: Vec<ZoneSubnet> = lb
        .availability_zones()
        .iter()
        .filter_map(|az| {
            Some(ZoneSubnet {
                zone: az.zone_name()?.to_string(),
                subnet_id: az.subnet_id()?.to_string(),
            })
        })
        .collect();
    availability_zones.sort_by(|a, b| a.zone.cmp(&b.zone));
    let mut security_groups: Vec<String> = lb.security_groups().to_vec();
    security_groups.sort();
    LoadBalancer {
        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        scheme,
        ip_address_type,
        vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        availability_zones,
        tags: Default::default(),
        security_groups,
        listeners: Vec::new(),
        http2_enabled: None,
    }
}

/// Whether a described load balancer is an Application Load Balancer.
pub fn is_application(lb: &t::LoadBalancer) -> bool {
    matches!(
        lb.r#type(),
        Some(t::LoadBalancerTypeEnum::Application) | None
    )
}

/// Converts a listener; what its rules add comes from [`add_rules`], its certificate list
/// from DescribeListenerCertificates.
pub fn listener(l: &t::Listener) -> Option<Listener> {
    let port = u16::try_from(l.port()?).ok()?;
    Some(Listener {
        arn: l.listener_arn()?.to_string(),
        port,
        protocol: l
            .protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        forwards: forwards(l.default_actions(), "default"),
        ssl_policy: l.ssl_policy().map(str::to_string),
        certificates: Vec::new(),
        host_headers: Vec::new(),
        host_header_regexes: Vec::new(),
        rules: vec![actions::default_rule(l.default_actions())],
        mutual_authentication: super::trust_stores::mutual_authentication(l),
    })
}

/// The trust stores that listeners in mutual-TLS `verify` mode name, each with the ALBs whose
/// listeners name it.
fn verifying(by_lb: &BTreeMap<String, Vec<Listener>>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (lb, listeners) in by_lb {
        for m in listeners
            .iter()
            .filter_map(|l| l.mutual_authentication.as_ref())
        {
            if let (MtlsMode::Verify, Some(arn)) = (m.mode, &m.trust_store_arn) {
                out.entry(arn.clone()).or_default().insert(lb.clone());
            }
        }
    }
    out
}

/// Adds what a listener's non-default rules contribute: their forwards, and the host-header
/// values and regular expressions of those that forward (each once, in rule order).
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RuleCondition.html>
pub fn add_rules(listener: &mut Listener, rules: &[t::Rule]) {
    for rule in rules.iter().filter(|r| !r.is_default().unwrap_or(false)) {
        let via = format!("rule {}", rule.priority().unwrap_or("?"));
        listener.rules.push(actions::rule(rule, &via));
        let forwarded = forwards(rule.actions(), &via);
        if forwarded.is_empty() {
            continue;
        }
        listener.forwards.extend(forwarded);
        for condition in rule
            .conditions()
            .iter()
            .filter(|c| c.field() == Some("host-header"))
        {
            let config = condition.host_header_config();
            let values = condition
                .values()
                .iter()
                .chain(config.map(|c| c.values()).unwrap_or_default());
            let regexes = condition
                .regex_values()
                .iter()
                .chain(config.map(|c| c.regex_values()).unwrap_or_default());
            push_new(&mut listener.host_headers, values);
            push_new(&mut listener.host_header_regexes, regexes);
        }
    }
}

/// Appends the values not already in `list`.
fn push_new<'a>(list: &mut Vec<String>, values: impl IntoIterator<Item = &'a String>) {
    for v in values {
        if !list.contains(v) {
            list.push(v.clone());
        }
    }
}

/// The listener `arn` of the ALB `lb`, to complete with what a later read found.
fn find_listener<'a>(
    by_lb: &'a mut BTreeMap<String, Vec<Listener>>,
    lb: &str,
    arn: &str,
) -> Option<&'a mut Listener> {
    by_lb
        .get_mut(lb)
        .and_then(|ls| ls.iter_mut().find(|l| l.arn == arn))
}

/// Every target group an action list forwards to, plain or weighted.
fn forwards(actions: &[t::Action], via: &str) -> Vec<Forward> {
    let mut out = Vec::new();
    for action in actions {
        if action.r#type() != Some(&t::ActionTypeEnum::Forward) {
            continue;
        }
        let weighted = action
            .forward_config()
            .map(|c| c.target_groups())
            .unwrap_or_default();
        if weighted.is_empty() {
            if let Some(arn) = action.target_group_arn() {
                out.push(Forward {
                    target_group_arn: arn.to_string(),
                    via: via.to_string(),
                    weight: None,
                });
            }
        }
        for tuple in weighted {
            if let Some(arn) = tuple.target_group_arn() {
                out.push(Forward {
                    target_group_arn: arn.to_string(),
                    via: via.to_string(),
                    weight: tuple.weight(),
                });
            }
        }
    }
    out
}

/// Converts a target group; targets are added from its health descriptions.
pub fn target_group(tg: &t::TargetGroup) -> TargetGroup {
    let target_type = match tg.target_type() {
        Some(t::TargetTypeEnum::Instance) | None => TargetType::Instance,
        Some(t::TargetTypeEnum::Ip) => TargetType::Ip,
        Some(t::TargetTypeEnum::Lambda) => TargetType::Lambda,
        Some(t::TargetTypeEnum::Alb) => TargetType::Alb,
        Some(_) => TargetType::Unknown,
    };
    TargetGroup {
        arn: tg.target_group_arn().unwrap_or_default().to_string(),
        name: tg.target_group_name().unwrap_or_default().to_string(),
        target_type,
        protocol: tg.protocol().map(|p| p.as_str().to_string()),
        protocol_version: tg.protocol_version().map(str::to_string),
        port: tg.port().and_then(|p| u16::try_from(p).ok()),
        vpc_id: tg.vpc_id().map(str::to_string),
        health_check_port: tg.health_check_port().unwrap_or("traffic-port").to_string(),
        health_check_enabled: tg.health_check_enabled(),
        ip_address_type: match tg.ip_address_type() {
            Some(t::TargetGroupIpAddressTypeEnum::Ipv6) => TargetIpAddressType::Ipv6,
            Some(t::TargetGroupIpAddressTypeEnum::Ipv4) | None => TargetIpAddressType::Ipv4,
            Some(_) => TargetIpAddressType::Unknown,
        },
        cross_zone_enabled: None,
        dns_failover_minimum_healthy_targets: None,
        targets: Vec::new(),
    }
}

/// Adds what the target group attributes say about routing: cross-zone load balancing and the
/// DNS failover threshold. Absent keys keep their defaults.
pub fn apply_attributes(tg: &mut TargetGroup, attributes: &[t::TargetGroupAttribute]) {
    for a in attributes {
        match (a.key(), a.value()) {
            (Some("load_balancing.cross_zone.enabled"), Some(v)) => {
                tg.cross_zone_enabled = match v {
                    "true" => Some(true),
                    "false" => Some(false),
                    // use_load_balancer_configuration: an ALB always balances across zones.
                    _ => None,
                };
            }
            (Some("target_group_health.dns_failover.minimum_healthy_targets.count"), Some(v)) => {
                tg.dns_failover_minimum_healthy_targets = Some(v.to_string());
            }
            _ => {}
        }
    }
}

/// Converts one target health description.
pub fn target(d: &t::TargetHealthDescription) -> Option<Target> {
    let desc = d.target()?;
    let health = d.target_health();
    Some(Target {
        id: desc.id()?.to_string(),
        port: desc.port().and_then(|p| u16::try_from(p).ok()),
        availability_zone: desc.availability_zone().map(str::to_string),
        state: health
            .and_then(|h| h.state())
            .map(|s| s.as_str().to_string()),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_string()),
        description: health.and_then(|h| h.description()).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_unknown_answers_convert() {
        let lb = load_balancer(&t::LoadBalancer::builder().build());
        assert_eq!(lb.scheme, Scheme::Unknown);
        assert_eq!(lb.ip_address_type, IpAddressType::Ipv4);
        assert!(lb.availability_zones.is_empty() && lb.arn.is_empty());
        let newer = t::LoadBalancer::builder()
            .scheme(t::LoadBalancerSchemeEnum::from("orbital"))
            .ip_address_type(t::IpAddressType::from("ipv7"))
            .r#type(t::LoadBalancerTypeEnum::from("quantum"))
            .build();
        let lb2 = load_balancer(&newer);
        assert_eq!(lb2.scheme, Scheme::Unknown);
        assert_eq!(lb2.ip_address_type, IpAddressType::Unknown);
        assert!(!is_application(&newer));
        let tg = target_group(
            &t::TargetGroup::builder()
                .target_type(t::TargetTypeEnum::from("quantum"))
                .build(),
        );
        assert_eq!(tg.target_type, TargetType::Unknown);
        assert_eq!(tg.health_check_port, "traffic-port");
        assert!(listener(&t::Listener::builder().build()).is_none());
        let odd_port = t::Listener::builder().listener_arn("l").port(70000).build();
        assert!(
            listener(&odd_port).is_none(),
            "a port outside u16 is not a listener port"
        );
        assert!(target(&t::TargetHealthDescription::builder().build()).is_none());
    }

    #[test]
    fn host_names_come_from_rules_that_forward() {
        let host = |values: &[&str], config: &[&str], regexes: &[&str]| {
            let mut c = t::RuleCondition::builder().field("host-header");
            for v in values {
                c = c.values(*v);
            }
            let mut h = t::HostHeaderConditionConfig::builder();
            for v in config {
                h = h.values(*v);
            }
            for r in regexes {
                h = h.regex_values(*r);
            }
            c.host_header_config(h.build()).build()
        };
        let forward = t::Action::builder()
            .r#type(t::ActionTypeEnum::Forward)
            .target_group_arn("tg")
            .build();
        let redirect = t::Action::builder()
            .r#type(t::ActionTypeEnum::Redirect)
            .build();
        let path = t::RuleCondition::builder()
            .field("path-pattern")
            .values("/api/*")
            .build();
        let mut l = listener(
            &t::Listener::builder()
                .listener_arn("l")
                .port(443)
                .protocol(t::ProtocolEnum::Https)
                .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
                .build(),
        )
        .unwrap();
        assert!(l.is_https());
        assert_eq!(
            l.ssl_policy.as_deref(),
            Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
        );
        add_rules(
            &mut l,
            &[
                t::Rule::builder()
                    .priority("1")
                    .conditions(host(&["www.example.com"], &["*.example.com"], &[]))
                    .conditions(path)
                    .actions(forward.clone())
                    .build(),
                // A redirect serves no host name to a target group.
                t::Rule::builder()
                    .priority("2")
                    .conditions(host(&["old.example.com"], &[], &[]))
                    .actions(redirect)
                    .build(),
                t::Rule::builder()
                    .priority("3")
                    .conditions(host(
                        &[],
                        &["www.example.com"],
                        &["^api\\d\\.example\\.com$"],
                    ))
                    .actions(forward)
                    .build(),
            ],
        );
        assert_eq!(l.host_headers, ["www.example.com", "*.example.com"]);
        assert_eq!(l.host_header_regexes, ["^api\\d\\.example\\.com$"]);
        assert_eq!(l.forwards.len(), 2);
    }

    #[test]
    fn forwards_cover_plain_weighted_and_rules() {
        let plain = t::Action::builder()
            .r#type(t::ActionTypeEnum::Forward)
            .target_group_arn("tg-a")
            .build();
        let weighted = t::Action::builder()
            .r#type(t::ActionTypeEnum::Forward)
            .forward_config(
                t::ForwardActionConfig::builder()
                    .target_groups(
                        t::TargetGroupTuple::builder()
                            .target_group_arn("tg-b")
                            .weight(9)
                            .build(),
                    )
                    .target_groups(
                        t::TargetGroupTuple::builder()
                            .target_group_arn("tg-c")
                            .weight(1)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let redirect = t::Action::builder()
            .r#type(t::ActionTypeEnum::Redirect)
            .build();
        let mut l = listener(
            &t::Listener::builder()
                .listener_arn("l")
                .port(443)
                .default_actions(plain)
                .build(),
        )
        .unwrap();
        add_rules(
            &mut l,
            &[
                t::Rule::builder()
                    .priority("5")
                    .actions(weighted)
                    .actions(redirect)
                    .build(),
                t::Rule::builder()
                    .priority("default")
                    .is_default(true)
                    .build(),
            ],
        );
        let got: Vec<(&str, &str, Option<i32>)> = l
            .forwards
            .iter()
            .map(|f| (f.target_group_arn.as_str(), f.via.as_str(), f.weight))
            .collect();
        assert_eq!(
            got,
            [
                ("tg-a", "default", None),
                ("tg-b", "rule 5", Some(9)),
                ("tg-c", "rule 5", Some(1))
            ]
        );
    }
}
