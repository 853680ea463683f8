//! Rules about the client -> ALB node path (ALB101–ALB108, ALB114).

pub mod alb101_frontend_sg_denies_client;
pub mod alb102_frontend_nacl_denies_request;
pub mod alb103_frontend_nacl_denies_response;
pub mod alb104_public_subnet_no_igw_route;
pub mod alb105_route_blackhole;
pub mod alb106_internal_no_private_connectivity;
pub mod alb107_no_listeners;
pub mod alb108_client_address_family_not_served;
pub mod alb109_vpc_block_public_access;
pub mod alb114_zonal_shift_active;
pub mod alb115_subnet_out_of_addresses;
