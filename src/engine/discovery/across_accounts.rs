//! The five hops across AWS accounts (landing zones): every lookup is made
//! in the account that owns what it looks at, with that account's role.
//!
//! Owners come from AWS's own answers, so there is no account list to keep:
//! the local TGW's from `DescribeTransitGateways` (a TGW shared through RAM
//! is visible to the accounts it is shared with, with its owner's id), a
//! peer TGW's from its side of the peering attachment, a VPC's from
//! `vpcOwnerId` on its TGW attachment as the TGW's owner sees it (an account
//! that merely attaches a VPC sees only its own attachments). A role is
//! warmed up as soon as its account appears, so AssumeRole overlaps with
//! the lookups still running rather than following them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;

use super::{observed_by, search_vip_routes};
use crate::engine::deadline::{after, by};
use crate::engine::ec2::{Api, ApiError, Ec2};
use crate::engine::topology::{
    AccountTables, LocalNode, LocalTgw, Peering, RegionFacts, TgwRouteTable, TgwTableFacts,
    Topology, TransitGateway, VpcAttachment, VpcRouteTable, choose_local_tgw, peered_tgws,
};

/// A TGW of the walk and the account that owns it.
type OwnedTgw = (String, Option<String>);

/// Looks the topology up across accounts; the deadlines mean what they
/// mean for [`super::discover`].
pub async fn discover<E: Ec2>(
    ec2: &E,
    node: LocalNode,
    vip: Ipv4Addr,
    deadline: Instant,
    remote_silence: Duration,
) -> Topology {
    let r = node.region.clone();
    let (vpc_tables, attachments, tgws) = own_view(ec2, &node, vip, deadline).await;
    let local_tgw = attachments
        .as_ref()
        .ok()
        .and_then(|a| choose_local_tgw(a, &node.vpc_id));
    let Some(local_tgw) = local_tgw else {
        // No TGW to follow: the planner reports why, from `attachments`.
        let local = region_facts(&r, vpc_tables, attachments, Ok(Vec::new()), Vec::new());
        return Topology {
            vip,
            node,
            local,
            peerings: Ok(Vec::new()),
            remotes: Vec::new(),
        };
    };
    let owner = tgws.map(|t| owner_of(&t, &local_tgw.tgw_id));
    let seen = owner_view(ec2, &node, &local_tgw, owner, deadline).await;
    let (local_peers, by_region) = peers_by_region(&seen.peerings, &local_tgw.tgw_id, &r);
    let remote_deadline = deadline.min(after(remote_silence));
    let own_attachments = attachments.clone();
    let local_work = LocalHops {
        ec2,
        node: &node,
        local_tgw: &local_tgw,
        seen,
        own_attachments,
        local_peers,
    };
    let remotes = join_all(by_region.into_iter().map(|(region, tgws)| {
        let work = region_hops(ec2, &node, region.clone(), tgws, vip, deadline);
        observed_by(remote_deadline, region, work)
    }));
    let ((tgw_tables, tgw_attachments, other_accounts, peerings), remotes) =
        tokio::join!(local_work.finish(vip, deadline), remotes);
    let mut local = region_facts(&r, vpc_tables, attachments, tgw_tables, other_accounts);
    local.tgw_attachments = tgw_attachments;
    Topology {
        vip,
        node,
        local,
        peerings,
        remotes,
    }
}

/// What the node's own credentials see first: its region's VIP route
/// tables, its VPC attachments (they name the local TGW) and the TGWs
/// visible to it with their owners, whose roles start warming up at once.
async fn own_view<E: Ec2>(
    ec2: &E,
    node: &LocalNode,
    vip: Ipv4Addr,
    deadline: Instant,
) -> (
    Result<Vec<VpcRouteTable>, ApiError>,
    Result<Vec<VpcAttachment>, ApiError>,
    Result<Vec<TransitGateway>, ApiError>,
) {
    let r = node.region.as_str();
    let tables = by(
        deadline,
        Api::DescribeRouteTables,
        r,
        ec2.vip_route_tables(r, vip),
    );
    let attachments = ec2.vpc_attachments(r);
    let attachments = by(
        deadline,
        Api::DescribeTransitGatewayVpcAttachments,
        r,
        attachments,
    );
    let tgws = async {
        let tgws = by(
            deadline,
            Api::DescribeTransitGateways,
            r,
            ec2.transit_gateways(r),
        )
        .await;
        warm_up_owners(ec2, node, tgws.iter().flatten().map(|t| &t.owner));
        tgws
    };
    tokio::join!(tables, attachments, tgws)
}

/// The peers of `local_tgw` with their owners: those in the local region
/// (intra-region peering), and the others by region.
fn peers_by_region(
    peerings: &Result<Vec<Peering>, ApiError>,
    local_tgw: &str,
    local_region: &str,
) -> (Vec<OwnedTgw>, BTreeMap<String, Vec<OwnedTgw>>) {
    let peers = match peerings {
        Ok(p) => peered_tgws(p, local_tgw),
        Err(_) => Vec::new(),
    };
    let mut by_region: BTreeMap<String, Vec<OwnedTgw>> = BTreeMap::new();
    for p in peers {
        by_region
            .entry(p.region)
            .or_default()
            .push((p.tgw_id, p.owner));
    }
    let local = by_region.remove(local_region).unwrap_or_default();
    (local, by_region)
}

/// The owner of `tgw_id` among the visible TGWs; `None` when it is not
/// listed (then it is taken to be the node's own).
fn owner_of(tgws: &[TransitGateway], tgw_id: &str) -> Option<String> {
    tgws.iter()
        .find(|t| t.id == tgw_id)
        .and_then(|t| t.owner.clone())
}

/// Starts assuming the role of every other account among `owners`.
fn warm_up_owners<'o, E: Ec2>(
    ec2: &E,
    node: &LocalNode,
    owners: impl Iterator<Item = &'o Option<String>>,
) {
    let accounts: BTreeSet<String> = owners
        .filter_map(|o| node.credentials_for(o.as_deref()))
        .collect();
    accounts.iter().for_each(|a| ec2.warm_up(a));
}

/// What the local TGW's owner sees of it: its peerings, its route tables
/// (not yet searched) and, when that is another account, every attachment.
struct OwnerView {
    account: Option<String>,
    peerings: Result<Vec<Peering>, ApiError>,
    tgw_tables: Result<Vec<TgwRouteTable>, ApiError>,
    tgw_attachments: Option<Result<Vec<VpcAttachment>, ApiError>>,
}

async fn owner_view<E: Ec2>(
    ec2: &E,
    node: &LocalNode,
    local_tgw: &LocalTgw,
    owner: Result<Option<String>, ApiError>,
    deadline: Instant,
) -> OwnerView {
    let r = node.region.as_str();
    let owner = match owner {
        Ok(owner) => owner,
        // Whose the TGW is stays unknown: every hop behind it fails with why.
        Err(e) => {
            return OwnerView {
                account: None,
                peerings: Err(e.clone()),
                tgw_tables: Err(e.clone()),
                tgw_attachments: Some(Err(e)),
            };
        }
    };
    let account = node.credentials_for(owner.as_deref());
    let there = ec2.in_account(account.as_deref());
    let ids = [local_tgw.tgw_id.clone()];
    let (peerings, tgw_tables, tgw_attachments) = tokio::join!(
        by(
            deadline,
            Api::DescribeTransitGatewayPeeringAttachments,
            r,
            there.peerings(r)
        ),
        by(
            deadline,
            Api::DescribeTransitGatewayRouteTables,
            r,
            there.tgw_route_tables(r, &ids)
        ),
        async {
            // The node's own account already listed every attachment it can see.
            match &account {
                Some(_) => Some(attachments_in(&there, node, r, deadline).await),
                None => None,
            }
        },
    );
    OwnerView {
        tgw_tables: tgw_tables.map(|t| with_account(t, &account)),
        account,
        peerings,
        tgw_attachments,
    }
}

/// The attachments of a region as `there` sees them, warming up the role
/// of every account owning one of their VPCs.
async fn attachments_in<E: Ec2>(
    there: &E,
    node: &LocalNode,
    region: &str,
    deadline: Instant,
) -> Result<Vec<VpcAttachment>, ApiError> {
    let found = by(
        deadline,
        Api::DescribeTransitGatewayVpcAttachments,
        region,
        there.vpc_attachments(region),
    )
    .await;
    warm_up_owners(there, node, found.iter().flatten().map(|a| &a.vpc_owner));
    found
}

/// The local region's hops 2 and 4, once the local TGW's owner was heard.
struct LocalHops<'e, E> {
    ec2: &'e E,
    node: &'e LocalNode,
    local_tgw: &'e LocalTgw,
    seen: OwnerView,
    own_attachments: Result<Vec<VpcAttachment>, ApiError>,
    /// Peers in the local region (intra-region peering), with their owners.
    local_peers: Vec<OwnedTgw>,
}

/// Local TGW tables, attachments of the local TGW's VPCs (its owner's view),
/// the other accounts' VPC tables, and the peerings.
type LocalResults = (
    Result<Vec<TgwTableFacts>, ApiError>,
    Option<Result<Vec<VpcAttachment>, ApiError>>,
    Vec<AccountTables>,
    Result<Vec<Peering>, ApiError>,
);

impl<E: Ec2> LocalHops<'_, E> {
    /// Three independent chains at once: the local TGW's tables searched,
    /// the other accounts' VPC tables (their owners are already known), and
    /// any local-region peer walked like a remote region.
    async fn finish(self, vip: Ipv4Addr, deadline: Instant) -> LocalResults {
        let (ec2, node) = (self.ec2, self.node);
        let r = node.region.as_str();
        let local_id = [self.local_tgw.tgw_id.clone()];
        let there = ec2.in_account(self.seen.account.as_deref());
        let attachments = self
            .seen
            .tgw_attachments
            .unwrap_or_else(|| self.own_attachments.clone());
        // The node's own tables of this region were read first thing.
        let on = (&attachments, local_id.as_slice());
        let (tables, (_, others), peers) = tokio::join!(
            search_vip_routes(&there, r, self.seen.tgw_tables, &local_id, vip, deadline),
            vpc_tables_of_owners(ec2, node, r, on, Owners::Others, vip, deadline),
            async {
                match self.local_peers.is_empty() {
                    true => None,
                    false => Some(
                        region_hops(ec2, node, r.to_string(), self.local_peers, vip, deadline)
                            .await,
                    ),
                }
            },
        );
        let Some(peers) = peers else {
            return (tables, Some(attachments), others, self.seen.peerings);
        };
        let mut others = others;
        others.extend(peers.other_accounts);
        (
            merge(vec![tables, peers.tgw_tables]),
            Some(merge(vec![attachments, peers.attachments])),
            others,
            self.seen.peerings,
        )
    }
}

/// A remote region's hops 3 and 5 (or a local-region peer's): two chains
/// side by side, each TGW's tables searched in its owner's account, and
/// its attachments there followed by the attached VPCs' tables in theirs.
async fn region_hops<E: Ec2>(
    ec2: &E,
    node: &LocalNode,
    region: String,
    tgws: Vec<OwnedTgw>,
    vip: Ipv4Addr,
    deadline: Instant,
) -> RegionFacts {
    let mut by_account: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for (id, owner) in &tgws {
        let account = node.credentials_for(owner.as_deref());
        by_account.entry(account).or_default().push(id.clone());
    }
    let ids: Vec<String> = tgws.into_iter().map(|(id, _)| id).collect();
    let r = region.as_str();
    let tables = join_all(by_account.iter().map(|(account, tgw_ids)| async move {
        let there = ec2.in_account(account.as_deref());
        let listed = there.tgw_route_tables(r, tgw_ids);
        let listed = by(deadline, Api::DescribeTransitGatewayRouteTables, r, listed);
        let listed = listed.await.map(|t| with_account(t, account));
        search_vip_routes(&there, r, listed, tgw_ids, vip, deadline).await
    }));
    let vpcs = async {
        let seen = join_all(by_account.keys().map(|account| async move {
            attachments_in(&ec2.in_account(account.as_deref()), node, r, deadline).await
        }));
        let attachments = merge(seen.await);
        let on = (&attachments, ids.as_slice());
        let found = vpc_tables_of_owners(ec2, node, r, on, Owners::All, vip, deadline).await;
        (attachments, found)
    };
    let (tables, (attachments, (own, others))) = tokio::join!(tables, vpcs);
    region_facts(r, own, attachments, merge(tables), others)
}

/// Whose VPC tables [`vpc_tables_of_owners`] looks up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owners {
    /// The node's own account too (a remote region).
    All,
    /// Only the other accounts (the node's own tables are already known).
    Others,
}

/// The VIP route tables of every account owning a VPC attached to one of
/// the TGWs `on` names: the node's own (an empty answer, without a call,
/// when it owns none) and each other account's, one lookup per account.
async fn vpc_tables_of_owners<E: Ec2>(
    ec2: &E,
    node: &LocalNode,
    region: &str,
    on: (&Result<Vec<VpcAttachment>, ApiError>, &[String]),
    owners: Owners,
    vip: Ipv4Addr,
    deadline: Instant,
) -> (Result<Vec<VpcRouteTable>, ApiError>, Vec<AccountTables>) {
    let (attachments, tgw_ids) = on;
    let accounts: BTreeSet<Option<String>> = attachments
        .iter()
        .flatten()
        .filter(|a| tgw_ids.contains(&a.tgw_id) && a.vpc_id != node.vpc_id)
        .map(|a| node.credentials_for(a.vpc_owner.as_deref()))
        .filter(|account| account.is_some() || owners == Owners::All)
        .collect();
    let lookups = join_all(accounts.into_iter().map(|account| async move {
        let there = ec2.in_account(account.as_deref());
        let found = by(
            deadline,
            Api::DescribeRouteTables,
            region,
            there.vip_route_tables(region, vip),
        );
        let tables = found.await.map(|t| with_vpc_account(t, &account));
        (account, tables)
    }))
    .await;
    let mut own = Ok(Vec::new());
    let mut others = Vec::new();
    for (account, vpc_tables) in lookups {
        match account {
            None => own = vpc_tables,
            Some(account) => others.push(AccountTables {
                account,
                vpc_tables,
            }),
        }
    }
    (own, others)
}

fn region_facts(
    region: &str,
    vpc_tables: Result<Vec<VpcRouteTable>, ApiError>,
    attachments: Result<Vec<VpcAttachment>, ApiError>,
    tgw_tables: Result<Vec<TgwTableFacts>, ApiError>,
    other_accounts: Vec<AccountTables>,
) -> RegionFacts {
    RegionFacts {
        region: region.to_string(),
        vpc_tables,
        attachments,
        tgw_tables,
        tgw_attachments: None,
        other_accounts,
    }
}

/// Several lookups as one: everything they found, or the first failure.
fn merge<T>(parts: Vec<Result<Vec<T>, ApiError>>) -> Result<Vec<T>, ApiError> {
    let mut all = Vec::new();
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

fn with_account(tables: Vec<TgwRouteTable>, account: &Option<String>) -> Vec<TgwRouteTable> {
    tables
        .into_iter()
        .map(|t| TgwRouteTable {
            account: account.clone(),
            ..t
        })
        .collect()
}

fn with_vpc_account(tables: Vec<VpcRouteTable>, account: &Option<String>) -> Vec<VpcRouteTable> {
    tables
        .into_iter()
        .map(|t| VpcRouteTable {
            account: account.clone(),
            ..t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::planner::tests::denied;
    use crate::engine::topology::PeeringSide;

    fn side(tgw: &str, region: &str, owner: &str) -> PeeringSide {
        PeeringSide {
            tgw_id: tgw.into(),
            region: region.into(),
            owner: Some(owner.into()),
        }
    }

    #[test]
    fn peers_split_into_the_local_region_and_the_others_with_their_owners() {
        let peering = |id: &str, other: PeeringSide| Peering {
            id: id.into(),
            requester: side("tgw-a", "us-east-1", "222200000001"),
            accepter: other,
        };
        let peerings = Ok(vec![
            peering("p1", side("tgw-b", "us-west-2", "222200000002")),
            peering("p2", side("tgw-c", "us-east-1", "555500000001")),
        ]);
        let (local, others) = peers_by_region(&peerings, "tgw-a", "us-east-1");
        assert_eq!(
            local,
            [("tgw-c".to_string(), Some("555500000001".to_string()))]
        );
        assert_eq!(
            others["us-west-2"],
            [("tgw-b".to_string(), Some("222200000002".to_string()))]
        );
        let unknown = Err(denied(
            Api::DescribeTransitGatewayPeeringAttachments,
            "us-east-1",
        ));
        let (local, others) = peers_by_region(&unknown, "tgw-a", "us-east-1");
        assert!(local.is_empty() && others.is_empty());
    }

    #[test]
    fn lookups_merge_into_everything_or_the_first_failure() {
        let first = denied(Api::DescribeRouteTables, "us-east-1");
        let second = denied(Api::DescribeTransitGatewayRouteTables, "us-west-2");
        assert_eq!(merge(vec![Ok(vec![1]), Ok(vec![2, 3])]), Ok(vec![1, 2, 3]));
        let failed = merge(vec![Ok(vec![1]), Err(first.clone()), Err(second)]);
        assert_eq!(failed, Err(first));
    }

    #[test]
    fn an_unlisted_tgw_is_taken_to_be_the_nodes_own() {
        let tgws = [TransitGateway {
            id: "tgw-a".into(),
            owner: Some("222200000001".into()),
        }];
        assert_eq!(owner_of(&tgws, "tgw-a").as_deref(), Some("222200000001"));
        assert_eq!(owner_of(&tgws, "tgw-z"), None);
    }
}
