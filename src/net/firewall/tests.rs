//! One test per semantic point of the module documentation.

use super::*;
use crate::model::firewall::{
    CustomAction, DomainList, DomainTargetType, GeneratedRulesType, Header, MatchAttributes,
    OverrideAction, PortRange, RuleGroupKind, RuleOption, RuleOrder, RuleVariables, RulesSource,
    StatefulAction, StatefulDirection, StatefulEngine, StatefulGroupRef, StatefulProtocol,
    StatefulRule, StatelessGroupRef, StatelessRule, TcpFlag, TcpFlagField,
};

fn set(cidrs: &[&str]) -> AddrSet {
    let nets: Vec<ipnet::IpNet> = cidrs
        .iter()
        .map(|c| c.parse().expect("test CIDR"))
        .collect();
    AddrSet::from_nets(&nets)
}

/// A firewall in VPC 10.0.0.0/16 whose policy forwards everything to an empty stateful
/// engine; tests add rules.
struct World {
    policy: FirewallPolicy,
    groups: BTreeMap<String, RuleGroup>,
    home: AddrSet,
}

impl World {
    fn new() -> World {
        World {
            policy: FirewallPolicy {
                arn: "arn:policy".into(),
                name: "policy".into(),
                stateless_default_actions: vec!["aws:forward_to_sfe".into()],
                stateless_fragment_default_actions: vec!["aws:drop".into()],
                stateless_custom_actions: vec![],
                stateless_rule_groups: vec![],
                stateful_rule_groups: vec![],
                stateful_default_actions: vec![],
                stateful_engine: StatefulEngine::default(),
                policy_variables: BTreeMap::new(),
                tls_inspection_configuration_arn: None,
            },
            groups: BTreeMap::new(),
            home: set(&["10.0.0.0/16"]),
        }
    }

    fn default_action(mut self, action: &str) -> World {
        self.policy.stateless_default_actions = vec![action.into()];
        self
    }

    fn strict(mut self, defaults: &[&str]) -> World {
        self.policy.stateful_engine.rule_order = RuleOrder::StrictOrder;
        self.policy.stateful_default_actions = defaults.iter().map(|d| d.to_string()).collect();
        self
    }

    fn stateless(mut self, name: &str, priority: i32, rules: Vec<StatelessRule>) -> World {
        let arn = format!("arn:{name}");
        self.policy.stateless_rule_groups.push(StatelessGroupRef {
            arn: arn.clone(),
            priority,
        });
        self.groups.insert(
            arn.clone(),
            group(
                &arn,
                name,
                RulesSource::StatelessRules {
                    rules,
                    custom_actions: vec![CustomAction {
                        name: "metric".into(),
                        publishes_metric: true,
                    }],
                },
            ),
        );
        self
    }

    fn stateful(self, name: &str, priority: Option<i32>, source: RulesSource) -> World {
        self.stateful_group(group(&format!("arn:{name}"), name, source), priority)
    }

    fn stateful_group(mut self, g: RuleGroup, priority: Option<i32>) -> World {
        self.policy.stateful_rule_groups.push(StatefulGroupRef {
            arn: g.arn.clone(),
            priority,
            override_action: None,
        });
        self.groups.insert(g.arn.clone(), g);
        self
    }

    fn rules(self, name: &str, priority: Option<i32>, rules: Vec<StatefulRule>) -> World {
        self.stateful(name, priority, RulesSource::StatefulRules { rules })
    }

    fn run(&self, clients: &AddrSet, port: u16, tls: bool, hosts: &[&str]) -> FirewallVerdict {
        let servers = set(&["10.0.1.10/32", "10.0.2.10/32"]);
        self.run_to(clients, &servers, port, tls, hosts)
    }

    fn run_to(
        &self,
        clients: &AddrSet,
        servers: &AddrSet,
        port: u16,
        tls: bool,
        hosts: &[&str],
    ) -> FirewallVerdict {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        evaluate(
            &FirewallRules {
                policy: &self.policy,
                rule_groups: &self.groups,
                home_net: &self.home,
            },
            &ListenerTraffic {
                clients,
                servers,
                port,
                tls,
                hosts: &hosts,
            },
        )
    }
}

fn group(arn: &str, name: &str, source: RulesSource) -> RuleGroup {
    RuleGroup {
        arn: arn.into(),
        name: name.into(),
        kind: RuleGroupKind::Stateful,
        variables: RuleVariables::default(),
        ip_set_references: BTreeMap::new(),
        source,
        rule_order: None,
    }
}

fn sl(priority: i32, action: &str, m: MatchAttributes) -> StatelessRule {
    StatelessRule {
        priority,
        match_attributes: m,
        actions: vec![action.into()],
    }
}

fn from(cidrs: &[&str]) -> MatchAttributes {
    MatchAttributes {
        sources: cidrs.iter().map(|c| c.to_string()).collect(),
        ..MatchAttributes::default()
    }
}

/// A stateful rule from a Suricata-like header: `action proto src sport dir dst dport`.
fn sf(action: StatefulAction, header: &str, sid: u32) -> StatefulRule {
    let parts: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(parts.len(), 6, "header {header:?}");
    let protocol = match parts[0] {
        "ip" => StatefulProtocol::Ip,
        "tcp" => StatefulProtocol::Tcp,
        "tls" => StatefulProtocol::Tls,
        "http" => StatefulProtocol::Http,
        "udp" => StatefulProtocol::Udp,
        other => panic!("protocol {other}"),
    };
    StatefulRule {
        action,
        header: Header {
            protocol,
            source: parts[1].into(),
            source_port: parts[2].into(),
            direction: if parts[3] == "<>" {
                StatefulDirection::Any
            } else {
                StatefulDirection::Forward
            },
            destination: parts[4].into(),
            destination_port: parts[5].into(),
        },
        options: vec![RuleOption {
            keyword: "sid".into(),
            settings: vec![sid.to_string()],
        }],
    }
}

use StatefulAction::{Alert, Drop, Pass, Reject};

fn internet() -> AddrSet {
    AddrSet::any_v4()
}

/// The clients and rendered decision of each drop, sorted.
fn drops(v: &FirewallVerdict) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .dropped
        .iter()
        .map(|d| (d.clients.to_string(), d.decision.to_string()))
        .collect();
    out.sort();
    out
}

/// The clients and reason of each unevaluated part, sorted.
fn reasons(v: &FirewallVerdict) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .unevaluated
        .iter()
        .map(|u| (u.clients.to_string(), u.reason.clone()))
        .collect();
    out.sort();
    out
}

// --- stateless engine ---------------------------------------------------------------------

#[test]
fn stateless_defaults_decide_unmatched_packets() {
    let v = World::new().run(&internet(), 443, true, &[]);
    assert_eq!(v.passed, internet());
    assert!(v.dropped.is_empty() && v.unevaluated.is_empty());

    let v = World::new()
        .default_action("aws:drop")
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.always_dropped, internet());
    assert_eq!(
        drops(&v),
        vec![(
            "0.0.0.0/0".into(),
            "the policy's stateless default action (aws:drop) drops the SYN client -> server"
                .into()
        )]
    );
    assert!(v.passed.is_empty());

    let v = World::new()
        .default_action("aws:pass")
        .rules("drop-all", None, vec![sf(Drop, "ip any any -> any any", 1)])
        .run(&internet(), 443, true, &[]);
    assert_eq!(
        v.passed,
        internet(),
        "passed packets never reach the stateful engine"
    );
}

#[test]
fn stateless_groups_by_priority_then_rules_by_priority() {
    let v = World::new()
        .default_action("aws:pass")
        .stateless(
            "later",
            10,
            vec![
                sl(20, "aws:drop", from(&["198.51.100.0/24"])),
                sl(10, "aws:pass", from(&["198.51.100.128/25"])),
            ],
        )
        .stateless(
            "first",
            5,
            vec![sl(1, "aws:drop", from(&["198.51.100.200/32"]))],
        )
        .run(&internet(), 443, true, &[]);
    assert_eq!(
        drops(&v),
        vec![
            (
                "198.51.100.0/25".into(),
                "stateless rule group `later` rule priority 20 drops the SYN client -> server"
                    .into()
            ),
            (
                "198.51.100.200/32".into(),
                "stateless rule group `first` rule priority 1 drops the SYN client -> server"
                    .into()
            ),
        ]
    );
    assert_eq!(
        v.passed,
        internet().difference(&set(&["198.51.100.0/25", "198.51.100.200/32"]))
    );
}

#[test]
fn tcp_flags_pick_the_packets_a_rule_matches() {
    let flags = |flags: &[TcpFlag], masks: &[TcpFlag]| MatchAttributes {
        tcp_flags: vec![TcpFlagField {
            flags: flags.to_vec(),
            masks: masks.to_vec(),
        }],
        ..MatchAttributes::default()
    };
    let run = |m: MatchAttributes| {
        World::new()
            .default_action("aws:pass")
            .stateless("flags", 1, vec![sl(1, "aws:drop", m)])
            .run(&internet(), 443, true, &[])
    };
    // SYN set and ACK set, other flags ignored: only the SYN+ACK.
    let v = run(flags(
        &[TcpFlag::Syn, TcpFlag::Ack],
        &[TcpFlag::Syn, TcpFlag::Ack],
    ));
    assert_eq!(v.dropped[0].decision.packet, Packet::SynAck);
    // No masks: all eight flags inspected, so exactly ACK: the handshake's ACK comes first.
    let v = run(flags(&[TcpFlag::Ack], &[]));
    assert_eq!(v.dropped[0].decision.packet, Packet::HandshakeAck);
    // FIN set: the client's FIN+ACK.
    let v = run(flags(&[TcpFlag::Fin], &[TcpFlag::Fin]));
    assert_eq!(v.dropped[0].decision.packet, Packet::ClientFin);
    // RST set: no packet of a clean connection.
    let v = run(flags(&[TcpFlag::Rst], &[TcpFlag::Rst]));
    assert!(v.dropped.is_empty());
    // Two conditions that contradict each other: how they combine is not documented.
    let contradiction = MatchAttributes {
        tcp_flags: vec![
            TcpFlagField {
                flags: vec![TcpFlag::Syn],
                masks: vec![TcpFlag::Syn],
            },
            TcpFlagField {
                flags: vec![],
                masks: vec![TcpFlag::Syn],
            },
        ],
        ..MatchAttributes::default()
    };
    let v = run(contradiction);
    assert!(v.dropped.is_empty());
    assert_eq!(v.unevaluated.len(), 1);
    assert!(v.unevaluated[0]
        .reason
        .contains("several TCP flag conditions"));
    // An unknown flag makes the rule unknown.
    let v = run(flags(&[TcpFlag::Unknown], &[]));
    assert!(reasons(&v)[0].1.contains("`flags` rule priority 1"));
}

#[test]
fn only_tcp_protocol_numbers_match() {
    let run = |protocols: Vec<i32>| {
        World::new()
            .default_action("aws:pass")
            .stateless(
                "proto",
                1,
                vec![sl(
                    1,
                    "aws:drop",
                    MatchAttributes {
                        protocols,
                        ..MatchAttributes::default()
                    },
                )],
            )
            .run(&internet(), 443, true, &[])
    };
    assert!(run(vec![17]).dropped.is_empty());
    assert_eq!(run(vec![17, 6]).always_dropped, internet());
    assert_eq!(run(vec![]).always_dropped, internet());
}

#[test]
fn ports_split_the_ephemeral_range_and_the_listener() {
    let ports_rule = |source: Option<(i32, i32)>, destination: Option<(i32, i32)>| {
        let range = |r: Option<(i32, i32)>| {
            r.map(|(from, to)| vec![PortRange { from, to }])
                .unwrap_or_default()
        };
        MatchAttributes {
            source_ports: range(source),
            destination_ports: range(destination),
            ..MatchAttributes::default()
        }
    };
    let world = |m| {
        World::new()
            .default_action("aws:pass")
            .stateless("ports", 1, vec![sl(1, "aws:drop", m)])
    };
    // Half the client ports: every client fails sometimes, none always.
    let v = world(ports_rule(Some((1024, 32767)), None)).run(&internet(), 443, true, &[]);
    assert_eq!(v.dropped_clients(), internet());
    assert!(v.always_dropped.is_empty());
    // The listener port as destination: the SYN of every connection.
    let v = world(ports_rule(None, Some((443, 443)))).run(&internet(), 443, true, &[]);
    assert_eq!(v.always_dropped, internet());
    assert_eq!(v.dropped[0].decision.packet, Packet::Syn);
    // As source: the server's packets, first the SYN+ACK.
    let v = world(ports_rule(Some((443, 443)), None)).run(&internet(), 443, true, &[]);
    assert_eq!(v.dropped[0].decision.packet, Packet::SynAck);
    // Another listener is untouched.
    let v = world(ports_rule(None, Some((443, 443)))).run(&internet(), 8443, true, &[]);
    assert!(v.dropped.is_empty());
    // An impossible range is reported, not guessed.
    let v = world(ports_rule(None, Some((443, 70000)))).run(&internet(), 443, true, &[]);
    assert!(reasons(&v)[0].1.contains("443:70000"));
}

#[test]
fn custom_actions_only_publish_metrics() {
    let rule = |actions: &[&str]| StatelessRule {
        priority: 1,
        match_attributes: MatchAttributes::default(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
    };
    let run = |r| {
        World::new()
            .stateless("custom", 1, vec![r])
            .run(&internet(), 443, true, &[])
    };
    assert_eq!(
        run(rule(&["aws:drop", "metric"])).always_dropped,
        internet()
    );
    let v = run(rule(&["aws:drop", "undefined"]));
    assert!(v.dropped.is_empty());
    assert!(reasons(&v)[0].1.contains("\"undefined\" is not evaluated"));
    let v = run(rule(&["metric"]));
    assert!(reasons(&v)[0].1.contains("no standard action"));
}

#[test]
fn partially_forwarded_flows_are_not_evaluated() {
    // The client's packets pass statelessly; the server's go to the stateful engine, which
    // sees half a flow.
    let v = World::new()
        .stateless(
            "inbound",
            1,
            vec![sl(1, "aws:pass", from(&["198.51.100.0/24"]))],
        )
        .run(&set(&["198.51.100.0/24"]), 443, true, &[]);
    assert!(v.dropped.is_empty() && v.passed.is_empty());
    assert_eq!(
        reasons(&v),
        vec![(
            "198.51.100.0/24".into(),
            "the stateless rules forward only some packets of these connections to the \
             stateful engine; how it treats such a partial flow is not evaluated"
                .into()
        )]
    );
}

// --- stateful engine: rule order ----------------------------------------------------------

#[test]
fn action_order_pass_beats_drop_only_on_the_same_packet() {
    // `drop tcp` matches the SYN, before TLS is detected: the pass rule never gets a chance.
    let v = World::new()
        .rules(
            "g",
            None,
            vec![
                sf(Pass, "tls any any -> any 443", 1),
                sf(Drop, "tcp any any -> any any", 2),
            ],
        )
        .run(&internet(), 443, true, &[]);
    assert_eq!(
        drops(&v),
        vec![(
            "0.0.0.0/0".into(),
            "stateful rule group `g` rule 2 (sid 2) drops the SYN client -> server".into()
        )]
    );
    // A TCP pass on the SYN wins over the TLS drop that would match later.
    let v = World::new()
        .rules(
            "g",
            None,
            vec![
                sf(Drop, "tls any any -> any any", 1),
                sf(Pass, "tcp any any -> any 443", 2),
            ],
        )
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.passed, internet());
    // Drop beats reject on the same packet; alert only logs.
    let v = World::new()
        .rules(
            "g",
            None,
            vec![
                sf(Alert, "ip any any -> any any", 1),
                sf(Reject, "tcp any any -> any any", 2),
                sf(Drop, "tcp any any -> any any", 3),
            ],
        )
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.dropped.len(), 1);
    assert!(matches!(
        v.dropped[0].decision.by,
        DecidedBy::StatefulRule { reject: false, .. }
    ));
    let v = World::new()
        .rules("g", None, vec![sf(Alert, "ip any any -> any any", 1)])
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.passed, internet());
}

#[test]
fn application_protocols_match_from_the_request_on() {
    let world = World::new().rules("g", None, vec![sf(Drop, "tls any any -> any any", 1)]);
    let v = world.run(&internet(), 443, true, &[]);
    assert_eq!(v.dropped[0].decision.packet, Packet::Request);
    assert_eq!(v.passed, AddrSet::empty());
    // An HTTP listener's traffic is never TLS, whatever the port.
    assert_eq!(world.run(&internet(), 443, false, &[]).passed, internet());
    let world = World::new().rules("g", None, vec![sf(Drop, "http any any -> any any", 1)]);
    assert_eq!(
        world.run(&internet(), 80, false, &[]).always_dropped,
        internet()
    );
    assert_eq!(world.run(&internet(), 80, true, &[]).passed, internet());
    // UDP never matches.
    let world = World::new().rules("g", None, vec![sf(Drop, "udp any any -> any any", 1)]);
    assert_eq!(world.run(&internet(), 443, true, &[]).passed, internet());
}

#[test]
fn strict_order_takes_rules_as_written_and_groups_by_priority() {
    let rules = vec![
        sf(Drop, "tcp any any -> any any", 1),
        sf(Pass, "tcp any any -> any any", 2),
    ];
    let v = World::new()
        .strict(&[])
        .rules("g", Some(1), rules.clone())
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.always_dropped, internet());
    // The same rules under action order: pass first.
    let v = World::new()
        .rules("g", None, rules)
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.passed, internet());

    let v = World::new()
        .strict(&[])
        .rules(
            "late",
            Some(10),
            vec![sf(Pass, "tcp any any -> any any", 1)],
        )
        .rules(
            "early",
            Some(5),
            vec![sf(Drop, "tcp 198.51.100.0/24 any -> any any", 7)],
        )
        .run(&internet(), 443, true, &[]);
    assert_eq!(
        drops(&v),
        vec![(
            "198.51.100.0/24".into(),
            "stateful rule group `early` rule 1 (sid 7) drops the SYN client -> server".into()
        )]
    );
}

#[test]
fn strict_default_actions() {
    let pass_tls = vec![sf(Pass, "tls any any -> any any", 1)];
    // Drop all: the SYN matches no rule (TLS is not detected yet) and is dropped.
    let v = World::new()
        .strict(&["aws:drop_strict"])
        .rules("g", Some(1), pass_tls.clone())
        .run(&internet(), 443, true, &[]);
    assert_eq!(
        drops(&v),
        vec![(
            "0.0.0.0/0".into(),
            "the policy's stateful default action aws:drop_strict drops the SYN client -> server"
                .into()
        )]
    );
    // Drop established lets the handshake through, then the TLS pass rule decides.
    let world = World::new()
        .strict(&["aws:drop_established", "aws:alert_established"])
        .rules("g", Some(1), pass_tls);
    assert_eq!(world.run(&internet(), 443, true, &[]).passed, internet());
    // On an HTTP listener nothing passes the request.
    let v = world.run(&internet(), 80, false, &[]);
    assert_eq!(v.always_dropped, internet());
    assert_eq!(v.dropped[0].decision.packet, Packet::Request);
    // Alert defaults only log.
    let v = World::new()
        .strict(&["aws:alert_strict"])
        .run(&internet(), 443, true, &[]);
    assert_eq!(v.passed, internet());
    // A default this build does not know is reported when a packet reaches it.
    let v = World::new()
        .strict(&["aws:drop_established_app_layer"])
        .run(&internet(), 443, true, &[]);
    assert!(reasons(&v)[0].1.contains("aws:drop_established_app_layer"));
    // Defaults are only valid with strict order; under action order they do nothing.
    let mut world = World::new();
    world.policy.stateful_default_actions = vec!["aws:drop_strict".into()];
    assert_eq!(world.run(&internet(), 443, true, &[]).passed, internet());
}

#[test]
fn forward_matches_as_written_and_any_both_ways() {
    let run = |header: &str| {
        World::new()
            .rules("g", None, vec![sf(Drop, header, 1)])
            .run(&set(&["198.51.100.0/24", "203.0.113.0/24"]), 443, true, &[])
    };
    let v = run("tcp 198.51.100.0/24 any -> 10.0.1.10 443");
    assert_eq!(v.dropped[0].clients, set(&["198.51.100.0/24"]));
    assert_eq!(v.dropped[0].decision.packet, Packet::Syn);
    assert!(v.always_dropped.is_empty(), "the other node is not matched");
    // Written server -> client: the SYN+ACK is the first packet that way.
    let v = run("tcp 10.0.1.10 443 -> 198.51.100.0/24 any");
    assert_eq!(v.dropped[0].decision.packet, Packet::SynAck);
    // Written client -> server but reversed: matches nothing.
    assert!(run("tcp 10.0.1.10/32 any -> 198.51.100.0/24 443")
        .dropped
        .is_empty());
    // Both ways: the SYN.
    let v = run("tcp 10.0.1.10 443 <> 198.51.100.0/24 any");
    assert_eq!(v.dropped[0].decision.packet, Packet::Syn);
    assert_eq!(v.dropped[0].clients, set(&["198.51.100.0/24"]));
    // Client port lists and ranges split the ephemeral ports exactly.
    let v = run("tcp any [1024:2047,4096] -> any [443]");
    assert_eq!(
        v.dropped_clients(),
        set(&["198.51.100.0/24", "203.0.113.0/24"])
    );
    assert!(v.always_dropped.is_empty());
    let v = run("tcp any !1024: -> any 443");
    assert!(v.dropped.is_empty(), "no client port is below 1024");
}

// --- variables ----------------------------------------------------------------------------

#[test]
fn home_net_defaults_to_the_vpc_and_external_net_is_its_negation() {
    let rule = vec![sf(Drop, "tcp $EXTERNAL_NET any -> $HOME_NET 443", 1)];
    let clients = set(&["10.0.0.0/16", "198.51.100.0/24"]);
    let v = World::new()
        .rules("g", None, rule.clone())
        .run(&clients, 443, true, &[]);
    assert_eq!(v.always_dropped, set(&["198.51.100.0/24"]));
    assert_eq!(v.passed, set(&["10.0.0.0/16"]));

    // The policy's HOME_NET override: only one node is home now, and the rest of the VPC is
    // external.
    let mut world = World::new().rules("g", None, rule);
    world
        .policy
        .policy_variables
        .insert("HOME_NET".into(), vec!["10.0.1.0/24".into()]);
    let v = world.run(&clients, 443, true, &[]);
    assert_eq!(
        v.dropped_clients(),
        set(&["198.51.100.0/24"]).union(&set(&["10.0.0.0/16"]).difference(&set(&["10.0.1.0/24"])))
    );
    assert!(v.always_dropped.is_empty(), "connections to 10.0.2.10 pass");
}

#[test]
fn a_group_home_net_does_not_move_external_net() {
    let mut g = group(
        "arn:g",
        "g",
        RulesSource::StatefulRules {
            rules: vec![sf(Drop, "tcp $EXTERNAL_NET any -> $HOME_NET any", 1)],
        },
    );
    g.variables
        .ip_sets
        .insert("HOME_NET".into(), vec!["10.0.2.0/24".into()]);
    let v = World::new().stateful_group(g, None).run(
        &set(&["10.0.0.0/16", "198.51.100.0/24"]),
        443,
        true,
        &[],
    );
    // EXTERNAL_NET stays the negation of the policy's HOME_NET (10.0.0.0/16), so VPC clients
    // outside the group's HOME_NET are still not external.
    assert_eq!(v.dropped_clients(), set(&["198.51.100.0/24"]));
    assert!(
        v.always_dropped.is_empty(),
        "only the node in 10.0.2.0/24 is the group's home"
    );
}

#[test]
fn group_variables_and_what_cannot_be_resolved() {
    let mut g = group(
        "arn:g",
        "g",
        RulesSource::StatefulRules {
            rules: vec![sf(Drop, "tcp [$PARTNERS,!198.51.100.7] any -> any $TLS", 1)],
        },
    );
    g.variables.ip_sets.insert(
        "PARTNERS".into(),
        vec!["198.51.100.0/24".into(), "203.0.113.5".into()],
    );
    g.variables
        .port_sets
        .insert("TLS".into(), vec!["443".into(), "8443".into()]);
    let world = World::new().stateful_group(g, None);
    let v = world.run(&internet(), 8443, true, &[]);
    assert_eq!(
        v.always_dropped,
        set(&["198.51.100.0/24", "203.0.113.5/32"]).difference(&set(&["198.51.100.7/32"]))
    );
    assert!(world.run(&internet(), 80, false, &[]).dropped.is_empty());

    for (header, expected) in [
        (
            "tcp $NOPE any -> any any",
            "IP variable $NOPE is not defined",
        ),
        (
            "tcp any any -> any $NOPE",
            "port variable $NOPE is not defined",
        ),
        ("tcp @PL any -> any any", "IP set reference @PL"),
        ("tcp 10.0.0.300 any -> any any", "does not parse"),
    ] {
        let v = World::new()
            .rules("g", None, vec![sf(Drop, header, 1)])
            .run(&internet(), 443, true, &[]);
        assert!(v.dropped.is_empty(), "{header}");
        let r = reasons(&v);
        assert_eq!(r.len(), 1, "{header}: {r:?}");
        assert_eq!(r[0].0, "0.0.0.0/0");
        assert!(
            r[0].1.starts_with("stateful rule group `g` rule 1: "),
            "{}",
            r[0].1
        );
        assert!(r[0].1.contains(expected), "{header}: {}", r[0].1);
    }
}

// --- domain lists -------------------------------------------------------------------------

fn domains(kind: GeneratedRulesType, types: &[DomainTargetType], targets: &[&str]) -> RulesSource {
    RulesSource::DomainList(DomainList {
        targets: targets.iter().map(|t| t.to_string()).collect(),
        target_types: types.to_vec(),
        generated_rules_type: kind,
    })
}

/// A firewall for a client VPC (10.9.0.0/16 is HOME_NET) in front of ALB nodes outside it.
fn egress_world(source: RulesSource) -> World {
    let mut world = World::new().stateful("domains", None, source);
    world
        .policy
        .policy_variables
        .insert("HOME_NET".into(), vec!["10.9.0.0/16".into()]);
    world
}

fn egress_clients() -> AddrSet {
    set(&["10.9.0.0/16", "203.0.113.0/24"])
}

#[test]
fn allowlists_pass_listed_names_and_drop_the_rest_from_home_net() {
    let world = egress_world(domains(
        GeneratedRulesType::Allowlist,
        &[DomainTargetType::TlsSni],
        &[".example.com"],
    ));
    let v = world.run(
        &egress_clients(),
        443,
        true,
        &["app.example.com", "EXAMPLE.com"],
    );
    assert_eq!(v.passed, egress_clients());
    assert_eq!(
        v.notes,
        vec![
            "domain list rule group `domains` only inspects traffic from HOME_NET \
             (10.9.0.0/16) to EXTERNAL_NET, so it does not apply to clients 203.0.113.0/24"
                .to_string()
        ]
    );

    let v = world.run(
        &egress_clients(),
        443,
        true,
        &["app.example.com", "evil.test"],
    );
    assert_eq!(
        drops(&v),
        vec![(
            "10.9.0.0/16".into(),
            "domain list `domains` allows only its listed domains and drops the request \
             client -> server for evil.test"
                .into()
        )]
    );
    assert!(v.always_dropped.is_empty(), "app.example.com still works");
    assert_eq!(v.passed, set(&["203.0.113.0/24"]));

    // A request without a name is not on the list either.
    let v = world.run(&egress_clients(), 443, true, &[]);
    assert_eq!(v.always_dropped, set(&["10.9.0.0/16"]));
    assert!(v.dropped[0].decision.to_string().contains("(no host name)"));

    // The list inspects TLS only; an HTTP listener is not affected.
    assert_eq!(
        world
            .run(&egress_clients(), 80, false, &["evil.test"])
            .passed,
        egress_clients()
    );
}

#[test]
fn domain_targets_match_exactly_or_with_subdomains() {
    let world = egress_world(domains(
        GeneratedRulesType::Denylist,
        &[DomainTargetType::HttpHost, DomainTargetType::TlsSni],
        &["example.com", ".evil.test"],
    ));
    let run = |host: &str| world.run(&set(&["10.9.0.0/16"]), 80, false, &[host]);
    assert!(run("www.example.com").dropped.is_empty());
    assert!(run("notexample.com").dropped.is_empty());
    assert!(run("badevil.test").dropped.is_empty());
    for host in [
        "example.com",
        "Example.COM:8080",
        "evil.test",
        "a.b.evil.test",
    ] {
        let v = run(host);
        assert_eq!(v.always_dropped, set(&["10.9.0.0/16"]), "{host}");
        assert_eq!(v.dropped[0].decision.packet, Packet::Request);
    }
    let v = run("EVIL.test:8080");
    assert_eq!(
        v.dropped[0].decision.by,
        DecidedBy::StatefulRule {
            group_arn: "arn:domains".into(),
            group_name: "domains".into(),
            rule: StatefulRuleRef::DomainTarget {
                target: ".evil.test".into()
            },
            reject: false,
        }
    );
    assert_eq!(v.dropped[0].decision.host.as_deref(), Some("evil.test"));
}

#[test]
fn reject_and_alert_lists() {
    let v = egress_world(domains(
        GeneratedRulesType::Rejectlist,
        &[DomainTargetType::TlsSni],
        &["evil.test"],
    ))
    .run(&egress_clients(), 443, true, &["evil.test"]);
    assert!(matches!(
        v.dropped[0].decision.by,
        DecidedBy::StatefulRule { reject: true, .. }
    ));
    let v = egress_world(domains(
        GeneratedRulesType::Alertlist,
        &[DomainTargetType::TlsSni],
        &["evil.test"],
    ))
    .run(&egress_clients(), 443, true, &["evil.test"]);
    assert_eq!(v.passed, egress_clients());
}

#[test]
fn domain_lists_skip_alb_nodes_inside_home_net() {
    // The usual set-up: HOME_NET is the VPC that also holds the ALB, so the nodes are not in
    // EXTERNAL_NET and the generated rules never match client -> ALB traffic.
    let world = World::new().stateful(
        "domains",
        None,
        domains(
            GeneratedRulesType::Allowlist,
            &[DomainTargetType::TlsSni],
            &["app.example.com"],
        ),
    );
    let v = world.run(&internet(), 443, true, &["evil.test"]);
    assert_eq!(v.passed, internet());
    assert_eq!(v.notes.len(), 2);
    assert!(v.notes[1].contains("excludes the ALB addresses 10.0.1.10/32, 10.0.2.10/32"));
}

#[test]
fn a_domain_group_home_net_widens_inspection() {
    let mut g = group(
        "arn:domains",
        "domains",
        domains(
            GeneratedRulesType::Denylist,
            &[DomainTargetType::TlsSni],
            &["evil.test"],
        ),
    );
    g.variables.ip_sets.insert(
        "HOME_NET".into(),
        vec!["10.9.0.0/16".into(), "203.0.113.0/24".into()],
    );
    let mut world = World::new().stateful_group(g, None);
    world
        .policy
        .policy_variables
        .insert("HOME_NET".into(), vec!["10.9.0.0/16".into()]);
    let v = world.run(&egress_clients(), 443, true, &["evil.test"]);
    assert_eq!(v.always_dropped, egress_clients());
    assert!(v.notes.is_empty());
}

#[test]
fn strict_allowlists_leave_unlisted_names_unevaluated() {
    let mut world = egress_world(domains(
        GeneratedRulesType::Allowlist,
        &[DomainTargetType::TlsSni],
        &["app.example.com"],
    ))
    .strict(&["aws:drop_established"]);
    world.policy.stateful_rule_groups[0].priority = Some(1);
    let v = world.run(&set(&["10.9.0.0/16"]), 443, true, &["app.example.com"]);
    assert_eq!(v.passed, set(&["10.9.0.0/16"]));
    let v = world.run(&set(&["10.9.0.0/16"]), 443, true, &["other.test"]);
    assert!(v.dropped.is_empty());
    assert!(reasons(&v)[0].1.contains("under strict rule order"));
}

// --- what is not evaluated ----------------------------------------------------------------

fn suricata() -> RulesSource {
    RulesSource::RulesString {
        rules: "drop tls any any -> any any (sid:1;)".into(),
    }
}

#[test]
fn suricata_groups_are_reported_where_they_could_decide() {
    let clients = set(&["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"]);
    // Action order: a known pass on the SYN wins whatever the Suricata group says.
    let v = World::new()
        .default_action("aws:forward_to_sfe")
        .stateless("edge", 1, vec![sl(1, "aws:drop", from(&["192.0.2.0/24"]))])
        .stateful("managed-threats", None, suricata())
        .rules(
            "mine",
            None,
            vec![sf(Pass, "tcp 198.51.100.0/24 any <> any any", 1)],
        )
        .run(&clients, 443, true, &[]);
    assert_eq!(v.passed, set(&["198.51.100.0/24"]));
    assert_eq!(
        reasons(&v),
        vec![(
            "203.0.113.0/24".into(),
            "stateful rules in Suricata syntax are not evaluated: managed-threats".into()
        )]
    );
    assert_eq!(
        v.always_dropped,
        set(&["192.0.2.0/24"]),
        "a certain drop still counts"
    );

    // Strict order: only flows that reach the group are affected.
    let v = World::new()
        .strict(&["aws:drop_strict"])
        .rules(
            "first",
            Some(1),
            vec![sf(Pass, "tcp 198.51.100.0/24 any <> any any", 1)],
        )
        .stateful("managed-threats", Some(2), suricata())
        .run(&clients, 443, true, &[]);
    assert_eq!(v.passed, set(&["198.51.100.0/24"]));
    assert_eq!(reasons(&v)[0].0, "192.0.2.0/24, 203.0.113.0/24");
}

#[test]
fn unread_groups_options_and_settings_are_reported() {
    let clients = internet();
    let mut missing = World::new();
    missing.policy.stateful_rule_groups.push(StatefulGroupRef {
        arn: "arn:gone".into(),
        priority: None,
        override_action: None,
    });
    assert_eq!(
        reasons(&missing.run(&clients, 443, true, &[]))[0].1,
        "stateful rule group arn:gone was not read"
    );
    let mut missing = World::new();
    missing
        .policy
        .stateless_rule_groups
        .push(StatelessGroupRef {
            arn: "arn:gone".into(),
            priority: 1,
        });
    assert_eq!(
        reasons(&missing.run(&clients, 443, true, &[]))[0].1,
        "stateless rule group arn:gone was not read"
    );

    let mut flow = sf(Drop, "tcp any any -> any any", 5);
    flow.options.push(RuleOption {
        keyword: "flow".into(),
        settings: vec!["to_server".into()],
    });
    flow.options.push(RuleOption {
        keyword: "msg".into(),
        settings: vec!["\"x\"".into()],
    });
    let v = World::new()
        .rules("g", None, vec![flow])
        .run(&clients, 443, true, &[]);
    assert_eq!(
        reasons(&v)[0].1,
        "stateful rule group `g` rule 1: rule option `flow` is not evaluated"
    );

    let mut unknown_order = World::new().rules("g", None, vec![]);
    unknown_order.policy.stateful_engine.rule_order = RuleOrder::Unknown;
    assert!(reasons(&unknown_order.run(&clients, 443, true, &[]))[0]
        .1
        .contains("rule order is not known"));

    let mut tls = World::new().rules("g", None, vec![sf(Drop, "http any any -> any any", 1)]);
    tls.policy.tls_inspection_configuration_arn = Some("arn:tls".into());
    assert!(reasons(&tls.run(&clients, 443, true, &[]))[0]
        .1
        .starts_with("TLS inspection configuration arn:tls"));
    assert_eq!(
        tls.run(&clients, 80, false, &[]).always_dropped,
        clients,
        "plain HTTP is not decrypted"
    );
}

#[test]
fn drop_to_alert_overrides_turn_drops_into_logs() {
    let mut world = World::new().rules("managed", None, vec![sf(Drop, "ip any any -> any any", 1)]);
    world.policy.stateful_rule_groups[0].override_action = Some(OverrideAction::DropToAlert);
    assert_eq!(world.run(&internet(), 443, true, &[]).passed, internet());
    world.policy.stateful_rule_groups[0].override_action = Some(OverrideAction::Unknown);
    assert!(!world
        .run(&internet(), 443, true, &[])
        .unevaluated
        .is_empty());
}

#[test]
fn drop_to_alert_applies_to_managed_domain_lists() {
    let mut world = egress_world(domains(
        GeneratedRulesType::Denylist,
        &[DomainTargetType::TlsSni],
        &["evil.test"],
    ));
    world.policy.stateful_rule_groups[0].override_action = Some(OverrideAction::DropToAlert);
    let v = world.run(&egress_clients(), 443, true, &["evil.test"]);
    assert_eq!(v.passed, egress_clients());
}

#[test]
fn clients_only_connect_to_nodes_of_their_family() {
    let v6 = set(&["2001:db8::/32"]);
    let world = World::new().default_action("aws:drop");
    // Only IPv4 nodes: IPv6 clients make no connection through this firewall.
    assert_eq!(world.run(&v6, 443, true, &[]).passed, v6);
    let v = world.run_to(
        &v6.union(&internet()),
        &set(&["10.0.1.10/32", "2001:db8:1::10/128"]),
        443,
        true,
        &[],
    );
    assert_eq!(v.always_dropped, v6.union(&internet()));
}

#[test]
fn packets_in_order_with_directions() {
    let rendered: Vec<String> = Packet::ALL.iter().map(Packet::to_string).collect();
    assert_eq!(
        rendered,
        vec![
            "SYN client -> server",
            "SYN+ACK server -> client",
            "handshake ACK client -> server",
            "request client -> server",
            "ACK of the request server -> client",
            "response server -> client",
            "ACK of the response client -> server",
            "FIN+ACK client -> server",
            "FIN+ACK server -> client",
        ]
    );
}
