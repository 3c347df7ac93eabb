//! How the AWS SDK is set up: credentials, endpoints, timeouts, retries and proxies.
//!
//! Two HTTP clients, both built here: a direct one for everything that may
//! touch instance metadata (the credential chain), and one for the EC2
//! endpoints that honours the proxy settings and the configured CA bundle.
//! IMDS must never go through a proxy; EC2 often must.

use aws_config::BehaviorVersion;
use aws_config::SdkConfig;
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::{Region, SharedHttpClient};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, Connector};

use super::ca_bundle::{Trust, configured_trust};
use super::call_budget;
use super::sdk::SdkEc2;
use super::transport::{Ec2Transport, ProxyRoute};
use crate::settings::Settings;

fn tls() -> tls::Provider {
    tls::Provider::Rustls(CryptoMode::Ring)
}

/// An HTTPS client that never uses a proxy.
pub fn direct_http_client() -> SharedHttpClient {
    Builder::new().tls_provider(tls()).build_https()
}

/// An HTTPS client for EC2 endpoints, through `proxy` when there is one,
/// trusting `trust` (the system store, plus a CA bundle if configured).
pub fn ec2_http_client(proxy: Option<ProxyConfig>, trust: &Trust) -> SharedHttpClient {
    let context = trust.tls_context();
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = Connector::builder();
        if let Some(proxy) = &proxy {
            builder = builder.proxy_config(proxy.clone());
        }
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder
            .tls_provider(tls())
            .tls_context(context.clone())
            .build()
    })
}

/// The proxy for the EC2 endpoint, chosen the way curl and the AWS CLI
/// choose it: `HTTPS_PROXY` for https endpoints, `HTTP_PROXY` for plain
/// http ones, minus `NO_PROXY`. The metadata address is always exempt.
pub struct Ec2Proxy {
    pub config: ProxyConfig,
    /// The same choice, for naming the proxy in errors.
    pub route: ProxyRoute,
}

/// Picks the proxy for `endpoint_url` (none: AWS's https endpoints). A
/// value without a scheme (`proxy.corp:3128`) means `http://`, as for curl
/// and the AWS CLI.
pub fn proxy_for(
    endpoint_url: Option<&str>,
    settings: &Settings,
) -> Result<Option<Ec2Proxy>, String> {
    let plain_http = endpoint_url.is_some_and(|u| u.starts_with("http://"));
    let (setting, variable) = if plain_http {
        (&settings.http_proxy, "HTTP_PROXY")
    } else {
        (&settings.https_proxy, "HTTPS_PROXY")
    };
    let Some(setting) = setting.as_ref().filter(|p| !p.value.trim().is_empty()) else {
        return Ok(None);
    };
    let url = with_scheme(setting.value.trim());
    let config = if plain_http {
        ProxyConfig::http(url.as_str())
    } else {
        ProxyConfig::https(url.as_str())
    };
    let config = config.map_err(|e| format!("{variable}: {e}"))?;
    let mut no_proxy = String::from("169.254.169.254,fd00:ec2::254");
    if let Some(extra) = &settings.no_proxy {
        no_proxy.push(',');
        no_proxy.push_str(&extra.value);
    }
    let route = ProxyRoute::new(&url, variable, !plain_http, &no_proxy);
    Ok(Some(Ec2Proxy {
        config: config.no_proxy(no_proxy),
        route,
    }))
}

/// `proxy.corp:3128` → `http://proxy.corp:3128`; URLs with a scheme as given.
fn with_scheme(value: &str) -> String {
    if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    }
}

/// Timeouts for one EC2 call: the parameters operators already tune for the
/// vendor's kits, with an overall bound that is also the call's retry
/// budget (see [`call_budget`]): connect + 2 × read, 20 s by default.
pub fn timeouts(settings: &Settings) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout.value)
        .read_timeout(settings.read_timeout.value)
        .operation_timeout(settings.remote_deadline())
        .build()
}

/// Retries bounded by each call's time budget, not by a count of attempts.
pub fn retries(settings: &Settings) -> RetryConfig {
    call_budget::retry_config(settings.remote_deadline())
}

/// Loads credentials and endpoint settings from the standard SDK chain
/// (environment, profiles, web identity, container and instance role).
pub async fn load(settings: &Settings, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(direct_http_client())
        .region(Region::new(region.to_string()))
        .timeout_config(timeouts(settings))
        .retry_config(retries(settings))
        .load()
        .await
}

/// The EC2 door for one run, from the settings: credentials chain, the proxy
/// chosen by the endpoint's scheme, the trust for TLS, the concurrency
/// bound. The second value explains a proxy setting that could not be used
/// (we then connect directly). A configured CA bundle that cannot be used
/// makes every EC2 call fail with that reason (see [`super::ca_bundle`]).
pub async fn connect(settings: &Settings, region: &str) -> (SdkEc2, Option<String>) {
    let sdk = load(settings, region).await;
    let endpoint = ec2_endpoint(&sdk);
    let (proxy, problem) = match proxy_for(endpoint.as_deref(), settings) {
        Ok(proxy) => (proxy, None),
        Err(why) => (None, Some(why)),
    };
    let (config, route) = match proxy {
        Some(p) => (Some(p.config), Some(p.route)),
        None => (None, None),
    };
    let transport = match configured_trust(settings).await {
        Ok(trust) => Ec2Transport::new(ec2_http_client(config, &trust), route),
        Err(unusable) => Ec2Transport::refusing(direct_http_client(), unusable),
    };
    let ec2 = SdkEc2::new(sdk, transport.shared(), settings.concurrency.value);
    (ec2, problem)
}

/// The EC2 endpoint override, if any: the service-specific variable wins
/// over the general one, as in the SDK.
pub fn ec2_endpoint(sdk: &SdkConfig) -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL_EC2")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| sdk.endpoint_url().map(str::to_string))
}
