//! The evidence a remediation refers to, rendered in a line each for the text, Markdown and
//! JUnit reports: the ACL entry that denies (`denied_by`), the route that is chosen (`route`),
//! who is blocked and who is admitted, what the nodes saw, the health reason. Keys that only
//! place the finding (subnet, zone, target group, port role) are left to the JSON report,
//! whose `evidence` object holds everything (docs/report.md, "Evidence").

use serde_json::Value;

use super::group::{self, Cause};

/// The evidence keys that remediations refer to, in the order they are printed. `routes`
/// (one explanation per blocked part) only when there is no single `route`.
const DECISIVE: &[&str] = &[
    "denied_by",
    "route",
    "routes",
    "blocked",
    "admitted",
    "admitted_groups",
    "allowed_destinations",
    "allowed_groups",
    "security_groups",
    "node_addresses",
    "nodes",
    "reason",
    "description",
    "state",
    "enabled_zones",
    "unserved",
    "ip_address_type",
    "healthy_by_zone",
    "registered_in_zone",
    "dns_failover",
    "via",
];

/// How many differing values of one key a cause's entry shows before counting the rest.
const VALUES_SHOWN: usize = 3;

/// The decisive evidence of a cause as (key, value) lines. Where the findings of the cause
/// disagree on a key, its distinct values are joined by ` | `; empty values are left out.
pub fn lines(cause: &Cause<'_>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for key in DECISIVE {
        if *key == "routes" && cause.lead.evidence.contains_key("route") {
            continue;
        }
        let values: Vec<String> = cause
            .distinct(|f| f.evidence.get(*key).map(render))
            .into_iter()
            .flatten()
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            continue;
        }
        let line = group::joined(&values, VALUES_SHOWN);
        out.push((*key, line));
    }
    out
}

/// One evidence value on one line: strings as they are, lists joined by `, `, and the
/// `nodes` of a collapsed backend finding as `ZONE ADDRESSES` grouped by what each saw.
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            nodes(items)
        }
        Value::Array(items) => items.iter().map(render).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", render(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `us-east-1a 10.0.1.10, us-east-1b 10.0.2.10: no inbound rule of sg-0app allows it`: the
/// nodes that saw the same thing share one `why`.
fn nodes(items: &[Value]) -> String {
    let field = |node: &Value, key: &str| {
        node.get(key)
            .map(render)
            .filter(|s| !s.is_empty())
            .unwrap_or_default()
    };
    let mut by_why: Vec<(String, Vec<String>)> = Vec::new();
    for node in items {
        let name = [field(node, "node_zone"), field(node, "node_addresses")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let why = field(node, "why");
        match by_why.iter_mut().find(|(w, _)| *w == why) {
            Some((_, names)) => names.push(name),
            None => by_why.push((why, vec![name])),
        }
    }
    by_why
        .into_iter()
        .map(|(why, names)| {
            let names = names.join(", ");
            if why.is_empty() {
                names
            } else {
                format!("{names}: {why}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::report::group::{by_cause, tests::finding};
    use serde_json::json;

    #[test]
    fn nodes_that_saw_the_same_share_a_line() {
        let nodes = json!([
            {"node_zone": "us-east-1a", "node_addresses": "10.0.1.10", "node_subnet": "subnet-0aa", "why": "no rule"},
            {"node_zone": "us-east-1b", "node_addresses": "10.0.2.10", "node_subnet": "subnet-0bb", "why": "no rule"},
            {"node_zone": "us-east-1c", "node_addresses": "10.0.3.10", "node_subnet": "subnet-0cc", "why": "denied"},
        ]);
        assert_eq!(
            render(&nodes),
            "us-east-1a 10.0.1.10, us-east-1b 10.0.2.10: no rule; us-east-1c 10.0.3.10: denied"
        );
        assert_eq!(render(&json!(["sg-0a", "sg-0b"])), "sg-0a, sg-0b");
        assert_eq!(render(&json!([])), "");
    }

    #[test]
    fn a_cause_prints_decisive_keys_in_order_and_merges_what_differs() {
        let mut a = finding("aa", Some("i-1"), Severity::Error);
        let mut b = finding("aa", Some("i-2"), Severity::Error);
        for (f, route) in [
            (&mut a, "0.0.0.0/0 -> nat-0cc"),
            (&mut b, "0.0.0.0/0 -> nat-0dd"),
        ] {
            f.evidence.insert("subnet".into(), json!("subnet-0aa"));
            f.evidence.insert("blocked".into(), json!("0.0.0.0/0"));
            f.evidence.insert("route".into(), json!(route));
            f.evidence.insert("routes".into(), json!(["all: via nat"]));
            f.evidence.insert("admitted_groups".into(), json!([]));
        }
        let causes = by_cause([&a, &b]);
        assert_eq!(
            lines(&causes[0]),
            [
                (
                    "route",
                    "0.0.0.0/0 -> nat-0cc | 0.0.0.0/0 -> nat-0dd".to_string()
                ),
                ("blocked", "0.0.0.0/0".to_string()),
            ],
            "context keys, empty lists and `routes` beside a `route` are left out"
        );
    }
}
