//! Rules about what a listener's actions do with a request before (or instead of) a network
//! path: protocol versions (ALB212), authenticate actions (ALB213), and rules no request
//! reaches (ALB214).

pub mod alb212_protocol_version_mismatch;
pub mod alb213_auth_idp_unreachable;
pub mod alb214_listener_rule_unreachable;
