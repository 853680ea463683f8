//! Lambda target reads (ALB211): for each function registered in a Lambda target group, the
//! function (`lambda:GetFunction`), its resource-based policy (`lambda:GetPolicy`) and its
//! reserved concurrency (`lambda:GetFunctionConcurrency`), converted to the model. The three
//! calls need only the target id, which DescribeTargetHealth gave, so they run in the round
//! that reads what stands behind the other targets.
//!
//! `ResourceNotFoundException` is an answer, not a gap: from GetFunction the function is gone,
//! from GetPolicy it has no policy, from GetFunctionConcurrency nothing is reserved. Any other
//! failure is a gap for every target group that registers the function, so only ALB211 is
//! `not_evaluated` for the ALBs that use it.

use std::collections::{BTreeMap, BTreeSet};

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;

use super::failure::gap;
use super::{Collector, GroupGap, Groups};
use crate::model::lambda::LambdaFunction;
use crate::model::{Dataset, Gap, TargetType};

const GET_FUNCTION: &str = "lambda:GetFunction";
const GET_POLICY: &str = "lambda:GetPolicy";
const GET_FUNCTION_CONCURRENCY: &str = "lambda:GetFunctionConcurrency";

/// One read's outcome: an answer, "not found", or a gap.
enum Read<T> {
    Found(T),
    NotFound,
    Failed(Gap),
}

impl Collector {
    /// The functions registered in `groups`' Lambda target groups, by target id, and the
    /// reads that failed (each for the groups that register the function).
    pub(super) async fn lambda_functions(
        &self,
        groups: &Groups,
    ) -> (BTreeMap<String, LambdaFunction>, Vec<GroupGap>) {
        let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for g in groups
            .values()
            .filter(|g| g.target_type == TargetType::Lambda)
        {
            for t in &g.targets {
                users.entry(&t.id).or_default().insert(&g.arn);
            }
        }
        let read = join_all(users.keys().map(|arn| self.lambda_function(arn))).await;
        let mut out = BTreeMap::new();
        let mut gaps = Vec::new();
        for ((arn, groups), (function, failed)) in users.iter().zip(read) {
            out.insert(arn.to_string(), function);
            for gap in failed {
                gaps.extend(groups.iter().map(|g| GroupGap {
                    group: Some(g.to_string()),
                    gap: gap.clone(),
                }));
            }
        }
        (out, gaps)
    }

    /// The three reads of one function, side by side.
    async fn lambda_function(&self, arn: &str) -> (LambdaFunction, Vec<Gap>) {
        let timeout = self.lambda_caller.timeout_secs();
        let (function, policy, concurrency) = tokio::join!(
            self.lambda_caller
                .bounded(self.lambda.get_function().function_name(arn).send()),
            self.lambda_caller
                .bounded(self.lambda.get_policy().function_name(arn).send()),
            self.lambda_caller.bounded(
                self.lambda
                    .get_function_concurrency()
                    .function_name(unqualified(arn))
                    .send()
            ),
        );
        let mut gaps = Vec::new();
        let mut out = LambdaFunction {
            arn: arn.to_string(),
            ..LambdaFunction::default()
        };
        match outcome(function, Dataset::LambdaFunctions, GET_FUNCTION, timeout) {
            Read::Found(f) => {
                out.exists = true;
                out.state = f
                    .configuration()
                    .and_then(|c| c.state())
                    .map(|s| s.as_str().to_string());
            }
            Read::NotFound => out.exists = false,
            Read::Failed(g) => gaps.push(g),
        }
        match outcome(policy, Dataset::LambdaPolicies, GET_POLICY, timeout) {
            Read::Found(p) => out.policy = p.policy().map(str::to_string),
            Read::NotFound => {}
            Read::Failed(g) => gaps.push(g),
        }
        match outcome(
            concurrency,
            Dataset::LambdaConcurrency,
            GET_FUNCTION_CONCURRENCY,
            timeout,
        ) {
            Read::Found(c) => out.reserved_concurrency = c.reserved_concurrent_executions(),
            Read::NotFound => {}
            Read::Failed(g) => gaps.push(g),
        }
        (out, gaps)
    }
}

/// What one read's result means.
fn outcome<T, E>(result: Result<T, E>, dataset: Dataset, api: &str, timeout: u64) -> Read<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(v) => Read::Found(v),
        Err(e) if e.code() == Some("ResourceNotFoundException") => Read::NotFound,
        Err(e) => Read::Failed(gap(dataset, api, &e, None, timeout)),
    }
}

/// The function's ARN without a version or alias: reserved concurrency belongs to the
/// function (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
fn unqualified(arn: &str) -> &str {
    match arn.match_indices(':').nth(6) {
        Some((i, _)) => &arn[..i],
        None => arn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qualifier_is_dropped_for_concurrency() {
        let f = "arn:aws:lambda:us-east-1:123456789012:function:web";
        assert_eq!(unqualified(f), f);
        assert_eq!(unqualified(&format!("{f}:live")), f);
        assert_eq!(unqualified(&format!("{f}:7")), f);
        assert_eq!(unqualified("web"), "web");
    }
}
