//! The command line, and how LifeKeeper's way of calling us maps onto it.
//!
//! LifeKeeper copies each script into its own tree, named after the resource
//! tag, with the action as the directory: `…/actions/!restore/<TAG>`,
//! `…/recovery/!recover/<TAG>`. Operators call the same binary with a
//! subcommand. Both end up as the same parsed [`Cli`].

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "tgw_generic_rk",
    version,
    about = "Keeps a LifeKeeper virtual IP reachable across VPCs, Transit Gateways and regions on AWS",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Action(Action),
    /// Show the topology and every VIP route with its state (exit 1 unless all OK).
    Status(Inspect),
    /// Show the replacements restore would make, making none.
    Plan(Inspect),
    /// Check that this node can take over: metadata, credentials, IAM, endpoints, routes.
    Doctor(Inspect),
    /// Writes the man page or shell completions (for packaging).
    #[command(hide = true)]
    Generate {
        #[command(subcommand)]
        artifact: Artifact,
    },
}

#[derive(Debug, Subcommand)]
pub enum Artifact {
    /// The man page, as DIR/tgw_generic_rk.1.
    Man { dir: PathBuf },
    /// Completions for SHELL, in DIR.
    Completions {
        shell: clap_complete::Shell,
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    Restore,
    Remove,
    QuickCheck,
    Recover,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Point every VIP route one hop closer to this node (LifeKeeper's restore).
    Restore(Restore),
    /// Nothing to undo: routes stay until the next restore elsewhere.
    Remove(Target),
    /// Check, read-only, that every VIP route points toward this node.
    #[command(name = "quickCheck", alias = "quickcheck")]
    QuickCheck(Target),
    /// Same as restore; LifeKeeper runs it after a failed quickCheck.
    Recover(Target),
}

/// What every action takes: LifeKeeper's `-t TAG -i ID`, or a VIP by hand.
#[derive(Debug, Args, Clone, Default)]
pub struct Target {
    /// Resource tag; the VIP is read from its Application Information field.
    #[arg(short = 't', long = "tag")]
    pub tag: Option<String>,
    /// Resource id (passed by LifeKeeper; not needed otherwise).
    #[arg(short = 'i', long = "id")]
    pub id: Option<String>,
    /// The virtual IP, overriding the resource's info field.
    #[arg(long = "ip", value_name = "VIP")]
    pub ip: Option<String>,
    /// Also print debug detail (ours and the AWS SDK's) to stderr.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
}

/// restore's own flags, for operators testing a switchover by hand.
#[derive(Debug, Args, Clone, Default)]
pub struct Restore {
    #[command(flatten)]
    pub target: Target,
    /// Only print the replacements that would be made (same output as `plan`).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the replacements made, and their outcome, as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What the read-only operator commands take.
#[derive(Debug, Args, Clone, Default)]
pub struct Inspect {
    #[command(flatten)]
    pub target: Target,
    /// Print a JSON document (schema: docs/json-schema.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Restore(_) => ActionKind::Restore,
            Action::Remove(_) => ActionKind::Remove,
            Action::QuickCheck(_) => ActionKind::QuickCheck,
            Action::Recover(_) => ActionKind::Recover,
        }
    }

    pub fn target(&self) -> &Target {
        match self {
            Action::Restore(r) => &r.target,
            Action::Remove(t) | Action::QuickCheck(t) | Action::Recover(t) => t,
        }
    }
}

impl ActionKind {
    /// The name LifeKeeper uses, which is also what our log lines carry.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Restore => "restore",
            ActionKind::Remove => "remove",
            ActionKind::QuickCheck => "quickCheck",
            ActionKind::Recover => "recover",
        }
    }

    fn from_script_name(name: &str) -> Option<ActionKind> {
        [
            ActionKind::Restore,
            ActionKind::Remove,
            ActionKind::QuickCheck,
            ActionKind::Recover,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The action implied by how we were called: argv[0]'s name (`restore`),
/// or its directory (`!restore/<TAG>`).
fn action_from_argv0(argv0: &OsStr) -> Option<ActionKind> {
    let path = Path::new(argv0);
    let base = path.file_name()?.to_str()?;
    if let Some(kind) = ActionKind::from_script_name(base) {
        return Some(kind);
    }
    let dir = path.parent()?.file_name()?.to_str()?;
    ActionKind::from_script_name(dir.strip_prefix('!')?)
}

fn is_subcommand_or_meta(arg: &OsStr) -> bool {
    let Some(arg) = arg.to_str() else {
        return false;
    };
    let known = [
        "restore",
        "remove",
        "quickCheck",
        "quickcheck",
        "recover",
        "status",
        "plan",
        "doctor",
        "generate",
        "help",
    ];
    known.contains(&arg) || ["-h", "--help", "-V", "--version"].contains(&arg)
}

/// Inserts the action implied by argv[0] when no subcommand was given.
pub fn with_implied_action(mut args: Vec<OsString>) -> Vec<OsString> {
    let explicit = args.get(1).is_some_and(|a| is_subcommand_or_meta(a));
    if !explicit && let Some(kind) = args.first().and_then(|a| action_from_argv0(a)) {
        args.insert(1, OsString::from(kind.name()));
    }
    args
}

/// Where the VIP comes from for this run.
pub enum VipSource<'a> {
    Flag(&'a str),
    Tag(&'a str),
}

impl Target {
    pub fn vip_source(&self) -> Option<VipSource<'_>> {
        match (&self.ip, &self.tag) {
            (Some(ip), _) => Some(VipSource::Flag(ip)),
            (None, Some(tag)) => Some(VipSource::Tag(tag)),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn parsed(v: &[&str]) -> Action {
        match Cli::try_parse_from(with_implied_action(args(v)))
            .unwrap()
            .command
        {
            Command::Action(action) => action,
            other => panic!("not an action: {other:?}"),
        }
    }

    #[test]
    fn action_from_subcommand() {
        let action = parsed(&["tgw_generic_rk", "quickCheck", "-t", "vip1", "-i", "id1"]);
        assert_eq!(action.kind(), ActionKind::QuickCheck);
        assert_eq!(action.target().tag.as_deref(), Some("vip1"));
        assert_eq!(action.target().id.as_deref(), Some("id1"));
    }

    #[test]
    fn action_from_argv0_basename() {
        let cli = parsed(&["/opt/x/recover", "-t", "vip1", "-i", "id1"]);
        assert_eq!(cli.kind(), ActionKind::Recover);
    }

    #[test]
    fn action_from_lifekeeper_directory() {
        let lk = "/opt/LifeKeeper/subsys/gen/resources/app/actions/!quickCheck/vip-tag";
        assert_eq!(
            parsed(&[lk, "-t", "vip-tag", "-i", "1"]).kind(),
            ActionKind::QuickCheck
        );
        let rec = "/opt/LifeKeeper/subsys/gen/resources/app/recovery/!recover/restore";
        // The directory decides only when the name itself is no action; here the name wins.
        assert_eq!(parsed(&[rec, "-t", "x"]).kind(), ActionKind::Restore);
    }

    #[test]
    fn an_explicit_subcommand_beats_argv0() {
        let cli = parsed(&["/a/!restore/tag", "remove", "-t", "tag"]);
        assert_eq!(cli.kind(), ActionKind::Remove);
    }

    #[test]
    fn operator_commands_parse_even_from_a_lifekeeper_copy() {
        let cli = Cli::try_parse_from(with_implied_action(args(&[
            "/a/!restore/tag",
            "status",
            "--ip",
            "10.0.0.100",
            "--json",
        ])))
        .unwrap();
        let Command::Status(inspect) = cli.command else {
            panic!("not status: {:?}", cli.command);
        };
        assert!(inspect.json);
        assert_eq!(inspect.target.ip.as_deref(), Some("10.0.0.100"));
    }

    #[test]
    fn restore_takes_dry_run_and_json_but_lifekeeper_never_passes_them() {
        let Action::Restore(r) = parsed(&["x", "restore", "--dry-run", "--json", "-t", "t"]) else {
            panic!("not restore");
        };
        assert!(r.dry_run && r.json);
        let Action::Restore(r) = parsed(&["/lk/!restore/t", "-t", "t", "-i", "1"]) else {
            panic!("not restore");
        };
        assert!(!r.dry_run && !r.json);
    }

    #[test]
    fn no_action_at_all_is_a_usage_error() {
        let err = Cli::try_parse_from(with_implied_action(args(&[
            "/usr/bin/tgw_generic_rk",
            "-t",
            "x",
        ])))
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(with_implied_action(args(&["/x/!bogus/tag", "-t", "x"])))
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
