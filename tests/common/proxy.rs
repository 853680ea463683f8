//! A fault-injecting HTTP proxy in front of moto: it forwards every request unchanged, except
//! that requests for a chosen action get a canned AWS error instead. The action is the form
//! body's `Action=` (query protocol: EC2, ELB, STS) or the `X-Amz-Target` header's operation
//! (JSON protocol: Organizations). A fault keyed `"Action NEEDLE"` applies only to requests of
//! that action whose headers or body contain NEEDLE (`"AssumeRole 222222222222"`: one
//! account's role; `"DescribeLoadBalancers eu-west-1"`: one region, from the signature).
//! It also counts the requests per action, so tests can assert the API budget.
//!
//! The same server, with a `Layer` (`layer.rs`) instead of faults, is the layer beside moto
//! that every `Moto::start()` puts in front of the emulator.
//!
//! Benchmarks can also turn on a memo (`Proxy::memoize`): an answer moto gave once is then
//! replayed for the same request (same account, region, service and body) without asking
//! moto again, so that on a small shared machine the emulator's own CPU stays off the path
//! being timed, as a real API's servers are. The added latency still applies.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use super::layer::{Call, Layer, Reply};

/// What to answer instead of forwarding.
#[derive(Clone, Debug)]
pub enum Fault {
    /// An EC2 `UnauthorizedOperation` (HTTP 403).
    Ec2Unauthorized,
    /// An ELB `AccessDenied` (HTTP 403).
    ElbAccessDenied,
    /// EC2 `RequestLimitExceeded` for the first `n` calls, then forward.
    Ec2Throttle(usize),
    /// ELB `Throttling` for the first `n` calls, then forward.
    ElbThrottle(usize),
    /// An ELB error with this code (HTTP 400), e.g. `LoadBalancerNotFound`.
    ElbError(&'static str),
    /// An STS `AccessDenied` (HTTP 403), as for a role the caller may not assume.
    StsAccessDenied,
    /// A JSON-protocol `AccessDeniedException` (HTTP 400), as Organizations answers.
    JsonAccessDenied,
    /// Never answer: the client's timeout must end the call.
    Hang,
    /// Throttle this share of calls (per cent), chosen by a pseudo-random sequence seeded with
    /// `seed`, so that a run can be repeated; the service's own throttling error is returned.
    /// Registered under the action `*`, it applies to every action.
    Throttle {
        /// Share of calls throttled, 0–100.
        percent: u64,
        /// The sequence's state.
        seed: u64,
    },
}

/// A running proxy; it lives until the test process ends.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// What the server answers and rewrites itself (`Moto`'s layer; empty for fault proxies).
    pub layer: Layer,
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
    starts: Arc<Mutex<Vec<(std::time::Instant, String)>>>,
    memo: Arc<Memo>,
}

/// Answers moto gave, by request, for replay; off until `Proxy::memoize`.
#[derive(Default)]
struct Memo {
    on: AtomicBool,
    answers: Mutex<HashMap<String, Vec<u8>>>,
    /// Access key id -> account, learned from AssumeRole answers: a role's keys are new on
    /// every run, its account is not.
    accounts: Mutex<HashMap<String, String>>,
    /// Requests moto answered while the memo was on (not found in it).
    misses: AtomicUsize,
}

impl Memo {
    /// The request's identity: account (from the signing key), region and service (from the
    /// credential scope), target (JSON protocol), request line and body.
    fn key(&self, req: &Request) -> Option<String> {
        let scope = req.head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            if !name.eq_ignore_ascii_case("authorization") {
                return None;
            }
            let credential = value.split("Credential=").nth(1)?;
            Some(credential.split(',').next()?.trim().to_string())
        })?;
        let mut parts = scope.split('/');
        let key_id = parts.next()?;
        let (_date, region, service) = (parts.next()?, parts.next()?, parts.next()?);
        let account = self
            .accounts
            .lock()
            .unwrap()
            .get(key_id)
            .cloned()
            .unwrap_or_else(|| key_id.to_string());
        let target = req
            .head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("x-amz-target:"))
            .unwrap_or_default();
        let line = req.head.lines().next().unwrap_or_default();
        Some(format!(
            "{account}|{region}|{service}|{target}|{line}|{}",
            String::from_utf8_lossy(&req.body)
        ))
    }

    /// Remembers whose keys an AssumeRole answer hands out.
    fn learn(&self, response: &[u8]) {
        let text = String::from_utf8_lossy(response);
        let between = |open: &str, close: &str| {
            let start = text.find(open)? + open.len();
            Some(text[start..].split(close).next()?.to_string())
        };
        let key_id = between("<AccessKeyId>", "</AccessKeyId>");
        let account = between("arn:aws:sts::", ":assumed-role/");
        if let (Some(key_id), Some(account)) = (key_id, account) {
            self.accounts.lock().unwrap().insert(key_id, account);
        }
    }
}

/// How long to hold each forwarded request, to stand in for a real API's latency.
static LATENCY_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Proxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) with `faults` by action name.
    pub fn start(upstream: &str, faults: Vec<(&str, Fault)>) -> Proxy {
        Proxy::serve_with(upstream, faults, Layer::default(), true)
    }

    /// Starts the layer beside moto in front of `upstream`: no faults and no added latency
    /// (benchmarks add theirs in their own proxy in front of it).
    pub fn layered(upstream: &str, layer: Layer) -> Proxy {
        Proxy::serve_with(upstream, vec![], layer, false)
    }

    fn serve_with(
        upstream: &str,
        faults: Vec<(&str, Fault)>,
        layer: Layer,
        with_latency: bool,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let faults: Arc<Mutex<BTreeMap<String, Fault>>> = Arc::new(Mutex::new(
            faults
                .into_iter()
                .map(|(a, f)| (a.to_string(), f))
                .collect(),
        ));
        let calls = Arc::new(Mutex::new(BTreeMap::new()));
        let starts = Arc::new(Mutex::new(Vec::new()));
        let memo = Arc::new(Memo::default());
        let (counter, clock, memory) = (calls.clone(), starts.clone(), memo.clone());
        let own = layer.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let server = Server {
                    upstream: upstream.clone(),
                    faults: faults.clone(),
                    calls: counter.clone(),
                    starts: clock.clone(),
                    memo: memory.clone(),
                    layer: own.clone(),
                    with_latency,
                };
                thread::spawn(move || server.serve(conn));
            }
        });
        Proxy {
            endpoint,
            layer,
            calls,
            starts,
            memo,
        }
    }

    /// Requests seen per action.
    pub fn calls(&self) -> BTreeMap<String, usize> {
        self.calls.lock().unwrap().clone()
    }

    /// Forgets the counts so far.
    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
        self.starts.lock().unwrap().clear();
    }

    /// Sequential rounds seen: calls whose start follows the previous call's start by more than
    /// `gap` open a new round (concurrent calls start together).
    pub fn rounds(&self, gap: std::time::Duration) -> usize {
        let mut starts: Vec<std::time::Instant> =
            self.starts.lock().unwrap().iter().map(|s| s.0).collect();
        starts.sort();
        starts.windows(2).filter(|w| w[1] - w[0] > gap).count() + usize::from(!starts.is_empty())
    }

    /// Each call's start after the first call's, with its action, in start order: where a late
    /// call opens a round.
    pub fn timeline(&self) -> Vec<(std::time::Duration, String)> {
        let mut starts = self.starts.lock().unwrap().clone();
        starts.sort();
        let Some(first) = starts.first().map(|s| s.0) else {
            return Vec::new();
        };
        starts.into_iter().map(|(t, a)| (t - first, a)).collect()
    }

    /// Replays an answer moto already gave for the same request from now on, instead of
    /// asking moto again (benchmarks only: a test must see moto's state as it is now).
    pub fn memoize(&self) {
        self.memo.on.store(true, Ordering::SeqCst);
    }

    /// Requests moto had to answer since the memo was turned on.
    pub fn memo_misses(&self) -> usize {
        self.memo.misses.load(Ordering::SeqCst)
    }

    /// Adds `latency` to every forwarded call (all proxies of this process).
    pub fn set_latency(latency: std::time::Duration) {
        LATENCY_MS.store(
            latency.as_millis() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
    }
}

struct Request {
    head: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue; // we set our own
        }
        let end = line == "\r\n";
        if end {
            head.push_str("Connection: close\r\n\r\n");
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

fn action(req: &Request) -> String {
    let body = String::from_utf8_lossy(&req.body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return action.to_string();
    }
    // JSON protocol: `X-Amz-Target: AWSOrganizationsV20161128.ListAccounts`.
    req.head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("x-amz-target")
                .then(|| value.trim().rsplit('.').next().unwrap_or("?").to_string())
        })
        .or_else(|| {
            // RPC v2 CBOR: `POST /service/SERVICE/operation/OPERATION`; REST protocols:
            // `METHOD /first-segment`.
            let (method, path) = request_line(req);
            let path = path.split('?').next().unwrap_or_default();
            match path.split_once("/operation/") {
                Some((_, op)) => Some(op.to_string()),
                None => {
                    let first = path.trim_start_matches('/').split('/').next()?;
                    (!first.is_empty()).then(|| format!("{method} /{first}"))
                }
            }
        })
        .unwrap_or_else(|| "?".to_string())
}

/// The fault key that applies to a request of `action`: `"Action NEEDLE"` when its headers or
/// body contain NEEDLE (the signature's credential scope names the region), else `"Action"`.
fn fault_key(faults: &BTreeMap<String, Fault>, action: &str, req: &Request) -> Option<String> {
    let body = String::from_utf8_lossy(&req.body);
    faults
        .keys()
        .find(|k| {
            k.split_once(' ').is_some_and(|(a, needle)| {
                a == action && (body.contains(needle) || req.head.contains(needle))
            })
        })
        .or_else(|| faults.keys().find(|k| k.as_str() == action))
        .cloned()
}

/// One connection's server: the proxy's state, shared with its other connections.
struct Server {
    upstream: String,
    faults: Arc<Mutex<BTreeMap<String, Fault>>>,
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
    starts: Arc<Mutex<Vec<(std::time::Instant, String)>>>,
    memo: Arc<Memo>,
    layer: Layer,
    with_latency: bool,
}

impl Server {
    fn serve(self, conn: TcpStream) {
        // Out of descriptors (a loaded machine): drop the connection, as a busy server would;
        // the client retries.
        let Ok(mut writer) = conn.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(conn);
        while let Some(req) = read_request(&mut reader) {
            let action = action(&req);
            *self
                .calls
                .lock()
                .unwrap()
                .entry(action.clone())
                .or_default() += 1;
            self.starts
                .lock()
                .unwrap()
                .push((std::time::Instant::now(), action.clone()));
            let fault = self.fault_for(&action, &req);
            if let Some(Fault::Hang) = fault {
                std::thread::sleep(std::time::Duration::from_secs(120));
                return;
            }
            let latency = LATENCY_MS.load(std::sync::atomic::Ordering::SeqCst);
            if self.with_latency && latency > 0 {
                std::thread::sleep(std::time::Duration::from_millis(latency));
            }
            let response = match fault {
                Some(f) => canned(&f),
                None => match self.answer(&action, &req) {
                    Some(answer) => answer,
                    None => return,
                },
            };
            if writer.write_all(&response).is_err() {
                return;
            }
        }
    }

    /// The fault to answer `req` with, if one is registered for its action.
    fn fault_for(&self, action: &str, req: &Request) -> Option<Fault> {
        let mut faults = self.faults.lock().unwrap();
        let key = fault_key(&faults, action, req)
            .or_else(|| faults.contains_key("*").then(|| "*".to_string()));
        match key.and_then(|k| faults.get_mut(&k)) {
            Some(Fault::Throttle { percent, seed }) => {
                // xorshift64*: cheap, repeatable, good enough to pick calls.
                *seed ^= *seed >> 12;
                *seed ^= *seed << 25;
                *seed ^= *seed >> 27;
                let draw = seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % 100;
                (draw < *percent).then(|| {
                    if String::from_utf8_lossy(&req.body).contains("Version=2015-12-01") {
                        Fault::ElbThrottle(1)
                    } else {
                        Fault::Ec2Throttle(1)
                    }
                })
            }
            Some(Fault::Ec2Throttle(0)) | Some(Fault::ElbThrottle(0)) => None,
            Some(Fault::Ec2Throttle(n)) => {
                *n -= 1;
                Some(Fault::Ec2Throttle(1))
            }
            Some(Fault::ElbThrottle(n)) => {
                *n -= 1;
                Some(Fault::ElbThrottle(1))
            }
            Some(f) => Some(f.clone()),
            None => None,
        }
    }

    /// The answer to a request no fault takes: the memo's, the layer's, or moto's (rewritten by
    /// the layer).
    fn answer(&self, action: &str, req: &Request) -> Option<Vec<u8>> {
        let memo = &self.memo;
        let key = memo
            .on
            .load(Ordering::SeqCst)
            .then(|| memo.key(req))
            .flatten();
        if let Some(known) = key
            .as_ref()
            .and_then(|k| memo.answers.lock().unwrap().get(k).cloned())
        {
            return Some(known);
        }
        let (method, path) = request_line(req);
        let (region, service) = scope(req);
        let call = Call {
            method,
            path,
            service,
            region,
            action,
            head: &req.head,
            body: &req.body,
            upstream: &self.upstream,
        };
        let answer = match self.layer.answer_for(&call) {
            Some(reply) => reply.to_bytes(),
            None => {
                let mut reply = exchange(&self.upstream, req.head.as_bytes(), &req.body)?;
                self.layer.rewrite_reply(&call, &mut reply);
                reply.to_bytes()
            }
        };
        if action == "AssumeRole" {
            memo.learn(&answer);
        }
        if let Some(key) = key {
            memo.misses.fetch_add(1, Ordering::SeqCst);
            if answer.starts_with(b"HTTP/1.1 200") {
                memo.answers.lock().unwrap().insert(key, answer.clone());
            }
        }
        Some(answer)
    }
}

/// `(method, target)` of the request line.
fn request_line(req: &Request) -> (&str, &str) {
    let mut parts = req.head.lines().next().unwrap_or_default().split(' ');
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

/// `(region, service)` of the signature's credential scope, empty when unsigned.
fn scope(req: &Request) -> (&str, &str) {
    let credential = req
        .head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("authorization")
                .then(|| value.split("Credential=").nth(1))
                .flatten()
        })
        .and_then(|c| c.split(',').next())
        .unwrap_or_default();
    let mut parts = credential.trim().split('/').skip(2);
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

/// Sends a request (head and body as they go on the wire) to `upstream` (`host:port`) and reads
/// the whole answer, de-chunked.
pub(crate) fn exchange(upstream: &str, head: &[u8], body: &[u8]) -> Option<Reply> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.write_all(head).ok()?;
    up.write_all(body).ok()?;
    let mut reader = BufReader::new(up);
    let mut status = String::new();
    reader.read_line(&mut status).ok()?;
    let code = status.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" => {}
            _ => headers.push((name.to_string(), value.to_string())),
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body).ok()?;
    } else {
        reader.read_to_end(&mut body).ok()?;
    }
    Some(Reply {
        status: code,
        headers,
        body,
    })
}

fn canned(fault: &Fault) -> Vec<u8> {
    const XML: &str = "text/xml";
    let (status, content_type, body) = match fault {
        Fault::Ec2Unauthorized => (
            403,
            XML,
            ec2_error(
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
            ),
        ),
        Fault::Ec2Throttle(_) => (
            503,
            XML,
            ec2_error("RequestLimitExceeded", "Request limit exceeded."),
        ),
        Fault::ElbAccessDenied => (
            403,
            XML,
            elb_error(
                "AccessDenied",
                "User is not authorized to perform this action",
            ),
        ),
        Fault::ElbThrottle(_) => (400, XML, elb_error("Throttling", "Rate exceeded")),
        Fault::ElbError(code) => (400, XML, elb_error(code, "injected by the test proxy")),
        Fault::StsAccessDenied => (
            403,
            XML,
            sts_error(
                "AccessDenied",
                "User is not authorized to perform: sts:AssumeRole",
            ),
        ),
        Fault::JsonAccessDenied => (
            400,
            "application/x-amz-json-1.1",
            r#"{"__type":"AccessDeniedException","message":"injected by the test proxy"}"#
                .to_string(),
        ),
        Fault::Hang | Fault::Throttle { .. } => (500, XML, String::new()),
    };
    format!(
        "HTTP/1.1 {status} Error\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn ec2_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
    )
}

fn sts_error(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
}

fn elb_error(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
}
