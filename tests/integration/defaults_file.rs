//! `/etc/default/LifeKeeper` as it is found in the field (issue 10): a path
//! that cannot be read, a quote left open, absurd values. None of them may
//! hang a run, eat the host's memory, or cost more than a warning.

use std::time::Duration;

use crate::util::{Cluster, run_within};

#[test]
fn a_defaults_path_that_is_a_directory_costs_one_warning_and_no_time() {
    let mut c = Cluster::two_region();
    let dir = c.lkroot().join("LifeKeeper.d");
    std::fs::create_dir(&dir).unwrap();
    c.env
        .insert("TGW_RK_DEFAULTS".into(), dir.display().to_string());
    // node2 is active in the reference topology, so its quickCheck passes.
    for action in ["remove", "quickCheck"] {
        let run = run_within(
            c.lifekeeper_command("node2", action),
            Duration::from_secs(20),
        )
        .unwrap_or_else(|| panic!("{action} did not finish"));
        run.assert_code(0);
        let warned = run.lines(127104);
        assert_eq!(warned.len(), 1, "{action}: {}", run.stderr);
        assert!(
            warned[0].contains(&dir.display().to_string()) && warned[0].contains("directory"),
            "{}",
            warned[0]
        );
    }
}

#[test]
fn an_open_quote_costs_its_own_line_only() {
    let mut c = Cluster::two_region();
    // The endpoint cannot be reached but through the proxy on line 3.
    c.env.insert(
        "AWS_ENDPOINT_URL".into(),
        "http://ec2.emulator.invalid".into(),
    );
    c.set_defaults(&format!(
        "AWSCLI_READ_TIMEOUT=5\nLK_CURL_TIMEOUT='3\nHTTP_PROXY={}\n",
        c.emu.ec2_endpoint()
    ));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    c.assert_converged("node1");
    assert!(c.emu.proxied_requests() > 0, "line 3 was read");
    let warned = run.lines(127104);
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(
        warned[0].contains("line 2: LK_CURL_TIMEOUT: the ' opened"),
        "{}",
        warned[0]
    );
}

#[test]
fn absurd_values_are_clamped_with_a_warning() {
    let c = Cluster::two_region();
    c.set_defaults(
        "AWSCLI_READ_TIMEOUT=99999999999\nAWSCLI_CONNECT_TIMEOUT=18446744073709551616\n\
         TGW_RK_CONCURRENCY=18446744073709551615\n",
    );
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    c.assert_converged("node1");
    let warned = run.lines(127104);
    assert_eq!(warned.len(), 3, "{}", run.stderr);
    assert!(
        warned
            .iter()
            .all(|w| w.contains("above the accepted maximum")),
        "{}",
        run.stderr
    );
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}
