//! [`Ec2`] on top of aws-sdk-ec2: the only file that touches SDK types.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_config::SdkConfig;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::config::{Credentials, ProvideCredentials, Region, SharedHttpClient};
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    Filter, NetworkInterfaceAttribute, Route, RouteState, RouteTable,
    TransitGatewayPeeringAttachment, TransitGatewayRoute, TransitGatewayRouteState,
    TransitGatewayRouteType, Vpc,
};
use tokio::sync::Semaphore;

use super::answer_check::{CompleteAnswer, MalformedAnswer};
use super::call_budget::{self, CallBudget};
use super::roles::{self, Roles};
use crate::engine::ec2::{AccountContext, Api, ApiError, ApiErrorKind, Ec2, Replacement};
use crate::engine::topology::{
    NodeIdentity, Peering, PeeringSide, Target, TgwRouteTable, TgwVipRoute, TransitGateway,
    VpcAttachment, VpcCidrs, VpcRouteTable,
};
use crate::settings::AssumeRole;

/// One SDK client per region and account, built on first use, all sharing
/// one HTTP client (and so one connection pool). Cloning is cheap: a clone
/// made by [`Ec2::in_account`] acts in another account over the same pool.
#[derive(Clone)]
pub struct SdkEc2 {
    shared: Arc<Shared>,
    /// The account this value acts in; `None`: the node's own credentials.
    account: Option<String>,
}

struct Shared {
    base: SdkConfig,
    http: SharedHttpClient,
    clients: Mutex<HashMap<(Option<String>, String), Client>>,
    in_flight: Semaphore,
    calls: AtomicUsize,
    /// Cross-account runs: the other accounts' roles.
    roles: OnceLock<Arc<Roles>>,
}

impl SdkEc2 {
    /// `concurrency` bounds the calls in flight at once (1 = strictly sequential).
    pub fn new(base: SdkConfig, http: SharedHttpClient, concurrency: usize) -> Self {
        let shared = Shared {
            base,
            http,
            clients: Mutex::new(HashMap::new()),
            in_flight: Semaphore::new(concurrency.max(1)),
            calls: AtomicUsize::new(0),
            roles: OnceLock::new(),
        };
        SdkEc2 {
            shared: Arc::new(shared),
            account: None,
        }
    }

    /// Acts in other accounts through `setting`'s role (cross-account runs),
    /// the sessions named after `node` and `vip`; STS is reached through the
    /// same transport as EC2.
    pub fn assume_roles(&self, setting: AssumeRole, node: &NodeIdentity, vip: Ipv4Addr) {
        let session_name = Roles::session_name(&node.instance_id, vip);
        let sts = self
            .shared
            .base
            .to_builder()
            .http_client(self.shared.http.clone())
            .build();
        let roles = Roles::new(setting, sts, session_name);
        // Set once per run, by the session; a second call changes nothing.
        let _ = self.shared.roles.set(Arc::new(roles));
    }

    /// Assumes this value's account's role (once per run) and says how
    /// long that took; the node's own account needs none.
    pub async fn assumed(&self, region: &str) -> Result<std::time::Duration, ApiError> {
        let (Some(account), Some(roles)) = (&self.account, self.shared.roles.get()) else {
            return Ok(std::time::Duration::ZERO);
        };
        roles.credentials(account, region).await?;
        Ok(roles.took(account).unwrap_or_default())
    }

    /// The role ARN this run uses in `account`, when roles are configured.
    pub fn role_arn(&self, account: &str) -> Option<String> {
        self.shared.roles.get().map(|r| r.role_arn(account))
    }

    /// EC2 calls started so far (retries inside the SDK not counted).
    pub fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// Resolves credentials through the same chain every call uses, and says
    /// which provider of the chain supplied them.
    pub async fn credentials(&self) -> Result<CredentialsInfo, String> {
        let provider = self
            .shared
            .base
            .credentials_provider()
            .ok_or_else(|| "no credentials provider is configured".to_string())?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| DisplayErrorContext(&e).to_string())?;
        Ok(CredentialsInfo {
            provider: provider_name(&credentials),
            expiry: credentials.expiry(),
        })
    }

    /// The client for `region` in this value's account; in another account,
    /// its role's credentials first (the error names the role).
    async fn client(&self, region: &str) -> Result<Client, ApiError> {
        let credentials = match (&self.account, self.shared.roles.get()) {
            (Some(account), Some(roles)) => Some(roles.credentials(account, region).await?),
            _ => None,
        };
        let key = (self.account.clone(), region.to_string());
        let mut clients = self
            .shared
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let client = clients
            .entry(key)
            .or_insert_with(|| self.build_client(region, credentials));
        Ok(client.clone())
    }

    fn build_client(&self, region: &str, credentials: Option<Credentials>) -> Client {
        let base = &self.shared.base;
        let mut conf = aws_sdk_ec2::config::Builder::from(base)
            .region(Region::new(region.to_string()))
            .http_client(self.shared.http.clone())
            .retry_partition(call_budget::retry_partition())
            .interceptor(CompleteAnswer);
        if let Some(credentials) = credentials {
            conf = conf.credentials_provider(credentials);
        }
        if let Some(budget) = CallBudget::from_timeouts(base.timeout_config()) {
            conf = conf.interceptor(budget);
        }
        Client::from_conf(conf.build())
    }

    async fn permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.shared.calls.fetch_add(1, Ordering::Relaxed);
        // The semaphore is never closed, so an error cannot happen; running
        // unbounded would still be correct.
        self.shared.in_flight.acquire().await.ok()
    }

    /// `err`, saying which account it happened in (and through which role).
    fn in_context(&self, mut err: ApiError) -> ApiError {
        if let (None, Some(account)) = (&err.account, &self.account) {
            err.account = Some(Box::new(AccountContext {
                account: account.clone(),
                role_arn: self.role_arn(account).unwrap_or_default(),
            }));
        }
        err
    }
}

/// Where the credentials came from, for `doctor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialsInfo {
    /// The SDK's name for the provider: "Environment", "ProfileFile",
    /// "WebIdentityToken", "EcsContainer", "IMDSv2"…
    pub provider: String,
    pub expiry: Option<std::time::SystemTime>,
}

/// The SDK records which provider produced credentials but exposes the name
/// only through `Debug` (secrets are redacted there), so read it from that.
/// aws-credential-types 1.3 has no getter for it; its `AwsCredentialFeature`
/// property is a user-agent metric in another vocabulary (and not set by
/// every provider), so it would not name the provider operators configured.
fn provider_name(credentials: &Credentials) -> String {
    let debug = format!("{credentials:?}");
    debug
        .split_once("provider_name: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or_else(|| "unknown".to_string(), |(name, _)| name.to_string())
}

/// Every item of every page of the paginated `$request`, or the call's
/// [`ApiError`] (for `$api` in `$region`, on `$resource`).
macro_rules! every_item {
    ($request:expr, $api:expr, $region:expr, $resource:expr) => {
        $request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| api_error($api, $region, $resource, e))
    };
}

fn filter(name: &str, value: impl Into<String>) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// A `state` filter matching any of `states` (AWS ORs the values of one filter).
fn states(states: &[&str]) -> Filter {
    let values = states.iter().map(|s| s.to_string()).collect();
    Filter::builder()
        .name("state")
        .set_values(Some(values))
        .build()
}

fn cidr(vip: Ipv4Addr) -> String {
    ipnet::Ipv4Net::from(vip).to_string()
}

fn api_error<E, R>(api: Api, region: &str, resource: Option<&str>, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    ApiError {
        api,
        region: region.to_string(),
        resource: resource.map(str::to_string),
        account: None,
        kind: describe_failure(&err),
    }
}

/// What an SDK failure was, for the operator: an answer AWS gave
/// (classified), a garbled one, or none at all.
pub fn describe_failure<E, R>(err: &SdkError<E, R>) -> ApiErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HasStatus,
{
    if let Some(answer) = malformed(err) {
        return ApiErrorKind::Malformed {
            status: answer.status,
            detail: answer.to_string(),
        };
    }
    match err {
        SdkError::ServiceError(service) => {
            let code = err.code().unwrap_or("Unknown").to_string();
            let message = err.message().unwrap_or_default().to_string();
            let status = service.raw().status();
            classify(code, message, status)
        }
        // Only the operation timeout is left unretried: the budget is spent.
        SdkError::TimeoutError(_) => ApiErrorKind::Unreachable {
            reason: "no answer within the call's time budget \
                     (AWSCLI_CONNECT_TIMEOUT + 2 × AWSCLI_READ_TIMEOUT)"
                .into(),
        },
        // Certificates, proxies and the CA bundle are named, with the endpoint.
        SdkError::DispatchFailure(failure) => ApiErrorKind::Unreachable {
            reason: failure.as_connector_error().map_or_else(
                || DisplayErrorContext(err).to_string(),
                |e| super::transport_error::describe(e),
            ),
        },
        SdkError::ResponseError(_) => ApiErrorKind::Unreachable {
            reason: DisplayErrorContext(err).to_string(),
        },
        _ => ApiErrorKind::Service {
            code: "RequestNotSent".into(),
            message: DisplayErrorContext(err).to_string(),
            status: 0,
        },
    }
}

/// The [`MalformedAnswer`] a response error carries, when that is what it was.
fn malformed<E, R>(err: &SdkError<E, R>) -> Option<&MalformedAnswer>
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ResponseError(_) => std::error::Error::source(err)?.downcast_ref(),
        _ => None,
    }
}

fn classify(code: String, message: String, status: u16) -> ApiErrorKind {
    const DENIED: [&str; 4] = [
        "UnauthorizedOperation",
        "AccessDenied",
        "AccessDeniedException",
        "Blocked",
    ];
    const THROTTLED: [&str; 3] = ["RequestLimitExceeded", "Throttling", "ThrottlingException"];
    if DENIED.contains(&code.as_str()) {
        ApiErrorKind::Denied { code, message }
    } else if status >= 500 || THROTTLED.contains(&code.as_str()) {
        ApiErrorKind::Overloaded { code, status }
    } else {
        ApiErrorKind::Service {
            code,
            message,
            status,
        }
    }
}

/// The raw HTTP status of an SDK response, whatever its concrete type.
pub trait HasStatus {
    fn status(&self) -> u16;
}

impl HasStatus for aws_sdk_ec2::config::http::HttpResponse {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

fn vpc_target(route: &Route) -> Target {
    let target = if let Some(id) = route.transit_gateway_id() {
        Target::TransitGateway(id.to_string())
    } else if let Some(id) = route.network_interface_id() {
        Target::Eni(id.to_string())
    } else {
        let other = [
            route.gateway_id(),
            route.instance_id(),
            route.nat_gateway_id(),
            route.vpc_peering_connection_id(),
            route.local_gateway_id(),
            route.carrier_gateway_id(),
            route.core_network_arn(),
        ];
        Target::Other(
            other
                .into_iter()
                .flatten()
                .next()
                .unwrap_or("unknown")
                .to_string(),
        )
    };
    match route.state() {
        Some(RouteState::Blackhole) => Target::Blackholed(Box::new(target)),
        _ => target,
    }
}

fn to_vpc_table(table: &RouteTable, cidr: &str) -> Option<VpcRouteTable> {
    let route = table
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some(cidr))?;
    Some(VpcRouteTable {
        id: table.route_table_id()?.to_string(),
        vpc_id: table.vpc_id()?.to_string(),
        main: table.associations().iter().any(|a| a.main() == Some(true)),
        vip_target: vpc_target(route),
        account: None,
    })
}

fn to_peering(p: &TransitGatewayPeeringAttachment) -> Option<Peering> {
    let side = |info: Option<&aws_sdk_ec2::types::PeeringTgwInfo>| {
        let info = info?;
        Some(PeeringSide {
            tgw_id: info.transit_gateway_id()?.to_string(),
            region: info.region()?.to_string(),
            owner: info.owner_id().map(str::to_string),
        })
    };
    Some(Peering {
        id: p.transit_gateway_attachment_id()?.to_string(),
        requester: side(p.requester_tgw_info())?,
        accepter: side(p.accepter_tgw_info())?,
    })
}

fn to_tgw_route(route: &TransitGatewayRoute) -> TgwVipRoute {
    let propagated = route.r#type() == Some(&TransitGatewayRouteType::Propagated);
    let mut attachments: Vec<&str> = route
        .transit_gateway_attachments()
        .iter()
        .filter_map(|a| a.transit_gateway_attachment_id())
        .collect();
    attachments.sort_unstable();
    let target = match (route.state(), attachments.first()) {
        (Some(TransitGatewayRouteState::Blackhole), _) | (_, None) => Target::Blackhole,
        (_, Some(id)) => Target::Attachment(id.to_string()),
    };
    TgwVipRoute { target, propagated }
}

fn to_vpc_cidrs(vpc: &Vpc) -> Option<VpcCidrs> {
    let associated = vpc
        .cidr_block_association_set()
        .iter()
        .filter_map(|a| a.cidr_block());
    let mut cidrs: Vec<ipnet::Ipv4Net> = vpc
        .cidr_block()
        .into_iter()
        .chain(associated)
        .filter_map(|c| c.parse().ok())
        .collect();
    cidrs.sort_unstable();
    cidrs.dedup();
    Some(VpcCidrs {
        vpc_id: vpc.vpc_id()?.to_string(),
        cidrs,
    })
}

impl Ec2 for SdkEc2 {
    fn in_account(&self, account: Option<&str>) -> Self {
        SdkEc2 {
            shared: Arc::clone(&self.shared),
            account: account.map(str::to_string),
        }
    }

    fn warm_up(&self, account: &str) {
        if let Some(roles) = self.shared.roles.get() {
            roles::warm_up(roles, account);
        }
    }

    async fn vip_route_tables(
        &self,
        region: &str,
        vip: Ipv4Addr,
    ) -> Result<Vec<VpcRouteTable>, ApiError> {
        let _permit = self.permit().await;
        let cidr = cidr(vip);
        let tables = every_item!(
            self.client(region)
                .await?
                .describe_route_tables()
                .filters(filter("route.destination-cidr-block", &cidr)),
            Api::DescribeRouteTables,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(tables
            .iter()
            .filter_map(|t| to_vpc_table(t, &cidr))
            .collect())
    }

    async fn vpc_attachments(&self, region: &str) -> Result<Vec<VpcAttachment>, ApiError> {
        let _permit = self.permit().await;
        let atts = every_item!(
            self.client(region)
                .await?
                .describe_transit_gateway_vpc_attachments()
                .filters(states(crate::engine::topology::ATTACHMENT_STATES_IN_PATH)),
            Api::DescribeTransitGatewayVpcAttachments,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(atts
            .iter()
            .filter_map(|a| {
                Some(VpcAttachment {
                    id: a.transit_gateway_attachment_id()?.to_string(),
                    tgw_id: a.transit_gateway_id()?.to_string(),
                    vpc_id: a.vpc_id()?.to_string(),
                    vpc_owner: a.vpc_owner_id().map(str::to_string),
                })
            })
            .collect())
    }

    async fn peerings(&self, region: &str) -> Result<Vec<Peering>, ApiError> {
        let _permit = self.permit().await;
        let peerings = every_item!(
            self.client(region)
                .await?
                .describe_transit_gateway_peering_attachments()
                .filters(states(crate::engine::topology::ATTACHMENT_STATES_IN_PATH)),
            Api::DescribeTransitGatewayPeeringAttachments,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(peerings.iter().filter_map(to_peering).collect())
    }

    async fn tgw_route_tables(
        &self,
        region: &str,
        tgw_ids: &[String],
    ) -> Result<Vec<TgwRouteTable>, ApiError> {
        let _permit = self.permit().await;
        let mut request = self
            .client(region)
            .await?
            .describe_transit_gateway_route_tables()
            .filters(states(
                crate::engine::topology::TGW_ROUTE_TABLE_STATES_SEARCHED,
            ));
        if !tgw_ids.is_empty() {
            let by_tgw = Filter::builder()
                .name("transit-gateway-id")
                .set_values(Some(tgw_ids.to_vec()))
                .build();
            request = request.filters(by_tgw);
        }
        let tables = every_item!(
            request,
            Api::DescribeTransitGatewayRouteTables,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(tables
            .iter()
            .filter_map(|t| {
                Some(TgwRouteTable {
                    id: t.transit_gateway_route_table_id()?.to_string(),
                    tgw_id: t.transit_gateway_id()?.to_string(),
                    account: None,
                })
            })
            .collect())
    }

    async fn tgw_vip_route(
        &self,
        region: &str,
        table_id: &str,
        vip: Ipv4Addr,
    ) -> Result<Option<TgwVipRoute>, ApiError> {
        let _permit = self.permit().await;
        let cidr = cidr(vip);
        let found = self
            .client(region)
            .await?
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(table_id)
            .filters(filter("route-search.exact-match", &cidr))
            .send()
            .await
            .map_err(|e| api_error(Api::SearchTransitGatewayRoutes, region, Some(table_id), e))
            .map_err(|e| self.in_context(e))?;
        Ok(found
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some(cidr.as_str()))
            .map(to_tgw_route))
    }

    async fn transit_gateways(&self, region: &str) -> Result<Vec<TransitGateway>, ApiError> {
        let _permit = self.permit().await;
        let tgws = every_item!(
            self.client(region).await?.describe_transit_gateways(),
            Api::DescribeTransitGateways,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(tgws
            .iter()
            .filter_map(|t| {
                Some(TransitGateway {
                    id: t.transit_gateway_id()?.to_string(),
                    owner: t.owner_id().map(str::to_string),
                })
            })
            .collect())
    }

    async fn main_route_table(
        &self,
        region: &str,
        vpc_id: &str,
    ) -> Result<Option<String>, ApiError> {
        let _permit = self.permit().await;
        let tables = every_item!(
            self.client(region)
                .await?
                .describe_route_tables()
                .filters(filter("vpc-id", vpc_id))
                .filters(filter("association.main", "true")),
            Api::DescribeRouteTables,
            region,
            Some(vpc_id)
        )
        .map_err(|e| self.in_context(e))?;
        Ok(tables
            .iter()
            .find_map(|t| t.route_table_id().map(str::to_string)))
    }

    async fn vpc_cidrs(&self, region: &str) -> Result<Vec<VpcCidrs>, ApiError> {
        let _permit = self.permit().await;
        let vpcs = every_item!(
            self.client(region).await?.describe_vpcs(),
            Api::DescribeVpcs,
            region,
            None
        )
        .map_err(|e| self.in_context(e))?;
        Ok(vpcs.iter().filter_map(to_vpc_cidrs).collect())
    }

    async fn source_dest_check(&self, region: &str, eni_id: &str) -> Result<bool, ApiError> {
        let _permit = self.permit().await;
        let answer = self
            .client(region)
            .await?
            .describe_network_interface_attribute()
            .network_interface_id(eni_id)
            .attribute(NetworkInterfaceAttribute::SourceDestCheck)
            .send()
            .await
            .map_err(|e| {
                api_error(
                    Api::DescribeNetworkInterfaceAttribute,
                    region,
                    Some(eni_id),
                    e,
                )
            })
            .map_err(|e| self.in_context(e))?;
        // EC2 turns the check on for every new ENI; absent means unchanged.
        Ok(answer
            .source_dest_check()
            .and_then(|v| v.value())
            .unwrap_or(true))
    }

    async fn permitted(
        &self,
        region: &str,
        api: Api,
        table_id: Option<&str>,
    ) -> Result<(), ApiError> {
        let _permit = self.permit().await;
        let client = self.client(region).await?;
        // Each request is its own type; the dry run is the same for all.
        macro_rules! dry_run {
            ($request:expr) => {
                $request
                    .dry_run(true)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| api_error(api, region, table_id, e))
            };
        }
        let sent = match api {
            Api::DescribeRouteTables => dry_run!(client.describe_route_tables()),
            Api::DescribeTransitGateways => dry_run!(client.describe_transit_gateways()),
            Api::DescribeTransitGatewayVpcAttachments => {
                dry_run!(client.describe_transit_gateway_vpc_attachments())
            }
            Api::DescribeTransitGatewayPeeringAttachments => {
                dry_run!(client.describe_transit_gateway_peering_attachments())
            }
            Api::DescribeTransitGatewayRouteTables => {
                dry_run!(client.describe_transit_gateway_route_tables())
            }
            Api::SearchTransitGatewayRoutes => dry_run!(
                client
                    .search_transit_gateway_routes()
                    .transit_gateway_route_table_id(table_id.unwrap_or_default())
                    .filters(filter("route-search.exact-match", "0.0.0.0/32"))
            ),
            other => Err(ApiError {
                api: other,
                region: region.to_string(),
                resource: None,
                account: None,
                kind: ApiErrorKind::Service {
                    code: "NotReadOnly".into(),
                    message: "only read-only actions are probed this way".into(),
                    status: 0,
                },
            }),
        };
        match sent {
            Err(e) if e.code() == "DryRunOperation" => Ok(()),
            other => other.map_err(|e| self.in_context(e)),
        }
    }

    async fn replace_vip_route(
        &self,
        r: &Replacement,
        vip: Ipv4Addr,
        dry_run: bool,
    ) -> Result<(), ApiError> {
        let _permit = self.permit().await;
        // The replacement says whose table it is, whichever account `self` is in.
        let this = self.in_account(r.account.as_deref());
        let client = this.client(&r.region).await?;
        let table = r.table_id.as_str();
        let result = match &r.target {
            Target::Attachment(id) => client
                .replace_transit_gateway_route()
                .transit_gateway_route_table_id(table)
                .destination_cidr_block(cidr(vip))
                .transit_gateway_attachment_id(id)
                .dry_run(dry_run)
                .send()
                .await
                .map(drop)
                .map_err(|e| api_error(Api::ReplaceTransitGatewayRoute, &r.region, Some(table), e)),
            target => {
                let request = client
                    .replace_route()
                    .route_table_id(table)
                    .destination_cidr_block(cidr(vip))
                    .dry_run(dry_run);
                let request = match target {
                    Target::TransitGateway(id) => request.transit_gateway_id(id),
                    other => request.network_interface_id(other.to_string()),
                };
                request
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| api_error(Api::ReplaceRoute, &r.region, Some(table), e))
            }
        };
        match result {
            Err(e) if dry_run && e.code() == "DryRunOperation" => Ok(()),
            other => other.map_err(|e| this.in_context(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blackholed_vpc_route_keeps_its_target_and_its_state() {
        let route = |b: aws_sdk_ec2::types::builders::RouteBuilder| {
            vpc_target(&b.state(RouteState::Blackhole).build())
        };
        let eni = route(Route::builder().network_interface_id("eni-gone"));
        assert_eq!(
            eni,
            Target::Blackholed(Box::new(Target::Eni("eni-gone".into())))
        );
        assert!(eni.drops_traffic());
        let igw = route(Route::builder().gateway_id("igw-1"));
        assert_eq!(igw.to_string(), "igw-1 (blackhole)");
        let active = vpc_target(&Route::builder().network_interface_id("eni-1").build());
        assert_eq!(active, Target::Eni("eni-1".into()));
    }

    #[test]
    fn the_provider_name_is_read_and_secrets_are_not() {
        let creds = Credentials::new("AKID", "secret", None, None, "Environment");
        assert_eq!(provider_name(&creds), "Environment");
    }

    #[test]
    fn access_errors_are_denials_and_5xx_is_overload() {
        assert!(matches!(
            classify("UnauthorizedOperation".into(), String::new(), 403),
            ApiErrorKind::Denied { .. }
        ));
        assert!(matches!(
            classify("RequestLimitExceeded".into(), String::new(), 503),
            ApiErrorKind::Overloaded { .. }
        ));
        assert!(matches!(
            classify("InternalError".into(), String::new(), 500),
            ApiErrorKind::Overloaded { .. }
        ));
        assert!(matches!(
            classify("InvalidRouteTableID.NotFound".into(), String::new(), 400),
            ApiErrorKind::Service { .. }
        ));
    }
}
