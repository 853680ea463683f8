//! Evaluation: pure functions from the model to findings. For each ALB, each rule of the
//! registry runs unless data it needs is missing, in which case it is `not_evaluated`.

pub mod backend;
pub mod frontend;
pub mod index;
pub mod scope;

use std::cell::OnceCell;
use std::collections::BTreeSet;

use crate::finding::{Finding, NotApplicable, NotEvaluated};
use crate::model::{Dataset, LoadBalancer, Network, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::rules::{Rule, REGISTRY};
pub use scope::ClientScope;

/// What the user asked to check beyond the snapshot itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--client-cidr` ranges; empty means the scheme's default population.
    pub client_cidrs: Vec<ipnet::IpNet>,
}

/// The result for one ALB: its findings in report order, and what was not evaluated.
#[derive(Clone, Debug)]
pub struct AlbOutcome<'a> {
    /// The ALB.
    pub lb: &'a LoadBalancer,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
    /// Checks not evaluated, sorted and unique.
    pub not_evaluated: Vec<NotEvaluated>,
    /// Forwarded target groups with no network path to check (Lambda, ALB targets).
    pub not_applicable: Vec<NotApplicable>,
}

/// Everything a rule may read about one ALB; analyses shared by several rules are computed
/// once, on first use.
pub struct AlbContext<'a, 'i> {
    /// The whole snapshot.
    pub snapshot: &'a Snapshot,
    /// The ALB under audit.
    pub lb: &'a LoadBalancer,
    /// Which clients must get through.
    pub scope: ClientScope,
    /// Lookups shared by every ALB of the snapshot.
    pub index: &'i index::Index<'a>,
    frontend: OnceCell<frontend::Frontend<'a>>,
    backend: OnceCell<backend::Backend<'a>>,
}

impl<'a> AlbContext<'a, '_> {
    /// The network resources.
    pub fn network(&self) -> &'a Network {
        &self.snapshot.network
    }

    /// The client -> ALB node analysis.
    pub fn frontend(&self) -> &frontend::Frontend<'a> {
        self.frontend
            .get_or_init(|| frontend::Frontend::analyse(self.snapshot, self.lb, &self.scope))
    }

    /// The ALB node -> target analysis.
    pub fn backend(&self) -> &backend::Backend<'a> {
        self.backend
            .get_or_init(|| backend::Backend::analyse(self.snapshot, self.index, self.lb))
    }

    /// How many ALB nodes (enabled zones) there are.
    pub fn node_count(&self) -> usize {
        self.lb.availability_zones.len()
    }
}

/// Collects a rule's findings and the parts it could not evaluate.
pub struct Emitter {
    rule: &'static Rule,
    findings: Vec<Finding>,
    not_evaluated: BTreeSet<NotEvaluated>,
}

impl Emitter {
    /// Reports a finding.
    pub fn emit(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Says that part of the rule could not be evaluated, and why.
    pub fn not_evaluated(&mut self, reason: impl Into<String>) {
        self.not_evaluated.insert(NotEvaluated {
            check: self.rule.code.to_string(),
            reason: reason.into(),
        });
    }
}

/// Runs every rule against every ALB of the snapshot.
pub fn evaluate<'a>(snapshot: &'a Snapshot, options: &Options) -> Vec<AlbOutcome<'a>> {
    let explicit = AddrSet::from_nets(&options.client_cidrs);
    let index = index::Index::new(snapshot);
    snapshot
        .load_balancers
        .iter()
        .map(|lb| {
            let scope = if options.client_cidrs.is_empty() {
                ClientScope::default_for(lb, &snapshot.network)
            } else {
                ClientScope::explicit(lb, explicit.clone())
            };
            let ctx = AlbContext {
                snapshot,
                lb,
                scope,
                index: &index,
                frontend: OnceCell::new(),
                backend: OnceCell::new(),
            };
            evaluate_alb(&ctx)
        })
        .collect()
}

fn evaluate_alb<'a>(ctx: &AlbContext<'a, '_>) -> AlbOutcome<'a> {
    let mut findings = Vec::new();
    let mut not_evaluated = BTreeSet::new();
    for rule in REGISTRY {
        let mut missing = ctx.gap_reasons(rule.needs);
        missing.extend(ctx.gap_reasons(&[Dataset::LoadBalancers]));
        if !missing.is_empty() {
            for reason in missing {
                not_evaluated.insert(NotEvaluated {
                    check: rule.code.to_string(),
                    reason,
                });
            }
            continue;
        }
        let mut emitter = Emitter {
            rule,
            findings: Vec::new(),
            not_evaluated: BTreeSet::new(),
        };
        (rule.check)(ctx, &mut emitter);
        findings.extend(emitter.findings);
        not_evaluated.extend(emitter.not_evaluated);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let not_applicable = ctx
        .backend()
        .not_applicable
        .iter()
        .map(|(target_group, reason)| NotApplicable {
            target_group: target_group.clone(),
            reason: reason.clone(),
        })
        .collect();
    AlbOutcome {
        lb: ctx.lb,
        findings,
        not_evaluated: not_evaluated.into_iter().collect(),
        not_applicable,
    }
}

/// A set of addresses for a message: as CIDR blocks, or as `0.0.0.0/0 except …` when that is
/// shorter, at most four blocks per family, then how many more.
pub fn brief(set: &AddrSet) -> String {
    describe_set(set, Some(4))
}

/// A set of addresses for evidence: like [`brief`], never truncated.
pub fn cidr_list(set: &AddrSet) -> serde_json::Value {
    describe_set(set, None).into()
}

fn describe_set(set: &AddrSet, limit: Option<usize>) -> String {
    let list = |nets: Vec<ipnet::IpNet>| {
        let n = nets.len();
        let shown: Vec<String> = nets
            .iter()
            .take(limit.unwrap_or(usize::MAX))
            .map(|n| {
                // A single address reads as itself, not as a /32 or /128.
                if n.prefix_len() == n.max_prefix_len() {
                    n.addr().to_string()
                } else {
                    n.to_string()
                }
            })
            .collect();
        match limit {
            Some(l) if n > l => format!("{} and {} more blocks", shown.join(", "), n - l),
            _ => shown.join(", "),
        }
    };
    let mut parts = Vec::new();
    for (part, universe, any) in [
        (set.v4_part(), AddrSet::any_v4(), "0.0.0.0/0"),
        (set.v6_part(), AddrSet::any_v6(), "::/0"),
    ] {
        if part.is_empty() {
            continue;
        }
        let direct = part.to_cidrs();
        let missing = universe.difference(&part).to_cidrs();
        if missing.is_empty() {
            parts.push(any.to_string());
        } else if missing.len() < direct.len() {
            parts.push(format!("{any} except {}", list(missing)));
        } else {
            parts.push(list(direct));
        }
    }
    if parts.is_empty() {
        "no address".to_string()
    } else {
        parts.join("; ")
    }
}

impl AlbContext<'_, '_> {
    /// False (and the rule marked not evaluated) when the clients in scope are unknown, so
    /// that an empty scope is never mistaken for a pass.
    pub fn clients_known(&self, out: &mut Emitter) -> bool {
        if self.scope.clients.is_empty() {
            out.not_evaluated(format!(
                "the clients in scope are unknown: the CIDR blocks of {} were not read",
                self.lb.vpc_id
            ));
            return false;
        }
        true
    }

    /// `api: error` for every gap that hides one of `datasets` for this ALB.
    pub fn gap_reasons(&self, datasets: &[Dataset]) -> Vec<String> {
        datasets
            .iter()
            .flat_map(|d| self.snapshot.gaps_for(&self.lb.arn, *d))
            .map(|g| format!("{}: {}", g.api, g.error))
            .collect()
    }

    /// `N of M nodes` style wording for messages.
    pub fn nodes_phrase(&self, broken: usize) -> String {
        format!("{broken} of {} nodes", self.node_count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &[&str]) -> AddrSet {
        let nets: Vec<ipnet::IpNet> = c.iter().map(|c| c.parse().unwrap()).collect();
        AddrSet::from_nets(&nets)
    }

    #[test]
    fn sets_read_compactly() {
        assert_eq!(brief(&AddrSet::empty()), "no address");
        assert_eq!(brief(&AddrSet::any_v4()), "0.0.0.0/0");
        assert_eq!(
            brief(&set(&["10.0.0.0/8", "192.168.0.0/16"])),
            "10.0.0.0/8, 192.168.0.0/16"
        );
        let most = AddrSet::any_v4().difference(&set(&["10.0.0.0/16"]));
        assert_eq!(brief(&most), "0.0.0.0/0 except 10.0.0.0/16");
        let both = most.union(&AddrSet::any_v6());
        assert_eq!(brief(&both), "0.0.0.0/0 except 10.0.0.0/16; ::/0");
        let many: Vec<String> = (0..6).map(|i| format!("10.{}.0.0/16", i * 2)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            brief(&set(&many)),
            "10.0.0.0/16, 10.2.0.0/16, 10.4.0.0/16, 10.6.0.0/16 and 2 more blocks"
        );
        assert_eq!(
            cidr_list(&set(&many))
                .as_str()
                .unwrap()
                .matches('/')
                .count(),
            6
        );
    }
}
