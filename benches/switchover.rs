//! Switchover benchmark: the release binary, run as LifeKeeper runs it,
//! against the emulator with per-region latency, over HTTPS (the path
//! production takes) and plain HTTP for comparison. The latency is paid by
//! every request and, on each new connection, by the TCP handshake (one
//! round trip) and the TLS 1.3 handshake (one more). Reports wall time
//! (median and spread), EC2 calls by action (pages included), writes, peak
//! RSS, and the ratio to the critical-path lower bound computed from the
//! injected latencies, handshakes included. Every run verifies the final
//! route state; a wrong result is a failure, not a time.
//!
//! `cargo bench --bench switchover` (BENCH_RUNS=N to change the run count,
//! BENCH_ONLY=text to run only the scenarios whose name contains it,
//! BENCH_HANDSHAKES=1 to print each run's TLS handshakes and time).

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ec2_emulator::{Emulator, MeshSpec, REFERENCE_VIP, Topology, oracle};

/// Route tables per `DescribeRouteTables` page when MaxResults is not
/// given: AWS's documented maximum, which the emulator applies by default.
const ROUTE_TABLE_PAGE: usize = 100;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Https,
    Http,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Https => "HTTPS",
            Transport::Http => "HTTP",
        }
    }

    /// Round trips before the first request on a new connection can go.
    fn handshake_round_trips(self) -> u32 {
        match self {
            Transport::Https => 2,
            Transport::Http => 1,
        }
    }
}

/// One benchmarked situation: a topology, and how the account behaves.
struct Scenario {
    name: &'static str,
    topology: Topology,
    throttle_rate: f64,
    cases: &'static [Case],
    concurrencies: &'static [&'static str],
    transports: &'static [Transport],
    /// A landing zone: the nodes act with their instance roles and assume
    /// a role in every other account (TGW_RK_ASSUME_ROLE_ARN).
    accounts: bool,
}

const ROLE_TEMPLATE: &str = "arn:aws:iam::{account}:role/LifeKeeperTgwRoutes";

const BIN: &str = env!("CARGO_BIN_EXE_tgw_generic_rk");
const LOCAL_LATENCY: Duration = Duration::from_millis(10);
const REMOTE_LATENCY: Duration = Duration::from_millis(70);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    RestoreAllWrong,
    RestoreAlreadyRight,
    QuickCheckHealthy,
    StatusHealthy,
    DoctorHealthy,
    Remove,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::RestoreAllWrong => "restore, all wrong",
            Case::RestoreAlreadyRight => "restore, already right",
            Case::QuickCheckHealthy => "quickCheck, healthy",
            Case::StatusHealthy => "status, healthy",
            Case::DoctorHealthy => "doctor, healthy",
            Case::Remove => "remove",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Case::RestoreAllWrong | Case::RestoreAlreadyRight => "restore",
            Case::QuickCheckHealthy => "quickCheck",
            Case::StatusHealthy => "status",
            Case::DoctorHealthy => "doctor",
            Case::Remove => "remove",
        }
    }
}

struct Sample {
    wall: Duration,
    max_rss_kib: i64,
    calls: BTreeMap<String, u64>,
    writes: u64,
}

const ALL_CASES: &[Case] = &[
    Case::RestoreAllWrong,
    Case::RestoreAlreadyRight,
    Case::QuickCheckHealthy,
    Case::StatusHealthy,
    Case::DoctorHealthy,
    Case::Remove,
];

fn scenarios() -> Vec<Scenario> {
    let mesh = MeshSpec {
        regions: 3,
        vpcs_per_region: 20,
        tables_per_vpc: 4,
        tgw_tables_per_tgw: 3,
    };
    let large = MeshSpec {
        regions: 5,
        vpcs_per_region: 100,
        tables_per_vpc: 4,
        tgw_tables_per_tgw: 3,
    };
    let large = Topology::mesh(&large).expect("large mesh");
    let switchover = &[Case::RestoreAllWrong, Case::QuickCheckHealthy];
    vec![
        Scenario {
            name: "two-region reference",
            topology: Topology::two_region(),
            throttle_rate: 0.0,
            cases: ALL_CASES,
            concurrencies: &["16", "1"],
            transports: &[Transport::Https, Transport::Http],
            accounts: false,
        },
        Scenario {
            name: "mesh 3 regions x 20 VPCs x 4 tables, 3 TGW tables",
            topology: Topology::mesh(&mesh).expect("mesh"),
            throttle_rate: 0.0,
            cases: ALL_CASES,
            concurrencies: &["16", "1"],
            transports: &[Transport::Https, Transport::Http],
            accounts: false,
        },
        Scenario {
            name: "large account 5 regions x 100 VPCs x 4 tables, 3 TGW tables",
            topology: large.clone(),
            throttle_rate: 0.0,
            cases: switchover,
            concurrencies: &["16"],
            transports: &[Transport::Https],
            accounts: false,
        },
        Scenario {
            name: "large account, 5 % of calls throttled",
            topology: large,
            throttle_rate: 0.05,
            cases: switchover,
            concurrencies: &["16"],
            transports: &[Transport::Https],
            accounts: false,
        },
        Scenario {
            name: "landing zone: the two-region estate over 6 accounts",
            topology: Topology::landing_zone(),
            throttle_rate: 0.0,
            cases: switchover,
            concurrencies: &["16"],
            transports: &[Transport::Https],
            accounts: true,
        },
    ]
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(1);
    println!(
        "| topology | case | transport | concurrency | median | min–max | bound | ratio | calls | writes | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut failures = 0;
    // BENCH_ONLY=landing runs only the scenarios whose name contains it.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for scenario in scenarios().into_iter().filter(|s| s.name.contains(&only)) {
        for &case in scenario.cases {
            for &transport in scenario.transports {
                for &concurrency in scenario.concurrencies {
                    if case == Case::Remove && concurrency == "1" {
                        continue;
                    }
                    let label = format!(
                        "| {} | {} | {} | {concurrency} |",
                        scenario.name,
                        case.name(),
                        transport.name()
                    );
                    match bench(&scenario, case, transport, concurrency, runs) {
                        Ok(row) => println!("{label} {row}"),
                        Err(why) => {
                            failures += 1;
                            println!("{label} FAILED: {why} |");
                        }
                    }
                }
            }
        }
    }
    if failures > 0 {
        eprintln!("{failures} benchmark case(s) produced a wrong result");
        std::process::exit(1);
    }
}

fn bench(
    scenario: &Scenario,
    case: Case,
    transport: Transport,
    concurrency: &str,
    runs: usize,
) -> Result<String, String> {
    let mut samples = Vec::new();
    for run in 0..runs {
        samples.push(one_run(scenario, case, transport, concurrency, run)?);
    }
    samples.sort_by_key(|s| s.wall);
    let median = samples[samples.len() / 2].wall;
    let (min, max) = (samples[0].wall, samples[samples.len() - 1].wall);
    let bound = match scenario.accounts {
        true => landing_zone_path(case, transport),
        false => critical_path(&scenario.topology, case, transport),
    };
    let ratio = if bound.is_zero() {
        "-".to_string()
    } else {
        format!("{:.2}", median.as_secs_f64() / bound.as_secs_f64())
    };
    let first = &samples[0];
    // Retries after throttling vary from run to run: show the range.
    let totals: Vec<u64> = samples.iter().map(|s| s.calls.values().sum()).collect();
    let (fewest, most) = (
        totals.iter().min().copied().unwrap_or(0),
        totals.iter().max().copied().unwrap_or(0),
    );
    let calls = if fewest == most {
        fewest.to_string()
    } else {
        format!("{fewest}–{most}")
    };
    let by_action: Vec<String> = first
        .calls
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect();
    let rss = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    Ok(format!(
        "{} | {}–{} | {} | {ratio} | {calls} ({}) | {} | {:.1} MiB |",
        ms(median),
        ms(min),
        ms(max),
        ms(bound),
        by_action.join(", "),
        first.writes,
        rss as f64 / 1024.0
    ))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The shortest possible wall time given the injected latencies: the
/// handshakes of the local region's first connection, one local round trip
/// (peerings and attachments), then in the farthest region the handshakes
/// of its first connection and the longest chain of dependent calls there.
/// The chains run side by side: TGW route tables → search → replace, and
/// the VIP's VPC route-table pages (each needs the previous page's token) →
/// replace. quickCheck, status and an already-right restore stop before
/// the replace; doctor adds one round of probes. The local region's own
/// chains are bounded the same way and overlap the remote ones.
fn critical_path(topo: &Topology, case: Case, transport: Transport) -> Duration {
    if case == Case::Remove {
        return Duration::ZERO;
    }
    let handshake = transport.handshake_round_trips();
    let rounds = |pages: u32| match case {
        Case::RestoreAllWrong | Case::DoctorHealthy => 3.max(pages + 1),
        _ => 2.max(pages),
    };
    let local = &topo.regions[0];
    let local_chain = LOCAL_LATENCY * (handshake + rounds(vip_table_pages(topo, local)));
    let remote_chain = topo
        .regions
        .iter()
        .skip(1)
        .filter(|_| !topo.peerings.is_empty())
        .map(|r| REMOTE_LATENCY * (handshake + rounds(vip_table_pages(topo, r))))
        .max();
    match remote_chain {
        Some(remote) => local_chain.max(LOCAL_LATENCY * (handshake + 1) + remote),
        None => local_chain,
    }
}

/// The landing zone's chains: every step waits for an owner the previous
/// answer named. Local: the node's own lookups → AssumeRole (the TGW's
/// network account) → its view (tables, peerings, attachments) →
/// AssumeRole (the clients' account) → their VPC tables → replace.
/// Remote: the same first three, then AssumeRole (the peer's network
/// account, STS in the local region) → its view of the peer TGW (remote) →
/// AssumeRole (the accounts of the VPCs on it) → their tables → replace
/// (both remote). One handshake per region; STS shares the local pool.
fn landing_zone_path(case: Case, transport: Transport) -> Duration {
    let h = transport.handshake_round_trips();
    let write = u32::from(case == Case::RestoreAllWrong);
    let local = LOCAL_LATENCY * (h + 5 + write);
    let remote = LOCAL_LATENCY * (h + 5) + REMOTE_LATENCY * (h + 2 + write);
    local.max(remote)
}

/// `DescribeRouteTables` pages for the route tables of `region` that hold
/// the VIP route (the only ones the filtered lookup returns); at least one.
fn vip_table_pages(topo: &Topology, region: &str) -> u32 {
    let vip = format!("{REFERENCE_VIP}/32");
    let vpcs: Vec<&str> = topo
        .vpcs
        .iter()
        .filter(|v| v.region == region)
        .map(|v| v.id.as_str())
        .collect();
    let tables = topo
        .route_tables
        .iter()
        .filter(|t| vpcs.contains(&t.vpc.as_str()))
        .filter(|t| t.routes.iter().any(|r| r.destination == vip))
        .count();
    u32::try_from(tables.div_ceil(ROUTE_TABLE_PAGE).max(1)).unwrap_or(u32::MAX)
}

fn one_run(
    scenario: &Scenario,
    case: Case,
    transport: Transport,
    concurrency: &str,
    run: usize,
) -> Result<Sample, String> {
    let topo = &scenario.topology;
    let emu = Emulator::start(topo.clone()).map_err(|e| e.to_string())?;
    let defaults = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut settings = format!("TGW_RK_CONCURRENCY={concurrency}\n");
    if scenario.accounts {
        settings.push_str(&format!("TGW_RK_ASSUME_ROLE_ARN={ROLE_TEMPLATE}\n"));
    }
    std::fs::write(defaults.path(), settings).map_err(|e| e.to_string())?;
    let tool = Tool {
        emu: &emu,
        transport,
        defaults: defaults.path(),
        instance_role: scenario.accounts,
    };
    if case != Case::RestoreAllWrong && case != Case::Remove {
        run_tool(&tool, "restore")?;
    }
    emu.set_handshake_latency(true);
    emu.set_throttle_rate(scenario.throttle_rate);
    // A different draw each run: one fixed sequence may throttle nothing.
    emu.set_throttle_seed(0x5eed_0000 + run as u64);
    for (i, region) in topo.regions.iter().enumerate() {
        emu.set_latency(
            region,
            if i == 0 {
                LOCAL_LATENCY
            } else {
                REMOTE_LATENCY
            },
        );
    }
    emu.reset_counters();
    let (wall, max_rss_kib, code, stderr) = run_tool(&tool, case.action())?;
    if code != 0 {
        return Err(format!("exit {code}: {stderr}"));
    }
    let wrong = oracle::mismatches(&emu.topology(), "node1", &format!("{REFERENCE_VIP}/32"));
    if case != Case::Remove && !wrong.is_empty() {
        return Err(format!("routes wrong after the run: {wrong:?}"));
    }
    let mut calls = BTreeMap::new();
    for ((_, action), n) in emu.call_counts() {
        *calls.entry(action).or_insert(0) += n;
    }
    if emu.sts_calls() > 0 {
        calls.insert("sts:AssumeRole".to_string(), emu.sts_calls());
    }
    if std::env::var_os("BENCH_HANDSHAKES").is_some() {
        eprintln!("{} TLS handshakes, {:?}", emu.tls_handshakes(), wall);
    }
    Ok(Sample {
        wall,
        max_rss_kib,
        calls,
        writes: emu.writes(),
    })
}

/// How the binary is run for one sample.
struct Tool<'a> {
    emu: &'a Emulator,
    transport: Transport,
    defaults: &'a std::path::Path,
    /// Credentials from the instance role (IMDS) rather than static keys.
    instance_role: bool,
}

/// Runs the binary as LifeKeeper does and measures it with wait4, which
/// gives this child's own peak RSS.
fn run_tool(tool: &Tool<'_>, action: &str) -> Result<(Duration, i64, i32, String), String> {
    let (emu, defaults) = (tool.emu, tool.defaults);
    let mut env = match tool.transport {
        Transport::Https => emu.https_client_env("node1"),
        Transport::Http => emu.client_env("node1"),
    };
    if tool.instance_role {
        // Blank static keys: the SDK's chain falls through to the instance role.
        env.retain(|(k, _)| !k.starts_with("AWS_ACCESS_KEY_ID") && !k.starts_with("AWS_SECRET"));
        env.push(("AWS_ACCESS_KEY_ID", String::new()));
    }
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args([action, "--ip", REFERENCE_VIP, "-t", "bench"])
        .env_clear()
        .envs(env)
        .env("TGW_RK_DEFAULTS", defaults)
        .env("TGW_RK_SYSLOG_SOCKET", "/nonexistent/log")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are valid for the call.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if pid < 0 {
        return Err("wait4 failed".into());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((wall, usage.ru_maxrss, code, stderr))
}
