//! The policy compiled for evaluation: rules in evaluation order, with every address and port
//! set they mention collected once, and every construct that cannot be evaluated turned into a
//! reason.

use super::decision::{DecidedBy, StatefulRuleRef, ACK, CWR, ECE, FIN, PSH, RST, SYN, URG};
use super::suricata::{parse_addr, parse_cidr, parse_ports, union_of, Vars};
use super::{FirewallRules, ListenerTraffic};
use crate::model::firewall::{
    CustomAction, DomainList, DomainTargetType, GeneratedRulesType, OverrideAction, RuleGroup,
    RuleOrder, RulesSource, StatefulAction, StatefulDirection, StatefulProtocol, StatefulRule,
    StatelessRule, TcpFlag,
};
use crate::net::addr_set::AddrSet;
use crate::net::port_set::PortSet;

/// Every distinct address set and port set the rules mention; atoms are split along them
/// and conditions refer to them by index.
#[derive(Default)]
pub(super) struct Terms {
    pub(super) addrs: Vec<AddrSet>,
    pub(super) ports: Vec<PortSet>,
}

impl Terms {
    fn addr(&mut self, set: AddrSet) -> Cond {
        Cond::Term(intern(&mut self.addrs, set))
    }

    fn port(&mut self, set: PortSet) -> Cond {
        Cond::Term(intern(&mut self.ports, set))
    }
}

/// The index of `value` in `table`, added if new, so equal sets share one term.
fn intern<T: PartialEq>(table: &mut Vec<T>, value: T) -> usize {
    match table.iter().position(|v| *v == value) {
        Some(i) => i,
        None => {
            table.push(value);
            table.len() - 1
        }
    }
}

/// A rule's condition on one address or port: anything, one collected set, or a reason the
/// set is unknown.
#[derive(Clone, Debug)]
pub(super) enum Cond {
    Any,
    Term(usize),
    Unknown(String),
}

/// A stateless rule's or default's standard action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StatelessAction {
    Pass,
    Drop,
    Forward,
}

/// A stateless rule with its sets interned and its action read.
pub(super) struct CompiledStatelessRule {
    pub(super) by: DecidedBy,
    pub(super) tcp: bool,
    pub(super) src: Cond,
    pub(super) dst: Cond,
    pub(super) sport: Cond,
    pub(super) dport: Cond,
    /// (mask, flags) per flag field, or why they cannot be read.
    pub(super) flags: Result<Vec<(u8, u8)>, String>,
    pub(super) action: Result<StatelessAction, String>,
    /// Set when the whole rule group cannot be evaluated.
    pub(super) opaque: Option<String>,
}

/// A stateful rule's action after any policy override.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Act {
    Pass,
    Drop,
    Reject,
    Alert,
}

/// Which packets of the judged connection a stateful rule's protocol keyword matches.
#[derive(Clone, Debug)]
pub(super) enum Proto {
    /// IP, TCP: every packet.
    Every,
    /// An application protocol, detected from the request on: TLS (`true`) or HTTP.
    App(bool),
    /// A protocol this traffic never is.
    Never,
    Unknown(String),
}

/// A domain list rule's condition on the request's host name.
#[derive(Clone, Debug)]
pub(super) enum HostCond {
    Any,
    Target(String),
}

/// A standard or domain-list-generated stateful rule with its sets interned.
pub(super) struct CompiledStatefulRule {
    pub(super) group_arn: String,
    pub(super) group_name: String,
    pub(super) rule: StatefulRuleRef,
    pub(super) action: Result<Act, String>,
    pub(super) proto: Proto,
    pub(super) src: Cond,
    pub(super) sport: Cond,
    pub(super) dst: Cond,
    pub(super) dport: Cond,
    pub(super) both_ways: Result<bool, String>,
    pub(super) host: HostCond,
    /// Domain list rules inspect only the request.
    pub(super) request_only: bool,
    /// Why the rule cannot be evaluated even where its header matches.
    pub(super) unsupported: Option<String>,
    /// Set when the whole rule group cannot be evaluated.
    pub(super) opaque: Option<String>,
}

/// A strict-order stateful default action that can drop.
pub(super) enum DefaultAction {
    DropStrict,
    DropEstablished,
    Unknown(String),
}

/// The policy in evaluation order, ready for any connection atom.
pub(super) struct Compiled {
    pub(super) terms: Terms,
    pub(super) stateless: Vec<CompiledStatelessRule>,
    pub(super) stateless_default: Result<StatelessAction, String>,
    /// The decision the stateless default actions stand for.
    pub(super) stateless_default_by: DecidedBy,
    pub(super) strict: Result<bool, String>,
    pub(super) stateful: Vec<CompiledStatefulRule>,
    pub(super) stateful_defaults: Vec<(String, DefaultAction)>,
    /// Set when a TLS inspection configuration may decrypt this (TLS) traffic.
    pub(super) tls_inspection: Option<String>,
    pub(super) uses_hosts: bool,
    pub(super) notes: Vec<String>,
}

/// Rule options that never change what a rule matches.
const INERT_OPTIONS: [&str; 8] = [
    "sid",
    "rev",
    "msg",
    "metadata",
    "classtype",
    "priority",
    "reference",
    "gid",
];

/// Reads the policy and its rule groups into evaluation order for `traffic`'s listener.
pub(super) fn compile(rules: &FirewallRules<'_>, traffic: &ListenerTraffic<'_>) -> Compiled {
    let policy = rules.policy;
    let policy_home: Result<AddrSet, String> = match policy.policy_variables.get("HOME_NET") {
        Some(defs) => union_of(defs, |d| {
            parse_addr(d, &Vars::policy(), 0)
                .map_err(|e| format!("the policy's HOME_NET variable: {e}"))
        }),
        None => Ok(rules.home_net.clone()),
    };
    let mut c = Compiled {
        terms: Terms::default(),
        stateless: Vec::new(),
        stateless_default: stateless_action(
            &policy.stateless_default_actions,
            &policy.stateless_custom_actions,
        )
        .map_err(|e| format!("the policy's stateless default actions: {e}")),
        stateless_default_by: DecidedBy::StatelessDefault {
            actions: policy.stateless_default_actions.clone(),
        },
        strict: match policy.stateful_engine.rule_order {
            RuleOrder::StrictOrder => Ok(true),
            RuleOrder::DefaultActionOrder => Ok(false),
            RuleOrder::Unknown => Err("the policy's stateful rule order is not known".into()),
        },
        stateful: Vec::new(),
        stateful_defaults: Vec::new(),
        tls_inspection: policy
            .tls_inspection_configuration_arn
            .as_ref()
            .filter(|_| traffic.tls)
            .map(|arn| {
                format!(
                    "TLS inspection configuration {arn} may decrypt this TLS traffic; \
                     what the stateful rules then see is not evaluated"
                )
            }),
        uses_hosts: false,
        notes: Vec::new(),
    };

    add_stateless_groups(&mut c, rules);
    add_stateful_groups(&mut c, rules, &policy_home, traffic);
    c
}

/// Appends the stateless rules in evaluation order: groups, then rules, by ascending priority.
fn add_stateless_groups(c: &mut Compiled, rules: &FirewallRules<'_>) {
    let mut stateless_refs: Vec<_> = rules.policy.stateless_rule_groups.iter().collect();
    stateless_refs.sort_by_key(|r| r.priority);
    for r in stateless_refs {
        match rules.rule_groups.get(&r.arn) {
            Some(group) => match &group.source {
                RulesSource::StatelessRules {
                    rules: group_rules,
                    custom_actions,
                } => {
                    let mut sorted: Vec<&StatelessRule> = group_rules.iter().collect();
                    sorted.sort_by_key(|r| r.priority);
                    for rule in sorted {
                        let compiled = stateless_rule(&mut c.terms, group, rule, custom_actions);
                        c.stateless.push(compiled);
                    }
                }
                _ => c.stateless.push(opaque_stateless(
                    &r.arn,
                    format!(
                        "rule group `{}` is referenced as stateless but has no stateless rules",
                        group.name
                    ),
                )),
            },
            None => c.stateless.push(opaque_stateless(
                &r.arn,
                format!("stateless rule group {} was not read", r.arn),
            )),
        }
    }
}

/// Appends the stateful rules (in strict order: groups by ascending priority) and reads the
/// strict-order default actions.
fn add_stateful_groups(
    c: &mut Compiled,
    rules: &FirewallRules<'_>,
    policy_home: &Result<AddrSet, String>,
    traffic: &ListenerTraffic<'_>,
) {
    let policy = rules.policy;
    let strict = c.strict == Ok(true);
    if strict {
        for action in &policy.stateful_default_actions {
            let parsed = match action.as_str() {
                "aws:drop_strict" => DefaultAction::DropStrict,
                "aws:drop_established" => DefaultAction::DropEstablished,
                a if a.starts_with("aws:alert") => continue,
                a => DefaultAction::Unknown(format!(
                    "the policy's stateful default action {a} is not evaluated"
                )),
            };
            c.stateful_defaults.push((action.clone(), parsed));
        }
    }
    let mut stateful_refs: Vec<_> = policy.stateful_rule_groups.iter().collect();
    if strict {
        stateful_refs.sort_by_key(|r| r.priority.unwrap_or(i32::MAX));
    }
    for r in stateful_refs {
        let Some(group) = rules.rule_groups.get(&r.arn) else {
            c.stateful.push(opaque_stateful(
                &r.arn,
                &r.arn,
                format!("stateful rule group {} was not read", r.arn),
            ));
            continue;
        };
        let vars = Vars {
            group: Some(group),
            policy_home: Some(policy_home),
        };
        match &group.source {
            RulesSource::StatefulRules { rules: group_rules } => {
                for (i, rule) in group_rules.iter().enumerate() {
                    let compiled =
                        stateful_rule(&mut c.terms, &vars, group, i + 1, rule, r.override_action);
                    c.stateful.push(compiled);
                }
            }
            RulesSource::DomainList(list) => {
                domain_list(c, &vars, group, list, r.override_action, strict, traffic);
            }
            RulesSource::RulesString { .. } => c.stateful.push(opaque_stateful(
                &group.arn,
                &group.name,
                format!(
                    "stateful rules in Suricata syntax are not evaluated: {}",
                    group.name
                ),
            )),
            RulesSource::StatelessRules { .. } | RulesSource::Unknown => {
                c.stateful.push(opaque_stateful(
                    &group.arn,
                    &group.name,
                    format!(
                        "rule group `{}` is referenced as stateful but has no stateful rules \
                         this build can read",
                        group.name
                    ),
                ))
            }
        }
    }
}

fn opaque_stateless(arn: &str, reason: String) -> CompiledStatelessRule {
    CompiledStatelessRule {
        by: DecidedBy::StatelessRule {
            group_arn: arn.to_string(),
            group_name: arn.to_string(),
            priority: 0,
        },
        tcp: true,
        src: Cond::Any,
        dst: Cond::Any,
        sport: Cond::Any,
        dport: Cond::Any,
        flags: Ok(vec![]),
        action: Err(reason.clone()),
        opaque: Some(reason),
    }
}

fn opaque_stateful(arn: &str, name: &str, reason: String) -> CompiledStatefulRule {
    CompiledStatefulRule {
        group_arn: arn.to_string(),
        group_name: name.to_string(),
        rule: StatefulRuleRef::Standard {
            number: 0,
            sid: None,
        },
        action: Err(reason.clone()),
        proto: Proto::Every,
        src: Cond::Any,
        sport: Cond::Any,
        dst: Cond::Any,
        dport: Cond::Any,
        both_ways: Ok(true),
        host: HostCond::Any,
        request_only: false,
        unsupported: None,
        opaque: Some(reason),
    }
}

/// The standard action of a stateless rule or default; custom actions that publish metrics
/// do not change it.
fn stateless_action(
    actions: &[String],
    custom: &[CustomAction],
) -> Result<StatelessAction, String> {
    let mut standard = None;
    for action in actions {
        let this = match action.as_str() {
            "aws:pass" => StatelessAction::Pass,
            "aws:drop" => StatelessAction::Drop,
            "aws:forward_to_sfe" => StatelessAction::Forward,
            name if custom.iter().any(|c| c.name == name && c.publishes_metric) => continue,
            name => return Err(format!("action {name:?} is not evaluated")),
        };
        if standard.is_some_and(|s| s != this) {
            return Err(format!("conflicting standard actions {actions:?}"));
        }
        standard = Some(this);
    }
    standard.ok_or_else(|| "no standard action".to_string())
}

fn stateless_rule(
    terms: &mut Terms,
    group: &RuleGroup,
    rule: &StatelessRule,
    custom: &[CustomAction],
) -> CompiledStatelessRule {
    let at = |e: String| {
        format!(
            "stateless rule group `{}` rule priority {}: {e}",
            group.name, rule.priority
        )
    };
    let m = &rule.match_attributes;
    let mut addr = |cidrs: &[String]| -> Cond {
        if cidrs.is_empty() {
            return Cond::Any;
        }
        match union_of(cidrs, |s| {
            parse_cidr(s).ok_or_else(|| format!("address {s:?} does not parse"))
        }) {
            Ok(set) => terms.addr(set),
            Err(e) => Cond::Unknown(at(e)),
        }
    };
    let (src, dst) = (addr(&m.sources), addr(&m.destinations));
    let mut port = |ranges: &[crate::model::firewall::PortRange]| -> Cond {
        if ranges.is_empty() {
            return Cond::Any;
        }
        let parsed: Result<Vec<(u16, u16)>, String> = ranges
            .iter()
            .map(|r| match (u16::try_from(r.from), u16::try_from(r.to)) {
                (Ok(from), Ok(to)) if from <= to => Ok((from, to)),
                _ => Err(format!("port range {}:{} is not valid", r.from, r.to)),
            })
            .collect();
        match parsed {
            Ok(ranges) => terms.port(PortSet::from_ranges(ranges)),
            Err(e) => Cond::Unknown(at(e)),
        }
    };
    let (sport, dport) = (port(&m.source_ports), port(&m.destination_ports));
    let flags = m
        .tcp_flags
        .iter()
        .map(|field| {
            let bits = |flags: &[TcpFlag]| -> Result<u8, String> {
                flags.iter().try_fold(0u8, |acc, f| Ok(acc | flag_bit(*f)?))
            };
            let mask = if field.masks.is_empty() {
                0xff
            } else {
                bits(&field.masks)?
            };
            Ok((mask, bits(&field.flags)?))
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(at);
    CompiledStatelessRule {
        by: DecidedBy::StatelessRule {
            group_arn: group.arn.clone(),
            group_name: group.name.clone(),
            priority: rule.priority,
        },
        tcp: m.protocols.is_empty() || m.protocols.contains(&6),
        src,
        dst,
        sport,
        dport,
        flags,
        action: stateless_action(&rule.actions, custom).map_err(at),
        opaque: None,
    }
}

fn flag_bit(flag: TcpFlag) -> Result<u8, String> {
    Ok(match flag {
        TcpFlag::Fin => FIN,
        TcpFlag::Syn => SYN,
        TcpFlag::Rst => RST,
        TcpFlag::Psh => PSH,
        TcpFlag::Ack => ACK,
        TcpFlag::Urg => URG,
        TcpFlag::Ece => ECE,
        TcpFlag::Cwr => CWR,
        TcpFlag::Unknown => return Err("a TCP flag this build does not know".into()),
    })
}

fn stateful_rule(
    terms: &mut Terms,
    vars: &Vars<'_>,
    group: &RuleGroup,
    number: usize,
    rule: &StatefulRule,
    override_action: Option<OverrideAction>,
) -> CompiledStatefulRule {
    let at = |e: String| format!("stateful rule group `{}` rule {number}: {e}", group.name);
    let action = match rule.action {
        StatefulAction::Pass => Ok(Act::Pass),
        StatefulAction::Drop => Ok(Act::Drop),
        StatefulAction::Reject => Ok(Act::Reject),
        StatefulAction::Alert => Ok(Act::Alert),
        StatefulAction::Unknown => Err("an action this build does not know".to_string()),
    }
    .and_then(|a| overridden(a, override_action))
    .map_err(at);
    let h = &rule.header;
    let proto = match h.protocol {
        StatefulProtocol::Ip | StatefulProtocol::Tcp => Proto::Every,
        StatefulProtocol::Tls => Proto::App(true),
        StatefulProtocol::Http => Proto::App(false),
        StatefulProtocol::Unknown => {
            Proto::Unknown(at("a protocol this build does not know".into()))
        }
        _ => Proto::Never,
    };
    let mut addr = |text: &str| match parse_addr(text, vars, 0) {
        Ok(set) => terms.addr(set),
        Err(e) => Cond::Unknown(at(e)),
    };
    let (src, dst) = (addr(&h.source), addr(&h.destination));
    let mut port = |text: &str| match parse_ports(text, vars, 0) {
        Ok(set) => terms.port(set),
        Err(e) => Cond::Unknown(at(e)),
    };
    let (sport, dport) = (port(&h.source_port), port(&h.destination_port));
    let unsupported = rule
        .options
        .iter()
        .find(|o| {
            !INERT_OPTIONS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(o.keyword.trim()))
        })
        .map(|o| at(format!("rule option `{}` is not evaluated", o.keyword)));
    CompiledStatefulRule {
        group_arn: group.arn.clone(),
        group_name: group.name.clone(),
        rule: StatefulRuleRef::Standard {
            number,
            sid: rule
                .options
                .iter()
                .find(|o| o.keyword.trim().eq_ignore_ascii_case("sid"))
                .and_then(|o| o.settings.first())
                .map(|s| s.trim().to_string()),
        },
        action,
        proto,
        src,
        sport,
        dst,
        dport,
        both_ways: match h.direction {
            StatefulDirection::Forward => Ok(false),
            StatefulDirection::Any => Ok(true),
            StatefulDirection::Unknown => Err(at("a direction this build does not know".into())),
        },
        host: HostCond::Any,
        request_only: false,
        unsupported,
        opaque: None,
    }
}

/// Applies the policy's override of a managed group's actions: DROP_TO_ALERT turns its drops
/// into alerts
/// ([StatefulRuleGroupOverride](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_StatefulRuleGroupOverride.html));
/// what it does to a reject is not documented.
fn overridden(action: Act, over: Option<OverrideAction>) -> Result<Act, String> {
    match (action, over) {
        (Act::Pass | Act::Alert, _) | (_, None) => Ok(action),
        (Act::Drop, Some(OverrideAction::DropToAlert)) => Ok(Act::Alert),
        (Act::Drop | Act::Reject, Some(_)) => Err(
            "the policy's override of the group's drop and reject actions is not evaluated".into(),
        ),
    }
}

/// Adds the rules Network Firewall generates for a domain list, and notes on whom they skip.
fn domain_list(
    c: &mut Compiled,
    vars: &Vars<'_>,
    group: &RuleGroup,
    list: &DomainList,
    override_action: Option<OverrideAction>,
    strict: bool,
    traffic: &ListenerTraffic<'_>,
) {
    let at = |e: String| format!("domain list rule group `{}`: {e}", group.name);
    let act = |a: Act| overridden(a, override_action).map_err(at);
    let home = vars.ip("HOME_NET", 0);
    let external = vars.ip("EXTERNAL_NET", 0);
    let src = match &home {
        Ok(set) => c.terms.addr(set.clone()),
        Err(e) => Cond::Unknown(at(e.clone())),
    };
    let dst = match &external {
        Ok(set) => c.terms.addr(set.clone()),
        Err(e) => Cond::Unknown(at(e.clone())),
    };
    let mut types: Vec<DomainTargetType> = Vec::new();
    for t in &list.target_types {
        if !types.contains(t) {
            types.push(*t);
        }
    }
    let inspects_this_protocol = types.iter().any(|t| {
        matches!(
            (t, traffic.tls),
            (DomainTargetType::TlsSni, true)
                | (DomainTargetType::HttpHost, false)
                | (DomainTargetType::Unknown, _)
        )
    });
    for target_type in types {
        let proto = match target_type {
            DomainTargetType::TlsSni => Proto::App(true),
            DomainTargetType::HttpHost => Proto::App(false),
            DomainTargetType::Unknown => {
                Proto::Unknown(at("a target type this build does not know".into()))
            }
        };
        let rule = |rule: StatefulRuleRef, action: Result<Act, String>, host: HostCond| {
            CompiledStatefulRule {
                group_arn: group.arn.clone(),
                group_name: group.name.clone(),
                rule,
                action,
                proto: proto.clone(),
                src: src.clone(),
                sport: Cond::Any,
                dst: dst.clone(),
                dport: Cond::Any,
                both_ways: Ok(false),
                host,
                request_only: true,
                unsupported: None,
                opaque: None,
            }
        };
        let per_target = |action: Result<Act, String>| {
            list.targets
                .iter()
                .map(|t| {
                    rule(
                        StatefulRuleRef::DomainTarget { target: t.clone() },
                        action.clone(),
                        HostCond::Target(t.clone()),
                    )
                })
                .collect::<Vec<_>>()
        };
        match list.generated_rules_type {
            GeneratedRulesType::Allowlist => {
                c.stateful.extend(per_target(act(Act::Pass)));
                let mut catch_all = rule(
                    StatefulRuleRef::DomainCatchAll,
                    act(Act::Drop),
                    HostCond::Any,
                );
                if strict {
                    catch_all.unsupported = Some(at(
                        "under strict rule order the Developer Guide does not document the \
                         allowlist's drop rule for names it does not list, so requests for \
                         such names are not evaluated"
                            .into(),
                    ));
                }
                c.stateful.push(catch_all);
            }
            GeneratedRulesType::Denylist => c.stateful.extend(per_target(act(Act::Drop))),
            GeneratedRulesType::Rejectlist => c.stateful.extend(per_target(act(Act::Reject))),
            GeneratedRulesType::Alertlist => c.stateful.extend(per_target(act(Act::Alert))),
            GeneratedRulesType::Unknown => c.stateful.push(rule(
                StatefulRuleRef::DomainCatchAll,
                Err(at("a generated rules type this build does not know".into())),
                HostCond::Any,
            )),
        }
        c.uses_hosts = true;
    }
    if !inspects_this_protocol {
        return;
    }
    if let Ok(home) = &home {
        let outside = traffic.clients.difference(home);
        if !outside.is_empty() {
            c.notes.push(format!(
                "domain list rule group `{}` only inspects traffic from HOME_NET ({home}) to \
                 EXTERNAL_NET, so it does not apply to clients {outside}",
                group.name
            ));
        }
    }
    if let Ok(external) = &external {
        if !traffic.servers.is_empty() && !traffic.servers.intersects(external) {
            c.notes.push(format!(
                "domain list rule group `{}` only inspects traffic to EXTERNAL_NET, which \
                 excludes the ALB addresses {}, so it applies to none of these connections",
                group.name, traffic.servers
            ));
        }
    }
}
