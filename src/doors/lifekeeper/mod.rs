//! The imperative shell: one run of one action, from arguments to exit status.

pub mod info;

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Instant;

use crate::aws::ec2::sdk::SdkEc2;
use crate::aws::ec2::sdk_config;
use crate::aws::imds::Imds;
use crate::aws::interfaces;
use crate::cli::generate;
use crate::cli::{self, Action, ActionKind, Command, Parsed, Target, VipSource};
use crate::doors::lifekeeper::info as lifekeeper;
use crate::doors::operator::json::NodeView;
use crate::doors::operator::{self, Report};
use crate::engine::deadline::RunBound;
use crate::engine::executor::{Applied, Progress};
use crate::engine::planner::{self, Plan, RouteCheck};
use crate::engine::topology::{LocalNode, Topology};
use crate::engine::{discovery, executor};
use crate::log::catalog::Message;
use crate::log::lines::{self, Tally};
use crate::log::redact;
use crate::log::{self, emit};
use crate::settings::Settings;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let Parsed { cli, ignored } = match cli::parse(std::env::args_os().collect()) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let code = match &cli.command {
        Command::Action(Action::Restore(r)) if r.dry_run => {
            operator::run(Report::Plan, "restore", &r.target, r.json)
        }
        Command::Action(action) => run(action, &ignored),
        Command::Status(i) => operator::run(Report::Status, "status", &i.target, i.json),
        Command::Plan(i) => operator::run(Report::Plan, "plan", &i.target, i.json),
        Command::Doctor(i) => operator::run(Report::Doctor, "doctor", &i.target, i.json),
        Command::Generate { artifact } => generate::write(artifact),
    };
    ExitCode::from(code)
}

fn run(action: &Action, ignored_arguments: &[String]) -> u8 {
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
        return EXIT_OK;
    }
    let vip = match vip_of(target) {
        Ok(vip) => vip,
        Err(message) => {
            emit(&message);
            return without_vip(kind);
        }
    };
    let json = wants_json(action);
    let progress = Progress::default();
    let work = switchover(kind, vip, &settings, started, json, &progress);
    block_on(interruptible(work, &progress))
}

/// Runs `work` unless SIGTERM (LifeKeeper's timeout kill) or SIGINT (an
/// operator's Ctrl-C) comes first; then says in one line (127114) what had
/// been done and exits 128 + the signal's number, as a shell would.
async fn interruptible(work: impl Future<Output = u8>, progress: &Progress) -> u8 {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return work.await;
    };
    let (name, number) = tokio::select! {
        code = work => return code,
        _ = term.recv() => ("SIGTERM", 15),
        _ = int.recv() => ("SIGINT", 2),
    };
    emit(&Message::Interrupted {
        signal: name.to_string(),
        done: progress.describe(),
    });
    128 + number
}

/// The exit status when the VIP could not be read: restore and recover
/// cannot do their work, but quickCheck saw no route pointing the wrong way,
/// and a LifeKeeper tool's hiccup must never start a failover.
fn without_vip(kind: ActionKind) -> u8 {
    if kind != ActionKind::QuickCheck {
        return EXIT_FAILED;
    }
    emit(&Message::Summary {
        text: "quickCheck could not check: the VIP is unknown (see above); no route was seen wrong, so it succeeds".into(),
    });
    EXIT_OK
}

/// Whether restore was asked for a JSON report on stdout.
fn wants_json(action: &Action) -> bool {
    matches!(action, Action::Restore(r) if r.json)
}

/// A single-threaded runtime: every wait here is on the network.
pub(crate) fn block_on<F: Future<Output = u8>>(work: F) -> u8 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(work),
        Err(e) => {
            eprintln!("tgw_generic_rk: cannot start the async runtime: {e}");
            EXIT_FAILED
        }
    }
}

pub(crate) fn vip_of(target: &Target) -> Result<Ipv4Addr, Message> {
    match target.vip_source() {
        Some(VipSource::Flag(ip)) => lifekeeper::parse_vip(ip),
        Some(VipSource::Tag(tag)) => match lifekeeper::info_field(tag) {
            Ok(info) => lifekeeper::parse_vip(&info),
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
pub(crate) async fn locate(
    imds: &Imds,
    vip: Ipv4Addr,
) -> Result<(LocalNode, Option<String>), Message> {
    let interfaces = interfaces::list();
    let node = imds.local_node(vip, &interfaces).await?;
    let name = interfaces::holding(&interfaces, vip).map(|i| i.name.clone());
    Ok((node, name))
}

/// The EC2 door for `region`, saying (127104) when the proxy setting had to be ignored.
pub(crate) async fn connect(settings: &Settings, region: &str) -> (SdkEc2, Option<String>) {
    let (ec2, proxy_problem) = sdk_config::connect(settings, region).await;
    if let Some(why) = &proxy_problem {
        emit(&Message::DefaultsFileLine {
            path: settings.path.display().to_string(),
            reason: format!(
                "proxy setting unusable ({}); connecting directly",
                redact::userinfo(why)
            ),
        });
    }
    (ec2, proxy_problem)
}

/// Discovery and planning: the part every command shares, under the EC2
/// part of the run's time bound.
pub(crate) async fn observe(
    ec2: &SdkEc2,
    node: LocalNode,
    vip: Ipv4Addr,
    settings: &Settings,
) -> (Topology, Plan) {
    let bound = RunBound::of(settings);
    observe_until(
        ec2,
        node,
        vip,
        crate::engine::deadline::after(bound.ec2),
        bound,
    )
    .await
}

async fn observe_until(
    ec2: &SdkEc2,
    node: LocalNode,
    vip: Ipv4Addr,
    deadline: tokio::time::Instant,
    bound: RunBound,
) -> (Topology, Plan) {
    let topology = discovery::discover(ec2, node, vip, deadline, bound.remote).await;
    let plan = planner::plan(&topology);
    (topology, plan)
}

/// Observes, plans and (for restore and recover) applies, all within the
/// run's documented bound ([`RunBound`]).
async fn switchover(
    kind: ActionKind,
    vip: Ipv4Addr,
    settings: &Settings,
    started: Instant,
    json: bool,
    progress: &Progress,
) -> u8 {
    let bound = RunBound::of(settings);
    let deadline = crate::engine::deadline::after(bound.total());
    let imds = Imds::from_env(settings.imds_timeout.value);
    // Metadata retries are bounded item by item; this caps the pathological
    // mixes (a token that keeps expiring) at the documented bound.
    let located = tokio::time::timeout(bound.imds, locate(&imds, vip)).await;
    let (node, interface) = match located.unwrap_or(Err(Message::NoRegion)) {
        Ok(found) => found,
        Err(message) => {
            emit(&message);
            // Not knowing who we are is no evidence the routes are wrong.
            return if kind == ActionKind::QuickCheck {
                EXIT_OK
            } else {
                EXIT_FAILED
            };
        }
    };
    emit(&Message::Starting {
        text: format!(
            "{} of {vip} as {} in {} ({})",
            kind.name(),
            node.eni_id,
            node.vpc_id,
            node.region
        ),
    });
    let (ec2, _) = connect(settings, &node.region).await;
    let local_region = node.region.clone();
    let node_view = NodeView::new(&node, interface);
    let (_, plan) = observe_until(&ec2, node, vip, deadline, bound).await;
    plan.findings.iter().for_each(|f| emit(&f.message));

    let mut tally = Tally::of_plan(&plan);
    let ok = match kind {
        ActionKind::QuickCheck => quick_check(&plan, vip),
        _ => {
            let applied = apply(&ec2, &plan, vip, &local_region, deadline, progress).await;
            tally.add_applied(&applied.results, &local_region);
            if json {
                let planned = operator::plan::report(vip.to_string(), node_view, &plan);
                let done = operator::plan::restore_report(
                    planned,
                    &applied.results,
                    &local_region,
                    applied.ok,
                );
                operator::render::print(&operator::json::to_text(&done));
            }
            applied.ok
        }
    };
    tally.calls = ec2.calls();
    emit(&tally.summary(kind.name(), vip, started.elapsed(), ok));
    if ok { EXIT_OK } else { EXIT_FAILED }
}

struct Done<'p> {
    results: Vec<(&'p RouteCheck, Applied)>,
    ok: bool,
}

/// Restore's and recover's work: every replacement, logged; ok unless one
/// failed or a finding forbids success.
async fn apply<'p>(
    ec2: &SdkEc2,
    plan: &'p Plan,
    vip: Ipv4Addr,
    local_region: &str,
    deadline: tokio::time::Instant,
    progress: &Progress,
) -> Done<'p> {
    let results = executor::apply(ec2, plan, vip, local_region, deadline, progress).await;
    let (messages, failed) = lines::applied(&results, vip, local_region);
    messages.iter().for_each(emit);
    let ok = !failed && !plan.findings.iter().any(|f| f.fails_restore);
    Done { results, ok }
}

/// Healthy unless a route was seen pointing the wrong way: an API that is
/// unwell must never trigger a failover.
fn quick_check(plan: &Plan, vip: Ipv4Addr) -> bool {
    let mismatches = lines::mismatches(plan, vip);
    mismatches.iter().for_each(emit);
    mismatches.is_empty()
}
