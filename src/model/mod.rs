//! The plain model of what was collected. It is also the snapshot format: `snapshot` writes
//! it as JSON and `audit --snapshot` reads it back, so every rule can be replayed offline.
//!
//! Nothing here knows an SDK type. Maps are `BTreeMap` so a snapshot serialises the same way
//! twice. Enumerations keep an `Unknown` variant: a value a newer API invents must not make
//! an old snapshot unreadable.

pub mod actions;
pub mod bpa;
pub mod firewall;
pub mod fleet;
pub mod lambda;
pub mod observe;
pub mod tls;
pub mod trust_store;
pub mod zonal_shift;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use tls::{Certificate, ListenerCertificate, SslPolicy};

/// Snapshot format version written by this build; bumped when the shape changes. Format 1
/// snapshots still load: every field added since has a default. Format 3 added what HTTPS
/// listeners present (security policies, certificates, host-header names).
pub const SNAPSHOT_FORMAT: u32 = 3;

/// Everything one audit run saw: the load balancers, their target groups, the network they
/// sit in, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Snapshot format version ([`SNAPSHOT_FORMAT`]).
    pub format: u32,
    /// The region the resources live in.
    pub region: String,
    /// The account it was read from through an assumed role (`--account`, `--organization`);
    /// `None` for the caller's own account, whose id the ALB ARNs carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// When it was collected (RFC 3339 UTC): certificate validity is judged at this moment, so
    /// a replayed snapshot gives the same verdict as the live run.
    #[serde(default)]
    pub collected_at: Option<String>,
    /// The audited Application Load Balancers.
    pub load_balancers: Vec<LoadBalancer>,
    /// Every target group a listener of an audited ALB forwards to, by ARN.
    #[serde(default)]
    pub target_groups: BTreeMap<String, TargetGroup>,
    /// The VPC resources on the paths.
    #[serde(default)]
    pub network: Network,
    /// Every certificate an HTTPS listener of an audited ALB presents, by ARN (IAM server
    /// certificates with their ARN and source only, as they are not read).
    #[serde(default)]
    pub certificates: BTreeMap<String, Certificate>,
    /// The security policies the HTTPS listeners use, by name.
    #[serde(default)]
    pub ssl_policies: BTreeMap<String, SslPolicy>,
    /// Active and recent ARC zonal shifts and autoshifts, by ALB ARN (ALBs without any are
    /// absent).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub zonal_shifts: BTreeMap<String, Vec<zonal_shift::ZonalShift>>,
    /// The trust stores that listeners in mutual-TLS `verify` mode name, by ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trust_stores: BTreeMap<String, trust_store::TrustStore>,
    /// The Lambda functions registered in Lambda target groups, by target id (ALB211).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lambda_functions: BTreeMap<String, lambda::LambdaFunction>,
    /// Data that could not be read, and why.
    #[serde(default)]
    pub gaps: Vec<Gap>,
    /// The ALBs' own metrics over the `--observe` window, when it was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<observe::Observation>,
}

/// A data set the collector reads with one kind of API call; rules name the ones they need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    /// elasticloadbalancing:DescribeLoadBalancers
    LoadBalancers,
    /// elasticloadbalancing:DescribeListeners
    Listeners,
    /// elasticloadbalancing:DescribeRules
    ListenerRules,
    /// elasticloadbalancing:DescribeTargetGroups
    TargetGroups,
    /// elasticloadbalancing:DescribeTargetHealth
    TargetHealth,
    /// elasticloadbalancing:DescribeTargetGroupAttributes
    TargetGroupAttributes,
    /// ec2:DescribeVpcs
    Vpcs,
    /// ec2:DescribeSubnets
    Subnets,
    /// ec2:DescribeRouteTables
    RouteTables,
    /// ec2:DescribeInternetGateways
    InternetGateways,
    /// ec2:DescribeVpnGateways
    VpnGateways,
    /// ec2:DescribeSecurityGroups
    SecurityGroups,
    /// ec2:GetManagedPrefixListEntries
    PrefixLists,
    /// ec2:DescribeNetworkAcls
    NetworkAcls,
    /// ec2:DescribeNetworkInterfaces
    NetworkInterfaces,
    /// ec2:DescribeInstances
    Instances,
    /// elasticloadbalancing:DescribeListenerCertificates
    ListenerCertificates,
    /// elasticloadbalancing:DescribeSSLPolicies
    SslPolicies,
    /// acm:DescribeCertificate
    Certificates,
    /// ec2:DescribeVpcEndpoints
    VpcEndpoints,
    /// network-firewall:ListFirewalls and DescribeFirewall
    Firewalls,
    /// network-firewall:DescribeFirewallPolicy
    FirewallPolicies,
    /// network-firewall:DescribeRuleGroup
    RuleGroups,
    /// ec2:DescribeTransitGatewayVpcAttachments
    TransitGatewayAttachments,
    /// ec2:DescribeVpcBlockPublicAccessOptions
    BlockPublicAccessOptions,
    /// ec2:DescribeVpcBlockPublicAccessExclusions
    BlockPublicAccessExclusions,
    /// ec2:DescribeNetworkInterfaces and ec2:DescribeInstances for the interfaces and instances
    /// that routes send traffic to (inspection appliances)
    Appliances,
    /// elasticloadbalancing:DescribeLoadBalancerAttributes
    LoadBalancerAttributes,
    /// cloudwatch:GetMetricData (`--observe`; never makes an audit incomplete)
    Metrics,
    /// arc-zonal-shift:GetManagedResource
    ZonalShifts,
    /// elasticloadbalancing:DescribeTrustStores, GetTrustStoreCaCertificatesBundle (and the
    /// bundle it points to), DescribeTrustStoreRevocations, GetTrustStoreRevocationContent
    TrustStores,
    /// elasticloadbalancing:DescribeTags, read when `--suppressions` match by tag and by
    /// `snapshot`; no rule needs it, only the suppressions' `tag` entries
    Tags,
    /// lambda:GetFunction (functions registered as targets)
    LambdaFunctions,
    /// lambda:GetPolicy (their resource-based policies)
    LambdaPolicies,
    /// lambda:GetFunctionConcurrency (their reserved concurrency)
    LambdaConcurrency,
    /// A value the snapshot names that this build does not know.
    #[serde(other)]
    Unknown,
}

/// One failed read: which data set, through which API, why, and for which ALB (`None`: all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// What is missing.
    pub dataset: Dataset,
    /// The API call that failed, as `service:Action`.
    pub api: String,
    /// The error code or a one-line description.
    pub error: String,
    /// The ALB whose data is missing, or `None` when it is missing for every ALB.
    #[serde(default)]
    pub load_balancer: Option<String>,
}

/// Whether clients reach the ALB from the internet or only from private networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Public addresses, reached through an internet gateway.
    InternetFacing,
    /// Private addresses, reached from the VPC or connected networks.
    Internal,
    /// A scheme this build does not know.
    #[serde(other)]
    Unknown,
}

/// Which address families the ALB's nodes answer on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IpAddressType {
    /// IPv4 only.
    Ipv4,
    /// IPv4 and IPv6.
    Dualstack,
    /// IPv6 public, IPv4 private only.
    DualstackWithoutPublicIpv4,
    /// A type this build does not know.
    #[serde(other)]
    Unknown,
}

/// One Application Load Balancer and its listeners.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// internet-facing or internal.
    pub scheme: Scheme,
    /// ipv4 or dualstack.
    pub ip_address_type: IpAddressType,
    /// The VPC it lives in.
    pub vpc_id: String,
    /// Its DNS name.
    #[serde(default)]
    pub dns_name: String,
    /// One enabled subnet per Availability Zone: each holds one ALB node.
    pub availability_zones: Vec<ZoneSubnet>,
    /// Its security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Its listeners, in port order.
    #[serde(default)]
    pub listeners: Vec<Listener>,
    /// Its tags, when the run read them (`--tag`, or a suppression by tag): what
    /// `--suppressions` entries with `tag = "KEY=VALUE"` match.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
    /// The attribute `routing.http2.enabled` (DescribeLoadBalancerAttributes); `None` when
    /// not read (AWS's default is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_enabled: Option<bool>,
}

impl LoadBalancer {
    /// The enabled zones, in node order: where its nodes are (rules compare targets' zones).
    pub fn zone_names(&self) -> Vec<&str> {
        self.availability_zones
            .iter()
            .map(|z| z.zone.as_str())
            .collect()
    }

    /// The ALB subnets, in node order: what its own route tables and ACLs serve.
    pub fn subnet_ids(&self) -> Vec<&str> {
        self.availability_zones
            .iter()
            .map(|z| z.subnet_id.as_str())
            .collect()
    }
}

/// An enabled Availability Zone and the ALB subnet in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ZoneSubnet {
    /// Zone name, e.g. us-east-1a.
    pub zone: String,
    /// The subnet the ALB node sits in.
    pub subnet_id: String,
}

/// A listener: the port clients connect to, and where its actions forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// Its ARN.
    pub arn: String,
    /// The port clients connect to.
    pub port: u16,
    /// HTTP or HTTPS.
    #[serde(default)]
    pub protocol: String,
    /// Every target group its default action or rules forward to.
    #[serde(default)]
    pub forwards: Vec<Forward>,
    /// HTTPS: the security policy's name (which TLS versions and ciphers clients may use).
    #[serde(default)]
    pub ssl_policy: Option<String>,
    /// HTTPS: the default certificate and the SNI certificate list, each ARN once.
    #[serde(default)]
    pub certificates: Vec<ListenerCertificate>,
    /// The host-header values (`Values`, which may hold `*` and `?`) of the rules that
    /// forward, each once: the host names clients use, which the certificates must cover.
    #[serde(default)]
    pub host_headers: Vec<String>,
    /// The host-header regular expressions (`RegexValues`) of the rules that forward: kept so
    /// that what cannot be checked against certificates is said, not passed.
    #[serde(default)]
    pub host_header_regexes: Vec<String>,
    /// The default action and every rule with its conditions and actions, in the order read
    /// (empty in snapshots older than this field: every forward then counts as reachable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<actions::ListenerRule>,
    /// HTTPS: `MutualAuthentication`, when the listener reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_authentication: Option<trust_store::MutualAuthentication>,
}

impl Listener {
    /// Whether clients speak TLS to it (protocol `HTTPS`): only then do certificates and a
    /// security policy apply.
    pub fn is_https(&self) -> bool {
        self.protocol.eq_ignore_ascii_case("HTTPS")
    }
}

/// One way a listener sends requests to a target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// The target group ARN.
    pub target_group_arn: String,
    /// `default` or the rule's priority.
    pub via: String,
    /// The weight in a weighted forward, if any.
    #[serde(default)]
    pub weight: Option<i32>,
}

/// What a target group's targets are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    /// EC2 instances, addressed by their primary private IP.
    Instance,
    /// IP addresses, in the VPC or reached through it.
    Ip,
    /// Lambda functions: no network path to check.
    Lambda,
    /// Another ALB.
    Alb,
    /// A type this build does not know.
    #[serde(other)]
    Unknown,
}

/// A target group and its registered targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// instance, ip, lambda or alb.
    pub target_type: TargetType,
    /// The traffic protocol (HTTP, HTTPS), if any.
    #[serde(default)]
    pub protocol: Option<String>,
    /// `HTTP1`, `HTTP2` or `GRPC` (HTTP/HTTPS groups), if said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// The traffic port, if any (Lambda groups have none).
    #[serde(default)]
    pub port: Option<u16>,
    /// The VPC, if any.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// `traffic-port` or a port number.
    #[serde(default = "traffic_port")]
    pub health_check_port: String,
    /// Whether health checks run; `None` when not said (the API's default: on, except Lambda).
    #[serde(default)]
    pub health_check_enabled: Option<bool>,
    /// The address family the ALB uses to reach the targets.
    #[serde(default)]
    pub ip_address_type: TargetIpAddressType,
    /// `load_balancing.cross_zone.enabled`: `Some(false)` when the group turns cross-zone load
    /// balancing off; `None` when it inherits the ALB's (always on for an ALB).
    #[serde(default)]
    pub cross_zone_enabled: Option<bool>,
    /// `target_group_health.dns_failover.minimum_healthy_targets.count`: `off` or a number;
    /// `None` for the default (1).
    #[serde(default)]
    pub dns_failover_minimum_healthy_targets: Option<String>,
    /// Registered targets.
    #[serde(default)]
    pub targets: Vec<Target>,
}

/// The address family an ALB speaks to a target group's targets in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetIpAddressType {
    /// IPv4 (the API's default).
    #[default]
    Ipv4,
    /// IPv6.
    Ipv6,
    /// A type this build does not know.
    #[serde(other)]
    Unknown,
}

fn traffic_port() -> String {
    "traffic-port".to_string()
}

/// A registered target and its health as the ALB sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Instance id, IP address or Lambda ARN.
    pub id: String,
    /// The port, when it overrides the group's.
    #[serde(default)]
    pub port: Option<u16>,
    /// The registered zone: `all` for IP targets outside the VPC.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Health state: healthy, unhealthy, initial, unused, draining, unavailable.
    #[serde(default)]
    pub state: Option<String>,
    /// Health reason code, e.g. Target.Timeout.
    #[serde(default)]
    pub reason: Option<String>,
    /// Health description.
    #[serde(default)]
    pub description: Option<String>,
}

/// The VPC resources on the paths, by id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// VPCs and their CIDR blocks.
    #[serde(default)]
    pub vpcs: BTreeMap<String, Vpc>,
    /// Subnets.
    #[serde(default)]
    pub subnets: BTreeMap<String, Subnet>,
    /// Route tables.
    #[serde(default)]
    pub route_tables: BTreeMap<String, RouteTable>,
    /// Internet gateways.
    #[serde(default)]
    pub internet_gateways: BTreeMap<String, Gateway>,
    /// Virtual private gateways (VPN / Direct Connect).
    #[serde(default)]
    pub vpn_gateways: BTreeMap<String, Gateway>,
    /// Security groups.
    #[serde(default)]
    pub security_groups: BTreeMap<String, SecurityGroup>,
    /// Managed prefix lists referenced by security groups or routes.
    #[serde(default)]
    pub prefix_lists: BTreeMap<String, PrefixList>,
    /// Network ACLs.
    #[serde(default)]
    pub network_acls: BTreeMap<String, NetworkAcl>,
    /// The ALBs' network interfaces and those behind IP targets.
    #[serde(default)]
    pub network_interfaces: BTreeMap<String, NetworkInterface>,
    /// Instances behind instance targets.
    #[serde(default)]
    pub instances: BTreeMap<String, Instance>,
    /// The VPCs' endpoints: gateway endpoints (S3, DynamoDB) and the Gateway Load Balancer or
    /// Network Firewall endpoints that inspection routes send traffic to.
    #[serde(default)]
    pub vpc_endpoints: BTreeMap<String, VpcEndpoint>,
    /// AWS Network Firewalls of the VPCs (and of inspection VPCs behind a transit gateway), by
    /// ARN.
    #[serde(default)]
    pub firewalls: BTreeMap<String, firewall::Firewall>,
    /// Their policies, by ARN.
    #[serde(default)]
    pub firewall_policies: BTreeMap<String, firewall::FirewallPolicy>,
    /// The rule groups the policies reference, by ARN.
    #[serde(default)]
    pub rule_groups: BTreeMap<String, firewall::RuleGroup>,
    /// VPC attachments of the transit gateways the ALB subnets route through, by id.
    #[serde(default)]
    pub transit_gateway_attachments: BTreeMap<String, TransitGatewayAttachment>,
    /// The account's VPC Block Public Access mode and exclusions in the region.
    #[serde(default)]
    pub block_public_access: bpa::BlockPublicAccess,
}

/// A VPC endpoint: where a `vpce-` route target leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    /// Its id.
    pub id: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: String,
    /// Gateway (S3, DynamoDB), Interface or GatewayLoadBalancer.
    #[serde(default)]
    pub kind: VpcEndpointKind,
    /// The service it connects to.
    #[serde(default)]
    pub service_name: String,
    /// `available` when it forwards traffic; `pending`, `deleting`, `failed`… otherwise.
    #[serde(default)]
    pub state: String,
    /// The subnets it sits in (one for a Gateway Load Balancer endpoint).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
}

/// What kind of VPC endpoint, which decides what a route to it means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum VpcEndpointKind {
    /// A gateway endpoint: its prefix list's service addresses, never clients.
    Gateway,
    /// An interface endpoint (PrivateLink): not a route target.
    Interface,
    /// A Gateway Load Balancer endpoint: an inspection appliance in the path.
    GatewayLoadBalancer,
    /// A kind this build does not know, or not read.
    #[default]
    #[serde(other)]
    Unknown,
}

/// A VPC attachment of a transit gateway and whether it keeps flows symmetric.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitGatewayAttachment {
    /// Its id (`tgw-attach-…`).
    pub id: String,
    /// The transit gateway.
    pub transit_gateway_id: String,
    /// The attached VPC.
    pub vpc_id: String,
    /// Appliance mode (`ApplianceModeSupport: enable`): both directions of a flow use the
    /// same zone's attachment, which stateful inspection in that VPC needs.
    #[serde(default)]
    pub appliance_mode: bool,
    /// Its state (`available`, …).
    #[serde(default)]
    pub state: String,
}

/// A VPC and the address blocks that its `local` route covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vpc {
    /// Its id.
    pub id: String,
    /// Associated IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<IpNet>,
    /// Its VPC Block Public Access mode (`BlockPublicAccessStates`), when AWS said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_public_access: Option<bpa::BlockMode>,
}

/// A subnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// Its id.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its zone.
    pub availability_zone: String,
    /// Its zone's id (`use1-az1`): zonal shifts name zones by id, which differ from names
    /// across accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_id: Option<String>,
    /// Its IPv4 and IPv6 CIDR blocks.
    pub cidrs: Vec<IpNet>,
    /// Its VPC Block Public Access mode (`BlockPublicAccessStates`), when AWS said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_public_access: Option<bpa::BlockMode>,
    /// `AvailableIpAddressCount`: free IPv4 addresses, which an ALB node needs to scale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_ip_addresses: Option<u32>,
}

/// Whether a route forwards or drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    /// Forwards.
    Active,
    /// Drops: its target is gone.
    Blackhole,
    /// A state this build does not know.
    #[serde(other)]
    Unknown,
}

/// A route table with the subnets that use it explicitly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTable {
    /// Its id.
    pub id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Whether it is the VPC's main table (used by subnets without an explicit association).
    #[serde(default)]
    pub main: bool,
    /// Subnets explicitly associated.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Gateways associated with it (edge associations): it routes what enters the VPC through
    /// them, e.g. an internet gateway's traffic to an inspection endpoint.
    #[serde(default)]
    pub gateway_ids: Vec<String>,
    /// Its routes.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// A route: a destination (CIDR or prefix list) and a target id (`local`, `igw-…`, `nat-…`…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Destination CIDR block, IPv4 or IPv6.
    #[serde(default)]
    pub destination: Option<IpNet>,
    /// Destination prefix list, when the route has one instead of a CIDR.
    #[serde(default)]
    pub destination_prefix_list: Option<String>,
    /// The target: `local`, a gateway, NAT gateway, interface, instance or peering id.
    pub target: String,
    /// active or blackhole.
    pub state: RouteState,
    /// How the route got there, which decides ties between equal prefixes.
    #[serde(default)]
    pub origin: RouteOrigin,
}

/// How a route was created (the API's `Origin`): AWS prefers static routes over propagated
/// ones of the same prefix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteOrigin {
    /// The table's own `local` routes.
    CreateRouteTable,
    /// A static route.
    CreateRoute,
    /// Propagated from a virtual private gateway (VPN / Direct Connect).
    EnableVgwRoutePropagation,
    /// Not recorded (format 1 snapshots) or a value this build does not know: treated as static.
    #[default]
    #[serde(other)]
    Unknown,
}

/// An internet or virtual private gateway and the VPCs it is attached to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gateway {
    /// Its id.
    pub id: String,
    /// VPCs it is attached to (state `attached` / `available`).
    #[serde(default)]
    pub attached_vpcs: Vec<String>,
}

/// A security group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: String,
    /// Inbound rules.
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    /// Outbound rules.
    #[serde(default)]
    pub egress: Vec<SgRule>,
}

/// One security group permission: a protocol and port range, and the peers it allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SgRule {
    /// `-1` (all), `tcp`, `udp`, `icmp` or a protocol number.
    pub protocol: String,
    /// First port (absent or -1 for all).
    #[serde(default)]
    pub from_port: Option<i32>,
    /// Last port (absent or -1 for all).
    #[serde(default)]
    pub to_port: Option<i32>,
    /// IPv4 and IPv6 CIDR peers.
    #[serde(default)]
    pub cidrs: Vec<IpNet>,
    /// Prefix list peers.
    #[serde(default)]
    pub prefix_lists: Vec<String>,
    /// Security group peers: members of these groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A managed prefix list's entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixList {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its CIDR entries.
    #[serde(default)]
    pub cidrs: Vec<IpNet>,
}

/// A network ACL and the subnets it guards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAcl {
    /// Its id.
    pub id: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: String,
    /// Whether it is the VPC's default ACL.
    #[serde(default)]
    pub default: bool,
    /// Associated subnets.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Its entries, both directions, as listed.
    #[serde(default)]
    pub entries: Vec<AclEntry>,
    /// Entries the API listed without a rule number or a CIDR block that parses: a dropped
    /// deny would be a false pass, so the ACL's checks are `not_evaluated` while any remain.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unreadable_entries: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One network ACL entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclEntry {
    /// Evaluation order, lowest first; 32767 is the final `*` entry.
    pub rule_number: i32,
    /// Outbound when true.
    pub egress: bool,
    /// `-1` (all) or a protocol number such as `6`.
    pub protocol: String,
    /// allow when true, deny when false.
    pub allow: bool,
    /// The IPv4 or IPv6 CIDR it matches.
    pub cidr: IpNet,
    /// First port (TCP/UDP), absent for all.
    #[serde(default)]
    pub from_port: Option<i32>,
    /// Last port (TCP/UDP), absent for all.
    #[serde(default)]
    pub to_port: Option<i32>,
}

/// A network interface: an ALB node or the interface behind an IP target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterface {
    /// Its id.
    pub id: String,
    /// Its description (`ELB app/NAME/ID` for ALB nodes).
    #[serde(default)]
    pub description: String,
    /// Its subnet.
    pub subnet_id: String,
    /// Its zone.
    #[serde(default)]
    pub availability_zone: String,
    /// Private IPv4 and IPv6 addresses.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// Public IPv4 addresses associated with it: what internet clients connect to.
    #[serde(default)]
    pub public_addresses: Vec<IpAddr>,
    /// Its security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// `SourceDestCheck`: an appliance forwards traffic addressed to others only when off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_dest_check: Option<bool>,
    /// The instance it is attached to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// `RequesterManaged`: an AWS service created it for you (ELB for an ALB's nodes). Absent
    /// from snapshots written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_managed: Option<bool>,
    /// `RequesterId`: who created it (`amazon-elb` for an ALB's nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
}

impl NetworkInterface {
    /// Whether Elastic Load Balancing manages this interface, as the API says: requester-managed
    /// with requester `amazon-elb`. Anyone in the account can create an interface described
    /// `ELB app/NAME/ID`; only ELB's own are the ALB's nodes. `None` when the snapshot does not
    /// record it (written by an older alb-audit).
    /// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html>
    pub fn managed_by_elb(&self) -> Option<bool> {
        match (self.requester_managed, self.requester_id.as_deref()) {
            (None, None) => None,
            (Some(true), Some(ELB_REQUESTER)) => Some(true),
            _ => Some(false),
        }
    }
}

/// The `RequesterId` of the interfaces Elastic Load Balancing creates for its nodes.
pub const ELB_REQUESTER: &str = "amazon-elb";

/// An EC2 instance behind an instance target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Its id.
    pub id: String,
    /// pending, running, stopping, stopped, shutting-down or terminated.
    pub state: String,
    /// Its primary subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Its zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Its primary private IPv4 address: where the ALB sends traffic.
    #[serde(default)]
    pub private_ip: Option<IpAddr>,
    /// Security groups of its primary interface.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// `SourceDestCheck` of its primary interface: off for an appliance that forwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_dest_check: Option<bool>,
}

impl Snapshot {
    /// The gaps that hide `dataset` for the ALB `arn`.
    pub fn gaps_for<'a>(
        &'a self,
        arn: &'a str,
        dataset: Dataset,
    ) -> impl Iterator<Item = &'a Gap> + 'a {
        self.gaps.iter().filter(move |g| {
            g.dataset == dataset && g.load_balancer.as_deref().is_none_or(|lb| lb == arn)
        })
    }
}

#[cfg(test)]
mod managed_by_elb_tests {
    use super::NetworkInterface;

    fn eni(managed: Option<bool>, requester: Option<&str>) -> NetworkInterface {
        serde_json::from_value(serde_json::json!({
            "id": "eni-1", "subnet_id": "subnet-1",
            "requester_managed": managed, "requester_id": requester,
        }))
        .unwrap()
    }

    /// Only ELB's own interfaces are ELB-managed: another service's (requester-managed by
    /// someone else) and a member's are not; a snapshot that records neither field is unknown.
    #[test]
    fn only_requester_amazon_elb_is_elb() {
        assert_eq!(
            eni(Some(true), Some("amazon-elb")).managed_by_elb(),
            Some(true)
        );
        assert_eq!(
            eni(Some(true), Some("amazon-rds")).managed_by_elb(),
            Some(false)
        );
        assert_eq!(eni(Some(true), None).managed_by_elb(), Some(false));
        assert_eq!(
            eni(Some(false), Some("amazon-elb")).managed_by_elb(),
            Some(false)
        );
        assert_eq!(eni(Some(false), None).managed_by_elb(), Some(false));
        assert_eq!(eni(None, None).managed_by_elb(), None);
    }
}
