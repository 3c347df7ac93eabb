//! One line an operator can act on for a request that never got an HTTP
//! answer: a certificate that is not trusted, is for another name or has
//! expired; a proxy that cannot be reached; a CA bundle that cannot be used.
//!
//! The SDK reports all of these as a "dispatch failure" with the cause
//! buried in the error's source chain, so this walks the chain and names
//! the first cause it recognises, with the endpoint (and proxy) it concerns.

use std::error::Error;

use aws_sdk_ec2::error::DisplayErrorContext;
use rustls::CertificateError;

use super::ca_bundle::CaBundleError;
use super::transport::ConnectionFailure;

/// How [`describe`] starts a line about a certificate or a TLS handshake.
const CERTIFICATE: &str = "the TLS certificate of ";
const HANDSHAKE: &str = "TLS handshake with ";

/// Whether an unreachable-endpoint reason from [`describe`] is about TLS
/// (the certificate, or the handshake) rather than the network.
pub fn is_tls_problem(reason: &str) -> bool {
    reason.starts_with(CERTIFICATE) || reason.starts_with(HANDSHAKE)
}

/// Why a request got no HTTP answer, in one line.
pub fn describe(err: &(dyn Error + 'static)) -> String {
    let chain = chain(err);
    if let Some(bundle) = chain.iter().find_map(|e| e.downcast_ref::<CaBundleError>()) {
        return format!("not sent: {bundle}");
    }
    let failure = chain
        .iter()
        .find_map(|e| e.downcast_ref::<ConnectionFailure>());
    let detail = DisplayErrorContext(err).to_string();
    let Some(failure) = failure else {
        return detail;
    };
    let via = failure
        .proxy
        .as_ref()
        .map(|p| format!(" (through {p})"))
        .unwrap_or_default();
    if let Some(tls) = chain.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return format!("{}{via}", tls_problem(tls, &failure.endpoint));
    }
    if let Some(proxy) = &failure.proxy {
        return if unreachable(&chain) {
            format!("{proxy} unreachable: {}", innermost(&chain))
        } else {
            format!(
                "{proxy} refused the tunnel to {}: {}",
                failure.endpoint,
                innermost(&chain)
            )
        };
    }
    format!(
        "cannot connect to {}: {}",
        failure.endpoint,
        innermost(&chain)
    )
}

/// The error and its sources, looking inside `io::Error`s too (their
/// `source()` skips the error they wrap, which is where TLS puts its cause).
fn chain<'e>(err: &'e (dyn Error + 'static)) -> Vec<&'e (dyn Error + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if out.len() > 32 {
            break;
        }
        out.push(e);
        let wrapped = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn Error + 'static));
        next = wrapped.or_else(|| e.source());
    }
    out
}

/// Whether a TLS certificate was refused: the same answer on every retry.
pub(super) fn certificate_refused(err: &(dyn Error + 'static)) -> bool {
    chain(err).iter().any(|e| {
        matches!(
            e.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        )
    })
}

/// Whether the TCP connection itself failed (as opposed to an answer).
fn unreachable(chain: &[&(dyn Error + 'static)]) -> bool {
    use std::io::ErrorKind::*;
    chain.iter().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                ConnectionRefused
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
                    | AddrNotAvailable
            )
        })
    })
}

/// The deepest message, which is the concrete cause ("Connection refused").
fn innermost(chain: &[&(dyn Error + 'static)]) -> String {
    chain
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "unknown cause".into())
}

fn tls_problem(err: &rustls::Error, endpoint: &str) -> String {
    let certificate = |what: &str| format!("{CERTIFICATE}{endpoint} {what}");
    match err {
        rustls::Error::InvalidCertificate(problem) => match problem {
            CertificateError::UnknownIssuer => certificate(
                "is not trusted: unknown issuer (its CA is neither in the system trust store \
                 nor in AWS_CA_BUNDLE)",
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                certificate("is for another name (wrong endpoint, or a proxy that re-signs TLS)")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                certificate("has expired (or this host's clock is wrong)")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                certificate("is not valid yet (or this host's clock is wrong)")
            }
            CertificateError::Revoked => certificate("has been revoked"),
            other => certificate(&format!("was refused: {other:?}")),
        },
        other => format!("{HANDSHAKE}{endpoint} failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    fn through_chain(cause: rustls::Error) -> ConnectionFailure {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, cause);
        ConnectionFailure {
            endpoint: "https://ec2.us-west-2.amazonaws.com".into(),
            proxy: None,
            source: ConnectorError::io(Box::new(io)),
        }
    }

    #[test]
    fn certificate_problems_are_named_with_the_endpoint() {
        let cases = [
            (CertificateError::UnknownIssuer, "unknown issuer"),
            (CertificateError::NotValidForName, "another name"),
            (CertificateError::Expired, "has expired"),
        ];
        for (problem, words) in cases {
            let failure = through_chain(rustls::Error::InvalidCertificate(problem));
            let line = describe(&failure);
            assert!(line.contains(words), "{line}");
            assert!(
                line.contains("https://ec2.us-west-2.amazonaws.com"),
                "{line}"
            );
            assert!(!line.contains('\n'), "{line}");
            assert!(is_tls_problem(&line), "{line}");
        }
    }

    #[test]
    fn an_unreachable_proxy_is_named() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let failure = ConnectionFailure {
            endpoint: "https://ec2.us-east-1.amazonaws.com".into(),
            proxy: Some(super::super::transport::ProxyRoute::new(
                "http://user:pw@127.0.0.1:9",
                "HTTPS_PROXY",
                true,
                "",
            )),
            source: ConnectorError::io(Box::new(refused)),
        };
        let line = describe(&failure);
        assert!(
            line.contains("proxy http://***@127.0.0.1:9 (HTTPS_PROXY) unreachable"),
            "{line}"
        );
        assert!(line.contains("Connection refused"), "{line}");
        assert!(!line.contains("pw"), "{line}");
    }

    #[test]
    fn an_unusable_bundle_says_nothing_was_sent() {
        let bundle = CaBundleError {
            path: "/etc/corp-ca.pem".into(),
            origin: "AWS_CA_BUNDLE".into(),
            reason: "No such file or directory (os error 2)".into(),
        };
        let line = describe(&ConnectorError::user(Box::new(bundle)));
        assert!(
            line.starts_with("not sent: the CA bundle /etc/corp-ca.pem"),
            "{line}"
        );
    }
}
