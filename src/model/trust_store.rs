//! Mutual TLS as read: a listener's `MutualAuthentication` (DescribeListeners) and the trust
//! stores that `verify` listeners name (DescribeTrustStores, the CA bundle behind
//! GetTrustStoreCaCertificatesBundle, DescribeTrustStoreRevocations and the revocation lists'
//! content). What they mean for clients is decided in [`crate::analysis::mtls`].
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html>

use serde::{Deserialize, Serialize};

/// `MutualAuthenticationAttributes.Mode`: what the listener does with client certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MtlsMode {
    /// No client certificate is asked for.
    Off,
    /// The client's chain is passed to the targets in headers, unverified.
    Passthrough,
    /// The ALB verifies the client's chain against the trust store.
    Verify,
    /// A mode this build does not know.
    #[serde(other)]
    Unknown,
}

/// A listener's `MutualAuthentication`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutualAuthentication {
    /// The mode.
    pub mode: MtlsMode,
    /// `verify`: the trust store's ARN.
    #[serde(default)]
    pub trust_store_arn: Option<String>,
    /// `TrustStoreAssociationStatus`: `active`, or `removed` once the trust store's association
    /// was deleted; `None` when AWS did not say.
    #[serde(default)]
    pub association_status: Option<String>,
    /// `IgnoreClientCertificateExpiry`: the ALB accepts expired client certificates.
    #[serde(default)]
    pub ignore_client_certificate_expiry: bool,
}

/// A trust store, by ARN in the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustStore {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `ACTIVE` or `CREATING`; `None` when DescribeTrustStores did not return it (deleted, or
    /// not read: see the gaps).
    #[serde(default)]
    pub status: Option<String>,
    /// `NumberOfCaCertificates` as DescribeTrustStores reports it.
    #[serde(default)]
    pub number_of_ca_certificates: Option<i32>,
    /// The CA certificates bundle as fetched (PEM), when it was read.
    #[serde(default)]
    pub ca_bundle_pem: Option<String>,
    /// Its revocation lists, when they were read.
    #[serde(default)]
    pub revocations: Option<Vec<Revocation>>,
}

/// One revocation list of a trust store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// `RevocationId`.
    pub id: i64,
    /// `RevocationType` (`CRL`).
    #[serde(default)]
    pub kind: String,
    /// `NumberOfRevokedEntries`.
    #[serde(default)]
    pub entries: Option<i64>,
    /// What the list revokes, when its content was read (GetTrustStoreRevocationContent).
    #[serde(default)]
    pub revoked: Option<RevokedList>,
}

/// A certificate revocation list's content as parsed (RFC 5280 section 5): kept as the issuer
/// and serial numbers, so that a replayed snapshot checks `--client-cert` as a live run does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedList {
    /// The CRL issuer's distinguished name (RFC 4514 string).
    pub issuer: String,
    /// The revoked certificates' serial numbers, lowercase hex without leading zero bytes.
    pub serials: Vec<String>,
}
