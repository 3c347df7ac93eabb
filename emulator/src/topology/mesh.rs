//! Generated topologies of arbitrary size, for scale tests and the benchmark.
//!
//! Shape: one TGW per region, every VPC attached to its region's TGW, every
//! pair of TGWs peered, and the VIP routed in every table as for node2
//! active. node1 lives in region 0 VPC 0, node2 in region 1 VPC 0 (or in
//! region 0 VPC 1 when there is only one region).

use super::{
    Node, Peering, RouteState, RouteTable, RouteType, TgwRoute, TgwRouteTable, Topology,
    TransitGateway, Vpc, VpcAttachment, VpcRoute, builtin::REFERENCE_VIP,
};
use crate::error::EmulatorError;

/// Regions the generator draws from, in order.
pub const MESH_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-northeast-1",
    "eu-central-1",
    "ap-southeast-2",
    "us-east-2",
    "us-west-1",
    "ca-central-1",
    "sa-east-1",
    "ap-south-1",
    "eu-north-1",
    "ap-southeast-1",
    "eu-west-2",
    "ap-northeast-2",
    "eu-west-3",
];

/// Size of a generated topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshSpec {
    pub regions: usize,
    pub vpcs_per_region: usize,
    pub tables_per_vpc: usize,
    pub tgw_tables_per_tgw: usize,
}

/// Where a VPC sits in the mesh; ids and CIDRs are derived from it.
#[derive(Clone, Copy)]
struct Slot {
    region: usize,
    vpc: usize,
    global: usize,
}

impl Slot {
    fn cidr(self) -> String {
        format!("10.{}.{}.0/24", 1 + self.global / 256, self.global % 256)
    }

    fn host(self, last: u8) -> String {
        format!("10.{}.{}.{last}", 1 + self.global / 256, self.global % 256)
    }
}

fn id(prefix: &str, region: usize, a: usize, b: usize) -> String {
    format!("{prefix}-0{region:02x}{a:03x}{b:011x}")
}

impl Topology {
    /// Builds a mesh; fails when the spec cannot host two nodes or exceeds
    /// the region list or the 10.x address plan.
    pub fn mesh(spec: &MeshSpec) -> Result<Topology, EmulatorError> {
        check_spec(spec)?;
        let mut t = empty_mesh(spec);
        let node2_slot = node2_slot(spec);
        for region in 0..spec.regions {
            add_region(&mut t, spec, region, node2_slot);
        }
        add_peerings(&mut t, spec);
        t.nodes = vec![
            mesh_node("node1", &t, first_slot(spec)),
            mesh_node("node2", &t, node2_slot),
        ];
        t.validate()?;
        Ok(t)
    }
}

fn check_spec(spec: &MeshSpec) -> Result<(), EmulatorError> {
    let fail = |m: &str| Err(EmulatorError::InvalidMesh(m.to_string()));
    if spec.regions == 0 || spec.regions > MESH_REGIONS.len() {
        return fail("regions must be between 1 and the length of MESH_REGIONS");
    }
    if spec.vpcs_per_region == 0 || spec.tables_per_vpc == 0 || spec.tgw_tables_per_tgw == 0 {
        return fail("every count must be at least 1");
    }
    if spec.regions == 1 && spec.vpcs_per_region < 2 {
        return fail("a single-region mesh needs two VPCs for two nodes");
    }
    if spec.regions * spec.vpcs_per_region > 254 * 256 {
        return fail("too many VPCs for the 10.0.0.0/8 address plan");
    }
    Ok(())
}

fn empty_mesh(spec: &MeshSpec) -> Topology {
    Topology {
        account_id: super::DEFAULT_ACCOUNT_ID.to_string(),
        owners: Default::default(),
        roles: Vec::new(),
        shared_with: Default::default(),
        iam_role: super::DEFAULT_IAM_ROLE.to_string(),
        regions: MESH_REGIONS[..spec.regions]
            .iter()
            .map(|r| r.to_string())
            .collect(),
        vpcs: Vec::new(),
        route_tables: Vec::new(),
        transit_gateways: Vec::new(),
        tgw_route_tables: Vec::new(),
        vpc_attachments: Vec::new(),
        peerings: Vec::new(),
        nodes: Vec::new(),
    }
}

fn first_slot(spec: &MeshSpec) -> Slot {
    slot(spec, 0, 0)
}

fn node2_slot(spec: &MeshSpec) -> Slot {
    if spec.regions > 1 {
        slot(spec, 1, 0)
    } else {
        slot(spec, 0, 1)
    }
}

fn slot(spec: &MeshSpec, region: usize, vpc: usize) -> Slot {
    Slot {
        region,
        vpc,
        global: region * spec.vpcs_per_region + vpc,
    }
}

fn tgw_id(region: usize) -> String {
    id("tgw", region, 0, 1)
}

fn vpc_attachment_id(s: Slot) -> String {
    id("tgw-attach", s.region, s.vpc, 1)
}

fn peering_id(a: usize, b: usize) -> String {
    id("tgw-attach", 0xff, a, b + 1)
}

fn eni_id(s: Slot) -> String {
    id("eni", s.region, s.vpc, 1)
}

fn add_region(t: &mut Topology, spec: &MeshSpec, region: usize, node2: Slot) {
    let name = MESH_REGIONS[region].to_string();
    t.transit_gateways.push(TransitGateway {
        id: tgw_id(region),
        region: name.clone(),
        name: None,
    });
    for vpc in 0..spec.vpcs_per_region {
        add_vpc(t, spec, slot(spec, region, vpc), node2);
    }
    for table in 0..spec.tgw_tables_per_tgw {
        t.tgw_route_tables
            .push(tgw_table(spec, region, table, node2));
    }
}

fn add_vpc(t: &mut Topology, spec: &MeshSpec, s: Slot, node2: Slot) {
    let vpc_id = id("vpc", s.region, s.vpc, 1);
    let region = MESH_REGIONS[s.region].to_string();
    t.vpcs.push(Vpc {
        id: vpc_id.clone(),
        region,
        cidr: s.cidr(),
        name: None,
    });
    let vip_target = if s.global == node2.global {
        eni_id(s)
    } else {
        tgw_id(s.region)
    };
    for table in 0..spec.tables_per_vpc {
        t.route_tables
            .push(vpc_table(s, &vpc_id, table, &vip_target));
    }
    t.vpc_attachments.push(VpcAttachment {
        id: vpc_attachment_id(s),
        tgw: tgw_id(s.region),
        vpc: vpc_id,
        state: "available".to_string(),
        name: None,
    });
}

fn vpc_table(s: Slot, vpc_id: &str, table: usize, vip_target: &str) -> RouteTable {
    let route = |destination: &str, target: &str| VpcRoute {
        destination: destination.to_string(),
        target: target.to_string(),
        state: RouteState::Active,
    };
    RouteTable {
        id: id("rtb", s.region, s.vpc, table + 1),
        vpc: vpc_id.to_string(),
        main: table == 0,
        subnets: if table == 0 {
            Vec::new()
        } else {
            vec![id("subnet", s.region, s.vpc, table + 1)]
        },
        name: None,
        routes: vec![
            super::local_route(&s.cidr()),
            route("0.0.0.0/0", &id("igw", s.region, s.vpc, 1)),
            route(&format!("{REFERENCE_VIP}/32"), vip_target),
        ],
    }
}

fn tgw_table(spec: &MeshSpec, region: usize, table: usize, node2: Slot) -> TgwRouteTable {
    let mut routes: Vec<TgwRoute> = (0..spec.vpcs_per_region)
        .map(|vpc| {
            let s = slot(spec, region, vpc);
            tgw_route(&s.cidr(), &vpc_attachment_id(s), RouteType::Propagated)
        })
        .collect();
    let vip_attachment = if region == node2.region {
        vpc_attachment_id(node2)
    } else {
        peering_id(region.min(node2.region), region.max(node2.region))
    };
    routes.push(tgw_route(
        &format!("{REFERENCE_VIP}/32"),
        &vip_attachment,
        RouteType::Static,
    ));
    TgwRouteTable {
        id: id("tgw-rtb", region, 0, table + 1),
        tgw: tgw_id(region),
        name: None,
        state: "available".to_string(),
        routes,
    }
}

fn tgw_route(destination: &str, attachment: &str, route_type: RouteType) -> TgwRoute {
    TgwRoute {
        destination: destination.to_string(),
        attachment: Some(attachment.to_string()),
        route_type,
        state: RouteState::Active,
    }
}

fn add_peerings(t: &mut Topology, spec: &MeshSpec) {
    for a in 0..spec.regions {
        for b in a + 1..spec.regions {
            t.peerings.push(Peering {
                id: peering_id(a, b),
                requester_tgw: tgw_id(a),
                accepter_tgw: tgw_id(b),
                state: "available".to_string(),
                name: None,
            });
        }
    }
}

fn mesh_node(name: &str, t: &Topology, s: Slot) -> Node {
    Node {
        name: name.to_string(),
        attached_to: None,
        region: t.regions[s.region].clone(),
        vpc: id("vpc", s.region, s.vpc, 1),
        eni: eni_id(s),
        mac: format!(
            "0e:{:02x}:{:02x}:{:02x}:00:01",
            s.region,
            s.vpc / 256,
            s.vpc % 256
        ),
        private_ip: s.host(10),
        instance_id: id("i", s.region, s.vpc, 1),
        subnet: id("subnet", s.region, s.vpc, 1),
        availability_zone: None,
        source_dest_check: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(regions: usize, vpcs: usize, tables: usize, tgw_tables: usize) -> MeshSpec {
        MeshSpec {
            regions,
            vpcs_per_region: vpcs,
            tables_per_vpc: tables,
            tgw_tables_per_tgw: tgw_tables,
        }
    }

    #[test]
    fn counts_follow_the_spec() {
        let t = Topology::mesh(&spec(4, 3, 2, 2)).unwrap();
        assert_eq!(t.regions.len(), 4);
        assert_eq!(t.vpcs.len(), 12);
        assert_eq!(t.route_tables.len(), 24);
        assert_eq!(t.transit_gateways.len(), 4);
        assert_eq!(t.tgw_route_tables.len(), 8);
        assert_eq!(t.vpc_attachments.len(), 12);
        assert_eq!(t.peerings.len(), 6);
        assert_eq!(t.nodes.len(), 2);
    }

    #[test]
    fn every_table_routes_the_vip_towards_node2() {
        let t = Topology::mesh(&spec(3, 2, 2, 2)).unwrap();
        let vip = format!("{REFERENCE_VIP}/32");
        let node2 = t.node("node2").unwrap().clone();
        assert_eq!(node2.region, "us-west-2");
        for table in &t.route_tables {
            let route = table.routes.iter().find(|r| r.destination == vip).unwrap();
            if table.vpc == node2.vpc {
                assert_eq!(route.target, node2.eni);
            } else {
                assert!(route.target.starts_with("tgw-"));
            }
        }
        for table in &t.tgw_route_tables {
            assert!(table.routes.iter().any(|r| r.destination == vip));
        }
    }

    #[test]
    fn single_region_mesh_puts_node2_in_the_second_vpc() {
        let t = Topology::mesh(&spec(1, 2, 1, 1)).unwrap();
        assert_eq!(
            t.node("node1").unwrap().region,
            t.node("node2").unwrap().region
        );
        assert_ne!(t.node("node1").unwrap().vpc, t.node("node2").unwrap().vpc);
        assert!(t.peerings.is_empty());
    }

    #[test]
    fn impossible_specs_are_refused() {
        assert!(Topology::mesh(&spec(0, 1, 1, 1)).is_err());
        assert!(Topology::mesh(&spec(1, 1, 1, 1)).is_err());
        assert!(Topology::mesh(&spec(2, 0, 1, 1)).is_err());
        assert!(Topology::mesh(&spec(MESH_REGIONS.len() + 1, 1, 1, 1)).is_err());
    }

    #[test]
    fn large_meshes_stay_valid() {
        let t = Topology::mesh(&spec(16, 20, 3, 2)).unwrap();
        assert_eq!(t.vpcs.len(), 320);
        assert_eq!(t.peerings.len(), 120);
    }
}
