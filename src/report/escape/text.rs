//! Text for terminals and CI logs: no control character reaches the reader's terminal or a CI
//! log, and no planted text can become a CI log command.
//!
//! A terminal acts on escape sequences (`ESC]52;c;…` writes the clipboard, `ESC[2J` clears the
//! screen), a log viewer on CR and bidi overrides, and GitHub Actions and Azure Pipelines on
//! lines that start with `::` or hold `##vso[` / `##[`
//! (<https://docs.github.com/actions/reference/workflow-commands-for-github-actions>,
//! <https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands>). So:
//!
//! - [`field`]: every C0 and C1 control, DEL, line and paragraph separators, bidi embeddings,
//!   overrides, isolates and marks, and the byte-order mark are shown escaped (`\x1b`,
//!   `\n`, `\u{202e}`): a string from AWS is always on one line and shows what it holds;
//! - [`commands`]: after rendering, a line that starts with `::` and any `##vso[` or `##[`
//!   get a backslash, so no line of the report is a command to the CI runner (the template
//!   writes neither).

use std::borrow::Cow;

/// Whether `c` must never reach a terminal or log raw.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `s` with every character a terminal or log viewer would act on shown escaped.
pub fn field(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Rendered text with no line a CI runner takes as a command: `::` at the start of a line
/// (after blanks) and `##vso[` / `##[` anywhere (any case) get a backslash.
pub fn commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        out.push_str(indent);
        if body.starts_with("::") {
            out.push('\\');
        }
        let mut rest = body;
        while let Some(i) = find_hashes(rest) {
            out.push_str(&rest[..=i]);
            out.push('\\');
            rest = &rest[i + 1..];
        }
        out.push_str(rest);
    }
    out
}

/// The index of the first `#` of a `##[` or `##vso[` (ASCII case-insensitive) in `s`.
fn find_hashes(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    (0..bytes.len()).find(|&i| {
        let tail = &bytes[i..];
        tail.starts_with(b"##[")
            || (tail.len() >= 6 && tail[..2] == *b"##" && tail[2..6].eq_ignore_ascii_case(b"vso["))
    })
}

/// One line for standard error (an error message echoing arguments): escaped as a field, and
/// never a CI command.
pub fn line(s: &str) -> String {
    commands(&field(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_and_bidi_are_shown_escaped() {
        assert_eq!(
            field("a\u{1b}]52;c;eA==\u{7}b\u{1b}[2J\r\n\u{7f}\u{9b}\u{202e}\u{2066}"),
            "a\\x1b]52;c;eA==\\x07b\\x1b[2J\\r\\n\\x7f\\x9b\\u{202e}\\u{2066}"
        );
        assert!(matches!(field("web-1 ::/0 é"), Cow::Borrowed(_)));
    }

    #[test]
    fn no_line_is_a_ci_command() {
        assert_eq!(
            commands("ok\n  ::error title=x::y\nname ##vso[task.setvariable]##[group]\n"),
            "ok\n  \\::error title=x::y\nname #\\#vso[task.setvariable]#\\#[group]\n"
        );
        assert_eq!(commands("2001:db8::/32 ##VSO[x"), "2001:db8::/32 #\\#VSO[x");
        assert_eq!(line("bad '\n::error::x'"), "bad '\\n::error::x'");
    }

    proptest! {
        /// Whatever a field holds, it is one line with no control character, and escaping
        /// changes nothing that was printable.
        #[test]
        fn a_field_is_one_inert_line(s in any::<String>()) {
            let e = field(&s);
            prop_assert!(!e.chars().any(unsafe_char), "{e:?}");
            if !s.chars().any(unsafe_char) {
                prop_assert_eq!(e.as_ref(), s.as_str());
            }
            let c = commands(&format!("x {e}\n{e}\n"));
            for l in c.lines() {
                prop_assert!(!l.trim_start().starts_with("::"), "{l:?}");
                prop_assert!(!l.to_ascii_lowercase().contains("##vso[") && !l.contains("##["), "{l:?}");
            }
        }
    }
}
