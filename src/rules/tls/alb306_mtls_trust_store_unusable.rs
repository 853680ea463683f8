//! ALB306: a listener in mutual-TLS `verify` mode whose trust store cannot accept any client
//! (or, with `--client-cert`, not the user's client).

use crate::analysis::mtls;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB306",
    name: "mtls-trust-store-unusable",
    severity: Severity::Error,
    title: "A mutual-TLS listener's trust store refuses every client (inactive, removed, or only expired CAs)",
    symptom: "tls-error",
    resource: "listener ARN",
    needs: &[Dataset::Listeners, Dataset::TrustStores],
    doc: r#"
## What it does
For every listener whose `MutualAuthentication` mode is `verify`, reads its trust store
(`DescribeTrustStores`), the CA certificates bundle behind `GetTrustStoreCaCertificatesBundle`
and the revocation lists (`DescribeTrustStoreRevocations`, `GetTrustStoreRevocationContent`).
It reports the listener when the listener's association with the trust store was removed, when
the store is not `ACTIVE` or no longer exists, or when every CA certificate in the bundle had
expired when the snapshot was taken. With `--client-cert FILE` it also verifies that PEM chain
as the ALB does: each certificate within its validity period, a signature path to a CA of the
bundle, and no certificate on a revocation list. Listeners in `off` or `passthrough` mode
verify nothing and are not checked.

## Why is this bad?
In `verify` mode the ALB ends the TLS handshake of every client whose certificate does not
verify against the trust store. A store that is not active, has gone, or holds only expired
CAs verifies nobody: every client gets a TLS error (typically `certificate unknown` or
`bad certificate`, and `ClientTLSNegotiationErrorCount` rises), although the listener, its
certificate and its network paths are all fine.

## How to fix
Associate an active trust store again (`aws elbv2 modify-listener --mutual-authentication
Mode=verify,TrustStoreArn=...`), wait for a new store to become `ACTIVE`, or upload a bundle
with a current CA (`aws elbv2 modify-trust-store --ca-certificates-bundle-s3-bucket ...`). For a
refused `--client-cert`, issue the client a certificate from a CA in the bundle, or add its
issuing CA to the bundle; a revoked certificate needs a new one.

## Example
The listener on port 443 verifies clients against trust store `partners`, whose only CA
expired on 2026-10-01: ALB306 names the listener, the store and the CA's expiry, symptom
`tls-error`.

## References
- [Mutual authentication with TLS in Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html)
- [MutualAuthenticationAttributes](https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_MutualAuthenticationAttributes.html)
- [TrustStore (Status)](https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TrustStore.html)
- [GetTrustStoreCaCertificatesBundle](https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_GetTrustStoreCaCertificatesBundle.html)
- [RFC 5280: certification path validation and CRLs](https://www.rfc-editor.org/rfc/rfc5280)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let (refusing, unknown) = mtls::judge(ctx.snapshot, ctx.lb, ctx.tls.client_cert.as_ref());
    for why in unknown {
        out.not_evaluated(why);
    }
    for r in &refusing {
        out.emit(phrase::mtls(&RULE, r));
    }
}
