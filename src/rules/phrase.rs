//! Findings from judged analyses: the one place where a block of the frontend or a broken
//! backend component becomes a [`Finding`]. Messages, `change`, evidence and remediations come
//! from the typed [`Cause`]; severity and symptom were judged by the analysis. Rules only pick
//! which blocks they report and which resource the contract names for them.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::{Emitter, Rule};
use crate::analysis::backend::{Component, PathFinding, Placement, PortRole};
use crate::analysis::cause::{destination, Cause};
use crate::analysis::frontend::{Block, Hop};
use crate::analysis::shift::Away;
use crate::analysis::AlbContext;
use crate::finding::{Finding, Severity, Symptom};
use crate::model::{Dataset, Scheme};
use crate::net::addr_set::AddrSet;
use crate::net::render::{brief, entries_brief};
use crate::net::route::describe;

/// The frontend blocks at `hop`, as findings of `rule`, plus what could not be evaluated.
pub fn frontend_hop(
    ctx: &AlbContext,
    out: &mut Emitter,
    rule: &Rule,
    hop: Hop,
    keep: impl Fn(&Block) -> bool,
    resource: impl Fn(&Block) -> String,
) {
    let fe = ctx.frontend();
    for why in fe.unknown_at(hop) {
        out.not_evaluated(why);
    }
    for block in fe.at(hop).filter(|b| keep(b)) {
        out.emit(frontend(rule, ctx, block, resource(block)));
    }
}

/// One frontend block as a finding of `rule` about `resource`.
pub fn frontend(rule: &Rule, ctx: &AlbContext, block: &Block, resource: String) -> Finding {
    let fe = ctx.frontend();
    let scope = &ctx.scope;
    let cause = &block.parts[0].1;
    let clients = scope.describe(&block.blocked);
    let entries = scope.entries(&block.blocked);
    let node = block.node.map(|i| &fe.nodes[i]);
    let shifts = ctx.shifts();
    let blocked_nodes: Vec<usize> = fe
        .at(block.hop)
        .filter(|b| b.port == block.port)
        .filter_map(|b| b.node)
        .collect();
    let count = blocked_nodes.len();
    let away: Vec<&str> = shifts.away.iter().map(|a| a.zone).collect();
    // A zonal shift changes who reaches a node: none while it keeps the node out of DNS, and
    // every client of the nodes left in DNS otherwise.
    let where_ = |zone: &str| {
        match shifts.away_from(zone) {
        Some(a) => format!(
            "their connections to the ALB node in {zone} will time out once the zonal shift that keeps it out of DNS {} ends ({count} of {} nodes)",
            a.shift
                .expiry
                .as_deref()
                .map(|e| format!("until {e}"))
                .unwrap_or_else(|| "while the autoshift lasts".to_string()),
            ctx.node_count()
        ),
        None if !away.is_empty() => {
            let in_dns = ctx.node_count() - away.len();
            let share = if in_dns == 1 {
                "the only node in DNS".to_string()
            } else {
                format!(
                    "{} of the {in_dns} nodes in DNS",
                    blocked_nodes.iter().filter(|&&i| shifts.in_dns(i)).count()
                )
            };
            format!(
                "their connections to the ALB node in {zone} time out ({share}; a zonal shift keeps {} out)",
                away.join(", ")
            )
        }
        None => format!(
            "their connections to the ALB node in {zone} time out ({count} of {} nodes)",
            ctx.node_count()
        ),
    }
    };
    let internal = ctx.lb.scheme == Scheme::Internal;
    let via = if internal {
        "the VPN/Direct Connect gateway, transit gateway or peering connection the clients come through".to_string()
    } else {
        ctx.network()
            .internet_gateways
            .values()
            .find(|g| g.attached_vpcs.contains(&ctx.lb.vpc_id))
            .map(|g| g.id.clone())
            .unwrap_or_else(|| format!("an internet gateway attached to {}", ctx.lb.vpc_id))
    };
    let port = block.port.map(|p| p.to_string()).unwrap_or_default();
    let (message, remediation) = match (block.hop, node) {
        (Hop::SecurityGroups, _) => {
            // A note is a restriction that may well be meant: say who gets in, not an outage.
            let effect = if block.severity == Severity::Note {
                "only the clients it admits connect (the others time out at every node)"
            } else {
                "their connections time out at every node"
            };
            let mut m = format!(
                "No security group of the ALB ({}) admits {clients} on port {port}: {effect}.",
                ctx.lb.security_groups.join(", ")
            );
            if let Cause::SecurityGroups { allows, .. } = cause {
                if !allows.groups.is_empty() {
                    let refs: Vec<&str> = allows.groups.iter().map(String::as_str).collect();
                    m.push_str(&format!(
                        " Members of {} are admitted by group reference, which admits their private addresses only, never a client from outside the VPC.",
                        refs.join(", ")
                    ));
                }
            }
            (m, cause.remediation(&entries, &port, ""))
        }
        (Hop::AclRequest, Some(n)) => (
            format!(
                "Network ACL {} of {} ({}) drops TCP {port} from {clients}: {}.",
                cause.resource(),
                n.subnet_id,
                n.zone,
                where_(n.zone)
            ),
            cause.remediation(&entries, &port, ""),
        ),
        (Hop::AclResponse, Some(n)) if cause.drops_only_uncommon_ephemeral_ports() => (
            format!(
                "Network ACL {} of {} ({}) drops the responses to {clients} on ephemeral ports {}: Linux, macOS and current Windows clients pick ports above these and get through, but clients behind a NAT device (a NAT gateway uses 1024-65535) lose the connections whose port falls there, and older systems (1025-5000) all of them, at the ALB node in {}.",
                cause.resource(),
                n.subnet_id,
                n.zone,
                cause.denied_ports().unwrap_or_default(),
                n.zone
            ),
            cause.remediation(&entries, "1024-65535", ""),
        ),
        (Hop::AclResponse, Some(n)) => (
            format!(
                "Network ACL {} of {} ({}) drops the responses to {clients} on ephemeral ports {} (clients use any of 1024-65535): {}.",
                cause.resource(),
                n.subnet_id,
                n.zone,
                cause.denied_ports().unwrap_or_default(),
                where_(n.zone)
            ),
            cause.remediation(&entries, "1024-65535", ""),
        ),
        (Hop::Route, Some(n)) => {
            let what = match cause {
                Cause::NoRoute { .. } if internal => format!(
                    "has no route through a VPN/Direct Connect gateway, transit gateway or peering connection for {clients}"
                ),
                Cause::NoRoute { .. } => {
                    format!("has no route to an internet gateway for {clients}")
                }
                Cause::Route { route, why, .. } => format!(
                    "routes {} to {}, {why}: responses to {clients} never get back, so",
                    destination(route),
                    route.target
                ),
                other => other.clause(),
            };
            let mut fix = cause.remediation(&entries, "", &via);
            // Routes more specific than the clients' blocks keep them (longest prefix wins):
            // they move too, and alone when they cover the blocks whole.
            if let Some(table) = n.table {
                let nets = scope.entry_nets(&block.blocked);
                let inner: Vec<&crate::model::Route> = nets
                    .iter()
                    .flat_map(|d| super::fixes::in_the_way(table, d, &via))
                    .collect();
                let whole = AddrSet::from_nets(&nets)
                    .is_subset(&AddrSet::from_nets(inner.iter().filter_map(|r| r.destination.as_ref())));
                let many = inner.len() > 1;
                let listed = inner.iter().map(|r| describe(r)).collect::<Vec<_>>().join(", ");
                if !inner.is_empty() && whole {
                    fix = format!(
                        "In {}, point the route{} {listed} to {via}: {} all of {entries}.",
                        table.id,
                        if many { "s" } else { "" },
                        if many { "together they cover" } else { "it covers" },
                    );
                } else if !inner.is_empty() {
                    fix.push_str(&format!(
                        " The more specific route{} {listed} also catch{} them and win{} over a wider one: point {} to {via} too.",
                        if many { "s" } else { "" },
                        if many { "" } else { "es" },
                        if many { "" } else { "s" },
                        if many { "them" } else { "it" },
                    ));
                }
            }
            if !internal {
                fix.push_str(&format!(
                    " Or enable a public subnet in {} for the ALB instead.",
                    n.zone
                ));
            }
            let sep = if what.ends_with(", so") { " " } else { ": " };
            (
                format!("{} ({}) {what}{sep}{}.", n.subnet_id, n.zone, where_(n.zone)),
                fix,
            )
        }
        (Hop::Blackhole, Some(n)) => (
            format!(
                "{} ({}) sends {} to a blackhole: {}.",
                match cause {
                    Cause::Blackhole { table, route } => format!("{} of {}", describe(route), table.id),
                    other => other.resource(),
                },
                n.zone,
                clients,
                where_(n.zone)
            ),
            cause.remediation(&entries, "", if internal { &via } else { "a live target" }),
        ),
        (Hop::Inspection, Some(n)) => (
            format!(
                "{} ({}): {}. Stateful inspection sees only half of each connection and drops it: {}.",
                n.subnet_id,
                n.zone,
                cause.clause(),
                where_(n.zone)
            ),
            cause.remediation(&entries, "", &via),
        ),
        (Hop::InspectionEndpoint, Some(n)) => (
            format!(
                "Traffic between {clients} and the ALB node in {} ({}) is routed through {}, but {}: {}.",
                n.zone,
                n.subnet_id,
                cause.resource(),
                cause.clause(),
                where_(n.zone)
            ),
            cause.remediation(&entries, "", &via),
        ),
        (Hop::InspectionReturn, Some(n)) => (
            format!(
                "Responses from the ALB node in {} go through the inspection endpoint as they should, but {}: responses to {clients} never leave, so {}.",
                n.zone,
                cause.clause(),
                where_(n.zone)
            ),
            cause.remediation(&entries, "", &via),
        ),
        (Hop::Firewall, Some(n)) => (
            format!(
                "On the way to the ALB node in {} ({}), {} drops TCP {port} from {clients} ({}): {}.",
                n.zone,
                n.subnet_id,
                match cause {
                    Cause::Firewall { name, .. } => format!("firewall {name}"),
                    other => other.resource(),
                },
                match cause {
                    Cause::Firewall { decision, .. } => decision.clone(),
                    other => other.clause(),
                },
                where_(n.zone)
            ),
            cause.remediation(&entries, &port, &via),
        ),
        (Hop::BlockPublicAccess, Some(n)) => (
            format!(
                "The ALB node in {} ({}): {}, so connections from {clients} never arrive: {}.",
                n.zone,
                n.subnet_id,
                cause.clause(),
                where_(n.zone)
            ),
            cause.remediation(&entries, "", &via),
        ),
        (Hop::Inspection, None) => (
            format!(
                "{}: the transit gateway may return a flow from {clients} through another zone's inspection endpoint than the one that saw it leave, which drops it, so some connections time out.",
                cause.clause()
            ),
            cause.remediation(&entries, "", &via),
        ),
        (_, None) => (cause.clause(), cause.remediation(&entries, &port, &via)),
    };
    // A note is a partial restriction, often deliberate (an office allowlist, a group
    // reference): it proposes no change, in words as in `fix`.
    let remediation = if block.severity == Severity::Note {
        "Nothing to change if only the clients it admits should connect: a partial restriction like this one is often deliberate. To admit others, name them with --client-cidr to get the exact change for them.".to_string()
    } else {
        remediation
    };
    let mut evidence = cause.evidence();
    if let Some(n) = node {
        evidence.insert("subnet".into(), n.subnet_id.into());
    }
    evidence.insert("blocked".into(), scope.evidence(&block.blocked).into());
    if block.parts.len() > 1 || matches!(block.hop, Hop::Route) {
        let routes: Vec<String> = block
            .parts
            .iter()
            .map(|(addrs, c)| format!("{}: {}", scope.describe(addrs), c.clause()))
            .collect();
        evidence.insert("routes".into(), routes.into());
    }
    let mut change: Vec<String> = block.parts.iter().flat_map(|(_, c)| c.change()).collect();
    change.dedup();
    let mut finding = rule
        .finding(resource, message, remediation)
        .severity(block.severity)
        .symptom(block.symptom)
        .change(change);
    let fix = super::fixes::frontend(ctx, block);
    if let (
        Some(crate::fix::Change::OwnRouteTable {
            from,
            subnet,
            routes,
            ..
        }),
        Some(n),
    ) = (fix.plan.first(), node)
    {
        // The shared table serves subnets this finding is not about: never repoint it.
        let routes: Vec<String> = routes.iter().map(|(d, t)| format!("{d} -> {t}")).collect();
        finding.remediation = format!(
            "{from} also serves subnets other than the ALB's, and repointing it would cut their way out: give {subnet} a route table of its own ({}; the commands are in the fix), or enable the public subnet of {} for the ALB instead.",
            routes.join(", "),
            n.zone
        );
    }
    finding = finding.fix(fix);
    if let Some(n) = node {
        finding = finding.zone(n.zone);
    }
    if let Some(p) = block.port {
        finding = finding.port(p);
    }
    finding.evidence = evidence;
    finding
}

/// The findings of one backend component, as findings of `rule`, plus what could not be
/// evaluated: one per (target, port, broken node), or one with a null zone when every node
/// is broken alike.
pub fn backend_component(
    ctx: &AlbContext,
    out: &mut Emitter,
    rule: &Rule,
    component: Component,
    resource: impl Fn(&PathFinding) -> String,
) {
    let analysis = ctx.backend();
    for arn in &analysis.missing_groups {
        out.not_evaluated(format!("target group {arn} was not read"));
    }
    let (findings, unknown) = analysis.findings(component);
    for reason in unknown {
        out.not_evaluated(reason);
    }
    // Without the ALB's interfaces, node addresses are their subnets' CIDRs: still checked,
    // conservatively, but the audit says what it did not see.
    if matches!(
        component,
        Component::TargetIngress | Component::AclRequest | Component::AclResponse
    ) {
        for reason in ctx.gap_reasons(&[Dataset::NetworkInterfaces]) {
            out.not_evaluated(format!(
                "{reason} (ALB node addresses taken from their subnets' CIDRs)"
            ));
        }
    }
    for f in &findings {
        out.emit(backend(rule, ctx, f, resource(f)));
    }
}

/// One broken backend component as a finding of `rule` about `resource`.
pub fn backend(rule: &Rule, ctx: &AlbContext, f: &PathFinding, resource: String) -> Finding {
    let nodes = &ctx.backend().nodes;
    let family = f.target.group.ip_address_type;
    let cause = f.broken[0].1;
    let addr = f.target.placement.addr();
    let node_addrs = |i: usize| {
        nodes[i]
            .addrs_for(family)
            .map(|a| brief(&a))
            .unwrap_or_default()
    };
    let from = match f.node {
        Some(i) => format!("ALB node in {} ({})", nodes[i].zone, node_addrs(i)),
        None => "every ALB node".to_string(),
    };
    let endpoint = |a: &IpAddr| match a {
        IpAddr::V6(a) => format!("[{a}]:{}", f.port),
        IpAddr::V4(a) => format!("{a}:{}", f.port),
    };
    let to = match addr {
        Some(a) if a.to_string() == f.target.target.id => endpoint(&a),
        Some(a) => format!("{} at {}", f.target.target.id, endpoint(&a)),
        None => f.target.target.id.clone(),
    };
    let port_phrase = match f.role {
        PortRole::Traffic => format!("port {}", f.port),
        PortRole::HealthCheck => format!("health-check port {}", f.port),
    };
    let consequence = match (f.role, f.symptom) {
        (PortRole::HealthCheck, _) => "health checks fail and the target is taken out of service",
        (_, Symptom::Http504) => "every request to this target ends in 504 Gateway Timeout",
        _ => "requests routed through the affected nodes end in 504 Gateway Timeout",
    };
    let mut message = format!(
        "Connection {from} -> {to} ({}, {port_phrase}) fails: {}; {consequence}.",
        f.target.group.name,
        cause.clause()
    );
    if f.severity == Severity::Note {
        message.push_str(
            " Only weight-0 forwards point at this group, so no request is sent to it today.",
        );
    }
    // Peers a fix admits: subnets rather than single addresses, since nodes and targets are
    // replaced; the ALB's security group rather than addresses where a group can be named.
    let target_subnet = match &f.target.placement {
        Placement::InVpc {
            subnet: Some(s), ..
        } => Some(*s),
        _ => None,
    };
    let family_of = |s: &AddrSet| match family {
        crate::model::TargetIpAddressType::Ipv6 => s.v6_part(),
        _ => s.v4_part(),
    };
    let target_side = target_subnet
        .map(|s| entries_brief(&family_of(&AddrSet::from_nets(&s.cidrs))))
        .or_else(|| addr.map(|a| ipnet::IpNet::from(a).to_string()))
        .unwrap_or_default();
    let node_side = f
        .broken
        .iter()
        .filter_map(|(i, _)| ctx.network().subnets.get(nodes[*i].subnet_id))
        .fold(AddrSet::empty(), |acc, s| {
            acc.union(&family_of(&AddrSet::from_nets(&s.cidrs)))
        });
    let node_side = entries_brief(&node_side);
    let private =
        "the VPN/Direct Connect gateway, transit gateway or peering connection that reaches it";
    // Targets on ECS dynamic host ports belong together: one rule for the range, not one per task.
    let port = if f.target.group.target_type == crate::model::TargetType::Instance
        && f.port >= super::fixes::DYNAMIC_PORTS.0
    {
        format!(
            "{}-{} (the dynamic host port range)",
            super::fixes::DYNAMIC_PORTS.0,
            super::fixes::DYNAMIC_PORTS.1
        )
    } else {
        f.port.to_string()
    };
    let remediation = match (f.component, cause) {
        (Component::AlbEgress, _) => {
            let peer = match &f.target.placement {
                Placement::InVpc {
                    groups: Some(g), ..
                } if !g.is_empty() => g[0].clone(),
                _ => target_side.clone(),
            };
            cause.remediation(&peer, &port, "")
        }
        (Component::TargetIngress, _) => {
            let peer = nodes
                .get(f.broken[0].0)
                .and_then(|n| n.groups.first().cloned())
                .map(|g| format!("{g} (the ALB's security group)"))
                .unwrap_or(node_side.clone());
            cause.remediation(&peer, &port, "")
        }
        (Component::AclRequest, Cause::Acl { subnet, .. }) => {
            let peer = if target_subnet.is_some_and(|s| s.id == *subnet) {
                &node_side
            } else {
                &target_side
            };
            cause.remediation(peer, &port, "")
        }
        (Component::AclResponse, Cause::Acl { subnet, .. }) => {
            let peer = if target_subnet.is_some_and(|s| s.id == *subnet) {
                &node_side
            } else {
                &target_side
            };
            cause.remediation(peer, "1024-65535", "")
        }
        (Component::Route, _) => cause.remediation(&target_side, "", private),
        (Component::Firewall, c) => format!(
            "Change {} so that it passes TCP {port} from the ALB subnets ({node_side}) to {target_side}, and the responses back.",
            c.change().join(", ")
        ),
        _ => cause.remediation(
            &target_side,
            "",
            "a live VPN gateway, transit gateway or peering connection",
        ),
    };
    let mut evidence = cause.evidence();
    evidence.insert("target_group".into(), f.target.group.arn.clone().into());
    evidence.insert(
        "port_role".into(),
        match f.role {
            PortRole::Traffic => "traffic",
            PortRole::HealthCheck => "health-check",
        }
        .into(),
    );
    if let Some(zone) = f
        .target
        .zone
        .or(f.target.target.availability_zone.as_deref())
    {
        evidence.insert("target_zone".into(), zone.into());
    }
    let detail = |i: usize| {
        let n = &nodes[i];
        let mut m = Map::new();
        m.insert("node_zone".into(), n.zone.into());
        m.insert("node_subnet".into(), n.subnet_id.into());
        let addrs = if n.from_subnet_cidr {
            format!(
                "{} (subnet CIDR: the ALB's network interfaces could not be read)",
                node_addrs(i)
            )
        } else {
            node_addrs(i)
        };
        m.insert("node_addresses".into(), addrs.into());
        m
    };
    match f.node {
        Some(i) => evidence.extend(detail(i)),
        None => {
            let list: Vec<Value> = f
                .broken
                .iter()
                .map(|(i, c)| {
                    let mut d = detail(*i);
                    d.insert("why".into(), c.clause().into());
                    Value::Object(d)
                })
                .collect();
            evidence.remove("denied_by");
            evidence.insert("nodes".into(), list.into());
        }
    }
    let mut change: Vec<String> = f.broken.iter().flat_map(|(_, c)| c.change()).collect();
    change.sort();
    change.dedup();
    let mut finding = rule
        .finding(resource, message, remediation)
        .severity(f.severity)
        .port(f.port)
        .target(f.target.target.id.clone())
        .symptom(f.symptom)
        .change(change);
    let (fix, together) = super::fixes::backend(ctx, f);
    finding = finding.fix(fix);
    if let Some((from, to)) = together {
        finding.cause_ports = format!("{from}-{to}");
    }
    if let Some(i) = f.node {
        finding = finding.zone(nodes[i].zone);
    }
    finding.evidence = evidence;
    finding
}

/// An ALB subnet short of room as a finding of `rule`.
pub fn capacity(rule: &Rule, short: &crate::analysis::capacity::Short) -> Finding {
    use crate::analysis::capacity::{MIN_FREE, MIN_PREFIX};
    let mut why = Vec::new();
    if let Some(p) = short.prefix.filter(|p| *p > MIN_PREFIX) {
        why.push(format!(
            "is a /{p}, smaller than the /{MIN_PREFIX} AWS asks for"
        ));
    }
    if let Some(n) = short.free.filter(|n| *n < MIN_FREE) {
        why.push(format!(
            "has {n} free IP address{} (AWS asks for at least {MIN_FREE})",
            if n == 1 { "" } else { "es" }
        ));
    }
    let message = format!(
        "{} ({}) {}: the ALB node in {} cannot scale out or be replaced there, and the ALB cannot grow under load.",
        short.subnet_id,
        short.zone,
        why.join(", and "),
        short.zone
    );
    let remediation = format!(
        "Free addresses in {} (release unused network interfaces), or enable a subnet of at least /{MIN_PREFIX} with free addresses in {} for the ALB instead (aws elbv2 set-subnets).",
        short.subnet_id, short.zone
    );
    let mut finding = rule
        .finding(short.subnet_id, message, remediation)
        .severity(short.severity)
        .zone(short.zone)
        .change(vec![short.subnet_id.to_string()]);
    finding
        .evidence
        .insert("subnet".into(), short.subnet_id.into());
    if let Some(p) = short.prefix {
        finding.evidence.insert("prefix_length".into(), p.into());
    }
    if let Some(n) = short.free {
        finding
            .evidence
            .insert("available_ip_addresses".into(), n.into());
    }
    finding
}
/// ALB114: the shift that took `away`'s node out of DNS; [`shift_masks`] adds what it masks.
pub fn zonal_shift(rule: &Rule, lb: &crate::model::LoadBalancer, away: &Away) -> Finding {
    let shift = away.shift;
    let until = match &shift.expiry {
        Some(t) => format!("until {t}"),
        None => "until AWS ends the autoshift".to_string(),
    };
    let message = format!(
        "{} {} moves {}'s traffic away from {} ({}) {until}: its node there takes no client, and the nodes in the other zones carry them all.",
        capital(shift.kind.as_str()),
        shift.id,
        lb.name,
        away.zone,
        shift.away_from,
    );
    let remediation = format!(
        "Nothing to change on the ALB. Fix the findings about {} before the shift ends, or end the shift once the zone is healthy.",
        away.zone
    );
    let mut finding = rule
        .finding(&lb.arn, message, remediation)
        .zone(away.zone)
        .change(vec![lb.arn.clone()])
        .evidence("shift_id", shift.id.clone())
        .evidence("kind", shift.kind.as_str())
        .evidence("away_from", shift.away_from.clone())
        .evidence("until", away.until());
    if let Some(start) = &shift.start_time {
        finding = finding.evidence("start_time", start.clone());
    }
    if let Some(comment) = &shift.comment {
        finding = finding.evidence("comment", comment.clone());
    }
    finding
}

/// Completes each ALB114 finding with the findings it masks (those of its zone that carry
/// `masked_until`).
pub fn shift_masks(findings: &mut [Finding]) {
    let code = super::frontend::alb114_zonal_shift_active::RULE.code;
    let masked: Vec<(Option<String>, String)> = findings
        .iter()
        .filter(|f| f.masked_until.is_some())
        .map(|f| {
            let port = f.port.map(|p| format!(" port {p}")).unwrap_or_default();
            (
                f.availability_zone.clone(),
                format!("{} {}{port}", f.rule, f.resource),
            )
        })
        .collect();
    for f in findings.iter_mut().filter(|f| f.rule == code) {
        let mut list: Vec<String> = masked
            .iter()
            .filter(|(z, _)| *z == f.availability_zone)
            .map(|(_, m)| m.clone())
            .collect();
        list.sort();
        list.dedup();
        f.message.push_str(&match list.len() {
            0 => " It masks no finding.".to_string(),
            n => format!(
                " Until then it masks {n} finding{}: {}.",
                if n == 1 { "" } else { "s" },
                list.join(", ")
            ),
        });
        f.evidence.insert(
            "masks".into(),
            Value::Array(list.into_iter().map(Value::from).collect()),
        );
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// ALB306: a mutual-TLS `verify` listener that refuses clients, as a finding of `rule` about
/// the listener.
pub fn mtls(rule: &Rule, r: &crate::analysis::mtls::Refusing) -> Finding {
    use crate::analysis::mtls::MtlsCause;
    let store = match r.store_name {
        Some(name) => format!("trust store {name} ({})", r.trust_store),
        None => format!("trust store {}", r.trust_store),
    };
    let port = r.listener.port;
    let (why, every, remediation, cause) = match &r.cause {
        MtlsCause::NotActive { status } => (
            format!("its {store} is {status}, not ACTIVE"),
            true,
            format!("Wait until {store} is ACTIVE (aws elbv2 describe-trust-stores --trust-store-arns {}), or associate an active trust store with the listener.", r.trust_store),
            "trust_store_not_active",
        ),
        MtlsCause::Deleted => (
            format!("its {store} no longer exists"),
            true,
            format!("Create a trust store with the clients' CA bundle and associate it: aws elbv2 modify-listener --listener-arn {} --mutual-authentication Mode=verify,TrustStoreArn=NEW_ARN", r.listener.arn),
            "trust_store_deleted",
        ),
        MtlsCause::AssociationRemoved => (
            format!("its association with {store} was removed"),
            true,
            format!("Associate a trust store again: aws elbv2 modify-listener --listener-arn {} --mutual-authentication Mode=verify,TrustStoreArn={}", r.listener.arn, r.trust_store),
            "association_removed",
        ),
        MtlsCause::CasExpired { count, latest } => (
            format!(
                "every CA certificate of {store} has expired ({count} in its bundle, the last on {latest})"
            ),
            true,
            format!("Upload a bundle with a current CA certificate: aws elbv2 modify-trust-store --trust-store-arn {} --ca-certificates-bundle-s3-bucket BUCKET --ca-certificates-bundle-s3-key KEY", r.trust_store),
            "ca_certificates_expired",
        ),
        MtlsCause::ClientRejected { file, why } => (
            format!("the client chain in {file} does not verify against {store}, because {why}"),
            false,
            format!("Give the client a current, unrevoked certificate issued by a CA in the bundle of {store}, or add its issuing CA to the bundle (aws elbv2 modify-trust-store)."),
            "client_certificate_rejected",
        ),
    };
    let whom = if every {
        "the ALB refuses every client certificate, and every client gets a TLS error"
    } else {
        "the ALB refuses that client, which gets a TLS error"
    };
    let message = format!(
        "The listener on port {port} verifies client certificates (mutual TLS), but {why}: {whom}."
    );
    let mut finding = rule
        .finding(&r.listener.arn, message, remediation)
        .port(port)
        .symptom(Symptom::TlsError)
        .change(vec![r.listener.arn.clone(), r.trust_store.to_string()])
        .evidence("listener", r.listener.arn.as_str())
        .evidence("trust_store", r.trust_store)
        .evidence("cause", cause);
    match &r.cause {
        MtlsCause::NotActive { status } => finding = finding.evidence("status", status.as_str()),
        MtlsCause::CasExpired { count, latest } => {
            finding = finding
                .evidence("ca_certificates", *count)
                .evidence("latest_not_after", latest.as_str());
        }
        MtlsCause::ClientRejected { file, why } => {
            finding = finding
                .evidence("client_cert", file.as_str())
                .evidence("reason", why.as_str());
        }
        MtlsCause::Deleted | MtlsCause::AssociationRemoved => {}
    }
    finding
}
