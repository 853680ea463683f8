//! Text from the report made safe for HTML and inline SVG: ids, names and messages come from
//! AWS and from people, and may hold `<`, `&`, quotes or control characters.

/// `s` escaped for both text content and quoted attribute values (HTML Living Standard,
/// <https://html.spec.whatwg.org/multipage/syntax.html#escapingString>, with quotes escaped
/// too so the one function serves both places). Control characters other than tab, line feed
/// and carriage return, which HTML forbids in text, become U+FFFD.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to at most `max` characters, ending in `…` when cut, so a long id or ARN keeps
/// its box; the full text goes in a tooltip beside it.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn replaces_control_characters_but_keeps_whitespace() {
        assert_eq!(escape("a\u{1b}[31mb\0\tc\n"), "a\u{FFFD}[31mb\u{FFFD}\tc\n");
    }

    #[test]
    fn clips_with_an_ellipsis_only_when_too_long() {
        assert_eq!(clip("subnet-0aa", 10), "subnet-0aa");
        assert_eq!(clip("subnet-0aab", 10), "subnet-0a…");
        assert_eq!(clip("ééééé", 3), "éé…");
    }

    proptest! {
        /// No escaped string can open a tag, an entity or end an attribute value, and
        /// unescaping gives the original back (controls aside).
        #[test]
        fn escaped_text_is_inert_and_faithful(s in "\\PC*") {
            let e = escape(&s);
            prop_assert!(!e.contains(['<', '>', '"', '\'']));
            let unescaped = e
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            prop_assert_eq!(unescaped, s);
        }

        #[test]
        fn clip_never_exceeds_max(s in "\\PC*", max in 1usize..40) {
            let c = clip(&s, max);
            prop_assert!(c.chars().count() <= max);
            prop_assert!(s.starts_with(c.trim_end_matches('…')));
        }
    }
}
