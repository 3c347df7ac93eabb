//! Status rows from in-memory topologies: no I/O.

use super::*;
use crate::engine::ec2::Api;
use crate::engine::planner::tests::{apply, denied, remote_mut, tgw_table, two_region};
use crate::engine::planner::{self};
use crate::engine::topology::{RemoteRegion, Target, TgwVipRoute};

fn state_of<'r>(r: &'r StatusReport, table: &str) -> &'r RouteRow {
    r.routes
        .iter()
        .find(|x| x.table_id.as_deref() == Some(table))
        .unwrap_or_else(|| panic!("no row for {table}: {:#?}", r.routes))
}

fn status(topo: &Topology, main: MainTable) -> StatusReport {
    report(topo, &planner::plan(topo), Some("eth1".into()), main)
}

#[test]
fn wrong_and_ok_rows_come_from_the_plan_and_a_missing_main_table_is_added() {
    let topo = two_region();
    assert!(needs_main_table(&topo));
    let r = status(&topo, Some(Ok(Some("rtb-n1main".into()))));
    assert!(!r.ok);
    assert_eq!(state_of(&r, "rtb-n1a").state, RouteState::Wrong);
    assert_eq!(state_of(&r, "rtb-c1").state, RouteState::Ok);
    let main = state_of(&r, "rtb-n1main");
    assert_eq!(main.state, RouteState::Missing);
    assert_eq!(
        (main.current.as_deref(), main.desired.as_str()),
        (None, "eni-n1")
    );
    assert_eq!(main.hop, Hop::LocalVpc);
    assert_eq!(r.topology.node.interface.as_deref(), Some("eth1"));
    assert_eq!(
        r.topology.local_tgw.as_ref().unwrap().attachment_id,
        "att-n1"
    );
    assert_eq!(r.topology.peerings[0].region, "us-west-2");
    let hops: Vec<Hop> = r.routes.iter().map(|x| x.hop).collect();
    assert!(hops.is_sorted(), "rows are grouped by hop: {hops:?}");
}

#[test]
fn after_a_restore_everything_is_ok() {
    let mut topo = two_region();
    let plan = planner::plan(&topo);
    apply(&mut topo, &plan);
    if let Ok(tables) = &mut topo.local.vpc_tables {
        tables[0].main = true;
    }
    assert!(!needs_main_table(&topo));
    let r = status(&topo, None);
    assert!(r.ok, "{:#?}", r.routes);
    assert!(r.routes.iter().all(|x| x.state == RouteState::Ok));
}

#[test]
fn tgw_tables_without_the_vip_route_are_left_alone_on_both_sides() {
    let mut topo = two_region();
    let plan = planner::plan(&topo);
    apply(&mut topo, &plan);
    if let Ok(tables) = &mut topo.local.vpc_tables {
        tables[0].main = true;
    }
    if let Ok(tables) = &mut topo.local.tgw_tables {
        tables.push(tgw_table("tgw-rtb-e2", "tgw-e", None));
    }
    if let Ok(tables) = &mut remote_mut(&mut topo).tgw_tables {
        tables.push(tgw_table("tgw-rtb-w2", "tgw-w", None));
    }
    let r = status(&topo, None);
    let local = state_of(&r, "tgw-rtb-e2");
    assert_eq!(
        (local.state, local.desired.as_str()),
        (RouteState::LeftAlone, "att-n1")
    );
    assert_eq!(local.detail.as_deref(), Some("no VIP route (left alone)"));
    let peered = state_of(&r, "tgw-rtb-w2");
    assert_eq!(
        (peered.state, peered.hop),
        (RouteState::LeftAlone, Hop::RemoteTgw)
    );
    // A segmented TGW is normal: every existing VIP route is right.
    assert!(r.ok, "{:#?}", r.routes);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json.to_string().contains("\"LEFT_ALONE\""));
}

#[test]
fn a_local_tgw_with_no_vip_route_anywhere_is_missing() {
    let mut topo = two_region();
    if let Ok(tables) = &mut topo.local.tgw_tables {
        *tables = vec![
            tgw_table("tgw-rtb-e", "tgw-e", None),
            tgw_table("tgw-rtb-e2", "tgw-e", None),
        ];
    }
    let r = status(&topo, None);
    for id in ["tgw-rtb-e", "tgw-rtb-e2"] {
        assert_eq!(state_of(&r, id).state, RouteState::Missing);
    }
    assert!(!r.ok);
}

#[test]
fn blackhole_and_propagated_routes_have_their_own_states() {
    let mut topo = two_region();
    if let Ok(tables) = &mut topo.local.tgw_tables {
        tables[0].vip_route = Ok(Some(TgwVipRoute {
            target: Target::Blackhole,
            propagated: false,
        }));
    }
    if let Ok(tables) = &mut remote_mut(&mut topo).tgw_tables {
        tables[0].vip_route = Ok(Some(TgwVipRoute {
            target: Target::Attachment("att-n2".into()),
            propagated: true,
        }));
    }
    let r = status(&topo, None);
    assert_eq!(state_of(&r, "tgw-rtb-e").state, RouteState::Blackhole);
    assert_eq!(state_of(&r, "tgw-rtb-w").state, RouteState::Propagated);
}

#[test]
fn a_silent_region_is_one_unreachable_row_with_its_reason() {
    let mut topo = two_region();
    topo.remotes = vec![RemoteRegion::Unreachable {
        region: "us-west-2".into(),
        reason: "no answer within 20 s".into(),
    }];
    let r = status(&topo, None);
    let row = r
        .routes
        .iter()
        .find(|x| x.state == RouteState::Unreachable)
        .unwrap();
    assert_eq!(
        (row.region.as_str(), row.table_id.as_deref()),
        ("us-west-2", None)
    );
    assert_eq!(row.owner, "tgw-w");
    assert_eq!(row.detail.as_deref(), Some("no answer within 20 s"));
    assert!(!r.ok);
}

#[test]
fn a_failed_main_table_lookup_is_a_finding_and_not_ok() {
    let mut topo = two_region();
    let plan = planner::plan(&topo);
    apply(&mut topo, &plan);
    let r = status(
        &topo,
        Some(Err(denied(Api::DescribeRouteTables, "us-east-1"))),
    );
    assert!(!r.ok);
    let last = r.findings.last().unwrap();
    assert_eq!(last.level, "ERROR");
    assert!(
        last.text.contains("ec2:DescribeRouteTables"),
        "{}",
        last.text
    );
}

#[test]
fn a_failed_attachment_lookup_is_an_unknown_local_tgw_not_none() {
    let mut topo = two_region();
    topo.local.attachments = Err(denied(
        Api::DescribeTransitGatewayVpcAttachments,
        "us-east-1",
    ));
    let r = status(&topo, None);
    assert_eq!(r.topology.local_tgw, None);
    assert_eq!(
        r.topology.local_tgw_unknown.as_deref(),
        Some("UnauthorizedOperation")
    );
    let text = crate::doors::operator::render::status(&r);
    assert!(text.contains("Local TGW: unknown"), "{text}");
    assert!(!text.contains("none found"), "{text}");
    let codes: Vec<u32> = r.findings.iter().map(|f| f.code).collect();
    assert!(
        codes.contains(&127003) && !codes.contains(&127012),
        "{codes:?}"
    );
}

#[test]
fn across_accounts_every_row_says_whose_table_it_is() {
    let mut topo = crate::engine::planner::tests::landing_zone();
    let mut bare = tgw_table("tgw-rtb-e2", "tgw-e", None);
    bare.table.account = Some("222200000001".into());
    topo.local.tgw_tables.as_mut().unwrap().push(bare);
    let r = status(&topo, Some(Ok(Some("rtb-n1main".into()))));
    let alone = state_of(&r, "tgw-rtb-e2");
    assert_eq!(alone.state, RouteState::LeftAlone);
    assert_eq!(alone.account.as_deref(), Some("222200000001"));
    assert_eq!(
        state_of(&r, "rtb-n1main").account.as_deref(),
        Some("333300000001")
    );
    assert_eq!(
        state_of(&r, "rtb-c1").account.as_deref(),
        Some("444400000001")
    );
    assert_eq!(
        state_of(&r, "rtb-n1a").account.as_deref(),
        Some("333300000001")
    );
    // One account: no account anywhere, so the text and JSON stay as they were.
    let single = status(&two_region(), Some(Ok(Some("rtb-n1main".into()))));
    assert!(single.routes.iter().all(|row| row.account.is_none()));
}
