//! `ec2-emulator serve`: runs the emulator in the foreground for the README
//! demo and manual experiments, printing the endpoints and the environment
//! a shell needs to point tgw_generic_rk at it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ec2_emulator::{Emulator, Topology};

/// A loopback stand-in for EC2 and instance metadata (IMDSv2), to try
/// tgw_generic_rk without an AWS account.
#[derive(Parser)]
#[command(name = "ec2-emulator", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve EC2 (HTTP and HTTPS) and one IMDS per node until Ctrl-C, and
    /// print the shell environment that points tgw_generic_rk at them.
    Serve(Serve),
}

#[derive(clap::Args)]
struct Serve {
    /// A topology file (TOML), or a built-in one: two-region, single-region,
    /// landing-zone.
    #[arg(long, value_name = "FILE|two-region|single-region|landing-zone")]
    topology: String,
    /// Delay added to every EC2 request of REGION (repeatable).
    #[arg(long, value_name = "REGION=MS", value_parser = parse_latency)]
    latency: Vec<(String, Duration)>,
    /// Cap every Describe page at N items.
    #[arg(long, value_name = "N")]
    page_size: Option<usize>,
    /// Print the environment for the HTTPS endpoint (with AWS_CA_BUNDLE
    /// naming the emulator's throw-away CA) instead of plain HTTP.
    #[arg(long)]
    https: bool,
}

fn main() -> ExitCode {
    let Command::Serve(options) = Cli::parse().command;
    match load_topology(&options.topology)
        .and_then(|t| serve(&options, t).map_err(|e| e.to_string()))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ec2-emulator: {message}");
            ExitCode::from(2)
        }
    }
}

fn load_topology(value: &str) -> Result<Topology, String> {
    match value {
        "two-region" => Ok(Topology::two_region()),
        "single-region" => Ok(Topology::single_region()),
        "landing-zone" => Ok(Topology::landing_zone()),
        path => Topology::load(Path::new(path)).map_err(|e| e.to_string()),
    }
}

fn parse_latency(value: &str) -> Result<(String, Duration), String> {
    let (region, ms) = value
        .split_once('=')
        .ok_or_else(|| format!("bad latency {value}, want REGION=MS"))?;
    let ms: u64 = ms
        .parse()
        .map_err(|_| format!("bad latency {value}, want REGION=MS"))?;
    Ok((region.to_string(), Duration::from_millis(ms)))
}

fn serve(options: &Serve, topology: Topology) -> Result<(), Box<dyn std::error::Error>> {
    let nodes: Vec<String> = topology.nodes.iter().map(|n| n.name.clone()).collect();
    let emulator = Emulator::start(topology)?;
    for (region, latency) in &options.latency {
        emulator.set_latency(region, *latency);
    }
    emulator.set_page_size(options.page_size);
    print_endpoints(&emulator, &nodes, options.https);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    eprintln!("stopping");
    Ok(())
}

fn print_endpoints(emulator: &Emulator, nodes: &[String], https: bool) {
    println!("EC2 endpoint: {}", emulator.ec2_endpoint());
    println!(
        "EC2 endpoint over TLS: {} (CA: {})",
        emulator.ec2_https_endpoint(),
        emulator.ca_bundle_path().display()
    );
    for name in nodes {
        if let (Some(endpoint), Some(node)) = (emulator.imds_endpoint(name), emulator.node(name)) {
            println!(
                "IMDS for {name} ({}, {}): {endpoint}",
                node.region, node.instance_id
            );
        }
    }
    print_accounts(emulator, nodes);
    println!("\n# Shell environment; uncomment one IMDS line to act as that node:");
    if https {
        println!("export AWS_ENDPOINT_URL={}", emulator.ec2_https_endpoint());
        println!(
            "export AWS_CA_BUNDLE={}",
            emulator.ca_bundle_path().display()
        );
    } else {
        println!("export AWS_ENDPOINT_URL={}", emulator.ec2_endpoint());
    }
    if emulator.topology().roles.is_empty() {
        println!("export AWS_ACCESS_KEY_ID=AKIAEMULATOR");
        println!("export AWS_SECRET_ACCESS_KEY=emulator-secret");
    } else {
        // Static keys belong to the default account, which owns nothing in
        // a landing zone: act with the node's instance role, as on EC2.
        println!(
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY   # each node uses its instance role (IMDS)"
        );
    }
    for name in nodes {
        if let Some(endpoint) = emulator.imds_endpoint(name) {
            println!("# export AWS_EC2_METADATA_SERVICE_ENDPOINT={endpoint}   # {name}");
        }
    }
    println!("\nServing until Ctrl-C.");
}

/// Which account each node's instance credentials act in, and, when the
/// topology has roles, the role ARN template the tool's
/// `TGW_RK_ASSUME_ROLE_ARN` takes.
fn print_accounts(emulator: &Emulator, nodes: &[String]) {
    let topology = emulator.topology();
    for name in nodes {
        if let Some(node) = topology.node(name).filter(|n| n.attached_to.is_none()) {
            println!(
                "Account of {name}: {} (instance role {})",
                topology.node_owner(node),
                topology.iam_role
            );
        }
    }
    if let Some(template) = role_template(&topology) {
        println!("Role in every account: {template}");
        println!("# export TGW_RK_ASSUME_ROLE_ARN='{template}'");
    }
}

/// `arn:<partition>:iam::{account}:role/<name>` when every role has the
/// same partition and name (one role per account, as a StackSet makes).
fn role_template(topology: &Topology) -> Option<String> {
    let templates: BTreeSet<String> = topology
        .roles
        .iter()
        .filter_map(|r| {
            let account = r.account()?;
            Some(r.arn.replacen(&format!("::{account}:"), "::{account}:", 1))
        })
        .collect();
    match templates.len() {
        1 => templates.into_iter().next(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    #[test]
    fn help_is_help_not_an_error() {
        let help = Cli::try_parse_from(["ec2-emulator", "--help"])
            .err()
            .unwrap();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        let serve = Cli::try_parse_from(["ec2-emulator", "serve", "--help"])
            .err()
            .unwrap();
        assert!(serve.to_string().contains("--https"), "{serve}");
    }

    #[test]
    fn the_landing_zone_has_one_role_template() {
        let lz = ec2_emulator::Topology::landing_zone();
        assert_eq!(
            super::role_template(&lz).as_deref(),
            Some("arn:aws:iam::{account}:role/LifeKeeperTgwRoutes")
        );
        assert_eq!(
            super::role_template(&ec2_emulator::Topology::two_region()),
            None
        );
    }

    #[test]
    fn serve_takes_latencies_and_https() {
        let cli = Cli::try_parse_from([
            "ec2-emulator",
            "serve",
            "--topology",
            "two-region",
            "--latency",
            "us-west-2=80",
            "--https",
        ])
        .unwrap();
        let super::Command::Serve(serve) = cli.command;
        assert!(serve.https);
        assert_eq!(serve.latency[0].1.as_millis(), 80);
    }
}
