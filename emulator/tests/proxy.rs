//! The EC2 listener as an HTTP forward proxy: absolute-form EC2 requests are
//! served and counted, absolute-form IMDS requests are counted and refused,
//! and direct requests are not counted as proxied.

mod common;

use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use common::{authorization, block_on, client, config, raw, reference};

const EAST: &str = "us-east-1";

#[test]
fn sdk_traffic_through_the_proxy_reaches_ec2() {
    let emulator = reference();
    let proxy = emulator.ec2_endpoint();
    let http =
        aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, _| {
            let builder =
                Connector::builder().proxy_config(ProxyConfig::http(proxy.as_str()).unwrap());
            match settings {
                Some(s) => builder.connector_settings(s.clone()).build_http(),
                None => builder.build_http(),
            }
        });
    let conf = config(&emulator, EAST)
        .endpoint_url("http://ec2.emulator.invalid")
        .http_client(http)
        .build();
    let out = block_on(
        aws_sdk_ec2::Client::from_conf(conf)
            .describe_route_tables()
            .send(),
    )
    .unwrap();
    assert_eq!(out.route_tables().len(), 5);
    assert_eq!(emulator.proxied_requests(), 1);
    assert_eq!(emulator.calls(EAST, "DescribeRouteTables"), 1);
}

#[test]
fn direct_requests_are_not_counted_as_proxied() {
    let emulator = reference();
    block_on(client(&emulator, EAST).describe_vpcs().send()).unwrap();
    assert_eq!(emulator.proxied_requests(), 0);
}

#[test]
fn absolute_form_requests_are_served_or_refused_by_path() {
    let emulator = reference();
    let auth = authorization(EAST);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let ec2 = raw(
        emulator.ec2_addr(),
        "POST",
        "http://ec2.us-east-1.amazonaws.com/",
        &headers,
        "Action=DescribeTransitGateways&Version=2016-11-15",
    );
    assert_eq!(ec2.status, 200);
    assert!(ec2.body.contains("tgw-01000000000000001"));
    let imds = raw(
        emulator.ec2_addr(),
        "GET",
        "http://169.254.169.254/latest/meta-data/mac",
        &[],
        "",
    );
    assert_eq!(imds.status, 502);
    let token = raw(
        emulator.ec2_addr(),
        "PUT",
        "http://169.254.169.254/latest/api/token",
        &[],
        "",
    );
    assert_eq!(token.status, 502);
    assert_eq!(emulator.proxied_requests(), 3);
    assert_eq!(
        emulator.imds_requests("node1") + emulator.imds_requests("node2"),
        0
    );
}
