//! What goes wrong in the field, and what the tool must do about it.

use std::time::Instant;

use ec2_emulator::{ImdsFault, Outage, Topology, VpcAttachment};

use crate::util::{Cluster, vip_cidr};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

fn node1_vpc(c: &Cluster) -> String {
    c.emu.node("node1").unwrap().vpc
}

#[test]
fn bad_info_values_fail_before_any_aws_call() {
    let c = Cluster::two_region();
    for (info, code) in [
        ("", 127035),
        ("   ", 127035),
        ("10.0.0.256", 127036),
        ("10.0.0.1/32", 127036),
        ("010.0.0.1", 127036),
        ("vip=10.0.0.1", 127036),
    ] {
        c.set_info(info);
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(1);
        assert_eq!(run.codes(), [code], "info {info:?}: {}", run.stderr);
    }
    assert_eq!(c.emu.total_calls(), 0);
    assert_eq!(c.emu.imds_requests("node1"), 0);
    assert!(
        c.ins_list_args()
            .contains(&format!("-t {} -f:", crate::util::TAG))
    );
}

#[test]
fn a_missing_ins_list_says_why_before_127035() {
    let mut c = Cluster::two_region();
    c.env
        .insert("LKROOT".into(), "/nonexistent/LifeKeeper".into());
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert_eq!(run.codes(), [127106, 127035], "{}", run.stderr);
    assert!(
        run.lines(127106)[0].contains("/nonexistent/LifeKeeper/bin/ins_list"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_vip_route_in_the_local_vpc_is_127011_and_the_rest_still_converges() {
    let c = Cluster::two_region();
    let vpc = node1_vpc(&c);
    for t in c
        .emu
        .topology()
        .route_tables
        .iter()
        .filter(|t| t.vpc == vpc)
    {
        let _ = c.emu.delete_route(&t.id, &vip_cidr());
    }
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127011), "{}", run.stderr);
    c.assert_converged("node1");
}

/// Drops attachments and every TGW route that used them, keeping the topology valid.
fn drop_attachments(topo: &mut Topology, gone: &[String]) {
    topo.vpc_attachments.retain(|a| !gone.contains(&a.id));
    topo.peerings.retain(|p| !gone.contains(&p.id));
    for t in &mut topo.tgw_route_tables {
        t.routes
            .retain(|r| r.attachment.as_ref().is_none_or(|a| !gone.contains(a)));
    }
}

#[test]
fn no_tgw_on_the_local_vpc_is_127012() {
    let mut topo = Topology::two_region();
    let vpc = topo.node("node1").unwrap().vpc.clone();
    let gone: Vec<String> = topo
        .vpc_attachments
        .iter()
        .filter(|a| a.vpc == vpc)
        .map(|a| a.id.clone())
        .collect();
    drop_attachments(&mut topo, &gone);
    for t in topo.route_tables.iter_mut().filter(|t| t.vpc == vpc) {
        t.routes.retain(|r| !r.target.starts_with("tgw-"));
        t.routes.push(ec2_emulator::VpcRoute {
            destination: vip_cidr(),
            target: "igw-01000000000000001".into(),
            state: Default::default(),
        });
    }
    let c = Cluster::start(topo);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127012), "{}", run.stderr);
}

#[test]
fn two_tgws_on_the_local_vpc_warn_127013_and_use_the_lowest_id() {
    let mut topo = Topology::two_region();
    let vpc = topo.node("node1").unwrap().vpc.clone();
    topo.transit_gateways.push(ec2_emulator::TransitGateway {
        id: "tgw-09999999999999999".into(),
        region: EAST.into(),
        name: None,
    });
    topo.vpc_attachments.push(VpcAttachment {
        id: "tgw-attach-09999999999999999".into(),
        tgw: "tgw-09999999999999999".into(),
        vpc,
        state: "available".into(),
        name: None,
    });
    let c = Cluster::start(topo);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    let warn = run.lines(127013);
    assert_eq!(warn.len(), 1, "{}", run.stderr);
    assert!(
        warn[0].starts_with("WARN:") && warn[0].contains("(2). Using tgw-01"),
        "{}",
        warn[0]
    );
    c.assert_converged("node1");
}

#[test]
fn no_peering_warns_127019_and_does_the_local_hops() {
    let mut topo = Topology::two_region();
    let gone: Vec<String> = topo.peerings.iter().map(|p| p.id.clone()).collect();
    drop_attachments(&mut topo, &gone);
    // The east TGW's VIP route went over the peering; leave it pointing wrong.
    let east = topo
        .tgw_route_tables
        .iter_mut()
        .find(|t| t.id.starts_with("tgw-rtb-01"))
        .unwrap();
    east.routes.push(ec2_emulator::TgwRoute {
        destination: vip_cidr(),
        attachment: Some("tgw-attach-01000000000000011".into()),
        route_type: Default::default(),
        state: Default::default(),
    });
    let c = Cluster::start(topo);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127019), "{}", run.stderr);
    c.assert_converged("node1");
    assert_eq!(c.emu.calls(WEST, "DescribeRouteTables"), 0);
}

#[test]
fn remote_vpcs_without_the_route_warn_127022() {
    let c = Cluster::two_region();
    let node1_vpc = node1_vpc(&c);
    for t in c
        .emu
        .topology()
        .route_tables
        .iter()
        .filter(|t| t.vpc != node1_vpc)
    {
        let _ = c.emu.delete_route(&t.id, &vip_cidr());
    }
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(run.has(127022), "{}", run.stderr);
    c.assert_converged("node1");
}

#[test]
fn a_remote_region_that_hangs_is_skipped_in_bounded_time() {
    let c = Cluster::two_region();
    let defaults = "AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=1\n";
    c.set_defaults(defaults);
    c.emu.set_region_outage(WEST, Outage::Hang);
    let started = Instant::now();
    let run = c.lifekeeper("node1", "restore");
    let took = started.elapsed();
    run.assert_code(0);
    assert!(run.has(127033) && run.has(127102), "{}", run.stderr);
    // Documented (README "Time bounds"): a silent remote region holds the
    // run up by at most one call budget, connect + 2 × read = 3 s here.
    let silence = crate::util::bound(defaults).remote;
    assert!(took < silence + crate::util::MARGIN, "took {took:?}");
    // Everything in the surviving region converged.
    let wrong = c.mismatches("node1");
    assert!(
        wrong.iter().all(|w| w.contains("-02")),
        "east not converged: {wrong:?}"
    );
    c.emu.set_region_outage(WEST, Outage::None);
    c.lifekeeper("node1", "recover").assert_code(0);
    c.assert_converged("node1");
}

#[test]
fn quick_check_passes_when_aws_cannot_be_observed() {
    let c = Cluster::two_region();
    c.set_defaults("AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=1\n");
    // Routes are wrong for node1, but nobody can see that.
    c.emu.set_region_outage(EAST, Outage::Unavailable);
    let run = c.lifekeeper("node1", "quickCheck");
    run.assert_code(0);
    assert!(
        !run.at("ERROR").is_empty(),
        "the cause must be logged: {}",
        run.stderr
    );

    c.emu.set_region_outage(EAST, Outage::Hang);
    c.lifekeeper("node1", "quickCheck").assert_code(0);

    c.emu.set_region_outage(EAST, Outage::None);
    c.emu.deny_action("DescribeRouteTables");
    // The TGW routes can still be read and point the wrong way: seen, so quickCheck fails.
    let run = c.lifekeeper("node1", "quickCheck");
    run.assert_code(1);
    assert!(
        run.has(127001) && run.stderr.contains("ec2:DescribeRouteTables") && run.has(127015),
        "{}",
        run.stderr
    );

    // With every route right, the denied read hides nothing wrong: no failover for it.
    c.emu.allow_action("DescribeRouteTables");
    c.lifekeeper("node1", "restore").assert_code(0);
    c.emu.deny_action("DescribeRouteTables");
    let run = c.lifekeeper("node1", "quickCheck");
    run.assert_code(0);
    assert!(
        run.has(127001) && run.stderr.contains("ec2:DescribeRouteTables"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_denied_replace_route_names_the_missing_permission() {
    let c = Cluster::two_region();
    c.emu.deny_action("ReplaceRoute");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let line = run.lines(127002).join("\n");
    assert!(
        line.contains("UnauthorizedOperation") && line.contains("ec2:ReplaceRoute"),
        "{}",
        run.stderr
    );
    assert!(line.contains(EAST) && line.contains("rtb-"), "{line}");
    assert!(run.has(127010), "{}", run.stderr);
    assert!(
        run.has(127021),
        "node2's tables are remote VPC tables: {}",
        run.stderr
    );
}

#[test]
fn a_denied_replace_tgw_route_names_the_missing_permission() {
    let c = Cluster::two_region();
    c.emu.deny_action("ReplaceTransitGatewayRoute");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let line = run.lines(127006).join("\n");
    assert!(
        line.contains("ec2:ReplaceTransitGatewayRoute"),
        "{}",
        run.stderr
    );
    assert!(run.has(127016) && run.has(127018), "{}", run.stderr);
    // VPC routes did not wait for the TGW ones.
    let vpc = node1_vpc(&c);
    let eni = c.emu.node("node1").unwrap().eni;
    for t in c
        .emu
        .topology()
        .route_tables
        .iter()
        .filter(|t| t.vpc == vpc)
    {
        if let Some(r) = t.routes.iter().find(|r| r.destination == vip_cidr()) {
            assert_eq!(r.target, eni);
        }
    }
}

#[test]
fn denied_lookups_in_a_remote_region_fail_restore_with_their_code() {
    let c = Cluster::two_region();
    c.emu.deny_action("DescribeTransitGatewayVpcAttachments");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127003), "{}", run.stderr);
}

#[test]
fn transient_imds_failures_are_retried_with_their_warnings() {
    for (fault, code) in [
        (ImdsFault::EmptyBody, 127034),
        (ImdsFault::ServerError, 127038),
        (ImdsFault::ItemServerError, 127041),
        (ImdsFault::TokenRefused, 127038),
        (ImdsFault::EmptyToken, 127039),
    ] {
        let c = Cluster::two_region();
        c.emu.set_imds_fault("node1", fault, Some(1));
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        assert!(run.has(code), "{fault:?}: {}", run.stderr);
        c.assert_converged("node1");
    }
}

#[test]
fn imds_that_never_answers_fails_restore_but_not_quick_check() {
    let c = Cluster::two_region();
    c.set_defaults("LK_CURL_TIMEOUT=1\n");
    c.emu.set_imds_fault("node1", ImdsFault::ServerError, None);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127023), "{}", run.stderr);
    assert_eq!(c.emu.total_calls(), 0);
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn the_vip_on_no_interface_falls_back_to_the_primary_one() {
    let c = Cluster::two_region();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    let warn = run.lines(127037);
    assert_eq!(warn.len(), 1, "{}", run.stderr);
    assert!(
        warn[0].ends_with("We will use the the first device found"),
        "{}",
        warn[0]
    );
}
