use databag::{Databag, SecretUri};

#[derive(Databag)]
struct Response {
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret_uri = "user")]
    user_secret: Option<SecretUri>,
}

fn main() {}
