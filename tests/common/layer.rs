//! The layer beside moto: what a real account answers that moto does not.
//!
//! Every `Moto::start()` puts this layer in front of the emulator, so `moto.endpoint` goes
//! through it and the tool under test sees one endpoint that behaves like an account. The layer
//! does three things, and only these:
//!
//! - it **answers** calls moto does not implement (moto answers them with a server error), as an
//!   account where that feature is not configured, or as a test configures it;
//! - it **rewrites** moto's answers where moto leaves out a field that AWS always returns;
//! - it lets a test **configure** both, per endpoint, while the world is built.
//!
//! Defaults live in [`defaults`]: one entry per feature the tool reads, each saying which AWS
//! behaviour it stands for. A test's own answers and rewrites come before the defaults (the
//! first answer that returns `Some` wins; rewrites run defaults first, then the test's), so a
//! test overrides a default by adding its own. The tool is never taught to ignore an error to
//! get a moto world through: what it reads, this layer serves.

use std::sync::{Arc, Mutex};

/// One API call as the layer sees it.
pub struct Call<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The request target with its query string (`/`, `/zonalshifts?resourceIdentifier=…`).
    pub path: &'a str,
    /// The signing service from the credential scope (`ec2`, `elasticloadbalancing`,
    /// `monitoring`, `lambda`, `arc-zonal-shift`, …), empty when unsigned.
    pub service: &'a str,
    /// The signing region from the credential scope.
    pub region: &'a str,
    /// The operation: the query protocol's `Action=`, the JSON protocol's `X-Amz-Target`
    /// operation, the RPC v2 CBOR path's operation, else `METHOD /first-segment`.
    pub action: &'a str,
    /// The request line and headers, as received.
    pub head: &'a str,
    /// The request body.
    pub body: &'a [u8],
    /// moto's `host:port`, for answers that translate a call and ask moto themselves.
    pub upstream: &'a str,
}

impl Call<'_> {
    /// A request header's value (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// A form parameter of a query-protocol body (`Name=value`, still URL-encoded).
    pub fn param(&self, name: &str) -> Option<String> {
        let body = String::from_utf8_lossy(self.body);
        body.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// Sends `method path` with these extra headers and body to moto and returns its answer
    /// (the signature's headers are not carried over: moto does not check signatures).
    pub fn ask_moto(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Reply> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.upstream);
        if let Some(auth) = self.header("authorization") {
            // moto takes the account and region from the credential scope.
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        super::proxy::exchange(self.upstream, head.as_bytes(), body)
    }
}

/// An HTTP answer, built by the layer or read from moto.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers other than `Content-Length`, `Transfer-Encoding` and `Connection`, which the
    /// layer sets itself.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// An answer with this status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A query-protocol (EC2-style) XML answer.
    pub fn xml(body: impl Into<String>) -> Reply {
        Reply::new(200, "text/xml;charset=UTF-8", body.into().into_bytes())
    }

    /// A JSON answer (REST-JSON and JSON protocols).
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::new(status, "application/json", body.to_string().into_bytes())
    }

    /// The body as text (XML and JSON answers).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The wire form, with a `Content-Length` of the body as it is now.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes());
        out.extend_from_slice(&self.body);
        out
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Answers a call instead of moto (`None`: not mine).
pub type Answer = Arc<dyn Fn(&Call) -> Option<Reply> + Send + Sync>;

/// Edits moto's answer to a call.
pub type Rewrite = Arc<dyn Fn(&Call, &mut Reply) + Send + Sync>;

/// The layer's configuration; clones share it, so a test configures the running layer.
#[derive(Clone, Default)]
pub struct Layer {
    answers: Arc<Mutex<Vec<Answer>>>,
    defaults: Arc<Mutex<Vec<Answer>>>,
    rewrites: Arc<Mutex<Vec<Rewrite>>>,
    test_rewrites: Arc<Mutex<Vec<Rewrite>>>,
}

impl Layer {
    /// A layer with [`defaults`]: an account where nothing moto lacks is configured.
    pub fn with_defaults() -> Layer {
        let layer = Layer::default();
        defaults(&layer);
        layer
    }

    /// A test's answer: tried before every default (the latest added first).
    pub fn answer(&self, f: impl Fn(&Call) -> Option<Reply> + Send + Sync + 'static) {
        self.answers.lock().unwrap().insert(0, Arc::new(f));
    }

    /// A test's rewrite: runs after the defaults' rewrites.
    pub fn rewrite(&self, f: impl Fn(&Call, &mut Reply) + Send + Sync + 'static) {
        self.test_rewrites.lock().unwrap().push(Arc::new(f));
    }

    /// A default answer (see [`defaults`]).
    fn default_answer(&self, f: impl Fn(&Call) -> Option<Reply> + Send + Sync + 'static) {
        self.defaults.lock().unwrap().push(Arc::new(f));
    }

    /// A default rewrite (see [`defaults`]).
    fn default_rewrite(&self, f: impl Fn(&Call, &mut Reply) + Send + Sync + 'static) {
        self.rewrites.lock().unwrap().push(Arc::new(f));
    }

    /// The layer's own answer to `call`, if any: the test's first, then the defaults.
    pub(crate) fn answer_for(&self, call: &Call) -> Option<Reply> {
        let tests = self.answers.lock().unwrap().clone();
        let defaults = self.defaults.lock().unwrap().clone();
        tests.iter().chain(defaults.iter()).find_map(|f| f(call))
    }

    /// Applies the rewrites to moto's answer.
    pub(crate) fn rewrite_reply(&self, call: &Call, reply: &mut Reply) {
        let defaults = self.rewrites.lock().unwrap().clone();
        let tests = self.test_rewrites.lock().unwrap().clone();
        for f in defaults.iter().chain(tests.iter()) {
            f(call, reply);
        }
    }
}

/// What an account answers where moto cannot, one entry per feature the tool reads.
///
/// Add the default for a read here when the tool starts making it, so that every moto world
/// stays complete; say which AWS behaviour it stands for.
fn defaults(layer: &Layer) {
    // ARC zonal shift (moto has none): every ALB is a managed resource without any zonal
    // shift, practice run or autoshift, as in an account where nobody shifted a zone.
    layer.default_answer(|call| {
        (call.service == "arc-zonal-shift" && call.path.starts_with("/managedresources/")).then(
            || {
                let id = call.path.trim_start_matches("/managedresources/");
                Reply::json(
                    200,
                    &serde_json::json!({
                        "arn": percent_decode(id),
                        "appliedWeights": {},
                        "zonalShifts": [],
                        "autoshifts": [],
                        "zonalAutoshiftStatus": "DISABLED"
                    }),
                )
            },
        )
    });
}

/// `%XX` escapes of a path segment decoded (ARNs arrive with `:` and `/` escaped).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => match u8::from_str_radix(&String::from_utf8_lossy(hex), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 3;
                }
                Err(_) => {
                    out.push(b'%');
                    i += 1;
                }
            },
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
