//! Input that would exhaust the tool is refused with exit 2 and one line (the contract's
//! "Safe output" section; docs/safe-output.md), and what the tool writes keeps or escapes what
//! it was given: structured formats byte for byte, error lines escaped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .join("snapshot.json")
}

/// Runs the binary; returns (exit code, stdout bytes, stderr).
fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Exit 2, nothing on stdout, exactly one line on stderr that mentions `what`, with no raw
/// control character.
fn refused(args: &[&str], what: &str) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{args:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(what), "{args:?}: {stderr}");
    assert!(
        !stderr.trim_end().chars().any(char::is_control),
        "{args:?}: {stderr:?}"
    );
    stderr
}

fn temp(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alb-audit-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn a_snapshot_larger_than_the_bound_is_refused() {
    let path = fixture("healthy-internet-facing");
    let size = std::fs::metadata(&path).unwrap().len();
    let p = path.to_str().unwrap();
    refused(
        &[
            "audit",
            "--snapshot",
            p,
            "--max-snapshot-bytes",
            &(size - 1).to_string(),
        ],
        &format!("larger than {} bytes (--max-snapshot-bytes)", size - 1),
    );
    let (code, _, stderr) = run(&[
        "audit",
        "--snapshot",
        p,
        "--max-snapshot-bytes",
        &size.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
}

/// `/dev/zero` never ends: it is refused at its first block, not read to the bound.
#[cfg(unix)]
#[test]
fn an_endless_binary_file_stops_at_once() {
    refused(
        &["audit", "--snapshot", "/dev/zero"],
        "which no JSON or TOML file holds",
    );
}

/// The other files a user hands the tool are read through the same kind of bound: a baseline,
/// a suppressions file and the report `baseline` reads stop at `/dev/zero`'s first block.
#[cfg(unix)]
#[test]
fn endless_baselines_suppressions_and_reports_stop_at_once() {
    let snapshot = fixture("healthy-internet-facing");
    let snapshot = snapshot.to_str().unwrap();
    for flag in ["--baseline", "--suppressions"] {
        refused(
            &["audit", "--snapshot", snapshot, flag, "/dev/zero"],
            "which no JSON or TOML file holds",
        );
    }
    let out =
        std::env::temp_dir().join(format!("alb-audit-bounds-baseline-{}", std::process::id()));
    refused(
        &[
            "baseline",
            "--report",
            "/dev/zero",
            "--output",
            out.to_str().unwrap(),
        ],
        "which no JSON or TOML file holds",
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn nesting_deeper_than_the_parser_bound_is_one_line() {
    let depth = 100_000;
    // The snapshot's own fields hit serde_json's recursion limit; an unknown field is skipped
    // without recursing, and the file is still refused on one line.
    for (name, text, what) in [
        (
            "deep-array.json",
            format!("{{\"x\":{}{}}}", "[".repeat(depth), "]".repeat(depth)),
            "missing field",
        ),
        (
            "deep-object.json",
            format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
            "malformed snapshot",
        ),
        (
            "deep-load-balancers.json",
            format!(
                "{{\"format\":1,\"load_balancers\":[{{\"listeners\":{}{}}}]}}",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
            "malformed snapshot",
        ),
    ] {
        let path = temp(name, text.as_bytes());
        refused(&["audit", "--snapshot", path.to_str().unwrap()], what);
    }
}

#[test]
fn a_connect_timeout_that_rounds_to_zero_is_refused() {
    let path = fixture("healthy-internet-facing");
    for bad in ["1e-300", "0.0001", "0", "61", "NaN"] {
        refused(
            &[
                "probe",
                "--snapshot",
                path.to_str().unwrap(),
                "--connect-timeout",
                bad,
            ],
            "--connect-timeout",
        );
    }
}

/// An argument full of escapes comes back escaped, on one line, never as a CI command.
#[test]
fn error_lines_echo_no_raw_escapes() {
    let planted = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\n::error title=x::y\u{202e}";
    let stderr = refused(
        &["audit", "--alb-arn", planted],
        "\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\n::error",
    );
    assert!(stderr.contains("\\u{202e}"), "{stderr}");
    let stderr = refused(&["explain", planted], "unknown rule");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// JSON (and every structured format) is written byte for byte: the DEL and C1 characters of a
/// name survive, to standard output and to --output alike.
#[test]
fn structured_formats_are_written_byte_exact() {
    let text = std::fs::read_to_string(fixture("healthy-internet-facing")).unwrap();
    let mut snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let planted = "web\u{7f}\u{9b}x";
    snapshot["load_balancers"][0]["name"] = planted.into();
    let path = temp(
        "del.json",
        serde_json::to_string(&snapshot).unwrap().as_bytes(),
    );
    let p = path.to_str().unwrap();
    let (_, stdout, stderr) = run(&["audit", "--snapshot", p, "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["load_balancers"][0]["name"], planted);
    let out = path.with_extension("out.json");
    run(&[
        "audit",
        "--snapshot",
        p,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    let written = std::fs::read(&out).unwrap();
    assert!(
        written
            .windows(planted.len())
            .any(|w| w == planted.as_bytes()),
        "--output lost bytes of the name"
    );
    assert!(
        stdout
            .windows(planted.len())
            .any(|w| w == planted.as_bytes()),
        "stdout lost bytes of the name"
    );
    // The text report shows the same name escaped.
    let (_, text, _) = run(&["audit", "--snapshot", p, "--format", "text"]);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("web\\x7f\\x9bx"), "{text}");
}
