//! The CI jobs in docs/ci only run alb-audit commands that exist: every subcommand, flag and
//! `--format` value they use is one the binary accepts.

use std::path::Path;
use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The shell command lines of a YAML file that run alb-audit, continuations joined.
fn invocations(yaml: &str) -> Vec<String> {
    let joined = yaml.replace("\\\n", " ");
    joined
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.contains("cargo install"))
        .flat_map(|l| l.split(';'))
        .filter_map(|l| {
            let i = l.find("alb-audit ")?;
            // Only in command position: nothing but list markers or `run:` before it.
            matches!(l[..i].trim(), "" | "-" | "run:").then(|| l[i..].to_string())
        })
        .collect()
}

#[test]
fn ci_jobs_use_only_existing_commands_flags_and_formats() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for file in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let yaml = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            !yaml.trim().is_empty() && !yaml.contains('\t'),
            "{file}: tabs are not YAML"
        );
        let lines = invocations(&yaml);
        assert!(lines.len() >= 3, "{file}: {lines:?}");
        for line in lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            let sub = words[1];
            let sub_help = help(&[sub]);
            for (i, w) in words.iter().enumerate() {
                if let Some(flag) = w.strip_prefix("--") {
                    let flag = flag.split('=').next().unwrap();
                    assert!(
                        sub_help.contains(&format!("--{flag}")),
                        "{file}: `alb-audit {sub} --{flag}` does not exist"
                    );
                }
                if *w == "--format" {
                    let value = words[i + 1];
                    assert!(
                        sub_help.contains(value),
                        "{file}: --format {value} is not accepted"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} invocations found");
}
