//! Bad configuration is bad input: one line on standard error naming the cause and the fix,
//! exit status 2, nothing on standard output, and no audit full of `not_evaluated` entries.
//! None of these reach AWS: the only addresses involved are closed loopback ports.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{alb_audit, free_port};

const ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

/// Runs `cmd`, killing it if it outlives `limit` (a bound that keeps a broken build from
/// hanging the suite); returns (exit code, stdout, stderr).
fn run(mut cmd: Command, limit: Duration) -> (i32, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Asserts exit 2, an empty stdout and one stderr line mentioning each of `words`.
fn assert_config_error(cmd: Command, limit: Duration, words: &[&str]) {
    let (code, stdout, stderr) = run(cmd, limit);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stdout.is_empty(), "stdout: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for w in words {
        assert!(stderr.contains(w), "{w:?} not in: {stderr}");
    }
    assert!(
        !stderr.contains("DispatchFailure") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

fn audit(args: &[&str]) -> Command {
    let mut cmd = alb_audit();
    cmd.arg("audit").args(args);
    cmd
}

/// No credentials anywhere, and no instance metadata service (a closed local port stands in
/// for it, so a CI machine on EC2 is not asked): said up front, within the limit.
#[test]
fn no_credentials_is_one_line_and_quick() {
    let mut cmd = audit(&["--alb-arn", ARN]);
    cmd.env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{}", free_port()),
        );
    assert_config_error(cmd, Duration::from_secs(15), &["no AWS credentials found"]);
}

#[test]
fn unknown_profile_names_the_files_looked_in() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile ci]\nregion = us-east-1\n").unwrap();
    let mut cmd = audit(&["--alb-arn", ARN, "--profile", "nosuch"]);
    cmd.env("AWS_CONFIG_FILE", &config);
    assert_config_error(
        cmd,
        Duration::from_secs(15),
        &["unknown --profile 'nosuch'", config.to_str().unwrap()],
    );
}

#[test]
fn malformed_endpoints_and_regions() {
    let limit = Duration::from_secs(15);
    assert_config_error(
        audit(&["--alb-arn", ARN, "--endpoint-url", "notaurl"]),
        limit,
        &["malformed --endpoint-url 'notaurl'"],
    );
    let mut env = audit(&["--alb-arn", ARN]);
    env.env("AWS_ENDPOINT_URL", "ftp://x");
    assert_config_error(env, limit, &["AWS_ENDPOINT_URL"]);
    assert_config_error(
        audit(&["--all", "--region", "nosuch"]),
        limit,
        &["unknown region 'nosuch'"],
    );
    assert_config_error(
        audit(&["--alb-arn", ARN, "--region", "eu-west-1"]),
        limit,
        &["--region eu-west-1 contradicts", "us-east-1"],
    );
}

/// An endpoint nobody listens on: bad configuration, not sixteen `not_evaluated` lines.
#[test]
fn unreachable_endpoint_is_bad_configuration() {
    let url = format!("http://127.0.0.1:{}", free_port());
    assert_config_error(
        audit(&["--alb-arn", ARN, "--endpoint-url", &url]),
        Duration::from_secs(30),
        &[
            "cannot reach the AWS API at",
            &url,
            "connection was refused",
        ],
    );
}

#[test]
fn flags_that_make_no_sense_together() {
    let limit = Duration::from_secs(15);
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/no-listeners/snapshot.json"
    );
    assert_config_error(
        audit(&["--alb-arn", ARN, "--tag", "team=web"]),
        limit,
        &["--all"],
    );
    assert_config_error(
        audit(&["--snapshot", snapshot, "--region", "us-east-1"]),
        limit,
        &["--snapshot", "--region"],
    );
    assert_config_error(
        audit(&[
            "--snapshot",
            snapshot,
            "--endpoint-url",
            "http://127.0.0.1:1",
        ]),
        limit,
        &["--endpoint-url"],
    );
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("s.json");
    std::fs::copy(snapshot, &copy).unwrap();
    assert_config_error(
        audit(&[
            "--snapshot",
            copy.to_str().unwrap(),
            "--output",
            copy.to_str().unwrap(),
        ]),
        limit,
        &["is the snapshot being audited"],
    );
    assert!(
        std::fs::read_to_string(&copy)
            .unwrap()
            .contains("\"format\""),
        "the snapshot is untouched"
    );
}

/// `--output` writes the report there and nothing to standard output.
#[test]
fn output_leaves_stdout_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/no-listeners/snapshot.json"
    );
    let (code, stdout, _) = run(
        audit(&["--snapshot", snapshot, "--output", out.to_str().unwrap()]),
        Duration::from_secs(15),
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["status"], "fail");
}
