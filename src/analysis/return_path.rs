//! The way back from an ALB node to its clients, with inspection in the path: the node's
//! subnet route for each client, compared with where the gateway the clients come through
//! sends their requests first ([`crate::net::inspection`]). Symmetric paths through an
//! appliance are followed to the appliance's own subnet, whose route must lead back to that
//! gateway; what the appliance's rules do is the firewall's part (ALB113).

use super::cause::Cause;
use crate::model::{Dataset, LoadBalancer, RouteTable, Scheme, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::net::inspection::{appliance, ingress, Appliance, Ingress};
use crate::net::reach::{leads, Leads};
use crate::net::route::{lookup, table_for_subnet};

/// The clients of one node, sorted by what happens to their responses.
#[derive(Default)]
pub struct ReturnPath<'a> {
    /// No route back, or one to the wrong place (ALB104, ALB106).
    pub unrouted: Vec<(AddrSet, Cause<'a>)>,
    /// The route back, or the gateway's edge route, is a blackhole (ALB105).
    pub holes: Vec<(AddrSet, Cause<'a>)>,
    /// Requests and responses take different ways through inspection (ALB110).
    pub asymmetric: Vec<(AddrSet, Cause<'a>)>,
    /// The appliance on the path is missing or not available (ALB111).
    pub unavailable: Vec<(AddrSet, Cause<'a>)>,
    /// The appliance's subnet has no route back to the gateway (ALB112).
    pub no_return: Vec<(AddrSet, Cause<'a>)>,
    /// Clients whose path is symmetric through an appliance, which then decides (ALB113).
    pub inspected: Vec<(AddrSet, Appliance<'a>)>,
    /// What could not be followed, and why.
    pub unknown: Vec<String>,
}

/// Whether a route's destination, for a client of an ALB of `scheme`, is where it must go.
fn carries(scheme: Scheme, l: &Leads) -> bool {
    match scheme {
        Scheme::Internal => matches!(l, Leads::Local | Leads::Private),
        _ => matches!(l, Leads::Local | Leads::Internet),
    }
}

/// Follows the way back from the node at `node_addrs` in the subnet whose table is `table` to
/// each of `clients`.
pub fn follow<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    table: &'a RouteTable,
    node_addrs: &AddrSet,
    clients: &AddrSet,
) -> Result<ReturnPath<'a>, String> {
    let network = &snapshot.network;
    let hits = lookup(table, clients, &network.prefix_lists).map_err(|pl| {
        format!(
            "the entries of prefix list {pl} in {} are unknown",
            table.id
        )
    })?;
    // The gateway clients come through: the internet gateway, or for an internal ALB the
    // virtual private gateway (a transit gateway's path cannot be seen from here).
    let gateway = match lb.scheme {
        Scheme::Internal => network.vpn_gateways.values(),
        _ => network.internet_gateways.values(),
    }
    .find(|g| g.attached_vpcs.contains(&lb.vpc_id))
    .map(|g| g.id.as_str());
    let entry = match gateway {
        Some(g) => ingress(network, g, node_addrs),
        None => Ingress::Direct,
    };
    let mut out = ReturnPath::default();
    // An endpoint (or interface, or instance) that is not in the snapshot is deleted only if
    // what holds it was read.
    let unread = |datasets: &[Dataset]| -> Vec<String> {
        datasets
            .iter()
            .flat_map(|d| snapshot.gaps_for(&lb.arn, *d))
            .map(|g| format!("{}: {}", g.api, g.error))
            .collect()
    };
    let resolve = |id: &str| -> Result<Appliance<'a>, String> {
        let holders: &[Dataset] = if id.starts_with("eni-") || id.starts_with("i-") {
            &[Dataset::Appliances]
        } else {
            &[Dataset::VpcEndpoints, Dataset::Firewalls]
        };
        let found = appliance(network, id);
        let gaps = unread(holders);
        if let Some(why) = found.unknown(id) {
            return Err(match gaps.is_empty() {
                true => why,
                false => format!("{why} ({})", gaps.join("; ")),
            });
        }
        match found {
            Appliance::Missing if !gaps.is_empty() => Err(format!(
                "what {id} is could not be read ({})",
                gaps.join("; ")
            )),
            found => Ok(found),
        }
    };
    // Requests dropped or held at the edge, whatever the way back.
    match &entry {
        Ingress::Blackhole { table: edge, route } => {
            out.holes
                .push((clients.clone(), Cause::Blackhole { table: edge, route }));
            return Ok(out);
        }
        Ingress::Unknown(why) => out.unknown.push(why.clone()),
        Ingress::Through { route, .. } => {
            let target = match resolve(&route.target) {
                Ok(t) => t,
                Err(why) => {
                    out.unknown.push(why);
                    return Ok(out);
                }
            };
            if let Some(why) = target.unavailable(&route.target) {
                out.unavailable.push((
                    clients.clone(),
                    Cause::Unavailable {
                        endpoint: route.target.clone(),
                        why,
                    },
                ));
                return Ok(out);
            }
        }
        Ingress::Direct => {}
    }
    let entered = match &entry {
        Ingress::Through { table: edge, route } => Some((*edge, *route)),
        _ => None,
    };
    for hit in hits {
        let Some(route) = hit.route else {
            out.unrouted.push((hit.addrs, Cause::NoRoute { table }));
            continue;
        };
        let way = leads(route, &lb.vpc_id, network);
        let asymmetric = |out: &mut ReturnPath<'a>, addrs: AddrSet| {
            out.asymmetric.push((
                addrs,
                Cause::Asymmetric {
                    table,
                    route,
                    entered,
                },
            ))
        };
        match way {
            Leads::Blackhole => out.holes.push((hit.addrs, Cause::Blackhole { table, route })),
            // A gateway endpoint's prefix list holds the service's addresses: no client there.
            Leads::ServiceEndpoint | Leads::Local => {}
            Leads::Appliance => match entered {
                Some((_, edge)) if edge.target == route.target => {
                    let target = match resolve(&route.target) {
                        Ok(t) => t,
                        Err(why) => {
                            out.unknown.push(why);
                            continue;
                        }
                    };
                    match target.unavailable(&route.target) {
                        Some(why) => out.unavailable.push((
                            hit.addrs,
                            Cause::Unavailable {
                                endpoint: route.target.clone(),
                                why,
                            },
                        )),
                        None => {
                            follow_appliance(snapshot, lb, &route.target, target, hit.addrs, &mut out)
                        }
                    }
                }
                None if lb.scheme == Scheme::Internal && gateway.is_none() => out.unknown.push(format!(
                    "responses to {} go through {}, and the way their requests come in (a transit gateway?) cannot be seen from the ALB's VPC",
                    crate::net::render::brief(&hit.addrs),
                    route.target
                )),
                _ => asymmetric(&mut out, hit.addrs),
            },
            l if carries(lb.scheme, &l) => {
                if entered.is_some() {
                    asymmetric(&mut out, hit.addrs);
                }
            }
            Leads::Elsewhere(why) => {
                out.unrouted.push((hit.addrs, Cause::Route { table, route, why }))
            }
            Leads::Internet => out.unrouted.push((
                hit.addrs,
                Cause::Route {
                    table,
                    route,
                    why: "an internet gateway, which cannot reach an internal ALB's private addresses".into(),
                },
            )),
            Leads::Private => out.unrouted.push((
                hit.addrs,
                Cause::Route {
                    table,
                    route,
                    why: "private connectivity, not an internet gateway".into(),
                },
            )),
        }
    }
    Ok(out)
}

/// A symmetric path through `target`: the appliance's subnet must route the clients back to
/// the gateway they came through.
fn follow_appliance<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    id: &str,
    target: Appliance<'a>,
    clients: AddrSet,
    out: &mut ReturnPath<'a>,
) {
    let network = &snapshot.network;
    let Some(subnet) = target.subnet().map(str::to_string) else {
        out.unknown.push(format!("the subnet of {id} is unknown"));
        return;
    };
    let Some(table) = table_for_subnet(network, &subnet) else {
        out.unknown.push(format!(
            "no route table applies to {subnet}, the subnet of {id}"
        ));
        return;
    };
    let hits = match lookup(table, &clients, &network.prefix_lists) {
        Ok(h) => h,
        Err(pl) => {
            out.unknown.push(format!(
                "the entries of prefix list {pl} in {} are unknown",
                table.id
            ));
            return;
        }
    };
    let mut through = AddrSet::empty();
    for hit in hits {
        let way = hit.route.map(|r| leads(r, &lb.vpc_id, network));
        match (hit.route, way) {
            (Some(_), Some(l)) if carries(lb.scheme, &l) && l != Leads::Local => {
                through = through.union(&hit.addrs);
            }
            (route, way) => out.no_return.push((
                hit.addrs,
                Cause::ApplianceNoReturn {
                    endpoint: id.to_string(),
                    subnet: subnet.clone(),
                    table,
                    route,
                    why: match way {
                        None => "no route covers them".into(),
                        Some(Leads::Blackhole) => "the route is a blackhole".into(),
                        Some(Leads::Elsewhere(w)) => w,
                        Some(_) => "it does not lead to the gateway they came through".into(),
                    },
                },
            )),
        }
    }
    if !through.is_empty() {
        out.inspected.push((through, target));
    }
}
