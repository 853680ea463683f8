//! Wall time of a fleet run against moto behind a proxy that adds a fixed latency to every call:
//! does the fleet cost about its largest (account, region), not the sum of them?
//!
//! `cargo bench --bench fleet [-- --accounts N --regions N --albs N --latency-ms N]` (default: 3
//! accounts x 2 regions x 20 ALBs at 100 ms). Each (account, region) holds one VPC of ALBs, each
//! with an HTTP listener forwarding to its own target group of two instances. In one run it
//! measures:
//! - one ALB by ARN: wall time / latency and the sequential rounds the proxy saw (target: 3);
//! - every single (account, region) alone, the same way the fleet reads it (`--regions R
//!   --role-name ROLE --account A`); the largest of them;
//! - the whole fleet in one run (its parts overlap, so the proxy's round count means nothing
//!   there), the CPU time alb-audit spent on it, and the ratio fleet / largest single (target:
//!   <= 1.5).
//!
//! Needs `moto_server` on PATH (see scripts/test).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::world::{build, build_with, Spec};
use common::{account_config, alb_audit, Moto};

const ROLE: &str = "AlbAudit";
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];

/// CPU time (user + system) of this process's waited-for children so far, from
/// /proc/self/stat (`cutime` and `cstime`, in clock ticks of 1/100 s on Linux).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name in parentheses; cutime and cstime are fields 16 and 17.
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(13).copied().unwrap_or(0) + fields.get(14).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Runs `alb-audit audit --format json` with `args`; returns (wall time, exit code, ALBs) and
/// prints nothing.
fn run(endpoint: &str, args: &[&str]) -> (Duration, i32, usize) {
    let started = Instant::now();
    let out = alb_audit()
        .args(["audit", "--format", "json", "--endpoint-url", endpoint])
        .args(args)
        .output()
        .unwrap();
    let wall = started.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let albs = report["load_balancers"].as_array().map_or(0, Vec::len);
    (wall, out.status.code().unwrap_or(-1), albs)
}

fn main() {
    let (mut accounts, mut regions, mut albs, mut latency_ms) = (3usize, 2usize, 20usize, 100u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |default| args.next().and_then(|v| v.parse().ok()).unwrap_or(default);
        match a.as_str() {
            "--accounts" => accounts = value(3),
            "--regions" => regions = value(2).min(REGIONS.len()),
            "--albs" => albs = value(20).max(1),
            "--latency-ms" => latency_ms = value(100) as u64,
            _ => {}
        }
    }
    let latency = Duration::from_millis(latency_ms);
    let accounts: Vec<String> = (1..=accounts).map(|i| format!("{i}").repeat(12)).collect();
    let regions = &REGIONS[..regions];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let moto = Moto::start();
    println!(
        "{} accounts x {} regions x {albs} ALBs, latency {latency_ms} ms per call; binary {}",
        accounts.len(),
        regions.len(),
        env!("CARGO_BIN_EXE_alb-audit")
    );
    let one_arn = rt.block_on(async {
        for account in &accounts {
            for region in regions {
                let config = account_config(&moto.endpoint, region, account).await;
                let w = build_with(&config, &Spec::default()).await;
                for i in 1..albs {
                    w.add_forwarding_alb(&format!("alb{i:02}")).await;
                }
            }
        }
        // One ALB in the caller's own account, read by ARN.
        build(&moto.endpoint, &Spec::default()).await.alb_arn
    });
    let proxy = Proxy::start(&moto.endpoint, vec![]);
    Proxy::set_latency(latency);
    let times = |wall: Duration| wall.as_secs_f64() / latency.as_secs_f64();

    let (one, code, _) = run(&proxy.endpoint, &["--alb-arn", &one_arn]);
    let calls: usize = proxy.calls().values().sum();
    println!(
        "\n  one ALB by ARN:          {calls:>4} calls  {:>6.2} s = {:>5.1} x latency, {} sequential rounds (exit {code})",
        one.as_secs_f64(),
        times(one),
        proxy.rounds(latency / 2),
    );

    let mut largest = Duration::ZERO;
    for account in &accounts {
        for region in regions {
            proxy.reset();
            let (wall, code, seen) = run(
                &proxy.endpoint,
                &[
                    "--all",
                    "--regions",
                    region,
                    "--role-name",
                    ROLE,
                    "--account",
                    account,
                ],
            );
            let calls: usize = proxy.calls().values().sum();
            println!(
                "  {account} {region:<14} {calls:>4} calls  {:>6.2} s = {:>5.1} x latency, {} rounds ({seen} ALBs, exit {code})",
                wall.as_secs_f64(),
                times(wall),
                proxy.rounds(latency / 2),
            );
            largest = largest.max(wall);
        }
    }

    proxy.reset();
    let cpu_before = children_cpu();
    let region_list = regions.join(",");
    let mut fleet: Vec<&str> = vec!["--all", "--regions", &region_list, "--role-name", ROLE];
    for account in &accounts {
        fleet.extend(["--account", account.as_str()]);
    }
    let (wall, code, seen) = run(&proxy.endpoint, &fleet);
    let cpu = children_cpu().saturating_sub(cpu_before);
    let calls: usize = proxy.calls().values().sum();
    println!(
        "  fleet in one run:       {calls:>4} calls  {:>6.2} s = {:>5.1} x latency ({seen} ALBs, exit {code})",
        wall.as_secs_f64(),
        times(wall),
    );
    println!(
        "    CPU time of alb-audit itself: {:.2} s (debug build; moto serves every call on the same machine)",
        cpu.as_secs_f64()
    );
    println!(
        "\n  largest single (account, region): {:.2} s; fleet / largest = {:.2} (target <= 1.5); sum of singles would be ~{}x",
        largest.as_secs_f64(),
        wall.as_secs_f64() / largest.as_secs_f64(),
        accounts.len() * regions.len(),
    );
    Proxy::set_latency(Duration::ZERO);
}
