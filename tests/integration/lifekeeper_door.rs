//! The LifeKeeper door (issue 10): a LifeKeeper tool that hiccups, an argv
//! that drifts, and tags that look like actions must never fail a resource
//! over or leave it unprotected.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tgw_generic_rk::session::info_field::INS_LIST_TIMEOUT;

use crate::util::{BIN, Cluster, ID, Run, TAG};

/// Replaces the fake `$LKROOT/bin/ins_list` with a shell script.
fn set_ins_list(c: &Cluster, body: &str) {
    let path = c.lkroot().join("bin/ins_list");
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Whether `pid` still runs a moment after a SIGKILL (dying takes a few
/// microseconds; a zombie waiting for init to reap it does not count).
fn alive(pid: &str) -> bool {
    let running = || {
        fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        })
    };
    let until = Instant::now() + Duration::from_secs(2);
    while running() {
        if Instant::now() > until {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// A LifeKeeper-style copy of the binary at `$LKROOT/subsys/gen/resources/app/<rel>`.
fn copy_at(c: &Cluster, rel: &str) -> PathBuf {
    let path = c.lkroot().join("subsys/gen/resources/app").join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    if fs::hard_link(BIN, &path).is_err() {
        fs::copy(BIN, &path).unwrap();
    }
    path
}

fn run(c: &Cluster, program: &Path, node: &str, args: &[&str]) -> Run {
    Run::from(c.command(program, node).args(args).output().unwrap())
}

#[test]
fn quick_check_succeeds_when_ins_list_fails_but_restore_and_recover_do_not() {
    let c = Cluster::two_region();
    set_ins_list(&c, "echo 'lcd: database locked' >&2; exit 3");
    let run = c.lifekeeper("node2", "quickCheck");
    run.assert_code(0);
    assert_eq!(run.codes(), [127106, 127035, 127101], "{}", run.stderr);
    assert!(
        run.lines(127106)[0].contains("database locked"),
        "{}",
        run.stderr
    );
    assert_eq!(c.emu.total_calls(), 0);
    c.lifekeeper("node1", "restore").assert_code(1);
    c.lifekeeper("node1", "recover").assert_code(1);
    assert_eq!(c.emu.total_calls(), 0, "no VIP, no AWS call");
}

#[test]
fn quick_check_succeeds_on_an_empty_or_malformed_info_field() {
    let c = Cluster::two_region();
    for (info, code) in [("", 127035), ("   ", 127035), ("10.0.0.256", 127036)] {
        c.set_info(info);
        let run = c.lifekeeper("node1", "quickCheck");
        run.assert_code(0);
        assert_eq!(run.codes(), [code, 127101], "info {info:?}: {}", run.stderr);
        c.lifekeeper("node1", "restore").assert_code(1);
    }
}

#[test]
fn a_hung_ins_list_is_killed_within_its_bound_and_left_nowhere() {
    let c = Cluster::two_region();
    let pids = c.lkroot().join("ins_list.pids");
    // A script whose child keeps the output open: both must go.
    set_ins_list(
        &c,
        &format!("sleep 60 & echo $$ $! > '{}'; wait", pids.display()),
    );
    for action in ["quickCheck", "restore"] {
        let started = Instant::now();
        let run = c.lifekeeper("node2", action);
        let took = started.elapsed();
        run.assert_code(if action == "quickCheck" { 0 } else { 1 });
        assert!(
            took < INS_LIST_TIMEOUT + Duration::from_secs(3),
            "{action} took {took:?}"
        );
        assert!(
            run.lines(127106)[0].contains(&format!(
                "did not answer within {} s",
                INS_LIST_TIMEOUT.as_secs()
            )),
            "{}",
            run.stderr
        );
        let pids = fs::read_to_string(&pids).unwrap();
        for pid in pids.split_whitespace() {
            assert!(
                !alive(pid),
                "{action}: ins_list's process {pid} was left running"
            );
        }
    }
}

#[test]
fn lifekeeper_may_pass_arguments_this_version_does_not_know() {
    let c = Cluster::two_region();
    let extra = ["-t", TAG, "-i", ID, "extra", "--future-flag=1", "-x"];
    let restore = run(&c, &c.script("restore"), "node1", &extra);
    restore.assert_code(0);
    c.assert_converged("node1");
    let warned = restore.lines(127107);
    assert_eq!(warned.len(), 1, "{}", restore.stderr);
    assert!(
        warned[0].starts_with("WARN:tgw_generic_rk:restore:"),
        "{}",
        warned[0]
    );
    assert!(
        warned[0].ends_with(r#": "extra" "--future-flag=1" "-x""#),
        "{}",
        warned[0]
    );
    for action in ["quickCheck", "recover", "remove"] {
        let r = run(&c, &c.script(action), "node1", &extra);
        r.assert_code(0);
        assert!(r.has(127107), "{action}: {}", r.stderr);
    }
    // By basename too.
    let named = c.lkroot().join("quickCheck");
    fs::hard_link(BIN, &named).unwrap();
    run(&c, &named, "node1", &extra).assert_code(0);
}

#[test]
fn operator_subcommands_stay_strict_about_arguments() {
    let c = Cluster::two_region();
    let vip = ec2_emulator::REFERENCE_VIP;
    for args in [
        &["status", "--ip", vip, "extra"][..],
        &["restore", "-t", TAG, "extra"],
        &["quickCheck", "--ip", vip, "--bogus"],
    ] {
        let r = c.cli("node1", args);
        r.assert_code(2);
        assert!(r.stderr.contains("unexpected argument"), "{}", r.stderr);
    }
    assert_eq!(c.emu.total_calls(), 0);
}

#[test]
fn the_action_directory_wins_over_a_tag_named_like_an_action() {
    // A resource tagged "remove": its restore script is `!restore/remove`.
    let c = Cluster::two_region();
    let restore = copy_at(&c, "actions/!restore/remove");
    let r = run(&c, &restore, "node1", &["-t", "remove", "-i", ID]);
    r.assert_code(0);
    assert!(
        r.lines(127101)[0].starts_with("INFO:tgw_generic_rk:restore:remove:127101:restore of"),
        "{}",
        r.stderr
    );
    c.assert_converged("node1");

    // A resource tagged "restore": its remove script must not move routes.
    let c = Cluster::two_region();
    let remove = copy_at(&c, "actions/!remove/restore");
    let r = run(&c, &remove, "node1", &["-t", "restore", "-i", ID]);
    r.assert_code(0);
    assert!(
        r.lines(127101)[0].starts_with("INFO:tgw_generic_rk:remove:restore:127101:"),
        "{}",
        r.stderr
    );
    assert_eq!(c.emu.total_calls(), 0, "remove makes no AWS call");
    c.assert_converged("node2");

    // And recover, tagged "quickCheck", under LifeKeeper's recovery tree.
    let c = Cluster::two_region();
    let recover = copy_at(&c, "recovery/!recover/quickCheck");
    run(&c, &recover, "node1", &["-t", "quickCheck", "-i", ID]).assert_code(0);
    c.assert_converged("node1");
}
