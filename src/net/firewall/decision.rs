//! The vocabulary of a verdict: the packets of the judged connection and the decision that
//! drops one of them.

use std::fmt;

/// One packet of the judged connection, in the order it crosses the firewall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Packet {
    /// SYN, client -> server.
    Syn,
    /// SYN+ACK, server -> client.
    SynAck,
    /// The ACK completing the handshake, client -> server.
    HandshakeAck,
    /// The request (TLS ClientHello or HTTP request), ACK+PSH, client -> server.
    Request,
    /// The server's ACK of the request, server -> client.
    RequestAck,
    /// The response, ACK+PSH, server -> client.
    Response,
    /// The client's ACK of the response, client -> server.
    ResponseAck,
    /// FIN+ACK, client -> server.
    ClientFin,
    /// FIN+ACK, server -> client.
    ServerFin,
}

pub(super) const FIN: u8 = 0x01;
pub(super) const SYN: u8 = 0x02;
pub(super) const RST: u8 = 0x04;
pub(super) const PSH: u8 = 0x08;
pub(super) const ACK: u8 = 0x10;
pub(super) const URG: u8 = 0x20;
pub(super) const ECE: u8 = 0x40;
pub(super) const CWR: u8 = 0x80;

impl Packet {
    /// Every packet of the connection, in order.
    pub const ALL: [Packet; 9] = [
        Packet::Syn,
        Packet::SynAck,
        Packet::HandshakeAck,
        Packet::Request,
        Packet::RequestAck,
        Packet::Response,
        Packet::ResponseAck,
        Packet::ClientFin,
        Packet::ServerFin,
    ];

    /// Whether the packet travels client -> server (else server -> client).
    pub fn to_server(self) -> bool {
        matches!(
            self,
            Packet::Syn
                | Packet::HandshakeAck
                | Packet::Request
                | Packet::ResponseAck
                | Packet::ClientFin
        )
    }

    /// The TCP flags it carries.
    pub(super) fn flags(self) -> u8 {
        match self {
            Packet::Syn => SYN,
            Packet::SynAck => SYN | ACK,
            Packet::HandshakeAck | Packet::RequestAck | Packet::ResponseAck => ACK,
            Packet::Request | Packet::Response => ACK | PSH,
            Packet::ClientFin | Packet::ServerFin => FIN | ACK,
        }
    }

    /// Whether it belongs to the three-way handshake, which `aws:drop_established` allows.
    pub(super) fn in_handshake(self) -> bool {
        matches!(self, Packet::Syn | Packet::SynAck | Packet::HandshakeAck)
    }

    fn name(self) -> &'static str {
        match self {
            Packet::Syn => "SYN",
            Packet::SynAck => "SYN+ACK",
            Packet::HandshakeAck => "handshake ACK",
            Packet::Request => "request",
            Packet::RequestAck => "ACK of the request",
            Packet::Response => "response",
            Packet::ResponseAck => "ACK of the response",
            Packet::ClientFin | Packet::ServerFin => "FIN+ACK",
        }
    }
}

impl fmt::Display for Packet {
    /// Renders the packet and its direction, e.g. `SYN+ACK server -> client`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let way = if self.to_server() {
            "client -> server"
        } else {
            "server -> client"
        };
        write!(f, "{} {way}", self.name())
    }
}

/// What stops a connection: the rule or default action, the packet it drops, and the host
/// name when a domain rule decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The rule or default action.
    pub by: DecidedBy,
    /// The first packet dropped.
    pub packet: Packet,
    /// The request's host name, for domain list decisions.
    pub host: Option<String>,
}

/// The part of the policy that drops a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// A stateless rule with `aws:drop`.
    StatelessRule {
        /// The rule group's ARN.
        group_arn: String,
        /// The rule group's name.
        group_name: String,
        /// The rule's priority within its group.
        priority: i32,
    },
    /// The policy's stateless default actions (`aws:drop`).
    StatelessDefault {
        /// The actions as configured.
        actions: Vec<String>,
    },
    /// A stateful rule with action DROP or REJECT.
    StatefulRule {
        /// The rule group's ARN.
        group_arn: String,
        /// The rule group's name.
        group_name: String,
        /// Which rule of the group.
        rule: StatefulRuleRef,
        /// Whether it rejects (sends a TCP reset) rather than silently drops.
        reject: bool,
    },
    /// The policy's stateful default action under strict order.
    StatefulDefault {
        /// `aws:drop_strict` or `aws:drop_established`.
        action: String,
    },
}

/// A rule within a stateful rule group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatefulRuleRef {
    /// A standard rule: its position in the group (from 1) and its `sid` option, if any.
    Standard {
        /// Position in the group's rule list, from 1.
        number: usize,
        /// The rule's `sid`.
        sid: Option<String>,
    },
    /// A domain list's rule for one listed domain.
    DomainTarget {
        /// The listed domain that matched.
        target: String,
    },
    /// An allowlist's rule that drops requests for names it does not list.
    DomainCatchAll,
}

impl fmt::Display for Decision {
    /// Renders the decision for a finding, e.g. "stateless rule group `edge` rule priority 10
    /// drops SYN client -> server".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.host.as_deref().unwrap_or("(no host name)");
        match &self.by {
            DecidedBy::StatelessRule {
                group_name,
                priority,
                ..
            } => write!(
                f,
                "stateless rule group `{group_name}` rule priority {priority} drops the {}",
                self.packet
            ),
            DecidedBy::StatelessDefault { actions } => write!(
                f,
                "the policy's stateless default action ({}) drops the {}",
                actions.join(", "),
                self.packet
            ),
            DecidedBy::StatefulRule {
                group_name,
                rule,
                reject,
                ..
            } => {
                let verb = if *reject { "rejects" } else { "drops" };
                match rule {
                    StatefulRuleRef::Standard { number, sid } => {
                        write!(f, "stateful rule group `{group_name}` rule {number}")?;
                        if let Some(sid) = sid {
                            write!(f, " (sid {sid})")?;
                        }
                        write!(f, " {verb} the {}", self.packet)
                    }
                    StatefulRuleRef::DomainTarget { target } => write!(
                        f,
                        "domain list `{group_name}` {verb} the {} for {host} (listed as {target})",
                        self.packet
                    ),
                    StatefulRuleRef::DomainCatchAll => write!(
                        f,
                        "domain list `{group_name}` allows only its listed domains and {verb} \
                         the {} for {host}",
                        self.packet
                    ),
                }
            }
            DecidedBy::StatefulDefault { action } => write!(
                f,
                "the policy's stateful default action {action} drops the {}",
                self.packet
            ),
        }
    }
}
