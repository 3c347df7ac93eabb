//! Describe* and SearchTransitGatewayRoutes through the real aws-sdk-ec2:
//! response shapes, every supported filter, explicit ids, pagination and
//! region isolation.

mod common;

use aws_sdk_ec2::types::{
    Filter, NetworkInterfaceAttribute, RouteOrigin, RouteState,
    TransitGatewayAttachmentResourceType, TransitGatewayRouteState, TransitGatewayRouteType,
};
use common::{block_on, client, code, code_and_message, reference, vip, vpc_attachment};
use ec2_emulator::{Emulator, MeshSpec, TgwRouteTable, Topology, TransitGateway};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const NODE1_VPC: &str = "vpc-01000000000000001";
const NODE1_MAIN: &str = "rtb-01000000000000011";
const EAST_TGW: &str = "tgw-01000000000000001";
const WEST_TGW: &str = "tgw-02000000000000001";
const EAST_TGW_RTB: &str = "tgw-rtb-01000000000000001";
const PEERING: &str = "tgw-attach-0c000000000000012";

fn filter(name: &str, values: &[&str]) -> Filter {
    values
        .iter()
        .fold(Filter::builder().name(name), |b, v| b.values(*v))
        .build()
}

fn table_ids(emulator: &Emulator, region: &str, filters: Vec<Filter>) -> Vec<String> {
    let client = client(emulator, region);
    let out = block_on(
        client
            .describe_route_tables()
            .set_filters(Some(filters))
            .send(),
    )
    .unwrap();
    out.route_tables()
        .iter()
        .map(|t| t.route_table_id().unwrap().to_string())
        .collect()
}

#[test]
fn route_tables_are_scoped_to_the_signing_region() {
    let emulator = reference();
    let east = table_ids(&emulator, EAST, vec![]);
    let west = table_ids(&emulator, WEST, vec![]);
    assert_eq!(east.len(), 5);
    assert_eq!(west.len(), 5);
    assert!(east.iter().all(|id| id.starts_with("rtb-01")));
    assert!(west.iter().all(|id| id.starts_with("rtb-02")));
}

#[test]
fn route_table_has_the_shape_the_sdk_expects() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let out = block_on(
        client
            .describe_route_tables()
            .route_table_ids(NODE1_MAIN)
            .send(),
    )
    .unwrap();
    let [table] = out.route_tables() else {
        panic!("one table expected")
    };
    assert_eq!(table.vpc_id(), Some(NODE1_VPC));
    assert_eq!(table.owner_id(), Some("111122223333"));
    assert_eq!(table.associations().len(), 1);
    assert_eq!(table.associations()[0].main(), Some(true));
    assert_eq!(table.tags()[0].value(), Some("node1-main"));
    let route = |cidr: &str| {
        table
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some(cidr))
            .unwrap()
    };
    let local = route("10.1.0.0/16");
    assert_eq!(local.gateway_id(), Some("local"));
    assert_eq!(local.origin(), Some(&RouteOrigin::CreateRouteTable));
    let vip = route(&vip());
    assert_eq!(vip.transit_gateway_id(), Some(EAST_TGW));
    assert_eq!(vip.state(), Some(&RouteState::Active));
    let other = route("10.0.0.200/32");
    assert_eq!(other.network_interface_id(), Some("eni-01000000000000001"));
    assert_eq!(other.instance_id(), Some("i-01000000000000001"));
    assert_eq!(
        route("0.0.0.0/0").gateway_id(),
        Some("igw-01000000000000001")
    );
}

#[test]
fn route_table_filters_and_or_and_wildcards() {
    let emulator = reference();
    let vip = vip();
    let with_vip = table_ids(
        &emulator,
        EAST,
        vec![filter("route.destination-cidr-block", &[&vip])],
    );
    assert_eq!(
        with_vip,
        [
            "rtb-01000000000000011",
            "rtb-01000000000000012",
            "rtb-01000000000000111"
        ]
    );
    let in_node1_vpc = vec![
        filter("vpc-id", &[NODE1_VPC]),
        filter("route.destination-cidr-block", &[&vip]),
    ];
    assert_eq!(table_ids(&emulator, EAST, in_node1_vpc).len(), 2);
    let either_vpc = filter("vpc-id", &[NODE1_VPC, "vpc-01000000000000011"]);
    assert_eq!(table_ids(&emulator, EAST, vec![either_vpc]).len(), 5);
    let main = table_ids(&emulator, EAST, vec![filter("association.main", &["true"])]);
    assert_eq!(main, ["rtb-01000000000000011", "rtb-01000000000000111"]);
    assert_eq!(
        table_ids(
            &emulator,
            EAST,
            vec![filter("association.main", &["false"])]
        )
        .len(),
        3
    );
    let by_id = table_ids(
        &emulator,
        EAST,
        vec![filter("route-table-id", &["rtb-0100000000000001*"])],
    );
    assert_eq!(by_id.len(), 3);
    let by_tgw = vec![
        filter("route.transit-gateway-id", &[EAST_TGW]),
        filter("tag:Name", &["node1-*"]),
    ];
    assert_eq!(
        table_ids(&emulator, EAST, by_tgw),
        ["rtb-01000000000000011", "rtb-01000000000000012"]
    );
    assert!(
        table_ids(
            &emulator,
            EAST,
            vec![filter("vpc-id", &["vpc-02000000000000002"])]
        )
        .is_empty()
    );
}

#[test]
fn route_table_ids_and_filter_names_are_checked() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let ids = block_on(
        client
            .describe_route_tables()
            .route_table_ids(NODE1_MAIN)
            .route_table_ids("rtb-01000000000000013")
            .send(),
    )
    .unwrap();
    assert_eq!(ids.route_tables().len(), 2);
    let unknown = block_on(
        client
            .describe_route_tables()
            .route_table_ids("rtb-0ffffffffffffffff")
            .send(),
    );
    assert_eq!(code(unknown), "InvalidRouteTableID.NotFound");
    let other_region = block_on(
        client
            .describe_route_tables()
            .route_table_ids("rtb-02000000000000021")
            .send(),
    );
    assert_eq!(code(other_region), "InvalidRouteTableID.NotFound");
    let bad_filter = block_on(
        client
            .describe_route_tables()
            .filters(filter("colour", &["blue"]))
            .send(),
    );
    assert_eq!(
        code_and_message(bad_filter),
        (
            "InvalidParameterValue".into(),
            "The filter 'colour' is invalid".into()
        )
    );
}

#[test]
fn paginators_walk_every_page_with_a_forced_page_size_of_one() {
    let emulator = reference();
    emulator.set_page_size(Some(1));
    let client = client(&emulator, EAST);
    let tables: Vec<_> = block_on(
        client
            .describe_route_tables()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(tables.len(), 5);
    assert_eq!(emulator.calls(EAST, "DescribeRouteTables"), 5);
    let vpcs: Vec<_> = block_on(
        client
            .describe_vpcs()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(vpcs.len(), 2);
    let attachments: Vec<_> = block_on(
        client
            .describe_transit_gateway_vpc_attachments()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(
        emulator.calls(EAST, "DescribeTransitGatewayVpcAttachments"),
        2
    );
}

/// Adds a second TGW (with its own route table) in us-east-1 so the TGW
/// listings have more than one page.
fn with_second_east_tgw() -> Topology {
    let mut t = Topology::two_region();
    t.transit_gateways.push(TransitGateway {
        id: "tgw-01000000000000002".into(),
        region: EAST.into(),
        name: None,
    });
    t.tgw_route_tables.push(TgwRouteTable {
        id: "tgw-rtb-01000000000000002".into(),
        tgw: "tgw-01000000000000002".into(),
        name: None,
        state: "available".into(),
        routes: vec![],
    });
    let mut peering = t.peerings[0].clone();
    peering.id = "tgw-attach-0c000000000000022".into();
    peering.requester_tgw = "tgw-01000000000000002".into();
    t.peerings.push(peering);
    t
}

#[test]
fn tgw_paginators_walk_every_page() {
    let emulator = Emulator::start(with_second_east_tgw()).unwrap();
    emulator.set_page_size(Some(1));
    let client = client(&emulator, EAST);
    let tgws: Vec<_> = block_on(
        client
            .describe_transit_gateways()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(tgws.len(), 2);
    let tables: Vec<_> = block_on(
        client
            .describe_transit_gateway_route_tables()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(tables.len(), 2);
    let peerings: Vec<_> = block_on(
        client
            .describe_transit_gateway_peering_attachments()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    )
    .unwrap();
    assert_eq!(peerings.len(), 2);
    assert_eq!(
        emulator.calls(EAST, "DescribeTransitGatewayPeeringAttachments"),
        2
    );
}

#[test]
fn max_results_and_next_token_are_validated() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let all = block_on(client.describe_route_tables().max_results(5).send()).unwrap();
    assert_eq!((all.route_tables().len(), all.next_token()), (5, None));
    assert_eq!(
        code(block_on(
            client.describe_route_tables().max_results(4).send()
        )),
        "InvalidParameterValue"
    );
    let bad_token = block_on(
        client
            .describe_route_tables()
            .next_token("not-a-token")
            .send(),
    );
    assert_eq!(code(bad_token), "InvalidParameterValue");
    emulator.set_page_size(Some(2));
    let first = block_on(client.describe_route_tables().max_results(5).send()).unwrap();
    assert_eq!(first.route_tables().len(), 2);
    let token = first.next_token().unwrap().to_string();
    let foreign = block_on(
        client
            .describe_transit_gateway_vpc_attachments()
            .next_token(token)
            .send(),
    );
    assert_eq!(code(foreign), "InvalidParameterValue");
}

#[test]
fn describe_vpcs_filters_and_ids() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let all = block_on(client.describe_vpcs().send()).unwrap();
    assert_eq!(all.vpcs().len(), 2);
    let by_cidr = block_on(
        client
            .describe_vpcs()
            .filters(filter("cidr", &["10.11.0.0/16"]))
            .send(),
    )
    .unwrap();
    assert_eq!(by_cidr.vpcs()[0].vpc_id(), Some("vpc-01000000000000011"));
    assert_eq!(by_cidr.vpcs()[0].cidr_block(), Some("10.11.0.0/16"));
    let unknown = block_on(
        client
            .describe_vpcs()
            .vpc_ids("vpc-02000000000000002")
            .send(),
    );
    assert_eq!(code(unknown), "InvalidVpcID.NotFound");
}

#[test]
fn transit_gateways_and_their_filters() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let all = block_on(client.describe_transit_gateways().send()).unwrap();
    let ids: Vec<_> = all
        .transit_gateways()
        .iter()
        .map(|t| t.transit_gateway_id().unwrap())
        .collect();
    assert_eq!(ids, [EAST_TGW]);
    assert_eq!(all.transit_gateways()[0].owner_id(), Some("111122223333"));
    let by_id = block_on(
        client
            .describe_transit_gateways()
            .filters(filter("transit-gateway-id", &[WEST_TGW]))
            .send(),
    )
    .unwrap();
    assert!(by_id.transit_gateways().is_empty());
    let available = block_on(
        client
            .describe_transit_gateways()
            .filters(filter("state", &["available"]))
            .send(),
    )
    .unwrap();
    assert_eq!(available.transit_gateways().len(), 1);
    let unknown = block_on(
        client
            .describe_transit_gateways()
            .transit_gateway_ids(WEST_TGW)
            .send(),
    );
    assert_eq!(code(unknown), "InvalidTransitGatewayID.NotFound");
}

#[test]
fn vpc_attachments_and_their_filters() {
    let mut topology = Topology::two_region();
    topology.vpc_attachments[1].state = "deleted".into();
    let emulator = Emulator::start(topology).unwrap();
    let client = client(&emulator, EAST);
    let ids = |filters: Vec<Filter>| -> Vec<String> {
        let out = block_on(
            client
                .describe_transit_gateway_vpc_attachments()
                .set_filters(Some(filters))
                .send(),
        )
        .unwrap();
        out.transit_gateway_vpc_attachments()
            .iter()
            .map(|a| a.transit_gateway_attachment_id().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(vec![]).len(), 2);
    assert_eq!(
        ids(vec![filter("state", &["available"])]),
        ["tgw-attach-01000000000000001"]
    );
    assert_eq!(
        ids(vec![filter("vpc-id", &["vpc-01000000000000011"])]),
        ["tgw-attach-01000000000000011"]
    );
    assert_eq!(
        ids(vec![filter("transit-gateway-id", &[EAST_TGW])]).len(),
        2
    );
    assert_eq!(
        ids(vec![filter(
            "transit-gateway-attachment-id",
            &["tgw-attach-01000000000000011"]
        )])
        .len(),
        1
    );
    assert!(ids(vec![filter("transit-gateway-id", &[WEST_TGW])]).is_empty());
    let attachment = vpc_attachment(&emulator, EAST, "tgw-attach-01000000000000001");
    assert_eq!(
        (attachment.vpc_id(), attachment.transit_gateway_id()),
        (Some(NODE1_VPC), Some(EAST_TGW))
    );
    let unknown = block_on(
        client
            .describe_transit_gateway_vpc_attachments()
            .transit_gateway_attachment_ids(PEERING)
            .send(),
    );
    assert_eq!(code(unknown), "InvalidTransitGatewayAttachmentID.NotFound");
}

#[test]
fn a_peering_is_visible_from_both_regions_under_one_id() {
    let emulator = reference();
    for region in [EAST, WEST] {
        let client = client(&emulator, region);
        let out = block_on(client.describe_transit_gateway_peering_attachments().send()).unwrap();
        let [peering] = out.transit_gateway_peering_attachments() else {
            panic!("one peering expected")
        };
        assert_eq!(peering.transit_gateway_attachment_id(), Some(PEERING));
        let requester = peering.requester_tgw_info().unwrap();
        let accepter = peering.accepter_tgw_info().unwrap();
        assert_eq!(
            (requester.transit_gateway_id(), requester.region()),
            (Some(EAST_TGW), Some(EAST))
        );
        assert_eq!(
            (accepter.transit_gateway_id(), accepter.region()),
            (Some(WEST_TGW), Some(WEST))
        );
        assert_eq!(requester.owner_id(), Some("111122223333"));
        for tgw in [EAST_TGW, WEST_TGW] {
            let by_tgw = block_on(
                client
                    .describe_transit_gateway_peering_attachments()
                    .filters(filter("transit-gateway-id", &[tgw]))
                    .send(),
            )
            .unwrap();
            assert_eq!(by_tgw.transit_gateway_peering_attachments().len(), 1);
        }
        let pending = block_on(
            client
                .describe_transit_gateway_peering_attachments()
                .filters(filter("state", &["pendingAcceptance"]))
                .send(),
        )
        .unwrap();
        assert!(pending.transit_gateway_peering_attachments().is_empty());
        let by_id = block_on(
            client
                .describe_transit_gateway_peering_attachments()
                .filters(filter("transit-gateway-attachment-id", &[PEERING]))
                .send(),
        )
        .unwrap();
        assert_eq!(by_id.transit_gateway_peering_attachments().len(), 1);
    }
}

#[test]
fn a_region_sees_only_the_peerings_it_takes_part_in() {
    let spec = MeshSpec {
        regions: 3,
        vpcs_per_region: 1,
        tables_per_vpc: 1,
        tgw_tables_per_tgw: 1,
    };
    let emulator = Emulator::start(Topology::mesh(&spec).unwrap()).unwrap();
    for region in ["us-east-1", "us-west-2", "eu-west-1"] {
        let out = block_on(
            client(&emulator, region)
                .describe_transit_gateway_peering_attachments()
                .send(),
        )
        .unwrap();
        assert_eq!(
            out.transit_gateway_peering_attachments().len(),
            2,
            "{region}"
        );
    }
    let unknown = block_on(
        client(&emulator, "us-east-1")
            .describe_transit_gateway_peering_attachments()
            .transit_gateway_attachment_ids("tgw-attach-0000000000000bad")
            .send(),
    );
    assert_eq!(code(unknown), "InvalidTransitGatewayAttachmentID.NotFound");
}

#[test]
fn tgw_route_tables_and_their_filters() {
    let emulator = reference();
    let client = client(&emulator, WEST);
    let out = block_on(client.describe_transit_gateway_route_tables().send()).unwrap();
    let [table] = out.transit_gateway_route_tables() else {
        panic!("one table expected")
    };
    assert_eq!(
        table.transit_gateway_route_table_id(),
        Some("tgw-rtb-02000000000000001")
    );
    assert_eq!(table.transit_gateway_id(), Some(WEST_TGW));
    assert_eq!(table.default_association_route_table(), Some(true));
    let by_tgw = block_on(
        client
            .describe_transit_gateway_route_tables()
            .filters(filter("transit-gateway-id", &[EAST_TGW]))
            .send(),
    )
    .unwrap();
    assert!(by_tgw.transit_gateway_route_tables().is_empty());
    let by_state = block_on(
        client
            .describe_transit_gateway_route_tables()
            .filters(filter("state", &["available"]))
            .send(),
    )
    .unwrap();
    assert_eq!(by_state.transit_gateway_route_tables().len(), 1);
    let unknown = block_on(
        client
            .describe_transit_gateway_route_tables()
            .transit_gateway_route_table_ids(EAST_TGW_RTB)
            .send(),
    );
    assert_eq!(code(unknown), "InvalidRouteTableID.NotFound");
}

fn search(
    emulator: &Emulator,
    table: &str,
    filters: Vec<Filter>,
) -> aws_sdk_ec2::operation::search_transit_gateway_routes::SearchTransitGatewayRoutesOutput {
    let client = client(emulator, EAST);
    block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(table)
            .set_filters(Some(filters))
            .send(),
    )
    .unwrap()
}

fn destinations(
    out: &aws_sdk_ec2::operation::search_transit_gateway_routes::SearchTransitGatewayRoutesOutput,
) -> Vec<&str> {
    out.routes()
        .iter()
        .map(|r| r.destination_cidr_block().unwrap())
        .collect()
}

#[test]
fn search_routes_by_exact_match_reports_the_attachment() {
    let emulator = reference();
    let out = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("route-search.exact-match", &[&vip()])],
    );
    let [route] = out.routes() else {
        panic!("one route expected")
    };
    assert_eq!(route.r#type(), Some(&TransitGatewayRouteType::Static));
    assert_eq!(route.state(), Some(&TransitGatewayRouteState::Active));
    let attachment = &route.transit_gateway_attachments()[0];
    assert_eq!(attachment.transit_gateway_attachment_id(), Some(PEERING));
    assert_eq!(
        attachment.resource_type(),
        Some(&TransitGatewayAttachmentResourceType::Peering)
    );
    assert_eq!(attachment.resource_id(), Some(WEST_TGW));
    assert_eq!(out.additional_routes_available(), Some(false));
}

#[test]
fn search_routes_by_type_state_and_attachment() {
    let emulator = reference();
    let propagated = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("type", &["propagated"])],
    );
    assert_eq!(destinations(&propagated), ["10.1.0.0/16", "10.11.0.0/16"]);
    let blackhole = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("state", &["blackhole"])],
    );
    assert_eq!(destinations(&blackhole), ["10.99.0.0/16"]);
    assert!(
        blackhole.routes()[0]
            .transit_gateway_attachments()
            .is_empty()
    );
    let via_peering = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter(
            "attachment.transit-gateway-attachment-id",
            &[PEERING],
        )],
    );
    assert_eq!(
        destinations(&via_peering),
        ["10.2.0.0/16", "10.12.0.0/16", "10.0.0.100/32"]
    );
    let to_vpcs = search(
        &emulator,
        EAST_TGW_RTB,
        vec![
            filter("attachment.resource-type", &["vpc"]),
            filter("type", &["static"]),
        ],
    );
    assert_eq!(destinations(&to_vpcs), ["10.0.0.200/32"]);
    let to_node1 = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("attachment.resource-id", &[NODE1_VPC])],
    );
    assert_eq!(destinations(&to_node1), ["10.1.0.0/16", "10.0.0.200/32"]);
}

#[test]
fn search_routes_by_prefix_relations() {
    let emulator = reference();
    let longest = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter(
            "route-search.longest-prefix-match",
            &["10.1.2.3/32"],
        )],
    );
    assert_eq!(destinations(&longest), ["10.1.0.0/16"]);
    let vip_longest = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("route-search.longest-prefix-match", &[&vip()])],
    );
    assert_eq!(destinations(&vip_longest), ["10.0.0.100/32"]);
    let subnets = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("route-search.subnet-of-match", &["10.0.0.0/24"])],
    );
    assert_eq!(destinations(&subnets), ["10.0.0.100/32", "10.0.0.200/32"]);
    let supernets = search(
        &emulator,
        EAST_TGW_RTB,
        vec![filter("route-search.supernet-of-match", &["10.1.5.0/24"])],
    );
    assert_eq!(destinations(&supernets), ["10.1.0.0/16"]);
}

#[test]
fn search_routes_limits_and_errors() {
    let emulator = reference();
    let client = client(&emulator, EAST);
    let everything = filter("route-search.subnet-of-match", &["0.0.0.0/0"]);
    let capped = block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .filters(everything.clone())
            .max_results(5)
            .send(),
    )
    .unwrap();
    assert_eq!(capped.routes().len(), 5);
    assert_eq!(capped.additional_routes_available(), Some(true));
    let west_table = block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id("tgw-rtb-02000000000000001")
            .filters(everything.clone())
            .send(),
    );
    assert_eq!(code(west_table), "InvalidRouteTableID.NotFound");
    let bad_filter = block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .filters(filter("vpc-id", &["x"]))
            .send(),
    );
    assert_eq!(code(bad_filter), "InvalidParameterValue");
    let bad_cidr = block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .filters(filter("route-search.exact-match", &["10.0.0.1/8"]))
            .send(),
    );
    assert_eq!(code(bad_cidr), "InvalidParameterValue");
    let no_filters = block_on(
        client
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(EAST_TGW_RTB)
            .send(),
    );
    assert_eq!(code(no_filters), "MissingParameter");
}

#[test]
fn source_dest_check_is_reported_per_eni() {
    let mut topology = Topology::two_region();
    topology.nodes[1].source_dest_check = true;
    let emulator = Emulator::start(topology).unwrap();
    // The SDK error is large; reduce it to its code inside the closure.
    let check = |region: &str, eni: &str| -> Result<Option<bool>, String> {
        let client = client(&emulator, region);
        let result = block_on(
            client
                .describe_network_interface_attribute()
                .network_interface_id(eni)
                .attribute(NetworkInterfaceAttribute::SourceDestCheck)
                .send(),
        );
        match result {
            Ok(out) => Ok(out.source_dest_check().and_then(|v| v.value())),
            Err(e) => Err(code(Err::<(), _>(e))),
        }
    };
    assert_eq!(check(EAST, "eni-01000000000000001"), Ok(Some(false)));
    assert_eq!(check(WEST, "eni-02000000000000002"), Ok(Some(true)));
    assert_eq!(
        check(EAST, "eni-02000000000000002"),
        Err("InvalidNetworkInterfaceID.NotFound".to_string())
    );
    let client = client(&emulator, EAST);
    let other = block_on(
        client
            .describe_network_interface_attribute()
            .network_interface_id("eni-01000000000000001")
            .attribute(NetworkInterfaceAttribute::Description)
            .send(),
    );
    assert_eq!(code(other), "InvalidParameterValue");
}
