//! Tests only: an HTTP client for the SDK that answers each EC2 `Action` with recorded AWS
//! answers (the service's real XML shapes), so the collector's parsing and its handling of
//! failures are tested without an account. moto does not implement VPC Block Public Access,
//! so these replays are where the collector meets those APIs' answers.

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

/// Queued (HTTP status, body) answers per action.
type Answers = BTreeMap<String, VecDeque<(u16, String)>>;

/// Answers by action, each used once in order; the requests' actions as seen.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    answers: Arc<Mutex<Answers>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// Queues `body` with HTTP `status` as the next answer to `action`.
    pub fn answer(self, action: &str, status: u16, body: &str) -> Self {
        self.answers
            .lock()
            .unwrap()
            .entry(action.to_string())
            .or_default()
            .push_back((status, body.to_string()));
        self
    }

    /// The actions called, in order, with their form bodies.
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
        let action = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or_default()
            .to_string();
        self.seen.lock().unwrap().push(body);
        let (status, text) = self
            .answers
            .lock()
            .unwrap()
            .get_mut(&action)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| (400, ec2_error("NoReplayedAnswer")));
        let mut response = HttpResponse::new(
            status.try_into().expect("a valid status"),
            SdkBody::from(text),
        );
        response
            .headers_mut()
            .insert("content-type", "text/xml;charset=UTF-8");
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
