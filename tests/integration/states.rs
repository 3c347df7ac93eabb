//! AWS object states and TGW shapes the field has: attachments and peerings
//! in every lifecycle state, TGW tables being deleted, propagated VIP routes,
//! segmented TGWs, several TGWs on the local VPC. Route state is checked
//! against the emulator's independent oracle, which follows the same rules.

use ec2_emulator::{RouteState, RouteType, TgwRoute, TgwRouteTable, Topology, TransitGateway};
use serde_json::Value;

use crate::util::{Cluster, doctor_check, json, status_row, vip_cidr};

const EAST: &str = "us-east-1";
const NODE1_ATTACHMENT: &str = "tgw-attach-01000000000000001";
const WEST_CLIENT_ATTACHMENT: &str = "tgw-attach-02000000000000012";
const PEERING: &str = "tgw-attach-0c000000000000012";
const EAST_TGW: &str = "tgw-01000000000000001";
const WEST_TGW: &str = "tgw-02000000000000001";
const EAST_TGW_TABLE: &str = "tgw-rtb-01000000000000001";
const WEST_TGW_TABLE: &str = "tgw-rtb-02000000000000001";
const WEST_CLIENT_TABLE: &str = "rtb-02000000000000121";
const SECOND_EAST_TABLE: &str = "tgw-rtb-01000000000000002";

fn vip_target(c: &Cluster, table: &str) -> Option<String> {
    if let Some(r) = c.emu.vpc_route(table, &vip_cidr()) {
        return Some(r.target);
    }
    c.emu
        .tgw_route(table, &vip_cidr())
        .and_then(|r| r.attachment)
}

/// A second table on the east TGW, holding `routes`, in `state`.
fn with_second_east_table(state: &str, routes: Vec<TgwRoute>) -> Topology {
    let mut topo = Topology::two_region();
    topo.tgw_route_tables.push(TgwRouteTable {
        id: SECOND_EAST_TABLE.into(),
        tgw: EAST_TGW.into(),
        name: None,
        state: state.into(),
        routes,
    });
    topo
}

fn vip_route(attachment: &str, route_type: RouteType) -> TgwRoute {
    TgwRoute {
        destination: vip_cidr(),
        attachment: Some(attachment.into()),
        route_type,
        state: RouteState::Active,
    }
}

#[test]
fn a_modifying_local_attachment_still_carries_the_vip() {
    let c = Cluster::two_region();
    c.emu
        .set_attachment_state(NODE1_ATTACHMENT, "modifying")
        .unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(!run.has(127012), "{}", run.stderr);
    c.assert_converged("node1");
    assert_eq!(
        vip_target(&c, EAST_TGW_TABLE).as_deref(),
        Some(NODE1_ATTACHMENT)
    );
}

#[test]
fn a_modifying_remote_vpc_attachment_keeps_its_vpc_in_hop_5() {
    let c = Cluster::two_region();
    // Something rewrote the west client's VIP route; its attachment is being modified.
    c.emu
        .set_vpc_route_target(WEST_CLIENT_TABLE, &vip_cidr(), "igw-02000000000000012")
        .unwrap();
    c.emu
        .set_attachment_state(WEST_CLIENT_ATTACHMENT, "modifying")
        .unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    c.assert_converged("node1");
    assert_eq!(vip_target(&c, WEST_CLIENT_TABLE).as_deref(), Some(WEST_TGW));
}

#[test]
fn a_modifying_peering_is_in_the_path() {
    let c = Cluster::two_region();
    c.emu.set_attachment_state(PEERING, "modifying").unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(!run.has(127019), "{}", run.stderr);
    c.assert_converged("node1");
    assert_eq!(vip_target(&c, WEST_TGW_TABLE).as_deref(), Some(PEERING));
}

#[test]
fn attachments_that_carry_no_traffic_are_out_of_the_path() {
    for state in [
        "pending",
        "pendingAcceptance",
        "deleting",
        "failed",
        "rejected",
    ] {
        let c = Cluster::two_region();
        c.emu
            .set_vpc_route_target(WEST_CLIENT_TABLE, &vip_cidr(), "igw-02000000000000012")
            .unwrap();
        c.emu
            .set_attachment_state(WEST_CLIENT_ATTACHMENT, state)
            .unwrap();
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        c.assert_converged("node1");
        // Not attached: the VPC is none of our business, its route stays.
        assert_eq!(
            vip_target(&c, WEST_CLIENT_TABLE).as_deref(),
            Some("igw-02000000000000012"),
            "{state}"
        );
    }
    // A peering that is not up yet leaves a single-region failover: 127019.
    let c = Cluster::two_region();
    c.emu
        .set_attachment_state(PEERING, "pendingAcceptance")
        .unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127019), "{}", run.stderr);
    c.assert_converged("node1");
    assert_eq!(
        vip_target(&c, WEST_TGW_TABLE).as_deref(),
        Some("tgw-attach-02000000000000002"),
        "the west TGW is not reachable through a pending peering: left alone"
    );
}

#[test]
fn a_local_attachment_being_deleted_is_no_tgw_at_all() {
    let c = Cluster::two_region();
    c.emu
        .set_attachment_state(NODE1_ATTACHMENT, "deleting")
        .unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127012), "{}", run.stderr);
    c.assert_converged("node1");
}

#[test]
fn a_tgw_table_being_deleted_is_left_alone() {
    // The deleting table still holds a VIP route pointing the old way.
    let c = Cluster::start(with_second_east_table(
        "deleting",
        vec![vip_route(PEERING, RouteType::Static)],
    ));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(!run.has(127005), "{}", run.stderr);
    c.assert_converged("node1");
    assert_eq!(vip_target(&c, SECOND_EAST_TABLE).as_deref(), Some(PEERING));
    assert_eq!(c.emu.calls(EAST, "SearchTransitGatewayRoutes"), 1);
    c.lifekeeper("node1", "quickCheck").assert_code(0);

    // The remote TGW's only table being deleted: its hop is skipped, with a warning.
    let c = Cluster::two_region();
    c.emu
        .set_tgw_route_table_state(WEST_TGW_TABLE, "deleting")
        .unwrap();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127033), "{}", run.stderr);
    c.assert_converged("node1");
}

#[test]
fn a_propagated_vip_route_is_reported_and_never_replaced() {
    let c = Cluster::start(with_second_east_table(
        "available",
        vec![vip_route(PEERING, RouteType::Propagated)],
    ));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    let warn = run.lines(127103);
    assert_eq!(warn.len(), 1, "{}", run.stderr);
    assert!(warn[0].contains(SECOND_EAST_TABLE), "{}", warn[0]);
    assert_eq!(vip_target(&c, SECOND_EAST_TABLE).as_deref(), Some(PEERING));
    c.assert_converged("node1");
}

#[test]
fn two_tgws_on_the_local_vpc_use_the_one_the_peering_hangs_off() {
    let mut topo = Topology::two_region();
    let vpc = topo.node("node1").unwrap().vpc.clone();
    // A second, unpeered TGW with a higher id, with its own VIP route.
    topo.transit_gateways.push(TransitGateway {
        id: "tgw-01999999999999999".into(),
        region: EAST.into(),
        name: None,
    });
    topo.vpc_attachments.push(ec2_emulator::VpcAttachment {
        id: "tgw-attach-01999999999999999".into(),
        tgw: "tgw-01999999999999999".into(),
        vpc,
        state: "available".into(),
        name: None,
    });
    topo.tgw_route_tables.push(TgwRouteTable {
        id: "tgw-rtb-01999999999999999".into(),
        tgw: "tgw-01999999999999999".into(),
        name: None,
        state: "available".into(),
        routes: vec![TgwRoute {
            destination: vip_cidr(),
            attachment: None,
            route_type: RouteType::Static,
            state: RouteState::Blackhole,
        }],
    });
    let c = Cluster::start(topo);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127013), "{}", run.stderr);
    c.assert_converged("node1");
    // The peered hop was done through the chosen TGW; the other one is untouched.
    assert_eq!(vip_target(&c, WEST_TGW_TABLE).as_deref(), Some(PEERING));
    assert_eq!(vip_target(&c, "tgw-rtb-01999999999999999"), None);
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn a_segmented_tgw_is_healthy_in_status_and_doctor() {
    let c = Cluster::start(with_second_east_table("available", Vec::new()));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");

    let run = c.cli("node1", &["status", "--ip", "10.0.0.100", "--json"]);
    run.assert_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    let row = status_row(&doc, SECOND_EAST_TABLE);
    assert_eq!(row["state"], "LEFT_ALONE", "{row:#}");
    assert_eq!(row["detail"], "no VIP route (left alone)");

    let human = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    human.assert_code(0);
    assert!(!human.stdout.contains("MISSING"), "{}", human.stdout);

    let doctor = c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"]);
    let doc = json(&doctor.stdout);
    let local_tgw = doctor_check(&doc, "routes.local-tgw");
    assert_eq!(local_tgw["status"], "PASS", "{local_tgw:#}");
    assert!(
        !doctor.stdout.contains(&format!(
            "--transit-gateway-route-table-id {SECOND_EAST_TABLE}"
        )),
        "no fix may create the route in a table that is left alone: {}",
        doctor.stdout
    );
}
