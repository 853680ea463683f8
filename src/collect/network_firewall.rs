//! AWS Network Firewall reads converted to the model: DescribeFirewall (the firewall and its
//! zonal endpoints), DescribeFirewallPolicy and DescribeRuleGroup. Strings stay as AWS returns
//! them (the evaluator parses addresses and ports); enumerations map through the model's serde
//! names, which are the API's spellings, so a value this build does not know becomes
//! `Unknown` instead of failing the read.

use std::collections::BTreeMap;

use aws_sdk_networkfirewall::types as t;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::DeserializeOwned;

use crate::model::firewall::{
    CustomAction, DomainList, Firewall, FirewallEndpoint, FirewallPolicy, Header, MatchAttributes,
    PortRange, RuleGroup, RuleOption, RuleVariables, RulesSource, StatefulEngine, StatefulGroupRef,
    StatefulRule, StatelessGroupRef, StatelessRule, TcpFlagField,
};

/// Maps an API enumeration string onto the model enum with that serde name; every model enum
/// has a catch-all `Unknown`, so the fallback only guards against a type without one.
fn api_enum<T: DeserializeOwned + Default>(value: &str) -> T {
    T::deserialize(StrDeserializer::<ValueError>::new(value)).unwrap_or_default()
}

/// Converts DescribeFirewall's `Firewall` and `FirewallStatus`; the status holds the zonal
/// endpoints, so a firewall described without one has none.
pub(super) fn firewall(f: &t::Firewall, status: Option<&t::FirewallStatus>) -> Firewall {
    let mut endpoints: Vec<FirewallEndpoint> = status
        .and_then(|s| s.sync_states())
        .into_iter()
        .flatten()
        .map(|(zone, state)| {
            let attachment = state.attachment();
            FirewallEndpoint {
                availability_zone: zone.clone(),
                subnet_id: attachment
                    .and_then(|a| a.subnet_id())
                    .unwrap_or_default()
                    .to_string(),
                endpoint_id: attachment.and_then(|a| a.endpoint_id()).map(str::to_string),
                status: attachment
                    .and_then(|a| a.status())
                    .map(|s| api_enum(s.as_str()))
                    .unwrap_or_default(),
                status_message: attachment
                    .and_then(|a| a.status_message())
                    .filter(|m| !m.is_empty())
                    .map(str::to_string),
            }
        })
        .collect();
    endpoints.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    let mut subnet_ids: Vec<String> = f
        .subnet_mappings()
        .iter()
        .map(|m| m.subnet_id().to_string())
        .collect();
    subnet_ids.sort();
    Firewall {
        arn: f.firewall_arn().unwrap_or_default().to_string(),
        name: f.firewall_name().unwrap_or_default().to_string(),
        vpc_id: f.vpc_id().to_string(),
        policy_arn: f.firewall_policy_arn().to_string(),
        subnet_ids,
        status: status
            .map(|s| api_enum(s.status().as_str()))
            .unwrap_or_default(),
        configuration_sync: status
            .map(|s| api_enum(s.configuration_sync_state_summary().as_str()))
            .unwrap_or_default(),
        endpoints,
    }
}

/// Converts DescribeFirewallPolicy's response metadata and policy.
pub(super) fn firewall_policy(
    response: &t::FirewallPolicyResponse,
    p: &t::FirewallPolicy,
) -> FirewallPolicy {
    let mut stateless_rule_groups: Vec<StatelessGroupRef> = p
        .stateless_rule_group_references()
        .iter()
        .map(|r| StatelessGroupRef {
            arn: r.resource_arn().to_string(),
            priority: r.priority(),
        })
        .collect();
    stateless_rule_groups.sort_by_key(|r| r.priority);
    FirewallPolicy {
        arn: response.firewall_policy_arn().to_string(),
        name: response.firewall_policy_name().to_string(),
        stateless_default_actions: p.stateless_default_actions().to_vec(),
        stateless_fragment_default_actions: p.stateless_fragment_default_actions().to_vec(),
        stateless_custom_actions: p.stateless_custom_actions().iter().map(custom).collect(),
        stateless_rule_groups,
        stateful_rule_groups: p
            .stateful_rule_group_references()
            .iter()
            .map(|r| StatefulGroupRef {
                arn: r.resource_arn().to_string(),
                priority: r.priority(),
                override_action: r
                    .r#override()
                    .and_then(|o| o.action())
                    .map(|a| api_enum(a.as_str())),
            })
            .collect(),
        stateful_default_actions: p.stateful_default_actions().to_vec(),
        stateful_engine: p
            .stateful_engine_options()
            .map(|o| StatefulEngine {
                rule_order: o
                    .rule_order()
                    .map(|r| api_enum(r.as_str()))
                    .unwrap_or_default(),
                stream_exception_policy: o.stream_exception_policy().map(|s| api_enum(s.as_str())),
            })
            .unwrap_or_default(),
        policy_variables: p
            .policy_variables()
            .and_then(|v| v.rule_variables())
            .map(ip_sets)
            .unwrap_or_default(),
        tls_inspection_configuration_arn: p.tls_inspection_configuration_arn().map(str::to_string),
    }
}

/// Converts DescribeRuleGroup's response metadata and rule group. A group without rules, or
/// with a source this build does not know, gets `RulesSource::Unknown`, which the evaluator
/// reports as not evaluated.
pub(super) fn rule_group(response: &t::RuleGroupResponse, g: &t::RuleGroup) -> RuleGroup {
    let variables = g
        .rule_variables()
        .map(|v| RuleVariables {
            ip_sets: v.ip_sets().map(ip_sets).unwrap_or_default(),
            port_sets: v
                .port_sets()
                .into_iter()
                .flatten()
                .map(|(name, set)| (name.clone(), set.definition().to_vec()))
                .collect(),
        })
        .unwrap_or_default();
    RuleGroup {
        arn: response.rule_group_arn().to_string(),
        name: response.rule_group_name().to_string(),
        kind: response
            .r#type()
            .map(|k| api_enum(k.as_str()))
            .unwrap_or_default(),
        variables,
        ip_set_references: g
            .reference_sets()
            .and_then(|r| r.ip_set_references())
            .into_iter()
            .flatten()
            .map(|(name, reference)| {
                (
                    name.clone(),
                    reference.reference_arn().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        source: g.rules_source().map(rules_source).unwrap_or_default(),
        rule_order: g
            .stateful_rule_options()
            .and_then(|o| o.rule_order())
            .map(|r| api_enum(r.as_str())),
    }
}

fn ip_sets(sets: &std::collections::HashMap<String, t::IpSet>) -> BTreeMap<String, Vec<String>> {
    sets.iter()
        .map(|(name, set)| (name.clone(), set.definition().to_vec()))
        .collect()
}

fn custom(c: &t::CustomAction) -> CustomAction {
    CustomAction {
        name: c.action_name().to_string(),
        publishes_metric: c
            .action_definition()
            .and_then(|d| d.publish_metric_action())
            .is_some(),
    }
}

/// The API's RulesSource has one member set; they are checked in the order a rule group's
/// type makes likely, and a source with none (or only an empty stateful list) is `Unknown`.
fn rules_source(s: &t::RulesSource) -> RulesSource {
    if let Some(stateless) = s.stateless_rules_and_custom_actions() {
        let mut rules: Vec<StatelessRule> = stateless
            .stateless_rules()
            .iter()
            .map(stateless_rule)
            .collect();
        rules.sort_by_key(|r| r.priority);
        return RulesSource::StatelessRules {
            rules,
            custom_actions: stateless.custom_actions().iter().map(custom).collect(),
        };
    }
    if let Some(list) = s.rules_source_list() {
        return RulesSource::DomainList(DomainList {
            targets: list.targets().to_vec(),
            target_types: list
                .target_types()
                .iter()
                .map(|t| api_enum(t.as_str()))
                .collect(),
            generated_rules_type: api_enum(list.generated_rules_type().as_str()),
        });
    }
    if let Some(text) = s.rules_string() {
        return RulesSource::RulesString {
            rules: text.to_string(),
        };
    }
    if s.stateful_rules.is_some() {
        return RulesSource::StatefulRules {
            rules: s.stateful_rules().iter().map(stateful_rule).collect(),
        };
    }
    RulesSource::Unknown
}

fn stateless_rule(r: &t::StatelessRule) -> StatelessRule {
    let definition = r.rule_definition();
    let m = definition.and_then(|d| d.match_attributes());
    let ports = |ranges: &[t::PortRange]| -> Vec<PortRange> {
        ranges
            .iter()
            .map(|p| PortRange {
                from: p.from_port(),
                to: p.to_port(),
            })
            .collect()
    };
    StatelessRule {
        priority: r.priority(),
        match_attributes: m
            .map(|m| MatchAttributes {
                sources: m
                    .sources()
                    .iter()
                    .map(|a| a.address_definition().to_string())
                    .collect(),
                destinations: m
                    .destinations()
                    .iter()
                    .map(|a| a.address_definition().to_string())
                    .collect(),
                source_ports: ports(m.source_ports()),
                destination_ports: ports(m.destination_ports()),
                protocols: m.protocols().to_vec(),
                tcp_flags: m
                    .tcp_flags()
                    .iter()
                    .map(|f| TcpFlagField {
                        flags: f.flags().iter().map(|x| api_enum(x.as_str())).collect(),
                        masks: f.masks().iter().map(|x| api_enum(x.as_str())).collect(),
                    })
                    .collect(),
            })
            .unwrap_or_default(),
        actions: definition.map(|d| d.actions().to_vec()).unwrap_or_default(),
    }
}

/// Converts a standard stateful rule; a missing header reads as protocol `Unknown` with empty
/// addresses, which the evaluator reports rather than guesses.
fn stateful_rule(r: &t::StatefulRule) -> StatefulRule {
    let header = r.header();
    StatefulRule {
        action: api_enum(r.action().as_str()),
        header: Header {
            protocol: header
                .map(|h| api_enum(h.protocol().as_str()))
                .unwrap_or_default(),
            source: header.map(|h| h.source()).unwrap_or_default().to_string(),
            source_port: header
                .map(|h| h.source_port())
                .unwrap_or_default()
                .to_string(),
            direction: header
                .map(|h| api_enum(h.direction().as_str()))
                .unwrap_or_default(),
            destination: header
                .map(|h| h.destination())
                .unwrap_or_default()
                .to_string(),
            destination_port: header
                .map(|h| h.destination_port())
                .unwrap_or_default()
                .to_string(),
        },
        options: r
            .rule_options()
            .iter()
            .map(|o| RuleOption {
                keyword: o.keyword().to_string(),
                settings: o.settings().to_vec(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firewall::{
        ConfigurationSyncState, DomainTargetType, EndpointStatus, FirewallStatusValue,
        GeneratedRulesType, OverrideAction, RuleGroupKind, RuleOrder, StatefulAction,
        StatefulDirection, StatefulProtocol, StreamExceptionPolicy, TcpFlag,
    };

    #[test]
    fn firewall_with_endpoints_per_zone() {
        let f = t::Firewall::builder()
            .firewall_name("fw")
            .firewall_arn("arn:aws:network-firewall:us-east-1:1:firewall/fw")
            .firewall_policy_arn("arn:policy")
            .vpc_id("vpc-1")
            .subnet_mappings(
                t::SubnetMapping::builder()
                    .subnet_id("subnet-b")
                    .build()
                    .unwrap(),
            )
            .subnet_mappings(
                t::SubnetMapping::builder()
                    .subnet_id("subnet-a")
                    .build()
                    .unwrap(),
            )
            .firewall_id("id")
            .build()
            .unwrap();
        let status = t::FirewallStatus::builder()
            .status(t::FirewallStatusValue::Ready)
            .configuration_sync_state_summary(t::ConfigurationSyncState::Pending)
            .sync_states(
                "us-east-1b",
                t::SyncState::builder()
                    .attachment(
                        t::Attachment::builder()
                            .subnet_id("subnet-b")
                            .status(t::AttachmentStatus::from("NEWLY_INVENTED"))
                            .status_message("")
                            .build(),
                    )
                    .build(),
            )
            .sync_states(
                "us-east-1a",
                t::SyncState::builder()
                    .attachment(
                        t::Attachment::builder()
                            .subnet_id("subnet-a")
                            .endpoint_id("vpce-a")
                            .status(t::AttachmentStatus::Ready)
                            .build(),
                    )
                    .build(),
            )
            .sync_states("us-east-1c", t::SyncState::builder().build())
            .build()
            .unwrap();
        let fw = firewall(&f, Some(&status));
        assert_eq!(fw.name, "fw");
        assert_eq!(fw.vpc_id, "vpc-1");
        assert_eq!(fw.policy_arn, "arn:policy");
        assert_eq!(fw.subnet_ids, vec!["subnet-a", "subnet-b"]);
        assert_eq!(fw.status, FirewallStatusValue::Ready);
        assert_eq!(fw.configuration_sync, ConfigurationSyncState::Pending);
        let zones: Vec<&str> = fw
            .endpoints
            .iter()
            .map(|e| e.availability_zone.as_str())
            .collect();
        assert_eq!(zones, vec!["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert_eq!(fw.endpoints[0].endpoint_id.as_deref(), Some("vpce-a"));
        assert_eq!(fw.endpoints[0].status, EndpointStatus::Ready);
        // A status this build does not know, no endpoint yet, an empty message.
        assert_eq!(fw.endpoints[1].status, EndpointStatus::Unknown);
        assert_eq!(fw.endpoints[1].endpoint_id, None);
        assert_eq!(fw.endpoints[1].status_message, None);
        // A zone without an attachment still shows up, with nothing known about it.
        assert_eq!(fw.endpoints[2].subnet_id, "");
        assert_eq!(fw.endpoints[2].status, EndpointStatus::Unknown);

        let bare = firewall(&f, None);
        assert!(bare.endpoints.is_empty());
        assert_eq!(bare.status, FirewallStatusValue::Unknown);
    }

    #[test]
    fn policy_with_groups_engine_and_variables() {
        let response = t::FirewallPolicyResponse::builder()
            .firewall_policy_name("pol")
            .firewall_policy_arn("arn:pol")
            .firewall_policy_id("id")
            .build()
            .unwrap();
        let p = t::FirewallPolicy::builder()
            .stateless_default_actions("aws:forward_to_sfe")
            .stateless_default_actions("metric")
            .stateless_fragment_default_actions("aws:drop")
            .stateless_custom_actions(
                t::CustomAction::builder()
                    .action_name("metric")
                    .action_definition(
                        t::ActionDefinition::builder()
                            .publish_metric_action(
                                t::PublishMetricAction::builder()
                                    .dimensions(t::Dimension::builder().value("v").build().unwrap())
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .stateless_rule_group_references(
                t::StatelessRuleGroupReference::builder()
                    .resource_arn("arn:late")
                    .priority(20)
                    .build()
                    .unwrap(),
            )
            .stateless_rule_group_references(
                t::StatelessRuleGroupReference::builder()
                    .resource_arn("arn:early")
                    .priority(10)
                    .build()
                    .unwrap(),
            )
            .stateful_rule_group_references(
                t::StatefulRuleGroupReference::builder()
                    .resource_arn("arn:managed")
                    .priority(5)
                    .r#override(
                        t::StatefulRuleGroupOverride::builder()
                            .action(t::OverrideAction::DropToAlert)
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .stateful_rule_group_references(
                t::StatefulRuleGroupReference::builder()
                    .resource_arn("arn:plain")
                    .build()
                    .unwrap(),
            )
            .stateful_default_actions("aws:drop_established")
            .stateful_engine_options(
                t::StatefulEngineOptions::builder()
                    .rule_order(t::RuleOrder::StrictOrder)
                    .stream_exception_policy(t::StreamExceptionPolicy::Continue)
                    .build(),
            )
            .policy_variables(
                t::PolicyVariables::builder()
                    .rule_variables(
                        "HOME_NET",
                        t::IpSet::builder()
                            .definition("10.0.0.0/16")
                            .definition("10.1.0.0/16")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .tls_inspection_configuration_arn("arn:tls")
            .build()
            .unwrap();
        let pol = firewall_policy(&response, &p);
        assert_eq!((pol.arn.as_str(), pol.name.as_str()), ("arn:pol", "pol"));
        assert_eq!(
            pol.stateless_default_actions,
            vec!["aws:forward_to_sfe", "metric"]
        );
        assert_eq!(pol.stateless_fragment_default_actions, vec!["aws:drop"]);
        assert_eq!(
            pol.stateless_custom_actions,
            vec![CustomAction {
                name: "metric".into(),
                publishes_metric: true
            }]
        );
        let order: Vec<&str> = pol
            .stateless_rule_groups
            .iter()
            .map(|g| g.arn.as_str())
            .collect();
        assert_eq!(order, vec!["arn:early", "arn:late"], "sorted by priority");
        assert_eq!(
            pol.stateful_rule_groups[0].override_action,
            Some(OverrideAction::DropToAlert)
        );
        assert_eq!(pol.stateful_rule_groups[0].priority, Some(5));
        assert_eq!(pol.stateful_rule_groups[1].priority, None);
        assert_eq!(pol.stateful_rule_groups[1].override_action, None);
        assert_eq!(pol.stateful_default_actions, vec!["aws:drop_established"]);
        assert_eq!(pol.stateful_engine.rule_order, RuleOrder::StrictOrder);
        assert_eq!(
            pol.stateful_engine.stream_exception_policy,
            Some(StreamExceptionPolicy::Continue)
        );
        assert_eq!(
            pol.policy_variables.get("HOME_NET"),
            Some(&vec!["10.0.0.0/16".to_string(), "10.1.0.0/16".to_string()])
        );
        assert_eq!(
            pol.tls_inspection_configuration_arn.as_deref(),
            Some("arn:tls")
        );

        // A policy with nothing but its required fields: the API defaults.
        let required_only = t::FirewallPolicy::builder()
            .set_stateless_default_actions(Some(vec![]))
            .set_stateless_fragment_default_actions(Some(vec![]))
            .build()
            .unwrap();
        let empty = firewall_policy(&response, &required_only);
        assert_eq!(
            empty.stateful_engine.rule_order,
            RuleOrder::DefaultActionOrder
        );
        assert_eq!(empty.stateful_engine.stream_exception_policy, None);
        assert!(empty.policy_variables.is_empty() && empty.stateful_rule_groups.is_empty());
    }

    fn response(kind: Option<t::RuleGroupType>) -> t::RuleGroupResponse {
        t::RuleGroupResponse::builder()
            .rule_group_arn("arn:rg")
            .rule_group_name("rg")
            .rule_group_id("id")
            .set_type(kind)
            .build()
            .unwrap()
    }

    #[test]
    fn stateless_rules_sorted_with_match_attributes() {
        let rule = |priority: i32, action: &str| {
            t::StatelessRule::builder()
                .priority(priority)
                .rule_definition(
                    t::RuleDefinition::builder()
                        .actions(action)
                        .match_attributes(
                            t::MatchAttributes::builder()
                                .sources(
                                    t::Address::builder()
                                        .address_definition("10.0.0.0/8")
                                        .build()
                                        .unwrap(),
                                )
                                .destination_ports(
                                    t::PortRange::builder().from_port(443).to_port(443).build(),
                                )
                                .protocols(6)
                                .tcp_flags(
                                    t::TcpFlagField::builder()
                                        .flags(t::TcpFlag::Syn)
                                        .masks(t::TcpFlag::Syn)
                                        .masks(t::TcpFlag::Ack)
                                        .masks(t::TcpFlag::from("XMAS"))
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        };
        let g = t::RuleGroup::builder()
            .rules_source(
                t::RulesSource::builder()
                    .stateless_rules_and_custom_actions(
                        t::StatelessRulesAndCustomActions::builder()
                            .stateless_rules(rule(20, "aws:pass"))
                            .stateless_rules(rule(10, "aws:drop"))
                            .stateless_rules(
                                t::StatelessRule::builder().priority(5).build().unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build();
        let rg = rule_group(&response(Some(t::RuleGroupType::Stateless)), &g);
        assert_eq!(rg.kind, RuleGroupKind::Stateless);
        let RulesSource::StatelessRules {
            rules,
            custom_actions,
        } = &rg.source
        else {
            panic!("stateless source expected, got {:?}", rg.source);
        };
        assert!(custom_actions.is_empty());
        let priorities: Vec<i32> = rules.iter().map(|r| r.priority).collect();
        assert_eq!(priorities, vec![5, 10, 20]);
        // A rule without a definition matches everything and has no action: the evaluator
        // reports it instead of inventing one.
        assert_eq!(rules[0].match_attributes, MatchAttributes::default());
        assert!(rules[0].actions.is_empty());
        let m = &rules[1].match_attributes;
        assert_eq!(rules[1].actions, vec!["aws:drop"]);
        assert_eq!(m.sources, vec!["10.0.0.0/8"]);
        assert!(m.destinations.is_empty() && m.source_ports.is_empty());
        assert_eq!(m.destination_ports, vec![PortRange { from: 443, to: 443 }]);
        assert_eq!(m.protocols, vec![6]);
        assert_eq!(
            m.tcp_flags,
            vec![TcpFlagField {
                flags: vec![TcpFlag::Syn],
                masks: vec![TcpFlag::Syn, TcpFlag::Ack, TcpFlag::Unknown],
            }]
        );
    }

    #[test]
    fn stateful_sources_variables_and_odd_values() {
        let g = t::RuleGroup::builder()
            .rule_variables(
                t::RuleVariables::builder()
                    .ip_sets(
                        "WEB",
                        t::IpSet::builder()
                            .definition("10.0.1.0/24")
                            .build()
                            .unwrap(),
                    )
                    .port_sets("TLS", t::PortSet::builder().definition("443").build())
                    .build(),
            )
            .reference_sets(
                t::ReferenceSets::builder()
                    .ip_set_references(
                        "PL",
                        t::IpSetReference::builder().reference_arn("arn:pl").build(),
                    )
                    .build(),
            )
            .stateful_rule_options(
                t::StatefulRuleOptions::builder()
                    .rule_order(t::RuleOrder::StrictOrder)
                    .build(),
            )
            .rules_source(
                t::RulesSource::builder()
                    .stateful_rules(
                        t::StatefulRule::builder()
                            .action(t::StatefulAction::Drop)
                            .header(
                                t::Header::builder()
                                    .protocol(t::StatefulRuleProtocol::Any)
                                    .source("$WEB")
                                    .source_port("ANY")
                                    .direction(t::StatefulRuleDirection::Any)
                                    .destination("ANY")
                                    .destination_port("$TLS")
                                    .build()
                                    .unwrap(),
                            )
                            .rule_options(
                                t::RuleOption::builder()
                                    .keyword("sid")
                                    .settings("7")
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .stateful_rules(
                        t::StatefulRule::builder()
                            .action(t::StatefulAction::from("QUARANTINE"))
                            .set_rule_options(Some(vec![]))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build();
        let rg = rule_group(&response(Some(t::RuleGroupType::Stateful)), &g);
        assert_eq!(
            rg.variables.ip_sets.get("WEB"),
            Some(&vec!["10.0.1.0/24".to_string()])
        );
        assert_eq!(
            rg.variables.port_sets.get("TLS"),
            Some(&vec!["443".to_string()])
        );
        assert_eq!(
            rg.ip_set_references.get("PL").map(String::as_str),
            Some("arn:pl")
        );
        assert_eq!(rg.rule_order, Some(RuleOrder::StrictOrder));
        let RulesSource::StatefulRules { rules } = &rg.source else {
            panic!("stateful source expected, got {:?}", rg.source);
        };
        assert_eq!(rules[0].action, StatefulAction::Drop);
        assert_eq!(
            rules[0].header.protocol,
            StatefulProtocol::Ip,
            "the API's IP"
        );
        assert_eq!(rules[0].header.direction, StatefulDirection::Any);
        assert_eq!(rules[0].header.source, "$WEB");
        assert_eq!(rules[0].header.destination_port, "$TLS");
        assert_eq!(rules[0].options[0].keyword, "sid");
        assert_eq!(rules[0].options[0].settings, vec!["7"]);
        // An unknown action and a missing header are kept as unknown, not dropped.
        assert_eq!(rules[1].action, StatefulAction::Unknown);
        assert_eq!(rules[1].header.protocol, StatefulProtocol::Unknown);
        assert_eq!(rules[1].header.direction, StatefulDirection::Unknown);

        let domains = t::RuleGroup::builder()
            .rules_source(
                t::RulesSource::builder()
                    .rules_source_list(
                        t::RulesSourceList::builder()
                            .targets(".example.com")
                            .target_types(t::TargetType::HttpHost)
                            .target_types(t::TargetType::AwsRoute53ResolvedDomain)
                            .generated_rules_type(t::GeneratedRulesType::Rejectlist)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build();
        let rg = rule_group(&response(Some(t::RuleGroupType::StatefulDomain)), &domains);
        assert_eq!(rg.kind, RuleGroupKind::StatefulDomain);
        assert_eq!(
            rg.source,
            RulesSource::DomainList(DomainList {
                targets: vec![".example.com".into()],
                target_types: vec![DomainTargetType::HttpHost, DomainTargetType::Unknown],
                generated_rules_type: GeneratedRulesType::Rejectlist,
            })
        );

        let text = t::RuleGroup::builder()
            .rules_source(
                t::RulesSource::builder()
                    .rules_string("drop tls any any -> any any (sid:1;)")
                    .build(),
            )
            .build();
        let rg = rule_group(&response(None), &text);
        assert_eq!(rg.kind, RuleGroupKind::Unknown);
        assert_eq!(
            rg.source,
            RulesSource::RulesString {
                rules: "drop tls any any -> any any (sid:1;)".into()
            }
        );
        assert_eq!(rg.rule_order, None);

        let empty = rule_group(&response(None), &t::RuleGroup::builder().build());
        assert_eq!(empty.source, RulesSource::Unknown);
        assert_eq!(empty.variables, RuleVariables::default());
        let empty_source = t::RuleGroup::builder()
            .rules_source(t::RulesSource::builder().build())
            .build();
        assert_eq!(
            rule_group(&response(None), &empty_source).source,
            RulesSource::Unknown
        );
    }
}
