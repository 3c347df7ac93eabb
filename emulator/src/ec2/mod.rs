//! The EC2 Query API: one request in, one XML document out.
//!
//! The order of checks follows AWS: authentication (which also picks the
//! region, from the SigV4 credential scope), then the endpoint's health
//! (outage, latency, throttling), then the action, authorization, DryRun,
//! and finally the action itself. Every request that names an action in a
//! known region is counted, whatever its outcome.

pub(crate) mod api_error;
mod describe;
mod filters;
mod pagination;
pub(crate) mod params;
mod regional;
mod replace_route;
mod route_tables;
mod tgw_routes;
mod transit_gateways;
mod vpcs;
pub(crate) mod xml;

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header::AUTHORIZATION;

use crate::accounts::{self, Caller};
use crate::knobs::{Malformed, Outage};
use crate::state::{Shared, lock};
use crate::topology::Topology;
use api_error::ApiError;
use params::Params;

/// What a handler sees: the estate (read-only until a write is planned),
/// the caller's region, account and parameters.
pub struct Call<'a> {
    pub world: &'a Topology,
    pub region: &'a str,
    /// The caller's account: what it may see and change.
    pub account: &'a str,
    pub params: &'a Params,
    pub action: &'a str,
    pub page_size: Option<usize>,
}

/// The parts of an HTTP request EC2 cares about.
pub struct Ec2Request {
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Bytes,
}

/// A rendered answer: HTTP status, XML document and its request id.
pub struct Ec2Reply {
    pub status: u16,
    pub body: String,
    pub request_id: String,
}

const ACTIONS: &[&str] = &[
    "DescribeRouteTables",
    "ReplaceRoute",
    "DescribeTransitGateways",
    "DescribeTransitGatewayVpcAttachments",
    "DescribeTransitGatewayPeeringAttachments",
    "DescribeTransitGatewayRouteTables",
    "SearchTransitGatewayRoutes",
    "ReplaceTransitGatewayRoute",
    "DescribeVpcs",
    "DescribeNetworkInterfaceAttribute",
];

/// The SigV4 credential scope of a request:
/// `Credential=<access key>/<date>/<region>/<service>/aws4_request`.
pub struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// Serves one request on the shared endpoint: STS when the credential
/// scope names the `sts` service, EC2 otherwise.
pub async fn serve(shared: &Shared, request: Ec2Request) -> Ec2Reply {
    let request_id = shared.next_request_id();
    let mut params = Params::parse(&request.body);
    params.merge_missing(Params::parse(request.query.unwrap_or_default().as_bytes()));
    let scope = credential_scope(&request.headers, &params);
    if let Ok(scope) = &scope
        && scope.service == crate::sts::SERVICE
    {
        return crate::sts::serve(shared, scope, &params, request_id).await;
    }
    match process(shared, scope, &params).await {
        Ok(answer) => {
            let document = xml::success_document(&answer.action, &request_id, &answer.body);
            let garbling = lock(&shared.knobs).take_malformed(&answer.region, &answer.action);
            Ec2Reply {
                status: 200,
                body: match garbling {
                    Some(kind) => garble(&document, kind),
                    None => document,
                },
                request_id,
            }
        }
        Err(e) => Ec2Reply {
            status: e.status,
            body: xml::error_document(&e.code, &e.message, &request_id),
            request_id,
        },
    }
}

/// A successful answer before rendering: who asked what, and the result.
struct Answer {
    region: String,
    action: String,
    body: String,
}

/// Spoils a complete document the way [`Malformed`] says; the server frames
/// whatever comes out, so HTTP stays valid.
fn garble(document: &str, kind: Malformed) -> String {
    match kind {
        Malformed::Truncated => {
            // `>` is ASCII, so cutting right after it is a char boundary.
            let half = &document.as_bytes()[..document.len() / 2];
            let end = half.iter().rposition(|b| *b == b'>').map_or(0, |i| i + 1);
            document.get(..end).unwrap_or_default().to_string()
        }
        Malformed::Garbage => "<html><body><h1>502 Bad Gateway</h1></body></html>\n".to_string(),
    }
}

async fn process(
    shared: &Shared,
    scope: Result<Scope, ApiError>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let scope = scope?;
    if scope.service != "ec2" {
        return Err(ApiError::auth_failure(
            "Credential should be scoped to correct service: 'ec2'.",
        ));
    }
    let region = known_region(shared, &scope)?;
    let action = params
        .get("Action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::client(
                "MissingAction",
                "The request must contain the parameter Action",
            )
        })?
        .to_string();
    shared.count_call(&region, &action);
    endpoint_health(shared, &region, &action).await?;
    let caller = accounts::caller(shared, &scope.access_key);
    admit(shared, &region, &caller, &action, params)?;
    let body = execute(shared, &region, &caller, &action, params)?;
    Ok(Answer {
        region,
        action,
        body,
    })
}

/// The SigV4 credential scope (header or presigned `X-Amz-Credential`):
/// the access key says who calls, the region which regional endpoint is
/// meant, as for AWS's regional endpoints; signatures are not verified.
pub fn credential_scope(headers: &HeaderMap, params: &Params) -> Result<Scope, ApiError> {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let credential = header
        .and_then(|h| h.split_once("Credential=").map(|(_, rest)| rest))
        .or_else(|| params.get("X-Amz-Credential"))
        .ok_or_else(|| ApiError::missing("AWSAccessKeyId"))?;
    let scope: Vec<&str> = credential
        .split([',', ' '])
        .next()
        .unwrap_or_default()
        .split('/')
        .collect();
    let [access_key, _, region, service, "aws4_request"] = scope[..] else {
        return Err(ApiError::auth_failure(
            "The credential scope of the request is malformed.",
        ));
    };
    Ok(Scope {
        access_key: access_key.to_string(),
        region: region.to_string(),
        service: service.to_string(),
    })
}

/// The scope's region, if the topology serves it.
pub fn known_region(shared: &Shared, scope: &Scope) -> Result<String, ApiError> {
    let region = &scope.region;
    if !lock(&shared.world).regions.iter().any(|r| r == region) {
        return Err(ApiError::auth_failure(format!(
            "Credential should be scoped to a valid region, not '{region}'."
        )));
    }
    Ok(region.clone())
}

/// Outage, then latency, then throttling: a region that is down does not
/// get slow first, and a throttled request still pays the latency.
pub async fn endpoint_health(shared: &Shared, region: &str, action: &str) -> Result<(), ApiError> {
    let outage = lock(&shared.knobs).outage(region);
    match outage {
        Outage::None => {}
        Outage::Unavailable => return Err(ApiError::unavailable()),
        Outage::InternalError => return Err(ApiError::internal()),
        Outage::HangWrites if !outage.hangs(action) => {}
        Outage::Hang | Outage::HangWrites => {
            if !shared.hold_while(|k| k.outage(region).hangs(action)).await {
                return Err(ApiError::unavailable());
            }
            match lock(&shared.knobs).outage(region) {
                Outage::Unavailable => return Err(ApiError::unavailable()),
                Outage::InternalError => return Err(ApiError::internal()),
                Outage::None | Outage::Hang | Outage::HangWrites => {}
            }
        }
    }
    let latency = lock(&shared.knobs).latency.get(region).copied();
    if let Some(latency) = latency {
        tokio::time::sleep(latency).await;
    }
    if lock(&shared.knobs).should_throttle() {
        return Err(ApiError::throttled());
    }
    let fault = lock(&shared.knobs).take_action_fault(region, action);
    if let Some((status, code)) = fault {
        return Err(ApiError::new(status, &code, format!("{code} (injected)")));
    }
    Ok(())
}

fn admit(
    shared: &Shared,
    region: &str,
    caller: &Caller,
    action: &str,
    params: &Params,
) -> Result<(), ApiError> {
    if !ACTIONS.contains(&action) {
        return Err(ApiError::client(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        ));
    }
    params.required("Version")?;
    if lock(&shared.knobs).is_denied_to(&caller.account, region, action) {
        return Err(ApiError::unauthorized());
    }
    if params.flag("DryRun")? {
        return Err(ApiError::dry_run());
    }
    Ok(())
}

fn execute(
    shared: &Shared,
    region: &str,
    caller: &Caller,
    action: &str,
    params: &Params,
) -> Result<String, ApiError> {
    let page_size = lock(&shared.knobs).page_size;
    let mut world = lock(&shared.world);
    let call = Call {
        world: &world,
        region,
        account: &caller.account,
        params,
        action,
        page_size,
    };
    let body = match action {
        "DescribeRouteTables" => route_tables::describe(&call)?,
        "DescribeVpcs" => vpcs::describe_vpcs(&call)?,
        "DescribeNetworkInterfaceAttribute" => vpcs::describe_network_interface_attribute(&call)?,
        "DescribeTransitGateways" => transit_gateways::describe_transit_gateways(&call)?,
        "DescribeTransitGatewayVpcAttachments" => {
            transit_gateways::describe_vpc_attachments(&call)?
        }
        "DescribeTransitGatewayPeeringAttachments" => {
            transit_gateways::describe_peering_attachments(&call)?
        }
        "DescribeTransitGatewayRouteTables" => transit_gateways::describe_route_tables(&call)?,
        "SearchTransitGatewayRoutes" => tgw_routes::search(&call)?,
        "ReplaceRoute" => {
            let change = replace_route::plan(&call)?;
            replace_route::apply(&mut world, change)
        }
        "ReplaceTransitGatewayRoute" => {
            let change = tgw_routes::plan_replace(&call)?;
            tgw_routes::apply_replace(&mut world, change)
        }
        _ => return Err(ApiError::internal()),
    };
    drop(world);
    if action.starts_with("Replace") {
        lock(&shared.counters).writes += 1;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_cuts_at_a_tag_boundary_in_the_first_half() {
        let doc = "<?xml version=\"1.0\"?>\n<AResponse><a>1</a><b>2</b><c>3</c></AResponse>";
        let cut = garble(doc, Malformed::Truncated);
        assert!(cut.len() <= doc.len() / 2 && doc.starts_with(&cut), "{cut}");
        assert!(cut.ends_with('>') && cut.contains("<AResponse>"), "{cut}");
        assert!(!garble(doc, Malformed::Garbage).starts_with("<?xml"));
    }
}
