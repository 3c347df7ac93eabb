//! The expected route state after a switchover, computed from the topology
//! alone, straight from the specification's table of hops. It shares no code
//! with tgw_generic_rk's planner on purpose: tests, the demo and the
//! benchmark check the binary's result against this independent answer.

use std::collections::{BTreeMap, BTreeSet};

use crate::topology::{RouteType, Topology, attachment_in_path};

/// Table id → the target its `vip_cidr` route must have while `active_node`
/// is active. Tables without that route, and tables the tool must not touch
/// (VPCs on no relevant TGW, TGW tables that are not `available`), are absent.
///
/// Attachments and peerings count while they forward traffic: `available`
/// or `modifying` (AWS's attachment lifecycle; `pending*`, `deleting`,
/// `failed`, `rejected`… do not).
pub fn expected_vip_targets(
    topo: &Topology,
    active_node: &str,
    vip_cidr: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(node) = topo.node(active_node) else {
        return out;
    };
    let available = attachment_in_path;
    let Some(local) = topo
        .vpc_attachments
        .iter()
        .filter(|a| a.vpc == node.vpc && available(&a.state))
        .min_by(|a, b| (&a.tgw, &a.id).cmp(&(&b.tgw, &b.id)))
    else {
        // Without a TGW only the local VPC's own tables have a defined answer.
        for t in topo.route_tables.iter().filter(|t| t.vpc == node.vpc) {
            if t.routes.iter().any(|r| r.destination == vip_cidr) {
                out.insert(t.id.clone(), node.eni.clone());
            }
        }
        return out;
    };
    // Peer TGW → the peering attachment that joins it to the local TGW.
    let mut peers: BTreeMap<&str, &str> = BTreeMap::new();
    for p in topo.peerings.iter().filter(|p| available(&p.state)) {
        if p.requester_tgw == local.tgw {
            peers.entry(&p.accepter_tgw).or_insert(&p.id);
        } else if p.accepter_tgw == local.tgw {
            peers.entry(&p.requester_tgw).or_insert(&p.id);
        }
    }
    let tgw_of_vpc = |vpc: &str| -> Option<&str> {
        let on: BTreeSet<&str> = topo
            .vpc_attachments
            .iter()
            .filter(|a| a.vpc == vpc && available(&a.state))
            .map(|a| a.tgw.as_str())
            .collect();
        if on.contains(local.tgw.as_str()) {
            return Some(&local.tgw);
        }
        on.into_iter().find(|t| peers.contains_key(t))
    };
    for t in &topo.route_tables {
        if !t.routes.iter().any(|r| r.destination == vip_cidr) {
            continue;
        }
        if t.vpc == node.vpc {
            out.insert(t.id.clone(), node.eni.clone());
        } else if let Some(tgw) = tgw_of_vpc(&t.vpc) {
            out.insert(t.id.clone(), tgw.to_string());
        }
    }
    for t in topo
        .tgw_route_tables
        .iter()
        .filter(|t| t.state == "available")
    {
        let has_static = t
            .routes
            .iter()
            .any(|r| r.destination == vip_cidr && r.route_type == RouteType::Static);
        if !has_static {
            continue;
        }
        if t.tgw == local.tgw {
            out.insert(t.id.clone(), local.id.clone());
        } else if let Some(peering) = peers.get(t.tgw.as_str()) {
            out.insert(t.id.clone(), peering.to_string());
        }
    }
    out
}

/// Every `vip_cidr` route of `topo` whose target differs from the expected
/// one, as `table: actual != expected` lines; empty when the state is right.
pub fn mismatches(topo: &Topology, active_node: &str, vip_cidr: &str) -> Vec<String> {
    let expected = expected_vip_targets(topo, active_node, vip_cidr);
    let mut actual: BTreeMap<&str, String> = BTreeMap::new();
    for t in &topo.route_tables {
        if let Some(r) = t.routes.iter().find(|r| r.destination == vip_cidr) {
            actual.insert(&t.id, r.target.clone());
        }
    }
    for t in &topo.tgw_route_tables {
        if let Some(r) = t.routes.iter().find(|r| r.destination == vip_cidr) {
            let target = r.attachment.clone().unwrap_or_else(|| "blackhole".into());
            actual.insert(&t.id, target);
        }
    }
    expected
        .iter()
        .filter(|(table, want)| actual.get(table.as_str()) != Some(*want))
        .map(|(table, want)| {
            let got = actual.get(table.as_str()).map_or("(none)", String::as_str);
            format!("{table}: {got} != {want}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::REFERENCE_VIP;

    #[test]
    fn reference_expectations_for_node1() {
        let topo = Topology::two_region();
        let vip = format!("{REFERENCE_VIP}/32");
        let want = expected_vip_targets(&topo, "node1", &vip);
        let node1 = topo.node("node1").unwrap();
        let tables_of = |vpc: &str| {
            topo.route_tables
                .iter()
                .filter(move |t| t.vpc == vpc)
                .count()
        };
        assert!(tables_of(&node1.vpc) >= 2);
        // Every table the spec names has an answer, and node1's point at its ENI.
        for t in topo.route_tables.iter().filter(|t| t.vpc == node1.vpc) {
            if t.routes.iter().any(|r| r.destination == vip) {
                assert_eq!(want[&t.id], node1.eni);
            } else {
                assert!(!want.contains_key(&t.id));
            }
        }
        assert_eq!(want.len(), 2 + 1 + 2 + 1 + 2, "{want:?}");
        // In its initial state (node2 active) node1's view is all wrong where it must move.
        assert!(!mismatches(&topo, "node1", &vip).is_empty());
        assert!(mismatches(&topo, "node2", &vip).is_empty());
    }
}
