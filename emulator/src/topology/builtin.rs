//! The ready-made topologies shipped in `emulator/topologies/`.
//!
//! The TOML files are the single source of truth (they carry the comment
//! block explaining which table is which); the constructors embed them so
//! tests and the CLI cannot drift from what the README documents.

use super::Topology;

/// The VIP every reference topology routes.
pub const REFERENCE_VIP: &str = "10.0.0.100";
/// A second VIP in the two-region topology whose routes must never change.
pub const REFERENCE_OTHER_VIP: &str = "10.0.0.200";

const TWO_REGION: &str = include_str!("../../topologies/two-region.toml");
const SINGLE_REGION: &str = include_str!("../../topologies/single-region.toml");
const LANDING_ZONE: &str = include_str!("../../topologies/landing-zone.toml");

impl Topology {
    /// node1 in us-east-1, node2 in us-west-2, a client VPC on each side,
    /// a TGW per region joined by a peering; routes as for node2 active.
    pub fn two_region() -> Topology {
        embedded(TWO_REGION)
    }

    /// node1 and node2 in two VPCs of us-east-1 on one TGW, plus clients.
    pub fn single_region() -> Topology {
        embedded(SINGLE_REGION)
    }

    /// The two-region estate spread over accounts: a network account per
    /// region owning its TGW (shared through RAM with the workload and
    /// client accounts of its region), a workload account per node, a
    /// client account per region, and the role
    /// `arn:aws:iam::<account>:role/LifeKeeperTgwRoutes` in all six,
    /// trusting both nodes' instance roles (see `topologies/landing-zone.toml`).
    pub fn landing_zone() -> Topology {
        embedded(LANDING_ZONE)
    }
}

/// The embedded files are compile-time constants checked by the unit tests
/// below, so a parse failure here is a build defect, not an input error.
#[allow(clippy::expect_used)]
fn embedded(text: &str) -> Topology {
    Topology::from_toml_str(text).expect("embedded topology is validated by unit tests")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::LOCAL_TARGET;

    #[test]
    fn embedded_topologies_parse_and_validate() {
        for text in [TWO_REGION, SINGLE_REGION, LANDING_ZONE] {
            let topology = Topology::from_toml_str(text).unwrap();
            topology.validate().unwrap();
        }
    }

    #[test]
    fn ids_look_like_aws_ids() {
        let t = Topology::two_region();
        let ids = t
            .vpcs
            .iter()
            .map(|v| &v.id)
            .chain(t.route_tables.iter().map(|r| &r.id))
            .chain(t.transit_gateways.iter().map(|r| &r.id))
            .chain(t.tgw_route_tables.iter().map(|r| &r.id))
            .chain(t.vpc_attachments.iter().map(|r| &r.id))
            .chain(t.peerings.iter().map(|r| &r.id))
            .chain(t.nodes.iter().map(|n| &n.eni));
        for id in ids {
            let suffix = id.rsplit('-').next().unwrap();
            assert_eq!(suffix.len(), 17, "{id}");
            assert!(suffix.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
    }

    #[test]
    fn two_region_has_the_promised_shape() {
        let t = Topology::two_region();
        assert_eq!(t.regions, ["us-east-1", "us-west-2"]);
        assert_eq!(t.vpcs.len(), 4);
        assert_eq!(t.transit_gateways.len(), 2);
        assert_eq!(t.tgw_route_tables.len(), 2);
        assert_eq!(t.vpc_attachments.len(), 4);
        assert_eq!(t.peerings.len(), 1);
        let vip = format!("{REFERENCE_VIP}/32");
        let without_vip = t
            .route_tables
            .iter()
            .filter(|r| !r.routes.iter().any(|x| x.destination == vip))
            .count();
        assert_eq!(without_vip, 4);
        assert!(
            t.route_tables
                .iter()
                .all(|r| r.routes[0].target == LOCAL_TARGET)
        );
    }

    #[test]
    fn vip_routes_point_at_node2() {
        let t = Topology::two_region();
        let vip = format!("{REFERENCE_VIP}/32");
        let node2 = t.node("node2").unwrap();
        let target = |table: &str| {
            let table = t.route_table(table).unwrap();
            table
                .routes
                .iter()
                .find(|r| r.destination == vip)
                .unwrap()
                .target
                .clone()
        };
        assert_eq!(target("rtb-02000000000000021"), node2.eni);
        assert_eq!(target("rtb-01000000000000011"), "tgw-01000000000000001");
        let west = t.tgw_route_table("tgw-rtb-02000000000000001").unwrap();
        let route = west.routes.iter().find(|r| r.destination == vip).unwrap();
        assert_eq!(
            route.attachment.as_deref(),
            Some("tgw-attach-02000000000000002")
        );
    }

    #[test]
    fn landing_zone_is_the_two_region_estate_over_six_accounts() {
        let lz = Topology::landing_zone();
        let vip = format!("{REFERENCE_VIP}/32");
        assert!(crate::oracle::mismatches(&lz, "node2", &vip).is_empty());
        assert!(!crate::oracle::mismatches(&lz, "node1", &vip).is_empty());
        let mut flattened = lz.clone();
        flattened.owners.clear();
        flattened.roles.clear();
        flattened.shared_with.clear();
        assert_eq!(flattened, Topology::two_region());
        assert_eq!(lz.roles.len(), 6);
        for role in &lz.roles {
            let account = role.account().unwrap();
            assert_eq!(
                role.arn,
                format!("arn:aws:iam::{account}:role/LifeKeeperTgwRoutes")
            );
            assert_eq!(role.trusted.len(), 2);
            assert_eq!(role.external_id, None);
        }
        let east = lz.tgw_shared_with("tgw-01000000000000001");
        assert_eq!(east, ["333300000001", "444400000001"]);
        let owners: std::collections::BTreeSet<&str> = lz
            .vpcs
            .iter()
            .map(|v| lz.vpc_owner(&v.id))
            .chain(lz.transit_gateways.iter().map(|t| lz.tgw_owner(&t.id)))
            .collect();
        assert_eq!(owners.len(), 6);
        assert_eq!(lz.tgw_owner("tgw-01000000000000001"), "222200000001");
        assert_eq!(lz.node_owner(lz.node("node1").unwrap()), "333300000001");
    }
}
