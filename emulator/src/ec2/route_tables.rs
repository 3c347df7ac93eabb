//! DescribeRouteTables, and the XML shape of VPC routes and associations
//! that the SDK's `de_route_table` expects.

use super::Call;
use super::api_error::ApiError;
use super::describe::{Describable, Listing, describe as describe_listing};
use super::filters::name_tag_values;
use super::pagination::ROUTE_TABLE_LIMITS;
use super::regional;
use super::xml::Xml;
use crate::topology::{LOCAL_TARGET, RouteTable, Topology, VpcRoute};

const FILTERS: &[&str] = &[
    "vpc-id",
    "route-table-id",
    "owner-id",
    "association.main",
    "association.subnet-id",
    "association.route-table-association-id",
    "route.destination-cidr-block",
    "route.transit-gateway-id",
    "route.gateway-id",
    "route.network-interface-id",
    "route.instance-id",
    "route.nat-gateway-id",
    "route.vpc-peering-connection-id",
    "route.state",
    "route.origin",
    "tag-key",
    "tag:",
];

const LISTING: Listing = Listing {
    list_tag: "routeTableSet",
    id_param: "RouteTableId",
    filters: FILTERS,
    limits: ROUTE_TABLE_LIMITS,
    not_found: ApiError::route_table_not_found,
};

pub fn describe(c: &Call<'_>) -> Result<String, ApiError> {
    describe_listing(
        c,
        &LISTING,
        regional::route_tables(c.world, c.region)
            .filter(|t| regional::sees_vpc(c.world, c.account, &t.vpc))
            .collect(),
    )
}

impl Describable for RouteTable {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, w: &Topology, filter: &str) -> Vec<String> {
        field(w, self, filter)
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        write_table(x, w, self);
    }
}

/// A route table association as AWS reports it: the main association, or
/// one per explicitly associated subnet.
struct Association {
    id: String,
    subnet: Option<String>,
    main: bool,
}

fn associations(table: &RouteTable) -> Vec<Association> {
    let suffix = table.id.trim_start_matches("rtb-");
    let main = table.main.then(|| Association {
        id: format!("rtbassoc-{suffix}0"),
        subnet: None,
        main: true,
    });
    let subnets = table.subnets.iter().enumerate().map(|(i, s)| Association {
        id: format!("rtbassoc-{suffix}{:x}", i + 1),
        subnet: Some(s.clone()),
        main: false,
    });
    main.into_iter().chain(subnets).collect()
}

fn field(w: &Topology, t: &RouteTable, name: &str) -> Vec<String> {
    let routes =
        |pick: &dyn Fn(&VpcRoute) -> Option<String>| t.routes.iter().filter_map(pick).collect();
    let target_with = |prefixes: &'static [&'static str]| {
        routes(&move |r: &VpcRoute| {
            prefixes
                .iter()
                .any(|p| r.target.starts_with(p))
                .then(|| r.target.clone())
        })
    };
    match name {
        "vpc-id" => vec![t.vpc.clone()],
        "route-table-id" => vec![t.id.clone()],
        "owner-id" => vec![w.vpc_owner(&t.vpc).to_string()],
        "association.main" => associations(t).iter().map(|a| a.main.to_string()).collect(),
        "association.subnet-id" => t.subnets.clone(),
        "association.route-table-association-id" => {
            associations(t).into_iter().map(|a| a.id).collect()
        }
        "route.destination-cidr-block" => routes(&|r| Some(r.destination.clone())),
        "route.transit-gateway-id" => target_with(&["tgw-"]),
        "route.gateway-id" => target_with(&["igw-", "vgw-", LOCAL_TARGET]),
        "route.network-interface-id" => target_with(&["eni-"]),
        "route.nat-gateway-id" => target_with(&["nat-"]),
        "route.vpc-peering-connection-id" => target_with(&["pcx-"]),
        "route.instance-id" => routes(&|r| w.node_by_eni(&r.target).map(|n| n.instance_id.clone())),
        "route.state" => routes(&|r| Some(r.state.as_str().to_string())),
        "route.origin" => routes(&|r| Some(origin(r).to_string())),
        other => name_tag_values(other, t.name.as_deref()),
    }
}

fn origin(route: &VpcRoute) -> &'static str {
    if route.target == LOCAL_TARGET {
        "CreateRouteTable"
    } else {
        "CreateRoute"
    }
}

fn write_table(x: &mut Xml, w: &Topology, t: &RouteTable) {
    x.text("routeTableId", &t.id);
    x.list("associationSet", &associations(t), |x, a| {
        x.text("routeTableAssociationId", &a.id)
            .text("routeTableId", &t.id)
            .opt_text("subnetId", a.subnet.as_deref())
            .bool("main", a.main)
            .elem("associationState", |x| {
                x.text("state", "associated");
            });
    });
    x.list::<String>("propagatingVgwSet", &[], |_, _| {});
    x.list("routeSet", &t.routes, |x, r| write_route(x, w, r));
    x.name_tag(t.name.as_deref());
    x.text("vpcId", &t.vpc).text("ownerId", w.vpc_owner(&t.vpc));
}

/// Writes the target under the element the SDK maps it to; an ENI owned by
/// a node also reports the node's instance, as AWS does.
fn write_route(x: &mut Xml, w: &Topology, r: &VpcRoute) {
    x.text("destinationCidrBlock", &r.destination);
    let target = r.target.as_str();
    match target.split_once('-').map(|(p, _)| p) {
        Some("eni") => {
            x.text("networkInterfaceId", target);
            if let Some(node) = w.node_by_eni(target) {
                x.text("instanceId", &node.instance_id)
                    .text("instanceOwnerId", w.node_owner(node));
            }
        }
        Some("tgw") => {
            x.text("transitGatewayId", target);
        }
        Some("nat") => {
            x.text("natGatewayId", target);
        }
        Some("pcx") => {
            x.text("vpcPeeringConnectionId", target);
        }
        _ => {
            x.text("gatewayId", target);
        }
    }
    x.text("origin", origin(r)).text("state", r.state.as_str());
}
