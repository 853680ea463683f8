//! Whether clients of a given TLS version can complete a handshake with an HTTPS listener's
//! security policy.
//!
//! A client of version V is modelled as one that offers exactly protocol V and every cipher
//! suite defined for V (the most a client of V can offer). It gets through when the policy
//! lists V and at least one suite usable at V. A real client that speaks several versions
//! gets through if any of them does, so `--client-tls` names the oldest version that must
//! still work. What is not modelled: certificate key types (an `ECDHE-ECDSA-*` suite needs an
//! ECDSA certificate, `ECDHE-RSA-*` and `AES*` need RSA), key-exchange groups, and clients
//! that offer fewer suites than their version allows.
//!
//! Which versions a suite can be negotiated at:
//! - TLS 1.3 suites (`TLS_AES_128_GCM_SHA256`, `TLS_CHACHA20_POLY1305_SHA256`, … IANA names)
//!   exist only in TLS 1.3, and TLS 1.3 uses no other suites (RFC 8446 §B.4).
//! - AEAD suites (GCM, CCM, ChaCha20-Poly1305) and those with a SHA-256 or SHA-384 MAC need
//!   TLS 1.2 (RFC 5246 §A.5, RFC 5288 §4, RFC 5289 §3, RFC 7905 §2).
//! - Suites with a SHA-1 or MD5 MAC (`ECDHE-RSA-AES128-SHA`, `AES128-SHA`,
//!   `DES-CBC3-SHA`) work from TLS 1.0 to 1.2 (RFC 2246, RFC 4346, RFC 5246).
//!
//! ELB names protocols `TLSv1` (1.0), `TLSv1.1`, `TLSv1.2`, `TLSv1.3` and ciphers in OpenSSL's
//! style: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html>

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use crate::model::tls::SslPolicy;

/// A TLS protocol version, ordered oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// TLS 1.0 (RFC 2246); ELB calls it `TLSv1`.
    Tls1_0,
    /// TLS 1.1 (RFC 4346).
    Tls1_1,
    /// TLS 1.2 (RFC 5246).
    Tls1_2,
    /// TLS 1.3 (RFC 8446).
    Tls1_3,
}

impl TlsVersion {
    /// Every version, oldest first.
    pub const ALL: [TlsVersion; 4] = [
        TlsVersion::Tls1_0,
        TlsVersion::Tls1_1,
        TlsVersion::Tls1_2,
        TlsVersion::Tls1_3,
    ];

    /// The name ELB gives the version in a policy's protocol list.
    pub fn elb_name(self) -> &'static str {
        match self {
            TlsVersion::Tls1_0 => "TLSv1",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        }
    }

    /// The version an ELB protocol name stands for (`SSLv3` and unknown names: `None`).
    pub fn from_elb_name(name: &str) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .find(|v| v.elb_name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Renders as the `--client-tls` spelling (`TLSv1.0`), which is unambiguous, unlike ELB's.
impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls1_0 => "TLSv1.0",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        })
    }
}

/// A `--client-tls` value that names no TLS version.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown TLS version '{value}': expected TLSv1.0 (or TLSv1), TLSv1.1, TLSv1.2 or TLSv1.3")]
pub struct UnknownTlsVersion {
    /// What was given.
    pub value: String,
}

/// Parses a `--client-tls` value: `TLSv1.0`, `TLSv1`, `TLSv1.1`, `TLSv1.2` or `TLSv1.3`,
/// ignoring ASCII case.
impl FromStr for TlsVersion {
    type Err = UnknownTlsVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("TLSv1.0") {
            return Ok(TlsVersion::Tls1_0);
        }
        TlsVersion::from_elb_name(s)
            .filter(|_| s.trim() == s)
            .ok_or_else(|| UnknownTlsVersion {
                value: s.to_string(),
            })
    }
}

/// The TLS versions a cipher suite, named as ELB names it, can be negotiated at; `None` for
/// a name this module does not recognise (see the module documentation for the rules).
pub fn cipher_versions(name: &str) -> Option<RangeInclusive<TlsVersion>> {
    let name = name.trim().to_ascii_uppercase();
    if let Some(rest) = name.strip_prefix("TLS_") {
        // TLS 1.3 suites have IANA names without a key exchange (`TLS_AES_128_GCM_SHA256`);
        // IANA names of older suites (`TLS_ECDHE_RSA_WITH_…`) are not ELB's spelling.
        return (!rest.contains("_WITH_")).then_some(TlsVersion::Tls1_3..=TlsVersion::Tls1_3);
    }
    let aead = ["GCM", "CCM", "CHACHA20"]
        .iter()
        .any(|mode| name.split('-').any(|part| part.starts_with(mode)));
    if aead || name.ends_with("-SHA256") || name.ends_with("-SHA384") {
        return Some(TlsVersion::Tls1_2..=TlsVersion::Tls1_2);
    }
    if name.ends_with("-SHA") || name.ends_with("-MD5") {
        return Some(TlsVersion::Tls1_0..=TlsVersion::Tls1_2);
    }
    None
}

/// Why a client of one TLS version cannot complete a handshake with a policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeFailure {
    /// The policy does not list the client's protocol version.
    #[error(
        "the policy does not allow {offered} (it allows {})",
        list(policy_protocols)
    )]
    NoProtocol {
        /// The client's version.
        offered: TlsVersion,
        /// The policy's protocols, as ELB names them.
        policy_protocols: Vec<String>,
    },
    /// The policy lists the version but none of its suites can be used at that version.
    #[error("none of the policy's cipher suites can be used with {offered}")]
    NoCipher {
        /// The client's version.
        offered: TlsVersion,
        /// The policy's cipher suites.
        policy_ciphers: Vec<String>,
        /// Those of them this module does not recognise (counted as unusable).
        unrecognised: Vec<String>,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "no protocol".to_string()
    } else {
        names.join(", ")
    }
}

/// Whether a client of version `client` can complete a TLS handshake with `policy`: the
/// policy must list the version and at least one cipher suite usable at it.
pub fn handshake(policy: &SslPolicy, client: TlsVersion) -> Result<(), HandshakeFailure> {
    let listed = policy
        .protocols
        .iter()
        .any(|p| TlsVersion::from_elb_name(p) == Some(client));
    if !listed {
        return Err(HandshakeFailure::NoProtocol {
            offered: client,
            policy_protocols: policy.protocols.clone(),
        });
    }
    let usable = policy
        .ciphers
        .iter()
        .any(|c| cipher_versions(c).is_some_and(|v| v.contains(&client)));
    if usable {
        return Ok(());
    }
    Err(HandshakeFailure::NoCipher {
        offered: client,
        policy_ciphers: policy.ciphers.clone(),
        unrecognised: policy
            .ciphers
            .iter()
            .filter(|c| cipher_versions(c).is_none())
            .cloned()
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::TlsVersion::*;
    use super::*;
    use proptest::prelude::*;

    fn policy(name: &str, protocols: &[&str], ciphers: &[&str]) -> SslPolicy {
        SslPolicy {
            name: name.into(),
            protocols: protocols.iter().map(|s| s.to_string()).collect(),
            ciphers: ciphers.iter().map(|s| s.to_string()).collect(),
        }
    }

    const TLS13_SUITES: [&str; 3] = [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    ];
    const ECDHE_TLS12: [&str; 8] = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-RSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        "ECDHE-RSA-AES256-SHA384",
    ];

    /// ELB's predefined policies, protocols and ciphers as the AWS page "Security policies
    /// for your Application Load Balancer" lists them.
    fn elb_policies() -> Vec<SslPolicy> {
        let policy_2016 = policy(
            "ELBSecurityPolicy-2016-08",
            &["TLSv1", "TLSv1.1", "TLSv1.2"],
            &[
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-AES128-SHA256",
                "ECDHE-RSA-AES128-SHA256",
                "ECDHE-ECDSA-AES128-SHA",
                "ECDHE-RSA-AES128-SHA",
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "ECDHE-RSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES256-SHA384",
                "ECDHE-RSA-AES256-SHA384",
                "ECDHE-RSA-AES256-SHA",
                "ECDHE-ECDSA-AES256-SHA",
                "AES128-GCM-SHA256",
                "AES128-SHA256",
                "AES128-SHA",
                "AES256-GCM-SHA384",
                "AES256-SHA256",
                "AES256-SHA",
            ],
        );
        let mut tls12_ciphers = ECDHE_TLS12.to_vec();
        tls12_ciphers.extend([
            "AES128-GCM-SHA256",
            "AES128-SHA256",
            "AES256-GCM-SHA384",
            "AES256-SHA256",
        ]);
        let mut tls13_12_ciphers = TLS13_SUITES.to_vec();
        tls13_12_ciphers.extend(ECDHE_TLS12);
        vec![
            policy_2016,
            policy(
                "ELBSecurityPolicy-TLS-1-2-2017-01",
                &["TLSv1.2"],
                &tls12_ciphers,
            ),
            policy(
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                &["TLSv1.3", "TLSv1.2"],
                &tls13_12_ciphers,
            ),
            policy(
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                &["TLSv1.3"],
                &TLS13_SUITES,
            ),
        ]
    }

    #[test]
    fn predefined_policies_by_client_version() {
        // Which of TLS 1.0, 1.1, 1.2, 1.3 get through; every refusal is for the protocol.
        let expected = [
            ("ELBSecurityPolicy-2016-08", [true, true, true, false]),
            (
                "ELBSecurityPolicy-TLS-1-2-2017-01",
                [false, false, true, false],
            ),
            (
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                [false, false, true, true],
            ),
            (
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                [false, false, false, true],
            ),
        ];
        let policies = elb_policies();
        for (name, outcome) in expected {
            let p = policies.iter().find(|p| p.name == name).unwrap();
            for (version, ok) in TlsVersion::ALL.into_iter().zip(outcome) {
                match handshake(p, version) {
                    Ok(()) => assert!(ok, "{name} {version} should fail"),
                    Err(HandshakeFailure::NoProtocol {
                        offered,
                        policy_protocols,
                    }) => {
                        assert!(!ok, "{name} {version} should pass");
                        assert_eq!(offered, version);
                        assert_eq!(policy_protocols, p.protocols);
                    }
                    Err(other) => panic!("{name} {version}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn listed_version_without_a_usable_cipher() {
        let p = policy(
            "odd",
            &["TLSv1", "TLSv1.2", "TLSv1.3"],
            &[
                "ECDHE-RSA-AES128-GCM-SHA256",
                "AES256-SHA256",
                "MYSTERY-CIPHER",
            ],
        );
        assert_eq!(handshake(&p, Tls1_2), Ok(()));
        let want_unrecognised = vec!["MYSTERY-CIPHER".to_string()];
        for v in [Tls1_0, Tls1_3] {
            match handshake(&p, v) {
                Err(HandshakeFailure::NoCipher {
                    offered,
                    policy_ciphers,
                    unrecognised,
                }) => {
                    assert_eq!(offered, v);
                    assert_eq!(policy_ciphers, p.ciphers);
                    assert_eq!(unrecognised, want_unrecognised);
                }
                other => panic!("{v}: {other:?}"),
            }
        }
        // TLS 1.3 suites never serve 1.2 clients.
        let only13 = policy("p", &["TLSv1.2", "TLSv1.3"], &TLS13_SUITES);
        assert!(matches!(
            handshake(&only13, Tls1_2),
            Err(HandshakeFailure::NoCipher { .. })
        ));
        assert_eq!(handshake(&only13, Tls1_3), Ok(()));
    }

    #[test]
    fn failures_read_well() {
        let p = policy("p", &["TLSv1.2", "TLSv1.3"], &[]);
        assert_eq!(
            handshake(&p, Tls1_0).unwrap_err().to_string(),
            "the policy does not allow TLSv1.0 (it allows TLSv1.2, TLSv1.3)"
        );
        assert_eq!(
            handshake(&p, Tls1_2).unwrap_err().to_string(),
            "none of the policy's cipher suites can be used with TLSv1.2"
        );
        let none = policy("p", &[], &[]);
        assert_eq!(
            handshake(&none, Tls1_3).unwrap_err().to_string(),
            "the policy does not allow TLSv1.3 (it allows no protocol)"
        );
    }

    #[test]
    fn client_version_flag_values() {
        for (s, v) in [
            ("TLSv1.0", Tls1_0),
            ("TLSv1", Tls1_0),
            ("tlsv1", Tls1_0),
            ("TLSv1.1", Tls1_1),
            ("TLSv1.2", Tls1_2),
            ("TLSV1.3", Tls1_3),
        ] {
            assert_eq!(s.parse::<TlsVersion>(), Ok(v), "{s}");
        }
        for s in [
            "",
            "1.2",
            "TLS1.2",
            "TLSv1.4",
            "SSLv3",
            "TLSv1.2 ",
            " TLSv1",
            "TLSv1.0.0",
        ] {
            let err = s.parse::<TlsVersion>().unwrap_err();
            assert_eq!(err.value, s);
            assert!(err.to_string().contains("expected TLSv1.0"), "{err}");
        }
        for v in TlsVersion::ALL {
            assert_eq!(v.to_string().parse::<TlsVersion>(), Ok(v));
            assert_eq!(TlsVersion::from_elb_name(v.elb_name()), Some(v));
        }
        assert_eq!(TlsVersion::from_elb_name("SSLv3"), None);
    }

    #[test]
    fn cipher_classes() {
        let cases = [
            ("TLS_AES_128_CCM_SHA256", Some(Tls1_3..=Tls1_3)),
            ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", None),
            ("ECDHE-RSA-CHACHA20-POLY1305", Some(Tls1_2..=Tls1_2)),
            ("AES128-CCM8", Some(Tls1_2..=Tls1_2)),
            ("DHE-RSA-AES256-SHA256", Some(Tls1_2..=Tls1_2)),
            ("DES-CBC3-SHA", Some(Tls1_0..=Tls1_2)),
            ("RC4-MD5", Some(Tls1_0..=Tls1_2)),
            ("ecdhe-rsa-aes128-sha", Some(Tls1_0..=Tls1_2)),
            ("NULL", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(cipher_versions(name), want, "{name}");
        }
    }

    /// Every cipher suite ELB has listed in an ALB, NLB or Classic policy, with the versions
    /// the RFCs allow it at, written out by hand.
    const SUITE_TABLE: &[(&str, &[TlsVersion])] = &[
        ("TLS_AES_128_GCM_SHA256", &[Tls1_3]),
        ("TLS_AES_256_GCM_SHA384", &[Tls1_3]),
        ("TLS_CHACHA20_POLY1305_SHA256", &[Tls1_3]),
        ("ECDHE-ECDSA-AES128-GCM-SHA256", &[Tls1_2]),
        ("ECDHE-RSA-AES128-GCM-SHA256", &[Tls1_2]),
        ("ECDHE-ECDSA-AES128-SHA256", &[Tls1_2]),
        ("ECDHE-RSA-AES128-SHA256", &[Tls1_2]),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", &[Tls1_2]),
        ("ECDHE-RSA-AES256-GCM-SHA384", &[Tls1_2]),
        ("ECDHE-ECDSA-AES256-SHA384", &[Tls1_2]),
        ("ECDHE-RSA-AES256-SHA384", &[Tls1_2]),
        ("AES128-GCM-SHA256", &[Tls1_2]),
        ("AES128-SHA256", &[Tls1_2]),
        ("AES256-GCM-SHA384", &[Tls1_2]),
        ("AES256-SHA256", &[Tls1_2]),
        ("ECDHE-ECDSA-AES128-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("ECDHE-RSA-AES128-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("ECDHE-ECDSA-AES256-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("ECDHE-RSA-AES256-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("AES128-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("AES256-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("DHE-RSA-AES128-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("DES-CBC3-SHA", &[Tls1_0, Tls1_1, Tls1_2]),
        ("UNHEARD-OF", &[]),
    ];

    proptest! {
        #[test]
        fn handshake_matches_table(
            protocols in prop::sample::subsequence(vec!["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv3"], 0..=5),
            suites in prop::sample::subsequence((0..SUITE_TABLE.len()).collect::<Vec<_>>(), 0..=6),
            client in prop::sample::select(TlsVersion::ALL.to_vec()),
        ) {
            let p = policy(
                "p",
                &protocols,
                &suites.iter().map(|&i| SUITE_TABLE[i].0).collect::<Vec<_>>(),
            );
            let wanted = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"][client as usize];
            let listed = protocols.contains(&wanted);
            let cipher = suites.iter().any(|&i| SUITE_TABLE[i].1.contains(&client));
            let got = handshake(&p, client);
            match (listed, cipher) {
                (false, _) => prop_assert!(matches!(got, Err(HandshakeFailure::NoProtocol { .. })), "{:?}", got),
                (true, false) => prop_assert!(matches!(got, Err(HandshakeFailure::NoCipher { .. })), "{:?}", got),
                (true, true) => prop_assert_eq!(got, Ok(())),
            }
        }
    }
}
