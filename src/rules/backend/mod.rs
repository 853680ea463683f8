//! Rules about the ALB node -> target path (ALB201–ALB205, ALB215).

pub mod alb201_backend_sg_egress_denies_target;
pub mod alb202_target_sg_denies_alb;
pub mod alb203_backend_nacl_denies_request;
pub mod alb204_backend_nacl_denies_response;
pub mod alb205_no_route_to_target;
pub mod alb215_firewall_drops_target;
