//! The VIP really configured on an interface (issue 10): a labelled alias
//! (`ip addr add … label eth1:1`) on the second ENI of a two-ENI node.
//!
//! Each test builds a network namespace of its own (veth links with the
//! node's MACs, the VIP on a label) and runs the emulator and the binary
//! inside it, so the host's network is never touched. That needs root and
//! ip(8): without them the test says SKIPPED on stderr, unless `CI` is set,
//! where it fails instead (CI runs as root; these tests must run there).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use ec2_emulator::Topology;

use crate::util::Cluster;

const NODE1_MAC: &str = "0e:10:00:00:00:01";
const ETH1_NAME: &str = "node1-eth1";
const ETH1_ENI: &str = "eni-01000000000000011";
const ETH1_MAC: &str = "0e:10:00:00:00:11";

/// A network namespace, deleted when dropped.
struct Netns {
    name: String,
    ip: PathBuf,
}

impl Netns {
    fn create(ip: &Path) -> Netns {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!("tgwrk-{}-{n}", std::process::id());
        let ns = Netns {
            name,
            ip: ip.to_path_buf(),
        };
        run_ip(&ns.ip, &["netns", "add", &ns.name]);
        ns
    }

    /// `ip -n NAME args…`, which must succeed.
    fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run_ip(&self.ip, &all);
    }

    /// Adds link `name` (one end of a veth pair) with `mac` and `addresses`
    /// (`(cidr, label)`), and brings it up.
    fn link(&self, name: &str, mac: &str, addresses: &[(&str, Option<&str>)]) {
        let peer = format!("peer-{name}");
        self.ip(&["link", "add", name, "type", "veth", "peer", "name", &peer]);
        self.ip(&["link", "set", name, "address", mac]);
        for (cidr, label) in addresses {
            let mut args = vec!["addr", "add", cidr, "dev", name];
            if let Some(label) = label {
                args.extend(["label", label]);
            }
            self.ip(&args);
        }
        self.ip(&["link", "set", name, "up"]);
    }

    /// Runs `work` on a thread that has entered this namespace: threads and
    /// children it starts (the emulator's runtime, the binary) live there too.
    fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let handle = File::open(format!("/run/netns/{}", self.name)).unwrap();
        let thread = std::thread::spawn(move || {
            // SAFETY: setns on a valid namespace fd affects only this thread.
            let rc = unsafe { libc::setns(handle.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            work()
        });
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new(&self.ip)
            .args(["netns", "delete", &self.name])
            .status();
    }
}

fn run_ip(ip: &Path, args: &[&str]) {
    let out = Command::new(ip).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ip(8) when this process may create namespaces; else SKIPPED (or, in CI, a failure).
fn namespaces_available(test: &str) -> Option<PathBuf> {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if let (true, Some(ip)) = (root, ip.clone()) {
        return Some(ip);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "{test} needs root and ip(8) (root: {root}, ip: {ip:?}); CI must provide both"
    );
    eprintln!("SKIPPED (needs root + ip): {test}");
    None
}

/// The reference topology with a second ENI on node1's instance.
fn two_eni_topology() -> Topology {
    let mut topology = Topology::two_region();
    let mut eth1 = topology.node("node1").unwrap().clone();
    eth1.name = ETH1_NAME.into();
    eth1.attached_to = Some("node1".into());
    eth1.eni = ETH1_ENI.into();
    eth1.mac = ETH1_MAC.into();
    eth1.private_ip = "10.1.1.11".into();
    topology.nodes.push(eth1);
    topology
}

#[test]
fn the_vip_on_a_labelled_alias_of_the_second_eni_routes_to_that_eni() {
    let Some(ip) = namespaces_available("the_vip_on_a_labelled_alias_of_the_second_eni") else {
        return;
    };
    let ns = Netns::create(&ip);
    ns.ip(&["link", "set", "lo", "up"]);
    ns.link("eth0", NODE1_MAC, &[("10.1.1.10/24", None)]);
    let vip = format!("{}/32", ec2_emulator::REFERENCE_VIP);
    ns.link(
        "eth1",
        ETH1_MAC,
        &[("10.1.1.11/24", None), (&vip, Some("eth1:1"))],
    );
    ns.run(|| {
        let c = Cluster::start(two_eni_topology());
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        assert!(
            !run.has(127037),
            "the VIP's interface was found: {}",
            run.stderr
        );
        assert!(
            run.lines(127105)[0].contains(&format!("as {ETH1_ENI} ")),
            "{}",
            run.stderr
        );
        c.assert_converged(ETH1_NAME);
        let check = c.lifekeeper("node1", "quickCheck");
        check.assert_code(0);
        assert!(!check.has(127037), "{}", check.stderr);
        let doctor = c.cli("node1", &["doctor", "--ip", ec2_emulator::REFERENCE_VIP]);
        assert!(doctor.stdout.contains("is up on eth1"), "{}", doctor.stdout);
    });
}

#[test]
fn the_vip_on_a_labelled_alias_of_the_only_eni_needs_no_fallback() {
    let Some(ip) = namespaces_available("the_vip_on_a_labelled_alias_of_the_only_eni") else {
        return;
    };
    let ns = Netns::create(&ip);
    ns.ip(&["link", "set", "lo", "up"]);
    let vip = format!("{}/32", ec2_emulator::REFERENCE_VIP);
    ns.link(
        "eth0",
        NODE1_MAC,
        &[("10.1.1.10/24", None), (&vip, Some("eth0:1"))],
    );
    ns.run(|| {
        let c = Cluster::two_region();
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(0);
        assert!(!run.has(127037), "{}", run.stderr);
        c.assert_converged("node1");
    });
}
