//! What operators run by hand: `status`, `plan` (also `restore --dry-run`)
//! and `doctor`. Each reuses the engine's discovery and planner, then builds
//! one report value that is printed as text or, with `--json`, as a
//! versioned document (docs/json-schema.md). None of them writes a route
//! or logs to syslog.

pub mod doctor;
pub mod json;
pub mod plan;
pub mod render;
pub mod status;

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::aws::ec2::sdk::SdkEc2;
use crate::aws::imds::Imds;
use crate::cli::Target;
use crate::doors::lifekeeper::{EXIT_FAILED, EXIT_OK, block_on, connect, locate, observe, vip_of};
use crate::engine::ec2::Ec2;
use crate::engine::topology::{LocalNode, Topology};
use crate::log::{self, emit};
use crate::settings::Settings;
use json::NodeView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    Status,
    Plan,
    Doctor,
}

/// Runs one operator command; `name` is what the log lines carry.
pub fn run(report: Report, name: &str, target: &Target, json: bool) -> u8 {
    let settings = Settings::load();
    let tag = target.tag.as_deref().unwrap_or("-");
    log::init(name, tag, target.verbose, None);
    if report == Report::Doctor {
        // doctor reports unusable lines itself, as a check.
        return block_on(doctor::gather::run(target, &settings, json));
    }
    settings.warnings.iter().for_each(emit);
    let vip = match vip_of(target) {
        Ok(vip) => vip,
        Err(message) => {
            emit(&message);
            return EXIT_FAILED;
        }
    };
    block_on(async {
        match report {
            Report::Status => status(vip, &settings, json).await,
            _ => plan(vip, &settings, json).await,
        }
    })
}

/// Prints `document` as JSON or through `human`; exit 0 only when `ok`.
pub(crate) fn output<T: Serialize>(
    json: bool,
    document: &T,
    human: fn(&T) -> String,
    ok: bool,
) -> u8 {
    let text = if json {
        json::to_text(document)
    } else {
        human(document)
    };
    render::print(&text);
    if ok { EXIT_OK } else { EXIT_FAILED }
}

/// This node and its EC2 door; `None` (already logged) when IMDS cannot say who we are.
async fn located(
    vip: Ipv4Addr,
    settings: &Settings,
) -> Option<(SdkEc2, LocalNode, Option<String>)> {
    let imds = Imds::from_env(settings.imds_timeout.value);
    match locate(&imds, vip).await {
        Ok((node, interface)) => {
            let (ec2, _) = connect(settings, &node.region).await;
            Some((ec2, node, interface))
        }
        Err(message) => {
            emit(&message);
            None
        }
    }
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

async fn status(vip: Ipv4Addr, settings: &Settings, json: bool) -> u8 {
    let Some((ec2, node, interface)) = located(vip, settings).await else {
        return EXIT_FAILED;
    };
    let (topology, plan) = observe(&ec2, node, vip, settings).await;
    let main = main_table(&ec2, &topology).await;
    let report = status::report(&topology, &plan, interface, main);
    output(json, &report, render::status, report.ok)
}

async fn plan(vip: Ipv4Addr, settings: &Settings, json: bool) -> u8 {
    let Some((ec2, node, interface)) = located(vip, settings).await else {
        return EXIT_FAILED;
    };
    let view = NodeView::new(&node, interface);
    let (_, plan) = observe(&ec2, node, vip, settings).await;
    let report = plan::report(vip.to_string(), view, &plan);
    output(json, &report, render::plan, report.ok)
}
