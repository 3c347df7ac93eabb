//! LifeKeeper's door: the restore, remove, quickCheck and recover scripts.
//!
//! What is LifeKeeper's here: the log it reads (its action and tag on every
//! line, syslog), the arguments it passes that this version ignores, and the
//! exit-status rules. quickCheck differs from restore in one way: it never
//! writes, and it fails only for a route it SAW pointing the wrong way;
//! restore and recover write and fail for a write that failed or a finding
//! that forbids success. Anything unobservable is a warning, never a failover.

use std::net::Ipv4Addr;
use std::time::Instant;

use crate::aws::ec2::sdk::SdkEc2;
use crate::cli::{self, Action, ActionKind};
use crate::doors::Ending;
use crate::engine::deadline;
use crate::engine::executor::Progress;
use crate::engine::planner::Plan;
use crate::engine::topology::LocalNode;
use crate::log::catalog::Message;
use crate::log::lines::{self, Tally};
use crate::log::{self, emit};
use crate::report::{self, json, plan};
use crate::session::{self, RunBound};
use crate::settings::Settings;

/// One run of one action, from its arguments to how it ended.
pub fn run(action: &Action, ignored_arguments: &[String]) -> Ending {
    let started = Instant::now();
    let kind = action.kind();
    let target = action.target();
    let settings = Settings::load();
    let tag = target.tag.as_deref().unwrap_or("-");
    log::init(
        kind.name(),
        tag,
        target.verbose,
        Some(&settings.syslog_facility.value),
    );
    if !ignored_arguments.is_empty() {
        emit(&Message::IgnoredArguments {
            args: cli::shown_arguments(ignored_arguments),
        });
    }
    settings.warnings.iter().for_each(emit);
    if kind == ActionKind::Remove {
        // Routes stay as they are until another node restores: removing
        // them would cut clients off for no gain.
        emit(&Message::Summary {
            text: "remove succeeded: routes are left for the next restore".into(),
        });
        return Ending::Success;
    }
    let vip = match session::vip_of(target.vip_source()) {
        Ok(vip) => vip,
        Err(message) => {
            emit(&message);
            return without_vip(kind);
        }
    };
    let json = matches!(action, Action::Restore(r) if r.json);
    let progress = Progress::default();
    let work = switchover(kind, vip, &settings, started, json, &progress);
    match session::block_on(interruptible(work, &progress)) {
        Ok(ending) => ending,
        Err(e) => {
            eprintln!("tgw_generic_rk: cannot start the async runtime: {e}");
            Ending::Failure
        }
    }
}

/// Runs `work` unless SIGTERM (LifeKeeper's timeout kill) or SIGINT (an
/// operator's Ctrl-C) comes first; then says in one line (127114) what had
/// been done and ends as interrupted by that signal.
async fn interruptible(work: impl Future<Output = Ending>, progress: &Progress) -> Ending {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return work.await;
    };
    let (name, number) = tokio::select! {
        ending = work => return ending,
        _ = term.recv() => ("SIGTERM", 15),
        _ = int.recv() => ("SIGINT", 2),
    };
    emit(&lines::interrupted(name, progress));
    Ending::Interrupted(number)
}

/// How a run ends when the VIP could not be read: restore and recover
/// cannot do their work, but quickCheck saw no route pointing the wrong way,
/// and a LifeKeeper tool's hiccup must never start a failover.
fn without_vip(kind: ActionKind) -> Ending {
    if kind != ActionKind::QuickCheck {
        return Ending::Failure;
    }
    emit(&Message::Summary {
        text: "quickCheck could not check: the VIP is unknown (see above); no route was seen wrong, so it succeeds".into(),
    });
    Ending::Success
}

/// Locates this node, observes and plans, then checks (quickCheck) or
/// converges (restore, recover), all within the run's documented bound
/// ([`RunBound`]); the summary line closes every run that got that far.
async fn switchover(
    kind: ActionKind,
    vip: Ipv4Addr,
    settings: &Settings,
    started: Instant,
    json: bool,
    progress: &Progress,
) -> Ending {
    let bound = RunBound::of(settings);
    let deadline = deadline::after(bound.total());
    let (node, interface) = match session::locate_within(bound.imds, settings, vip).await {
        Ok(found) => found,
        Err(message) => {
            emit(&message);
            // Not knowing who we are is no evidence the routes are wrong.
            return Ending::from_ok(kind == ActionKind::QuickCheck);
        }
    };
    say_starting(kind, vip, &node);
    let (ec2, _) = session::connect(settings, &node, vip).await;
    let node_view = json.then(|| json::NodeView::new(&node, interface));
    let (_, plan) = session::observe_until(&ec2, node, vip, deadline, bound.remote).await;
    lines::findings(&plan).iter().for_each(emit);

    let mut tally = Tally::of_plan(&plan);
    let ok = match kind {
        ActionKind::QuickCheck => quick_check(&plan),
        _ => converge(&ec2, &plan, deadline, progress, &mut tally, node_view).await,
    };
    tally.calls = ec2.calls();
    emit(&tally.summary(kind.name(), vip, started.elapsed(), ok));
    Ending::from_ok(ok)
}

/// 127105: who this run acts for.
fn say_starting(kind: ActionKind, vip: Ipv4Addr, node: &LocalNode) {
    emit(&Message::Starting {
        text: format!(
            "{} of {vip} as {} in {} ({})",
            kind.name(),
            node.eni_id,
            node.vpc_id,
            node.region
        ),
    });
}

/// restore's and recover's work: every replacement, logged (and, for
/// `restore --json`, printed with the plan); ok unless a write failed or a
/// finding forbids success.
async fn converge(
    ec2: &SdkEc2,
    plan: &Plan,
    deadline: tokio::time::Instant,
    progress: &Progress,
    tally: &mut Tally,
    json_node: Option<json::NodeView>,
) -> bool {
    let results = session::apply(ec2, plan, deadline, progress).await;
    tally.add_applied(&results);
    let write_failed = results.iter().any(|(_, outcome)| outcome.is_failed());
    let ok = !write_failed && !plan.fails_restore();
    if let Some(node) = json_node {
        let done = plan::restore_report(plan::report(node, plan), &results, ok);
        report::print(&json::to_text(&done));
    }
    ok
}

/// Healthy unless a route was seen pointing the wrong way: an API that is
/// unwell must never trigger a failover.
fn quick_check(plan: &Plan) -> bool {
    let mismatches = lines::mismatches(plan);
    mismatches.iter().for_each(emit);
    mismatches.is_empty()
}
