//! Turning SDK errors into gaps: a read that failed is recorded with the API and the error
//! code, so the rules that need it report `not_evaluated` instead of passing.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::model::{Dataset, Gap};

/// The error code AWS returned (`AccessDenied`, `Throttling`…), or the error's full context
/// on one line when there is no code (a timeout, a refused connection).
pub fn error_code<E>(err: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match err.code() {
        Some(code @ ("LoadBalancerNotFound" | "TargetGroupNotFound" | "ListenerNotFound")) => {
            format!("{code} (deleted during the audit)")
        }
        Some(code) => code.to_string(),
        None => DisplayErrorContext(err)
            .to_string()
            .replace('\n', " ")
            .chars()
            .take(300)
            .collect(),
    }
}

/// A gap for `dataset`, read through `api`, that failed with `err`.
pub fn gap<E>(dataset: Dataset, api: &str, err: &E, load_balancer: Option<&str>) -> Gap
where
    E: ProvideErrorMetadata + std::error::Error,
{
    Gap {
        dataset,
        api: api.to_string(),
        error: error_code(err),
        load_balancer: load_balancer.map(str::to_string),
    }
}
