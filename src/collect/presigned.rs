//! Fetching a presigned URL that an API answered with (a trust store's CA bundle, a revocation
//! list): exactly that address, one `GET`, no redirect followed, bounded in time and in size.
//! The URL is AWS's answer and so untrusted: only `https` is fetched (plain `http` only to a
//! loopback address, which is where tests serve it), and an answer larger than the bound is
//! refused rather than read.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_GetTrustStoreCaCertificatesBundle.html>

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use aws_smithy_http_client::{tls, Connector};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;

/// The largest CA bundle read: AWS allows 1 MB
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html>).
pub const MAX_BUNDLE_BYTES: usize = 2 << 20;
/// The largest revocation list read: AWS allows 50 MB per list.
pub const MAX_CRL_BYTES: usize = 64 << 20;

/// One HTTP client for the presigned URLs of a collection, built on first use (most
/// collections fetch nothing).
pub struct Fetcher {
    connector: OnceLock<Connector>,
    timeout: Duration,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Fetcher {
    /// A client whose every fetch ends within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Fetcher {
            connector: OnceLock::new(),
            timeout,
        }
    }

    fn connector(&self) -> &Connector {
        self.connector.get_or_init(|| {
            let settings = HttpConnectorSettings::builder()
                .connect_timeout(self.timeout)
                .read_timeout(self.timeout)
                .build();
            Connector::builder()
                .connector_settings(settings)
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build()
        })
    }

    /// The body at `url`, at most `max` bytes; why not, in a few words.
    pub async fn get(&self, url: &str, max: usize) -> Result<Vec<u8>, String> {
        allowed(url)?;
        match tokio::time::timeout(self.timeout, self.read(url, max)).await {
            Ok(result) => result,
            Err(_) => Err(format!("timed out after {} s", self.timeout.as_secs())),
        }
    }

    async fn read(&self, url: &str, max: usize) -> Result<Vec<u8>, String> {
        let request = HttpRequest::get(url).map_err(|e| format!("not a URL: {e}"))?;
        let response = self
            .connector()
            .call(request)
            .await
            .map_err(|e| format!("fetch failed: {e}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(format!("the presigned URL answered HTTP {status}"));
        }
        let mut body = ByteStream::new(response.into_body());
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| format!("reading failed: {e}"))?;
            if out.len() + chunk.len() > max {
                return Err(format!("larger than {max} bytes"));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// Whether `url` may be fetched: `https`, or `http` to a loopback address.
fn allowed(url: &str) -> Result<(), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "the answer's Location is not a URL".to_string())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !name.is_empty() => Ok(()),
        "http" if name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) => Ok(()),
        _ => Err("the answer's Location is not an https URL".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Serves `answer` once on a loopback port; returns the port and the request it got.
    fn serve_once(answer: Vec<u8>) -> (u16, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap();
            let _ = s.write_all(&answer);
            String::from_utf8_lossy(&buf[..n]).to_string()
        });
        (port, handle)
    }

    fn ok(body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn fetches_exactly_the_address_given() {
        let (port, seen) = serve_once(ok("bundle"));
        let url = format!(
            "http://127.0.0.1:{port}/bucket/key.pem?X-Amz-Signature=ab%2Fcd&X-Amz-Expires=60"
        );
        let body = Fetcher::new(Duration::from_secs(5))
            .get(&url, 100)
            .await
            .unwrap();
        assert_eq!(body, b"bundle");
        let request = seen.join().unwrap();
        assert!(
            request.starts_with(
                "GET /bucket/key.pem?X-Amz-Signature=ab%2Fcd&X-Amz-Expires=60 HTTP/1.1"
            ),
            "{request}"
        );
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_size_is_bounded() {
        let (port, seen) = serve_once(
            b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/elsewhere\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        );
        let got = Fetcher::new(Duration::from_secs(5))
            .get(&format!("http://127.0.0.1:{port}/b"), 100)
            .await;
        assert_eq!(got, Err("the presigned URL answered HTTP 302".to_string()));
        seen.join().unwrap();
        let (port, seen) = serve_once(ok(&"x".repeat(101)));
        let got = Fetcher::new(Duration::from_secs(5))
            .get(&format!("http://127.0.0.1:{port}/b"), 100)
            .await;
        assert_eq!(got, Err("larger than 100 bytes".to_string()));
        seen.join().unwrap();
    }

    #[test]
    fn only_https_or_loopback_http() {
        assert!(allowed("https://bucket.s3.amazonaws.com/k?sig=1").is_ok());
        assert!(allowed("http://127.0.0.1:8080/k").is_ok());
        assert!(allowed("http://[::1]:8080/k").is_ok());
        assert!(allowed("http://bucket.s3.amazonaws.com/k").is_err());
        assert!(allowed("http://127.0.0.1.evil.test/k").is_err());
        assert!(allowed("file:///etc/passwd").is_err());
        assert!(allowed("https:///nohost").is_err());
        assert!(allowed("not a url").is_err());
    }
}
