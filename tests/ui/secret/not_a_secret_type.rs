// A secret field holds a `Secret<T>`, whose Debug output never shows the value.
use databag::{Databag, SecretUri};

#[derive(Databag)]
struct Credentials {
    #[databag(secret = "user")]
    password: Option<String>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
}

fn main() {}
