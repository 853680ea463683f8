//! Load balancer ARNs: parsed once at the edge so that a typo or a Network Load Balancer
//! is refused before any API call is made.

use crate::error::{Error, Result};

/// The parts of an ALB ARN the tool needs: where to call and how to name the ALB's
/// network interfaces (`ELB app/NAME/ID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbArn {
    /// The full ARN as given.
    pub arn: String,
    /// The region in the ARN, the default region for API calls.
    pub region: String,
    /// The account that owns the ALB, which fleet reports group by.
    pub account: String,
    /// `app/NAME/ID`, the suffix the ALB's network interface descriptions carry.
    pub resource_id: String,
}

impl AlbArn {
    /// Parses `arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID`.
    pub fn parse(arn: &str) -> Result<Self> {
        let bad = |why| Error::MalformedArn {
            arn: arn.to_string(),
            why,
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(bad("expected arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID"));
        }
        if parts[1].is_empty() {
            return Err(bad("the partition is empty"));
        }
        if parts[2] != "elasticloadbalancing" {
            return Err(bad("the service is not elasticloadbalancing"));
        }
        let region = parts[3];
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad("the region is missing or malformed"));
        }
        if parts[4].len() != 12 || !parts[4].chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("the account id must be 12 digits"));
        }
        let resource = parts[5];
        let Some(rest) = resource.strip_prefix("loadbalancer/") else {
            return Err(bad("the resource is not loadbalancer/..."));
        };
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.len() != 3 || segments.iter().any(|s| s.is_empty()) {
            return Err(bad("expected loadbalancer/app/NAME/ID"));
        }
        match segments[0] {
            "app" => {}
            "net" => {
                return Err(Error::NotApplication {
                    arn: arn.to_string(),
                    kind: "Network",
                })
            }
            "gwy" => {
                return Err(Error::NotApplication {
                    arn: arn.to_string(),
                    kind: "Gateway",
                })
            }
            _ => return Err(bad("the load balancer type is not app, net or gwy")),
        }
        Ok(AlbArn {
            arn: arn.to_string(),
            region: region.to_string(),
            account: parts[4].to_string(),
            resource_id: rest.to_string(),
        })
    }

    /// The description AWS gives each of this ALB's network interfaces.
    pub fn interface_description(&self) -> String {
        format!("ELB {}", self.resource_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

    #[test]
    fn parses_application_arn() {
        let a = AlbArn::parse(GOOD).unwrap();
        assert_eq!(a.region, "us-east-1");
        assert_eq!(a.resource_id, "app/web/50dc6c495c0c9188");
        assert_eq!(a.interface_description(), "ELB app/web/50dc6c495c0c9188");
    }

    #[test]
    fn refuses_network_and_gateway() {
        let net = GOOD.replace("/app/", "/net/");
        assert!(matches!(
            AlbArn::parse(&net),
            Err(Error::NotApplication {
                kind: "Network",
                ..
            })
        ));
        let gwy = GOOD.replace("/app/", "/gwy/");
        assert!(matches!(
            AlbArn::parse(&gwy),
            Err(Error::NotApplication {
                kind: "Gateway",
                ..
            })
        ));
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "web",
            "arn:aws:ec2:us-east-1:123456789012:loadbalancer/app/web/1",
            "arn:aws:elasticloadbalancing::123456789012:loadbalancer/app/web/1",
            "arn:aws:elasticloadbalancing:us-east-1:12345:loadbalancer/app/web/1",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app//1",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/xyz/web/1",
        ] {
            assert!(
                matches!(AlbArn::parse(bad), Err(Error::MalformedArn { .. })),
                "{bad}"
            );
        }
    }
}
