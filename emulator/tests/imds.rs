//! IMDSv2 per node over plain HTTP: the token dance, every served path,
//! every fault (with and without a count), the request counter, and the
//! SDK's own IMDS credential and region providers.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use aws_config::imds;
use aws_config::provider_config::ProviderConfig;
use aws_sdk_ec2::config::ProvideCredentials;
use common::{RawResponse, block_on, raw, raw_within, reference};
use ec2_emulator::{Emulator, ImdsFault};

const TTL: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN: &str = "x-aws-ec2-metadata-token";

fn addr(emulator: &Emulator, node: &str) -> SocketAddr {
    emulator.imds_addr(node).unwrap()
}

fn put_token(emulator: &Emulator, node: &str, ttl: &str) -> RawResponse {
    raw(
        addr(emulator, node),
        "PUT",
        "/latest/api/token",
        &[(TTL, ttl)],
        "",
    )
}

fn token(emulator: &Emulator, node: &str) -> String {
    let response = put_token(emulator, node, "300");
    assert_eq!(response.status, 200);
    response.body
}

fn get(emulator: &Emulator, node: &str, path: &str, token: &str) -> RawResponse {
    raw(addr(emulator, node), "GET", path, &[(TOKEN, token)], "")
}

fn metadata(emulator: &Emulator, node: &str, key: &str) -> String {
    let token = token(emulator, node);
    let response = get(emulator, node, &format!("/latest/meta-data/{key}"), &token);
    assert_eq!(response.status, 200, "{key}");
    response.body
}

#[test]
fn token_requires_a_valid_ttl_and_echoes_it() {
    let emulator = reference();
    let ok = put_token(&emulator, "node1", "21600");
    assert_eq!((ok.status, ok.header(TTL)), (200, Some("21600")));
    assert!(!ok.body.is_empty());
    for bad in ["0", "21601", "soon"] {
        assert_eq!(put_token(&emulator, "node1", bad).status, 400, "{bad}");
    }
    assert_eq!(
        raw(
            addr(&emulator, "node1"),
            "PUT",
            "/latest/api/token",
            &[],
            ""
        )
        .status,
        400
    );
    let forwarded = raw(
        addr(&emulator, "node1"),
        "PUT",
        "/latest/api/token",
        &[(TTL, "60"), ("X-Forwarded-For", "1.2.3.4")],
        "",
    );
    assert_eq!(forwarded.status, 403);
}

#[test]
fn gets_need_a_live_token_of_the_same_node() {
    let emulator = reference();
    let unsigned = raw(
        addr(&emulator, "node1"),
        "GET",
        "/latest/meta-data/mac",
        &[],
        "",
    );
    assert_eq!(unsigned.status, 401);
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", "forged").status,
        401
    );
    let node2_token = token(&emulator, "node2");
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &node2_token).status,
        401
    );
    let short = put_token(&emulator, "node1", "1").body;
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &short).status,
        200
    );
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &short).status,
        401
    );
}

#[test]
fn instance_metadata_paths() {
    let emulator = reference();
    assert_eq!(metadata(&emulator, "node1", "mac"), "0e:10:00:00:00:01");
    assert_eq!(
        metadata(&emulator, "node1", "placement/region"),
        "us-east-1"
    );
    assert_eq!(
        metadata(&emulator, "node1", "placement/availability-zone"),
        "us-east-1a"
    );
    assert_eq!(
        metadata(&emulator, "node1", "instance-id"),
        "i-01000000000000001"
    );
    assert_eq!(metadata(&emulator, "node1", "local-ipv4"), "10.1.1.10");
    assert_eq!(
        metadata(&emulator, "node1", "network/interfaces/macs/"),
        "0e:10:00:00:00:01/"
    );
    assert_eq!(
        metadata(&emulator, "node2", "placement/region"),
        "us-west-2"
    );
    let token = token(&emulator, "node1");
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/nothing-here", &token).status,
        404
    );
    assert_eq!(
        get(&emulator, "node1", "/latest/user-data", &token).status,
        404
    );
}

#[test]
fn per_interface_metadata_paths() {
    let emulator = reference();
    let key = |k: &str| {
        metadata(
            &emulator,
            "node2",
            &format!("network/interfaces/macs/0e:20:00:00:00:02/{k}"),
        )
    };
    assert_eq!(key("vpc-id"), "vpc-02000000000000002");
    assert_eq!(key("interface-id"), "eni-02000000000000002");
    assert_eq!(key("vpc-ipv4-cidr-block"), "10.2.0.0/16");
    assert_eq!(key("vpc-ipv4-cidr-blocks"), "10.2.0.0/16");
    assert_eq!(key("subnet-id"), "subnet-02000000000000022");
    assert_eq!(key("local-ipv4s"), "10.2.1.10");
    assert!(key("").lines().any(|l| l == "vpc-id"));
}

#[test]
fn instance_profile_credentials() {
    let emulator = reference();
    assert_eq!(
        metadata(&emulator, "node1", "iam/security-credentials/"),
        "tgw-generic-rk-node"
    );
    let json = metadata(
        &emulator,
        "node1",
        "iam/security-credentials/tgw-generic-rk-node",
    );
    for field in [
        "\"Code\" : \"Success\"",
        "\"AccessKeyId\"",
        "\"SecretAccessKey\"",
        "\"Token\"",
        "\"Expiration\" : \"2099",
    ] {
        assert!(json.contains(field), "{field} missing from {json}");
    }
    let token = token(&emulator, "node1");
    assert_eq!(
        get(
            &emulator,
            "node1",
            "/latest/meta-data/iam/security-credentials/other-role",
            &token
        )
        .status,
        404
    );
}

fn sdk_imds_client(emulator: &Emulator, node: &str) -> imds::Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    imds::Client::builder()
        .configure(&ProviderConfig::without_region().with_http_client(http))
        .endpoint(emulator.imds_endpoint(node).unwrap())
        .unwrap()
        .build()
}

#[test]
fn the_sdk_imds_providers_work_against_the_emulator() {
    let emulator = reference();
    let credentials = imds::credentials::ImdsCredentialsProvider::builder()
        .imds_client(sdk_imds_client(&emulator, "node2"))
        .build();
    let credentials = block_on(credentials.provide_credentials()).unwrap();
    assert_eq!(credentials.access_key_id(), "ASIAEMULATORNODE2");
    assert!(credentials.session_token().is_some());
    let region = imds::region::ImdsRegionProvider::builder()
        .imds_client(sdk_imds_client(&emulator, "node2"))
        .build();
    assert_eq!(
        block_on(region.region()).map(|r| r.to_string()),
        Some("us-west-2".to_string())
    );
    assert!(emulator.imds_requests("node2") >= 4);
    assert_eq!(emulator.imds_requests("node1"), 0);
}

#[test]
fn server_errors_and_empty_bodies() {
    let emulator = reference();
    let token = token(&emulator, "node1");
    emulator.set_imds_fault("node1", ImdsFault::ServerError, None);
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        500
    );
    assert_eq!(put_token(&emulator, "node1", "60").status, 500);
    emulator.set_imds_fault("node1", ImdsFault::EmptyBody, None);
    let empty = get(&emulator, "node1", "/latest/meta-data/mac", &token);
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
    assert_eq!(put_token(&emulator, "node1", "60").status, 200);
    emulator.set_imds_fault("node1", ImdsFault::None, None);
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).body,
        "0e:10:00:00:00:01"
    );
}

#[test]
fn token_faults_only_touch_the_token_request() {
    let emulator = reference();
    let token = token(&emulator, "node1");
    emulator.set_imds_fault("node1", ImdsFault::TokenRefused, None);
    assert_eq!(put_token(&emulator, "node1", "60").status, 403);
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        200
    );
    emulator.set_imds_fault("node1", ImdsFault::EmptyToken, None);
    let empty = put_token(&emulator, "node1", "60");
    assert_eq!(
        (empty.status, empty.body.as_str(), empty.header(TTL)),
        (200, "", Some("60"))
    );
    assert_eq!(put_token(&emulator, "node2", "60").status, 200);
}

#[test]
fn limited_faults_affect_only_the_next_n_requests() {
    let emulator = reference();
    let token = token(&emulator, "node1");
    emulator.set_imds_fault("node1", ImdsFault::ServerError, Some(2));
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        500
    );
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        500
    );
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        200
    );
    emulator.set_imds_fault("node1", ImdsFault::TokenRefused, Some(1));
    assert_eq!(
        get(&emulator, "node1", "/latest/meta-data/mac", &token).status,
        200
    );
    assert_eq!(put_token(&emulator, "node1", "60").status, 403);
    assert_eq!(put_token(&emulator, "node1", "60").status, 200);
}

#[test]
fn a_hanging_imds_times_out_until_cleared() {
    let emulator = reference();
    emulator.set_imds_fault("node1", ImdsFault::Hang, Some(1));
    let hung = raw_within(
        addr(&emulator, "node1"),
        "PUT",
        "/latest/api/token",
        &[(TTL, "60")],
        "",
        Duration::from_millis(300),
    );
    assert!(hung.is_err());
    assert_eq!(put_token(&emulator, "node1", "60").status, 200);
    emulator.set_imds_fault("node1", ImdsFault::Hang, None);
    let node1 = addr(&emulator, "node1");
    let waiter =
        std::thread::spawn(move || raw(node1, "PUT", "/latest/api/token", &[(TTL, "60")], ""));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!waiter.is_finished());
    emulator.set_imds_fault("node1", ImdsFault::None, None);
    assert_eq!(waiter.join().unwrap().status, 200);
}

#[test]
fn imds_requests_are_counted_per_node_and_reset() {
    let emulator = reference();
    token(&emulator, "node1");
    token(&emulator, "node1");
    token(&emulator, "node2");
    assert_eq!(
        (
            emulator.imds_requests("node1"),
            emulator.imds_requests("node2")
        ),
        (2, 1)
    );
    emulator.reset_counters();
    assert_eq!(emulator.imds_requests("node1"), 0);
    assert!(emulator.imds_endpoint("node3").is_none());
}
