//! The ALB node -> target path, analysed once per ALB: for every target of every forwarded
//! target group, on its traffic port and its health-check port, and from every node that
//! sends it traffic, a verdict per component ([`path`]). Broken components are collapsed into
//! [`PathFinding`]s, judged here: one per broken node, or one for every node when all of them
//! are broken alike, with the symptom the client sees.

pub mod firewall;
pub mod nodes;
pub mod path;
pub mod placement;

use std::collections::{BTreeMap, BTreeSet};

use super::cause::Cause;
use super::index::Index;
use super::targets::{forwarded, GroupUse};
use crate::finding::{Severity, Symptom};
use crate::model::{LoadBalancer, Snapshot, Target, TargetGroup, TargetType};
pub use nodes::Node;
pub use path::{Component, Verdict};
pub use placement::Placement;

/// Broken nodes (indexes into [`Backend::nodes`]) with what breaks them.
type Broken<'b, 'a> = Vec<(usize, &'b Cause<'a>)>;

/// Which port of a target is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortRole {
    /// The port requests go to.
    Traffic,
    /// The health-check port, when it differs.
    HealthCheck,
}

/// One target of one forwarded target group.
pub struct BackendTarget<'a> {
    /// Its group.
    pub group: &'a TargetGroup,
    /// The registered target.
    pub target: &'a Target,
    /// Its zone, when known.
    pub zone: Option<&'a str>,
    /// Ports to check, traffic first.
    pub ports: Vec<(u16, PortRole)>,
    /// Where it is.
    pub placement: Placement<'a>,
    /// Whether a listener can send it a request (not only weight-0 forwards).
    pub carries_traffic: bool,
    /// Indexes of the nodes that send it traffic: every node, or with cross-zone load
    /// balancing off only the node in its zone.
    pub senders: Vec<usize>,
}

/// One broken component of one (target, port), from one node or from every node alike.
pub struct PathFinding<'b, 'a> {
    /// The component.
    pub component: Component,
    /// The target.
    pub target: &'b BackendTarget<'a>,
    /// The port.
    pub port: u16,
    /// Traffic or health-check port.
    pub role: PortRole,
    /// The broken node, or `None` when every node is broken alike.
    pub node: Option<usize>,
    /// Every broken node, with its cause.
    pub broken: Vec<(usize, &'b Cause<'a>)>,
    /// Judged: an error, or a note when the group only receives weight-0 forwards.
    pub severity: Severity,
    /// What the client sees.
    pub symptom: Symptom,
}

/// Verdicts for one (target, port) from every node that sends it traffic.
pub struct PathCheck<'a> {
    /// Index into [`Backend::targets`].
    pub target: usize,
    /// The port.
    pub port: u16,
    /// Traffic or health check.
    pub role: PortRole,
    /// Per sending node (index into [`Backend::nodes`]), per component.
    pub verdicts: Vec<(usize, BTreeMap<Component, Verdict<'a>>)>,
}

/// The backend analysis of one ALB.
pub struct Backend<'a> {
    /// ALB nodes, in zone order.
    pub nodes: Vec<Node<'a>>,
    /// Per node, whether it is in DNS (a zonal shift takes a node out).
    pub in_dns: Vec<bool>,
    /// Every target of every forwarded group with a network path.
    pub targets: Vec<BackendTarget<'a>>,
    /// Every (target, port) with its verdicts.
    pub checks: Vec<PathCheck<'a>>,
    /// Forwarded target groups whose targets have no network path to check, and why.
    pub not_applicable: Vec<(String, String)>,
    /// Forwarded target group ARNs that are not in the snapshot.
    pub missing_groups: Vec<String>,
}

impl<'a> Backend<'a> {
    /// Analyses every forwarded target of `lb`.
    pub fn analyse(
        snapshot: &'a Snapshot,
        index: &Index<'a>,
        lb: &'a LoadBalancer,
        in_dns: &[bool],
    ) -> Self {
        let nodes = nodes::nodes(&snapshot.network, index, lb);
        let in_dns = super::frontend::in_dns_or_all(in_dns, nodes.len());
        let mut targets = Vec::new();
        let mut not_applicable = Vec::new();
        let mut missing_groups = Vec::new();
        for used in forwarded(snapshot, index, lb) {
            let Some(group) = used.group else {
                missing_groups.push(used.arn.to_string());
                continue;
            };
            match group.target_type {
                TargetType::Lambda => {
                    not_applicable.push((
                        used.arn.to_string(),
                        "Lambda targets are invoked through the Lambda service: there is no network path to check".into(),
                    ));
                    continue;
                }
                TargetType::Alb => {
                    not_applicable.push((
                        used.arn.to_string(),
                        "the target is another Application Load Balancer: audit it separately"
                            .into(),
                    ));
                    continue;
                }
                _ => {}
            }
            targets.extend(group_targets(snapshot, index, lb, &nodes, &used, group));
        }
        let mut checks = Vec::new();
        for (t, target) in targets.iter().enumerate() {
            for &(port, role) in &target.ports {
                let verdicts = target
                    .senders
                    .iter()
                    .map(|&i| {
                        (
                            i,
                            path::verdicts(snapshot, index, lb, &nodes[i], target, port),
                        )
                    })
                    .collect();
                checks.push(PathCheck {
                    target: t,
                    port,
                    role,
                    verdicts,
                });
            }
        }
        Backend {
            nodes,
            in_dns,
            targets,
            checks,
            not_applicable,
            missing_groups,
        }
    }

    /// The findings of `component`, judged, and the reasons it could not be evaluated.
    pub fn findings(&self, component: Component) -> (Vec<PathFinding<'_, 'a>>, BTreeSet<String>) {
        let mut out = Vec::new();
        let mut unknown = BTreeSet::new();
        for check in &self.checks {
            let target = &self.targets[check.target];
            let mut broken: Vec<(usize, &Cause<'a>)> = Vec::new();
            for (i, verdicts) in &check.verdicts {
                match verdicts.get(&component) {
                    Some(Verdict::Broken(cause)) => broken.push((*i, cause)),
                    Some(Verdict::Unknown(why)) => {
                        unknown.insert(format!("{}: {why}", target.target.id));
                    }
                    _ => {}
                }
            }
            let Some(first) = broken.first() else {
                continue;
            };
            // Clients reach only the nodes in DNS: when every one of them is broken, all get
            // 504s (a node out of DNS is judged as it will be once the shift ends).
            let serving = |i: usize| self.in_dns.get(i).copied().unwrap_or(true);
            let shifted_only = broken.iter().all(|(i, _)| !serving(*i));
            let counted: Vec<_> = check
                .verdicts
                .iter()
                .filter(|(i, _)| shifted_only || serving(*i))
                .collect();
            let broken_anywhere = counted
                .iter()
                .filter(|(_, v)| v.values().any(|v| matches!(v, Verdict::Broken(_))))
                .count();
            let symptom = if broken_anywhere == counted.len() {
                Symptom::Http504
            } else {
                Symptom::IntermittentHttp504
            };
            let severity = if target.carries_traffic {
                Severity::Error
            } else {
                Severity::Note
            };
            let alike = target.senders.len() == self.nodes.len()
                && broken.len() == self.nodes.len()
                && broken
                    .iter()
                    .all(|(_, c)| c.resource() == first.1.resource());
            let groups: Vec<(Option<usize>, Broken<'_, 'a>)> = if alike {
                vec![(None, broken)]
            } else {
                broken.into_iter().map(|b| (Some(b.0), vec![b])).collect()
            };
            for (node, broken) in groups {
                out.push(PathFinding {
                    component,
                    target,
                    port: check.port,
                    role: check.role,
                    node,
                    broken,
                    severity,
                    symptom,
                });
            }
        }
        (out, unknown)
    }
}

/// The targets of one forwarded group, with their ports, placement and sending nodes.
fn group_targets<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    lb: &'a LoadBalancer,
    nodes: &[Node<'a>],
    used: &GroupUse<'a>,
    group: &'a TargetGroup,
) -> Vec<BackendTarget<'a>> {
    used.targets()
        .map(|(target, zone)| {
            let traffic = target.port.or(group.port).unwrap_or(80);
            let mut ports = vec![(traffic, PortRole::Traffic)];
            if let Ok(hc) = group.health_check_port.parse::<u16>() {
                if hc != traffic {
                    ports.push((hc, PortRole::HealthCheck));
                }
            }
            let senders = (0..nodes.len())
                .filter(|&i| !used.zonal() || zone.is_none_or(|z| z == nodes[i].zone))
                .collect();
            BackendTarget {
                group,
                target,
                zone,
                ports,
                placement: placement::place(snapshot, index, &lb.vpc_id, group, target),
                carries_traffic: used.carries_traffic(),
                senders,
            }
        })
        .collect()
}
