//! The repository stands on its own and its release story is told once: no source, test, script,
//! CI or bench file refers to a path outside the checkout (a user's clone has nothing there), and
//! the Dockerfile, .github/workflows/release.yml and README's Install section agree on the cargo
//! build, the targets, the container image and the repository. Files are read as text.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Where the files that must stay inside the repository live.
const CHECKED_DIRS: [&str; 5] = ["tests", "src", "scripts", ".ci", "benches"];

/// Spellings of a path that leaves the repository: the old shared workspace, or two levels up
/// from any directory of the checkout. Assembled from pieces so that this file does not spell
/// them itself and is checked like every other.
const OUTSIDE: [&str; 2] = [concat!("..", "/shared"), concat!("..", "/", "..", "/")];

/// The one repository every URL names (Cargo.toml `repository`).
const REPOSITORY: &str = "https://github.com/alb-audit/alb-audit";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(file: &str) -> String {
    std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Files git tracks under `paths` (directories or files), relative to the root; from disk when
/// this is no git checkout (a source archive), so the checks still run there.
fn tracked_files(paths: &[&str]) -> Vec<String> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["ls-files", "-z", "--"])
        .args(paths)
        .output();
    match listed {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout)
            .unwrap()
            .split('\0')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        _ => {
            let mut files = Vec::new();
            let mut pending: Vec<String> = paths.iter().map(|d| d.to_string()).collect();
            while let Some(path) = pending.pop() {
                let full = root().join(&path);
                if full.is_file() {
                    files.push(path);
                } else if let Ok(entries) = std::fs::read_dir(&full) {
                    for entry in entries {
                        let name = entry.unwrap().file_name();
                        pending.push(format!("{path}/{}", name.to_string_lossy()));
                    }
                }
            }
            files
        }
    }
}

/// `line N: PATTERN` for every line of `text` that names a path outside the repository.
fn outside_references(text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .flat_map(|(n, line)| {
            OUTSIDE
                .iter()
                .filter(move |p| line.contains(*p))
                .map(move |p| format!("line {}: {p}", n + 1))
        })
        .collect()
}

#[test]
fn outside_references_are_recognised() {
    let text = format!(
        "let a = root().join(\"{shared}/schemas/x.json\");\n\
         #[path = \"../tests/common/mod.rs\"]\n\
         cd {up}elsewhere\n\
         tests/data/x.json\n",
        shared = OUTSIDE[0],
        up = OUTSIDE[1],
    );
    assert_eq!(
        outside_references(&text),
        [
            format!("line 1: {}", OUTSIDE[0]),
            format!("line 3: {}", OUTSIDE[1])
        ]
    );
}

#[test]
fn no_checked_file_refers_outside_the_repository() {
    let files = tracked_files(&CHECKED_DIRS);
    assert!(
        files.iter().any(|f| f == "tests/formats.rs"),
        "the file list is wrong: {files:?}"
    );
    let mut found = Vec::new();
    for file in files {
        let bytes = std::fs::read(root().join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        for at in outside_references(&String::from_utf8_lossy(&bytes)) {
            found.push(format!("{file}: {at}"));
        }
    }
    assert!(
        found.is_empty(),
        "paths outside the repository (a clone has nothing there; keep test data in \
         tests/data):\n{}",
        found.join("\n")
    );
}

/// README's `## Install` section.
fn readme_install() -> String {
    let readme = read("README.md");
    let start = readme
        .find("\n## Install\n")
        .expect("README has an Install section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// Whether a word is a Rust target triple of the kinds alb-audit ships.
fn is_target(word: &str) -> bool {
    ["-unknown-linux-musl", "-unknown-linux-gnu", "-apple-darwin"]
        .iter()
        .any(|os| word.ends_with(os) && word.len() > os.len())
}

/// The value of every `KEY: value` line of a YAML file read as text (`- KEY:` list items too).
fn yaml_values(yaml: &str, key: &str) -> Vec<String> {
    let prefix = format!("{key}:");
    yaml.lines()
        .map(|l| l.trim_start().trim_start_matches("- "))
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().trim_matches('"').to_string())
        .collect()
}

/// The `cargo build ...` command of a file: the one line that runs it, from `cargo build` to the
/// end of the command (`&&`, a line continuation or the end of the line).
fn cargo_build(file: &str) -> String {
    let text = read(file);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("cargo build")).collect();
    assert_eq!(lines.len(), 1, "{file}: one cargo build line: {lines:?}");
    let command = &lines[0][lines[0].find("cargo build").unwrap()..];
    command
        .split("&&")
        .next()
        .unwrap()
        .trim_end_matches('\\')
        .trim()
        .to_string()
}

/// The command with its `--target VALUE` removed, and that value.
fn without_target(command: &str) -> (String, String) {
    let (before, after) = command
        .split_once("--target ")
        .unwrap_or_else(|| panic!("no --target in {command}"));
    // The value may be quoted and hold spaces: "$(uname -m)-unknown-linux-musl".
    let end = match after.strip_prefix('"') {
        Some(quoted) => quoted.find('"').map_or(after.len(), |i| i + 2),
        None => after.find(' ').unwrap_or(after.len()),
    };
    let flags = format!("{} {}", before.trim(), after[end..].trim());
    (
        flags.trim().to_string(),
        after[..end].trim_matches('"').to_string(),
    )
}

#[test]
fn dockerfile_workflow_and_readme_agree() {
    let workflow = read(".github/workflows/release.yml");
    let dockerfile = read("Dockerfile");
    let install = readme_install();

    // One build command: the release workflow's is the Dockerfile's with another --target.
    let (docker_flags, docker_target) = without_target(&cargo_build("Dockerfile"));
    let (workflow_flags, workflow_target) =
        without_target(&cargo_build(".github/workflows/release.yml"));
    assert_eq!(docker_flags, "cargo build --release --locked");
    assert_eq!(workflow_flags, docker_flags);
    assert_eq!(workflow_target, "$TARGET");

    // The workflow ships exactly the targets README lists, and README's example is one of them.
    let shipped: BTreeSet<String> = yaml_values(&workflow, "target").into_iter().collect();
    let listed: BTreeSet<String> = install
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| is_target(w))
        .map(str::to_string)
        .collect();
    assert_eq!(shipped, listed, "release.yml targets vs README Install");
    let example = install
        .split_whitespace()
        .find_map(|w| w.strip_prefix("target="))
        .expect("README's download example sets target=");
    assert!(shipped.contains(example), "{example} is not released");

    // The image is built for each Linux architecture README offers, from the same musl target the
    // binaries use, on a static runtime image.
    let platforms = yaml_values(&workflow, "platform");
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    for platform in &platforms {
        assert!(
            install.contains(platform.as_str()),
            "README: image platform {platform}"
        );
        let uname = match platform.as_str() {
            "linux/amd64" => "x86_64",
            _ => "aarch64",
        };
        let target = docker_target.replace("$(uname -m)", uname);
        assert!(
            shipped.contains(&target),
            "the image's {target} is not a released binary"
        );
    }
    assert!(docker_target.ends_with("-unknown-linux-musl"));
    assert!(dockerfile.contains("\nFROM gcr.io/distroless/static"));
    assert!(dockerfile.contains("\nUSER nonroot:nonroot\n"));

    // One toolchain: the builder image, the release workflow and CI.
    let ci = read(".github/workflows/ci.yml");
    let toolchain = yaml_values(&workflow, "RUST_TOOLCHAIN");
    assert_eq!(toolchain.len(), 1);
    assert!(dockerfile.contains(&format!("\nFROM rust:{}-", toolchain[0])));
    assert_eq!(yaml_values(&ci, "toolchain"), toolchain);

    // The image README runs is the one the workflow pushes.
    let image = yaml_values(&workflow, "IMAGE");
    assert_eq!(image, ["ghcr.io/alb-audit/alb-audit"]);
    assert!(install.contains(&format!("{} audit --alb-arn", image[0])));

    // Binaries are downloaded from, and cargo installs from, the repository.
    assert!(read("Cargo.toml").contains(&format!("\nrepository = \"{REPOSITORY}\"\n")));
    assert!(install.contains(&format!("{REPOSITORY}/releases/download/v$version/")));
    assert!(install.contains(&format!("cargo install --locked --git {REPOSITORY}\n")));
}

#[test]
fn one_repository_name_everywhere() {
    let (_, path) = REPOSITORY.split_once("://").unwrap();
    let (host_owner, name) = path.rsplit_once('/').unwrap();
    let files = tracked_files(&["README.md", "Cargo.toml", "docs", "src", ".github"]);
    assert!(files.iter().any(|f| f == ".github/workflows/release.yml"));
    let mut wrong = Vec::new();
    for file in files {
        let text = read(&file);
        // Every `github.com/X/alb-audit` must be this repository.
        for (i, _) in text.match_indices(&format!("/{name}")) {
            let start = text[..i]
                .rfind(|c: char| c.is_whitespace() || "\"'`(<[=".contains(c))
                .map_or(0, |s| s + 1);
            let url = &text[start..i];
            if url.contains("github.com/") && !url.ends_with(host_owner) {
                wrong.push(format!("{file}: {url}/{name}"));
            }
        }
        for placeholder in ["OWNER/", "your-org"] {
            if text.contains(placeholder) {
                wrong.push(format!("{file}: placeholder {placeholder}"));
            }
        }
    }
    assert!(wrong.is_empty(), "use {REPOSITORY}:\n{}", wrong.join("\n"));
}

/// Top-level entries of the checkout that README's paths start from.
const REPO_ROOTS: [&str; 9] = [
    ".ci/",
    ".github/",
    "benches/",
    "docs/",
    "fixtures/",
    "scripts/",
    "src/",
    "tests/",
    "Cargo",
];

/// Files README tells a user to create in their own repository, not files of this one.
const USERS_OWN_FILES: [&str; 1] = [".github/workflows/alb-audit-fleet.yml"];

/// Every path README names — relative links, and backticked paths into the checkout — exists,
/// so a newcomer who follows README finds what it points at.
#[test]
fn readme_names_only_files_that_exist() {
    let readme = read("README.md");
    let links = readme
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| !target.contains("://"))
        .map(|target| target.split('#').next().unwrap_or_default().to_string());
    let quoted = readme
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| !word.contains(' ') && REPO_ROOTS.iter().any(|r| word.starts_with(r)))
        .map(str::to_string);
    let mut missing: Vec<String> = links
        .chain(quoted)
        .filter(|path| !path.is_empty() && !USERS_OWN_FILES.contains(&path.as_str()))
        .filter(|path| !root().join(path).exists())
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "README names missing paths: {missing:?}"
    );
    for own in USERS_OWN_FILES {
        assert!(
            readme.contains(&format!("your own repository as\n`{own}`"))
                || readme.contains(&format!("your own repository as `{own}`")),
            "README must say that {own} is the user's file to create"
        );
    }
}

/// The first fenced block of `lang` after `heading` in README.
fn readme_block(heading: &str, lang: &str) -> String {
    let readme = read("README.md");
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"))..];
    let open = format!("```{lang}\n");
    let start = section.find(&open).expect("a fenced block") + open.len();
    let len = section[start..].find("```\n").expect("a closed block");
    section[start..start + len].to_string()
}

/// README's bundled example is what the command prints today, with the exit status README
/// states: the first thing a newcomer runs must not disagree with the page that told them to.
#[test]
fn readme_example_output_is_the_commands_output() {
    let heading = "## Try it on a bundled example";
    let command = readme_block(heading, "sh");
    let args: Vec<&str> = command
        .trim()
        .strip_prefix("cargo run -- ")
        .expect("README's example runs `cargo run -- ...`")
        .split_whitespace()
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .current_dir(root())
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run alb-audit");
    let shown = readme_block(heading, "text");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        shown,
        "README's example output is stale: run `{}` and paste its output",
        command.trim()
    );
    let readme = read("README.md");
    let section = &readme[readme.find(heading).unwrap()..];
    let stated: i32 = section
        .split("exits with status ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("README states the example's exit status");
    assert_eq!(out.status.code(), Some(stated));
}

/// Install says plainly whether anything is published: while no `v*` tag exists, README must
/// not promise downloads as available, and must say that none has been published.
#[test]
fn install_says_what_is_published() {
    let tags = Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["tag", "--list", "v*"])
        .output();
    let Some(tags) = tags.ok().filter(|o| o.status.success()) else {
        return; // a source archive: no tags to compare with
    };
    let install = readme_install();
    if String::from_utf8_lossy(&tags.stdout).trim().is_empty() {
        assert!(
            install.contains("No release has been published yet"),
            "no v* tag exists, so README's Install must say nothing is published"
        );
        assert!(!install.contains("each release on"));
    }
}
