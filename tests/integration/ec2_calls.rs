//! EC2 calls that must not lie (issue 10): throttling retried by time, not
//! by a count; a garbled HTTP 200 never taken for an answer; a remote region
//! that answered errors named as such; a definite "no" in a remote region
//! failing restore with the IAM action named.

use std::time::{Duration, Instant};

use ec2_emulator::{Malformed, Outage};

use crate::util::Cluster;

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

/// AWSCLI_CONNECT_TIMEOUT=2, AWSCLI_READ_TIMEOUT=2: each call's budget is
/// connect + 2 × read = 6 s, and retries start during its first 6 − 2 = 4 s.
const SHORT_TIMEOUTS: &str = "AWSCLI_CONNECT_TIMEOUT=2\nAWSCLI_READ_TIMEOUT=2\n";
const SHORT_BUDGET: Duration = Duration::from_secs(6);

/// Throttling is account-wide: the other node shares the bucket, so
/// retrying by time is the only way through. With the old fixed six attempts
/// a call failed 0.6^6 ≈ 5 % of the time, and one of these switchovers
/// almost surely failed with it.
#[test]
fn sixty_percent_throttling_still_converges_every_switchover() {
    let c = Cluster::two_region();
    c.emu.set_throttle_rate(0.6);
    for node in ["node1", "node2", "node1", "node2"] {
        let run = c.lifekeeper(node, "restore");
        run.assert_code(0);
        c.assert_converged(node);
        c.lifekeeper(node, "quickCheck").assert_code(0);
    }
}

/// At 100 % throttling the calls keep trying for their whole budget (more
/// attempts than the old fixed six), then fail with what AWS answered, and
/// the run ends within the documented bound.
#[test]
fn throttling_that_never_stops_fails_restore_within_the_budget() {
    let c = Cluster::two_region();
    c.set_defaults(SHORT_TIMEOUTS);
    c.emu.set_throttle_rate(1.0);
    let started = Instant::now();
    let run = c.lifekeeper("node1", "restore");
    let took = started.elapsed();
    run.assert_code(1);
    // The local lookups restore needs first fail with their own codes (the
    // TGW tables and peerings only matter once the attachment is known),
    // each saying what AWS answered.
    for code in [127001, 127003] {
        assert!(run.has(code), "{code}: {}", run.stderr);
    }
    let errors = run.at("ERROR");
    assert!(
        errors
            .iter()
            .all(|l| l.contains("answered RequestLimitExceeded (HTTP 503)")),
        "{}",
        run.stderr
    );
    let attempts = c.emu.calls(EAST, "DescribeRouteTables");
    assert!(attempts > 6, "retried by count, not by time: {attempts}");
    assert!(took >= Duration::from_secs(3), "gave up early: {took:?}");
    assert!(
        took < SHORT_BUDGET + Duration::from_secs(3),
        "took {took:?}"
    );

    // quickCheck is bounded the same way, and AWS being unwell is no reason to fail over.
    let started = Instant::now();
    c.lifekeeper("node1", "quickCheck").assert_code(0);
    let took = started.elapsed();
    assert!(
        took < SHORT_BUDGET + Duration::from_secs(3),
        "took {took:?}"
    );
}

/// A well-framed 200 whose document stops half-way decodes, leniently, as a
/// shorter list of route tables; restore must never act on it and exit 0.
#[test]
fn a_truncated_answer_is_an_error_never_a_shorter_answer() {
    let c = Cluster::two_region();
    c.set_defaults(SHORT_TIMEOUTS);
    c.emu
        .set_malformed_replies(EAST, "DescribeRouteTables", Malformed::Truncated, None);
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let line = run.lines(127001).join("\n");
    assert!(
        line.contains("HTTP 200") && line.contains("truncated inside"),
        "{}",
        run.stderr
    );
    assert!(
        c.emu.calls(EAST, "DescribeRouteTables") > 1,
        "a garbled answer is retried like a 5xx"
    );
    // The other hops converge as usual; no table of the garbled east list was touched.
    let east = format!("({EAST})");
    assert!(
        run.lines(127100)
            .iter()
            .all(|l| !(l.contains(" in rtb-") && l.contains(&east))),
        "{}",
        run.stderr
    );
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

/// One garbled answer (either kind) is retried and the run converges.
#[test]
fn a_transient_garbled_answer_is_retried_and_converges() {
    for (kind, node) in [
        (Malformed::Truncated, "node1"),
        (Malformed::Garbage, "node2"),
    ] {
        let c = Cluster::two_region();
        c.emu.set_throttle_rate(0.0);
        let region = c.emu.node(node).unwrap().region;
        c.emu
            .set_malformed_replies(&region, "DescribeRouteTables", kind, Some(1));
        let run = c.lifekeeper(node, "restore");
        run.assert_code(0);
        c.assert_converged(node);
        assert!(
            c.emu.calls(&region, "DescribeRouteTables") >= 2,
            "{kind:?}: {}",
            run.stderr
        );
    }
}

/// A remote region answering 5xx is unavailable (WARN, exit 0), and the line
/// says what it answered instead of claiming it did not answer.
#[test]
fn a_remote_region_answering_errors_is_named_for_what_it_answered() {
    for (outage, answer) in [
        (Outage::InternalError, "answered InternalError (HTTP 500)"),
        (Outage::Unavailable, "answered Unavailable (HTTP 503)"),
    ] {
        let c = Cluster::two_region();
        c.set_defaults(SHORT_TIMEOUTS);
        c.emu.set_region_outage(WEST, outage);
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        assert!(run.has(127033), "{}", run.stderr);
        let lines = run.lines(127110);
        assert!(!lines.is_empty(), "{outage:?}: {}", run.stderr);
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with("WARN:") && l.contains(WEST) && l.contains(answer)),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("did not answer"),
            "it did answer: {}",
            run.stderr
        );
        let wrong = c.mismatches("node1");
        assert!(
            wrong.iter().all(|w| w.contains("-02")),
            "east not converged: {wrong:?}"
        );
    }
}

/// A definite "no" from the remote region is no outage: restore fails with
/// the AWS code and the IAM action, the local hops converge all the same,
/// and quickCheck (which cannot see a wrong route there) stays healthy.
#[test]
fn a_denial_in_the_remote_region_only_fails_restore_and_names_the_action() {
    let c = Cluster::two_region();
    c.emu.deny_action_in(WEST, "DescribeRouteTables");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let line = run.lines(127001).join("\n");
    assert!(
        line.starts_with("ERROR:")
            && line.contains(WEST)
            && line.contains("UnauthorizedOperation")
            && line.contains("ec2:DescribeRouteTables"),
        "{}",
        run.stderr
    );
    assert!(!run.has(127110) && !run.has(127102), "{}", run.stderr);
    let wrong = c.mismatches("node1");
    assert!(
        wrong.iter().all(|w| w.contains("-02")),
        "east not converged: {wrong:?}"
    );
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn a_denied_remote_write_fails_restore_and_names_the_action() {
    let c = Cluster::two_region();
    c.emu.deny_action_in(WEST, "ReplaceTransitGatewayRoute");
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let line = run.lines(127006).join("\n");
    assert!(
        line.starts_with("ERROR:")
            && line.contains(WEST)
            && line.contains("UnauthorizedOperation")
            && line.contains("ec2:ReplaceTransitGatewayRoute"),
        "{}",
        run.stderr
    );
    assert!(run.has(127018), "{}", run.stderr);
    let wrong = c.mismatches("node1");
    assert!(
        !wrong.is_empty() && wrong.iter().all(|w| w.contains("tgw-rtb-02")),
        "only the west TGW table may stay wrong: {wrong:?}"
    );
}
