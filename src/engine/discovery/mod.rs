//! Gathers the [`Topology`] with as few dependent round trips as possible.
//!
//! The local region's four lookups start together; as soon as the peerings
//! and attachments are known, each peered region is looked up in parallel,
//! bounded by a deadline so a region that does not answer cannot hold the
//! failover into the surviving one hostage. Every lookup also ends at the
//! run's deadline ([`crate::engine::deadline`]): one the local region still owes
//! then counts as failed.
//!
//! Cross-account runs (a node whose identity is known) walk the same hops
//! in [`across_accounts`], each in the account that owns its tables.

mod across_accounts;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;

use crate::engine::deadline::by;
use crate::engine::ec2::{Api, ApiError, Ec2};
use crate::engine::topology::{
    LocalNode, RegionFacts, RemoteRegion, TgwRouteTable, TgwTableFacts, Topology, choose_local_tgw,
    peered_tgws,
};

/// Looks the topology up; nothing runs past `deadline`, and a remote region
/// gets at most `remote_silence` (or what is left until `deadline`).
pub async fn discover<E: Ec2>(
    ec2: &E,
    node: LocalNode,
    vip: Ipv4Addr,
    deadline: Instant,
    remote_silence: Duration,
) -> Topology {
    if node.identity.is_some() {
        return across_accounts::discover(ec2, node, vip, deadline, remote_silence).await;
    }
    let region = node.region.clone();
    let r = region.as_str();
    let (vpc_tables, attachments, peerings, tgw_tables) = tokio::join!(
        by(
            deadline,
            Api::DescribeRouteTables,
            r,
            ec2.vip_route_tables(r, vip)
        ),
        by(
            deadline,
            Api::DescribeTransitGatewayVpcAttachments,
            r,
            ec2.vpc_attachments(r)
        ),
        by(
            deadline,
            Api::DescribeTransitGatewayPeeringAttachments,
            r,
            ec2.peerings(r)
        ),
        by(
            deadline,
            Api::DescribeTransitGatewayRouteTables,
            r,
            ec2.tgw_route_tables(r, &[])
        ),
    );

    let local_tgw = attachments
        .as_ref()
        .ok()
        .and_then(|a| choose_local_tgw(a, &node.vpc_id));
    let peers = match (&local_tgw, &peerings) {
        (Some(t), Ok(p)) => peered_tgws(p, &t.tgw_id),
        _ => Vec::new(),
    };
    // TGWs whose tables matter, per region: the local TGW and every peer.
    let mut tgws_by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(t) = &local_tgw {
        tgws_by_region
            .entry(region.clone())
            .or_default()
            .push(t.tgw_id.clone());
    }
    for p in &peers {
        tgws_by_region
            .entry(p.region.clone())
            .or_default()
            .push(p.tgw_id.clone());
    }
    let local_tgws = tgws_by_region.remove(&region).unwrap_or_default();

    let local_search = search_vip_routes(ec2, &region, tgw_tables, &local_tgws, vip, deadline);
    let remote_deadline = deadline.min(crate::engine::deadline::after(remote_silence));
    let remotes = join_all(
        tgws_by_region
            .into_iter()
            .map(|(r, tgws)| discover_remote(ec2, r, tgws, vip, remote_deadline)),
    );
    let (tgw_tables, remotes) = tokio::join!(local_search, remotes);

    Topology {
        vip,
        local: RegionFacts {
            region,
            vpc_tables,
            attachments,
            tgw_tables,
            tgw_attachments: None,
            other_accounts: Vec::new(),
        },
        node,
        peerings,
        remotes,
    }
}

async fn discover_remote<E: Ec2>(
    ec2: &E,
    region: String,
    tgws: Vec<String>,
    vip: Ipv4Addr,
    deadline: Instant,
) -> RemoteRegion {
    let work = async {
        let (vpc_tables, attachments, tgw_tables) = tokio::join!(
            ec2.vip_route_tables(&region, vip),
            ec2.vpc_attachments(&region),
            ec2.tgw_route_tables(&region, &tgws),
        );
        let tgw_tables = search_vip_routes(ec2, &region, tgw_tables, &tgws, vip, deadline).await;
        RegionFacts {
            region: region.clone(),
            vpc_tables,
            attachments,
            tgw_tables,
            tgw_attachments: None,
            other_accounts: Vec::new(),
        }
    };
    observed_by(deadline, region.clone(), work).await
}

/// A remote region's facts, or [`RemoteRegion::Unreachable`] when `work`
/// is still running at `deadline`.
pub(super) async fn observed_by(
    deadline: Instant,
    region: String,
    work: impl Future<Output = RegionFacts>,
) -> RemoteRegion {
    let allowed = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout_at(deadline, work).await {
        Ok(facts) => RemoteRegion::Observed(Box::new(facts)),
        Err(_) => RemoteRegion::Unreachable {
            reason: format!("no answer within {:.0} s", allowed.as_secs_f64()),
            region,
        },
    }
}

/// Looks up the VIP route of every table that belongs to one of `tgws`, all at once.
pub(super) async fn search_vip_routes<E: Ec2>(
    ec2: &E,
    region: &str,
    tables: Result<Vec<TgwRouteTable>, ApiError>,
    tgws: &[String],
    vip: Ipv4Addr,
    deadline: Instant,
) -> Result<Vec<TgwTableFacts>, ApiError> {
    let tables: Vec<TgwRouteTable> = tables?
        .into_iter()
        .filter(|t| tgws.contains(&t.tgw_id))
        .collect();
    Ok(join_all(tables.into_iter().map(|table| async move {
        let search = ec2.tgw_vip_route(region, &table.id, vip);
        let vip_route = match tokio::time::timeout_at(deadline, search).await {
            Ok(found) => found,
            Err(_) => Err(crate::engine::deadline::abandoned(
                Api::SearchTransitGatewayRoutes,
                region,
                Some(&table.id),
            )),
        };
        TgwTableFacts { table, vip_route }
    }))
    .await)
}
