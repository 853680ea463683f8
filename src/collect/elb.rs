//! Elastic Load Balancing v2 reads and their conversion to the model.

use aws_sdk_elasticloadbalancingv2 as elb;
use elb::types as t;

use crate::model::{
    Forward, IpAddressType, Listener, LoadBalancer, Scheme, Target, TargetGroup, TargetType,
    ZoneSubnet,
};

/// Converts a described load balancer.
pub fn load_balancer(lb: &t::LoadBalancer) -> LoadBalancer {
    let scheme = match lb.scheme() {
        Some(t::LoadBalancerSchemeEnum::InternetFacing) => Scheme::InternetFacing,
        Some(t::LoadBalancerSchemeEnum::Internal) => Scheme::Internal,
        _ => Scheme::Unknown,
    };
    let ip_address_type = match lb.ip_address_type() {
        Some(t::IpAddressType::Ipv4) => IpAddressType::Ipv4,
        Some(t::IpAddressType::Dualstack) => IpAddressType::Dualstack,
        Some(t::IpAddressType::DualstackWithoutPublicIpv4) => {
            IpAddressType::DualstackWithoutPublicIpv4
        }
        None => IpAddressType::Ipv4,
        Some(_) => IpAddressType::Unknown,
    };
    let mut availability_zones: Vec<ZoneSubnet> = lb
        .availability_zones()
        .iter()
        .filter_map(|az| {
            Some(ZoneSubnet {
                zone: az.zone_name()?.to_string(),
                subnet_id: az.subnet_id()?.to_string(),
            })
        })
        .collect();
    availability_zones.sort_by(|a, b| a.zone.cmp(&b.zone));
    let mut security_groups: Vec<String> = lb.security_groups().to_vec();
    security_groups.sort();
    LoadBalancer {
        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        scheme,
        ip_address_type,
        vpc_id: lb.vpc_id().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        availability_zones,
        security_groups,
        listeners: Vec::new(),
    }
}

/// Whether a described load balancer is an Application Load Balancer.
pub fn is_application(lb: &t::LoadBalancer) -> bool {
    matches!(
        lb.r#type(),
        Some(t::LoadBalancerTypeEnum::Application) | None
    )
}

/// Converts a listener; its rules' forwards are added by [`add_rule_forwards`].
pub fn listener(l: &t::Listener) -> Option<Listener> {
    let port = u16::try_from(l.port()?).ok()?;
    Some(Listener {
        arn: l.listener_arn()?.to_string(),
        port,
        protocol: l
            .protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        forwards: forwards(l.default_actions(), "default"),
    })
}

/// Adds the forwards of a listener's non-default rules.
pub fn add_rule_forwards(listener: &mut Listener, rules: &[t::Rule]) {
    for rule in rules.iter().filter(|r| !r.is_default().unwrap_or(false)) {
        let via = format!("rule {}", rule.priority().unwrap_or("?"));
        listener.forwards.extend(forwards(rule.actions(), &via));
    }
}

/// Every target group an action list forwards to, plain or weighted.
fn forwards(actions: &[t::Action], via: &str) -> Vec<Forward> {
    let mut out = Vec::new();
    for action in actions {
        if action.r#type() != Some(&t::ActionTypeEnum::Forward) {
            continue;
        }
        let weighted = action
            .forward_config()
            .map(|c| c.target_groups())
            .unwrap_or_default();
        if weighted.is_empty() {
            if let Some(arn) = action.target_group_arn() {
                out.push(Forward {
                    target_group_arn: arn.to_string(),
                    via: via.to_string(),
                    weight: None,
                });
            }
        }
        for tuple in weighted {
            if let Some(arn) = tuple.target_group_arn() {
                out.push(Forward {
                    target_group_arn: arn.to_string(),
                    via: via.to_string(),
                    weight: tuple.weight(),
                });
            }
        }
    }
    out
}

/// Converts a target group; targets are added from its health descriptions.
pub fn target_group(tg: &t::TargetGroup) -> TargetGroup {
    let target_type = match tg.target_type() {
        Some(t::TargetTypeEnum::Instance) | None => TargetType::Instance,
        Some(t::TargetTypeEnum::Ip) => TargetType::Ip,
        Some(t::TargetTypeEnum::Lambda) => TargetType::Lambda,
        Some(t::TargetTypeEnum::Alb) => TargetType::Alb,
        Some(_) => TargetType::Unknown,
    };
    TargetGroup {
        arn: tg.target_group_arn().unwrap_or_default().to_string(),
        name: tg.target_group_name().unwrap_or_default().to_string(),
        target_type,
        protocol: tg.protocol().map(|p| p.as_str().to_string()),
        port: tg.port().and_then(|p| u16::try_from(p).ok()),
        vpc_id: tg.vpc_id().map(str::to_string),
        health_check_port: tg.health_check_port().unwrap_or("traffic-port").to_string(),
        targets: Vec::new(),
    }
}

/// Converts one target health description.
pub fn target(d: &t::TargetHealthDescription) -> Option<Target> {
    let desc = d.target()?;
    let health = d.target_health();
    Some(Target {
        id: desc.id()?.to_string(),
        port: desc.port().and_then(|p| u16::try_from(p).ok()),
        availability_zone: desc.availability_zone().map(str::to_string),
        state: health
            .and_then(|h| h.state())
            .map(|s| s.as_str().to_string()),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_string()),
        description: health.and_then(|h| h.description()).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_unknown_answers_convert() {
        let lb = load_balancer(&t::LoadBalancer::builder().build());
        assert_eq!(lb.scheme, Scheme::Unknown);
        assert_eq!(lb.ip_address_type, IpAddressType::Ipv4);
        assert!(lb.availability_zones.is_empty() && lb.arn.is_empty());
        let newer = t::LoadBalancer::builder()
            .scheme(t::LoadBalancerSchemeEnum::from("orbital"))
            .ip_address_type(t::IpAddressType::from("ipv7"))
            .r#type(t::LoadBalancerTypeEnum::from("quantum"))
            .build();
        let lb2 = load_balancer(&newer);
        assert_eq!(lb2.scheme, Scheme::Unknown);
        assert_eq!(lb2.ip_address_type, IpAddressType::Unknown);
        assert!(!is_application(&newer));
        let tg = target_group(
            &t::TargetGroup::builder()
                .target_type(t::TargetTypeEnum::from("quantum"))
                .build(),
        );
        assert_eq!(tg.target_type, TargetType::Unknown);
        assert_eq!(tg.health_check_port, "traffic-port");
        assert!(listener(&t::Listener::builder().build()).is_none());
        let odd_port = t::Listener::builder().listener_arn("l").port(70000).build();
        assert!(
            listener(&odd_port).is_none(),
            "a port outside u16 is not a listener port"
        );
        assert!(target(&t::TargetHealthDescription::builder().build()).is_none());
    }

    #[test]
    fn forwards_cover_plain_weighted_and_rules() {
        let plain = t::Action::builder()
            .r#type(t::ActionTypeEnum::Forward)
            .target_group_arn("tg-a")
            .build();
        let weighted = t::Action::builder()
            .r#type(t::ActionTypeEnum::Forward)
            .forward_config(
                t::ForwardActionConfig::builder()
                    .target_groups(
                        t::TargetGroupTuple::builder()
                            .target_group_arn("tg-b")
                            .weight(9)
                            .build(),
                    )
                    .target_groups(
                        t::TargetGroupTuple::builder()
                            .target_group_arn("tg-c")
                            .weight(1)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let redirect = t::Action::builder()
            .r#type(t::ActionTypeEnum::Redirect)
            .build();
        let mut l = listener(
            &t::Listener::builder()
                .listener_arn("l")
                .port(443)
                .default_actions(plain)
                .build(),
        )
        .unwrap();
        add_rule_forwards(
            &mut l,
            &[
                t::Rule::builder()
                    .priority("5")
                    .actions(weighted)
                    .actions(redirect)
                    .build(),
                t::Rule::builder()
                    .priority("default")
                    .is_default(true)
                    .build(),
            ],
        );
        let got: Vec<(&str, &str, Option<i32>)> = l
            .forwards
            .iter()
            .map(|f| (f.target_group_arn.as_str(), f.via.as_str(), f.weight))
            .collect();
        assert_eq!(
            got,
            [
                ("tg-a", "default", None),
                ("tg-b", "rule 5", Some(9)),
                ("tg-c", "rule 5", Some(1))
            ]
        );
    }
}
