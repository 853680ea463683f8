//! Which host names a certificate covers, as TLS clients check them, and whether every host an
//! ELB host-header condition admits is covered.
//!
//! # Matching one host (RFC 6125 §6.4, as browsers implement it)
//! <https://www.rfc-editor.org/rfc/rfc6125#section-6.4>
//!
//! - Names compare ASCII case-insensitively (§6.4.1), after dropping one trailing dot on
//!   either side (`example.com.` is `example.com`). A name with an empty label (`a..b`,
//!   `.a`) is not a DNS name and matches nothing.
//! - A certificate name without `*` matches exactly that host.
//! - `*.D` matches a host `L.D` where `L` is exactly one label (§6.4.3): `*.example.com`
//!   covers `a.example.com`, not `a.b.example.com` nor the apex `example.com`.
//! - The wildcard must be the whole left-most label, and `D` must have at least two labels:
//!   partial-label wildcards (`f*.example.com`), wildcards in other labels (`a.*.com`) and
//!   `*.com` match nothing, as in current browsers (the CA/Browser Forum Baseline
//!   Requirements allow only this form). Public-suffix wildcards such as `*.co.uk` are not
//!   refused here: no CA issues them, and this module has no public suffix list.
//!
//! # Host-header patterns
//! A host-header condition value may hold `*` (any run of characters, dots included, possibly
//! empty) and `?` (exactly one character, which may be a dot), and compares
//! case-insensitively; a trailing dot is dropped as for names.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HostHeaderConditionConfig.html>
//! Regular-expression conditions (`RegexValues`) are not such patterns and are not decided
//! here.
//!
//! [`pattern_coverage`] answers "is every host the pattern admits covered by the names?"
//! exactly, over host names made of letters, digits and hyphens in non-empty dot-separated
//! labels (RFC 1123 §2.1), with no length limit. So `*.example.com` is *not* covered by a
//! certificate for `*.example.com`, because ELB's `*` also admits `a.b.example.com`; a pattern
//! is covered only when no admitted host escapes, and the answer names the shortest one that
//! does. The decision is a breadth-first search of the product of the pattern's automaton,
//! the host syntax, and one deterministic automaton for all the certificate's names (a trie
//! of the exact names, and one of the wildcard names' domains), so it is exact, not sampled.

use std::collections::HashSet;

/// Lowercase labels of a DNS name with one trailing dot dropped, or `None` when the name has
/// an empty label (or is empty) and so cannot match anything.
fn labels(name: &str) -> Option<Vec<String>> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<String> = name.split('.').map(str::to_ascii_lowercase).collect();
    labels.iter().all(|l| !l.is_empty()).then_some(labels)
}

/// What a certificate name matches, in lowercase without a trailing dot; `None` for a name
/// that matches nothing (empty labels, a misplaced or partial wildcard, `*.com`). This is the
/// one place the RFC 6125 rules of the module documentation are decided.
enum CertName {
    /// Exactly this host.
    Exact(String),
    /// One label followed by this domain (of at least two labels).
    Wildcard(String),
}

impl CertName {
    fn parse(name: &str) -> Option<CertName> {
        let labels = labels(name)?;
        match labels.split_first() {
            Some((first, domain)) if first == "*" => (domain.len() >= 2
                && domain.iter().all(|l| !l.contains('*')))
            .then(|| CertName::Wildcard(domain.join("."))),
            _ => labels
                .iter()
                .all(|l| !l.contains('*'))
                .then(|| CertName::Exact(labels.join("."))),
        }
    }
}

/// Whether a certificate name (a SAN or the subject CN) covers `host`, as a TLS client
/// decides it (RFC 6125 §6.4; see the module documentation for the exact rules).
pub fn covers(cert_name: &str, host: &str) -> bool {
    let (Some(cert), Some(host)) = (CertName::parse(cert_name), labels(host)) else {
        return false;
    };
    if host.iter().any(|l| l.contains('*')) {
        return false;
    }
    match cert {
        CertName::Exact(name) => host.join(".") == name,
        CertName::Wildcard(domain) => host.len() >= 2 && host[1..].join(".") == domain,
    }
}

/// Whether any of a certificate's names covers `host` (what a client checks against the
/// certificate the listener serves).
pub fn covered_by<'a>(names: impl IntoIterator<Item = &'a str>, host: &str) -> bool {
    names.into_iter().any(|name| covers(name, host))
}

/// The answer to "is every host this host-header pattern admits covered by these names?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternCoverage {
    /// Every host the pattern admits is covered.
    Covered,
    /// Some admitted host is not covered; `example` is a shortest one (lowercase).
    NotCovered {
        /// An admitted host that no name covers.
        example: String,
    },
    /// The pattern admits no valid host name at all (e.g. `a..b`), so the question is void.
    MatchesNoHost,
    /// The search grew past its budget (many long names and a pattern with many wildcards);
    /// nothing is claimed.
    Undecided,
}

/// Product states [`pattern_coverage`] stores before it gives up with
/// [`PatternCoverage::Undecided`] (under 100 MB). A listener's worth of names (26
/// certificates of 100 names) against `*.example.com` takes about 63,000.
const SEARCH_BUDGET: usize = 1_000_000;

/// Whether every host the ELB host-header pattern admits is covered by `names` (see the
/// module documentation for what a host and a pattern are).
pub fn pattern_coverage<'a>(
    names: impl IntoIterator<Item = &'a str>,
    pattern: &str,
) -> PatternCoverage {
    search(names, pattern, SEARCH_BUDGET)
}

/// Characters a host name is made of (RFC 1123 §2.1); the search tries them in this order, so
/// examples read `a.a.example.com` rather than `-.-.example.com`.
const HOST_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-.";

/// One token of a host-header pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A literal character (lowercased).
    Char(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters.
    Run,
}

fn tokens(pattern: &str) -> Vec<Token> {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    pattern
        .chars()
        .map(|c| match c {
            '?' => Token::One,
            '*' => Token::Run,
            c => Token::Char(c.to_ascii_lowercase()),
        })
        .collect()
}

/// Pattern positions reachable from `pos` without reading (a `*` may match nothing).
fn closure(tokens: &[Token], mut pos: usize, out: &mut Vec<usize>) {
    out.push(pos);
    while tokens.get(pos) == Some(&Token::Run) {
        pos += 1;
        out.push(pos);
    }
}

/// Pattern positions after reading `c` at `pos`, with their closures.
fn advance(tokens: &[Token], pos: usize, c: u8) -> Vec<usize> {
    let mut out = Vec::new();
    match tokens.get(pos) {
        Some(Token::Char(t)) if *t == char::from(c) => closure(tokens, pos + 1, &mut out),
        Some(Token::One) => closure(tokens, pos + 1, &mut out),
        Some(Token::Run) => closure(tokens, pos, &mut out),
        _ => {}
    }
    out
}

/// A name state that has failed.
const DEAD: u32 = u32::MAX;

/// A trie of byte strings: a deterministic automaton whose state is a node (root 0, and
/// [`DEAD`] once no string continues).
#[derive(Default)]
struct Trie {
    /// Per node: its children by byte, and whether a string ends there.
    nodes: Vec<(Vec<(u8, u32)>, bool)>,
}

impl Trie {
    fn insert(&mut self, word: &[u8]) {
        if self.nodes.is_empty() {
            self.nodes.push((Vec::new(), false));
        }
        let mut node = 0;
        for &c in word {
            node = match self.step(node, c) {
                DEAD => {
                    let child = self.nodes.len() as u32;
                    self.nodes.push((Vec::new(), false));
                    self.nodes[node as usize].0.push((c, child));
                    child
                }
                child => child,
            };
        }
        self.nodes[node as usize].1 = true;
    }

    fn start(&self) -> u32 {
        if self.nodes.is_empty() {
            DEAD
        } else {
            0
        }
    }

    fn step(&self, node: u32, c: u8) -> u32 {
        self.nodes
            .get(node as usize)
            .and_then(|(children, _)| children.iter().find(|(b, _)| *b == c))
            .map_or(DEAD, |&(_, child)| child)
    }

    fn accepts(&self, node: u32) -> bool {
        self.nodes.get(node as usize).is_some_and(|(_, end)| *end)
    }
}

/// A certificate's names as one deterministic automaton over lowercase host characters: a
/// trie of the exact names, and for the wildcard names `*.D` a first label followed by a
/// trie of the `D`s.
struct NameSet {
    exact: Trie,
    domains: Trie,
}

/// Wildcard phase: nothing read yet.
const WILD_START: u32 = 0;
/// Wildcard phase: inside the first label.
const WILD_LABEL: u32 = 1;
/// Wildcard phase: `WILD_DOMAIN + node` is `node` of the domain trie.
const WILD_DOMAIN: u32 = 2;

impl NameSet {
    /// The automaton of certificate names; names that cover nothing are left out.
    fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> NameSet {
        let mut set = NameSet {
            exact: Trie::default(),
            domains: Trie::default(),
        };
        for name in names {
            match CertName::parse(name) {
                Some(CertName::Exact(host)) => set.exact.insert(host.as_bytes()),
                Some(CertName::Wildcard(domain)) => set.domains.insert(domain.as_bytes()),
                None => {}
            }
        }
        set
    }

    /// The start state: (exact trie node, wildcard phase).
    fn start(&self) -> (u32, u32) {
        let wild = if self.domains.start() == DEAD {
            DEAD
        } else {
            WILD_START
        };
        (self.exact.start(), wild)
    }

    fn step(&self, (exact, wild): (u32, u32), c: u8) -> (u32, u32) {
        let exact = self.exact.step(exact, c);
        let wild = match (wild, c) {
            (DEAD, _) | (WILD_START, b'.') => DEAD,
            (WILD_LABEL, b'.') => WILD_DOMAIN,
            (WILD_START | WILD_LABEL, _) => WILD_LABEL,
            (phase, _) => match self.domains.step(phase - WILD_DOMAIN, c) {
                DEAD => DEAD,
                node => node + WILD_DOMAIN,
            },
        };
        (exact, wild)
    }

    fn accepts(&self, (exact, wild): (u32, u32)) -> bool {
        self.exact.accepts(exact)
            || (wild >= WILD_DOMAIN && self.domains.accepts(wild - WILD_DOMAIN))
    }
}

/// One state of the product: pattern position, whether the current label is non-empty, and
/// the state of the name automaton.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct State {
    pos: usize,
    in_label: bool,
    names: (u32, u32),
}

/// Breadth-first search of the product for a shortest admitted, valid, uncovered host;
/// `budget` bounds the states stored.
fn search<'a>(
    names: impl IntoIterator<Item = &'a str>,
    pattern: &str,
    budget: usize,
) -> PatternCoverage {
    let names = NameSet::of(names);
    let tokens = tokens(pattern);

    // Every state discovered, in discovery (so breadth-first) order, with the state and
    // character it was first reached from; it doubles as the queue.
    let mut order: Vec<(State, Option<(usize, u8)>)> = Vec::new();
    let mut seen: HashSet<State> = HashSet::new();
    let mut starts = Vec::new();
    closure(&tokens, 0, &mut starts);
    for pos in starts {
        let state = State {
            pos,
            in_label: false,
            names: names.start(),
        };
        if seen.insert(state) {
            order.push((state, None));
        }
    }
    let mut any_host = false;
    let mut next_index = 0;
    while let Some(&(state, _)) = order.get(next_index) {
        let from = next_index;
        next_index += 1;
        for &c in HOST_ALPHABET {
            let in_label = match (c, state.in_label) {
                (b'.', false) => continue, // an empty label
                (b'.', true) => false,
                _ => true,
            };
            let name_state = names.step(state.names, c);
            for pos in advance(&tokens, state.pos, c) {
                let next = State {
                    pos,
                    in_label,
                    names: name_state,
                };
                if seen.contains(&next) {
                    continue;
                }
                if next.pos == tokens.len() && next.in_label {
                    any_host = true;
                    if !names.accepts(next.names) {
                        return PatternCoverage::NotCovered {
                            example: spell(&order, from, c),
                        };
                    }
                }
                if order.len() >= budget {
                    return PatternCoverage::Undecided;
                }
                seen.insert(next);
                order.push((next, Some((from, c))));
            }
        }
    }
    if any_host {
        PatternCoverage::Covered
    } else {
        PatternCoverage::MatchesNoHost
    }
}

/// The host read on the way to `order[from]`, then `last`.
fn spell(order: &[(State, Option<(usize, u8)>)], mut from: usize, last: u8) -> String {
    let mut bytes = vec![last];
    while let Some((_, Some((parent, c)))) = order.get(from) {
        bytes.push(*c);
        from = *parent;
    }
    bytes.reverse();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_and_case_insensitive() {
        assert!(covers("example.com", "example.com"));
        assert!(covers("Example.COM", "example.com"));
        assert!(covers("example.com.", "EXAMPLE.com"));
        assert!(covers("example.com", "example.com."));
        assert!(!covers("example.com", "www.example.com"));
        assert!(!covers("www.example.com", "example.com"));
        assert!(!covers("example.com", "example.co"));
    }

    #[test]
    fn wildcard_covers_exactly_one_left_most_label() {
        assert!(covers("*.example.com", "a.example.com"));
        assert!(covers("*.EXAMPLE.com", "WWW.example.com."));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", ".example.com"));
        assert!(!covers("*.com", "example.com"));
        assert!(!covers("*", "example"));
        assert!(!covers("f*.example.com", "foo.example.com"));
        assert!(!covers("*o.example.com", "foo.example.com"));
        assert!(!covers("a.*.com", "a.b.com"));
        assert!(!covers("*.*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "*.example.com"));
    }

    #[test]
    fn names_with_empty_labels_match_nothing() {
        for (cert, host) in [
            ("a..b", "a..b"),
            (".a.b", ".a.b"),
            ("", ""),
            ("a.b..", "a.b"),
            ("*..b.c", "a..b.c"),
        ] {
            assert!(!covers(cert, host), "{cert} / {host}");
        }
    }

    #[test]
    fn any_name_of_a_certificate() {
        let names = ["example.com", "*.example.com", "api.example.org"];
        assert!(covered_by(names, "example.com"));
        assert!(covered_by(names, "shop.example.com"));
        assert!(covered_by(names, "API.example.org"));
        assert!(!covered_by(names, "www.example.org"));
        assert!(!covered_by([], "example.com"));
    }

    fn not_covered(example: &str) -> PatternCoverage {
        PatternCoverage::NotCovered {
            example: example.into(),
        }
    }

    #[test]
    fn patterns_against_names() {
        let wildcard = ["*.example.com"];
        assert_eq!(
            pattern_coverage(wildcard, "www.example.com"),
            PatternCoverage::Covered
        );
        // ELB's `*` also matches dots, so the pattern admits names of more labels.
        assert_eq!(
            pattern_coverage(wildcard, "*.example.com"),
            not_covered("a.a.example.com")
        );
        // `*` may match nothing (the apex is covered) but also a partial label.
        assert_eq!(
            pattern_coverage(["example.com"], "*example.com"),
            not_covered("aexample.com")
        );
        assert_eq!(
            pattern_coverage(wildcard, "?.example.com"),
            PatternCoverage::Covered,
            "one character, a dot would leave an empty label"
        );
        assert_eq!(
            pattern_coverage(wildcard, "??.example.com"),
            PatternCoverage::Covered,
            "a dot in either place would leave an empty label"
        );
        assert_eq!(
            pattern_coverage(wildcard, "???.example.com"),
            not_covered("a.a.example.com"),
            "`?` may be a dot"
        );
        assert_eq!(
            pattern_coverage(["a.example.com", "b.example.com"], "?.EXAMPLE.com."),
            not_covered("c.example.com")
        );
        assert_eq!(
            pattern_coverage(wildcard, "example.com"),
            not_covered("example.com")
        );
        assert_eq!(
            pattern_coverage(["example.com"], "EXAMPLE.com"),
            PatternCoverage::Covered
        );
        assert_eq!(pattern_coverage([], "*"), not_covered("a"));
        assert_eq!(
            pattern_coverage(wildcard, "a..example.com"),
            PatternCoverage::MatchesNoHost
        );
        assert_eq!(
            pattern_coverage(wildcard, "*.example_.com"),
            PatternCoverage::MatchesNoHost,
            "`_` is not a host name character"
        );
        assert_eq!(
            pattern_coverage(wildcard, ""),
            PatternCoverage::MatchesNoHost
        );
    }

    #[test]
    fn search_gives_up_past_its_budget() {
        let names: Vec<String> = (0..50).map(|i| format!("host{i}.example.com")).collect();
        let names = names.iter().map(String::as_str);
        assert_eq!(
            search(names.clone(), "host*.example.com", 10),
            PatternCoverage::Undecided
        );
        assert_eq!(
            search(names, "host1?.example.com", SEARCH_BUDGET),
            not_covered("host1a.example.com")
        );
    }

    #[test]
    fn listener_sized_name_sets_are_decided() {
        // 26 certificates of 100 names each, as many as one listener can present.
        let mut names: Vec<String> = (0..2_600).map(|i| format!("h{i}.example.com")).collect();
        names.push("*.shop.example.com".into());
        names.push("*.example.net".into());
        let names = || names.iter().map(String::as_str);
        assert_eq!(
            pattern_coverage(names(), "*.example.com"),
            not_covered("a.example.com")
        );
        assert_eq!(
            pattern_coverage(names(), "h1?.example.com"),
            not_covered("h1a.example.com")
        );
        assert_eq!(
            pattern_coverage(names(), "??.EXAMPLE.net"),
            PatternCoverage::Covered
        );
        assert_eq!(
            pattern_coverage(names(), "h2599.example.com"),
            PatternCoverage::Covered
        );
        assert_eq!(
            pattern_coverage(names(), "h2???.example.com"),
            not_covered("h2aaa.example.com")
        );
    }

    /// Oracle for `covers`, written on strings rather than label lists.
    fn oracle_covers(cert: &str, host: &str) -> bool {
        let cert = cert.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        let cert = cert.strip_suffix('.').unwrap_or(&cert);
        let host = host.strip_suffix('.').unwrap_or(&host);
        let well_formed = |s: &str| {
            !s.is_empty() && !s.starts_with('.') && !s.ends_with('.') && !s.contains("..")
        };
        if !well_formed(cert) || !well_formed(host) || host.contains('*') {
            return false;
        }
        match cert.strip_prefix("*.") {
            Some(domain) => {
                domain.contains('.')
                    && !domain.contains('*')
                    && host.len() > domain.len() + 1
                    && host.ends_with(domain)
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
                    && !host[..host.len() - domain.len() - 1].contains('.')
            }
            None => !cert.contains('*') && cert == host,
        }
    }

    /// Every name of up to `max` labels drawn from `labels`, with and without a trailing dot.
    fn names_of(labels: &[&str], max: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut layer = vec![String::new()];
        for depth in 0..max {
            layer = layer
                .iter()
                .flat_map(|s| {
                    labels.iter().map(move |l| {
                        if depth == 0 {
                            l.to_string()
                        } else {
                            format!("{s}.{l}")
                        }
                    })
                })
                .collect();
            out.extend(layer.iter().cloned());
        }
        let dotted: Vec<String> = out.iter().map(|n| format!("{n}.")).collect();
        out.extend(dotted);
        out
    }

    #[test]
    fn covers_matches_oracle_exhaustively() {
        let certs = names_of(&["a", "B", "*", "a*", ""], 3);
        let hosts = names_of(&["a", "b", "*", ""], 4);
        for cert in &certs {
            for host in &hosts {
                assert_eq!(
                    covers(cert, host),
                    oracle_covers(cert, host),
                    "{cert} / {host}"
                );
            }
        }
    }

    /// Brute-force glob match: `*` any run, `?` one character.
    fn glob(pattern: &[u8], s: &[u8]) -> bool {
        match pattern.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|k| glob(rest, &s[k..])),
            Some((b'?', rest)) => !s.is_empty() && glob(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
        }
    }

    /// The longest host the pattern oracle enumerates.
    const MAX_HOST: usize = 8;

    /// Every host name of at most [`MAX_HOST`] characters over `a`, `b`, `c` and `.`,
    /// shortest first. Patterns and names are drawn without `c`, so `c` stands for every
    /// other host character.
    fn small_hosts() -> &'static [String] {
        static HOSTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        HOSTS.get_or_init(|| {
            let mut out = Vec::new();
            let mut layer = vec![String::new()];
            for _ in 0..MAX_HOST {
                layer = layer
                    .iter()
                    .flat_map(|s| ["a", "b", "c", "."].map(|c| format!("{s}{c}")))
                    .collect();
                out.extend(layer.iter().filter(|h| is_host(h)).cloned());
            }
            out
        })
    }

    fn is_host(s: &str) -> bool {
        !s.is_empty() && s.split('.').all(|l| !l.is_empty())
    }

    /// Certificate names: exact, wildcard, and malformed ones, over labels `a` and `b`.
    fn cert_name() -> impl Strategy<Value = String> {
        let label = || prop::sample::select(vec!["a", "b"]);
        prop_oneof![
            prop::collection::vec(label(), 1..4).prop_map(|ls| ls.join(".")),
            prop::collection::vec(label(), 2..4).prop_map(|ls| format!("*.{}", ls.join("."))),
            prop::collection::vec(prop::sample::select(vec!["a", "b", "*", "a*", ""]), 1..4)
                .prop_map(|ls| ls.join(".")),
        ]
    }

    /// Host-header patterns of at most [`MAX_HOST`] characters: label-shaped or free-form.
    fn host_pattern() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(
                prop::sample::select(vec!["a", "b", "*", "?", "a*", "*a", "??"]),
                1..4
            )
            .prop_map(|ls| ls.join(".")),
            prop::collection::vec(prop::sample::select(vec!['a', 'b', '.', '*', '?']), 0..7)
                .prop_map(|cs| cs.into_iter().collect()),
        ]
        .prop_filter("short enough to enumerate", |p| p.len() <= MAX_HOST)
    }

    proptest! {
        #[test]
        fn covers_matches_oracle(cert in cert_name(), host in prop::sample::select(small_hosts())) {
            prop_assert_eq!(covers(&cert, &host), oracle_covers(&cert, &host));
        }

        #[test]
        fn pattern_coverage_matches_enumeration(
            names in prop::collection::vec(cert_name(), 0..4),
            pattern in host_pattern(),
        ) {
            let names = || names.iter().map(String::as_str);
            let got = pattern_coverage(names(), &pattern);
            let pattern = pattern.strip_suffix('.').unwrap_or(&pattern).as_bytes();
            let admitted: Vec<&String> = small_hosts()
                .iter()
                .filter(|h| glob(pattern, h.as_bytes()))
                .collect();
            let covered = |h: &str| names().any(|n| oracle_covers(n, h));
            let escape = admitted.iter().find(|h| !covered(h));
            match (&got, escape) {
                (PatternCoverage::NotCovered { example }, escape) => {
                    prop_assert!(is_host(example) && glob(pattern, example.as_bytes()));
                    prop_assert!(!covered(example));
                    match escape {
                        Some(e) => prop_assert_eq!(example.len(), e.len(), "not shortest"),
                        None => prop_assert!(example.len() > MAX_HOST, "missed by enumeration"),
                    }
                }
                (PatternCoverage::Covered, None) => prop_assert!(!admitted.is_empty()),
                // A pattern of at most MAX_HOST characters that admits a host admits one of
                // at most MAX_HOST characters (each `*` read as one letter), so none means none.
                (PatternCoverage::MatchesNoHost, None) => prop_assert!(admitted.is_empty()),
                (other, escape) => prop_assert!(false, "{:?} but enumeration found {:?}", other, escape),
            }
        }
    }
}
