//! The binary: parse the command line, hand it to one front door, and turn
//! how that door's work ended into the exit status. Nothing imports this.

use std::process::ExitCode;

use tgw_generic_rk::cli::{self, Action, Command, Parsed, generate};
use tgw_generic_rk::doors::{Ending, lifekeeper, operator, pacemaker};

fn main() -> ExitCode {
    let Parsed { cli, ignored } = match cli::parse(std::env::args_os().collect()) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let ending = match &cli.command {
        Command::Action(Action::Restore(r)) if r.dry_run => {
            operator::plan("restore", &r.target, r.json)
        }
        Command::Action(action) => lifekeeper::run(action, &ignored),
        Command::Status(i) => operator::status(&i.target, i.json),
        Command::Plan(i) => operator::plan("plan", &i.target, i.json),
        Command::Doctor(i) => operator::doctor(&i.target, i.json),
        Command::Ocf(o) => pacemaker::run(o.action.as_deref()),
        Command::Generate { artifact } => match generate::write(artifact) {
            Ok(()) => Ending::Success,
            Err(e) => {
                eprintln!("tgw_generic_rk: cannot write {artifact:?}: {e}");
                Ending::Failure
            }
        },
    };
    ExitCode::from(exit_status(ending))
}

/// The one place exit statuses are decided: 0 success, 1 failure (for
/// LifeKeeper: a failover may cure it), 128 + the signal when interrupted,
/// as a shell would report; the OCF door's statuses as the OCF API defines them.
fn exit_status(ending: Ending) -> u8 {
    match ending {
        Ending::Success => 0,
        Ending::Failure => 1,
        Ending::Interrupted(signal) => 128u8.saturating_add(signal),
        Ending::Status(code) => code,
    }
}
