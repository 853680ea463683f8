//! Offline evaluation speed and memory: generated snapshots, no network.
//!
//! `cargo bench --bench offline` prints, for snapshots of 250, 500 and 1,000 ALBs (one VPC per
//! 25 ALBs, two listeners, a target group of 10 instances each) and for one ALB with 40 target
//! groups of 100 targets plus one of 5,000: the snapshot's JSON size, parse time, evaluation
//! time and the process's peak resident memory. Then the cases with findings, where the
//! evaluation must stay near-linear: one ALB with one group of 1,000, 10,000, 50,000 and
//! 100,000 targets and a region of 1,000 ALBs with 100 targets each, three in four targets
//! unhealthy (one finding per unhealthy target).
//!
//! `cargo bench --bench offline -- CASE...` runs only the named cases (`one`, `250`, `500`,
//! `1000`, `targets:N`, `region:ALBSxTARGETS`).

use std::collections::BTreeMap;
use std::time::Instant;

use alb_audit::model::bpa::BlockMode;
use alb_audit::model::*;
use alb_audit::report::{self, FailOn};
use alb_audit::rules::{evaluate, Options};

fn net(s: &str) -> ipnet::IpNet {
    s.parse().unwrap()
}

fn rule(proto: &str, lo: Option<i32>, hi: Option<i32>, cidrs: &[&str], groups: &[&str]) -> SgRule {
    SgRule {
        protocol: proto.into(),
        from_port: lo,
        to_port: hi,
        cidrs: cidrs.iter().map(|c| net(c)).collect(),
        prefix_lists: vec![],
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// A VPC like the fixtures' base world: two public and two app subnets, default ACL, IGW.
fn add_vpc(snap: &mut Snapshot, v: usize) {
    let n = &mut snap.network;
    let vpc = format!("vpc-{v:04}");
    let second = v % 250;
    n.vpcs.insert(
        vpc.clone(),
        Vpc {
            id: vpc.clone(),
            cidrs: vec![net(&format!("10.{second}.0.0/16"))],
            block_public_access: Some(BlockMode::Off),
        },
    );
    let mut subnets = vec![];
    for (i, zone) in ["us-east-1a", "us-east-1b", "us-east-1a", "us-east-1b"]
        .iter()
        .enumerate()
    {
        let id = format!("subnet-{v:04}{i}");
        n.subnets.insert(
            id.clone(),
            Subnet {
                id: id.clone(),
                vpc_id: vpc.clone(),
                availability_zone: zone.to_string(),
                availability_zone_id: None,
                cidrs: vec![net(&format!("10.{second}.{}.0/24", i + 1))],
                block_public_access: Some(BlockMode::Off),
                available_ip_addresses: Some(240),
            },
        );
        subnets.push(id);
    }
    let igw = format!("igw-{v:04}");
    n.internet_gateways.insert(
        igw.clone(),
        Gateway {
            id: igw.clone(),
            attached_vpcs: vec![vpc.clone()],
        },
    );
    let local = Route {
        destination: Some(net(&format!("10.{second}.0.0/16"))),
        destination_prefix_list: None,
        target: "local".into(),
        state: RouteState::Active,
        origin: RouteOrigin::CreateRouteTable,
    };
    n.route_tables.insert(
        format!("rtb-{v:04}m"),
        RouteTable {
            id: format!("rtb-{v:04}m"),
            vpc_id: vpc.clone(),
            main: true,
            subnet_ids: vec![],
            gateway_ids: vec![],
            routes: vec![local.clone()],
        },
    );
    n.route_tables.insert(
        format!("rtb-{v:04}p"),
        RouteTable {
            id: format!("rtb-{v:04}p"),
            vpc_id: vpc.clone(),
            main: false,
            subnet_ids: subnets[..2].to_vec(),
            gateway_ids: vec![],
            routes: vec![
                local,
                Route {
                    destination: Some(net("0.0.0.0/0")),
                    destination_prefix_list: None,
                    target: igw,
                    state: RouteState::Active,
                    origin: RouteOrigin::CreateRoute,
                },
            ],
        },
    );
    let entries = [false, true]
        .iter()
        .flat_map(|&egress| {
            [
                AclEntry {
                    rule_number: 100,
                    egress,
                    protocol: "-1".into(),
                    allow: true,
                    cidr: net("0.0.0.0/0"),
                    from_port: None,
                    to_port: None,
                },
                AclEntry {
                    rule_number: 32767,
                    egress,
                    protocol: "-1".into(),
                    allow: false,
                    cidr: net("0.0.0.0/0"),
                    from_port: None,
                    to_port: None,
                },
            ]
        })
        .collect();
    n.network_acls.insert(
        format!("acl-{v:04}"),
        NetworkAcl {
            id: format!("acl-{v:04}"),
            vpc_id: vpc.clone(),
            default: true,
            subnet_ids: subnets.clone(),
            entries,
            unreadable_entries: 0,
        },
    );
    n.security_groups.insert(
        format!("sg-{v:04}alb"),
        SecurityGroup {
            id: format!("sg-{v:04}alb"),
            name: "alb".into(),
            vpc_id: vpc.clone(),
            ingress: vec![
                rule("tcp", Some(80), Some(80), &["0.0.0.0/0"], &[]),
                rule("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[]),
            ],
            egress: vec![rule("-1", None, None, &["0.0.0.0/0"], &[])],
        },
    );
    n.security_groups.insert(
        format!("sg-{v:04}app"),
        SecurityGroup {
            id: format!("sg-{v:04}app"),
            name: "app".into(),
            vpc_id: vpc,
            ingress: vec![rule(
                "tcp",
                Some(8080),
                Some(8080),
                &[],
                &[&format!("sg-{v:04}alb")],
            )],
            egress: vec![rule("-1", None, None, &["0.0.0.0/0"], &[])],
        },
    );
}

/// An ALB in VPC `v` with `groups` target groups of `per_group` instance targets, all healthy.
fn add_alb(snap: &mut Snapshot, v: usize, a: usize, groups: usize, per_group: usize) {
    add_alb_with(snap, v, a, groups, per_group, false);
}

/// An ALB as [`add_alb`]; with `unhealthy`, three in four targets fail their health checks
/// (every fourth stays healthy, in both zones, so each unhealthy one is a capacity finding).
fn add_alb_with(
    snap: &mut Snapshot,
    v: usize,
    a: usize,
    groups: usize,
    per_group: usize,
    unhealthy: bool,
) {
    let second = v % 250;
    let arn = format!(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb{a}/{a:016x}"
    );
    let mut forwards = vec![];
    for g in 0..groups {
        let tg = format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg{a}-{g}/{a:08x}{g:08x}");
        let mut targets = vec![];
        for t in 0..per_group {
            let id = format!("i-{a:06x}{g:04x}{t:05x}");
            let zone = if t % 2 == 0 {
                "us-east-1a"
            } else {
                "us-east-1b"
            };
            let subnet = format!("subnet-{v:04}{}", 2 + t % 2);
            let ip = format!("10.{second}.{}.{}", 3 + t % 2, 10 + t % 240);
            snap.network.instances.insert(
                id.clone(),
                Instance {
                    id: id.clone(),
                    state: "running".into(),
                    subnet_id: Some(subnet),
                    availability_zone: Some(zone.into()),
                    private_ip: ip.parse().ok(),
                    security_groups: vec![format!("sg-{v:04}app")],
                    source_dest_check: Some(true),
                },
            );
            // Targets 0 and 1 of every 8 (one per zone) stay healthy.
            let failing = unhealthy && t % 8 >= 2;
            targets.push(Target {
                id,
                port: Some(8080),
                availability_zone: Some(zone.into()),
                state: Some(if failing { "unhealthy" } else { "healthy" }.into()),
                reason: failing.then(|| "Target.FailedHealthChecks".into()),
                description: None,
            });
        }
        snap.target_groups.insert(
            tg.clone(),
            TargetGroup {
                arn: tg.clone(),
                name: format!("tg{a}-{g}"),
                target_type: TargetType::Instance,
                protocol: Some("HTTP".into()),
                port: Some(8080),
                vpc_id: Some(format!("vpc-{v:04}")),
                health_check_port: "traffic-port".into(),
                health_check_enabled: Some(true),
                ip_address_type: TargetIpAddressType::Ipv4,
                cross_zone_enabled: None,
                dns_failover_minimum_healthy_targets: None,
                targets,
                protocol_version: None,
            },
        );
        forwards.push(Forward {
            target_group_arn: tg,
            via: format!("rule {g}"),
            weight: None,
        });
    }
    for (i, zone) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let eni = format!("eni-{a:06x}{i}");
        snap.network.network_interfaces.insert(
            eni.clone(),
            NetworkInterface {
                id: eni,
                description: format!("ELB app/alb{a}/{a:016x}"),
                subnet_id: format!("subnet-{v:04}{i}"),
                availability_zone: zone.to_string(),
                addresses: vec![format!("10.{second}.{}.{}", i + 1, 10 + a % 200)
                    .parse()
                    .unwrap()],
                public_addresses: vec![],
                security_groups: vec![format!("sg-{v:04}alb")],
                source_dest_check: Some(true),
                instance_id: None,
                requester_managed: Some(true),
                requester_id: Some("amazon-elb".into()),
            },
        );
    }
    let listeners = [80u16, 443]
        .iter()
        .map(|&port| Listener {
            arn: format!("{arn}/listener-{port}"),
            port,
            protocol: "HTTP".into(),
            forwards: forwards.clone(),
            ssl_policy: None,
            certificates: vec![],
            host_headers: vec![],
            host_header_regexes: vec![],
            rules: Vec::new(),
            mutual_authentication: None,
        })
        .collect();
    snap.load_balancers.push(LoadBalancer {
        arn,
        name: format!("alb{a}"),
        scheme: Scheme::InternetFacing,
        ip_address_type: IpAddressType::Ipv4,
        vpc_id: format!("vpc-{v:04}"),
        dns_name: format!("alb{a}.us-east-1.elb.amazonaws.com"),
        availability_zones: vec![
            ZoneSubnet {
                zone: "us-east-1a".into(),
                subnet_id: format!("subnet-{v:04}0"),
            },
            ZoneSubnet {
                zone: "us-east-1b".into(),
                subnet_id: format!("subnet-{v:04}1"),
            },
        ],
        tags: Default::default(),
        security_groups: vec![format!("sg-{v:04}alb")],
        listeners,
        http2_enabled: None,
    });
}

fn empty() -> Snapshot {
    Snapshot {
        format: SNAPSHOT_FORMAT,
        region: "us-east-1".into(),
        target_groups: BTreeMap::new(),
        ..Snapshot::default()
    }
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Serialises, parses back and evaluates; prints one line.
fn measure(label: &str, snap: &Snapshot) {
    let json = serde_json::to_string(snap).unwrap();
    drop(serde_json::from_str::<Snapshot>(&json).unwrap()); // warm up
    let t = Instant::now();
    let parsed: Snapshot = serde_json::from_str(&json).unwrap();
    let parse = t.elapsed();
    let t = Instant::now();
    let outcomes = evaluate(&parsed, &Options::default());
    let findings: usize = outcomes.iter().map(|o| o.findings.len()).sum();
    let report = report::build(&parsed, outcomes, FailOn::Error, None, String::new());
    let eval = t.elapsed();
    println!(
        "{label:<44} {:>7.1} MiB JSON  parse {:>7.1} ms  evaluate {:>9.1} ms  findings {findings:>6}  status {:?}  peak RSS {:>7.1} MiB",
        json.len() as f64 / 1_048_576.0,
        parse.as_secs_f64() * 1e3,
        eval.as_secs_f64() * 1e3,
        report.status,
        peak_rss_mib(),
    );
}

/// Runs one case in this process: `one` (the big target groups) or a number of ALBs.
fn run_case(case: &str) {
    if case == "one" {
        let mut one = empty();
        add_vpc(&mut one, 0);
        add_alb(&mut one, 0, 0, 40, 100);
        // Plus one group of 5,000 targets, forwarded to by both listeners.
        add_alb(&mut one, 0, 1, 1, 5000);
        let big = one.load_balancers.pop().unwrap();
        let big_group = big.listeners[0].forwards[0].clone();
        for l in &mut one.load_balancers[0].listeners {
            l.forwards.push(big_group.clone());
        }
        measure("1 ALB, 40 groups x 100 + 1 group x 5,000", &one);
        return;
    }
    if let Some(n) = case.strip_prefix("targets:") {
        let n: usize = n.parse().unwrap();
        let mut one = empty();
        add_vpc(&mut one, 0);
        add_alb_with(&mut one, 0, 0, 1, n, true);
        measure(&format!("1 ALB, 1 group x {n}, 3/4 unhealthy"), &one);
        return;
    }
    if let Some(shape) = case.strip_prefix("region:") {
        let (albs, per) = shape.split_once('x').unwrap();
        let (albs, per): (usize, usize) = (albs.parse().unwrap(), per.parse().unwrap());
        let mut snap = empty();
        for a in 0..albs {
            if a % 25 == 0 {
                add_vpc(&mut snap, a / 25);
            }
            add_alb_with(&mut snap, a / 25, a, 1, per, true);
        }
        measure(
            &format!("{albs} ALBs x {per} targets, 3/4 unhealthy"),
            &snap,
        );
        return;
    }
    let albs: usize = case.parse().unwrap();
    let mut snap = empty();
    for a in 0..albs {
        if a % 25 == 0 {
            add_vpc(&mut snap, a / 25);
        }
        add_alb(&mut snap, a / 25, a, 1, 10);
    }
    measure(&format!("{albs} ALBs, 2 listeners, 10 targets each"), &snap);
}

fn main() {
    // Each case runs in a fresh process so that its peak memory is its own.
    if let Ok(case) = std::env::var("ALB_AUDIT_BENCH_CASE") {
        run_case(&case);
        return;
    }
    println!(
        "profile: {}",
        if cfg!(debug_assertions) {
            "debug (numbers are an upper bound)"
        } else {
            "release"
        }
    );
    let me = std::env::current_exe().unwrap();
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = [
        "one",
        "250",
        "500",
        "1000",
        "targets:1000",
        "targets:10000",
        "targets:50000",
        "targets:100000",
        "region:1000x100",
    ];
    let cases: Vec<&str> = if named.is_empty() {
        all.to_vec()
    } else {
        named.iter().map(String::as_str).collect()
    };
    for case in cases {
        let status = std::process::Command::new(&me)
            .env("ALB_AUDIT_BENCH_CASE", case)
            .status()
            .unwrap();
        assert!(status.success(), "case {case} failed");
    }
}
