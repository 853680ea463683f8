//! Findings grouped by cause, for the reports people and CI products read (text, Markdown,
//! SARIF): one missing rule over 42 targets is one thing to fix, so it is one entry that lists
//! the targets, not 42 (docs/report.md, "Baselines"). The JSON report keeps one
//! finding per (rule, target, port, node); a cause is the set of its findings that share a
//! fingerprint (`Finding::fingerprint`: rule, ALB, what to change, zone, port).
//!
//! Also here: `not_evaluated` lines grouped by their reason, so that one denied call reads
//! as one line naming the checks it stopped.

use std::collections::HashSet;
use std::hash::Hash;

use crate::finding::{Finding, NotEvaluated, Severity};

/// How many affected targets an entry names before it says how many more there are.
pub const SHOWN: usize = 5;

/// The findings of one cause, in report order.
#[derive(Clone, Debug)]
pub struct Cause<'a> {
    /// The first finding: what the entry's rule, zone, port, change and fix are read from.
    pub lead: &'a Finding,
    /// Every finding of the cause, `lead` first.
    pub findings: Vec<&'a Finding>,
}

/// Groups `findings` by fingerprint, causes in the order of their first finding. A finding
/// without a fingerprint (a report from before fingerprints) is a cause of its own.
pub fn by_cause<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Cause<'a>> {
    let mut causes: Vec<Cause<'a>> = Vec::new();
    for f in findings {
        let known = (!f.fingerprint.is_empty())
            .then(|| {
                causes
                    .iter_mut()
                    .find(|c| c.lead.fingerprint == f.fingerprint)
            })
            .flatten();
        match known {
            Some(cause) => cause.findings.push(f),
            None => causes.push(Cause {
                lead: f,
                findings: vec![f],
            }),
        }
    }
    causes
}

impl<'a> Cause<'a> {
    /// The worst severity among the findings: what the entry is shown and judged as.
    pub fn severity(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(self.lead.severity)
    }

    /// The ports its findings are on, ascending: `443`, or `32768, 32791, 33012` for targets
    /// on ECS dynamic ports (one cause), at most `shown` of them; `None` when none has a port.
    pub fn ports(&self, shown: usize) -> Option<String> {
        self.listed_ports(shown).map(|(_, label)| label)
    }

    /// [`Cause::ports`] in words: `port 443`, `ports 32768, 32791`.
    pub fn ports_phrase(&self, shown: usize) -> Option<String> {
        self.listed_ports(shown)
            .map(|(n, label)| format!("{} {label}", if n > 1 { "ports" } else { "port" }))
    }

    /// How many distinct ports the findings are on, and [`Cause::ports`]' label.
    fn listed_ports(&self, shown: usize) -> Option<(usize, String)> {
        let mut ports: Vec<u16> = self.distinct(|f| f.port).into_iter().flatten().collect();
        ports.sort_unstable();
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        (!ports.is_empty()).then(|| (ports.len(), listed(&ports, shown, ", ")))
    }

    /// Whether the baseline accepts every finding of the cause (then it does not fail).
    pub fn baselined(&self) -> bool {
        self.findings.iter().all(|f| f.baselined)
    }

    /// The distinct values of `value` over the findings, in order of first appearance
    /// (through a set: a cause can hold a finding for each of 100,000 targets).
    pub fn distinct<T: Eq + Hash + Clone>(&self, value: impl Fn(&'a Finding) -> T) -> Vec<T> {
        let mut seen: HashSet<T> = HashSet::new();
        let mut out: Vec<T> = Vec::new();
        for f in &self.findings {
            let v = value(f);
            if seen.insert(v.clone()) {
                out.push(v);
            }
        }
        out
    }

    /// What to edit, in order and without repeats: the `change` items of every finding.
    pub fn changes(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for item in self.findings.iter().flat_map(|f| &f.change) {
            if !out.contains(&item.as_str()) {
                out.push(item);
            }
        }
        out
    }

    /// The ids of the resources to edit (the first word of each change), or the lead's
    /// `resource` when the findings name no change.
    pub fn changed(&self) -> Vec<&'a str> {
        let mut out: Vec<&'a str> = Vec::new();
        for id in self
            .changes()
            .into_iter()
            .filter_map(|c| c.split_whitespace().next())
        {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        if out.is_empty() {
            out.push(&self.lead.resource);
        }
        out
    }

    /// Whether a suppression hides every finding of the cause.
    pub fn suppressed(&self) -> bool {
        self.findings.iter().all(|f| f.suppressed.is_some())
    }

    /// What the cause hits: its targets, or, for findings without a target, the resources
    /// they name when those differ. Empty when there is nothing to list beyond the lead.
    pub fn affected(&self) -> Affected<'a> {
        let targets: Vec<&'a str> = self
            .distinct(|f| f.target.as_deref())
            .into_iter()
            .flatten()
            .collect();
        if !targets.is_empty() {
            return Affected {
                noun: "target",
                ids: targets,
            };
        }
        let resources = self.distinct(|f| f.resource.as_str());
        Affected {
            noun: "resource",
            ids: if resources.len() > 1 {
                resources
            } else {
                Vec::new()
            },
        }
    }
}

/// The targets (or resources) a cause hits, for listing in an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Affected<'a> {
    /// `target` or `resource`.
    pub noun: &'static str,
    /// Their ids, in report order.
    pub ids: Vec<&'a str>,
}

impl Affected<'_> {
    /// `target i-0a1`, or `42 targets: i-0a1, i-0b2, i-0c3, i-0d4, i-0e5 (+37 more)`, with at
    /// most `shown` ids; `None` when there is nothing to list.
    pub fn label(&self, shown: usize) -> Option<String> {
        match self.ids.as_slice() {
            [] => None,
            [one] => Some(format!("{} {one}", self.noun)),
            ids => Some(format!(
                "{} {}s: {}",
                ids.len(),
                self.noun,
                listed(ids, shown, ", ")
            )),
        }
    }
}

/// Differing values of one field of a cause, `a | b | c (+4 more)`, at most `shown` of them.
pub fn joined(values: &[impl AsRef<str>], shown: usize) -> String {
    listed(values, shown, " | ")
}

/// At most `shown` of `values`, separated by `sep`, and how many more there are.
fn listed(values: &[impl AsRef<str>], shown: usize, sep: &str) -> String {
    let mut out = values
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(sep);
    if values.len() > shown {
        out.push_str(&format!(" (+{} more)", values.len() - shown));
    }
    out
}

/// `not_evaluated` entries grouped by reason: (the checks, in order, and their shared reason),
/// in the order of each reason's first entry.
pub fn by_reason(entries: &[NotEvaluated]) -> Vec<(Vec<&str>, &str)> {
    let mut out: Vec<(Vec<&str>, &str)> = Vec::new();
    for n in entries {
        match out.iter_mut().find(|(_, reason)| *reason == n.reason) {
            Some((checks, _)) if checks.contains(&n.check.as_str()) => {}
            Some((checks, _)) => checks.push(&n.check),
            None => out.push((vec![&n.check], &n.reason)),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A finding with just what grouping reads.
    pub(crate) fn finding(fingerprint: &str, target: Option<&str>, severity: Severity) -> Finding {
        Finding {
            rule: "ALB202".into(),
            name: "target-sg-denies-alb".into(),
            severity,
            title: String::new(),
            message: String::new(),
            resource: target.unwrap_or("sg-0app").into(),
            availability_zone: None,
            port: Some(8080),
            target: target.map(str::to_string),
            symptom: None,
            evidence: serde_json::Map::new(),
            remediation: String::new(),
            change: vec!["sg-0app".into()],
            fingerprint: fingerprint.into(),
            baselined: false,
            suppressed: None,
            masked_until: None,
            cause_key: String::new(),
            fix: Default::default(),
            cause_ports: String::new(),
        }
    }

    #[test]
    fn labels_name_one_target_or_count_the_rest() {
        let ids: Vec<String> = (0..42).map(|i| format!("i-{i:02}")).collect();
        let affected = Affected {
            noun: "target",
            ids: ids.iter().map(String::as_str).collect(),
        };
        assert_eq!(
            affected.label(5).unwrap(),
            "42 targets: i-00, i-01, i-02, i-03, i-04 (+37 more)"
        );
        let two = Affected {
            noun: "target",
            ids: vec!["i-0a1", "i-0b2"],
        };
        assert_eq!(two.label(5).unwrap(), "2 targets: i-0a1, i-0b2");
        let one = Affected {
            noun: "target",
            ids: vec!["i-0a1"],
        };
        assert_eq!(one.label(5).unwrap(), "target i-0a1");
        assert_eq!(
            Affected {
                noun: "target",
                ids: Vec::new()
            }
            .label(5),
            None
        );
    }

    #[test]
    fn a_cause_names_every_port_its_findings_are_on() {
        let on = |port: u16, target: &str| Finding {
            port: Some(port),
            ..finding("fp", Some(target), Severity::Error)
        };
        let findings = [on(33012, "i-0b2"), on(32768, "i-0a1"), on(32791, "i-0a1")];
        let causes = by_cause(findings.iter());
        assert_eq!(causes.len(), 1);
        assert_eq!(
            causes[0].ports_phrase(5).as_deref(),
            Some("ports 32768, 32791, 33012")
        );
        assert_eq!(
            causes[0].ports(2).as_deref(),
            Some("32768, 32791 (+1 more)")
        );
        let one = [on(443, "i-0a1"), on(443, "i-0b2")];
        assert_eq!(
            by_cause(one.iter())[0].ports_phrase(5).as_deref(),
            Some("port 443")
        );
    }

    #[test]
    fn differing_values_are_joined_and_counted() {
        assert_eq!(joined(&["a"], 2), "a");
        assert_eq!(joined(&["a", "b", "c", "d"], 2), "a | b (+2 more)");
    }

    #[test]
    fn reasons_group_their_checks() {
        let n = |check: &str, reason: &str| NotEvaluated {
            check: check.into(),
            reason: reason.into(),
        };
        let entries = [
            n("ALB101", "ec2:DescribeVpcs: access denied"),
            n("ALB102", "ec2:DescribeVpcs: access denied"),
            n("ALB102", "ec2:DescribeNetworkAcls: access denied"),
            n("ALB104", "ec2:DescribeVpcs: access denied"),
        ];
        assert_eq!(
            by_reason(&entries),
            [
                (
                    vec!["ALB101", "ALB102", "ALB104"],
                    "ec2:DescribeVpcs: access denied"
                ),
                (vec!["ALB102"], "ec2:DescribeNetworkAcls: access denied"),
            ]
        );
    }

    #[test]
    fn a_cause_is_as_bad_as_its_worst_finding_and_baselined_only_when_all_are() {
        let mut a = finding("aa", Some("i-1"), Severity::Warning);
        let b = finding("aa", Some("i-2"), Severity::Error);
        a.baselined = true;
        let causes = by_cause([&a, &b]);
        assert_eq!(causes.len(), 1);
        assert_eq!(causes[0].severity(), Severity::Error);
        assert!(!causes[0].baselined());
        assert_eq!(causes[0].affected().ids, ["i-1", "i-2"]);
    }

    proptest! {
        /// Grouping against the definition: for each distinct fingerprint in order of first
        /// appearance, the findings carrying it, in order; fingerprint-less findings alone.
        #[test]
        fn causes_partition_the_findings_by_fingerprint(
            prints in proptest::collection::vec(0u8..5, 0..30),
        ) {
            // 0 stands for a finding without a fingerprint.
            let findings: Vec<Finding> = prints
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let fp = if *p == 0 { String::new() } else { format!("f{p}") };
                    finding(&fp, Some(&format!("i-{i}")), Severity::Error)
                })
                .collect();
            let got: Vec<Vec<String>> = by_cause(&findings)
                .iter()
                .map(|c| c.findings.iter().map(|f| f.target.clone().unwrap_or_default()).collect())
                .collect();
            let mut oracle: Vec<Vec<String>> = Vec::new();
            let mut seen: Vec<&str> = Vec::new();
            for (i, f) in findings.iter().enumerate() {
                if f.fingerprint.is_empty() {
                    oracle.push(vec![format!("i-{i}")]);
                } else if !seen.contains(&f.fingerprint.as_str()) {
                    seen.push(&f.fingerprint);
                    oracle.push(
                        findings
                            .iter()
                            .filter(|g| g.fingerprint == f.fingerprint)
                            .map(|g| g.target.clone().unwrap_or_default())
                            .collect(),
                    );
                }
            }
            prop_assert_eq!(got, oracle);
        }
    }
}
