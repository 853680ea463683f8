//! AWS Network Firewall as its Describe APIs return it: the firewall and its zonal endpoints
//! (DescribeFirewall), the firewall policy (DescribeFirewallPolicy) and the rule groups the
//! policy references (DescribeRuleGroup). `net::firewall` decides from these what the firewall
//! does to client -> ALB traffic.
//!
//! The shapes follow the API reference
//! (<https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_Types.html>) with
//! field names in snake case. Addresses, ports and Suricata variables stay the strings the API
//! returns: the evaluator parses them exactly and reports a value it cannot read as not
//! evaluated, instead of the collector dropping it silently. Enumerations keep the API's
//! spelling and an `Unknown` variant, so a value from a newer API still loads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A firewall: the VPC and subnets its endpoints sit in and the policy they all enforce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firewall {
    /// Its ARN: the resource a finding about its rules names.
    pub arn: String,
    /// Its name, for messages.
    pub name: String,
    /// The VPC whose CIDR blocks are `HOME_NET` unless the policy overrides it.
    pub vpc_id: String,
    /// The firewall policy every endpoint of the firewall enforces.
    pub policy_arn: String,
    /// The subnets that hold an endpoint (SubnetMappings), one per zone.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Whether the firewall is provisioned (FirewallStatus.Status).
    #[serde(default)]
    pub status: FirewallStatusValue,
    /// Whether every endpoint runs the current policy (ConfigurationSyncStateSummary).
    #[serde(default)]
    pub configuration_sync: ConfigurationSyncState,
    /// One endpoint per zone (FirewallStatus.SyncStates), in zone order: what an edge or
    /// subnet route's `vpce-` target reaches.
    #[serde(default)]
    pub endpoints: Vec<FirewallEndpoint>,
}

/// The provisioning state of the whole firewall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FirewallStatusValue {
    /// Being created.
    Provisioning,
    /// Being deleted.
    Deleting,
    /// Creation or an update failed.
    Failed,
    /// Filtering traffic.
    Ready,
    /// A value this build does not know, or none was returned.
    #[default]
    #[serde(other)]
    Unknown,
}

/// Whether the firewall's endpoints run the latest policy and rule groups.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigurationSyncState {
    /// Every endpoint runs the current configuration.
    InSync,
    /// An update is still propagating: endpoints may enforce an older policy.
    Pending,
    /// The policy exceeds the firewall's capacity and is not fully applied.
    CapacityConstrained,
    /// A value this build does not know, or none was returned.
    #[default]
    #[serde(other)]
    Unknown,
}

/// The firewall endpoint of one Availability Zone (SyncState.Attachment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallEndpoint {
    /// The zone it serves; routes in that zone send traffic to it.
    pub availability_zone: String,
    /// The firewall subnet it sits in.
    pub subnet_id: String,
    /// Its VPC endpoint id (`vpce-…`), the target routes name; absent while it is created.
    #[serde(default)]
    pub endpoint_id: Option<String>,
    /// Whether it forwards traffic.
    #[serde(default)]
    pub status: EndpointStatus,
    /// Why it is not ready, when AWS says.
    #[serde(default)]
    pub status_message: Option<String>,
}

/// The state of one zonal endpoint (AttachmentStatus).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndpointStatus {
    /// Being created: traffic routed to it is not yet filtered or forwarded.
    Creating,
    /// Being deleted.
    Deleting,
    /// Adding or removing capacity; still forwarding.
    Scaling,
    /// Forwarding traffic.
    Ready,
    /// Creation failed.
    Failed,
    /// In an error state.
    Error,
    /// A value this build does not know, or none was returned.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A firewall policy: the stateless stage, then the stateful stage for what it forwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallPolicy {
    /// Its ARN.
    pub arn: String,
    /// Its name, for messages.
    pub name: String,
    /// What happens to a full packet no stateless rule matches: `aws:pass`, `aws:drop` or
    /// `aws:forward_to_sfe`, plus custom action names.
    #[serde(default)]
    pub stateless_default_actions: Vec<String>,
    /// The same for UDP fragments (other fragments are always dropped).
    #[serde(default)]
    pub stateless_fragment_default_actions: Vec<String>,
    /// Custom actions the default actions may name; they only publish metrics.
    #[serde(default)]
    pub stateless_custom_actions: Vec<CustomAction>,
    /// Stateless rule groups, evaluated in ascending priority.
    #[serde(default)]
    pub stateless_rule_groups: Vec<StatelessGroupRef>,
    /// Stateful rule groups (priority only under strict order).
    #[serde(default)]
    pub stateful_rule_groups: Vec<StatefulGroupRef>,
    /// Under strict order, what happens to a packet no stateful rule decides:
    /// `aws:drop_strict`, `aws:drop_established`, `aws:alert_strict`, `aws:alert_established`.
    #[serde(default)]
    pub stateful_default_actions: Vec<String>,
    /// How the stateful engine orders rules and handles broken streams.
    #[serde(default)]
    pub stateful_engine: StatefulEngine,
    /// Policy variables: only `HOME_NET` (a list of CIDRs), overriding the VPC's CIDRs.
    #[serde(default)]
    pub policy_variables: BTreeMap<String, Vec<String>>,
    /// A TLS inspection configuration: TLS flows in its scope are decrypted and inspected.
    #[serde(default)]
    pub tls_inspection_configuration_arn: Option<String>,
}

/// A stateless rule group in a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatelessGroupRef {
    /// The rule group ARN.
    pub arn: String,
    /// Its position: lower numbers are evaluated first.
    pub priority: i32,
}

/// A stateful rule group in a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatefulGroupRef {
    /// The rule group ARN.
    pub arn: String,
    /// Its position under strict order: lower numbers are evaluated first.
    #[serde(default)]
    pub priority: Option<i32>,
    /// An override of the group's actions (managed groups only).
    #[serde(default)]
    pub override_action: Option<OverrideAction>,
}

/// How a policy overrides a managed rule group's actions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OverrideAction {
    /// The group's drop rules only alert.
    DropToAlert,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// The stateful engine's options (StatefulEngineOptions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatefulEngine {
    /// Action order (the default) or strict order.
    #[serde(default)]
    pub rule_order: RuleOrder,
    /// What the engine does with a connection it sees break midstream.
    #[serde(default)]
    pub stream_exception_policy: Option<StreamExceptionPolicy>,
}

/// How the stateful engine orders rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleOrder {
    /// Pass rules first, then drop, reject, alert; what matches nothing passes. The API's
    /// default when the policy does not say.
    #[default]
    DefaultActionOrder,
    /// Groups by priority, rules as written; the policy's default actions for the rest.
    StrictOrder,
    /// A value this build does not know.
    #[serde(other)]
    Unknown,
}

/// What the stateful engine does after a connection breaks midstream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamExceptionPolicy {
    /// Drop the rest of the connection (the default).
    Drop,
    /// Keep applying rules without the earlier context.
    Continue,
    /// Drop and send a TCP reset.
    Reject,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A named custom action a stateless rule or default may add to its standard action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAction {
    /// The name rules refer to.
    pub name: String,
    /// Whether it publishes a CloudWatch metric, the only custom action the API defines; one
    /// that does anything else cannot be evaluated.
    #[serde(default)]
    pub publishes_metric: bool,
}

/// A rule group with its rules and variables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleGroup {
    /// Its ARN, as the policy references it.
    pub arn: String,
    /// Its name, for messages.
    pub name: String,
    /// Stateless or stateful.
    pub kind: RuleGroupKind,
    /// Suricata variables the group's stateful rules use (`$NAME`).
    #[serde(default)]
    pub variables: RuleVariables,
    /// IP set references (`@NAME`) to prefix lists or resource groups, by name: ARN.
    #[serde(default)]
    pub ip_set_references: BTreeMap<String, String>,
    /// The rules.
    pub source: RulesSource,
    /// The group's stateful rule order; it must match the policy's.
    #[serde(default)]
    pub rule_order: Option<RuleOrder>,
}

/// Which engine a rule group is for (RuleGroupResponse.Type).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleGroupKind {
    /// Per-packet rules.
    Stateless,
    /// Flow rules for the Suricata engine.
    Stateful,
    /// A stateful domain list group.
    StatefulDomain,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A stateful group's variables (RuleVariables).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleVariables {
    /// IP set variables by name: CIDR definitions.
    #[serde(default)]
    pub ip_sets: BTreeMap<String, Vec<String>>,
    /// Port set variables by name: port or range definitions.
    #[serde(default)]
    pub port_sets: BTreeMap<String, Vec<String>>,
}

/// The rules of a group: exactly one of the API's RulesSource members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RulesSource {
    /// Stateless rules (StatelessRulesAndCustomActions).
    StatelessRules {
        /// The rules; each has a priority.
        #[serde(default)]
        rules: Vec<StatelessRule>,
        /// Custom actions the rules may name.
        #[serde(default)]
        custom_actions: Vec<CustomAction>,
    },
    /// Standard 5-tuple stateful rules (StatefulRules), in evaluation order.
    StatefulRules {
        /// The rules.
        #[serde(default)]
        rules: Vec<StatefulRule>,
    },
    /// A domain list (RulesSourceList) from which Network Firewall generates rules.
    DomainList(DomainList),
    /// Rules in Suricata syntax (RulesString), kept as text and not evaluated.
    RulesString {
        /// The rules text.
        #[serde(default)]
        rules: String,
    },
    /// No source, or one this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// One stateless rule (StatelessRule with its RuleDefinition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatelessRule {
    /// Its position in the group: lower numbers are evaluated first.
    pub priority: i32,
    /// What a packet must match.
    #[serde(default)]
    pub match_attributes: MatchAttributes,
    /// The standard action (`aws:pass`, `aws:drop`, `aws:forward_to_sfe`) plus custom actions.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// A stateless rule's criteria; an empty list matches anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchAttributes {
    /// Source CIDRs.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Destination CIDRs.
    #[serde(default)]
    pub destinations: Vec<String>,
    /// Source port ranges (TCP and UDP only).
    #[serde(default)]
    pub source_ports: Vec<PortRange>,
    /// Destination port ranges (TCP and UDP only).
    #[serde(default)]
    pub destination_ports: Vec<PortRange>,
    /// IANA protocol numbers.
    #[serde(default)]
    pub protocols: Vec<i32>,
    /// TCP flag conditions (TCP only).
    #[serde(default)]
    pub tcp_flags: Vec<TcpFlagField>,
}

/// An inclusive port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    /// First port.
    pub from: i32,
    /// Last port.
    pub to: i32,
}

/// A TCP flag condition: of the `masks` flags (all eight when empty), those in `flags` must
/// be set and the others clear.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpFlagField {
    /// Flags that must be set.
    #[serde(default)]
    pub flags: Vec<TcpFlag>,
    /// Flags to inspect.
    #[serde(default)]
    pub masks: Vec<TcpFlag>,
}

/// A TCP header flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TcpFlag {
    /// FIN.
    Fin,
    /// SYN.
    Syn,
    /// RST.
    Rst,
    /// PSH.
    Psh,
    /// ACK.
    Ack,
    /// URG.
    Urg,
    /// ECE.
    Ece,
    /// CWR.
    Cwr,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A standard stateful rule: an action and a Suricata header, plus options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatefulRule {
    /// What a matching flow gets.
    pub action: StatefulAction,
    /// Protocol, addresses, ports and direction.
    pub header: Header,
    /// Suricata options (`sid`, `msg`, `flow`…).
    #[serde(default)]
    pub options: Vec<RuleOption>,
}

/// A stateful rule's action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatefulAction {
    /// Let the flow through and stop inspecting it.
    Pass,
    /// Drop the flow.
    Drop,
    /// Drop the flow and reset the TCP connection.
    Reject,
    /// Only log.
    Alert,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A stateful rule's header: `protocol source source_port -> destination destination_port`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The protocol keyword.
    pub protocol: StatefulProtocol,
    /// `ANY`, a CIDR, `$VARIABLE`, or a Suricata list.
    pub source: String,
    /// `ANY`, a port, a range `a:b`, `$VARIABLE`, or a Suricata list.
    pub source_port: String,
    /// FORWARD (as written) or ANY (both ways).
    pub direction: StatefulDirection,
    /// Like `source`.
    pub destination: String,
    /// Like `source_port`.
    pub destination_port: String,
}

/// A stateful rule's protocol keyword.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatefulProtocol {
    /// Every IP packet.
    Ip,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP.
    Icmp,
    /// HTTP/1 (detected by content, on any port).
    Http,
    /// HTTP/2.
    Http2,
    /// TLS.
    Tls,
    /// FTP.
    Ftp,
    /// SMB.
    Smb,
    /// DNS.
    Dns,
    /// DCERPC.
    Dcerpc,
    /// SSH.
    Ssh,
    /// SMTP.
    Smtp,
    /// IMAP.
    Imap,
    /// MSN.
    Msn,
    /// Kerberos 5.
    Krb5,
    /// IKEv2.
    Ikev2,
    /// TFTP.
    Tftp,
    /// NTP.
    Ntp,
    /// DHCP.
    Dhcp,
    /// QUIC.
    Quic,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// Which way a stateful rule's header matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatefulDirection {
    /// Only source -> destination as written (`->`).
    Forward,
    /// Both ways (`<>`).
    Any,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A Suricata rule option: `keyword:settings;`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOption {
    /// The keyword, e.g. `sid`.
    pub keyword: String,
    /// Its settings, e.g. `["100"]`.
    #[serde(default)]
    pub settings: Vec<String>,
}

/// A domain list (RulesSourceList).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainList {
    /// Domains: `www.example.com` exactly, `.example.com` for the domain and its subdomains.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Which names are inspected: TLS SNI, HTTP Host.
    #[serde(default)]
    pub target_types: Vec<DomainTargetType>,
    /// Allow only the list, or deny, reject or alert on it.
    #[serde(default)]
    pub generated_rules_type: GeneratedRulesType,
}

/// Which name a domain list inspects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DomainTargetType {
    /// The TLS ClientHello's server name.
    TlsSni,
    /// The HTTP Host header.
    HttpHost,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

/// What a domain list does with the names it lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GeneratedRulesType {
    /// Pass listed names; drop the protocol's other traffic.
    Allowlist,
    /// Drop listed names.
    Denylist,
    /// Reject listed names.
    Rejectlist,
    /// Alert on listed names.
    Alertlist,
    /// A value this build does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_spellings_and_unknown_values_load() {
        let group: RuleGroup = serde_json::from_str(
            r#"{"arn": "arn:g", "name": "g", "kind": "STATEFUL",
                "source": {"type": "domain_list", "targets": [".example.com"],
                           "target_types": ["TLS_SNI", "SOMETHING_NEW"],
                           "generated_rules_type": "ALLOWLIST"},
                "rule_order": "STRICT_ORDER"}"#,
        )
        .expect("loads");
        assert_eq!(group.rule_order, Some(RuleOrder::StrictOrder));
        assert_eq!(
            group.source,
            RulesSource::DomainList(DomainList {
                targets: vec![".example.com".into()],
                target_types: vec![DomainTargetType::TlsSni, DomainTargetType::Unknown],
                generated_rules_type: GeneratedRulesType::Allowlist,
            })
        );
        let newer: RuleGroup = serde_json::from_str(
            r#"{"arn": "arn:g", "name": "g", "kind": "PROXY", "source": {"type": "proxy_rules"}}"#,
        )
        .expect("a newer source and kind still load");
        assert_eq!(newer.kind, RuleGroupKind::Unknown);
        assert_eq!(newer.source, RulesSource::Unknown);
        let policy: FirewallPolicy =
            serde_json::from_str(r#"{"arn": "arn:p", "name": "p"}"#).expect("loads");
        assert_eq!(
            policy.stateful_engine.rule_order,
            RuleOrder::DefaultActionOrder
        );
        assert!(policy.stateless_default_actions.is_empty());
        let back: FirewallPolicy =
            serde_json::from_str(&serde_json::to_string(&policy).expect("serialises"))
                .expect("round trips");
        assert_eq!(back, policy);
    }
}
