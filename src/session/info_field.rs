//! What LifeKeeper hands us: the resource's Application Information field,
//! read through `ins_list`, and the VIP in it.

use std::io::Read;
use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::log::catalog::Message;

pub const DEFAULT_LKROOT: &str = "/opt/LifeKeeper";

/// How long `ins_list` may take. It answers in milliseconds; a hung
/// LifeKeeper database must not hang quickCheck (LifeKeeper's own timeouts
/// are counted in tens of seconds), so it is killed after this.
pub const INS_LIST_TIMEOUT: Duration = Duration::from_secs(5);

/// The most of each of `ins_list`'s output streams we keep; an instance
/// record is one short line. The rest is read and dropped, so the tool never
/// blocks on a full pipe.
const OUTPUT_LIMIT: u64 = 64 * 1024;

pub fn lkroot() -> PathBuf {
    std::env::var_os("LKROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LKROOT))
}

/// The info field of resource `tag`: field 6 of `ins_list -t TAG -f:`.
/// Run directly, never through a shell: the tag is data, not code.
pub fn info_field(tag: &str) -> Result<String, String> {
    let ins_list = lkroot().join("bin").join("ins_list");
    let mut command = Command::new(&ins_list);
    command.args(["-t", tag, "-f:"]);
    let out = run_bounded(command, INS_LIST_TIMEOUT)
        .map_err(|why| format!("{} {why}", ins_list.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} failed ({}): {}",
            ins_list.display(),
            out.status,
            stderr.trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let record = stdout.lines().next().unwrap_or("");
    Ok(record.split(':').nth(5).unwrap_or("").to_string())
}

/// What a finished child said.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

enum Event {
    Exited(std::io::Result<ExitStatus>),
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
}

/// Runs `command` with no input and at most `limit` to exit and close its
/// output. It runs in a process group of its own so that, on timeout, it and
/// anything it started are killed together and nothing is left behind.
pub fn run_bounded(mut command: Command, limit: Duration) -> Result<Finished, String> {
    let started = Instant::now();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().map_err(|e| format!("cannot be run: {e}"))?;
    let group = i32::try_from(child.id()).ok().map(Pid::from_raw);
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let watchers = [
        watch("stdout", &tx, move || {
            Event::Stdout(stdout.map(read_bounded).unwrap_or_default())
        }),
        watch("stderr", &tx, move || {
            Event::Stderr(stderr.map(read_bounded).unwrap_or_default())
        }),
        watch("wait", &tx, move || Event::Exited(child.wait())),
    ];
    drop(tx);
    if let Some(Err(e)) = watchers.into_iter().find(Result::is_err) {
        kill_group(group, &rx, false);
        return Err(format!("cannot be watched: {e}"));
    }
    collect(&rx, group, started, limit)
}

/// Waits for the exit status and both outputs until `limit` after `started`;
/// past it, kills the group.
fn collect(
    rx: &mpsc::Receiver<Event>,
    group: Option<Pid>,
    started: Instant,
    limit: Duration,
) -> Result<Finished, String> {
    let (mut status, mut stdout, mut stderr) = (None, None::<Vec<u8>>, None::<Vec<u8>>);
    while status.is_none() || stdout.is_none() || stderr.is_none() {
        match rx.recv_timeout(limit.saturating_sub(started.elapsed())) {
            Ok(Event::Exited(Ok(s))) => status = Some(s),
            Ok(Event::Exited(Err(e))) => {
                kill_group(group, rx, true);
                return Err(format!("could not be waited for: {e}"));
            }
            Ok(Event::Stdout(b)) => stdout = Some(b),
            Ok(Event::Stderr(b)) => stderr = Some(b),
            Err(_) => {
                kill_group(group, rx, status.is_some());
                let secs = limit.as_secs();
                return Err(format!("did not answer within {secs} s; killed it"));
            }
        }
    }
    match (status, stdout, stderr) {
        (Some(status), Some(stdout), Some(stderr)) => Ok(Finished {
            status,
            stdout,
            stderr,
        }),
        _ => Err("lost track of it".into()),
    }
}

/// Runs `work` on its own thread, which reports through `tx`.
fn watch(
    name: &str,
    tx: &mpsc::Sender<Event>,
    work: impl FnOnce() -> Event + Send + 'static,
) -> std::io::Result<()> {
    let tx = tx.clone();
    std::thread::Builder::new()
        .name(format!("ins_list-{name}"))
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map(drop)
}

/// Keeps the first [`OUTPUT_LIMIT`] bytes and drains the rest.
fn read_bounded(mut pipe: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let _ = pipe.by_ref().take(OUTPUT_LIMIT).read_to_end(&mut kept);
    let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    kept
}

/// Kills the child's process group, then (unless it was `reaped` already)
/// gives the waiter a moment to reap the child, so no zombie is left either.
fn kill_group(group: Option<Pid>, rx: &mpsc::Receiver<Event>, reaped: bool) {
    if let Some(group) = group {
        let _ = killpg(group, Signal::SIGKILL);
    }
    let Some(reaped_by) = Instant::now().checked_add(Duration::from_secs(1)) else {
        return;
    };
    while !reaped && let Some(left) = reaped_by.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(Event::Exited(_)) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// The VIP is the first word of the info field; it must be a plain dotted quad.
pub fn parse_vip(info: &str) -> Result<Ipv4Addr, Message> {
    let Some(word) = info.split_whitespace().next() else {
        return Err(Message::NoVipInInfo);
    };
    // std's parser is strict: four decimal octets, each 0-255, no leading
    // zeros, no prefix length, nothing around it.
    word.parse::<Ipv4Addr>().map_err(|_| Message::InvalidVip {
        ip: word.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", script]);
        c
    }

    /// Whether `pid` still runs a moment after a SIGKILL (dying takes a few
    /// microseconds; a zombie waiting for init to reap it does not count).
    fn alive(pid: &str) -> bool {
        let running = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                let state = stat.rsplit(')').next().unwrap_or("").trim_start();
                !state.starts_with('Z')
            })
        };
        let until = Instant::now() + Duration::from_secs(2);
        while running() {
            if Instant::now() > until {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn a_quick_child_is_heard_out() {
        let out =
            run_bounded(sh("echo out; echo err >&2; exit 3"), Duration::from_secs(5)).unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn a_hung_child_and_what_it_started_are_killed_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        let script = format!("sleep 30 & echo $$ $! > '{}'; wait", pids.display());
        let started = Instant::now();
        let err = run_bounded(sh(&script), Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("within 1 s"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        let pids = std::fs::read_to_string(pids).unwrap();
        for pid in pids.split_whitespace() {
            assert!(!alive(pid), "{pid} survived");
        }
    }

    #[test]
    fn a_grandchild_holding_the_pipe_does_not_hold_us() {
        let started = Instant::now();
        let err = run_bounded(sh("sleep 30 &"), Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("killed"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn endless_output_is_bounded() {
        let err = run_bounded(sh("yes"), Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("within 1 s"), "{err}");
        let out = run_bounded(sh("head -c 1000000 /dev/zero"), Duration::from_secs(5)).unwrap();
        assert_eq!(out.stdout.len() as u64, OUTPUT_LIMIT);
    }

    #[test]
    fn a_missing_program_says_so() {
        let err = run_bounded(
            Command::new("/nonexistent/ins_list"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(err.contains("cannot be run"), "{err}");
    }

    #[test]
    fn the_first_word_is_the_vip() {
        assert_eq!(
            parse_vip("10.0.0.100 extra words"),
            Ok(Ipv4Addr::new(10, 0, 0, 100))
        );
        assert_eq!(
            parse_vip("  192.168.1.1\t"),
            Ok(Ipv4Addr::new(192, 168, 1, 1))
        );
    }

    #[test]
    fn an_empty_field_is_127035() {
        assert_eq!(parse_vip("").unwrap_err().code(), 127035);
        assert_eq!(parse_vip("   ").unwrap_err().code(), 127035);
    }

    #[test]
    fn anything_but_a_plain_dotted_quad_is_127036() {
        for bad in [
            "10.0.0.256",
            "10.0.0",
            "10.0.0.1/32",
            "010.0.0.1",
            "10.0.0.01",
            "10.0.0.1x",
            "x10.0.0.1",
            "1.2.3.4.5",
            "::1",
            "vip",
        ] {
            let err = parse_vip(bad).unwrap_err();
            assert_eq!(err.code(), 127036, "{bad}");
            assert!(err.to_string().contains(bad), "{bad}");
        }
    }
}
