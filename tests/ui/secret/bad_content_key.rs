// A secret field's wire name is a Juju secret content key: `^[a-z](?:-?[a-z0-9]){2,}$`.
use databag::{Databag, Secret, SecretUri};

#[derive(Databag)]
struct Tls {
    #[databag(secret = "tls", rename = "TLS_CA")]
    tls_ca: Option<Secret<String>>,
    #[databag(secret = "tls")]
    ca: Option<Secret<String>>,
    #[databag(secret_uri = "tls")]
    secret_tls: Option<SecretUri>,
}

fn main() {}
