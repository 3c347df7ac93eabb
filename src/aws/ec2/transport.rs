//! The HTTP client for EC2 endpoints, wrapped so that a failed connection
//! says where it was going and through which proxy: the SDK's own errors
//! name neither, and an operator needs both to act.
//!
//! When the configured CA bundle cannot be used, the client refuses every
//! request with that reason instead of connecting with less trust than the
//! operator asked for.

use std::fmt;
use std::sync::Arc;

use aws_sdk_ec2::config::{HttpClient, RuntimeComponents, SharedHttpClient, http::HttpRequest};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::result::ConnectorError;
use hyper_util::client::proxy::matcher::Matcher;

use super::ca_bundle::CaBundleError;

/// A proxy in use for EC2, as operators configured it.
#[derive(Clone, Debug)]
pub struct ProxyRoute {
    /// The proxy URL with any credentials masked.
    pub shown: String,
    /// The variable it came from (`HTTPS_PROXY`, `HTTP_PROXY`).
    pub variable: &'static str,
    matcher: Arc<Matcher>,
}

impl ProxyRoute {
    /// `url` must already carry a scheme; `no_proxy` is the full exemption list.
    pub fn new(url: &str, variable: &'static str, https: bool, no_proxy: &str) -> ProxyRoute {
        let builder = Matcher::builder();
        let builder = if https {
            builder.https(url.to_string())
        } else {
            builder.http(url.to_string())
        };
        ProxyRoute {
            shown: redact_userinfo(url),
            variable,
            matcher: Arc::new(builder.no(no_proxy.to_string()).build()),
        }
    }

    /// Whether a request to `uri` goes through this proxy (NO_PROXY applied).
    pub fn carries(&self, uri: &str) -> bool {
        uri.parse::<hyper::Uri>()
            .is_ok_and(|uri| self.matcher.intercept(&uri).is_some())
    }
}

impl fmt::Display for ProxyRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "proxy {} ({})", self.shown, self.variable)
    }
}

/// `http://user:secret@host:3128` → `http://***@host:3128`.
pub fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => format!("***@{}", &rest[at + 1..]),
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// A failed EC2 connection with where it was going: the first error the
/// chain walk in `transport_error` looks for.
#[derive(Debug)]
pub struct ConnectionFailure {
    /// `scheme://host:port` of the EC2 endpoint.
    pub endpoint: String,
    /// The proxy the request went through, if any.
    pub proxy: Option<ProxyRoute>,
    pub source: ConnectorError,
}

impl fmt::Display for ConnectionFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.proxy {
            Some(proxy) => write!(f, "connecting to {} through {proxy}", self.endpoint),
            None => write!(f, "connecting to {}", self.endpoint),
        }
    }
}

impl std::error::Error for ConnectionFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The EC2 HTTP client: `inner` with failures annotated, or a client that
/// refuses everything because the trust the operator configured is unusable.
#[derive(Clone, Debug)]
pub struct Ec2Transport {
    inner: SharedHttpClient,
    proxy: Option<ProxyRoute>,
    refusal: Option<CaBundleError>,
}

impl Ec2Transport {
    pub fn new(inner: SharedHttpClient, proxy: Option<ProxyRoute>) -> Self {
        Ec2Transport {
            inner,
            proxy,
            refusal: None,
        }
    }

    pub fn refusing(inner: SharedHttpClient, why: CaBundleError) -> Self {
        Ec2Transport {
            inner,
            proxy: None,
            refusal: Some(why),
        }
    }

    pub fn shared(self) -> SharedHttpClient {
        SharedHttpClient::new(self)
    }
}

impl HttpClient for Ec2Transport {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Annotating {
            inner: self.inner.http_connector(settings, components),
            proxy: self.proxy.clone(),
            refusal: self.refusal.clone(),
        })
    }
}

#[derive(Debug)]
struct Annotating {
    inner: SharedHttpConnector,
    proxy: Option<ProxyRoute>,
    refusal: Option<CaBundleError>,
}

impl HttpConnector for Annotating {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if let Some(why) = &self.refusal {
            // A user error: retrying cannot help, and nothing was sent.
            let refused = ConnectorError::user(Box::new(why.clone()));
            return HttpConnectorFuture::ready(Err(refused));
        }
        let uri = request.uri().to_string();
        let proxy = self.proxy.clone().filter(|p| p.carries(&uri));
        let endpoint = origin_of(&uri);
        let call = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            call.await
                .map_err(|source| annotate(source, endpoint, proxy))
        })
    }
}

/// The same kind of error (so retries are decided as before), with context;
/// except a refused certificate, which no retry can change.
fn annotate(source: ConnectorError, endpoint: String, proxy: Option<ProxyRoute>) -> ConnectorError {
    let refused = super::transport_error::certificate_refused(&source);
    let (timeout, io, user, other) = (
        source.is_timeout(),
        source.is_io(),
        source.is_user(),
        source.as_other(),
    );
    let failure = Box::new(ConnectionFailure {
        endpoint,
        proxy,
        source,
    });
    if refused {
        ConnectorError::other(failure, None)
    } else if timeout {
        ConnectorError::timeout(failure)
    } else if io {
        ConnectorError::io(failure)
    } else if user {
        ConnectorError::user(failure)
    } else {
        ConnectorError::other(failure, other)
    }
}

/// `https://host:port/path?q` → `https://host:port`.
fn origin_of(uri: &str) -> String {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    let end = uri[after_scheme..]
        .find(['/', '?'])
        .map_or(uri.len(), |i| after_scheme + i);
    uri[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_proxy_urls_are_masked() {
        assert_eq!(
            redact_userinfo("http://alice:s3cret@proxy.corp:3128"),
            "http://***@proxy.corp:3128"
        );
        assert_eq!(
            redact_userinfo("http://proxy.corp:3128/"),
            "http://proxy.corp:3128/"
        );
    }

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://ec2.us-east-1.amazonaws.com/?Action=X"),
            "https://ec2.us-east-1.amazonaws.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn no_proxy_exempts_an_endpoint_from_the_route() {
        let route = ProxyRoute::new(
            "http://127.0.0.1:3128",
            "HTTPS_PROXY",
            true,
            "169.254.169.254,ec2.internal.example",
        );
        assert!(route.carries("https://ec2.us-east-1.amazonaws.com/"));
        assert!(!route.carries("https://ec2.internal.example/"));
        assert!(!route.carries("http://ec2.us-east-1.amazonaws.com/"));
    }
}
