// A secret may be absent (its Juju Secret not yet granted), so the field must be an Option.
use databag::{Databag, Secret, SecretUri};

#[derive(Databag)]
struct Credentials {
    #[databag(secret = "user")]
    password: Secret<String>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
}

fn main() {}
