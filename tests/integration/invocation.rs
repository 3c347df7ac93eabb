//! How we are called and configured: argv[0], subcommands, the defaults
//! file against the environment, proxies, and where log lines go.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::{BIN, Cluster, TAG};

#[test]
fn by_subcommand_with_an_explicit_vip() {
    let c = Cluster::two_region();
    let run = c.cli("node1", &["restore", "--ip", ec2_emulator::REFERENCE_VIP]);
    run.assert_code(0);
    c.assert_converged("node1");
    assert_eq!(c.ins_list_args(), "", "--ip must not consult ins_list");
    assert!(run.lines(127101)[0].starts_with("INFO:tgw_generic_rk:restore:-:127101:"));
}

#[test]
fn by_argv0_basename() {
    let c = Cluster::two_region();
    let named = c.lkroot().join("restore");
    std::fs::hard_link(BIN, &named)
        .or_else(|_| std::fs::copy(BIN, &named).map(drop))
        .unwrap();
    let mut cmd = Command::new(&named);
    cmd.env_clear()
        .env("LKROOT", c.lkroot())
        .env("TGW_RK_DEFAULTS", c.defaults_path())
        .envs(c.emu.client_env("node1"))
        .args(["-t", TAG, "-i", "1"]);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.assert_converged("node1");
}

#[test]
fn by_lifekeeper_action_directory() {
    let c = Cluster::two_region();
    let script = c.script("restore");
    assert!(script.ends_with(Path::new("!restore").join(TAG)));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn without_an_action_it_is_a_usage_error() {
    let c = Cluster::two_region();
    let run = c.cli("node1", &["-t", TAG]);
    run.assert_code(2);
    let run = c.cli("node1", &["restore", "--bogus"]);
    run.assert_code(2);
    assert_eq!(c.emu.total_calls(), 0);
    let run = c.cli("node1", &["--version"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with("tgw_generic_rk "), "{}", run.stdout);
}

#[test]
fn the_defaults_file_beats_the_environment() {
    let c = Cluster::two_region();
    // The shell's proxy is dead; LifeKeeper's file names the working one.
    let mut c = c;
    c.env.insert(
        "AWS_ENDPOINT_URL".into(),
        "http://ec2.emulator.invalid".into(),
    );
    c.env
        .insert("HTTP_PROXY".into(), "http://127.0.0.1:9".into());
    c.set_defaults(&format!(
        "# LifeKeeper\nexport HTTP_PROXY='{}'\nNOT A LINE\n",
        c.emu.ec2_endpoint()
    ));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(c.emu.proxied_requests() > 0);
    assert!(
        run.has(127104),
        "the malformed line is a warning: {}",
        run.stderr
    );
    c.assert_converged("node1");
}

#[test]
fn the_environment_fills_what_the_file_leaves_unset() {
    let mut c = Cluster::two_region();
    c.env.insert(
        "AWS_ENDPOINT_URL".into(),
        "http://ec2.emulator.invalid".into(),
    );
    c.env.insert("http_proxy".into(), c.emu.ec2_endpoint());
    c.set_defaults("AWSCLI_READ_TIMEOUT=5\n");
    c.lifekeeper("node1", "restore").assert_code(0);
    assert!(c.emu.proxied_requests() > 0);
}

#[test]
fn the_proxy_carries_ec2_but_never_instance_metadata() {
    let mut c = Cluster::two_region();
    c.env.insert(
        "AWS_ENDPOINT_URL".into(),
        "http://ec2.emulator.invalid".into(),
    );
    c.set_defaults(&format!(
        "HTTP_PROXY={0}\nHTTPS_PROXY={0}\n",
        c.emu.ec2_endpoint()
    ));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    let total = c.emu.total_calls();
    assert!(
        total > 0 && c.emu.proxied_requests() >= total,
        "every EC2 call went through the proxy"
    );
    assert!(c.emu.imds_requests("node1") > 0, "IMDS was asked directly");
}

#[test]
fn no_proxy_exempts_the_endpoint() {
    let mut c = Cluster::two_region();
    c.set_defaults("HTTP_PROXY=http://127.0.0.1:9\nNO_PROXY=127.0.0.1\n");
    c.lifekeeper("node1", "restore").assert_code(0);
    assert_eq!(c.emu.proxied_requests(), 0);
    c.env.insert("NO_PROXY".into(), String::new());
}

#[test]
fn log_lines_reach_syslog_with_their_priority_and_facility() {
    let mut c = Cluster::two_region();
    let socket_path = c.lkroot().join("syslog.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    // Read while the binary runs: a full datagram queue drops syslog copies.
    let reader = std::thread::spawn(move || {
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = socket.recv(&mut buf) {
            received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        received
    });
    c.env.insert(
        "TGW_RK_SYSLOG_SOCKET".into(),
        socket_path.display().to_string(),
    );
    c.set_defaults("LKSYSLOGSELECTOR=local3\n");
    c.emu.deny_action("ReplaceRoute");
    c.lifekeeper("node1", "restore").assert_code(1);
    let received = reader.join().unwrap();
    // local3 = 19: err = 19*8+3, warning = +4, info = +6.
    let with = |pri: u32, code: u32| {
        received
            .iter()
            .any(|m| m.starts_with(&format!("<{pri}>")) && m.contains(&format!(":{code}:")))
    };
    assert!(with(155, 127002), "ERROR at err: {received:#?}");
    assert!(with(156, 127037), "WARN at warning: {received:#?}");
    assert!(with(158, 127101), "INFO at info: {received:#?}");
}

#[test]
fn credentials_come_from_the_instance_role_when_nothing_else_is_set() {
    let mut c = Cluster::two_region();
    // Empty variables are no credentials: the chain must reach the instance role.
    c.env.insert("AWS_ACCESS_KEY_ID".into(), String::new());
    c.env.insert("AWS_SECRET_ACCESS_KEY".into(), String::new());
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn an_unusable_proxy_has_its_own_warning_and_the_run_connects_directly() {
    let c = Cluster::two_region();
    // Issue 12: this once reused 127104, which means a defaults-file line
    // was ignored; the line was fine, the proxy URL was not.
    c.set_defaults("HTTP_PROXY=http://[::1\n");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert_eq!(run.lines(127108).len(), 1, "{}", run.stderr);
    assert!(!run.has(127104), "{}", run.stderr);
    assert_eq!(c.emu.proxied_requests(), 0);
    c.assert_converged("node1");
}
