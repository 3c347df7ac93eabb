//! One shared session: what every command does first, whichever front door
//! it came through. Read the VIP, locate this node, connect to EC2, observe
//! (discover + plan) and, for the commands that write, apply the plan.
//!
//! Every door calls these steps; this module imports none of the doors, so a
//! new door is one new folder under `doors/`.

pub mod bound;
pub mod info_field;

use std::net::Ipv4Addr;
use std::time::Duration;

use tokio::time::Instant;

pub use bound::RunBound;

use crate::aws::ec2::sdk::SdkEc2;
use crate::aws::ec2::sdk_config;
use crate::aws::imds::Imds;
use crate::aws::interfaces;
use crate::engine::executor::{self, Outcome, Progress};
use crate::engine::planner::{self, Plan, RouteCheck};
use crate::engine::topology::{LocalNode, Topology};
use crate::engine::{deadline, discovery};
use crate::log::catalog::Message;
use crate::log::{emit, lines, redact};
use crate::settings::Settings;

/// Where the VIP comes from for this run.
pub enum VipSource<'a> {
    /// Given on the command line.
    Flag(&'a str),
    /// The first word of a LifeKeeper resource's info field.
    Tag(&'a str),
}

/// Runs `work` on a single-threaded runtime: every wait here is on the network.
pub fn block_on<T>(work: impl Future<Output = T>) -> std::io::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(work))
}

/// The VIP this run is about.
pub fn vip_of(source: Option<VipSource<'_>>) -> Result<Ipv4Addr, Message> {
    match source {
        Some(VipSource::Flag(ip)) => info_field::parse_vip(ip),
        Some(VipSource::Tag(tag)) => match info_field::info_field(tag) {
            Ok(info) => info_field::parse_vip(&info),
            Err(reason) => {
                emit(&Message::InfoUnreadable { reason });
                Err(Message::NoVipInInfo)
            }
        },
        None => Err(Message::NoVipInInfo),
    }
}

/// This node as IMDS and the kernel know it, with the name of the
/// interface holding the VIP (none on a standby node).
pub async fn locate(
    settings: &Settings,
    vip: Ipv4Addr,
) -> Result<(LocalNode, Option<String>), Message> {
    let imds = Imds::from_env(settings.imds_timeout.value);
    let interfaces = interfaces::list();
    // Only cross-account runs need to know the node's account.
    let wants_identity = settings.assume_role.is_some();
    let (node, identity) = tokio::join!(imds.local_node(vip, &interfaces), async {
        match wants_identity {
            true => Some(imds.identity().await),
            false => None,
        }
    });
    let mut node = node?;
    if let Some(identity) = identity {
        node.identity = Some(identity.ok_or(Message::NoIdentity)?);
    }
    let name = interfaces::holding(&interfaces, vip).map(|i| i.name.clone());
    Ok((node, name))
}

/// [`locate`], capped at `limit`: metadata retries are bounded item by
/// item, this caps the pathological mixes (a token that keeps expiring).
pub async fn locate_within(
    limit: Duration,
    settings: &Settings,
    vip: Ipv4Addr,
) -> Result<(LocalNode, Option<String>), Message> {
    tokio::time::timeout(limit, locate(settings, vip))
        .await
        .unwrap_or(Err(Message::NoRegion))
}

/// The EC2 door for `node`'s region, saying (127108) when the proxy
/// setting had to be ignored; in cross-account runs it acts in the other
/// accounts through their roles, its sessions named after the node and `vip`.
pub async fn connect(
    settings: &Settings,
    node: &LocalNode,
    vip: Ipv4Addr,
) -> (SdkEc2, Option<String>) {
    let (ec2, proxy_problem) = sdk_config::connect(settings, &node.region).await;
    if let Some(why) = &proxy_problem {
        emit(&Message::ProxyUnusable {
            reason: redact::userinfo(why),
        });
    }
    if let (Some(role), Some(identity)) = (&settings.assume_role, &node.identity) {
        ec2.assume_roles(role.clone(), identity, vip);
    }
    (ec2, proxy_problem)
}

/// This node and its EC2 door; the reason (not yet logged) when IMDS
/// cannot say who we are.
pub async fn locate_and_connect(
    settings: &Settings,
    vip: Ipv4Addr,
) -> Result<(SdkEc2, LocalNode, Option<String>), Message> {
    let (node, interface) = locate(settings, vip).await?;
    let (ec2, _) = connect(settings, &node, vip).await;
    Ok((ec2, node, interface))
}

/// Discovery and planning under the EC2 part of the run's time bound.
pub async fn observe(
    ec2: &SdkEc2,
    node: LocalNode,
    vip: Ipv4Addr,
    settings: &Settings,
) -> (Topology, Plan) {
    let bound = RunBound::of(settings);
    observe_until(ec2, node, vip, deadline::after(bound.ec2), bound.remote).await
}

/// Discovery and planning, nothing past `deadline`; a remote region may stay
/// silent for at most `remote_silence`.
pub async fn observe_until(
    ec2: &SdkEc2,
    node: LocalNode,
    vip: Ipv4Addr,
    deadline: Instant,
    remote_silence: Duration,
) -> (Topology, Plan) {
    let topology = discovery::discover(ec2, node, vip, deadline, remote_silence).await;
    let plan = planner::plan(&topology);
    (topology, plan)
}

/// Every replacement of `plan`, each outcome logged.
pub async fn apply<'p>(
    ec2: &SdkEc2,
    plan: &'p Plan,
    deadline: Instant,
    progress: &Progress,
) -> Vec<(&'p RouteCheck, Outcome)> {
    let results = executor::apply(ec2, plan, deadline, progress).await;
    lines::outcomes(&results, plan).iter().for_each(emit);
    results
}
