//! Rules about the targets themselves: registration, health, state and zones (ALB206–ALB211).

pub mod alb206_target_unhealthy;
pub mod alb207_target_az_not_enabled;
pub mod alb208_no_registered_targets;
pub mod alb209_target_not_running;
pub mod alb210_zone_without_healthy_target;
pub mod alb211_lambda_target_not_invocable;
