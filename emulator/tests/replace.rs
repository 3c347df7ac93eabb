//! ReplaceRoute and ReplaceTransitGatewayRoute through the real SDK: the
//! state change, the write counter, DryRun, and every refusal with its code.

mod common;

use aws_sdk_ec2::types::{TransitGatewayAttachmentResourceType, TransitGatewayRouteState};
use common::{block_on, client, code, code_and_message, reference, vip};
use ec2_emulator::{Emulator, REFERENCE_VIP, RouteState, Topology, TransitGateway, VpcAttachment};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const NODE1_MAIN: &str = "rtb-01000000000000011";
const NODE1_ISOLATED: &str = "rtb-01000000000000013";
const NODE2_MAIN: &str = "rtb-02000000000000021";
const EAST_CLIENTS_MAIN: &str = "rtb-01000000000000111";
const NODE1_ENI: &str = "eni-01000000000000001";
const EAST_TGW: &str = "tgw-01000000000000001";
const WEST_TGW: &str = "tgw-02000000000000001";
const EAST_TGW_RTB: &str = "tgw-rtb-01000000000000001";
const WEST_TGW_RTB: &str = "tgw-rtb-02000000000000001";
const NODE1_ATTACHMENT: &str = "tgw-attach-01000000000000001";
const NODE2_ATTACHMENT: &str = "tgw-attach-02000000000000002";
const PEERING: &str = "tgw-attach-0c000000000000012";

fn replace_route(
    emulator: &Emulator,
    region: &str,
    table: &str,
    cidr: &str,
) -> aws_sdk_ec2::operation::replace_route::builders::ReplaceRouteFluentBuilder {
    client(emulator, region)
        .replace_route()
        .route_table_id(table)
        .destination_cidr_block(cidr)
}

#[test]
fn replace_route_to_an_eni_updates_the_table() {
    let emulator = reference();
    block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    )
    .unwrap();
    let route = emulator.vpc_route(NODE1_MAIN, REFERENCE_VIP).unwrap();
    assert_eq!(
        (route.target.as_str(), route.state),
        (NODE1_ENI, RouteState::Active)
    );
    assert_eq!(emulator.writes(), 1);
    let out = block_on(
        client(&emulator, EAST)
            .describe_route_tables()
            .route_table_ids(NODE1_MAIN)
            .send(),
    )
    .unwrap();
    let described = out.route_tables()[0]
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some(&vip()))
        .unwrap();
    assert_eq!(described.network_interface_id(), Some(NODE1_ENI));
    assert_eq!(described.instance_id(), Some("i-01000000000000001"));
    assert_eq!(described.transit_gateway_id(), None);
}

#[test]
fn replace_route_to_an_attached_tgw_and_by_instance() {
    let emulator = reference();
    block_on(
        replace_route(&emulator, WEST, NODE2_MAIN, &vip())
            .transit_gateway_id(WEST_TGW)
            .send(),
    )
    .unwrap();
    assert_eq!(
        emulator
            .vpc_route(NODE2_MAIN, REFERENCE_VIP)
            .unwrap()
            .target,
        WEST_TGW
    );
    block_on(
        replace_route(&emulator, WEST, NODE2_MAIN, &vip())
            .instance_id("i-02000000000000002")
            .send(),
    )
    .unwrap();
    assert_eq!(
        emulator
            .vpc_route(NODE2_MAIN, REFERENCE_VIP)
            .unwrap()
            .target,
        "eni-02000000000000002"
    );
    block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "0.0.0.0/0")
            .gateway_id("igw-01000000000000001")
            .send(),
    )
    .unwrap();
    assert_eq!(emulator.writes(), 3);
}

#[test]
fn replace_route_refuses_unknown_tables_and_routes() {
    let emulator = reference();
    let unknown = block_on(
        replace_route(&emulator, EAST, "rtb-0ffffffffffffffff", &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(unknown), "InvalidRouteTableID.NotFound");
    let other_region = block_on(
        replace_route(&emulator, EAST, NODE2_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(other_region), "InvalidRouteTableID.NotFound");
    let no_route = block_on(
        replace_route(&emulator, EAST, NODE1_ISOLATED, &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(
        code_and_message(no_route),
        (
            "InvalidParameterValue".to_string(),
            "There is no route defined for '10.0.0.100/32' in the route table. Use CreateRoute instead.".to_string()
        )
    );
    let bad_cidr = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "10.0.0.100")
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(bad_cidr), "InvalidParameterValue");
    assert_eq!(emulator.writes(), 0);
}

#[test]
fn replace_route_checks_enis() {
    let emulator = reference();
    let unknown = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id("eni-0ffffffffffffffff")
            .send(),
    );
    assert_eq!(code(unknown), "InvalidNetworkInterfaceID.NotFound");
    let other_region = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id("eni-02000000000000002")
            .send(),
    );
    assert_eq!(code(other_region), "InvalidNetworkInterfaceID.NotFound");
    let other_vpc = block_on(
        replace_route(&emulator, EAST, EAST_CLIENTS_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(other_vpc), "InvalidParameterValue");
    let unknown_instance = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .instance_id("i-0ffffffffffffffff")
            .send(),
    );
    assert_eq!(code(unknown_instance), "InvalidInstanceID.NotFound");
    assert_eq!(
        emulator
            .vpc_route(NODE1_MAIN, REFERENCE_VIP)
            .unwrap()
            .target,
        EAST_TGW
    );
}

#[test]
fn replace_route_checks_transit_gateways_and_attachments() {
    let mut topology = Topology::two_region();
    topology
        .vpc_attachments
        .iter_mut()
        .find(|a| a.id == "tgw-attach-01000000000000011")
        .unwrap()
        .state = "deleted".into();
    let emulator = Emulator::start(topology).unwrap();
    let unknown = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .transit_gateway_id("tgw-0ffffffffffffffff")
            .send(),
    );
    assert_eq!(code(unknown), "InvalidTransitGatewayID.NotFound");
    let other_region = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .transit_gateway_id(WEST_TGW)
            .send(),
    );
    assert_eq!(code(other_region), "InvalidTransitGatewayID.NotFound");
    let not_attached = block_on(
        replace_route(&emulator, EAST, EAST_CLIENTS_MAIN, &vip())
            .transit_gateway_id(EAST_TGW)
            .send(),
    );
    assert_eq!(code(not_attached), "InvalidTransitGatewayID.NotFound");
}

#[test]
fn a_pending_attachment_does_not_count_as_attached() {
    let mut topology = Topology::two_region();
    topology
        .vpc_attachments
        .iter_mut()
        .find(|a| a.id == NODE1_ATTACHMENT)
        .unwrap()
        .state = "pending".into();
    let emulator = Emulator::start(topology).unwrap();
    let pending = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "10.2.0.0/16")
            .transit_gateway_id(EAST_TGW)
            .send(),
    );
    assert_eq!(code(pending), "InvalidTransitGatewayID.NotFound");
}

#[test]
fn replace_route_refuses_the_local_route_and_foreign_gateways() {
    let emulator = reference();
    let local = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "10.1.0.0/16")
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(local), "InvalidParameterValue");
    assert_eq!(
        emulator
            .vpc_route(NODE1_MAIN, "10.1.0.0/16")
            .unwrap()
            .target,
        "local"
    );
    let foreign_igw = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "0.0.0.0/0")
            .gateway_id("igw-01000000000000011")
            .send(),
    );
    assert_eq!(code(foreign_igw), "InvalidParameterValue");
    let unknown_igw = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, "0.0.0.0/0")
            .gateway_id("igw-0ffffffffffffffff")
            .send(),
    );
    assert_eq!(code(unknown_igw), "InvalidGatewayID.NotFound");
    let two_targets = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .transit_gateway_id(EAST_TGW)
            .send(),
    );
    assert_eq!(code(two_targets), "InvalidParameterCombination");
    let no_target = block_on(replace_route(&emulator, EAST, NODE1_MAIN, &vip()).send());
    assert_eq!(code(no_target), "MissingParameter");
    assert_eq!(emulator.writes(), 0);
}

#[test]
fn dry_run_reports_permission_without_writing() {
    let emulator = reference();
    let permitted = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .dry_run(true)
            .send(),
    );
    assert_eq!(
        code_and_message(permitted),
        (
            "DryRunOperation".to_string(),
            "Request would have succeeded, but DryRun flag is set.".to_string()
        )
    );
    let tgw_client = client(&emulator, EAST);
    let tgw_permitted = block_on(
        tgw_client
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .destination_cidr_block(vip())
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .dry_run(true)
            .send(),
    );
    assert_eq!(code(tgw_permitted), "DryRunOperation");
    emulator.deny_action("ReplaceRoute");
    let denied = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .dry_run(true)
            .send(),
    );
    assert_eq!(code(denied), "UnauthorizedOperation");
    assert_eq!(
        emulator
            .vpc_route(NODE1_MAIN, REFERENCE_VIP)
            .unwrap()
            .target,
        EAST_TGW
    );
    assert_eq!(
        emulator
            .tgw_route(EAST_TGW_RTB, REFERENCE_VIP)
            .unwrap()
            .attachment
            .as_deref(),
        Some(PEERING)
    );
    assert_eq!(emulator.writes(), 0);
}

fn replace_tgw_route(emulator: &Emulator, region: &str, table: &str, cidr: &str) -> aws_sdk_ec2::operation::replace_transit_gateway_route::builders::ReplaceTransitGatewayRouteFluentBuilder{
    client(emulator, region)
        .replace_transit_gateway_route()
        .transit_gateway_route_table_id(table)
        .destination_cidr_block(cidr)
}

#[test]
fn replace_tgw_route_moves_the_vip_and_answers_the_route() {
    let emulator = reference();
    let out = block_on(
        replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .send(),
    )
    .unwrap();
    let route = out.route().unwrap();
    assert_eq!(route.destination_cidr_block(), Some(vip().as_str()));
    assert_eq!(route.state(), Some(&TransitGatewayRouteState::Active));
    let attachment = &route.transit_gateway_attachments()[0];
    assert_eq!(
        attachment.resource_type(),
        Some(&TransitGatewayAttachmentResourceType::Vpc)
    );
    assert_eq!(attachment.resource_id(), Some("vpc-01000000000000001"));
    let stored = emulator.tgw_route(EAST_TGW_RTB, REFERENCE_VIP).unwrap();
    assert_eq!(
        (stored.attachment.as_deref(), stored.state),
        (Some(NODE1_ATTACHMENT), RouteState::Active)
    );
    block_on(
        replace_tgw_route(&emulator, WEST, WEST_TGW_RTB, &vip())
            .transit_gateway_attachment_id(PEERING)
            .send(),
    )
    .unwrap();
    assert_eq!(
        emulator
            .tgw_route(WEST_TGW_RTB, REFERENCE_VIP)
            .unwrap()
            .attachment
            .as_deref(),
        Some(PEERING)
    );
    assert_eq!(emulator.writes(), 2);
}

#[test]
fn blackholes_can_be_made_and_replaced() {
    let emulator = reference();
    let out = block_on(
        replace_tgw_route(&emulator, WEST, WEST_TGW_RTB, &vip())
            .blackhole(true)
            .send(),
    )
    .unwrap();
    assert_eq!(
        out.route().unwrap().state(),
        Some(&TransitGatewayRouteState::Blackhole)
    );
    let stored = emulator.tgw_route(WEST_TGW_RTB, REFERENCE_VIP).unwrap();
    assert_eq!(
        (stored.attachment, stored.state),
        (None, RouteState::Blackhole)
    );
    block_on(
        replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, "10.99.0.0/16")
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .send(),
    )
    .unwrap();
    assert_eq!(
        emulator
            .tgw_route(EAST_TGW_RTB, "10.99.0.0/16")
            .unwrap()
            .state,
        RouteState::Active
    );
}

#[test]
fn replace_tgw_route_refusals() {
    let emulator = reference();
    let expect = |result, expected: &str| assert_eq!(code(result), expected);
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, "tgw-rtb-0ffffffffffffffff", &vip())
                .blackhole(true)
                .send(),
        ),
        "InvalidRouteTableID.NotFound",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, WEST_TGW_RTB, &vip())
                .blackhole(true)
                .send(),
        ),
        "InvalidRouteTableID.NotFound",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
                .transit_gateway_attachment_id("tgw-attach-0ffffffffffffffff")
                .send(),
        ),
        "InvalidTransitGatewayAttachmentID.NotFound",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
                .transit_gateway_attachment_id(NODE2_ATTACHMENT)
                .send(),
        ),
        "InvalidTransitGatewayAttachmentID.NotFound",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, "10.55.0.0/16")
                .blackhole(true)
                .send(),
        ),
        "InvalidRoute.NotFound",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, "10.1.0.0/16")
                .blackhole(true)
                .send(),
        ),
        "InvalidParameterValue",
    );
    expect(
        block_on(
            replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
                .blackhole(true)
                .transit_gateway_attachment_id(NODE1_ATTACHMENT)
                .send(),
        ),
        "InvalidParameterCombination",
    );
    expect(
        block_on(replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip()).send()),
        "MissingParameter",
    );
    assert_eq!(
        emulator
            .tgw_route(EAST_TGW_RTB, REFERENCE_VIP)
            .unwrap()
            .attachment
            .as_deref(),
        Some(PEERING)
    );
    assert_eq!(emulator.writes(), 0);
}

#[test]
fn an_attachment_of_another_tgw_or_not_available_is_refused() {
    let mut topology = Topology::two_region();
    topology.transit_gateways.push(TransitGateway {
        id: "tgw-01000000000000002".into(),
        region: EAST.into(),
        name: None,
    });
    topology.vpc_attachments.push(VpcAttachment {
        id: "tgw-attach-01000000000000091".into(),
        tgw: "tgw-01000000000000002".into(),
        vpc: "vpc-01000000000000001".into(),
        state: "available".into(),
        name: None,
    });
    topology
        .vpc_attachments
        .iter_mut()
        .find(|a| a.id == "tgw-attach-01000000000000011")
        .unwrap()
        .state = "pending".into();
    let emulator = Emulator::start(topology).unwrap();
    let foreign = block_on(
        replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
            .transit_gateway_attachment_id("tgw-attach-01000000000000091")
            .send(),
    );
    assert_eq!(code(foreign), "InvalidParameterValue");
    let pending = block_on(
        replace_tgw_route(&emulator, EAST, EAST_TGW_RTB, &vip())
            .transit_gateway_attachment_id("tgw-attach-01000000000000011")
            .send(),
    );
    assert_eq!(code(pending), "IncorrectState");
}

#[test]
fn direct_mutation_helpers_shape_the_state() {
    let emulator = reference();
    emulator
        .set_vpc_route_target(NODE1_ISOLATED, REFERENCE_VIP, NODE1_ENI)
        .unwrap();
    assert_eq!(
        emulator
            .vpc_route(NODE1_ISOLATED, "10.0.0.100/32")
            .unwrap()
            .target,
        NODE1_ENI
    );
    emulator
        .set_tgw_route(EAST_TGW_RTB, REFERENCE_VIP, None)
        .unwrap();
    assert_eq!(
        emulator
            .tgw_route(EAST_TGW_RTB, REFERENCE_VIP)
            .unwrap()
            .state,
        RouteState::Blackhole
    );
    emulator.delete_route(NODE1_MAIN, REFERENCE_VIP).unwrap();
    assert!(emulator.vpc_route(NODE1_MAIN, REFERENCE_VIP).is_none());
    assert!(emulator.delete_route(NODE1_MAIN, "10.1.0.0/16").is_err());
    assert!(
        emulator
            .set_vpc_route_target("rtb-0ffffffffffffffff", REFERENCE_VIP, NODE1_ENI)
            .is_err()
    );
    let views = emulator.routes();
    assert!(views.iter().any(|v| v.table_id == NODE1_ISOLATED
        && v.target.as_deref() == Some(NODE1_ENI)
        && v.region == EAST));
    let snapshot = emulator.topology();
    assert!(
        snapshot
            .route_table(NODE1_MAIN)
            .unwrap()
            .routes
            .iter()
            .all(|r| r.destination != vip())
    );
    let no_route = block_on(
        replace_route(&emulator, EAST, NODE1_MAIN, &vip())
            .network_interface_id(NODE1_ENI)
            .send(),
    );
    assert_eq!(code(no_route), "InvalidParameterValue");
}
