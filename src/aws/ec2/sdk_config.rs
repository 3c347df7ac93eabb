//! How the AWS SDK is set up: credentials, endpoints, timeouts, retries and proxies.
//!
//! Two HTTP clients, both built here: a direct one for everything that may
//! touch instance metadata (the credential chain), and one for the EC2
//! endpoints that honours the proxy settings. IMDS must never go through a
//! proxy; EC2 often must.

use aws_config::BehaviorVersion;
use aws_config::SdkConfig;
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::{Region, SharedHttpClient};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, Connector};

use super::call_budget;
use super::sdk::SdkEc2;
use crate::settings::Settings;

fn tls() -> tls::Provider {
    tls::Provider::Rustls(CryptoMode::Ring)
}

/// An HTTPS client that never uses a proxy.
pub fn direct_http_client() -> SharedHttpClient {
    Builder::new().tls_provider(tls()).build_https()
}

/// An HTTPS client for EC2 endpoints, through `proxy` when there is one.
pub fn ec2_http_client(proxy: Option<ProxyConfig>) -> SharedHttpClient {
    let Some(proxy) = proxy else {
        return direct_http_client();
    };
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = Connector::builder().proxy_config(proxy.clone());
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.tls_provider(tls()).build()
    })
}

/// Picks the proxy for the EC2 endpoint the way curl and the AWS CLI do:
/// `HTTPS_PROXY` for https endpoints, `HTTP_PROXY` for plain http ones,
/// minus `NO_PROXY`. The metadata address is always exempt.
pub fn proxy_for(
    endpoint_url: Option<&str>,
    settings: &Settings,
) -> Result<Option<ProxyConfig>, String> {
    let plain_http = endpoint_url.is_some_and(|u| u.starts_with("http://"));
    let chosen = if plain_http {
        settings
            .http_proxy
            .as_ref()
            .map(|p| ProxyConfig::http(p.value.as_str()))
    } else {
        settings
            .https_proxy
            .as_ref()
            .map(|p| ProxyConfig::https(p.value.as_str()))
    };
    let Some(proxy) = chosen.transpose().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let mut no_proxy = String::from("169.254.169.254,fd00:ec2::254");
    if let Some(extra) = &settings.no_proxy {
        no_proxy.push(',');
        no_proxy.push_str(&extra.value);
    }
    Ok(Some(proxy.no_proxy(no_proxy)))
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
/// chosen by the endpoint's scheme, the concurrency bound. The second value
/// explains a proxy setting that could not be used (we then connect directly).
pub async fn connect(settings: &Settings, region: &str) -> (SdkEc2, Option<String>) {
    let sdk = load(settings, region).await;
    // The service-specific variable wins over the general one, as in the SDK.
    let endpoint = std::env::var("AWS_ENDPOINT_URL_EC2")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| sdk.endpoint_url().map(str::to_string));
    let (proxy, problem) = match proxy_for(endpoint.as_deref(), settings) {
        Ok(proxy) => (proxy, None),
        Err(why) => (None, Some(why)),
    };
    let ec2 = SdkEc2::new(sdk, ec2_http_client(proxy), settings.concurrency.value);
    (ec2, problem)
}
