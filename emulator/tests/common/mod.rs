//! Shared helpers for the emulator's integration tests: a real aws-sdk-ec2
//! client pointed at the emulator, and a raw HTTP/1.1 client for what the
//! SDK cannot send (unknown actions, unsigned requests, IMDS, proxies).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::{BehaviorVersion, Builder, Credentials, Region};
use ec2_emulator::{Emulator, REFERENCE_VIP, Topology};

/// An emulator serving the reference two-region topology.
pub fn reference() -> Emulator {
    Emulator::start(Topology::two_region()).unwrap()
}

/// The reference VIP as a route destination.
pub fn vip() -> String {
    format!("{REFERENCE_VIP}/32")
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// A config builder for `region`: static test credentials, plain-HTTP
/// client, no retries (so errors are observed as sent), a generous timeout.
pub fn config(emulator: &Emulator, region: &str) -> Builder {
    aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(
            "AKIDEMULATORTEST",
            "secret",
            None,
            None,
            "tests",
        ))
        .endpoint_url(emulator.ec2_endpoint())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
}

pub fn client(emulator: &Emulator, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(config(emulator, region).build())
}

/// Static credentials with this access key id: the emulator takes the
/// caller's account from it (`ASIAEMULATORNODE1` is node1's instance role,
/// `AKID…` a user of the default account).
pub fn credentials(access_key: &str) -> Credentials {
    Credentials::new(access_key, "secret", None, None, "tests")
}

/// An EC2 client acting as the caller behind `access_key`.
pub fn client_as(emulator: &Emulator, region: &str, access_key: &str) -> aws_sdk_ec2::Client {
    let config = config(emulator, region).credentials_provider(credentials(access_key));
    aws_sdk_ec2::Client::from_conf(config.build())
}

/// An STS client on the emulator's endpoint acting as the caller behind
/// `access_key`; no retries, so errors are observed as sent.
pub fn sts_as(emulator: &Emulator, region: &str, access_key: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(region.to_string()))
        .credentials_provider(credentials(access_key))
        .endpoint_url(emulator.ec2_endpoint())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(1));
    aws_sdk_sts::Client::from_conf(config.build())
}

/// The VPC attachment `id` as `region`'s DescribeTransitGatewayVpcAttachments returns it.
pub fn vpc_attachment(
    emulator: &Emulator,
    region: &str,
    id: &str,
) -> aws_sdk_ec2::types::TransitGatewayVpcAttachment {
    let out = block_on(
        client(emulator, region)
            .describe_transit_gateway_vpc_attachments()
            .transit_gateway_attachment_ids(id)
            .send(),
    )
    .unwrap();
    out.transit_gateway_vpc_attachments()[0].clone()
}

/// The error code of a failed SDK call.
pub fn code<E, R>(result: Result<impl Sized, aws_sdk_ec2::error::SdkError<E, R>>) -> String
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    match result {
        Ok(_) => panic!("the call succeeded"),
        Err(err) => err
            .code()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no error code in {err:?}")),
    }
}

/// `"ok"` for a successful SDK call, else its error code: a small value
/// closures can return and tests can compare.
pub fn outcome<T, E, R>(result: Result<T, aws_sdk_ec2::error::SdkError<E, R>>) -> String
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata,
{
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    match result {
        Ok(_) => "ok".to_string(),
        Err(err) => err.code().unwrap_or("no code").to_string(),
    }
}

/// The error code and message of a failed SDK call.
pub fn code_and_message<E, R>(
    result: Result<impl Sized, aws_sdk_ec2::error::SdkError<E, R>>,
) -> (String, String)
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata,
{
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    let err = result.err().expect("the call succeeded");
    (
        err.code().unwrap_or_default().to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

/// A raw HTTP/1.1 response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request (`target` may be origin- or absolute-form) and reads
/// the whole response; `Connection: close` keeps framing trivial.
pub fn raw(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> RawResponse {
    raw_within(addr, method, target, headers, body, Duration::from_secs(20)).unwrap()
}

/// Like [`raw`], failing with the I/O error if no full answer arrives in time.
pub fn raw_within(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> std::io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(timeout))?;
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(parse_response(&text))
}

fn parse_response(text: &str) -> RawResponse {
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The SigV4 `Authorization` header shape the emulator reads the region from.
pub fn authorization(region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEMULATORTEST/20261123/{region}/ec2/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// A form-encoded EC2 POST signed (in shape only) for `region`.
pub fn ec2_raw(emulator: &Emulator, region: &str, body: &str) -> RawResponse {
    let auth = authorization(region);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    raw(emulator.ec2_addr(), "POST", "/", &headers, body)
}
