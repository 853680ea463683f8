//! Evaluation of one connection atom: the stateless engine per packet, then the stateful
//! engine per flow, with three-valued matching so that what cannot be evaluated stays
//! unknown.

use super::compile::{
    Act, Compiled, CompiledStatefulRule, CompiledStatelessRule, Cond, DefaultAction, HostCond,
    Proto, StatelessAction,
};
use super::decision::{DecidedBy, Decision, Packet, StatefulRuleRef};
use super::suricata::domain_matches;

/// Whether a rule matches: yes, no, or cannot say (with the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe(String),
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    /// Conjunction: a definite `No` anywhere wins over `Maybe`.
    fn and(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::No => Tri::No,
            Tri::Yes => other(),
            Tri::Maybe(reason) => match other() {
                Tri::No => Tri::No,
                _ => Tri::Maybe(reason),
            },
        }
    }

    /// Disjunction: a definite `Yes` anywhere wins over `Maybe`.
    fn or(self, other: impl FnOnce() -> Tri) -> Tri {
        match self {
            Tri::Yes => Tri::Yes,
            Tri::No => other(),
            Tri::Maybe(reason) => match other() {
                Tri::Yes => Tri::Yes,
                _ => Tri::Maybe(reason),
            },
        }
    }
}

/// One end of a connection atom: membership in every address term and port term.
pub(super) struct Side<'m> {
    pub(super) addrs: &'m [bool],
    pub(super) ports: &'m [bool],
}

impl Side<'_> {
    fn addr(&self, cond: &Cond) -> Tri {
        member(cond, self.addrs)
    }

    fn port(&self, cond: &Cond) -> Tri {
        member(cond, self.ports)
    }
}

/// Whether an atom with these memberships satisfies `cond`.
fn member(cond: &Cond, members: &[bool]) -> Tri {
    match cond {
        Cond::Any => Tri::Yes,
        Cond::Term(i) => Tri::from_bool(members.get(*i).copied().unwrap_or(false)),
        Cond::Unknown(reason) => Tri::Maybe(reason.clone()),
    }
}

/// The port terms of the rules whose addresses can match a packet between a client atom and
/// a server atom, either way: only these can make the pair's client ports behave differently,
/// so only these need to split them.
pub(super) fn port_terms_in_play(c: &Compiled, client: &[bool], server: &[bool]) -> Vec<usize> {
    let could = |cond: &Cond, members: &[bool]| member(cond, members) != Tri::No;
    let stateless = c
        .stateless
        .iter()
        .map(|r| [&r.src, &r.dst, &r.sport, &r.dport]);
    let stateful = c
        .stateful
        .iter()
        .map(|r| [&r.src, &r.dst, &r.sport, &r.dport]);
    let mut out = Vec::new();
    for [src, dst, sport, dport] in stateless.chain(stateful) {
        let either_way = (could(src, client) && could(dst, server))
            || (could(src, server) && could(dst, client));
        if !either_way {
            continue;
        }
        for port in [sport, dport] {
            if let Cond::Term(i) = port {
                if !out.contains(i) {
                    out.push(*i);
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// One evaluated combination: a client atom, a server atom, a client port atom and a host.
pub(super) struct Combo<'m> {
    pub(super) client: Side<'m>,
    pub(super) server: Side<'m>,
    pub(super) host: Option<&'m str>,
    pub(super) tls: bool,
}

impl Combo<'_> {
    /// The packet's (source, destination) ends.
    fn ends(&self, packet: Packet) -> (&Side<'_>, &Side<'_>) {
        if packet.to_server() {
            (&self.client, &self.server)
        } else {
            (&self.server, &self.client)
        }
    }
}

/// What happens to one connection atom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Pass,
    Drop(Decision),
    Unknown(String),
}

/// What the stateless engine does with one packet, and which rule or default decides.
enum StatelessOutcome<'c> {
    Act(StatelessAction, &'c DecidedBy),
    Unknown(String),
}

/// Judges one connection atom: stateless per packet, then stateful if it sees the whole flow.
pub(super) fn connection(c: &Compiled, combo: &Combo<'_>) -> Outcome {
    let mut unknown = None;
    let mut forwarded = 0;
    for packet in Packet::ALL {
        match stateless_packet(c, packet, combo) {
            StatelessOutcome::Act(StatelessAction::Drop, by) => {
                return Outcome::Drop(Decision {
                    by: by.clone(),
                    packet,
                    host: None,
                })
            }
            StatelessOutcome::Act(StatelessAction::Forward, _) => forwarded += 1,
            StatelessOutcome::Act(StatelessAction::Pass, _) => {}
            StatelessOutcome::Unknown(reason) => {
                unknown.get_or_insert(reason);
            }
        }
    }
    if let Some(reason) = unknown {
        return Outcome::Unknown(reason);
    }
    if forwarded == 0 {
        return Outcome::Pass;
    }
    if forwarded < Packet::ALL.len() {
        return Outcome::Unknown(
            "the stateless rules forward only some packets of these connections to the \
             stateful engine; how it treats such a partial flow is not evaluated"
                .into(),
        );
    }
    stateful(c, combo)
}

/// The stateless engine on one packet: first matching rule, else the default actions.
fn stateless_packet<'c>(
    c: &'c Compiled,
    packet: Packet,
    combo: &Combo<'_>,
) -> StatelessOutcome<'c> {
    for rule in &c.stateless {
        match stateless_match(rule, packet, combo) {
            Tri::No => continue,
            Tri::Maybe(reason) => return StatelessOutcome::Unknown(reason),
            Tri::Yes => {
                return match &rule.action {
                    Ok(action) => StatelessOutcome::Act(*action, &rule.by),
                    Err(reason) => StatelessOutcome::Unknown(reason.clone()),
                }
            }
        }
    }
    match &c.stateless_default {
        Ok(action) => StatelessOutcome::Act(*action, &c.stateless_default_by),
        Err(reason) => StatelessOutcome::Unknown(reason.clone()),
    }
}

/// Whether a stateless rule's match attributes hold for the packet.
fn stateless_match(rule: &CompiledStatelessRule, packet: Packet, combo: &Combo<'_>) -> Tri {
    if let Some(reason) = &rule.opaque {
        return Tri::Maybe(reason.clone());
    }
    if !rule.tcp {
        return Tri::No;
    }
    let (src, dst) = combo.ends(packet);
    src.addr(&rule.src)
        .and(|| dst.addr(&rule.dst))
        .and(|| src.port(&rule.sport))
        .and(|| dst.port(&rule.dport))
        .and(|| flags_match(&rule.flags, packet))
}

/// Whether the packet's TCP flags satisfy a rule's flag fields.
fn flags_match(flags: &Result<Vec<(u8, u8)>, String>, packet: Packet) -> Tri {
    let fields = match flags {
        Err(reason) => return Tri::Maybe(reason.clone()),
        Ok(fields) => fields,
    };
    let each: Vec<bool> = fields
        .iter()
        .map(|&(mask, set)| packet.flags() & mask == set & mask)
        .collect();
    match each.first() {
        None => Tri::Yes,
        Some(&first) if each.iter().all(|&m| m == first) => Tri::from_bool(first),
        Some(_) => Tri::Maybe(
            "a stateless rule has several TCP flag conditions that disagree on this packet, \
             and the API does not say how they combine"
                .into(),
        ),
    }
}

/// The stateful engine on a flow it sees whole: the first packet a rule or default decides.
fn stateful(c: &Compiled, combo: &Combo<'_>) -> Outcome {
    if let Some(reason) = &c.tls_inspection {
        return Outcome::Unknown(reason.clone());
    }
    let strict = match &c.strict {
        Ok(strict) => *strict,
        Err(reason) => return Outcome::Unknown(reason.clone()),
    };
    for packet in Packet::ALL {
        let decided = if strict {
            strict_packet(c, packet, combo)
        } else {
            action_order_packet(c, packet, combo)
        };
        if let Some(outcome) = decided {
            return outcome;
        }
    }
    Outcome::Pass
}

/// The outcome of a stateful rule dropping or rejecting the packet.
fn drop_by(
    rule: &CompiledStatefulRule,
    packet: Packet,
    combo: &Combo<'_>,
    reject: bool,
) -> Outcome {
    let host = match rule.rule {
        StatefulRuleRef::Standard { .. } => None,
        _ => combo.host.map(str::to_string),
    };
    Outcome::Drop(Decision {
        by: DecidedBy::StatefulRule {
            group_arn: rule.group_arn.clone(),
            group_name: rule.group_name.clone(),
            rule: rule.rule.clone(),
            reject,
        },
        packet,
        host,
    })
}

/// Strict order: the first rule that passes, drops or rejects the packet decides; a packet no
/// rule decides meets the default actions.
fn strict_packet(c: &Compiled, packet: Packet, combo: &Combo<'_>) -> Option<Outcome> {
    for rule in &c.stateful {
        let m = stateful_match(rule, packet, combo);
        if m == Tri::No {
            continue;
        }
        match (&rule.action, &m) {
            (Ok(Act::Alert), _) => continue,
            (Err(reason), _) | (_, Tri::Maybe(reason)) => {
                return Some(Outcome::Unknown(reason.clone()))
            }
            (Ok(Act::Pass), _) => return Some(Outcome::Pass),
            (Ok(Act::Drop), _) => return Some(drop_by(rule, packet, combo, false)),
            (Ok(Act::Reject), _) => return Some(drop_by(rule, packet, combo, true)),
        }
    }
    let default = |action: &String| {
        Some(Outcome::Drop(Decision {
            by: DecidedBy::StatefulDefault {
                action: action.clone(),
            },
            packet,
            host: None,
        }))
    };
    for (action, parsed) in &c.stateful_defaults {
        if matches!(parsed, DefaultAction::DropStrict) {
            return default(action);
        }
    }
    for (action, parsed) in &c.stateful_defaults {
        if matches!(parsed, DefaultAction::DropEstablished)
            && packet.to_server()
            && !packet.in_handshake()
        {
            return default(action);
        }
    }
    c.stateful_defaults
        .iter()
        .find_map(|(_, parsed)| match parsed {
            DefaultAction::Unknown(reason) => Some(Outcome::Unknown(reason.clone())),
            _ => None,
        })
}

/// Action order: a matching pass rule wins, then drop, then reject; alert only logs.
fn action_order_packet(c: &Compiled, packet: Packet, combo: &Combo<'_>) -> Option<Outcome> {
    let mut dropping: Option<(&CompiledStatefulRule, bool)> = None;
    let mut unknown = None;
    for rule in &c.stateful {
        let m = stateful_match(rule, packet, combo);
        if m == Tri::No {
            continue;
        }
        match (&rule.action, &m) {
            (Ok(Act::Alert), _) => {}
            (Err(reason), _) | (_, Tri::Maybe(reason)) => {
                unknown.get_or_insert(reason.clone());
            }
            (Ok(Act::Pass), _) => return Some(Outcome::Pass),
            (Ok(Act::Drop), _) => {
                if dropping.is_none_or(|(_, reject)| reject) {
                    dropping = Some((rule, false));
                }
            }
            (Ok(Act::Reject), _) => {
                if dropping.is_none() {
                    dropping = Some((rule, true));
                }
            }
        }
    }
    if let Some(reason) = unknown {
        return Some(Outcome::Unknown(reason));
    }
    dropping.map(|(rule, reject)| drop_by(rule, packet, combo, reject))
}

/// Whether a stateful rule matches the packet: protocol, host, header, options.
fn stateful_match(rule: &CompiledStatefulRule, packet: Packet, combo: &Combo<'_>) -> Tri {
    if let Some(reason) = &rule.opaque {
        return Tri::Maybe(reason.clone());
    }
    let proto = match &rule.proto {
        Proto::Every => Tri::Yes,
        Proto::App(tls) => Tri::from_bool(!packet.in_handshake() && *tls == combo.tls),
        Proto::Never => Tri::No,
        Proto::Unknown(reason) => Tri::Maybe(reason.clone()),
    };
    let (from, to) = combo.ends(packet);
    let header = |a: &Side<'_>, b: &Side<'_>| {
        a.addr(&rule.src)
            .and(|| b.addr(&rule.dst))
            .and(|| a.port(&rule.sport))
            .and(|| b.port(&rule.dport))
    };
    proto
        .and(|| Tri::from_bool(!rule.request_only || packet == Packet::Request))
        .and(|| match &rule.host {
            HostCond::Any => Tri::Yes,
            HostCond::Target(target) => {
                Tri::from_bool(combo.host.is_some_and(|h| domain_matches(target, h)))
            }
        })
        .and(|| match &rule.both_ways {
            Ok(false) => header(from, to),
            Ok(true) => header(from, to).or(|| header(to, from)),
            Err(reason) => match header(from, to).or(|| header(to, from)) {
                Tri::No => Tri::No,
                _ => Tri::Maybe(reason.clone()),
            },
        })
        .and(|| match &rule.unsupported {
            Some(reason) => Tri::Maybe(reason.clone()),
            None => Tri::Yes,
        })
}
