//! An AWS Network Firewall endpoint on the backend path (ALB215): the contract judges a
//! target's path up to an appliance, and a firewall endpoint's rules are evaluated as for
//! ALB113, with the same evaluator ([`crate::net::firewall::evaluate`]): TCP from the ALB
//! node's addresses (any ephemeral port) to the target's address on the checked port, and the
//! response.
//!
//! Stateful inspection needs both directions of a flow through the same endpoint
//! (<https://docs.aws.amazon.com/network-firewall/latest/developerguide/arch-igw-ngw.html>,
//! as for inspection at the edge), so a firewall is judged only when the node subnet's route to the
//! target and the target subnet's route back lead to the same endpoint; otherwise the firewall
//! sees half a flow, which is not evaluated. What lies beyond the firewall stays
//! `not_evaluated` (the contract: "judged up to the appliance").

use super::path::Verdict;
use crate::analysis::cause::Cause;
use crate::model::{Network, TargetGroup};
use crate::net::addr_set::AddrSet;
use crate::net::firewall::{
    evaluate, home_net, policy_of, uses_host_names, DecidedBy, FirewallRules, ListenerTraffic,
};
use crate::net::inspection::{appliance, Appliance};

/// The firewall verdict for one node -> target connection on `port`, given the appliance
/// route targets the request (`there`) and the response (`back`) lead to; `None` when neither
/// is an AWS Network Firewall endpoint.
pub fn verdict<'a>(
    network: &'a Network,
    group: &TargetGroup,
    there: Option<&str>,
    back: Option<&str>,
    nodes: Result<&AddrSet, &String>,
    target: &AddrSet,
    port: u16,
) -> Option<Verdict<'a>> {
    let firewall_at = |id: Option<&str>| {
        let id = id?;
        match appliance(network, id) {
            a @ Appliance::Firewall { firewall, .. } => Some((firewall, a.unavailable(id))),
            _ => None,
        }
    };
    let (firewall, unavailable) = firewall_at(there).or_else(|| firewall_at(back))?;
    if there != back {
        let way = |id: Option<&str>| id.unwrap_or("no appliance (the local route)").to_string();
        return Some(Verdict::Unknown(format!(
            "the request goes through {} and the response through {}: firewall {} sees only part of the flow, which is not evaluated",
            way(there),
            way(back),
            firewall.name
        )));
    }
    // An endpoint that does not forward (yet, or any more) is no verdict on the rules.
    if let Some(why) = unavailable {
        return Some(Verdict::Unknown(format!(
            "{why}: whether it forwards the traffic is not evaluated"
        )));
    }
    let nodes = match nodes {
        Ok(n) => n,
        Err(why) => return Some(Verdict::Unknown(why.clone())),
    };
    let policy = match policy_of(network, firewall) {
        Ok(p) => p,
        Err(why) => return Some(Verdict::Unknown(why)),
    };
    let home_net = home_net(network, firewall);
    let rules = FirewallRules {
        policy,
        rule_groups: &network.rule_groups,
        home_net: &home_net,
    };
    let traffic = ListenerTraffic {
        clients: nodes,
        servers: target,
        port,
        tls: group.protocol.as_deref() == Some("HTTPS"),
        hosts: &[],
    };
    let judged = evaluate(&rules, &traffic);
    // Domain lists decide on the host name, which the evaluation above leaves out; only a
    // stateless drop (it never reads a host name) is then certain.
    let hosts_matter = uses_host_names(&rules, &traffic);
    let certain = judged.dropped.iter().find(|d| {
        !hosts_matter
            || matches!(
                d.decision.by,
                DecidedBy::StatelessRule { .. } | DecidedBy::StatelessDefault { .. }
            )
    });
    if let Some(d) = certain {
        return Some(Verdict::Broken(Cause::firewall(firewall, &d.decision)));
    }
    if hosts_matter {
        return Some(Verdict::Unknown(format!(
            "firewall {} has domain-list rules, and which host name the ALB sends a target is not evaluated",
            firewall.name
        )));
    }
    if !judged.unevaluated.is_empty() {
        let reasons: Vec<&str> = judged
            .unevaluated
            .iter()
            .map(|u| u.reason.as_str())
            .collect();
        return Some(Verdict::Unknown(format!(
            "firewall {} on port {port}: {}",
            firewall.name,
            reasons.join("; ")
        )));
    }
    Some(Verdict::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firewall::EndpointStatus;
    use serde_json::json;

    const FW: &str = "arn:aws:network-firewall:us-east-1:1:firewall/ew";
    const POLICY: &str = "arn:aws:network-firewall:us-east-1:1:firewall-policy/ew";
    const GROUP: &str = "arn:aws:network-firewall:us-east-1:1:stateless-rulegroup/ew";
    const STATEFUL: &str = "arn:aws:network-firewall:us-east-1:1:stateful-rulegroup/ew";

    /// A firewall with endpoint `vpce-fw` whose policy runs `stateless` rules, then the
    /// stateful group `stateful` when given.
    fn network(stateless: serde_json::Value, stateful: Option<serde_json::Value>) -> Network {
        let firewalls = serde_json::from_value(json!({FW: {
            "arn": FW, "name": "ew", "vpc_id": "vpc-1", "policy_arn": POLICY,
            "subnet_ids": ["subnet-fw"], "status": "READY", "configuration_sync": "IN_SYNC",
            "endpoints": [{"availability_zone": "us-east-1a", "subnet_id": "subnet-fw",
                           "endpoint_id": "vpce-fw", "status": "READY", "status_message": null}]}}))
        .unwrap();
        let mut groups = json!({GROUP: {"arn": GROUP, "name": "ew", "kind": "STATELESS",
            "source": {"type": "stateless_rules", "rules": stateless}}});
        let mut stateful_refs = json!([]);
        if let Some(source) = stateful {
            groups[STATEFUL] =
                json!({"arn": STATEFUL, "name": "sf", "kind": "STATEFUL", "source": source});
            stateful_refs = json!([{"arn": STATEFUL, "priority": null}]);
        }
        let firewall_policies = serde_json::from_value(json!({POLICY: {
            "arn": POLICY, "name": "ew",
            "stateless_default_actions": ["aws:forward_to_sfe"],
            "stateless_fragment_default_actions": ["aws:drop"],
            "stateless_rule_groups": [{"arn": GROUP, "priority": 10}],
            "stateful_rule_groups": stateful_refs, "stateful_default_actions": [],
            "stateful_engine": {"rule_order": "DEFAULT_ACTION_ORDER"}}}))
        .unwrap();
        Network {
            firewalls,
            firewall_policies,
            rule_groups: serde_json::from_value(groups).unwrap(),
            ..Network::default()
        }
    }

    fn group() -> TargetGroup {
        serde_json::from_value(
            json!({"arn": "arn:tg", "name": "tg", "target_type": "instance",
                                      "protocol": "HTTP", "port": 8080}),
        )
        .unwrap()
    }

    /// Drops TCP to `port` at the targets' subnet; everything else goes to the stateful engine.
    fn drops_port(port: u16) -> serde_json::Value {
        json!([{"priority": 10, "actions": ["aws:drop"],
                "match_attributes": {"protocols": [6], "destinations": ["10.0.11.0/24"],
                                     "destination_ports": [{"from": port, "to": port}]}}])
    }

    fn judge(n: &Network, there: Option<&str>, back: Option<&str>, port: u16) -> Option<String> {
        let nodes = AddrSet::from_nets(&["10.0.1.10/32".parse().unwrap()]);
        let target = AddrSet::from_nets(&["10.0.11.21/32".parse().unwrap()]);
        verdict(n, &group(), there, back, Ok(&nodes), &target, port).map(|v| match v {
            Verdict::Pass => "pass".to_string(),
            Verdict::Broken(c) => format!("broken {} {}", c.resource(), c.change().join(",")),
            Verdict::Unknown(why) => format!("unknown {why}"),
        })
    }

    #[test]
    fn a_drop_of_the_target_port_breaks_the_path_and_names_the_rule_group() {
        let n = network(drops_port(8080), None);
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert_eq!(v, format!("broken {FW} {GROUP}"));
        // Another port (the health check's, say) passes the same firewall.
        assert_eq!(
            judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8081).as_deref(),
            Some("pass")
        );
    }

    #[test]
    fn a_drop_of_the_response_breaks_the_path() {
        let rules = json!([{"priority": 10, "actions": ["aws:drop"],
                            "match_attributes": {"protocols": [6], "sources": ["10.0.11.0/24"],
                                                 "source_ports": [{"from": 8080, "to": 8080}]}}]);
        let n = network(rules, None);
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert!(v.starts_with("broken"), "{v}");
    }

    #[test]
    fn suricata_rules_are_not_evaluated_never_passed() {
        let rules = json!({"type": "rules_string",
                           "rules": "drop tcp any any -> any 8080 (sid:1;)"});
        let n = network(json!([]), Some(rules));
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert!(v.starts_with("unknown firewall ew on port 8080"), "{v}");
    }

    #[test]
    fn domain_lists_make_it_unknown_but_a_stateless_drop_still_counts() {
        let list = json!({"type": "domain_list", "targets": [".example.com"],
                          "target_types": ["HTTP_HOST"], "generated_rules_type": "ALLOWLIST"});
        let n = network(json!([]), Some(list.clone()));
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert!(v.starts_with("unknown") && v.contains("domain-list"), "{v}");
        let n = network(drops_port(8080), Some(list));
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert_eq!(v, format!("broken {FW} {GROUP}"));
    }

    #[test]
    fn half_a_flow_through_the_firewall_is_not_evaluated() {
        let n = network(drops_port(8080), None);
        for (there, back) in [
            (Some("vpce-fw"), None),
            (None, Some("vpce-fw")),
            (Some("vpce-fw"), Some("eni-1")),
        ] {
            let v = judge(&n, there, back, 8080).unwrap();
            assert!(v.contains("sees only part of the flow"), "{v}");
        }
    }

    #[test]
    fn an_endpoint_that_is_not_ready_is_not_evaluated() {
        let mut n = network(json!([]), None);
        assert_eq!(
            judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).as_deref(),
            Some("pass")
        );
        n.firewalls.get_mut(FW).unwrap().endpoints[0].status = EndpointStatus::Creating;
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert!(v.contains("is CREATING"), "{v}");
    }

    #[test]
    fn other_appliances_and_unread_policies() {
        let mut n = network(drops_port(8080), None);
        assert_eq!(judge(&n, Some("vpce-gwlb"), Some("vpce-gwlb"), 8080), None);
        assert_eq!(judge(&n, None, None, 8080), None);
        n.firewall_policies.clear();
        let v = judge(&n, Some("vpce-fw"), Some("vpce-fw"), 8080).unwrap();
        assert!(v.contains("was not read"), "{v}");
    }
}
