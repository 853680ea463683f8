//! Suricata's address, port and variable syntax as Network Firewall uses it, and the host name
//! matching of domain lists.

use std::net::IpAddr;

use ipnet::IpNet;

use super::SetOps;
use crate::model::firewall::RuleGroup;
use crate::net::addr_set::AddrSet;
use crate::net::port_set::{ports, PortSet};

/// How deep `$VARIABLE`s may refer to each other before the definition counts as circular.
const MAX_VARIABLE_DEPTH: usize = 8;

/// How deep lists (`[...]`) and negations (`!`) may nest in one address or port: a rule or
/// variable nested deeper is not evaluated, rather than exhausting the stack (real rules nest a
/// few levels).
pub(super) const MAX_NESTING: usize = 32;

fn too_deep() -> String {
    format!("lists and negations nest deeper than {MAX_NESTING} levels")
}

/// Where `$NAME` is looked up: the rule group's variables, then the policy's `HOME_NET` (and
/// its negation, `EXTERNAL_NET`).
pub(super) struct Vars<'a> {
    pub(super) group: Option<&'a RuleGroup>,
    pub(super) policy_home: Option<&'a Result<AddrSet, String>>,
}

impl<'a> Vars<'a> {
    /// The policy's own variables, which are plain CIDR lists.
    pub(super) fn policy() -> Vars<'a> {
        Vars {
            group: None,
            policy_home: None,
        }
    }

    pub(super) fn ip(&self, name: &str, depth: usize) -> Result<AddrSet, String> {
        if let Some(defs) = self.group.and_then(|g| g.variables.ip_sets.get(name)) {
            return union_of(defs, |d| parse_addr(d, self, depth + 1));
        }
        match (name, self.policy_home) {
            ("HOME_NET", Some(home)) => home.clone(),
            ("EXTERNAL_NET", Some(home)) => home.as_ref().map(complement).map_err(Clone::clone),
            _ => Err(format!("IP variable ${name} is not defined")),
        }
    }

    fn port(&self, name: &str, depth: usize) -> Result<PortSet, String> {
        match self.group.and_then(|g| g.variables.port_sets.get(name)) {
            Some(defs) => union_of(defs, |d| parse_ports(d, self, depth + 1)),
            None => Err(format!("port variable ${name} is not defined")),
        }
    }
}

fn complement(set: &AddrSet) -> AddrSet {
    AddrSet::any_v4().union(&AddrSet::any_v6()).difference(set)
}

pub(super) fn union_of<T: SetOps>(
    items: &[String],
    mut parse: impl FnMut(&str) -> Result<T, String>,
) -> Result<T, String> {
    items
        .iter()
        .try_fold(T::default(), |acc, item| Ok(acc.unite(&parse(item)?)))
}

/// A CIDR block or a single address, as stateless rules and IP sets write them.
pub(super) fn parse_cidr(text: &str) -> Option<AddrSet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(AddrSet::from_net(&net));
    }
    text.parse::<IpAddr>()
        .ok()
        .map(|a| AddrSet::from_net(&IpNet::from(a)))
}

/// Splits a Suricata list body at its top-level commas.
fn list_items(body: &str) -> Result<Vec<&str>, String> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, ch) in body.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.checked_sub(1).ok_or("unbalanced brackets")?,
            ',' if depth == 0 => {
                items.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced brackets".into());
    }
    items.push(body[start..].trim());
    if items.iter().any(|i| i.is_empty()) {
        return Err("an empty list item".into());
    }
    Ok(items)
}

/// A Suricata list: the union of its positive items minus its negated ones (everything minus
/// them when all are negated).
fn parse_list<T: SetOps>(
    body: &str,
    everything: T,
    mut parse: impl FnMut(&str) -> Result<T, String>,
) -> Result<T, String> {
    let items = list_items(body)?;
    let (negated, positive): (Vec<&str>, Vec<&str>) =
        items.into_iter().partition(|i| i.starts_with('!'));
    let base = if positive.is_empty() {
        everything
    } else {
        positive.iter().try_fold(T::default(), |acc, i| {
            Ok::<T, String>(acc.unite(&parse(i)?))
        })?
    };
    negated
        .iter()
        .try_fold(base, |acc, i| Ok(acc.minus(&parse(&i[1..])?)))
}

pub(super) fn parse_addr(text: &str, vars: &Vars<'_>, depth: usize) -> Result<AddrSet, String> {
    addr(text, vars, depth, 0)
}

/// [`parse_addr`] at `nesting` lists and negations deep.
fn addr(text: &str, vars: &Vars<'_>, depth: usize, nesting: usize) -> Result<AddrSet, String> {
    let text = text.trim();
    let any = || AddrSet::any_v4().union(&AddrSet::any_v6());
    if depth > MAX_VARIABLE_DEPTH {
        return Err("variables refer to each other too deeply".into());
    }
    if nesting > MAX_NESTING {
        return Err(too_deep());
    }
    if text.eq_ignore_ascii_case("any") {
        return Ok(any());
    }
    if let Some(rest) = text.strip_prefix('!') {
        return Ok(complement(&addr(rest, vars, depth, nesting + 1)?));
    }
    if let Some(body) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return parse_list(body, any(), |i| addr(i, vars, depth, nesting + 1));
    }
    if let Some(name) = text.strip_prefix('$') {
        return vars.ip(name, depth);
    }
    if let Some(name) = text.strip_prefix('@') {
        return Err(format!(
            "IP set reference @{name} is resolved by Network Firewall at run time and is not \
             evaluated"
        ));
    }
    parse_cidr(text).ok_or_else(|| format!("address {text:?} does not parse"))
}

pub(super) fn parse_ports(text: &str, vars: &Vars<'_>, depth: usize) -> Result<PortSet, String> {
    port_list(text, vars, depth, 0)
}

/// [`parse_ports`] at `nesting` lists and negations deep.
fn port_list(text: &str, vars: &Vars<'_>, depth: usize, nesting: usize) -> Result<PortSet, String> {
    let text = text.trim();
    if depth > MAX_VARIABLE_DEPTH {
        return Err("variables refer to each other too deeply".into());
    }
    if nesting > MAX_NESTING {
        return Err(too_deep());
    }
    if text.eq_ignore_ascii_case("any") {
        return Ok(PortSet::full());
    }
    if let Some(rest) = text.strip_prefix('!') {
        return Ok(port_list(rest, vars, depth, nesting + 1)?.complement());
    }
    if let Some(body) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return parse_list(body, PortSet::full(), |i| {
            port_list(i, vars, depth, nesting + 1)
        });
    }
    if let Some(name) = text.strip_prefix('$') {
        return vars.port(name, depth);
    }
    let number = |s: &str, default: u16| -> Result<u16, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(default);
        }
        s.parse::<u16>()
            .map_err(|_| format!("port {text:?} does not parse"))
    };
    if text.is_empty() {
        return Err("an empty port".into());
    }
    let (lo, hi) = match text.split_once(':') {
        Some((lo, hi)) => (number(lo, 0)?, number(hi, u16::MAX)?),
        None => {
            let p = number(text, 0)?;
            (p, p)
        }
    };
    if lo > hi {
        return Err(format!("port range {text:?} is reversed"));
    }
    Ok(ports(lo, hi))
}

/// The host name as the generated rules compare it: lower case, and for HTTP without a port.
pub(super) fn normalize_host(host: &str, tls: bool) -> String {
    let host = host.trim().to_ascii_lowercase();
    if tls || host.starts_with('[') {
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            name.to_string()
        }
        _ => host,
    }
}

/// Whether a domain list target matches a (normalized) host name.
pub(super) fn domain_matches(target: &str, host: &str) -> bool {
    let target = target.trim().to_ascii_lowercase();
    match target.strip_prefix('.') {
        Some(base) => host == base || host.ends_with(&target),
        None => host == target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::firewall::{RuleGroupKind, RuleVariables, RulesSource};
    use std::collections::BTreeMap;

    fn set(cidrs: &[&str]) -> AddrSet {
        cidrs
            .iter()
            .map(|c| parse_cidr(c).expect("test CIDR"))
            .fold(AddrSet::empty(), |a, b| a.union(&b))
    }

    fn any() -> AddrSet {
        AddrSet::any_v4().union(&AddrSet::any_v6())
    }

    fn group() -> RuleGroup {
        let mut variables = RuleVariables::default();
        variables
            .ip_sets
            .insert("WEB".into(), vec!["10.0.1.0/24".into(), "$DB".into()]);
        variables
            .ip_sets
            .insert("DB".into(), vec!["10.0.2.5".into()]);
        variables
            .ip_sets
            .insert("LOOP".into(), vec!["$LOOP".into()]);
        variables
            .port_sets
            .insert("WEB_PORTS".into(), vec!["80".into(), "8000:8080".into()]);
        RuleGroup {
            arn: "arn:g".into(),
            name: "g".into(),
            kind: RuleGroupKind::Stateful,
            variables,
            ip_set_references: BTreeMap::new(),
            source: RulesSource::Unknown,
            rule_order: None,
        }
    }

    /// A list or negation nested far deeper than any real rule is refused with the bound, not
    /// a stack overflow (a planted filter 20,000 levels deep aborted the tool).
    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let g = group();
        let vars = Vars {
            group: Some(&g),
            policy_home: None,
        };
        let deep = 20_000;
        for text in [
            format!("{}10.0.0.0/8{}", "[".repeat(deep), "]".repeat(deep)),
            format!("{}10.0.0.0/8", "!".repeat(deep)),
        ] {
            assert_eq!(parse_addr(&text, &vars, 0), Err(too_deep()));
        }
        for text in [
            format!("{}80{}", "[".repeat(deep), "]".repeat(deep)),
            format!("{}80", "!".repeat(deep)),
        ] {
            assert_eq!(parse_ports(&text, &vars, 0), Err(too_deep()));
        }
        let at_bound = format!(
            "{}10.0.0.0/8{}",
            "[".repeat(MAX_NESTING),
            "]".repeat(MAX_NESTING)
        );
        assert_eq!(parse_addr(&at_bound, &vars, 0), Ok(set(&["10.0.0.0/8"])));
    }

    #[test]
    fn addresses() {
        let g = group();
        let home = Ok(set(&["10.0.0.0/16"]));
        let vars = Vars {
            group: Some(&g),
            policy_home: Some(&home),
        };
        let parse = |s: &str| parse_addr(s, &vars, 0);
        assert_eq!(parse("ANY"), Ok(any()));
        assert_eq!(parse(" any "), Ok(any()));
        assert_eq!(parse("10.0.0.5"), Ok(set(&["10.0.0.5/32"])));
        assert_eq!(parse("2001:db8::/32"), Ok(set(&["2001:db8::/32"])));
        assert_eq!(parse("$HOME_NET"), Ok(set(&["10.0.0.0/16"])));
        assert_eq!(
            parse("$EXTERNAL_NET"),
            Ok(any().difference(&set(&["10.0.0.0/16"])))
        );
        assert_eq!(parse("$WEB"), Ok(set(&["10.0.1.0/24", "10.0.2.5/32"])));
        assert_eq!(
            parse("!10.0.0.0/8"),
            Ok(any().difference(&set(&["10.0.0.0/8"])))
        );
        assert_eq!(
            parse("[10.0.0.0/8, !10.1.0.0/16, 192.0.2.0/24]"),
            Ok(set(&["10.0.0.0/8", "192.0.2.0/24"]).difference(&set(&["10.1.0.0/16"])))
        );
        assert_eq!(
            parse("[!10.0.0.0/8]"),
            Ok(any().difference(&set(&["10.0.0.0/8"])))
        );
        assert_eq!(
            parse("[$HOME_NET,[192.0.2.0/25,192.0.2.128/25]]"),
            Ok(set(&["10.0.0.0/16", "192.0.2.0/24"]))
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "[10.0.0.0/8",
            "[10.0.0.0/8,]",
            "$NOPE",
            "@REF",
            "$LOOP",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        // Without a group only the policy's HOME_NET is known.
        let policy_only = Vars {
            group: None,
            policy_home: Some(&home),
        };
        assert!(parse_addr("$WEB", &policy_only, 0).is_err());
    }

    #[test]
    fn ports() {
        let g = group();
        let vars = Vars {
            group: Some(&g),
            policy_home: None,
        };
        let parse = |s: &str| parse_ports(s, &vars, 0);
        let p = |lo, hi| PortSet::from_range(lo, hi);
        assert_eq!(parse("ANY"), Ok(PortSet::full()));
        assert_eq!(parse("443"), Ok(p(443, 443)));
        assert_eq!(parse("1024:65535"), Ok(p(1024, 65535)));
        assert_eq!(parse("1024:"), Ok(p(1024, 65535)));
        assert_eq!(parse(":1023"), Ok(p(0, 1023)));
        assert_eq!(parse("!443"), Ok(p(0, 442).union(&p(444, 65535))));
        assert_eq!(
            parse("[80, 443, 8000:8080, !8008]"),
            Ok(p(80, 80)
                .union(&p(443, 443))
                .union(&p(8000, 8007))
                .union(&p(8009, 8080)))
        );
        assert_eq!(parse("$WEB_PORTS"), Ok(p(80, 80).union(&p(8000, 8080))));
        for bad in ["", "65536", "443:80", "http", "$NOPE", "[80,,443]"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn host_names() {
        assert_eq!(normalize_host(" WWW.Example.com ", true), "www.example.com");
        assert_eq!(normalize_host("example.com:8080", false), "example.com");
        assert_eq!(normalize_host("example.com:8080", true), "example.com:8080");
        assert_eq!(
            normalize_host("[2001:db8::1]:443", false),
            "[2001:db8::1]:443"
        );
        assert!(domain_matches(".Example.com", "example.com"));
        assert!(domain_matches(".example.com", "a.b.example.com"));
        assert!(!domain_matches(".example.com", "badexample.com"));
        assert!(domain_matches("WWW.example.com", "www.example.com"));
        assert!(!domain_matches("example.com", "www.example.com"));
    }
}
