//! SDK configuration, checked before the first read: a missing credential, an unknown
//! profile, a malformed endpoint or region is bad configuration — one line on standard error
//! and exit status 2 — never an audit full of `not_evaluated` entries.
//!
//! Retries are the SDK's standard mode (exponential backoff with full jitter,
//! <https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>), bounded by
//! attempts and a per-call timeout, with no client-side rate limiter and no retry quota that
//! would stall every call of a large audit once a few were throttled: the concurrency bounds of
//! [`super::call::Caller`] are what keep the request rate polite.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_types::error::display::DisplayErrorContext;

use super::AwsOptions;
use crate::error::{Error, Result};

/// Attempts per call, the first included: at 30% throttled calls, ten attempts fail together
/// once in 170,000 calls.
const MAX_ATTEMPTS: u32 = 10;
/// The first retry waits up to this long; each further one up to twice as long.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// No retry waits longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long resolving credentials may take before it counts as "none found".
const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks a region name's shape (`us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`).
pub fn check_region(region: &str) -> Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "unknown region '{region}': expected a name like us-east-1 (pass --region or set AWS_REGION)"
        )))
    }
}

/// Checks an endpoint URL's shape: `http(s)://HOST[:PORT][/PATH]`.
pub fn check_endpoint(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::Config(format!(
            "malformed --endpoint-url '{url}': {why} (expected http(s)://HOST[:PORT])"
        )))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad("no scheme");
    };
    if !matches!(scheme, "http" | "https") {
        return bad("the scheme is not http or https");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => return bad("an unclosed [IPv6] host"),
        },
        None => match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return bad("the port is not a number");
    }
    if host.is_empty() || host.contains(char::is_whitespace) {
        return bad("no host");
    }
    Ok(())
}

/// Loads the SDK configuration for `region` (else the default chain's) and checks that it can
/// work: a known region, a well-formed endpoint, credentials that resolve.
pub async fn load(options: &AwsOptions, default_region: Option<&str>) -> Result<SdkConfig> {
    if let Some(url) = &options.endpoint_url {
        check_endpoint(url)?;
    }
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        if !url.is_empty() {
            check_endpoint(&url).map_err(|_| {
                Error::Config(format!(
                    "malformed AWS_ENDPOINT_URL '{url}' (expected http(s)://HOST[:PORT])"
                ))
            })?;
        }
    }
    let attempt = options.call_timeout.min(Duration::from_secs(20));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(attempt)
                .operation_timeout(options.call_timeout)
                .build(),
        );
    if let Some(region) = options.region.as_deref().or(default_region) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(profile) = &options.profile {
        check_profile(profile)?;
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config.region().map(|r| r.to_string()).ok_or_else(|| {
        Error::Config(match &options.profile {
            Some(p) => {
                format!("no region: profile '{p}' names none; pass --region or set AWS_REGION")
            }
            None => "no region: pass --region or set AWS_REGION".into(),
        })
    })?;
    check_region(&region)?;
    check_credentials(&config, options.profile.as_deref()).await?;
    Ok(config)
}

/// The shared config and credentials files, where the SDK looks for profiles.
fn profile_files() -> [std::path::PathBuf; 2] {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    [
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
}

/// Whether `name` is a section of a profile file: `[profile NAME]` or `[NAME]`.
fn has_profile(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|l| l.trim())
            .is_some_and(|l| l == name || l.strip_prefix("profile").map(str::trim) == Some(name))
    })
}

/// Refuses a `--profile` that neither profile file defines, naming both files.
fn check_profile(name: &str) -> Result<()> {
    let files = profile_files();
    let found = files
        .iter()
        .any(|f| std::fs::read_to_string(f).is_ok_and(|text| has_profile(&text, name)));
    if found {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "unknown --profile '{name}': neither {} nor {} defines it",
            files[0].display(),
            files[1].display()
        )))
    }
}

/// Resolves credentials once, so that "none found" and "unknown profile" are said up front.
pub async fn check_credentials(config: &SdkConfig, profile: Option<&str>) -> Result<()> {
    let Some(provider) = config.credentials_provider() else {
        return Err(Error::Config(
            "no AWS credentials provider is configured".into(),
        ));
    };
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(Error::Config(credentials_error(&e, profile))),
        Err(_) => Err(Error::Config(format!(
            "no AWS credentials found within {} s (the instance metadata service did not answer): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use --profile",
            CREDENTIALS_TIMEOUT.as_secs()
        ))),
    }
}

fn credentials_error(e: &CredentialsError, profile: Option<&str>) -> String {
    let text = DisplayErrorContext(e).to_string();
    let lower = text.to_ascii_lowercase();
    if let Some(p) = profile {
        if lower.contains("profile")
            && (lower.contains("not defined")
                || lower.contains("could not find")
                || lower.contains("no profile")
                || lower.contains("not found"))
        {
            return format!(
                "unknown --profile '{p}': it is in neither the shared config file nor the shared credentials file"
            );
        }
    }
    if matches!(e, CredentialsError::CredentialsNotLoaded(_)) {
        return "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use --profile".into();
    }
    let line = text.lines().next().unwrap_or_default();
    format!(
        "AWS credentials could not be loaded: {}",
        line.chars().take(200).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_shapes() {
        for ok in [
            "us-east-1",
            "eu-west-3",
            "us-gov-west-1",
            "ap-southeast-4",
            "eu-isoe-west-1",
        ] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "useast1",
            "us-east",
            "US-EAST-1",
            "us east 1",
            "us-east-1a",
            "nosuch",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn profile_sections() {
        let text = "[default]\nregion = x\n[profile ci]\n[ prod ]\n";
        assert!(has_profile(text, "default"));
        assert!(has_profile(text, "ci"));
        assert!(has_profile(text, "prod"));
        assert!(!has_profile(text, "nosuch"));
        assert!(!has_profile("region = [nosuch]", "nosuch"));
    }

    #[test]
    fn endpoint_shapes() {
        for ok in [
            "http://127.0.0.1:5000",
            "https://elasticloadbalancing.us-east-1.amazonaws.com",
            "http://localhost:4566/",
            "http://[::1]:5000",
        ] {
            assert!(check_endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "notaurl",
            "ftp://x",
            "http://",
            "http://host:port",
            "127.0.0.1:5000",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }
}
