//! ALB211: a Lambda target group whose function the ALB cannot invoke.

use crate::analysis::lambda::{judge, NotInvocable, Verdict};
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::fix::shell_quote;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB211",
    name: "lambda-target-not-invocable",
    severity: Severity::Error,
    title: "The ALB cannot invoke a Lambda target group's function",
    symptom: "http-502 (function missing, not allowed), http-503 (reserved concurrency 0)",
    resource: "target group ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::TargetHealth,
        Dataset::LambdaFunctions,
        Dataset::LambdaPolicies,
        Dataset::LambdaConcurrency,
    ],
    doc: r#"
## What it does
For every Lambda target group that a listener rule (or default action) receiving requests
forwards to, checks that the ALB can invoke the registered function: the function exists
(`lambda:GetFunction`), its resource-based policy (`lambda:GetPolicy`) allows the principal
`elasticloadbalancing.amazonaws.com` to call `lambda:InvokeFunction` with this target group as
the source (`aws:SourceArn`), and its reserved concurrency
(`lambda:GetFunctionConcurrency`) is not 0.

A policy with conditions or elements this tool does not judge (`NotPrincipal`, an operator
other than `ArnEquals`, `ArnLike`, `StringEquals`, `StringLike`, a key other than
`aws:SourceArn` and `aws:SourceAccount`) is listed as not evaluated, never passed.

## Why is this bad?
The ALB invokes the function for every request the group receives, and fails each one as its
access logs say: `LambdaResourceNotFound` and `LambdaAccessDenied` answer **HTTP 502**,
`LambdaThrottling` (reserved concurrency 0 throttles every invocation) **HTTP 503**.

## How to fix
Register a function that exists; allow the ALB to invoke it
(`aws lambda add-permission --function-name FUNCTION --statement-id elb --principal
elasticloadbalancing.amazonaws.com --action lambda:InvokeFunction --source-arn TARGET_GROUP`,
with `--qualifier` for a registered alias or version); remove the reserved concurrency of 0
(`aws lambda delete-function-concurrency`) or set a positive one.

## Example
A function was deployed again under the same name by a template that replaced its resource
policy: the statement for `elasticloadbalancing.amazonaws.com` is gone and every request gets
502.

## References
- [Lambda functions as targets](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html)
- [Access log error reason codes](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#error-reason-codes)
- [Reserved concurrency](https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for used in ctx.groups() {
        let Some(group) = used.group else {
            continue;
        };
        let Some(&(listener, forward)) = used.forwards.first() else {
            continue;
        };
        for (function, verdict) in judge(ctx.snapshot, group) {
            let reasons = match verdict {
                Verdict::Judged(_, reasons) => reasons,
                Verdict::Unknown(why) => {
                    out.not_evaluated(why);
                    continue;
                }
            };
            for reason in reasons {
                let (what, fix) = match &reason {
                    NotInvocable::Missing => (
                        format!("its function {function} does not exist"),
                        format!(
                            "Register an existing function in {} (or deploy {function} again).",
                            group.name
                        ),
                    ),
                    NotInvocable::NotAllowed(why) => (
                        format!("the resource-based policy of {function} does not let the ALB invoke it ({why})"),
                        format!(
                            "Allow the ALB to invoke the function for this target group: aws lambda add-permission --function-name {} --statement-id elb-{} --principal elasticloadbalancing.amazonaws.com --action lambda:InvokeFunction --source-arn {}",
                            shell_quote(function),
                            shell_quote(&group.name),
                            shell_quote(&group.arn)
                        ),
                    ),
                    NotInvocable::ReservedConcurrencyZero => (
                        format!("{function} has a reserved concurrency of 0, which throttles every invocation"),
                        format!(
                            "Remove the reserved concurrency of 0 or set a positive one: aws lambda delete-function-concurrency --function-name {}",
                            shell_quote(function)
                        ),
                    ),
                };
                let status = reason.symptom();
                let finding = RULE
                    .finding(
                        &group.arn,
                        format!(
                            "Lambda target group {} receives requests from listener {} ({}), but {what}: they get {} ({}).",
                            group.name,
                            listener.port,
                            forward.via,
                            status.as_str().trim_start_matches("http-"),
                            reason.error_reason()
                        ),
                        fix,
                    )
                    .port(listener.port)
                    .judged(used.not_invocable(status))
                    .change(vec![function.to_string()])
                    .cause_key(format!("{} {function} {}", group.arn, reason.error_reason()))
                    .evidence("listener", listener.arn.as_str())
                    .evidence("via", forward.via.as_str())
                    .evidence("function", function)
                    .evidence("error_reason", reason.error_reason());
                out.emit(finding);
            }
        }
    }
}
