//! What a listener does with a request, rule by rule: the conditions that pick the request
//! (for which rule carries traffic) and the actions taken (for authenticate actions that make
//! the ALB nodes call an identity provider). Forwards are kept apart, in
//! [`super::Forward`], because every target rule reads them.

use serde::{Deserialize, Serialize};

/// One rule of a listener, or its default action (`via` = `default`, no condition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRule {
    /// `default` or `rule N`, as [`super::Forward::via`] names it.
    pub via: String,
    /// The rule's priority; `None` for the default action or a priority that does not parse.
    #[serde(default)]
    pub priority: Option<u32>,
    /// Its conditions: all must match (AND); values within one condition are alternatives.
    #[serde(default)]
    pub conditions: Vec<RuleCondition>,
    /// Its actions in order (`authenticate-oidc`, `authenticate-cognito`, `forward`,
    /// `redirect`, `fixed-response`).
    #[serde(default)]
    pub actions: Vec<RuleAction>,
}

/// One condition of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// `path-pattern`, `host-header`, `http-header`, `query-string`, `source-ip`,
    /// `http-request-method`.
    pub field: String,
    /// Its plain values (wildcards `*` and `?`), for path and host patterns.
    #[serde(default)]
    pub values: Vec<String>,
    /// Whether it also holds regular expressions (`RegexValues`), which are never judged.
    #[serde(default)]
    pub has_regex: bool,
}

/// One action of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleAction {
    /// The action type, as the API spells it.
    pub kind: String,
    /// `authenticate-oidc`: the identity provider's token and user-info endpoints (and the
    /// issuer); `authenticate-cognito`: the user pool's domain. Empty for other actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<String>,
}

impl RuleAction {
    /// Whether the ALB nodes call an identity provider for it.
    pub fn authenticates(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "authenticate-oidc" | "authenticate-cognito"
        )
    }
}
