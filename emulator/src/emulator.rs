//! The public handle: start/stop, endpoints, knobs, counters, and direct
//! inspection and mutation of route state for test setup and assertions.
//!
//! Every method is synchronous and takes effect for the next request, so
//! plain `#[test]` functions can drive the emulator while the code under
//! test runs in another process.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::cidr::Cidr;
use crate::error::EmulatorError;
use crate::knobs::{ActionFault, ImdsFault, Malformed, MalformedState, Outage, Prng};
use crate::server::{self, Transport};
use crate::state::{AssumedSession, Shared, lock};
use crate::tls::ServerCertificate;
use crate::topology::{
    ATTACHMENT_STATES, LOCAL_TARGET, Node, Role, RouteState, RouteTable, RouteType,
    TGW_ROUTE_TABLE_STATES, TgwRoute, TgwRouteTable, Topology, VpcRoute, role_arn_parts,
};

/// A running EC2 + IMDS emulator; stops when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    runtime: Option<Runtime>,
    transport: Arc<Transport>,
    ec2: SocketAddr,
    ec2_https: SocketAddr,
    imds: BTreeMap<String, SocketAddr>,
}

/// Which kind of table a [`RouteView`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Vpc,
    TransitGateway,
}

/// One route of any table, flattened for whole-estate assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteView {
    pub region: String,
    pub kind: TableKind,
    pub table_id: String,
    /// The VPC id (VPC tables) or TGW id (TGW tables) owning the table.
    pub owner_id: String,
    pub destination: String,
    /// Target id for VPC routes; attachment id for TGW routes (`None` for a
    /// blackhole).
    pub target: Option<String>,
    pub state: RouteState,
    /// VPC routes are always `Static`.
    pub route_type: RouteType,
}

impl Emulator {
    /// Validates the topology, binds EC2 and one IMDS listener per node on
    /// 127.0.0.1, and returns once they accept connections.
    pub fn start(mut topology: Topology) -> Result<Emulator, EmulatorError> {
        topology.add_local_routes();
        topology.validate()?;
        // A further ENI of a node is served by that node's IMDS.
        let nodes: Vec<String> = topology
            .nodes
            .iter()
            .filter(|n| n.attached_to.is_none())
            .map(|n| n.name.clone())
            .collect();
        let shared = Arc::new(Shared::new(topology));
        let transport = Arc::new(Transport::new()?);
        let listening = server::start(shared.clone(), transport.clone(), &nodes)?;
        Ok(Emulator {
            shared,
            runtime: Some(listening.runtime),
            transport,
            ec2: listening.ec2,
            ec2_https: listening.ec2_https,
            imds: listening.imds,
        })
    }

    pub fn ec2_endpoint(&self) -> String {
        format!("http://{}", self.ec2)
    }

    pub fn ec2_addr(&self) -> SocketAddr {
        self.ec2
    }

    /// The same EC2 endpoint over TLS, with a certificate for 127.0.0.1
    /// signed by this emulator's own CA ([`Emulator::ca_bundle_path`]).
    pub fn ec2_https_endpoint(&self) -> String {
        format!("https://{}", self.ec2_https)
    }

    pub fn ec2_https_addr(&self) -> SocketAddr {
        self.ec2_https
    }

    /// A PEM file holding the CA that signed the HTTPS endpoint's
    /// certificate, for `AWS_CA_BUNDLE`; removed when the emulator stops.
    pub fn ca_bundle_path(&self) -> &std::path::Path {
        self.transport.tls.ca_path()
    }

    pub fn ca_pem(&self) -> String {
        self.transport.tls.ca_pem()
    }

    /// [`Emulator::client_env`] for the HTTPS endpoint, with `AWS_CA_BUNDLE`
    /// pointing at this emulator's CA.
    pub fn https_client_env(&self, node: &str) -> Vec<(&'static str, String)> {
        let mut env = self.client_env(node);
        for (name, value) in &mut env {
            if *name == "AWS_ENDPOINT_URL" {
                *value = self.ec2_https_endpoint();
            }
        }
        env.push(("AWS_CA_BUNDLE", self.ca_bundle_path().display().to_string()));
        env
    }

    pub fn imds_endpoint(&self, node: &str) -> Option<String> {
        self.imds_addr(node).map(|a| format!("http://{a}"))
    }

    pub fn imds_addr(&self, node: &str) -> Option<SocketAddr> {
        self.imds.get(node).copied()
    }

    /// The standard AWS SDK variables that make a client on `node` talk to
    /// this emulator: its EC2 endpoint, that node's IMDS and static
    /// credentials (any value passes; signatures are not checked).
    pub fn client_env(&self, node: &str) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL", self.ec2_endpoint()),
            ("AWS_ACCESS_KEY_ID", "AKIDEMULATOR".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "emulator-secret".to_string()),
        ];
        if let Some(imds) = self.imds_endpoint(node) {
            env.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds));
        }
        env
    }

    /// [`Emulator::client_env`] with `node`'s own instance-role keys
    /// (`ASIAEMULATOR<NODE>`, as its IMDS serves them) instead of the
    /// default account's static key: a client acting in the node's account,
    /// as the tool does on an instance without static keys.
    pub fn node_client_env(&self, node: &str) -> Vec<(&'static str, String)> {
        let mut env = self.client_env(node);
        let key = lock(&self.shared.world)
            .node(node)
            .map(crate::accounts::instance_access_key);
        if let Some(key) = key {
            for (name, value) in &mut env {
                if *name == "AWS_ACCESS_KEY_ID" {
                    *value = key.clone();
                }
            }
            env.push((
                "AWS_SESSION_TOKEN",
                format!("emulator-session-token-{node}"),
            ));
        }
        env
    }

    pub fn node(&self, name: &str) -> Option<Node> {
        lock(&self.shared.world).node(name).cloned()
    }

    /// A snapshot of the current estate, routes included.
    pub fn topology(&self) -> Topology {
        lock(&self.shared.world).clone()
    }
}

/// Knobs; each takes effect for the next request.
impl Emulator {
    /// Delay added before answering each EC2 request of `region`; zero removes it.
    pub fn set_latency(&self, region: &str, latency: Duration) {
        self.shared.update_knobs(|k| {
            if latency.is_zero() {
                k.latency.remove(region);
            } else {
                k.latency.insert(region.to_string(), latency);
            }
        });
    }

    /// Fraction (0..=1) of EC2 requests answered 503 RequestLimitExceeded.
    pub fn set_throttle_rate(&self, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.shared.update_knobs(|k| k.throttle_rate = rate);
    }

    /// Restarts the throttling sequence from `seed`.
    pub fn set_throttle_seed(&self, seed: u64) {
        self.shared
            .update_knobs(|k| k.throttle_rng = Prng::new(seed));
    }

    pub fn set_region_outage(&self, region: &str, outage: Outage) {
        self.shared.update_knobs(|k| {
            k.outages.insert(region.to_string(), outage);
        });
    }

    /// Makes `node`'s IMDS misbehave for the next `times` affected requests
    /// (`None`: until changed). Also releases requests hung by an earlier
    /// `Hang` on that node.
    pub fn set_imds_fault(&self, node: &str, fault: ImdsFault, times: Option<u32>) {
        self.shared
            .update_knobs(|k| k.set_imds_fault(node, fault, times));
    }

    /// Answers `action` with 403 UnauthorizedOperation, DryRun included.
    pub fn deny_action(&self, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied.insert(action.to_string());
        });
    }

    pub fn allow_action(&self, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied.remove(action);
        });
    }

    /// Which certificate the HTTPS endpoint presents from the next handshake on.
    pub fn set_server_certificate(&self, which: ServerCertificate) -> Result<(), EmulatorError> {
        self.transport.tls.set_certificate(which)
    }

    /// Makes each new connection pay for its handshakes in the latency of
    /// the region it carries (one round trip for TCP, one more for TLS), as
    /// on a real network; off by default.
    pub fn set_handshake_latency(&self, on: bool) {
        self.transport
            .handshake_latency
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Caps every Describe page at `size` items regardless of MaxResults.
    pub fn set_page_size(&self, size: Option<usize>) {
        self.shared.update_knobs(|k| k.page_size = size);
    }
}

// ---- Object states and per-action faults (engine hardening) ----
impl Emulator {
    /// Puts a VPC or peering attachment in `state` (any state EC2 reports:
    /// `modifying`, `pending`, `deleting`…), as AWS does during its lifecycle.
    pub fn set_attachment_state(&self, id: &str, state: &str) -> Result<(), EmulatorError> {
        if !ATTACHMENT_STATES.contains(&state) {
            return Err(EmulatorError::InvalidState(state.to_string()));
        }
        let mut world = lock(&self.shared.world);
        if let Some(a) = world.vpc_attachments.iter_mut().find(|a| a.id == id) {
            a.state = state.to_string();
            return Ok(());
        }
        let peering = world.peerings.iter_mut().find(|p| p.id == id);
        let peering = peering.ok_or_else(|| EmulatorError::UnknownObject(id.to_string()))?;
        peering.state = state.to_string();
        Ok(())
    }

    /// Puts a TGW route table in `state` (`pending`, `available`, `deleting`, `deleted`).
    pub fn set_tgw_route_table_state(&self, id: &str, state: &str) -> Result<(), EmulatorError> {
        if !TGW_ROUTE_TABLE_STATES.contains(&state) {
            return Err(EmulatorError::InvalidState(state.to_string()));
        }
        let mut world = lock(&self.shared.world);
        let table = world.tgw_route_tables.iter_mut().find(|t| t.id == id);
        let table = table.ok_or_else(|| EmulatorError::UnknownRouteTable(id.to_string()))?;
        table.state = state.to_string();
        Ok(())
    }

    /// Makes `action` in `region` answer HTTP `status` with error `code` for
    /// the next `times` requests (`None`: until cleared with [`Emulator::clear_action_fault`]).
    /// Denials, outages and throttling come first, as on AWS.
    pub fn fail_action(
        &self,
        region: &str,
        action: &str,
        status: u16,
        code: &str,
        times: Option<u32>,
    ) {
        let fault = ActionFault {
            status,
            code: code.to_string(),
            remaining: times,
        };
        self.shared
            .update_knobs(|k| k.set_action_fault(region, action, Some(fault)));
    }

    pub fn clear_action_fault(&self, region: &str, action: &str) {
        self.shared
            .update_knobs(|k| k.set_action_fault(region, action, None));
    }
}

/// Faults of one region or one action: what a caller can tell apart only
/// by looking at the answer (regional denials, garbled documents).
impl Emulator {
    /// Answers `action` with 403 UnauthorizedOperation in `region` only, as
    /// a policy with a region condition (`aws:RequestedRegion`) does.
    pub fn deny_action_in(&self, region: &str, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied_in.insert((region.to_string(), action.to_string()));
        });
    }

    pub fn allow_action_in(&self, region: &str, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied_in
                .remove(&(region.to_string(), action.to_string()));
        });
    }

    /// Garbles the next `times` successful answers to `action` in `region`
    /// (`None`: until changed; `Some(0)` clears). The HTTP status stays 200
    /// and the framing stays valid; only the document is spoiled.
    pub fn set_malformed_replies(
        &self,
        region: &str,
        action: &str,
        kind: Malformed,
        times: Option<u32>,
    ) {
        let key = (region.to_string(), action.to_string());
        self.shared.update_knobs(|k| {
            if times == Some(0) {
                k.malformed.remove(&key);
            } else {
                let state = MalformedState {
                    kind,
                    remaining: times,
                };
                k.malformed.insert(key, state);
            }
        });
    }
}

/// Accounts, roles and sharing (see emulator/README.md, "Accounts, roles
/// and sharing"). Role changes take effect for the next AssumeRole;
/// sessions already issued stay valid, as on AWS.
impl Emulator {
    /// Deletes the role `arn`: AssumeRole on it is then refused
    /// (AccessDenied, as AWS answers for a role that does not exist).
    pub fn remove_role(&self, arn: &str) {
        lock(&self.shared.world).roles.retain(|r| r.arn != arn);
    }

    /// Replaces the role's trust policy principals (12-digit accounts and
    /// role ARNs). An unknown, well-formed role ARN creates the role.
    pub fn set_role_trust(&self, arn: &str, trusted: Vec<String>) {
        let mut world = lock(&self.shared.world);
        match world.roles.iter_mut().find(|r| r.arn == arn) {
            Some(role) => role.trusted = trusted,
            None if role_arn_parts(arn).is_some() => world.roles.push(Role {
                arn: arn.to_string(),
                trusted,
                external_id: None,
                max_session_duration: None,
            }),
            None => {}
        }
    }

    /// Sets (or with `None` removes) the role's `sts:ExternalId` condition.
    pub fn set_role_external_id(&self, arn: &str, external_id: Option<String>) {
        let mut world = lock(&self.shared.world);
        if let Some(role) = world.roles.iter_mut().find(|r| r.arn == arn) {
            role.external_id = external_id;
        }
    }

    /// Answers `action` with 403 UnauthorizedOperation (DryRun included)
    /// to every caller of `account`, as a missing permission in that
    /// account's role would. `AssumeRole` denies STS AssumeRole to the
    /// account's callers (AccessDenied).
    pub fn deny_action_in_account(&self, account: &str, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied_in_account
                .insert((account.to_string(), action.to_string()));
        });
    }

    pub fn allow_action_in_account(&self, account: &str, action: &str) {
        self.shared.update_knobs(|k| {
            k.denied_in_account
                .remove(&(account.to_string(), action.to_string()));
        });
    }

    /// Every AssumeRole answered since the last `reset_counters`, in order,
    /// granted or refused.
    pub fn assumed_sessions(&self) -> Vec<AssumedSession> {
        lock(&self.shared.counters).assumed.clone()
    }

    /// STS requests (any action) that reached a known region since the
    /// last `reset_counters`; not part of `call_counts`/`total_calls`.
    pub fn sts_calls(&self) -> u64 {
        lock(&self.shared.counters).sts_calls
    }
}

/// Counters.
impl Emulator {
    /// (region, action) → requests that reached the action dispatcher,
    /// denied, throttled and failed ones included.
    pub fn call_counts(&self) -> BTreeMap<(String, String), u64> {
        lock(&self.shared.counters).calls.clone()
    }

    pub fn calls(&self, region: &str, action: &str) -> u64 {
        let counters = lock(&self.shared.counters);
        counters
            .calls
            .get(&(region.to_string(), action.to_string()))
            .copied()
            .unwrap_or(0)
    }

    pub fn total_calls(&self) -> u64 {
        lock(&self.shared.counters).calls.values().sum()
    }

    /// Successful, non-DryRun Replace* calls.
    pub fn writes(&self) -> u64 {
        lock(&self.shared.counters).writes
    }

    /// Requests that arrived in absolute-form, i.e. through the EC2
    /// listener acting as an HTTP forward proxy.
    pub fn proxied_requests(&self) -> u64 {
        lock(&self.shared.counters).proxied
    }

    /// TLS handshakes completed on the HTTPS endpoint.
    pub fn tls_handshakes(&self) -> u64 {
        lock(&self.shared.counters).tls_handshakes
    }

    /// TLS handshakes the client refused with an alert: its trust refused
    /// the certificate.
    pub fn tls_failures(&self) -> u64 {
        lock(&self.shared.counters).tls_failures
    }

    /// TLS handshakes the client abandoned silently (closed mid-handshake)
    /// or that timed out: no verdict on the certificate.
    pub fn tls_abandoned(&self) -> u64 {
        lock(&self.shared.counters).tls_abandoned
    }

    pub fn imds_requests(&self, node: &str) -> u64 {
        lock(&self.shared.counters)
            .imds
            .get(node)
            .copied()
            .unwrap_or(0)
    }

    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = Default::default();
    }
}

/// Route inspection and mutation. CIDRs are compared as networks; a bare
/// address means its /32.
impl Emulator {
    pub fn vpc_route(&self, table_id: &str, cidr: &str) -> Option<VpcRoute> {
        let cidr = parse_cidr(cidr).ok()?;
        let world = lock(&self.shared.world);
        let table = world.route_table(table_id)?;
        table
            .routes
            .iter()
            .find(|r| Cidr::parse(&r.destination) == Some(cidr))
            .cloned()
    }

    pub fn tgw_route(&self, table_id: &str, cidr: &str) -> Option<TgwRoute> {
        let cidr = parse_cidr(cidr).ok()?;
        let world = lock(&self.shared.world);
        let table = world.tgw_route_table(table_id)?;
        table
            .routes
            .iter()
            .find(|r| Cidr::parse(&r.destination) == Some(cidr))
            .cloned()
    }

    /// Every route of every table, VPC tables first, in topology order.
    pub fn routes(&self) -> Vec<RouteView> {
        let world = lock(&self.shared.world);
        let vpc = world
            .route_tables
            .iter()
            .flat_map(|t| vpc_route_views(&world, t));
        let tgw = world
            .tgw_route_tables
            .iter()
            .flat_map(|t| tgw_route_views(&world, t));
        vpc.chain(tgw).collect()
    }

    /// Points a VPC route at `target` (created if absent), state active.
    /// The target is not checked, so tests can set up stale or odd states.
    pub fn set_vpc_route_target(
        &self,
        table_id: &str,
        cidr: &str,
        target: &str,
    ) -> Result<(), EmulatorError> {
        let cidr = parse_cidr(cidr)?;
        let mut world = lock(&self.shared.world);
        let table = world
            .route_tables
            .iter_mut()
            .find(|t| t.id == table_id)
            .ok_or_else(|| EmulatorError::UnknownRouteTable(table_id.to_string()))?;
        let existing = table
            .routes
            .iter_mut()
            .find(|r| Cidr::parse(&r.destination) == Some(cidr));
        let is_local = existing.as_ref().is_some_and(|r| r.target == LOCAL_TARGET);
        if is_local || target == LOCAL_TARGET {
            return Err(EmulatorError::LocalRoute {
                table: table_id.to_string(),
                cidr: cidr.to_string(),
            });
        }
        match existing {
            Some(route) => {
                route.target = target.to_string();
                route.state = RouteState::Active;
            }
            None => table.routes.push(VpcRoute {
                destination: cidr.to_string(),
                target: target.to_string(),
                state: RouteState::Active,
            }),
        }
        Ok(())
    }

    /// Points a TGW route at `attachment`, or makes it a blackhole with
    /// `None`; creates a static route if absent.
    pub fn set_tgw_route(
        &self,
        table_id: &str,
        cidr: &str,
        attachment: Option<&str>,
    ) -> Result<(), EmulatorError> {
        let cidr = parse_cidr(cidr)?;
        let mut world = lock(&self.shared.world);
        let table = world
            .tgw_route_tables
            .iter_mut()
            .find(|t| t.id == table_id)
            .ok_or_else(|| EmulatorError::UnknownRouteTable(table_id.to_string()))?;
        let state = if attachment.is_some() {
            RouteState::Active
        } else {
            RouteState::Blackhole
        };
        let attachment = attachment.map(str::to_string);
        match table
            .routes
            .iter_mut()
            .find(|r| Cidr::parse(&r.destination) == Some(cidr))
        {
            Some(route) => {
                route.attachment = attachment;
                route.state = state;
            }
            None => table.routes.push(TgwRoute {
                destination: cidr.to_string(),
                attachment,
                route_type: RouteType::Static,
                state,
            }),
        }
        Ok(())
    }

    /// Removes a route from a VPC or TGW table; the local route stays.
    pub fn delete_route(&self, table_id: &str, cidr: &str) -> Result<(), EmulatorError> {
        let cidr = parse_cidr(cidr)?;
        let mut world = lock(&self.shared.world);
        let unknown_route = || EmulatorError::UnknownRoute {
            table: table_id.to_string(),
            cidr: cidr.to_string(),
        };
        let same = |d: &str| Cidr::parse(d) == Some(cidr);
        if let Some(table) = world.route_tables.iter_mut().find(|t| t.id == table_id) {
            let index = table
                .routes
                .iter()
                .position(|r| same(&r.destination))
                .ok_or_else(unknown_route)?;
            if table.routes[index].target == LOCAL_TARGET {
                return Err(EmulatorError::LocalRoute {
                    table: table_id.to_string(),
                    cidr: cidr.to_string(),
                });
            }
            table.routes.remove(index);
            return Ok(());
        }
        let table = world
            .tgw_route_tables
            .iter_mut()
            .find(|t| t.id == table_id)
            .ok_or_else(|| EmulatorError::UnknownRouteTable(table_id.to_string()))?;
        let index = table
            .routes
            .iter()
            .position(|r| same(&r.destination))
            .ok_or_else(unknown_route)?;
        table.routes.remove(index);
        Ok(())
    }
}

fn vpc_route_views(world: &Topology, table: &RouteTable) -> Vec<RouteView> {
    let region = world.route_table_region(table).unwrap_or_default();
    let view = |r: &VpcRoute| RouteView {
        region: region.to_string(),
        kind: TableKind::Vpc,
        table_id: table.id.clone(),
        owner_id: table.vpc.clone(),
        destination: r.destination.clone(),
        target: Some(r.target.clone()),
        state: r.state,
        route_type: RouteType::Static,
    };
    table.routes.iter().map(view).collect()
}

fn tgw_route_views(world: &Topology, table: &TgwRouteTable) -> Vec<RouteView> {
    let region = world.tgw_route_table_region(table).unwrap_or_default();
    let view = |r: &TgwRoute| RouteView {
        region: region.to_string(),
        kind: TableKind::TransitGateway,
        table_id: table.id.clone(),
        owner_id: table.tgw.clone(),
        destination: r.destination.clone(),
        target: r.attachment.clone(),
        state: r.state,
        route_type: r.route_type,
    };
    table.routes.iter().map(view).collect()
}

fn parse_cidr(text: &str) -> Result<Cidr, EmulatorError> {
    let with_prefix = if text.contains('/') {
        text.to_string()
    } else {
        format!("{text}/32")
    };
    Cidr::parse(&with_prefix).ok_or_else(|| EmulatorError::InvalidCidr(text.to_string()))
}

impl Drop for Emulator {
    /// Stops listeners and cancels in-flight (including hung) requests
    /// without blocking, so dropping inside an async context is safe too.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
