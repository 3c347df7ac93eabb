//! `status`: every VIP route with its state, and the topology it belongs to.
//! Pure: built from what discovery and the planner already produced, plus
//! the one lookup only status needs (the local VPC's main route table).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::engine::ec2::ApiError;
use crate::engine::planner::{Hop, Plan, RouteCheck, Verdict};
use crate::engine::topology::{RegionFacts, Topology};
use crate::log::catalog::{api_failed_code, detail_of};
use crate::report::json::{FindingView, NodeView, SCHEMA_VERSION};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RouteState {
    /// Points where it must.
    Ok,
    /// Points elsewhere; restore replaces it.
    Wrong,
    /// A table that must carry the VIP route has none; restore cannot create it:
    /// the local VPC's main table, or every table of the local TGW (127014).
    Missing,
    /// A TGW table without a VIP route while others of its TGW have one: a
    /// segmented TGW. Restore leaves it alone; informational.
    #[serde(rename = "LEFT_ALONE")]
    LeftAlone,
    /// A propagated TGW route points elsewhere; only a static route fixes it.
    Propagated,
    /// Drops the traffic; restore replaces it.
    Blackhole,
    /// Its region did not answer.
    Unreachable,
}

impl RouteState {
    /// Nothing to do about it: right, or deliberately left alone.
    pub fn is_fine(self) -> bool {
        matches!(self, RouteState::Ok | RouteState::LeftAlone)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RouteState::Ok => "OK",
            RouteState::Wrong => "WRONG",
            RouteState::Missing => "MISSING",
            RouteState::LeftAlone => "LEFT_ALONE",
            RouteState::Propagated => "PROPAGATED",
            RouteState::Blackhole => "BLACKHOLE",
            RouteState::Unreachable => "UNREACHABLE",
        }
    }
}

/// One VIP route (or the place one should be).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteRow {
    pub region: String,
    pub hop: Hop,
    /// Null only for an unreachable region, whose tables are unknown.
    pub table_id: Option<String>,
    /// The VPC or TGW the table belongs to.
    pub owner: String,
    /// The AWS account that owns the table (cross-account runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Null when the route is missing or was not seen.
    pub current: Option<String>,
    pub desired: String,
    pub state: RouteState,
    /// Why, for states that need explaining.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeeringView {
    pub peering_id: String,
    pub tgw_id: String,
    pub region: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TgwVpcs {
    pub tgw_id: String,
    pub region: String,
    pub vpc_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalTgwView {
    pub tgw_id: String,
    pub attachment_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopologyView {
    pub node: NodeView,
    pub local_tgw: Option<LocalTgwView>,
    /// Why `local_tgw` is unknown rather than absent (its lookup failed);
    /// JSON readers find the same in the findings.
    #[serde(skip)]
    pub local_tgw_unknown: Option<String>,
    pub peerings: Vec<PeeringView>,
    pub vpcs_by_tgw: Vec<TgwVpcs>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub kind: &'static str,
    pub schema_version: u32,
    pub vip: String,
    /// True when every existing VIP route is OK, nothing is MISSING and
    /// nothing blocks a restore (LEFT_ALONE rows do not count).
    pub ok: bool,
    pub topology: TopologyView,
    pub routes: Vec<RouteRow>,
    pub findings: Vec<FindingView>,
}

/// What the main-route-table lookup found, when status needed one.
pub type MainTable = Option<Result<Option<String>, ApiError>>;

/// Whether status must look up the local VPC's main table: only when the
/// VIP routes seen so far do not already include it.
pub fn needs_main_table(topo: &Topology) -> bool {
    match &topo.local.vpc_tables {
        Ok(tables) => !tables
            .iter()
            .any(|t| t.main && t.vpc_id == topo.node.vpc_id),
        Err(_) => false,
    }
}

pub fn report(
    topo: &Topology,
    plan: &Plan,
    interface: Option<String>,
    main: MainTable,
) -> StatusReport {
    let mut findings = FindingView::all(plan);
    let mut routes: Vec<RouteRow> = plan.checks.iter().map(|c| row_of_check(c, plan)).collect();
    // A main table we could not look up leaves a MISSING route possible.
    let mut unsure = false;
    match main {
        Some(Ok(Some(table_id))) => routes.push(missing_main(topo, table_id)),
        Some(Err(err)) => {
            unsure = true;
            findings.push(main_lookup_failed(&err));
        }
        Some(Ok(None)) | None => {}
    }
    routes.extend(missing_tgw_routes(topo));
    routes.extend(unreachable_rows(topo, plan));
    routes.sort_by(|a, b| {
        (a.hop, &a.region, &a.owner, &a.table_id).cmp(&(b.hop, &b.region, &b.owner, &b.table_id))
    });
    let blocked = unsure || plan.fails_restore();
    StatusReport {
        kind: "status",
        schema_version: SCHEMA_VERSION,
        vip: topo.vip.to_string(),
        ok: !blocked && routes.iter().all(|r| r.state.is_fine()),
        topology: topology_view(topo, interface),
        routes,
        findings,
    }
}

fn row_of_check(c: &RouteCheck, plan: &Plan) -> RouteRow {
    let (state, detail) = match c.verdict {
        Verdict::Right => (RouteState::Ok, None),
        Verdict::Propagated => (
            RouteState::Propagated,
            Some("propagated route: add a static route for the VIP".to_string()),
        ),
        Verdict::Wrong if c.current.drops_traffic() => (RouteState::Blackhole, None),
        Verdict::Wrong => (RouteState::Wrong, None),
    };
    RouteRow {
        region: c.region.clone(),
        hop: c.hop,
        table_id: Some(c.table_id.clone()),
        owner: c.owner.clone(),
        account: plan.account_of(c),
        current: Some(c.current.to_string()),
        desired: c.desired.to_string(),
        state,
        detail,
    }
}

fn missing_main(topo: &Topology, table_id: String) -> RouteRow {
    RouteRow {
        region: topo.node.region.clone(),
        hop: Hop::LocalVpc,
        table_id: Some(table_id),
        owner: topo.node.vpc_id.clone(),
        account: topo.node.account().map(str::to_string),
        current: None,
        desired: topo.node.eni_id.clone(),
        state: RouteState::Missing,
        detail: Some("the local VPC's main route table has no route for the VIP".into()),
    }
}

fn main_lookup_failed(err: &ApiError) -> FindingView {
    FindingView {
        code: api_failed_code(err.api, false),
        level: "ERROR",
        text: format!(
            "cannot look up the main route table of {}: {}",
            err.resource.as_deref().unwrap_or("the local VPC"),
            detail_of(err)
        ),
    }
}

/// Tables of the local and peered TGWs that have no VIP route: left alone
/// (SPEC §1), unless the local TGW has none in any table, which restore needs.
fn missing_tgw_routes(topo: &Topology) -> Vec<RouteRow> {
    let Some(local) = topo.local_tgw() else {
        return Vec::new();
    };
    let mut rows = missing_in(
        &topo.local,
        &local.tgw_id,
        &local.attachment_id,
        Hop::LocalTgw,
    );
    for peer in topo.peers(&local.tgw_id) {
        if let Some(facts) = topo.facts_of(&peer.region) {
            rows.extend(missing_in(
                facts,
                &peer.tgw_id,
                &peer.peering_id,
                Hop::RemoteTgw,
            ));
        }
    }
    // Across accounts, say whose each table is, as for the routed ones.
    if let Some(me) = topo.node.account() {
        for row in &mut rows {
            row.account.get_or_insert_with(|| me.to_string());
        }
    }
    rows
}

fn missing_in(facts: &RegionFacts, tgw_id: &str, desired: &str, hop: Hop) -> Vec<RouteRow> {
    let Ok(tables) = &facts.tgw_tables else {
        return Vec::new();
    };
    let mine: Vec<_> = tables.iter().filter(|t| t.table.tgw_id == tgw_id).collect();
    // A failed search is unknown, not absent: it counts as a route.
    let routed = mine.iter().any(|t| !matches!(t.vip_route, Ok(None)));
    let (state, detail) = if hop == Hop::LocalTgw && !routed {
        (
            RouteState::Missing,
            "no table of the local TGW has a route for the VIP (127014)",
        )
    } else {
        (RouteState::LeftAlone, "no VIP route (left alone)")
    };
    mine.iter()
        .filter(|t| matches!(t.vip_route, Ok(None)))
        .map(|t| RouteRow {
            region: facts.region.clone(),
            hop,
            table_id: Some(t.table.id.clone()),
            owner: tgw_id.to_string(),
            account: t.table.account.clone(),
            current: None,
            desired: desired.to_string(),
            state,
            detail: Some(detail.into()),
        })
        .collect()
}

/// One row per peered TGW whose region was skipped for silence.
fn unreachable_rows(topo: &Topology, plan: &Plan) -> Vec<RouteRow> {
    let Some(local) = topo.local_tgw() else {
        return Vec::new();
    };
    let silent: BTreeSet<&str> = plan
        .unreachable_regions
        .iter()
        .map(String::as_str)
        .collect();
    topo.peers(&local.tgw_id)
        .into_iter()
        .filter(|p| silent.contains(p.region.as_str()))
        .map(|p| RouteRow {
            detail: Some(unreachable_reason(topo, &p.region)),
            region: p.region,
            hop: Hop::RemoteTgw,
            table_id: None,
            owner: p.tgw_id,
            account: p.owner,
            current: None,
            desired: p.peering_id,
            state: RouteState::Unreachable,
        })
        .collect()
}

fn unreachable_reason(topo: &Topology, region: &str) -> String {
    topo.silence_of(region)
        .unwrap_or("some lookups did not answer; see the findings")
        .to_string()
}

fn topology_view(topo: &Topology, interface: Option<String>) -> TopologyView {
    let local = topo.local_tgw();
    let peerings = local
        .as_ref()
        .map(|l| topo.peers(&l.tgw_id))
        .unwrap_or_default();
    let mut vpcs_by_tgw = Vec::new();
    if let Some(l) = &local {
        vpcs_by_tgw.push(vpcs_on(&topo.local, &l.tgw_id));
    }
    for p in &peerings {
        if let Some(facts) = topo.facts_of(&p.region) {
            vpcs_by_tgw.push(vpcs_on(facts, &p.tgw_id));
        }
    }
    TopologyView {
        local_tgw_unknown: topo
            .local
            .attachments
            .as_ref()
            .err()
            .map(|e| e.code().to_string()),
        node: NodeView::new(&topo.node, interface),
        local_tgw: local.map(|l| LocalTgwView {
            tgw_id: l.tgw_id,
            attachment_id: l.attachment_id,
        }),
        peerings: peerings
            .into_iter()
            .map(|p| PeeringView {
                peering_id: p.peering_id,
                tgw_id: p.tgw_id,
                region: p.region,
            })
            .collect(),
        vpcs_by_tgw,
    }
}

fn vpcs_on(facts: &RegionFacts, tgw_id: &str) -> TgwVpcs {
    // Across accounts, the TGW owner's view lists every VPC on it.
    let vpc_ids: BTreeSet<String> = match facts.attachments_of_tgws() {
        Ok(atts) => atts
            .iter()
            .filter(|a| a.tgw_id == tgw_id)
            .map(|a| a.vpc_id.clone())
            .collect(),
        Err(_) => BTreeSet::new(),
    };
    TgwVpcs {
        tgw_id: tgw_id.to_string(),
        region: facts.region.clone(),
        vpc_ids: vpc_ids.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests;
