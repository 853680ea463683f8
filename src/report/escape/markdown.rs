//! Markdown for pull-request comments and job summaries (GitHub Flavored Markdown, CommonMark
//! underneath): a planted string makes no link, image, autolink, raw HTML, mention, heading,
//! emphasis, list, table break or code span of its own. Strings reach these functions already
//! on one line without controls (`escape::text::field`), so only Markdown syntax is left.

/// Inline text (a table cell, a list item): every ASCII punctuation character Markdown gives a
/// meaning inline is backslash-escaped (CommonMark 2.4 allows it for any; `$` for GitHub's
/// math), `|` included so no cell
/// breaks; `://` and `www.` lose their autolink (GFM 6.9) by an escaped `:` or `.`; and `@` is
/// followed by a zero-width space (as Dependabot writes it), so `@org/team` mentions no one
/// and `a@b.c` is no mail link.
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev = "";
    for (i, c) in s.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            ':' if s[i..].starts_with("://") => out.push_str("\\:"),
            '.' if prev.len() >= 3
                && prev.as_bytes()[prev.len() - 3..].eq_ignore_ascii_case(b"www") =>
            {
                out.push_str("\\.")
            }
            '@' => out.push_str("@&#8203;"),
            // At the start, `-`, `+` or `1.` would open a list (or `---` a rule) in a list item.
            '-' | '+' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if i > 0 && s[..i].bytes().all(|b| b.is_ascii_digit()) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        prev = &s[..i + c.len_utf8()];
    }
    out
}

/// An inline code span holding `s` exactly (CommonMark 6.1): fenced by one more backtick than
/// the longest run inside, padded with spaces so a backtick at either end stays inside. In a
/// table row (`in_table`), `|` is written `\|`, which GFM tables take as a pipe even in code
/// (GFM 4.10).
pub fn code(s: &str, in_table: bool) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let body = if in_table {
        s.replace('|', "\\|")
    } else {
        s.to_string()
    };
    if longest > 0 || body.starts_with(' ') || body.ends_with(' ') {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_is_escaped() {
        assert_eq!(inline("![px](https://x)"), "\\!\\[px\\](https\\://x)");
        assert_eq!(
            inline("<img src=x> @org/team"),
            "\\<img src=x\\> @&#8203;org/team"
        );
        assert_eq!(inline("a|b www.x.io"), "a\\|b www\\.x.io");
        assert_eq!(
            inline("sg-0a, rule 90: 10.0.0.0/8"),
            "sg-0a, rule 90: 10.0.0.0/8"
        );
        assert_eq!(inline("- x 1. 2) y"), "\\- x 1. 2) y");
        assert_eq!(inline("12. x"), "12\\. x");
        assert_eq!(inline("é\u{ffff}.WWW.x"), "é\u{ffff}.WWW\\.x");
    }

    #[test]
    fn code_spans_hold_any_backticks() {
        assert_eq!(code("sg-0a", false), "`sg-0a`");
        assert_eq!(code("a`b", false), "`` a`b ``");
        assert_eq!(code("a``b`", false), "``` a``b` ```");
        assert_eq!(code("a|b", true), "`a\\|b`");
    }
}
