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
//!   there), the CPU time alb-audit and moto spent on it, and the ratio fleet / largest single
//!   (target: <= 1.5).
//!
//! It measures all of it twice: through moto, and with moto's answers replayed by the proxy
//! (`Proxy::memoize`). On a machine of two cores moto's one Python process answering 560 calls
//! is itself the bottleneck of the fleet run; a real API answers elsewhere, which the replay
//! stands in for. The latency is added to every call either way.
//!
//! Needs `moto_server` (`MOTO_SERVER`, see scripts/test).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::world::{build, build_with, Spec};
use common::{account_config, alb_audit, process_cpu, Moto};

const ROLE: &str = "AlbAudit";
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];

/// CPU time of this process's waited-for children (the alb-audit runs) so far.
fn children_cpu() -> Duration {
    process_cpu("/proc/self/stat", true)
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

/// What one measurement runs: one ALB by ARN, every (account, region) alone, the whole fleet.
struct Parts<'a> {
    one_arn: &'a str,
    accounts: &'a [String],
    regions: &'a [&'a str],
    latency: Duration,
}

impl Parts<'_> {
    /// Runs every part through `proxy`, prints a line each, and returns the wall times of the
    /// largest single (account, region) and of the fleet.
    fn measure(&self, proxy: &Proxy, moto: &Moto) -> (Duration, Duration) {
        let times = |wall: Duration| wall.as_secs_f64() / self.latency.as_secs_f64().max(1e-3);
        let rounds = |proxy: &Proxy| proxy.rounds(self.latency / 2);
        proxy.reset();
        let (one, code, _) = run(&proxy.endpoint, &["--alb-arn", self.one_arn]);
        let calls: usize = proxy.calls().values().sum();
        println!(
            "    one ALB by ARN:          {calls:>4} calls  {:>6.2} s = {:>5.1} x latency, {} sequential rounds (exit {code})",
            one.as_secs_f64(),
            times(one),
            rounds(proxy),
        );

        let mut largest = Duration::ZERO;
        for account in self.accounts {
            for region in self.regions {
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
                    "    {account} {region:<14} {calls:>4} calls  {:>6.2} s = {:>5.1} x latency, {} rounds ({seen} ALBs, exit {code})",
                    wall.as_secs_f64(),
                    times(wall),
                    rounds(proxy),
                );
                largest = largest.max(wall);
            }
        }

        proxy.reset();
        let (cpu_before, moto_before) = (children_cpu(), moto.cpu());
        let region_list = self.regions.join(",");
        let mut fleet: Vec<&str> = vec!["--all", "--regions", &region_list, "--role-name", ROLE];
        for account in self.accounts {
            fleet.extend(["--account", account.as_str()]);
        }
        let (wall, code, seen) = run(&proxy.endpoint, &fleet);
        let cpu = children_cpu().saturating_sub(cpu_before);
        let moto_cpu = moto.cpu().saturating_sub(moto_before);
        let calls: usize = proxy.calls().values().sum();
        println!(
            "    fleet in one run:        {calls:>4} calls  {:>6.2} s = {:>5.1} x latency ({seen} ALBs, exit {code})",
            wall.as_secs_f64(),
            times(wall),
        );
        println!(
            "      CPU during the fleet run: alb-audit {:.2} s, moto {:.2} s",
            cpu.as_secs_f64(),
            moto_cpu.as_secs_f64()
        );
        (largest, wall)
    }
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
    let parts = Parts {
        one_arn: &one_arn,
        accounts: &accounts,
        regions,
        latency,
    };

    println!("\n  through moto (one Python process answers every call on this machine's cores):");
    Proxy::set_latency(latency);
    let live = parts.measure(&proxy, &moto);

    // Every request once through moto with no latency, then the same runs again timed, with
    // moto's answers replayed: the API's own work then happens off this machine's cores, as a
    // real API's does, and what is left is the latency, the orchestration and alb-audit's CPU.
    proxy.memoize();
    Proxy::set_latency(Duration::ZERO);
    println!("\n  recording moto's answers (no latency added):");
    parts.measure(&proxy, &moto);
    let misses = proxy.memo_misses();
    println!(
        "\n  answers replayed (moto answered each request once before; the latency still applies):"
    );
    Proxy::set_latency(latency);
    let replayed = parts.measure(&proxy, &moto);
    println!(
        "    requests not found in the memo, answered by moto: {}",
        proxy.memo_misses() - misses
    );

    for (label, (largest, fleet)) in [("through moto", live), ("answers replayed", replayed)] {
        println!(
            "\n  {label}: largest single (account, region) {:.2} s; fleet {:.2} s; fleet / largest = {:.2} (target <= 1.5); sum of singles would be ~{}x",
            largest.as_secs_f64(),
            fleet.as_secs_f64(),
            fleet.as_secs_f64() / largest.as_secs_f64(),
            accounts.len() * regions.len(),
        );
    }
    Proxy::set_latency(Duration::ZERO);
}
