//! Network semantics as exact set arithmetic: address and port range sets, the evaluators built
//! on them (security groups, network ACLs, route tables), and the AWS decisions that give them
//! meaning (who the internet is, where a route leads). Pure functions over the model; no I/O.

pub mod addr_set;
pub mod bpa;
pub mod firewall;
pub mod inspection;
pub mod internet;
pub mod mtls;
pub mod nacl;
pub mod port_set;
pub mod range_set;
pub mod reach;
pub mod render;
pub mod route;
pub mod sg;
pub mod tls_names;
pub mod tls_policy;
pub mod tls_validity;

/// The ephemeral ports a client's side of a TCP connection may use (AWS's recommendation for
/// network ACL response rules, covering Linux, Windows and NAT devices).
pub const EPHEMERAL_PORTS: (u16, u16) = (1024, 65535);

/// The ephemeral ports today's client systems pick from by default (Linux 32768-60999, macOS and
/// Windows 49152-65535). A response ACL that drops only ports below these cuts NAT devices
/// (a NAT gateway uses 1024-65535) on some connections and older systems (Windows XP and 2003:
/// 1025-5000) on all: a partial cut, not an outage.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>
pub const COMMON_EPHEMERAL_PORTS: (u16, u16) = (32768, 65535);

/// Whether an IP protocol string from the EC2 API covers TCP (`-1` all, `tcp`, `6`).
pub fn protocol_covers_tcp(protocol: &str) -> bool {
    matches!(
        protocol.trim().to_ascii_lowercase().as_str(),
        "-1" | "all" | "tcp" | "6"
    )
}

/// The port range an EC2 permission or ACL entry covers; absent or -1 bounds mean every port.
pub fn port_bounds(protocol: &str, from: Option<i32>, to: Option<i32>) -> (u16, u16) {
    if matches!(protocol.trim(), "-1" | "all") {
        return (0, u16::MAX);
    }
    let clamp = |p: i32| p.clamp(0, i32::from(u16::MAX)) as u16;
    match (from, to) {
        (Some(f), Some(t)) if f >= 0 && t >= 0 => (clamp(f), clamp(t)),
        _ => (0, u16::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_protocols() {
        for p in ["-1", "tcp", "TCP", "6", "all"] {
            assert!(protocol_covers_tcp(p), "{p}");
        }
        for p in ["udp", "17", "icmp", "1", "58", ""] {
            assert!(!protocol_covers_tcp(p), "{p}");
        }
    }

    #[test]
    fn bounds() {
        assert_eq!(port_bounds("-1", Some(80), Some(80)), (0, 65535));
        assert_eq!(port_bounds("tcp", Some(80), Some(443)), (80, 443));
        assert_eq!(port_bounds("6", None, None), (0, 65535));
        assert_eq!(port_bounds("tcp", Some(-1), Some(-1)), (0, 65535));
        assert_eq!(port_bounds("tcp", Some(70000), Some(90000)), (65535, 65535));
    }
}
