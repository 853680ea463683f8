//! Bounded retries under throttling: one ALB audited through a proxy that throttles 30% of all
//! calls (EC2 `RequestLimitExceeded`, ELB `Throttling`), once per seed, against moto.
//!
//! `cargo bench --bench throttle [-- --seeds N --percent P]` (default 12 seeds, 30%). Prints the
//! unthrottled wall time, then per seed the wall time, calls made and whether the report equals
//! the unthrottled one, and finally the median and maximum wall time and how many runs ended
//! incomplete. Needs `moto_server` on PATH (see scripts/test).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::proxy::{Fault, Proxy};
use common::world::{build, Spec};
use common::{alb_audit, Moto};

/// Runs one audit; returns (wall time, exit code, report without its run-dependent fields).
fn run(endpoint: &str, arn: &str) -> (Duration, i32, serde_json::Value) {
    let started = Instant::now();
    let out = alb_audit()
        .args([
            "audit",
            "--alb-arn",
            arn,
            "--endpoint-url",
            endpoint,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let wall = started.elapsed();
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["generated_at"] = serde_json::Value::Null;
    (wall, out.status.code().unwrap_or(-1), report)
}

fn main() {
    let (mut seeds, mut percent) = (12u64, 30u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seeds" => seeds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seeds),
            "--percent" => percent = args.next().and_then(|v| v.parse().ok()).unwrap_or(percent),
            _ => {}
        }
    }
    let moto = Moto::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(build(&moto.endpoint, &Spec::default()));
    let (clean_wall, clean_code, reference) = run(&moto.endpoint, &w.alb_arn);
    println!(
        "unthrottled: {:.2} s, exit {clean_code}; binary {}",
        clean_wall.as_secs_f64(),
        env!("CARGO_BIN_EXE_alb-audit")
    );
    let mut walls = Vec::new();
    let (mut incomplete, mut different) = (0, 0);
    for seed in 1..=seeds {
        let proxy = Proxy::start(
            &moto.endpoint,
            vec![(
                "*",
                Fault::Throttle {
                    percent,
                    seed: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                },
            )],
        );
        let (wall, code, report) = run(&proxy.endpoint, &w.alb_arn);
        let calls: usize = proxy.calls().values().sum();
        let same = report == reference;
        incomplete += usize::from(report["status"] == "incomplete" || code == 3);
        different += usize::from(!same);
        println!(
            "seed {seed:>2}: {:>6.2} s  {calls:>3} calls  exit {code}  {}",
            wall.as_secs_f64(),
            if same {
                "same report"
            } else {
                "REPORT DIFFERS"
            }
        );
        walls.push(wall.as_secs_f64());
    }
    walls.sort_by(|a, b| a.total_cmp(b));
    let median = if walls.len() % 2 == 1 {
        walls[walls.len() / 2]
    } else {
        (walls[walls.len() / 2 - 1] + walls[walls.len() / 2]) / 2.0
    };
    println!(
        "{percent}% throttled over {seeds} seeds: median {median:.2} s, max {:.2} s, {incomplete} incomplete, {different} reports differ from the unthrottled one",
        walls.last().copied().unwrap_or_default()
    );
}
