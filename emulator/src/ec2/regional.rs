//! What one regional EC2 endpoint can see, and what one account can see.
//!
//! Every object lives in exactly one region and is invisible from the
//! others, except TGW peering attachments, which both regions see under the
//! same id. All lookups by handlers go through here so that no handler can
//! accidentally leak another region's object.
//!
//! Within a region, an account sees what it owns, as on AWS: a VPC (its
//! route tables, ENIs) only its owner; a TGW its owner and the accounts it
//! is shared with through RAM; a TGW's route tables only the TGW's owner;
//! a VPC attachment the TGW's owner and the VPC's owner; a peering both
//! TGWs' owners.

use crate::topology::{
    Node, Peering, RouteTable, TgwRouteTable, Topology, TransitGateway, Vpc, VpcAttachment,
};

pub fn vpcs<'a>(w: &'a Topology, region: &'a str) -> impl Iterator<Item = &'a Vpc> + 'a {
    w.vpcs.iter().filter(move |v| v.region == region)
}

pub fn route_tables<'a>(
    w: &'a Topology,
    region: &'a str,
) -> impl Iterator<Item = &'a RouteTable> + 'a {
    w.route_tables
        .iter()
        .filter(move |t| w.route_table_region(t) == Some(region))
}

pub fn route_table_index(w: &Topology, region: &str, id: &str) -> Option<usize> {
    w.route_tables
        .iter()
        .position(|t| t.id == id && w.route_table_region(t) == Some(region))
}

pub fn transit_gateways<'a>(
    w: &'a Topology,
    region: &'a str,
) -> impl Iterator<Item = &'a TransitGateway> + 'a {
    w.transit_gateways
        .iter()
        .filter(move |t| t.region == region)
}

pub fn transit_gateway<'a>(w: &'a Topology, region: &str, id: &str) -> Option<&'a TransitGateway> {
    w.transit_gateway(id).filter(|t| t.region == region)
}

pub fn tgw_route_tables<'a>(
    w: &'a Topology,
    region: &'a str,
) -> impl Iterator<Item = &'a TgwRouteTable> + 'a {
    w.tgw_route_tables
        .iter()
        .filter(move |t| w.tgw_route_table_region(t) == Some(region))
}

pub fn tgw_route_table_index(w: &Topology, region: &str, id: &str) -> Option<usize> {
    w.tgw_route_tables
        .iter()
        .position(|t| t.id == id && w.tgw_route_table_region(t) == Some(region))
}

pub fn vpc_attachments<'a>(
    w: &'a Topology,
    region: &'a str,
) -> impl Iterator<Item = &'a VpcAttachment> + 'a {
    w.vpc_attachments
        .iter()
        .filter(move |a| tgw_region(w, &a.tgw) == Some(region))
}

pub fn peerings<'a>(w: &'a Topology, region: &'a str) -> impl Iterator<Item = &'a Peering> + 'a {
    w.peerings.iter().filter(move |p| {
        tgw_region(w, &p.requester_tgw) == Some(region)
            || tgw_region(w, &p.accepter_tgw) == Some(region)
    })
}

/// A node's ENI/instance as seen from `region`.
pub fn node_by_eni<'a>(w: &'a Topology, region: &str, eni: &str) -> Option<&'a Node> {
    w.node_by_eni(eni).filter(|n| n.region == region)
}

pub fn node_by_instance<'a>(w: &'a Topology, region: &str, instance: &str) -> Option<&'a Node> {
    w.nodes
        .iter()
        .find(|n| n.instance_id == instance && n.region == region)
}

/// An attachment (VPC or peering) visible from `region`: its state and the
/// transit gateways it connects.
pub struct AttachmentView<'a> {
    pub state: &'a str,
    pub tgws: Vec<&'a str>,
}

pub fn attachment<'a>(w: &'a Topology, region: &str, id: &str) -> Option<AttachmentView<'a>> {
    if let Some(a) = w
        .vpc_attachment(id)
        .filter(|a| tgw_region(w, &a.tgw) == Some(region))
    {
        return Some(AttachmentView {
            state: &a.state,
            tgws: vec![&a.tgw],
        });
    }
    let p = w.peering(id)?;
    let visible = [&p.requester_tgw, &p.accepter_tgw]
        .iter()
        .any(|t| tgw_region(w, t) == Some(region));
    visible.then(|| AttachmentView {
        state: &p.state,
        tgws: vec![&p.requester_tgw, &p.accepter_tgw],
    })
}

/// How a TGW route's attachment looks from the route table's TGW:
/// `("vpc", vpc-id)` or `("peering", peer-tgw-id)`.
pub fn attachment_resource<'a>(
    w: &'a Topology,
    own_tgw: &str,
    id: &str,
) -> Option<(&'static str, &'a str)> {
    if let Some(a) = w.vpc_attachment(id) {
        return Some(("vpc", &a.vpc));
    }
    let p = w.peering(id)?;
    let peer = if p.requester_tgw == own_tgw {
        &p.accepter_tgw
    } else {
        &p.requester_tgw
    };
    Some(("peering", peer))
}

pub fn tgw_region<'a>(w: &'a Topology, tgw: &str) -> Option<&'a str> {
    w.transit_gateway(tgw).map(|t| t.region.as_str())
}

// ---- Per-account visibility ----

pub fn sees_vpc(w: &Topology, account: &str, vpc: &str) -> bool {
    w.vpc_owner(vpc) == account
}

/// The owner, and the accounts the TGW is shared with.
pub fn sees_tgw(w: &Topology, account: &str, tgw: &TransitGateway) -> bool {
    owns_tgw(w, account, &tgw.id) || w.tgw_shared_with(&tgw.id).iter().any(|a| a == account)
}

/// Only the owner sees and changes a TGW's route tables.
pub fn owns_tgw(w: &Topology, account: &str, tgw: &str) -> bool {
    w.tgw_owner(tgw) == account
}

pub fn sees_vpc_attachment(w: &Topology, account: &str, a: &VpcAttachment) -> bool {
    owns_tgw(w, account, &a.tgw) || sees_vpc(w, account, &a.vpc)
}

pub fn sees_peering(w: &Topology, account: &str, p: &Peering) -> bool {
    owns_tgw(w, account, &p.requester_tgw) || owns_tgw(w, account, &p.accepter_tgw)
}
