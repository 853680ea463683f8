//! The HTTP phase: one `GET` with a fixed, minimal set of headers, and the response head read
//! (status line and header fields, RFC 9112 sections 4 and 5) up to [`MAX_HEAD_BYTES`]. The
//! body is never read.

use std::fmt::Write as _;
use std::net::Ipv6Addr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{tcp, timed_out, GeneratedBy, HttpOutcome};

/// The most bytes read while looking for the end of the response head (interim responses
/// included); an ALB's own heads are far smaller.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Sends the request and reads the final response head, all within `timeout`.
pub(super) async fn exchange<S>(
    mut stream: S,
    host: &str,
    path: &str,
    timeout: Duration,
) -> HttpOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = match request_bytes(host, path) {
        Ok(request) => request,
        Err(why) => return failed(None, why),
    };
    let mut buf = Vec::new();
    match tokio::time::timeout(timeout, send_and_read(&mut stream, &request, &mut buf)).await {
        Ok(outcome) => outcome,
        Err(_elapsed) => failed(status_so_far(&buf), timed_out(timeout)),
    }
}

async fn send_and_read<S>(stream: &mut S, request: &[u8], buf: &mut Vec<u8>) -> HttpOutcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Err(e) = stream.write_all(request).await {
        return failed(None, tcp::describe(&e));
    }
    if let Err(e) = stream.flush().await {
        return failed(None, tcp::describe(&e));
    }
    let mut chunk = [0u8; 4096];
    loop {
        match parse_response(buf) {
            Parse::Complete(head) => {
                return HttpOutcome {
                    status: Some(head.status),
                    generated_by: Some(GeneratedBy::from_server_header(head.server.as_deref())),
                    server: head.server,
                    error: None,
                }
            }
            Parse::Invalid(why) => return failed(None, why),
            Parse::Incomplete { .. } => {}
        }
        let room = MAX_HEAD_BYTES.saturating_sub(buf.len()).min(chunk.len());
        if room == 0 {
            let why = format!("response head longer than {MAX_HEAD_BYTES} bytes");
            return failed(status_so_far(buf), why);
        }
        match stream.read(&mut chunk[..room]).await {
            Ok(0) => return closed(buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            // TLS reports a close without close_notify this way.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return closed(buf),
            Err(e) => return failed(status_so_far(buf), tcp::describe(&e)),
        }
    }
}

fn closed(buf: &[u8]) -> HttpOutcome {
    let why = if buf.is_empty() {
        "connection closed by peer before a response"
    } else {
        "connection closed by peer before the end of the response head"
    };
    failed(status_so_far(buf), why.into())
}

fn failed(status: Option<u16>, why: String) -> HttpOutcome {
    HttpOutcome {
        status,
        server: None,
        generated_by: None,
        error: Some(why),
    }
}

/// The request: `GET`, `Host`, `User-Agent`, `Connection: close`, and nothing else (no
/// credentials, no cookies, no body).
fn request_bytes(host: &str, path: &str) -> Result<Vec<u8>, String> {
    let host = host_header(host)?;
    let target = request_target(path);
    let version = env!("CARGO_PKG_VERSION");
    Ok(format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: alb-audit/{version}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes())
}

/// The `Host` field value (RFC 9110 section 7.2): the name as given, an IPv6 literal in
/// brackets; refused when it would not stay one header line of visible ASCII.
fn host_header(host: &str) -> Result<String, String> {
    if host.parse::<Ipv6Addr>().is_ok() {
        return Ok(format!("[{host}]"));
    }
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("invalid host {host:?}: not sent"));
    }
    Ok(host.to_owned())
}

/// The origin-form request target (RFC 9112 section 3.2.1): `/` when empty, a leading `/`
/// added when missing, and every byte outside visible ASCII percent-encoded.
fn request_target(path: &str) -> String {
    let mut target = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        target.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_graphic() {
            target.push(char::from(b));
        } else {
            let _ = write!(target, "%{b:02X}");
        }
    }
    target
}

/// What the probe keeps of a response head.
#[derive(Debug, PartialEq)]
struct Head {
    status: u16,
    /// The first `Server` field's value without surrounding whitespace.
    server: Option<String>,
}

/// How far the bytes read so far go.
#[derive(Debug, PartialEq)]
enum Parse {
    /// The final (non-interim) response head is complete.
    Complete(Head),
    /// More bytes are needed; `status` when the current head's status line is complete.
    Incomplete { status: Option<u16> },
    /// The bytes are not an HTTP/1.x response.
    Invalid(String),
}

/// Parses the response from its first byte, skipping complete interim (1xx) heads.
fn parse_response(buf: &[u8]) -> Parse {
    let mut rest = buf;
    loop {
        match parse_head(rest) {
            Ok((head, len)) if is_interim(head.status) => rest = &rest[len..],
            Ok((head, _)) => return Parse::Complete(head),
            Err(incomplete_or_invalid) => return incomplete_or_invalid,
        }
    }
}

/// 1xx responses other than 101 precede the final response (RFC 9110 section 15.2); 101 is
/// final (and unasked for, since the request offers no upgrade).
fn is_interim(status: u16) -> bool {
    (100..200).contains(&status) && status != 101
}

fn status_so_far(buf: &[u8]) -> Option<u16> {
    match parse_response(buf) {
        Parse::Complete(head) => Some(head.status),
        Parse::Incomplete { status } => status,
        Parse::Invalid(_) => None,
    }
}

/// One head at the start of `buf` and its length in bytes, or why not (yet). Lines end in
/// CRLF or a bare LF (RFC 9112 section 2.2 allows recipients to accept LF); an obsolete
/// line folding continues the previous field (section 5.2).
fn parse_head(buf: &[u8]) -> Result<(Head, usize), Parse> {
    let Some(line_end) = buf.iter().position(|&b| b == b'\n') else {
        let seen = &buf[..buf.len().min(5)];
        return if b"HTTP/".starts_with(seen) {
            Err(Parse::Incomplete { status: None })
        } else {
            Err(Parse::Invalid(not_http(buf)))
        };
    };
    let Some(status) = parse_status_line(trim_cr(&buf[..line_end])) else {
        return Err(Parse::Invalid(not_http(buf)));
    };
    let mut server: Option<String> = None;
    let mut in_server = false;
    let mut pos = line_end + 1;
    loop {
        let Some(len) = buf[pos..].iter().position(|&b| b == b'\n') else {
            return Err(Parse::Incomplete {
                status: Some(status),
            });
        };
        let line = trim_cr(&buf[pos..pos + len]);
        pos += len + 1;
        if line.is_empty() {
            return Ok((Head { status, server }, pos));
        }
        if matches!(line[0], b' ' | b'\t') {
            if let (true, Some(value)) = (in_server, server.as_mut()) {
                let more = String::from_utf8_lossy(trim_ows(line));
                if !more.is_empty() {
                    value.push(' ');
                    value.push_str(&more);
                }
            }
            continue;
        }
        in_server = false;
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            if server.is_none() && name.eq_ignore_ascii_case(b"server") {
                server = Some(String::from_utf8_lossy(trim_ows(value)).into_owned());
                in_server = true;
            }
        }
    }
}

/// `HTTP/d.d SP 3DIGIT [SP reason]` with a status in 100..=599 (RFC 9112 section 4, RFC 9110
/// section 15); a missing space before an empty reason is tolerated.
fn parse_status_line(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/")?;
    let [major, b'.', minor, b' ', rest @ ..] = rest else {
        return None;
    };
    if !major.is_ascii_digit() || !minor.is_ascii_digit() {
        return None;
    }
    let (code, after) = rest.split_at_checked(3)?;
    if !code.iter().all(u8::is_ascii_digit) || !(after.is_empty() || after[0] == b' ') {
        return None;
    }
    let status = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=599).contains(&status).then_some(status)
}

fn not_http(buf: &[u8]) -> String {
    let start = &buf[..buf.len().min(40)];
    format!(
        "not an HTTP response: starts with {:?}",
        String::from_utf8_lossy(start)
    )
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Strips optional whitespace (SP, HTAB) around a field value (RFC 9110 section 5.5).
fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn complete(status: u16, server: Option<&str>) -> Parse {
        Parse::Complete(Head {
            status,
            server: server.map(str::to_owned),
        })
    }

    #[test]
    fn the_request_is_exactly_get_host_user_agent_and_close() {
        let request = request_bytes("www.example.test", "/health?x=1").expect("valid");
        let expected = format!(
            "GET /health?x=1 HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: alb-audit/{}\r\nConnection: close\r\n\r\n",
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(String::from_utf8(request).expect("ascii"), expected);
    }

    #[test]
    fn hosts_and_paths_stay_on_one_line() {
        assert_eq!(host_header("::1").as_deref(), Ok("[::1]"));
        assert_eq!(host_header("10.0.0.1").as_deref(), Ok("10.0.0.1"));
        assert!(host_header("").is_err());
        assert!(host_header("a\r\nX-Evil: 1").is_err());
        assert!(host_header("bad host").is_err());
        assert!(host_header("bücher.example").is_err());
        assert_eq!(request_target(""), "/");
        assert_eq!(request_target("health"), "/health");
        assert_eq!(request_target("/a b\r\nc"), "/a%20b%0D%0Ac");
        assert_eq!(request_target("/ü"), "/%C3%BC");
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(
            parse_status_line(b"HTTP/1.0 504 Gateway Time-out"),
            Some(504)
        );
        assert_eq!(parse_status_line(b"HTTP/1.1 204"), Some(204));
        assert_eq!(parse_status_line(b"HTTP/1.1 204 "), Some(204));
        for odd in [
            &b""[..],
            b"HTTP/1.1",
            b"HTTP/1.1 ",
            b"HTTP/1.1 20",
            b"HTTP/1.1 2000 OK",
            b"HTTP/1.1 20x OK",
            b"HTTP/1.1 099 Low",
            b"HTTP/1.1 600 High",
            b"HTTP/11 200 OK",
            b"HTTP/1.1  200 OK",
            b"http/1.1 200 OK",
            b"HTTP/2 200",
            b"SSH-2.0-OpenSSH_9.6",
            b"HTTP/1.1 +20 OK",
        ] {
            assert_eq!(
                parse_status_line(odd),
                None,
                "{:?}",
                String::from_utf8_lossy(odd)
            );
        }
    }

    #[test]
    fn heads_with_odd_but_legal_formatting() {
        assert_eq!(
            parse_response(b"HTTP/1.1 504 Gateway Time-out\r\nServer: awselb/2.0\r\nContent-Length: 3\r\n\r\nabc"),
            complete(504, Some("awselb/2.0"))
        );
        // Bare LF, odd case, whitespace around the value, folded continuation.
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\nsErVeR:\t nginx \n  (Ubuntu)\nX: y\n\n"),
            complete(200, Some("nginx (Ubuntu)"))
        );
        // The first Server field counts; lines without a colon are ignored.
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nnonsense\r\nServer: a\r\nServer: b\r\n\r\n"),
            complete(200, Some("a"))
        );
        // A name with whitespace before the colon is not the Server field.
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nServer : x\r\n\r\n"),
            complete(200, None)
        );
        assert_eq!(
            parse_response(b"HTTP/1.1 404 Not Found\r\nServer:\r\n\r\n"),
            complete(404, Some(""))
        );
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\n\r\n"),
            complete(200, None)
        );
    }

    #[test]
    fn interim_responses_are_skipped_but_101_is_final() {
        let early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nServer: x\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 502 Bad Gateway\r\nServer: awselb/2.0\r\n\r\n";
        assert_eq!(parse_response(early), complete(502, Some("awselb/2.0")));
        assert_eq!(
            parse_response(b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 2"),
            Parse::Incomplete { status: None }
        );
        assert_eq!(
            parse_response(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
            complete(101, None)
        );
    }

    #[test]
    fn truncated_and_foreign_responses() {
        assert_eq!(parse_response(b""), Parse::Incomplete { status: None });
        assert_eq!(parse_response(b"HTT"), Parse::Incomplete { status: None });
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nServer: nginx\r\n"),
            Parse::Incomplete { status: Some(200) }
        );
        assert_eq!(status_so_far(b"HTTP/1.1 200 OK\r\nServer: ngi"), Some(200));
        assert!(matches!(
            parse_response(b"SSH-2.0-OpenSSH\r\n"),
            Parse::Invalid(_)
        ));
        assert!(matches!(
            parse_response(b"\x15\x03\x03\x00\x02"),
            Parse::Invalid(_)
        ));
        assert!(matches!(
            parse_response(b"HTTP/1.1 999 What\r\n\r\n"),
            Parse::Invalid(_)
        ));
        assert_eq!(status_so_far(b"<html>"), None);
    }

    /// A response head as a test writes it down, rendered with a chosen line ending.
    #[derive(Debug, Clone)]
    struct Spec {
        interim: Vec<u16>,
        status: u16,
        fields: Vec<(String, String)>,
        crlf: bool,
    }

    impl Spec {
        fn render(&self) -> Vec<u8> {
            let eol = if self.crlf { "\r\n" } else { "\n" };
            let mut out = String::new();
            for code in &self.interim {
                out.push_str(&format!(
                    "HTTP/1.1 {code} Interim{eol}Server: early{eol}{eol}"
                ));
            }
            out.push_str(&format!("HTTP/1.1 {} Reason phrase{eol}", self.status));
            for (name, value) in &self.fields {
                out.push_str(&format!("{name}:{value}{eol}"));
            }
            out.push_str(eol);
            out.into_bytes()
        }

        /// The oracle: the first field named `server` in any case, trimmed of SP and HTAB.
        fn expected(&self) -> Parse {
            let server = self
                .fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("server"))
                .map(|(_, value)| value.trim_matches([' ', '\t']).to_owned());
            Parse::Complete(Head {
                status: self.status,
                server,
            })
        }
    }

    fn spec() -> impl Strategy<Value = Spec> {
        let name = prop_oneof![
            Just("Server".to_owned()),
            Just("server".to_owned()),
            Just("SERVER".to_owned()),
            "[A-Za-z][A-Za-z0-9-]{0,12}",
        ];
        let value = "[ \t]{0,2}[!-~]([ !-~]{0,20}[!-~])?[ \t]{0,2}";
        let final_status = prop_oneof![101u16..=101, 200u16..=599];
        (
            prop::collection::vec(prop_oneof![100u16..=100, 102u16..=199], 0..3),
            final_status,
            prop::collection::vec((name, value), 0..6),
            any::<bool>(),
        )
            .prop_map(|(interim, status, fields, crlf)| Spec {
                interim,
                status,
                fields,
                crlf,
            })
    }

    proptest! {
        /// Every prefix of a head is incomplete and never misread, and the whole head parses
        /// to what the oracle reads, whatever follows it: so the result does not depend on how
        /// the network splits the bytes.
        #[test]
        fn heads_parse_the_same_however_they_arrive(spec in spec(), body in prop::collection::vec(any::<u8>(), 0..64)) {
            let head = spec.render();
            for cut in 0..head.len() {
                let partial = parse_response(&head[..cut]);
                prop_assert!(matches!(partial, Parse::Incomplete { .. }), "prefix {cut}: {partial:?}");
            }
            let mut whole = head.clone();
            whole.extend_from_slice(&body);
            prop_assert_eq!(parse_response(&whole), spec.expected());
        }

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_response(&bytes);
            let _ = status_so_far(&bytes);
        }
    }
}
