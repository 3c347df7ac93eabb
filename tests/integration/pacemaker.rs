//! The OCF door (`tgw_generic_rk ocf ACTION`) as Pacemaker runs it: the
//! real binary, parameters in `OCF_RESKEY_*`, the record under `HA_RSCTMP`,
//! against the emulator.

use std::path::{Path, PathBuf};

use ec2_emulator::{Outage, REFERENCE_VIP};

use crate::util::{BIN, Cluster, Run};

const EAST: &str = "us-east-1";
const INSTANCE: &str = "vip-routes";

/// One node's view: its own `HA_RSCTMP` (records are per node).
struct Node<'c> {
    cluster: &'c Cluster,
    name: &'static str,
    rsctmp: tempfile::TempDir,
}

impl<'c> Node<'c> {
    fn new(cluster: &'c Cluster, name: &'static str) -> Node<'c> {
        Node {
            cluster,
            name,
            rsctmp: tempfile::tempdir().unwrap(),
        }
    }

    fn record(&self) -> PathBuf {
        self.rsctmp
            .path()
            .join(format!("tgw_generic_rk-{INSTANCE}.started"))
    }

    /// Runs `action` with the VIP and `extra` parameters, as Pacemaker would.
    fn ocf(&self, action: &str, extra: &[(&str, &str)]) -> Run {
        let mut cmd = self.cluster.command(Path::new(BIN), self.name);
        cmd.args(["ocf", action])
            .env("OCF_ROOT", "/usr/lib/ocf")
            .env("OCF_RESOURCE_INSTANCE", INSTANCE)
            .env("HA_RSCTMP", self.rsctmp.path())
            .env("OCF_RESKEY_ip", REFERENCE_VIP)
            .env("OCF_RESKEY_connect_timeout", "1")
            .env("OCF_RESKEY_read_timeout", "1")
            .env("OCF_RESKEY_CRM_meta_timeout", "20000");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        Run::from(cmd.output().unwrap())
    }
}

fn exit_reason(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter_map(|l| l.strip_prefix("ocf-exit-reason:"))
        .collect()
}

#[test]
fn start_converges_monitor_says_running_and_stop_makes_no_aws_call() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("monitor", &[]).assert_code(7);
    assert_eq!(
        c.emu.total_calls(),
        0,
        "monitor without a record asks AWS nothing"
    );

    let run = n1.ocf("start", &[]);
    run.assert_code(0);
    c.assert_converged("node1");
    assert!(run.has(127100) && run.has(127101), "{}", run.stderr);
    assert!(n1.record().exists());
    n1.ocf("start", &[]).assert_code(0);

    let run = n1.ocf("monitor", &[]);
    run.assert_code(0);
    assert!(run.at("ERROR").is_empty(), "{}", run.stderr);

    c.emu.reset_counters();
    let run = n1.ocf("stop", &[]);
    run.assert_code(0);
    assert_eq!(c.emu.total_calls(), 0, "stop must make no AWS call");
    assert_eq!(c.emu.imds_requests("node1"), 0, "stop must not ask IMDS");
    assert!(!n1.record().exists());
    c.assert_converged("node1");
    n1.ocf("stop", &[]).assert_code(0);
    n1.ocf("monitor", &[]).assert_code(7);
}

#[test]
fn monitor_fails_for_a_route_seen_pointing_elsewhere() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("start", &[]).assert_code(0);
    c.sabotage_main_table("node1");
    c.emu.reset_counters();
    let run = n1.ocf("monitor", &[]);
    run.assert_code(1);
    assert!(run.has(127009), "{}", run.stderr);
    let reason = exit_reason(&run);
    assert_eq!(reason.len(), 1, "{}", run.stderr);
    assert!(reason[0].contains("127009"), "{reason:?}");
    assert_eq!(c.emu.writes(), 0, "monitor never writes");
    // Pacemaker's recovery is stop then start: restore.
    n1.ocf("stop", &[]).assert_code(0);
    n1.ocf("start", &[]).assert_code(0);
    c.assert_converged("node1");
    n1.ocf("monitor", &[]).assert_code(0);
}

#[test]
fn an_unobservable_aws_is_no_failure_unless_the_user_asks_for_degraded() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("start", &[]).assert_code(0);
    c.emu.set_region_outage(EAST, Outage::Unavailable);
    let run = n1.ocf("monitor", &[]);
    run.assert_code(0);
    assert!(
        !run.at("ERROR").is_empty() || !run.at("WARN").is_empty(),
        "the cause must be logged: {}",
        run.stderr
    );
    assert!(exit_reason(&run).is_empty(), "{}", run.stderr);

    let opt_in = [("OCF_RESKEY_unobservable_is_degraded", "true")];
    let run = n1.ocf("monitor", &opt_in);
    run.assert_code(190);
    assert_eq!(exit_reason(&run).len(), 1, "{}", run.stderr);

    // A probe (interval 0) follows the same rules.
    let probe = [("OCF_RESKEY_CRM_meta_interval", "0")];
    n1.ocf("monitor", &probe).assert_code(0);

    c.emu.set_region_outage(EAST, Outage::None);
    n1.ocf("monitor", &opt_in).assert_code(0);
}

#[test]
fn validate_all_refuses_a_missing_or_malformed_ip_without_asking_anyone() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("validate-all", &[]).assert_code(0);
    for bad in ["", "10.0.0.256", "10.0.0.100/32", "vip"] {
        let run = n1.ocf("validate-all", &[("OCF_RESKEY_ip", bad)]);
        run.assert_code(6);
        assert_eq!(exit_reason(&run).len(), 1, "{bad:?}: {}", run.stderr);
        // start with the same configuration can never work either.
        n1.ocf("start", &[("OCF_RESKEY_ip", bad)]).assert_code(6);
    }
    let run = n1.ocf("validate-all", &[("OCF_RESOURCE_INSTANCE", "../x")]);
    run.assert_code(6);
    assert_eq!(c.emu.total_calls(), 0);
    assert_eq!(c.emu.imds_requests("node1"), 0);
}

#[test]
fn meta_data_and_unknown_actions() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    let run = n1.ocf("meta-data", &[]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">")
    );
    assert!(
        run.stdout
            .contains("<parameter name=\"ip\" unique=\"1\" required=\"1\">")
    );
    n1.ocf("promote", &[]).assert_code(3);
    n1.ocf("reload", &[]).assert_code(3);
    assert_eq!(c.emu.total_calls(), 0);
}

#[test]
fn switchover_node1_to_node2_and_node1_reports_not_running() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    let n2 = Node::new(&c, "node2");
    n1.ocf("start", &[]).assert_code(0);
    c.assert_converged("node1");
    // Pacemaker moves the resource: stop on node1, start on node2.
    n1.ocf("stop", &[]).assert_code(0);
    n1.ocf("monitor", &[]).assert_code(7);
    c.emu.reset_counters();
    n2.ocf("start", &[]).assert_code(0);
    c.assert_converged("node2");
    assert!(c.emu.writes() > 0);
    n2.ocf("monitor", &[]).assert_code(0);
    n1.ocf("monitor", &[]).assert_code(7);
}

#[test]
fn every_action_ends_before_pacemakers_timeout() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("start", &[]).assert_code(0);
    // Every region silent: our own bound (1 s + 2 x 1 s per call) would be
    // far longer than the 4 s Pacemaker gives.
    c.emu.set_region_outage(EAST, Outage::Hang);
    c.emu.set_region_outage("us-west-2", Outage::Hang);
    let extra = [
        ("OCF_RESKEY_connect_timeout", "10"),
        ("OCF_RESKEY_read_timeout", "10"),
        ("OCF_RESKEY_CRM_meta_timeout", "4000"),
    ];
    let started = std::time::Instant::now();
    let run = n1.ocf("monitor", &extra);
    let took = started.elapsed();
    run.assert_code(0);
    assert!(
        took < std::time::Duration::from_secs(4),
        "took {took:?}: {}",
        run.stderr
    );
    c.emu.set_region_outage(EAST, Outage::None);
    c.emu.set_region_outage("us-west-2", Outage::None);
}

#[test]
fn a_start_that_cannot_converge_fails_with_its_reason_and_leaves_no_record() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    c.emu.deny_action("ReplaceRoute");
    let run = n1.ocf("start", &[]);
    run.assert_code(1);
    assert!(run.has(127002), "{}", run.stderr);
    let reason = exit_reason(&run);
    assert_eq!(reason.len(), 1, "{}", run.stderr);
    assert!(reason[0].contains("write(s) failed"), "{reason:?}");
    assert!(!n1.record().exists(), "a failed start must not say started");
    n1.ocf("monitor", &[]).assert_code(7);
}

#[test]
fn monitor_succeeds_when_this_nodes_metadata_cannot_be_read() {
    let c = Cluster::two_region();
    let n1 = Node::new(&c, "node1");
    n1.ocf("start", &[]).assert_code(0);
    c.emu
        .set_imds_fault("node1", ec2_emulator::ImdsFault::ServerError, None);
    let fast = [("OCF_RESKEY_imds_timeout", "1")];
    let run = n1.ocf("monitor", &fast);
    run.assert_code(0);
    assert!(run.has(127023), "{}", run.stderr);
    let opt_in = [
        ("OCF_RESKEY_imds_timeout", "1"),
        ("OCF_RESKEY_unobservable_is_degraded", "1"),
    ];
    n1.ocf("monitor", &opt_in).assert_code(190);
    // start cannot do its work without knowing who this node is.
    n1.ocf("start", &fast).assert_code(1);
}

#[test]
fn across_accounts_the_role_parameter_makes_start_converge_a_landing_zone() {
    let c = Cluster::landing_zone();
    let n1 = Node::new(&c, "node1");
    let role = [("OCF_RESKEY_assume_role_arn", crate::accounts::TEMPLATE)];
    let run = n1.ocf("start", &role);
    run.assert_code(0);
    c.assert_converged("node1");
    assert!(c.emu.sts_calls() > 0, "{}", run.stderr);
    n1.ocf("monitor", &role).assert_code(0);
    // Without the role, node1's account sees none of the other accounts' tables.
    let n2 = Node::new(&c, "node2");
    let blind = n2.ocf("start", &[]);
    assert_ne!(blind.code, 0, "{}", blind.stderr);
    n2.ocf("start", &role).assert_code(0);
    c.assert_converged("node2");
}

#[test]
fn validate_all_refuses_a_role_that_is_no_template() {
    let c = Cluster::landing_zone();
    let n1 = Node::new(&c, "node1");
    let bad = [(
        "OCF_RESKEY_assume_role_arn",
        "arn:aws:iam::222200000001:role/LifeKeeperTgwRoutes",
    )];
    let run = n1.ocf("validate-all", &bad);
    run.assert_code(6);
    assert!(exit_reason(&run)[0].contains("{account}"), "{}", run.stderr);
    assert_eq!(c.emu.total_calls(), 0);
}
