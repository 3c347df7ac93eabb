//! The `tls` check: which certificate authorities EC2 endpoints are
//! verified against (the system store, plus `AWS_CA_BUNDLE` or the
//! profile's `ca_bundle`), and whether every endpoint probed verified.

use super::{Check, CheckStatus, EndpointProbe};
use crate::aws::ec2::ca_bundle::{CaBundleError, Trust};
use crate::aws::ec2::transport_error::is_tls_problem;
use crate::engine::ec2::ApiErrorKind;

/// What doctor learnt about TLS before the EC2 probes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFacts {
    pub trust: Result<Trust, CaBundleError>,
    /// The EC2 endpoint override (`AWS_ENDPOINT_URL[_EC2]`), if any.
    pub endpoint_override: Option<String>,
}

impl Default for TlsFacts {
    fn default() -> Self {
        TlsFacts {
            trust: Ok(Trust::System),
            endpoint_override: None,
        }
    }
}

const ID: &str = "tls";

pub fn check(facts: &TlsFacts, probes: Option<&[EndpointProbe]>) -> Check {
    let trust = match &facts.trust {
        Ok(trust) => trust,
        Err(unusable) => {
            return Check::new(ID, CheckStatus::Fail, unusable.to_string()).fix(format!(
                "point {} at a readable PEM file holding the CA certificate(s), or unset it; \
                 until then no EC2 call is made",
                unusable.origin
            ));
        }
    };
    let trusted = format!("trust: {}", trust.describe());
    if facts
        .endpoint_override
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"))
    {
        return Check::new(
            ID,
            CheckStatus::Pass,
            format!(
                "{trusted}; the EC2 endpoint is plain HTTP (AWS_ENDPOINT_URL), no certificate to verify"
            ),
        );
    }
    let Some(probes) = probes else {
        return Check::new(
            ID,
            CheckStatus::Skip,
            format!("{trusted}; endpoint certificates not checked (needs this node's region)"),
        );
    };
    let refused: Vec<&str> = probes.iter().filter_map(tls_reason).collect();
    if let Some(first) = refused.first() {
        return Check::new(ID, CheckStatus::Fail, first.to_string())
            .details(
                refused
                    .iter()
                    .skip(1)
                    .map(|r| r.to_string())
                    .chain([trusted])
                    .collect(),
            )
            .fix(fix_for(first));
    }
    let verified = probes.iter().filter(|p| p.result.is_ok()).count();
    if verified == 0 {
        return Check::new(
            ID,
            CheckStatus::Skip,
            format!(
                "{trusted}; no endpoint answered, so no certificate was verified (see the endpoint checks)"
            ),
        );
    }
    Check::new(
        ID,
        CheckStatus::Pass,
        format!("{trusted}; the certificates of {verified} region endpoint(s) verify"),
    )
}

fn tls_reason(probe: &EndpointProbe) -> Option<&str> {
    match &probe.result {
        Err(err) => match &err.kind {
            ApiErrorKind::Unreachable { reason } if is_tls_problem(reason) => Some(reason),
            _ => None,
        },
        Ok(()) => None,
    }
}

fn fix_for(reason: &str) -> String {
    if reason.contains("another name") {
        "check AWS_ENDPOINT_URL; behind a TLS-inspecting proxy, have it re-sign for the EC2 host names".into()
    } else if reason.contains("expired") || reason.contains("not valid yet") {
        "check this host's clock (timedatectl), then the certificate the proxy or endpoint presents"
            .into()
    } else {
        "install the CA that signed it in the system trust store (update-ca-certificates / \
         update-ca-trust), or set AWS_CA_BUNDLE to its PEM file; behind a TLS-inspecting proxy, \
         that is the proxy's CA"
            .into()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::engine::ec2::{Api, ApiError};

    fn probe(result: Result<(), ApiErrorKind>) -> EndpointProbe {
        EndpointProbe {
            region: "us-east-1".into(),
            elapsed: Duration::from_millis(5),
            result: result.map_err(|kind| ApiError {
                api: Api::DescribeTransitGateways,
                region: "us-east-1".into(),
                resource: None,
                account: None,
                kind,
            }),
        }
    }

    #[test]
    fn an_unusable_bundle_fails_with_the_file_named() {
        let facts = TlsFacts {
            trust: Err(CaBundleError {
                path: PathBuf::from("/etc/corp.pem"),
                origin: "AWS_CA_BUNDLE".into(),
                reason: "No such file or directory (os error 2)".into(),
            }),
            endpoint_override: None,
        };
        let c = check(&facts, None);
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.summary.contains("/etc/corp.pem"), "{}", c.summary);
        assert!(c.fix.unwrap().contains("AWS_CA_BUNDLE"));
    }

    #[test]
    fn an_untrusted_endpoint_fails_with_the_fix() {
        let reason =
            "the TLS certificate of https://127.0.0.1:1 is not trusted: unknown issuer".to_string();
        let c = check(
            &TlsFacts::default(),
            Some(&[probe(Err(ApiErrorKind::Unreachable { reason }))]),
        );
        assert_eq!(c.status, CheckStatus::Fail);
        assert!(c.fix.unwrap().contains("AWS_CA_BUNDLE"));
    }

    #[test]
    fn verified_endpoints_pass_and_say_which_trust() {
        let c = check(&TlsFacts::default(), Some(&[probe(Ok(()))]));
        assert_eq!(c.status, CheckStatus::Pass);
        assert!(c.summary.contains("system trust store"), "{}", c.summary);
    }

    #[test]
    fn a_network_failure_is_not_a_certificate_verdict() {
        let reason = "cannot connect to https://127.0.0.1:1: Connection refused".to_string();
        let c = check(
            &TlsFacts::default(),
            Some(&[probe(Err(ApiErrorKind::Unreachable { reason }))]),
        );
        assert_eq!(c.status, CheckStatus::Skip);
    }
}
