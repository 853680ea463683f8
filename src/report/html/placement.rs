//! Where each finding goes on an ALB's picture. The rule code's hundreds say which part of the
//! path the rule judges (docs/rules.md): ALB1xx the frontend (clients -> ALB
//! node), ALB2xx the backend and the targets (ALB node -> target), ALB3xx TLS (the listener).
//! A finding's `availability_zone`, `target`, `port` and target group then pick the elements:
//!
//! - ALB1xx: the clients -> node edge of the finding's zone, or of every node when the zone is
//!   null. An ALB1xx finding that names a target is about the node -> target path instead
//!   (ALB105 reports a blackholed route to an on-premises target that way) and is placed like
//!   ALB2xx.
//! - ALB2xx with a target: that target (in the group its evidence names, else in any group;
//!   its port must equal the finding's when both are known) and the edges to it from the
//!   zone's node, or from every node when the zone is null.
//! - ALB2xx that names a target group (`evidence.target_group`, else `resource`) but no target
//!   found in it: the group.
//! - ALB3xx: the listener of the finding's port, or every listener when the port is null.
//!
//! Anything else (no such zone, target or listener in the topology, an unknown family) is
//! "unplaced": it is still listed beside the picture, and named under it.

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};
use crate::report::topology::Topology;

/// One element of the picture that a finding can be drawn on; indices are positions in the
/// topology's `nodes`, `listeners`, `target_groups` and a group's `targets`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Spot {
    /// The edge from the clients to node `n`.
    ClientEdge(usize),
    /// Listener `l`'s port on the client edges.
    Listener(usize),
    /// Target group `g` as a whole.
    Group(usize),
    /// Target `t` of group `g`.
    Target(usize, usize),
    /// The edge from node `node` to target `target` of group `group`.
    TargetEdge {
        node: usize,
        group: usize,
        target: usize,
    },
}

/// What the findings placed on one element say: how it is coloured and labelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mark {
    /// The worst severity among them: the element's colour.
    pub severity: Severity,
    /// True when every one of them is accepted by the baseline (drawn dashed).
    pub baselined: bool,
    /// `ALB102 · intermittent-timeout` per distinct rule and symptom, sorted.
    pub labels: Vec<String>,
}

/// The marks of one ALB's findings.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Placement {
    /// Every marked element with what marks it.
    pub marks: BTreeMap<Spot, Mark>,
    /// Indices of the findings drawn nowhere.
    pub unplaced: Vec<usize>,
}

impl Mark {
    /// The mark of `f` alone.
    fn of(f: &Finding) -> Self {
        Mark {
            severity: f.severity,
            baselined: f.baselined,
            labels: vec![label(f)],
        }
    }

    /// Adds what `other` says: several findings on one element, or an element that stands
    /// for several ("+N more").
    pub fn merge(&mut self, other: &Mark) {
        self.severity = self.severity.max(other.severity);
        self.baselined &= other.baselined;
        for label in &other.labels {
            if let Err(at) = self.labels.binary_search(label) {
                self.labels.insert(at, label.clone());
            }
        }
    }
}

impl Placement {
    /// The mark on `spot`, if any.
    pub fn get(&self, spot: Spot) -> Option<&Mark> {
        self.marks.get(&spot)
    }
}

/// The part of the path a rule judges, from its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// ALB1xx: clients -> ALB node.
    Frontend,
    /// ALB2xx: ALB node -> target, and the targets.
    Backend,
    /// ALB3xx: TLS on the listener.
    Tls,
}

/// The family of `rule` (`ALB102` -> frontend), or `None` for a code outside ALB100..ALB399.
pub(super) fn family(rule: &str) -> Option<Family> {
    let digits = rule.strip_prefix("ALB")?;
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.as_bytes()[0] {
        b'1' => Some(Family::Frontend),
        b'2' => Some(Family::Backend),
        b'3' => Some(Family::Tls),
        _ => None,
    }
}

/// The edge label of a finding: its rule and, when it has one, what the client sees.
pub(super) fn label(f: &Finding) -> String {
    match f.symptom {
        Some(s) => format!("{} · {}", f.rule, s.as_str()),
        None => f.rule.clone(),
    }
}

/// Places every finding of an ALB on its topology.
pub(super) fn place(topology: &Topology, findings: &[Finding]) -> Placement {
    let mut placement = Placement::default();
    for (i, f) in findings.iter().enumerate() {
        let spots = spots(topology, f);
        if spots.is_empty() {
            placement.unplaced.push(i);
        }
        for spot in spots {
            placement
                .marks
                .entry(spot)
                .and_modify(|m| m.merge(&Mark::of(f)))
                .or_insert_with(|| Mark::of(f));
        }
    }
    placement
}

/// The nodes a finding's zone selects: that zone's, or all when the zone is null.
fn nodes_of(topology: &Topology, f: &Finding) -> Vec<usize> {
    (0..topology.nodes.len())
        .filter(|&n| {
            f.availability_zone
                .as_deref()
                .is_none_or(|z| topology.nodes[n].zone == z)
        })
        .collect()
}

/// The target group a finding names, by index: `evidence.target_group`, else its `resource`.
fn named_group(topology: &Topology, f: &Finding) -> Option<usize> {
    let by_arn = |arn: &str| topology.target_groups.iter().position(|g| g.arn == arn);
    f.evidence
        .get("target_group")
        .and_then(|v| v.as_str())
        .and_then(by_arn)
        .or_else(|| by_arn(&f.resource))
}

fn spots(topology: &Topology, f: &Finding) -> Vec<Spot> {
    match family(&f.rule) {
        Some(Family::Frontend) if f.target.is_some() => backend_spots(topology, f),
        Some(Family::Frontend) => nodes_of(topology, f)
            .into_iter()
            .map(Spot::ClientEdge)
            .collect(),
        Some(Family::Tls) => listener_spots(topology, f),
        // A listener's own failure behind the front door (an authenticate action whose
        // identity provider the nodes cannot reach, a rule nobody reaches): its listener.
        Some(Family::Backend) if f.target.is_none() && f.resource.contains(":listener/") => {
            listener_spots(topology, f)
        }
        Some(Family::Backend) => backend_spots(topology, f),
        None => Vec::new(),
    }
}

fn listener_spots(topology: &Topology, f: &Finding) -> Vec<Spot> {
    topology
        .listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| f.port.is_none_or(|p| p == l.port))
        .map(|(i, _)| Spot::Listener(i))
        .collect()
}

fn backend_spots(topology: &Topology, f: &Finding) -> Vec<Spot> {
    let named = named_group(topology, f);
    let mut targets = Vec::new();
    if let Some(id) = f.target.as_deref() {
        for (g, group) in topology.target_groups.iter().enumerate() {
            if named.is_some_and(|n| n != g) {
                continue;
            }
            for (t, target) in group.targets.iter().enumerate() {
                let port_agrees = match (f.port, target.port) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if target.id == id && port_agrees {
                    targets.push((g, t));
                }
            }
        }
    }
    if targets.is_empty() {
        return named.map(Spot::Group).into_iter().collect();
    }
    let nodes = nodes_of(topology, f);
    let mut spots = Vec::new();
    for (group, target) in targets {
        spots.push(Spot::Target(group, target));
        spots.extend(nodes.iter().map(|&node| Spot::TargetEdge {
            node,
            group,
            target,
        }));
    }
    spots
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::finding::Symptom;
    use crate::report::topology::{ListenerView, NodeView, TargetGroupView, TargetView};
    use proptest::prelude::*;
    use serde_json::Map;

    /// A finding with only the fields placement reads set.
    pub(crate) fn finding(rule: &str, severity: Severity) -> Finding {
        Finding {
            rule: rule.to_string(),
            name: "some-rule".to_string(),
            severity,
            title: "title".to_string(),
            message: "message".to_string(),
            resource: "res-1".to_string(),
            availability_zone: None,
            port: None,
            target: None,
            symptom: None,
            evidence: Map::new(),
            remediation: "fix it".to_string(),
            change: Vec::new(),
            fingerprint: String::new(),
            baselined: false,
            suppressed: None,
            masked_until: None,
            cause_key: String::new(),
            fix: Default::default(),
            cause_ports: String::new(),
        }
    }

    /// Two zones, listeners 80 and 443, group `g0` (port 8080: i-1 in zone a, i-2 in zone b)
    /// and group `g1` (i-1 on port 9000).
    pub(crate) fn topology() -> Topology {
        let node = |zone: &str| NodeView {
            zone: zone.to_string(),
            subnet_id: format!("subnet-{zone}"),
            route_table: Some("rtb-1".to_string()),
            network_acl: None,
            addresses: Vec::new(),
            out_of_dns_until: None,
            public_access_blocked: None,
        };
        let target = |id: &str, zone: &str, port: u16| TargetView {
            id: id.to_string(),
            zone: Some(zone.to_string()),
            port: Some(port),
            health: Some("healthy".to_string()),
        };
        let listener = |port: u16| ListenerView {
            port,
            protocol: "HTTP".to_string(),
            target_groups: vec!["g0".to_string()],
        };
        Topology {
            nodes: vec![node("a"), node("b")],
            listeners: vec![listener(80), listener(443)],
            ignored_interfaces: Vec::new(),
            target_groups: vec![
                TargetGroupView {
                    arn: "g0".to_string(),
                    name: "web".to_string(),
                    target_type: "instance".to_string(),
                    port: Some(8080),
                    targets: vec![target("i-1", "a", 8080), target("i-2", "b", 8080)],
                },
                TargetGroupView {
                    arn: "g1".to_string(),
                    name: "admin".to_string(),
                    target_type: "instance".to_string(),
                    port: Some(9000),
                    targets: vec![target("i-1", "a", 9000)],
                },
            ],
        }
    }

    fn spots_of(p: &Placement) -> Vec<Spot> {
        p.marks.keys().copied().collect()
    }

    #[test]
    fn families_come_from_the_hundreds_of_the_code() {
        assert_eq!(family("ALB104"), Some(Family::Frontend));
        assert_eq!(family("ALB209"), Some(Family::Backend));
        assert_eq!(family("ALB301"), Some(Family::Tls));
        assert_eq!(family("ALB401"), None);
        assert_eq!(family("ALB1"), None);
        assert_eq!(family("ALB1x2"), None);
        assert_eq!(family("XYZ102"), None);
    }

    #[test]
    fn frontend_finding_marks_its_zone_edge_or_every_edge() {
        let t = topology();
        let zoned = finding("ALB102", Severity::Error).zone("b");
        assert_eq!(spots_of(&place(&t, &[zoned])), vec![Spot::ClientEdge(1)]);
        let everywhere = finding("ALB107", Severity::Error);
        assert_eq!(
            spots_of(&place(&t, &[everywhere])),
            vec![Spot::ClientEdge(0), Spot::ClientEdge(1)]
        );
    }

    #[test]
    fn frontend_finding_about_a_target_marks_the_backend_path() {
        let t = topology();
        let f = finding("ALB105", Severity::Error).target("i-2");
        assert_eq!(
            spots_of(&place(&t, &[f])),
            vec![
                Spot::Target(0, 1),
                Spot::TargetEdge {
                    node: 0,
                    group: 0,
                    target: 1
                },
                Spot::TargetEdge {
                    node: 1,
                    group: 0,
                    target: 1
                }
            ]
        );
    }

    #[test]
    fn backend_finding_marks_the_target_and_the_edges_from_its_zone() {
        let t = topology();
        let f = finding("ALB203", Severity::Error)
            .zone("b")
            .target("i-1")
            .port(8080);
        assert_eq!(
            spots_of(&place(&t, &[f])),
            vec![
                Spot::Target(0, 0),
                Spot::TargetEdge {
                    node: 1,
                    group: 0,
                    target: 0
                }
            ]
        );
    }

    #[test]
    fn backend_finding_without_zone_marks_edges_from_every_node_in_the_port_s_group() {
        let t = topology();
        let f = finding("ALB202", Severity::Error).target("i-1").port(9000);
        assert_eq!(
            spots_of(&place(&t, &[f])),
            vec![
                Spot::Target(1, 0),
                Spot::TargetEdge {
                    node: 0,
                    group: 1,
                    target: 0
                },
                Spot::TargetEdge {
                    node: 1,
                    group: 1,
                    target: 0
                }
            ]
        );
    }

    #[test]
    fn group_finding_without_target_marks_the_group() {
        let t = topology();
        let mut by_resource = finding("ALB208", Severity::Error).port(443);
        by_resource.resource = "g1".to_string();
        assert_eq!(spots_of(&place(&t, &[by_resource])), vec![Spot::Group(1)]);
        let by_evidence = finding("ALB206", Severity::Warning).evidence("target_group", "g0");
        assert_eq!(spots_of(&place(&t, &[by_evidence])), vec![Spot::Group(0)]);
    }

    #[test]
    fn tls_finding_marks_its_listener() {
        let t = topology();
        let f = finding("ALB301", Severity::Warning).port(443);
        assert_eq!(spots_of(&place(&t, &[f])), vec![Spot::Listener(1)]);
    }

    #[test]
    fn findings_with_nothing_to_stand_on_are_unplaced() {
        let t = topology();
        let findings = [
            finding("ALB102", Severity::Error).zone("z"),
            finding("ALB202", Severity::Error).target("i-9"),
            finding("ALB301", Severity::Note).port(8443),
            finding("ALB999", Severity::Note),
        ];
        let p = place(&t, &findings);
        assert!(p.marks.is_empty());
        assert_eq!(p.unplaced, vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_mark_takes_the_worst_severity_and_every_label() {
        let t = topology();
        let findings = [
            finding("ALB105", Severity::Warning)
                .zone("a")
                .symptom(Symptom::IntermittentTimeout),
            finding("ALB104", Severity::Error)
                .zone("a")
                .symptom(Symptom::Timeout),
            finding("ALB106", Severity::Note).zone("a"),
        ];
        let p = place(&t, &findings);
        assert_eq!(
            p.get(Spot::ClientEdge(0)),
            Some(&Mark {
                severity: Severity::Error,
                baselined: false,
                labels: vec![
                    "ALB104 · timeout".to_string(),
                    "ALB105 · intermittent-timeout".to_string(),
                    "ALB106".to_string()
                ]
            })
        );
        assert_eq!(p.get(Spot::ClientEdge(1)), None);
    }

    #[test]
    fn a_mark_is_baselined_only_when_all_its_findings_are() {
        let t = topology();
        let mut accepted = finding("ALB102", Severity::Error).zone("a");
        accepted.baselined = true;
        let p = place(&t, std::slice::from_ref(&accepted));
        assert!(p.get(Spot::ClientEdge(0)).is_some_and(|m| m.baselined));
        let p = place(&t, &[accepted, finding("ALB103", Severity::Note).zone("a")]);
        assert!(p.get(Spot::ClientEdge(0)).is_some_and(|m| !m.baselined));
    }

    // Property test: placement against a brute-force oracle that asks, for every element of the
    // picture and every finding, whether the rules in the module documentation put the finding
    // there.

    const ZONES: [&str; 3] = ["a", "b", "c"];
    const IDS: [&str; 3] = ["i-1", "i-2", "10.0.0.9"];
    const PORTS: [u16; 3] = [80, 443, 8080];
    const RULES: [&str; 6] = ["ALB101", "ALB105", "ALB203", "ALB208", "ALB301", "ALB402"];

    fn arb_topology() -> impl Strategy<Value = Topology> {
        let node = prop::sample::select(&ZONES[..]).prop_map(|z| NodeView {
            zone: z.to_string(),
            subnet_id: format!("subnet-{z}"),
            route_table: None,
            network_acl: None,
            addresses: Vec::new(),
            out_of_dns_until: None,
            public_access_blocked: None,
        });
        let target = (
            prop::sample::select(&IDS[..]),
            prop::option::of(prop::sample::select(&PORTS[..])),
        )
            .prop_map(|(id, port)| TargetView {
                id: id.to_string(),
                zone: None,
                port,
                health: None,
            });
        let group = prop::collection::vec(target, 0..4);
        let listener = prop::sample::select(&PORTS[..]).prop_map(|port| ListenerView {
            port,
            protocol: "HTTP".to_string(),
            target_groups: Vec::new(),
        });
        (
            prop::collection::vec(node, 0..4),
            prop::collection::vec(listener, 0..3),
            prop::collection::vec(group, 0..3),
        )
            .prop_map(|(nodes, listeners, groups)| Topology {
                nodes,
                listeners,
                ignored_interfaces: Vec::new(),
                target_groups: groups
                    .into_iter()
                    .enumerate()
                    .map(|(g, targets)| TargetGroupView {
                        arn: format!("g{g}"),
                        name: String::new(),
                        target_type: String::new(),
                        port: None,
                        targets,
                    })
                    .collect(),
            })
    }

    fn arb_finding() -> impl Strategy<Value = Finding> {
        (
            prop::sample::select(&RULES[..]),
            prop::sample::select(&[Severity::Note, Severity::Warning, Severity::Error][..]),
            prop::option::of(prop::sample::select(&ZONES[..])),
            prop::option::of(prop::sample::select(&IDS[..])),
            prop::option::of(prop::sample::select(&PORTS[..])),
            prop::option::of(0usize..4),
            prop::option::of(0usize..4),
            any::<bool>(),
        )
            .prop_map(
                |(rule, severity, zone, target, port, ev_group, res_group, baselined)| {
                    let mut f = finding(rule, severity);
                    f.availability_zone = zone.map(str::to_string);
                    f.target = target.map(str::to_string);
                    f.port = port;
                    f.baselined = baselined;
                    if let Some(g) = ev_group {
                        f = f.evidence("target_group", format!("g{g}"));
                    }
                    if let Some(g) = res_group {
                        f.resource = format!("g{g}");
                    }
                    f
                },
            )
    }

    /// Every element of the picture.
    fn all_spots(t: &Topology) -> Vec<Spot> {
        let mut out = Vec::new();
        for n in 0..t.nodes.len() {
            out.push(Spot::ClientEdge(n));
        }
        for l in 0..t.listeners.len() {
            out.push(Spot::Listener(l));
        }
        for (g, group) in t.target_groups.iter().enumerate() {
            out.push(Spot::Group(g));
            for target in 0..group.targets.len() {
                out.push(Spot::Target(g, target));
                for node in 0..t.nodes.len() {
                    out.push(Spot::TargetEdge {
                        node,
                        group: g,
                        target,
                    });
                }
            }
        }
        out
    }

    /// Whether the module's rules put `f` on `spot`, asked directly.
    fn oracle_hits(t: &Topology, f: &Finding, spot: Spot) -> bool {
        let hundreds = f.rule.as_bytes().get(3).copied();
        let zone_ok = |n: usize| {
            f.availability_zone
                .as_ref()
                .is_none_or(|z| *z == t.nodes[n].zone)
        };
        let exists = |arn: &str| t.target_groups.iter().any(|g| g.arn == arn);
        let named: Option<String> = match f.evidence.get("target_group").and_then(|v| v.as_str()) {
            Some(a) if exists(a) => Some(a.to_string()),
            _ if exists(&f.resource) => Some(f.resource.clone()),
            _ => None,
        };
        let target_hit = |g: usize, i: usize| {
            let group = &t.target_groups[g];
            let target = &group.targets[i];
            named.as_ref().is_none_or(|a| *a == group.arn)
                && f.target.as_deref() == Some(target.id.as_str())
                && (f.port.is_none() || target.port.is_none() || f.port == target.port)
        };
        let any_target_hit = t
            .target_groups
            .iter()
            .enumerate()
            .any(|(g, group)| (0..group.targets.len()).any(|i| target_hit(g, i)));
        let backend = hundreds == Some(b'2') || (hundreds == Some(b'1') && f.target.is_some());
        match spot {
            Spot::ClientEdge(n) => hundreds == Some(b'1') && f.target.is_none() && zone_ok(n),
            Spot::Listener(l) => {
                hundreds == Some(b'3') && f.port.is_none_or(|p| p == t.listeners[l].port)
            }
            Spot::Group(g) => {
                backend
                    && named.as_deref() == Some(t.target_groups[g].arn.as_str())
                    && !any_target_hit
            }
            Spot::Target(g, i) => backend && target_hit(g, i),
            Spot::TargetEdge {
                node,
                group,
                target,
            } => backend && target_hit(group, target) && zone_ok(node),
        }
    }

    proptest! {
        #[test]
        fn placement_matches_the_brute_force_oracle(
            t in arb_topology(),
            findings in prop::collection::vec(arb_finding(), 0..6),
        ) {
            let mut expected: BTreeMap<Spot, Mark> = BTreeMap::new();
            let mut placed = vec![false; findings.len()];
            for spot in all_spots(&t) {
                let hits: Vec<(usize, &Finding)> = findings
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| oracle_hits(&t, f, spot))
                    .collect();
                if hits.is_empty() {
                    continue;
                }
                let mut labels: Vec<String> = hits.iter().map(|(_, f)| label(f)).collect();
                labels.sort();
                labels.dedup();
                for (i, _) in &hits {
                    placed[*i] = true;
                }
                expected.insert(spot, Mark {
                    severity: hits.iter().map(|(_, f)| f.severity).max().unwrap_or(Severity::Note),
                    baselined: hits.iter().all(|(_, f)| f.baselined),
                    labels,
                });
            }
            let unplaced: Vec<usize> = (0..findings.len()).filter(|&i| !placed[i]).collect();
            let actual = place(&t, &findings);
            prop_assert_eq!(actual.marks, expected);
            prop_assert_eq!(actual.unplaced, unplaced);
        }
    }
}
