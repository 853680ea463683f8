//! Lambda functions registered as targets, as `lambda:GetFunction`, `lambda:GetPolicy` and
//! `lambda:GetFunctionConcurrency` report them: what decides whether an ALB can invoke one
//! (ALB211). A Lambda target is not a network path: the ALB invokes the function through the
//! Lambda service
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html>).

use serde::{Deserialize, Serialize};

/// One registered function (or version, or alias), by the target id it was registered with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaFunction {
    /// The target id: the function's ARN, with a version or alias when one was registered.
    pub arn: String,
    /// Whether it exists: `false` when GetFunction answered `ResourceNotFoundException`.
    pub exists: bool,
    /// Its state (`Active`, `Pending`, `Inactive`, `Failed`), when said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The resource-based policy document exactly as GetPolicy returned it (JSON text from
    /// the account: parsed, never trusted); `None` when the function has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The function's reserved concurrency (`None`: unreserved, it uses the account's pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<i32>,
}
