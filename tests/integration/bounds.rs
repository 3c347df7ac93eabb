//! Every run ends within its documented bound (README "Time bounds"), and a
//! run that is killed says what it had done.

use std::time::{Duration, Instant};

use ec2_emulator::Outage;

use crate::util::{Cluster, MARGIN, bound, finish};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const FAST: &str = "AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=1\nLK_CURL_TIMEOUT=1\n";

#[test]
fn a_remote_region_that_hangs_writes_is_skipped_within_the_bound() {
    let c = Cluster::two_region();
    c.set_defaults(FAST);
    c.emu.set_region_outage(WEST, Outage::HangWrites);
    let started = Instant::now();
    let run = c.lifekeeper("node1", "restore");
    let took = started.elapsed();
    run.assert_code(0);
    let skipped = run.lines(127102);
    assert!(!skipped.is_empty(), "{}", run.stderr);
    assert!(skipped.iter().all(|l| l.contains(WEST)), "{}", run.stderr);
    let b = bound(FAST);
    // A hung write costs at most one call budget; the whole run stays in its bound.
    assert!(
        took < b.remote + MARGIN,
        "took {took:?}, call budget {:?}",
        b.remote
    );
    assert!(took < b.total() + MARGIN);
    let wrong = c.mismatches("node1");
    assert!(
        !wrong.is_empty() && wrong.iter().all(|w| w.contains("-02")),
        "east not converged: {wrong:?}"
    );
    c.emu.set_region_outage(WEST, Outage::None);
    c.lifekeeper("node1", "recover").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn a_hung_local_region_fails_restore_but_not_quick_check_within_the_bound() {
    let c = Cluster::two_region();
    c.set_defaults(FAST);
    c.emu.set_region_outage(EAST, Outage::Hang);
    let b = bound(FAST);
    for (action, code) in [("restore", 1), ("quickCheck", 0)] {
        let started = Instant::now();
        let run = c.lifekeeper("node1", action);
        let took = started.elapsed();
        run.assert_code(code);
        assert!(!run.at("ERROR").is_empty(), "{action}: {}", run.stderr);
        assert!(
            took < b.total() + MARGIN,
            "{action} took {took:?}, bound {:?}",
            b.total()
        );
    }
    assert_eq!(c.emu.writes(), 0);
}

#[test]
fn sigterm_says_which_replacements_were_made_and_exits_143() {
    let c = Cluster::two_region();
    // Long call budgets: the remote writes hang until the signal comes.
    c.set_defaults("AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=60\n");
    c.emu.set_region_outage(WEST, Outage::HangWrites);
    let child = c.spawn_lifekeeper("node1", "restore");
    // node1's three local replacements (two VPC tables, the TGW table).
    let waited = Instant::now();
    while c.emu.writes() < 3 {
        assert!(waited.elapsed() < Duration::from_secs(30), "no local write");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: plain kill(2) on the child we spawned and still own.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let run = finish(child);
    run.assert_code(143);
    let line = run.lines(127114);
    assert_eq!(line.len(), 1, "{}", run.stderr);
    assert!(line[0].starts_with("ERROR:"), "{}", line[0]);
    assert!(line[0].contains("Interrupted by SIGTERM"), "{}", line[0]);
    assert!(
        line[0].contains("3 of 6 replacement(s) confirmed"),
        "{}",
        line[0]
    );
    for table in [
        "rtb-01000000000000011",
        "rtb-01000000000000012",
        "tgw-rtb-01000000000000001",
    ] {
        assert!(line[0].contains(table), "{table}: {}", line[0]);
    }
    // No summary: the one line says it all.
    assert!(!run.has(127101), "{}", run.stderr);
}

#[test]
fn sigint_before_any_write_says_so_and_exits_130() {
    let c = Cluster::two_region();
    c.set_defaults("AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=60\n");
    c.emu.set_region_outage(EAST, Outage::Hang);
    let child = c.spawn_lifekeeper("node1", "restore");
    let waited = Instant::now();
    while c.emu.calls(EAST, "DescribeRouteTables") == 0 {
        assert!(waited.elapsed() < Duration::from_secs(30), "no EC2 call");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: plain kill(2) on the child we spawned and still own.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let run = finish(child);
    run.assert_code(130);
    let line = run.lines(127114);
    assert_eq!(line.len(), 1, "{}", run.stderr);
    assert!(line[0].contains("no route was replaced"), "{}", line[0]);
}

#[test]
fn a_local_region_too_slow_for_the_bound_fails_restore_at_the_bound() {
    // Twenty client route tables to fix, answered one page and one call at a
    // time, each just inside the read timeout: every call succeeds, but the
    // whole would take about 40 s against a bound of 18 s.
    let mut topo = ec2_emulator::Topology::two_region();
    for i in 0..20 {
        topo.route_tables.push(ec2_emulator::RouteTable {
            id: format!("rtb-01000000000001{i:03x}"),
            vpc: "vpc-01000000000000011".into(),
            main: false,
            subnets: Vec::new(),
            name: None,
            routes: vec![ec2_emulator::VpcRoute {
                destination: crate::util::vip_cidr(),
                target: "igw-01000000000000011".into(),
                state: Default::default(),
            }],
        });
    }
    let c = Cluster::start(topo);
    let defaults = format!("{FAST}TGW_RK_CONCURRENCY=1\n");
    c.set_defaults(&defaults);
    c.emu.set_page_size(Some(1));
    c.emu.set_latency(EAST, Duration::from_millis(800));
    let started = Instant::now();
    let run = c.lifekeeper("node1", "restore");
    let took = started.elapsed();
    let b = bound(&defaults);
    assert!(
        took < b.total() + MARGIN,
        "took {took:?}, bound {:?}",
        b.total()
    );
    run.assert_code(1);
    assert!(
        run.stderr.contains("still running at the run's deadline"),
        "{}",
        run.stderr
    );
}
