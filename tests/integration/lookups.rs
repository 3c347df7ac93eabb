//! Lookups that fail: never reported as an absence, and a local one that
//! only blocks the remote hops does not fail a restore whose local hops converged.

use serde_json::Value;

use crate::util::Cluster;

const EAST: &str = "us-east-1";
const WEST_TGW_TABLE: &str = "tgw-rtb-02000000000000001";
const PEERINGS: &str = "DescribeTransitGatewayPeeringAttachments";
const ATTACHMENTS: &str = "DescribeTransitGatewayVpcAttachments";

fn fast(c: &Cluster) {
    c.set_defaults("AWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=1\n");
}

#[test]
fn a_transient_local_peering_failure_warns_and_the_local_hops_converge() {
    for (status, code) in [(500, "InternalError"), (503, "RequestLimitExceeded")] {
        let c = Cluster::two_region();
        fast(&c);
        c.emu.fail_action(EAST, PEERINGS, status, code, None);
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        let warn = run.lines(127113);
        assert_eq!(warn.len(), 1, "{code}: {}", run.stderr);
        assert!(warn[0].starts_with("WARN:"), "{}", warn[0]);
        assert!(!run.has(127007), "{}", run.stderr);
        // The local hops converged; the remote ones wait for the next round.
        let wrong = c.mismatches("node1");
        assert!(
            !wrong.is_empty() && wrong.iter().all(|w| w.contains("-02")),
            "{wrong:?}"
        );
        c.lifekeeper("node1", "quickCheck").assert_code(0);
        let doctor = c.cli("node1", &["doctor", "--ip", "10.0.0.100"]);
        let peered = doctor
            .stdout
            .lines()
            .find(|l| l.contains("routes.peered-tgw"))
            .unwrap_or_default();
        assert!(
            peered.contains("not checked") && !peered.contains("single-region"),
            "{}",
            doctor.stdout
        );

        c.emu.clear_action_fault(EAST, PEERINGS);
        c.lifekeeper("node1", "recover").assert_code(0);
        c.assert_converged("node1");
    }
}

#[test]
fn a_definite_local_peering_failure_fails_restore() {
    for (status, code) in [
        (403, "UnauthorizedOperation"),
        (400, "InvalidParameterValue"),
    ] {
        let c = Cluster::two_region();
        c.emu.fail_action(EAST, PEERINGS, status, code, None);
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(1);
        let error = run.lines(127007);
        assert_eq!(error.len(), 1, "{code}: {}", run.stderr);
        assert!(
            error[0].starts_with("ERROR:") && error[0].contains(code),
            "{}",
            error[0]
        );
        assert!(!run.has(127113), "{}", run.stderr);
    }
}

#[test]
fn a_failed_attachment_lookup_is_127003_never_127012() {
    let c = Cluster::two_region();
    fast(&c);
    c.emu
        .fail_action(EAST, ATTACHMENTS, 500, "InternalError", None);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    assert!(run.has(127003), "{}", run.stderr);
    assert!(!run.has(127012), "{}", run.stderr);

    let status = c.cli("node1", &["status", "--ip", "10.0.0.100", "--json"]);
    status.assert_code(1);
    let doc: Value = serde_json::from_str(&status.stdout).unwrap();
    let codes: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_u64())
        .collect();
    assert!(
        codes.contains(&127003) && !codes.contains(&127012),
        "{codes:?}"
    );

    let human = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    assert!(
        human.stdout.contains("Local TGW: unknown"),
        "{}",
        human.stdout
    );

    let doctor = c.cli("node1", &["doctor", "--ip", "10.0.0.100"]);
    assert!(
        !doctor.stdout.contains("attached to no Transit Gateway"),
        "{}",
        doctor.stdout
    );
    assert!(doctor.stdout.contains("not checked"), "{}", doctor.stdout);
}

#[test]
fn a_failed_remote_tgw_search_is_no_missing_route() {
    let c = Cluster::two_region();
    fast(&c);
    c.emu.fail_action(
        "us-west-2",
        "SearchTransitGatewayRoutes",
        500,
        "InternalError",
        None,
    );
    let status = c.cli("node1", &["status", "--ip", "10.0.0.100", "--json"]);
    let doc: Value = serde_json::from_str(&status.stdout).unwrap();
    let rows = doc["routes"].as_array().unwrap();
    assert!(
        rows.iter()
            .filter(|r| r["table_id"] == WEST_TGW_TABLE)
            .all(|r| r["state"] != "MISSING" && r["state"] != "LEFT_ALONE"),
        "{doc:#}"
    );
}
