//! AWS Certificate Manager reads: the certificates HTTPS listeners present, each described
//! once per run (`acm:DescribeCertificate`), converted by [`super::tls::certificate`].

use std::collections::BTreeMap;

use futures::future::join_all;

use super::{tls, Collector};
use crate::model::tls::{Certificate, CertificateSource};
use crate::model::{Dataset, Gap};

const DESCRIBE_CERTIFICATE: &str = "acm:DescribeCertificate";

/// What [`Collector::certificates`] found, and the reads that failed by certificate ARN (the
/// caller charges each to the ALBs that present the certificate).
#[derive(Default)]
pub(super) struct Described {
    /// Certificates by the ARN the listeners name them by.
    pub found: BTreeMap<String, Certificate>,
    /// Certificate ARN and why it could not be read.
    pub failed: Vec<(String, Gap)>,
}

impl Collector {
    /// Describes every ACM certificate of `arns` concurrently, one call each. Certificates
    /// of another store (IAM server certificates, ARNs of neither kind) are not read: they
    /// are kept with their ARN and source only, and the rules say they were not evaluated.
    pub(super) async fn certificates(&self, arns: &[String]) -> Described {
        let mut out = Described::default();
        let mut acm_arns = Vec::new();
        for arn in arns {
            match CertificateSource::of_arn(arn) {
                CertificateSource::Acm => acm_arns.push(arn),
                source => {
                    out.found.insert(arn.clone(), unread(arn, source));
                }
            }
        }
        let results = join_all(acm_arns.iter().map(|arn| {
            self.caller.run(
                Dataset::Certificates,
                DESCRIBE_CERTIFICATE,
                None,
                self.acm.describe_certificate().certificate_arn(*arn).send(),
            )
        }))
        .await;
        for (arn, result) in acm_arns.into_iter().zip(results) {
            let described = result.and_then(|answer| {
                answer
                    .certificate()
                    .and_then(tls::certificate)
                    .ok_or_else(|| Gap {
                        dataset: Dataset::Certificates,
                        api: DESCRIBE_CERTIFICATE.to_string(),
                        error: "the answer describes no certificate".to_string(),
                        load_balancer: None,
                    })
            });
            match described {
                // Kept under the ARN the listener names, which is what the rules look up.
                Ok(cert) => {
                    out.found.insert(
                        arn.clone(),
                        Certificate {
                            arn: arn.clone(),
                            ..cert
                        },
                    );
                }
                Err(gap) => out.failed.push((arn.clone(), gap)),
            }
        }
        out
    }
}

/// A certificate known only by its ARN, from a store alb-audit does not read.
fn unread(arn: &str, source: CertificateSource) -> Certificate {
    Certificate {
        arn: arn.to_string(),
        source,
        status: None,
        kind: None,
        domain_name: String::new(),
        subject_alternative_names: Vec::new(),
        not_before: None,
        not_after: None,
        renewal_eligibility: None,
        in_use_by: Vec::new(),
    }
}
