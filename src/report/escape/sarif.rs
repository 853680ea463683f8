//! SARIF message text: viewers (GitHub code scanning) turn `[text](target)` in a plain-text
//! message into a link (SARIF 2.1.0 §3.11.6), so literal brackets and backslashes are
//! escaped as the specification asks. Everything else in the log is JSON and kept exactly.

/// `s` with `\`, `[` and `]` backslash-escaped, so it holds no embedded link.
pub fn message(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn brackets_are_escaped() {
        assert_eq!(
            super::message("[click](https://x) a\\b"),
            "\\[click\\](https://x) a\\\\b"
        );
    }
}
