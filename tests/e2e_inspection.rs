//! End to end against moto: inspection appliances between the internet and the ALB, as AWS
//! documents the distributed model — Gateway Load Balancer endpoints in their own subnets per
//! zone, the internet gateway's edge route table sending each ALB subnet to its zone's
//! endpoint, and the ALB subnets routing back through it. moto builds the routing side (edge
//! associations, endpoints, routes to them); Network Firewall rules are covered by snapshot
//! fixtures (tests/fixtures.rs), since moto has no firewall policies or rule groups.
//!
//! A classic appliance, an EC2 instance's network interface as the route target (no Gateway
//! Load Balancer), is built the same way: moto serves the instance, its interface, its
//! source/destination check and routes to the interface.
//!
//! moto quirks worked around, not designed for: a route to a deleted endpoint stays `active`
//! (AWS shows `blackhole`, ALB105), and the endpoint shows as `deleted` (ALB111); ReplaceRoute
//! keeps an endpoint target, so routes are deleted and created again.

mod common;

use common::world::{build, create_route_table, run_instance, Spec, World};
use common::{audit_live, finding, fired, Moto};

/// The inspection layout's ids.
struct Inspection {
    endpoints: [String; 2],
    alb_tables: [String; 2],
    firewall_subnets: [String; 2],
    edge: String,
}

async fn route_to_endpoint(w: &World, table: &str, dest: &str, endpoint: &str) {
    w.ec2
        .create_route()
        .route_table_id(table)
        .destination_cidr_block(dest)
        .vpc_endpoint_id(endpoint)
        .send()
        .await
        .unwrap();
}

async fn route_to_gateway(w: &World, table: &str, dest: &str, gateway: &str) {
    w.ec2
        .create_route()
        .route_table_id(table)
        .destination_cidr_block(dest)
        .gateway_id(gateway)
        .send()
        .await
        .unwrap();
}

/// Symmetric inspection in both zones.
async fn inspect(w: &World) -> Inspection {
    let mut endpoints = Vec::new();
    let mut firewall_subnets = Vec::new();
    let fw_table = create_route_table(&w.ec2, &w.vpc).await;
    route_to_gateway(w, &fw_table, "0.0.0.0/0", &w.igw).await;
    for (cidr, zone) in [
        ("10.0.101.0/28", "us-east-1a"),
        ("10.0.102.0/28", "us-east-1b"),
    ] {
        let s = w.subnet(cidr, zone).await;
        w.reassociate(&s, &fw_table).await;
        let e = w.gwlb_endpoint(&s).await;
        endpoints.push(e);
        firewall_subnets.push(s);
    }
    let edge = create_route_table(&w.ec2, &w.vpc).await;
    route_to_endpoint(w, &edge, "10.0.1.0/24", &endpoints[0]).await;
    route_to_endpoint(w, &edge, "10.0.2.0/24", &endpoints[1]).await;
    w.ec2
        .associate_route_table()
        .route_table_id(&edge)
        .gateway_id(&w.igw)
        .send()
        .await
        .unwrap();
    let mut alb_tables = Vec::new();
    for (i, s) in w.alb_subnets.iter().enumerate() {
        let t = create_route_table(&w.ec2, &w.vpc).await;
        route_to_endpoint(w, &t, "0.0.0.0/0", &endpoints[i]).await;
        w.reassociate(s, &t).await;
        alb_tables.push(t);
    }
    Inspection {
        endpoints: [endpoints[0].clone(), endpoints[1].clone()],
        alb_tables: [alb_tables[0].clone(), alb_tables[1].clone()],
        firewall_subnets: [firewall_subnets[0].clone(), firewall_subnets[1].clone()],
        edge,
    }
}

async fn replace_default_route(w: &World, table: &str, endpoint: Option<&str>) {
    // Deleted and created again: moto's ReplaceRoute keeps a route's old endpoint target.
    w.ec2
        .delete_route()
        .route_table_id(table)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    match endpoint {
        Some(e) => route_to_endpoint(w, table, "0.0.0.0/0", e).await,
        None => route_to_gateway(w, table, "0.0.0.0/0", &w.igw).await,
    }
}

fn not_evaluated(report: &serde_json::Value) -> Vec<String> {
    report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n["check"].as_str().unwrap(),
                n["reason"].as_str().unwrap()
            )
        })
        .collect()
}

/// Symmetric inspection in every zone is no finding — no false "no route to an internet
/// gateway" — but the appliances' own rules cannot be seen: said, never passed.
#[tokio::test(flavor = "multi_thread")]
async fn symmetric_inspection_is_no_finding_but_the_appliance_is_unseen() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let i = inspect(&w).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    let unseen = not_evaluated(&report);
    assert!(
        unseen.iter().any(|n| n.starts_with("ALB113")
            && n.contains(&i.endpoints[0])
            && n.contains("Gateway Load Balancer")),
        "{unseen:?}"
    );
    assert_eq!(
        code, 3,
        "an appliance whose rules are unseen leaves the audit incomplete"
    );
}

/// Zone B's responses skip the endpoint (straight to the internet gateway), or go through
/// zone A's: ALB110 for B only, naming both ways.
#[tokio::test(flavor = "multi_thread")]
async fn asymmetric_zone_b() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let i = inspect(&w).await;
    replace_default_route(&w, &i.alb_tables[1], None).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB110:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB110", Some("us-east-1b"));
    assert_eq!(f["resource"], i.alb_tables[1].as_str());
    assert_eq!(f["symptom"], "intermittent-timeout");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains(&i.endpoints[1]) && message.contains(&w.igw),
        "{message}"
    );
    assert_eq!(f["evidence"]["edge_route_table"], i.edge.as_str());
    assert!(f["remediation"].as_str().unwrap().contains(&i.endpoints[1]));
    assert_eq!(code, 1);

    replace_default_route(&w, &i.alb_tables[1], Some(&i.endpoints[0])).await;
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB110:us-east-1b"], "{report:#}");
    let message = finding(&report, "ALB110", Some("us-east-1b"))["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains(&i.endpoints[0]), "{message}");
}

/// The endpoint subnet of zone B has no route back to the internet gateway: ALB112.
#[tokio::test(flavor = "multi_thread")]
async fn endpoint_subnet_without_a_return_route() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let i = inspect(&w).await;
    let lonely = create_route_table(&w.ec2, &w.vpc).await;
    w.reassociate(&i.firewall_subnets[1], &lonely).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB112:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB112", Some("us-east-1b"));
    assert_eq!(f["resource"], lonely.as_str());
    assert_eq!(f["change"][0], lonely.as_str());
    assert_eq!(code, 1);
}

/// Zone B's endpoint is deleted while both routes still name it: ALB111.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_endpoint() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let i = inspect(&w).await;
    w.ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&i.endpoints[1])
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB111:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB111", Some("us-east-1b"));
    assert_eq!(f["resource"], i.endpoints[1].as_str());
    assert!(f["message"].as_str().unwrap().contains("deleted"), "{f:#}");
    assert_eq!(code, 1);
}

/// Routes to endpoints without the edge association: requests come straight in, responses
/// go through appliances that never saw them — ALB110 in both zones (timeout).
#[tokio::test(flavor = "multi_thread")]
async fn endpoint_routes_without_an_edge_association() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let i = inspect(&w).await;
    let association = w
        .ec2
        .describe_route_tables()
        .route_table_ids(&i.edge)
        .send()
        .await
        .unwrap()
        .route_tables
        .unwrap()
        .remove(0)
        .associations
        .unwrap()
        .into_iter()
        .find(|a| a.gateway_id.is_some())
        .unwrap()
        .route_table_association_id
        .unwrap();
    w.ec2
        .disassociate_route_table()
        .association_id(association)
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(
        fired(&report),
        vec!["ALB110:us-east-1a", "ALB110:us-east-1b"],
        "{report:#}"
    );
    let f = finding(&report, "ALB110", Some("us-east-1a"));
    assert_eq!(f["symptom"], "timeout");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("straight from the gateway"));
    assert_eq!(code, 1);
}

/// How the zone-b appliance instance is left.
#[derive(Clone, Copy, PartialEq)]
enum Appliance {
    /// Running with its source/destination check off, as a forwarding appliance must be.
    Forwarding,
    /// Running with the check on (EC2's default).
    Checking,
    /// Stopped (check off).
    Stopped,
}

/// Zone b's traffic goes through an EC2 appliance: the edge route table sends 10.0.2.0/24 to the
/// instance's interface, the ALB subnet's default route goes back through it, and the appliance's
/// own subnet routes to the internet gateway. Returns (instance, interface).
async fn interface_appliance(w: &World, state: Appliance) -> (String, String) {
    let fw = w.subnet("10.0.102.0/28", "us-east-1b").await;
    w.reassociate(&fw, &w.public_rtb).await;
    let instance = run_instance(&w.ec2, &fw, &w.app_sg).await;
    let eni = w
        .ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap()
        .reservations
        .unwrap()[0]
        .instances
        .as_ref()
        .unwrap()[0]
        .network_interfaces
        .as_ref()
        .unwrap()[0]
        .network_interface_id
        .clone()
        .unwrap();
    if state != Appliance::Checking {
        w.ec2
            .modify_network_interface_attribute()
            .network_interface_id(&eni)
            .source_dest_check(
                aws_sdk_ec2::types::AttributeBooleanValue::builder()
                    .value(false)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    if state == Appliance::Stopped {
        w.ec2
            .stop_instances()
            .instance_ids(&instance)
            .send()
            .await
            .unwrap();
    }
    let edge = create_route_table(&w.ec2, &w.vpc).await;
    w.ec2
        .create_route()
        .route_table_id(&edge)
        .destination_cidr_block("10.0.2.0/24")
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    w.ec2
        .associate_route_table()
        .route_table_id(&edge)
        .gateway_id(&w.igw)
        .send()
        .await
        .unwrap();
    let back = create_route_table(&w.ec2, &w.vpc).await;
    w.ec2
        .create_route()
        .route_table_id(&back)
        .destination_cidr_block("0.0.0.0/0")
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    w.reassociate(&w.alb_subnets[1], &back).await;
    (instance, eni)
}

/// A forwarding appliance both ways is no finding, and what it filters is said to be unseen.
#[tokio::test(flavor = "multi_thread")]
async fn a_forwarding_interface_appliance_is_unseen_not_missing() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (instance, _) = interface_appliance(&w, Appliance::Forwarding).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    let unseen = not_evaluated(&report);
    assert!(
        unseen
            .iter()
            .any(|n| n.starts_with("ALB113") && n.contains(&instance)),
        "{unseen:?}"
    );
    assert_eq!(code, 3);
}

/// Audits the world with zone b's appliance left in `state`: only ALB111 in zone b, exit 1, and
/// its message, which never says the appliance "does not exist".
async fn unavailable_appliance_message(state: Appliance) -> (String, String, String) {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (instance, eni) = interface_appliance(&w, state).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(
        fired(&report),
        vec!["ALB111:us-east-1b"],
        "{report:#} {stderr}"
    );
    let message = finding(&report, "ALB111", Some("us-east-1b"))["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!message.contains("does not exist"), "{message}");
    assert_eq!(code, 1);
    (instance, eni, message)
}

/// EC2's default source/destination check drops forwarded traffic: ALB111 in zone b, with that
/// reason.
#[tokio::test(flavor = "multi_thread")]
async fn an_appliance_with_its_source_dest_check_on_is_unavailable() {
    let (_, eni, message) = unavailable_appliance_message(Appliance::Checking).await;
    assert!(message.contains(&eni), "{message}");
    assert!(message.contains("source/destination check on"), "{message}");
}

/// A stopped appliance instance forwards nothing: ALB111 names the instance and its state.
#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_appliance_instance_is_unavailable() {
    let (instance, _, message) = unavailable_appliance_message(Appliance::Stopped).await;
    assert!(
        message.contains(&instance) && message.contains("stopped"),
        "{message}"
    );
}
