//! Converts listener rules and default actions to [`ListenerRule`]: the conditions (which rule
//! carries traffic) and the actions (which make the nodes call an identity provider).
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RuleCondition.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Action.html>

use aws_sdk_elasticloadbalancingv2::types as t;

use crate::model::actions::{ListenerRule, RuleAction, RuleCondition};

/// A listener's default actions as a rule without conditions.
pub fn default_rule(actions: &[t::Action]) -> ListenerRule {
    ListenerRule {
        via: "default".to_string(),
        priority: None,
        conditions: Vec::new(),
        actions: ordered(actions),
    }
}

/// A non-default rule as DescribeRules returns it.
pub fn rule(r: &t::Rule, via: &str) -> ListenerRule {
    ListenerRule {
        via: via.to_string(),
        priority: r.priority().and_then(|p| p.parse().ok()),
        conditions: r.conditions().iter().map(condition).collect(),
        actions: ordered(r.actions()),
    }
}

/// Actions in the order the ALB performs them (`Order`, then as listed).
fn ordered(actions: &[t::Action]) -> Vec<RuleAction> {
    let mut sorted: Vec<&t::Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    sorted.into_iter().map(action).collect()
}

fn action(a: &t::Action) -> RuleAction {
    let kind = a
        .r#type()
        .map(|k| k.as_str().to_string())
        .unwrap_or_default();
    let mut endpoints = Vec::new();
    if let Some(oidc) = a.authenticate_oidc_config() {
        endpoints.extend(
            [
                oidc.token_endpoint(),
                oidc.user_info_endpoint(),
                oidc.issuer(),
            ]
            .into_iter()
            .flatten()
            .map(str::to_string),
        );
    }
    if let Some(cognito) = a.authenticate_cognito_config() {
        endpoints.extend(
            [cognito.user_pool_domain(), cognito.user_pool_arn()]
                .into_iter()
                .flatten()
                .map(str::to_string),
        );
    }
    RuleAction { kind, endpoints }
}

/// One condition: its field and the plain values of path and host patterns, whether given as
/// `Values` or in the field's config; other fields keep no values (they never match every
/// request as far as this tool judges).
fn condition(c: &t::RuleCondition) -> RuleCondition {
    let field = c.field().unwrap_or_default().to_string();
    let (config_values, config_regex): (&[String], &[String]) = match field.as_str() {
        "path-pattern" => c
            .path_pattern_config()
            .map(|p| (p.values(), p.regex_values()))
            .unwrap_or_default(),
        "host-header" => c
            .host_header_config()
            .map(|h| (h.values(), h.regex_values()))
            .unwrap_or_default(),
        _ => (&[], &[]),
    };
    let values = match field.as_str() {
        "path-pattern" | "host-header" => c.values().iter().chain(config_values).cloned().collect(),
        _ => Vec::new(),
    };
    RuleCondition {
        field,
        values,
        has_regex: !c.regex_values().is_empty() || !config_regex.is_empty(),
    }
}
