//! SearchTransitGatewayRoutes and ReplaceTransitGatewayRoute.
//!
//! Search is not paginated on AWS: it returns up to MaxResults routes (1000
//! by default) and says whether more exist, so the page-size knob does not
//! apply here.

use super::Call;
use super::api_error::ApiError;
use super::filters::{check_names, matches};
use super::params::Filter;
use super::regional;
use super::xml::Xml;
use crate::cidr::Cidr;
use crate::topology::{RouteState, RouteType, TgwRoute, TgwRouteTable, Topology};

const SEARCH_FILTERS: &[&str] = &[
    "route-search.exact-match",
    "route-search.longest-prefix-match",
    "route-search.subnet-of-match",
    "route-search.supernet-of-match",
    "type",
    "state",
    "attachment.transit-gateway-attachment-id",
    "attachment.resource-type",
    "attachment.resource-id",
];

const SEARCH_DEFAULT_MAX: i64 = 1000;

pub fn search(c: &Call<'_>) -> Result<String, ApiError> {
    let table_id = c.params.required("TransitGatewayRouteTableId")?;
    let filters = c.params.filters()?;
    if filters.is_empty() {
        return Err(ApiError::missing("Filters"));
    }
    check_names(&filters, SEARCH_FILTERS)?;
    let max = c
        .params
        .int_in("MaxResults", 5, 1000)?
        .unwrap_or(SEARCH_DEFAULT_MAX);
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let table = owned_table(c, table_id).map(|i| &c.world.tgw_route_tables[i])?;
    check_table_state(table)?;
    let found = matching_routes(c.world, table, &filters)?;
    let mut x = Xml::new();
    x.list("routeSet", &found[..found.len().min(max)], |x, r| {
        write_route(x, c.world, table, r)
    });
    x.bool("additionalRoutesAvailable", found.len() > max);
    Ok(x.into_string())
}

/// Routes passing every filter. The `route-search.*` filters compare
/// networks; longest-prefix-match is a property of the whole set and is
/// applied last.
fn matching_routes<'a>(
    w: &Topology,
    table: &'a TgwRouteTable,
    filters: &[Filter],
) -> Result<Vec<&'a TgwRoute>, ApiError> {
    let (searches, plain): (Vec<&Filter>, Vec<&Filter>) = filters
        .iter()
        .partition(|f| f.name.starts_with("route-search."));
    let plain: Vec<Filter> = plain.into_iter().cloned().collect();
    let searches = searches
        .into_iter()
        .map(|f| Ok((f.name.as_str(), parse_cidrs(&f.values)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut routes: Vec<&TgwRoute> = table
        .routes
        .iter()
        .filter(|r| matches(&plain, |name| route_field(w, table, r, name)))
        .filter(|r| {
            searches
                .iter()
                .all(|(name, cidrs)| search_matches(name, cidrs, r))
        })
        .collect();
    for (_, cidrs) in searches
        .iter()
        .filter(|(n, _)| *n == "route-search.longest-prefix-match")
    {
        routes = longest_prefix(routes, cidrs);
    }
    Ok(routes)
}

fn parse_cidrs(values: &[String]) -> Result<Vec<Cidr>, ApiError> {
    values
        .iter()
        .map(|v| {
            Cidr::parse(v)
                .ok_or_else(|| ApiError::invalid_value(format!("The CIDR '{v}' is invalid.")))
        })
        .collect()
}

fn search_matches(name: &str, cidrs: &[Cidr], route: &TgwRoute) -> bool {
    let Some(dest) = Cidr::parse(&route.destination) else {
        return false;
    };
    cidrs.iter().any(|c| match name {
        "route-search.exact-match" => dest == *c,
        "route-search.subnet-of-match" => c.contains(dest),
        _ => dest.contains(*c),
    })
}

fn longest_prefix<'a>(routes: Vec<&'a TgwRoute>, cidrs: &[Cidr]) -> Vec<&'a TgwRoute> {
    let prefix = |r: &TgwRoute| Cidr::parse(&r.destination).map_or(0, Cidr::prefix);
    let best: Vec<u8> = cidrs
        .iter()
        .filter_map(|c| {
            let covering = routes
                .iter()
                .filter(|r| Cidr::parse(&r.destination).is_some_and(|d| d.contains(*c)));
            covering.map(|r| prefix(r)).max()
        })
        .collect();
    routes
        .into_iter()
        .filter(|r| best.contains(&prefix(r)))
        .collect()
}

fn route_field(w: &Topology, table: &TgwRouteTable, route: &TgwRoute, name: &str) -> Vec<String> {
    let resource = route
        .attachment
        .as_deref()
        .and_then(|a| regional::attachment_resource(w, &table.tgw, a));
    match name {
        "type" => vec![route.route_type.as_str().to_string()],
        "state" => vec![route.state.as_str().to_string()],
        "attachment.transit-gateway-attachment-id" => route.attachment.iter().cloned().collect(),
        "attachment.resource-type" => resource.map(|(t, _)| t.to_string()).into_iter().collect(),
        "attachment.resource-id" => resource.map(|(_, id)| id.to_string()).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn write_route(x: &mut Xml, w: &Topology, table: &TgwRouteTable, route: &TgwRoute) {
    x.text("destinationCidrBlock", &route.destination);
    let attachments: Vec<&String> = route.attachment.iter().collect();
    x.list("transitGatewayAttachments", &attachments, |x, a| {
        let resource = regional::attachment_resource(w, &table.tgw, a);
        x.opt_text("resourceId", resource.map(|(_, id)| id))
            .text("transitGatewayAttachmentId", a)
            .opt_text("resourceType", resource.map(|(t, _)| t));
    });
    x.text("type", route.route_type.as_str())
        .text("state", route.state.as_str());
}

/// A validated ReplaceTransitGatewayRoute, ready to apply.
pub struct TgwRouteChange {
    table: usize,
    route: usize,
    attachment: Option<String>,
}

pub fn plan_replace(c: &Call<'_>) -> Result<TgwRouteChange, ApiError> {
    let table_id = c.params.required("TransitGatewayRouteTableId")?;
    let destination = c.params.required("DestinationCidrBlock")?;
    let attachment = requested_attachment(c)?;
    let cidr = super::replace_route::parse_destination(destination)?;
    let table = owned_table(c, table_id)?;
    let tgw_table = &c.world.tgw_route_tables[table];
    check_table_state(tgw_table)?;
    let route = tgw_table
        .routes
        .iter()
        .position(|r| Cidr::parse(&r.destination) == Some(cidr))
        .ok_or_else(|| route_not_found(destination, table_id))?;
    if tgw_table.routes[route].route_type == RouteType::Propagated {
        return Err(ApiError::invalid_value(format!(
            "Route {destination} in Transit Gateway Route Table {table_id} is a propagated route and cannot be replaced."
        )));
    }
    if let Some(a) = &attachment {
        check_attachment(c, &tgw_table.tgw, a)?;
    }
    Ok(TgwRouteChange {
        table,
        route,
        attachment,
    })
}

/// The index of TGW route table `id` of the caller's region, if the
/// caller owns its TGW: to anyone else (a RAM share included) it does not exist.
fn owned_table(c: &Call<'_>, id: &str) -> Result<usize, ApiError> {
    regional::tgw_route_table_index(c.world, c.region, id)
        .filter(|&i| regional::owns_tgw(c.world, c.account, &c.world.tgw_route_tables[i].tgw))
        .ok_or_else(|| ApiError::tgw_route_table_not_found(id))
}

/// Exactly one of TransitGatewayAttachmentId and Blackhole=true.
fn requested_attachment(c: &Call<'_>) -> Result<Option<String>, ApiError> {
    let blackhole = c.params.flag("Blackhole")?;
    match (
        c.params
            .get("TransitGatewayAttachmentId")
            .filter(|a| !a.is_empty()),
        blackhole,
    ) {
        (Some(_), true) => Err(ApiError::client(
            "InvalidParameterCombination",
            "The parameter TransitGatewayAttachmentId cannot be used with the parameter Blackhole",
        )),
        (Some(a), false) => Ok(Some(a.to_string())),
        (None, true) => Ok(None),
        (None, false) => Err(ApiError::missing("TransitGatewayAttachmentId")),
    }
}

fn route_not_found(destination: &str, table_id: &str) -> ApiError {
    ApiError::client(
        "InvalidRoute.NotFound",
        format!(
            "No route with destination-cidr-block {destination} in Transit Gateway Route Table {table_id}"
        ),
    )
}

/// *Chosen*: AWS documents no answer for searching or changing a table that
/// is not `available`; a `deleted` table answers NotFound (it is gone) and a
/// `pending` or `deleting` one `IncorrectState`, as other TGW objects do.
fn check_table_state(table: &TgwRouteTable) -> Result<(), ApiError> {
    match table.state.as_str() {
        "available" => Ok(()),
        "deleted" => Err(ApiError::tgw_route_table_not_found(&table.id)),
        other => Err(ApiError::client(
            "IncorrectState",
            format!(
                "Transit Gateway Route Table {} is in invalid state: {other}.",
                table.id
            ),
        )),
    }
}

fn check_attachment(c: &Call<'_>, tgw: &str, id: &str) -> Result<(), ApiError> {
    let view = regional::attachment(c.world, c.region, id)
        .filter(|v| v.state != "deleted")
        .ok_or_else(|| ApiError::attachment_not_found(id))?;
    if !view.tgws.contains(&tgw) {
        return Err(ApiError::invalid_value(format!(
            "Transit Gateway Attachment {id} is not attached to Transit Gateway {tgw}."
        )));
    }
    // A `modifying` attachment keeps forwarding, and routes to it can change.
    if !crate::topology::attachment_in_path(view.state) {
        return Err(ApiError::client(
            "IncorrectState",
            format!(
                "Transit Gateway Attachment {id} is in invalid state: {}.",
                view.state
            ),
        ));
    }
    Ok(())
}

/// Applies a planned change and returns the `<route>` response body.
pub fn apply_replace(w: &mut Topology, change: TgwRouteChange) -> String {
    let route = &mut w.tgw_route_tables[change.table].routes[change.route];
    route.state = if change.attachment.is_some() {
        RouteState::Active
    } else {
        RouteState::Blackhole
    };
    route.attachment = change.attachment;
    let (table, route) = (
        &w.tgw_route_tables[change.table],
        &w.tgw_route_tables[change.table].routes[change.route],
    );
    let mut x = Xml::new();
    x.elem("route", |x| write_route(x, w, table, route));
    x.into_string()
}
