// `json` describes a databag encoding; a secret field never stands in the databag.
use databag::{Databag, Secret, SecretUri};

#[derive(Databag)]
struct Credentials {
    #[databag(secret = "user", json)]
    uris: Option<Secret<String>>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
}

fn main() {}
