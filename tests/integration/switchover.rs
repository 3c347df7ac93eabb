//! The happy paths: both switchover directions, idempotence, quickCheck,
//! recover, remove, and nothing but the VIP's routes ever touched.

use ec2_emulator::Topology;

use crate::util::{Cluster, vip_cidr};

/// node1's restore moves node1's two tables, both TGW tables and node2's two
/// tables; client tables already point at their own TGW.
const MOVES_PER_SWITCHOVER: u64 = 6;

#[test]
fn switchover_to_node1_and_back_to_node2() {
    let c = Cluster::two_region();
    assert!(
        !c.mismatches("node1").is_empty(),
        "fixture must start wrong for node1"
    );
    let untouchable = c.untouchable_routes();

    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    c.assert_converged("node1");
    assert_eq!(c.emu.writes(), MOVES_PER_SWITCHOVER);
    assert_eq!(
        run.lines(127100).len() as u64,
        MOVES_PER_SWITCHOVER,
        "{}",
        run.stderr
    );
    assert!(run.has(127101));

    c.emu.reset_counters();
    let run = c.lifekeeper("node2", "restore");
    run.assert_code(0);
    c.assert_converged("node2");
    assert_eq!(c.emu.writes(), MOVES_PER_SWITCHOVER);
    assert_eq!(
        c.untouchable_routes(),
        untouchable,
        "non-VIP or other-VIP routes changed"
    );
}

#[test]
fn replacement_lines_say_what_moved_from_what_to_what() {
    let c = Cluster::two_region();
    let before = c.emu.topology();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    let node1 = before.node("node1").unwrap();
    let main = before
        .route_tables
        .iter()
        .find(|t| t.vpc == node1.vpc && t.main)
        .unwrap();
    let old = &main
        .routes
        .iter()
        .find(|r| r.destination == vip_cidr())
        .unwrap()
        .target;
    let line = run
        .lines(127100)
        .into_iter()
        .find(|l| l.contains(&main.id))
        .unwrap_or_else(|| panic!("no 127100 line for {}:\n{}", main.id, run.stderr));
    assert!(line.starts_with("INFO:tgw_generic_rk:restore:"), "{line}");
    assert!(line.ends_with(&format!("{old} -> {}", node1.eni)), "{line}");
}

#[test]
fn a_second_restore_writes_nothing() {
    let c = Cluster::two_region();
    c.lifekeeper("node1", "restore").assert_code(0);
    c.emu.reset_counters();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert_eq!(c.emu.writes(), 0);
    assert!(run.lines(127100).is_empty());
    let summary = run.lines(127101).join("\n");
    assert!(summary.contains("0 replaced"), "{summary}");
}

#[test]
fn quick_check_reports_every_wrong_hop_and_passes_once_restored() {
    let c = Cluster::two_region();
    let run = c.lifekeeper("node1", "quickCheck");
    run.assert_code(1);
    for code in [127009, 127015, 127017, 127020] {
        assert!(
            run.has(code),
            "quickCheck did not report {code}:\n{}",
            run.stderr
        );
    }
    // Every mismatch, not only the first: two node1 tables and two node2 tables.
    assert_eq!(run.lines(127009).len(), 2, "{}", run.stderr);
    assert_eq!(run.lines(127020).len(), 2, "{}", run.stderr);
    assert_eq!(c.emu.writes(), 0, "quickCheck must never write");

    c.lifekeeper("node1", "restore").assert_code(0);
    let run = c.lifekeeper("node1", "quickCheck");
    run.assert_code(0);
    assert!(run.at("ERROR").is_empty(), "{}", run.stderr);
}

#[test]
fn healthy_quick_check_costs_one_lookup_per_kind_per_region() {
    let c = Cluster::two_region();
    c.lifekeeper("node1", "restore").assert_code(0);
    c.emu.reset_counters();
    c.lifekeeper("node1", "quickCheck").assert_code(0);
    let calls = c.emu.call_counts();
    for ((region, action), n) in &calls {
        assert_eq!(*n, 1, "{region} {action} called {n} times: {calls:?}");
    }
    // Local: route tables, attachments, peerings, TGW tables, one search;
    // remote: the same but peerings.
    assert_eq!(c.emu.total_calls(), 9, "{calls:?}");
}

#[test]
fn recover_converges_like_restore() {
    let c = Cluster::two_region();
    let run = c.lifekeeper("node1", "recover");
    run.assert_code(0);
    c.assert_converged("node1");
    assert!(run.lines(127101)[0].contains(":recover:"));
}

#[test]
fn remove_makes_no_call_at_all() {
    let c = Cluster::two_region();
    let run = c.lifekeeper("node1", "remove");
    run.assert_code(0);
    assert_eq!(c.emu.total_calls(), 0);
    assert_eq!(c.emu.imds_requests("node1"), 0);
    assert_eq!(c.ins_list_args(), "", "remove needs no VIP");
}

#[test]
fn single_region_cluster_switches_over() {
    let c = Cluster::start(Topology::single_region());
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127019), "one TGW, no peering: {}", run.stderr);
    c.assert_converged("node1");
    c.lifekeeper("node2", "restore").assert_code(0);
    c.assert_converged("node2");
}

#[test]
fn tiny_pages_still_see_everything() {
    let c = Cluster::two_region();
    c.emu.set_page_size(Some(1));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn thirty_percent_throttling_converges() {
    let c = Cluster::two_region();
    c.emu.set_throttle_rate(0.3);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    c.assert_converged("node1");
    c.emu.set_throttle_rate(0.0);
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn a_static_blackhole_route_is_replaced() {
    let c = Cluster::two_region();
    let topo = c.emu.topology();
    let west_tgw_table = &topo
        .tgw_route_tables
        .iter()
        .find(|t| t.id.starts_with("tgw-rtb-02"))
        .unwrap()
        .id;
    c.emu
        .set_tgw_route(west_tgw_table, &vip_cidr(), None)
        .unwrap();
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn the_mesh_converges_from_every_direction() {
    let spec = ec2_emulator::MeshSpec {
        regions: 3,
        vpcs_per_region: 3,
        tables_per_vpc: 2,
        tgw_tables_per_tgw: 2,
    };
    let c = Cluster::start(Topology::mesh(&spec).unwrap());
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    c.lifekeeper("node2", "restore").assert_code(0);
    c.assert_converged("node2");
}
