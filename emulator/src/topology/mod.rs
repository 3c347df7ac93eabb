//! The emulated AWS estate: regions, VPCs, route tables, transit gateways,
//! attachments, peerings and cluster nodes.
//!
//! One plain data model serves three purposes: it is the TOML file format,
//! the mutable state the EC2 handlers read and write, and the snapshot tests
//! inspect. Keeping them one type means a test can never observe a state the
//! wire protocol could not have produced.

mod builtin;
mod mesh;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;

pub use builtin::{REFERENCE_OTHER_VIP, REFERENCE_VIP};
pub use mesh::{MESH_REGIONS, MeshSpec};

/// Account id used as `ownerId` everywhere unless the file says otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "111122223333";
/// Instance-profile role served by IMDS unless the file says otherwise.
pub const DEFAULT_IAM_ROLE: &str = "tgw-generic-rk-node";
/// The target string of a VPC's implicit route to its own CIDR.
pub const LOCAL_TARGET: &str = "local";

/// Everything the emulator knows. Public fields so tests can reshape a
/// ready-made topology before [`crate::Emulator::start`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    #[serde(default = "default_account_id")]
    pub account_id: String,
    #[serde(default = "default_iam_role")]
    pub iam_role: String,
    pub regions: Vec<String>,
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub transit_gateways: Vec<TransitGateway>,
    #[serde(default)]
    pub tgw_route_tables: Vec<TgwRouteTable>,
    #[serde(default)]
    pub vpc_attachments: Vec<VpcAttachment>,
    #[serde(default)]
    pub peerings: Vec<Peering>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Owner account of a VPC, transit gateway (by id) or node (by name);
    /// anything not listed belongs to `account_id`. A map rather than a
    /// field per object so existing struct literals stay valid.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, String>,
    /// Accounts a TGW (by id) is shared with through AWS RAM: they see the
    /// TGW and may route their VPCs to it, not its route tables. Files say
    /// `shared_with = [...]` on the `[[transit_gateways]]` entry; kept here
    /// (like `owners`) so existing `TransitGateway` literals stay valid.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shared_with: BTreeMap<String, Vec<String>>,
    /// IAM roles that STS `AssumeRole` can hand out (`[[roles]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
}

/// An IAM role: who may assume it (its trust policy) and on what condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// `arn:aws:iam::<12-digit account>:role/<name>`; the account owns
    /// every session of the role.
    pub arn: String,
    /// Principals the trust policy names: 12-digit accounts (any principal
    /// of that account, as `arn:aws:iam::<account>:root` does) and role
    /// ARNs (that role's sessions).
    #[serde(default)]
    pub trusted: Vec<String>,
    /// When set, the trust policy's `sts:ExternalId` condition: a request
    /// must carry exactly this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The role's MaxSessionDuration in seconds (IAM's default, 3600, when
    /// unset); a longer DurationSeconds is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<u32>,
}

impl Role {
    /// The 12-digit account in the ARN (`arn:<partition>:iam::<account>:role/…`).
    pub fn account(&self) -> Option<&str> {
        role_arn_parts(&self.arn).map(|(account, _)| account)
    }

    /// The role's name: the last part of its path.
    pub fn name(&self) -> Option<&str> {
        role_arn_parts(&self.arn).map(|(_, name)| name)
    }
}

/// The account and role name of `arn:<partition>:iam::<account>:role/<path/>name`.
pub fn role_arn_parts(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
    is_account_id(account).then_some((account, name))
}

/// Twelve decimal digits, as every AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub region: String,
    pub cidr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub id: String,
    pub vpc: String,
    #[serde(default)]
    pub main: bool,
    /// Subnets explicitly associated with this table; they make
    /// `association.main=false` match, as on AWS.
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub routes: Vec<VpcRoute>,
}

/// One route of a VPC route table. `target` is an id whose prefix says what
/// it is: `eni-`, `tgw-`, `igw-`, `vgw-`, `nat-`, `pcx-`, or `local`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcRoute {
    pub destination: String,
    pub target: String,
    #[serde(default)]
    pub state: RouteState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    #[default]
    Active,
    Blackhole,
}

impl RouteState {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteState::Active => "active",
            RouteState::Blackhole => "blackhole",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub id: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgwRouteTable {
    pub id: String,
    pub tgw: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One of [`TGW_ROUTE_TABLE_STATES`]; only an `available` table can be
    /// searched or changed.
    #[serde(default = "available", skip_serializing_if = "is_available")]
    pub state: String,
    #[serde(default)]
    pub routes: Vec<TgwRoute>,
}

/// One route of a transit gateway route table. No attachment means a
/// blackhole route, which must then say `state = "blackhole"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TgwRoute {
    pub destination: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
    #[serde(rename = "type", default)]
    pub route_type: RouteType,
    #[serde(default)]
    pub state: RouteState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    #[default]
    Static,
    Propagated,
}

impl RouteType {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteType::Static => "static",
            RouteType::Propagated => "propagated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcAttachment {
    pub id: String,
    pub tgw: String,
    pub vpc: String,
    #[serde(default = "available")]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    pub id: String,
    pub requester_tgw: String,
    pub accepter_tgw: String,
    #[serde(default = "available")]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A LifeKeeper cluster node: one EC2 instance with one ENI. An entry with
/// `attached_to` is instead a further ENI of that node's instance (same
/// instance id): it is listed in that node's IMDS and is a valid route
/// target, but gets no IMDS of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: String,
    /// The node whose instance this ENI is attached to (as device 1, 2, …
    /// in the order of the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
    pub region: String,
    pub vpc: String,
    pub eni: String,
    pub mac: String,
    pub private_ip: String,
    pub instance_id: String,
    pub subnet: String,
    /// Defaults to the region's `a` zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// An ENI that routes a VIP must have this off; a doctor check reads it.
    #[serde(default)]
    pub source_dest_check: bool,
}

impl Node {
    pub fn availability_zone(&self) -> String {
        self.availability_zone
            .clone()
            .unwrap_or_else(|| format!("{}a", self.region))
    }
}

/// Attachment states EC2 can report; anything else in a file is a typo.
pub const ATTACHMENT_STATES: &[&str] = &[
    "initiating",
    "initiatingRequest",
    "pendingAcceptance",
    "rollingBack",
    "pending",
    "available",
    "modifying",
    "deleting",
    "deleted",
    "failed",
    "rejected",
    "rejecting",
    "failing",
];

fn default_account_id() -> String {
    DEFAULT_ACCOUNT_ID.to_string()
}

fn default_iam_role() -> String {
    DEFAULT_IAM_ROLE.to_string()
}

fn available() -> String {
    "available".to_string()
}

fn is_available(state: &str) -> bool {
    state == "available"
}

/// TGW route table states EC2 can report.
pub const TGW_ROUTE_TABLE_STATES: &[&str] = &["pending", "available", "deleting", "deleted"];

/// Attachment states in which a TGW attachment forwards traffic: a
/// `modifying` attachment (subnets or options being changed) keeps
/// forwarding, every other state but `available` does not.
pub const ATTACHMENT_STATES_IN_PATH: &[&str] = &["available", "modifying"];

pub fn attachment_in_path(state: &str) -> bool {
    ATTACHMENT_STATES_IN_PATH.contains(&state)
}

impl Topology {
    /// Parses, completes (implicit `local` routes) and validates a topology.
    pub fn from_toml_str(text: &str) -> Result<Topology, EmulatorError> {
        let parse_error = |e: &dyn std::fmt::Display| EmulatorError::ParseTopology(e.to_string());
        let mut table: toml::Table = text.parse().map_err(|e| parse_error(&e))?;
        // Without shares, parse the text itself: its errors carry line numbers.
        let mut topology: Topology = if hoist_tgw_shares(&mut table) {
            toml::Value::Table(table)
                .try_into()
                .map_err(|e| parse_error(&e))?
        } else {
            toml::from_str(text).map_err(|e| parse_error(&e))?
        };
        topology.add_local_routes();
        topology.validate()?;
        Ok(topology)
    }

    pub fn load(path: &Path) -> Result<Topology, EmulatorError> {
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::ReadTopology {
            path: path.to_path_buf(),
            source,
        })?;
        Topology::from_toml_str(&text)
    }

    pub fn to_toml_string(&self) -> Result<String, EmulatorError> {
        let error = |e: &dyn std::fmt::Display| EmulatorError::ParseTopology(e.to_string());
        let mut value = toml::Value::try_from(self).map_err(|e| error(&e))?;
        if let Some(table) = value.as_table_mut() {
            lower_tgw_shares(table);
        }
        toml::to_string(&value).map_err(|e| error(&e))
    }

    /// Every VPC route table carries its VPC's `local` route on AWS; files
    /// and generated topologies may leave it implicit.
    pub fn add_local_routes(&mut self) {
        for table in &mut self.route_tables {
            let Some(cidr) = self
                .vpcs
                .iter()
                .find(|v| v.id == table.vpc)
                .map(|v| &v.cidr)
            else {
                continue;
            };
            if !table.routes.iter().any(|r| r.target == LOCAL_TARGET) {
                table.routes.insert(0, local_route(cidr));
            }
        }
    }

    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.iter().find(|v| v.id == id)
    }

    pub fn route_table(&self, id: &str) -> Option<&RouteTable> {
        self.route_tables.iter().find(|t| t.id == id)
    }

    pub fn transit_gateway(&self, id: &str) -> Option<&TransitGateway> {
        self.transit_gateways.iter().find(|t| t.id == id)
    }

    pub fn tgw_route_table(&self, id: &str) -> Option<&TgwRouteTable> {
        self.tgw_route_tables.iter().find(|t| t.id == id)
    }

    pub fn vpc_attachment(&self, id: &str) -> Option<&VpcAttachment> {
        self.vpc_attachments.iter().find(|a| a.id == id)
    }

    pub fn peering(&self, id: &str) -> Option<&Peering> {
        self.peerings.iter().find(|p| p.id == id)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Every ENI of `node`'s instance: the node itself (device 0), then the
    /// entries attached to it.
    pub fn interfaces_of<'a>(&'a self, node: &'a Node) -> impl Iterator<Item = &'a Node> {
        std::iter::once(node).chain(
            self.nodes
                .iter()
                .filter(move |n| n.attached_to.as_deref() == Some(node.name.as_str())),
        )
    }

    pub fn node_by_eni(&self, eni: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.eni == eni)
    }

    /// Account owning VPC `id` (and so its route tables); the default
    /// account for an unknown id, which callers have already resolved.
    pub fn vpc_owner(&self, id: &str) -> &str {
        self.owner_of(id)
    }

    /// Account owning transit gateway `id` (and so its route tables).
    pub fn tgw_owner(&self, id: &str) -> &str {
        self.owner_of(id)
    }

    /// Account owning `node`'s instance: what its identity document says.
    pub fn node_owner(&self, node: &Node) -> &str {
        self.owner_of(&node.name)
    }

    /// Accounts transit gateway `id` is shared with (RAM).
    pub fn tgw_shared_with(&self, id: &str) -> &[String] {
        self.shared_with.get(id).map_or(&[], Vec::as_slice)
    }

    /// The role whose ARN is `arn`.
    pub fn role(&self, arn: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    fn owner_of(&self, key: &str) -> &str {
        self.owners.get(key).unwrap_or(&self.account_id)
    }

    /// Region of the VPC a route table belongs to.
    pub fn route_table_region(&self, table: &RouteTable) -> Option<&str> {
        self.vpc(&table.vpc).map(|v| v.region.as_str())
    }

    /// Region of the transit gateway a TGW route table belongs to.
    pub fn tgw_route_table_region(&self, table: &TgwRouteTable) -> Option<&str> {
        self.transit_gateway(&table.tgw).map(|t| t.region.as_str())
    }
}

/// Moves each `[[transit_gateways]]` entry's `shared_with` into the
/// top-level `shared_with` map; whether there was any.
fn hoist_tgw_shares(file: &mut toml::Table) -> bool {
    let mut shares = toml::Table::new();
    if let Some(toml::Value::Array(tgws)) = file.get_mut("transit_gateways") {
        for tgw in tgws.iter_mut().filter_map(toml::Value::as_table_mut) {
            let id = tgw_id(tgw);
            if let (Some(id), Some(accounts)) = (id, tgw.remove("shared_with")) {
                shares.insert(id, accounts);
            }
        }
    }
    if shares.is_empty() {
        return false;
    }
    let top = file
        .entry("shared_with")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let Some(top) = top.as_table_mut() {
        top.extend(shares);
    }
    true
}

/// The `id` of a `[[transit_gateways]]` entry.
fn tgw_id(tgw: &toml::Table) -> Option<String> {
    tgw.get("id")
        .and_then(toml::Value::as_str)
        .map(str::to_string)
}

/// The inverse of [`hoist_tgw_shares`], for writing files.
fn lower_tgw_shares(file: &mut toml::Table) {
    let Some(toml::Value::Table(mut shares)) = file.remove("shared_with") else {
        return;
    };
    if let Some(toml::Value::Array(tgws)) = file.get_mut("transit_gateways") {
        for tgw in tgws.iter_mut().filter_map(toml::Value::as_table_mut) {
            let id = tgw_id(tgw);
            if let Some(accounts) = id.and_then(|id| shares.remove(&id)) {
                tgw.insert("shared_with".to_string(), accounts);
            }
        }
    }
    if !shares.is_empty() {
        file.insert("shared_with".to_string(), toml::Value::Table(shares));
    }
}

pub(crate) fn local_route(cidr: &str) -> VpcRoute {
    VpcRoute {
        destination: cidr.to_string(),
        target: LOCAL_TARGET.to_string(),
        state: RouteState::Active,
    }
}
