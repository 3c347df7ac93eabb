//! `cargo run -p ec2-emulator --bin demo`: a switchover there and back on the
//! two-region reference, run by the real tgw_generic_rk against the emulator,
//! explained for a person and verified against the specification's oracle.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use ec2_emulator::{Emulator, REFERENCE_OTHER_VIP, REFERENCE_VIP, RouteView, Topology, oracle};

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("\ndemo FAILED: {why}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), String> {
    let bin = build_tool()?;
    let emu = Emulator::start(Topology::two_region()).map_err(|e| e.to_string())?;
    introduce(&emu);
    let untouchable = other_routes(&emu);
    show(
        &emu,
        &bin,
        "node1",
        "plan",
        "[0] plan on node1: what restore will change",
    )?;
    switch_to(&emu, &bin, "node1", 1)?;
    switch_to(&emu, &bin, "node2", 3)?;
    show(
        &emu,
        &bin,
        "node2",
        "status",
        "[5] status on node2: every VIP route",
    )?;
    if other_routes(&emu) != untouchable {
        return Err("a route other than the VIP's changed".into());
    }
    println!(
        "\nBoth switchovers verified: every {REFERENCE_VIP}/32 route matches the specification; \
         {REFERENCE_OTHER_VIP}/32 and all other routes are untouched."
    );
    println!(
        "Transport: HTTPS throughout, {} TLS handshake(s) verified by the tool, {} refused.",
        emu.tls_handshakes(),
        emu.tls_failures()
    );
    Ok(())
}

/// Builds the workspace with the cargo that runs us, in the same profile,
/// and returns tgw_generic_rk's path next to ours. All targets, so the
/// features match `cargo test --workspace` and the SDK is compiled once
/// for both (a product-only build would resolve features differently).
fn build_tool() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = me.parent().ok_or("no directory for the demo binary")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "--workspace", "--all-targets"]);
    if dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building tgw_generic_rk failed".into());
    }
    Ok(dir.join("tgw_generic_rk"))
}

fn introduce(emu: &Emulator) {
    println!(
        "tgw_generic_rk demonstration: EC2 emulated over HTTPS on {} \
         (certificate verified against the emulator's throw-away CA via AWS_CA_BUNDLE), \
         instance metadata on plain HTTP as on EC2",
        emu.ec2_https_endpoint()
    );
    for name in ["node1", "node2"] {
        if let Some(n) = emu.node(name) {
            println!("  {name}  {:<10} {}  {}", n.region, n.vpc, n.eni);
        }
    }
    println!("  VIP {REFERENCE_VIP}/32 is routed to node2; now node1 takes over.");
}

fn vip_routes(emu: &Emulator) -> BTreeMap<String, RouteView> {
    let vip = format!("{REFERENCE_VIP}/32");
    emu.routes()
        .into_iter()
        .filter(|r| r.destination == vip)
        .map(|r| (r.table_id.clone(), r))
        .collect()
}

fn other_routes(emu: &Emulator) -> Vec<String> {
    let vip = format!("{REFERENCE_VIP}/32");
    emu.routes()
        .into_iter()
        .filter(|r| r.destination != vip)
        .map(|r| format!("{} {} {:?}", r.table_id, r.destination, r.target))
        .collect()
}

fn target(r: &RouteView) -> &str {
    r.target.as_deref().unwrap_or("blackhole")
}

/// Restore on `node`, show what moved, verify, then quickCheck.
fn switch_to(emu: &Emulator, bin: &PathBuf, node: &str, step: usize) -> Result<(), String> {
    let before = vip_routes(emu);
    let started = Instant::now();
    let run = run_tool(emu, bin, node, "restore")?;
    println!(
        "\n[{step}] restore on {node}: exit {}, {:.2} s",
        run.code,
        started.elapsed().as_secs_f64()
    );
    for (table, after) in vip_routes(emu) {
        if let Some(old) = before
            .get(&table)
            .filter(|old| target(old) != target(&after))
        {
            println!(
                "    {:<10} {table:<26} {} -> {}",
                after.region,
                target(old),
                target(&after)
            );
        }
    }
    if let Some(summary) = run.stderr.lines().find(|l| l.contains(":127101:")) {
        println!(
            "    {}",
            summary.rsplit(":127101:").next().unwrap_or(summary)
        );
    }
    let wrong = oracle::mismatches(&emu.topology(), node, &format!("{REFERENCE_VIP}/32"));
    if run.code != 0 || !wrong.is_empty() {
        return Err(format!(
            "restore on {node} did not converge: {wrong:?}\n{}",
            run.stderr
        ));
    }
    let check = run_tool(emu, bin, node, "quickCheck")?;
    println!(
        "[{}] quickCheck on {node}: exit {} ({})",
        step + 1,
        check.code,
        healthy(check.code)
    );
    if check.code != 0 {
        return Err(format!("quickCheck on {node} failed:\n{}", check.stderr));
    }
    Ok(())
}

/// Runs a read-only operator command and prints its report, indented.
fn show(
    emu: &Emulator,
    bin: &PathBuf,
    node: &str,
    command: &str,
    title: &str,
) -> Result<(), String> {
    let run = run_tool(emu, bin, node, command)?;
    println!("\n{title}");
    for line in run.stdout.lines() {
        println!("{}", format!("    {line}").trim_end());
    }
    if run.code != 0 {
        return Err(format!(
            "{command} on {node} exited {}:\n{}",
            run.code, run.stderr
        ));
    }
    Ok(())
}

fn healthy(code: i32) -> &'static str {
    if code == 0 { "healthy" } else { "routes wrong" }
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the tool as an operator would by hand, with the emulator's endpoints.
fn run_tool(emu: &Emulator, bin: &PathBuf, node: &str, action: &str) -> Result<Ran, String> {
    let out = Command::new(bin)
        .args([action, "--ip", REFERENCE_VIP])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(emu.https_client_env(node))
        .env("TGW_RK_DEFAULTS", "/nonexistent/LifeKeeper")
        .env("TGW_RK_SYSLOG_SOCKET", "/nonexistent/log")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    Ok(Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
