//! A certificate authority made in the test, and a server certificate it signs for
//! `127.0.0.1`: what a TLS-enabled Valkey server loads, and the CA a client must trust.
//! Nothing here is written before a test asks for it; keys never leave the temp directory.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A test CA: its certificate (PEM) and the key it signs with.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// The files a TLS server is started with.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The server's certificate (PEM), signed by the CA.
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// The CA certificate (PEM).
    pub ca: PathBuf,
}

impl TestCa {
    /// A new CA named `name`, with a fresh key.
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("a self-signed CA");
        TestCa { issuer }
    }

    /// The CA certificate, PEM: what the provider puts in the `tls-ca` secret field.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Signs a server certificate for `127.0.0.1` and `localhost`, and writes it, its key and
    /// the CA certificate into `dir`.
    pub fn server_files(&self, dir: &Path) -> TlsFiles {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server names");
        params
            .distinguished_name
            .push(DnType::CommonName, "valkey test server");
        let key = KeyPair::generate().expect("a server key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        let files = TlsFiles {
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
            ca: dir.join("ca.crt"),
        };
        std::fs::write(&files.cert, cert.pem()).expect("write server cert");
        std::fs::write(&files.key, key.serialize_pem()).expect("write server key");
        std::fs::write(&files.ca, self.pem()).expect("write CA cert");
        files
    }
}
