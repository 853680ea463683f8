//! Lambda targets (ALB211) against moto, which serves Lambda functions, their resource policies
//! (AddPermission / GetPolicy) and reserved concurrency without running any function, and
//! registers a function in a `lambda` target group with RegisterTargets as ELB does.

mod common;

use common::lambda::{create_role, Lambda};
use common::proxy::{Fault, Proxy};
use common::world::{build, Spec, REGION};
use common::{audit_live, sdk_config, Moto};
use serde_json::Value;

fn alb211(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ALB211")
        .map(|f| {
            (
                f["evidence"]["function"].as_str().unwrap().to_string(),
                f["evidence"]["error_reason"].as_str().unwrap().to_string(),
                f["symptom"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_the_alb_cannot_invoke_and_reads_denied() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    create_role(&moto.upstream);
    let config = sdk_config(&moto.endpoint, REGION).await;
    let mut l = Lambda {
        client: aws_sdk_lambda::Client::new(&config),
        elb: w.elb.clone(),
        listener: w.listener_arns[0].clone(),
        priority: 0,
    };
    let (ok, ok_tg) = l.function_behind_rule("ok").await;
    l.allow(&ok, &ok_tg).await;
    let (gone, gone_tg) = l.function_behind_rule("gone").await;
    l.allow(&gone, &gone_tg).await;
    l.client
        .delete_function()
        .function_name(&gone)
        .send()
        .await
        .unwrap();
    // Allowed for another target group only.
    let (denied, _) = l.function_behind_rule("denied").await;
    l.allow(&denied, &ok_tg).await;
    let (throttled, throttled_tg) = l.function_behind_rule("throttled").await;
    l.allow(&throttled, &throttled_tg).await;
    l.client
        .put_function_concurrency()
        .function_name(&throttled)
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();

    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 1, "{report:#} {stderr}");
    assert_eq!(
        alb211(&report),
        vec![
            (
                denied.clone(),
                "LambdaAccessDenied".into(),
                "http-502".into()
            ),
            (
                gone.clone(),
                "LambdaResourceNotFound".into(),
                "http-502".into()
            ),
            (
                throttled.clone(),
                "LambdaThrottling".into(),
                "http-503".into()
            ),
        ],
        "{report:#}"
    );
    assert!(
        report["load_balancers"][0]["not_evaluated"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{report:#}"
    );

    // Each Lambda read denied in turn: only ALB211 is not evaluated, nothing else changes.
    for (action, api) in [
        ("GET /2015-03-31", "lambda:Get"),
        ("GET /2019-09-30", "lambda:GetFunctionConcurrency"),
    ] {
        let proxy = Proxy::start(&moto.endpoint, vec![(action, Fault::JsonAccessDenied)]);
        let (code, report, stderr) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
        assert!(
            proxy.calls().contains_key(action),
            "{action} was never called"
        );
        assert_eq!(code, 3, "{action}: {report:#} {stderr}");
        let lb = &report["load_balancers"][0];
        let not_evaluated = lb["not_evaluated"].as_array().unwrap();
        assert!(!not_evaluated.is_empty(), "{action}");
        for n in not_evaluated {
            assert_eq!(n["check"], "ALB211", "{action}: {n}");
            let reason = n["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(api) && reason.ends_with("access denied"),
                "{action}: {reason}"
            );
        }
        assert!(alb211(&report).is_empty(), "{action}: {lb:#}");
        assert_eq!(
            lb["findings"].as_array().unwrap().len(),
            0,
            "{action}: {lb:#}"
        );
    }
}
