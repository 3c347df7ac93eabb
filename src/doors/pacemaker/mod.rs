//! Pacemaker's door: the OCF resource-agent actions (`tgw_generic_rk ocf
//! ACTION`, installed as `ocf:tgw_generic_rk:tgw-vip`).
//!
//! What is Pacemaker's here: parameters from `OCF_RESKEY_*` ([`params`]), a
//! "started here" record instead of LifeKeeper's resource state
//! ([`record`]), the OCF exit statuses and the `ocf-exit-reason:` line, the
//! operation timeout Pacemaker imposes. The semantics are LifeKeeper's:
//! start is restore, monitor is quickCheck (1 only for a route seen wrong,
//! never for an API that is unwell), stop touches nothing in AWS.

mod metadata;
mod params;
mod record;

use std::collections::HashMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::doors::Ending;
use crate::engine::deadline;
use crate::engine::executor::Progress;
use crate::engine::planner::{Finding, Plan};
use crate::log::catalog::Message;
use crate::log::lines::{self, Tally};
use crate::log::{self, emit};
use crate::session::{self, RunBound};

use params::Params;

/// The exit statuses of the OCF resource-agent API that this agent uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OcfStatus {
    Success,
    /// OCF_ERR_GENERIC: soft, Pacemaker recovers (stop, then start).
    Generic,
    /// OCF_ERR_ARGS: called without an action.
    Args,
    /// OCF_ERR_UNIMPLEMENTED: an action this agent does not have.
    Unimplemented,
    /// OCF_ERR_CONFIGURED: fatal, Pacemaker stops the resource everywhere.
    NotConfigured,
    /// OCF_NOT_RUNNING: not started on this node.
    NotRunning,
    /// OCF_DEGRADED: running, but not everything could be checked.
    Degraded,
}

impl OcfStatus {
    pub fn code(self) -> u8 {
        match self {
            OcfStatus::Success => 0,
            OcfStatus::Generic => 1,
            OcfStatus::Args => 2,
            OcfStatus::Unimplemented => 3,
            OcfStatus::NotConfigured => 6,
            OcfStatus::NotRunning => 7,
            OcfStatus::Degraded => 190,
        }
    }
}

/// How an action ended, and the one line Pacemaker shows for it.
struct Outcome {
    status: OcfStatus,
    reason: Option<String>,
}

impl Outcome {
    fn of(status: OcfStatus) -> Outcome {
        Outcome {
            status,
            reason: None,
        }
    }

    fn because(status: OcfStatus, reason: impl Into<String>) -> Outcome {
        Outcome {
            status,
            reason: Some(reason.into()),
        }
    }
}

/// Time kept back from Pacemaker's operation timeout: process start-up,
/// the summary line, and a loaded machine.
pub const TIMEOUT_MARGIN: Duration = Duration::from_secs(2);

/// One OCF action, from its name to its exit status.
pub fn run(action: Option<&str>) -> Ending {
    // Variables that are not UTF-8 are none of ours.
    let env: HashMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let outcome = act(action, &env);
    if let Some(reason) = &outcome.reason {
        // Pacemaker shows this line in crm_mon / pcs status; one line only.
        // A closed stderr must not turn the answer into a panic.
        let line = format!("ocf-exit-reason:{}\n", reason.replace('\n', " "));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    Ending::Status(outcome.status.code())
}

fn act(action: Option<&str>, env: &HashMap<String, String>) -> Outcome {
    let Some(action) = action else {
        return Outcome::because(OcfStatus::Args, "no action given");
    };
    match action {
        "meta-data" => {
            // No reader (a closed pipe) is no failure of the agent's.
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(metadata::document().as_bytes());
            let _ = out.flush();
            Outcome::of(OcfStatus::Success)
        }
        "validate-all" => validate(env),
        "stop" => stop(env),
        "start" | "monitor" => with_params(action, env),
        other => Outcome::because(
            OcfStatus::Unimplemented,
            format!("action {other:?} is not implemented"),
        ),
    }
}

/// Parameters only: no AWS or metadata call.
fn validate(env: &HashMap<String, String>) -> Outcome {
    match params::read(env).and_then(|_| record::path(env)) {
        Ok(_) => Outcome::of(OcfStatus::Success),
        Err(reason) => Outcome::because(OcfStatus::NotConfigured, reason),
    }
}

/// Removes the record and nothing else: a failed or slow stop gets a node
/// fenced, and routes left pointing here harm nobody until the next start
/// elsewhere moves them.
fn stop(env: &HashMap<String, String>) -> Outcome {
    // No instance name, no record that could say "running": stopped.
    let Ok(path) = record::path(env) else {
        return Outcome::of(OcfStatus::Success);
    };
    start_log("stop", env, None);
    if let Err(e) = record::remove(&path) {
        emit(&Message::Summary {
            text: format!(
                "stop could not remove {}: {e}; it succeeds anyway",
                path.display()
            ),
        });
        return Outcome::of(OcfStatus::Success);
    }
    emit(&Message::Summary {
        text: "stop succeeded: routes are left for the next start".into(),
    });
    Outcome::of(OcfStatus::Success)
}

fn with_params(action: &str, env: &HashMap<String, String>) -> Outcome {
    let (params, path) = match params::read(env).and_then(|p| Ok((p, record::path(env)?))) {
        Ok(found) => found,
        Err(reason) => return Outcome::because(OcfStatus::NotConfigured, reason),
    };
    start_log(action, env, Some(&params.settings.syslog_facility.value));
    params.settings.warnings.iter().for_each(emit);
    if action == "monitor" && !record::exists(&path) {
        return Outcome::of(OcfStatus::NotRunning);
    }
    let started = Instant::now();
    let work = switchover(action, &params, &path, started);
    match session::block_on(work) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::because(
            OcfStatus::Generic,
            format!("cannot start the async runtime: {e}"),
        ),
    }
}

fn start_log(action: &str, env: &HashMap<String, String>, facility: Option<&str>) {
    let instance = env.get("OCF_RESOURCE_INSTANCE").map_or("-", String::as_str);
    log::init(action, instance, false, facility);
}

/// The run's time bound: ours, shrunk to end [`TIMEOUT_MARGIN`] before
/// Pacemaker's timeout for this operation when it gives one.
pub fn bound_of(params: &Params) -> RunBound {
    let ours = RunBound::of(&params.settings);
    match params.timeout {
        Some(timeout) => {
            let cap = timeout.saturating_sub(TIMEOUT_MARGIN).max(timeout / 2);
            ours.capped(cap)
        }
        None => ours,
    }
}

/// Locates this node, observes and plans, then checks (monitor) or
/// converges (start), within [`bound_of`]; a summary closes every run.
async fn switchover(action: &str, params: &Params, path: &Path, started: Instant) -> Outcome {
    let vip = params.vip;
    let bound = bound_of(params);
    let deadline = deadline::after(bound.total());
    let node = match session::locate_within(bound.imds, &params.settings, vip).await {
        Ok((node, _)) => node,
        Err(message) => {
            emit(&message);
            return match action {
                "monitor" => {
                    unobservable(params, "this node's instance metadata could not be read")
                }
                _ => Outcome::because(OcfStatus::Generic, format!("{}: {message}", message.code())),
            };
        }
    };
    emit(&Message::Starting {
        text: format!(
            "{action} of {vip} as {} in {} ({})",
            node.eni_id, node.vpc_id, node.region
        ),
    });
    let (ec2, _) = session::connect(&params.settings, &node, vip).await;
    let (_, plan) = session::observe_until(&ec2, node, vip, deadline, bound.remote).await;
    lines::findings(&plan).iter().for_each(emit);
    let mut tally = Tally::of_plan(&plan);
    let outcome = if action == "monitor" {
        monitor(params, &plan)
    } else {
        start(&ec2, &plan, deadline, &mut tally, path, vip).await
    };
    tally.calls = ec2.calls();
    let ok = matches!(outcome.status, OcfStatus::Success | OcfStatus::Degraded);
    emit(&tally.summary(action, vip, started.elapsed(), ok));
    outcome
}

/// start = restore, then the record; a restore that failed leaves none.
async fn start(
    ec2: &crate::aws::ec2::sdk::SdkEc2,
    plan: &Plan,
    deadline: tokio::time::Instant,
    tally: &mut Tally,
    path: &Path,
    vip: Ipv4Addr,
) -> Outcome {
    let results = session::apply(ec2, plan, deadline, &Progress::default()).await;
    tally.add_applied(&results);
    let failed = results.iter().filter(|(_, o)| o.is_failed()).count();
    if failed > 0 {
        return Outcome::because(
            OcfStatus::Generic,
            format!("{failed} VIP route write(s) failed (see the 127xxx lines)"),
        );
    }
    if let Some(finding) = plan.findings.iter().find(|f| f.fails_restore()) {
        let message = lines::finding(finding, plan.vip);
        return Outcome::because(OcfStatus::Generic, format!("{}: {message}", message.code()));
    }
    match record::write(path, vip) {
        Ok(()) => Outcome::of(OcfStatus::Success),
        Err(e) => Outcome::because(
            OcfStatus::Generic,
            format!(
                "routes converged but {} could not be written: {e}",
                path.display()
            ),
        ),
    }
}

/// quickCheck's rule: 1 only for a route seen pointing elsewhere.
fn monitor(params: &Params, plan: &Plan) -> Outcome {
    let mismatches = lines::mismatches(plan);
    mismatches.iter().for_each(emit);
    if let Some(first) = mismatches.first() {
        return Outcome::because(
            OcfStatus::Generic,
            format!(
                "{} VIP route(s) point away from this node; first: {}: {first}",
                mismatches.len(),
                first.code()
            ),
        );
    }
    match plan.findings.iter().find(|f| hides_routes(f)) {
        Some(finding) => {
            let message = lines::finding(finding, plan.vip);
            unobservable(params, &format!("{}: {message}", message.code()))
        }
        None => Outcome::of(OcfStatus::Success),
    }
}

/// A finding that leaves some VIP routes unseen: AWS did not answer (or
/// refused to) where they are.
fn hides_routes(finding: &Finding) -> bool {
    matches!(
        finding,
        Finding::LookupFailed { .. }
            | Finding::PeeringsUnknown { .. }
            | Finding::RegionUnreachable { .. }
            | Finding::RegionFailed { .. }
            | Finding::TgwTableSkipped { .. }
    )
}

/// Not everything could be observed, and nothing was seen wrong: success
/// (the warnings are logged), or OCF_DEGRADED when the user opted in.
fn unobservable(params: &Params, why: &str) -> Outcome {
    if params.degraded_when_unobservable {
        return Outcome::because(
            OcfStatus::Degraded,
            format!("AWS could not be fully observed: {why}"),
        );
    }
    Outcome::of(OcfStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::map as env;

    #[test]
    fn actions_it_does_not_have_are_unimplemented_and_none_is_an_argument_error() {
        assert_eq!(act(Some("promote"), &env(&[])).status.code(), 3);
        assert_eq!(act(Some("reload"), &env(&[])).status.code(), 3);
        assert_eq!(act(None, &env(&[])).status.code(), 2);
    }

    #[test]
    fn validate_all_needs_ip_and_an_instance_name() {
        let good = [
            ("OCF_RESKEY_ip", "10.0.0.100"),
            ("OCF_RESOURCE_INSTANCE", "r"),
        ];
        assert_eq!(validate(&env(&good)).status, OcfStatus::Success);
        let outcome = validate(&env(&good[1..]));
        assert_eq!(outcome.status.code(), 6);
        assert!(outcome.reason.unwrap().contains("ip"));
        let outcome = validate(&env(&[
            ("OCF_RESKEY_ip", "10.0.0.1/32"),
            ("OCF_RESOURCE_INSTANCE", "r"),
        ]));
        assert_eq!(outcome.status.code(), 6);
        assert_eq!(validate(&env(&good[..1])).status.code(), 6);
    }

    #[test]
    fn the_bound_ends_before_pacemakers_timeout() {
        let mut p = params::read(&env(&[("OCF_RESKEY_ip", "10.0.0.100")])).unwrap();
        let ours = RunBound::of(&p.settings);
        assert_eq!(bound_of(&p), ours);
        p.timeout = Some(Duration::from_secs(20));
        assert!(bound_of(&p).total() <= Duration::from_secs(18));
        p.timeout = Some(Duration::from_secs(1));
        assert!(bound_of(&p).total() <= Duration::from_millis(500));
        p.timeout = Some(Duration::from_secs(600));
        assert_eq!(bound_of(&p), ours);
    }
}
