//! API budget and wall time of a region-wide audit against moto behind a proxy that adds a
//! fixed latency to every call and counts them.
//!
//! `cargo bench --bench region [-- ALBS... [--latency-ms N]]` (default: 50 and 200 ALBs at
//! 100 ms). For each size it builds a region (25 ALBs per VPC, each with an HTTP listener
//! forwarding to its own target group of two instances), then measures:
//! - one ALB alone: wall time / latency is the number of sequential rounds on the critical path;
//! - the same with `--observe 1h` (the metric reads run beside the second round), and
//!   `audit --all --observe 1h`: how many GetMetricData calls a region costs;
//! - `audit --all` (default concurrency): calls, calls per ALB, EC2 and ELB calls, wall time;
//! - a sequential walk of the same ALBs, one ALB and one call at a time (`--concurrency 1`).
//!
//! Needs `moto_server` on PATH (see scripts/test).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::lambda::{create_role, Lambda};
use common::proxy::Proxy;
use common::world::{build, Spec, REGION};
use common::{alb_audit, sdk_config, Moto};

const PER_VPC: usize = 25;

/// Runs the binary; returns (wall time, exit code, ALBs in the report).
fn run(endpoint: &str, args: &[&str]) -> (Duration, i32, usize) {
    let started = Instant::now();
    let out = alb_audit()
        .args([
            "audit",
            "--region",
            REGION,
            "--endpoint-url",
            endpoint,
            "--format",
            "json",
        ])
        .args(args)
        .output()
        .unwrap();
    let wall = started.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let albs = report["load_balancers"].as_array().map_or(0, Vec::len);
    (wall, out.status.code().unwrap_or(-1), albs)
}

fn split(calls: &BTreeMap<String, usize>) -> (usize, usize) {
    const ELB: [&str; 7] = [
        "DescribeLoadBalancers",
        "DescribeListeners",
        "DescribeRules",
        "DescribeTargetGroups",
        "DescribeTargetHealth",
        "DescribeTags",
        "DescribeTargetGroupAttributes",
    ];
    let elb = calls
        .iter()
        .filter(|(a, _)| ELB.contains(&a.as_str()))
        .map(|(_, n)| n)
        .sum();
    let ec2 = calls
        .iter()
        .filter(|(a, _)| !ELB.contains(&a.as_str()))
        .map(|(_, n)| n)
        .sum();
    (ec2, elb)
}

/// Each call's start, so that a call that opens a round of its own can be named.
fn print_timeline(proxy: &Proxy) {
    for (at, action) in proxy.timeline() {
        println!("    {:>7.3} s  {action}", at.as_secs_f64());
    }
}

fn main() {
    let mut sizes = Vec::new();
    let mut latency_ms = 100u64;
    let mut timeline = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--latency-ms" => latency_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(100),
            "--bench" => {}
            "--timeline" => timeline = true,
            n => sizes.extend(n.parse::<usize>().ok()),
        }
    }
    if sizes.is_empty() {
        sizes = vec![50, 200];
    }
    let latency = Duration::from_millis(latency_ms);
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "latency {latency_ms} ms per call; binary {}",
        env!("CARGO_BIN_EXE_alb-audit")
    );
    for albs in sizes {
        let moto = Moto::start();
        let arns: Vec<String> = rt.block_on(async {
            let mut arns = Vec::new();
            let mut v = 0;
            while arns.len() < albs {
                let w = build(
                    &moto.endpoint,
                    &Spec {
                        name: format!("v{v}-web"),
                        ..Spec::default()
                    },
                )
                .await;
                arns.push(w.alb_arn.clone());
                for i in 1..PER_VPC {
                    if arns.len() == albs {
                        break;
                    }
                    arns.push(w.add_forwarding_alb(&format!("v{v}-alb{i}")).await);
                }
                v += 1;
            }
            arns
        });
        let proxy = Proxy::start(&moto.endpoint, vec![]);
        Proxy::set_latency(latency);

        let (one, code, _) = run(&proxy.endpoint, &["--alb-arn", &arns[0]]);
        let one_calls: usize = proxy.calls().values().sum();
        println!(
            "\n{albs} ALBs in {} VPCs\n  one ALB:       {:>5} calls  {:>7.2} s  = {:.1} x latency, {} sequential rounds (exit {code})",
            albs.div_ceil(PER_VPC),
            one_calls,
            one.as_secs_f64(),
            one.as_secs_f64() / latency.as_secs_f64(),
            proxy.rounds(latency / 2),
        );
        if timeline {
            print_timeline(&proxy);
        }

        proxy.reset();
        let (one, code, _) = run(&proxy.endpoint, &["--alb-arn", &arns[0], "--observe", "1h"]);
        let calls = proxy.calls();
        println!(
            "  one ALB --observe 1h: {:>5} calls ({} GetMetricData)  {:>7.2} s  = {:.1} x latency, {} sequential rounds (exit {code})",
            calls.values().sum::<usize>(),
            calls.get("GetMetricData").copied().unwrap_or(0),
            one.as_secs_f64(),
            one.as_secs_f64() / latency.as_secs_f64(),
            proxy.rounds(latency / 2),
        );
        if timeline {
            print_timeline(&proxy);
        }

        proxy.reset();
        let (wall, code, seen) = run(&proxy.endpoint, &["--all", "--observe", "1h"]);
        let calls = proxy.calls();
        println!(
            "  audit --all --observe 1h: {:>5} calls ({} GetMetricData)  {:>7.2} s  = {:>6.1} x latency  ({seen} ALBs, exit {code})",
            calls.values().sum::<usize>(),
            calls.get("GetMetricData").copied().unwrap_or(0),
            wall.as_secs_f64(),
            wall.as_secs_f64() / latency.as_secs_f64(),
        );

        proxy.reset();
        let (wall, code, seen) = run(&proxy.endpoint, &["--all"]);
        let calls = proxy.calls();
        let total: usize = calls.values().sum();
        let (ec2, elb) = split(&calls);
        println!(
            "  audit --all:   {total:>5} calls  {:>7.2} s  = {:>6.1} x latency  {:.2} calls/ALB  EC2 {ec2}  ELB {elb}  ({seen} ALBs, exit {code})",
            wall.as_secs_f64(),
            wall.as_secs_f64() / latency.as_secs_f64(),
            total as f64 / albs as f64,
        );
        println!("    sequential rounds: {}", proxy.rounds(latency / 2));
        println!("    by action: {calls:?}");

        proxy.reset();
        let mut walk = Duration::ZERO;
        for arn in &arns {
            let (wall, _, _) = run(&proxy.endpoint, &["--alb-arn", arn, "--concurrency", "1"]);
            walk += wall;
        }
        let calls = proxy.calls();
        let total: usize = calls.values().sum();
        let (ec2, elb) = split(&calls);
        println!(
            "  sequential:    {total:>5} calls  {:>7.2} s  = {:>6.1} x latency  {:.2} calls/ALB  EC2 {ec2}  ELB {elb}",
            walk.as_secs_f64(),
            walk.as_secs_f64() / latency.as_secs_f64(),
            total as f64 / albs as f64,
        );

        // Four Lambda target groups behind rules on the first ALB: their reads (three per
        // function) join the third round under Lambda's own bound.
        Proxy::set_latency(Duration::ZERO);
        rt.block_on(async {
            create_role(&moto.upstream);
            let config = sdk_config(&moto.endpoint, REGION).await;
            let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
            let listener = elb
                .describe_listeners()
                .load_balancer_arn(&arns[0])
                .send()
                .await
                .unwrap()
                .listeners
                .unwrap()
                .remove(0)
                .listener_arn
                .unwrap();
            let mut l = Lambda {
                client: aws_sdk_lambda::Client::new(&config),
                elb,
                listener,
                priority: 100,
            };
            for name in ["fn-a", "fn-b", "fn-c", "fn-d"] {
                let (function, tg) = l.function_behind_rule(name).await;
                l.allow(&function, &tg).await;
            }
        });
        Proxy::set_latency(latency);
        proxy.reset();
        let (one, code, _) = run(&proxy.endpoint, &["--alb-arn", &arns[0]]);
        let calls = proxy.calls();
        println!(
            "  one ALB with 4 Lambda groups: {:>5} calls  {:>7.2} s  = {:.1} x latency, {} sequential rounds (exit {code})",
            calls.values().sum::<usize>(),
            one.as_secs_f64(),
            one.as_secs_f64() / latency.as_secs_f64(),
            proxy.rounds(latency / 2),
        );
        if timeline {
            print_timeline(&proxy);
        }
        Proxy::set_latency(Duration::ZERO);
    }
}
