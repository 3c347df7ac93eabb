//! The certificate authorities trusted for EC2 endpoints: the system's
//! trust store always, plus the PEM bundle named by `AWS_CA_BUNDLE` (or the
//! profile's `ca_bundle`), the way the AWS CLI and the other SDKs take a
//! corporate or TLS-inspecting proxy's CA.
//!
//! The bundle is read and every certificate parsed here, before the HTTP
//! client sees it: the client would otherwise abort the process on a bad
//! one, and a bundle that cannot be used must be an error naming the file,
//! never a silent fallback to the system roots alone.

use std::path::{Path, PathBuf};

use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use thiserror::Error;

use crate::settings::{Setting, Settings, Source};

pub const CA_BUNDLE_VAR: &str = "AWS_CA_BUNDLE";

/// A bundle larger than this is not a CA bundle (the system's whole store
/// is about 200 KiB); refusing it bounds memory.
const MAX_BUNDLE_BYTES: u64 = 16 << 20;

/// The trust in force for EC2 endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// The system's trust store only.
    System,
    /// The system's trust store plus a bundle.
    WithBundle(CaBundle),
}

/// A bundle that was read and whose certificates all parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaBundle {
    pub path: PathBuf,
    /// Where the setting came from: `AWS_CA_BUNDLE`, or `ca_bundle of profile NAME`.
    pub origin: String,
    pub certificates: usize,
    pem: Vec<u8>,
}

/// A configured bundle that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("the CA bundle {path} (from {origin}) cannot be used: {reason}", path = path.display())]
pub struct CaBundleError {
    pub path: PathBuf,
    pub origin: String,
    pub reason: String,
}

impl Trust {
    /// The TLS context for the SDK's HTTP client: native roots stay enabled.
    pub fn tls_context(&self) -> TlsContext {
        let store = match self {
            Trust::System => TrustStore::default(),
            Trust::WithBundle(bundle) => {
                TrustStore::default().with_pem_certificate(bundle.pem.clone())
            }
        };
        TlsContext::builder()
            .with_trust_store(store)
            .build()
            .unwrap_or_default()
    }

    /// One phrase for reports: "system trust store" or "system trust store + …".
    pub fn describe(&self) -> String {
        match self {
            Trust::System => "system trust store".to_string(),
            Trust::WithBundle(b) => format!(
                "system trust store + {} ({}, {} certificate{})",
                b.path.display(),
                b.origin,
                b.certificates,
                if b.certificates == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The trust for this run: `AWS_CA_BUNDLE` (from the defaults file, else
/// the environment, like every parameter) wins over the profile's
/// `ca_bundle`, as in the AWS CLI; neither means the system store alone.
pub async fn configured_trust(settings: &Settings) -> Result<Trust, CaBundleError> {
    let (path, origin) = match &settings.ca_bundle {
        Some(s) => (PathBuf::from(&s.value), origin_of(s, settings)),
        None => match profile_ca_bundle().await {
            Some(found) => found,
            None => return Ok(Trust::System),
        },
    };
    load(&path, &origin).map(Trust::WithBundle)
}

/// "AWS_CA_BUNDLE" from the environment; "AWS_CA_BUNDLE in FILE" from the defaults file.
fn origin_of(setting: &Setting<String>, settings: &Settings) -> String {
    match setting.source {
        Source::DefaultsFile => format!("{CA_BUNDLE_VAR} in {}", settings.path.display()),
        Source::Environment | Source::BuiltIn => CA_BUNDLE_VAR.to_string(),
    }
}

/// The selected profile's `ca_bundle`, if the shared config files have one.
/// Files that cannot be read or parsed are the credential chain's to report.
async fn profile_ca_bundle() -> Option<(PathBuf, String)> {
    let profiles = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        None,
    )
    .await
    .ok()?;
    let path = profiles.get("ca_bundle").filter(|p| !p.is_empty())?;
    let origin = format!("ca_bundle of profile {}", profiles.selected_profile());
    Some((expand_home(path), origin))
}

/// `~/x` as the AWS CLI expands it.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Reads `path` and checks every certificate in it.
pub fn load(path: &Path, origin: &str) -> Result<CaBundle, CaBundleError> {
    let fail = |reason: String| CaBundleError {
        path: path.to_path_buf(),
        origin: origin.to_string(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_BUNDLE_BYTES {
        return Err(fail(format!("{size} bytes is too large for a CA bundle")));
    }
    let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let certificates = check(&pem).map_err(fail)?;
    Ok(CaBundle {
        path: path.to_path_buf(),
        origin: origin.to_string(),
        certificates,
        pem,
    })
}

/// The number of certificates in `pem`, all of which a TLS client accepts
/// as trust anchors.
fn check(pem: &[u8]) -> Result<usize, String> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not valid PEM ({e})"))?;
    if certificates.is_empty() {
        return Err("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for (index, certificate) in certificates.iter().enumerate() {
        roots.add(certificate.clone()).map_err(|e| {
            format!(
                "certificate {} of {} cannot be parsed ({e})",
                index + 1,
                certificates.len()
            )
        })?;
    }
    Ok(certificates.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(content: &[u8]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), content).unwrap();
        file
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = load(Path::new("/nonexistent/ca.pem"), CA_BUNDLE_VAR).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/nonexistent/ca.pem"), "{text}");
        assert!(text.contains("AWS_CA_BUNDLE"), "{text}");
    }

    #[test]
    fn a_file_without_certificates_is_an_error() {
        let file = write(b"not a certificate\n");
        let err = load(file.path(), CA_BUNDLE_VAR).unwrap_err();
        assert!(err.reason.contains("no PEM certificate"), "{}", err.reason);
    }

    #[test]
    fn a_certificate_that_does_not_parse_is_an_error_not_a_panic() {
        let file = write(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        let err = load(file.path(), CA_BUNDLE_VAR).unwrap_err();
        assert!(err.reason.contains("certificate 1 of 1"), "{}", err.reason);
    }

    #[test]
    fn a_home_relative_path_is_expanded() {
        let expanded = expand_home("~/ca.pem");
        assert!(!expanded.starts_with("~"), "{}", expanded.display());
        assert_eq!(expand_home("/etc/ca.pem"), PathBuf::from("/etc/ca.pem"));
    }

    #[test]
    fn trust_is_described_with_its_origin() {
        assert_eq!(Trust::System.describe(), "system trust store");
        let bundle = CaBundle {
            path: PathBuf::from("/etc/corp.pem"),
            origin: CA_BUNDLE_VAR.into(),
            certificates: 2,
            pem: Vec::new(),
        };
        assert_eq!(
            Trust::WithBundle(bundle).describe(),
            "system trust store + /etc/corp.pem (AWS_CA_BUNDLE, 2 certificates)"
        );
    }
}
