//! The `ec2-emulator serve` binary used by the README demo: it prints
//! working endpoints and refuses bad arguments.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use common::{authorization, raw};

const BIN: &str = env!("CARGO_BIN_EXE_ec2-emulator");

#[test]
fn serve_prints_endpoints_that_answer() {
    let mut child = Command::new(BIN)
        .args(["serve", "--topology", "single-region", "--page-size", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let endpoint = first.strip_prefix("EC2 endpoint: http://").unwrap();
    let addr: SocketAddr = endpoint.parse().unwrap();
    let auth = authorization("us-east-1");
    let response = raw(
        addr,
        "POST",
        "/",
        &[("Authorization", auth.as_str())],
        "Action=DescribeVpcs&Version=2016-11-15",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body.matches("<vpcId>").count(), 1, "page size 1");
    assert!(response.body.contains("<nextToken>"));
}

#[test]
fn serve_refuses_bad_arguments() {
    for args in [
        vec!["serve"],
        vec!["serve", "--topology", "/nonexistent.toml"],
        vec![
            "serve",
            "--topology",
            "two-region",
            "--latency",
            "us-east-1",
        ],
        vec!["launch"],
    ] {
        let output = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // clap names what is wrong and points at --help; a bad file is named.
        assert!(
            stderr.contains("--help") || stderr.contains("/nonexistent.toml"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn help_is_an_answer_not_an_error() {
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("--https"), "{stdout}");
    assert!(stdout.contains("--topology"), "{stdout}");
}

#[test]
fn serve_names_each_nodes_account_and_the_role_template_in_a_landing_zone() {
    let mut child = Command::new(BIN)
        .args(["serve", "--topology", "landing-zone"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .take_while(|l| !l.starts_with("Serving until"))
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    let text = lines.join("\n");
    for expected in [
        "Account of node1: 333300000001 (instance role tgw-generic-rk-node)",
        "Account of node2: 333300000002 (instance role tgw-generic-rk-node)",
        "Role in every account: arn:aws:iam::{account}:role/LifeKeeperTgwRoutes",
        "export AWS_ENDPOINT_URL=",
        "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // The default account's static keys would see nothing there.
    assert!(!text.contains("AKIAEMULATOR"), "{text}");
}
