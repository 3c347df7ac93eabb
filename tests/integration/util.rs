//! Runs the real binary the way LifeKeeper does, against the emulator.
//!
//! Each [`Cluster`] owns an emulator and a scratch `$LKROOT` holding a fake
//! `bin/ins_list`, the defaults file and LifeKeeper-style copies of the
//! binary (`…/actions/!restore/<TAG>`). The environment is scrubbed: no HOME,
//! no PATH beyond the basics, no AWS configuration but what a test sets, just
//! as under LifeKeeper.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ec2_emulator::{Emulator, REFERENCE_VIP, Topology};
use tgw_generic_rk::session::RunBound;
use tgw_generic_rk::settings::Settings;

pub const BIN: &str = env!("CARGO_BIN_EXE_tgw_generic_rk");
pub const TAG: &str = "vip-10.0.0.100";
pub const ID: &str = "vip-id-1";

pub fn vip_cidr() -> String {
    format!("{REFERENCE_VIP}/32")
}

pub struct Cluster {
    pub emu: Emulator,
    pub root: tempfile::TempDir,
    /// Extra environment for every run (after the scrub).
    pub env: BTreeMap<String, String>,
}

/// One finished run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Catalog codes in the order they were logged.
    pub fn codes(&self) -> Vec<u32> {
        self.stderr
            .lines()
            .filter_map(|l| l.split(':').nth(4)?.parse().ok())
            .collect()
    }

    pub fn has(&self, code: u32) -> bool {
        self.codes().contains(&code)
    }

    /// The log lines carrying `code`.
    pub fn lines(&self, code: u32) -> Vec<&str> {
        let needle = format!(":{code}:");
        self.stderr
            .lines()
            .filter(|l| l.contains(&needle))
            .collect()
    }

    /// Lines at LEVEL (ERROR, WARN, INFO).
    pub fn at(&self, level: &str) -> Vec<&str> {
        let prefix = format!("{level}:");
        self.stderr
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .collect()
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code\n--- stderr:\n{}\n--- stdout:\n{}",
            self.stderr, self.stdout
        );
    }
}

impl Cluster {
    pub fn start(topology: Topology) -> Cluster {
        let emu = Emulator::start(topology).expect("emulator starts");
        let root = tempfile::tempdir().expect("scratch LKROOT");
        fs::create_dir_all(root.path().join("bin")).unwrap();
        let cluster = Cluster {
            emu,
            root,
            env: BTreeMap::new(),
        };
        cluster.set_info(&format!("{REFERENCE_VIP} some other words"));
        cluster.set_defaults("");
        cluster
    }

    pub fn two_region() -> Cluster {
        Cluster::start(Topology::two_region())
    }

    /// The emulator's landing zone (six accounts), each node running with
    /// its own instance role's credentials from IMDS (blank static keys make
    /// the SDK's chain fall through to it), as on EC2.
    pub fn landing_zone() -> Cluster {
        let mut c = Cluster::start(Topology::landing_zone());
        c.env.insert("AWS_ACCESS_KEY_ID".into(), String::new());
        c.env.insert("AWS_SECRET_ACCESS_KEY".into(), String::new());
        c
    }

    /// The two-region reference over HTTPS: EC2 at the emulator's TLS
    /// endpoint, its throw-away CA added to the trust with `AWS_CA_BUNDLE`.
    pub fn https() -> Cluster {
        let mut c = Cluster::two_region();
        c.env
            .insert("AWS_ENDPOINT_URL".into(), c.emu.ec2_https_endpoint());
        c.env.insert(
            "AWS_CA_BUNDLE".into(),
            c.emu.ca_bundle_path().display().to_string(),
        );
        c
    }

    pub fn lkroot(&self) -> &Path {
        self.root.path()
    }

    pub fn defaults_path(&self) -> PathBuf {
        self.root.path().join("LifeKeeper.defaults")
    }

    /// The contents of our stand-in for `/etc/default/LifeKeeper`.
    pub fn set_defaults(&self, content: &str) {
        fs::write(self.defaults_path(), content).unwrap();
    }

    /// What the fake `ins_list -t TAG -f:` prints in the info field; it also
    /// records its arguments so tests can check how it was called.
    pub fn set_info(&self, info: &str) {
        let record = format!("lkhost:gen:app:{TAG}:{ID}:{info}:0:0");
        let script = format!(
            "#!/bin/sh\necho \"$@\" >> '{}/ins_list.args'\ncat <<'EOF'\n{record}\nEOF\n",
            self.lkroot().display()
        );
        let path = self.lkroot().join("bin/ins_list");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn ins_list_args(&self) -> String {
        fs::read_to_string(self.lkroot().join("ins_list.args")).unwrap_or_default()
    }

    /// A LifeKeeper-style copy of the binary: `$LKROOT/subsys/gen/resources/app/actions/!<action>/<TAG>`
    /// (recover lives under `recovery/`).
    pub fn script(&self, action: &str) -> PathBuf {
        let kind = if action == "recover" {
            "recovery"
        } else {
            "actions"
        };
        let dir = self
            .lkroot()
            .join("subsys/gen/resources/app")
            .join(kind)
            .join(format!("!{action}"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(TAG);
        if !path.exists() {
            // A hard link is a copy as far as argv[0] is concerned, and free.
            if fs::hard_link(BIN, &path).is_err() {
                fs::copy(BIN, &path).unwrap();
            }
        }
        path
    }

    pub fn command(&self, program: &Path, node: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LKROOT", self.lkroot())
            .env("TGW_RK_DEFAULTS", self.defaults_path())
            .env("TGW_RK_SYSLOG_SOCKET", self.lkroot().join("no-syslog"))
            .envs(self.emu.client_env(node))
            .env("AWS_CONFIG_FILE", self.lkroot().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.lkroot().join("no-aws-credentials"),
            )
            .current_dir(self.lkroot());
        cmd.envs(&self.env);
        cmd
    }

    /// Runs `action` on `node` exactly as LifeKeeper would: the copy named
    /// after the tag, `-t TAG -i ID`, no other argument.
    pub fn lifekeeper(&self, node: &str, action: &str) -> Run {
        Run::from(self.lifekeeper_command(node, action).output().unwrap())
    }

    /// The command [`Cluster::lifekeeper`] runs, to run it another way.
    pub fn lifekeeper_command(&self, node: &str, action: &str) -> Command {
        let mut cmd = self.command(&self.script(action), node);
        cmd.args(["-t", TAG, "-i", ID]);
        cmd
    }

    /// Runs the binary by hand with `args` (a subcommand first).
    pub fn cli(&self, node: &str, args: &[&str]) -> Run {
        let out = self
            .command(Path::new(BIN), node)
            .args(args)
            .output()
            .unwrap();
        Run::from(out)
    }

    /// Routes that differ from what `active` node's restore must produce.
    pub fn mismatches(&self, active: &str) -> Vec<String> {
        ec2_emulator::oracle::mismatches(&self.emu.topology(), active, &vip_cidr())
    }

    #[track_caller]
    pub fn assert_converged(&self, active: &str) {
        let wrong = self.mismatches(active);
        assert!(
            wrong.is_empty(),
            "routes not converged for {active}: {wrong:#?}"
        );
    }

    /// Every route that is not a VIP route, plus the other VIP's: never to be touched.
    pub fn untouchable_routes(&self) -> Vec<String> {
        let topo = self.emu.topology();
        let vip = vip_cidr();
        let mut out = Vec::new();
        for t in &topo.route_tables {
            for r in t.routes.iter().filter(|r| r.destination != vip) {
                out.push(format!(
                    "{} {} {} {:?}",
                    t.id, r.destination, r.target, r.state
                ));
            }
        }
        for t in &topo.tgw_route_tables {
            for r in t.routes.iter().filter(|r| r.destination != vip) {
                out.push(format!(
                    "{} {} {:?} {:?}",
                    t.id, r.destination, r.attachment, r.state
                ));
            }
        }
        out
    }
}

// ---- Runs that a test interrupts (signals) ----
impl Cluster {
    /// Starts `action` on `node` as LifeKeeper would, without waiting: the
    /// test can signal it, then collect it with [`finish`].
    pub fn spawn_lifekeeper(&self, node: &str, action: &str) -> std::process::Child {
        self.lifekeeper_command(node, action)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// Waits for a spawned run and collects its output.
pub fn finish(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().unwrap())
}

// ---- Time bounds ----
/// Slack for a noisy 2-core machine on top of a documented bound.
pub const MARGIN: Duration = Duration::from_secs(3);

/// The bound the README documents for these parameters, from the same formula.
pub fn bound(defaults: &str) -> RunBound {
    let file: HashMap<String, String> = defaults
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    RunBound::of(&Settings::resolve(
        "test".into(),
        &file,
        &HashMap::new(),
        Vec::new(),
    ))
}

/// A run that must finish within `limit`: a regression here used to loop
/// forever growing memory, so the child also gets an address-space cap and
/// is killed at the limit rather than left to exhaust a shared machine.
pub fn run_within(mut cmd: Command, limit: Duration) -> Option<Run> {
    const ADDRESS_SPACE: libc::rlim_t = 1 << 30;
    // SAFETY: only async-signal-safe setrlimit runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &cap) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Run::from(child.wait_with_output().unwrap()))
}

/// The document a `--json` command printed.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// The `status --json` row of `table`.
pub fn status_row<'v>(doc: &'v serde_json::Value, table: &str) -> &'v serde_json::Value {
    doc["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["table_id"] == table)
        .unwrap_or_else(|| panic!("no row for {table}: {doc:#}"))
}

/// The `doctor --json` check `id`.
pub fn doctor_check<'v>(doc: &'v serde_json::Value, id: &str) -> &'v serde_json::Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {doc:#}"))
}

impl Cluster {
    /// Points the VIP route of `node`'s main VPC table at a stranger's ENI:
    /// a route a monitor must see pointing the wrong way.
    pub fn sabotage_main_table(&self, node: &str) {
        let vpc = self.emu.node(node).unwrap().vpc;
        let table = self
            .emu
            .topology()
            .route_tables
            .into_iter()
            .find(|t| t.vpc == vpc && t.main)
            .unwrap();
        self.emu
            .set_vpc_route_target(&table.id, &vip_cidr(), "eni-0123456789abcdef0")
            .unwrap();
    }
}
