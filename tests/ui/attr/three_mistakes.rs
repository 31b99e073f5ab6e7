// Three independent mistakes in one struct: all three are reported at once.
use databag::{Databag, Secret, SecretUri};

#[derive(Databag)]
struct Response {
    #[databag(alais = "sentinel_endpoints")]
    sentinel_endpoints: Option<String>,
    #[databag(secret = "user")]
    password: Secret<String>,
    #[databag(secret_uri = "User")]
    secret_user: Option<SecretUri>,
}

fn main() {}
