//! The facts discovery gathers, as plain values: no SDK types, no I/O.
//!
//! Each lookup keeps its own `Result`, because an HA tool must act on what it
//! could see: a denied TGW lookup must not stop the local VPC from converging.

use std::collections::BTreeSet;
use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::engine::ec2::ApiError;

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Eni(String),
    TransitGateway(String),
    /// A TGW attachment (VPC or peering), for TGW route tables.
    Attachment(String),
    /// A TGW static route that drops traffic.
    Blackhole,
    /// A VPC route whose target is gone (AWS state `blackhole`): it drops
    /// traffic, and says which target it had.
    Blackholed(Box<Target>),
    /// Anything else (instance, gateway, NAT…), kept verbatim for the log.
    Other(String),
}

impl Target {
    /// Whether traffic sent along this route is dropped.
    pub fn drops_traffic(&self) -> bool {
        matches!(self, Target::Blackhole | Target::Blackholed(_))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Eni(id)
            | Target::TransitGateway(id)
            | Target::Attachment(id)
            | Target::Other(id) => f.write_str(id),
            Target::Blackhole => f.write_str("blackhole"),
            Target::Blackholed(gone) => write!(f, "{gone} (blackhole)"),
        }
    }
}

/// A VPC route table that holds the VIP route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcRouteTable {
    pub id: String,
    pub vpc_id: String,
    pub main: bool,
    pub vip_target: Target,
    /// The account whose role reads and writes it (cross-account runs);
    /// `None`: the node's own credentials.
    pub account: Option<String>,
}

/// TGW attachment states (VPC and peering) in which the attachment carries
/// traffic, so its routes matter. AWS's lifecycle: `modifying` (a subnet or
/// option change) keeps forwarding; `initiating*`, `pending*`,
/// `pendingAcceptance` and `rollingBack` do not forward yet; `deleting`,
/// `deleted`, `failing`, `failed`, `rejecting` and `rejected` no longer (or
/// never will).
pub const ATTACHMENT_STATES_IN_PATH: &[&str] = &["available", "modifying"];

/// TGW route table states whose routes are searched: a `pending` table has
/// no routes yet, a `deleting` one is on its way out (and AWS refuses to
/// search or change it).
pub const TGW_ROUTE_TABLE_STATES_SEARCHED: &[&str] = &["available"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcAttachment {
    pub id: String,
    pub tgw_id: String,
    pub vpc_id: String,
    /// The account that owns the VPC, as AWS reports it (`vpcOwnerId`).
    pub vpc_owner: Option<String>,
}

/// A Transit Gateway and the account that owns it (a TGW shared through
/// AWS RAM is visible to other accounts, with its owner's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitGateway {
    pub id: String,
    pub owner: Option<String>,
}

/// The IPv4 CIDR blocks of one VPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcCidrs {
    pub vpc_id: String,
    pub cidrs: Vec<Ipv4Net>,
}

/// One side of a TGW peering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeeringSide {
    pub tgw_id: String,
    pub region: String,
    /// The account that owns this side's TGW.
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peering {
    pub id: String,
    pub requester: PeeringSide,
    pub accepter: PeeringSide,
}

impl Peering {
    /// The side facing `tgw_id`'s peer, when `tgw_id` is one of the two ends.
    pub fn peer_of(&self, tgw_id: &str) -> Option<&PeeringSide> {
        if self.requester.tgw_id == tgw_id {
            Some(&self.accepter)
        } else if self.accepter.tgw_id == tgw_id {
            Some(&self.requester)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwRouteTable {
    pub id: String,
    pub tgw_id: String,
    /// The account whose role reads and writes it (cross-account runs);
    /// `None`: the node's own credentials.
    pub account: Option<String>,
}

/// The VIP route of a TGW route table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgwVipRoute {
    pub target: Target,
    pub propagated: bool,
}

/// A TGW route table and what its VIP route lookup found.
#[derive(Clone, Debug, PartialEq)]
pub struct TgwTableFacts {
    pub table: TgwRouteTable,
    pub vip_route: Result<Option<TgwVipRoute>, ApiError>,
}

/// The instance this run acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalNode {
    pub region: String,
    pub vpc_id: String,
    pub eni_id: String,
    /// The MAC IMDS knows the ENI by (for operators matching it to an interface).
    pub mac: String,
    /// Who this node is (account, instance id): read only for cross-account
    /// runs, whose presence switches them on.
    pub identity: Option<NodeIdentity>,
}

/// The instance's account and id, from its instance identity document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeIdentity {
    pub account: String,
    pub instance_id: String,
}

impl LocalNode {
    /// The node's own account, in cross-account runs.
    pub fn account(&self) -> Option<&str> {
        self.identity.as_ref().map(|i| i.account.as_str())
    }

    /// Whose credentials act on something `owner` owns: `None` (the node's
    /// own) for the node's account, for an unknown owner, and always in
    /// single-account runs; else that account's role.
    pub fn credentials_for(&self, owner: Option<&str>) -> Option<String> {
        match (self.account(), owner) {
            (Some(me), Some(owner)) if owner != me => Some(owner.to_string()),
            _ => None,
        }
    }
}

/// What was learned about one region.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionFacts {
    pub region: String,
    /// VIP route tables seen with the node's own credentials.
    pub vpc_tables: Result<Vec<VpcRouteTable>, ApiError>,
    /// VPC attachments: the node's own view locally (it picks the local
    /// TGW), the TGW owners' view in a remote region.
    pub attachments: Result<Vec<VpcAttachment>, ApiError>,
    pub tgw_tables: Result<Vec<TgwTableFacts>, ApiError>,
    /// Cross-account runs, local region: every attachment of the local TGW
    /// as its owning account sees them (the node's account sees only its
    /// own). `None`: `attachments` is the whole picture.
    pub tgw_attachments: Option<Result<Vec<VpcAttachment>, ApiError>>,
    /// Cross-account runs: the VIP route tables of each other account
    /// owning a VPC attached to a TGW of the walk, one lookup per account.
    pub other_accounts: Vec<AccountTables>,
}

/// The VIP route tables of one other account, as its role sees them.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountTables {
    pub account: String,
    pub vpc_tables: Result<Vec<VpcRouteTable>, ApiError>,
}

impl RegionFacts {
    /// The attachments that say which VPCs hang off a TGW of this region.
    pub fn attachments_of_tgws(&self) -> &Result<Vec<VpcAttachment>, ApiError> {
        self.tgw_attachments.as_ref().unwrap_or(&self.attachments)
    }
}

/// A region behind a peering: observed, or silent past its deadline.
#[derive(Clone, Debug, PartialEq)]
pub enum RemoteRegion {
    Observed(Box<RegionFacts>),
    Unreachable { region: String, reason: String },
}

impl RemoteRegion {
    pub fn region(&self) -> &str {
        match self {
            RemoteRegion::Observed(f) => &f.region,
            RemoteRegion::Unreachable { region, .. } => region,
        }
    }
}

/// Everything the planner needs, gathered once per run.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    pub vip: Ipv4Addr,
    pub node: LocalNode,
    pub local: RegionFacts,
    pub peerings: Result<Vec<Peering>, ApiError>,
    pub remotes: Vec<RemoteRegion>,
}

impl Topology {
    /// What was observed in `region`, local or remote; `None` when it was silent.
    pub fn facts_of(&self, region: &str) -> Option<&RegionFacts> {
        if region == self.local.region {
            return Some(&self.local);
        }
        self.remotes.iter().find_map(|r| match r {
            RemoteRegion::Observed(f) if f.region == region => Some(&**f),
            _ => None,
        })
    }

    /// Why `region` was not observed, when it timed out as a whole.
    pub fn silence_of(&self, region: &str) -> Option<&str> {
        self.remotes.iter().find_map(|r| match r {
            RemoteRegion::Unreachable { region: r, reason } if r == region => Some(reason.as_str()),
            _ => None,
        })
    }

    /// The local TGW, when the attachments could be listed and one exists.
    pub fn local_tgw(&self) -> Option<LocalTgw> {
        let attachments = self.local.attachments.as_ref().ok()?;
        choose_local_tgw(attachments, &self.node.vpc_id)
    }

    /// The TGWs peered with the local one, when the peerings could be listed.
    pub fn peers(&self, local_tgw: &str) -> Vec<PeeredTgw> {
        match &self.peerings {
            Ok(p) => peered_tgws(p, local_tgw),
            Err(_) => Vec::new(),
        }
    }
}

/// The TGW the local VPC is attached to, and how many candidates there were.
///
/// Several TGWs on one VPC is a misconfiguration the vendor tolerated with a
/// warning; the lowest id keeps the choice stable from run to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalTgw {
    pub tgw_id: String,
    pub attachment_id: String,
    pub candidates: usize,
}

pub fn choose_local_tgw(attachments: &[VpcAttachment], vpc_id: &str) -> Option<LocalTgw> {
    let mut mine: Vec<&VpcAttachment> = attachments.iter().filter(|a| a.vpc_id == vpc_id).collect();
    mine.sort_by(|a, b| (&a.tgw_id, &a.id).cmp(&(&b.tgw_id, &b.id)));
    let candidates = mine
        .iter()
        .map(|a| &a.tgw_id)
        .collect::<BTreeSet<_>>()
        .len();
    mine.first().map(|a| LocalTgw {
        tgw_id: a.tgw_id.clone(),
        attachment_id: a.id.clone(),
        candidates,
    })
}

/// A TGW peered with the local TGW, and the peering that leads to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeeredTgw {
    pub peering_id: String,
    pub tgw_id: String,
    pub region: String,
    /// The account that owns the peer TGW.
    pub owner: Option<String>,
}

/// Peers of `local_tgw`, ordered by region then TGW so every run walks them alike.
pub fn peered_tgws(peerings: &[Peering], local_tgw: &str) -> Vec<PeeredTgw> {
    let mut out: Vec<PeeredTgw> = peerings
        .iter()
        .filter_map(|p| {
            p.peer_of(local_tgw).map(|side| PeeredTgw {
                peering_id: p.id.clone(),
                tgw_id: side.tgw_id.clone(),
                region: side.region.clone(),
                owner: side.owner.clone(),
            })
        })
        .filter(|peer| peer.tgw_id != local_tgw)
        .collect();
    out.sort_by(|a, b| {
        (&a.region, &a.tgw_id, &a.peering_id).cmp(&(&b.region, &b.tgw_id, &b.peering_id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::planner::tests::att;

    #[test]
    fn lowest_tgw_id_wins_and_candidates_are_counted() {
        let atts = [
            att("tgw-attach-b", "tgw-b", "vpc-1"),
            att("tgw-attach-a", "tgw-a", "vpc-1"),
            att("tgw-attach-c", "tgw-c", "vpc-2"),
        ];
        let chosen = choose_local_tgw(&atts, "vpc-1").unwrap();
        assert_eq!(chosen.tgw_id, "tgw-a");
        assert_eq!(chosen.attachment_id, "tgw-attach-a");
        assert_eq!(chosen.candidates, 2);
        assert_eq!(choose_local_tgw(&atts, "vpc-9"), None);
    }

    #[test]
    fn peers_are_found_from_either_side() {
        let side = |tgw: &str, region: &str| PeeringSide {
            tgw_id: tgw.into(),
            region: region.into(),
            owner: None,
        };
        let peerings = [
            Peering {
                id: "tgw-attach-p2".into(),
                requester: side("tgw-c", "eu-west-1"),
                accepter: side("tgw-a", "us-east-1"),
            },
            Peering {
                id: "tgw-attach-p1".into(),
                requester: side("tgw-a", "us-east-1"),
                accepter: side("tgw-b", "us-west-2"),
            },
            Peering {
                id: "tgw-attach-p3".into(),
                requester: side("tgw-b", "us-west-2"),
                accepter: side("tgw-c", "eu-west-1"),
            },
        ];
        let peers = peered_tgws(&peerings, "tgw-a");
        let ids: Vec<_> = peers
            .iter()
            .map(|p| (p.tgw_id.as_str(), p.peering_id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [("tgw-c", "tgw-attach-p2"), ("tgw-b", "tgw-attach-p1")]
        );
    }
}
