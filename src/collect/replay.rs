//! Tests only: an HTTP client for the SDK that answers each call with recorded AWS answers (the
//! service's real XML or JSON shapes), so the collector's parsing and its handling of failures
//! are tested without an account. moto implements neither VPC Block Public Access nor ARC zonal
//! shift, so these replays are where the collector meets those APIs' answers. A call is named
//! by its query-protocol `Action` (EC2, ELB), else by its path's first segment
//! (`/managedresources` for REST APIs).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use tokio::sync::Semaphore;

use super::{AwsOptions, Collector};

/// A recorded answer: HTTP status, body, and the error code a REST-JSON error carries in its
/// `x-amzn-errortype` header.
type Answer = (u16, String, Option<String>);

/// Queued answers per action.
type Answers = BTreeMap<String, VecDeque<Answer>>;

/// Answers by action, each used once in order; the requests' actions as seen.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    answers: Arc<Mutex<Answers>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// Queues `body` with HTTP `status` as the next answer to `action`.
    pub fn answer(self, action: &str, status: u16, body: &str) -> Self {
        self.queue(action, (status, body.to_string(), None))
    }

    /// Queues a REST-JSON error: `status`, the error `code` in `x-amzn-errortype`, and `body`.
    pub fn answer_error(self, action: &str, status: u16, code: &str, body: &str) -> Self {
        self.queue(action, (status, body.to_string(), Some(code.to_string())))
    }

    fn queue(self, action: &str, answer: Answer) -> Self {
        self.answers
            .lock()
            .unwrap()
            .entry(action.to_string())
            .or_default()
            .push_back(answer);
        self
    }

    /// The calls made, in order: their form bodies (query protocol) or request URIs.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// A collector for us-east-1 whose every call this replay answers.
    pub fn collector(&self) -> Collector {
        let config = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("AKID", "secret", None, None, "replay"),
                ),
            )
            .http_client(SharedHttpClient::new(self.clone()))
            .build();
        Collector::from_config(&config, &AwsOptions::default(), Arc::new(Semaphore::new(4)))
    }
}

/// An EC2 error answer as AWS writes it.
pub fn ec2_error(code: &str) -> String {
    format!(
        "<Response><Errors><Error><Code>{code}</Code><Message>{code} (replayed)</Message></Error></Errors><RequestID>r-1</RequestID></Response>"
    )
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default();
        let uri = request.uri().to_string();
        let (action, seen) = match body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
            Some(action) => (action.to_string(), body.clone()),
            None => {
                let path = uri.split("://").nth(1).map_or(uri.as_str(), |rest| {
                    rest.find('/').map_or("/", |i| &rest[i..])
                });
                let first = path.trim_start_matches('/').split(['/', '?']).next();
                (format!("/{}", first.unwrap_or_default()), uri.clone())
            }
        };
        self.seen.lock().unwrap().push(seen);
        let (status, text, error) = self
            .answers
            .lock()
            .unwrap()
            .get_mut(&action)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| (400, ec2_error("NoReplayedAnswer"), None));
        let json = text.trim_start().starts_with('{');
        let mut response = HttpResponse::new(
            status.try_into().expect("a valid status"),
            SdkBody::from(text),
        );
        let content_type = if json {
            "application/json"
        } else {
            "text/xml;charset=UTF-8"
        };
        response.headers_mut().insert("content-type", content_type);
        if let Some(code) = error {
            response.headers_mut().insert("x-amzn-errortype", code);
        }
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}
