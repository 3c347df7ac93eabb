//! Accounts: every object has an owner (the topology's `account_id` unless
//! it is listed in `owners`), every `ownerId` in an answer is the real
//! owner's, and each caller (account from its access key) sees and changes
//! only what its account may: read through the real aws-sdk-ec2 and the
//! IMDS identity document.

mod common;

use aws_sdk_ec2::types::Filter;
use common::{block_on, client, client_as, code, code_and_message, outcome, raw, vip};
use ec2_emulator::{DEFAULT_ACCOUNT_ID, Emulator, REFERENCE_VIP, Topology};

const EAST: &str = "us-east-1";
const NETWORK: &str = "222233334444";
const WORKLOAD: &str = "333344445555";
const CLIENTS: &str = "444455556666";
const EAST_TGW: &str = "tgw-01000000000000001";
const NODE1_VPC: &str = "vpc-01000000000000001";
const EAST_CLIENT_VPC: &str = "vpc-01000000000000011";
const NODE1_ATTACHMENT: &str = "tgw-attach-01000000000000001";
const PEERING: &str = "tgw-attach-0c000000000000012";
/// node1's instance-role key, as its IMDS serves it.
const NODE1_KEY: &str = "ASIAEMULATORNODE1";
/// A static key: a user of the default account.
const USER_KEY: &str = "AKIDEMULATOR";

/// The reference topology with the east TGW in a network account (shared
/// with the default account through RAM), node1 and its VPC in a workload
/// account and the east client VPC in a client account; everything else
/// keeps the default account. Each account has a role the default account
/// may assume.
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
    t.shared_with
        .insert(EAST_TGW.into(), vec![DEFAULT_ACCOUNT_ID.into()]);
    let emulator = Emulator::start(t).unwrap();
    for account in [NETWORK, WORKLOAD, CLIENTS] {
        emulator.set_role_trust(&role(account), vec![DEFAULT_ACCOUNT_ID.into()]);
    }
    emulator
}

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/Probe")
}

/// An access key of a fresh session of `account`'s role, assumed by the
/// default account's user.
fn key_of(emulator: &Emulator, account: &str) -> String {
    let sts = common::sts_as(emulator, EAST, USER_KEY);
    let out = block_on(
        sts.assume_role()
            .role_arn(role(account))
            .role_session_name("probe")
            .send(),
    )
    .unwrap();
    out.credentials().unwrap().access_key_id().to_string()
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
    let network = key_of(&emulator, NETWORK);
    for key in [NODE1_KEY, network.as_str()] {
        let out = block_on(
            client_as(&emulator, EAST, key)
                .describe_transit_gateway_vpc_attachments()
                .transit_gateway_attachment_ids(NODE1_ATTACHMENT)
                .send(),
        )
        .unwrap();
        let attachment = &out.transit_gateway_vpc_attachments()[0];
        assert_eq!(attachment.vpc_owner_id(), Some(WORKLOAD), "{key}");
    }
}

#[test]
fn peering_sides_carry_each_tgw_owner() {
    let emulator = split_accounts();
    let out = block_on(
        client_as(&emulator, EAST, &key_of(&emulator, NETWORK))
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
    let ec2 = client_as(&emulator, EAST, &key_of(&emulator, CLIENTS));
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
    let ec2 = client_as(&emulator, EAST, NODE1_KEY);
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

// ---- Visibility and authority per account, in the landing zone ----

const LZ_EAST_NETWORK: &str = "222200000001";
const WORKLOAD_1: &str = "333300000001";
const NODE1_MAIN: &str = "rtb-01000000000000011";
const EAST_CLIENT_MAIN: &str = "rtb-01000000000000111";
const EAST_TGW_TABLE: &str = "tgw-rtb-01000000000000001";
const LZ_ROLE: &str = "LifeKeeperTgwRoutes";

fn landing_zone() -> Emulator {
    Emulator::start(Topology::landing_zone()).unwrap()
}

/// A session of the landing zone's role in `account`, assumed by node1.
fn lz_key(emulator: &Emulator, account: &str) -> String {
    let sts = common::sts_as(emulator, EAST, NODE1_KEY);
    let arn = format!("arn:aws:iam::{account}:role/{LZ_ROLE}");
    let out = block_on(
        sts.assume_role()
            .role_arn(arn)
            .role_session_name("tgw_generic_rk-i-01000000000000001-10.0.0.100")
            .send(),
    )
    .unwrap();
    out.credentials().unwrap().access_key_id().to_string()
}

fn table_ids(
    out: &aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput,
) -> Vec<String> {
    out.route_tables()
        .iter()
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .collect()
}

#[test]
fn a_shared_tgw_is_visible_to_the_workload_but_its_tables_are_not() {
    let emulator = landing_zone();
    let node1 = client_as(&emulator, EAST, NODE1_KEY);
    let tgws = block_on(node1.describe_transit_gateways().send()).unwrap();
    let tgw = &tgws.transit_gateways()[0];
    assert_eq!(tgws.transit_gateways().len(), 1);
    assert_eq!(
        (tgw.transit_gateway_id(), tgw.owner_id()),
        (Some(EAST_TGW), Some(LZ_EAST_NETWORK))
    );
    // Its route tables do not exist for anyone but the owner.
    let listed = block_on(node1.describe_transit_gateway_route_tables().send()).unwrap();
    assert!(listed.transit_gateway_route_tables().is_empty());
    let by_tgw = block_on(
        node1
            .describe_transit_gateway_route_tables()
            .filters(filter("transit-gateway-id", EAST_TGW))
            .send(),
    )
    .unwrap();
    assert!(by_tgw.transit_gateway_route_tables().is_empty());
    let by_id = node1
        .describe_transit_gateway_route_tables()
        .transit_gateway_route_table_ids(EAST_TGW_TABLE)
        .send();
    assert_eq!(code(block_on(by_id)), "InvalidRouteTableID.NotFound");
    let search = node1
        .search_transit_gateway_routes()
        .transit_gateway_route_table_id(EAST_TGW_TABLE)
        .filters(filter("route-search.exact-match", &vip()))
        .send();
    let (code_, message) = code_and_message(block_on(search));
    assert_eq!(code_, "InvalidRouteTableID.NotFound");
    assert!(message.contains(EAST_TGW_TABLE), "{message}");
    let replace = node1
        .replace_transit_gateway_route()
        .transit_gateway_route_table_id(EAST_TGW_TABLE)
        .destination_cidr_block(vip())
        .transit_gateway_attachment_id(NODE1_ATTACHMENT)
        .send();
    assert_eq!(code(block_on(replace)), "InvalidRouteTableID.NotFound");
    // Attachments: node1 sees its VPC's own, not the client's; no peering.
    let attachments = block_on(node1.describe_transit_gateway_vpc_attachments().send()).unwrap();
    let ids: Vec<_> = attachments
        .transit_gateway_vpc_attachments()
        .iter()
        .filter_map(|a| a.transit_gateway_attachment_id())
        .collect();
    assert_eq!(ids, [NODE1_ATTACHMENT]);
    let peerings = block_on(node1.describe_transit_gateway_peering_attachments().send()).unwrap();
    assert!(peerings.transit_gateway_peering_attachments().is_empty());
    assert_eq!(emulator.writes(), 0);
}

#[test]
fn the_network_account_sees_and_changes_its_tgw_everything_on_it() {
    let emulator = landing_zone();
    let network = client_as(&emulator, EAST, &lz_key(&emulator, LZ_EAST_NETWORK));
    let attachments = block_on(network.describe_transit_gateway_vpc_attachments().send()).unwrap();
    assert_eq!(attachments.transit_gateway_vpc_attachments().len(), 2);
    let peerings = block_on(
        network
            .describe_transit_gateway_peering_attachments()
            .send(),
    )
    .unwrap();
    assert_eq!(peerings.transit_gateway_peering_attachments().len(), 1);
    block_on(
        network
            .replace_transit_gateway_route()
            .transit_gateway_route_table_id(EAST_TGW_TABLE)
            .destination_cidr_block(vip())
            .transit_gateway_attachment_id(NODE1_ATTACHMENT)
            .send(),
    )
    .unwrap();
    let route = emulator.tgw_route(EAST_TGW_TABLE, REFERENCE_VIP).unwrap();
    assert_eq!(route.attachment.as_deref(), Some(NODE1_ATTACHMENT));
    // The network account owns no VPC: it sees no VPC route table.
    let tables = block_on(network.describe_route_tables().send()).unwrap();
    assert!(tables.route_tables().is_empty());
    let replace = network
        .replace_route()
        .route_table_id(NODE1_MAIN)
        .destination_cidr_block(vip())
        .network_interface_id("eni-01000000000000001")
        .send();
    assert_eq!(code(block_on(replace)), "InvalidRouteTableID.NotFound");
}

#[test]
fn another_accounts_vpc_tables_enis_and_vpcs_do_not_exist_for_the_caller() {
    let emulator = landing_zone();
    let node1 = client_as(&emulator, EAST, NODE1_KEY);
    let all = block_on(node1.describe_route_tables().send()).unwrap();
    assert_eq!(
        table_ids(&all),
        [NODE1_MAIN, "rtb-01000000000000012", "rtb-01000000000000013"]
    );
    let by_id = node1
        .describe_route_tables()
        .route_table_ids(EAST_CLIENT_MAIN)
        .send();
    let (code_, message) = code_and_message(block_on(by_id));
    assert_eq!(
        (code_.as_str(), message.as_str()),
        (
            "InvalidRouteTableID.NotFound",
            "The routeTable ID 'rtb-01000000000000111' does not exist"
        )
    );
    let by_filter = block_on(
        node1
            .describe_route_tables()
            .filters(filter("vpc-id", EAST_CLIENT_VPC))
            .send(),
    )
    .unwrap();
    assert!(by_filter.route_tables().is_empty());
    let replace = node1
        .replace_route()
        .route_table_id(EAST_CLIENT_MAIN)
        .destination_cidr_block(vip())
        .transit_gateway_id(EAST_TGW)
        .send();
    assert_eq!(code(block_on(replace)), "InvalidRouteTableID.NotFound");
    let vpcs = block_on(node1.describe_vpcs().send()).unwrap();
    let ids: Vec<_> = vpcs.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(ids, [NODE1_VPC]);
    let other_vpc = node1.describe_vpcs().vpc_ids(EAST_CLIENT_VPC).send();
    assert_eq!(code(block_on(other_vpc)), "InvalidVpcID.NotFound");
    // node2's ENI, asked in its own region with node1's credentials.
    let west = client_as(&emulator, "us-west-2", NODE1_KEY);
    let eni = west
        .describe_network_interface_attribute()
        .network_interface_id("eni-02000000000000002")
        .attribute(aws_sdk_ec2::types::NetworkInterfaceAttribute::SourceDestCheck)
        .send();
    assert_eq!(code(block_on(eni)), "InvalidNetworkInterfaceID.NotFound");
    let own = client_as(&emulator, "us-west-2", "ASIAEMULATORNODE2")
        .describe_network_interface_attribute()
        .network_interface_id("eni-02000000000000002")
        .attribute(aws_sdk_ec2::types::NetworkInterfaceAttribute::SourceDestCheck)
        .send();
    assert!(block_on(own).is_ok());
    assert_eq!(emulator.writes(), 0);
}

#[test]
fn a_vpc_owner_routes_to_a_tgw_shared_with_it_and_not_to_an_unshared_one() {
    let emulator = landing_zone();
    emulator
        .set_vpc_route_target(NODE1_MAIN, REFERENCE_VIP, "eni-01000000000000001")
        .unwrap();
    let to_tgw = |emulator: &Emulator| {
        outcome(block_on(
            client_as(emulator, EAST, NODE1_KEY)
                .replace_route()
                .route_table_id(NODE1_MAIN)
                .destination_cidr_block(vip())
                .transit_gateway_id(EAST_TGW)
                .send(),
        ))
    };
    assert_eq!(to_tgw(&emulator), "ok");
    let route = emulator.vpc_route(NODE1_MAIN, REFERENCE_VIP).unwrap();
    assert_eq!(route.target, EAST_TGW);
    // Without the RAM share the TGW does not exist for the workload account.
    let mut unshared = Topology::landing_zone();
    unshared.shared_with.clear();
    let emulator = Emulator::start(unshared).unwrap();
    assert_eq!(to_tgw(&emulator), "InvalidTransitGatewayID.NotFound");
    let tgws = block_on(
        client_as(&emulator, EAST, NODE1_KEY)
            .describe_transit_gateways()
            .send(),
    )
    .unwrap();
    assert!(tgws.transit_gateways().is_empty());
}

#[test]
fn a_role_assumed_in_the_callers_own_account_acts_as_that_account() {
    let emulator = landing_zone();
    let own = client_as(&emulator, EAST, &lz_key(&emulator, WORKLOAD_1));
    let tables = block_on(own.describe_route_tables().send()).unwrap();
    assert_eq!(tables.route_tables().len(), 3);
}

#[test]
fn an_action_denied_in_one_account_is_denied_to_its_callers_only() {
    let emulator = landing_zone();
    emulator.deny_action_in_account(LZ_EAST_NETWORK, "SearchTransitGatewayRoutes");
    let network = client_as(&emulator, EAST, &lz_key(&emulator, LZ_EAST_NETWORK));
    let search = |client: &aws_sdk_ec2::Client, dry_run: bool| {
        outcome(block_on(
            client
                .search_transit_gateway_routes()
                .transit_gateway_route_table_id(EAST_TGW_TABLE)
                .filters(filter("route-search.exact-match", &vip()))
                .dry_run(dry_run)
                .send(),
        ))
    };
    assert_eq!(search(&network, false), "UnauthorizedOperation");
    assert_eq!(search(&network, true), "UnauthorizedOperation");
    // Another account's callers are not affected (they get their own answer).
    let node1 = client_as(&emulator, EAST, NODE1_KEY);
    assert_eq!(search(&node1, true), "DryRunOperation");
    emulator.allow_action_in_account(LZ_EAST_NETWORK, "SearchTransitGatewayRoutes");
    assert_eq!(search(&network, false), "ok");
}

#[test]
fn single_account_topologies_are_unchanged_for_every_kind_of_caller() {
    let emulator = common::reference();
    let everything = |key: &str| {
        let ec2 = client_as(&emulator, EAST, key);
        let tables = block_on(ec2.describe_route_tables().send()).unwrap();
        let tgw_tables = block_on(ec2.describe_transit_gateway_route_tables().send()).unwrap();
        let attachments = block_on(ec2.describe_transit_gateway_vpc_attachments().send()).unwrap();
        (
            table_ids(&tables).len(),
            tgw_tables.transit_gateway_route_tables().len(),
            attachments.transit_gateway_vpc_attachments().len(),
        )
    };
    let all = (5, 1, 2);
    assert_eq!(everything(USER_KEY), all);
    assert_eq!(everything("AKIAEMULATOR"), all);
    assert_eq!(everything(NODE1_KEY), all);
    assert_eq!(everything("ASIAEMULATORNODE2"), all);
    let me = block_on(
        common::sts_as(&emulator, EAST, NODE1_KEY)
            .get_caller_identity()
            .send(),
    )
    .unwrap();
    assert_eq!(me.account(), Some(DEFAULT_ACCOUNT_ID));
}

#[test]
fn node_client_env_acts_in_the_nodes_account() {
    let emulator = landing_zone();
    let env = emulator.node_client_env("node2");
    let value = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    assert_eq!(
        value("AWS_ACCESS_KEY_ID").as_deref(),
        Some("ASIAEMULATORNODE2")
    );
    assert!(value("AWS_SESSION_TOKEN").is_some());
    assert_eq!(value("AWS_ENDPOINT_URL"), Some(emulator.ec2_endpoint()));
    assert_eq!(
        value("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
        emulator.imds_endpoint("node2")
    );
    let key = value("AWS_ACCESS_KEY_ID").unwrap();
    let me = block_on(
        common::sts_as(&emulator, "us-west-2", &key)
            .get_caller_identity()
            .send(),
    )
    .unwrap();
    assert_eq!(me.account(), Some("333300000002"));
    // client_env keeps the default account's static key.
    let static_env = emulator.client_env("node2");
    assert!(static_env.contains(&("AWS_ACCESS_KEY_ID", "AKIDEMULATOR".to_string())));
}
