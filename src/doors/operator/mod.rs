//! The operator's door: what operators run by hand, `status`, `plan` (also
//! `restore --dry-run`) and `doctor`. Each goes through the shared session,
//! then builds one report value that is printed as text or, with `--json`,
//! as a versioned document (docs/json-schema.md). None of them writes a
//! route or logs to syslog; each ends in failure unless its report is ok.

pub mod doctor;
pub mod render;
pub mod status;

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::aws::ec2::sdk::SdkEc2;
use crate::cli::Target;
use crate::doors::Ending;
use crate::engine::ec2::Ec2;
use crate::engine::topology::{LocalNode, Topology};
use crate::log::{self, emit};
use crate::report::json::{self, NodeView};
use crate::report::{self, plan};
use crate::session;
use crate::settings::Settings;

/// `status`: the topology and every VIP route with its state.
pub fn status(target: &Target, json: bool) -> Ending {
    with_vip("status", target, |vip, settings| async move {
        let Some((ec2, node, interface)) = located(vip, &settings).await else {
            return Ending::Failure;
        };
        let (topology, plan) = session::observe(&ec2, node, vip, &settings).await;
        let main = main_table(&ec2, &topology).await;
        let report = status::report(&topology, &plan, interface, main);
        output(json, &report, render::status, report.ok)
    })
}

/// `plan` (and `restore --dry-run`, logged as `name`): the replacements
/// restore would make.
pub fn plan(name: &str, target: &Target, json: bool) -> Ending {
    with_vip(name, target, |vip, settings| async move {
        let Some((ec2, node, interface)) = located(vip, &settings).await else {
            return Ending::Failure;
        };
        let view = NodeView::new(&node, interface);
        let (_, plan) = session::observe(&ec2, node, vip, &settings).await;
        let report = plan::report(view, &plan);
        output(json, &report, render::plan, report.ok)
    })
}

/// `doctor`: whether this node can take over.
pub fn doctor(target: &Target, json: bool) -> Ending {
    let settings = start("doctor", target);
    // doctor reports unusable lines itself, as a check.
    on_runtime(doctor::gather::run(target, &settings, json))
}

/// Logging set up for `name`, and the parameters.
fn start(name: &str, target: &Target) -> Settings {
    let settings = Settings::load();
    let tag = target.tag.as_deref().unwrap_or("-");
    log::init(name, tag, target.verbose, None);
    settings
}

/// Starts `name`, reads the VIP and runs `work` with it; a VIP that cannot
/// be read is a failure (already logged).
fn with_vip<W, F>(name: &str, target: &Target, work: W) -> Ending
where
    W: FnOnce(Ipv4Addr, Settings) -> F,
    F: Future<Output = Ending>,
{
    let settings = start(name, target);
    settings.warnings.iter().for_each(emit);
    match session::vip_of(target.vip_source()) {
        Ok(vip) => on_runtime(work(vip, settings)),
        Err(message) => {
            emit(&message);
            Ending::Failure
        }
    }
}

fn on_runtime(work: impl Future<Output = Ending>) -> Ending {
    session::block_on(work).unwrap_or_else(|e| {
        eprintln!("tgw_generic_rk: cannot start the async runtime: {e}");
        Ending::Failure
    })
}

/// Prints `document` as JSON or through `human`; a success only when `ok`.
pub(crate) fn output<T: Serialize>(
    json: bool,
    document: &T,
    human: fn(&T) -> String,
    ok: bool,
) -> Ending {
    let text = if json {
        json::to_text(document)
    } else {
        human(document)
    };
    report::print(&text);
    Ending::from_ok(ok)
}

/// This node and its EC2 door; `None` (already logged) when IMDS cannot say who we are.
async fn located(
    vip: Ipv4Addr,
    settings: &Settings,
) -> Option<(SdkEc2, LocalNode, Option<String>)> {
    session::locate_and_connect(settings, vip)
        .await
        .map_err(|message| emit(&message))
        .ok()
}

/// The local VPC's main route table, looked up only when the VIP routes
/// already seen do not include it (status and doctor, never restore).
pub(crate) async fn main_table<E: Ec2>(ec2: &E, topology: &Topology) -> status::MainTable {
    if !status::needs_main_table(topology) {
        return None;
    }
    let node = &topology.node;
    Some(ec2.main_route_table(&node.region, &node.vpc_id).await)
}
