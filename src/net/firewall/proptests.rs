//! The evaluator against a brute-force oracle: random small policies, judged for every client
//! of a small universe, every ALB node, client ports on both sides of every port the rules
//! mention, and every host name, one concrete packet at a time.

use std::net::IpAddr;

use ipnet::IpNet;
use proptest::prelude::*;

use super::*;
use crate::model::firewall::{
    DomainList, DomainTargetType, GeneratedRulesType, Header, MatchAttributes, PortRange,
    RuleGroupKind, RuleOption, RuleOrder, RuleVariables, RulesSource, StatefulAction,
    StatefulDirection, StatefulEngine, StatefulGroupRef, StatefulProtocol, StatefulRule,
    StatelessGroupRef, StatelessRule, TcpFlag, TcpFlagField,
};

/// Addresses rules are drawn from: blocks inside and around the client universe
/// (10.0.0.0/28) and the nodes, whole families, and IPv6.
const CIDRS: [&str; 13] = [
    "10.0.0.0/28",
    "10.0.0.0/29",
    "10.0.0.8/29",
    "10.0.0.4/30",
    "10.0.0.3/32",
    "10.0.1.10/32",
    "10.0.1.16/28",
    "10.0.1.0/24",
    "192.0.2.0/24",
    "0.0.0.0/0",
    "::/0",
    "2001:db8::/64",
    "2001:db8:1::/48",
];
const OUTSIDE_CLIENTS: [&str; 3] = ["192.0.2.7", "198.51.100.9", "2001:db8::5"];
const SERVERS: [&str; 3] = ["10.0.1.10", "10.0.1.20", "2001:db8:1::10"];
/// Every port a rule can mention; the oracle tries each client port next to them.
const PORT_MARKS: [u16; 7] = [80, 443, 1024, 1500, 1501, 30000, 65535];
const PORT_EXPRS: [&str; 9] = [
    "ANY",
    "443",
    "80",
    "1500",
    "1024:1500",
    "1501:",
    ":30000",
    "[80,443]",
    "!443",
];
const HOSTS: [&str; 4] = [
    "app.example.com",
    "example.com",
    "notexample.com",
    "other.test",
];
const TARGETS: [&str; 5] = [
    ".example.com",
    "app.example.com",
    "example.com",
    "other.test",
    ".test",
];
const FLAGS: [(TcpFlag, u8); 4] = [
    (TcpFlag::Syn, 0x02),
    (TcpFlag::Ack, 0x10),
    (TcpFlag::Fin, 0x01),
    (TcpFlag::Psh, 0x08),
];

fn net(s: &str) -> IpNet {
    s.parse()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .expect("test address")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn client_universe() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = (0..16u8).map(|i| IpAddr::from([10, 0, 0, i])).collect();
    out.extend(OUTSIDE_CLIENTS.iter().map(|s| ip(s)));
    out
}

fn as_set(addrs: &[IpAddr]) -> AddrSet {
    let nets: Vec<IpNet> = addrs.iter().map(|a| IpNet::from(*a)).collect();
    AddrSet::from_nets(&nets)
}

// --- strategies ---------------------------------------------------------------------------

fn cidr() -> impl Strategy<Value = String> {
    prop::sample::select(CIDRS.to_vec()).prop_map(String::from)
}

fn port_range() -> impl Strategy<Value = PortRange> {
    (
        prop::sample::select(PORT_MARKS.to_vec()),
        prop::sample::select(PORT_MARKS.to_vec()),
    )
        .prop_map(|(a, b)| PortRange {
            from: i32::from(a.min(b)),
            to: i32::from(a.max(b)),
        })
}

fn flag_field() -> impl Strategy<Value = TcpFlagField> {
    (0u8..16, 0u8..16).prop_map(|(set, mask)| {
        let pick = |bits: u8| -> Vec<TcpFlag> {
            FLAGS
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, (f, _))| *f)
                .collect()
        };
        // Flags must be among the masks, unless the masks are empty (all flags).
        let set = if mask == 0 { set } else { set & mask };
        TcpFlagField {
            flags: pick(set),
            masks: pick(mask),
        }
    })
}

fn stateless_rule() -> impl Strategy<Value = StatelessRule> {
    (
        1..100i32,
        prop::collection::vec(cidr(), 0..=1),
        prop::collection::vec(cidr(), 0..=1),
        prop::collection::vec(port_range(), 0..=1),
        prop::collection::vec(port_range(), 0..=1),
        prop::sample::select(vec![vec![], vec![6], vec![17], vec![6, 17]]),
        prop_oneof![3 => Just(vec![]), 1 => prop::collection::vec(flag_field(), 1..=2)],
        prop_oneof![
            1 => Just("aws:pass"),
            1 => Just("aws:drop"),
            2 => Just("aws:forward_to_sfe"),
        ],
    )
        .prop_map(
            |(
                priority,
                sources,
                destinations,
                source_ports,
                destination_ports,
                protocols,
                tcp_flags,
                action,
            )| {
                StatelessRule {
                    priority,
                    match_attributes: MatchAttributes {
                        sources,
                        destinations,
                        source_ports,
                        destination_ports,
                        protocols,
                        tcp_flags,
                    },
                    actions: vec![action.to_string()],
                }
            },
        )
}

fn addr_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ANY".to_string()),
        cidr(),
        Just("$HOME_NET".to_string()),
        Just("$EXTERNAL_NET".to_string()),
        cidr().prop_map(|c| format!("!{c}")),
        (cidr(), cidr()).prop_map(|(a, b)| format!("[{a},{b}]")),
    ]
}

fn port_expr() -> impl Strategy<Value = String> {
    prop::sample::select(PORT_EXPRS.to_vec()).prop_map(String::from)
}

fn stateful_rule() -> impl Strategy<Value = StatefulRule> {
    (
        prop::sample::select(vec![
            StatefulAction::Pass,
            StatefulAction::Drop,
            StatefulAction::Reject,
            StatefulAction::Alert,
        ]),
        prop::sample::select(vec![
            StatefulProtocol::Ip,
            StatefulProtocol::Tcp,
            StatefulProtocol::Tls,
            StatefulProtocol::Http,
            StatefulProtocol::Udp,
        ]),
        (addr_expr(), port_expr(), addr_expr(), port_expr()),
        any::<bool>(),
        1..1000u32,
    )
        .prop_map(
            |(
                action,
                protocol,
                (source, source_port, destination, destination_port),
                both,
                sid,
            )| {
                StatefulRule {
                    action,
                    header: Header {
                        protocol,
                        source,
                        source_port,
                        direction: if both {
                            StatefulDirection::Any
                        } else {
                            StatefulDirection::Forward
                        },
                        destination,
                        destination_port,
                    },
                    options: vec![RuleOption {
                        keyword: "sid".into(),
                        settings: vec![sid.to_string()],
                    }],
                }
            },
        )
}

fn domain_list() -> impl Strategy<Value = RulesSource> {
    (
        prop::collection::vec(prop::sample::select(TARGETS.to_vec()), 1..=2),
        prop::sample::select(vec![
            vec![DomainTargetType::TlsSni],
            vec![DomainTargetType::HttpHost],
            vec![DomainTargetType::HttpHost, DomainTargetType::TlsSni],
        ]),
        prop::sample::select(vec![
            GeneratedRulesType::Allowlist,
            GeneratedRulesType::Denylist,
            GeneratedRulesType::Rejectlist,
            GeneratedRulesType::Alertlist,
        ]),
    )
        .prop_map(|(targets, target_types, generated_rules_type)| {
            RulesSource::DomainList(DomainList {
                targets: targets.into_iter().map(String::from).collect(),
                target_types,
                generated_rules_type,
            })
        })
}

fn stateful_source() -> impl Strategy<Value = RulesSource> {
    prop_oneof![
        6 => prop::collection::vec(stateful_rule(), 0..=4)
            .prop_map(|rules| RulesSource::StatefulRules { rules }),
        3 => domain_list(),
        1 => Just(RulesSource::RulesString { rules: "pass ip any any -> any any (sid:1;)".into() }),
    ]
}

/// A policy with its rule groups, the VPC's CIDR, and the listener.
#[derive(Clone, Debug)]
struct Case {
    policy: FirewallPolicy,
    groups: BTreeMap<String, RuleGroup>,
    home: AddrSet,
    port: u16,
    tls: bool,
    hosts: Vec<String>,
}

fn group(arn: String, source: RulesSource, home: Option<String>) -> RuleGroup {
    let mut variables = RuleVariables::default();
    if let Some(home) = home {
        variables.ip_sets.insert("HOME_NET".into(), vec![home]);
    }
    RuleGroup {
        name: arn.trim_start_matches("arn:").to_string(),
        arn,
        kind: RuleGroupKind::Stateful,
        variables,
        ip_set_references: BTreeMap::new(),
        source,
        rule_order: None,
    }
}

fn case() -> impl Strategy<Value = Case> {
    let stateless_groups =
        prop::collection::vec(prop::collection::vec(stateless_rule(), 0..=2), 0..=2);
    let stateful_groups = prop::collection::vec(
        (stateful_source(), prop::option::weighted(0.2, cidr())),
        1..=2,
    );
    (
        stateless_groups,
        Just(vec![20, 10]).prop_shuffle(),
        stateful_groups,
        Just(vec![2, 1]).prop_shuffle(),
        prop_oneof![1 => Just("aws:pass"), 1 => Just("aws:drop"), 8 => Just("aws:forward_to_sfe")],
        any::<bool>(),
        prop::sample::select(vec![
            vec![],
            vec!["aws:drop_strict"],
            vec!["aws:drop_established"],
            vec!["aws:alert_strict"],
            vec!["aws:drop_established", "aws:alert_established"],
        ]),
        prop::option::weighted(
            0.3,
            prop::sample::select(vec!["10.0.0.0/29", "10.0.1.0/24"]),
        ),
        prop::sample::select(vec!["10.0.0.0/16", "10.0.0.0/28", "10.0.0.0/28"]),
        (prop::sample::select(vec![80u16, 443]), any::<bool>()),
        prop::collection::vec(prop::sample::select(HOSTS.to_vec()), 0..=2),
    )
        .prop_map(
            |(
                stateless_groups,
                stateless_priorities,
                stateful_groups,
                stateful_priorities,
                default,
                strict,
                defaults,
                policy_home,
                home,
                (port, tls),
                hosts,
            )| {
                let mut groups = BTreeMap::new();
                let mut stateless_refs = Vec::new();
                for (i, mut rules) in stateless_groups.into_iter().enumerate() {
                    let mut seen = Vec::new();
                    rules.retain(|r| {
                        let fresh = !seen.contains(&r.priority);
                        seen.push(r.priority);
                        fresh
                    });
                    let arn = format!("arn:stateless{i}");
                    let mut g = group(
                        arn.clone(),
                        RulesSource::StatelessRules {
                            rules,
                            custom_actions: vec![],
                        },
                        None,
                    );
                    g.kind = RuleGroupKind::Stateless;
                    groups.insert(arn.clone(), g);
                    stateless_refs.push(StatelessGroupRef {
                        arn,
                        priority: stateless_priorities[i],
                    });
                }
                let mut stateful_refs = Vec::new();
                for (i, (source, group_home)) in stateful_groups.into_iter().enumerate() {
                    let arn = format!("arn:stateful{i}");
                    groups.insert(arn.clone(), group(arn.clone(), source, group_home));
                    stateful_refs.push(StatefulGroupRef {
                        arn,
                        priority: strict.then_some(stateful_priorities[i]),
                        override_action: None,
                    });
                }
                let mut policy_variables = BTreeMap::new();
                if let Some(h) = policy_home {
                    policy_variables.insert("HOME_NET".to_string(), vec![h.to_string()]);
                }
                Case {
                    policy: FirewallPolicy {
                        arn: "arn:policy".into(),
                        name: "policy".into(),
                        stateless_default_actions: vec![default.to_string()],
                        stateless_fragment_default_actions: vec!["aws:drop".into()],
                        stateless_custom_actions: vec![],
                        stateless_rule_groups: stateless_refs,
                        stateful_rule_groups: stateful_refs,
                        stateful_default_actions: if strict {
                            defaults.iter().map(|d| d.to_string()).collect()
                        } else {
                            vec![]
                        },
                        stateful_engine: StatefulEngine {
                            rule_order: if strict {
                                RuleOrder::StrictOrder
                            } else {
                                RuleOrder::DefaultActionOrder
                            },
                            stream_exception_policy: None,
                        },
                        policy_variables,
                        tls_inspection_configuration_arn: None,
                    },
                    groups,
                    home: AddrSet::from_net(&net(home)),
                    port,
                    tls,
                    hosts: hosts.into_iter().map(String::from).collect(),
                }
            },
        )
}

// --- the oracle ---------------------------------------------------------------------------

/// One concrete packet.
struct Wire {
    packet: Packet,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
}

/// What happened to one concrete connection.
#[derive(Debug, PartialEq)]
enum Fate {
    Passed,
    Dropped(Decision),
    Unknown,
}

struct Oracle<'a> {
    case: &'a Case,
}

impl Oracle<'_> {
    fn policy_home(&self, a: IpAddr) -> bool {
        match self.case.policy.policy_variables.get("HOME_NET") {
            Some(defs) => defs.iter().any(|d| net(d).contains(&a)),
            None => self.case.home.contains(a),
        }
    }

    fn variable(&self, g: &RuleGroup, name: &str, a: IpAddr) -> bool {
        if let Some(defs) = g.variables.ip_sets.get(name) {
            return defs.iter().any(|d| net(d).contains(&a));
        }
        match name {
            "HOME_NET" => self.policy_home(a),
            "EXTERNAL_NET" => !self.policy_home(a),
            _ => panic!("the generator uses no other variable"),
        }
    }

    fn addr(&self, g: &RuleGroup, expr: &str, a: IpAddr) -> bool {
        if expr == "ANY" {
            true
        } else if let Some(rest) = expr.strip_prefix('!') {
            !self.addr(g, rest, a)
        } else if let Some(body) = expr.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
            body.split(',').any(|item| self.addr(g, item, a))
        } else if let Some(name) = expr.strip_prefix('$') {
            self.variable(g, name, a)
        } else {
            net(expr).contains(&a)
        }
    }

    fn port(expr: &str, p: u16) -> bool {
        if expr == "ANY" {
            true
        } else if let Some(rest) = expr.strip_prefix('!') {
            !Self::port(rest, p)
        } else if let Some(body) = expr.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
            body.split(',').any(|item| Self::port(item, p))
        } else if let Some((lo, hi)) = expr.split_once(':') {
            let lo = if lo.is_empty() {
                0
            } else {
                lo.parse().expect("port")
            };
            let hi = if hi.is_empty() {
                u16::MAX
            } else {
                hi.parse().expect("port")
            };
            (lo..=hi).contains(&p)
        } else {
            expr.parse::<u16>().expect("port") == p
        }
    }

    /// The stateless verdict on one packet: `Some((action, by))`, or `None` when unknown.
    fn stateless(&self, w: &Wire) -> Option<(&'static str, DecidedBy)> {
        let mut refs: Vec<_> = self.case.policy.stateless_rule_groups.iter().collect();
        refs.sort_by_key(|r| r.priority);
        for r in refs {
            let g = &self.case.groups[&r.arn];
            let RulesSource::StatelessRules { rules, .. } = &g.source else {
                panic!("generated stateless groups have stateless rules");
            };
            let mut rules: Vec<_> = rules.iter().collect();
            rules.sort_by_key(|r| r.priority);
            for rule in rules {
                let m = &rule.match_attributes;
                let cidrs = |list: &[String], a: IpAddr| {
                    list.is_empty() || list.iter().any(|c| net(c).contains(&a))
                };
                let ports = |list: &[PortRange], p: u16| {
                    list.is_empty() || list.iter().any(|r| (r.from..=r.to).contains(&i32::from(p)))
                };
                let header = (m.protocols.is_empty() || m.protocols.contains(&6))
                    && cidrs(&m.sources, w.src)
                    && cidrs(&m.destinations, w.dst)
                    && ports(&m.source_ports, w.sport)
                    && ports(&m.destination_ports, w.dport);
                if !header {
                    continue;
                }
                let each: Vec<bool> = m
                    .tcp_flags
                    .iter()
                    .map(|f| {
                        let bits = |flags: &[TcpFlag]| {
                            flags.iter().fold(0u8, |acc, f| {
                                acc | FLAGS.iter().find(|(g, _)| g == f).expect("flag").1
                            })
                        };
                        let mask = if f.masks.is_empty() {
                            0xff
                        } else {
                            bits(&f.masks)
                        };
                        w.packet.flags() & mask == bits(&f.flags)
                    })
                    .collect();
                if each.iter().any(|&x| x) && each.iter().any(|&x| !x) {
                    return None;
                }
                if each.first().is_some_and(|&x| !x) {
                    continue;
                }
                let by = DecidedBy::StatelessRule {
                    group_arn: g.arn.clone(),
                    group_name: g.name.clone(),
                    priority: rule.priority,
                };
                return Some((standard(&rule.actions[0]), by));
            }
        }
        let actions = &self.case.policy.stateless_default_actions;
        Some((
            standard(&actions[0]),
            DecidedBy::StatelessDefault {
                actions: actions.clone(),
            },
        ))
    }

    /// Whether a stateful rule matches a packet (`None`: unknown), with its action.
    fn stateful_rules(&self) -> Vec<OracleRule<'_>> {
        let mut refs: Vec<_> = self.case.policy.stateful_rule_groups.iter().collect();
        refs.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
        let mut out = Vec::new();
        for r in refs {
            let g = &self.case.groups[&r.arn];
            match &g.source {
                RulesSource::StatefulRules { rules } => {
                    for (i, rule) in rules.iter().enumerate() {
                        out.push(OracleRule::Standard(g, i + 1, rule));
                    }
                }
                RulesSource::DomainList(list) => {
                    let mut types = list.target_types.clone();
                    types.dedup();
                    for t in types {
                        let tls = t == DomainTargetType::TlsSni;
                        let action = match list.generated_rules_type {
                            GeneratedRulesType::Allowlist => StatefulAction::Pass,
                            GeneratedRulesType::Denylist => StatefulAction::Drop,
                            GeneratedRulesType::Rejectlist => StatefulAction::Reject,
                            _ => StatefulAction::Alert,
                        };
                        for target in &list.targets {
                            out.push(OracleRule::Domain(g, tls, Some(target), action));
                        }
                        if list.generated_rules_type == GeneratedRulesType::Allowlist {
                            out.push(OracleRule::Domain(g, tls, None, StatefulAction::Drop));
                        }
                    }
                }
                _ => out.push(OracleRule::Opaque),
            }
        }
        out
    }

    fn matches(&self, rule: &OracleRule<'_>, w: &Wire, host: Option<&str>) -> Option<bool> {
        let strict = self.case.policy.stateful_engine.rule_order == RuleOrder::StrictOrder;
        match rule {
            OracleRule::Opaque => None,
            OracleRule::Standard(g, _, r) => {
                let h = &r.header;
                let app = !w.packet.in_handshake();
                let proto = match h.protocol {
                    StatefulProtocol::Ip | StatefulProtocol::Tcp => true,
                    StatefulProtocol::Tls => app && self.case.tls,
                    StatefulProtocol::Http => app && !self.case.tls,
                    _ => false,
                };
                let way = |src: IpAddr, sport: u16, dst: IpAddr, dport: u16| {
                    self.addr(g, &h.source, src)
                        && Self::port(&h.source_port, sport)
                        && self.addr(g, &h.destination, dst)
                        && Self::port(&h.destination_port, dport)
                };
                let forward = way(w.src, w.sport, w.dst, w.dport);
                let backward = way(w.dst, w.dport, w.src, w.sport);
                Some(proto && (forward || (h.direction == StatefulDirection::Any && backward)))
            }
            OracleRule::Domain(g, tls, target, _) => {
                let hit = w.packet == Packet::Request
                    && *tls == self.case.tls
                    && self.variable(g, "HOME_NET", w.src)
                    && self.variable(g, "EXTERNAL_NET", w.dst)
                    && match target {
                        Some(t) => host.is_some_and(|h| match t.strip_prefix('.') {
                            Some(base) => h == base || h.ends_with(t.as_str()),
                            None => h == t.as_str(),
                        }),
                        None => true,
                    };
                if hit && target.is_none() && strict {
                    return None;
                }
                Some(hit)
            }
        }
    }

    fn decision(rule: &OracleRule<'_>, packet: Packet, host: Option<&str>) -> Decision {
        let reject = rule.action() == Some(StatefulAction::Reject);
        let (g, rule_ref, host) = match rule {
            OracleRule::Standard(g, number, r) => (
                g,
                StatefulRuleRef::Standard {
                    number: *number,
                    sid: Some(r.options[0].settings[0].clone()),
                },
                None,
            ),
            OracleRule::Domain(g, _, Some(t), _) => (
                g,
                StatefulRuleRef::DomainTarget {
                    target: t.to_string(),
                },
                host.map(String::from),
            ),
            OracleRule::Domain(g, _, None, _) => {
                (g, StatefulRuleRef::DomainCatchAll, host.map(String::from))
            }
            OracleRule::Opaque => panic!("an unknown rule decides nothing"),
        };
        Decision {
            by: DecidedBy::StatefulRule {
                group_arn: g.arn.clone(),
                group_name: g.name.clone(),
                rule: rule_ref,
                reject,
            },
            packet,
            host,
        }
    }

    fn stateful(&self, wires: &[Wire], host: Option<&str>) -> Fate {
        let rules = self.stateful_rules();
        let policy = &self.case.policy;
        let strict = policy.stateful_engine.rule_order == RuleOrder::StrictOrder;
        for w in wires {
            if strict {
                let mut decided = None;
                for rule in &rules {
                    match self.matches(rule, w, host) {
                        Some(false) => continue,
                        _ if rule.action() == Some(StatefulAction::Alert) => continue,
                        None => return Fate::Unknown,
                        Some(true) => {
                            decided = Some(rule);
                            break;
                        }
                    }
                }
                match decided {
                    Some(rule) if rule.action() == Some(StatefulAction::Pass) => {
                        return Fate::Passed
                    }
                    Some(rule) => return Fate::Dropped(Self::decision(rule, w.packet, host)),
                    None => {}
                }
                let defaults = &policy.stateful_default_actions;
                let default = if defaults.iter().any(|d| d == "aws:drop_strict") {
                    Some("aws:drop_strict")
                } else if defaults.iter().any(|d| d == "aws:drop_established")
                    && w.packet.to_server()
                    && !w.packet.in_handshake()
                {
                    Some("aws:drop_established")
                } else {
                    None
                };
                if let Some(action) = default {
                    return Fate::Dropped(Decision {
                        by: DecidedBy::StatefulDefault {
                            action: action.into(),
                        },
                        packet: w.packet,
                        host: None,
                    });
                }
            } else {
                let hits: Vec<(&OracleRule<'_>, Option<bool>)> = rules
                    .iter()
                    .map(|r| (r, self.matches(r, w, host)))
                    .filter(|(_, m)| *m != Some(false))
                    .collect();
                let certain = |action| {
                    hits.iter()
                        .find(|(r, m)| *m == Some(true) && r.action() == Some(action))
                };
                if certain(StatefulAction::Pass).is_some() {
                    return Fate::Passed;
                }
                if hits
                    .iter()
                    .any(|(r, m)| m.is_none() && r.action() != Some(StatefulAction::Alert))
                {
                    return Fate::Unknown;
                }
                if let Some((rule, _)) =
                    certain(StatefulAction::Drop).or_else(|| certain(StatefulAction::Reject))
                {
                    return Fate::Dropped(Self::decision(rule, w.packet, host));
                }
            }
        }
        Fate::Passed
    }

    fn connection(&self, client: IpAddr, port: u16, server: IpAddr, host: Option<&str>) -> Fate {
        let wires: Vec<Wire> = Packet::ALL
            .iter()
            .map(|&packet| {
                if packet.to_server() {
                    Wire {
                        packet,
                        src: client,
                        sport: port,
                        dst: server,
                        dport: self.case.port,
                    }
                } else {
                    Wire {
                        packet,
                        src: server,
                        sport: self.case.port,
                        dst: client,
                        dport: port,
                    }
                }
            })
            .collect();
        let mut unknown = false;
        let mut forwarded = 0;
        for w in &wires {
            match self.stateless(w) {
                Some(("aws:drop", by)) => {
                    return Fate::Dropped(Decision {
                        by,
                        packet: w.packet,
                        host: None,
                    })
                }
                Some(("aws:forward_to_sfe", _)) => forwarded += 1,
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown || (forwarded > 0 && forwarded < wires.len()) {
            return Fate::Unknown;
        }
        if forwarded == 0 {
            return Fate::Passed;
        }
        self.stateful(&wires, host)
    }
}

fn standard(action: &str) -> &'static str {
    match action {
        "aws:pass" => "aws:pass",
        "aws:drop" => "aws:drop",
        _ => "aws:forward_to_sfe",
    }
}

/// A stateful rule as the oracle reads it: a standard rule (group, number, rule), a domain
/// list rule (group, TLS or HTTP, target or the allowlist's catch-all, action), or a group
/// it cannot read.
enum OracleRule<'a> {
    Standard(&'a RuleGroup, usize, &'a StatefulRule),
    Domain(&'a RuleGroup, bool, Option<&'a String>, StatefulAction),
    Opaque,
}

impl OracleRule<'_> {
    fn action(&self) -> Option<StatefulAction> {
        match self {
            OracleRule::Standard(_, _, r) => Some(r.action),
            OracleRule::Domain(_, _, _, a) => Some(*a),
            OracleRule::Opaque => None,
        }
    }
}

/// Client ports on both sides of every mark, inside the ephemeral range.
fn sample_ports() -> Vec<u16> {
    let mut out: Vec<u16> = PORT_MARKS
        .iter()
        .flat_map(|&p| [p.saturating_sub(1), p, p.saturating_add(1)])
        .filter(|&p| p >= EPHEMERAL_PORTS.0)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn agrees_with_packet_by_packet_oracle(case in case()) {
        let clients = client_universe();
        let servers: Vec<IpAddr> = SERVERS.iter().map(|s| ip(s)).collect();
        let client_set = as_set(&clients);
        let hosts = case.hosts.clone();
        let verdict = evaluate(
            &FirewallRules {
                policy: &case.policy,
                rule_groups: &case.groups,
                home_net: &case.home,
            },
            &ListenerTraffic {
                clients: &client_set,
                servers: &as_set(&servers),
                port: case.port,
                tls: case.tls,
                hosts: &hosts,
            },
        );
        let oracle = Oracle { case: &case };
        let host_samples: Vec<Option<&str>> = if hosts.is_empty() {
            vec![None]
        } else {
            hosts.iter().map(|h| Some(h.as_str())).collect()
        };
        for &client in &clients {
            let mut drops: Vec<Decision> = Vec::new();
            let (mut unknown, mut combos, mut all_dropped) = (false, 0, true);
            for &server in servers.iter().filter(|s| s.is_ipv4() == client.is_ipv4()) {
                for port in sample_ports() {
                    for &host in &host_samples {
                        combos += 1;
                        match oracle.connection(client, port, server, host) {
                            Fate::Dropped(d) => {
                                if !drops.contains(&d) {
                                    drops.push(d);
                                }
                            }
                            Fate::Unknown => {
                                unknown = true;
                                all_dropped = false;
                            }
                            Fate::Passed => all_dropped = false,
                        }
                    }
                }
            }
            let mut reported: Vec<&Decision> = verdict
                .dropped
                .iter()
                .filter(|d| d.clients.contains(client))
                .map(|d| &d.decision)
                .collect();
            reported.sort_by_key(|d| format!("{d:?}"));
            let mut expected: Vec<&Decision> = drops.iter().collect();
            expected.sort_by_key(|d| format!("{d:?}"));
            prop_assert_eq!(reported, expected, "decisions for {}", client);
            prop_assert_eq!(
                verdict.always_dropped.contains(client),
                combos > 0 && all_dropped,
                "always dropped: {}", client
            );
            let unevaluated = verdict.unevaluated.iter().any(|u| u.clients.contains(client));
            prop_assert_eq!(unevaluated, drops.is_empty() && unknown, "unevaluated: {}", client);
            prop_assert_eq!(
                verdict.passed.contains(client),
                drops.is_empty() && !unknown,
                "passed: {}", client
            );
        }
        prop_assert!(verdict.dropped_clients().is_subset(&client_set));
        prop_assert!(verdict.passed.is_subset(&client_set));
    }
}
