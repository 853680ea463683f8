//! Turning SDK errors into gaps: a read that failed is recorded with the API and one human line
//! on why (`access denied`, `throttled beyond retries`, `timed out after 60 s`), so the rules
//! that need it report `not_evaluated` instead of passing. Never a debug dump.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::model::{Dataset, Gap};

/// What went wrong, in one line a person can act on.
pub fn reason<E>(err: &E, timeout_secs: u64) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.code() {
        Some(
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthFailure",
        ) => "access denied".to_string(),
        Some(
            "Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "SlowDown",
        ) => "throttled beyond retries".to_string(),
        // What AWS answers in a region that is not enabled for the account (opt-in regions):
        // <https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html>.
        Some("InvalidClientTokenId" | "UnrecognizedClientException" | "OptInRequired") => {
            "the credentials are not valid here (is the region enabled for the account?)"
                .to_string()
        }
        Some(code @ ("LoadBalancerNotFound" | "TargetGroupNotFound" | "ListenerNotFound")) => {
            format!("{code} (deleted during the audit)")
        }
        Some(code) => match err.message() {
            Some(m) if !m.is_empty() => one_line(&format!("{code}: {m}")),
            _ => code.to_string(),
        },
        None => {
            let text = DisplayErrorContext(err).to_string();
            if text.contains("timeout") || text.contains("timed out") {
                format!("timed out after {timeout_secs} s")
            } else if text.contains("dispatch failure") || text.contains("io error") {
                "could not connect to the AWS endpoint".to_string()
            } else {
                one_line(&text)
            }
        }
    }
}

/// The first line of `text`, at most 200 characters.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// A gap for `dataset`, read through `api`, that failed with `err`.
pub fn gap<E>(dataset: Dataset, api: &str, err: &E, lb: Option<&str>, timeout_secs: u64) -> Gap
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    Gap {
        dataset,
        api: api.to_string(),
        error: reason(err, timeout_secs),
        load_balancer: lb.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::error::ErrorMetadata;

    #[derive(Debug)]
    struct Coded(ErrorMetadata);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "service error\ncaused by: {:?}", self.0)
        }
    }
    impl std::error::Error for Coded {}
    impl ProvideErrorMetadata for Coded {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    fn coded(code: &str, message: &str) -> Coded {
        Coded(ErrorMetadata::builder().code(code).message(message).build())
    }

    #[test]
    fn reasons_are_one_human_line() {
        assert_eq!(
            reason(&coded("AccessDenied", "User: x is not authorized"), 60),
            "access denied"
        );
        assert_eq!(
            reason(&coded("UnauthorizedOperation", ""), 60),
            "access denied"
        );
        assert_eq!(
            reason(&coded("Throttling", "Rate exceeded"), 60),
            "throttled beyond retries"
        );
        assert_eq!(
            reason(&coded("LoadBalancerNotFound", "gone"), 60),
            "LoadBalancerNotFound (deleted during the audit)"
        );
        assert_eq!(
            reason(
                &coded("InvalidClientTokenId", "The security token is invalid"),
                60
            ),
            "the credentials are not valid here (is the region enabled for the account?)"
        );
        let odd = reason(
            &coded("InvalidParameterValue", "bad value\nsecond line"),
            60,
        );
        assert_eq!(odd, "InvalidParameterValue: bad value");
        let dump = Coded(ErrorMetadata::builder().build());
        let r = reason(&dump, 60);
        assert!(!r.contains('\n') && !r.contains("ErrorMetadata {"), "{r}");
    }
}
