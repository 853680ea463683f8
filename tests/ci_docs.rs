//! The CI jobs in docs/ci (and the commands in docs/ci.md) only run alb-audit commands that
//! exist: every subcommand, every `--flag` and every `--format` value they use is one that
//! `alb-audit <subcommand> --help` lists. YAML is read as text, line by line. And the jobs do
//! the right thing: their own scripts run against fixtures with every exit status, the SARIF
//! upload's `if:` is evaluated with the outputs they write (never from an incomplete audit), and
//! the OIDC trust policies in docs/ci.md pin audience, repository and branch.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const YAML_FILES: [&str; 3] = [
    "docs/ci/github-actions.yml",
    "docs/ci/gitlab-ci.yml",
    "docs/ci/github-actions-security.yml",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(file: &str) -> String {
    std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn alb_audit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(args)
        .output()
        .unwrap()
}

/// `alb-audit [sub] --help`, which must succeed.
fn help(sub: Option<&str>) -> String {
    let args: Vec<&str> = sub.into_iter().chain(["--help"]).collect();
    let out = alb_audit(&args);
    assert!(
        out.status.success(),
        "`alb-audit {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands listed under `Commands:` in the top-level help.
fn subcommands() -> BTreeSet<String> {
    help(None)
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// One subcommand's options, from the option lines of its help: name -> whether it takes a value.
struct Options {
    flags: Vec<(String, bool)>,
    formats: BTreeSet<String>,
    positionals: bool,
}

fn options(help: &str) -> Options {
    let mut flags = Vec::new();
    for line in help.lines() {
        let line = line.trim_start();
        if !line.starts_with('-') {
            continue;
        }
        // `-h, --help  Print help` or `--output <FILE>`: the definition ends at two spaces.
        let head = line.split("  ").next().unwrap();
        let takes_value = head.contains('<');
        for word in head.split([' ', ',']) {
            if let Some(name) = word.strip_prefix("--") {
                flags.push((name.to_string(), takes_value));
            }
        }
    }
    // The `--format` section: `Possible values:` then `- json: ...` lines (long help), or
    // `[possible values: json, text]` (short help).
    let mut formats = BTreeSet::new();
    let section = help
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("--format "))
        .enumerate()
        .take_while(|(i, l)| {
            let l = l.trim_start();
            // Stops at the next option: `--output <FILE>` or `-h, --help`, not `- json: ...`.
            *i == 0 || !(l.starts_with("--") || l.starts_with('-') && !l.starts_with("- "))
        })
        .map(|(_, l)| l.trim())
        .collect::<Vec<_>>();
    for line in &section {
        if let Some(value) = line.strip_prefix("- ").and_then(|v| v.split(':').next()) {
            formats.insert(value.trim().to_string());
        }
        if let Some(list) = line.split("[possible values: ").nth(1) {
            let list = list.split(']').next().unwrap();
            formats.extend(list.split(", ").map(|v| v.trim().to_string()));
        }
    }
    let usage = help
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or_default();
    // A positional shows as `<NAME>` or `[NAME]` not right after a `--flag`.
    let words: Vec<&str> = usage.split([' ', '|']).filter(|w| !w.is_empty()).collect();
    let positionals = words.iter().enumerate().skip(3).any(|(i, w)| {
        let w = w.trim_start_matches('[').trim_start_matches('<');
        w.starts_with(|c: char| c.is_ascii_uppercase())
            && w != "OPTIONS]"
            && !words[i - 1]
                .trim_start_matches(['<', '[', '|'])
                .starts_with("--")
    });
    Options {
        flags,
        formats,
        positionals,
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    /// `;`, `&&`, `||`, `|`, `(`, `)`, `$(`, a backquote: a new command starts after it.
    Separator,
}

/// Splits one shell line into words (quotes removed) and command separators. A `#` at the start
/// of a word ends the line. Unbalanced quotes are an error.
fn shell_tokens(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    let flush = |tokens: &mut Vec<Token>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    in_word = true;
                }
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => flush(&mut tokens, &mut word, &mut in_word),
            (None, ';' | '&' | '|' | '(' | ')' | '`') => {
                flush(&mut tokens, &mut word, &mut in_word);
                while chars.next_if(|n| matches!(n, ';' | '&' | '|')).is_some() {}
                tokens.push(Token::Separator);
            }
            (None, '$') if chars.peek() == Some(&'(') => {
                chars.next();
                flush(&mut tokens, &mut word, &mut in_word);
                tokens.push(Token::Separator);
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(format!("unbalanced {q} in: {line}"));
    }
    flush(&mut tokens, &mut word, &mut in_word);
    Ok(tokens)
}

/// Every `alb-audit ...` command in `text`: full-line comments dropped, `\` continuations joined,
/// YAML list markers and `run:`/`script:` keys, shell keywords and `VAR=value` prefixes skipped.
fn invocations(text: &str) -> Vec<Vec<String>> {
    let mut logical = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        if pending.is_empty() && line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                logical.push(std::mem::take(&mut pending));
            }
        }
    }
    logical.push(pending);

    let skip = [
        "-", "run:", "script:", "then", "do", "else", "elif", "if", "!", "{", "time",
    ];
    let mut found = Vec::new();
    for line in logical {
        let tokens = shell_tokens(&line).unwrap();
        for command in tokens.split(|t| *t == Token::Separator) {
            let words: Vec<&str> = command
                .iter()
                .map(|t| match t {
                    Token::Word(w) => w.as_str(),
                    Token::Separator => unreachable!(),
                })
                .skip_while(|w| {
                    skip.contains(w)
                        || w.split_once('=').is_some_and(|(name, _)| {
                            !name.is_empty()
                                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                })
                .collect();
            if words.first() == Some(&"alb-audit") {
                found.push(words.iter().map(|w| w.to_string()).collect());
            }
        }
    }
    found
}

/// Checks one `alb-audit ...` command against the binary's help.
fn check(file: &str, words: &[String], subs: &BTreeSet<String>) {
    let shown = words.join(" ");
    let sub = words
        .get(1)
        .unwrap_or_else(|| panic!("{file}: `{shown}` has no subcommand"));
    assert!(
        subs.contains(sub) && sub != "help",
        "{file}: `{shown}`: alb-audit has no subcommand `{sub}` (it has {subs:?})"
    );
    let opts = options(&help(Some(sub)));
    let mut i = 2;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        let Some(flag) = word.strip_prefix("--") else {
            assert!(
                opts.positionals,
                "{file}: `{shown}`: `{word}` is neither a flag nor a flag's value"
            );
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (flag, None),
        };
        let takes_value = opts
            .flags
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{file}: `{shown}`: `alb-audit {sub}` has no flag --{name}"));
        let value = match (takes_value, inline) {
            (false, Some(_)) => panic!("{file}: `{shown}`: --{name} takes no value"),
            (false, None) => continue,
            (true, Some(value)) => value,
            (true, None) => {
                i += 1;
                words
                    .get(i - 1)
                    .filter(|v| !v.starts_with("--"))
                    .unwrap_or_else(|| panic!("{file}: `{shown}`: --{name} needs a value"))
                    .clone()
            }
        };
        if name == "format" {
            assert!(
                !opts.formats.is_empty(),
                "`alb-audit {sub} --help` lists no --format values"
            );
            assert!(
                opts.formats.contains(&value),
                "{file}: `{shown}`: --format {value} is not accepted (possible values: {:?})",
                opts.formats
            );
        }
    }
}

#[test]
fn help_parsing_sees_the_flags_and_formats() {
    let audit = options(&help(Some("audit")));
    let names: Vec<&str> = audit.flags.iter().map(|(f, _)| f.as_str()).collect();
    for flag in ["alb-arn", "snapshot", "format", "output", "fail-on", "help"] {
        assert!(names.contains(&flag), "{flag} not in {names:?}");
    }
    assert!(audit.flags.contains(&("output".to_string(), true)));
    assert!(audit.flags.contains(&("all".to_string(), false)));
    assert!(
        !names.contains(&"out"),
        "flags match exactly, not by prefix"
    );
    assert!(audit.formats.contains("json") && audit.formats.contains("text"));
    assert!(!audit.formats.contains("js"));
    assert!(!audit.positionals);
    assert!(options(&help(Some("explain"))).positionals);
}

#[test]
fn shell_lines_are_split_into_commands() {
    let found = invocations(
        "      - run: |\n          set +e; alb-audit audit --snapshot s.json \\\n            \
         --format \"sarif\" --output a.sarif || status=$?\n  # alb-audit audit --bogus\n    \
         - cargo install --locked --git https://example.com/alb-audit alb-audit\n    \
         - if [ -f x ]; then AWS_REGION=us-east-1 alb-audit rules; fi  # alb-audit nope\n    \
         - echo \"alb-audit audit --not-a-command\"\n",
    );
    let want: Vec<Vec<String>> = [
        "alb-audit audit --snapshot s.json --format sarif --output a.sarif",
        "alb-audit rules",
    ]
    .iter()
    .map(|l| l.split(' ').map(str::to_string).collect())
    .collect();
    assert_eq!(found, want);
    assert!(shell_tokens("echo \"open").is_err());
}

#[test]
fn ci_files_are_plain_well_formed_yaml_text() {
    for file in YAML_FILES {
        let yaml = read(file);
        assert!(!yaml.trim().is_empty(), "{file} is empty");
        assert!(yaml.ends_with('\n'), "{file}: no final newline");
        for (n, line) in yaml.lines().enumerate() {
            let at = format!("{file}:{}", n + 1);
            assert!(
                !line.contains('\t'),
                "{at}: tab character (YAML indents with spaces)"
            );
            assert!(!line.contains('\r'), "{at}: carriage return");
            assert!(line.trim_end() == line, "{at}: trailing whitespace");
            let indent = line.len() - line.trim_start().len();
            assert!(
                line.trim().is_empty() || indent % 2 == 0,
                "{at}: odd indentation"
            );
            assert_eq!(
                line.matches("${{").count(),
                line.matches("}}").count(),
                "{at}: unbalanced ${{{{ }}}}"
            );
            if !line.trim_start().starts_with('#') {
                shell_tokens(line).unwrap_or_else(|e| panic!("{at}: {e}"));
            }
        }
    }
    let gh = read(YAML_FILES[0]);
    for key in ["name:", "on:", "permissions:", "jobs:"] {
        assert!(
            gh.lines().any(|l| l.starts_with(key)),
            "{}: no top-level {key}",
            YAML_FILES[0]
        );
    }
    let gl = read(YAML_FILES[1]);
    assert!(
        gl.lines()
            .any(|l| !l.starts_with([' ', '#']) && l.trim_end().ends_with(':'))
            && gl.lines().any(|l| l.starts_with("  script:")),
        "{}: no job with a script",
        YAML_FILES[1]
    );
}

#[test]
fn ci_docs_use_only_existing_commands_flags_and_formats() {
    let subs = subcommands();
    assert!(subs.contains("audit"), "{subs:?}");
    let mut formats_used = BTreeSet::new();
    for file in YAML_FILES {
        let found = invocations(&read(file));
        for words in &found {
            check(file, words, &subs);
            for (i, w) in words.iter().enumerate() {
                match w.strip_prefix("--format") {
                    Some("") => formats_used.insert(words[i + 1].clone()),
                    Some(value) => formats_used.insert(value.trim_start_matches('=').to_string()),
                    None => false,
                };
            }
        }
        assert!(
            found.iter().any(|w| w[1] == "snapshot") && found.iter().any(|w| w[1] == "audit"),
            "{file}: expected alb-audit snapshot and audit commands, found {found:?}"
        );
    }
    assert!(
        ["sarif", "junit", "markdown"]
            .iter()
            .all(|f| formats_used.contains(*f)),
        "the CI jobs should render sarif, junit and markdown, they render {formats_used:?}"
    );

    // docs/ci.md: the commands in its ```sh blocks.
    let md = read("docs/ci.md");
    let mut in_sh = false;
    let mut sh = String::new();
    for line in md.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh" && !in_sh;
            continue;
        }
        if in_sh {
            sh.push_str(line);
            sh.push('\n');
        }
    }
    let found = invocations(&sh);
    assert!(
        !found.is_empty(),
        "docs/ci.md: no alb-audit command in ```sh blocks"
    );
    for words in &found {
        check("docs/ci.md", words, &subs);
    }
}

/// Where no baseline is committed the jobs write an empty one: the binary must accept it.
#[test]
fn the_empty_baseline_the_jobs_write_is_accepted() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_docs");
    std::fs::create_dir_all(&dir).unwrap();
    let snapshot = root().join("fixtures/healthy-internet-facing/snapshot.json");
    for file in YAML_FILES {
        let yaml = read(file);
        let seeds: Vec<&str> = yaml
            .lines()
            .filter(|l| {
                !l.trim_start().starts_with('#') && l.contains("> .alb-audit-baseline.json")
            })
            .collect();
        assert!(!seeds.is_empty(), "{file}: no empty baseline is written");
        for seed in seeds {
            let tokens = shell_tokens(seed).unwrap();
            let json = tokens
                .iter()
                .find_map(|t| match t {
                    Token::Word(w) if w.starts_with('{') => Some(w.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{file}: no JSON in `{seed}`"));
            let baseline = dir.join(format!("{}.baseline.json", file.replace('/', "_")));
            std::fs::write(&baseline, format!("{json}\n")).unwrap();
            let out = alb_audit(&[
                "audit",
                "--snapshot",
                snapshot.to_str().unwrap(),
                "--baseline",
                baseline.to_str().unwrap(),
                "--format",
                "json",
                "--output",
                dir.join("report.json").to_str().unwrap(),
            ]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{file}: the baseline `{json}` is not accepted: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The steps of the GitHub job, each as its lines from its `- ` line to the next step.
fn github_steps(yaml: &str) -> Vec<Vec<&str>> {
    let mut steps: Vec<Vec<&str>> = Vec::new();
    let mut in_steps = false;
    for line in yaml.lines() {
        if line.trim() == "steps:" {
            in_steps = true;
        } else if in_steps && line.starts_with("      - ") {
            steps.push(vec![line]);
        } else if let Some(step) = steps.last_mut().filter(|_| in_steps) {
            step.push(line);
        }
    }
    steps
}

/// The value of `key:` on a line of `lines` (a `- ` list marker before it is ignored).
fn value_of<'a>(lines: &[&'a str], key: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        l.trim_start()
            .trim_start_matches("- ")
            .strip_prefix(&format!("{key}:"))
            .map(str::trim)
    })
}

/// The YAML literal block (`|`) that starts on the line of `lines` matching `header`, dedented.
fn literal_block(lines: &[&str], header: impl Fn(&str) -> bool) -> String {
    let start = lines
        .iter()
        .position(|l| header(l) && l.trim_end().ends_with('|'))
        .expect("a literal block");
    let indent = |l: &str| l.len() - l.trim_start().len();
    let outer = indent(lines[start]);
    let body: Vec<&str> = lines[start + 1..]
        .iter()
        .copied()
        .take_while(|l| l.trim().is_empty() || indent(l) > outer)
        .collect();
    let inner = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| l.get(inner..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Runs `script` as the CI runners do (`bash -eo pipefail`) in `dir`, with the alb-audit under
/// test first on PATH; returns the exit code.
fn run_script(script: &str, dir: &Path, env: &[(&str, &str)]) -> i32 {
    let bin = Path::new(env!("CARGO_BIN_EXE_alb-audit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    out.status.code().unwrap_or(-1)
}

/// A GitHub Actions expression value.
#[derive(Clone, Debug, PartialEq)]
enum ExprValue {
    Bool(bool),
    Str(String),
}

impl ExprValue {
    fn truthy(&self) -> bool {
        match self {
            ExprValue::Bool(b) => *b,
            ExprValue::Str(s) => !s.is_empty(),
        }
    }
}

/// Evaluates the `${{ }}` expression of an `if:` with the GitHub grammar the jobs use: `!`,
/// `&&`, `||`, parentheses, `==`/`!=` between string literals and `steps.<id>.outputs.<name>`,
/// and the status functions (`cancelled()` false; `success()`, `always()` true).
fn evaluate(expression: &str, outputs: &BTreeMap<String, String>) -> bool {
    let inner = expression
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or(expression);
    let mut tokens: Vec<String> = Vec::new();
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        if c.is_whitespace() {
            i += 1;
        } else if ["&&", "||", "==", "!="].contains(&two.as_str()) {
            tokens.push(two);
            i += 2;
        } else if matches!(c, '!' | '(' | ')') {
            tokens.push(c.to_string());
            i += 1;
        } else if c == '\'' {
            let end = chars[i + 1..].iter().position(|&d| d == '\'').unwrap() + i + 1;
            tokens.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "._-".contains(chars[i])) {
                i += 1;
            }
            assert!(i > start, "unexpected {c:?} in {expression}");
            let mut word: String = chars[start..i].iter().collect();
            if chars.get(i) == Some(&'(') && chars.get(i + 1) == Some(&')') {
                word.push_str("()");
                i += 2;
            }
            tokens.push(word);
        }
    }
    struct Parser<'a> {
        tokens: Vec<String>,
        at: usize,
        outputs: &'a BTreeMap<String, String>,
    }
    impl Parser<'_> {
        fn peek(&self) -> Option<&str> {
            self.tokens.get(self.at).map(String::as_str)
        }
        fn next(&mut self) -> String {
            self.at += 1;
            self.tokens[self.at - 1].clone()
        }
        fn or(&mut self) -> ExprValue {
            let mut v = self.and();
            while self.peek() == Some("||") {
                self.next();
                let r = self.and();
                v = ExprValue::Bool(v.truthy() || r.truthy());
            }
            v
        }
        fn and(&mut self) -> ExprValue {
            let mut v = self.unary();
            while self.peek() == Some("&&") {
                self.next();
                let r = self.unary();
                v = ExprValue::Bool(v.truthy() && r.truthy());
            }
            v
        }
        fn unary(&mut self) -> ExprValue {
            if self.peek() == Some("!") {
                self.next();
                return ExprValue::Bool(!self.unary().truthy());
            }
            self.comparison()
        }
        fn comparison(&mut self) -> ExprValue {
            let left = self.primary();
            match self.peek() {
                Some("==") => {
                    self.next();
                    ExprValue::Bool(left == self.primary())
                }
                Some("!=") => {
                    self.next();
                    ExprValue::Bool(left != self.primary())
                }
                _ => left,
            }
        }
        fn primary(&mut self) -> ExprValue {
            let token = self.next();
            match token.as_str() {
                "(" => {
                    let v = self.or();
                    assert_eq!(self.next(), ")");
                    v
                }
                "cancelled()" | "failure()" => ExprValue::Bool(false),
                "success()" | "always()" => ExprValue::Bool(true),
                t if t.starts_with('\'') => ExprValue::Str(t.trim_matches('\'').to_string()),
                t => {
                    let name = t
                        .strip_prefix("steps.audit.outputs.")
                        .unwrap_or_else(|| panic!("unsupported operand {t}"));
                    ExprValue::Str(self.outputs.get(name).cloned().unwrap_or_default())
                }
            }
        }
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        outputs,
    };
    let v = parser.or();
    assert_eq!(
        parser.at,
        parser.tokens.len(),
        "trailing tokens in {expression}"
    );
    v.truthy()
}

#[test]
fn the_expression_evaluator_follows_github_precedence() {
    let outputs: BTreeMap<String, String> = [("status".to_string(), "3".to_string())].into();
    assert!(evaluate(
        "${{ steps.audit.outputs.status == '3' }}",
        &outputs
    ));
    assert!(!evaluate(
        "${{ !cancelled() && steps.audit.outputs.status == '0' }}",
        &outputs
    ));
    assert!(evaluate(
        "${{ steps.audit.outputs.status == '0' || steps.audit.outputs.status == '3' && success() }}",
        &outputs
    ));
    assert!(!evaluate(
        "${{ (steps.audit.outputs.status == '0' || steps.audit.outputs.status == '3') && steps.audit.outputs.missing == 'true' }}",
        &outputs
    ));
}

/// The GitHub job's own scripts, run against fixtures whose audits exit 0, 1, 3, 1 while
/// incomplete, and 2: SARIF goes to code scanning only from a complete audit, reports are
/// written in every case but 2, and the job fails on everything but 0.
#[test]
fn github_uploads_sarif_only_from_a_complete_audit_and_fails_on_1_and_3() {
    let yaml = read(YAML_FILES[0]);
    let steps = github_steps(&yaml);
    let step = |pred: &dyn Fn(&Vec<&str>) -> bool, what: &str| {
        steps
            .iter()
            .find(|s| pred(s))
            .unwrap_or_else(|| panic!("no {what} step"))
            .clone()
    };
    let audit = step(&|s| value_of(s, "id") == Some("audit"), "audit");
    let upload = step(
        &|s| {
            value_of(s, "uses").is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
        },
        "SARIF upload",
    );
    let last = steps.last().unwrap().clone();
    let script = literal_block(&audit, |l| l.trim_start().starts_with("run:"));
    let condition = value_of(&upload, "if").expect("the SARIF upload has an if:");
    assert!(
        condition.contains("steps.audit.outputs.status"),
        "the upload is conditioned on the exit status: {condition}"
    );
    let final_script = literal_block(&last, |l| l.trim_start().starts_with("run:"));
    // The last step reads the status through env: STATUS: ${{ steps.audit.outputs.status }}.
    let final_env: Vec<(String, String)> = last
        .iter()
        .filter_map(|l| {
            let (name, value) = l.trim().split_once(": ${{ steps.audit.outputs.")?;
            Some((name.to_string(), value.trim_end_matches(" }}").to_string()))
        })
        .collect();
    assert!(
        !final_env.is_empty(),
        "the last step reads the audit's outputs"
    );

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_docs_github");
    // (fixture, exit status, complete, uploaded, job passes)
    let scenarios = [
        ("healthy-internet-facing", "0", "true", true, true),
        ("nat-route-in-one-az", "1", "true", true, false),
        ("acl-read-denied", "3", "false", false, false),
        ("nodes-from-subnet-cidr", "1", "false", false, false),
        ("malformed", "2", "", false, false),
    ];
    for (fixture, status, complete, uploaded, passes) in scenarios {
        let work = dir.join(fixture);
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        let snapshot = work.join("alb-audit.snapshot.json");
        if fixture == "malformed" {
            std::fs::write(&snapshot, "{\"format\": 1").unwrap();
        } else {
            std::fs::copy(
                root().join("fixtures").join(fixture).join("snapshot.json"),
                &snapshot,
            )
            .unwrap();
        }
        let output = work.join("github_output");
        let summary = work.join("step_summary");
        let code = run_script(
            &script,
            &work,
            &[
                ("GITHUB_OUTPUT", output.to_str().unwrap()),
                ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
                ("ALB_ARN", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"),
            ],
        );
        let outputs: BTreeMap<String, String> = std::fs::read_to_string(&output)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            outputs.get("status").map(String::as_str),
            Some(status),
            "{fixture}"
        );
        assert_eq!(
            outputs.get("complete").map(String::as_str).unwrap_or(""),
            complete,
            "{fixture}"
        );
        if status == "2" {
            assert_ne!(code, 0, "{fixture}: bad input fails the step at once");
        } else {
            assert_eq!(
                code, 0,
                "{fixture}: the step keeps going to publish the reports"
            );
            for file in [
                "alb-audit.sarif",
                "alb-audit.json",
                "alb-audit.junit.xml",
                "alb-audit.md",
            ] {
                assert!(work.join(file).exists(), "{fixture}: {file} written");
            }
            assert!(std::fs::read_to_string(&summary)
                .unwrap()
                .starts_with("## alb-audit: "));
        }
        assert_eq!(evaluate(condition, &outputs), uploaded, "{fixture}: upload");
        let env: Vec<(String, String)> = final_env
            .iter()
            .map(|(name, key)| (name.clone(), outputs.get(key).cloned().unwrap_or_default()))
            .collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            run_script(&final_script, &work, &env) == 0,
            passes,
            "{fixture}: job result"
        );
    }
}

/// The GitLab job's script, run against fixtures: the reports are written whatever the
/// outcome, and the job fails on 1 and 3.
#[test]
fn gitlab_keeps_the_reports_and_fails_on_1_and_3() {
    let yaml = read(YAML_FILES[1]);
    let lines: Vec<&str> = yaml.lines().collect();
    let seed = lines
        .iter()
        .find(|l| l.contains("> .alb-audit-baseline.json"))
        .unwrap()
        .trim_start()
        .trim_start_matches("- ");
    let block = literal_block(&lines, |l| l.trim() == "- |");
    assert!(block.contains("alb-audit audit"), "{block}");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_docs_gitlab");
    for (fixture, passes) in [
        ("healthy-internet-facing", true),
        ("nat-route-in-one-az", false),
        ("acl-read-denied", false),
        ("nodes-from-subnet-cidr", false),
    ] {
        let work = dir.join(fixture);
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        std::fs::copy(
            root().join("fixtures").join(fixture).join("snapshot.json"),
            work.join("alb-audit.snapshot.json"),
        )
        .unwrap();
        assert_eq!(run_script(seed, &work, &[]), 0);
        assert_eq!(run_script(&block, &work, &[]) == 0, passes, "{fixture}");
        for file in ["alb-audit.json", "alb-audit.junit.xml", "alb-audit.md"] {
            assert!(work.join(file).exists(), "{fixture}: {file} written");
        }
    }
}

/// `alb-audit snapshot` exits 3 when it wrote a snapshot with gaps: both jobs go on to the audit
/// then (which reports the gaps), and stop on any other failure. Run with a stand-in binary.
#[test]
fn snapshot_steps_go_on_after_an_incomplete_read_only() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ci_docs_snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    for file in YAML_FILES {
        let yaml = read(file);
        let line = yaml
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .find(|l| l.contains("alb-audit snapshot"))
            .unwrap_or_else(|| panic!("{file}: no snapshot command"));
        let command = line
            .trim_start()
            .trim_start_matches("- ")
            .trim_start_matches("run:")
            .trim();
        for (exit, goes_on) in [(0, true), (3, true), (2, false), (1, false)] {
            let stub = dir.join("alb-audit");
            std::fs::write(&stub, format!("#!/bin/sh\nexit {exit}\n")).unwrap();
            let status = Command::new("chmod").arg("+x").arg(&stub).status().unwrap();
            assert!(status.success());
            let out = Command::new("bash")
                .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", command])
                .current_dir(&dir)
                .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
                .status()
                .unwrap();
            assert_eq!(
                out.success(),
                goes_on,
                "{file}: `{command}` after exit {exit}"
            );
        }
    }
}

/// The trust policies in docs/ci.md: valid JSON, web identity from the right provider, the
/// audience the jobs ask for, and a `sub` pinned to one repository's main branch.
#[test]
fn oidc_trust_policies_pin_audience_repository_and_branch() {
    let md = read("docs/ci.md");
    let policies: Vec<serde_json::Value> = md
        .split("```json\n")
        .skip(1)
        .filter_map(|s| s.split("\n```").next())
        .map(|s| serde_json::from_str(s).expect("a trust policy is JSON"))
        .collect();
    let gitlab_aud = read(YAML_FILES[1])
        .lines()
        .find_map(|l| l.trim().strip_prefix("aud: ").map(str::to_string))
        .expect("the GitLab job asks for an audience");
    let providers = [
        (
            "token.actions.githubusercontent.com",
            "sts.amazonaws.com".to_string(),
            "repo:ORG/REPO:ref:refs/heads/main",
        ),
        (
            "gitlab.com",
            gitlab_aud,
            "project_path:GROUP/PROJECT:ref_type:branch:ref:main",
        ),
    ];
    for (provider, aud, sub) in providers {
        let policy = policies
            .iter()
            .find(|p| {
                p["Statement"][0]["Principal"]["Federated"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(&format!(":oidc-provider/{provider}")))
            })
            .unwrap_or_else(|| panic!("docs/ci.md: no trust policy for {provider}"));
        assert_eq!(policy["Version"], "2012-10-17");
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{provider}");
        let s = &statements[0];
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(s["Action"], "sts:AssumeRoleWithWebIdentity");
        let conditions = s["Condition"].as_object().unwrap();
        assert_eq!(
            conditions.keys().collect::<Vec<_>>(),
            ["StringEquals"],
            "{provider}: exact matches only, no wildcard"
        );
        let equals = &conditions["StringEquals"];
        assert_eq!(
            equals[format!("{provider}:aud")],
            aud.as_str(),
            "{provider}"
        );
        assert_eq!(equals[format!("{provider}:sub")], sub, "{provider}");
    }
}

/// The blocks of `lang` (```sh, ```yaml) in the part of `markdown` under `heading`.
fn blocks_under(markdown: &str, heading: &str, lang: &str) -> String {
    let section: Vec<&str> = markdown
        .lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect();
    let mut inside = false;
    let mut out = String::new();
    for line in section {
        if line.starts_with("```") {
            inside = line == format!("```{lang}") && !inside;
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// README's fleet section: its commands and its nightly job use only flags and formats that
/// exist, and the job audits the whole organization in every region and keeps the HTML page and
/// the JSON report.
#[test]
fn readme_fleet_section_uses_existing_commands_and_publishes_html_and_json() {
    let readme = read("README.md");
    let heading = "## Fleet: every account and region in one run";
    assert!(readme.contains(heading), "README.md has no fleet section");
    let subs = subcommands();
    let commands = invocations(&blocks_under(&readme, heading, "sh"));
    assert!(commands.len() >= 3, "{commands:?}");
    for words in &commands {
        check("README.md (fleet, sh)", words, &subs);
    }
    let yaml = blocks_under(&readme, heading, "yaml");
    for (n, line) in yaml.lines().enumerate() {
        assert!(
            !line.contains('\t') && line.trim_end() == line,
            "README.md fleet job line {}: tab or trailing whitespace",
            n + 1
        );
    }
    for key in ["name:", "on:", "permissions:", "jobs:"] {
        assert!(
            yaml.lines().any(|l| l.starts_with(key)),
            "the fleet job has no top-level {key}"
        );
    }
    assert!(
        yaml.contains("schedule:") && yaml.contains("cron:"),
        "not scheduled"
    );
    let job = invocations(&yaml);
    for words in &job {
        check("README.md (fleet job)", words, &subs);
    }
    let has = |words: &Vec<String>, seq: &[&str]| words.windows(seq.len()).any(|w| w == seq);
    assert!(
        job.iter().any(|w| w[1] == "snapshot"
            && has(w, &["--organization"])
            && has(w, &["--regions", "all"])
            && has(w, &["--all"])
            && w.iter().any(|x| x == "--role-name")),
        "the job reads the whole organization in every region: {job:?}"
    );
    for format in ["html", "json"] {
        let output = job
            .iter()
            .find(|w| w[1] == "audit" && has(w, &["--format", format]))
            .and_then(|w| w.iter().skip_while(|x| *x != "--output").nth(1))
            .unwrap_or_else(|| panic!("the job renders no --format {format} to a file: {job:?}"));
        assert!(
            yaml.contains("actions/upload-artifact") && yaml.contains(&format!("  {output}\n")),
            "{output} is not uploaded as an artifact"
        );
    }
}

/// Every file docs/ci.md links into docs/ci exists, and every file there is linked: a copied
/// job never names a file the repository does not hold.
#[test]
fn ci_md_links_every_job_file_and_only_files_that_exist() {
    let md = read("docs/ci.md");
    let linked: BTreeSet<String> = md
        .split("](ci/")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|name| format!("docs/ci/{name}"))
        .collect();
    for file in &linked {
        assert!(
            root().join(file).is_file(),
            "docs/ci.md links {file}, which does not exist"
        );
    }
    let held: BTreeSet<String> = std::fs::read_dir(root().join("docs/ci"))
        .unwrap()
        .map(|e| format!("docs/ci/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(
        linked, held,
        "docs/ci.md links exactly the files of docs/ci"
    );
    for file in YAML_FILES {
        assert!(held.contains(file), "{file} is checked but not in docs/ci");
    }
    // The security workflow runs the script from where its header says to copy it.
    let security = read("docs/ci/github-actions-security.yml");
    assert!(security.contains("copy docs/ci/ocsf-to-lake.py to\n# .github/ocsf-to-lake.py"));
    assert!(security.contains("python3 .github/ocsf-to-lake.py findings.ocsf.json lake"));
}
