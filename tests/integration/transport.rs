//! The path production traffic takes: HTTPS with certificate verification,
//! a custom CA bundle, CONNECT proxies, and connection reuse over TLS.

use ec2_emulator::{ConnectProxy, ServerCertificate};

use crate::util::{Cluster, doctor_check, json};

/// The emulator's HTTPS endpoint as the SDK spells it in errors.
fn https_origin(c: &Cluster) -> String {
    c.emu.ec2_https_endpoint()
}

#[test]
fn restore_over_https_verifies_with_the_ca_bundle_and_reuses_one_connection() {
    let c = Cluster::https();
    // One call at a time: the connection is free for the next one, so any
    // second handshake would be a connection that was not reused.
    c.set_defaults("TGW_RK_CONCURRENCY=1\n");
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    let calls = c.emu.total_calls();
    assert!(calls >= 10, "two regions' discovery and writes: {calls}");
    // Both regions sit behind the emulator's one endpoint (one host), so
    // one handshake serves the run; on AWS it is one per region's host.
    assert_eq!(c.emu.tls_handshakes(), 1, "{calls} calls, one connection");
    assert_eq!(c.emu.tls_failures(), 0);
}

#[test]
fn concurrent_calls_share_connections_instead_of_one_per_call() {
    let c = Cluster::https();
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    let (calls, handshakes) = (c.emu.total_calls(), c.emu.tls_handshakes());
    assert!(
        handshakes > 0 && handshakes < calls,
        "{handshakes} handshakes for {calls} calls"
    );
}

#[test]
fn https_through_a_connect_proxy_tunnels_ec2_and_never_instance_metadata() {
    let c = Cluster::https();
    let proxy = ConnectProxy::start().unwrap();
    c.set_defaults(&format!("HTTPS_PROXY={}\n", proxy.url()));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    let seen = proxy.counters();
    assert!(seen.tunnels > 0, "{seen:?}");
    assert_eq!(seen.requests, 0, "HTTPS is tunnelled, never forwarded");
    let ec2 = c.emu.ec2_https_addr().to_string();
    assert!(
        seen.targets.iter().all(|t| *t == ec2),
        "only the EC2 endpoint went through the proxy: {seen:?}"
    );
    assert!(c.emu.imds_requests("node1") > 0, "IMDS was asked directly");
    assert!(c.emu.tls_handshakes() > 0, "TLS ran inside the tunnel");
}

#[test]
fn a_proxy_without_a_scheme_is_taken_as_http() {
    let c = Cluster::https();
    let proxy = ConnectProxy::start().unwrap();
    // As curl and the AWS CLI accept it; it used to be dropped (127104).
    c.set_defaults(&format!("HTTPS_PROXY={}\n", proxy.addr()));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(0);
    assert!(!run.has(127104), "{}", run.stderr);
    c.assert_converged("node1");
    assert!(proxy.tunnels() > 0);
}

#[test]
fn no_proxy_excluding_the_endpoint_goes_direct() {
    let c = Cluster::https();
    let proxy = ConnectProxy::start().unwrap();
    c.set_defaults(&format!(
        "HTTPS_PROXY={}\nNO_PROXY=localhost,127.0.0.1\n",
        proxy.url()
    ));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    assert_eq!(proxy.counters().targets, Vec::<String>::new());
    assert!(c.emu.tls_handshakes() > 0);
}

#[test]
fn an_unreachable_proxy_is_named_as_such() {
    let c = Cluster::https();
    // Bound and closed at once: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    c.set_defaults(&format!("HTTPS_PROXY=http://user:pw@127.0.0.1:{port}\n"));
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let named = format!("proxy http://***@127.0.0.1:{port} (HTTPS_PROXY) unreachable");
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert!(!run.stderr.contains("user:pw"), "{}", run.stderr);
    assert_eq!(c.emu.total_calls(), 0);
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn an_untrusted_certificate_fails_restore_by_name_and_quickcheck_stays_quiet() {
    let mut c = Cluster::https();
    c.env.remove("AWS_CA_BUNDLE");
    let before = c.emu.routes();
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let named = format!("the TLS certificate of {} is not trusted", https_origin(&c));
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert!(run.stderr.contains("unknown issuer"), "{}", run.stderr);
    let line = run.lines(127001).join("\n");
    assert!(
        line.contains("unknown issuer"),
        "one line says it all: {line}"
    );
    assert!(c.emu.tls_failures() > 0);
    assert_eq!(c.emu.total_calls(), 0, "no request was ever sent");
    assert_eq!(c.emu.routes(), before);
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn expired_and_misnamed_certificates_are_named() {
    let c = Cluster::https();
    for (which, words) in [
        (ServerCertificate::Expired, "has expired"),
        (ServerCertificate::WrongName, "is for another name"),
    ] {
        c.emu.set_server_certificate(which).unwrap();
        let run = c.lifekeeper("node1", "restore");
        run.assert_code(1);
        assert!(run.stderr.contains(words), "{which:?}: {}", run.stderr);
    }
    c.emu
        .set_server_certificate(ServerCertificate::Valid)
        .unwrap();
    c.lifekeeper("node1", "restore").assert_code(0);
}

#[test]
fn an_unusable_ca_bundle_is_named_and_nothing_is_sent() {
    let mut c = Cluster::https();
    let bundle = c.lkroot().join("corp-ca.pem");
    std::fs::write(&bundle, "this is not a certificate\n").unwrap();
    c.env
        .insert("AWS_CA_BUNDLE".into(), bundle.display().to_string());
    let run = c.lifekeeper("node1", "restore");
    run.assert_code(1);
    let named = format!(
        "the CA bundle {} (from AWS_CA_BUNDLE) cannot be used",
        bundle.display()
    );
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert_eq!(c.emu.total_calls(), 0);
    let connections = c.emu.tls_handshakes() + c.emu.tls_failures() + c.emu.tls_abandoned();
    assert_eq!(connections, 0, "no connection at all");
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

/// LifeKeeper runs its scripts with a scrubbed environment: the bundle must
/// work when only `/etc/default/LifeKeeper` names it.
#[test]
fn a_ca_bundle_named_in_the_defaults_file_is_trusted_without_the_environment() {
    let mut c = Cluster::https();
    c.env.remove("AWS_CA_BUNDLE");
    let bundle = c.emu.ca_bundle_path().display().to_string();
    c.set_defaults(&format!("AWS_CA_BUNDLE={bundle}\n"));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    assert_eq!(c.emu.tls_failures(), 0);

    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"]);
    let doc = json(&run.stdout);
    let tls = doctor_check(&doc, "tls");
    assert_eq!(tls["status"], "PASS", "{tls:#}");
    let origin = format!("AWS_CA_BUNDLE in {}", c.defaults_path().display());
    assert!(
        tls["summary"].as_str().unwrap().contains(&origin),
        "{tls:#}"
    );
}

#[test]
fn doctor_says_which_trust_is_used_and_whether_the_certificate_verifies() {
    let mut c = Cluster::https();
    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"]);
    let doc = json(&run.stdout);
    let tls = doctor_check(&doc, "tls");
    assert_eq!(tls["status"], "PASS", "{tls:#}");
    let summary = tls["summary"].as_str().unwrap();
    assert!(summary.contains("AWS_CA_BUNDLE"), "{summary}");

    c.env.remove("AWS_CA_BUNDLE");
    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"]);
    run.assert_code(1);
    let doc = json(&run.stdout);
    let tls = doctor_check(&doc, "tls");
    assert_eq!(tls["status"], "FAIL", "{tls:#}");
    assert!(tls["summary"].as_str().unwrap().contains("unknown issuer"));
    assert!(tls["fix"].as_str().unwrap().contains("AWS_CA_BUNDLE"));
}

#[test]
fn plain_http_through_the_proxy_is_forwarded_not_tunnelled() {
    let c = Cluster::two_region();
    let proxy = ConnectProxy::start().unwrap();
    c.set_defaults(&format!("HTTP_PROXY={}\n", proxy.url()));
    c.lifekeeper("node1", "restore").assert_code(0);
    c.assert_converged("node1");
    let seen = proxy.counters();
    assert!(seen.requests > 0 && seen.tunnels == 0, "{seen:?}");
    let ec2 = c.emu.ec2_addr().to_string();
    assert!(seen.targets.iter().all(|t| *t == ec2), "{seen:?}");
}
