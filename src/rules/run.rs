//! Running the catalogue: for each ALB, each rule of [`super::REGISTRY`] runs unless data it
//! needs is missing, in which case it is `not_evaluated` with the failed read as the reason.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::{Rule, REGISTRY};
use crate::analysis::index::Index;
use crate::analysis::tls::TlsOptions;
use crate::analysis::{AlbContext, ClientScope};
use crate::finding::{Finding, NotApplicable, NotEvaluated};
use crate::fix::{Change, Fix};
use crate::model::{Dataset, LoadBalancer, Network, Snapshot};
use crate::net::addr_set::AddrSet;

/// What the user asked to check beyond the snapshot itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--client-cidr` ranges; empty means the scheme's default population.
    pub client_cidrs: Vec<ipnet::IpNet>,
    /// `--hostname`, `--client-tls` and `--cert-expiry-days`, for the HTTPS listeners.
    pub tls: TlsOptions,
}

/// The result for one ALB: its findings in report order, and what was not evaluated.
#[derive(Clone, Debug)]
pub struct AlbOutcome<'a> {
    /// The ALB.
    pub lb: &'a LoadBalancer,
    /// Findings, sorted, with fingerprints.
    pub findings: Vec<Finding>,
    /// Checks not evaluated, sorted and unique.
    pub not_evaluated: Vec<NotEvaluated>,
    /// Forwarded target groups with no network path to check (Lambda, ALB targets).
    pub not_applicable: Vec<NotApplicable>,
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

/// Runs every rule against every ALB of the snapshot and verifies each proposed fix
/// ([`crate::fix::verify`]): `fix.verified` is true only for a fix that, applied to a copy of
/// the snapshot, makes its finding go without a new or worse one.
pub fn evaluate<'a>(snapshot: &'a Snapshot, options: &Options) -> Vec<AlbOutcome<'a>> {
    let mut outcomes = evaluate_unverified(snapshot, options);
    let everything: Vec<(String, String, Finding)> = outcomes
        .iter()
        .flat_map(|o| {
            o.findings
                .iter()
                .map(|f| (o.lb.vpc_id.clone(), o.lb.arn.clone(), f.clone()))
        })
        .collect();
    // One verification per cause: findings that share a fingerprint share their fix.
    let mut verdicts: BTreeMap<(String, String), (bool, Option<String>)> = BTreeMap::new();
    for o in &mut outcomes {
        for f in &mut o.findings {
            if f.fix.plan.is_empty() {
                continue;
            }
            let key = (o.lb.arn.clone(), f.fingerprint.clone());
            let (verified, why) = verdicts
                .entry(key)
                .or_insert_with(|| {
                    let before = everything
                        .iter()
                        .filter(|(vpc, _, _)| *vpc == o.lb.vpc_id)
                        .map(|(_, arn, f)| (arn.clone(), f.clone()))
                        .collect();
                    let v = crate::fix::verify(
                        snapshot,
                        options,
                        &o.lb.arn,
                        &f.fingerprint,
                        &f.fix.plan,
                        before,
                    );
                    (v.verified, v.why)
                })
                .clone();
            f.fix.verified = verified;
            f.fix.note = why;
        }
    }
    outcomes
}

/// Runs every rule against every ALB of the snapshot, proposing fixes without verifying them.
pub fn evaluate_unverified<'a>(snapshot: &'a Snapshot, options: &Options) -> Vec<AlbOutcome<'a>> {
    let explicit = AddrSet::from_nets(&options.client_cidrs);
    let index = Index::new(snapshot);
    snapshot
        .load_balancers
        .iter()
        .map(|lb| {
            let scope = if options.client_cidrs.is_empty() {
                ClientScope::default_for(lb, &snapshot.network)
            } else {
                ClientScope::explicit(lb, &snapshot.network, explicit.clone())
            };
            evaluate_alb(&AlbContext::new(snapshot, lb, scope, &index, &options.tls))
        })
        .collect()
}

/// Findings that share a fingerprint are one cause, with one fix: where each proposed its own
/// (one per target, say), the plans become one ([`crate::fix::plan::merge`]), which is what a
/// person pastes and what verification applies.
fn one_fix_per_cause(network: &Network, findings: &mut [Finding]) {
    /// A cause's distinct plans, in the order its findings proposed them.
    type Plans<'f> = (HashSet<&'f [Change]>, Vec<&'f [Change]>);
    let mut plans: BTreeMap<&str, Plans> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.fix.plan.is_empty()) {
        let (seen, ordered) = plans.entry(f.fingerprint.as_str()).or_default();
        if seen.insert(f.fix.plan.as_slice()) {
            ordered.push(f.fix.plan.as_slice());
        }
    }
    let merged: Vec<(String, Fix)> = plans
        .into_iter()
        .filter(|(_, (_, ordered))| ordered.len() > 1)
        .map(|(fingerprint, (_, ordered))| {
            let fix = match crate::fix::plan::merge(network, &ordered) {
                Ok(plan) => Fix::proposed(plan),
                Err(why) => Fix::none(why),
            };
            (fingerprint.to_string(), fix)
        })
        .collect();
    for (fingerprint, fix) in merged {
        for f in findings.iter_mut().filter(|f| f.fingerprint == fingerprint) {
            f.fix = fix.clone();
        }
    }
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
    for f in &mut findings {
        if f.rule != super::frontend::alb114_zonal_shift_active::RULE.code {
            ctx.shifts().mask(f);
        }
        f.fingerprint = f.compute_fingerprint(&ctx.lb.arn);
    }
    one_fix_per_cause(ctx.network(), &mut findings);
    super::phrase::shift_masks(&mut findings);
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
