//! No secret in any output (issue 10): not a proxy password in doctor's
//! report (text and JSON) or a log line, not a key, session token, request
//! signature or IMDS token in `-v` output.

use crate::util::{Cluster, Run};

const PROXY_USER: &str = "tgwproxy";
const PROXY_PASSWORD: &str = "Pr0xy-Passw0rd";

/// A cluster whose EC2 endpoint is reachable only through a proxy that
/// carries credentials, set in the defaults file.
fn behind_a_proxy_with_credentials() -> Cluster {
    let mut c = Cluster::two_region();
    c.env.insert(
        "AWS_ENDPOINT_URL".into(),
        "http://ec2.emulator.invalid".into(),
    );
    let proxy = c
        .emu
        .ec2_endpoint()
        .replace("http://", &format!("http://{PROXY_USER}:{PROXY_PASSWORD}@"));
    c.set_defaults(&format!("HTTP_PROXY={proxy}\nHTTPS_PROXY={proxy}\n"));
    c
}

/// Every secret the run could have seen, by what it is.
fn secrets(c: &Cluster) -> Vec<(&'static str, String)> {
    let node = c.emu.node("node1").unwrap();
    let suffix: String = node
        .name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    vec![
        ("proxy password", PROXY_PASSWORD.into()),
        (
            "instance-role secret key",
            format!("emulator-secret-{suffix}"),
        ),
        ("session token", format!("emulator-session-token-{suffix}")),
        ("static secret key", "emulator-secret".into()),
        ("request signature", "Signature=".into()),
        ("IMDS token", "AQAEA".into()),
    ]
}

#[track_caller]
fn assert_no_secret(c: &Cluster, what: &str, run: &Run) {
    for (name, secret) in secrets(c) {
        for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            let at = text.find(&secret);
            assert!(
                at.is_none(),
                "{what}: the {name} appears on {stream}: …{}…",
                text.get(at.unwrap_or(0).saturating_sub(120)..)
                    .unwrap_or("")
                    .chars()
                    .take(240)
                    .collect::<String>()
            );
        }
    }
}

#[test]
fn doctor_shows_proxy_urls_without_their_password() {
    let c = behind_a_proxy_with_credentials();
    let vip = ec2_emulator::REFERENCE_VIP;
    let shown = format!("{PROXY_USER}:***@127.0.0.1");
    let human = c.cli("node1", &["doctor", "--ip", vip]);
    assert!(human.stdout.contains(&shown), "{}", human.stdout);
    assert_no_secret(&c, "doctor", &human);
    let json = c.cli("node1", &["doctor", "--ip", vip, "--json"]);
    assert!(json.stdout.contains(&shown), "{}", json.stdout);
    assert_no_secret(&c, "doctor --json", &json);
    assert!(c.emu.proxied_requests() > 0, "the proxy was used");
}

#[test]
fn verbose_output_shows_no_secret() {
    let mut c = behind_a_proxy_with_credentials();
    // Credentials from the instance role, as on a real node: they then
    // travel through IMDS, with its token, and sign every request.
    c.env.insert("AWS_ACCESS_KEY_ID".into(), String::new());
    c.env.insert("AWS_SECRET_ACCESS_KEY".into(), String::new());
    let restore = c.lifekeeper_verbose("node1", "restore");
    restore.assert_code(0);
    c.assert_converged("node1");
    assert!(
        restore.stderr.lines().count() > 20,
        "-v adds debug lines: {}",
        restore.stderr
    );
    assert_no_secret(&c, "restore -v", &restore);
    let doctor = c.cli(
        "node1",
        &["doctor", "--ip", ec2_emulator::REFERENCE_VIP, "-v"],
    );
    assert_no_secret(&c, "doctor -v", &doctor);
    // With static keys from the environment too.
    let mut c = behind_a_proxy_with_credentials();
    c.env.remove("AWS_ACCESS_KEY_ID");
    let quick = c.lifekeeper_verbose("node2", "quickCheck");
    quick.assert_code(0);
    assert_no_secret(&c, "quickCheck -v", &quick);
}

impl Cluster {
    /// As [`Cluster::lifekeeper`], with `-v`.
    fn lifekeeper_verbose(&self, node: &str, action: &str) -> Run {
        let script = self.script(action);
        let out = self
            .command(&script, node)
            .args(["-t", crate::util::TAG, "-i", crate::util::ID, "-v"])
            .output()
            .unwrap();
        Run::from(out)
    }
}
