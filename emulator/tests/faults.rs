//! Misbehaviour knobs and protocol edges: denied actions, throttling,
//! regional outages, latency, authentication/region resolution, unknown
//! actions, and the call counters.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::error::SdkError;
use common::{block_on, client, code, code_and_message, config, ec2_raw, raw, reference};
use ec2_emulator::{Emulator, Outage};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";

fn describe(emulator: &Emulator, region: &str) -> Result<(), String> {
    let result = block_on(client(emulator, region).describe_route_tables().send());
    result.map(|_| ()).map_err(|e| code(Err::<(), _>(e)))
}

#[test]
fn denied_actions_answer_unauthorized_even_for_dry_run() {
    let emulator = reference();
    emulator.deny_action("DescribeRouteTables");
    let denied = block_on(client(&emulator, EAST).describe_route_tables().send());
    assert_eq!(
        code_and_message(denied),
        (
            "UnauthorizedOperation".to_string(),
            "You are not authorized to perform this operation.".to_string()
        )
    );
    let dry = block_on(
        client(&emulator, EAST)
            .describe_route_tables()
            .dry_run(true)
            .send(),
    );
    assert_eq!(code(dry), "UnauthorizedOperation");
    assert!(block_on(client(&emulator, EAST).describe_vpcs().send()).is_ok());
    emulator.allow_action("DescribeRouteTables");
    assert_eq!(describe(&emulator, EAST), Ok(()));
    assert_eq!(emulator.calls(EAST, "DescribeRouteTables"), 3);
}

#[test]
fn full_throttling_is_seen_without_retries_and_survived_with_them() {
    let emulator = reference();
    emulator.set_throttle_rate(1.0);
    assert_eq!(
        describe(&emulator, EAST),
        Err("RequestLimitExceeded".to_string())
    );
    emulator.set_throttle_rate(0.5);
    let retrying = config(&emulator, EAST)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(12)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    let client = aws_sdk_ec2::Client::from_conf(retrying);
    emulator.reset_counters();
    for _ in 0..5 {
        block_on(client.describe_route_tables().send()).unwrap();
    }
    assert!(
        emulator.calls(EAST, "DescribeRouteTables") > 5,
        "some attempts must have been throttled"
    );
}

#[test]
fn throttling_is_repeatable_for_a_seed() {
    let pattern = |seed: u64| -> Vec<bool> {
        let emulator = reference();
        emulator.set_throttle_seed(seed);
        emulator.set_throttle_rate(0.5);
        (0..24).map(|_| describe(&emulator, EAST).is_ok()).collect()
    };
    let first = pattern(42);
    assert_eq!(first, pattern(42));
    assert!(first.contains(&true) && first.contains(&false));
    assert_ne!(first, pattern(43));
}

#[test]
fn an_unavailable_region_answers_503_and_others_do_not_notice() {
    let emulator = reference();
    emulator.set_region_outage(WEST, Outage::Unavailable);
    assert_eq!(describe(&emulator, WEST), Err("Unavailable".to_string()));
    assert_eq!(describe(&emulator, EAST), Ok(()));
    emulator.set_region_outage(WEST, Outage::None);
    assert_eq!(describe(&emulator, WEST), Ok(()));
}

#[test]
fn a_hung_region_times_clients_out() {
    let emulator = reference();
    emulator.set_region_outage(WEST, Outage::Hang);
    let impatient = config(&emulator, WEST)
        .timeout_config(
            TimeoutConfig::builder()
                .read_timeout(Duration::from_millis(300))
                .build(),
        )
        .build();
    let started = Instant::now();
    let result = block_on(
        aws_sdk_ec2::Client::from_conf(impatient)
            .describe_route_tables()
            .send(),
    );
    assert!(
        matches!(
            result,
            Err(SdkError::TimeoutError(_)) | Err(SdkError::DispatchFailure(_))
        ),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(describe(&emulator, EAST), Ok(()));
}

#[test]
fn a_hung_request_completes_once_the_outage_is_cleared() {
    let emulator = reference();
    emulator.set_region_outage(WEST, Outage::Hang);
    let client = client(&emulator, WEST);
    let started = Instant::now();
    let waiter = std::thread::spawn(move || {
        block_on(client.describe_route_tables().send())
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(!waiter.is_finished());
    emulator.set_region_outage(WEST, Outage::None);
    assert!(waiter.join().unwrap().is_ok());
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn latency_delays_only_the_configured_region() {
    let emulator = reference();
    emulator.set_latency(EAST, Duration::from_millis(250));
    let started = Instant::now();
    assert_eq!(describe(&emulator, EAST), Ok(()));
    assert!(started.elapsed() >= Duration::from_millis(250));
    emulator.set_latency(EAST, Duration::ZERO);
    assert_eq!(describe(&emulator, WEST), Ok(()));
}

#[test]
fn the_region_comes_from_the_credential_scope() {
    let emulator = reference();
    let unknown = block_on(
        client(&emulator, "eu-west-1")
            .describe_route_tables()
            .send(),
    );
    assert_eq!(code(unknown), "AuthFailure");
    let unsigned = raw(
        emulator.ec2_addr(),
        "POST",
        "/",
        &[],
        "Action=DescribeRouteTables&Version=2016-11-15",
    );
    assert_eq!(unsigned.status, 400);
    assert!(
        unsigned.body.contains("<Code>MissingParameter</Code>"),
        "{}",
        unsigned.body
    );
    let west = ec2_raw(&emulator, WEST, "Action=DescribeVpcs&Version=2016-11-15");
    assert_eq!(west.status, 200);
    assert!(
        west.body.contains("vpc-02000000000000002") && !west.body.contains("vpc-01000000000000001")
    );
    assert_eq!(emulator.total_calls(), 1);
}

#[test]
fn unknown_actions_and_missing_versions_are_client_errors() {
    let emulator = reference();
    let unknown = ec2_raw(&emulator, EAST, "Action=RunInstances&Version=2016-11-15");
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("<Code>InvalidAction</Code>"),
        "{}",
        unknown.body
    );
    let request_id = unknown.header("x-amzn-requestid").unwrap();
    assert!(
        unknown
            .body
            .contains(&format!("<RequestID>{request_id}</RequestID>"))
    );
    let no_version = ec2_raw(&emulator, EAST, "Action=DescribeVpcs");
    assert!(
        no_version.body.contains("<Code>MissingParameter</Code>"),
        "{}",
        no_version.body
    );
    let ok = ec2_raw(&emulator, EAST, "Action=DescribeVpcs&Version=2016-11-15");
    assert!(
        ok.body
            .contains("<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">")
    );
    assert!(ok.body.contains("<requestId>"));
    assert_eq!(emulator.calls(EAST, "RunInstances"), 1);
}

#[test]
fn counters_track_calls_per_region_and_action() {
    let emulator = reference();
    emulator.set_throttle_rate(1.0);
    assert!(describe(&emulator, EAST).is_err());
    emulator.set_throttle_rate(0.0);
    assert_eq!(describe(&emulator, EAST), Ok(()));
    assert_eq!(describe(&emulator, WEST), Ok(()));
    block_on(client(&emulator, WEST).describe_transit_gateways().send()).unwrap();
    let counts = emulator.call_counts();
    assert_eq!(
        counts.get(&(EAST.to_string(), "DescribeRouteTables".to_string())),
        Some(&2)
    );
    assert_eq!(
        counts.get(&(WEST.to_string(), "DescribeTransitGateways".to_string())),
        Some(&1)
    );
    assert_eq!(emulator.total_calls(), 4);
    assert_eq!(emulator.writes(), 0);
    emulator.reset_counters();
    assert_eq!(
        (emulator.total_calls(), emulator.call_counts().len()),
        (0, 0)
    );
}
