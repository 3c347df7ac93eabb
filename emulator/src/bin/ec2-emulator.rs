//! `ec2-emulator serve`: runs the emulator in the foreground for the README
//! demo and manual experiments, printing the endpoints and the environment
//! a shell needs to point tgw_generic_rk at it.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ec2_emulator::{Emulator, Topology};

const USAGE: &str = "usage: ec2-emulator serve --topology FILE|two-region|single-region \
                     [--latency REGION=MS]... [--page-size N]";

struct Options {
    topology: Topology,
    latencies: Vec<(String, Duration)>,
    page_size: Option<usize>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(|o| serve(o).map_err(|e| e.to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ec2-emulator: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let Some((command, mut rest)) = args.split_first() else {
        return Err("missing command".into());
    };
    if command != "serve" {
        return Err(format!("unknown command {command}"));
    }
    let (mut topology, mut latencies, mut page_size) = (None, Vec::new(), None);
    while let Some((flag, tail)) = rest.split_first() {
        let (value, tail) = tail
            .split_first()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--topology" => topology = Some(load_topology(value)?),
            "--latency" => latencies.push(parse_latency(value)?),
            "--page-size" => {
                page_size = Some(
                    value
                        .parse()
                        .map_err(|_| format!("bad page size {value}"))?,
                )
            }
            other => return Err(format!("unknown option {other}")),
        }
        rest = tail;
    }
    let topology = topology.ok_or("--topology is required")?;
    Ok(Options {
        topology,
        latencies,
        page_size,
    })
}

fn load_topology(value: &str) -> Result<Topology, String> {
    match value {
        "two-region" => Ok(Topology::two_region()),
        "single-region" => Ok(Topology::single_region()),
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

fn serve(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let nodes: Vec<String> = options
        .topology
        .nodes
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let emulator = Emulator::start(options.topology)?;
    for (region, latency) in &options.latencies {
        emulator.set_latency(region, *latency);
    }
    emulator.set_page_size(options.page_size);
    print_endpoints(&emulator, &nodes);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    eprintln!("stopping");
    Ok(())
}

fn print_endpoints(emulator: &Emulator, nodes: &[String]) {
    println!("EC2 endpoint: {}", emulator.ec2_endpoint());
    for name in nodes {
        if let (Some(endpoint), Some(node)) = (emulator.imds_endpoint(name), emulator.node(name)) {
            println!(
                "IMDS for {name} ({}, {}): {endpoint}",
                node.region, node.instance_id
            );
        }
    }
    println!("\n# Shell environment; uncomment one IMDS line to act as that node:");
    println!("export AWS_ENDPOINT_URL={}", emulator.ec2_endpoint());
    println!("export AWS_ACCESS_KEY_ID=AKIAEMULATOR");
    println!("export AWS_SECRET_ACCESS_KEY=emulator-secret");
    for name in nodes {
        if let Some(endpoint) = emulator.imds_endpoint(name) {
            println!("# export AWS_EC2_METADATA_SERVICE_ENDPOINT={endpoint}   # {name}");
        }
    }
    println!("\nServing until Ctrl-C.");
}
