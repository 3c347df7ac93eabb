//! The agent under the real Pacemaker tools: ClusterLabs' `ocf-tester`,
//! then a single-node cluster (corosync with knet on 127.0.0.1, pacemakerd)
//! whose environment points at the emulator.
//!
//! Needs root and Debian's pacemaker, pacemaker-cli-utils, corosync,
//! resource-agents and libxml2-utils (`.ci/run` installs them). Without
//! them a test says SKIPPED loudly and returns, unless `CI` is set: then
//! it fails, so CI can never pass without having run them.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ec2_emulator::{Outage, REFERENCE_VIP};

use crate::util::{BIN, Cluster};

/// One cluster at a time: they share corosync's port and Pacemaker's state
/// directory.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

const RESOURCE: &str = "vip-routes";
/// Not the packages' provider: a test must not overwrite an installed agent.
const PROVIDER: &str = "tgw_generic_rk_test";
const EAST: &str = "us-east-1";

/// Whether root and `tools` are here; otherwise SKIPPED (or, under CI, a failure).
fn can_run(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
                .iter()
                .any(|d| Path::new(d).join(t).exists())
        })
        .collect();
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    if root && missing.is_empty() {
        return true;
    }
    let why = if root {
        format!("missing {}", missing.join(", "))
    } else {
        "not root".to_string()
    };
    assert!(
        !ci(),
        "{test}: cannot run under CI: {why} (.ci/run installs pacemaker pacemaker-cli-utils corosync resource-agents libxml2-utils)"
    );
    eprintln!(
        "SKIPPED {test}: {why}; apt-get install pacemaker pacemaker-cli-utils corosync resource-agents libxml2-utils, and run as root"
    );
    false
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Why this machine's own cluster must not be touched: corosync already
/// runs, or Pacemaker's CIB directory holds a configuration that is not
/// one of ours (the test wipes and reseeds it).
fn a_real_cluster_lives_here() -> Option<String> {
    if run("corosync-quorumtool", &["-s"]).0 {
        return Some("corosync is already running on this machine".into());
    }
    let cib = Path::new("/var/lib/pacemaker/cib/cib.xml");
    let ours = fs::read_to_string(cib).map_or(true, |xml| xml.contains(PROVIDER));
    (!ours).then(|| {
        format!(
            "{} holds a cluster configuration that is not this test's",
            cib.display()
        )
    })
}

/// An agent file that execs the binary under test, readable by `nobody`
/// (ocf-tester runs meta-data as nobody).
fn agent_file(dir: &Path) -> PathBuf {
    let path = dir.join("tgw-vip");
    fs::write(&path, format!("#!/bin/sh\nexec '{BIN}' ocf \"$@\"\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn ocf_tester_passes_against_the_emulator() {
    if !can_run(
        "ocf_tester_passes_against_the_emulator",
        &["ocf-tester", "xmllint"],
    ) {
        return;
    }
    let c = Cluster::two_region();
    let scratch = tempfile::tempdir().unwrap();
    let agent = agent_file(scratch.path());
    let rsctmp = scratch.path().join("rsctmp");
    let out = c
        .command(Path::new("/usr/sbin/ocf-tester"), "node1")
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("HA_RSCTMP", &rsctmp)
        .env("OCF_ROOT", "/usr/lib/ocf")
        .args(["-n", RESOURCE, "-o", &format!("ip={REFERENCE_VIP}")])
        .args(["-o", "connect_timeout=2", "-o", "read_timeout=2"])
        .arg(&agent)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ocf-tester failed:\n{text}");
    assert!(text.contains("passed all tests"), "{text}");
    // Its start really converged the routes; its last stop left them.
    c.assert_converged("node1");
}

// ---- A single-node cluster ----

/// corosync + pacemakerd on 127.0.0.1, torn down (by pid) when dropped.
struct Pacemaker {
    scratch: tempfile::TempDir,
    corosync: Option<Child>,
    pacemakerd: Option<Child>,
    agent_dir: PathBuf,
}

fn run(cmd: &str, args: &[&str]) -> (bool, String) {
    match Command::new(cmd).args(args).stdin(Stdio::null()).output() {
        Ok(o) => (
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        ),
        Err(e) => (false, e.to_string()),
    }
}

#[track_caller]
fn must(cmd: &str, args: &[&str]) -> String {
    let (ok, out) = run(cmd, args);
    assert!(ok, "{cmd} {args:?}: {out}");
    out
}

/// Polls `done` every 200 ms for at most `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    done()
}

const COROSYNC_CONF: &str = "totem {
    version: 2
    cluster_name: tgwtest
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        nodeid: 1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_stderr: yes
    to_syslog: no
    to_logfile: no
}
";

impl Pacemaker {
    /// Starts the cluster with the agent's primitive already in the CIB
    /// (monitor every `interval`), pacemakerd's environment pointing at `c`'s emulator as node1.
    fn start(c: &Cluster, interval: &str) -> Pacemaker {
        let scratch = tempfile::tempdir().unwrap();
        let agent_dir = PathBuf::from("/usr/lib/ocf/resource.d").join(PROVIDER);
        fs::create_dir_all(&agent_dir).unwrap();
        let agent = agent_file(&agent_dir);
        assert!(agent.exists());
        let mut pm = Pacemaker {
            scratch,
            corosync: None,
            pacemakerd: None,
            agent_dir,
        };
        pm.seed_cib(interval);
        let conf = pm.path("corosync.conf");
        fs::write(&conf, COROSYNC_CONF).unwrap();
        let log = fs::File::create(pm.path("corosync.log")).unwrap();
        pm.corosync = Some(
            Command::new("/usr/sbin/corosync")
                .args(["-f", "-c"])
                .arg(&conf)
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        let quorate = wait_for(Duration::from_secs(20), || {
            run("corosync-quorumtool", &["-s"]).0
        });
        assert!(
            quorate,
            "corosync did not start: {}",
            pm.log("corosync.log")
        );
        let log = fs::File::create(pm.path("pacemakerd.out")).unwrap();
        let mut pacemakerd = Command::new("/usr/sbin/pacemakerd");
        pacemakerd
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("PCMK_logfile", pm.path("pacemaker.log"))
            .env("HA_RSCTMP", pm.path("rsctmp"))
            .envs(c.emu.client_env("node1"))
            .env("AWS_CONFIG_FILE", pm.path("no-aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", pm.path("no-aws-credentials"))
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        pm.pacemakerd = Some(pacemakerd.spawn().unwrap());
        pm
    }

    fn path(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    fn log(&self, name: &str) -> String {
        let text = fs::read_to_string(self.path(name)).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(60).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// An empty CIB with fencing off, a 2 s election wait and our primitive,
    /// installed where pacemaker-based reads it at start-up.
    fn seed_cib(&self, interval: &str) {
        let file = self.path("cib.xml");
        fs::write(&file, must("cibadmin", &["--empty"])).unwrap();
        let offline = |args: &[&str], tool: &str| {
            let out = Command::new(tool)
                .env("CIB_file", &file)
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{tool} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        offline(
            &[
                "--type",
                "crm_config",
                "-n",
                "stonith-enabled",
                "-v",
                "false",
            ],
            "crm_attribute",
        );
        offline(
            &["--type", "crm_config", "-n", "dc-deadtime", "-v", "2s"],
            "crm_attribute",
        );
        let primitive = format!(
            "<primitive id=\"{RESOURCE}\" class=\"ocf\" provider=\"{PROVIDER}\" type=\"tgw-vip\">\
             <instance_attributes id=\"{RESOURCE}-ia\">\
             <nvpair id=\"{RESOURCE}-ip\" name=\"ip\" value=\"{REFERENCE_VIP}\"/>\
             <nvpair id=\"{RESOURCE}-ct\" name=\"connect_timeout\" value=\"2\"/>\
             <nvpair id=\"{RESOURCE}-rt\" name=\"read_timeout\" value=\"2\"/>\
             </instance_attributes>\
             <operations>\
             <op id=\"{RESOURCE}-monitor\" name=\"monitor\" interval=\"{interval}\" timeout=\"20s\"/>\
             <op id=\"{RESOURCE}-start\" name=\"start\" interval=\"0s\" timeout=\"30s\"/>\
             <op id=\"{RESOURCE}-stop\" name=\"stop\" interval=\"0s\" timeout=\"20s\"/>\
             </operations></primitive>"
        );
        offline(&["-C", "-o", "resources", "-X", &primitive], "cibadmin");
        let dir = Path::new("/var/lib/pacemaker/cib");
        if dir.exists() {
            for entry in fs::read_dir(dir).unwrap() {
                let _ = fs::remove_file(entry.unwrap().path());
            }
        }
        fs::create_dir_all(dir).unwrap();
        let installed = dir.join("cib.xml");
        fs::copy(&file, &installed).unwrap();
        must(
            "chown",
            &["hacluster:haclient", installed.to_str().unwrap()],
        );
        fs::set_permissions(&installed, fs::Permissions::from_mode(0o600)).unwrap();
    }

    fn running(&self) -> bool {
        let (_, out) = run("crm_resource", &["--locate", "-r", RESOURCE]);
        out.contains("is running on")
    }

    fn fail_count(&self) -> String {
        let (_, out) = run("crm_failcount", &["--query", "-r", RESOURCE]);
        out.split_whitespace()
            .find_map(|w| w.strip_prefix("value="))
            .unwrap_or("0")
            .to_string()
    }

    /// Where the agent keeps its record: under the HA_RSCTMP Pacemaker passes.
    fn records(&self) -> Vec<PathBuf> {
        let name = format!("tgw_generic_rk-{RESOURCE}.started");
        [self.path("rsctmp"), PathBuf::from("/run/resource-agents")]
            .into_iter()
            .map(|d| d.join(&name))
            .filter(|p| p.exists())
            .collect()
    }

    fn diagnostics(&self) -> String {
        format!(
            "--- crm_mon:\n{}\n--- pacemaker.log (tail):\n{}",
            run("crm_mon", &["-1", "-r", "-f"]).1,
            self.log("pacemaker.log")
        )
    }
}

/// SIGTERM, then wait up to `grace`, then SIGKILL: by pid, never by name.
fn terminate(child: &mut Child, grace: Duration) {
    let Ok(pid) = i32::try_from(child.id()) else {
        return;
    };
    // SAFETY: kill on a pid we spawned and have not reaped.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let gone = wait_for(grace, || matches!(child.try_wait(), Ok(Some(_))));
    if !gone {
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Pacemaker {
    fn drop(&mut self) {
        // pacemakerd stops the resources and its own daemons, then corosync.
        if let Some(mut p) = self.pacemakerd.take() {
            terminate(&mut p, Duration::from_secs(60));
        }
        if let Some(mut c) = self.corosync.take() {
            terminate(&mut c, Duration::from_secs(20));
        }
        let _ = fs::remove_dir_all(&self.agent_dir);
    }
}

#[test]
fn a_real_pacemaker_starts_recovers_tolerates_an_unwell_api_and_stops() {
    let tools = [
        "corosync",
        "corosync-quorumtool",
        "pacemakerd",
        "cibadmin",
        "crm_attribute",
        "crm_resource",
        "crm_failcount",
        "crm_mon",
    ];
    if !can_run(
        "a_real_pacemaker_starts_recovers_tolerates_an_unwell_api_and_stops",
        &tools,
    ) {
        return;
    }
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(why) = a_real_cluster_lives_here() {
        assert!(!ci(), "{why}");
        eprintln!(
            "SKIPPED a_real_pacemaker_starts_recovers_tolerates_an_unwell_api_and_stops: {why}"
        );
        return;
    }
    let c = Cluster::two_region();
    let pm = Pacemaker::start(&c, "2s");

    // Start: the routes converge to this node and the record is written.
    let started = wait_for(Duration::from_secs(90), || {
        pm.running() && c.mismatches("node1").is_empty()
    });
    assert!(
        started,
        "not started and converged: {:?}\n{}",
        c.mismatches("node1"),
        pm.diagnostics()
    );
    assert_eq!(pm.records().len(), 1, "{}", pm.diagnostics());
    assert_eq!(pm.fail_count(), "0", "{}", pm.diagnostics());

    // A route sabotaged: the recurring monitor fails, Pacemaker recovers
    // (stop, start: restore) and counts one failure.
    c.sabotage_main_table("node1");
    let recovered = wait_for(Duration::from_secs(60), || {
        pm.fail_count() == "1" && pm.running() && c.mismatches("node1").is_empty()
    });
    assert!(
        recovered,
        "no recovery: fail-count {} {:?}\n{}",
        pm.fail_count(),
        c.mismatches("node1"),
        pm.diagnostics()
    );

    // The API unreachable: monitor keeps succeeding, Pacemaker does nothing.
    c.emu.set_region_outage(EAST, Outage::Unavailable);
    c.emu.reset_counters();
    std::thread::sleep(Duration::from_secs(8));
    assert!(c.emu.total_calls() > 0, "the recurring monitor did not run");
    assert!(pm.running(), "{}", pm.diagnostics());
    assert_eq!(pm.fail_count(), "1", "{}", pm.diagnostics());
    assert_eq!(
        c.emu.writes(),
        0,
        "Pacemaker restarted the resource: {}",
        pm.diagnostics()
    );
    c.emu.set_region_outage(EAST, Outage::None);

    // target-role=Stopped: stopped, the record gone, the routes left.
    must(
        "crm_resource",
        &[
            "-r",
            RESOURCE,
            "--meta",
            "-p",
            "target-role",
            "-v",
            "Stopped",
        ],
    );
    let stopped = wait_for(Duration::from_secs(30), || {
        !pm.running() && pm.records().is_empty()
    });
    assert!(
        stopped,
        "not stopped: {:?}\n{}",
        pm.records(),
        pm.diagnostics()
    );
    c.assert_converged("node1");
}
