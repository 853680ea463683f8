//! Test harness for end-to-end tests: a real moto server on a free loopback port, SDK clients
//! pointed at it to build worlds with real create calls, the built binary run against it, and
//! a small HTTP proxy that injects faults (AccessDenied, throttling) for chosen API actions,
//! the layer beside moto (`layer`) that answers what moto lacks as an account would,
//! and loopback servers (`servers`) that stand in for ALB nodes and targets in probe tests.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod lambda;
pub mod layer;
pub mod proxy;
pub mod servers;
pub mod world;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A moto server process, killed on drop, behind the layer beside moto.
pub struct Moto {
    child: Child,
    /// The layer in front of moto (`http://127.0.0.1:PORT`): what tests and the tool call.
    pub endpoint: String,
    /// moto itself, for the rare test that must see the emulator without the layer.
    pub upstream: String,
    /// The layer's configuration: a test adds answers and rewrites here.
    pub layer: layer::Layer,
}

/// A free loopback port (bound and released; moto binds it right after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Moto {
    /// Starts `moto_server` on a free port, waits until it accepts connections, and puts the
    /// layer beside moto (with its defaults) in front of it.
    pub fn start() -> Moto {
        raise_descriptor_limit();
        let bin = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {bin} ({e}); install it with `pip install 'moto[server]'`")
                });
            let upstream = format!("http://127.0.0.1:{port}");
            let front = proxy::Proxy::layered(&upstream, layer::Layer::with_defaults());
            let mut moto = Moto {
                child,
                endpoint: front.endpoint.clone(),
                upstream,
                layer: front.layer.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = moto.child.try_wait() {
                    break; // exited: port taken, try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return moto;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("moto_server did not start");
    }
}

/// Lifts this process's soft limit on open descriptors to its hard limit, once: a test binary
/// runs its tests side by side, each with SDK connection pools, proxy connections and moto's
/// sockets, and a default soft limit of 1024 is within reach on a loaded machine.
fn raise_descriptor_limit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0
                && limit.rlim_cur < limit.rlim_max
            {
                limit.rlim_cur = limit.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    });
}

impl Moto {
    /// CPU time the moto process has spent so far: benchmarks use it to tell the emulator's
    /// work from the auditor's on a shared machine.
    pub fn cpu(&self) -> Duration {
        process_cpu(&format!("/proc/{}/stat", self.child.id()), false)
    }
}

/// CPU time (user + system) from a /proc/PID/stat file: the process's own (`utime`, `stime`)
/// or that of its waited-for children (`cutime`, `cstime`), in clock ticks of 1/100 s on
/// Linux; zero where /proc is missing.
pub fn process_cpu(stat_path: &str, children: bool) -> Duration {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name in parentheses: state is field 3, utime field 14.
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let first = if children { 13 } else { 11 };
    let ticks =
        fields.get(first).copied().unwrap_or(0) + fields.get(first + 1).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK config for tests: static credentials, fixed region, the given endpoint.
pub async fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// SDK config acting in `account` (moto: credentials from AssumeRole act in the role's account),
/// for building worlds in other accounts.
pub async fn account_config(endpoint: &str, region: &str, account: &str) -> aws_config::SdkConfig {
    let base = sdk_config(endpoint, region).await;
    let assumed = aws_sdk_sts::Client::new(&base)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/world-builder"))
        .role_session_name("world-builder")
        .send()
        .await
        .expect("moto's AssumeRole");
    let c = assumed.credentials().expect("credentials");
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_sdk_ec2::config::Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    None,
                    "tests",
                ),
            ),
        )
        .build()
}

/// The binary with an environment that can only reach what the test gives it.
pub fn alb_audit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alb-audit"));
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/alb-audit-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/alb-audit-test-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(Stdio::null());
    cmd
}

/// Runs `alb-audit audit --alb-arn ARN --endpoint-url ENDPOINT --format json` plus `args`.
pub fn audit_live(endpoint: &str, arn: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
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
        .args(args)
        .output()
        .expect("run alb-audit");
    parse(out)
}

/// Runs `alb-audit audit --snapshot FILE --format json`.
pub fn audit_snapshot(file: &Path) -> (i32, serde_json::Value, String) {
    let out = alb_audit()
        .args(["audit", "--format", "json", "--snapshot"])
        .arg(file)
        .output()
        .expect("run alb-audit");
    parse(out)
}

fn parse(out: Output) -> (i32, serde_json::Value, String) {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stdout: {} stderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), report, stderr)
}

/// Findings of the first ALB as `RULE:ZONE` strings (zone `-` when null), sorted.
pub fn fired(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["load_balancers"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["availability_zone"].as_str().unwrap_or("-")
            )
        })
        .collect();
    v.sort();
    v
}

/// The one finding of `rule` in zone `zone` (None: null zone).
pub fn finding<'a>(
    report: &'a serde_json::Value,
    rule: &str,
    zone: Option<&str>,
) -> &'a serde_json::Value {
    report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["availability_zone"].as_str() == zone)
        .unwrap_or_else(|| panic!("no {rule} in {zone:?}: {report:#}"))
}
