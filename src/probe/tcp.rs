//! The TCP phase: one connect bounded by the timeout, classified the way the troubleshooting
//! article reads `telnet` (connected, hangs, refused, no route), and the one-line text for a
//! connection that fails later, shared by the TLS and HTTP phases.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::TcpOutcome;

/// Connects once (never retried); `Err` is the class of the failure.
pub(super) async fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, TcpOutcome> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_elapsed) => Err(TcpOutcome::Timeout),
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(classify(e.kind())),
    }
}

/// The class of a failed connect from the kind the OS error maps to (`ECONNREFUSED` is
/// `ConnectionRefused`, `ENETUNREACH` `NetworkUnreachable`, `EHOSTUNREACH` `HostUnreachable`,
/// `EADDRNOTAVAIL` `AddrNotAvailable`, `ETIMEDOUT` `TimedOut`; see connect(2)). Only a reset
/// in answer to the SYN means "refused" and only the kernel giving up on SYNs means "timeout";
/// every other failure (no route, ICMP unreachable, no local address, a local firewall's
/// `EPERM`) kept the SYN from getting an answer from a listener, which is "unreachable".
fn classify(kind: io::ErrorKind) -> TcpOutcome {
    match kind {
        io::ErrorKind::TimedOut => TcpOutcome::Timeout,
        io::ErrorKind::ConnectionRefused => TcpOutcome::Refused,
        _ => TcpOutcome::Unreachable,
    }
}

/// One line for an established connection that failed, in the words `curl -v` uses for the
/// common cases.
pub(super) fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionReset => "connection reset by peer".into(),
        io::ErrorKind::ConnectionAborted => "connection aborted".into(),
        io::ErrorKind::UnexpectedEof => "connection closed by peer".into(),
        io::ErrorKind::BrokenPipe => "connection closed by peer while sending".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(errno: i32) -> TcpOutcome {
        classify(io::Error::from_raw_os_error(errno).kind())
    }

    #[test]
    fn errno_maps_to_the_class_a_person_reads_from_telnet() {
        assert_eq!(class_of(libc::ECONNREFUSED), TcpOutcome::Refused);
        assert_eq!(class_of(libc::ETIMEDOUT), TcpOutcome::Timeout);
        for errno in [
            libc::ENETUNREACH,
            libc::EHOSTUNREACH,
            libc::EADDRNOTAVAIL,
            libc::ENETDOWN,
            libc::EHOSTDOWN,
            libc::EPERM,
            libc::EACCES,
        ] {
            assert_eq!(class_of(errno), TcpOutcome::Unreachable, "errno {errno}");
        }
    }

    #[test]
    fn connection_failures_read_like_curl() {
        let reset = io::Error::from_raw_os_error(libc::ECONNRESET);
        assert_eq!(describe(&reset), "connection reset by peer");
        let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert_eq!(describe(&eof), "connection closed by peer");
        let other = io::Error::other("something odd");
        assert_eq!(describe(&other), "something odd");
    }
}
