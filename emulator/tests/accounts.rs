//! Accounts: every object has an owner (the topology's `account_id` unless
//! it is listed in `owners`), and every `ownerId` in an answer is the real
//! owner's, read through the real aws-sdk-ec2 and the IMDS identity document.

mod common;

use aws_sdk_ec2::types::Filter;
use common::{block_on, client, raw, vpc_attachment};
use ec2_emulator::{DEFAULT_ACCOUNT_ID, Emulator, Topology};

const EAST: &str = "us-east-1";
const NETWORK: &str = "222233334444";
const WORKLOAD: &str = "333344445555";
const CLIENTS: &str = "444455556666";
const EAST_TGW: &str = "tgw-01000000000000001";
const NODE1_VPC: &str = "vpc-01000000000000001";
const EAST_CLIENT_VPC: &str = "vpc-01000000000000011";
const NODE1_ATTACHMENT: &str = "tgw-attach-01000000000000001";
const PEERING: &str = "tgw-attach-0c000000000000012";

/// The reference topology with the east TGW in a network account, node1
/// and its VPC in a workload account and the east client VPC in a client
/// account; everything else keeps the default account.
fn split_accounts() -> Emulator {
    let mut t = Topology::two_region();
    for (object, account) in [
        (EAST_TGW, NETWORK),
        (NODE1_VPC, WORKLOAD),
        ("node1", WORKLOAD),
        (EAST_CLIENT_VPC, CLIENTS),
    ] {
        t.owners.insert(object.into(), account.into());
    }
    Emulator::start(t).unwrap()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[test]
fn transit_gateway_owner_and_arn_are_the_owning_accounts() {
    let emulator = split_accounts();
    let out = block_on(
        client(&emulator, EAST)
            .describe_transit_gateways()
            .transit_gateway_ids(EAST_TGW)
            .send(),
    )
    .unwrap();
    let tgw = &out.transit_gateways()[0];
    assert_eq!(tgw.owner_id(), Some(NETWORK));
    assert_eq!(
        tgw.transit_gateway_arn(),
        Some(format!("arn:aws:ec2:{EAST}:{NETWORK}:transit-gateway/{EAST_TGW}").as_str())
    );
}

#[test]
fn vpc_attachment_carries_the_vpc_owner() {
    let emulator = split_accounts();
    let attachment = vpc_attachment(&emulator, EAST, NODE1_ATTACHMENT);
    assert_eq!(attachment.vpc_owner_id(), Some(WORKLOAD));
}

#[test]
fn peering_sides_carry_each_tgw_owner() {
    let emulator = split_accounts();
    let out = block_on(
        client(&emulator, EAST)
            .describe_transit_gateway_peering_attachments()
            .transit_gateway_attachment_ids(PEERING)
            .send(),
    )
    .unwrap();
    let peering = &out.transit_gateway_peering_attachments()[0];
    let owner = |info: Option<&aws_sdk_ec2::types::PeeringTgwInfo>| {
        info.and_then(|i| i.owner_id()).map(str::to_string)
    };
    assert_eq!(
        owner(peering.requester_tgw_info()).as_deref(),
        Some(NETWORK)
    );
    assert_eq!(
        owner(peering.accepter_tgw_info()).as_deref(),
        Some(DEFAULT_ACCOUNT_ID)
    );
}

#[test]
fn route_tables_and_vpcs_carry_the_vpc_owner() {
    let emulator = split_accounts();
    let ec2 = client(&emulator, EAST);
    let tables = block_on(
        ec2.describe_route_tables()
            .filters(filter("vpc-id", EAST_CLIENT_VPC))
            .send(),
    )
    .unwrap();
    assert!(!tables.route_tables().is_empty());
    assert!(
        tables
            .route_tables()
            .iter()
            .all(|t| t.owner_id() == Some(CLIENTS))
    );
    let owned = block_on(
        ec2.describe_route_tables()
            .filters(filter("owner-id", WORKLOAD))
            .send(),
    )
    .unwrap();
    assert!(!owned.route_tables().is_empty());
    assert!(
        owned
            .route_tables()
            .iter()
            .all(|t| t.vpc_id() == Some(NODE1_VPC))
    );
    let vpcs = block_on(ec2.describe_vpcs().vpc_ids(NODE1_VPC).send()).unwrap();
    assert_eq!(vpcs.vpcs()[0].owner_id(), Some(WORKLOAD));
}

#[test]
fn identity_document_carries_the_nodes_account() {
    let emulator = split_accounts();
    let document = |node: &str| {
        let addr = emulator.imds_addr(node).unwrap();
        let token = raw(
            addr,
            "PUT",
            "/latest/api/token",
            &[("x-aws-ec2-metadata-token-ttl-seconds", "60")],
            "",
        )
        .body;
        raw(
            addr,
            "GET",
            "/latest/dynamic/instance-identity/document",
            &[("x-aws-ec2-metadata-token", &token)],
            "",
        )
        .body
    };
    assert!(document("node1").contains(&format!("\"accountId\" : \"{WORKLOAD}\"")));
    assert!(document("node2").contains(&format!("\"accountId\" : \"{DEFAULT_ACCOUNT_ID}\"")));
}
