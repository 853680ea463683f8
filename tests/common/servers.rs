//! Loopback servers that behave like ALB nodes and targets do, for probe tests: answer with a
//! given response head, hold the connection silently, reset it, serve TLS with a certificate
//! made at test time, abort the TLS handshake with an alert, count concurrent connections, or
//! listen with a full accept queue so that connects time out.
//!
//! Every server runs on plain threads (so sync and async tests can use it alike), binds a
//! chosen loopback address (Linux routes all of 127.0.0.0/8 to `lo`, so 127.0.0.2 and
//! 127.0.1.10 are distinct "nodes") on a free port, or on the port given as `ADDR:PORT` (two
//! nodes of one ALB listen on the same listener port), and stops accepting when dropped.

use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// How long a server thread waits on a client before giving up, so no test can hang on it.
const PATIENCE: Duration = Duration::from_secs(30);

/// A response head an nginx target sends.
pub const OK_NGINX: &str =
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/// A response head an ALB sends when the target did not answer in time.
pub const ALB_504: &str = "HTTP/1.1 504 Gateway Time-out\r\nServer: awselb/2.0\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";

/// What a server does once a client connected (after the TLS handshake for TLS servers).
#[derive(Clone, Debug)]
pub enum Reply {
    /// Reads the request head, writes these bytes, then closes.
    With(String),
    /// Reads the request head and never answers; keeps the connection until the client closes.
    Silent,
    /// Reads the request head and resets the connection (`SO_LINGER` 0, then close).
    Reset,
}

/// What a server saw, for tests to assert on.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every request head received, in arrival order.
    pub requests: Vec<String>,
    /// The TLS SNI of every completed handshake (`None`: the client sent none).
    pub sni: Vec<Option<String>>,
    /// Connections accepted.
    pub connections: usize,
    /// Connections open at once, at most (counted by [`Server::counting`]).
    pub max_active: usize,
}

#[derive(Debug, Default)]
struct Shared {
    seen: Mutex<Seen>,
    /// Open connections of a counting server, and whether its gate opened.
    gate: Mutex<(usize, bool)>,
    gate_moved: Condvar,
}

/// A running loopback server; stops accepting when dropped.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Plain HTTP on `ip`, answering every connection with `reply`.
    pub fn http(ip: &str, reply: Reply) -> Server {
        Server::start(ip, move |tcp, shared| {
            serve(tcp, &reply, shared);
        })
    }

    /// HTTPS on `ip` serving `cert`, then answering with `reply`; records the SNI.
    pub fn https(ip: &str, cert: &TestCert, reply: Reply) -> Server {
        let config = Arc::new(cert.server_config());
        Server::start(ip, move |tcp, shared| {
            let Ok(conn) = ServerConnection::new(config.clone()) else {
                return;
            };
            let mut tls = StreamOwned::new(conn, tcp);
            while tls.conn.is_handshaking() {
                if tls.conn.complete_io(&mut tls.sock).is_err() {
                    return;
                }
            }
            let sni = tls.conn.server_name().map(str::to_owned);
            lock(&shared.seen).sni.push(sni);
            serve(tls, &reply, shared);
        })
    }

    /// TLS on `ip` that reads the ClientHello and answers with a fatal `handshake_failure`
    /// alert, as a server does that shares no cipher suite or protocol version with the client.
    pub fn tls_alert(ip: &str) -> Server {
        Server::start(ip, |mut tcp, _shared| {
            if read_tls_record(&mut tcp).is_none() {
                return;
            }
            // ContentType alert (21), TLS 1.2 record version, length 2, fatal (2), 40.
            let _ = tcp.write_all(&[21, 3, 3, 0, 2, 2, 40]);
            let _ = tcp.shutdown(Shutdown::Write);
            drain(&mut tcp);
        })
    }

    /// Plain HTTP on `ip` that counts concurrent connections into [`Seen::max_active`]. Each
    /// connection waits until `gate` connections are open at once (or a fallback of 10 s),
    /// then holds `hold` longer so that any connection beyond the bound would be counted too,
    /// then leaves the count and answers `200`. A slot is freed before the answer goes out, so
    /// a client that opens its next connection after reading an answer never looks like one
    /// too many.
    pub fn counting(ip: &str, gate: usize, hold: Duration) -> Server {
        Server::start(ip, move |tcp, shared| {
            {
                let mut state = lock(&shared.gate);
                state.0 += 1;
                if state.0 >= gate {
                    state.1 = true;
                    shared.gate_moved.notify_all();
                }
                let open = state.0;
                let mut seen = lock(&shared.seen);
                seen.max_active = seen.max_active.max(open);
                drop(seen);
                let (state, _) = shared
                    .gate_moved
                    .wait_timeout_while(state, Duration::from_secs(10), |s| !s.1)
                    .unwrap_or_else(|e| e.into_inner());
                drop(state);
            }
            thread::sleep(hold);
            lock(&shared.gate).0 -= 1;
            serve(tcp, &Reply::With(OK_NGINX.into()), shared);
        })
    }

    /// What the server saw so far.
    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        lock(&self.shared.seen)
    }

    fn start<F>(ip: &str, handle: F) -> Server
    where
        F: Fn(TcpStream, &Shared) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind(bind_addr(ip)).expect("bind a loopback address");
        let addr = listener.local_addr().expect("bound address");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let handle = Arc::new(handle);
        let (accept_shared, accept_stop) = (shared.clone(), stop.clone());
        thread::spawn(move || {
            for tcp in listener.incoming() {
                if accept_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = tcp else { continue };
                lock(&accept_shared.seen).connections += 1;
                let _ = tcp.set_read_timeout(Some(PATIENCE));
                let _ = tcp.set_write_timeout(Some(PATIENCE));
                let (handle, shared) = (handle.clone(), accept_shared.clone());
                thread::spawn(move || handle(tcp, &shared));
            }
        });
        Server { addr, shared, stop }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag and closes the listener.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// A TCP stream a server answers on, and how to reset it.
trait Conn: Read + Write {
    fn reset(self);
}

impl Conn for TcpStream {
    fn reset(self) {
        let _ = socket2::SockRef::from(&self).set_linger(Some(Duration::ZERO));
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn reset(self) {
        self.sock.reset();
    }
}

fn serve(mut conn: impl Conn, reply: &Reply, shared: &Shared) {
    let Some(request) = read_request_head(&mut conn) else {
        return;
    };
    lock(&shared.seen).requests.push(request);
    match reply {
        Reply::With(response) => {
            let _ = conn.write_all(response.as_bytes());
            let _ = conn.flush();
        }
        Reply::Silent => drain(&mut conn),
        Reply::Reset => conn.reset(),
    }
}

/// Bytes up to and including the blank line ending a request head.
fn read_request_head(conn: &mut impl Read) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    String::from_utf8(head).ok()
}

/// Reads until the client closes (or [`PATIENCE`] runs out).
fn drain(conn: &mut impl Read) {
    let mut buf = [0u8; 4096];
    while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
}

/// One whole TLS record (the ClientHello), so that nothing unread makes the close a reset.
fn read_tls_record(tcp: &mut TcpStream) -> Option<()> {
    let mut header = [0u8; 5];
    tcp.read_exact(&mut header).ok()?;
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let mut body = vec![0u8; len];
    tcp.read_exact(&mut body).ok()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A listener on `ip` whose accept queue is full: bound with backlog 0 and never accepting,
/// with the queue filled by connections from the test, so that a further connect gets no
/// SYN-ACK and times out, as it does against a security group that drops the SYN.
pub struct FullBacklog {
    /// Where it listens.
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _fillers: Vec<TcpStream>,
}

impl FullBacklog {
    /// Binds and fills the queue until one more connect times out.
    pub fn bind(ip: &str) -> FullBacklog {
        use socket2::{Domain, Socket, Type};
        let bind = bind_addr(ip);
        let listener =
            Socket::new(Domain::for_address(bind), Type::STREAM, None).expect("a TCP socket");
        listener
            .bind(&bind.into())
            .expect("bind a loopback address");
        listener.listen(0).expect("listen with backlog 0");
        let addr = listener
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("bound address");
        let mut fillers = Vec::new();
        for _ in 0..64 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(filler) => fillers.push(filler),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    return FullBacklog {
                        addr,
                        _listener: listener,
                        _fillers: fillers,
                    }
                }
                Err(e) => panic!("filling the accept queue: {e}"),
            }
        }
        panic!("the accept queue of a backlog-0 listener never filled");
    }
}

/// A port on `ip` with nothing listening: bound, then released. Use an address no other
/// server of the test binds, so that nothing takes the port again.
pub fn closed_port(ip: &str) -> SocketAddr {
    TcpListener::bind(bind_addr(ip))
        .and_then(|l| l.local_addr())
        .expect("bind a loopback address")
}

/// Where a server binds: `ip` on a free port, or exactly `ip:port`.
fn bind_addr(at: &str) -> SocketAddr {
    at.parse().unwrap_or_else(|_| {
        SocketAddr::new(
            at.parse::<IpAddr>()
                .expect("a loopback address or ADDR:PORT"),
            0,
        )
    })
}

/// A self-signed certificate and its key, made at test time.
pub struct TestCert {
    /// The certificate, DER.
    pub der: CertificateDer<'static>,
    /// The certificate and its private key in PEM, for importing into ACM.
    pub pem: (String, String),
    key: Vec<u8>,
}

impl TestCert {
    /// A certificate with subject CN `cn`, SAN `dNSName`s `names`, valid from `not_before` to
    /// `not_after` (`(year, month, day)` at midnight UTC).
    pub fn new(
        cn: &str,
        names: &[&str],
        not_before: (i32, u8, u8),
        not_after: (i32, u8, u8),
    ) -> TestCert {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("valid names");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let key = rcgen::KeyPair::generate().expect("a key pair");
        let cert = params.self_signed(&key).expect("a self-signed certificate");
        TestCert {
            der: cert.der().clone(),
            pem: (cert.pem(), key.serialize_pem()),
            key: key.serialize_der(),
        }
    }

    fn server_config(&self) -> ServerConfig {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS 1.2 and 1.3")
            .with_no_client_auth()
            .with_single_cert(vec![self.der.clone()], key)
            .expect("a usable certificate")
    }
}
