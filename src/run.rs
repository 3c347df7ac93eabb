//! The imperative shell: one run of one action, from arguments to exit status.

use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use crate::catalog::Message;
use crate::ec2::sdk_config;
use crate::imds::Imds;
use crate::invocation::{Action, ActionKind, Cli, Command, Target, VipSource, with_implied_action};
use crate::logging::{self, emit};
use crate::planner::{self, Plan};
use crate::report::{self, Tally};
use crate::settings::Settings;
use crate::{discovery, executor, generate, interfaces, lifekeeper};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let args = with_implied_action(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let code = match &cli.command {
        Command::Action(action) => run(action),
        Command::Generate { artifact } => generate::write(artifact),
    };
    ExitCode::from(code)
}

fn run(action: &Action) -> u8 {
    let started = Instant::now();
    let kind = action.kind();
    let target = action.target();
    let settings = Settings::load();
    let tag = target.tag.as_deref().unwrap_or("-");
    logging::init(
        kind.name(),
        tag,
        target.verbose,
        &settings.syslog_facility.value,
    );
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
            return EXIT_FAILED;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(switchover(kind, vip, &settings, started)),
        Err(e) => {
            eprintln!("tgw_generic_rk: cannot start the async runtime: {e}");
            EXIT_FAILED
        }
    }
}

fn vip_of(target: &Target) -> Result<Ipv4Addr, Message> {
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

/// Observes, plans and (for restore and recover) applies.
async fn switchover(kind: ActionKind, vip: Ipv4Addr, settings: &Settings, started: Instant) -> u8 {
    let imds = Imds::from_env(settings.imds_timeout.value);
    let node = match imds.local_node(vip, &interfaces::list()).await {
        Ok(node) => node,
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
    let (ec2, proxy_problem) = sdk_config::connect(settings, &node.region).await;
    if let Some(why) = proxy_problem {
        emit(&Message::DefaultsFileLine {
            path: settings.path.display().to_string(),
            reason: format!("proxy setting unusable ({why}); connecting directly"),
        });
    }
    let deadline = settings.remote_deadline();
    let local_region = node.region.clone();
    let topology = discovery::discover(&ec2, node, vip, deadline).await;
    let plan = planner::plan(&topology);
    plan.findings.iter().for_each(|f| emit(&f.message));

    let mut tally = Tally::of_plan(&plan);
    let ok = match kind {
        ActionKind::QuickCheck => quick_check(&plan, vip),
        _ => {
            let results = executor::apply(&ec2, &plan, vip, &local_region, deadline).await;
            let (messages, failed) = report::applied(&results, vip, &local_region);
            messages.iter().for_each(emit);
            tally.add_applied(&results, &local_region);
            !failed && !plan.findings.iter().any(|f| f.fails_restore)
        }
    };
    tally.calls = ec2.calls();
    emit(&tally.summary(kind.name(), vip, started.elapsed(), ok));
    if ok { EXIT_OK } else { EXIT_FAILED }
}

/// Healthy unless a route was seen pointing the wrong way: an API that is
/// unwell must never trigger a failover.
fn quick_check(plan: &Plan, vip: Ipv4Addr) -> bool {
    let mismatches = report::mismatches(plan, vip);
    mismatches.iter().for_each(emit);
    mismatches.is_empty()
}
