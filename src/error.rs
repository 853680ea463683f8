//! Errors the library returns to the command line.
//!
//! Every variant is a problem with what the user asked for or gave us, so each maps to exit
//! status 2. Data that could not be *read* from AWS is not an error: it travels in the
//! snapshot as a [`crate::model::Gap`] and surfaces as `not_evaluated`.

use std::path::PathBuf;

/// Why the audit could not start or its report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The ARN is not an Elastic Load Balancing v2 load balancer ARN.
    #[error("malformed load balancer ARN '{arn}': {why}")]
    MalformedArn { arn: String, why: &'static str },
    /// A Network or Gateway Load Balancer was named; the rules only hold for ALBs.
    #[error("'{arn}' is a {kind} Load Balancer, not an Application Load Balancer")]
    NotApplication { arn: String, kind: &'static str },
    /// AWS answered that the load balancer does not exist.
    #[error("load balancer not found: {arn} ({detail})")]
    UnknownLoadBalancer { arn: String, detail: String },
    /// A `--client-cidr` value is not a CIDR block.
    #[error("bad --client-cidr '{value}': {why}")]
    BadCidr { value: String, why: String },
    /// A `--hostname` value is not a DNS host name.
    #[error("bad --hostname '{value}': {why}")]
    BadHostname { value: String, why: &'static str },
    /// A `--client-tls` value names no TLS version.
    #[error("bad --client-tls: {0}")]
    ClientTls(#[from] crate::net::tls_policy::UnknownTlsVersion),
    /// A `--client-cert` file is unreadable or holds no X.509 chain.
    #[error("bad --client-cert {}: {why}", path.display())]
    ClientCert { path: PathBuf, why: String },
    /// A snapshot file could not be read.
    #[error("cannot read snapshot {}: {source}", path.display())]
    SnapshotRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A snapshot file is not a valid alb-audit snapshot.
    #[error("malformed snapshot {}: {why}", path.display())]
    SnapshotFormat { path: PathBuf, why: String },
    /// A baseline or report file given as input could not be read or parsed.
    #[error("cannot use {what} {}: {why}", path.display())]
    Input {
        what: &'static str,
        path: PathBuf,
        why: String,
    },
    /// `explain` was asked about a code the catalogue does not have.
    #[error("unknown rule '{0}' (see `alb-audit rules`)")]
    UnknownRule(String),
    /// The options contradict each other or miss something required.
    #[error("{0}")]
    Usage(String),
    /// The report or snapshot could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The AWS SDK could not be configured (region, profile, endpoint).
    #[error("AWS configuration: {0}")]
    Config(String),
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
