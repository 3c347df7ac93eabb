//! ReplaceRoute: the write tgw_generic_rk performs on VPC route tables.
//!
//! Validation mirrors EC2's order and codes closely, because the tool's
//! error handling is tested against these answers.

use super::Call;
use super::api_error::ApiError;
use super::regional;
use crate::cidr::Cidr;
use crate::topology::{LOCAL_TARGET, RouteState, RouteTable, Topology};

/// Target parameters that EC2 accepts but the emulator does not model.
const UNMODELLED_TARGETS: &[&str] = &[
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "VpcEndpointId",
    "CoreNetworkArn",
    "OdbNetworkArn",
];

const MODELLED_TARGETS: &[&str] = &[
    "GatewayId",
    "NetworkInterfaceId",
    "TransitGatewayId",
    "InstanceId",
    "NatGatewayId",
    "VpcPeeringConnectionId",
];

/// A validated ReplaceRoute, ready to apply.
pub struct RouteChange {
    table: usize,
    route: usize,
    target: String,
}

pub fn parse_destination(text: &str) -> Result<Cidr, ApiError> {
    Cidr::parse(text).ok_or_else(|| {
        ApiError::invalid_value(format!(
            "Value ({text}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."
        ))
    })
}

pub fn plan(c: &Call<'_>) -> Result<RouteChange, ApiError> {
    let table_id = c.params.required("RouteTableId")?;
    let destination = c.params.required("DestinationCidrBlock")?;
    let (param, value) = requested_target(c)?;
    let cidr = parse_destination(destination)?;
    let table = regional::route_table_index(c.world, c.region, table_id)
        .filter(|&i| regional::sees_vpc(c.world, c.account, &c.world.route_tables[i].vpc))
        .ok_or_else(|| ApiError::route_table_not_found(table_id))?;
    let rt = &c.world.route_tables[table];
    let route = rt
        .routes
        .iter()
        .position(|r| Cidr::parse(&r.destination) == Some(cidr))
        .ok_or_else(|| {
            ApiError::invalid_value(format!(
                "There is no route defined for '{destination}' in the route table. Use CreateRoute instead."
            ))
        })?;
    let is_local = rt.routes[route].target == LOCAL_TARGET;
    let target = resolve_target(c, rt, param, &value, is_local, destination)?;
    Ok(RouteChange {
        table,
        route,
        target,
    })
}

/// Exactly one target parameter (or LocalTarget=true) must be given.
fn requested_target(c: &Call<'_>) -> Result<(&'static str, String), ApiError> {
    let mut given: Vec<(&'static str, String)> = MODELLED_TARGETS
        .iter()
        .chain(UNMODELLED_TARGETS)
        .filter_map(|p| {
            c.params
                .get(p)
                .filter(|v| !v.is_empty())
                .map(|v| (*p, v.to_string()))
        })
        .collect();
    if c.params.flag("LocalTarget")? {
        given.push(("LocalTarget", LOCAL_TARGET.to_string()));
    }
    match given.len() {
        0 => Err(ApiError::missing(
            "GatewayId, NetworkInterfaceId, TransitGatewayId, InstanceId or another route target",
        )),
        1 => Ok(given.remove(0)),
        _ => Err(ApiError::client(
            "InvalidParameterCombination",
            format!(
                "The parameter {} cannot be used with the parameter {}",
                given[0].0, given[1].0
            ),
        )),
    }
}

fn resolve_target(
    c: &Call<'_>,
    table: &RouteTable,
    param: &str,
    value: &str,
    is_local: bool,
    destination: &str,
) -> Result<String, ApiError> {
    let wants_local = param == "LocalTarget" || (param == "GatewayId" && value == LOCAL_TARGET);
    if is_local != wants_local {
        return Err(local_mismatch(table, destination, is_local));
    }
    match param {
        _ if wants_local => Ok(LOCAL_TARGET.to_string()),
        "NetworkInterfaceId" => eni_target(c, table, value),
        "InstanceId" => instance_target(c, table, value),
        "TransitGatewayId" => tgw_target(c, table, value),
        "GatewayId" => known_target(
            c.world,
            table,
            value,
            &["igw-", "vgw-"],
            "InvalidGatewayID.NotFound",
            "gateway",
        ),
        "NatGatewayId" => known_target(
            c.world,
            table,
            value,
            &["nat-"],
            "InvalidNatGatewayID.NotFound",
            "NAT gateway",
        ),
        "VpcPeeringConnectionId" => known_target(
            c.world,
            table,
            value,
            &["pcx-"],
            "InvalidVpcPeeringConnectionID.NotFound",
            "vpcPeeringConnection",
        ),
        other => Err(ApiError::invalid_value(format!(
            "{other} targets are not modelled by the EC2 emulator"
        ))),
    }
}

/// The local route keeps its target; other routes cannot become local.
fn local_mismatch(table: &RouteTable, destination: &str, is_local: bool) -> ApiError {
    if is_local {
        ApiError::invalid_value(format!(
            "The route identified by {destination} is the local route of route table {} and cannot be replaced.",
            table.id
        ))
    } else {
        ApiError::invalid_value(format!(
            "Only the local route {} can target local; {destination} is not it.",
            table.id
        ))
    }
}

fn eni_target(c: &Call<'_>, table: &RouteTable, eni: &str) -> Result<String, ApiError> {
    let node = regional::node_by_eni(c.world, c.region, eni).ok_or_else(|| {
        ApiError::client(
            "InvalidNetworkInterfaceID.NotFound",
            format!("The networkInterface ID '{eni}' does not exist"),
        )
    })?;
    if node.vpc != table.vpc {
        return Err(different_networks(table, "interface", eni));
    }
    Ok(node.eni.clone())
}

/// AWS stores an instance target as the instance's primary ENI.
fn instance_target(c: &Call<'_>, table: &RouteTable, instance: &str) -> Result<String, ApiError> {
    let node = regional::node_by_instance(c.world, c.region, instance).ok_or_else(|| {
        ApiError::client(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{instance}' does not exist"),
        )
    })?;
    if node.vpc != table.vpc {
        return Err(different_networks(table, "instance", instance));
    }
    Ok(node.eni.clone())
}

/// A TGW the VPC is not (or not yet) attached to is reported by AWS as not
/// existing, exactly like an unknown one. A TGW shared with the caller
/// through RAM is one it can route to.
fn tgw_target(c: &Call<'_>, table: &RouteTable, tgw: &str) -> Result<String, ApiError> {
    let visible = regional::transit_gateway(c.world, c.region, tgw)
        .filter(|t| regional::sees_tgw(c.world, c.account, t));
    let attached = visible.is_some()
        && c.world.vpc_attachments.iter().any(|a| {
            a.tgw == tgw && a.vpc == table.vpc && crate::topology::attachment_in_path(&a.state)
        });
    if !attached {
        return Err(ApiError::client(
            "InvalidTransitGatewayID.NotFound",
            format!("The transitGateway ID '{tgw}' does not exist."),
        ));
    }
    Ok(tgw.to_string())
}

/// Gateways, NAT gateways and peering connections are not modelled as
/// objects; one counts as existing in a VPC when some route table of that
/// VPC already uses it, and as belonging to another network when only other
/// VPCs of the region use it.
fn known_target(
    w: &Topology,
    table: &RouteTable,
    id: &str,
    prefixes: &[&str],
    not_found_code: &str,
    noun: &str,
) -> Result<String, ApiError> {
    let region = w.route_table_region(table).unwrap_or_default();
    let users: Vec<&RouteTable> = regional::route_tables(w, region)
        .filter(|t| t.routes.iter().any(|r| r.target == id))
        .collect();
    if !prefixes.iter().any(|p| id.starts_with(p)) || users.is_empty() {
        return Err(ApiError::client(
            not_found_code,
            format!("The {noun} ID '{id}' does not exist"),
        ));
    }
    if !users.iter().any(|t| t.vpc == table.vpc) {
        return Err(different_networks(table, "network gateway", id));
    }
    Ok(id.to_string())
}

fn different_networks(table: &RouteTable, noun: &str, id: &str) -> ApiError {
    ApiError::invalid_value(format!(
        "route table {} and {noun} {id} belong to different networks",
        table.id
    ))
}

/// Applies a planned change; the route keeps its destination and becomes
/// active. Returns the response body.
pub fn apply(w: &mut Topology, change: RouteChange) -> String {
    let route = &mut w.route_tables[change.table].routes[change.route];
    route.target = change.target;
    route.state = RouteState::Active;
    "<return>true</return>".to_string()
}
