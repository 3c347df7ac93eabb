//! Checks of this node itself: instance metadata, the VIP, the parameters
//! LifeKeeper will run with, and the credentials chain.

use super::{Check, CheckStatus, DoctorFacts, millis};
use crate::aws::imds::TokenFailure;
use crate::log::redact;
use crate::settings::{Setting, Settings, Source};

pub fn checks(facts: &DoctorFacts<'_>) -> Vec<Check> {
    let mut checks = vec![token_check(facts), identity_check(facts)];
    checks.extend(vip_checks(facts));
    checks.push(parameters_check(facts.settings));
    checks.push(proxy_check(facts.settings, facts.proxy_problem.as_deref()));
    checks.push(credentials_check(facts));
    checks
}

fn token_check(f: &DoctorFacts<'_>) -> Check {
    let id = "imds.token";
    let at = &f.imds_endpoint;
    let hop_limit = "aws ec2 modify-instance-metadata-options --instance-id <this instance> --http-put-response-hop-limit 2 --http-endpoint enabled";
    match &f.token {
        Ok(d) => Check::new(id, CheckStatus::Pass, format!("IMDSv2 token from {at} in {}", millis(*d))),
        Err(TokenFailure::Timeout(t)) => Check::new(
            id,
            CheckStatus::Fail,
            format!("no IMDSv2 token from {at} within {} s (LK_CURL_TIMEOUT)", t.as_secs()),
        )
        .details(vec!["a token PUT that times out while the address answers is the symptom of a hop limit of 1 seen from a container or a second network namespace".into()])
        .fix(hop_limit),
        Err(TokenFailure::Transport(err)) => Check::new(id, CheckStatus::Fail, format!("instance metadata at {at} is not reachable: {err}"))
            .fix("run on the EC2 instance itself; check that no firewall or proxy intercepts 169.254.169.254"),
        Err(TokenFailure::Status(status, body)) => Check::new(
            id,
            CheckStatus::Fail,
            format!("instance metadata refused an IMDSv2 token (HTTP {status}: {body})"),
        )
        .fix("enable the metadata service with tokens: aws ec2 modify-instance-metadata-options --instance-id <this instance> --http-endpoint enabled --http-tokens required"),
        Err(TokenFailure::Empty) => Check::new(id, CheckStatus::Fail, "instance metadata answered the token request with nothing")
            .fix("retry; if it persists, stop and start the instance (the metadata service is host-side)"),
    }
}

fn identity_check(f: &DoctorFacts<'_>) -> Check {
    let id = "imds.identity";
    match &f.node {
        None => Check::new(id, CheckStatus::Skip, "needs an IMDSv2 token"),
        Some(Ok(n)) => Check::new(
            id,
            CheckStatus::Pass,
            format!(
                "region {}, VPC {}, ENI {} (MAC {})",
                n.region, n.vpc_id, n.eni_id, n.mac
            ),
        ),
        Some(Err(m)) => Check::new(id, CheckStatus::Fail, format!("{} {m}", m.code()))
            .fix("the warnings on stderr name the metadata item that failed; each ENI must be listed under meta-data/network/interfaces/macs/"),
    }
}

fn vip_checks(f: &DoctorFacts<'_>) -> Vec<Check> {
    let vip = match &f.vip {
        Ok(vip) => *vip,
        Err(m) => {
            let check = Check::new("vip.address", CheckStatus::Fail, format!("{} {m}", m.code()))
                .fix("pass --ip VIP, or -t TAG of a resource whose Application Information field starts with the VIP");
            return vec![check];
        }
    };
    let address = Check::new("vip.address", CheckStatus::Pass, vip.to_string());
    let interface = match &f.interface {
        Some(name) => Check::new("vip.interface", CheckStatus::Pass, format!("{vip} is up on {name}")),
        None => Check::new("vip.interface", CheckStatus::Warn, format!("{vip} is on no local interface; the primary ENI stands in"))
            .fix("expected on the standby node; on the active node, bring LifeKeeper's IP resource in service first"),
    };
    vec![address, interface]
}

fn source_name(source: &Source, settings: &Settings) -> String {
    match source {
        Source::DefaultsFile => settings.path.display().to_string(),
        Source::Environment => "environment".into(),
        Source::BuiltIn => "built-in".into(),
    }
}

fn shown(
    name: &str,
    value: impl std::fmt::Display,
    source: &Source,
    settings: &Settings,
) -> String {
    format!("{name}={value} ({})", source_name(source, settings))
}

fn seconds(name: &str, s: &Setting<std::time::Duration>, settings: &Settings) -> String {
    shown(
        name,
        format!("{} s", s.value.as_secs()),
        &s.source,
        settings,
    )
}

fn parameters_check(s: &Settings) -> Check {
    let details = vec![
        seconds("AWSCLI_CONNECT_TIMEOUT", &s.connect_timeout, s),
        seconds("AWSCLI_READ_TIMEOUT", &s.read_timeout, s),
        seconds("LK_CURL_TIMEOUT", &s.imds_timeout, s),
        shown(
            "TGW_RK_CONCURRENCY",
            s.concurrency.value,
            &s.concurrency.source,
            s,
        ),
        shown(
            "LKSYSLOGSELECTOR",
            &s.syslog_facility.value,
            &s.syslog_facility.source,
            s,
        ),
        format!(
            "remote regions are given {} s before they are skipped",
            s.remote_deadline().as_secs()
        ),
    ];
    let mut details = details;
    if let Some(role) = &s.assume_role {
        let t = &role.template;
        details.push(shown("TGW_RK_ASSUME_ROLE_ARN", &t.value, &t.source, s));
        // A shared secret between accounts: say whether, never what.
        details.push(match &role.external_id {
            Some(id) => shown("TGW_RK_ASSUME_ROLE_EXTERNAL_ID", "(set)", &id.source, s),
            None => "TGW_RK_ASSUME_ROLE_EXTERNAL_ID not set".to_string(),
        });
    }
    let file = s.path.display();
    if s.warnings.is_empty() {
        return Check::new(
            "params.defaults",
            CheckStatus::Pass,
            format!("parameters read (defaults file {file})"),
        )
        .details(details);
    }
    let mut all: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
    all.extend(details);
    Check::new(
        "params.defaults",
        CheckStatus::Warn,
        format!(
            "{} problem(s) with {file}; built-in values used for what it could not set",
            s.warnings.len()
        ),
    )
    .details(all)
    .fix(format!("correct the lines above in {file}"))
}

fn proxy_check(s: &Settings, problem: Option<&str>) -> Check {
    let id = "params.proxy";
    let proxies = [
        ("HTTPS_PROXY", &s.https_proxy),
        ("HTTP_PROXY", &s.http_proxy),
        ("NO_PROXY", &s.no_proxy),
    ];
    // A proxy URL may carry a password; the report is often pasted into tickets.
    let mut details: Vec<String> = proxies
        .iter()
        .filter_map(|(name, p)| {
            p.as_ref()
                .map(|p| shown(name, redact::userinfo(&p.value), &p.source, s))
        })
        .collect();
    details.push("instance metadata (169.254.169.254, fd00:ec2::254) is never proxied".into());
    if let Some(why) = problem {
        return Check::new(
            id,
            CheckStatus::Fail,
            format!(
                "the proxy setting cannot be used ({}); EC2 is reached directly",
                redact::userinfo(why)
            ),
        )
        .details(details)
        .fix(format!(
            "correct HTTPS_PROXY / HTTP_PROXY in {}",
            s.path.display()
        ));
    }
    let from_shell: Vec<&str> = proxies
        .iter()
        .filter(|(_, p)| p.as_ref().is_some_and(|p| p.source == Source::Environment))
        .map(|(name, _)| *name)
        .collect();
    if !from_shell.is_empty() {
        return Check::new(
            id,
            CheckStatus::Warn,
            format!(
                "{} come(s) from this shell's environment, which LifeKeeper does not have",
                from_shell.join(", ")
            ),
        )
        .details(details)
        .fix(format!(
            "set them in {} (it wins over the environment), or unset them here",
            s.path.display()
        ));
    }
    let summary = if s.https_proxy.is_some() || s.http_proxy.is_some() {
        format!(
            "EC2 is reached through the proxy set in {}",
            s.path.display()
        )
    } else {
        "no proxy: EC2 endpoints are reached directly".to_string()
    };
    Check::new(id, CheckStatus::Pass, summary).details(details)
}

fn credentials_check(f: &DoctorFacts<'_>) -> Check {
    let id = "credentials";
    match &f.credentials {
        None => Check::new(id, CheckStatus::Skip, "needs the node's region"),
        Some(Ok(info)) => {
            let expiry = info.expiry.and_then(|e| e.duration_since(f.now).ok()).map(|left| format!(", valid for {} more min", left.as_secs() / 60));
            Check::new(id, CheckStatus::Pass, format!("resolved by the {} provider{}", info.provider, expiry.unwrap_or_default()))
        }
        Some(Err(why)) => Check::new(id, CheckStatus::Fail, format!("no credentials: {why}"))
            .fix("attach an instance profile whose role has the policy in README (IAM policy); LifeKeeper runs without your shell's AWS_* variables"),
    }
}
