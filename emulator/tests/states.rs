//! Object states (attachments, peerings, TGW route tables) and per-action
//! faults, through the real aws-sdk-ec2.

mod common;

use aws_sdk_ec2::types::{Filter, TransitGatewayAttachmentState, TransitGatewayRouteTableState};
use common::{block_on, client, code, reference, vip, vpc_attachment};
use ec2_emulator::{Emulator, Topology, oracle};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const NODE1_MAIN: &str = "rtb-01000000000000011";
const EAST_TGW: &str = "tgw-01000000000000001";
const EAST_TGW_RTB: &str = "tgw-rtb-01000000000000001";
const NODE1_ATTACHMENT: &str = "tgw-attach-01000000000000001";
const PEERING: &str = "tgw-attach-0c000000000000012";

fn states(values: &[&str]) -> Filter {
    values
        .iter()
        .fold(Filter::builder().name("state"), |b, v| b.values(*v))
        .build()
}

fn vpc_attachment_ids(emulator: &Emulator, filter: Filter) -> Vec<String> {
    let out = block_on(
        client(emulator, EAST)
            .describe_transit_gateway_vpc_attachments()
            .filters(filter)
            .send(),
    )
    .unwrap();
    out.transit_gateway_vpc_attachments()
        .iter()
        .map(|a| a.transit_gateway_attachment_id().unwrap().to_string())
        .collect()
}

#[test]
fn attachment_states_are_reported_and_filtered() {
    let emulator = reference();
    emulator
        .set_attachment_state(NODE1_ATTACHMENT, "modifying")
        .unwrap();
    let in_path = vpc_attachment_ids(&emulator, states(&["available", "modifying"]));
    assert!(in_path.contains(&NODE1_ATTACHMENT.to_string()));
    let available = vpc_attachment_ids(&emulator, states(&["available"]));
    assert!(!available.contains(&NODE1_ATTACHMENT.to_string()));
    assert_eq!(
        vpc_attachment(&emulator, EAST, NODE1_ATTACHMENT).state(),
        Some(&TransitGatewayAttachmentState::Modifying)
    );
    emulator.set_attachment_state(PEERING, "pending").unwrap();
    let peerings = block_on(
        client(&emulator, WEST)
            .describe_transit_gateway_peering_attachments()
            .send(),
    )
    .unwrap();
    assert_eq!(
        peerings.transit_gateway_peering_attachments()[0].state(),
        Some(&TransitGatewayAttachmentState::Pending)
    );
    assert!(emulator.set_attachment_state(PEERING, "sleepy").is_err());
    assert!(
        emulator
            .set_attachment_state("tgw-attach-0nope", "pending")
            .is_err()
    );
}

#[test]
fn a_modifying_attachment_can_be_routed_to_a_pending_one_cannot() {
    let emulator = reference();
    emulator
        .set_attachment_state(NODE1_ATTACHMENT, "modifying")
        .unwrap();
    let tgw_route = || {
        client(&emulator, EAST)
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .destination_cidr_block(vip())
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .send()
    };
    let vpc_route = || {
        client(&emulator, EAST)
            .replace_route()
            .route_table_id(NODE1_MAIN)
            .destination_cidr_block("10.2.0.0/16")
            .transit_gateway_id(EAST_TGW)
            .send()
    };
    block_on(tgw_route()).unwrap();
    block_on(vpc_route()).unwrap();
    emulator
        .set_attachment_state(NODE1_ATTACHMENT, "pending")
        .unwrap();
    assert_eq!(code(block_on(tgw_route())), "IncorrectState");
    assert_eq!(
        code(block_on(vpc_route())),
        "InvalidTransitGatewayID.NotFound"
    );
}

#[test]
fn only_an_available_tgw_table_can_be_searched_or_changed() {
    let emulator = reference();
    emulator
        .set_tgw_route_table_state(EAST_TGW_RTB, "deleting")
        .unwrap();
    let listed = block_on(
        client(&emulator, EAST)
            .describe_transit_gateway_route_tables()
            .send(),
    )
    .unwrap();
    assert_eq!(
        listed.transit_gateway_route_tables()[0].state(),
        Some(&TransitGatewayRouteTableState::Deleting)
    );
    let available = block_on(
        client(&emulator, EAST)
            .describe_transit_gateway_route_tables()
            .filters(states(&["available"]))
            .send(),
    )
    .unwrap();
    assert!(available.transit_gateway_route_tables().is_empty());
    let search = || {
        let exact = Filter::builder()
            .name("route-search.exact-match")
            .values(vip())
            .build();
        client(&emulator, EAST)
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .filters(exact)
            .send()
    };
    assert_eq!(code(block_on(search())), "IncorrectState");
    let replace = block_on(
        client(&emulator, EAST)
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .destination_cidr_block(vip())
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .send(),
    );
    assert_eq!(code(replace), "IncorrectState");
    emulator
        .set_tgw_route_table_state(EAST_TGW_RTB, "deleted")
        .unwrap();
    assert_eq!(code(block_on(search())), "InvalidRouteTableID.NotFound");
    assert!(
        emulator
            .set_tgw_route_table_state(EAST_TGW_RTB, "modifying")
            .is_err()
    );
}

#[test]
fn the_oracle_follows_the_same_states() {
    let mut topo = Topology::two_region();
    let vip = vip();
    let before = oracle::expected_vip_targets(&topo, "node1", &vip);
    assert!(before.contains_key(EAST_TGW_RTB));
    topo.vpc_attachments
        .iter_mut()
        .find(|a| a.id == NODE1_ATTACHMENT)
        .unwrap()
        .state = "modifying".into();
    assert_eq!(oracle::expected_vip_targets(&topo, "node1", &vip), before);
    topo.tgw_route_tables
        .iter_mut()
        .find(|t| t.id == EAST_TGW_RTB)
        .unwrap()
        .state = "deleting".into();
    let after = oracle::expected_vip_targets(&topo, "node1", &vip);
    assert!(!after.contains_key(EAST_TGW_RTB));
    topo.peerings[0].state = "pendingAcceptance".into();
    let alone = oracle::expected_vip_targets(&topo, "node1", &vip);
    assert!(alone.keys().all(|t| t.contains("-01")), "{alone:?}");
}

#[test]
fn an_action_fault_hits_one_region_and_action_for_its_count() {
    let emulator = reference();
    emulator.fail_action(
        EAST,
        "DescribeTransitGatewayPeeringAttachments",
        500,
        "InternalError",
        Some(1),
    );
    // The error code, or None on success.
    let peerings = |region| {
        use aws_sdk_ec2::error::ProvideErrorMetadata;
        block_on(
            client(&emulator, region)
                .describe_transit_gateway_peering_attachments()
                .send(),
        )
        .err()
        .and_then(|e| e.code().map(str::to_string))
    };
    assert_eq!(peerings(WEST), None);
    assert!(
        block_on(
            client(&emulator, EAST)
                .describe_transit_gateway_vpc_attachments()
                .send()
        )
        .is_ok()
    );
    assert_eq!(peerings(EAST).as_deref(), Some("InternalError"));
    assert_eq!(peerings(EAST), None, "the fault was for one request");
    emulator.fail_action(
        EAST,
        "DescribeTransitGatewayPeeringAttachments",
        403,
        "UnauthorizedOperation",
        None,
    );
    assert_eq!(peerings(EAST).as_deref(), Some("UnauthorizedOperation"));
    assert_eq!(peerings(EAST).as_deref(), Some("UnauthorizedOperation"));
    emulator.clear_action_fault(EAST, "DescribeTransitGatewayPeeringAttachments");
    assert_eq!(peerings(EAST), None);
}
