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
    // VPC Block Public Access: moto implements neither DescribeVpcBlockPublicAccessOptions nor
    // ...Exclusions, and its subnets and VPCs carry no `blockPublicAccessStates`. An account
    // that never turned the feature on answers mode `off` and no exclusions, and AWS shows
    // every subnet and VPC `off`
    // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_BlockPublicAccessStates.html).
    layer.default_answer(|call| {
        (call.action == "DescribeVpcBlockPublicAccessOptions").then(|| bpa_options("off"))
    });
    layer.default_answer(|call| {
        (call.action == "DescribeVpcBlockPublicAccessExclusions").then(|| {
            Reply::xml(
                "<DescribeVpcBlockPublicAccessExclusionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>layer</requestId><vpcBlockPublicAccessExclusionSet/></DescribeVpcBlockPublicAccessExclusionsResponse>",
            )
        })
    });
    layer.default_rewrite(|call, reply| bpa_states(call, reply, "off"));
    // An ALB's node interfaces: AWS creates them requester-managed by `amazon-elb`; moto creates
    // none, and the interfaces a test creates for an ALB (tests/common/world.rs) come back
    // requester-managed `false`, as any member's would. The layer shows them as AWS does
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html);
    // `made_by_member` leaves one as a member of the account would make it.
    layer.default_rewrite(|call, reply| {
        if call.action != "DescribeNetworkInterfaces" || reply.status != 200 {
            return;
        }
        let text = reply.text();
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find("<description>ELB app/") {
            let (before, from) = rest.split_at(at);
            out.push_str(before);
            match requester_span(from) {
                Some((start, end)) => {
                    out.push_str(&from[..start]);
                    out.push_str(ELB_MANAGED);
                    rest = &from[end..];
                }
                None => {
                    out.push_str(from);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        reply.body = out.into_bytes();
    });
    // CloudWatch (`--observe`): the SDK speaks RPC v2 CBOR, moto the JSON protocol.
    layer.default_answer(cbor::bridge);
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

/// How AWS shows an interface Elastic Load Balancing made for a node.
const ELB_MANAGED: &str =
    "<requesterId>amazon-elb</requesterId><requesterManaged>true</requesterManaged>";

/// Where the next `<requesterId>…</requesterManaged>` of an interface item starts and ends in
/// `text` (moto writes an item's fields in alphabetical order: description, id, requester).
fn requester_span(text: &str) -> Option<(usize, usize)> {
    let start = text.find("<requesterId>")?;
    let end = text[start..].find("</requesterManaged>")? + start + "</requesterManaged>".len();
    Some((start, end))
}

/// Leaves interface `eni` as a member of the account makes it (requester-managed `false`), even
/// if it carries an ALB node's description: the spoofed node the tool must not trust.
pub fn made_by_member(layer: &Layer, eni: &str) {
    let id = format!("<networkInterfaceId>{eni}</networkInterfaceId>");
    layer.rewrite(move |call, reply| {
        if call.action != "DescribeNetworkInterfaces" || reply.status != 200 {
            return;
        }
        let text = reply.text();
        let Some(at) = text.find(&id) else { return };
        let Some((start, end)) = requester_span(&text[at..]) else {
            return;
        };
        let member = "<requesterId>AIDAMEMBEREXAMPLE</requesterId><requesterManaged>false</requesterManaged>";
        let text = format!("{}{member}{}", &text[..at + start], &text[at + end..]);
        reply.body = text.into_bytes();
    });
}

/// DescribeVpcBlockPublicAccessOptions' answer for an account in `mode`.
fn bpa_options(mode: &str) -> Reply {
    Reply::xml(format!(
        "<DescribeVpcBlockPublicAccessOptionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>layer</requestId><vpcBlockPublicAccessOptions><awsAccountId>123456789012</awsAccountId><awsRegion>us-east-1</awsRegion><state>default-state</state><internetGatewayBlockMode>{mode}</internetGatewayBlockMode><exclusionsAllowed>allowed</exclusionsAllowed></vpcBlockPublicAccessOptions></DescribeVpcBlockPublicAccessOptionsResponse>"
    ))
}

/// Gives every subnet and VPC of a DescribeSubnets / DescribeVpcs answer the
/// `blockPublicAccessStates` AWS shows (`mode`), or sets it where a default already did.
fn bpa_states(call: &Call, reply: &mut Reply, mode: &str) {
    let id_tag = match call.action {
        "DescribeSubnets" => "</subnetId>",
        "DescribeVpcs" => "</vpcId>",
        _ => return,
    };
    let states = |m: &str| {
        format!("<blockPublicAccessStates><internetGatewayBlockMode>{m}</internetGatewayBlockMode></blockPublicAccessStates>")
    };
    if reply.status != 200 {
        return;
    }
    let text = reply.text();
    let text = if text.contains("<blockPublicAccessStates>") {
        ["off", "block-bidirectional", "block-ingress"]
            .iter()
            .fold(text, |t, m| t.replace(&states(m), &states(mode)))
    } else {
        text.replace(id_tag, &format!("{id_tag}{}", states(mode)))
    };
    reply.body = text.into_bytes();
}

/// Configures the account behind `layer` with VPC Block Public Access in `mode`
/// (`block-bidirectional`, `block-ingress`): the options answer it and every subnet and VPC
/// carries it; exclusions stay as answered.
pub fn block_public_access(layer: &Layer, mode: &'static str) {
    layer.answer(move |call| {
        (call.action == "DescribeVpcBlockPublicAccessOptions").then(|| bpa_options(mode))
    });
    layer.rewrite(move |call, reply| bpa_states(call, reply, mode));
}

/// CloudWatch's Smithy RPC v2 CBOR, which the current SDK speaks and moto does not (moto serves
/// the query and JSON protocols only; getmoto/moto issue 9195): a request
/// `POST /service/GraniteServiceVersion20100801/operation/OP` with `smithy-protocol:
/// rpc-v2-cbor` is asked of moto in CloudWatch's JSON protocol (`X-Amz-Target:
/// GraniteServiceVersion20100801.OP`), and moto's answer is turned back into CBOR, errors
/// included (`__type`). Timestamps travel as CBOR tag 1 and metric values as doubles, as the
/// protocol requires.
pub mod cbor {
    use super::{Call, Reply};

    const PREFIX: &str = "/service/GraniteServiceVersion20100801/operation/";

    /// The bridged answer to a CloudWatch CBOR call (`None`: not one).
    pub fn bridge(call: &Call) -> Option<Reply> {
        let op = call.path.strip_prefix(PREFIX)?;
        if !call
            .header("smithy-protocol")
            .is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
        {
            return None;
        }
        let request = if call.body.is_empty() {
            serde_json::json!({})
        } else {
            to_json(&ciborium::from_reader::<ciborium::Value, _>(call.body).ok()?)
        };
        let target = format!("GraniteServiceVersion20100801.{op}");
        let body = request.to_string();
        let reply = call.ask_moto(
            "POST",
            "/",
            &[
                ("X-Amz-Target", target.as_str()),
                ("Content-Type", "application/x-amz-json-1.0"),
            ],
            body.as_bytes(),
        )?;
        let answer: serde_json::Value = if reply.body.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::from_slice(&reply.body).ok()?
        };
        Some(cbor_reply(reply.status, &answer))
    }

    /// A CBOR answer with this status and content (a JSON value, converted).
    pub fn cbor_reply(status: u16, body: &serde_json::Value) -> Reply {
        let mut bytes = Vec::new();
        ciborium::into_writer(&to_cbor(body, None), &mut bytes).expect("CBOR encodes");
        let mut reply = Reply::new(status, "application/cbor", bytes);
        reply
            .headers
            .push(("smithy-protocol".into(), "rpc-v2-cbor".into()));
        reply
    }

    /// A CloudWatch error answer (`__type` is the code the SDK reads).
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        cbor_reply(
            status,
            &serde_json::json!({"__type": code, "message": message}),
        )
    }

    fn to_json(v: &ciborium::Value) -> serde_json::Value {
        use ciborium::Value as C;
        use serde_json::Value as J;
        match v {
            C::Integer(i) => J::from(i128::from(*i) as i64),
            C::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            C::Text(s) => J::String(s.clone()),
            C::Bool(b) => J::Bool(*b),
            C::Null => J::Null,
            C::Tag(_, inner) => to_json(inner),
            C::Array(items) => J::Array(items.iter().map(to_json).collect()),
            C::Map(entries) => J::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_text()?.to_string(), to_json(v))))
                    .collect(),
            ),
            C::Bytes(b) => J::Array(b.iter().map(|x| J::from(*x)).collect()),
            _ => J::Null,
        }
    }

    /// JSON to CBOR: members named `Timestamps` (lists) and `Timestamp` become tag-1 epoch
    /// seconds, `Values` become doubles.
    fn to_cbor(v: &serde_json::Value, key: Option<&str>) -> ciborium::Value {
        use ciborium::Value as C;
        use serde_json::Value as J;
        match v {
            J::Number(n) => match key {
                Some("Timestamps" | "Timestamp" | "StartTime" | "EndTime") => {
                    C::Tag(1, Box::new(C::Float(n.as_f64().unwrap_or(0.0))))
                }
                Some("Values") => C::Float(n.as_f64().unwrap_or(0.0)),
                _ => match n.as_i64() {
                    Some(i) => C::Integer(i.into()),
                    None => C::Float(n.as_f64().unwrap_or(0.0)),
                },
            },
            J::String(s) => C::Text(s.clone()),
            J::Bool(b) => C::Bool(*b),
            J::Null => C::Null,
            J::Array(items) => C::Array(items.iter().map(|i| to_cbor(i, key)).collect()),
            J::Object(map) => C::Map(
                map.iter()
                    .map(|(k, v)| (C::Text(k.clone()), to_cbor(v, Some(k))))
                    .collect(),
            ),
        }
    }
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
