//! Which listener rules carry requests. An ALB tries a listener's rules in priority order and
//! takes the first whose conditions all match; the default action gets what no rule took
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html>).
//! A rule that matches every request shadows all that come after it. "Every request" is
//! judged exactly for the certain cases only: each condition a `path-pattern` with a value
//! that matches every path (`*`, `/*`, or more stars), or a `host-header` with a value of
//! only stars (wildcards: `*` is zero or more characters,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html>).
//! Anything less certain counts as reachable, so no finding is ever lost to a guess.

use std::collections::BTreeMap;

use crate::model::actions::{ListenerRule, RuleCondition};
use crate::model::Listener;

/// Whether one condition matches every request.
pub fn matches_everything(c: &RuleCondition) -> bool {
    let all_stars = |s: &str| !s.is_empty() && s.chars().all(|ch| ch == '*');
    match c.field.as_str() {
        "path-pattern" => c
            .values
            .iter()
            .any(|v| all_stars(v) || v.strip_prefix('/').is_some_and(all_stars)),
        "host-header" => c.values.iter().any(|v| all_stars(v)),
        _ => false,
    }
}

/// Whether a rule takes every request that reaches it: at least one condition, and each one
/// matches everything.
pub fn is_catch_all(rule: &ListenerRule) -> bool {
    !rule.conditions.is_empty() && rule.conditions.iter().all(matches_everything)
}

/// The rules (and default action) of `listener` that no request reaches, by `via`, each with
/// the `via` of the rule that takes their requests first. A rule without a readable priority
/// is never shadowed by another rule (its place is unknown), but still shadows the default
/// action when it matches everything.
pub fn unreachable(listener: &Listener) -> BTreeMap<&str, &str> {
    let mut out = BTreeMap::new();
    let mut ranked: Vec<&ListenerRule> = listener
        .rules
        .iter()
        .filter(|r| r.via != "default" && r.priority.is_some())
        .collect();
    ranked.sort_by_key(|r| r.priority);
    if let Some(first) = ranked.iter().position(|r| is_catch_all(r)) {
        for later in &ranked[first + 1..] {
            out.insert(later.via.as_str(), ranked[first].via.as_str());
        }
    }
    let shadow_of_default = ranked
        .iter()
        .copied()
        .chain(
            listener
                .rules
                .iter()
                .filter(|r| r.via != "default" && r.priority.is_none()),
        )
        .find(|r| is_catch_all(r));
    if let Some(catch_all) = shadow_of_default {
        out.insert("default", catch_all.via.as_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::actions::RuleAction;

    fn cond(field: &str, values: &[&str]) -> RuleCondition {
        RuleCondition {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            has_regex: false,
        }
    }

    fn rule(priority: u32, conditions: Vec<RuleCondition>) -> ListenerRule {
        ListenerRule {
            via: format!("rule {priority}"),
            priority: Some(priority),
            conditions,
            actions: vec![RuleAction {
                kind: "forward".into(),
                endpoints: vec![],
            }],
        }
    }

    fn listener(rules: Vec<ListenerRule>) -> Listener {
        let mut all = vec![ListenerRule {
            via: "default".into(),
            priority: None,
            conditions: vec![],
            actions: vec![],
        }];
        all.extend(rules);
        Listener {
            arn: "l".into(),
            port: 80,
            protocol: "HTTP".into(),
            forwards: vec![],
            ssl_policy: None,
            certificates: vec![],
            host_headers: vec![],
            host_header_regexes: vec![],
            rules: all,
            mutual_authentication: None,
        }
    }

    #[test]
    fn the_contract_cases_match_everything() {
        for (field, v) in [
            ("path-pattern", "*"),
            ("path-pattern", "/*"),
            ("path-pattern", "/**"),
            ("host-header", "*"),
        ] {
            assert!(matches_everything(&cond(field, &[v])), "{field} {v}");
        }
        for (field, v) in [
            ("path-pattern", "/api/*"),
            ("path-pattern", "/"),
            ("path-pattern", "?*"),
            ("host-header", "*.example.com"),
            ("http-header", "*"),
            ("source-ip", "0.0.0.0/0"),
        ] {
            assert!(!matches_everything(&cond(field, &[v])), "{field} {v}");
        }
        // Alternatives within a condition: one catch-all value matches every request.
        assert!(matches_everything(&cond("path-pattern", &["/api", "*"])));
    }

    #[test]
    fn a_catch_all_shadows_later_rules_and_the_default_action() {
        let l = listener(vec![
            rule(5, vec![cond("path-pattern", &["/api/*"])]),
            rule(1, vec![cond("path-pattern", &["*"])]),
            rule(9, vec![cond("host-header", &["a.example.com"])]),
        ]);
        let got = unreachable(&l);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec![
                ("default", "rule 1"),
                ("rule 5", "rule 1"),
                ("rule 9", "rule 1")
            ]
        );
    }

    #[test]
    fn a_condition_that_narrows_keeps_everything_reachable() {
        let l = listener(vec![rule(
            1,
            vec![
                cond("path-pattern", &["*"]),
                cond("http-request-method", &[]),
            ],
        )]);
        assert!(unreachable(&l).is_empty());
        let l = listener(vec![rule(1, vec![cond("path-pattern", &["/*"])])]);
        assert_eq!(unreachable(&l).get("default"), Some(&"rule 1"));
    }

    #[test]
    fn a_listener_without_rules_read_has_nothing_unreachable() {
        let mut l = listener(vec![]);
        l.rules.clear();
        assert!(unreachable(&l).is_empty());
    }
}
