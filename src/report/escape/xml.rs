//! XML text and attribute values (JUnit): markup characters as entities, and the characters
//! XML 1.0 forbids in a document (C0 controls other than tab, LF and CR, U+FFFE, U+FFFF;
//! <https://www.w3.org/TR/xml/#charsets>) shown escaped as `escape::text` shows them, so the
//! document is always well-formed. Strings from AWS arrive through `escape::text::field`
//! already; this also covers what the template itself writes.

/// `s` escaped for XML content and double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            '\u{fffe}' | '\u{ffff}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forbidden_characters_are_shown_escaped() {
        assert_eq!(escape("a\u{ffff}\u{0}<&>"), "a\\u{ffff}\\x00&lt;&amp;&gt;");
    }

    proptest! {
        /// Any string in an attribute and in content is a well-formed document that reads back
        /// as the string, wherever XML allows its characters.
        #[test]
        fn always_well_formed(s in any::<String>()) {
            let doc = format!("<a b=\"{0}\" c='{0}'>{0}</a>", escape(&s));
            let parsed = roxmltree::Document::parse(&doc);
            prop_assert!(parsed.is_ok(), "{doc:?}: {parsed:?}");
            let allowed = s.chars().all(|c| matches!(c, '\t' | '\n' | '\r') || !((c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}'));
            if allowed && !s.contains('\r') {
                let parsed = parsed.unwrap();
                prop_assert_eq!(parsed.root_element().text().unwrap_or(""), s.as_str());
            }
        }
    }
}
