//! Name resolution for probes with curl-style overrides: `HOST:ADDR[,ADDR...]` or curl's
//! `HOST:PORT:ADDR[,ADDR...]` (`curl --resolve`, <https://curl.se/docs/manpage.html#--resolve>)
//! pins a name to addresses, so a probe can target chosen nodes, or run where the name does
//! not resolve, without touching the system resolver.
//!
//! An IPv6 address may be written bare or in brackets. Bare, it can read two ways when it
//! follows a host: `h:2001:db8::1` is the address `2001:db8::1` or curl's port 2001 with the
//! address `db8::1`. Such input is refused with a hint to use brackets instead of guessing,
//! because a wrong guess would probe the wrong address.

use std::net::{IpAddr, Ipv6Addr};

/// One override: the addresses `host` resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolve {
    /// The name as given (compared ignoring ASCII case and a trailing dot).
    pub host: String,
    /// The port of curl's three-part form. It does not restrict [`resolve`], which answers
    /// for the name alone because every listener of an ALB is served by the same nodes; it is
    /// kept so that a caller can honour it.
    pub port: Option<u16>,
    /// The addresses, in the order given, at least one.
    pub addrs: Vec<IpAddr>,
}

/// Why an override could not be read or a name not resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The override is not `HOST:ADDR` or `HOST:PORT:ADDR`.
    #[error("bad resolve entry '{value}': {why}")]
    Syntax {
        /// The entry as given.
        value: String,
        /// What is wrong with it.
        why: String,
    },
    /// The system resolver failed for a name without an override.
    #[error("cannot resolve {host}: {source}")]
    Lookup {
        /// The name looked up.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// The system resolver answered with no address.
    #[error("{host} resolves to no address")]
    NoAddress {
        /// The name looked up.
        host: String,
    },
}

/// Reads one override, `HOST:ADDR[,ADDR...]` or curl's `HOST:PORT:ADDR[,ADDR...]`; an IPv6
/// `ADDR` bare or in brackets. Refuses an entry that reads both ways (see the module docs).
pub fn parse_resolve(s: &str) -> Result<Resolve, ResolveError> {
    let syntax = |why: String| ResolveError::Syntax {
        value: s.to_owned(),
        why,
    };
    let Some((host, rest)) = s.split_once(':') else {
        return Err(syntax("expected HOST:ADDR or HOST:PORT:ADDR".into()));
    };
    check_host(host).map_err(syntax)?;
    let two_part = parse_addrs(rest);
    let three_part = rest
        .split_once(':')
        .and_then(|(port, addrs)| Some((parse_port(port)?, addrs)));
    let (port, addrs) = match (two_part, three_part) {
        (Ok(addrs), None) => (None, addrs),
        (Ok(addrs), Some((port, rest))) => match parse_addrs(rest) {
            Err(_) => (None, addrs),
            Ok(other) => {
                return Err(syntax(format!(
                    "reads as address {} or as port {port} with address {}; write the IPv6 address in brackets",
                    list(&addrs),
                    list(&other)
                )))
            }
        },
        (Err(why), None) => return Err(syntax(why)),
        (Err(_), Some((port, rest))) => (Some(port), parse_addrs(rest).map_err(syntax)?),
    };
    Ok(Resolve {
        host: host.to_owned(),
        port,
        addrs,
    })
}

/// The addresses to probe for `host`: the host itself when it is an IP literal (bare or in
/// brackets); else the addresses of every override for it, in the order given and without
/// repeats (like `curl --resolve`); only else the system resolver.
pub async fn resolve(host: &str, overrides: &[Resolve]) -> Result<Vec<IpAddr>, ResolveError> {
    if let Some(addr) = ip_literal(host) {
        return Ok(vec![addr]);
    }
    let pinned = unique(
        overrides
            .iter()
            .filter(|o| same_host(&o.host, host))
            .flat_map(|o| o.addrs.iter().copied()),
    );
    if !pinned.is_empty() {
        return Ok(pinned);
    }
    let found =
        tokio::net::lookup_host((host, 0))
            .await
            .map_err(|source| ResolveError::Lookup {
                host: host.to_owned(),
                source,
            })?;
    let addrs = unique(found.map(|a| a.ip()));
    if addrs.is_empty() {
        return Err(ResolveError::NoAddress {
            host: host.to_owned(),
        });
    }
    Ok(addrs)
}

/// Host names as DNS spells them: letters, digits, `-`, `_` and dots, at most 253 bytes.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("empty host".into());
    }
    if host.len() > 253 {
        return Err("host longer than 253 characters".into());
    }
    match host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(c) => Err(format!("host has '{c}', not a DNS name")),
        None => Ok(()),
    }
}

/// A decimal port 1-65535.
fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|&port| port != 0)
}

/// `ADDR[,ADDR...]`, each IPv4, IPv6 or `[IPv6]`.
fn parse_addrs(s: &str) -> Result<Vec<IpAddr>, String> {
    s.split(',')
        .map(|one| {
            let parsed = match one.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                Some(inner) => inner.parse::<Ipv6Addr>().map(IpAddr::V6).ok(),
                None => one.parse::<IpAddr>().ok(),
            };
            parsed.ok_or_else(|| format!("'{one}' is not an IP address"))
        })
        .collect()
}

fn ip_literal(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => host.parse().ok(),
    }
}

/// Whether two host names are the same name: ASCII case and one trailing dot aside.
pub(crate) fn same_host(a: &str, b: &str) -> bool {
    let bare = |h: &str| h.strip_suffix('.').unwrap_or(h).to_owned();
    bare(a).eq_ignore_ascii_case(&bare(b))
}

fn unique(addrs: impl Iterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for addr in addrs {
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    out
}

fn list(addrs: &[IpAddr]) -> String {
    addrs
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// How a test writes an address into an entry.
    #[derive(Debug, Clone)]
    struct Written {
        addr: IpAddr,
        bracketed: bool,
    }

    impl Written {
        fn text(&self) -> String {
            match (self.addr, self.bracketed) {
                (IpAddr::V6(v6), true) => format!("[{v6}]"),
                (addr, _) => addr.to_string(),
            }
        }
    }

    fn written() -> impl Strategy<Value = Written> {
        let v4 = any::<[u8; 4]>().prop_map(IpAddr::from);
        // Few distinct groups, so that compressed forms (`::`) and all-decimal groups occur.
        let v6 = prop::collection::vec(
            prop_oneof![
                Just(0u16),
                Just(1),
                Just(0x2001),
                Just(0xdb8),
                Just(443),
                any::<u16>()
            ],
            8,
        )
        .prop_map(|g| IpAddr::from([g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]]));
        (prop_oneof![v4, v6], any::<bool>())
            .prop_map(|(addr, bracketed)| Written { addr, bracketed })
    }

    /// The brute-force oracle: every way to read `rest` as `ADDRS` or `PORT:ADDRS`, by
    /// trying every colon as the port separator.
    fn readings(rest: &str) -> Vec<(Option<u16>, Vec<IpAddr>)> {
        let mut out = Vec::new();
        if let Ok(addrs) = parse_addrs(rest) {
            out.push((None, addrs));
        }
        for (i, _) in rest.match_indices(':') {
            if let (Some(port), Ok(addrs)) = (parse_port(&rest[..i]), parse_addrs(&rest[i + 1..])) {
                out.push((Some(port), addrs));
            }
        }
        out
    }

    proptest! {
        /// An entry parses to what was written exactly when that is its only reading, and is
        /// refused when it has several.
        #[test]
        fn entries_parse_to_their_only_reading(
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9-]{1,10}){0,3}\\.?",
            port in prop::option::of(1u16..=65535),
            addrs in prop::collection::vec(written(), 1..4),
        ) {
            let list = addrs.iter().map(Written::text).collect::<Vec<_>>().join(",");
            let rest = match port { Some(p) => format!("{p}:{list}"), None => list };
            let entry = format!("{host}:{rest}");
            let readings = readings(&rest);
            let want = (port, addrs.iter().map(|w| w.addr).collect::<Vec<_>>());
            prop_assert!(readings.contains(&want));
            match parse_resolve(&entry) {
                Ok(parsed) => {
                    prop_assert_eq!(readings.len(), 1, "{} parsed despite several readings", entry);
                    prop_assert_eq!(parsed, Resolve { host: host.clone(), port: want.0, addrs: want.1 });
                }
                Err(ResolveError::Syntax { why, .. }) => {
                    prop_assert!(readings.len() > 1, "{} refused: {}", entry, why);
                    prop_assert!(why.contains("brackets"));
                }
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
    }

    fn ok(s: &str) -> Resolve {
        parse_resolve(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn addr(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn the_forms_people_write() {
        assert_eq!(
            ok("www.example.test:127.0.0.2"),
            Resolve {
                host: "www.example.test".into(),
                port: None,
                addrs: vec![addr("127.0.0.2")]
            }
        );
        assert_eq!(ok("www.example.test:[::1]").addrs, vec![addr("::1")]);
        assert_eq!(ok("www.example.test:::1").addrs, vec![addr("::1")]);
        assert_eq!(ok("h:fd00::7").addrs, vec![addr("fd00::7")]);
        let curl = ok("www.example.test:443:127.0.1.10,[::1]");
        assert_eq!(curl.port, Some(443));
        assert_eq!(curl.addrs, vec![addr("127.0.1.10"), addr("::1")]);
        assert_eq!(ok("h:8443:[2001:db8::1]").addrs, vec![addr("2001:db8::1")]);
    }

    #[test]
    fn bad_entries_say_why() {
        for (entry, says) in [
            ("www.example.test", "HOST:ADDR"),
            (":127.0.0.1", "empty host"),
            ("www.example.test:", "not an IP address"),
            ("www.example.test:443:", "not an IP address"),
            ("www.example.test:nothere", "not an IP address"),
            ("www.example.test:443:256.0.0.1", "not an IP address"),
            ("www.example.test:0:127.0.0.1", "not an IP address"),
            ("www.example.test:70000:127.0.0.1", "not an IP address"),
            ("www.example.test:[127.0.0.1]", "not an IP address"),
            ("www.example.test:127.0.0.1,", "not an IP address"),
            ("*.example.test:127.0.0.1", "not a DNS name"),
            ("[::1]:127.0.0.1", "not a DNS name"),
            ("h:2001:db8::1", "brackets"),
            ("h:443:2600:1f18::5", "brackets"),
        ] {
            match parse_resolve(entry) {
                Err(e) => assert!(e.to_string().contains(says), "{entry}: {e}"),
                Ok(r) => panic!("{entry} parsed as {r:?}"),
            }
        }
    }

    #[tokio::test]
    async fn overrides_come_first_and_ip_literals_need_no_lookup() {
        let overrides = vec![
            ok("www.example.test:127.0.0.2,127.0.1.10"),
            ok("other.test:127.0.0.9"),
            ok("WWW.Example.Test.:443:[::1],127.0.0.2"),
        ];
        // A `.invalid` name (RFC 6761) never resolves, so only the overrides can answer.
        let got = resolve("www.example.test", &overrides)
            .await
            .expect("pinned");
        assert_eq!(
            got,
            vec![addr("127.0.0.2"), addr("127.0.1.10"), addr("::1")]
        );
        let pinned = [ok("alb.invalid:127.0.0.3")];
        assert_eq!(
            resolve("ALB.invalid.", &pinned).await.expect("pinned"),
            vec![addr("127.0.0.3")]
        );
        assert_eq!(
            resolve("127.0.0.5", &[]).await.expect("literal"),
            vec![addr("127.0.0.5")]
        );
        assert_eq!(
            resolve("[::1]", &[]).await.expect("literal"),
            vec![addr("::1")]
        );
        assert_eq!(
            resolve("::1", &overrides).await.expect("literal"),
            vec![addr("::1")]
        );
    }
}
