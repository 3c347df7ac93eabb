//! The one narrow door to EC2: the calls the engine needs, in plain types.
//!
//! The engine owns this trait (as cargo's resolver owns `Registry`):
//! discovery, the executor and doctor talk to [`Ec2`] only, so they can be
//! tested against an in-memory fake, and the aws-sdk-ec2 implementation
//! ([`crate::aws::ec2::sdk::SdkEc2`]) stays the single place that knows SDK
//! types.

mod error;

pub use error::{AccountContext, Api, ApiError, ApiErrorKind};

use std::net::Ipv4Addr;

use crate::engine::topology::{
    Peering, Target, TgwRouteTable, TgwVipRoute, TransitGateway, VpcAttachment, VpcCidrs,
    VpcRouteTable,
};

/// A request to replace the VIP route in one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub region: String,
    pub table_id: String,
    pub target: Target,
    /// The account whose role writes it (`None`: the node's own credentials).
    pub account: Option<String>,
}

/// EC2 as the engine sees it. Every call names its region: one endpoint per
/// region, as on AWS. Only the exact `vip/32` destination is ever asked for or written.
#[allow(async_fn_in_trait)]
pub trait Ec2: Sized {
    /// The same EC2, acting in `account` through its role (cross-account
    /// runs), or with the node's own credentials for `None`. Every call of
    /// the returned value is made there.
    fn in_account(&self, account: Option<&str>) -> Self;

    /// Starts obtaining `account`'s credentials now, so the first call made
    /// there does not wait for them. Harmless when already under way.
    fn warm_up(&self, account: &str);

    /// Route tables of the region that hold a `vip/32` route, with that route's target.
    async fn vip_route_tables(
        &self,
        region: &str,
        vip: Ipv4Addr,
    ) -> Result<Vec<VpcRouteTable>, ApiError>;

    /// VPC attachments of the region's Transit Gateways that carry traffic
    /// ([`crate::engine::topology::ATTACHMENT_STATES_IN_PATH`]).
    async fn vpc_attachments(&self, region: &str) -> Result<Vec<VpcAttachment>, ApiError>;

    /// TGW peering attachments visible from the region that carry traffic.
    async fn peerings(&self, region: &str) -> Result<Vec<Peering>, ApiError>;

    /// Available TGW route tables of the region, restricted to `tgw_ids` when it is not empty.
    async fn tgw_route_tables(
        &self,
        region: &str,
        tgw_ids: &[String],
    ) -> Result<Vec<TgwRouteTable>, ApiError>;

    /// The `vip/32` route of one TGW route table, if it has one.
    async fn tgw_vip_route(
        &self,
        region: &str,
        table_id: &str,
        vip: Ipv4Addr,
    ) -> Result<Option<TgwVipRoute>, ApiError>;

    /// Transit Gateways of the region visible to the caller (its own and
    /// those shared with it), with their owners. Cross-account runs learn
    /// who owns the local TGW from it; `doctor` proves the permission.
    async fn transit_gateways(&self, region: &str) -> Result<Vec<TransitGateway>, ApiError>;

    /// The main route table of `vpc_id`, so `status` can tell a VIP route
    /// that is missing from one that was never meant to exist.
    async fn main_route_table(
        &self,
        region: &str,
        vpc_id: &str,
    ) -> Result<Option<String>, ApiError>;

    /// The IPv4 CIDR blocks of every VPC of the region (`doctor`, optional).
    async fn vpc_cidrs(&self, region: &str) -> Result<Vec<VpcCidrs>, ApiError>;

    /// Whether the ENI still has source/destination checking on (`doctor`,
    /// optional): with it on, EC2 drops traffic for the VIP at the ENI.
    async fn source_dest_check(&self, region: &str, eni_id: &str) -> Result<bool, ApiError>;

    /// Whether the caller may call the read-only `api` in `region`
    /// (`DryRun`; `table_id` for SearchTransitGatewayRoutes), without
    /// reading anything: `doctor` proves each account's permissions so.
    async fn permitted(
        &self,
        region: &str,
        api: Api,
        table_id: Option<&str>,
    ) -> Result<(), ApiError>;

    /// Points the `vip/32` route of a VPC or TGW route table at a new target.
    /// With `dry_run`, only asks EC2 whether the caller would be allowed to.
    async fn replace_vip_route(
        &self,
        replacement: &Replacement,
        vip: Ipv4Addr,
        dry_run: bool,
    ) -> Result<(), ApiError>;
}
