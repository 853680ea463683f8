//! Lambda worlds in moto: an execution role, functions with empty code (never run), each in
//! its own Lambda target group behind a listener rule, and the permission for ELB.

use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_elasticloadbalancingv2::types::{RuleCondition, TargetTypeEnum};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

use super::world::{forward, register, REGION};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";

/// The execution role CreateFunction asks for, created with IAM's query API (moto checks
/// that the role exists; the tool never reads IAM).
pub fn create_role(upstream: &str) {
    let host = upstream.trim_start_matches("http://");
    let body =
        "Action=CreateRole&Version=2010-05-08&RoleName=lambda-role&AssumeRolePolicyDocument=%7B%7D";
    let mut s = TcpStream::connect(host).expect("moto");
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/iam/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// An empty zip archive (its end-of-central-directory record alone): the code is never run.
pub fn empty_zip() -> Vec<u8> {
    let mut z = b"PK\x05\x06".to_vec();
    z.extend([0u8; 18]);
    z
}

/// Clients and the listener that Lambda target groups are hung on, by rules of rising priority.
pub struct Lambda {
    pub client: aws_sdk_lambda::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub listener: String,
    pub priority: i32,
}

impl Lambda {
    /// A function `name` in a new Lambda target group, forwarded to by a rule for `/name*`.
    /// Returns (function ARN, target group ARN).
    pub async fn function_behind_rule(&mut self, name: &str) -> (String, String) {
        let function = self
            .client
            .create_function()
            .function_name(name)
            .runtime(Runtime::Python312)
            .role(ROLE)
            .handler("index.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(empty_zip()))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .function_arn
            .unwrap();
        let tg = super::world::create_group(
            self.elb
                .create_target_group()
                .name(name)
                .target_type(TargetTypeEnum::Lambda),
        )
        .await;
        register(&self.elb, &tg, [(function.as_str(), None, None)]).await;
        self.priority += 1;
        self.elb
            .create_rule()
            .listener_arn(&self.listener)
            .priority(self.priority)
            .conditions(
                RuleCondition::builder()
                    .field("path-pattern")
                    .values(format!("/{name}*"))
                    .build(),
            )
            .actions(forward(&tg))
            .send()
            .await
            .unwrap();
        (function, tg)
    }

    /// Lets ELB invoke `function` for target group `source` (AddPermission).
    pub async fn allow(&self, function: &str, source: &str) {
        self.client
            .add_permission()
            .function_name(function)
            .statement_id("elb")
            .principal("elasticloadbalancing.amazonaws.com")
            .action("lambda:InvokeFunction")
            .source_arn(source)
            .send()
            .await
            .unwrap();
    }
}
