//! Switchover benchmark: the release binary, run as LifeKeeper runs it,
//! against the emulator with per-region latency. Reports wall time (median
//! and spread), EC2 calls by action, writes, peak RSS, and the ratio to the
//! critical-path lower bound computed from the injected latencies. Every run
//! verifies the final route state; a wrong result is a failure, not a time.
//!
//! `cargo bench --bench switchover` (BENCH_RUNS=N to change the run count).

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ec2_emulator::{Emulator, MeshSpec, REFERENCE_VIP, Topology, oracle};

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

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mesh = MeshSpec {
        regions: 3,
        vpcs_per_region: 20,
        tables_per_vpc: 4,
        tgw_tables_per_tgw: 3,
    };
    let topologies = [
        ("two-region reference", Topology::two_region()),
        (
            "mesh 3 regions x 20 VPCs x 4 tables, 3 TGW tables",
            Topology::mesh(&mesh).expect("mesh"),
        ),
    ];
    println!(
        "| topology | case | concurrency | median | min–max | bound | ratio | calls | writes | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut failures = 0;
    for (name, topo) in &topologies {
        for case in [
            Case::RestoreAllWrong,
            Case::RestoreAlreadyRight,
            Case::QuickCheckHealthy,
            Case::StatusHealthy,
            Case::DoctorHealthy,
            Case::Remove,
        ] {
            for concurrency in ["16", "1"] {
                if case == Case::Remove && concurrency == "1" {
                    continue;
                }
                match bench(topo, case, concurrency, runs) {
                    Ok(row) => println!("| {name} | {} | {concurrency} | {row}", case.name()),
                    Err(why) => {
                        failures += 1;
                        println!(
                            "| {name} | {} | {concurrency} | FAILED: {why} |",
                            case.name()
                        );
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

fn bench(topo: &Topology, case: Case, concurrency: &str, runs: usize) -> Result<String, String> {
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(one_run(topo, case, concurrency)?);
    }
    samples.sort_by_key(|s| s.wall);
    let median = samples[samples.len() / 2].wall;
    let (min, max) = (samples[0].wall, samples[samples.len() - 1].wall);
    let bound = critical_path(topo, case);
    let ratio = if bound.is_zero() {
        "-".to_string()
    } else {
        format!("{:.2}", median.as_secs_f64() / bound.as_secs_f64())
    };
    let first = &samples[0];
    let calls: u64 = first.calls.values().sum();
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

/// The shortest possible wall time given the injected latencies: one local
/// round trip (peerings and attachments), then in the farthest region the
/// chain route tables → search → replace (quickCheck stops after the search).
fn critical_path(topo: &Topology, case: Case) -> Duration {
    let remote = topo.regions.len() > 1 && !topo.peerings.is_empty();
    let far = if remote {
        REMOTE_LATENCY
    } else {
        LOCAL_LATENCY
    };
    match case {
        Case::Remove => Duration::ZERO,
        Case::RestoreAllWrong => LOCAL_LATENCY + 3 * far,
        Case::RestoreAlreadyRight | Case::QuickCheckHealthy | Case::StatusHealthy => {
            LOCAL_LATENCY + 2 * far
        }
        // After discovery, one more round of probes (endpoint, DryRun, VPCs).
        Case::DoctorHealthy => LOCAL_LATENCY + 3 * far,
    }
}

fn one_run(topo: &Topology, case: Case, concurrency: &str) -> Result<Sample, String> {
    let emu = Emulator::start(topo.clone()).map_err(|e| e.to_string())?;
    let defaults = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::fs::write(
        defaults.path(),
        format!("TGW_RK_CONCURRENCY={concurrency}\n"),
    )
    .map_err(|e| e.to_string())?;
    if case != Case::RestoreAllWrong && case != Case::Remove {
        run_tool(&emu, defaults.path(), "restore")?;
    }
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
    let (wall, max_rss_kib, code, stderr) = run_tool(&emu, defaults.path(), case.action())?;
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
    Ok(Sample {
        wall,
        max_rss_kib,
        calls,
        writes: emu.writes(),
    })
}

/// Runs the binary as LifeKeeper does and measures it with wait4, which
/// gives this child's own peak RSS.
fn run_tool(
    emu: &Emulator,
    defaults: &std::path::Path,
    action: &str,
) -> Result<(Duration, i64, i32, String), String> {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args([action, "--ip", REFERENCE_VIP, "-t", "bench"])
        .env_clear()
        .envs(emu.client_env("node1"))
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
