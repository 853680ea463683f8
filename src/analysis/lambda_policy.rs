//! Whether a Lambda function's resource-based policy lets an ALB invoke it for one target
//! group. The load balancer invokes as the service principal `elasticloadbalancing.amazonaws.com`
//! with the target group as the source
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html#prepare-lambda-function>:
//! `aws lambda add-permission --principal elasticloadbalancing.amazonaws.com --action
//! lambda:InvokeFunction --source-arn TARGET_GROUP_ARN`).
//!
//! Evaluation follows the IAM policy grammar
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>) for
//! what such a policy holds: an explicit `Deny` that applies wins, else an `Allow` that applies
//! grants. A statement applies when its `Principal` names the service (or is `*`), its
//! `Action` matches `lambda:InvokeFunction` (action names ignore case, `*` and `?` are
//! wildcards), and every condition holds. The conditions judged are `ArnEquals` / `ArnLike`
//! (ARN components matched one by one, wildcards allowed) and `StringEquals` / `StringLike` on
//! `aws:SourceArn` (the target group) and `aws:SourceAccount` (its account)
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>).
//! Anything else (`NotPrincipal`, `NotAction`, other operators or keys) makes a statement
//! undecided: the verdict is then unknown, never a grant nor a denial. `Resource` is not
//! judged: the policy read is the one attached to the function (or alias) registered.

use serde_json::Value;

/// The service principal of Elastic Load Balancing.
pub const ELB_PRINCIPAL: &str = "elasticloadbalancing.amazonaws.com";
const INVOKE: &str = "lambda:InvokeFunction";

/// The policy's answer for one target group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// An `Allow` applies and no `Deny` does.
    Allowed,
    /// No statement allows it, or a `Deny` applies; and why, in words.
    NotAllowed(String),
    /// Not decided, and why.
    Unknown(String),
}

/// Three-valued truth of one part of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Holds {
    Yes,
    No,
    Undecided(String),
}

impl Holds {
    fn and(self, other: impl FnOnce() -> Holds) -> Holds {
        match self {
            Holds::No => Holds::No,
            Holds::Yes => other(),
            Holds::Undecided(why) => match other() {
                Holds::No => Holds::No,
                _ => Holds::Undecided(why),
            },
        }
    }
}

/// Whether `policy` (the JSON text GetPolicy returned; `None`: no policy) lets the ALB invoke
/// the function for `target_group_arn`.
pub fn allows_elb(policy: Option<&str>, target_group_arn: &str) -> Grant {
    let Some(text) = policy else {
        return Grant::NotAllowed("the function has no resource-based policy".into());
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return Grant::Unknown("the function's resource-based policy is not valid JSON".into());
    };
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        None => Vec::new(),
        Some(_) => {
            return Grant::Unknown("the policy's Statement is neither a list nor an object".into())
        }
    };
    let mut allowed = false;
    let mut undecided = Vec::new();
    for s in statements {
        let sid = s.get("Sid").and_then(Value::as_str).unwrap_or("(no Sid)");
        let deny = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => false,
            Some("Deny") => true,
            _ => {
                undecided.push(format!("statement {sid} has no Effect Allow or Deny"));
                continue;
            }
        };
        match applies(s, target_group_arn) {
            Holds::Yes if deny => {
                return Grant::NotAllowed(format!(
                    "statement {sid} denies {ELB_PRINCIPAL} lambda:InvokeFunction"
                ))
            }
            Holds::Yes => allowed = true,
            Holds::No => {}
            Holds::Undecided(why) => undecided.push(format!("statement {sid}: {why}")),
        }
    }
    match (allowed, undecided.is_empty()) {
        (_, false) => Grant::Unknown(undecided.join("; ")),
        (true, true) => Grant::Allowed,
        (false, true) => Grant::NotAllowed(format!(
            "no statement allows {ELB_PRINCIPAL} to call lambda:InvokeFunction for this target group"
        )),
    }
}

fn applies(s: &Value, target_group_arn: &str) -> Holds {
    if s.get("NotPrincipal").is_some() || s.get("NotAction").is_some() {
        return Holds::Undecided("NotPrincipal or NotAction is not judged".into());
    }
    principal(s.get("Principal"))
        .and(|| action(s.get("Action")))
        .and(|| conditions(s.get("Condition"), target_group_arn))
}

/// The strings of a policy value that is a string or a list of strings.
fn strings(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(one) => Some(vec![one]),
        Value::Array(list) => list.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

fn principal(p: Option<&Value>) -> Holds {
    match p {
        None => Holds::No,
        Some(Value::String(s)) if s == "*" => Holds::Yes,
        Some(Value::Object(map)) => {
            let mut any = false;
            for (kind, value) in map {
                let Some(names) = strings(value) else {
                    return Holds::Undecided(format!("Principal {kind} is not a string list"));
                };
                any |= match kind.as_str() {
                    "Service" => names.contains(&ELB_PRINCIPAL),
                    "AWS" => names.contains(&"*"),
                    _ => false,
                };
            }
            if any {
                Holds::Yes
            } else {
                Holds::No
            }
        }
        Some(_) => Holds::No,
    }
}

fn action(a: Option<&Value>) -> Holds {
    let Some(actions) = a.and_then(strings) else {
        return Holds::No;
    };
    let invoke = INVOKE.to_ascii_lowercase();
    if actions
        .iter()
        .any(|pattern| glob(&pattern.to_ascii_lowercase(), &invoke))
    {
        Holds::Yes
    } else {
        Holds::No
    }
}

/// Every operator and every key must hold; one of a key's values is enough.
fn conditions(c: Option<&Value>, target_group_arn: &str) -> Holds {
    let Some(c) = c else {
        return Holds::Yes;
    };
    let Some(operators) = c.as_object() else {
        return Holds::Undecided("the Condition is not an object".into());
    };
    let account = target_group_arn.split(':').nth(4).unwrap_or_default();
    let mut result = Holds::Yes;
    for (operator, keys) in operators {
        let Some(keys) = keys.as_object() else {
            return Holds::Undecided(format!("condition {operator} is not an object"));
        };
        for (key, values) in keys {
            let actual = if key.eq_ignore_ascii_case("aws:SourceArn") {
                target_group_arn
            } else if key.eq_ignore_ascii_case("aws:SourceAccount") {
                account
            } else {
                result =
                    result.and(|| Holds::Undecided(format!("condition key {key} is not judged")));
                continue;
            };
            let Some(values) = strings(values) else {
                return Holds::Undecided(format!(
                    "condition {operator} {key} is not a string list"
                ));
            };
            let matches: fn(&str, &str) -> bool = match operator.as_str() {
                "ArnEquals" | "ArnLike" => arn_like,
                "StringEquals" => |p, a| p == a,
                "StringLike" => glob,
                _ => {
                    result = result.and(|| {
                        Holds::Undecided(format!("condition operator {operator} is not judged"))
                    });
                    continue;
                }
            };
            if !values.iter().any(|p| matches(p, actual)) {
                return Holds::No;
            }
        }
    }
    result
}

/// `ArnEquals` / `ArnLike`: each of the six colon-separated components matched on its own,
/// with wildcards, case-sensitive.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

/// `*` matches any run of characters, `?` any one; everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matched[j]: the pattern so far matches t[..j].
    let mut matched = vec![false; t.len() + 1];
    matched[0] = true;
    for &c in &p {
        let mut next = vec![false; t.len() + 1];
        if c == '*' {
            let mut seen = false;
            for j in 0..=t.len() {
                seen |= matched[j];
                next[j] = seen;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = matched[j - 1] && (c == '?' || c == t[j - 1]);
            }
        }
        matched = next;
    }
    matched[t.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TG: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";

    /// What `aws lambda add-permission --principal elasticloadbalancing.amazonaws.com
    /// --source-arn TG` writes (GetPolicy's answer, as AWS returns it).
    fn added(source_arn: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Id":"default","Statement":[{{"Sid":"elb","Effect":"Allow","Principal":{{"Service":"elasticloadbalancing.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:web","Condition":{{"ArnLike":{{"AWS:SourceArn":"{source_arn}"}}}}}}]}}"#
        )
    }

    #[test]
    fn add_permission_for_this_group_allows() {
        assert_eq!(allows_elb(Some(&added(TG)), TG), Grant::Allowed);
    }

    #[test]
    fn another_group_or_none_does_not() {
        let other = TG.replace("web/", "api/");
        assert!(matches!(
            allows_elb(Some(&added(&other)), TG),
            Grant::NotAllowed(_)
        ));
        assert!(matches!(allows_elb(None, TG), Grant::NotAllowed(_)));
        let api_gateway = added(TG).replace(ELB_PRINCIPAL, "apigateway.amazonaws.com");
        assert!(matches!(
            allows_elb(Some(&api_gateway), TG),
            Grant::NotAllowed(_)
        ));
    }

    #[test]
    fn wildcards_and_lists_count() {
        let any_group = TG.replace("web/0123456789abcdef", "*");
        assert_eq!(allows_elb(Some(&added(&any_group)), TG), Grant::Allowed);
        let all = added(TG).replace(r#""lambda:InvokeFunction""#, r#"["lambda:*"]"#);
        assert_eq!(allows_elb(Some(&all), TG), Grant::Allowed);
        let lower = added(TG).replace("lambda:InvokeFunction", "lambda:invokefunction");
        assert_eq!(allows_elb(Some(&lower), TG), Grant::Allowed);
        let read_only = added(TG).replace("lambda:InvokeFunction", "lambda:Get*");
        assert!(matches!(
            allows_elb(Some(&read_only), TG),
            Grant::NotAllowed(_)
        ));
        // ArnLike's `*` does not cross a component: another region's groups do not match.
        let region = TG.replace("us-east-1", "us-west-2");
        assert!(matches!(
            allows_elb(
                Some(&added(&region.replace("web/0123456789abcdef", "*"))),
                TG
            ),
            Grant::NotAllowed(_)
        ));
    }

    #[test]
    fn no_condition_and_account_conditions() {
        let open = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["elasticloadbalancing.amazonaws.com"]},"Action":"lambda:InvokeFunction"}}"#;
        assert_eq!(allows_elb(Some(open), TG), Grant::Allowed);
        let account = |a: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Condition":{{"StringEquals":{{"aws:SourceAccount":"{a}"}}}}}}]}}"#
            )
        };
        assert_eq!(
            allows_elb(Some(&account("123456789012")), TG),
            Grant::Allowed
        );
        assert!(matches!(
            allows_elb(Some(&account("210987654321")), TG),
            Grant::NotAllowed(_)
        ));
    }

    #[test]
    fn an_applying_deny_wins_and_unknowns_stay_unknown() {
        let deny = added(TG).replace(
            r#""Statement":["#,
            r#""Statement":[{"Sid":"no","Effect":"Deny","Principal":"*","Action":"lambda:*"},"#,
        );
        assert!(matches!(allows_elb(Some(&deny), TG), Grant::NotAllowed(_)));
        let odd = added(TG).replace("ArnLike", "ArnNotEquals");
        assert!(matches!(allows_elb(Some(&odd), TG), Grant::Unknown(_)));
        let key = added(TG).replace("AWS:SourceArn", "aws:PrincipalOrgID");
        assert!(matches!(allows_elb(Some(&key), TG), Grant::Unknown(_)));
        assert!(matches!(
            allows_elb(Some("{not json"), TG),
            Grant::Unknown(_)
        ));
        // An undecided condition next to one that fails: the statement does not apply.
        let failing = added(&TG.replace("web/", "api/")).replace(
            r#""ArnLike""#,
            r#""StringEquals":{"aws:PrincipalOrgID":"o-1"},"ArnLike""#,
        );
        assert!(matches!(
            allows_elb(Some(&failing), TG),
            Grant::NotAllowed(_)
        ));
    }

    /// Brute force: a pattern matches a text when some way of giving each `*` a run of the
    /// text's characters spells it.
    fn oracle(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|k| oracle(rest, &t[k..])),
            Some((c, rest)) => !t.is_empty() && (*c == '?' || *c == t[0]) && oracle(rest, &t[1..]),
        }
    }

    proptest! {
        #[test]
        fn glob_agrees_with_brute_force(p in "[ab*?]{0,7}", t in "[ab]{0,7}") {
            let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
            prop_assert_eq!(glob(&p, &t), oracle(&pc, &tc));
        }
    }
}
