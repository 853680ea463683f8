//! Whether the ALB can invoke each Lambda function registered in a target group it forwards
//! to (ALB211). The ALB invokes the function itself; what fails is what the access logs'
//! error reasons name, each with the status AWS documents for it
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#error-reason-codes>):
//! `LambdaResourceNotFound` (the function is gone) and `LambdaAccessDenied` (its policy does
//! not let the ALB invoke it) answer 502, `LambdaThrottling` (a reserved concurrency of 0
//! throttles every invocation) answers 503.

use super::lambda_policy::{allows_elb, Grant};
use crate::finding::Symptom;
use crate::model::lambda::LambdaFunction;
use crate::model::{Snapshot, TargetGroup, TargetType};

/// Why the ALB cannot invoke a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotInvocable {
    /// GetFunction answered `ResourceNotFoundException`.
    Missing,
    /// The resource-based policy does not allow `elasticloadbalancing.amazonaws.com` to invoke
    /// it for this target group; why, in words.
    NotAllowed(String),
    /// Its reserved concurrency is 0.
    ReservedConcurrencyZero,
}

impl NotInvocable {
    /// The status the ALB answers, as the access logs document it.
    pub fn symptom(&self) -> Symptom {
        match self {
            NotInvocable::Missing | NotInvocable::NotAllowed(_) => Symptom::Http502,
            NotInvocable::ReservedConcurrencyZero => Symptom::Http503,
        }
    }

    /// The access-log error reason AWS writes for it.
    pub fn error_reason(&self) -> &'static str {
        match self {
            NotInvocable::Missing => "LambdaResourceNotFound",
            NotInvocable::NotAllowed(_) => "LambdaAccessDenied",
            NotInvocable::ReservedConcurrencyZero => "LambdaThrottling",
        }
    }
}

/// The verdict for one registered function of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Each reason the ALB cannot invoke it (empty: it can).
    Judged(&'a LambdaFunction, Vec<NotInvocable>),
    /// Not judged, and why.
    Unknown(String),
}

/// Judges every function registered in `group` (nothing for other target types).
pub fn judge<'a>(snapshot: &'a Snapshot, group: &'a TargetGroup) -> Vec<(&'a str, Verdict<'a>)> {
    if group.target_type != TargetType::Lambda {
        return Vec::new();
    }
    group
        .targets
        .iter()
        .map(|t| match snapshot.lambda_functions.get_key_value(&t.id) {
            None => (
                t.id.as_str(),
                Verdict::Unknown(format!("function {} was not read", t.id)),
            ),
            Some((id, f)) => (id.as_str(), function(f, &group.arn)),
        })
        .collect()
}

fn function<'a>(f: &'a LambdaFunction, group_arn: &str) -> Verdict<'a> {
    if !f.exists {
        return Verdict::Judged(f, vec![NotInvocable::Missing]);
    }
    let mut found = Vec::new();
    match allows_elb(f.policy.as_deref(), group_arn) {
        Grant::Allowed => {}
        Grant::NotAllowed(why) => found.push(NotInvocable::NotAllowed(why)),
        Grant::Unknown(why) => {
            return Verdict::Unknown(format!(
                "whether the resource-based policy of {} lets the ALB invoke it: {why}",
                f.arn
            ))
        }
    }
    if f.reserved_concurrency == Some(0) {
        found.push(NotInvocable::ReservedConcurrencyZero);
    }
    Verdict::Judged(f, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Target;

    const TG: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fn/1";
    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:web";

    fn world(f: Option<LambdaFunction>) -> (Snapshot, TargetGroup) {
        let mut s = Snapshot::default();
        if let Some(f) = f {
            s.lambda_functions.insert(FN.into(), f);
        }
        let g = TargetGroup {
            arn: TG.into(),
            name: "fn".into(),
            target_type: TargetType::Lambda,
            protocol: None,
            protocol_version: None,
            port: None,
            vpc_id: None,
            health_check_port: "traffic-port".into(),
            health_check_enabled: None,
            ip_address_type: Default::default(),
            cross_zone_enabled: None,
            dns_failover_minimum_healthy_targets: None,
            targets: vec![Target {
                id: FN.into(),
                port: None,
                availability_zone: None,
                state: None,
                reason: None,
                description: None,
            }],
        };
        (s, g)
    }

    fn allowing() -> String {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":"elasticloadbalancing.amazonaws.com"}},"Action":"lambda:InvokeFunction","Condition":{{"ArnLike":{{"AWS:SourceArn":"{TG}"}}}}}}]}}"#
        )
    }

    fn reasons(s: &Snapshot, g: &TargetGroup) -> Vec<NotInvocable> {
        match judge(s, g).pop().unwrap().1 {
            Verdict::Judged(_, r) => r,
            Verdict::Unknown(why) => panic!("unknown: {why}"),
        }
    }

    #[test]
    fn each_cause_with_its_documented_status() {
        let ok = LambdaFunction {
            arn: FN.into(),
            exists: true,
            policy: Some(allowing()),
            ..Default::default()
        };
        let (s, g) = world(Some(ok.clone()));
        assert!(reasons(&s, &g).is_empty());

        let (s, g) = world(Some(LambdaFunction {
            exists: false,
            policy: None,
            ..ok.clone()
        }));
        let r = reasons(&s, &g);
        assert_eq!(r, vec![NotInvocable::Missing]);
        assert_eq!(r[0].symptom(), Symptom::Http502);

        let (s, g) = world(Some(LambdaFunction {
            policy: None,
            reserved_concurrency: Some(0),
            ..ok.clone()
        }));
        let r = reasons(&s, &g);
        assert!(matches!(r[0], NotInvocable::NotAllowed(_)));
        assert_eq!(r[1], NotInvocable::ReservedConcurrencyZero);
        assert_eq!(r[1].symptom(), Symptom::Http503);

        let (s, g) = world(Some(LambdaFunction {
            reserved_concurrency: Some(5),
            ..ok
        }));
        assert!(reasons(&s, &g).is_empty());
    }

    #[test]
    fn unread_or_undecided_is_unknown() {
        let (s, g) = world(None);
        assert!(matches!(judge(&s, &g)[0].1, Verdict::Unknown(_)));
        let (s, g) = world(Some(LambdaFunction {
            arn: FN.into(),
            exists: true,
            policy: Some("[".into()),
            ..Default::default()
        }));
        assert!(matches!(judge(&s, &g)[0].1, Verdict::Unknown(_)));
    }
}
