//! AWS Network Firewall: which clients' TCP connections to the ALB nodes a firewall policy
//! stops, and which rule or default action decides. Pure set arithmetic over the model.
//!
//! # The question
//!
//! A client in `clients`, from any source port in [`EPHEMERAL_PORTS`], opens a TCP connection
//! to an ALB node address in `servers` on the listener port, sends one request carrying a host
//! name from `hosts` (TLS SNI when `tls`, else the HTTP Host header) and gets a response. The
//! firewall sees these packets, in this order ([`Packet`]): SYN, SYN+ACK, the handshake ACK,
//! the request (ACK+PSH), the server's ACK, the response (ACK+PSH), the client's ACK, and
//! FIN+ACK both ways. The connection fails if the firewall drops any of them.
//!
//! # Semantics, and where AWS defines them
//!
//! Stateless engine, per packet
//! ([firewall-policy-processing](https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-policy-processing.html)):
//! rule groups in ascending policy priority, rules in ascending rule priority; the first rule
//! whose match attributes all hold decides `aws:pass`, `aws:drop` or `aws:forward_to_sfe`;
//! otherwise the policy's stateless default actions decide
//! ([stateless-default-actions](https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateless-default-actions.html)).
//! An empty attribute matches anything; protocols are IANA numbers (6 is TCP); ports apply to
//! TCP; a TCP flag field requires the `flags` among its `masks` (all eight when empty) to be
//! set and the other masked flags clear
//! ([MatchAttributes](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_MatchAttributes.html),
//! [TCPFlagField](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_TCPFlagField.html)).
//! The API does not say how several flag fields in one rule combine, so a packet on which they
//! disagree is not evaluated. Custom actions only publish metrics
//! ([rule-action](https://docs.aws.amazon.com/network-firewall/latest/developerguide/rule-action.html)).
//! Fragments are out of scope: Network Firewall drops non-UDP fragments, and the fragment
//! default actions apply to UDP only; these connections are assumed unfragmented.
//!
//! Stateful engine, per flow, for connections whose every packet is forwarded to it
//! ([suricata-rule-evaluation-order](https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-rule-evaluation-order.html)).
//! Rules are matched packet by packet; the first packet on which a rule decides settles the
//! flow (a pass stops inspection of the whole flow, a drop or reject drops the rest):
//! - `DEFAULT_ACTION_ORDER`: on each packet, a matching pass rule wins over drop, then reject;
//!   alert only logs; a flow nothing decides passes. A `tcp` or `ip` rule matches the SYN,
//!   before the application protocol is known, so `drop tcp` beats `pass tls`.
//! - `STRICT_ORDER`: groups by ascending priority, rules as written; the first matching pass,
//!   drop or reject rule decides the packet. A packet no rule decides meets the policy's
//!   stateful default actions: `aws:drop_strict` drops it, `aws:drop_established` drops it if
//!   it travels client -> server after the handshake, `aws:alert_*` only log.
//!
//! A policy's `DROP_TO_ALERT` override of a (managed) group turns the group's drops into
//! alerts.
//!
//! A standard rule's header ([Header](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_Header.html))
//! is Suricata's: addresses and ports are `ANY`, a CIDR or port, a range `a:b`, `$VARIABLE`,
//! negation `!x` or a list `[a, !b]`
//! ([Suricata rule syntax](https://docs.suricata.io/en/latest/rules/intro.html)); direction
//! `FORWARD` matches packets from source to destination as written, `ANY` either way. `IP` and
//! `TCP` match every packet; `TLS` (for a TLS listener) and `HTTP` (otherwise) match from the
//! request on, once Suricata has detected the protocol by content; every other protocol
//! never matches this traffic. Rule options other than `sid`, `rev`, `msg`, `metadata`,
//! `classtype`, `priority`, `reference` and `gid` can change what matches and are not
//! evaluated.
//!
//! Variables ([suricata-limitations-caveats](https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-limitations-caveats.html),
//! [PolicyVariables](https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_PolicyVariables.html)):
//! the policy's `HOME_NET` is its policy variable if set, else the firewall VPC's CIDR blocks
//! (`home_net`); the policy's `EXTERNAL_NET` is always its negation. A rule group's own
//! `HOME_NET` or `EXTERNAL_NET` overrides each separately: a group that sets only `HOME_NET`
//! still uses the policy's `EXTERNAL_NET`. Other variables come from the group's IP and port
//! sets; IP set references (`@NAME`) are resolved by AWS at run time and are not evaluated.
//!
//! Domain lists ([stateful-rule-groups-domain-names](https://docs.aws.amazon.com/network-firewall/latest/developerguide/stateful-rule-groups-domain-names.html),
//! generated rules in [suricata-examples](https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-examples.html)):
//! Network Firewall generates `tls` (TLS_SNI) and `http` (HTTP_HOST) rules with the header
//! `$HOME_NET any -> $EXTERNAL_NET any` that inspect the client's request: so only clients in
//! the group's `HOME_NET` talking to servers in its `EXTERNAL_NET` are inspected, and a note
//! says which clients a list leaves alone. `www.example.com` matches that name exactly,
//! `.example.com` the name and its subdomains, case-insensitively. An allowlist passes listed
//! names and drops the protocol's other requests (a request without a name too); a denylist
//! drops, a rejectlist rejects, an alertlist only logs listed names. The Developer Guide shows
//! the allowlist's catch-all drop only for action order, so under strict order a request
//! reaching it is not evaluated.
//!
//! # What is not evaluated
//!
//! Anything this module cannot decide exactly makes the connections whose evaluation reaches
//! it [`Unevaluated`], never passed or dropped because of it: rule groups in Suricata syntax,
//! rule groups that were not read, unknown actions, protocols or options, undefined variables,
//! a TLS inspection configuration on a TLS listener, and flows of which the stateless engine
//! forwards only some packets to the stateful engine (its stream exception handling of such a
//! partial flow is not evaluated). A certain drop elsewhere still counts.
//!
//! # How it stays exact
//!
//! Every address and port set any rule mentions is collected; the clients and the servers are
//! split into atoms on which every address set is all-or-nothing, and for each pair of atoms
//! the ephemeral ports are split by the port sets of the rules whose addresses can match that
//! pair (no other rule can tell its ports apart). Each combination of client atom, server
//! atom, port atom and host is evaluated once, packet by packet. Nothing is sampled.

mod compile;
mod decision;
mod engine;
mod suricata;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::addr_set::AddrSet;
use super::port_set::{ports, PortSet};
use super::EPHEMERAL_PORTS;
use crate::model::firewall::{Firewall, FirewallPolicy, RuleGroup};
use crate::model::Network;
use engine::{Combo, Outcome, Side};

pub use decision::{DecidedBy, Decision, Packet, StatefulRuleRef};

/// The connections to judge: TCP from `clients` to the ALB node addresses `servers` on one
/// listener port, as the firewall sees them (after the internet gateway's address
/// translation, so `servers` are the nodes' private addresses).
#[derive(Clone, Copy, Debug)]
pub struct ListenerTraffic<'a> {
    /// Who must get through.
    pub clients: &'a AddrSet,
    /// The ALB node addresses behind this firewall endpoint.
    pub servers: &'a AddrSet,
    /// The listener port.
    pub port: u16,
    /// Whether the listener speaks TLS (HTTPS), so domain rules see the SNI, not the Host.
    pub tls: bool,
    /// Host names clients send (SNI or Host header); empty means requests without one.
    pub hosts: &'a [String],
}

/// What the firewall enforces: its policy, the rule groups the policy references (by ARN; a
/// missing one is reported as not evaluated) and the firewall VPC's CIDR blocks, which are
/// `HOME_NET` unless the policy overrides it.
#[derive(Clone, Copy, Debug)]
pub struct FirewallRules<'a> {
    /// The firewall's policy.
    pub policy: &'a FirewallPolicy,
    /// Rule groups by ARN.
    pub rule_groups: &'a BTreeMap<String, RuleGroup>,
    /// The firewall VPC's CIDR blocks.
    pub home_net: &'a AddrSet,
}

/// The policy `firewall` enforces, or why it is unknown (a missing one is never taken to pass).
pub fn policy_of<'a>(
    network: &'a Network,
    firewall: &Firewall,
) -> Result<&'a FirewallPolicy, String> {
    network
        .firewall_policies
        .get(&firewall.policy_arn)
        .ok_or_else(|| {
            format!(
                "the policy {} of firewall {} was not read",
                firewall.policy_arn, firewall.name
            )
        })
}

/// `HOME_NET` unless the policy overrides it: the firewall VPC's CIDR blocks.
pub fn home_net(network: &Network, firewall: &Firewall) -> AddrSet {
    network
        .vpcs
        .get(&firewall.vpc_id)
        .map(|v| AddrSet::from_nets(&v.cidrs))
        .unwrap_or_default()
}

/// Clients whose connections one decision stops (for at least one ALB node, client port or
/// host name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The clients.
    pub clients: AddrSet,
    /// Why.
    pub decision: Decision,
}

/// Clients whose fate depends on something this module does not evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unevaluated {
    /// The clients (none of them is certainly dropped).
    pub clients: AddrSet,
    /// What was not evaluated, as a sentence.
    pub reason: String,
}

/// What a firewall does to the judged connections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FirewallVerdict {
    /// Per decision, the clients it stops; a client may appear under several decisions.
    pub dropped: Vec<Dropped>,
    /// Clients every one of whose connections (any node, client port and host) is stopped;
    /// the other dropped clients fail only sometimes.
    pub always_dropped: AddrSet,
    /// Clients not certainly dropped whose fate depends on something not evaluated.
    pub unevaluated: Vec<Unevaluated>,
    /// Everyone else: the firewall lets them through.
    pub passed: AddrSet,
    /// Facts that explain why a rule does not apply, e.g. clients outside a domain list's
    /// `HOME_NET`.
    pub notes: Vec<String>,
}

impl FirewallVerdict {
    /// Every client some decision stops.
    pub fn dropped_clients(&self) -> AddrSet {
        self.dropped
            .iter()
            .fold(AddrSet::empty(), |acc, d| acc.union(&d.clients))
    }
}

/// Decides what the firewall's policy does to the connections of `traffic`. A client connects
/// only to nodes of its own address family; clients of a family no node has make no
/// connection through this firewall and count as passed.
pub fn evaluate(rules: &FirewallRules<'_>, traffic: &ListenerTraffic<'_>) -> FirewallVerdict {
    let compiled = compile::compile(rules, traffic);
    let hosts: Vec<Option<String>> = if !compiled.uses_hosts || traffic.hosts.is_empty() {
        vec![None]
    } else {
        let mut hosts: Vec<Option<String>> = traffic
            .hosts
            .iter()
            .map(|h| Some(suricata::normalize_host(h, traffic.tls)))
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    };
    let terms = &compiled.terms;
    let server_port_members: Vec<bool> = terms
        .ports
        .iter()
        .map(|t| t.contains(traffic.port))
        .collect();
    let addr_members =
        |atom: &AddrSet| -> Vec<bool> { terms.addrs.iter().map(|t| atom.intersects(t)).collect() };
    // Client port atoms per set of port terms in play, shared by the pairs that need them.
    let mut port_atoms: BTreeMap<Vec<usize>, Vec<Vec<bool>>> = BTreeMap::new();
    let mut client_ports = |in_play: Vec<usize>| -> Vec<Vec<bool>> {
        port_atoms
            .entry(in_play)
            .or_insert_with_key(|in_play| {
                let splitting: Vec<PortSet> =
                    in_play.iter().map(|&i| terms.ports[i].clone()).collect();
                refine(ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1), &splitting)
                    .iter()
                    .map(|s| terms.ports.iter().map(|t| s.intersects(t)).collect())
                    .collect()
            })
            .clone()
    };

    let mut acc = Accumulator::default();
    let families = [
        (traffic.clients.v4_part(), traffic.servers.v4_part()),
        (traffic.clients.v6_part(), traffic.servers.v6_part()),
    ];
    for (clients, servers) in families {
        if clients.is_empty() || servers.is_empty() {
            continue;
        }
        let server_members: Vec<Vec<bool>> = refine(servers, &terms.addrs)
            .iter()
            .map(&addr_members)
            .collect();
        for atom in refine(clients, &terms.addrs) {
            let client_members = addr_members(&atom);
            let mut summary = AtomSummary::new();
            for server in &server_members {
                let segments = client_ports(engine::port_terms_in_play(
                    &compiled,
                    &client_members,
                    server,
                ));
                for segment in &segments {
                    for host in &hosts {
                        let combo = Combo {
                            client: Side {
                                addrs: &client_members,
                                ports: segment,
                            },
                            server: Side {
                                addrs: server,
                                ports: &server_port_members,
                            },
                            host: host.as_deref(),
                            tls: traffic.tls,
                        };
                        summary.add(engine::connection(&compiled, &combo));
                    }
                }
            }
            acc.add(&atom, summary);
        }
    }
    acc.finish(traffic.clients, compiled.notes)
}

/// Whether the policy's rules for `traffic` look at host names (domain lists): a caller that
/// does not know which host name the connections carry cannot take [`evaluate`]'s verdict
/// for requests without one as theirs.
pub fn uses_host_names(rules: &FirewallRules<'_>, traffic: &ListenerTraffic<'_>) -> bool {
    compile::compile(rules, traffic).uses_hosts
}

/// The set operations atoms and Suricata lists need, for addresses and ports alike.
trait SetOps: Clone + Default {
    fn meet(&self, other: &Self) -> Self;
    fn minus(&self, other: &Self) -> Self;
    fn unite(&self, other: &Self) -> Self;
    fn nothing(&self) -> bool;
}

impl SetOps for AddrSet {
    fn meet(&self, other: &Self) -> Self {
        self.intersection(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn unite(&self, other: &Self) -> Self {
        self.union(other)
    }
    fn nothing(&self) -> bool {
        self.is_empty()
    }
}

impl SetOps for PortSet {
    fn meet(&self, other: &Self) -> Self {
        self.intersection(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn unite(&self, other: &Self) -> Self {
        self.union(other)
    }
    fn nothing(&self) -> bool {
        self.is_empty()
    }
}

/// Splits `base` into non-empty atoms, each inside or outside every term.
fn refine<T: SetOps>(base: T, terms: &[T]) -> Vec<T> {
    let mut atoms = if base.nothing() { vec![] } else { vec![base] };
    for term in terms {
        let mut next = Vec::with_capacity(atoms.len());
        for atom in atoms {
            let inside = atom.meet(term);
            if inside.nothing() {
                next.push(atom);
                continue;
            }
            let outside = atom.minus(term);
            next.push(inside);
            if !outside.nothing() {
                next.push(outside);
            }
        }
        atoms = next;
    }
    atoms
}

struct AtomSummary {
    drops: Vec<Decision>,
    unknowns: Vec<String>,
    all_dropped: bool,
}

impl AtomSummary {
    fn new() -> Self {
        AtomSummary {
            drops: Vec::new(),
            unknowns: Vec::new(),
            all_dropped: true,
        }
    }

    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Drop(decision) => {
                if !self.drops.contains(&decision) {
                    self.drops.push(decision);
                }
                return;
            }
            Outcome::Unknown(reason) => {
                if !self.unknowns.contains(&reason) {
                    self.unknowns.push(reason);
                }
            }
            Outcome::Pass => {}
        }
        self.all_dropped = false;
    }
}

#[derive(Default)]
struct Accumulator {
    dropped: Vec<Dropped>,
    always: AddrSet,
    unevaluated: Vec<Unevaluated>,
}

impl Accumulator {
    fn add(&mut self, atom: &AddrSet, summary: AtomSummary) {
        for decision in summary.drops.iter() {
            match self.dropped.iter_mut().find(|d| d.decision == *decision) {
                Some(d) => d.clients = d.clients.union(atom),
                None => self.dropped.push(Dropped {
                    clients: atom.clone(),
                    decision: decision.clone(),
                }),
            }
        }
        if !summary.drops.is_empty() {
            if summary.all_dropped {
                self.always = self.always.union(atom);
            }
            return;
        }
        for reason in summary.unknowns {
            match self.unevaluated.iter_mut().find(|u| u.reason == reason) {
                Some(u) => u.clients = u.clients.union(atom),
                None => self.unevaluated.push(Unevaluated {
                    clients: atom.clone(),
                    reason,
                }),
            }
        }
    }

    fn finish(self, clients: &AddrSet, notes: Vec<String>) -> FirewallVerdict {
        let mut passed = clients.clone();
        for d in &self.dropped {
            passed = passed.difference(&d.clients);
        }
        for u in &self.unevaluated {
            passed = passed.difference(&u.clients);
        }
        FirewallVerdict {
            dropped: self.dropped,
            always_dropped: self.always,
            unevaluated: self.unevaluated,
            passed,
            notes,
        }
    }
}
