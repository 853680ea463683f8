//! Where a certificate's validity period stands at a given moment: not yet valid, valid,
//! expiring within a warning window, or expired.
//!
//! A certificate is valid from `notBefore` through `notAfter`, both inclusive (RFC 5280
//! §4.1.2.5), so it is expired only once `now` is past `notAfter`. Moments are Unix seconds;
//! the model stores them as RFC 3339 timestamps (RFC 3339 §5.6), parsed here exactly, with
//! any UTC offset applied and any fraction of a second dropped.
//! <https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5>
//! <https://www.rfc-editor.org/rfc/rfc3339#section-5.6>

use crate::model::tls::Certificate;

/// A timestamp in the model that is not RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SSZ)")]
pub struct BadTimestamp {
    /// What was found.
    pub value: String,
}

/// Unix seconds of an RFC 3339 `date-time` (`2025-01-31T23:59:59Z`, `…T10:00:00.5+02:00`;
/// `T`/`Z` in either case; a leap second `:60` counts as the next minute's first second).
pub fn parse_rfc3339(s: &str) -> Result<i64, BadTimestamp> {
    parse(s.as_bytes()).ok_or_else(|| BadTimestamp {
        value: s.to_string(),
    })
}

/// `count` ASCII digits at `at` as a number.
fn digits(b: &[u8], at: usize, count: usize) -> Option<i64> {
    let field = b.get(at..at + count)?;
    field.iter().try_fold(0i64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

fn parse(b: &[u8]) -> Option<i64> {
    let sep = |at: usize, want: &[u8]| b.get(at).is_some_and(|c| want.contains(c));
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let fields_ok = sep(4, b"-")
        && sep(7, b"-")
        && sep(10, b"Tt")
        && sep(13, b":")
        && sep(16, b":")
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    if !fields_ok {
        return None;
    }
    let mut at = 19;
    if sep(at, b".") {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
    }
    let offset = match b.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (years 0–9999), counted year by year
/// and month by month from the calendar rules above.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Days before 1 January of `year` since 1 January of year 0, then shifted to 1970.
    let y = year - 1;
    let before_year = if year > 0 {
        365 * year + y / 4 - y / 100 + y / 400 + 1
    } else {
        0
    };
    let before_month: i64 = (1..month).map(|m| days_in_month(year, m)).sum();
    const DAYS_0000_TO_1970: i64 = 719_528;
    before_year + before_month + day - 1 - DAYS_0000_TO_1970
}

/// Where a certificate's validity period stands at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// `now` is before `notBefore`: clients refuse it until then.
    NotYetValid {
        /// Seconds until it becomes valid.
        starts_in: i64,
    },
    /// Valid for longer than the warning window.
    Valid {
        /// Seconds of validity left (0 in its last second).
        expires_in: i64,
    },
    /// Valid, but it expires within the warning window.
    Expiring {
        /// Seconds of validity left, less than the window.
        expires_in: i64,
    },
    /// `now` is past `notAfter`: clients refuse it.
    Expired {
        /// Seconds since `notAfter`.
        expired_for: i64,
    },
}

/// Where `cert` stands at `now` (Unix seconds), `Expiring` when less than `window` seconds
/// of validity are left. `Ok(None)` when the store reported no `notAfter`; an unreported
/// `notBefore` is not checked.
pub fn validity(
    cert: &Certificate,
    now: i64,
    window: u64,
) -> Result<Option<Validity>, BadTimestamp> {
    let Some(not_after) = cert.not_after.as_deref() else {
        return Ok(None);
    };
    let not_after = parse_rfc3339(not_after)?;
    if let Some(not_before) = cert.not_before.as_deref() {
        let not_before = parse_rfc3339(not_before)?;
        if now < not_before {
            return Ok(Some(Validity::NotYetValid {
                starts_in: not_before - now,
            }));
        }
    }
    let left = not_after - now;
    Ok(Some(if left < 0 {
        Validity::Expired { expired_for: -left }
    } else if i128::from(left) < i128::from(window) {
        Validity::Expiring { expires_in: left }
    } else {
        Validity::Valid { expires_in: left }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls::CertificateSource;
    use aws_smithy_types::date_time::Format;
    use aws_smithy_types::DateTime;
    use proptest::prelude::*;

    #[test]
    fn known_moments() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:00:00Z", 951_825_600),
            ("2025-01-01T00:00:00z", 1_735_689_600),
            ("2025-01-01t01:00:00+01:00", 1_735_689_600),
            ("2024-12-31T19:30:00-04:30", 1_735_689_600),
            ("2025-01-01T00:00:00.999999Z", 1_735_689_600),
            ("2016-12-31T23:59:60Z", 1_483_228_800),
            ("1969-12-31T23:59:59Z", -1),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
        ];
        for (s, want) in cases {
            assert_eq!(parse_rfc3339(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn malformed_timestamps() {
        for s in [
            "",
            "2025-01-01",
            "2025-01-01T00:00:00",
            "2025-01-01 00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:60:00Z",
            "2025-01-01T00:00:61Z",
            "2025-01-01T00:00:00.Z",
            "2025-01-01T00:00:00+0100",
            "2025-01-01T00:00:00+24:00",
            "2025-01-01T00:00:00Zjunk",
            "+2025-01-01T00:00:00Z",
            "２025-01-01T00:00:00Z",
        ] {
            let err = parse_rfc3339(s).unwrap_err();
            assert_eq!(err.value, s);
        }
    }

    fn cert(not_before: Option<&str>, not_after: Option<&str>) -> Certificate {
        Certificate {
            arn: "arn:aws:acm:us-east-1:1:certificate/c".into(),
            source: CertificateSource::Acm,
            status: None,
            kind: None,
            domain_name: String::new(),
            subject_alternative_names: vec![],
            not_before: not_before.map(str::to_string),
            not_after: not_after.map(str::to_string),
            renewal_eligibility: None,
            in_use_by: vec![],
        }
    }

    #[test]
    fn validity_boundaries() {
        const DAY: u64 = 86_400;
        let c = cert(Some("2025-01-01T00:00:00Z"), Some("2025-12-31T23:59:59Z"));
        let start = 1_735_689_600;
        let end = 1_767_225_599;
        let at = |now| validity(&c, now, 30 * DAY).unwrap().unwrap();
        assert_eq!(at(start - 1), Validity::NotYetValid { starts_in: 1 });
        assert!(matches!(at(start), Validity::Valid { .. }));
        assert_eq!(
            at(end - 30 * 86_400),
            Validity::Valid {
                expires_in: 30 * 86_400
            }
        );
        assert_eq!(
            at(end - 30 * 86_400 + 1),
            Validity::Expiring {
                expires_in: 30 * 86_400 - 1
            }
        );
        assert_eq!(at(end), Validity::Expiring { expires_in: 0 }, "inclusive");
        assert_eq!(at(end + 1), Validity::Expired { expired_for: 1 });
        // A zero window never warns; an unreported start is not checked.
        assert_eq!(
            validity(&c, end, 0).unwrap(),
            Some(Validity::Valid { expires_in: 0 })
        );
        let open = cert(None, Some("2025-12-31T23:59:59Z"));
        assert!(matches!(
            validity(&open, 0, DAY).unwrap(),
            Some(Validity::Valid { .. })
        ));
        assert_eq!(
            validity(&cert(Some("2025-01-01T00:00:00Z"), None), 0, DAY),
            Ok(None)
        );
        assert!(validity(&cert(None, Some("soon")), 0, DAY).is_err());
        assert!(validity(&cert(Some("never"), Some("2025-12-31T23:59:59Z")), 0, DAY).is_err());
    }

    proptest! {
        /// Against the SDK's own RFC 3339 writer: every second of years 0001–9999.
        #[test]
        fn parses_what_smithy_writes(secs in -62_135_596_800i64..=253_402_300_799) {
            let text = DateTime::from_secs(secs).fmt(Format::DateTime).unwrap();
            prop_assert_eq!(parse_rfc3339(&text), Ok(secs), "{}", text);
        }

        /// An offset moves the moment by exactly its length.
        #[test]
        fn offsets_shift_exactly(secs in 0i64..=253_402_300_799 - 86_400,
                                 east in any::<bool>(), h in 0i64..24, m in 0i64..60) {
            let utc = DateTime::from_secs(secs).fmt(Format::DateTime).unwrap();
            let local = utc.trim_end_matches('Z');
            let sign = if east { '+' } else { '-' };
            let with_offset = format!("{local}{sign}{h:02}:{m:02}");
            let shift = (h * 60 + m) * 60;
            let want = if east { secs - shift } else { secs + shift };
            prop_assert_eq!(parse_rfc3339(&with_offset), Ok(want));
        }
    }
}
