//! The command line, and how LifeKeeper's way of calling us maps onto it.
//!
//! LifeKeeper copies each script into its own tree, named after the resource
//! tag, with the action as the directory: `…/actions/!restore/<TAG>`,
//! `…/recovery/!recover/<TAG>`. Operators call the same binary with a
//! subcommand. Both end up as the same parsed [`Cli`].

pub mod generate;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand};

use crate::session::VipSource;

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
    /// Run one OCF resource-agent action for Pacemaker (parameters from OCF_RESKEY_*).
    Ocf(Ocf),
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

/// Pacemaker's call: the action only; everything else comes from the environment.
#[derive(Debug, Args, Clone, Default)]
pub struct Ocf {
    /// start, stop, monitor, meta-data or validate-all (anything else exits 3).
    pub action: Option<String>,
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

/// The action implied by how we were called: argv[0]'s directory
/// (`!restore/<TAG>`), else its name (`restore`). The directory wins: it is
/// how LifeKeeper names its copies, and the name is then only the resource
/// tag, which may itself be `remove` or `restore`.
fn action_from_argv0(argv0: &OsStr) -> Option<ActionKind> {
    let path = Path::new(argv0);
    let from_dir = path
        .parent()
        .and_then(Path::file_name)
        .and_then(OsStr::to_str)
        .and_then(|dir| dir.strip_prefix('!'))
        .and_then(ActionKind::from_script_name);
    from_dir.or_else(|| {
        let base = path.file_name()?.to_str()?;
        ActionKind::from_script_name(base)
    })
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
        "ocf",
        "generate",
        "help",
    ];
    known.contains(&arg) || ["-h", "--help", "-V", "--version"].contains(&arg)
}

/// The action LifeKeeper's way of calling implies, when no subcommand was given.
fn implied_action(args: &[OsString]) -> Option<ActionKind> {
    let explicit = args.get(1).is_some_and(|a| is_subcommand_or_meta(a));
    if explicit {
        return None;
    }
    args.first().and_then(|a| action_from_argv0(a))
}

/// The parsed command line, and what the LifeKeeper path had to leave out.
#[derive(Debug)]
pub struct Parsed {
    pub cli: Cli,
    /// Arguments ignored on the LifeKeeper path, as given (to be logged, 127107).
    pub ignored: Vec<String>,
}

/// Parses the command line. On the LifeKeeper path (the action implied by
/// argv[0]) an argument we do not know is ignored, not a usage error: exit 2
/// is a failure to LifeKeeper, and its exact argv beyond `-t TAG -i ID` is
/// not documented. Explicit subcommands (operators) stay strict.
pub fn parse(args: Vec<OsString>) -> Result<Parsed, clap::Error> {
    let Some(kind) = implied_action(&args) else {
        let cli = Cli::try_parse_from(args)?;
        return Ok(Parsed {
            cli,
            ignored: Vec::new(),
        });
    };
    let (kept, ignored) = known_arguments(kind, args.get(1..).unwrap_or_default());
    let argv0 = args.into_iter().next().unwrap_or_default();
    let full = [argv0, OsString::from(kind.name())].into_iter().chain(kept);
    let cli = Cli::try_parse_from(full)?;
    Ok(Parsed { cli, ignored })
}

/// The ignored arguments for a log line, bounded: a caller gone wrong must
/// not flood LifeKeeper's log.
pub fn shown_arguments(ignored: &[String]) -> String {
    const MAX_SHOWN: usize = 8;
    const MAX_CHARS: usize = 64;
    let mut shown: Vec<String> = ignored
        .iter()
        .take(MAX_SHOWN)
        .map(|a| {
            let cut: String = a.chars().take(MAX_CHARS).collect();
            let more = if cut.len() < a.len() { "…" } else { "" };
            format!("{cut:?}{more}")
        })
        .collect();
    if let Some(more) = ignored.len().checked_sub(MAX_SHOWN).filter(|n| *n > 0) {
        shown.push(format!("and {more} more"));
    }
    shown.join(" ")
}

/// One option of an action, as clap declares it.
struct OptionSpec {
    id: String,
    shorts: Vec<char>,
    longs: Vec<String>,
    takes_value: bool,
}

impl OptionSpec {
    fn of_action(kind: ActionKind) -> Vec<OptionSpec> {
        let mut cli = Cli::command();
        cli.build();
        let Some(action) = cli.find_subcommand(kind.name()) else {
            return Vec::new();
        };
        // Help and version would print and exit 0 without doing the action:
        // on the LifeKeeper path they are arguments we do not know.
        let informational = |a: &clap::Arg| {
            matches!(
                a.get_action(),
                ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
            )
        };
        action
            .get_arguments()
            .filter(|a| !a.is_positional() && !informational(a))
            .map(|a| OptionSpec {
                id: a.get_id().to_string(),
                shorts: a
                    .get_all_short_aliases()
                    .into_iter()
                    .flatten()
                    .chain(a.get_short())
                    .collect(),
                longs: a
                    .get_all_aliases()
                    .into_iter()
                    .flatten()
                    .chain(a.get_long())
                    .map(str::to_string)
                    .collect(),
                takes_value: a.get_action().takes_values(),
            })
            .collect()
    }
}

/// How one argument reads against the declared options.
enum Reading<'s> {
    /// A known option; `needs_next` when its value is the following argument.
    Known {
        spec: &'s OptionSpec,
        needs_next: bool,
    },
    Unknown,
}

fn read_one<'s>(specs: &'s [OptionSpec], arg: &str) -> Reading<'s> {
    if let Some(long) = arg.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((name, _)) => (name, true),
            None => (long, false),
        };
        return match specs.iter().find(|s| s.longs.iter().any(|l| l == name)) {
            Some(spec) if spec.takes_value => Reading::Known {
                spec,
                needs_next: !inline,
            },
            Some(spec) if !inline => Reading::Known {
                spec,
                needs_next: false,
            },
            _ => Reading::Unknown,
        };
    }
    let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) else {
        return Reading::Unknown;
    };
    let find = |c: char| specs.iter().find(|s| s.shorts.contains(&c));
    let mut chars = cluster.chars();
    let Some(spec) = chars.next().and_then(find) else {
        return Reading::Unknown;
    };
    let rest = chars.as_str();
    if spec.takes_value {
        return Reading::Known {
            spec,
            needs_next: rest.is_empty(),
        };
    }
    // A cluster of flags (`-vv`) is known only if every letter is a flag.
    let all_flags = rest
        .chars()
        .all(|c| find(c).is_some_and(|s| !s.takes_value));
    if all_flags {
        Reading::Known {
            spec,
            needs_next: false,
        }
    } else {
        Reading::Unknown
    }
}

/// Splits the arguments after argv[0] into those `kind` declares (each
/// option once, with its value) and the rest, which are ignored.
fn known_arguments(kind: ActionKind, args: &[OsString]) -> (Vec<OsString>, Vec<String>) {
    let specs = OptionSpec::of_action(kind);
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str() else {
            ignored.push(arg.to_string_lossy().into_owned());
            continue;
        };
        if text == "--" {
            // Everything after it would be positional, and actions take none.
            ignored.extend(
                std::iter::once(arg)
                    .chain(rest.by_ref())
                    .map(|a| a.to_string_lossy().into_owned()),
            );
            break;
        }
        let Reading::Known { spec, needs_next } = read_one(&specs, text) else {
            ignored.push(text.to_string());
            continue;
        };
        let mut taken = vec![arg.clone()];
        if needs_next {
            // A value never starts with '-': clap would refuse it too.
            match rest
                .as_slice()
                .first()
                .filter(|v| !v.to_string_lossy().starts_with('-'))
            {
                Some(value) => {
                    taken.push(value.clone());
                    rest.next();
                }
                None => {
                    ignored.push(format!("{text} (no value)"));
                    continue;
                }
            }
        }
        if seen.contains(&spec.id.as_str()) {
            ignored.extend(taken.iter().map(|a| a.to_string_lossy().into_owned()));
            continue;
        }
        seen.push(&spec.id);
        kept.extend(taken);
    }
    (kept, ignored)
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
        match parse(args(v)).unwrap().cli.command {
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
        // The directory is unambiguous; the name is only the resource's tag.
        let rec = "/opt/LifeKeeper/subsys/gen/resources/app/recovery/!recover/restore";
        assert_eq!(parsed(&[rec, "-t", "restore"]).kind(), ActionKind::Recover);
        let res = "/opt/LifeKeeper/subsys/gen/resources/app/actions/!restore/remove";
        assert_eq!(parsed(&[res, "-t", "remove"]).kind(), ActionKind::Restore);
        // Without a `!action` directory the name decides.
        assert_eq!(
            parsed(&["/opt/x/remove", "-t", "x"]).kind(),
            ActionKind::Remove
        );
        assert_eq!(
            parsed(&["/opt/restore/recover"]).kind(),
            ActionKind::Recover
        );
    }

    fn lenient(v: &[&str]) -> (Action, Vec<String>) {
        let p = parse(args(v)).unwrap();
        match p.cli.command {
            Command::Action(action) => (action, p.ignored),
            other => panic!("not an action: {other:?}"),
        }
    }

    #[test]
    fn on_the_lifekeeper_path_unknown_arguments_are_ignored_not_fatal() {
        let lk = "/lk/actions/!quickCheck/vip1";
        let (action, ignored) = lenient(&[
            lk,
            "-t",
            "vip1",
            "-i",
            "id1",
            "extra",
            "-x",
            "--future=1",
            "--flag",
            "-vq",
        ]);
        assert_eq!(action.kind(), ActionKind::QuickCheck);
        assert_eq!(action.target().tag.as_deref(), Some("vip1"));
        assert_eq!(action.target().id.as_deref(), Some("id1"));
        assert!(!action.target().verbose);
        assert_eq!(ignored, ["extra", "-x", "--future=1", "--flag", "-vq"]);
    }

    #[test]
    fn on_the_lifekeeper_path_known_forms_still_parse() {
        let (action, ignored) =
            lenient(&["/lk/restore", "-tvip1", "--id=7", "-v", "--ip", "10.0.0.1"]);
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(action.kind(), ActionKind::Restore);
        let t = action.target();
        assert_eq!(t.tag.as_deref(), Some("vip1"));
        assert_eq!(t.id.as_deref(), Some("7"));
        assert_eq!(t.ip.as_deref(), Some("10.0.0.1"));
        assert!(t.verbose);
    }

    #[test]
    fn on_the_lifekeeper_path_repeats_missing_values_and_dashes_are_ignored() {
        let lk = "/lk/recovery/!recover/vip1";
        let (action, ignored) = lenient(&[lk, "-t", "a", "-i", "-t", "b", "-v", "-v", "--", "-z"]);
        assert_eq!(action.kind(), ActionKind::Recover);
        assert_eq!(action.target().tag.as_deref(), Some("a"));
        assert_eq!(action.target().id, None);
        assert_eq!(ignored, ["-i (no value)", "-t", "b", "-v", "--", "-z"]);
    }

    #[test]
    fn on_the_lifekeeper_path_help_is_no_way_to_skip_the_action() {
        let (action, ignored) = lenient(&["/lk/actions/!restore/v", "-t", "v", "-h", "--help"]);
        assert_eq!(action.kind(), ActionKind::Restore);
        assert_eq!(ignored, ["-h", "--help"]);
    }

    #[test]
    fn ignored_arguments_are_shown_bounded() {
        assert_eq!(
            shown_arguments(&["extra".into(), "-x".into()]),
            r#""extra" "-x""#
        );
        let many: Vec<String> = (0..20).map(|n| n.to_string()).collect();
        assert!(shown_arguments(&many).ends_with(r#""7" and 12 more"#));
        let long = "y".repeat(1000);
        assert!(shown_arguments(&[long]).len() < 80);
    }

    #[test]
    fn operator_subcommands_stay_strict() {
        for strict in [
            &["tgw_generic_rk", "status", "--ip", "10.0.0.1", "extra"][..],
            &["tgw_generic_rk", "restore", "-t", "x", "--bogus"],
            &["/lk/actions/!restore/x", "restore", "-t", "x", "extra"],
        ] {
            let err = parse(args(strict)).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{strict:?}");
        }
    }

    #[test]
    fn an_explicit_subcommand_beats_argv0() {
        let cli = parsed(&["/a/!restore/tag", "remove", "-t", "tag"]);
        assert_eq!(cli.kind(), ActionKind::Remove);
    }

    #[test]
    fn operator_commands_parse_even_from_a_lifekeeper_copy() {
        let cli = parse(args(&[
            "/a/!restore/tag",
            "status",
            "--ip",
            "10.0.0.100",
            "--json",
        ]))
        .unwrap()
        .cli;
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
        let err = parse(args(&["/usr/bin/tgw_generic_rk", "-t", "x"])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = parse(args(&["/x/!bogus/tag", "-t", "x"])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
