//! TLS for the EC2 endpoint: a throw-away certificate authority made at
//! start, the server certificate it signs for 127.0.0.1/localhost, and the
//! CA's PEM written to a file a client can be pointed at (`AWS_CA_BUNDLE`).
//!
//! Nothing here is secret or committed: every emulator makes its own keys.
//! Tests can swap in a certificate with a known defect (expired, wrong
//! name) to see how the client reports it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::EmulatorError;
use crate::state::lock;

/// Which server certificate the HTTPS endpoint presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCertificate {
    /// Signed by the emulator's CA for 127.0.0.1 and localhost.
    Valid,
    /// Same names and CA, but its validity ended in 2001.
    Expired,
    /// Same CA and validity, issued for `ec2.wrong-name.invalid` only.
    WrongName,
}

/// The emulator's CA, its PEM file, and the TLS configuration in force.
pub struct Tls {
    ca: CertifiedIssuer<'static, KeyPair>,
    dir: PathBuf,
    ca_path: PathBuf,
    config: Mutex<Arc<ServerConfig>>,
}

impl Tls {
    pub fn new() -> Result<Tls, EmulatorError> {
        let ca = make_ca()?;
        let dir = fresh_dir()?;
        let ca_path = dir.join("emulator-ca.pem");
        std::fs::write(&ca_path, ca.pem()).map_err(EmulatorError::Start)?;
        let config = server_config(&ca, ServerCertificate::Valid)?;
        Ok(Tls {
            ca,
            dir,
            ca_path,
            config: Mutex::new(config),
        })
    }

    /// The CA certificate (PEM) a client must trust to verify the endpoint.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    pub fn config(&self) -> Arc<ServerConfig> {
        lock(&self.config).clone()
    }

    /// Presents `which` from the next handshake on.
    pub fn set_certificate(&self, which: ServerCertificate) -> Result<(), EmulatorError> {
        let config = server_config(&self.ca, which)?;
        *lock(&self.config) = config;
        Ok(())
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        // Best effort: a leftover public certificate in /tmp harms nobody.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cert_error(e: rcgen::Error) -> EmulatorError {
    EmulatorError::Start(std::io::Error::other(format!(
        "certificate generation: {e}"
    )))
}

fn make_ca() -> Result<CertifiedIssuer<'static, KeyPair>, EmulatorError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_error)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "ec2-emulator throw-away CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().map_err(cert_error)?;
    CertifiedIssuer::self_signed(params, key).map_err(cert_error)
}

fn server_config(
    ca: &CertifiedIssuer<'static, KeyPair>,
    which: ServerCertificate,
) -> Result<Arc<ServerConfig>, EmulatorError> {
    let names = match which {
        ServerCertificate::WrongName => vec!["ec2.wrong-name.invalid".to_string()],
        _ => vec!["localhost".to_string(), "127.0.0.1".to_string()],
    };
    let mut params = CertificateParams::new(names).map_err(cert_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "ec2-emulator");
    if which == ServerCertificate::Expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let key = KeyPair::generate().map_err(cert_error)?;
    let cert = params.signed_by(&key, &**ca).map_err(cert_error)?;
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone(), ca.der().clone()];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let tls_error = |e: tokio_rustls::rustls::Error| {
        EmulatorError::Start(std::io::Error::other(format!("TLS configuration: {e}")))
    };
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(tls_error)?;
    Ok(Arc::new(config))
}

/// A directory of our own under the system's temporary directory.
fn fresh_dir() -> Result<PathBuf, EmulatorError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ec2-emulator-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(EmulatorError::Start)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_file_holds_the_ca_certificate_and_goes_away_with_it() {
        let tls = Tls::new().unwrap();
        let path = tls.ca_path().to_path_buf();
        let pem = std::fs::read_to_string(&path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert_eq!(pem, tls.ca_pem());
        tls.set_certificate(ServerCertificate::Expired).unwrap();
        drop(tls);
        assert!(!path.exists());
    }
}
