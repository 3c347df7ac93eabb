//! Are the VIP routes where a switchover needs them? Read from the same rows
//! `status` shows, so the two commands can never disagree.

use super::{Check, CheckStatus, Ec2Facts};
use crate::doors::operator::status::{RouteRow, RouteState, StatusReport};
use crate::engine::ec2::ApiError;
use crate::engine::planner::Hop;
use crate::log::lines;

pub fn checks(ec2: &Ec2Facts) -> Vec<Check> {
    let s = &ec2.status;
    let local = &ec2.topology.local;
    vec![
        unseen("routes.local-vpc", "route tables", &local.vpc_tables)
            .unwrap_or_else(|| local_vpc(s)),
        unseen("routes.local-tgw", "TGW attachments", &local.attachments)
            .unwrap_or_else(|| local_tgw(s)),
        unseen("routes.peered-tgw", "TGW peerings", &ec2.topology.peerings)
            .unwrap_or_else(|| peered_tgws(s)),
        propagated(s),
        restore_would(ec2),
    ]
}

/// A lookup that failed says nothing about the routes: say so instead of
/// reporting them absent (the IAM or endpoint checks name the cause).
fn unseen<T>(id: &str, what: &str, lookup: &Result<T, ApiError>) -> Option<Check> {
    let err = lookup.as_ref().err()?;
    Some(
        Check::new(
            id,
            CheckStatus::Warn,
            format!(
                "not checked: the local {what} could not be read ({})",
                err.code()
            ),
        )
        .fix("fix the failing iam.* or endpoint.* check above, then run doctor again"),
    )
}

fn rows(s: &StatusReport, hop: Hop) -> Vec<&RouteRow> {
    s.routes.iter().filter(|r| r.hop == hop).collect()
}

fn missing<'r>(rows: &[&'r RouteRow]) -> Vec<&'r RouteRow> {
    rows.iter()
        .copied()
        .filter(|r| r.state == RouteState::Missing)
        .collect()
}

fn table(r: &RouteRow) -> &str {
    r.table_id.as_deref().unwrap_or("?")
}

/// Tables of a segmented TGW that have no VIP route: restore leaves them alone.
fn left_alone<'r>(rows: &[&'r RouteRow]) -> Vec<&'r RouteRow> {
    rows.iter()
        .copied()
        .filter(|r| r.state == RouteState::LeftAlone)
        .collect()
}

/// "N tables carry the VIP route", how many restore would still rewrite,
/// and how many have none and are left alone.
fn present(rows: &[&RouteRow], what: &str) -> String {
    let alone = left_alone(rows).len();
    let routed = rows.len() - alone;
    let elsewhere = rows.iter().filter(|r| !r.state.is_fine()).count();
    let mut text = format!("the VIP route is in {routed} {what} table(s)");
    if elsewhere > 0 {
        text.push_str(&format!(
            "; {elsewhere} point elsewhere now, which restore changes"
        ));
    }
    if alone > 0 {
        text.push_str(&format!(
            "; {alone} table(s) have no VIP route (left alone)"
        ));
    }
    text
}

fn local_vpc(s: &StatusReport) -> Check {
    let id = "routes.local-vpc";
    let vip = &s.vip;
    let node = &s.topology.node;
    let mine = rows(s, Hop::LocalVpc);
    if let Some(gap) = missing(&mine).first() {
        return Check::new(id, CheckStatus::Fail, format!("the main route table {} of {} has no route for {vip}", table(gap), node.vpc_id))
            .fix(format!("aws ec2 create-route --region {} --route-table-id {} --destination-cidr-block {vip}/32 --network-interface-id {}", node.region, table(gap), node.eni_id));
    }
    if mine.is_empty() {
        return Check::new(id, CheckStatus::Fail, format!("no route table of {} has a route for {vip}", node.vpc_id))
            .fix(format!("create {vip}/32 → {} in the VPC's route tables (restore only replaces routes, never creates them)", node.eni_id));
    }
    Check::new(id, CheckStatus::Pass, present(&mine, "local VPC"))
}

fn local_tgw(s: &StatusReport) -> Check {
    let id = "routes.local-tgw";
    let vip = &s.vip;
    let Some(tgw) = &s.topology.local_tgw else {
        return Check::new(
            id,
            CheckStatus::Fail,
            format!(
                "{} is attached to no Transit Gateway",
                s.topology.node.vpc_id
            ),
        )
        .fix(
            "attach the VPC to the cluster's Transit Gateway (a VPC attachment in state available)",
        );
    };
    let mine = rows(s, Hop::LocalTgw);
    if let Some(gap) = missing(&mine).first() {
        return Check::new(id, CheckStatus::Fail, format!("TGW route table {} of {} has no route for {vip}", table(gap), tgw.tgw_id))
            .fix(format!("aws ec2 create-transit-gateway-route --region {} --transit-gateway-route-table-id {} --destination-cidr-block {vip}/32 --transit-gateway-attachment-id {}", gap.region, table(gap), tgw.attachment_id));
    }
    if mine.is_empty() {
        return Check::new(
            id,
            CheckStatus::Warn,
            format!(
                "the route tables of {} could not be read; see the IAM and endpoint checks",
                tgw.tgw_id
            ),
        );
    }
    Check::new(id, CheckStatus::Pass, present(&mine, "local TGW"))
}

fn peered_tgws(s: &StatusReport) -> Check {
    let id = "routes.peered-tgw";
    let vip = &s.vip;
    if s.topology.peerings.is_empty() {
        return Check::new(
            id,
            CheckStatus::Skip,
            "no peered Transit Gateway: a single-region cluster",
        );
    }
    let theirs = rows(s, Hop::RemoteTgw);
    if let Some(gap) = missing(&theirs).first() {
        return Check::new(id, CheckStatus::Fail, format!("TGW route table {} of {} ({}) has no route for {vip}", table(gap), gap.owner, gap.region))
            .fix(format!("aws ec2 create-transit-gateway-route --region {} --transit-gateway-route-table-id {} --destination-cidr-block {vip}/32 --transit-gateway-attachment-id {}", gap.region, table(gap), gap.desired));
    }
    if let Some(bare) = unrouted_tgw(&theirs) {
        return Check::new(id, CheckStatus::Warn, format!("no route table of {} ({}) has a route for {vip}: restore skips it with 127033", bare.owner, bare.region))
            .fix(format!("if clients behind {} must reach the VIP, add a static {vip}/32 route to the peering {} in the table(s) that serve them", bare.owner, bare.desired));
    }
    let silent: Vec<&str> = theirs
        .iter()
        .filter(|r| r.state == RouteState::Unreachable)
        .map(|r| r.region.as_str())
        .collect();
    if !silent.is_empty() {
        return Check::new(id, CheckStatus::Warn, format!("not seen: {} did not answer", silent.join(", ")))
            .fix("see the endpoint checks; restore skips a silent region and converges it on the next run");
    }
    Check::new(id, CheckStatus::Pass, present(&theirs, "peered TGW"))
}

/// A peered TGW none of whose tables has the VIP route (127033): every row of
/// that TGW is LEFT_ALONE.
fn unrouted_tgw<'r>(rows: &[&'r RouteRow]) -> Option<&'r RouteRow> {
    left_alone(rows).into_iter().find(|bare| {
        rows.iter()
            .filter(|r| r.owner == bare.owner)
            .all(|r| r.state == RouteState::LeftAlone)
    })
}

fn propagated(s: &StatusReport) -> Check {
    let id = "routes.propagated";
    let vip = &s.vip;
    let found: Vec<&RouteRow> = s
        .routes
        .iter()
        .filter(|r| r.state == RouteState::Propagated)
        .collect();
    let Some(first) = found.first() else {
        return Check::new(
            id,
            CheckStatus::Pass,
            "no VIP route is propagated where a static one is needed",
        );
    };
    let details = found
        .iter()
        .map(|r| {
            format!(
                "{} ({}): {}",
                table(r),
                r.region,
                r.current.as_deref().unwrap_or("-")
            )
        })
        .collect();
    Check::new(id, CheckStatus::Fail, format!("{} TGW table(s) only have a propagated route for {vip}, which restore cannot replace", found.len()))
        .details(details)
        .fix(format!("add a static route, which wins over the propagated one: aws ec2 create-transit-gateway-route --region {} --transit-gateway-route-table-id {} --destination-cidr-block {vip}/32 --transit-gateway-attachment-id {}", first.region, table(first), first.desired))
}

fn restore_would(ec2: &Ec2Facts) -> Check {
    let id = "routes.restore";
    let count = ec2.plan.replacements().count();
    let blocking: Vec<String> = ec2
        .plan
        .findings
        .iter()
        .filter(|f| f.fails_restore())
        .map(|f| lines::finding(f, ec2.plan.vip))
        .map(|m| format!("{} {m}", m.code()))
        .collect();
    if blocking.is_empty() {
        return Check::new(
            id,
            CheckStatus::Pass,
            format!(
                "a restore on this node would make {count} replacement(s) and succeed (see `plan`)"
            ),
        );
    }
    Check::new(id, CheckStatus::Fail, "a restore on this node would exit 1")
        .details(blocking)
        .fix("fix the causes listed (they are the ERROR lines restore would log)")
}
