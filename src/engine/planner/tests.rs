//! Planner tests: in-memory topologies, no I/O.

use super::*;
use crate::engine::ec2::{Api, ApiErrorKind};
use crate::engine::topology::{
    LocalNode, Peering, PeeringSide, RemoteRegion, TgwRouteTable, TgwVipRoute, VpcAttachment,
    VpcRouteTable,
};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

fn vpc_table(id: &str, vpc: &str, target: Target) -> VpcRouteTable {
    VpcRouteTable {
        id: id.into(),
        vpc_id: vpc.into(),
        main: false,
        vip_target: target,
        account: None,
    }
}

pub(crate) fn att(id: &str, tgw: &str, vpc: &str) -> VpcAttachment {
    VpcAttachment {
        id: id.into(),
        tgw_id: tgw.into(),
        vpc_id: vpc.into(),
        vpc_owner: None,
    }
}

pub(crate) fn tgw_table(id: &str, tgw: &str, target: Option<Target>) -> TgwTableFacts {
    TgwTableFacts {
        table: TgwRouteTable {
            id: id.into(),
            tgw_id: tgw.into(),
            account: None,
        },
        vip_route: Ok(target.map(|target| TgwVipRoute {
            target,
            propagated: false,
        })),
    }
}

fn eni(id: &str) -> Target {
    Target::Eni(id.into())
}
fn tgw(id: &str) -> Target {
    Target::TransitGateway(id.into())
}
fn attach(id: &str) -> Target {
    Target::Attachment(id.into())
}

/// node1 (vpc-n1, us-east-1) and node2 (vpc-n2, us-west-2), a client VPC on
/// each side, one TGW per region, peered; every route pointing for node2.
pub(crate) fn two_region() -> Topology {
    let east = RegionFacts {
        region: EAST.into(),
        vpc_tables: Ok(vec![
            vpc_table("rtb-n1a", "vpc-n1", tgw("tgw-e")),
            vpc_table("rtb-n1b", "vpc-n1", tgw("tgw-e")),
            vpc_table("rtb-c1", "vpc-c1", tgw("tgw-e")),
            vpc_table("rtb-lone", "vpc-lone", Target::Other("igw-1".into())),
        ]),
        attachments: Ok(vec![
            att("att-n1", "tgw-e", "vpc-n1"),
            att("att-c1", "tgw-e", "vpc-c1"),
        ]),
        tgw_tables: Ok(vec![tgw_table(
            "tgw-rtb-e",
            "tgw-e",
            Some(attach("peer-ew")),
        )]),
        tgw_attachments: None,
        other_accounts: Vec::new(),
    };
    let west = RegionFacts {
        region: WEST.into(),
        vpc_tables: Ok(vec![
            vpc_table("rtb-n2a", "vpc-n2", eni("eni-n2")),
            vpc_table("rtb-c2", "vpc-c2", tgw("tgw-w")),
        ]),
        attachments: Ok(vec![
            att("att-n2", "tgw-w", "vpc-n2"),
            att("att-c2", "tgw-w", "vpc-c2"),
        ]),
        tgw_tables: Ok(vec![tgw_table(
            "tgw-rtb-w",
            "tgw-w",
            Some(attach("att-n2")),
        )]),
        tgw_attachments: None,
        other_accounts: Vec::new(),
    };
    Topology {
        vip: "10.0.0.100".parse().unwrap(),
        node: LocalNode {
            region: EAST.into(),
            vpc_id: "vpc-n1".into(),
            eni_id: "eni-n1".into(),
            mac: "0e:00:00:00:00:01".into(),
            identity: None,
        },
        local: east,
        peerings: Ok(vec![Peering {
            id: "peer-ew".into(),
            requester: PeeringSide {
                tgw_id: "tgw-e".into(),
                region: EAST.into(),
                owner: None,
            },
            accepter: PeeringSide {
                tgw_id: "tgw-w".into(),
                region: WEST.into(),
                owner: None,
            },
        }]),
        remotes: vec![RemoteRegion::Observed(Box::new(west))],
    }
}

pub(crate) fn remote_mut(topo: &mut Topology) -> &mut RegionFacts {
    match &mut topo.remotes[0] {
        RemoteRegion::Observed(f) => f,
        RemoteRegion::Unreachable { .. } => unreachable!("fixture has an observed remote"),
    }
}

fn local_vpc_tables(topo: &mut Topology) -> &mut Vec<VpcRouteTable> {
    topo.local.vpc_tables.as_mut().unwrap()
}

fn local_attachments(topo: &mut Topology) -> &mut Vec<VpcAttachment> {
    topo.local.attachments.as_mut().unwrap()
}

/// The catalog line of each finding (the planner's tests speak in codes).
fn messages(plan: &Plan) -> Vec<crate::log::catalog::Message> {
    crate::log::lines::findings(plan)
}

fn codes(plan: &Plan) -> Vec<u32> {
    messages(plan).iter().map(|m| m.code()).collect()
}

fn fails_restore(plan: &Plan) -> bool {
    plan.fails_restore()
}

fn desired_of(plan: &Plan, table: &str) -> (Hop, Target) {
    let c = plan.checks.iter().find(|c| c.table_id == table).unwrap();
    (c.hop, c.desired.clone())
}

/// Applies every replacement to the topology, as EC2 would.
pub(crate) fn apply(topo: &mut Topology, plan: &Plan) {
    for r in plan.replacements() {
        let mut regions: Vec<&mut RegionFacts> = vec![&mut topo.local];
        for remote in &mut topo.remotes {
            if let RemoteRegion::Observed(f) = remote {
                regions.push(f);
            }
        }
        for facts in regions {
            for t in facts.vpc_tables.as_mut().unwrap() {
                if t.id == r.table_id {
                    t.vip_target = r.desired.clone();
                }
            }
            for t in facts.tgw_tables.as_mut().unwrap() {
                if t.table.id == r.table_id
                    && let Ok(Some(route)) = &mut t.vip_route
                {
                    route.target = r.desired.clone();
                }
            }
        }
    }
}

#[test]
fn every_hop_points_one_step_closer_to_the_new_active_node() {
    let plan = plan(&two_region());
    assert_eq!(codes(&plan), Vec::<u32>::new());
    for (table, hop, target) in [
        ("rtb-n1a", Hop::LocalVpc, eni("eni-n1")),
        ("rtb-n1b", Hop::LocalVpc, eni("eni-n1")),
        ("tgw-rtb-e", Hop::LocalTgw, attach("att-n1")),
        ("tgw-rtb-w", Hop::RemoteTgw, attach("peer-ew")),
        ("rtb-c1", Hop::LocalTgwVpc, tgw("tgw-e")),
        ("rtb-n2a", Hop::RemoteTgwVpc, tgw("tgw-w")),
        ("rtb-c2", Hop::RemoteTgwVpc, tgw("tgw-w")),
    ] {
        assert_eq!(desired_of(&plan, table), (hop, target), "{table}");
    }
    // rtb-c1 already points at tgw-e; a VPC on no relevant TGW is left alone.
    let wrong: Vec<&str> = plan.replacements().map(|c| c.table_id.as_str()).collect();
    assert_eq!(
        wrong,
        ["rtb-n1a", "rtb-n1b", "tgw-rtb-e", "tgw-rtb-w", "rtb-n2a"]
    );
    assert!(plan.checks.iter().all(|c| c.table_id != "rtb-lone"));
}

#[test]
fn planning_after_applying_the_plan_finds_nothing_to_do() {
    for topo in [two_region(), no_peering(), with_blackhole()] {
        let mut topo = topo;
        let first = plan(&topo);
        apply(&mut topo, &first);
        let second = plan(&topo);
        assert_eq!(second.replacements().count(), 0, "{second:?}");
        assert_eq!(second.checks.len(), first.checks.len());
        assert!(second.checks.iter().all(|c| c.verdict == Verdict::Right));
    }
}

#[test]
fn the_other_node_plans_the_mirror_image() {
    let mut topo = two_region();
    let west = remote_mut(&mut topo).clone();
    let east = std::mem::replace(&mut topo.local, west);
    topo.remotes = vec![RemoteRegion::Observed(Box::new(east))];
    topo.node = LocalNode {
        region: WEST.into(),
        vpc_id: "vpc-n2".into(),
        eni_id: "eni-n2".into(),
        mac: "0e:00:00:00:00:02".into(),
        identity: None,
    };
    let plan = plan(&topo);
    assert_eq!(desired_of(&plan, "rtb-n2a").1, eni("eni-n2"));
    assert_eq!(desired_of(&plan, "tgw-rtb-w").1, attach("att-n2"));
    assert_eq!(desired_of(&plan, "tgw-rtb-e").1, attach("peer-ew"));
    assert_eq!(desired_of(&plan, "rtb-n1a").1, tgw("tgw-e"));
    // Everything already pointed for node2.
    assert_eq!(plan.replacements().count(), 0);
}

#[test]
fn a_local_vpc_without_the_vip_route_fails_restore_with_127011() {
    let mut topo = two_region();
    local_vpc_tables(&mut topo).retain(|t| t.vpc_id != "vpc-n1");
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127011]);
    assert!(fails_restore(&plan));
    // The other hops still converge.
    assert!(plan.checks.iter().any(|c| c.table_id == "tgw-rtb-w"));
}

#[test]
fn no_tgw_on_the_local_vpc_is_127012() {
    let mut topo = two_region();
    local_attachments(&mut topo).retain(|a| a.vpc_id != "vpc-n1");
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127012]);
    assert!(fails_restore(&plan));
    assert!(plan.checks.iter().all(|c| c.hop == Hop::LocalVpc));
}

#[test]
fn two_tgws_warn_127013_and_the_lowest_id_is_used() {
    let mut topo = two_region();
    local_attachments(&mut topo).push(att("att-n1-z", "tgw-z", "vpc-n1"));
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127013]);
    assert!(!fails_restore(&plan));
    assert_eq!(desired_of(&plan, "tgw-rtb-e").1, attach("att-n1"));
}

fn no_peering() -> Topology {
    let mut topo = two_region();
    topo.peerings = Ok(vec![]);
    topo.remotes.clear();
    topo
}

#[test]
fn no_peering_warns_127019_and_local_work_is_still_done() {
    let plan = plan(&no_peering());
    assert_eq!(codes(&plan), [127019]);
    assert!(!fails_restore(&plan));
    let tables: Vec<&str> = plan.checks.iter().map(|c| c.table_id.as_str()).collect();
    assert_eq!(tables, ["rtb-n1a", "rtb-n1b", "tgw-rtb-e", "rtb-c1"]);
}

#[test]
fn an_unreachable_remote_region_is_skipped_with_127033_and_does_not_fail() {
    let mut topo = two_region();
    topo.remotes = vec![RemoteRegion::Unreachable {
        region: WEST.into(),
        reason: "no answer within 20 s".into(),
    }];
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127033, 127102]);
    assert!(!fails_restore(&plan));
    assert_eq!(plan.unreachable_regions, [WEST]);
    assert!(plan.checks.iter().all(|c| c.region == EAST));
    assert_eq!(plan.replacements().count(), 3);
}

pub(crate) fn denied(api: Api, region: &str) -> ApiError {
    ApiError {
        api,
        region: region.into(),
        resource: None,
        account: None,
        kind: ApiErrorKind::Denied {
            code: "UnauthorizedOperation".into(),
            message: "You are not authorized to perform this operation.".into(),
        },
    }
}

#[test]
fn a_definite_error_in_a_remote_region_fails_restore() {
    let mut topo = two_region();
    remote_mut(&mut topo).attachments =
        Err(denied(Api::DescribeTransitGatewayVpcAttachments, WEST));
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127008]);
    assert!(fails_restore(&plan));
    let text = messages(&plan)[0].to_string();
    assert!(
        text.contains("ec2:DescribeTransitGatewayVpcAttachments"),
        "{text}"
    );
}

#[test]
fn a_transient_error_in_a_remote_region_is_a_warning() {
    let mut topo = two_region();
    remote_mut(&mut topo).tgw_tables = Err(ApiError {
        api: Api::DescribeTransitGatewayRouteTables,
        region: WEST.into(),
        resource: None,
        account: None,
        kind: ApiErrorKind::Unreachable {
            reason: "read timeout".into(),
        },
    });
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127033, 127102]);
    assert!(!fails_restore(&plan));
}

#[test]
fn a_denied_local_lookup_fails_restore_but_other_hops_still_plan() {
    let mut topo = two_region();
    topo.local.tgw_tables = Err(denied(Api::DescribeTransitGatewayRouteTables, EAST));
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127004]);
    assert!(fails_restore(&plan));
    assert!(plan.checks.iter().any(|c| c.table_id == "rtb-n1a"));
    assert!(plan.checks.iter().any(|c| c.table_id == "tgw-rtb-w"));
}

#[test]
fn a_local_tgw_without_the_vip_route_is_127014() {
    let mut topo = two_region();
    topo.local.tgw_tables = Ok(vec![tgw_table("tgw-rtb-e", "tgw-e", None)]);
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127014]);
    assert!(fails_restore(&plan));
}

#[test]
fn a_remote_tgw_without_the_vip_route_is_a_127033_warning() {
    let mut topo = two_region();
    remote_mut(&mut topo).tgw_tables = Ok(vec![tgw_table("tgw-rtb-w", "tgw-w", None)]);
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127033]);
    assert!(!fails_restore(&plan));
}

#[test]
fn no_remote_vpc_route_anywhere_is_127022() {
    let mut topo = two_region();
    local_vpc_tables(&mut topo).retain(|t| t.vpc_id == "vpc-n1");
    remote_mut(&mut topo).vpc_tables = Ok(vec![]);
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127022]);
    assert!(!fails_restore(&plan));
}

fn with_blackhole() -> Topology {
    let mut topo = two_region();
    remote_mut(&mut topo).tgw_tables = Ok(vec![tgw_table(
        "tgw-rtb-w",
        "tgw-w",
        Some(Target::Blackhole),
    )]);
    topo
}

#[test]
fn a_static_blackhole_route_is_replaced() {
    let plan = plan(&with_blackhole());
    let c = plan
        .checks
        .iter()
        .find(|c| c.table_id == "tgw-rtb-w")
        .unwrap();
    assert_eq!(c.verdict, Verdict::Wrong);
    assert_eq!(c.current, Target::Blackhole);
}

#[test]
fn a_propagated_route_is_reported_never_replaced() {
    let mut topo = two_region();
    topo.local.tgw_tables = Ok(vec![TgwTableFacts {
        table: TgwRouteTable {
            id: "tgw-rtb-e".into(),
            tgw_id: "tgw-e".into(),
            account: None,
        },
        vip_route: Ok(Some(TgwVipRoute {
            target: attach("att-c1"),
            propagated: true,
        })),
    }]);
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127103]);
    let c = plan
        .checks
        .iter()
        .find(|c| c.table_id == "tgw-rtb-e")
        .unwrap();
    assert_eq!(c.verdict, Verdict::Propagated);
    assert!(plan.replacements().all(|c| c.table_id != "tgw-rtb-e"));
}

fn failed(api: Api, region: &str, kind: ApiErrorKind) -> ApiError {
    ApiError {
        api,
        region: region.into(),
        resource: None,
        account: None,
        kind,
    }
}

#[test]
fn a_transient_local_peering_failure_only_warns_and_the_local_hops_converge() {
    let mut topo = two_region();
    let overloaded = ApiErrorKind::Overloaded {
        code: "InternalError".into(),
        status: 500,
    };
    topo.peerings = Err(failed(
        Api::DescribeTransitGatewayPeeringAttachments,
        EAST,
        overloaded,
    ));
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127113]);
    assert!(!fails_restore(&plan));
    assert!(plan.checks.iter().any(|c| c.table_id == "rtb-n1a"));
    assert!(plan.checks.iter().any(|c| c.table_id == "tgw-rtb-e"));
    assert!(!plan.checks.iter().any(|c| c.region == WEST));
}

#[test]
fn a_definite_local_peering_failure_fails_restore() {
    let mut topo = two_region();
    topo.peerings = Err(denied(Api::DescribeTransitGatewayPeeringAttachments, EAST));
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127007]);
    assert!(fails_restore(&plan));
}

#[test]
fn failed_peerings_are_no_evidence_that_remote_vpcs_lack_the_route() {
    let mut topo = two_region();
    local_vpc_tables(&mut topo).retain(|t| t.vpc_id == "vpc-n1");
    topo.peerings = Err(failed(
        Api::DescribeTransitGatewayPeeringAttachments,
        EAST,
        ApiErrorKind::Unreachable {
            reason: "read timeout".into(),
        },
    ));
    let plan = plan(&topo);
    assert!(!codes(&plan).contains(&127022), "{:?}", codes(&plan));
}

#[test]
fn a_failed_attachment_lookup_is_its_error_never_127012() {
    for kind in [
        ApiErrorKind::Unreachable {
            reason: "read timeout".into(),
        },
        ApiErrorKind::Overloaded {
            code: "RequestLimitExceeded".into(),
            status: 503,
        },
    ] {
        let mut topo = two_region();
        topo.local.attachments = Err(failed(
            Api::DescribeTransitGatewayVpcAttachments,
            EAST,
            kind,
        ));
        let plan = plan(&topo);
        assert_eq!(codes(&plan), [127003]);
        assert!(fails_restore(&plan));
    }
}

#[test]
fn a_tgw_table_that_began_deleting_is_left_alone_with_a_warning() {
    let mut topo = two_region();
    let mut gone = tgw_table("tgw-rtb-e2", "tgw-e", None);
    gone.vip_route = Err(failed(
        Api::SearchTransitGatewayRoutes,
        EAST,
        ApiErrorKind::Service {
            code: "IncorrectState".into(),
            message: "Transit Gateway Route Table tgw-rtb-e2 is in invalid state: deleting.".into(),
            status: 400,
        },
    ));
    topo.local.tgw_tables.as_mut().unwrap().push(gone);
    let plan = plan(&topo);
    assert_eq!(codes(&plan), [127115]);
    assert!(!fails_restore(&plan));
    assert!(!plan.checks.iter().any(|c| c.table_id == "tgw-rtb-e2"));
}

/// [`two_region`] as a landing zone: the node in account W1, the TGWs in
/// network accounts N1/N2, the client VPCs in C1/C2. The node's own view
/// holds its own VPC's tables and attachment; the rest comes from the
/// owners' views, tagged with their accounts.
pub(crate) fn landing_zone() -> Topology {
    let mut topo = two_region();
    topo.node.identity = Some(crate::engine::topology::NodeIdentity {
        account: "333300000001".into(),
        instance_id: "i-1".into(),
    });
    let owned = |t: VpcRouteTable, account: &str| VpcRouteTable {
        account: Some(account.into()),
        ..t
    };
    let mut client = owned(vpc_table("rtb-c1", "vpc-c1", tgw("tgw-e")), "444400000001");
    client.vip_target = Target::Other("igw-1".into());
    topo.local.vpc_tables = Ok(vec![
        vpc_table("rtb-n1a", "vpc-n1", tgw("tgw-e")),
        vpc_table("rtb-n1b", "vpc-n1", tgw("tgw-e")),
    ]);
    topo.local.other_accounts = vec![crate::engine::topology::AccountTables {
        account: "444400000001".into(),
        vpc_tables: Ok(vec![client]),
    }];
    let mut all = topo.local.attachments.clone().unwrap();
    all[1].vpc_owner = Some("444400000001".into());
    topo.local.tgw_attachments = Some(Ok(all));
    topo.local.attachments = Ok(vec![att("att-n1", "tgw-e", "vpc-n1")]);
    for t in topo.local.tgw_tables.as_mut().unwrap() {
        t.table.account = Some("222200000001".into());
    }
    topo
}

#[test]
fn across_accounts_every_table_is_planned_in_its_owners_account() {
    let plan = plan(&landing_zone());
    let account = |table: &str| {
        let c = plan.checks.iter().find(|c| c.table_id == table).unwrap();
        (c.account.clone(), plan.account_of(c))
    };
    assert_eq!(account("rtb-n1a"), (None, Some("333300000001".into())));
    assert_eq!(
        account("tgw-rtb-e"),
        (Some("222200000001".into()), Some("222200000001".into()))
    );
    assert_eq!(
        account("rtb-c1"),
        (Some("444400000001".into()), Some("444400000001".into()))
    );
    let client = plan
        .replacements()
        .find(|c| c.table_id == "rtb-c1")
        .unwrap();
    assert_eq!(
        client.replacement().account.as_deref(),
        Some("444400000001")
    );
    assert_eq!(desired_of(&plan, "rtb-c1").1, tgw("tgw-e"));
}

#[test]
fn a_role_refused_in_one_account_fails_only_the_hops_there() {
    let mut topo = landing_zone();
    let refused = ApiError {
        api: Api::AssumeRole,
        region: EAST.into(),
        resource: None,
        account: Some(Box::new(crate::engine::ec2::AccountContext {
            account: "444400000001".into(),
            role_arn: "arn:aws:iam::444400000001:role/LifeKeeperTgwRoutes".into(),
        })),
        kind: ApiErrorKind::Denied {
            code: "AccessDenied".into(),
            message: "not authorized to perform: sts:AssumeRole".into(),
        },
    };
    topo.local.other_accounts[0].vpc_tables = Err(refused);
    let plan = plan(&topo);
    assert!(
        fails_restore(&plan),
        "a definite refusal in the local region fails restore"
    );
    assert!(codes(&plan).contains(&127116), "{:?}", codes(&plan));
    assert!(plan.checks.iter().all(|c| c.table_id != "rtb-c1"));
    // Everything the other accounts own still converges.
    for table in ["rtb-n1a", "tgw-rtb-e", "tgw-rtb-w", "rtb-n2a", "rtb-c2"] {
        assert!(plan.checks.iter().any(|c| c.table_id == table), "{table}");
    }
    let line = messages(&plan)
        .into_iter()
        .find(|m| m.code() == 127116)
        .unwrap()
        .to_string();
    assert!(
        line.contains("arn:aws:iam::444400000001:role/LifeKeeperTgwRoutes"),
        "{line}"
    );
    assert!(
        line.contains("account 444400000001") && line.contains("sts:AssumeRole"),
        "{line}"
    );
}

#[test]
fn an_account_whose_vpcs_are_not_on_a_tgw_of_the_walk_cannot_fail_it() {
    let mut topo = landing_zone();
    topo.local
        .other_accounts
        .push(crate::engine::topology::AccountTables {
            account: "555500000001".into(),
            vpc_tables: Err(denied(Api::DescribeRouteTables, EAST)),
        });
    assert!(!fails_restore(&plan(&topo)));
}
