//! ALB114: an ARC zonal shift, autoshift or practice run has taken a zone of the ALB out of
//! DNS.

use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::zonal_shift;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB114",
    name: "zonal-shift-active",
    severity: Severity::Note,
    title: "An ARC zonal shift has taken a zone of the ALB out of DNS",
    symptom: "null",
    resource: "ALB ARN",
    needs: &[Dataset::ZonalShifts, Dataset::Subnets],
    doc: r#"
## What it does
Reads the ALB's zonal shifts, zonal autoshift practice runs and autoshifts from Amazon
Application Recovery Controller (`arc-zonal-shift:GetManagedResource`), keeps those that ARC
applies and that had not expired when the snapshot was taken, and finds the node they move
traffic away from through the zone id of its subnet. It names the shift, when it ends, and the
findings about that node it masks until then.

## Why is this bad?
It is not: a shift is how you keep clients away from an impaired zone. But while it lasts, the
shifted zone's node takes no client, so a broken node there hurts nobody *yet*, and the nodes
left carry every client: a node that is broken among them is now the only way in. alb-audit
judges the verdict over the zones still in DNS, and reports findings about the shifted-away node
with `masked_until` (at most warnings): they come back when the shift expires, a practice run
ends or AWS ends the autoshift.

## How to fix
Nothing on the ALB. Fix the masked findings before the shift ends, or end the shift
(`aws arc-zonal-shift cancel-zonal-shift`) once the zone is healthy. A practice run that keeps
finding a broken zone means an autoshift would be unsafe.

## Example
Zonal shift `a1b2c3` moves `app/web` away from `use1-az1` (`us-east-1a`) until
`2026-12-06T18:00:00Z`; the ACL of that zone's subnet drops HTTPS. ALB102 for `us-east-1a`
is reported as a warning with `masked_until: 2026-12-06T18:00:00Z`, and ALB114 names it. If the
ACL in `us-east-1b` also drops HTTPS, that finding is a `timeout` for every client, not an
intermittent one: `us-east-1b` is the only node in DNS.

## References
- [How zonal shift works](https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-shift.how-it-works.html)
- [Zonal autoshift and practice runs](https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-autoshift.how-it-works.html)
- [GetManagedResource](https://docs.aws.amazon.com/arc-zonal-shift/latest/api/API_GetManagedResource.html)
- [Zonal shift for Application Load Balancers](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/zonal-shift.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let shifts = ctx.shifts();
    for why in &shifts.unknown {
        out.not_evaluated(why.clone());
    }
    for away in &shifts.away {
        out.emit(zonal_shift(&RULE, ctx.lb, away));
    }
}
