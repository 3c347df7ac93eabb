//! Pacemaker's parameters (`OCF_RESKEY_*`) and what they become: the VIP,
//! the same [`Settings`] LifeKeeper's defaults file gives, and the options
//! only this door has. `/etc/default/LifeKeeper` is not read here: a
//! Pacemaker cluster configures its resources in the CIB.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use crate::log::catalog::Message;
use crate::session::info_field;
use crate::settings::Settings;

/// One parameter as the meta-data advertises it; `lifekeeper` names the
/// defaults-file key it stands for, when it has one.
pub struct Parameter {
    pub name: &'static str,
    pub lifekeeper: Option<&'static str>,
    /// The OCF content type: string, integer or boolean.
    pub kind: &'static str,
    pub default: Option<&'static str>,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
}

/// The boolean that turns "AWS could not be observed" from a warning into
/// OCF_DEGRADED.
pub const DEGRADED: &str = "unobservable_is_degraded";

/// Every parameter, in the order the meta-data lists them.
pub const PARAMETERS: &[Parameter] = &[
    Parameter {
        name: "ip",
        lifekeeper: None,
        kind: "string",
        default: None,
        shortdesc: "The virtual IP whose routes follow this resource",
        longdesc: "The virtual IPv4 address (dotted quad, no prefix length) whose /32 routes are pointed at this node in every route table of the local VPC, the Transit Gateways and the VPCs behind them, in every peered region. Required; no two resources may share it.",
    },
    Parameter {
        name: "connect_timeout",
        lifekeeper: Some("AWSCLI_CONNECT_TIMEOUT"),
        kind: "integer",
        default: Some("10"),
        shortdesc: "Seconds to wait for an EC2 endpoint to accept a connection",
        longdesc: "Seconds (1-300) one EC2 connection attempt may take; LifeKeeper's AWSCLI_CONNECT_TIMEOUT. With read_timeout it sets how long a silent region may hold a run up: connect_timeout + 2 x read_timeout.",
    },
    Parameter {
        name: "read_timeout",
        lifekeeper: Some("AWSCLI_READ_TIMEOUT"),
        kind: "integer",
        default: Some("5"),
        shortdesc: "Seconds to wait for an EC2 answer",
        longdesc: "Seconds (1-300) one EC2 call may wait for its answer; LifeKeeper's AWSCLI_READ_TIMEOUT.",
    },
    Parameter {
        name: "imds_timeout",
        lifekeeper: Some("LK_CURL_TIMEOUT"),
        kind: "integer",
        default: Some("5"),
        shortdesc: "Seconds to wait for instance metadata",
        longdesc: "Seconds (1-300) one instance-metadata request may take, tried 3 times; LifeKeeper's LK_CURL_TIMEOUT.",
    },
    Parameter {
        name: "concurrency",
        lifekeeper: Some("TGW_RK_CONCURRENCY"),
        kind: "integer",
        default: Some("16"),
        shortdesc: "Most EC2 calls in flight at once",
        longdesc: "How many EC2 calls (1-64) may be in flight at once; 1 makes every call sequential. LifeKeeper's TGW_RK_CONCURRENCY.",
    },
    Parameter {
        name: "http_proxy",
        lifekeeper: Some("HTTP_PROXY"),
        kind: "string",
        default: None,
        shortdesc: "Proxy for plain-HTTP endpoints",
        longdesc: "Proxy URL for http:// endpoints; when unset, HTTP_PROXY or http_proxy from the cluster's environment.",
    },
    Parameter {
        name: "https_proxy",
        lifekeeper: Some("HTTPS_PROXY"),
        kind: "string",
        default: None,
        shortdesc: "Proxy for the EC2 endpoints",
        longdesc: "Proxy URL (http://host:port, CONNECT) for the https:// EC2 endpoints; when unset, HTTPS_PROXY or https_proxy from the cluster's environment. Instance metadata never goes through a proxy.",
    },
    Parameter {
        name: "no_proxy",
        lifekeeper: Some("NO_PROXY"),
        kind: "string",
        default: None,
        shortdesc: "Hosts reached without the proxy",
        longdesc: "Comma-separated hosts or domains reached directly; when unset, NO_PROXY or no_proxy from the cluster's environment.",
    },
    Parameter {
        name: "ca_bundle",
        lifekeeper: Some("AWS_CA_BUNDLE"),
        kind: "string",
        default: None,
        shortdesc: "Extra certificate authorities for the EC2 endpoints",
        longdesc: "Path of a PEM file of certificate authorities trusted for the EC2 endpoints in addition to the system's trust store (a TLS-inspecting proxy's CA); when unset, AWS_CA_BUNDLE from the cluster's environment or the AWS profile's ca_bundle. A file that cannot be read or holds a certificate that does not parse makes start fail, naming the file.",
    },
    Parameter {
        name: "assume_role_arn",
        lifekeeper: Some("TGW_RK_ASSUME_ROLE_ARN"),
        kind: "string",
        default: None,
        shortdesc: "Role to assume in the other AWS accounts the VIP's routes cross",
        longdesc: "For landing zones, where Transit Gateways, client VPCs or the other node live in other AWS accounts: an IAM role ARN template such as arn:aws:iam::{account}:role/LifeKeeperTgwRoutes, {account} standing for the 12-digit owner of each route table. Each hop is then done in the account that owns its table, through that role (sts:AssumeRole, one per account per run); the node's own account uses the node's own credentials. Unset: every table is in the node's account, as before.",
    },
    Parameter {
        name: "assume_role_external_id",
        lifekeeper: Some("TGW_RK_ASSUME_ROLE_EXTERNAL_ID"),
        kind: "string",
        default: None,
        shortdesc: "External id the roles' trust policies require",
        longdesc: "The sts:ExternalId condition value of the roles named by assume_role_arn, when their trust policy requires one.",
    },
    Parameter {
        name: "syslog_facility",
        lifekeeper: Some("LKSYSLOGSELECTOR"),
        kind: "string",
        default: Some("local6"),
        shortdesc: "Syslog facility of the 127xxx lines",
        longdesc: "Syslog facility (local0-local7, daemon, ...) the 127xxx log lines are also sent to; they always go to stderr, which Pacemaker keeps in its log.",
    },
    Parameter {
        name: DEGRADED,
        lifekeeper: None,
        kind: "boolean",
        default: Some("false"),
        shortdesc: "Report an unobservable AWS as degraded",
        longdesc: "When AWS cannot be observed (metadata or EC2 silent, throttling, 5xx, AccessDenied), monitor succeeds with a warning in the log: a recovery cannot cure an unwell API. Set to true to answer OCF_DEGRADED (190, Pacemaker 2.0.5 and later) instead, so that it shows in crm_mon; Pacemaker does not recover a degraded resource either.",
    },
];

/// What start and monitor work from.
#[derive(Debug)]
pub struct Params {
    pub vip: Ipv4Addr,
    pub settings: Settings,
    pub degraded_when_unobservable: bool,
    /// Pacemaker's timeout for this operation (`OCF_RESKEY_CRM_meta_timeout`).
    pub timeout: Option<Duration>,
}

fn reskey<'e>(env: &'e HashMap<String, String>, name: &str) -> Option<&'e str> {
    env.get(&format!("OCF_RESKEY_{name}")).map(String::as_str)
}

/// The VIP, or why the configuration can never work (OCF_ERR_CONFIGURED).
pub fn vip(env: &HashMap<String, String>) -> Result<Ipv4Addr, String> {
    let Some(ip) = reskey(env, "ip").filter(|ip| !ip.trim().is_empty()) else {
        return Err("parameter ip is required (the VIP)".into());
    };
    if ip.split_whitespace().count() != 1 {
        return Err(format!("parameter ip={ip:?} is not one IPv4 address"));
    }
    info_field::parse_vip(ip).map_err(|_| format!("parameter ip={ip:?} is not an IPv4 address"))
}

/// Every parameter, or why the configuration can never work.
pub fn read(env: &HashMap<String, String>) -> Result<Params, String> {
    let vip = vip(env)?;
    if let Some(template) = reskey(env, "assume_role_arn").filter(|t| !t.trim().is_empty()) {
        crate::settings::check_template(template).map_err(|why| in_ocf_terms(&why))?;
    }
    let mut warnings = Vec::new();
    let degraded_when_unobservable = match reskey(env, DEGRADED) {
        None => false,
        Some(v) => boolean(v).unwrap_or_else(|| {
            warnings.push(warning(format!(
                "{DEGRADED}={v:?} is not a boolean (true/false, yes/no, 1/0, on/off); using false"
            )));
            false
        }),
    };
    let timeout = env
        .get("OCF_RESKEY_CRM_meta_timeout")
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    Ok(Params {
        vip,
        settings: settings(env, warnings),
        degraded_when_unobservable,
        timeout,
    })
}

/// The engine's [`Settings`] from the parameters that stand for a
/// defaults-file key; the process environment fills what they leave unset
/// (proxies), exactly as it does for LifeKeeper's file.
pub fn settings(env: &HashMap<String, String>, mut warnings: Vec<Message>) -> Settings {
    let given: HashMap<String, String> = PARAMETERS
        .iter()
        .filter_map(|p| Some((p.lifekeeper?.to_string(), reskey(env, p.name)?.to_string())))
        .collect();
    let mut settings = Settings::resolve(PathBuf::from(SOURCE), &given, env, Vec::new());
    // The resolver words its warnings with the defaults-file keys; say the
    // parameter names a Pacemaker user wrote instead.
    for w in &mut settings.warnings {
        if let Message::DefaultsFileLine { reason, .. } = w {
            *reason = in_ocf_terms(reason);
        }
    }
    warnings.append(&mut settings.warnings);
    settings.warnings = warnings;
    settings
}

/// What the 127104 warnings name as the source of a bad value.
const SOURCE: &str = "Pacemaker parameters";

fn warning(reason: String) -> Message {
    Message::DefaultsFileLine {
        path: SOURCE.into(),
        reason,
    }
}

fn in_ocf_terms(reason: &str) -> String {
    PARAMETERS
        .iter()
        .find_map(|p| {
            let key = p.lifekeeper?;
            let rest = reason.strip_prefix(key)?;
            Some(format!("{}{rest}", p.name))
        })
        .unwrap_or_else(|| reason.to_string())
}

/// OCF's booleans, as `ocf_is_true` reads them.
pub fn boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::map as env;

    #[test]
    fn ip_is_required_and_strict() {
        assert!(vip(&env(&[])).unwrap_err().contains("required"));
        assert!(vip(&env(&[("OCF_RESKEY_ip", "  ")])).is_err());
        for bad in [
            "10.0.0.256",
            "10.0.0.1/32",
            "010.0.0.1",
            "10.0.0.1 10.0.0.2",
        ] {
            let e = vip(&env(&[("OCF_RESKEY_ip", bad)])).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        let ok = vip(&env(&[("OCF_RESKEY_ip", "10.0.0.100")])).unwrap();
        assert_eq!(ok, Ipv4Addr::new(10, 0, 0, 100));
    }

    #[test]
    fn every_defaults_file_key_has_a_parameter_and_the_defaults_agree() {
        let keys: Vec<_> = PARAMETERS.iter().filter_map(|p| p.lifekeeper).collect();
        for key in [
            "AWSCLI_CONNECT_TIMEOUT",
            "AWSCLI_READ_TIMEOUT",
            "LK_CURL_TIMEOUT",
            "TGW_RK_CONCURRENCY",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "NO_PROXY",
            "AWS_CA_BUNDLE",
            "LKSYSLOGSELECTOR",
        ] {
            assert!(keys.contains(&key), "no parameter for {key}");
        }
        let built_in = settings(&env(&[]), Vec::new());
        let said = |name: &str| {
            PARAMETERS
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.default)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        assert_eq!(
            built_in.connect_timeout.value.as_secs(),
            said("connect_timeout")
        );
        assert_eq!(built_in.read_timeout.value.as_secs(), said("read_timeout"));
        assert_eq!(built_in.imds_timeout.value.as_secs(), said("imds_timeout"));
        assert_eq!(built_in.concurrency.value as u64, said("concurrency"));
    }

    #[test]
    fn parameters_become_settings_and_unknown_ones_are_ignored() {
        let p = read(&env(&[
            ("OCF_RESKEY_ip", "10.0.0.100"),
            ("OCF_RESKEY_connect_timeout", "3"),
            ("OCF_RESKEY_https_proxy", "http://proxy:3128"),
            ("OCF_RESKEY_whatever", "x"),
            ("OCF_RESKEY_CRM_meta_timeout", "20000"),
            ("OCF_RESKEY_unobservable_is_degraded", "yes"),
            ("AWSCLI_READ_TIMEOUT", "7"),
        ]))
        .unwrap();
        assert_eq!(p.settings.connect_timeout.value, Duration::from_secs(3));
        assert_eq!(p.settings.read_timeout.value, Duration::from_secs(7));
        assert_eq!(p.settings.https_proxy.unwrap().value, "http://proxy:3128");
        assert_eq!(p.timeout, Some(Duration::from_secs(20)));
        assert!(p.degraded_when_unobservable);
        assert!(p.settings.warnings.is_empty());
    }

    #[test]
    fn bad_values_warn_in_parameter_names() {
        let p = read(&env(&[
            ("OCF_RESKEY_ip", "10.0.0.100"),
            ("OCF_RESKEY_read_timeout", "soon"),
            ("OCF_RESKEY_unobservable_is_degraded", "maybe"),
        ]))
        .unwrap();
        assert!(!p.degraded_when_unobservable);
        let texts: Vec<String> = p.settings.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts.iter().any(|t| t.contains("read_timeout=\"soon\"")),
            "{texts:?}"
        );
        assert!(texts.iter().all(|t| !t.contains("AWSCLI")), "{texts:?}");
    }
}
