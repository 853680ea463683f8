//! ALB214: a listener rule or default action that no request reaches.

use crate::analysis::reachable::unreachable;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB214",
    name: "listener-rule-unreachable",
    severity: Severity::Note,
    title: "A listener rule or default action receives no request",
    symptom: "null (nothing breaks; the configuration misleads)",
    resource: "listener ARN",
    needs: &[Dataset::Listeners, Dataset::ListenerRules],
    doc: r#"
## What it does
Tries a listener's rules in priority order, as the ALB does, and names the rules (and the
default action) that come after a rule matching every request: a rule whose every condition is
a `path-pattern` of `*` or `/*`, or a `host-header` of `*`. Their target groups are not checked
(no request reaches them), so an empty or unhealthy group behind them is no error.

Only certain cases count: a rule with any narrower condition (a method, a header, a query
string, a source address, a regular expression alone) leaves everything after it reachable.

## Why is this bad?
It is not: nothing breaks. But configuration that looks live and is not misleads whoever reads
it next, and an empty target group behind it looks like an outage waiting to happen.

## How to fix
Delete the rule (or the target group behind the default action), or narrow the catch-all rule
if the later rules were meant to receive requests.

## Example
The ECS reference architecture's listener forwards `path-pattern *` (priority 1) to the
service and keeps a default action forwarding to an empty target group: the default action is
reported here, as a note, and the empty group is not an ALB208 error.

## References
- [Listener rules for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html)
- [Condition types for listener rules](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for l in &ctx.lb.listeners {
        for (via, by) in unreachable(l) {
            let groups: Vec<&str> = l
                .forwards
                .iter()
                .filter(|f| f.via == via)
                .map(|f| f.target_group_arn.as_str())
                .collect();
            let what = if via == "default" {
                "The default action".to_string()
            } else {
                format!("Listener rule {}", via.trim_start_matches("rule "))
            };
            let forwards = if groups.is_empty() {
                String::new()
            } else {
                format!(
                    "; the target groups it forwards to ({}) are not checked",
                    groups.join(", ")
                )
            };
            out.emit(
                RULE.finding(
                    &l.arn,
                    format!(
                        "{what} of listener {} receives no request: {by} matches every request first{forwards}.",
                        l.port
                    ),
                    format!(
                        "Delete {} (or what only it uses), or narrow {by} if it was meant to receive requests.",
                        what.to_lowercase()
                    ),
                )
                .port(l.port)
                .cause_key(format!("{} {via}", l.arn))
                .change(vec![l.arn.clone()])
                .evidence("listener", l.arn.as_str())
                .evidence("via", via)
                .evidence("shadowed_by", by)
                .evidence("target_groups", groups),
            );
        }
    }
}
