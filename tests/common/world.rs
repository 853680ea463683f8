//! Builds test worlds in moto with real SDK create calls: a VPC with two public subnets (the
//! ALB's) and two app subnets (the targets'), an internet gateway and a public route table, an
//! ALB security group and an app security group, two running instances, and an ALB with one
//! HTTP listener forwarding to an instance target group. moto creates no `ELB app/NAME/ID`
//! interfaces, so the builder creates one per ALB subnet, as AWS would.

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, ProtocolEnum, TargetDescription, TargetTypeEnum,
};

use super::sdk_config;

/// The test region.
pub const REGION: &str = "us-east-1";

/// What to build.
#[derive(Clone, Debug)]
pub struct Spec {
    /// ALB name.
    pub name: String,
    /// internet-facing (default) or internal.
    pub internal: bool,
    /// Listener ports (HTTP); empty means no listener.
    pub listener_ports: Vec<i32>,
    /// Build in 127.0.0.0/16 instead of 10.0.0.0/16, with the ALB's nodes at 127.0.1.10
    /// (zone a) and 127.0.2.10 (zone b), so that probe tests can stand servers in for them on
    /// loopback (moto accepts the block and chosen interface addresses).
    pub loopback: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            name: "web".into(),
            internal: false,
            listener_ports: vec![80],
            loopback: false,
        }
    }
}

/// Ids of everything built.
pub struct World {
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub vpc: String,
    /// ALB subnets in zones a and b.
    pub alb_subnets: [String; 2],
    /// Target subnets in zones a and b.
    pub app_subnets: [String; 2],
    pub igw: String,
    pub public_rtb: String,
    pub alb_sg: String,
    pub app_sg: String,
    pub instances: Vec<String>,
    pub alb_arn: String,
    pub tg_arn: String,
    /// The ALB's node interfaces, zone a then b.
    pub alb_enis: Vec<String>,
    pub listener_arns: Vec<String>,
}

/// TCP on `port` from `cidr`.
pub fn tcp(port: i32, cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

/// TCP on `port` from the members of security group `group`.
pub fn tcp_from_group(port: i32, group: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(group).build())
        .build()
}

/// Builds the world of `spec` in the moto at `endpoint`.
pub async fn build(endpoint: &str, spec: &Spec) -> World {
    build_with(&sdk_config(endpoint, REGION).await, spec).await
}

/// Builds the world of `spec` with `config`: its region, and the account of its credentials
/// (moto acts in the role's account with credentials from AssumeRole).
pub async fn build_with(config: &aws_config::SdkConfig, spec: &Spec) -> World {
    let region = config.region().expect("a region").to_string();
    let ec2 = aws_sdk_ec2::Client::new(config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(config);

    let net = if spec.loopback { "127.0" } else { "10.0" };
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("{net}.0.0/16"))
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (block, zone) in [("1", "a"), ("2", "b"), ("11", "a"), ("12", "b")] {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("{net}.{block}.0/24"))
            .availability_zone(format!("{region}{zone}"))
            .send()
            .await
            .unwrap()
            .subnet
            .unwrap()
            .subnet_id
            .unwrap();
        subnets.push(s);
    }
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap()
        .internet_gateway_id
        .unwrap();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let public_rtb = create_route_table(&ec2, &vpc).await;
    if !spec.internal {
        ec2.create_route()
            .route_table_id(&public_rtb)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw)
            .send()
            .await
            .unwrap();
    }
    for s in &subnets[..2] {
        ec2.associate_route_table()
            .route_table_id(&public_rtb)
            .subnet_id(s)
            .send()
            .await
            .unwrap();
    }

    let alb_sg = create_sg(&ec2, &vpc, "alb").await;
    let source = if spec.loopback {
        "127.0.0.0/8"
    } else if spec.internal {
        "10.0.0.0/8"
    } else {
        "0.0.0.0/0"
    };
    let mut ingress = ec2.authorize_security_group_ingress().group_id(&alb_sg);
    for port in &spec.listener_ports {
        ingress = ingress.ip_permissions(tcp(*port, source));
    }
    if !spec.listener_ports.is_empty() {
        ingress.send().await.unwrap();
    }
    let app_sg = create_sg(&ec2, &vpc, "app").await;
    ec2.authorize_security_group_ingress()
        .group_id(&app_sg)
        .ip_permissions(tcp_from_group(8080, &alb_sg))
        .send()
        .await
        .unwrap();

    let mut instances = Vec::new();
    for s in &subnets[2..] {
        instances.push(run_instance(&ec2, s, &app_sg).await);
    }

    let lb = elb
        .create_load_balancer()
        .name(&spec.name)
        .set_subnets(Some(subnets[..2].to_vec()))
        .security_groups(&alb_sg)
        .scheme(if spec.internal {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        })
        .send()
        .await
        .unwrap()
        .load_balancers
        .unwrap()
        .remove(0);
    let alb_arn = lb.load_balancer_arn.unwrap();
    let node_addresses = spec.loopback.then_some(["127.0.1.10", "127.0.2.10"]);
    let alb_enis =
        create_node_interfaces(&ec2, &subnets[..2], &alb_sg, &alb_arn, node_addresses).await;

    let tg_arn = instance_group(&elb, &format!("{}-tg", spec.name), &vpc, &instances).await;
    let mut listener_arns = Vec::new();
    for port in &spec.listener_ports {
        let l = elb
            .create_listener()
            .load_balancer_arn(&alb_arn)
            .protocol(ProtocolEnum::Http)
            .port(*port)
            .default_actions(forward(&tg_arn))
            .send()
            .await
            .unwrap();
        listener_arns.push(l.listeners.unwrap().remove(0).listener_arn.unwrap());
    }
    World {
        ec2,
        elb,
        vpc,
        alb_subnets: [subnets[0].clone(), subnets[1].clone()],
        app_subnets: [subnets[2].clone(), subnets[3].clone()],
        igw,
        public_rtb,
        alb_sg,
        app_sg,
        instances,
        alb_arn,
        tg_arn,
        alb_enis,
        listener_arns,
    }
}

/// A running instance in `subnet` with security group `sg`.
pub async fn run_instance(ec2: &aws_sdk_ec2::Client, subnet: &str, sg: &str) -> String {
    let image = ec2
        .describe_images()
        .send()
        .await
        .unwrap()
        .images
        .unwrap_or_default()
        .into_iter()
        .find_map(|i| i.image_id)
        .expect("moto knows at least one image");
    ec2.run_instances()
        .image_id(image)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .security_group_ids(sg)
        .send()
        .await
        .unwrap()
        .instances
        .unwrap()[0]
        .instance_id
        .clone()
        .unwrap()
}

/// One `ELB app/NAME/ID` interface per subnet, as AWS creates for an ALB (moto does not), at
/// the given private addresses (one per subnet) or ones moto picks.
pub async fn create_node_interfaces(
    ec2: &aws_sdk_ec2::Client,
    subnets: &[String],
    sg: &str,
    alb_arn: &str,
    addresses: Option<[&str; 2]>,
) -> Vec<String> {
    let description = format!("ELB {}", alb_arn.split(":loadbalancer/").nth(1).unwrap());
    let mut enis = Vec::new();
    for (i, s) in subnets.iter().enumerate() {
        let eni = ec2
            .create_network_interface()
            .subnet_id(s)
            .set_private_ip_address(addresses.map(|a| a[i].to_string()))
            .description(&description)
            .groups(sg)
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::NetworkInterface)
                    .tags(Tag::builder().key("test").value("alb-node").build())
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .network_interface
            .unwrap()
            .network_interface_id
            .unwrap();
        enis.push(eni);
    }
    enis
}

/// Creates the target group `request` describes and returns its ARN.
pub async fn create_group(
    request: aws_sdk_elasticloadbalancingv2::operation::create_target_group::builders::CreateTargetGroupFluentBuilder,
) -> String {
    request
        .send()
        .await
        .unwrap()
        .target_groups
        .unwrap()
        .remove(0)
        .target_group_arn
        .unwrap()
}

/// An empty HTTP target group of `kind` on `port` in the world's VPC.
pub async fn http_group(w: &World, name: &str, kind: TargetTypeEnum, port: i32) -> String {
    create_group(
        w.elb
            .create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Http)
            .port(port)
            .vpc_id(&w.vpc)
            .target_type(kind),
    )
    .await
}

/// A listener or rule action that forwards everything to `tg`.
pub fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

/// An HTTP target group on port 8080 with `instances` registered on that port; its ARN.
async fn instance_group(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    name: &str,
    vpc: &str,
    instances: &[String],
) -> String {
    let arn = create_group(
        elb.create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Http)
            .port(8080)
            .vpc_id(vpc)
            .target_type(TargetTypeEnum::Instance),
    )
    .await;
    register(
        elb,
        &arn,
        instances.iter().map(|i| (i.as_str(), Some(8080), None)),
    )
    .await;
    arn
}

/// Registers `(id, port, zone)` targets in `tg`.
pub async fn register<'t>(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    tg: &str,
    targets: impl IntoIterator<Item = (&'t str, Option<i32>, Option<&'t str>)>,
) {
    let mut req = elb.register_targets().target_group_arn(tg);
    for (id, port, zone) in targets {
        req = req.targets(
            TargetDescription::builder()
                .id(id)
                .set_port(port)
                .set_availability_zone(zone.map(str::to_string))
                .build(),
        );
    }
    req.send().await.unwrap();
}

/// A new route table in `vpc`.
pub async fn create_route_table(ec2: &aws_sdk_ec2::Client, vpc: &str) -> String {
    ec2.create_route_table()
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .route_table
        .unwrap()
        .route_table_id
        .unwrap()
}

async fn create_sg(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str) -> String {
    ec2.create_security_group()
        .group_name(name)
        .description(name)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap()
}

impl World {
    /// A Gateway Load Balancer endpoint (an inspection appliance) in `subnet`; its id.
    pub async fn gwlb_endpoint(&self, subnet: &str) -> String {
        self.ec2
            .create_vpc_endpoint()
            .vpc_id(&self.vpc)
            .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::GatewayLoadBalancer)
            .service_name("com.amazonaws.vpce.us-east-1.vpce-svc-0appliance")
            .subnet_ids(subnet)
            .send()
            .await
            .unwrap()
            .vpc_endpoint
            .unwrap()
            .vpc_endpoint_id
            .unwrap()
    }

    /// A new subnet of the world's VPC: `cidr` in `zone`.
    pub async fn subnet(&self, cidr: &str, zone: &str) -> String {
        self.ec2
            .create_subnet()
            .vpc_id(&self.vpc)
            .cidr_block(cidr)
            .availability_zone(zone)
            .send()
            .await
            .unwrap()
            .subnet
            .unwrap()
            .subnet_id
            .unwrap()
    }

    /// Moves `subnet` to route table `rtb`, replacing its current explicit association.
    pub async fn reassociate(&self, subnet: &str, rtb: &str) {
        let tables = self
            .ec2
            .describe_route_tables()
            .filters(
                Filter::builder()
                    .name("association.subnet-id")
                    .values(subnet)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .route_tables
            .unwrap_or_default();
        for t in tables {
            for a in t.associations.unwrap_or_default() {
                if a.subnet_id.as_deref() == Some(subnet) {
                    self.ec2
                        .replace_route_table_association()
                        .association_id(a.route_table_association_id.unwrap())
                        .route_table_id(rtb)
                        .send()
                        .await
                        .unwrap();
                    return;
                }
            }
        }
        self.ec2
            .associate_route_table()
            .route_table_id(rtb)
            .subnet_id(subnet)
            .send()
            .await
            .unwrap();
    }

    /// A virtual private gateway attached to the VPC.
    pub async fn attached_vpn_gateway(&self) -> String {
        let vgw = self
            .ec2
            .create_vpn_gateway()
            .r#type(aws_sdk_ec2::types::GatewayType::Ipsec1)
            .send()
            .await
            .unwrap()
            .vpn_gateway
            .unwrap()
            .vpn_gateway_id
            .unwrap();
        self.ec2
            .attach_vpn_gateway()
            .vpn_gateway_id(&vgw)
            .vpc_id(&self.vpc)
            .send()
            .await
            .unwrap();
        vgw
    }

    /// A managed IPv4 prefix list holding `cidr`.
    pub async fn prefix_list(&self, name: &str, cidr: &str) -> String {
        self.ec2
            .create_managed_prefix_list()
            .prefix_list_name(name)
            .max_entries(5)
            .address_family("IPv4")
            .entries(
                aws_sdk_ec2::types::AddPrefixListEntry::builder()
                    .cidr(cidr)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .prefix_list
            .unwrap()
            .prefix_list_id
            .unwrap()
    }

    /// Gives `subnet` a route table of its own whose `0.0.0.0/0` goes to a new NAT gateway (the
    /// article's broken zone); returns the table and the gateway.
    pub async fn route_through_nat(&self, subnet: &str) -> (String, String) {
        let nat = self.nat_gateway().await;
        let rtb = create_route_table(&self.ec2, &self.vpc).await;
        self.ec2
            .create_route()
            .route_table_id(&rtb)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(&nat)
            .send()
            .await
            .unwrap();
        self.reassociate(subnet, &rtb).await;
        (rtb, nat)
    }

    /// A NAT gateway in ALB subnet a, which routes to the internet gateway (with a new
    /// Elastic IP).
    pub async fn nat_gateway(&self) -> String {
        let alloc = self
            .ec2
            .allocate_address()
            .domain(aws_sdk_ec2::types::DomainType::Vpc)
            .send()
            .await
            .unwrap()
            .allocation_id
            .unwrap();
        self.ec2
            .create_nat_gateway()
            .subnet_id(&self.alb_subnets[0])
            .allocation_id(alloc)
            .send()
            .await
            .unwrap()
            .nat_gateway
            .unwrap()
            .nat_gateway_id
            .unwrap()
    }
}

impl World {
    /// Another load balancer in the same subnets (type `application` or `network`), without
    /// listeners; returns its ARN.
    pub async fn extra_load_balancer(&self, name: &str, network: bool) -> String {
        let mut req = self
            .elb
            .create_load_balancer()
            .name(name)
            // AWS's default, said outright: moto leaves the scheme out of its answers when the
            // create call does, and an unknown scheme is never judged.
            .scheme(LoadBalancerSchemeEnum::InternetFacing)
            .set_subnets(Some(self.alb_subnets.to_vec()));
        if network {
            req = req.r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network);
        } else {
            req = req.security_groups(&self.alb_sg);
        }
        req.send()
            .await
            .unwrap()
            .load_balancers
            .unwrap()
            .remove(0)
            .load_balancer_arn
            .unwrap()
    }

    /// One more ALB in this world's VPC, as a real one looks: its node interfaces, a target
    /// group of the world's instances on port 8080 and an HTTP listener forwarding to it.
    pub async fn add_forwarding_alb(&self, name: &str) -> String {
        let arn = self.extra_load_balancer(name, false).await;
        create_node_interfaces(&self.ec2, &self.alb_subnets, &self.alb_sg, &arn, None).await;
        let tg = instance_group(&self.elb, &format!("{name}-tg"), &self.vpc, &self.instances).await;
        self.elb
            .create_listener()
            .load_balancer_arn(&arn)
            .protocol(ProtocolEnum::Http)
            .port(80)
            .default_actions(forward(&tg))
            .send()
            .await
            .unwrap();
        arn
    }
}
