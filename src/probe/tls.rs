//! The TLS phase of an HTTPS probe: a handshake bounded by the timeout that sees what the
//! server serves even when it is self-signed, expired or for another name.
//!
//! Chain trust is deliberately not judged here. The probe's question is "what does this node
//! serve for this name", and a trust verdict would hide the answer exactly when it matters (a
//! wrong, expired or private-CA certificate). The caller joins the served names and validity
//! with the audit's certificate rules instead. What is still verified is the handshake
//! signature against the served key, with the provider's algorithms, so the server did prove
//! it holds the key of the certificate it served.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::{tcp, timed_out, ServedCertificate, TlsOutcome};

/// What [`TlsOutcome::result`] says when the handshake completed.
const OK: &str = "ok";

/// Runs the handshake on `stream`; the stream comes back only when it completed.
///
/// SNI is `host` when it is a DNS name; for an IP literal (or a host rustls cannot name)
/// no SNI is sent, as RFC 6066 section 3 requires for addresses.
pub(super) async fn handshake(
    stream: TcpStream,
    host: &str,
    addr: IpAddr,
    timeout: Duration,
) -> (TlsOutcome, Option<TlsStream<TcpStream>>) {
    let leaf = Arc::new(OnceLock::new());
    let config = match client_config(leaf.clone()) {
        Ok(config) => config,
        Err(e) => return (failure(format!("TLS setup failed: {e}"), &leaf), None),
    };
    let name = ServerName::try_from(host.to_owned()).unwrap_or_else(|_| ServerName::from(addr));
    let connect = TlsConnector::from(Arc::new(config)).connect(name, stream);
    match tokio::time::timeout(timeout, connect).await {
        Err(_elapsed) => (failure(timed_out(timeout), &leaf), None),
        Ok(Err(e)) => (failure(describe_handshake_error(&e), &leaf), None),
        Ok(Ok(stream)) => {
            let version = stream.get_ref().1.protocol_version().map(version_name);
            let outcome = TlsOutcome {
                result: OK.into(),
                version,
                certificate: served(&leaf),
            };
            (outcome, Some(stream))
        }
    }
}

/// A fresh client configuration per request, so that no session is resumed and the verifier
/// records this connection's leaf only. TLS 1.2 and 1.3 are offered (rustls has no older
/// versions; an ALB security policy that allows only TLS 1.0/1.1 fails the handshake here).
fn client_config(
    leaf: Arc<OnceLock<CertificateDer<'static>>>,
) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(RecordingVerifier {
        provider: provider.clone(),
        leaf,
    });
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn failure(result: String, leaf: &OnceLock<CertificateDer<'static>>) -> TlsOutcome {
    TlsOutcome {
        result,
        version: None,
        certificate: served(leaf),
    }
}

fn served(leaf: &OnceLock<CertificateDer<'static>>) -> Option<ServedCertificate> {
    leaf.get().and_then(|der| ServedCertificate::from_der(der))
}

/// One line for a failed handshake: the alert the server sent by name, another TLS error in
/// rustls' words, or what happened to the connection.
fn describe_handshake_error(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::AlertReceived(alert)) => format!("handshake failure: alert {alert:?}"),
        Some(other) => format!("handshake failure: {other}"),
        None => tcp::describe(e),
    }
}

/// The protocol name as OpenSSL and curl print it.
fn version_name(version: ProtocolVersion) -> String {
    match version {
        ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        other => format!("{other:?}"),
    }
}

/// Accepts any chain and keeps the leaf (see the module documentation for why), while still
/// checking handshake signatures.
#[derive(Debug)]
struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    leaf: Arc<OnceLock<CertificateDer<'static>>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // A connection verifies one chain; a second call could only repeat the first.
        let _ = self.leaf.set(end_entity.clone().into_owned());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::AlertDescription;

    fn wrapped(e: rustls::Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }

    #[test]
    fn a_received_alert_is_named() {
        let e = wrapped(rustls::Error::AlertReceived(
            AlertDescription::HandshakeFailure,
        ));
        assert_eq!(
            describe_handshake_error(&e),
            "handshake failure: alert HandshakeFailure"
        );
        let e = wrapped(rustls::Error::AlertReceived(
            AlertDescription::ProtocolVersion,
        ));
        assert_eq!(
            describe_handshake_error(&e),
            "handshake failure: alert ProtocolVersion"
        );
    }

    #[test]
    fn other_tls_errors_and_connection_errors_stay_distinct() {
        let e = wrapped(rustls::Error::General("boom".into()));
        assert!(describe_handshake_error(&e).starts_with("handshake failure: "));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(describe_handshake_error(&reset), "connection reset by peer");
    }

    #[test]
    fn versions_read_like_openssl() {
        assert_eq!(version_name(ProtocolVersion::TLSv1_2), "TLSv1.2");
        assert_eq!(version_name(ProtocolVersion::TLSv1_3), "TLSv1.3");
    }
}
